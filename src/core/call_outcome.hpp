#pragma once
// What happened to one call, as the runtime passes it around before it reaches a JobState:
// produced by the worker (success or exception), by the supervisor (crash, timeout) or by the
// client (cancellation, build mismatch).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/protocol.hpp"

namespace lithops::detail {

enum class FailureKind : std::uint8_t {
  none = 0,
  exception = 1,       // the function threw
  timeout = 2,         // killed after execution_timeout
  crash = 3,           // worker died: signal or exit
  build_mismatch = 4,  // worker is another build
  cancelled = 5,       // never ran
  internal = 6,        // the runtime failed (e.g. storage unreachable)
};

/// Nearest standard exception type of a remote exception, so that the client can rethrow a
/// `RemoteException<E>` with the same E.
enum class StdKind : std::uint8_t {
  other = 0, logic_error, invalid_argument, domain_error, length_error, out_of_range,
  runtime_error, range_error, overflow_error, underflow_error,
};

struct CallFailure {
  FailureKind kind = FailureKind::none;
  StdKind std_kind = StdKind::other;
  std::string type_name;  // of the exception, or a short tag ("SIGSEGV", "timeout", ...)
  std::string message;
  std::int32_t signal = 0;
  std::int32_t exit_code = -1;

  void write(Writer& w) const;
  static CallFailure read(Reader& r);
};

/// One finished call as reported by a worker. `payload` is the serialized result on success,
/// or an encoded CallFailure otherwise.
struct CallOutcome {
  std::uint32_t index = 0;
  std::uint8_t attempts = 1;
  bool ok = false;
  std::int64_t worker_start_ns = 0;
  std::int64_t func_start_ns = 0;
  std::int64_t func_end_ns = 0;
  std::uint32_t bytes_in = 0;
  std::string_view payload;

  void write(Writer& w) const;
  static CallOutcome read(Reader& r);
};

}  // namespace lithops::detail
