// An argument type with no serialize(): rejected, naming the type.
#include <lithops/lithops.hpp>

#include <vector>

struct NotSerializable {
  int x = 0;
};

int use(NotSerializable s) { return s.x; }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.map(use, std::vector<NotSerializable>{{1}, {2}});
}
