// chaining: the futures of one map are the input of the next. Each call of the next map
// starts as soon as its own input is done, and its input never comes back to the client.
// Both forms: fexec.map(g, futures) and futures.map(g).
#include <lithops/lithops.hpp>

#include <iostream>
#include <string>
#include <vector>

int square(int x) { return x * x; }
int add_one(int x) { return x + 1; }
std::string describe(int x) { return "<" + std::to_string(x) + ">"; }

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  auto squares = fexec.map(square, std::vector<int>{1, 2, 3, 4});  // FuturesList<int>
  auto plus_one = fexec.map(add_one, squares);                     // add_one(square(x))
  auto described = plus_one.map(describe);                         // describe(add_one(...))

  std::vector<std::string> r = described.get_result();
  for (const auto& s : r) std::cout << s << '\n';
  return r == std::vector<std::string>{"<2>", "<5>", "<10>", "<17>"} ? 0 : 1;
}
