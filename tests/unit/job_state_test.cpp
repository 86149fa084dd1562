// JobState (src/core/job_state.hpp): the client's record of a job. Calls move from invoked to
// one final state exactly once; failures come back as the exception type of their kind; and
// listeners hear about every call that becomes final. Also the error types' hierarchy, which
// keeps failure, timeout and cancellation apart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <algorithm>
#include <csignal>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/call_outcome.hpp"
#include "core/job_state.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using lithops::CallState;
using namespace lithops::detail;

// ---- the error hierarchy ----

static_assert(std::is_base_of_v<lithops::Error, lithops::TimeoutError>);
static_assert(std::is_base_of_v<lithops::CallError, lithops::ExecutionTimeoutError>);
static_assert(!std::is_base_of_v<lithops::TimeoutError, lithops::ExecutionTimeoutError>);
static_assert(!std::is_base_of_v<lithops::CallError, lithops::TimeoutError>);
static_assert(std::is_base_of_v<lithops::CallError, lithops::WorkerCrashError>);
static_assert(std::is_base_of_v<lithops::CallError, lithops::BuildMismatchError>);
static_assert(std::is_base_of_v<lithops::CallError, lithops::CancelledError>);
static_assert(std::is_base_of_v<lithops::StorageError, lithops::NoSuchKeyError>);
static_assert(std::is_base_of_v<std::invalid_argument, lithops::RemoteException<std::invalid_argument>>);
static_assert(std::is_base_of_v<lithops::RemoteError, lithops::RemoteException<std::invalid_argument>>);
static_assert(!std::is_base_of_v<lithops::Error, lithops::RemoteException<std::runtime_error>>);

TEST(CallState, OnlySuccessFailedTimedOutAndCancelledAreFinal) {
  EXPECT_FALSE(lithops::is_final(CallState::invoked));
  EXPECT_FALSE(lithops::is_final(CallState::running));
  EXPECT_TRUE(lithops::is_final(CallState::success));
  EXPECT_TRUE(lithops::is_final(CallState::failed));
  EXPECT_TRUE(lithops::is_final(CallState::timed_out));
  EXPECT_TRUE(lithops::is_final(CallState::cancelled));
}

TEST(CallState, ToStringNamesEachState) {
  EXPECT_STREQ(lithops::to_string(CallState::invoked), "invoked");
  EXPECT_STREQ(lithops::to_string(CallState::running), "running");
  EXPECT_STREQ(lithops::to_string(CallState::success), "success");
  EXPECT_STREQ(lithops::to_string(CallState::failed), "failed");
  EXPECT_STREQ(lithops::to_string(CallState::timed_out), "timed_out");
  EXPECT_STREQ(lithops::to_string(CallState::cancelled), "cancelled");
}

// ---- helpers ----

std::shared_ptr<JobState> make_job(std::size_t calls) {
  JobInfo info;
  info.executor_id = "abc123-0";
  info.job_id = "M000";
  info.job_key = "abc123-0-M000";
  info.function = "my_function(int)";
  info.total_calls = calls;
  auto job = std::make_shared<JobState>(info);
  job->set_submit_ns(now_ns());
  return job;
}

/// Reports a successful call whose result is `result`.
void succeed(JobState& job, std::uint32_t index, const std::string& result, int pid = 100,
             const std::string& host = "worker-host") {
  auto chunk = std::make_shared<std::string>(result);
  CallOutcome o;
  o.index = index;
  o.attempts = 1;
  o.ok = true;
  o.worker_start_ns = now_ns();
  o.func_start_ns = o.worker_start_ns + 10;
  o.func_end_ns = o.func_start_ns + 10;
  o.bytes_in = 4;
  o.payload = *chunk;
  job.complete(std::span<const CallOutcome>(&o, 1), chunk, pid, host);
}

/// Reports a call that threw, as a worker does: the failure encoded in the payload.
void fail_with_exception(JobState& job, std::uint32_t index, StdKind kind, const std::string& type,
                         const std::string& message) {
  CallFailure f;
  f.kind = FailureKind::exception;
  f.std_kind = kind;
  f.type_name = type;
  f.message = message;
  auto chunk = std::make_shared<std::string>();
  Writer w(*chunk);
  f.write(w);
  CallOutcome o;
  o.index = index;
  o.attempts = 1;
  o.ok = false;
  o.payload = *chunk;
  job.complete(std::span<const CallOutcome>(&o, 1), chunk, 200, "worker-host");
}

