#pragma once
// One worker process of the localhost pool: forked by the fork server (fork_server.hpp) when
// it runs the program's own executable, else spawned from the executable with posix_spawn (no
// copy of the client's memory); connected by a socketpair, watched through a shared-memory
// slot.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/protocol.hpp"

namespace lithops::detail {

/// reap()'s answers that are not wait statuses: the status cannot be known (the fork server,
/// the worker's parent, was killed), or the fork server could not fork the worker.
constexpr int kStatusLost = -1;
constexpr int kStatusNotForked = -2;

class WorkerProcess {
 public:
  /// Spawns `executable` in worker mode. @throws lithops::Error if it cannot be started.
  explicit WorkerProcess(const std::string& executable);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  /// For a forked worker, waits for the fork server's answer the first time.
  pid_t pid() noexcept;
  /// Supervisor end of the socketpair (non-blocking).
  int fd() const noexcept { return fd_; }
  /// What the worker is running now, as it published it.
  std::uint64_t current_call() const noexcept;
  std::int64_t current_start_ns() const noexcept;

  void kill() noexcept;
  /// Waits for the process to end; returns its wait status.
  int reap() noexcept;
  /// "killed by signal 11 (SIGSEGV)" / "exited with code 3" / what kStatusLost and
  /// kStatusNotForked mean.
  static std::string describe_status(int wait_status);

 private:
  void resolve() noexcept;

  std::uint64_t ticket_ = 0;  // a fork requested from the fork server, not yet resolved
  int fork_error_ = 0;
  pid_t pid_ = -1;
  int pidfd_ = -1;  // a forked worker's: it is not our child, and its pid could be reused
  int fd_ = -1;
  WorkerSlot* slot_ = nullptr;
  bool reaped_ = false;
};

}  // namespace lithops::detail
