#pragma once
/// @file future.hpp
/// `Future<T>`: the result of one call, as Lithops' ResponseFuture, typed.

#include <chrono>
#include <future>
#include <string>
#include <type_traits>
#include <utility>

#include "lithops/call_stats.hpp"
#include "lithops/detail/job_handle.hpp"
#include "lithops/serialization.hpp"

namespace lithops {

/// The eventual result of one call. Copies refer to the same call. Thread-safe: any number of
/// threads may wait on and read the same future.
///
/// Example:
/// @code
///   lithops::Future<int> f = fexec.call_async(double_it, 21);
///   int r = f.get();  // 42, or throws what the call threw
/// @endcode
template <class T>
class Future {
 public:
  using value_type = T;

  Future() = default;
  explicit Future(detail::CallHandle handle) : h_(std::move(handle)) {}

  /// Waits for the call and returns its result.
  /// @throws RemoteError (as `RemoteException<E>`) if the function threw; ExecutionTimeoutError
  ///   if it was killed for running too long; WorkerCrashError if its worker died;
  ///   BuildMismatchError; CancelledError.
  T get() const {
    std::string_view bytes = detail::call_result(h_);
    if constexpr (!std::is_void_v<T>) return deserialize<T>(bytes);
  }

  /// As `get()`, but throws lithops::TimeoutError if the call is not final within `timeout`.
  template <class Rep, class Period>
  T get(std::chrono::duration<Rep, Period> timeout) const {
    if (wait_for(timeout) == std::future_status::timeout)
      throw TimeoutError("lithops: call " + job_key() + "/" + call_id() + " not done within the timeout");
    return get();
  }

  /// Blocks until the call is final (whatever the outcome).
  void wait() const { detail::call_wait(h_, std::nullopt); }

  /// `ready` when final, `timeout` otherwise.
  template <class Rep, class Period>
  std::future_status wait_for(std::chrono::duration<Rep, Period> timeout) const {
    auto deadline = detail::Clock::now() + std::chrono::ceil<detail::Clock::duration>(timeout);
    return detail::call_wait(h_, deadline) ? std::future_status::ready : std::future_status::timeout;
  }

  /// True when the call is final (success, failure, timeout or cancellation).
  bool done() const noexcept { return is_final(state()); }
  /// True when the call finished with a result.
  bool success() const noexcept { return state() == CallState::success; }
  /// True when the call is final without a result.
  bool error() const noexcept { return done() && !success(); }
  CallState state() const noexcept { return detail::call_state(h_); }

  /// Statistics of the call; the worker-side fields are filled once it is final.
  CallStats stats() const { return detail::call_stats(h_); }
  /// Five-digit call id within its job, e.g. "00007".
  std::string call_id() const { return detail::call_id(h_); }
  /// `<executor_id>-<job_id>`.
  std::string job_key() const { return detail::call_job_key(h_); }

  /// Whether this future refers to a call at all (a default-constructed one does not).
  bool valid() const noexcept { return h_.job != nullptr; }
  const detail::CallHandle& handle() const noexcept { return h_; }

 private:
  detail::CallHandle h_;
};

}  // namespace lithops
