// get_result on the futures of a void function: there are no results to get.
#include <lithops/lithops.hpp>

#include <vector>

void work(int) {}

void submit(lithops::FunctionExecutor& fexec) {
  auto fs = fexec.map(work, std::vector{1, 2});
  fexec.get_result(fs);
}
