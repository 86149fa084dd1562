#pragma once
// The compute backend interface: where calls run. A backend takes tasks (ranges of calls of
// a job) and reports what happened to each call through the job's ResultSink. It never sees
// user types: jobs arrive as manifests and byte ranges.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/call_outcome.hpp"
#include "core/job_manifest.hpp"

namespace lithops {
class Config;
}

namespace lithops::detail {

struct BackendJob;

/// Where a backend reports call outcomes. Called from the backend's own thread.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  /// Calls [first, first + count) were handed to a worker.
  virtual void on_dispatched(const BackendJob& job, std::uint32_t first, std::uint32_t count) = 0;
  /// Outcomes a worker reported inline; `chunk` owns the bytes their payloads point into, or
  /// is null: they point into the backend's buffer, valid only during the call.
  virtual void on_outcomes(const BackendJob& job, std::span<const CallOutcome> outcomes,
                           std::shared_ptr<const std::string> chunk, int pid, const std::string& host) = 0;
  /// A call failed with no outcome from its worker (crash, timeout), retries exhausted.
  virtual void on_failure(const BackendJob& job, std::uint32_t index, const CallFailure& failure,
                          std::uint8_t attempts, int pid, const std::string& host, std::int64_t func_start_ns) = 0;
  /// Calls [first, first + count) failed alike without running (their agent was lost, no
  /// agent could start): one report for the range.
  virtual void on_failures(const BackendJob& job, std::uint32_t first, std::uint32_t count, const CallFailure& failure,
                           std::uint8_t attempts) {
    for (std::uint32_t c = first; c < first + count; ++c) on_failure(job, c, failure, attempts, 0, "", 0);
  }
};

/// A job as a backend holds it.
struct BackendJob {
  std::uint32_t seq = 0;            // unique per backend; names the job in the worker protocol
  JobManifest manifest;
  bool storage_transport = false;   // workers read arguments from and write statuses to storage
  std::string default_data_key;     // storage transport: where the job's arguments are
  std::shared_ptr<const std::string> args;  // inline transport: every call's arguments
  std::vector<std::uint64_t> offsets;       // call i is args[offsets[i], offsets[i + 1])
  std::uint32_t chunksize = 0;      // 0: the backend sizes batches itself
  std::shared_ptr<ResultSink> sink;
  /// Storage transport: whether call i's outcome has reached the client (remote backends
  /// learn that their agents finished a task this way, with no message from the agent).
  std::function<bool(std::uint32_t)> call_final;
};

class StorageBackend;

class ComputeBackend {
 public:
  virtual ~ComputeBackend() = default;
  virtual std::string name() const = 0;
  /// How many calls can run at once.
  virtual std::size_t worker_count() const = 0;
  /// Queues calls of a job. Thread-safe; never blocks on workers.
  virtual void submit(std::shared_ptr<BackendJob> job, std::vector<TaskSpec> tasks) = 0;
  /// The job is final: workers may forget it.
  virtual void release(std::uint32_t job_seq) = 0;
  /// Stops every worker. Queued calls are dropped (the executor fails them as cancelled).
  virtual void shutdown() = 0;
};

/// The compute backend named by `lithops.backend`; remote backends publish the runtime to and
/// talk to their agents through `storage`. @throws ConfigError
std::unique_ptr<ComputeBackend> make_compute_backend(const Config& config, std::shared_ptr<StorageBackend> storage);

/// Whether the backend runs calls on other machines (then calls always travel through storage).
bool is_remote_backend(const std::string& name);

}  // namespace lithops::detail
