#pragma once
namespace lithops::detail {
/// The worker process's main loop: serves the supervisor on fd 3 until told to stop or the
/// supervisor goes away, then exits the process. Entered from lithops::init.
[[noreturn]] void run_worker_process();

/// Asks the worker process running this call to exit once the call is reported, and to be
/// replaced (a Pool's maxtasksperchild). No effect outside a worker.
void retire_worker_after_call();

/// Status object of one call in storage: the outcome, then the worker's host and pid.
struct CallOutcome;
}  // namespace lithops::detail
