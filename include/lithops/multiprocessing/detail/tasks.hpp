#pragma once
/// @file multiprocessing/detail/tasks.hpp
/// What a Pool's or a Process's call runs on the worker: the user's function wrapped with the
/// pool's set-up (initializer, maxtasksperchild) or the process's control channel. The
/// wrappers are function objects with state, so they travel as the executor's own calls do.
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "lithops/detail/function_ref.hpp"
#include "lithops/multiprocessing/detail/redis_link.hpp"
#include "lithops/serialization.hpp"

namespace lithops::multiprocessing::detail {

using lithops::detail::CodeRef;

/// Any sendable callable as a serializable value: a function pointer travels as its code
/// reference, a captureless lambda as nothing, a function object as itself.
template <class F>
struct Sendable {
  static_assert(lithops::detail::callable_is_not_sendable<F>::value);
  F f{};

  template <class A>
  void save(A& ar) const {
    if constexpr (lithops::detail::is_function_pointer_v<F>) ar(lithops::detail::code_ref_of(reinterpret_cast<const void*>(f)));
    else if constexpr (!lithops::detail::rebuilt_by_default_construction_v<F>) ar(f);
  }
  template <class A>
  void load(A& ar) {
    if constexpr (lithops::detail::is_function_pointer_v<F>) {
      CodeRef ref;
      ar(ref);
      f = reinterpret_cast<F>(const_cast<void*>(lithops::detail::resolve_code_ref(ref)));
    } else if constexpr (!lithops::detail::rebuilt_by_default_construction_v<F>) {
      ar(f);
    }
  }
};

/// A pool's initializer, type-erased: run on a worker through the same vtable a call uses.
struct InitializerSpec {
  CodeRef vtable;
  std::string state;
  std::string args;
  std::string name;
  template <class A>
  void serialize(A& ar) {
    ar(vtable, state, args, name);
  }
};

/// What every call of one pool carries.
struct PoolSetup {
  std::string pool_id;
  bool has_initializer = false;
  InitializerSpec initializer;
  std::uint64_t max_tasks = 0;  ///< maxtasksperchild; 0: no limit

  /// Before a call: runs the initializer if this worker process has not run it for this pool.
  void before() const;
  /// After a call: counts it, and retires the worker process at max_tasks.
  void after() const;

  template <class A>
  void serialize(A& ar) {
    ar(pool_id, has_initializer, initializer, max_tasks);
  }
};

/// One call of a pool: the user's function between the pool's before and after steps.
template <class F>
struct PoolTask {
  Sendable<F> fn;
  PoolSetup setup;

  template <class... A>
    requires std::is_invocable_v<F&, A&...>
  auto operator()(A&... a) {
    setup.before();
    struct After {
      const PoolSetup& s;
      ~After() { s.after(); }  // a call that threw is a task done too, as in Python
    } after{setup};
    return std::invoke(fn.f, a...);
  }

  template <class Ar>
  void serialize(Ar& ar) {
    ar(fn, setup);
  }
};

/// A process's Redis control channel: where it reports its pid and receives terminate/kill.
/// Disabled when the configuration has no Redis (such a process cannot be terminated).
struct ProcessControl {
  bool enabled = false;
  RedisLink link;
  template <class A>
  void serialize(A& ar) {
    ar(enabled, link);
  }
};

/// On the worker, for the length of a process's call: publishes the worker's pid and host,
/// and a thread that obeys terminate/kill by signalling this worker process.
class ProcessGuard {
 public:
  explicit ProcessGuard(const ProcessControl& control);
  ~ProcessGuard();
  ProcessGuard(const ProcessGuard&) = delete;
  ProcessGuard& operator=(const ProcessGuard&) = delete;

 private:
  struct Impl;
  Impl* impl_ = nullptr;
};

/// One Process: its target run under a ProcessGuard. The target's result is dropped, as
/// Python's Process drops it.
template <class F>
struct ProcessTask {
  Sendable<F> target;
  ProcessControl control;

  template <class... A>
    requires std::is_invocable_v<F&, A&...>
  void operator()(A&... a) {
    ProcessGuard guard(control);
    std::invoke(target.f, a...);
  }

  template <class Ar>
  void serialize(Ar& ar) {
    ar(target, control);
  }
};

}  // namespace lithops::multiprocessing::detail
