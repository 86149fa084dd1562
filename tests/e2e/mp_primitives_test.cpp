// The multiprocessing shared primitives against the test Redis: each between the client and
// calls on real worker processes (the handles travel as call arguments), their bounds, errors
// and timeouts. The life of their Redis keys: mp_keys_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing/connection.hpp>
#include <lithops/multiprocessing/managers.hpp>
#include <lithops/multiprocessing/queues.hpp>
#include <lithops/multiprocessing/sharedctypes.hpp>
#include <lithops/multiprocessing/synchronize.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <chrono>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mp_support.hpp"

namespace mp = lithops::mp;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Clock = std::chrono::steady_clock;

// ---- functions the calls run (external linkage: readable names in stats and errors) ----
namespace mp_calls {

void produce(int first, int n, mp::Queue<int> q) {
  for (int i = 0; i < n; ++i) q.put(first + i);
}

std::vector<int> consume_until_negative(mp::Queue<int> q) {
  std::vector<int> got;
  for (int x = q.get(); x >= 0; x = q.get()) got.push_back(x);
  return got;
}

int drain_joinable(mp::JoinableQueue<int> tasks, mp::Queue<int> results) {
  int n = 0;
  for (;;) {
    int x;
    try {
      x = tasks.get_nowait();
    } catch (const mp::Empty&) {
      return n;
    }
    results.put(x * 10);  // before task_done: join must not return before this
    tasks.task_done();
    ++n;
  }
}

void increment_under_lock(mp::Lock lock, mp::Value<int> counter, int times) {
  for (int i = 0; i < times; ++i) {
    std::lock_guard guard(lock);
    counter.set(counter.get() + 1);
  }
}

// "taken": acquire(false) succeeded (then released); "busy"; plus the release error, if any.
std::string probe_rlock(mp::RLock lock) {
  std::string out = lock.try_lock() ? "taken" : "busy";
  if (out == "taken") lock.release();
  try {
    lock.release();
    out += ",released";
  } catch (const mp::StateError&) {
    out += ",not-owner";
  }
  return out;
}

bool wait_for_state(mp::Condition cond, mp::Value<int> state) {
  std::unique_lock guard(cond);
  const bool ok = cond.wait_for([&] { return state.get() == 1; }, 20s);
  state.set(2);
  cond.notify_all();
  return ok;
}

bool wait_event(mp::Event ev, mp::Queue<int> ready, int i) {
  ready.put(i);
  return ev.wait(20s);
}

std::vector<std::size_t> barrier_rounds(mp::Barrier b, int rounds) {
  std::vector<std::size_t> idx;
  for (int r = 0; r < rounds; ++r) idx.push_back(b.wait(20s));
  return idx;
}

std::string barrier_broken(mp::Barrier b) {
  try {
    b.wait(20s);
    return "passed";
  } catch (const mp::BrokenBarrierError&) {
    return "broken";
  }
}

int pong(mp::Connection<int> c) {
  int n = 0;
  for (int x = c.recv(20s); x >= 0; x = c.recv(20s), ++n) c.send(x + 1);
  return n;
}

void square_into(int i, mp::Array<long> a) { a.set(static_cast<std::size_t>(i), long{i} * i); }

void record_word(std::string w, mp::Dict<std::string, int> d, mp::List<std::string> l, mp::Namespace ns) {
  d.set(w, static_cast<int>(w.size()));
  l.append(w);
  ns.set("seen_" + w, true);
}

}  // namespace mp_calls

