// Waiting on futures, end to end: wait's return_when modes and timeout, Future::get with a
// timeout, future states and the statistics a finished call carries. Calls that must stay
// running are held on a gate file that the test opens; nothing here sleeps to synchronise.
#include <numeric>
#include <set>

#include <unistd.h>

#include "e2e_support.hpp"

namespace e2e {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class Waiting : public E2E {};
INSTANTIATE_TEST_SUITE_P(Pools, Waiting, pool_sizes(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Waiting, remote_backends(), setup_name);

/// Indexes of the futures in `part`, by call id, in order.
template <class T>
std::vector<std::string> ids(const lithops::FuturesList<T>& part) {
  std::vector<std::string> out;
  for (const auto& f : part) out.push_back(f.call_id());
  return out;
}

TEST_P(Waiting, AllCompletedReturnsWhenEveryCallIsDone) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(square, std::vector{1, 2, 3, 4, 5});
  auto r = fexec.wait(fs, lithops::ALL_COMPLETED);
  EXPECT_EQ(r.done.size(), 5u);
  EXPECT_TRUE(r.not_done.empty());
  for (const auto& f : r.done) EXPECT_TRUE(f.done());
  EXPECT_EQ(ids(r.done), ids(fs));  // in input order
}

TEST_P(Waiting, AnyCompletedReturnsOnceOneCallIsDone) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  // Call 0 is free to finish; the others are held until the gate opens. One task for the
  // four calls: call 0's result must not wait for the held calls that follow it in the task.
  auto fs = fexec.map(hold_if_negative, std::vector{0, -1, -2, -3}, lithops::extra_args(gate),
                      lithops::CallOptions{.chunksize = 4});
  // A generous timeout: the wait must return long before it, as soon as call 0 is done.
  auto r = lithops::wait(fs, lithops::ANY_COMPLETED, std::chrono::seconds(10));
  EXPECT_EQ(ids(r.done), std::vector<std::string>{"00000"}) << "call 0's result was held back";
  EXPECT_EQ(ids(r.not_done), (std::vector<std::string>{"00001", "00002", "00003"}));
  open_gate(gate);
  if (!r.done.empty()) {
    EXPECT_EQ(r.done[0].get(), 0);
  }
  EXPECT_EQ(fs.get_result(), (std::vector{0, -1, -2, -3}));
}

TEST_P(Waiting, AlwaysReturnsAtOnceWithWhatIsDone) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  auto fs = fexec.map(hold_until_open, std::vector{1, 2, 3}, lithops::extra_args(gate));
  auto r = lithops::wait(fs, lithops::ALWAYS);
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.not_done.size(), 3u);
  open_gate(gate);
  lithops::wait(fs);
  auto after = lithops::wait(fs, lithops::ALWAYS);
  EXPECT_EQ(after.done.size(), 3u);
  EXPECT_TRUE(after.not_done.empty());
}

TEST_P(Waiting, ATimeoutReturnsWhatIsDoneWithoutThrowing) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  auto fs = fexec.map(hold_if_negative, std::vector{1, -1, 2}, lithops::extra_args(gate));
  lithops::WaitResult<int> r;
  EXPECT_NO_THROW(r = lithops::wait(fs, lithops::ALL_COMPLETED, 0.3s));
  // Calls 0 and 2 may or may not be done by then; whatever is done is in `done`.
  EXPECT_THAT(ids(r.not_done), ::testing::Contains("00001"));
  EXPECT_EQ(r.done.size() + r.not_done.size(), 3u);
  for (const auto& f : r.done) EXPECT_TRUE(f.success());
  open_gate(gate);
  EXPECT_EQ(fs.get_result(), (std::vector{1, -1, 2}));
}

TEST_P(Waiting, TheResultOfAWaitCanBeWaitedOnAgain) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  auto fs = fexec.map(hold_if_negative, std::vector{-1, -2}, lithops::extra_args(gate));
  auto r = lithops::wait(fs, lithops::ALWAYS);
  ASSERT_EQ(r.not_done.size(), 2u);
  open_gate(gate);
  auto rest = lithops::wait(r.not_done, lithops::ALL_COMPLETED);
  EXPECT_EQ(rest.done.size(), 2u);
  EXPECT_EQ(rest.done.map(add_one).get_result(), (std::vector{0, -1}));  // keeps its executor
}

TEST_P(Waiting, GetResultWithATimeoutThrowsTimeoutError) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  auto fs = fexec.map(hold_until_open, std::vector{1, 2}, lithops::extra_args(gate));
  EXPECT_THROW(fexec.get_result(fs, 0.2s), lithops::TimeoutError);
  open_gate(gate);
  EXPECT_EQ(fexec.get_result(fs, 60s), (std::vector{1, 2}));
}

