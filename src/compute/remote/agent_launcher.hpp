#pragma once
// What differs between remote backends: how an agent is started at a "place" (an SSH host, a
// Slurm pilot job), how the backend learns that it ended, and how it is stopped. Everything
// else (dispatch, heartbeats, host loss, runtime shipping) is RemoteBackend's.
#include <cstdint>
#include <string>

#include "compute/remote/agent_protocol.hpp"
#include "compute/remote/bootstrap.hpp"

namespace lithops::detail {

class AgentLauncher {
 public:
  struct Status {
    bool ended = false;
    bool clean = false;          ///< ended by itself with success (idle), not lost
    bool started = true;         ///< false: it never began to run (Slurm: still pending)
    std::string reason;          ///< why it ended, or why it has not started
    bool restarted = false;      ///< the start began again (count start_timeout from now)
  };

  virtual ~AgentLauncher() = default;
  virtual std::string backend_name() const = 0;
  /// Places agents run at: hosts, or pilot jobs.
  virtual std::size_t places() const = 0;
  virtual std::string place_name(std::size_t i) const = 0;
  /// Worker processes an agent at place i runs; 0: its core count (known once it beats).
  virtual std::uint32_t workers(std::size_t i) const = 0;
  /// Start agents when the executor starts (SSH), or only when calls are queued (Slurm).
  virtual bool start_eagerly() const = 0;
  /// Start only as many agents as the queued calls need (cloud functions: a place is a slot
  /// of `max_workers`, not a machine), rather than every place as soon as work comes.
  virtual bool start_on_demand() const { return false; }
  /// Nothing but the agent itself reports its end (an asynchronous invocation): a clean exit
  /// deletes its heartbeat, and an up agent whose heartbeat is gone has left.
  virtual bool ends_by_heartbeat() const { return false; }
  /// The program is shipped to the places (published to storage, fetched by the bootstrap).
  /// False when the platform runs it already (a cloud function's code is the program).
  virtual bool ships_runtime() const { return true; }
  /// Seconds an agent may take from start() to its first heartbeat (Slurm: while pending).
  virtual double start_timeout() const = 0;
  /// Hosts must be able to fetch the runtime from storage (a presigned URL), unless the
  /// launcher can deliver it itself (SSH streams it over the session).
  virtual bool can_upload_runtime() const = 0;

  /// Starts an agent at place i. Must not block for long.
  virtual void start(std::size_t i, const AgentSpec& spec, const BootstrapPlan& plan) = 0;
  /// Whether the agent at place i is still running; cheap enough for every scheduling tick.
  virtual Status poll(std::size_t i) = 0;
  /// Ends the agent at place i now (it was lost, or never started).
  virtual void stop(std::size_t i) = 0;
  /// Ends every agent: the executor is shutting down.
  virtual void stop_all() = 0;
};

}  // namespace lithops::detail
