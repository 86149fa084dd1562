#pragma once
/// @file detail/job_handle.hpp
/// The narrow, type-erased boundary between typed futures and the runtime. Templates stop
/// here: everything below is compiled once in the library.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lithops/call_stats.hpp"

namespace lithops::detail {

class JobState;  // defined in src/core/job_state.hpp
using Clock = std::chrono::steady_clock;
using Deadline = std::optional<Clock::time_point>;

/// A reference to one call of one job. Cheap to copy.
struct CallHandle {
  std::shared_ptr<JobState> job;
  std::size_t index = 0;
};

CallState call_state(const CallHandle& h) noexcept;
/// Blocks until the call is final or the deadline passes; true if final.
bool call_wait(const CallHandle& h, Deadline deadline);
/// Waits (no deadline), then returns the serialized result or throws the call's error
/// (RemoteException<E>, ExecutionTimeoutError, WorkerCrashError, ...).
std::string_view call_result(const CallHandle& h);
/// Throws the call's error if it is final and not a success; no-op otherwise.
void call_rethrow(const CallHandle& h);
CallStats call_stats(const CallHandle& h);
std::string call_id(const CallHandle& h);
std::string call_job_key(const CallHandle& h);

/// Process-wide completion counter: bumped (and waiters woken) whenever any call of any
/// executor becomes final. Lets `wait` watch futures from several jobs and executors.
std::uint64_t completion_epoch() noexcept;
/// Sleeps until the epoch differs from `seen` or the deadline (or `max_sleep`) passes.
void wait_for_completion(std::uint64_t seen, Deadline deadline, std::chrono::milliseconds max_sleep);

}  // namespace lithops::detail
