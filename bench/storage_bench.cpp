// Storage figures (issue "Storage", docs/performance.md):
//   wordcount  map_reduce word count over 1 GiB of text (8 objects, 64 MiB chunks), end to end,
//              next to a plain 2-thread C++ program counting the same files (localhost storage)
//              or next to curl downloading the same objects (S3): ratios
//   smallops   put_object / get_object of 1,000 objects of 1 KiB, list_keys over 10,000 keys
//   transfer   get_object of a 128 MiB object next to curl fetching it from the same server (by
//              a presigned URL), alternating; an upload of --upload-mib MiB (default 1024) in
//              parallel parts next to the same upload as one request (one stream), alternating
// usage: storage_bench [wordcount|smallops|transfer ...] [--storage localhost|s3|redis|azure|gcs|swift]
//                      [--rounds N] [--servers DIR] [--upload-mib N]
// S3 is the Ceph RGW the tests use (tests/servers/ceph-up.sh): http://127.0.0.1:7480, AKTEST/SKTEST.
// azure is the tests' Azurite (tests/servers/azurite-up.sh; its key is read from
// DIR/azurite/credentials, DIR = build/servers by default); gcs the tests' fake-gcs-server (DIR/gcs/endpoint);
// swift the tests' Swift through their Keystone (DIR/swift/credentials).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
std::string g_servers = "build/servers";
std::uint64_t g_upload_mib = 1024;
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
  } else if (g_storage == "azure") {
    std::ifstream creds(g_servers + "/azurite/credentials");
    for (std::string line; std::getline(creds, line);) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "AZURE_ACCOUNT") c.set("azure_storage.storage_account_name", v);
      if (k == "AZURE_KEY") c.set("azure_storage.storage_account_key", v);
      if (k == "AZURE_ENDPOINT") c.set("azure_storage.endpoint", v);
    }
    c.set("lithops.storage", "azure_storage");
    c.set("azure_storage.storage_bucket", "lithops-bench");
  } else if (g_storage == "gcs") {
    // fake-gcs-server: no credentials, as Google's clients reach an emulator.
    std::string endpoint;
    std::ifstream(g_servers + "/gcs/endpoint") >> endpoint;
    c.set("lithops.storage", "gcp_storage");
    c.set("gcp_storage.endpoint", endpoint);
    c.set("gcp_storage.storage_bucket", "lithops-bench");
  } else if (g_storage == "swift") {
    // Swift through the test Keystone (v3 tokens), as the contract suite reaches it.
    std::ifstream creds(g_servers + "/swift/credentials");
    for (std::string line; std::getline(creds, line);) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "SWIFT_KEYSTONE_URL") c.set("swift.auth_url", v);
      if (k == "SWIFT_USER_ID") c.set("swift.user_id", v);
      if (k == "SWIFT_PROJECT_ID") c.set("swift.project_id", v);
      if (k == "SWIFT_PASSWORD") c.set("swift.password", v);
      if (k == "SWIFT_REGION") c.set("swift.region", v);
    }
    c.set("lithops.storage", "swift");
    c.set("swift.storage_bucket", "lithops-bench");
  }
  return c;
}

// What a section's key is called for the bench's storage (upload threshold: one request below).
std::string threshold_key() {
  if (g_storage == "s3") return "ceph.multipart_threshold";
  if (g_storage == "azure") return "azure_storage.upload_threshold";
  if (g_storage == "gcs") return "gcp_storage.upload_threshold";
  if (g_storage == "swift") return "swift.upload_threshold";
  return "";
}

// curl fetching a URL to /dev/null, as a separate process: the reference a client is held to.
double curl_url_seconds(const std::string& url) {
  auto t0 = Clock::now();
  if (std::system(("curl -sf -o /dev/null '" + url + "'").c_str()) != 0) std::fprintf(stderr, "curl failed\n");
  return secs(Clock::now() - t0);
}

