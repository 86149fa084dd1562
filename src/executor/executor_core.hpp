#pragma once
// The runtime behind FunctionExecutor: names jobs, turns JobRequests into backend jobs,
// resolves inputs that are results of other calls (chaining, reduce), watches storage when
// calls travel through it, and cleans up.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "compute/compute_backend.hpp"
#include "core/job_state.hpp"
#include "lithops/config.hpp"
#include "lithops/detail/job_request.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

class StorageMonitor;

/// `<session>-<n>`, unique in this process: executor ids, and the namespace of a
/// multiprocessing context's keys.
std::string next_executor_id();

class ExecutorCore {
 public:
  explicit ExecutorCore(Config config);
  ~ExecutorCore();

  const std::string& id() const noexcept { return id_; }
  const std::shared_ptr<StorageBackend>& storage() const noexcept { return storage_; }
  /// Jobs from now on carry `backend`'s section too: they map over data stored there.
  void use_data_storage(const std::string& backend);
  const Config& config() const noexcept { return config_; }
  std::size_t worker_count() const { return backend_->worker_count(); }
  std::shared_ptr<JobState> submit(JobRequest req);
  void clean();

  /// Lets listeners registered on other executors' jobs find out that this one is gone.
  struct Anchor {
    std::mutex mu;
    ExecutorCore* core;
  };

 private:
  // Jobs are held until they are final, even if the user dropped every future: the backend
  // must be told to release them, and a dropped job must still run (it may have effects).
  struct Job {
    std::shared_ptr<JobState> state;
    std::shared_ptr<BackendJob> backend;
  };

  std::shared_ptr<BackendJob> make_backend_job(const JobRequest& req, const std::shared_ptr<JobState>& state);
  void submit_inline(const std::shared_ptr<BackendJob>& bj, JobRequest& req);
  void watch_chain(const std::shared_ptr<BackendJob>& bj, const std::shared_ptr<JobState>& state, JobRequest& req);
  void watch_reduce(const std::shared_ptr<BackendJob>& bj, const std::shared_ptr<JobState>& state, JobRequest& req);
  /// Submits calls whose input bytes became known: `inputs[k]` is the input of call `calls[k]`.
  void submit_resolved(const std::shared_ptr<BackendJob>& bj, std::vector<std::uint32_t> calls,
                       std::vector<std::string> inputs);
  void on_job_final(const BackendJob& bj, JobState& state);
  void clean_job(const std::string& job_key);

  Config config_;
  std::string id_;
  bool storage_transport_;
  bool data_cleaner_;
  // What every job's manifest takes from the configuration, read once: a call_async is a job,
  // and rendering the storage section per job cost more than the rest of a call.
  double execution_timeout_ = 0;
  unsigned retries_ = 0;
  std::size_t chunksize_ = 0;
  bool progress_bar_ = false;
  std::string worker_storage_config_;       // under mu_ once jobs run (use_data_storage rewrites it)
  std::vector<std::string> data_backends_;  // under mu_
  std::atomic<unsigned> job_counter_{0};
  std::shared_ptr<StorageBackend> storage_;
  std::unique_ptr<ComputeBackend> backend_;
  std::unique_ptr<StorageMonitor> monitor_;
  std::shared_ptr<Anchor> anchor_;
  std::mutex mu_;
  std::vector<Job> jobs_;
  std::size_t prune_at_ = 64;  // drop final jobs when jobs_ reaches this size (then doubled)
  std::unordered_set<std::string> stored_jobs_;  // job keys with data in storage, not yet cleaned
};

}  // namespace lithops::detail
