// Storage figures (issue "Storage", docs/performance.md):
//   wordcount  map_reduce word count over 1 GiB of text (8 objects, 64 MiB chunks), end to end,
//              next to a plain 2-thread C++ program counting the same files (localhost storage)
//              or next to curl downloading the same objects (S3): ratios
//   smallops   put_object / get_object of 1,000 objects of 1 KiB, list_keys over 10,000 keys
// usage: storage_bench [wordcount|smallops ...] [--storage localhost|s3|redis] [--rounds N]
// S3 is the Ceph RGW the tests use (tests/servers/ceph-up.sh): http://127.0.0.1:7480, AKTEST/SKTEST.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <lithops/lithops.hpp>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "word_count.hpp"

namespace {

using bench::add;
using bench::count_chunk;
using bench::make_text;
using bench::median;
using bench::WordCounter;

using Clock = std::chrono::steady_clock;
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string g_storage = "localhost";
int g_rounds = 3;
constexpr int kObjects = 8;
constexpr std::uint64_t kObjectBytes = 128ull << 20;  // 8 x 128 MiB = 1 GiB
constexpr std::uint64_t kChunk = 64ull << 20;

lithops::Config bench_config() {
  lithops::Config c = lithops::Config::load();
  c.set("lithops.log_level", "WARNING");
  c.set("lithops.progress_bar", false);
  if (c.get_string("localhost.storage_dir").empty()) c.set("localhost.storage_dir", "/tmp/lithops-bench-storage");
  if (g_storage == "s3") {
    c.set("lithops.storage", "ceph");
    c.set("ceph.endpoint", "http://127.0.0.1:7480");
    c.set("ceph.access_key_id", "AKTEST");
    c.set("ceph.secret_access_key", "SKTEST");
    c.set("ceph.storage_bucket", "lithops-bench");
  } else if (g_storage == "redis") {
    c.set("lithops.storage", "redis");
    c.set("redis.port", 6390);
  }
  return c;
}


std::string key_of(int i) { return "wc/part-" + std::to_string(i) + ".txt"; }

void ensure_dataset(lithops::Storage& st) {
  if (!st.bucket_exists(st.bucket())) st.create_bucket(st.bucket());
  for (int i = 0; i < kObjects; ++i) {
    try {
      if (st.head_object(st.bucket(), key_of(i)).size == kObjectBytes) continue;
    } catch (const lithops::NoSuchKeyError&) {
    }
    st.put_object(st.bucket(), key_of(i), make_text(kObjectBytes, static_cast<unsigned>(i)));
  }
}

// The plain program: 2 threads, each counting whole files with read(2) into a 64 MiB buffer.
std::uint64_t plain_count(const std::vector<std::string>& paths) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> total{0};
  auto work = [&] {
    std::vector<char> buf(kChunk);
    for (std::size_t i; (i = next++) < paths.size();) {
      int fd = ::open(paths[i].c_str(), O_RDONLY);
      WordCounter wc;
      for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) wc.feed(buf.data(), static_cast<std::size_t>(n));
      ::close(fd);
      total += wc.words;
    }
  };
  std::thread t(work);
  work();
  t.join();
  return total;
}

// curl downloading one object from the same server, as a separate process (the reference).
double curl_seconds(const std::string& bucket, const std::string& key) {
  std::string cmd = "curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user AKTEST:SKTEST "
                    "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -o /dev/null 'http://127.0.0.1:7480/" +
                    bucket + "/" + key + "'";
  auto t0 = Clock::now();
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "curl failed: %s\n", cmd.c_str());
  return secs(Clock::now() - t0);
}

