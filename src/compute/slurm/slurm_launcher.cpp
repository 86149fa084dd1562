#include "compute/slurm/slurm_launcher.hpp"

#include <fmt/format.h>

#include <iterator>
#include <sstream>

#include "core/protocol.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"
#include "util/subprocess.hpp"

namespace lithops::detail {

namespace {

constexpr std::int64_t kRefreshNs = 500'000'000;  // squeue at most twice a second
constexpr auto kToolTimeout = std::chrono::seconds(60);

}  // namespace

SlurmLauncher::SlurmLauncher(const Config& config)
    : pilots_(static_cast<std::size_t>(std::max<std::int64_t>(1, config.get_int("slurm.pilots")))),
      cpus_per_task_(static_cast<std::uint32_t>(std::max<std::int64_t>(1, config.get_int("slurm.cpus_per_task")))),
      start_timeout_(config.get_double("slurm.start_timeout")),
      partition_(config.get_string("slurm.partition")),
      account_(config.get_string("slurm.account")),
      qos_(config.get_string("slurm.qos")),
      time_limit_(config.get_string("slurm.time_limit")),
      memory_(config.get_string("slurm.memory")),
      mem_per_cpu_(config.get_string("slurm.mem_per_cpu")),
      job_name_(config.get_string("slurm.job_name")),
      output_(config.get_string("slurm.output")),
      extra_args_(config.get_string("slurm.extra_args")) {
  auto w = config.get_int("slurm.worker_processes");
  workers_ = w > 0 ? static_cast<std::uint32_t>(w) : cpus_per_task_;
  if (!config.get_string("slurm.slurm_conf").empty()) env_["SLURM_CONF"] = config.get_string("slurm.slurm_conf");
}

SlurmLauncher::~SlurmLauncher() { stop_all(); }

std::string SlurmLauncher::place_name(std::size_t i) const {
  return pilots_[i].job_id.empty() ? fmt::format("pilot {}", i) : "Slurm job " + pilots_[i].job_id;
}

std::vector<std::string> SlurmLauncher::sbatch_argv() const {
  std::vector<std::string> a = {"sbatch", "--parsable", "--job-name=" + job_name_, "--nodes=1", "--ntasks=1",
                                fmt::format("--cpus-per-task={}", cpus_per_task_)};
  if (!output_.empty()) a.insert(a.end(), {"--output=" + output_, "--error=" + output_});
  if (!partition_.empty()) a.push_back("--partition=" + partition_);
  if (!account_.empty()) a.push_back("--account=" + account_);
  if (!qos_.empty()) a.push_back("--qos=" + qos_);
  if (!time_limit_.empty()) a.push_back("--time=" + time_limit_);
  if (!memory_.empty()) a.push_back("--mem=" + memory_);
  if (!mem_per_cpu_.empty()) a.push_back("--mem-per-cpu=" + mem_per_cpu_);
  for (auto& x : split_words(extra_args_)) a.push_back(x);
  return a;
}

void SlurmLauncher::start(std::size_t i, const AgentSpec& spec, const BootstrapPlan& plan) {
  AgentSpec s = spec;
  s.watch_stdin = false;  // a batch job has no client session; scancel and idleness end it
  std::string script = "#!/bin/sh\n" + bootstrap_script(plan, s.to_json());
  auto r = run_command(sbatch_argv(), script, kToolTimeout, env_);
  if (!r.ok()) throw Error("sbatch " + r.describe());
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  pilots_[i] = Pilot{id, false, false};
  states_at_ns_ = 0;  // see the new job on the next poll
  log_debug("slurm: pilot {} submitted as job {}", i, id);
}

void SlurmLauncher::refresh_states() {
  if (now_ns() - states_at_ns_ < kRefreshNs) return;
  states_at_ns_ = now_ns();
  std::string ids;
  for (const auto& p : pilots_)
    if (!p.job_id.empty()) ids += (ids.empty() ? "" : ",") + p.job_id;
  if (ids.empty()) return;
  auto r = run_command({"squeue", "-h", "--states=all", "-j", ids, "-o", "%i|%T|%r"}, "", kToolTimeout, env_);
  if (!r.ok()) {
    // squeue refuses a list in which no job is known any more; anything else is transient.
    if (r.err.find("Invalid job id") == std::string::npos) {
      log_debug("slurm: squeue {}", r.describe());
      return;
    }
  }
  states_.clear();
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto a = line.find('|'), b = line.rfind('|');
    if (a == std::string::npos || b == a) continue;
    states_[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
  }
}

AgentLauncher::Status SlurmLauncher::poll(std::size_t i) {
  const Pilot& p = pilots_[i];
  if (p.job_id.empty()) return Status{true, false, false, "not submitted"};
  refresh_states();
  auto it = states_.find(p.job_id);
  if (it == states_.end()) {
    // Never listed yet: squeue failed since it was submitted. Listed before but not now:
    // Slurm purged it (MinJobAge) after it ended.
    if (!seen_.contains(p.job_id)) return Status{false, false, false, "submitted"};
    return Status{true, false, true, fmt::format("Slurm job {} is no longer known to Slurm", p.job_id)};
  }
  seen_.insert(p.job_id);
  const auto& [state, reason] = it->second;
  Status st;
  if (state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" || state == "REQUEUE_HOLD" ||
      state == "REQUEUE_FED" || state == "RESV_DEL_HOLD") {
    st.started = false;
    st.reason = reason.empty() || reason == "None" ? state : state + ": " + reason;
    return st;
  }
  // Only the terminal states end a pilot. Others (RUNNING, COMPLETING, SUSPENDED, STOPPED,
  // SIGNALING, RESIZING, STAGE_OUT ...) leave it to the heartbeat: a pilot that stays
  // stopped is lost when its heartbeat lapses, and then cancelled.
  static const std::set<std::string> terminal = {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
                                                 "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
                                                 "REVOKED", "SPECIAL_EXIT"};
  if (!terminal.contains(state)) return st;
  pilots_[i].ended = true;
  st.ended = true;
  st.clean = state == "COMPLETED";
  st.reason = fmt::format("Slurm job {} ended {}{}", p.job_id, state,
                          reason.empty() || reason == "None" ? "" : " (" + reason + ")");
  if (state == "CANCELLED" && !p.cancelled_by_us) st.reason += ", cancelled outside Lithops";
  if (state == "FAILED" || state == "BOOT_FAIL")
    st.reason += output_.empty() ? "; see its output, slurm-" + p.job_id + ".out in the directory the client ran in"
                                 : "; see its output (slurm.output: " + output_ + ")";
  return st;
}

void SlurmLauncher::stop(std::size_t i) {
  Pilot& p = pilots_[i];
  if (p.job_id.empty() || p.cancelled_by_us || p.ended) return;
  p.cancelled_by_us = true;
  auto r = run_command({"scancel", p.job_id}, "", kToolTimeout, env_);
  if (!r.ok()) log_warn("slurm: scancel {}: {}", p.job_id, r.describe());
}

void SlurmLauncher::stop_all() {
  std::vector<std::string> argv = {"scancel"};
  for (auto& p : pilots_) {
    if (p.job_id.empty() || p.cancelled_by_us || p.ended) continue;
    p.cancelled_by_us = true;
    argv.push_back(p.job_id);
  }
  if (argv.size() == 1) return;
  auto r = run_command(argv, "", kToolTimeout, env_);
  if (!r.ok()) log_warn("slurm: scancel: {}", r.describe());
}

}  // namespace lithops::detail
