// synchronize: calls adding to a shared counter under a Lock, meeting at a Barrier, waiting
// for an Event the client sets, and a Condition the client waits on until every call reported.
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing/sharedctypes.hpp>
#include <lithops/multiprocessing/synchronize.hpp>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <vector>

namespace mp = lithops::mp;

constexpr int kCalls = 4, kAdds = 250;

// Members are default-constructed: a call builds the struct that way before reading it, so an
// initializer here (`mp::Barrier barrier{kCalls}`) would make a new object in every call.
// main() gives them their values.
struct Shared {
  mp::Lock lock;
  mp::Value<int> counter;  // 0
  mp::Barrier barrier;
  mp::Event go;
  mp::Condition cond;
  mp::Value<int> reported;
  template <class A>
  void serialize(A& ar) {
    ar(lock, counter, barrier, go, cond, reported);
  }
};

std::size_t work(int, Shared s) {
  for (int i = 0; i < kAdds; ++i) {
    std::lock_guard guard(s.lock);  // without it, increments would be lost
    s.counter.set(s.counter.get() + 1);
  }
  const std::size_t index = s.barrier.wait();  // every call has finished adding
  s.go.wait();                                  // until the client says so
  std::lock_guard guard(s.cond);
  s.reported.set(s.reported.get() + 1);
  s.cond.notify_all();
  return index;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  if (fexec.worker_count() < static_cast<std::size_t>(kCalls)) {
    std::printf("needs %d workers at once (the Barrier), the configuration gives %zu\n", kCalls, fexec.worker_count());
    return 1;
  }
  Shared s;
  s.barrier = mp::Barrier(kCalls);
  auto calls = fexec.map(work, std::vector<int>(kCalls), lithops::extra_args(s));
  s.go.set();
  {
    std::unique_lock guard(s.cond);
    s.cond.wait_for([&] { return s.reported.get() == kCalls; });
  }
  auto indexes = calls.get_result();
  std::vector<bool> seen(kCalls);
  for (auto i : indexes) seen.at(i) = true;
  std::printf("counter = %d (expected %d); barrier indexes:", s.counter.get(), kCalls * kAdds);
  for (auto i : indexes) std::printf(" %zu", i);
  std::printf("\n");
  const bool ok = s.counter.get() == kCalls * kAdds && std::count(seen.begin(), seen.end(), true) == kCalls;
  return ok ? 0 : 1;
}
