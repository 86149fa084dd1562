#pragma once
/// @file detail/job_request.hpp
/// What the typed API hands the runtime: a function, and where each call's argument bytes
/// come from (inline now, or the results of earlier calls once they are done).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lithops/detail/function_ref.hpp"
#include "lithops/detail/job_handle.hpp"

namespace lithops {

/// Per-job options; unset fields take the configuration's value.
/// Designated initializers name only what they change: `CallOptions{.timeout = 0.5}`.
struct CallOptions {
  std::optional<std::size_t> chunksize{};  ///< calls per worker request (`lithops.chunksize`)
  std::optional<double> timeout{};         ///< execution timeout in seconds (`lithops.execution_timeout`)
  std::optional<unsigned> retries{};       ///< extra attempts of a failed call (`lithops.retries`)
};

namespace detail {

struct JobRequest {
  char kind = 'M';  // 'A' call_async, 'M' map, 'R' reduce (Lithops' job id prefixes)
  FunctionSpec function;
  std::size_t calls = 0;
  // Inline inputs: call i's bytes are args[offsets[i], offsets[i + 1]).
  std::string args;
  std::vector<std::uint64_t> offsets;
  // Chained inputs: call i's bytes are the result of chain[i], then `suffix`.
  std::vector<CallHandle> chain;
  // Reduce input: one call whose bytes are the std::vector of these results, then `suffix`.
  std::vector<CallHandle> reduce;
  std::string suffix;
  CallOptions options;
};

}  // namespace detail
}  // namespace lithops
