// values: a Value and an Array shared with calls, as Python's multiprocessing.Value and Array.
// Each call fills its slice of the array and adds its partial sum to the total under the
// value's own lock.
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing/sharedctypes.hpp>

#include <cstdio>
#include <mutex>
#include <numeric>
#include <vector>

namespace mp = lithops::mp;

constexpr std::size_t kSize = 40, kCalls = 4;

void fill(std::size_t part, mp::Array<double> a, mp::Value<double> total) {
  double sum = 0;
  for (std::size_t i = part * kSize / kCalls; i < (part + 1) * kSize / kCalls; ++i) {
    a.set(i, 0.5 * static_cast<double>(i));
    sum += 0.5 * static_cast<double>(i);
  }
  std::lock_guard guard(total.get_lock());  // read-modify-write: hold the lock
  total.set(total.get() + sum);
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  mp::Array<double> a(kSize);
  mp::Value<double> total(0.0);
  std::vector<std::size_t> parts(kCalls);
  std::iota(parts.begin(), parts.end(), 0);
  for (const auto& f : fexec.map(fill, parts, lithops::extra_args(a, total))) f.get();

  const auto values = a.to_vector();
  const double sum = std::accumulate(values.begin(), values.end(), 0.0);
  std::printf("array: %g %g ... %g; total %g, sum of the array %g\n", values[0], values[1], values.back(), total.get(),
              sum);
  const auto middle = a.slice(10, 12);
  return total.get() == sum && sum == 0.5 * kSize * (kSize - 1) / 2 && middle == std::vector<double>{5, 5.5} ? 0 : 1;
}
