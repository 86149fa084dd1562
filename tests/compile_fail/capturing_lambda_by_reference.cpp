// A lambda that captures by reference: it would point into the client's memory.
#include <lithops/lithops.hpp>

#include <vector>

void submit(lithops::FunctionExecutor& fexec) {
  int total = 0;
  fexec.call_async([&total](int x) { return total + x; }, 1);
}
