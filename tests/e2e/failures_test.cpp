// Calls that fail, end to end: exceptions come back with their type, message and origin; a
// crash or an overrun fails only its own call and the executor keeps working; failed inputs
// propagate through chaining and map_reduce; retries give failed calls another attempt.
#include <csignal>
#include <numeric>

#include "e2e_support.hpp"

namespace e2e {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::vector<int> range(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// Checks that every future but `bad` returned its own input.
void expect_others_succeed(const lithops::FuturesList<int>& fs, std::size_t bad) {
  for (std::size_t i = 0; i < fs.size(); ++i) {
    if (i == bad) continue;
    EXPECT_EQ(fs[i].get(), static_cast<int>(i)) << "call " << i;
    EXPECT_TRUE(fs[i].success()) << "call " << i << " is " << lithops::to_string(fs[i].state());
  }
}

// ==== Exceptions ====

class Exceptions : public E2E {};
INSTANTIATE_TEST_SUITE_P(Transports, Exceptions, transports(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Exceptions, remote_backends(), setup_name);

TEST_P(Exceptions, AStandardExceptionIsRethrownAsItsOwnType) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_invalid_argument, 7);
  try {
    f.get();
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("bad value 7"), HasSubstr("std::invalid_argument")));
  }
}

TEST_P(Exceptions, ARemoteErrorTellsTheTypeMessageAndWhereTheCallRan) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_invalid_argument, 7);
  try {
    f.get();
    FAIL() << "expected lithops::RemoteError";
  } catch (const lithops::RemoteError& e) {
    EXPECT_EQ(e.type_name(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "bad value 7");
    EXPECT_EQ(e.call_id(), "00000");
    EXPECT_FALSE(e.host().empty());
    EXPECT_EQ(e.origin().job_key, f.job_key());
    EXPECT_GT(e.origin().worker_pid, 0);
    EXPECT_THAT(e.origin().function, HasSubstr("throw_invalid_argument"));
    EXPECT_THAT(e.what(), AllOf(HasSubstr("bad value 7"), HasSubstr(f.job_key()), HasSubstr(e.host())));
  }
}

TEST_P(Exceptions, ARemoteExceptionIsNotALithopsError) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_invalid_argument, 1);
  EXPECT_THROW(
      try { f.get(); } catch (const lithops::Error&) { FAIL() << "a user exception caught as lithops::Error"; },
      std::logic_error);
}

TEST_P(Exceptions, ACustomExceptionKeepsItsTypeName) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_custom_error, 3);
  try {
    f.get();
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {  // its nearest standard base
    auto* remote = dynamic_cast<const lithops::RemoteError*>(&e);
    ASSERT_NE(remote, nullptr);
    EXPECT_EQ(remote->type_name(), "e2e::CustomError");
    EXPECT_EQ(remote->message(), "custom failure 3");
  }
}

TEST_P(Exceptions, ANonStandardExceptionIsRethrownAsRuntimeError) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_int, 42);
  try {
    f.get();
    FAIL() << "expected an exception";
  } catch (const lithops::RemoteError& e) {
    EXPECT_EQ(e.type_name(), "int");
    EXPECT_NE(dynamic_cast<const std::runtime_error*>(&e), nullptr);
    EXPECT_FALSE(e.message().empty());
  }
}

TEST_P(Exceptions, AFailedCallIsFinalWithoutAResult) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_invalid_argument, 1);
  f.wait();
  EXPECT_EQ(f.state(), lithops::CallState::failed);
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.error());
  EXPECT_FALSE(f.success());
  EXPECT_THROW(f.get(), std::invalid_argument);
  EXPECT_THROW(f.get(), std::invalid_argument);  // every time
}

TEST_P(Exceptions, AnExceptionFailsOnlyItsCall) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(fail_on, range(10), lithops::extra_args(3));
  EXPECT_THROW(fs[3].get(), std::invalid_argument);
  expect_others_succeed(fs, 3);
}

TEST_P(Exceptions, GetResultRethrowsTheFailure) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(fail_on, range(10), lithops::extra_args(4));
  try {
    fexec.get_result(fs);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("input 4 is bad"));
    EXPECT_EQ(dynamic_cast<const lithops::RemoteError&>(e).call_id(), "00004");
  }
}

TEST_P(Exceptions, GetResultRethrowsTheFirstFailureInListOrder) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(throw_invalid_argument, std::vector{5, 6, 7});
  lithops::wait(fs);  // every call final: the first in list order is the one rethrown
  try {
    fs.get_result();
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad value 5"));
  }
}