namespace {

using namespace mp_test;

// Waits for the calls of a map of void functions, rethrowing the first failure.
template <class L>
void get_all(const L& fs) {
  for (const auto& f : fs) f.get();
}

// ==== Queues ====

TEST_F(MpPrimitives, QueueCarriesEveryItemExactlyOnceFromProducerCallsToConsumerCalls) {
  config_.set("localhost.worker_processes", 5);
  lithops::FunctionExecutor fexec(config_);
  mp::Queue<int> q(ctx_);
  auto c1 = fexec.call_async(mp_calls::consume_until_negative, q);
  auto c2 = fexec.call_async(mp_calls::consume_until_negative, q);
  auto producers = fexec.map(mp_calls::produce, std::vector<std::tuple<int, int>>{{0, 100}, {1000, 100}, {2000, 100}},
                             lithops::extra_args(q));
  get_all(producers);
  q.put(-1);
  q.put(-1);
  std::vector<int> all = c1.get();
  const auto first = all.size();
  for (int x : c2.get()) all.push_back(x);
  std::sort(all.begin(), all.end());
  std::vector<int> expected;
  for (int base : {0, 1000, 2000})
    for (int i = 0; i < 100; ++i) expected.push_back(base + i);
  EXPECT_EQ(all, expected);
  EXPECT_GT(first, 0u);  // both consumers ran against the same queue
  EXPECT_TRUE(q.empty());
}

TEST_F(MpPrimitives, BoundedQueueIsFullAtMaxsizeAndTimesOut) {
  mp::Queue<std::string> q(2, ctx_);
  EXPECT_EQ(q.maxsize(), 2u);
  EXPECT_FALSE(q.full());
  q.put("a");
  q.put_nowait("b");
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_THROW(q.put_nowait("c"), mp::Full);
  auto t0 = Clock::now();
  EXPECT_THROW(q.put("c", true, 50ms), mp::Full);
  EXPECT_GE(Clock::now() - t0, 45ms);

  // A put waiting for room goes in when a get makes some.
  std::thread putter([&] { q.put("c", true, 10s); });
  // The get comes once a client waits in Redis: the putter, unless a test running alongside
  // has one waiting too (then this check is weaker, never wrong).
  const auto until = Clock::now() + 10s;
  while (blocked_clients() < 1 && Clock::now() < until) std::this_thread::yield();
  EXPECT_GE(blocked_clients(), 1);
  EXPECT_EQ(q.get(), "a");
  putter.join();
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.get_nowait(), "c");
  EXPECT_THROW(q.get_nowait(), mp::Empty);
  t0 = Clock::now();
  EXPECT_THROW(q.get(true, 50ms), mp::Empty);
  EXPECT_GE(Clock::now() - t0, 45ms);
  EXPECT_TRUE(q.empty());

  q.close();
  EXPECT_THROW(q.put("d"), mp::StateError);
  EXPECT_THROW(q.get_nowait(), mp::StateError);
}

TEST_F(MpPrimitives, UnboundedQueueAndSimpleQueueKeepFifoOrder) {
  mp::Queue<std::vector<int>> q(ctx_);
  EXPECT_FALSE(q.full());
  q.put({1, 2});
  q.put({});
  q.put({3});
  EXPECT_THAT(q.get(), ElementsAre(1, 2));
  EXPECT_TRUE(q.get().empty());
  EXPECT_THAT(q.get(), ElementsAre(3));

  mp::SimpleQueue<std::string> sq(ctx_);
  EXPECT_TRUE(sq.empty());
  sq.put("x");
  sq.put("y");
  EXPECT_FALSE(sq.empty());
  EXPECT_EQ(sq.get(), "x");
  EXPECT_EQ(sq.get(), "y");
}

TEST_F(MpPrimitives, JoinableQueueJoinReturnsOnlyAfterEveryTaskIsDone) {
  config_.set("localhost.worker_processes", 3);
  lithops::FunctionExecutor fexec(config_);
  mp::JoinableQueue<int> tasks(ctx_);
  mp::Queue<int> results(ctx_);
  EXPECT_TRUE(tasks.join(0s));  // nothing put yet
  for (int i = 0; i < 30; ++i) tasks.put(i);
  EXPECT_FALSE(tasks.join(30ms));
  auto workers = fexec.map(mp_calls::drain_joinable, std::vector<mp::JoinableQueue<int>>(3, tasks),
                           lithops::extra_args(results));
  EXPECT_TRUE(tasks.join(20s));
  EXPECT_EQ(results.qsize(), 30u);  // every result was put before its task_done
  auto done = workers.get_result();
  EXPECT_EQ(std::accumulate(done.begin(), done.end(), 0), 30);
  EXPECT_THROW(tasks.task_done(), mp::StateError);
  // A new item makes join wait again.
  tasks.put(1);
  EXPECT_FALSE(tasks.join(20ms));
  tasks.get();
  tasks.task_done();
  EXPECT_TRUE(tasks.join(1s));
}

// ==== Locks and semaphores ====

