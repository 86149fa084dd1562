#pragma once
// What the client's RemoteBackend and a worker agent on another machine say to each other,
// through storage only (docs/design.md, "Remote backends: agents and the pull protocol").
//
//   lithops.agents/<pool>/inbox/<agent>/<seq>   client → agent: tasks to run, jobs to forget, stop
//   lithops.agents/<pool>/alive/<agent>         agent → client: heartbeat (rewritten periodically)
//
// <pool> is the executor id: agents serve one executor, across its jobs. Statuses and results
// go where every backend puts them (the job's status/ objects); the client never connects to
// an agent and an agent never connects to the client.

#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "core/job_manifest.hpp"

namespace lithops::detail {

/// How an agent is started: sent on its stdin (SSH) or in its batch script (Slurm).
struct AgentSpec {
  std::string pool;            ///< executor id
  std::string agent_id;        ///< e.g. "h1-0": host or pilot, then the generation
  std::string storage_config;  ///< worker_storage_config YAML (credentials included)
  std::uint32_t workers = 0;   ///< worker processes; 0: one per core of the host
  double idle_timeout = 300;   ///< seconds without work after which the agent exits
  double heartbeat_interval = 2;
  double poll_interval = 0.05; ///< longest pause between inbox listings
  bool watch_stdin = false;    ///< exit when stdin closes (the ssh session is the lifeline)
  /// The build that must run it (a cloud function checks it before it serves); empty: any.
  std::string build_id;
  /// On a clean exit, delete the heartbeat instead of writing a last one: the client learns
  /// that the agent left from the listing it makes anyway (cloud functions, whose end nothing
  /// else reports).
  bool delete_beat_on_exit = false;

  std::string to_json() const;
  static AgentSpec from_json(const std::string& text);  // @throws lithops::Error
};

struct AgentKeys {
  static std::string pool_prefix(const std::string& pool);
  static std::string inbox_prefix(const std::string& pool, const std::string& agent);
  static std::string inbox(const std::string& pool, const std::string& agent, std::uint64_t seq);
  static std::string alive_prefix(const std::string& pool);
  static std::string alive(const std::string& pool, const std::string& agent);
  static std::string left(const std::string& pool, const std::string& agent);
};

/// What an agent that left cleanly had done (written before it deletes its heartbeat, by
/// agents whose end nothing else reports): per job key, the calls whose outcome it wrote. The
/// client hands to another agent only the other calls it had given this one, so a call that
/// ended just before the agent left is not run again while its status is still unread.
struct AgentLeft {
  std::map<std::string, std::vector<std::pair<std::uint32_t, std::uint32_t>>> done;  ///< [first, end) ranges
  std::string reason;

  bool covers(const std::string& job_key, std::uint32_t call) const;
  std::string encode() const;
  static AgentLeft decode(std::string_view bytes);  // @throws lithops::Error
};

/// One inbox message: what the client handed an agent since its previous message.
struct InboxMessage {
  struct Task {
    std::string job_key;
    TaskSpec task;  // data_key and offsets always set (storage transport)
  };
  std::vector<Task> tasks;
  std::vector<std::string> forget;  ///< job keys that are final
  bool stop = false;

  bool empty() const { return tasks.empty() && forget.empty() && !stop; }
  std::string encode() const;
  static InboxMessage decode(std::string_view bytes);
};

/// The agent's heartbeat object.
struct AgentHeartbeat {
  std::string agent_id;
  std::string host;
  std::int32_t pid = 0;
  std::uint32_t workers = 0;
  std::string build_id;
  std::uint64_t beat = 0;        ///< increases with every write, so each write differs
  std::uint64_t inbox_seq = 0;   ///< last inbox message taken
  bool stopping = false;         ///< the agent is leaving (idle, or told to stop)
  std::string reason;            ///< why it is leaving

  std::string encode() const;
  static AgentHeartbeat decode(std::string_view bytes);
};

}  // namespace lithops::detail
