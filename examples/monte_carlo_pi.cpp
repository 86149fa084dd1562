// monte_carlo_pi: a real computation split into independent calls. Each call draws points in
// the unit square with its own seeded generator and counts those inside the quarter circle;
// the client adds the counts up. The same seeds give the same estimate on every run.
#include <lithops/lithops.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

constexpr std::uint64_t kSamplesPerCall = 2'000'000;
constexpr int kCalls = 8;

std::uint64_t count_inside(std::uint64_t seed) {
  std::mt19937_64 gen(seed);  // fully specified by the standard: same numbers everywhere
  auto unit = [&gen] { return static_cast<double>(gen() >> 11) * 0x1.0p-53; };  // [0, 1)
  std::uint64_t inside = 0;
  for (std::uint64_t i = 0; i < kSamplesPerCall; ++i) {
    double x = unit(), y = unit();
    inside += x * x + y * y < 1.0;
  }
  return inside;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  std::vector<std::uint64_t> seeds(kCalls);
  std::iota(seeds.begin(), seeds.end(), 1);
  auto counts = fexec.map(count_inside, seeds).get_result();
  std::uint64_t inside = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  double pi = 4.0 * static_cast<double>(inside) / static_cast<double>(kSamplesPerCall * kCalls);
  std::printf("pi ~= %.3f from %d calls\n", pi, kCalls);
  return std::abs(pi - 3.14159) < 0.01 ? 0 : 1;
}