TEST_F(MpPrimitives, EightCallsIncrementACounterUnderALockExactly10000Times) {
  config_.set("localhost.worker_processes", 8);
  lithops::FunctionExecutor fexec(config_);
  mp::Lock lock(ctx_);
  mp::Value<int> counter(0, ctx_);
  auto fs = fexec.map(mp_calls::increment_under_lock, std::vector<mp::Lock>(8, lock),
                      lithops::extra_args(counter, 1250));
  get_all(fs);
  EXPECT_EQ(counter.get(), 10000);
}

// Queue.put and the holder's Lock.release do not wait for Redis' answer (posted): the thread
// must still see its own writes at once, in order, and a refused put must not pass unnoticed.
TEST_F(MpPrimitives, AThreadSeesItsOwnPutsAndReleasesAtOnceAndInOrder) {
  mp::Queue<int> q(ctx_);
  for (int i = 0; i < 200; ++i) q.put(i);  // more than the replies a thread lets pile up
  EXPECT_EQ(q.qsize(), 200u);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(q.get_nowait(), i);
  mp::Lock lock(ctx_);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(lock.acquire(false)) << "round " << i;  // the release just before has happened
    lock.release();
  }
}

TEST_F(MpPrimitives, APutRedisRefusesFailsTheThreadsNextCommandNamingThePut) {
  mp::Queue<int> q(ctx_);
  q.put(1);
  const auto keys = keys_of(ctx_);
  auto items = std::find_if(keys.begin(), keys.end(), [](const std::string& k) { return k.ends_with(":items"); });
  ASSERT_NE(items, keys.end());
  mp::detail::command(test_redis(), {"DEL", *items});
  mp::detail::command(test_redis(), {"SET", *items, "not a list"});
  q.put(2);  // RPUSH onto a string: Redis answers WRONGTYPE, read at the next command
  try {
    q.qsize();
    ADD_FAILURE() << "the refused put went unnoticed";
  } catch (const lithops::StorageRequestError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Queue.put"));
    EXPECT_THAT(e.what(), HasSubstr("WRONGTYPE"));
  }
  mp::detail::command(test_redis(), {"DEL", *items});
  q.put(3);
  EXPECT_EQ(q.get(true, 5s), 3);  // the connection is usable again
}

TEST_F(MpPrimitives, LockIsExclusiveAndRefusesAReleaseWhenFree) {
  mp::Lock lock(ctx_);
  EXPECT_TRUE(lock.acquire());
  EXPECT_FALSE(lock.acquire(false));
  auto t0 = Clock::now();
  EXPECT_FALSE(lock.acquire(true, 50ms));
  EXPECT_GE(Clock::now() - t0, 45ms);
  lock.release();
  EXPECT_THROW(lock.release(), mp::StateError);
  {
    std::scoped_lock both(lock);
    EXPECT_FALSE(lock.try_lock());
  }
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

TEST_F(MpPrimitives, RLockIsReentrantForItsHolderOnly) {
  lithops::FunctionExecutor fexec(config_);
  mp::RLock lock(ctx_);
  EXPECT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.acquire(false));  // again, by the same thread
  // Another process can neither take it nor release it.
  EXPECT_EQ(fexec.call_async(mp_calls::probe_rlock, lock).get(), "busy,not-owner");
  // Nor can another thread of this process.
  std::string other;
  std::thread([&] { other = mp_calls::probe_rlock(lock); }).join();
  EXPECT_EQ(other, "busy,not-owner");
  lock.release();
  EXPECT_EQ(fexec.call_async(mp_calls::probe_rlock, lock).get(), "busy,not-owner");  // still held once
  lock.release();
  EXPECT_THROW(lock.release(), mp::StateError);
  EXPECT_EQ(fexec.call_async(mp_calls::probe_rlock, lock).get(), "taken,not-owner");
  std::unique_lock guard(lock);
  EXPECT_TRUE(guard.owns_lock());
}

