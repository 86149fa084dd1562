#pragma once
// Agent mode of the user's program (LITHOPS_AGENT=1): runs on a remote host (started over
// SSH, or as a Slurm pilot job), keeps a local pool of worker processes, and pulls tasks from
// its inbox in storage until it is idle for too long, told to stop, or its client is gone.
namespace lithops::detail {

/// Never returns: the process exits when the agent stops.
[[noreturn]] void run_agent_process();

}  // namespace lithops::detail
