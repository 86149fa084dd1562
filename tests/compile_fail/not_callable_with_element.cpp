// A function that cannot be called with the input's element type.
#include <lithops/lithops.hpp>

#include <string>
#include <vector>

std::string greet(std::string name) { return "hello " + name; }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.map(greet, std::vector<int>{1, 2, 3});
}
