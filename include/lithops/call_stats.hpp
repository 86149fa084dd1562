#pragma once
/// @file call_stats.hpp
/// Per-call states and statistics, as Lithops records them on each future.

#include <chrono>
#include <cstdint>
#include <string>

namespace lithops {

/// Where a call is. `success`, `failed`, `timed_out` and `cancelled` are final; only `success`
/// has a result. `timed_out` is the call's own execution timeout, not a client-side wait.
enum class CallState : std::uint8_t {
  invoked,    ///< submitted, not yet picked up by a worker
  running,    ///< handed to a worker
  success,    ///< finished; the result is on the client
  failed,     ///< the function threw, or its worker crashed, or the build did not match
  timed_out,  ///< killed after `execution_timeout`
  cancelled,  ///< will never run
};

/// "invoked", "running", ...
const char* to_string(CallState state) noexcept;

/// True for the four final states.
constexpr bool is_final(CallState s) noexcept { return s >= CallState::success; }

/// Timestamps (wall clock, comparable across hosts as far as their clocks agree), sizes and
/// placement of one call. Durations are derived from the timestamps.
struct CallStats {
  using time_point = std::chrono::system_clock::time_point;
  using seconds = std::chrono::duration<double>;

  time_point host_submit;       ///< the client handed the call to the backend
  time_point worker_start;      ///< the worker started the call (its first attempt)
  time_point func_start;        ///< the function began (in a batch of calls, read with the previous
                                ///< call's end: early by the bookkeeping between them, under 1 µs)
  time_point func_end;          ///< the function returned or threw
  time_point host_result;       ///< the client had the final status and result
  std::uint64_t bytes_in = 0;   ///< serialized arguments
  std::uint64_t bytes_out = 0;  ///< serialized result
  int worker_pid = 0;
  std::string worker_host;
  unsigned attempts = 0;        ///< 1 + retries used
  std::string function;         ///< readable function name

  seconds exec_time() const { return func_end - func_start; }
  seconds queue_time() const { return worker_start - host_submit; }
  seconds total_time() const { return host_result - host_submit; }
};

}  // namespace lithops
