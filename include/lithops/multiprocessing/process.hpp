#pragma once
/// @file multiprocessing/process.hpp
/// `Process`: Python's multiprocessing.Process, run as one call on the configured backend.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "lithops/executor.hpp"
#include "lithops/future.hpp"
#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/tasks.hpp"

namespace lithops::multiprocessing {

/// Python's `name=`, `daemon=` and the context, for `Process(ProcessOptions{...}, target, args...)`.
struct ProcessOptions {
  std::string name;        ///< empty: "Process-<n>"
  bool daemon = false;     ///< a daemon process is terminated, not joined, when its Process goes
  Context* context = nullptr;  ///< nullptr: default_context()
};

namespace detail {
struct ProcessState;
// Out of line, so that the templated constructors need not see ProcessState.
struct ProcessStateDelete {
  void operator()(ProcessState* s) const noexcept;
};
using ProcessStarter = std::function<Future<void>(FunctionExecutor&, const ProcessControl&)>;
}  // namespace detail

/// A target function with its arguments, run as one call on the context's executor: on a
/// worker process of this machine, of an SSH host or of a Slurm job, as configured. Unlike
/// Lithops', `terminate`, `kill`, `is_alive`, `exitcode` and `pid` work (terminate, kill and pid
/// need the configuration's Redis, which carries the signal to the worker).
///
/// Each running process occupies one of the backend's workers for as long as it runs:
/// processes that wait for each other (a Barrier, a producer and its consumer) need as many
/// workers as there are such processes (`localhost.worker_processes`; see cpu_count()).
///
/// @code
///   void worker(mp::Queue<int> q, int n) { for (int i = 0; i < n; ++i) q.put(i); }
///   mp::Queue<int> q;
///   mp::Process p(worker, q, 10);
///   p.start();
///   p.join();   // p.exitcode() == 0
/// @endcode
///
/// Movable, not copyable. The destructor of a started process joins it, or terminates it if it
/// is a daemon (Python terminates daemons at exit and joins the others).
class Process {
 public:
  /// `target(args...)`, with the default options. Arguments are copied now and sent at start().
  template <class F, class... Args>
    requires(!std::is_same_v<std::decay_t<F>, ProcessOptions>)
  explicit Process(F target, Args... args) : Process(ProcessOptions{}, std::move(target), std::move(args)...) {}

  template <class F, class... Args>
  Process(ProcessOptions options, F target, Args... args) {
    using Fn = std::decay_t<F>;
    (lithops::detail::require_serializable<lithops::detail::stored_t<Args>>(), ...);
    init(std::move(options),
         [target = std::move(target), ... args = std::move(args)](FunctionExecutor& ex,
                                                                  const detail::ProcessControl& control) {
           CallOptions once;
           once.retries = 0;  // a process runs once: a terminated one must not come back
           auto f = ex.call_async_with(once, detail::ProcessTask<Fn>{{target}, control}, args...);
           return Future<void>(f.handle());
         });
  }

  /// A moved-from Process may only be destroyed or assigned to.
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  ~Process();

  /// Submits the call. @throws StateError if already started.
  void start();
  /// Waits until the process has ended (whatever the outcome), or the timeout; does not throw
  /// what the target threw (see exitcode, and future()). @throws StateError if not started.
  void join(Timeout timeout = std::nullopt);
  /// Started and not ended.
  bool is_alive() const;
  /// nullopt while not started or running; 0 once the target returned, 1 if it threw, its
  /// code if it called exit(), -N if signal N ended it (-15 after terminate(), -9 after kill()
  /// or an execution timeout).
  std::optional<int> exitcode() const;
  /// Ends the process with SIGTERM (kill: SIGKILL). A process that has not started running yet
  /// ends as soon as it does; one that ended already is left alone.
  /// @throws ConfigError without Redis in the configuration; StateError if not started.
  void terminate();
  void kill();
  /// The worker process's pid once the target runs; nullopt before (and without Redis).
  std::optional<int> pid() const;
  /// The host the target runs on, once it runs.
  std::optional<std::string> host() const;

  const std::string& name() const;
  void set_name(std::string name);
  bool daemon() const;
  /// @throws StateError once started, as Python.
  void set_daemon(bool daemon);

  /// The call behind the process: its error (`get()` rethrows what the target threw) and
  /// statistics. Invalid before start().
  Future<void> future() const;

 private:
  void init(ProcessOptions options, detail::ProcessStarter starter);
  void signal(const char* which);
  void finish() noexcept;  // the destructor's join or terminate

  std::unique_ptr<detail::ProcessState, detail::ProcessStateDelete> s_;
};

}  // namespace lithops::multiprocessing