TEST_F(MpPrimitives, SemaphoresCountPermitsAndTheBoundedOneRefusesToPassItsBound) {
  mp::Semaphore s(2, ctx_);
  EXPECT_EQ(s.get_value(), 2);
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire(false));
  EXPECT_FALSE(s.acquire(false));
  EXPECT_FALSE(s.acquire(true, 30ms));
  EXPECT_EQ(s.get_value(), 0);
  s.release();
  s.release();
  s.release();  // unbounded: past the initial value is fine
  EXPECT_EQ(s.get_value(), 3);

  mp::BoundedSemaphore b(2, ctx_);
  EXPECT_THROW(b.release(), mp::StateError);
  EXPECT_TRUE(b.acquire());
  b.release();
  EXPECT_THROW(b.release(), mp::StateError);
  EXPECT_EQ(b.get_value(), 2);
  {
    std::lock_guard g(b);
    EXPECT_EQ(b.get_value(), 1);
  }
  EXPECT_EQ(b.get_value(), 2);

  mp::Semaphore zero(0, ctx_);
  EXPECT_FALSE(zero.acquire(false));
  zero.release();
  EXPECT_TRUE(zero.acquire(false));
}

// ==== Condition, Event, Barrier ====

TEST_F(MpPrimitives, ConditionNotifiesAWaitingCallAndItsNotifyWakesTheClient) {
  lithops::FunctionExecutor fexec(config_);
  mp::Condition cond(ctx_);
  mp::Value<int> state(0, false, ctx_);
  auto f = fexec.call_async(mp_calls::wait_for_state, cond, state);
  {
    std::unique_lock guard(cond);
    state.set(1);
    cond.notify_all();
    EXPECT_TRUE(cond.wait_for([&] { return state.get() == 2; }, 20s));
  }
  EXPECT_TRUE(f.get());
}

TEST_F(MpPrimitives, ConditionWaitTimesOutAndChecksTheLockIsHeld) {
  mp::Lock plain(ctx_);
  mp::Condition cond(plain, ctx_);
  EXPECT_THROW(cond.wait(10ms), mp::StateError);
  EXPECT_THROW(cond.notify(), mp::StateError);
  cond.acquire();
  auto t0 = Clock::now();
  EXPECT_FALSE(cond.wait(50ms));
  EXPECT_GE(Clock::now() - t0, 45ms);
  EXPECT_FALSE(plain.acquire(false));  // wait took the lock back
  cond.notify();                       // nobody waiting: nothing happens
  cond.release();

  mp::Condition rcond(ctx_);  // over an RLock: the lock must be held by this thread
  rcond.acquire();
  rcond.acquire();
  EXPECT_FALSE(rcond.wait(20ms));  // releases both levels, takes both back
  rcond.release();
  rcond.release();
  EXPECT_THROW(rcond.wait(10ms), mp::StateError);
  EXPECT_THROW(rcond.notify_all(), mp::StateError);
}

TEST_F(MpPrimitives, EventWakesEveryWaitingCall) {
  config_.set("localhost.worker_processes", 3);
  lithops::FunctionExecutor fexec(config_);
  mp::Event ev(ctx_);
  mp::Queue<int> ready(ctx_);
  EXPECT_FALSE(ev.is_set());
  EXPECT_FALSE(ev.wait(20ms));
  auto fs = fexec.map(mp_calls::wait_event, std::vector<mp::Event>(3, ev), lithops::extra_args(ready, 0));
  for (int i = 0; i < 3; ++i) ready.get(true, 20s);  // all three are (about to be) waiting
  for (const auto& f : fs) EXPECT_FALSE(f.done());
  ev.set();
  EXPECT_THAT(fs.get_result(), ElementsAre(true, true, true));
  EXPECT_TRUE(ev.is_set());
  EXPECT_TRUE(ev.wait());
  ev.set();  // twice is fine
  ev.clear();
  EXPECT_FALSE(ev.is_set());
  EXPECT_FALSE(ev.wait(20ms));
}

TEST_F(MpPrimitives, BarrierReleasesItsPartiesTogetherRoundAfterRound) {
  config_.set("localhost.worker_processes", 4);
  lithops::FunctionExecutor fexec(config_);
  mp::Barrier b(4, ctx_);
  EXPECT_EQ(b.parties(), 4u);
  auto fs = fexec.map(mp_calls::barrier_rounds, std::vector<mp::Barrier>(4, b), lithops::extra_args(3));
  auto rounds = fs.get_result();
  for (int r = 0; r < 3; ++r) {
    std::set<std::size_t> idx;
    for (const auto& call : rounds) idx.insert(call.at(static_cast<std::size_t>(r)));
    EXPECT_THAT(idx, ElementsAre(0u, 1u, 2u, 3u)) << "round " << r;
  }
  EXPECT_EQ(b.n_waiting(), 0u);
  EXPECT_FALSE(b.broken());
}

