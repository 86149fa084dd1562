// A member function pointer cannot travel.
#include <lithops/lithops.hpp>

#include <vector>

struct Widget {
  int twice(int x) const { return 2 * x; }
};

void submit(lithops::FunctionExecutor& fexec) {
  fexec.map(&Widget::twice, std::vector<std::tuple<Widget, int>>{});
}
