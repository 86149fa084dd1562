// Process against real worker processes and the test Redis: lifecycle, exit codes,
// terminate/kill, pid, and processes talking through the shared primitives.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing.hpp>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_config.hpp"

namespace mp = lithops::mp;
using namespace std::chrono_literals;

namespace {

using lithops::testing::mp_test_config;

// Eight workers: the producer/consumer and barrier tests run up to 8 processes at once.
mp::Context& ctx() {
  static mp::Context c(mp_test_config(8));
  return c;
}

void report_pid(mp::Queue<int> q) { q.put(::getpid()); }
void thrower() { throw std::runtime_error("target failed"); }
void exits_with_3() { std::exit(3); }
void blocks(mp::Event running, mp::Event never) {
  running.set();
  never.wait(120s);
}

void produce(mp::Queue<int> q, int first, int n) {
  for (int i = first; i < first + n; ++i) q.put(i);
}
// Takes items until it gets -1; sends the sum of what it took.
void consume(mp::Queue<int> q, mp::Queue<long> sums) {
  long sum = 0;
  for (int v = q.get(); v != -1; v = q.get()) sum += v;
  sums.put(sum);
}

void wait_at(mp::Barrier b, mp::Queue<long> out) {
  const auto index = b.wait(60s);
  out.put(static_cast<long>(index));
}

void ping(mp::Connection<int> c, int rounds) {
  for (int i = 0; i < rounds; ++i) c.send(c.recv() + 1);
}

TEST(Process, RunsTheTargetAndReportsExitCodeZero) {
  mp::Queue<int> q(ctx());
  mp::Process p(mp::ProcessOptions{.name = "reporter", .context = &ctx()}, report_pid, q);
  EXPECT_EQ(p.name(), "reporter");
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(p.exitcode(), std::nullopt);
  EXPECT_THROW(p.join(), mp::StateError);
  p.start();
  EXPECT_THROW(p.start(), mp::StateError);
  EXPECT_THROW(p.set_daemon(true), mp::StateError);
  const int pid = q.get(true, 60s);
  p.join(60s);
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(p.pid(), pid);  // the worker that ran it
  EXPECT_NE(pid, ::getpid());
  EXPECT_TRUE(p.host().has_value());
}

TEST(Process, DefaultNamesAreNumbered) {
  mp::Process a(mp::ProcessOptions{.context = &ctx()}, thrower), b(mp::ProcessOptions{.context = &ctx()}, thrower);
  EXPECT_EQ(a.name().rfind("Process-", 0), 0u) << a.name();
  EXPECT_NE(a.name(), b.name());
}

TEST(Process, ExitCodes) {
  mp::Process t(mp::ProcessOptions{.context = &ctx()}, thrower);
  mp::Process e(mp::ProcessOptions{.context = &ctx()}, exits_with_3);
  t.start();
  e.start();
  t.join();
  e.join();
  EXPECT_EQ(t.exitcode(), 1);
  EXPECT_THROW(t.future().get(), std::runtime_error);
  EXPECT_EQ(e.exitcode(), 3);
}

TEST(Process, TerminateAndKillEndARunningProcess) {
  for (auto [sig, expected] : {std::pair{"terminate", -SIGTERM}, std::pair{"kill", -SIGKILL}}) {
    mp::Event running(ctx()), never(ctx());
    mp::Process p(mp::ProcessOptions{.context = &ctx()}, blocks, running, never);
    p.start();
    ASSERT_TRUE(running.wait(60s));
    EXPECT_TRUE(p.is_alive());
    if (std::string(sig) == "terminate") p.terminate();
    else p.kill();
    p.join(30s);
    EXPECT_FALSE(p.is_alive()) << sig;
    EXPECT_EQ(p.exitcode(), expected) << sig;
  }
}

// One worker, busy: the target's call waits in the queue when terminate() comes.
TEST(Process, TerminatedBeforeRunningNeverRunsTheTarget) {
  mp::Context one(mp_test_config(1));
  mp::Event running(one), release(one);
  mp::Queue<int> q(one);
  mp::Process blocker(mp::ProcessOptions{.context = &one}, blocks, running, release);
  blocker.start();
  ASSERT_TRUE(running.wait(60s));
  mp::Process p(mp::ProcessOptions{.context = &one}, report_pid, q);
  p.start();
  p.terminate();
  release.set();
  p.join(60s);
  EXPECT_EQ(p.exitcode(), -SIGTERM);
  EXPECT_THROW(q.get(false), mp::Empty);  // the target never ran
  blocker.join(60s);
  EXPECT_EQ(blocker.exitcode(), 0);
}

TEST(Process, DaemonIsTerminatedWhenItsProcessObjectGoes) {
  mp::Event running(ctx()), never(ctx());
  lithops::Future<void> call;
  const auto t0 = std::chrono::steady_clock::now();
  {
    mp::Process p(mp::ProcessOptions{.daemon = true, .context = &ctx()}, blocks, running, never);
    p.start();
    ASSERT_TRUE(running.wait(60s));
    call = p.future();
  }
  EXPECT_TRUE(call.done());
  EXPECT_THROW(call.get(), lithops::WorkerCrashError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
}

TEST(Process, WithoutRedisItRunsButCannotBeTerminated) {
  mp::Context plain(lithops::testing::test_config("pipe", 1));
  mp::Process p(mp::ProcessOptions{.context = &plain}, thrower);
  p.start();
  try {
    p.terminate();
    FAIL() << "terminate() without Redis";
  } catch (const lithops::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("redis.host"), std::string::npos) << e.what();
  }
  p.join();
  EXPECT_EQ(p.exitcode(), 1);
  EXPECT_EQ(p.pid(), std::nullopt);
}

TEST(Process, ProducersAndConsumersShareAQueue) {
  mp::Queue<int> q(ctx());
  mp::Queue<long> sums(ctx());
  std::vector<mp::Process> ps;
  for (int i = 0; i < 3; ++i) ps.emplace_back(mp::ProcessOptions{.context = &ctx()}, produce, q, i * 1000, 1000);
  for (int i = 0; i < 3; ++i) ps.emplace_back(mp::ProcessOptions{.context = &ctx()}, consume, q, sums);
  for (auto& p : ps) p.start();
  for (int i = 0; i < 3; ++i) ps[static_cast<std::size_t>(i)].join();
  for (int i = 0; i < 3; ++i) q.put(-1);  // one stop per consumer, after every item
  long total = 0;
  for (int i = 0; i < 3; ++i) total += sums.get(true, 60s);
  for (auto& p : ps) {
    p.join();
    EXPECT_EQ(p.exitcode(), 0) << p.name();
  }
  EXPECT_EQ(total, 2999L * 3000 / 2);  // 0..2999, each exactly once
}

TEST(Process, BarrierReleasesAllProcessesTogether) {
  constexpr int n = 6;
  mp::Barrier b(n, std::nullopt, ctx());
  mp::Queue<long> out(ctx());
  std::vector<mp::Process> ps;
  for (int i = 0; i < n; ++i) ps.emplace_back(mp::ProcessOptions{.context = &ctx()}, wait_at, b, out);
  for (int i = 0; i < n - 1; ++i) ps[static_cast<std::size_t>(i)].start();
  EXPECT_THROW(out.get(true, 0.5s), mp::Empty);  // nobody passes while one party is missing
  ps.back().start();
  std::set<long> indexes;
  for (int i = 0; i < n; ++i) indexes.insert(out.get(true, 60s));
  EXPECT_EQ(indexes.size(), static_cast<std::size_t>(n));  // distinct: 0..n-1
  EXPECT_EQ(*indexes.rbegin(), n - 1);
}

TEST(Process, PipePingPong) {
  auto [mine, theirs] = mp::Pipe<int>(true, ctx());
  mp::Process p(mp::ProcessOptions{.context = &ctx()}, ping, theirs, 50);
  p.start();
  int v = 0;
  for (int i = 0; i < 50; ++i) {
    mine.send(v);
    v = mine.recv() + 1;
  }
  EXPECT_EQ(v, 100);
  p.join(60s);
  EXPECT_EQ(p.exitcode(), 0);
}

}  // namespace
