// call_async: run one function call on a worker and wait for its result.
// Any free function, captureless lambda or function object (with a serialize method when it
// has state) can be sent; arguments and results travel through cereal.
#include <lithops/lithops.hpp>

#include <iostream>
#include <string>

std::string greet(const std::string& name) { return "hello, " + name; }

// A function object with state: the state travels with the call.
struct Multiplier {
  int factor = 1;
  int operator()(int x) const { return factor * x; }
  template <class A>
  void serialize(A& ar) { ar(factor); }
};

int main(int argc, char** argv) {
  lithops::init(argc, argv);  // inside a worker this serves calls and never returns
  lithops::FunctionExecutor fexec;

  auto greeting = fexec.call_async(greet, std::string("world"));   // Future<std::string>
  auto square = fexec.call_async([](int x) { return x * x; }, 12);  // captureless lambda
  auto tripled = fexec.call_async(Multiplier{3}, 14);

  const std::string g = greeting.get();
  const int s = square.get();
  const int t = tripled.get();
  std::cout << g << '\n' << s << '\n' << t << '\n';
  return (g == "hello, world" && s == 144 && t == 42) ? 0 : 1;
}
