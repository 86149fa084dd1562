#pragma once
/// @file multiprocessing/context.hpp
/// The context of the multiprocessing API: the configuration, the executor Processes run on,
/// and the namespace of the shared objects' Redis keys.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "lithops/config.hpp"

namespace lithops {
class FunctionExecutor;
}

namespace lithops::multiprocessing {

namespace detail {
struct ContextState;
}

/// How long a blocking operation may wait, in seconds as Python's `timeout=`; nullopt (the
/// default) waits for as long as it takes. Any std::chrono duration converts to it.
using Timeout = std::optional<std::chrono::duration<double>>;

/// Configuration and shared resources of Pools, Processes and shared objects (Python's
/// multiprocessing context). Most programs use `default_context()`, which every constructor
/// defaults to. Copies share the same state; it lives until the last copy and the last object
/// made in it are gone. Thread-safe.
class Context {
 public:
  /// Configuration from `Config::load()`. @throws ConfigError
  Context();
  explicit Context(Config config);

  const Config& config() const;
  /// `<session>-<n>-<8 random hex digits>` (an executor id, made unique across programs): the
  /// namespace of this context's Redis keys, `lithops.mp/<id>/<object>:<part>`.
  const std::string& id() const;
  /// The executor Processes run on, started at first use.
  FunctionExecutor& executor();
  /// Calls the configured backend runs at once (Python's cpu_count()). Starts the executor if
  /// it is not running yet: the remote backends only know once their agents report.
  std::size_t cpu_count();

  const std::shared_ptr<detail::ContextState>& state() const noexcept { return s_; }

 private:
  std::shared_ptr<detail::ContextState> s_;
};

/// The context of every object made without one: `Config::load()` at first use, or what
/// `set_default_config` gave before that.
Context& default_context();
/// Sets the default context's configuration. @throws Error once the default context is in use.
void set_default_config(Config config);

/// `default_context().cpu_count()`.
std::size_t cpu_count();

/// Thrown by `Queue::get` (non-blocking, or out of time) on an empty queue.
class Empty : public Error {
 public:
  using Error::Error;
};
/// Thrown by `Queue::put` (non-blocking, or out of time) on a full queue.
class Full : public Error {
 public:
  using Error::Error;
};
/// A Barrier was aborted, reset, or a wait on it timed out.
class BrokenBarrierError : public Error {
 public:
  using Error::Error;
};
/// Misuse with no better type: releasing a lock not held, a semaphore over its bound,
/// `task_done` called too often (Python's ValueError / RuntimeError).
class StateError : public Error {
 public:
  using Error::Error;
};

}  // namespace lithops::multiprocessing

namespace lithops {
namespace mp = multiprocessing;  ///< the short name: `lithops::mp::Pool`
}