TEST_P(Exceptions, WaitWithThrowExceptRethrowsAFailure) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(fail_on, range(4), lithops::extra_args(1));
  EXPECT_THROW(lithops::wait(fs, lithops::ALL_COMPLETED, std::nullopt, true), std::invalid_argument);
  auto r = lithops::wait(fs);  // without throw_except it returns
  EXPECT_EQ(r.done.size(), 4u);
}

TEST_P(Exceptions, AFailedInputFailsItsChainedCallWithTheSameError) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(fail_on, range(6), lithops::extra_args(2));
  auto gs = fs.map(add_one);
  try {
    gs[2].get();
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("input 2 is bad"));
    EXPECT_EQ(dynamic_cast<const lithops::RemoteError&>(e).type_name(), "std::invalid_argument");
  }
  EXPECT_EQ(gs[2].state(), lithops::CallState::failed);
  for (std::size_t i = 0; i < gs.size(); ++i) {
    if (i != 2) {
      EXPECT_EQ(gs[i].get(), static_cast<int>(i) + 1) << i;
    }
  }
}

TEST_P(Exceptions, AFailedInputPropagatesThroughSeveralChainedJobs) {
  lithops::FunctionExecutor fexec(config());
  auto hs = fexec.map(fail_on, range(3), lithops::extra_args(0)).map(add_one).map(square);
  EXPECT_THROW(hs[0].get(), std::invalid_argument);
  EXPECT_EQ(hs[1].get(), 4);
  EXPECT_EQ(hs[2].get(), 9);
}

TEST_P(Exceptions, AFailedMapperFailsTheReducer) {
  lithops::FunctionExecutor fexec(config());
  auto r = fexec.map_reduce(fail_on, range(5), collect, lithops::extra_args(3));
  EXPECT_THROW(r.get(), std::invalid_argument);
  EXPECT_TRUE(r.error());
}

TEST_P(Exceptions, AThrowingReducerFailsTheReduceFuture) {
  lithops::FunctionExecutor fexec(config());
  auto reducer = [](std::vector<int> v) -> int { throw std::out_of_range("reduced " + std::to_string(v.size())); };
  auto r = fexec.map_reduce(square, range(4), reducer);
  try {
    r.get();
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_THAT(e.what(), HasSubstr("reduced 4"));
  }
}

// ==== Crashes ====

class Crashes : public E2E {};
INSTANTIATE_TEST_SUITE_P(Pools, Crashes, pool_sizes(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Crashes, remote_backends(), setup_name);

/// Runs a map of 8 calls where call 3 crashes its worker `how`; returns that call's error.
lithops::WorkerCrashError crash_third_call(lithops::FunctionExecutor& fexec, const std::string& how) {
  auto fs = fexec.map(crash_on, range(8), lithops::extra_args(3, how));
  std::optional<lithops::WorkerCrashError> error;
  try {
    fs[3].get();
    ADD_FAILURE() << "expected lithops::WorkerCrashError";
  } catch (const lithops::WorkerCrashError& e) {
    error = e;
  }
  EXPECT_EQ(fs[3].state(), lithops::CallState::failed);
  expect_others_succeed(fs, 3);
  // The executor keeps working: a new worker took the crashed one's place.
  EXPECT_EQ(fexec.map(square, range(10)).get_result()[9], 81);
  if (!error) throw std::runtime_error("no crash error");
  return *error;
}

TEST_P(Crashes, ASegfaultFailsOnlyItsCall) {
  lithops::FunctionExecutor fexec(config());
  auto e = crash_third_call(fexec, "segv");
  EXPECT_EQ(e.signal(), SIGSEGV);
  EXPECT_EQ(e.exit_code(), -1);
  EXPECT_THAT(e.what(), HasSubstr("SIGSEGV"));
  EXPECT_EQ(e.call_id(), "00003");
  EXPECT_FALSE(e.host().empty());
  EXPECT_GT(e.origin().worker_pid, 0);
  EXPECT_THAT(e.origin().function, HasSubstr("crash_on"));
}

TEST_P(Crashes, AnAbortFailsOnlyItsCall) {
  lithops::FunctionExecutor fexec(config());
  auto e = crash_third_call(fexec, "abort");
  EXPECT_EQ(e.signal(), SIGABRT);
  EXPECT_THAT(e.what(), HasSubstr("SIGABRT"));
}

TEST_P(Crashes, StdTerminateFailsOnlyItsCall) {
  lithops::FunctionExecutor fexec(config());
  auto e = crash_third_call(fexec, "terminate");
  EXPECT_EQ(e.signal(), SIGABRT);
  EXPECT_THAT(e.what(), HasSubstr("SIGABRT"));
}

TEST_P(Crashes, StdExitFailsOnlyItsCallWithItsExitCode) {
  lithops::FunctionExecutor fexec(config());
  auto e = crash_third_call(fexec, "exit3");
  EXPECT_EQ(e.signal(), 0);
  EXPECT_EQ(e.exit_code(), 3);
  EXPECT_THAT(e.what(), HasSubstr("exited with code 3"));
}

// Without retries the crashed call runs once. Calls of its task whose outcomes the worker had
// not reported yet run again on a new worker (docs/design.md: at least once), and still succeed.
TEST_P(Crashes, ACrashedCallRunsOnceAndEveryOtherCallAtLeastOnce) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(count_then_crash_on, range(8), lithops::extra_args(5, scratch_dir()),
                      lithops::CallOptions{.chunksize = 8});
  EXPECT_THROW(fs[5].get(), lithops::WorkerCrashError);
  expect_others_succeed(fs, 5);
  EXPECT_EQ(runs_of(scratch_dir(), 5), 1);
  for (int i = 0; i < 8; ++i) EXPECT_GE(runs_of(scratch_dir(), i), 1) << "call " << i;
}

