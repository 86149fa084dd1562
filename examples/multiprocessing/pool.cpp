// pool: the Monte Carlo estimate of pi (examples/monte_carlo_pi.cpp) written against the
// multiprocessing Pool, as a Python user would write it with multiprocessing.Pool. Each call
// draws points with its own seeded generator; imap_unordered hands the counts over as calls
// end; a callback and an initializer show the rest of the Pool API.
#include <lithops/multiprocessing.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

namespace mp = lithops::mp;

constexpr int kCalls = 16;
std::uint64_t g_samples = 0;  // set in each worker process by the initializer

void set_samples(std::uint64_t n) { g_samples = n; }

std::uint64_t count_inside(std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  auto unit = [&gen] { return static_cast<double>(gen() >> 11) * 0x1.0p-53; };  // [0, 1)
  std::uint64_t inside = 0;
  for (std::uint64_t i = 0; i < g_samples; ++i) {
    double x = unit(), y = unit();
    inside += x * x + y * y < 1.0;
  }
  return inside;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  const std::uint64_t samples = 1'000'000;
  mp::Pool pool(std::nullopt, mp::initializer(set_samples, samples));
  std::printf("pool of %zu processes\n", pool.processes());

  std::vector<std::uint64_t> seeds(kCalls);
  std::iota(seeds.begin(), seeds.end(), 1);

  // map: all counts, in order.
  auto counts = pool.map(count_inside, seeds);
  const auto inside = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  const double pi = 4.0 * static_cast<double>(inside) / static_cast<double>(samples * kCalls);
  std::printf("map:            pi ~= %.4f from %d calls\n", pi, kCalls);

  // imap_unordered: the same counts, each as soon as its call ends.
  std::uint64_t streamed = 0;
  int n = 0;
  for (std::uint64_t c : pool.imap_unordered(count_inside, seeds)) {
    streamed += c;
    ++n;
  }
  std::printf("imap_unordered: %d counts, same total: %s\n", n, streamed == inside ? "yes" : "NO");

  // map_async with a callback, then close and join.
  std::atomic<std::uint64_t> from_callback{0};
  auto r = pool.map_async(count_inside, seeds, 0, mp::Callbacks{[&](const std::vector<std::uint64_t>& v) {
    from_callback = std::accumulate(v.begin(), v.end(), std::uint64_t{0});
  }});
  pool.close();
  pool.join();
  std::printf("callback:       total %s\n", from_callback == inside ? "matches" : "DIFFERS");

  const bool ok = std::abs(pi - 3.14159) < 0.001 * 3.14159 && streamed == inside && from_callback == inside && r.successful();
  return ok ? 0 : 1;
}
