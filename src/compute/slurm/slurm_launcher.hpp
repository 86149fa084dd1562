#pragma once
// Slurm (Lithops' HPC use): agents run as pilot jobs, submitted with the cluster's own tools
// (`sbatch`, watched with `squeue`, cancelled with `scancel`); each pilot pulls calls until it
// is idle, so one pilot serves many calls and many jobs. Partition, account, QoS, time limit,
// memory and CPUs per task come from the `slurm` section.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compute/remote/agent_launcher.hpp"

#include "lithops/config.hpp"

namespace lithops::detail {

/// Declares the keys of its configuration section.
void declare_slurm_keys(std::vector<ConfigKey>& keys);

class SlurmLauncher final : public AgentLauncher {
 public:
  explicit SlurmLauncher(const Config& config);
  ~SlurmLauncher() override;

  std::string backend_name() const override { return "slurm"; }
  std::size_t places() const override { return pilots_.size(); }
  std::string place_name(std::size_t i) const override;
  std::uint32_t workers(std::size_t) const override { return workers_; }
  bool start_eagerly() const override { return false; }
  double start_timeout() const override { return start_timeout_; }
  bool can_upload_runtime() const override { return false; }
  void start(std::size_t i, const AgentSpec& spec, const BootstrapPlan& plan) override;
  Status poll(std::size_t i) override;
  void stop(std::size_t i) override;
  void stop_all() override;

  /// The sbatch command line for a pilot (without the script, which goes on stdin).
  std::vector<std::string> sbatch_argv() const;

 private:
  struct Pilot {
    std::string job_id;   // empty: not submitted
    bool cancelled_by_us = false;
    bool ended = false;   // Slurm reported a terminal state
  };
  void refresh_states();

  std::vector<Pilot> pilots_;
  std::uint32_t workers_;
  std::uint32_t cpus_per_task_;
  double start_timeout_;
  std::map<std::string, std::string> env_;  // SLURM_CONF, when configured
  std::string partition_, account_, qos_, time_limit_, memory_, mem_per_cpu_, job_name_, output_, extra_args_;
  // squeue answers for every pilot at once, at most once per refresh period.
  std::map<std::string, std::pair<std::string, std::string>> states_;  // job id -> (state, reason)
  std::int64_t states_at_ns_ = 0;
  std::set<std::string> seen_;  // job ids squeue has listed at least once
};

}  // namespace lithops::detail