TEST_F(MpPrimitives, BarrierTimeoutAbortAndResetBreakIt) {
  lithops::FunctionExecutor fexec(config_);
  mp::Barrier b(2, ctx_);
  auto t0 = Clock::now();
  EXPECT_THROW(b.wait(50ms), mp::BrokenBarrierError);
  EXPECT_GE(Clock::now() - t0, 45ms);
  EXPECT_TRUE(b.broken());
  EXPECT_THROW(b.wait(1s), mp::BrokenBarrierError);  // at once
  b.reset();
  EXPECT_FALSE(b.broken());

  // A waiting call is broken out by abort (or finds it broken, if abort came first).
  auto f = fexec.call_async(mp_calls::barrier_broken, b);
  b.abort();
  EXPECT_EQ(f.get(), "broken");
  b.reset();

  // The barrier's own timeout is the default of wait().
  mp::Barrier quick(3, 40ms, ctx_);
  EXPECT_THROW(quick.wait(), mp::BrokenBarrierError);

  // After a reset it works again.
  auto g = fexec.call_async(mp_calls::barrier_rounds, b, 1);
  const std::size_t mine = b.wait(20s);
  EXPECT_EQ(mine + g.get().at(0), 1u);  // indexes 0 and 1
}

// ==== Pipes ====

TEST_F(MpPrimitives, DuplexPipePlaysPingPongWithACall) {
  lithops::FunctionExecutor fexec(config_);
  auto [here, there] = mp::Pipe<int>(true, ctx_);
  auto f = fexec.call_async(mp_calls::pong, there);
  int x = 0;
  for (int i = 0; i < 20; ++i) {
    here.send(x);
    x = here.recv(20s);
  }
  EXPECT_EQ(x, 20);
  here.send(-1);
  EXPECT_EQ(f.get(), 20);
  EXPECT_FALSE(here.poll());
  EXPECT_THROW(here.recv(30ms), lithops::TimeoutError);
}

TEST_F(MpPrimitives, SimplexPipeSendsOneWayOnly) {
  auto [reader, writer] = mp::Pipe<std::string>(false, ctx_);
  EXPECT_TRUE(reader.readable());
  EXPECT_FALSE(reader.writable());
  EXPECT_THROW(reader.send("x"), mp::StateError);
  EXPECT_THROW(writer.recv(10ms), mp::StateError);
  EXPECT_THROW(writer.poll(), mp::StateError);
  EXPECT_FALSE(reader.poll());
  auto t0 = Clock::now();
  EXPECT_FALSE(reader.poll(40ms));
  EXPECT_GE(Clock::now() - t0, 35ms);
  writer.send("hello");
  writer.send_bytes("raw");
  EXPECT_TRUE(reader.poll(1s));
  EXPECT_TRUE(reader.poll());  // poll consumes nothing
  EXPECT_EQ(reader.recv(), "hello");
  EXPECT_EQ(reader.recv_bytes(), "raw");
  reader.close();
  EXPECT_TRUE(reader.closed());
  EXPECT_THROW(reader.recv(10ms), mp::StateError);
  writer.send("still fine");  // the other end is unaffected
}

// ==== Value and Array ====

TEST_F(MpPrimitives, ValueAndArrayAreSharedWithCalls) {
  lithops::FunctionExecutor fexec(config_);
  mp::Value<std::string> v(std::string("start"), ctx_);
  EXPECT_EQ(v.get(), "start");
  v.set("next");
  EXPECT_EQ(v.get(), "next");
  {
    std::lock_guard g(v.get_lock());  // an RLock
    v.set(v.get() + "!");
  }
  EXPECT_EQ(v.get(), "next!");
  mp::Value<double> unlocked(1.5, false, ctx_);
  EXPECT_THROW(unlocked.get_lock(), mp::StateError);
  EXPECT_EQ(unlocked.get(), 1.5);

  mp::Array<long> a(6, ctx_);
  EXPECT_EQ(a.size(), 6u);
  EXPECT_THAT(a.to_vector(), ElementsAre(0, 0, 0, 0, 0, 0));
  get_all(fexec.map(mp_calls::square_into, std::vector<int>{0, 1, 2, 3, 4, 5}, lithops::extra_args(a)));
  EXPECT_THAT(a.to_vector(), ElementsAre(0, 1, 4, 9, 16, 25));
  EXPECT_THAT(a.slice(2, 4), ElementsAre(4, 9));
  EXPECT_THAT(a.slice(4, 100), ElementsAre(16, 25));
  EXPECT_EQ(a.get(5), 25);
  EXPECT_THROW(a.get(6), std::out_of_range);
  EXPECT_THROW(a.set(6, 1), std::out_of_range);

  mp::Array<std::string> s(std::vector<std::string>{"a", "bc"}, false, ctx_);
  s.set(0, "xyz");
  EXPECT_THAT(s.to_vector(), ElementsAre("xyz", "bc"));
  EXPECT_THROW(s.get_lock(), mp::StateError);
}

