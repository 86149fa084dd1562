// exceptions: an exception thrown by a function on a worker is rethrown by get(). It can be
// caught as its own standard type (std::invalid_argument here) or as lithops::RemoteError,
// which also says what type it was, its message and which call threw it.
#include <lithops/lithops.hpp>

#include <iostream>
#include <stdexcept>
#include <vector>

int checked_sqrt(int x) {
  if (x < 0) throw std::invalid_argument("negative input: " + std::to_string(x));
  int r = 0;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  auto fs = fexec.map(checked_sqrt, std::vector<int>{16, 9, -4, 25});
  int caught = 0;
  try {
    fs[2].get();
  } catch (const std::invalid_argument&) {  // as it would be caught locally
    std::cout << "caught std::invalid_argument\n";
    ++caught;
  }
  try {
    fexec.get_result(fs);  // rethrows the first failed call's error
  } catch (const lithops::RemoteError& e) {
    std::cout << "type: " << e.type_name() << "\nmessage: " << e.message()
              << "\ncall: " << e.call_id() << '\n';
    caught += e.type_name() == "std::invalid_argument" && e.message() == "negative input: -4" &&
              e.call_id() == "00002";
  }
  int fine = fs[0].get() + fs[1].get() + fs[3].get();  // the other calls still succeeded
  std::cout << "sum of the others: " << fine << '\n';
  return (caught == 2 && fine == 12) ? 0 : 1;
}