TEST_P(Crashes, ACrashIsNotARemoteError) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(crash_on, 0, 0, std::string("segv"));
  EXPECT_THROW(
      try { f.get(); } catch (const lithops::RemoteError&) { FAIL() << "a crash caught as RemoteError"; },
      lithops::CallError);
}

TEST_P(Crashes, SeveralCrashesInOneMapEachFailOnlyTheirCall) {
  lithops::FunctionExecutor fexec(config());
  std::vector<std::tuple<int, int, std::string>> data;
  for (int i = 0; i < 12; ++i) data.emplace_back(i, i % 4 == 1 ? i : -1, i % 8 == 1 ? "segv" : "exit3");
  auto fs = fexec.map(crash_on, data);
  lithops::wait(fs);
  for (int i = 0; i < 12; ++i) {
    auto idx = static_cast<std::size_t>(i);
    if (i % 4 == 1) {
      EXPECT_THROW(fs[idx].get(), lithops::WorkerCrashError) << i;
    } else {
      EXPECT_EQ(fs[idx].get(), i);
    }
  }
}

TEST_P(Crashes, ACrashInAChainedCallFailsOnlyThatCall) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(square, range(5));
  fs.get_result();
  // Inputs all done and chunksize 5: one task for the five chained calls, so that calls 3
  // and 4 run after the crash, on a new worker.
  auto gs = fexec.map(crash_on, fs, lithops::extra_args(4, std::string("abort")),  // input 4 is call 2's
                      lithops::CallOptions{.chunksize = 5});
  EXPECT_THROW(gs[2].get(), lithops::WorkerCrashError);
  EXPECT_EQ(gs[0].get(), 0);
  EXPECT_EQ(gs[1].get(), 1);
  EXPECT_EQ(gs[3].get(), 9);
  EXPECT_EQ(gs[4].get(), 16);
}

// ==== Execution timeouts ====

class Timeouts : public E2E {};
INSTANTIATE_TEST_SUITE_P(Pools, Timeouts, pool_sizes(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Timeouts, remote_backends(), setup_name);

TEST_P(Timeouts, ACallThatOverrunsItsTimeoutFailsWithExecutionTimeoutError) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(sleep_on, range(6), lithops::extra_args(2, 60.0), lithops::CallOptions{.timeout = 0.5});
  try {
    fs[2].get();
    FAIL() << "expected lithops::ExecutionTimeoutError";
  } catch (const lithops::TimeoutError&) {
    FAIL() << "an execution timeout must not be a client-side TimeoutError";
  } catch (const lithops::ExecutionTimeoutError& e) {
    EXPECT_EQ(e.call_id(), "00002");
    EXPECT_THAT(e.what(), HasSubstr("0.5"));
  }
  EXPECT_EQ(fs[2].state(), lithops::CallState::timed_out);
  EXPECT_TRUE(fs[2].error());
  expect_others_succeed(fs, 2);
  auto s = fs[2].stats();
  EXPECT_GE(s.exec_time().count(), 0.4);
  EXPECT_LT(s.exec_time().count(), 30.0);
}

TEST_P(Timeouts, CallAsyncWithATimeoutFailsWithExecutionTimeoutError) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.timeout = 0.3}, sleep_on, 0, 0, 60.0);
  EXPECT_THROW(f.get(), lithops::ExecutionTimeoutError);
  EXPECT_EQ(fexec.call_async(square, 5).get(), 25);  // the executor keeps working
}

