// queues: a Queue feeding work to calls and a second one bringing their results back, then a
// JoinableQueue drained by calls while the client waits in join() for every task_done().
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing/queues.hpp>

#include <cstdio>
#include <vector>

namespace mp = lithops::mp;

// Squares numbers until it gets -1; returns how many it did.
int square_worker(mp::Queue<int> tasks, mp::Queue<long> results) {
  int done = 0;
  for (int x = tasks.get(); x >= 0; x = tasks.get(), ++done) results.put(long{x} * x);
  return done;
}

// Takes tasks while there are any, marking each done.
int drain(mp::JoinableQueue<int> tasks, mp::Queue<long> results) {
  int done = 0;
  for (;;) {
    int x;
    try {
      x = tasks.get_nowait();
    } catch (const mp::Empty&) {
      return done;
    }
    results.put(x);
    tasks.task_done();
    ++done;
  }
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  constexpr int kWorkers = 2, kTasks = 100;

  mp::Queue<int> tasks;  // in the default context: the configuration's Redis
  mp::Queue<long> results;
  std::vector<lithops::Future<int>> workers;
  for (int i = 0; i < kWorkers; ++i) workers.push_back(fexec.call_async(square_worker, tasks, results));
  for (int i = 1; i <= kTasks; ++i) tasks.put(i);
  for (int i = 0; i < kWorkers; ++i) tasks.put(-1);  // one stop signal per worker
  long sum = 0;
  for (int i = 0; i < kTasks; ++i) sum += results.get();
  int by_workers = 0;
  for (auto& w : workers) by_workers += w.get();
  const long expected = long{kTasks} * (kTasks + 1) * (2 * kTasks + 1) / 6;
  std::printf("Queue: sum of squares 1..%d = %ld (%d tasks by %d calls)\n", kTasks, sum, by_workers, kWorkers);

  mp::JoinableQueue<int> jobs;
  for (int i = 0; i < kTasks; ++i) jobs.put(i);
  auto drained = fexec.map(drain, std::vector<mp::JoinableQueue<int>>(kWorkers, jobs), lithops::extra_args(results));
  jobs.join();  // returns once every item got its task_done
  std::printf("JoinableQueue: joined with %zu results waiting\n", results.qsize());
  const bool ok = sum == expected && by_workers == kTasks && results.qsize() == kTasks;
  int total = 0;
  for (int n : drained.get_result()) total += n;
  return ok && total == kTasks ? 0 : 1;
}
