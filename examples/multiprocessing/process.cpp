// process: Python-style Processes, each one call on the configured backend. Workers take
// numbers from a Queue and send back their squares; one more process is terminated while it
// runs, which Lithops' Python Process cannot do.
#include <lithops/multiprocessing.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

namespace mp = lithops::mp;
using namespace std::chrono_literals;

// Squares what it takes until it gets -1.
void squarer(mp::Queue<int> tasks, mp::Queue<long> results) {
  for (int x = tasks.get(); x != -1; x = tasks.get()) results.put(static_cast<long>(x) * x);
}

void runs_forever(mp::Event started, mp::Event never) {
  started.set();
  never.wait();  // nobody sets it
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  mp::Queue<int> tasks;
  mp::Queue<long> results;

  std::vector<mp::Process> workers;
  for (int i = 0; i < 2; ++i) workers.emplace_back(squarer, tasks, results);
  for (auto& w : workers) w.start();
  for (int x = 1; x <= 100; ++x) tasks.put(x);
  for (std::size_t i = 0; i < workers.size(); ++i) tasks.put(-1);

  long sum = 0;
  for (int i = 0; i < 100; ++i) sum += results.get(true, 60s);
  for (auto& w : workers) {
    w.join();
    std::printf("%s ran on pid %d, exit code %d\n", w.name().c_str(), w.pid().value_or(-1), w.exitcode().value_or(-1));
  }
  std::printf("sum of squares 1..100 = %ld\n", sum);

  mp::Event started, never;
  mp::Process stuck(runs_forever, started, never);
  stuck.start();
  started.wait(60s);
  std::printf("%s alive: %s\n", stuck.name().c_str(), stuck.is_alive() ? "yes" : "no");
  stuck.terminate();
  stuck.join(30s);
  std::printf("%s after terminate(): alive %s, exit code %d\n", stuck.name().c_str(), stuck.is_alive() ? "yes" : "no",
              stuck.exitcode().value_or(0));

  bool ok = sum == 338350 && !stuck.is_alive() && stuck.exitcode() == -15;
  for (auto& w : workers) ok = ok && w.exitcode() == 0;
  return ok ? 0 : 1;
}
