// Pool against real worker processes and the test Redis: map and its variants, errors,
// callbacks, imap's laziness, terminate, close/join, initializer and maxtasksperchild.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing.hpp>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "servers.hpp"
#include "test_config.hpp"

namespace mp = lithops::mp;
using namespace std::chrono_literals;

namespace {

using lithops::testing::mp_test_config;

mp::Context& ctx() {
  static mp::Context c(mp_test_config(4));
  return c;
}

int square(int x) { return x * x; }
int add(int a, int b) { return a + b; }
int fail_on_three(int x) {
  if (x == 3) throw std::invalid_argument("three is not allowed");
  return x;
}
// Blocks until the client sets `go`, then returns x.
int wait_for(mp::Event go, int x) {
  if (!go.wait(60s)) throw std::runtime_error("never released");
  return x;
}
// Says it runs (with its pid), then blocks until released (never, in the terminate test).
int announce_and_wait(mp::Queue<int> running, mp::Event go) {
  running.put(::getpid());
  go.wait(120s);
  return 1;
}
// Meets the other calls of its round at the barrier, then says which worker it ran on.
int meet(mp::Barrier b, int) {
  b.wait(60s);
  return ::getpid();
}

int g_initialized = 0;
int g_init_value = 0;
void init_worker(int value) {
  ++g_initialized;
  g_init_value = value;
}
// This worker's pid, how often the initializer ran here, and what it set.
std::tuple<int, int, int> worker_view(int) { return {::getpid(), g_initialized, g_init_value}; }

TEST(Pool, MapKeepsOrder) {
  mp::Pool pool(2, ctx());
  std::vector<int> in{1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(pool.map(square, in), (std::vector<int>{1, 4, 9, 16, 25, 36, 49}));
  EXPECT_TRUE(pool.map(square, std::vector<int>{}).empty());
  EXPECT_EQ(pool.map(square, in, 3), (std::vector<int>{1, 4, 9, 16, 25, 36, 49}));  // chunksize
}

TEST(Pool, StarmapSpreadsTuples) {
  mp::Pool pool(2, ctx());
  std::vector<std::tuple<int, int>> in{{1, 2}, {3, 4}, {5, 6}};
  EXPECT_EQ(pool.starmap(add, in), (std::vector<int>{3, 7, 11}));
  EXPECT_EQ(pool.starmap_async(add, in).get(), (std::vector<int>{3, 7, 11}));
}

TEST(Pool, ApplyAndApplyAsync) {
  mp::Pool pool(2, ctx());
  EXPECT_EQ(pool.apply(add, 20, 22), 42);
  auto r = pool.apply_async(square, 9);
  EXPECT_EQ(r.get(30s), 81);
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.successful());
}

TEST(Pool, ExceptionInsideMapIsRaisedByGet) {
  mp::Pool pool(2, ctx());
  auto r = pool.map_async(fail_on_three, std::vector{1, 2, 3, 4});
  r.wait();
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.successful());
  try {
    r.get();
    FAIL() << "get() returned";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("three is not allowed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pool.map(fail_on_three, std::vector{3}), std::invalid_argument);
}

TEST(Pool, ResultNotReadyYet) {
  mp::Pool pool(2, ctx());
  mp::Event go(ctx());
  auto r = pool.apply_async(wait_for, go, 5);
  EXPECT_FALSE(r.ready());
  EXPECT_THROW(r.successful(), mp::StateError);
  EXPECT_THROW(r.get(0.2s), lithops::TimeoutError);
  go.set();
  EXPECT_EQ(r.get(60s), 5);
}

TEST(Pool, CallbacksRunBeforeTheResultIsReady) {
  mp::Pool pool(2, ctx());
  std::atomic<int> sum{0};
  std::string error;
  auto r = pool.map_async(square, std::vector{1, 2, 3}, 0, mp::Callbacks{[&](const std::vector<int>& v) {
                                                                            for (int x : v) sum += x;
                                                                          },
                                                                          nullptr});
  r.wait();  // the callback has run when wait returns
  EXPECT_EQ(sum.load(), 14);

  auto bad = pool.apply_async(mp::Callbacks{[&](int) { sum = -1; }, [&](const std::exception& e) { error = e.what(); }},
                              fail_on_three, 3);
  EXPECT_THROW(bad.get(), std::invalid_argument);
  EXPECT_NE(error.find("three is not allowed"), std::string::npos) << error;
  EXPECT_EQ(sum.load(), 14);  // no result callback for a failure

  std::exception_ptr ep;
  auto bad_map = pool.map_async(fail_on_three, std::vector{3}, 0,
                                mp::Callbacks{nullptr, [&](const std::exception_ptr& e) { ep = e; }});
  bad_map.wait();
  ASSERT_TRUE(ep);
  EXPECT_THROW(std::rethrow_exception(ep), std::invalid_argument);
}

// The last call cannot end before the client has the first result: an eager imap would
// never return it (and the test would time out).
TEST(Pool, ImapYieldsResultsAsTheyArrive) {
  mp::Pool pool(2, ctx());
  mp::Event go(ctx());
  std::vector<std::tuple<mp::Event, int>> in;
  mp::Event open(ctx());
  open.set();
  in.emplace_back(open, 0);
  in.emplace_back(go, 1);
  auto it = pool.imap(wait_for, in);
  auto first = it.next(60s);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 0);
  go.set();
  EXPECT_EQ(it.next(60s), 1);
  EXPECT_EQ(it.next(), std::nullopt);
}

TEST(Pool, ImapUnorderedYieldsInCompletionOrder) {
  mp::Pool pool(2, ctx());
  mp::Event go(ctx()), open(ctx());
  open.set();
  std::vector<std::tuple<mp::Event, int>> in{{go, 0}, {open, 1}};  // call 0 waits for the client
  std::vector<int> seen;
  for (int v : pool.imap_unordered(wait_for, in)) {
    seen.push_back(v);
    go.set();  // only after the first result arrived
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 0}));
}

