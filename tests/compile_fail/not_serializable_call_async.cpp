// call_async with an argument type with no serialize(): rejected, naming the type.
#include <lithops/lithops.hpp>

struct NotSerializable {
  int x = 0;
};

int use(NotSerializable s) { return s.x; }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.call_async(use, NotSerializable{3});
}
