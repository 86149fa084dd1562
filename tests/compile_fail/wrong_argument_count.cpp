// A tuple element whose size does not match the function's arguments.
#include <lithops/lithops.hpp>

#include <tuple>
#include <vector>

int add(int a, int b) { return a + b; }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.map(add, std::vector<std::tuple<int, int, int>>{{1, 2, 3}});
}
