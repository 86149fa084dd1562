#pragma once
// Runs the calls of a task inside a worker process: rebuilds the function once per job, runs
// each call with its retries, captures what it throws, and records the running call in the
// shared slot the supervisor watches.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/call_outcome.hpp"
#include "core/job_manifest.hpp"

namespace lithops::detail {

/// A job as a worker holds it: the manifest and the rebuilt callable.
class PreparedJob {
 public:
  PreparedJob(JobManifest manifest, std::uint32_t seq);
  ~PreparedJob();
  PreparedJob(const PreparedJob&) = delete;
  PreparedJob& operator=(const PreparedJob&) = delete;

  const JobManifest& manifest() const noexcept { return manifest_; }
  std::uint32_t seq() const noexcept { return seq_; }
  /// Empty when the job can run here; else why not (build mismatch, module missing).
  const CallFailure& refusal() const noexcept { return refusal_; }

  /// Runs call `index` (with retries) on `args`. On success appends the result to `out` and
  /// returns an outcome with `ok`; on failure appends the encoded CallFailure.
  /// `slot` may be null (no supervisor watching).
  /// `clock_ns`: the end of the call run just before, or 0. When set, this call starts at it
  /// instead of reading the clock again: for calls as short as the clock read, that is half
  /// the cost of their stats; the bookkeeping between the two calls, well under a
  /// microsecond, then counts in this call's time. Set to this call's end on return (0 after
  /// a failure, whose description takes a while).
  CallOutcome run(std::uint32_t index, std::uint8_t attempt, std::string_view args, std::string& out,
                  struct WorkerSlot* slot, std::int64_t& clock_ns) const;

 private:
  JobManifest manifest_;
  std::uint32_t seq_;
  const struct FunctionVTable* vtable_ = nullptr;
  void* callable_ = nullptr;
  CallFailure refusal_;
};

/// The CallFailure for the exception being handled (call inside a catch block).
CallFailure describe_current_exception();

}  // namespace lithops::detail
