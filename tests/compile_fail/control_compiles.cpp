// Control: correct use of the same API compiles with the same command, so that the other
// files here fail for the reason they test and not because of the set-up.
#include <lithops/lithops.hpp>

#include <string>
#include <vector>

struct Serializable {
  int x = 0;
  template <class A>
  void serialize(A& ar) {
    ar(x);
  }
};

int use(Serializable s) { return s.x; }
std::string greet(std::string s) { return "hi " + s; }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.map(use, std::vector<Serializable>{{1}, {2}});
  fexec.map([](int x) { return x + 1; }, std::vector{1, 2});
  fexec.map(greet, std::vector<std::string>{"a"});
  fexec.call_async(greet, std::string("b"));
}