TEST(Pool, ImapRaisesAFailedCallsErrorInItsTurn) {
  mp::Pool pool(2, ctx());
  auto it = pool.imap(fail_on_three, std::vector{1, 3, 4});
  EXPECT_EQ(it.next(), 1);
  EXPECT_THROW(it.next(), std::invalid_argument);
  EXPECT_EQ(it.next(), 4);
}

TEST(Pool, TerminateStopsRunningCalls) {
  mp::Pool pool(2, ctx());
  mp::Queue<int> running(ctx());
  mp::Event never(ctx());
  std::atomic<int> errors{0};
  auto r = pool.apply_async(mp::Callbacks{nullptr, [&](const std::exception&) { ++errors; }}, announce_and_wait, running,
                            never);
  const int pid = running.get(true, 60s);
  ASSERT_EQ(::kill(pid, 0), 0);
  const auto t0 = std::chrono::steady_clock::now();
  pool.terminate();
  EXPECT_THROW(r.get(30s), lithops::CancelledError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);  // not the 120 s the call would wait
  EXPECT_EQ(errors.load(), 1);
  // The worker running the call is gone, not just its future cancelled.
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_THROW(pool.map(square, std::vector{1}), mp::StateError);
  pool.join();  // after terminate: returns
}

TEST(Pool, CloseThenJoinWaitsForOutstandingWork) {
  mp::Pool pool(2, ctx());
  EXPECT_THROW(pool.join(), mp::StateError);  // still running
  mp::Event go(ctx());
  auto r = pool.apply_async(wait_for, go, 7);
  pool.close();
  EXPECT_THROW(pool.apply(square, 1), mp::StateError);
  go.set();
  pool.join();
  EXPECT_TRUE(r.ready());
  EXPECT_EQ(r.get(), 7);
}

TEST(Pool, InitializerRunsOncePerWorkerProcess) {
  mp::Pool pool(2, mp::initializer(init_worker, 42), 0, ctx());
  std::vector<int> in(20);
  auto views = pool.map(worker_view, in);
  std::map<int, int> pids;
  for (auto [pid, times, value] : views) {
    EXPECT_EQ(times, 1);
    EXPECT_EQ(value, 42);
    ++pids[pid];
  }
  EXPECT_LE(pids.size(), 2u);
}

TEST(Pool, MaxTasksPerChildReplacesWorkers) {
  mp::Pool pool(2, mp::initializer(init_worker, 1), 2, ctx());
  std::vector<int> in(12);
  auto views = pool.map(worker_view, in);
  std::map<int, int> pids;
  for (auto [pid, times, value] : views) {
    EXPECT_EQ(times, 1);  // a new worker runs the initializer again
    ++pids[pid];
  }
  for (auto [pid, n] : pids) EXPECT_LE(n, 2) << "worker " << pid << " ran " << n << " calls";
  EXPECT_GE(pids.size(), 6u);
}

// Three calls that meet at a 3-party barrier can only finish on 3 workers at once.
TEST(Pool, ProcessesSizesTheLocalhostPool) {
  mp::Pool pool(3, ctx());
  EXPECT_EQ(pool.processes(), 3u);
  mp::Barrier b(3, std::nullopt, ctx());
  std::vector<std::tuple<mp::Barrier, int>> in(3, {b, 0});
  auto pids = pool.map(meet, in, 1);
  EXPECT_EQ(std::set<int>(pids.begin(), pids.end()).size(), 3u);
  EXPECT_EQ(mp::Pool(std::nullopt, ctx()).processes(), 4u);  // the context's configuration
  EXPECT_EQ(ctx().cpu_count(), 4u);
}

// The client lets go of the queue right after submitting: the pool keeps it for the call.
int take_later(mp::Event go, mp::Queue<int> q) {
  go.wait(60s);
  return q.get(true, 5s);  // throws Empty if the queue was deleted meanwhile
}
TEST(Pool, KeepsSharedObjectsAliveWhileItsCallsUseThem) {
  mp::Pool pool(2, ctx());
  mp::Event go(ctx());
  auto r = [&] {
    mp::Queue<int> q(ctx());
    q.put(5);
    return pool.apply_async(take_later, go, q);
  }();
  go.set();
  EXPECT_EQ(r.get(60s), 5);
}

}  // namespace