TEST_P(Timeouts, TheConfiguredExecutionTimeoutApplies) {
  auto cfg = config();
  cfg.set("lithops.execution_timeout", 0.5);
  lithops::FunctionExecutor fexec(cfg);
  auto fs = fexec.map(sleep_on, range(4), lithops::extra_args(1, 60.0));
  EXPECT_THROW(fs[1].get(), lithops::ExecutionTimeoutError);
  expect_others_succeed(fs, 1);
}

TEST_P(Timeouts, ACallWithinItsTimeoutSucceeds) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.timeout = 30.0}, sleep_on, 0, 0, 0.2);
  EXPECT_EQ(f.get(), 0);
}

// ==== Retries ====

class Retries : public E2E {};
INSTANTIATE_TEST_SUITE_P(Pools, Retries, pool_sizes(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Retries, remote_backends(), setup_name);

TEST_P(Retries, AThrowingCallSucceedsOnItsSecondAttempt) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.retries = 1}, throw_first_time, 5, scratch("marker"));
  EXPECT_EQ(f.get(), 5);
  EXPECT_EQ(f.stats().attempts, 2u);
}

TEST_P(Retries, WithoutRetriesTheFirstFailureIsFinal) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(throw_first_time, 5, scratch("marker"));
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(f.stats().attempts, 1u);
}

TEST_P(Retries, ACrashedCallSucceedsOnItsSecondAttempt) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.retries = 1}, crash_first_time, 6, scratch("marker"));
  EXPECT_EQ(f.get(), 6);
  EXPECT_EQ(f.stats().attempts, 2u);
}

TEST_P(Retries, ATimedOutCallSucceedsOnItsSecondAttempt) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.timeout = 0.5, .retries = 1}, hang_first_time, 7,
                                 scratch("marker"));
  EXPECT_EQ(f.get(), 7);
  EXPECT_EQ(f.stats().attempts, 2u);
}

TEST_P(Retries, WhenRetriesRunOutTheLastFailureIsReported) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.retries = 2}, always_throw, 8);
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(f.stats().attempts, 3u);
}

TEST_P(Retries, WhenCrashRetriesRunOutTheCrashIsReported) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.retries = 2}, always_crash, 9);
  EXPECT_THROW(f.get(), lithops::WorkerCrashError);
  EXPECT_EQ(f.stats().attempts, 3u);
}

TEST_P(Retries, EachCallOfAMapIsRetriedOnItsOwn) {
  lithops::FunctionExecutor fexec(config());
  std::vector<std::tuple<int, std::string>> data;
  for (int i = 0; i < 6; ++i) data.emplace_back(i, scratch("marker-" + std::to_string(i)));
  auto fs = fexec.map(crash_first_time, data, lithops::CallOptions{.retries = 1});
  EXPECT_EQ(fs.get_result(), range(6));
  for (const auto& f : fs) EXPECT_EQ(f.stats().attempts, 2u);
}

TEST_P(Retries, AChainedCallThatCrashesSucceedsOnItsSecondAttempt) {
  lithops::FunctionExecutor fexec(config());
  auto inputs = fexec.map(add_one, std::vector{0, 1, 2});
  auto fs = inputs.map(crash_first_time, lithops::extra_args(scratch("marker")), lithops::CallOptions{.retries = 1});
  EXPECT_EQ(fs.get_result(), (std::vector{1, 2, 3}));
}

TEST_P(Retries, ACrashedReducerSucceedsOnItsSecondAttempt) {
  lithops::FunctionExecutor fexec(config());
  auto r = fexec.map_reduce(square, std::vector{1, 2, 3}, SumCrashingFirstTime{scratch("marker")},
                            lithops::CallOptions{.retries = 1});
  EXPECT_EQ(r.get(), 14);
  EXPECT_EQ(r.stats().attempts, 2u);
}

TEST_P(Retries, TheConfiguredRetriesApply) {
  auto cfg = config();
  cfg.set("lithops.retries", 1);
  lithops::FunctionExecutor fexec(cfg);
  auto f = fexec.call_async(throw_first_time, 5, scratch("marker"));
  EXPECT_EQ(f.get(), 5);
  EXPECT_EQ(f.stats().attempts, 2u);
}

TEST_P(Retries, ASuccessfulCallTakesOneAttempt) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async_with(lithops::CallOptions{.retries = 3}, square, 3);
  EXPECT_EQ(f.get(), 9);
  EXPECT_EQ(f.stats().attempts, 1u);
}

}  // namespace
}  // namespace e2e
