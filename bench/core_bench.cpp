// Core figures of the localhost backend (issue "Core", docs/performance.md):
//   throughput   one map of 100,000 no-op calls, executor creation to last result
//   roundtrip    call_async + get of a no-op, 1,000 times after warm-up: p50 / p99, beside
//                the floor: one 64-byte message each way over a unix socket between this
//                process and a forked child, in alternating blocks
//   sleep        8 calls that each sleep 1 s on 8 workers: wall time
//   montecarlo   2 calls of 10^8 samples vs one loop of 2 x 10^8 in this process: efficiency
//   first        executor creation to the first result of one no-op call
// usage: core_bench [name ...] [--transport pipe|storage]   (default: all, pipe)
// Besides the human lines, each figure is printed as "FIGURE name value" for bench/compare.py.
#include <lithops/lithops.hpp>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
std::string g_transport = "pipe";

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

lithops::Config bench_config(int workers = 0) {
  lithops::Config c = lithops::Config::load();
  c.set("lithops.log_level", std::getenv("LITHOPS_BENCH_LOG") ? "INFO" : "WARNING");
  c.set("localhost.transport", g_transport);
  if (workers) c.set("localhost.worker_processes", workers);
  return c;
}

int plus_one(int x) { return x + 1; }
int noop(int x) { return x; }
int sleep_one_second(int x) {
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return x;
}

// xorshift: cheap, deterministic per seed, identical in both runs of the comparison.
std::uint64_t monte_carlo_hits(std::uint64_t samples, std::uint64_t seed) {
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1, hits = 0;
  for (std::uint64_t i = 0; i < samples; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    double x = static_cast<double>(s >> 11) * 0x1.0p-53;
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    double y = static_cast<double>(s >> 11) * 0x1.0p-53;
    hits += x * x + y * y <= 1.0;
  }
  return hits;
}

void throughput() {
  constexpr int kCalls = 100'000;
  std::vector<int> data(kCalls);
  for (int i = 0; i < kCalls; ++i) data[i] = i;
  auto t0 = Clock::now();
  lithops::FunctionExecutor fexec(bench_config());
  auto t1 = Clock::now();
  auto fs = fexec.map(plus_one, data);
  auto t2 = Clock::now();
  auto r = fexec.get_result(fs);
  const auto t3 = Clock::now();
  double s = secs(t3 - t0);
  bool ok = r.size() == kCalls && r.back() == kCalls;
  std::printf("throughput: %d calls in %.3f s = %.0f calls/s (creation to last result)%s; creation %.1f ms, map() "
              "%.1f ms, get_result %.1f ms\n",
              kCalls, s, kCalls / s, ok ? "" : " WRONG RESULTS", secs(t1 - t0) * 1e3, secs(t2 - t1) * 1e3,
              secs(t3 - t2) * 1e3);
  if (ok) std::printf("FIGURE w1_calls_per_s %.0f\n", kCalls / s);
}

// The floor a round trip is compared with: a forked child echoes 64-byte messages over a
// socketpair. Only read/write run in the child, so forking this threaded process is safe.
class SocketEcho {
 public:
  SocketEcho() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds_[0]);
      char buf[64];
      while (::read(fds_[1], buf, sizeof buf) == sizeof buf && ::write(fds_[1], buf, sizeof buf) == sizeof buf) {
      }
      ::_exit(0);
    }
    ::close(fds_[1]);
  }
  ~SocketEcho() {
    ::close(fds_[0]);
    ::waitpid(pid_, nullptr, 0);
  }
  double round_trip_us() {
    char buf[64] = {1};
    auto t0 = Clock::now();
    if (::write(fds_[0], buf, sizeof buf) != sizeof buf || ::read(fds_[0], buf, sizeof buf) != sizeof buf) std::abort();
    return secs(Clock::now() - t0) * 1e6;
  }

 private:
  int fds_[2] = {-1, -1};
  pid_t pid_ = -1;
};

// Blocks of 100 alternate between ours and the floor, so that both see the same drift of the VM.
void roundtrip() {
  lithops::FunctionExecutor fexec(bench_config());
  SocketEcho echo;
  for (int i = 0; i < 200; ++i) fexec.call_async(noop, i).get(), echo.round_trip_us();  // warm-up
  std::vector<double> us, floor_us;
  for (int block = 0; block < 10; ++block) {
    for (int i = 0; i < 100; ++i) {
      auto t0 = Clock::now();
      fexec.call_async(noop, i).get();
      us.push_back(secs(Clock::now() - t0) * 1e6);
    }
    for (int i = 0; i < 100; ++i) floor_us.push_back(echo.round_trip_us());
  }
  std::sort(us.begin(), us.end());
  std::sort(floor_us.begin(), floor_us.end());
  std::printf("roundtrip: p50 %.1f us, p99 %.1f us, max %.1f us (1000 call_async + get); unix socket floor p50 %.1f us, "
              "p99 %.1f us; ratio %.2f\n",
              us[500], us[990], us.back(), floor_us[500], floor_us[990], us[500] / floor_us[500]);
  std::printf("FIGURE roundtrip_p50_us %.2f\nFIGURE socket_floor_p50_us %.2f\n", us[500], floor_us[500]);
}

