// A program built against the installed Lithops: map a function, check the results.
#include <lithops/lithops.hpp>

#include <iostream>
#include <vector>

int cube(int x) { return x * x * x; }

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  std::vector<int> r = fexec.get_result(fexec.map(cube, std::vector<int>{1, 2, 3, 4}));
  for (int v : r) std::cout << v << '\n';
  if (r != std::vector<int>{1, 8, 27, 64}) return 1;
  std::cout << "consumer OK (lithops " << lithops::version() << ")\n";
  return 0;
}
