// A result type with no serialize(): rejected, naming the type.
#include <lithops/lithops.hpp>

#include <vector>

struct NotSerializableResult {
  int x = 0;
};

NotSerializableResult make(int x) { return {x}; }

void submit(lithops::FunctionExecutor& fexec) {
  fexec.map(make, std::vector{1, 2});
}