TEST_P(Waiting, FutureGetWithATimeoutThrowsTimeoutErrorAndTheCallGoesOn) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  auto f = fexec.call_async(hold_until_open, 5, gate);
  try {
    f.get(50ms);
    FAIL() << "expected lithops::TimeoutError";
  } catch (const lithops::CallError&) {
    FAIL() << "a client-side timeout must not be a call error";
  } catch (const lithops::TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("00000"));
  }
  EXPECT_FALSE(f.done());
  EXPECT_EQ(f.wait_for(10ms), std::future_status::timeout);
  open_gate(gate);
  EXPECT_EQ(f.get(60s), 5);
  EXPECT_EQ(f.wait_for(0ms), std::future_status::ready);
  EXPECT_EQ(lithops::get_result(f, 1s), 5);
}

TEST_P(Waiting, FutureStatesGoFromPendingToSuccess) {
  lithops::FunctionExecutor fexec(config());
  auto gate = scratch("gate");
  auto f = fexec.call_async(hold_until_open, 1, gate);
  auto pending = f.state();
  EXPECT_TRUE(pending == lithops::CallState::invoked || pending == lithops::CallState::running)
      << lithops::to_string(pending);
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.success());
  EXPECT_FALSE(f.error());
  EXPECT_TRUE(f.valid());
  open_gate(gate);
  f.wait();
  EXPECT_EQ(f.state(), lithops::CallState::success);
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.success());
  EXPECT_FALSE(f.error());
}

TEST_P(Waiting, ADefaultFutureIsNotValid) {
  lithops::Future<int> f;
  EXPECT_FALSE(f.valid());
  EXPECT_THROW(f.wait(), lithops::Error);
}

TEST_P(Waiting, StatsOfAFinishedCallAreFilledIn) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(stats_probe, 12345);
  ASSERT_EQ(f.get(), 12345);
  auto s = f.stats();
  EXPECT_GT(s.worker_pid, 0);
  EXPECT_NE(s.worker_pid, ::getpid());
  EXPECT_FALSE(s.worker_host.empty());
  EXPECT_EQ(s.attempts, 1u);
  EXPECT_GT(s.bytes_in, 0u);
  EXPECT_GT(s.bytes_out, 0u);
  EXPECT_THAT(s.function, HasSubstr("stats_probe"));
  EXPECT_LE(s.host_submit, s.worker_start);
  EXPECT_LE(s.worker_start, s.func_start);
  EXPECT_LE(s.func_start, s.func_end);
  EXPECT_LE(s.func_end, s.host_result);
  EXPECT_GE(s.queue_time().count(), 0.0);
  EXPECT_GE(s.exec_time().count(), 0.0);
  EXPECT_GE(s.total_time().count(), s.exec_time().count());
}

TEST_P(Waiting, StatsCountTheBytesOfArgumentsAndResults) {
  lithops::FunctionExecutor fexec(config());
  auto small = fexec.call_async(blob_size, make_blob(10));
  auto large = fexec.call_async(blob_size, make_blob(100000));
  auto made = fexec.call_async(make_blob, 50000);
  small.get(), large.get(), made.get();
  EXPECT_GE(large.stats().bytes_in, 100000u);
  EXPECT_LT(small.stats().bytes_in, 100u);
  EXPECT_GE(made.stats().bytes_out, 50000u);
}

TEST_P(Waiting, StatsOfEveryCallOfAMapNameAWorkerOfThePool) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(stats_probe, std::vector<int>(40, 1));
  fs.get_result();
  std::set<int> pids;
  for (const auto& f : fs) {
    EXPECT_GT(f.stats().worker_pid, 0);
    EXPECT_THAT(f.stats().function, HasSubstr("stats_probe"));
    pids.insert(f.stats().worker_pid);
  }
  EXPECT_LE(pids.size(), fexec.worker_count());
}

TEST_P(Waiting, StatsOfAFunctionObjectNameItsType) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(Scale{2}, 4);
  EXPECT_EQ(f.get(), 8);
  EXPECT_THAT(f.stats().function, HasSubstr("Scale"));
}

TEST_P(Waiting, WaitingOnNoFuturesReturnsAtOnce) {
  lithops::FuturesList<int> none;
  for (auto when : {lithops::ALL_COMPLETED, lithops::ANY_COMPLETED, lithops::ALWAYS}) {
    auto r = lithops::wait(none, when);
    EXPECT_TRUE(r.done.empty());
    EXPECT_TRUE(r.not_done.empty());
  }
  EXPECT_TRUE(lithops::get_result(none).empty());
}

TEST_P(Waiting, WaitOverFuturesOfTwoJobs) {
  lithops::FunctionExecutor fexec(config());
  auto all = fexec.map(square, std::vector{1, 2});
  all += fexec.map(add_one, std::vector{3, 4});
  auto r = lithops::wait(all);
  EXPECT_EQ(r.done.size(), 4u);
  EXPECT_EQ(all.get_result(), (std::vector{1, 4, 4, 5}));
}

}  // namespace
}  // namespace e2e
