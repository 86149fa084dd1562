// The `slurm` section: how pilot jobs are submitted, and the agent keys every remote backend shares.
#include "compute/remote/remote_backend.hpp"
#include "compute/slurm/slurm_launcher.hpp"
#include "lithops/config.hpp"

namespace lithops::detail {

void declare_slurm_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"slurm.pilots", T::integer, "1", {},
       "pilot jobs to submit; each runs worker_processes workers and pulls calls until idle"},
      {"slurm.cpus_per_task", T::integer, "1", {}, "CPUs per pilot job (sbatch --cpus-per-task)"},
      {"slurm.worker_processes", T::integer, "0", {}, "worker processes per pilot; 0: cpus_per_task"},
      {"slurm.partition", T::string, "", {}, "partition (sbatch --partition); empty: the cluster's default"},
      {"slurm.account", T::string, "", {}, "account to charge (sbatch --account)"},
      {"slurm.qos", T::string, "", {}, "quality of service (sbatch --qos)"},
      {"slurm.time_limit", T::string, "", {}, "time limit of a pilot job (sbatch --time, e.g. 01:00:00)"},
      {"slurm.memory", T::string, "", {}, "memory per pilot's node (sbatch --mem, e.g. 4G)"},
      {"slurm.mem_per_cpu", T::string, "", {}, "memory per CPU (sbatch --mem-per-cpu)"},
      {"slurm.job_name", T::string, "lithops", {}, "name of the pilot jobs in squeue"},
      {"slurm.output", T::string, "", {},
       "file on the node for a pilot's output (sbatch --output; %j is the job id); empty: Slurm's "
       "default, slurm-<job id>.out in the directory the client runs in"},
      {"slurm.extra_args", T::string, "", {}, "more sbatch arguments, e.g. '--constraint=skylake'"},
      {"slurm.slurm_conf", T::string, "", {}, "slurm.conf of the cluster (SLURM_CONF); empty: the tools' default"},
      {"slurm.start_timeout", T::number, "600", {},
       "seconds a pilot may stay pending; then it is cancelled and, if no pilot runs, the calls fail"},
  });
  declare_agent_keys(keys, "slurm", "nodes", "60", true);
}

}  // namespace lithops::detail
