#pragma once
// The client side of every remote backend (SSH hosts, Slurm; later Kubernetes): one scheduler
// thread that starts agents through an AgentLauncher, hands them tasks through their inboxes
// in storage, learns that tasks finished from the job's status objects (the same ones the
// executor's StorageMonitor reads), watches the agents' heartbeats, and re-runs the calls of an
// agent that was lost. Agents never connect to the client.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compute/compute_backend.hpp"
#include "compute/remote/agent_launcher.hpp"
#include "lithops/config.hpp"

namespace lithops::detail {

struct RemoteOptions {
  std::uint32_t lost_call_retries = 2;  ///< re-runs of a call whose agent was lost
  double idle_timeout = 300;
  double heartbeat_interval = 2;
  double heartbeat_timeout = 30;
  double poll_interval = 0.05;
  std::string cache_dir;     ///< runtime cache on the hosts
  std::string runtime_path;  ///< an executable already on the hosts (no shipping)
  /// The agents find storage credentials where they run: none travel in their start spec.
  bool workers_have_credentials = false;
};

/// Declares the keys every agent-based backend shares, in section `s` (`place`: "hosts", "nodes"
/// ... for the docs; `shipping`: whether the program is shipped to the places, with `runtime`
/// and `cache_dir` keys).
void declare_agent_keys(std::vector<ConfigKey>& keys, const std::string& s, const std::string& place,
                        const std::string& idle_default, bool shipping);
/// The agent keys of section `s`, read back.
RemoteOptions remote_options(const Config& c, const std::string& s);

class RemoteBackend final : public ComputeBackend {
 public:
  RemoteBackend(const Config& config, std::shared_ptr<StorageBackend> storage, std::unique_ptr<AgentLauncher> launcher,
                RemoteOptions options);
  ~RemoteBackend() override;

  std::string name() const override { return name_; }
  std::size_t worker_count() const override;
  void submit(std::shared_ptr<BackendJob> job, std::vector<TaskSpec> tasks) override;
  void release(std::uint32_t job_seq) override;
  void shutdown() override;

 private:
  struct Pending {
    std::shared_ptr<BackendJob> job;
    TaskSpec task;  // `deaths` counts the agents lost while they held these calls
  };
  struct Assigned {
    std::shared_ptr<BackendJob> job;
    TaskSpec task;
    std::uint32_t done = 0;  // calls [first, first + done) are final
  };
  enum class Phase { down, starting, up };
  struct Agent {
    std::size_t place = 0;
    int gen = -1;
    std::string id;
    Phase phase = Phase::down;
    bool running = false;    // the place runs the agent's process (Slurm: not pending)
    std::uint32_t workers = 0;
    std::int64_t started_ns = 0;
    std::int64_t beat_seen_ns = 0;
    std::string beat_etag;
    std::uint64_t inbox_seq = 0;
    std::deque<Assigned> tasks;
    std::unordered_set<std::uint32_t> known_jobs;
    InboxMessage outbox;
    int failed_starts = 0;   // in a row
    std::int64_t next_start_ns = 0;
    bool dead = false;       // gave up on this place
    std::string last_error;
  };

  void loop();
  void drain_incoming();
  void ensure_agents();
  void start_agent(Agent& a);
  void start_for_demand(std::int64_t now);
  void poll_launcher();
  void check_heartbeats();
  void on_agent_ended(Agent& a, const AgentLauncher::Status& st);
  /// `left`: the record of an agent that left cleanly (the calls it ran are not run again).
  void requeue(Agent& a, bool lost, const std::string& reason, const AgentLeft* left = nullptr);
  void agent_left(Agent& a);
  /// Puts tasks back at the front of the queue, in their order.
  void requeue_front(std::vector<Pending> tasks);
  void track_progress();
  void dispatch();
  void flush_outboxes();
  void fail_queue(const std::string& why);
  bool busy() const;
  BootstrapPlan plan_for_start();

  std::string name_;
  std::shared_ptr<StorageBackend> storage_;
  std::unique_ptr<AgentLauncher> launcher_;
  RemoteOptions opt_;
  std::string pool_;            // namespace of this backend's agents in storage
  std::string storage_config_;  // what agents open

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> incoming_;
  std::vector<std::uint32_t> released_;
  bool stop_ = false;
  bool wake_ = false;
  std::vector<std::uint32_t> agent_workers_;  // for worker_count(), under mu_

  // Owned by the scheduler thread.
  std::vector<Agent> agents_;
  std::deque<Pending> queue_;
  std::size_t queued_calls_ = 0;
  std::unordered_map<std::uint32_t, std::shared_ptr<BackendJob>> jobs_;
  std::int64_t last_beat_check_ns_ = 0;
  std::string last_give_up_;  // the reason last logged for a place given up
  std::thread thread_;
};

}  // namespace lithops::detail