void transfer() {
  const std::string key = "transfer/128mib.bin";
  std::vector<double> t_get, t_curl, t_stream;
  {
    lithops::Storage st(bench_config());
    if (!st.bucket_exists(st.bucket())) st.create_bucket(st.bucket());
    st.put_object(st.bucket(), key, make_text(128ull << 20, 7));
    auto presigned = st.presigned_url(st.bucket(), key, std::chrono::seconds(3600));
    if (!presigned) {
      std::fprintf(stderr, "transfer: %s storage hands out no URLs for curl to fetch\n", g_storage.c_str());
      return;
    }
    const std::string url = *presigned;
    for (int r = 0; r < 2 * g_rounds; ++r) {
      auto ours = [&] {
        auto t0 = Clock::now();
        std::string data = st.get_object(st.bucket(), key);
        t_get.push_back(secs(Clock::now() - t0));
        if (data.size() != (128ull << 20)) std::fprintf(stderr, "short object\n");
      };
      // The same bytes handed to a sink that drops them, as curl -o /dev/null does.
      auto streamed = [&] {
        std::uint64_t got = 0;
        auto t0 = Clock::now();
        st.get_object(st.bucket(), key, [&](std::string_view piece) { got += piece.size(); });
        t_stream.push_back(secs(Clock::now() - t0));
        if (got != (128ull << 20)) std::fprintf(stderr, "short stream\n");
      };
      if (r % 2 == 0) ours(), streamed(), t_curl.push_back(curl_url_seconds(url));
      else t_curl.push_back(curl_url_seconds(url)), streamed(), ours();
    }
  }
  const double mb = 128.0 * 1.048576;
  std::printf("transfer %s: get_object of 128 MiB median %.1f MB/s; curl %.1f MB/s; ratio %.3f (target >= 0.95)\n",
              g_storage.c_str(), mb / median(t_get), mb / median(t_curl), median(t_curl) / median(t_get));
  std::printf("transfer %s: get_object to a dropping sink (as curl -o /dev/null) median %.1f MB/s; ratio %.3f\n",
              g_storage.c_str(), mb / median(t_stream), median(t_curl) / median(t_stream));
  std::printf("FIGURE get_128mib_ratio_vs_curl %.4f\nFIGURE stream_128mib_ratio_vs_curl %.4f\n",
              median(t_curl) / median(t_get), median(t_curl) / median(t_stream));

  // Upload: parallel parts (the configuration's) against one stream (threshold above the size).
  const std::uint64_t bytes = g_upload_mib << 20;
  const std::string data = make_text(bytes, 11);
  lithops::Config single = bench_config();
  single.set(threshold_key(), static_cast<std::int64_t>(bytes + 1));
  lithops::Storage parallel_st(bench_config()), single_st(single);
  std::vector<double> t_par, t_one;
  for (int r = 0; r < g_rounds; ++r) {
    auto par = [&] {
      auto t0 = Clock::now();
      parallel_st.put_object(parallel_st.bucket(), "transfer/up-parallel", data);
      t_par.push_back(secs(Clock::now() - t0));
    };
    auto one = [&] {
      auto t0 = Clock::now();
      single_st.put_object(single_st.bucket(), "transfer/up-single", data);
      t_one.push_back(secs(Clock::now() - t0));
    };
    if (r % 2 == 0) par(), one();
    else one(), par();
  }
  const double umb = static_cast<double>(bytes) / 1e6;
  std::printf("transfer %s: upload of %llu MiB in parallel parts median %.1f MB/s; as one request %.1f MB/s; "
              "ratio %.3f\n",
              g_storage.c_str(), static_cast<unsigned long long>(g_upload_mib), umb / median(t_par),
              umb / median(t_one), median(t_one) / median(t_par));
  std::printf("FIGURE upload_parallel_ratio_vs_single %.4f\n", median(t_one) / median(t_par));
  parallel_st.delete_objects(parallel_st.bucket(), {key, "transfer/up-parallel", "transfer/up-single"});
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
    else if (a == "--servers" && i + 1 < argc) g_servers = argv[++i];
    else if (a == "--upload-mib" && i + 1 < argc) g_upload_mib = std::strtoull(argv[++i], nullptr, 10);
    else which.push_back(a);
  }
  if (which.empty()) which = {"wordcount", "smallops"};
  for (const auto& w : which) {
    if (w == "wordcount") wordcount();
    else if (w == "smallops") smallops();
    else if (w == "transfer") transfer();
    else {
      std::fprintf(stderr, "unknown benchmark %s\n", w.c_str());
      return 2;
    }
  }
  return 0;
}
