#pragma once
// The localhost compute backend: a pool of `localhost.worker_processes` worker processes,
// reused across calls and jobs, supervised by one I/O thread (see docs/design.md,
// "Localhost backend"). The supervisor batches calls per worker (guided self-scheduling:
// batches shrink as the queue drains), names the call a crashed or overrunning worker was
// running from a shared-memory slot, fails or retries only that call, re-queues the rest and
// replaces the worker.

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compute/compute_backend.hpp"
#include "compute/localhost/worker_process.hpp"
#include "lithops/config.hpp"
#include "util/fd_io.hpp"

namespace lithops::detail {

/// Declares the compute keys of the `localhost` section.
void declare_localhost_compute_keys(std::vector<ConfigKey>& keys);

class LocalhostBackend final : public ComputeBackend {
 public:
  explicit LocalhostBackend(const Config& config);
  ~LocalhostBackend() override;

  std::string name() const override { return "localhost"; }
  std::size_t worker_count() const override { return n_workers_; }
  void submit(std::shared_ptr<BackendJob> job, std::vector<TaskSpec> tasks) override;
  void release(std::uint32_t job_seq) override;
  void shutdown() override;
  /// No call queued or running (an agent uses it to notice it is idle).
  bool idle() const noexcept { return idle_.load(std::memory_order_acquire); }
  /// From `deadline_ns` (now_ns() clock) on, a running call is killed and fails with
  /// ExecutionTimeoutError saying `reason`, and no call starts: a cloud function's invocation
  /// ends then. Calls not started stay unreported (the client runs them elsewhere).
  void set_deadline(std::int64_t deadline_ns, std::string reason);
  /// Added to the message of a call whose worker was killed by SIGKILL (what an out-of-memory
  /// killer sends): the memory limit it ran under.
  void set_crash_note(std::string note);
  /// Some worker is inside a call (as of the I/O thread's last tick).
  bool running() const noexcept { return running_.load(std::memory_order_acquire); }

 private:
  struct Pending {
    std::shared_ptr<BackendJob> job;
    TaskSpec task;
  };
  struct InFlight {
    std::shared_ptr<BackendJob> job;
    TaskSpec task;
    std::uint32_t reported = 0;  // outcomes received so far (inline transport)
  };
  struct Slot {
    std::unique_ptr<WorkerProcess> proc;
    std::string outbox;
    std::size_t out_pos = 0;
    FrameBuffer in;
    std::deque<InFlight> inflight;
    std::unordered_set<std::uint32_t> known_jobs;
    std::string host;
    bool timed_out = false;
    bool at_deadline = false;  // killed by set_deadline's deadline, not the call's own limit
    bool retiring = false;  // the worker said it exits by itself: not a death
    bool want_write = false;
  };

  bool submit_direct(const std::shared_ptr<BackendJob>& job, std::vector<TaskSpec>& tasks);
  void loop();
  void drain_incoming();
  void forget_jobs(const std::vector<std::uint32_t>& released);
  void dispatch();
  void send_task(Slot& s, const std::shared_ptr<BackendJob>& job, TaskSpec task);
  void flush(Slot& s);
  void on_readable(std::size_t i);
  void handle_frame(Slot& s, std::string_view frame);
  void on_worker_death(std::size_t i);
  void check_timeouts();
  void spawn(std::size_t i);
  void update_interest(std::size_t i);
  void requeue_front(std::vector<Pending> tasks);

  std::string executable_;
  std::size_t n_workers_;
  int epfd_ = -1;
  int evfd_ = -1;
  int timerfd_ = -1;  // wakes a sleeping I/O thread to watch a directly submitted call

  std::mutex mu_;  // guards incoming_, released_, stop_
  std::vector<Pending> incoming_;
  std::vector<std::uint32_t> released_;
  bool stop_ = false;
  std::atomic<bool> idle_{true};
  std::int64_t deadline_ns_ = 0;  // under mu_; 0: none
  std::string deadline_reason_;   // under mu_
  std::string crash_note_;        // under mu_
  std::atomic<bool> running_{false};

  // The I/O thread's state: it holds state_mu_ except while waiting for events, and a direct
  // submit takes it when it is free (never waits for it).
  std::mutex state_mu_;
  bool io_asleep_ = false;  // waiting without a timeout
  std::vector<std::unique_ptr<Slot>> slots_;
  std::deque<Pending> queue_;
  std::size_t queued_calls_ = 0;
  std::unordered_map<std::uint32_t, std::shared_ptr<BackendJob>> jobs_;
  std::vector<CallOutcome> outcomes_;  // a results frame's, decoded (kept: no allocation per frame)
  std::thread thread_;
};

}  // namespace lithops::detail
