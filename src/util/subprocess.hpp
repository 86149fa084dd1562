#pragma once
// Child processes of the client: the cluster tools (ssh, sbatch, squeue, scancel). posix_spawn,
// not fork: a client may hold gigabytes, and forking it for every squeue would copy its page
// tables each time.
#include <sys/types.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lithops::detail {

struct CommandResult {
  int status = -1;   ///< wait status (WIFEXITED etc.); -1 if it could not start
  std::string out;   ///< stdout
  std::string err;   ///< stderr
  bool timed_out = false;
  bool ok() const;   ///< exited with code 0
  /// "exited with code 1: <last line of stderr>" / "killed by signal 9" / "could not start: ..."
  std::string describe() const;
};

/// Runs `argv` to completion with `input` on its stdin; kills it after `timeout`.
/// `env` entries are added to (or replace) the client's environment.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::map<std::string, std::string>& env = {});

/// A long-running child with a pipe to its stdin and one from its stderr; stdout is inherited
/// (what the remote calls print reaches the client's terminal, as with local workers).
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  /// Writes to the child's stdin; false if it is gone.
  bool write_stdin(const std::string& data);
  /// Closes the child's stdin (EOF tells an agent its client is gone).
  void close_stdin();
  /// The wait status once the child has ended (does not block), else nullopt.
  std::optional<int> poll();
  /// Waits up to `timeout` for the child to end, then kills it. Returns the wait status.
  int finish(std::chrono::milliseconds timeout);
  /// The last lines the child wrote to stderr (they are also copied to the client's stderr).
  std::string stderr_tail() const;

 private:
  void pump_stderr();

  pid_t pid_ = -1;
  int in_fd_ = -1;
  int err_fd_ = -1;
  std::optional<int> status_;
  mutable std::mutex mu_;
  std::deque<std::string> tail_;  // last lines of stderr
  std::thread pump_;
};

/// `s` quoted for a POSIX shell: 'it'\''s'.
std::string shell_quote(const std::string& s);

/// Words separated by white space (option strings from the configuration).
std::vector<std::string> split_words(const std::string& s);

/// The last non-empty line of a tool's output, for error messages.
std::string last_line(const std::string& s);

}  // namespace lithops::detail