// ==== Manager ====

TEST_F(MpPrimitives, ManagerDictListAndNamespaceAreSharedWithCalls) {
  lithops::FunctionExecutor fexec(config_);
  mp::Manager m(ctx_);
  auto d = m.dict<std::string, int>();
  auto l = m.list<std::string>();
  auto ns = m.namespace_();
  const std::vector<std::string> words{"a", "bb", "ccc"};
  get_all(fexec.map(mp_calls::record_word, words, lithops::extra_args(d, l, ns)));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_THAT(d.items(), UnorderedElementsAre(std::pair<std::string, int>{"a", 1}, std::pair<std::string, int>{"bb", 2},
                                              std::pair<std::string, int>{"ccc", 3}));
  EXPECT_THAT(l.to_vector(), UnorderedElementsAre("a", "bb", "ccc"));
  EXPECT_TRUE(ns.get<bool>("seen_bb"));
  EXPECT_EQ(ns.names().size(), 3u);

  // Dict
  EXPECT_EQ(d.at("bb"), 2);
  EXPECT_EQ(d.get("zz"), std::nullopt);
  EXPECT_EQ(d.get("zz", 7), 7);
  EXPECT_THROW(d.at("zz"), std::out_of_range);
  EXPECT_EQ(d.setdefault("zz", 26), 26);
  EXPECT_EQ(d.setdefault("zz", 0), 26);
  EXPECT_EQ(d.pop("zz"), 26);
  EXPECT_EQ(d.pop("zz"), std::nullopt);
  EXPECT_TRUE(d.contains("a"));
  EXPECT_TRUE(d.erase("a"));
  EXPECT_FALSE(d.erase("a"));
  d.update(std::map<std::string, int>{{"x", 10}, {"y", 20}});
  EXPECT_THAT(d.keys(), UnorderedElementsAre("bb", "ccc", "x", "y"));
  EXPECT_EQ(d.values().size(), 4u);
  d.clear();
  EXPECT_TRUE(d.empty());

  // List
  auto nums = m.list<int>();
  nums.extend(std::vector<int>{1, 2, 3, 4, 5});
  EXPECT_EQ(nums.get(-1), 5);
  nums.set(0, 10);
  EXPECT_EQ(nums.pop(), 5);
  EXPECT_EQ(nums.pop(1), 2);
  EXPECT_EQ(nums.pop(0), 10);
  EXPECT_THAT(nums.to_vector(), ElementsAre(3, 4));
  EXPECT_THROW(nums.get(5), std::out_of_range);
  EXPECT_THROW(nums.set(5, 1), std::out_of_range);
  EXPECT_THROW(nums.pop(5), std::out_of_range);

  // Namespace
  ns.set("n", 42);
  EXPECT_EQ(ns.get<int>("n"), 42);
  EXPECT_THROW(ns.get<std::string>("n"), mp::StateError);
  EXPECT_THROW(ns.get<int>("nothing"), std::out_of_range);
  EXPECT_TRUE(ns.has("n"));
  EXPECT_TRUE(ns.erase("n"));
  EXPECT_FALSE(ns.has("n"));

  // The objects live until the manager shuts down, whatever handles remain.
  EXPECT_FALSE(keys_of(ctx_).empty());
  m.shutdown();
  EXPECT_THAT(keys_of(ctx_), ::testing::IsEmpty());
  EXPECT_THROW(m.list<int>(), mp::StateError);
}

}  // namespace
