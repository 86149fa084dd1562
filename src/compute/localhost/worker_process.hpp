#pragma once
// One worker process of the localhost pool: spawned from the program's own executable with
// posix_spawn (no copy of the client's memory), connected by a socketpair, watched through a
// shared-memory slot.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/protocol.hpp"

namespace lithops::detail {

class WorkerProcess {
 public:
  /// Spawns `executable` in worker mode. @throws lithops::Error if it cannot be started.
  explicit WorkerProcess(const std::string& executable);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  /// Supervisor end of the socketpair (non-blocking).
  int fd() const noexcept { return fd_; }
  /// What the worker is running now, as it published it.
  std::uint64_t current_call() const noexcept;
  std::int64_t current_start_ns() const noexcept;

  void kill() noexcept;
  /// Waits for the process to end; returns its wait status.
  int reap() noexcept;
  /// "killed by signal 11 (SIGSEGV)" / "exited with code 3".
  static std::string describe_status(int wait_status);

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  WorkerSlot* slot_ = nullptr;
  bool reaped_ = false;
};

}  // namespace lithops::detail