CallFailure failure_of(FailureKind kind, const std::string& message, int signal = 0, int exit_code = -1) {
  CallFailure f;
  f.kind = kind;
  f.type_name = "Tag";
  f.message = message;
  f.signal = signal;
  f.exit_code = exit_code;
  return f;
}

// ---- states ----

TEST(JobState, ANewJobHasEveryCallInvoked) {
  auto job = make_job(3);
  EXPECT_EQ(job->size(), 3u);
  EXPECT_EQ(job->remaining(), 3u);
  EXPECT_FALSE(job->finished());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(job->call(i).state.load(), CallState::invoked);
}

TEST(JobState, MarkRunningMovesOnlyInvokedCallsInRange) {
  auto job = make_job(4);
  succeed(*job, 1, "r");
  job->mark_running(0, 3);
  EXPECT_EQ(job->call(0).state.load(), CallState::running);
  EXPECT_EQ(job->call(1).state.load(), CallState::success);  // final stays final
  EXPECT_EQ(job->call(2).state.load(), CallState::running);
  EXPECT_EQ(job->call(3).state.load(), CallState::invoked);
  job->mark_running(3, 100);  // clipped to the job
  EXPECT_EQ(job->call(3).state.load(), CallState::running);
}

TEST(JobState, CompleteRecordsTheResultAndCountsDown) {
  auto job = make_job(2);
  succeed(*job, 0, "result-0");
  EXPECT_EQ(job->call(0).state.load(), CallState::success);
  EXPECT_EQ(job->call(0).result(), "result-0");
  EXPECT_EQ(job->remaining(), 1u);
  succeed(*job, 1, "result-1");
  EXPECT_TRUE(job->finished());
}

TEST(JobState, ResultsFromATransientBufferAreKeptSmallOnesInTheRecordBigOnesCopiedOnce) {
  auto job = make_job(4);
  const std::string small(CallRecord::kInlineResult, 's');        // fits in its record
  const std::string big(CallRecord::kInlineResult + 1, 'b');      // does not
  std::string buffer = small + big + "x" + big + "y";             // as a frame read from a worker
  std::vector<CallOutcome> outcomes(4);
  const std::size_t at[] = {0, small.size(), small.size() + big.size(), small.size() + big.size() + 1};
  const std::size_t len[] = {small.size(), big.size(), 1, big.size()};
  for (std::uint32_t i = 0; i < 4; ++i) {
    outcomes[i].index = i;
    outcomes[i].ok = true;
    outcomes[i].payload = std::string_view(buffer).substr(at[i], len[i]);
  }
  job->complete(outcomes, nullptr, 7, "h");
  std::fill(buffer.begin(), buffer.end(), '\0');  // the caller reuses its buffer
  EXPECT_EQ(job->call(0).result(), small);
  EXPECT_EQ(job->call(1).result(), big);
  EXPECT_EQ(job->call(2).result(), "x");
  EXPECT_EQ(job->call(3).result(), big);
  EXPECT_EQ(job->stats(1).bytes_out, big.size());
  EXPECT_TRUE(job->finished());
}

TEST(JobState, AnEmptyResultIsASuccessWithNoBytes) {
  auto job = make_job(1);
  succeed(*job, 0, "");
  EXPECT_EQ(job->call(0).state.load(), CallState::success);
  EXPECT_EQ(job->call(0).result(), "");
}

TEST(JobState, ADuplicateOutcomeIsIgnored) {
  auto job = make_job(1);
  succeed(*job, 0, "first", 11);
  succeed(*job, 0, "second", 22);
  fail_with_exception(*job, 0, StdKind::runtime_error, "std::runtime_error", "late");
  job->fail(0, failure_of(FailureKind::crash, "late crash"), 1, 33, "h");
  EXPECT_EQ(job->call(0).result(), "first");
  EXPECT_EQ(job->stats(0).worker_pid, 11);
  EXPECT_EQ(job->remaining(), 0u);
}

TEST(JobState, OutcomesForCallsOutsideTheJobAreIgnored) {
  auto job = make_job(1);
  succeed(*job, 5, "stray");
  job->fail(7, failure_of(FailureKind::crash, "stray"), 1, 1, "h");
  EXPECT_EQ(job->remaining(), 1u);
}

