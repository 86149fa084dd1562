// map: one call per element of a vector, results in call order.
// Also the README's first example: the "what a user writes".
#include <lithops/lithops.hpp>

#include <iostream>
#include <vector>

int double_it(int x) { return 2 * x; }

int main(int argc, char** argv) {
  lithops::init(argc, argv);  // inside a worker this serves calls and never returns
  lithops::FunctionExecutor fexec;
  auto f = fexec.call_async(double_it, 21);
  std::cout << f.get() << '\n';  // 42
  auto fs = fexec.map(double_it, std::vector<int>{1, 2, 3, 4});
  for (int r : fexec.get_result(fs)) std::cout << r << '\n';  // 2 4 6 8
}
