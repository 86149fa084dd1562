#pragma once
// Agent mode of the user's program (LITHOPS_AGENT=1): runs on a remote host (started over
// SSH, or as a Slurm pilot job), keeps a local pool of worker processes, and pulls tasks from
// its inbox in storage until it is idle for too long, told to stop, or its client is gone. A
// cloud function runs the same agent once per invocation (lambda_runtime.cpp).
#include <cstdint>
#include <string>

#include "compute/remote/agent_protocol.hpp"

namespace lithops::detail {

/// What bounds an agent besides its spec: a cloud function's invocation deadline.
struct AgentLimits {
  std::int64_t deadline_ns = 0;  ///< now_ns() clock; 0: none
  std::string deadline_reason;   ///< the ExecutionTimeoutError message of a call killed then
  std::string crash_note;        ///< added to the message of a worker that crashed (the memory size)
};

/// Serves one agent's life in this process and returns why it stopped. @throws lithops::Error
/// if its storage cannot be opened.
std::string run_agent(const AgentSpec& spec, const AgentLimits& limits);

/// Never returns: the process exits when the agent stops.
[[noreturn]] void run_agent_process();

}  // namespace lithops::detail