TEST(JobState, FailPendingFailsOnlyCallsNotYetFinal) {
  auto job = make_job(3);
  succeed(*job, 1, "ok");
  job->fail_pending(failure_of(FailureKind::cancelled, "executor gone"));
  EXPECT_EQ(job->call(0).state.load(), CallState::cancelled);
  EXPECT_EQ(job->call(1).state.load(), CallState::success);
  EXPECT_EQ(job->call(2).state.load(), CallState::cancelled);
  EXPECT_TRUE(job->finished());
}

TEST(JobState, FailureKindsMapToFinalStates) {
  auto job = make_job(4);
  job->fail(0, failure_of(FailureKind::timeout, "t"), 1, 1, "h");
  job->fail(1, failure_of(FailureKind::crash, "c"), 1, 1, "h");
  job->fail(2, failure_of(FailureKind::cancelled, "x"), 0, 0, "");
  fail_with_exception(*job, 3, StdKind::other, "MyError", "m");
  EXPECT_EQ(job->call(0).state.load(), CallState::timed_out);
  EXPECT_EQ(job->call(1).state.load(), CallState::failed);
  EXPECT_EQ(job->call(2).state.load(), CallState::cancelled);
  EXPECT_EQ(job->call(3).state.load(), CallState::failed);
}

// ---- rethrowing ----

TEST(JobState, ThrowFailureRethrowsAStandardExceptionAsItsOwnTypeAndAsRemoteError) {
  auto job = make_job(1);
  fail_with_exception(*job, 0, StdKind::invalid_argument, "std::invalid_argument", "bad x");
  try {
    job->throw_failure(0);
  } catch (const std::invalid_argument& e) {
    auto* remote = dynamic_cast<const lithops::RemoteError*>(&e);
    ASSERT_NE(remote, nullptr);
    EXPECT_EQ(remote->type_name(), "std::invalid_argument");
    EXPECT_EQ(remote->message(), "bad x");
    EXPECT_EQ(remote->call_id(), "00000");
    EXPECT_EQ(remote->host(), "worker-host");
    EXPECT_EQ(remote->origin().job_key, "abc123-0-M000");
    EXPECT_EQ(remote->origin().worker_pid, 200);
    EXPECT_EQ(remote->origin().function, "my_function(int)");
    EXPECT_THAT(e.what(), HasSubstr("bad x"));
    EXPECT_THAT(e.what(), HasSubstr("std::invalid_argument"));
    return;
  }
  FAIL() << "not rethrown as std::invalid_argument";
}

TEST(JobState, EveryStandardKindIsRethrownAsThatType) {
  auto job = make_job(9);
  const StdKind kinds[] = {StdKind::logic_error,  StdKind::invalid_argument, StdKind::domain_error,
                           StdKind::length_error, StdKind::out_of_range,     StdKind::runtime_error,
                           StdKind::range_error,  StdKind::overflow_error,   StdKind::underflow_error};
  for (std::uint32_t i = 0; i < 9; ++i) fail_with_exception(*job, i, kinds[i], "T", "m");
  EXPECT_THROW(job->throw_failure(0), std::logic_error);
  EXPECT_THROW(job->throw_failure(1), std::invalid_argument);
  EXPECT_THROW(job->throw_failure(2), std::domain_error);
  EXPECT_THROW(job->throw_failure(3), std::length_error);
  EXPECT_THROW(job->throw_failure(4), std::out_of_range);
  EXPECT_THROW(job->throw_failure(5), std::runtime_error);
  EXPECT_THROW(job->throw_failure(6), std::range_error);
  EXPECT_THROW(job->throw_failure(7), std::overflow_error);
  EXPECT_THROW(job->throw_failure(8), std::underflow_error);
}

TEST(JobState, ANonStandardExceptionIsRethrownAsRuntimeErrorKeepingItsTypeName) {
  auto job = make_job(1);
  fail_with_exception(*job, 0, StdKind::other, "my_ns::MyError", "custom");
  try {
    job->throw_failure(0);
  } catch (const lithops::RemoteError& e) {
    EXPECT_EQ(e.type_name(), "my_ns::MyError");
    EXPECT_NE(dynamic_cast<const std::runtime_error*>(&e), nullptr);
    return;
  }
  FAIL() << "not rethrown as RemoteError";
}

