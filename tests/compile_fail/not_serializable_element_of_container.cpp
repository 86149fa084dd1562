// A container whose elements have no serialize(): rejected with Lithops' message, naming the
// element type (not only cereal's "could not find any output serialization functions").
#include <lithops/lithops.hpp>

#include <vector>

struct NotSerializable {
  int x = 0;
};

int count(std::vector<NotSerializable> v) { return static_cast<int>(v.size()); }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.call_async(count, std::vector<NotSerializable>{{1}, {2}});
}
