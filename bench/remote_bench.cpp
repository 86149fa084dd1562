// Remote backend figures (issue "SSH hosts and Slurm", docs/performance.md), on the test set-ups
// started by tests/servers/up.sh DIR (3 network-namespace SSH hosts, a one-node Slurm cluster
// advertising 8 CPUs, Ceph RGW and Redis on 10.200.0.1):
//   noop       N no-op calls end to end (calls/s), and the client's CPU seconds per 10,000 calls
//   sleep      100 calls that each sleep 1 s, end to end, next to the ideal (100 s / workers)
//   wordcount  map_reduce word count over 1 GiB of text in S3 (8 x 128 MiB, 64 MiB chunks), GB/s
// usage: remote_bench --servers DIR --backend ssh|slurm [noop|sleep|wordcount ...]
//                     [--calls N] [--workers W] [--rounds R]
// Each round builds a fresh executor, so "end to end" includes starting the agents; the same
// round's second job (warm agents) is reported too.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
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

using Clock = std::chrono::steady_clock;
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string g_servers, g_backend = "ssh";
int g_calls = 10000, g_workers = 0, g_rounds = 3;

lithops::Config bench_config() {
  lithops::Config c;
  c.set("lithops.log_level", "WARNING");
  c.set("lithops.progress_bar", false);
  c.set("lithops.storage", "ceph");
  c.set("ceph.endpoint", "http://10.200.0.1:7480");
  c.set("ceph.access_key_id", "AKTEST");
  c.set("ceph.secret_access_key", "SKTEST");
  c.set("ceph.storage_bucket", "lithops-bench");
  if (g_backend == "ssh") {
    c.set("lithops.backend", "ssh");
    c.set("ssh.hosts", "root@10.200.0.11, root@10.200.0.12, root@10.200.0.13");
    c.set("ssh.key_file", g_servers + "/net/id_ed25519");
    c.set("ssh.ssh_options", "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null");
    c.set("ssh.worker_processes", g_workers ? g_workers : 2);
    c.set("ssh.cache_dir", g_servers + "/runtime-cache");
  } else {
    c.set("lithops.backend", "slurm");
    c.set("slurm.slurm_conf", g_servers + "/slurm/slurm.conf");
    c.set("slurm.cpus_per_task", g_workers ? g_workers : 8);
    c.set("slurm.cache_dir", g_servers + "/runtime-cache");
  }
  return c;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

int noop(int x) { return x; }
int sleep_one(int x) {
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return x;
}

void run_noop() {
  std::vector<int> in(static_cast<std::size_t>(g_calls));
  std::iota(in.begin(), in.end(), 0);
  std::vector<double> cold, warm, cpu;
  for (int r = 0; r < g_rounds; ++r) {
    auto t0 = Clock::now();
    lithops::FunctionExecutor fexec(bench_config());
    fexec.get_result(fexec.map(noop, in));
    double t_cold = secs(Clock::now() - t0);
    const double c0 = cpu_seconds();
    auto t1 = Clock::now();
    fexec.get_result(fexec.map(noop, in));
    double t_warm = secs(Clock::now() - t1);
    double c = cpu_seconds() - c0;
    cold.push_back(t_cold), warm.push_back(t_warm), cpu.push_back(c / g_calls * 10000);
    std::printf("noop round %d: %d calls, first job %.3f s (agents starting), second job %.3f s (%.0f calls/s), "
                "client CPU %.3f s per 10,000 calls\n",
                r, g_calls, t_cold, t_warm, g_calls / t_warm, c / g_calls * 10000);
  }
  std::printf("noop median (%s, %d calls): first job %.3f s; warm %.3f s = %.0f calls/s; client CPU %.3f s per 10,000 "
              "calls\n",
              g_backend.c_str(), g_calls, median(cold), median(warm), g_calls / median(warm), median(cpu));
}

void run_sleep() {
  std::vector<int> in(100);
  std::iota(in.begin(), in.end(), 0);
  std::vector<double> times;
  std::size_t workers = 0;
  for (int r = 0; r < g_rounds; ++r) {
    auto t0 = Clock::now();
    lithops::FunctionExecutor fexec(bench_config());
    workers = fexec.worker_count();
    fexec.get_result(fexec.map(sleep_one, in));
    times.push_back(secs(Clock::now() - t0));
    std::printf("sleep round %d: 100 x 1 s on %zu workers: %.3f s end to end (ideal %.1f s)\n", r, workers,
                times.back(), 100.0 / static_cast<double>(workers));
  }
  std::printf("sleep median (%s): %.3f s end to end; ideal %.1f s; overhead %.3f s\n", g_backend.c_str(),
              median(times), 100.0 / static_cast<double>(workers), median(times) - 100.0 / static_cast<double>(workers));
}

constexpr int kObjects = 8;
constexpr std::uint64_t kObjectBytes = 128ull << 20;

void run_wordcount() {
  lithops::Config c = bench_config();
  lithops::Storage st(c);
  if (!st.bucket_exists(st.bucket())) st.create_bucket(st.bucket());
  for (int i = 0; i < kObjects; ++i) {
    std::string key = "wc/part-" + std::to_string(i) + ".txt";
    try {
      if (st.head_object(st.bucket(), key).size == kObjectBytes) continue;
    } catch (const lithops::NoSuchKeyError&) {
    }
    st.put_object(st.bucket(), key, make_text(kObjectBytes, static_cast<unsigned>(i)));
  }
  std::vector<double> times;
  for (int r = 0; r < g_rounds; ++r) {
    lithops::FunctionExecutor fexec(c);
    fexec.get_result(fexec.map(noop, std::vector<int>{1, 2, 3, 4, 5, 6}));  // agents up: time the job alone
    auto t0 = Clock::now();
    std::uint64_t words =
        fexec.map_reduce(count_chunk, lithops::objects(st.bucket() + "/wc/").obj_chunk_size(64ull << 20), add).get();
    times.push_back(secs(Clock::now() - t0));
    std::printf("wordcount round %d: 1 GiB in %.3f s (%.2f GB/s), %llu words\n", r, times.back(),
                1.073741824 / times.back(), static_cast<unsigned long long>(words));
  }
  std::printf("wordcount median (%s, S3): %.3f s = %.2f GB/s\n", g_backend.c_str(), median(times),
              1.073741824 / median(times));
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  std::vector<std::string> which;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--servers") g_servers = next();
    else if (a == "--backend") g_backend = next();
    else if (a == "--calls") g_calls = std::atoi(next().c_str());
    else if (a == "--workers") g_workers = std::atoi(next().c_str());
    else if (a == "--rounds") g_rounds = std::atoi(next().c_str());
    else which.push_back(a);
  }
  if (g_servers.empty() || (g_backend != "ssh" && g_backend != "slurm")) {
    std::fprintf(stderr, "usage: remote_bench --servers DIR --backend ssh|slurm [noop|sleep|wordcount ...]\n");
    return 2;
  }
  if (which.empty()) which = {"noop"};
  for (const auto& w : which) {
    if (w == "noop") run_noop();
    else if (w == "sleep") run_sleep();
    else if (w == "wordcount") run_wordcount();
  }
  return 0;
}
