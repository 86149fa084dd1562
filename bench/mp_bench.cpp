// Multiprocessing figures (issue "Multiprocessing API", docs/performance.md):
//   pool     Pool.map of 100,000 no-op calls vs the executor's own map, on warm workers
//            (pool / executor created first), 4 rounds each, alternating which goes first:
//            medians
//   lock     Lock acquire + release through Redis, 10,000 times: p50 / p99
//   queue    Queue put + get of an int through Redis, 10,000 times: p50 / p99
//   ping     one Redis round trip (PING) through the same client: the floor the two above
//            are made of (each is two round trips)
// Needs a Redis: the configuration's redis section (LITHOPS_CONFIG_FILE), --redis HOST:PORT,
// or --socket PATH (its unix socket).
// usage: mp_bench [pool|lock|queue|ping ...] [--redis host:port | --socket path]   (default: all)
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace mp = lithops::mp;

namespace {

using Clock = std::chrono::steady_clock;
std::string g_redis;
std::string g_socket;

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

lithops::Config bench_config() {
  lithops::Config c = lithops::Config::load();
  c.set("lithops.log_level", "WARNING");
  c.set("lithops.progress_bar", false);
  if (!g_socket.empty()) c.set("redis.unix_socket", g_socket);
  if (!g_redis.empty()) {
    auto colon = g_redis.rfind(':');
    c.set("redis.host", g_redis.substr(0, colon));
    if (colon != std::string::npos) c.set("redis.port", g_redis.substr(colon + 1));
  }
  return c;
}

int noop(int x) { return x; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void pool() {
  constexpr int kCalls = 100'000;
  std::vector<int> data(kCalls);
  for (int i = 0; i < kCalls; ++i) data[i] = i;
  mp::Context ctx(bench_config());
  lithops::FunctionExecutor fexec(ctx.config());
  mp::Pool pool(std::nullopt, ctx);
  // Warm both: workers spawned, code paged in.
  fexec.map(noop, std::vector<int>(1000)).get_result();
  pool.map(noop, std::vector<int>(1000));
  std::vector<double> ex, po;
  for (int round = 0; round < 4; ++round) {  // alternating which goes first
    std::vector<int> a, b;
    auto run_executor = [&] {
      auto t0 = Clock::now();
      a = fexec.map(noop, data).get_result();
      ex.push_back(secs(Clock::now() - t0));
    };
    auto run_pool = [&] {
      auto t0 = Clock::now();
      b = pool.map(noop, data);
      po.push_back(secs(Clock::now() - t0));
    };
    if (round % 2 == 0) run_executor(), run_pool();
    else run_pool(), run_executor();
    if (a.size() != kCalls || b != a) {
      std::fprintf(stderr, "pool: wrong results\n");
      std::exit(1);
    }
  }
  const double e = median(ex), p = median(po);
  std::printf("pool: 100,000 no-op calls on %zu workers: executor map %.3f s, Pool.map %.3f s (%.1f%% %s)\n",
              pool.processes(), e, p, 100.0 * std::abs(p - e) / e, p > e ? "slower" : "faster");
}

// `figure`: the name of the machine-readable line bench/compare.py reads ("FIGURE name value").
template <class Op>
void round_trips(const char* name, const char* figure, Op op) {
  constexpr int kOps = 10'000;
  for (int i = 0; i < 500; ++i) op();  // warm: connections open, scripts loaded
  std::vector<double> us(kOps);
  for (int i = 0; i < kOps; ++i) {
    auto t0 = Clock::now();
    op();
    us[i] = secs(Clock::now() - t0) * 1e6;
  }
  std::sort(us.begin(), us.end());
  std::printf("%s: %d round trips: p50 %.1f us, p99 %.1f us\n", name, kOps, us[kOps / 2], us[kOps * 99 / 100]);
  std::printf("FIGURE %s %.2f\n", figure, us[kOps / 2]);
}

void lock() {
  mp::Context ctx(bench_config());
  mp::Lock l(ctx);
  round_trips("lock acquire+release", "lock_p50_us", [&] {
    l.acquire();
    l.release();
  });
}

void queue() {
  mp::Context ctx(bench_config());
  mp::Queue<int> q(ctx);
  int n = 0;
  round_trips("queue put+get", "queue_p50_us", [&] {
    q.put(++n);
    if (q.get() != n) std::exit(1);
  });
}

void ping() {
  mp::Context ctx(bench_config());
  const mp::detail::Created object = mp::detail::create(ctx, "ping", {"unused"});  // its link names the server
  round_trips("one round trip (PING)", "ping_p50_us", [&] { mp::detail::command(object.link, {"PING"}); });
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  std::vector<std::string> which;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--redis") == 0 && i + 1 < argc) g_redis = argv[++i];
    else if (std::strcmp(argv[i], "--socket") == 0 && i + 1 < argc) g_socket = argv[++i];
    else which.emplace_back(argv[i]);
  }
  auto want = [&](const char* n) { return which.empty() || std::find(which.begin(), which.end(), n) != which.end(); };
  if (want("pool")) pool();
  if (want("lock")) lock();
  if (want("queue")) queue();
  if (want("ping")) ping();
}