// Where a round trip's time goes, from one call's stats (ms after submit).
void rtstats() {
  lithops::FunctionExecutor fexec(bench_config());
  fexec.call_async(noop, 0).get();
  for (int i = 0; i < 400; ++i) {
    auto t0 = Clock::now();
    auto f = fexec.call_async(noop, i);
    auto t1 = Clock::now();
    f.get();
    if (i % 40) continue;
    std::printf("rtstats: %d round trip %.3f ms (submit %.3f); ", i, secs(Clock::now() - t0) * 1e3, secs(t1 - t0) * 1e3);
    auto s = f.stats();
    auto ms = [&](auto t) { return std::chrono::duration<double, std::milli>(t - s.host_submit).count(); };
    std::printf("rtstats: worker start %.3f, func start %.3f, func end %.3f, result %.3f ms\n", ms(s.worker_start),
                ms(s.func_start), ms(s.func_end), ms(s.host_result));
  }
}

void sleep_bench() {
  lithops::FunctionExecutor fexec(bench_config(8));
  fexec.call_async(noop, 0).get();  // workers are up
  auto t0 = Clock::now();
  auto r = fexec.get_result(fexec.map(sleep_one_second, std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  const double s = secs(Clock::now() - t0);
  std::printf("sleep: 8 calls x 1 s on 8 workers: %.3f s wall\n", s);
  if (r.size() == 8) std::printf("FIGURE sleep8_s %.4f\n", s);
}

// Serial and parallel rounds alternate, and each side's median is used: a VM's speed drifts
// over seconds, and alternating exposes both sides to the same drift.
void montecarlo() {
  constexpr std::uint64_t kSamples = 100'000'000;
  constexpr int kRounds = 3;
  lithops::FunctionExecutor fexec(bench_config(2));
  fexec.call_async(noop, 0).get();
  std::vector<double> serial, parallel;
  std::uint64_t local = 0, remote = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto t0 = Clock::now();
    local = monte_carlo_hits(kSamples, 1) + monte_carlo_hits(kSamples, 2);
    serial.push_back(secs(Clock::now() - t0));
    auto t1 = Clock::now();
    auto r = fexec.get_result(fexec.map(monte_carlo_hits, std::vector<std::tuple<std::uint64_t, std::uint64_t>>{
                                                              {kSamples, 1}, {kSamples, 2}}));
    parallel.push_back(secs(Clock::now() - t1));
    remote = r[0] + r[1];
  }
  std::sort(serial.begin(), serial.end());
  std::sort(parallel.begin(), parallel.end());
  double s = serial[kRounds / 2], p = parallel[kRounds / 2];
  double pi = 4.0 * static_cast<double>(remote) / (2.0 * kSamples);
  std::printf("montecarlo: serial %.3f s, 2 calls %.3f s (medians of %d alternating rounds), efficiency %.1f%% "
              "(pi = %.5f)%s\n",
              s, p, kRounds, 100.0 * s / (2.0 * p), pi, remote == local ? "" : " MISMATCH");
  if (remote == local) std::printf("FIGURE montecarlo_s %.4f\nFIGURE montecarlo_eff %.4f\n", p, s / (2.0 * p));
}

void first_result() {
  auto t0 = Clock::now();
  lithops::FunctionExecutor fexec(bench_config());
  const int r = fexec.call_async(noop, 1).get();
  const double ms = secs(Clock::now() - t0) * 1e3;
  std::printf("first: executor creation to first result %.2f ms\n", ms);
  if (r == 1) std::printf("FIGURE first_ms %.3f\n", ms);
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  std::vector<std::string> which;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--transport") == 0 && i + 1 < argc) g_transport = argv[++i];
    else which.emplace_back(argv[i]);
  }
  auto want = [&](const char* n) { return which.empty() || std::find(which.begin(), which.end(), n) != which.end(); };
  std::printf("core_bench (%s transport, %u cores)\n", g_transport.c_str(), std::thread::hardware_concurrency());
  if (want("first")) first_result();
  if (want("throughput")) throughput();
  if (want("roundtrip")) roundtrip();
  if (want("sleep")) sleep_bench();
  if (!which.empty() && want("rtstats")) rtstats();
  if (want("montecarlo")) montecarlo();
}
