// multiple_args: functions taking several arguments. A map over tuples spreads each tuple
// into the arguments; lithops::extra_args(...) appends the same values to every call; and
// call_async(f, a, b) passes its arguments as they are.
#include <lithops/lithops.hpp>

#include <iostream>
#include <string>
#include <tuple>
#include <vector>

int add(int a, int b) { return a + b; }
std::string label(int a, int b, const std::string& unit) {
  return std::to_string(a + b) + " " + unit;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}, {5, 6}};

  std::vector<int> sums = fexec.map(add, pairs).get_result();  // add(1, 2), add(3, 4), ...
  auto labels = fexec.get_result(fexec.map(label, pairs, lithops::extra_args(std::string("kg"))));
  int single = fexec.call_async(add, 20, 22).get();

  for (int s : sums) std::cout << s << '\n';
  for (const auto& l : labels) std::cout << l << '\n';
  std::cout << single << '\n';
  bool ok = sums == std::vector<int>{3, 7, 11} && single == 42 &&
            labels == std::vector<std::string>{"3 kg", "7 kg", "11 kg"};
  return ok ? 0 : 1;
}