void wordcount() {
  lithops::Storage st(bench_config());
  ensure_dataset(st);
  const double gib = static_cast<double>(kObjects * kObjectBytes) / (1 << 30);
  std::vector<double> ours, reference, ratios;
  std::uint64_t our_words = 0, ref_words = 0;
  for (int r = 0; r < g_rounds; ++r) {
    // Executor creation to the total in hand (its teardown comes after the answer).
    double t_ours = 0;
    auto run_ours = [&] {
      auto t0 = Clock::now();
      lithops::FunctionExecutor fexec(bench_config());
      our_words = fexec.map_reduce(count_chunk, lithops::objects(st.bucket() + "/wc/").obj_chunk_size(kChunk), add).get();
      t_ours = secs(Clock::now() - t0);
    };
    double t_ref = 0;
    if (g_storage == "localhost") {
      lithops::Config c = bench_config();
      const std::string dir = c.get_string("localhost.storage_dir");
      std::vector<std::string> paths;
      for (int i = 0; i < kObjects; ++i) paths.push_back(dir + "/" + st.bucket() + "/" + key_of(i));
      auto run_plain = [&] {
        auto t1 = Clock::now();
        ref_words = plain_count(paths);
        t_ref = secs(Clock::now() - t1);
      };
      // Alternating which goes first: the VM's speed drifts, and neither should always get the
      // fresher start.
      if (r % 2 == 0) run_ours(), run_plain();
      else run_plain(), run_ours();
      std::printf("wordcount round %d: ours %.3f s (%.2f GB/s), plain 2-thread %.3f s, ratio %.3f, words %llu/%llu\n", r,
                  t_ours, gib * 1.073741824 / t_ours, t_ref, t_ref / t_ours, static_cast<unsigned long long>(our_words),
                  static_cast<unsigned long long>(ref_words));
      ratios.push_back(t_ref / t_ours);
    } else {
      run_ours();
      std::printf("wordcount round %d: ours %.3f s end to end (%.2f GB/s), words %llu\n", r, t_ours,
                  gib * 1.073741824 / t_ours, static_cast<unsigned long long>(our_words));
    }
    ours.push_back(t_ours);
    reference.push_back(t_ref);
  }
  std::printf("wordcount median: ours %.3f s (%.2f GB/s)", median(ours), gib * 1.073741824 / median(ours));
  if (!ratios.empty()) std::printf(", plain %.3f s, ratio %.3f (target >= 0.95)", median(reference), median(ratios));
  std::printf("\n");
  // Machine-readable lines for bench/compare.py.
  std::printf("FIGURE wordcount_s %.4f\nFIGURE words %llu\n", median(ours), static_cast<unsigned long long>(our_words));
  if (!ratios.empty())
    std::printf("FIGURE wordcount_plain_s %.4f\nFIGURE wordcount_ratio %.4f\n", median(reference), median(ratios));
  if (g_storage == "s3") {
    // get_object vs curl, one object at a time, alternating.
    std::vector<double> t_get, t_curl;
    for (int r = 0; r < g_rounds; ++r)
      for (int i = 0; i < kObjects; ++i) {
        auto t0 = Clock::now();
        std::string data = st.get_object(st.bucket(), key_of(i));
        t_get.push_back(secs(Clock::now() - t0));
        if (data.size() != kObjectBytes) std::fprintf(stderr, "short object\n");
        t_curl.push_back(curl_seconds(st.bucket(), key_of(i)));
      }
    double mb = static_cast<double>(kObjectBytes) / 1e6;
    std::printf("get_object of 128 MiB: median %.1f MB/s; curl: median %.1f MB/s; ratio %.3f (target >= 0.9)\n",
                mb / median(t_get), mb / median(t_curl), median(t_curl) / median(t_get));
  }
}

void smallops() {
  lithops::Storage st(bench_config());
  const std::string bucket = "lithops-bench-small";
  st.create_bucket(bucket);
  st.delete_objects(bucket, st.list_keys(bucket));
  const std::string body(1024, 'x');
  std::vector<double> put_rate, get_rate, list_rate;
  for (int r = 0; r < g_rounds; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < 1000; ++i) st.put_object(bucket, "small/" + std::to_string(i), body);
    put_rate.push_back(1000 / secs(Clock::now() - t0));
    t0 = Clock::now();
    for (int i = 0; i < 1000; ++i)
      if (st.get_object(bucket, "small/" + std::to_string(i)).size() != 1024) std::fprintf(stderr, "bad get\n");
    get_rate.push_back(1000 / secs(Clock::now() - t0));
  }
  // 10,000 keys (put in parallel: setting up is not what is measured).
  std::atomic<int> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&] {
      for (int i; (i = next++) < 10000;) st.put_object(bucket, "many/" + std::to_string(i), "");
    });
  for (auto& t : ts) t.join();
  for (int r = 0; r < g_rounds; ++r) {
    auto t0 = Clock::now();
    auto keys = st.list_keys(bucket, "many/");
    double s = secs(Clock::now() - t0);
    if (keys.size() != 10000) std::fprintf(stderr, "listed %zu keys\n", keys.size());
    list_rate.push_back(10000 / s);
  }
  std::printf("smallops %s: put 1 KiB %.0f ops/s, get 1 KiB %.0f ops/s, list_keys of 10,000 keys %.3f s (%.0f keys/s)\n",
              g_storage.c_str(), median(put_rate), median(get_rate), 10000 / median(list_rate), median(list_rate));
  st.delete_objects(bucket, st.list_keys(bucket));
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  std::vector<std::string> which;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--storage" && i + 1 < argc) g_storage = argv[++i];
    else if (a == "--rounds" && i + 1 < argc) g_rounds = std::atoi(argv[++i]);
    else which.push_back(a);
  }
  if (which.empty()) which = {"wordcount", "smallops"};
  for (const auto& w : which) {
    if (w == "wordcount") wordcount();
    else if (w == "smallops") smallops();
    else {
      std::fprintf(stderr, "unknown benchmark %s\n", w.c_str());
      return 2;
    }
  }
  return 0;
}
