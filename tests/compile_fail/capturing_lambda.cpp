// A lambda that captures: its captures cannot travel to a worker.
#include <lithops/lithops.hpp>

#include <vector>

void submit(lithops::FunctionExecutor& fexec) {
  int offset = 10;
  fexec.map([offset](int x) { return x + offset; }, std::vector{1, 2, 3});
}
