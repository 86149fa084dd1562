#pragma once
// What a worker needs to run a job's calls: sent in a `job` frame (inline transport) and
// stored as `lithops.jobs/<job_key>/job.meta` (storage transport). Encoded with the
// protocol Writer; see docs/design.md for the field list.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/detail/function_ref.hpp"

namespace lithops::detail {

struct JobManifest {
  std::string executor_id;
  std::string job_id;
  std::string job_key;
  std::string build_id;          // the client's build; workers of another build refuse the job
  FunctionSpec function;
  double execution_timeout = 0;  // seconds; enforced by the worker's supervisor
  std::uint32_t retries = 0;     // extra attempts for a failed call
  std::uint32_t total_calls = 0;
  std::string storage_config;    // YAML of the storage keys a worker needs (storage transport)

  std::string encode() const;
  static JobManifest decode(std::string_view bytes);
};

/// A contiguous range of calls of one job, handed to one worker. Arguments are inline
/// (`args`) or in a storage object (`data_key`); `offsets` has `count + 1` entries that
/// delimit each call's bytes, relative to the start of `args` or of the data object.
struct TaskSpec {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::uint8_t attempt = 1;          // attempt number of these calls (1 = first try)
  std::uint8_t deaths = 0;           // workers that died running this task outside any call
  std::string data_key;              // empty: inline
  std::vector<std::uint64_t> offsets;
  std::string args;                  // inline only: the bytes offsets[0]..offsets[count] refer to

  std::string_view call_args(std::uint32_t i) const {
    return std::string_view(args).substr(offsets[i] - offsets[0], offsets[i + 1] - offsets[i]);
  }
  /// Calls [from, to) of this task as a task of their own (same attempt, deaths and data key;
  /// its own offsets and argument bytes cut to match, if it has any).
  TaskSpec slice(std::uint32_t from, std::uint32_t to) const;
  /// This task cut into tasks of at most `chunksize` calls (0: left whole).
  std::vector<TaskSpec> split(std::uint32_t chunksize) const;
};

/// Storage keys of a job (docs/design.md, "Job layout in storage").
struct JobKeys {
  static std::string prefix(std::string_view job_key);
  static std::string manifest(std::string_view job_key);
  static std::string data(std::string_view job_key, std::string_view part);
  static std::string status_prefix(std::string_view job_key);
  /// Status object of calls [first, first + count). Call numbers are zero-padded to 8
  /// digits so that keys sort by first call, which `status_after` relies on.
  static std::string status(std::string_view job_key, std::uint32_t first, std::uint32_t count);
  /// A `start_after` that lists the status objects of calls >= `first` only.
  static std::string status_after(std::string_view job_key, std::uint32_t first);
};

}  // namespace lithops::detail
