#pragma once
// The fork server: a copy of the client made by lithops::init, while the program is still
// single-threaded and nothing but its static constructors has run, that forks localhost
// workers on request.
//
// Why: a worker exec'd from the program's executable pays the dynamic loader (dozens of
// shared libraries, relocations of a large -rdynamic executable), page faults and static
// constructors before it serves a call: several milliseconds, and tens on a slow machine. A
// worker forked from the fork server shares all that, already done, and starts in a fraction
// of a millisecond. It starts in the same state an exec'd worker would (the program right after
// init), not as a copy of the client's later memory, so a call sees what it would see on any
// other backend. The environment, the working directory and fds 0-2 are the client's at spawn
// time, as with posix_spawn.
//
// The workers are the fork server's children, so it reaps them and reports each exit status
// over its socket; the client signals them through pidfds, which cannot hit a reused pid.
// LITHOPS_FORK_SERVER=0 in the environment at init turns it off (workers are exec'd again).

#include <sys/types.h>

#include <cstdint>

namespace lithops::detail {

/// Called by lithops::init in a client. Starts the fork server, unless turned off or the
/// process already has more than one thread (forking then would copy a half-held lock).
/// Returns false in the client; returns true in a worker forked by the fork server, which
/// then continues as a worker (fds 3 and 4 set up, environment and directory the client's).
bool start_fork_server();

struct ForkedWorker {
  pid_t pid = -1;
  int pidfd = -1;
  int error = 0;  // errno of a fork that failed (pid -1)
};

/// Asks for a worker whose fds 3 and 4 are `channel_fd` and `slot_fd` (the fork server gets
/// its own copies), without waiting: the caller can write to the channel at once, and learns
/// the pid later, when it needs it. Returns a ticket for requested_worker, or 0 if the fork
/// server is not available (the caller then execs the worker instead).
std::uint64_t request_worker(int channel_fd, int slot_fd);

/// What became of a request: the worker's pid and pidfd, or the errno of a failed fork.
/// Blocks until the fork server has answered (it answers as soon as it has forked).
ForkedWorker requested_worker(std::uint64_t ticket);

/// Blocks until the fork server reports the exit of `pid`; returns its wait status, or
/// kStatusLost if the fork server is gone (then it waits for the end through `pidfd`).
int wait_forked_worker(pid_t pid, int pidfd);

}  // namespace lithops::detail
