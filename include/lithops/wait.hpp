#pragma once
/// @file wait.hpp
/// `wait` and `get_result`, with Lithops' return_when semantics. They work on futures of any
/// number of jobs and executors.

#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "lithops/futures_list.hpp"

namespace lithops {

/// When `wait` returns.
enum class ReturnWhen {
  all_completed,  ///< every call is final
  any_completed,  ///< at least one call is final
  always,         ///< right away, with whatever is final now
};
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::all_completed;
inline constexpr ReturnWhen ANY_COMPLETED = ReturnWhen::any_completed;
inline constexpr ReturnWhen ALWAYS = ReturnWhen::always;

using WaitTimeout = std::optional<std::chrono::duration<double>>;

/// The futures that were final when `wait` returned, and the others, both in input order.
template <class T>
struct WaitResult {
  FuturesList<T> done;
  FuturesList<T> not_done;
};

namespace detail {
/// Type-erased wait over call handles; returns the indexes (into `calls`) that are final.
/// Draws a progress bar on stderr when it is a terminal, the wait lasts over a second, and the
/// executor of the first call has `lithops.progress_bar` set.
std::vector<bool> wait_calls(const std::vector<const CallHandle*>& calls, ReturnWhen when,
                             WaitTimeout timeout, bool throw_except);
}  // namespace detail

/// Waits until `return_when` holds or `timeout` passes (then returns what is done; it does not
/// throw on timeout). With `throw_except`, a failed call makes it rethrow that call's error as
/// soon as it is seen.
template <class T>
WaitResult<T> wait(const FuturesList<T>& fs, ReturnWhen return_when = ALL_COMPLETED,
                   WaitTimeout timeout = std::nullopt, bool throw_except = false) {
  std::vector<const detail::CallHandle*> calls;
  calls.reserve(fs.size());
  for (const auto& f : fs) calls.push_back(&f.handle());
  auto final = detail::wait_calls(calls, return_when, timeout, throw_except);
  WaitResult<T> r{FuturesList<T>({}, fs.link()), FuturesList<T>({}, fs.link())};
  for (std::size_t i = 0; i < fs.size(); ++i) (final[i] ? r.done : r.not_done).push_back(fs[i]);
  return r;
}

/// Waits for every call, then returns the results in call order. As soon as a failure is
/// seen it is rethrown (if several are known at that moment, the first in list order).
/// @throws lithops::TimeoutError if `timeout` passes first.
template <class T>
  requires(!std::is_void_v<T>)
std::vector<T> get_result(const FuturesList<T>& fs, WaitTimeout timeout = std::nullopt) {
  std::vector<const detail::CallHandle*> calls;
  calls.reserve(fs.size());
  for (const auto& f : fs) calls.push_back(&f.handle());
  auto final = detail::wait_calls(calls, ALL_COMPLETED, timeout, true);
  for (bool b : final)
    if (!b) throw TimeoutError("lithops: get_result: not every call was done within the timeout");
  std::vector<T> out;
  out.reserve(fs.size());
  for (const auto& f : fs) out.push_back(f.get());
  return out;
}

/// Futures of void functions have no results: rejected at compile time (use `wait`).
template <class T>
  requires std::is_void_v<T>
void get_result(const FuturesList<T>&, WaitTimeout = std::nullopt) {
  static_assert(detail::dependent_false_v<T>, "lithops: get_result on futures of void functions; use wait");
}

/// The result of one future (as `f.get()`).
template <class T>
T get_result(const Future<T>& f, WaitTimeout timeout = std::nullopt) {
  if (timeout) return f.get(*timeout);
  return f.get();
}

template <class T>
auto FuturesList<T>::get_result() const {
  return lithops::get_result(*this);
}

}  // namespace lithops