TEST(JobState, RuntimeFailuresAreRethrownAsTheirOwnErrorTypes) {
  auto job = make_job(5);
  job->fail(0, failure_of(FailureKind::timeout, "too slow"), 1, 10, "h");
  job->fail(1, failure_of(FailureKind::crash, "killed by signal 11", SIGSEGV, -1), 2, 11, "h");
  job->fail(2, failure_of(FailureKind::build_mismatch, "builds differ"), 1, 12, "h");
  job->fail(3, failure_of(FailureKind::cancelled, "shut down"), 0, 0, "");
  job->fail(4, failure_of(FailureKind::internal, "storage down"), 1, 13, "h");
  EXPECT_THROW(job->throw_failure(0), lithops::ExecutionTimeoutError);
  try {
    job->throw_failure(1);
    FAIL();
  } catch (const lithops::WorkerCrashError& e) {
    EXPECT_EQ(e.signal(), SIGSEGV);
    EXPECT_EQ(e.exit_code(), -1);
    EXPECT_EQ(e.call_id(), "00001");
    EXPECT_EQ(e.job_key(), "abc123-0-M000");
    EXPECT_EQ(e.origin().worker_pid, 11);
    EXPECT_THAT(e.what(), HasSubstr("killed by signal 11"));
  }
  EXPECT_THROW(job->throw_failure(2), lithops::BuildMismatchError);
  EXPECT_THROW(job->throw_failure(3), lithops::CancelledError);
  EXPECT_THROW(job->throw_failure(4), lithops::CallError);
  EXPECT_EQ(job->failure(2).message, "builds differ");
}

// ---- listeners ----

TEST(JobState, AListenerHearsOfCallsAlreadyFinalAndOfLaterOnes) {
  auto job = make_job(3);
  succeed(*job, 1, "r");
  std::mutex mu;
  std::vector<std::uint32_t> heard;
  job->add_listener([&](std::span<const std::uint32_t> done) {
    std::lock_guard lock(mu);
    heard.insert(heard.end(), done.begin(), done.end());
  });
  EXPECT_THAT(heard, ElementsAre(1u));
  succeed(*job, 0, "r");
  job->fail(2, failure_of(FailureKind::crash, "c"), 1, 1, "h");
  EXPECT_THAT(heard, ElementsAre(1u, 0u, 2u));
  succeed(*job, 0, "duplicate");
  EXPECT_THAT(heard, ElementsAre(1u, 0u, 2u));
}

TEST(JobState, FinalCallsBumpTheCompletionEpoch) {
  auto job = make_job(1);
  auto before = completion_epoch();
  succeed(*job, 0, "r");
  EXPECT_NE(completion_epoch(), before);
}

// ---- stats ----

TEST(JobState, StatsOfAFinalCallCarryWorkerFieldsInOrder) {
  auto job = make_job(1);
  succeed(*job, 0, "12345", 4242, "node-7");
  auto s = job->stats(0);
  EXPECT_EQ(s.worker_pid, 4242);
  EXPECT_EQ(s.worker_host, "node-7");
  EXPECT_EQ(s.attempts, 1u);
  EXPECT_EQ(s.bytes_in, 4u);
  EXPECT_EQ(s.bytes_out, 5u);
  EXPECT_EQ(s.function, "my_function(int)");
  EXPECT_LE(s.host_submit, s.worker_start);
  EXPECT_LE(s.worker_start, s.func_start);
  EXPECT_LE(s.func_start, s.func_end);
  EXPECT_LE(s.func_end, s.host_result);
  EXPECT_GE(s.exec_time().count(), 0.0);
}

TEST(JobState, StatsOfAPendingCallHaveNoWorkerFields) {
  auto job = make_job(1);
  auto s = job->stats(0);
  EXPECT_EQ(s.worker_pid, 0);
  EXPECT_TRUE(s.worker_host.empty());
  EXPECT_EQ(s.function, "my_function(int)");
}

TEST(JobState, CallIdsAreFiveDigits) {
  auto job = make_job(1);
  EXPECT_EQ(job->call_id(0), "00000");
  EXPECT_EQ(format_call_id(42), "00042");
  EXPECT_EQ(format_call_id(123456), "123456");
}

}  // namespace
