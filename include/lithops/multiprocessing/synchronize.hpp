#pragma once
/// @file multiprocessing/synchronize.hpp
/// Locks, semaphores, conditions, events and barriers shared by the client and calls on any
/// backend, kept in Redis (Python's multiprocessing.synchronize).
///
/// Each is a handle: pass it to a call as an argument and every copy, in any process, is the
/// same object. A default-constructed one is made in the default context at first use; the
/// other constructors make it at once in the context given. Lock, RLock and the semaphores
/// have lock()/unlock()/try_lock(), so std::lock_guard, std::unique_lock and std::scoped_lock
/// work with them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <variant>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/shared_object.hpp"

namespace lithops::multiprocessing {

class Condition;

/// A lock any process may release (Python's multiprocessing.Lock).
///
/// Example:
/// @code
///   void add_one(mp::Lock lock, mp::Value<int> v) {   // in a call
///     std::lock_guard guard(lock);
///     v.set(v.get() + 1);
///   }
/// @endcode
class Lock {
 public:
  Lock();
  explicit Lock(Context& ctx);

  /// Takes the lock, waiting (up to `timeout`) if `block`. False when it was not taken.
  bool acquire(bool block = true, Timeout timeout = std::nullopt);
  /// @throws StateError when the lock is not held
  void release();
  void lock() { acquire(); }
  /// For std::lock_guard / std::unique_lock: never throws (see detail::unlock_for_guard).
  void unlock() noexcept {
    detail::unlock_for_guard([this] { release(); }, "unlock");
  }
  bool try_lock() { return acquire(false); }

  template <class A>
  void serialize(A& ar) {
    ar(h_);
  }

 private:
  friend class Condition;
  detail::Handle h_;
};

/// A lock its holder (a thread of a process: the client's or a call's) may take again; it is
/// free once released as many times as it was taken (Python's multiprocessing.RLock).
class RLock {
 public:
  RLock();
  explicit RLock(Context& ctx);

  bool acquire(bool block = true, Timeout timeout = std::nullopt);
  /// @throws StateError when the calling thread does not hold the lock
  void release();
  void lock() { acquire(); }
  /// For std::lock_guard / std::unique_lock: never throws (see detail::unlock_for_guard).
  void unlock() noexcept {
    detail::unlock_for_guard([this] { release(); }, "unlock");
  }
  bool try_lock() { return acquire(false); }

  template <class A>
  void serialize(A& ar) {
    ar(h_);
  }

 private:
  friend class Condition;
  detail::Handle h_;
};

/// A counter of free permits: acquire takes one (waiting while there is none), release gives
/// one back (Python's multiprocessing.Semaphore).
class Semaphore {
 public:
  Semaphore();  ///< value 1
  explicit Semaphore(std::int64_t value, Context& ctx = default_context());
  explicit Semaphore(Context& ctx) : Semaphore(1, ctx) {}

  bool acquire(bool block = true, Timeout timeout = std::nullopt);
  /// @throws StateError for a BoundedSemaphore already at its initial value
  void release();
  void lock() { acquire(); }
  /// For std::lock_guard / std::unique_lock: never throws (see detail::unlock_for_guard).
  void unlock() noexcept {
    detail::unlock_for_guard([this] { release(); }, "unlock");
  }
  bool try_lock() { return acquire(false); }
  /// Permits free now.
  std::int64_t get_value() const;

  template <class A>
  void serialize(A& ar) {
    ar(h_, bound_);
  }

 protected:
  Semaphore(std::int64_t value, std::int64_t bound, Context* ctx);
  detail::Handle h_;
  std::int64_t bound_ = 0;  // 0: unbounded
};

/// A Semaphore whose release() past its initial value is an error (StateError).
class BoundedSemaphore : public Semaphore {
 public:
  BoundedSemaphore();  ///< value 1
  explicit BoundedSemaphore(std::int64_t value, Context& ctx = default_context());
  explicit BoundedSemaphore(Context& ctx) : BoundedSemaphore(1, ctx) {}
};

/// A condition variable over a Lock or an RLock (an RLock of its own by default), as
/// Python's multiprocessing.Condition. wait() and the notifies must be called holding the lock.
class Condition {
 public:
  Condition();
  explicit Condition(Context& ctx);
  explicit Condition(Lock lock, Context& ctx = default_context());
  explicit Condition(RLock lock, Context& ctx = default_context());

  bool acquire(bool block = true, Timeout timeout = std::nullopt);
  void release();
  void lock() { acquire(); }
  /// For std::lock_guard / std::unique_lock: never throws (see detail::unlock_for_guard).
  void unlock() noexcept {
    detail::unlock_for_guard([this] { release(); }, "unlock");
  }
  bool try_lock() { return acquire(false); }

  /// Releases the lock, waits for a notify (up to `timeout`), takes the lock again. True when
  /// notified, false when the timeout ran out.
  /// @throws StateError when the lock is not held (for an RLock: by this thread)
  bool wait(Timeout timeout = std::nullopt);
  /// Waits until `predicate()` is true (checked holding the lock), up to `timeout`; returns its
  /// last value.
  bool wait_for(const std::function<bool()>& predicate, Timeout timeout = std::nullopt);
  /// Wakes up to `n` waiters. @throws StateError when the lock is not held
  void notify(std::size_t n = 1);
  void notify_all();

  template <class A>
  void serialize(A& ar) {
    ar(h_, lock_);
  }

 private:
  detail::Handle h_;
  std::variant<RLock, Lock> lock_;
};

/// A flag processes can wait for (Python's multiprocessing.Event).
class Event {
 public:
  Event();
  explicit Event(Context& ctx);

  bool is_set() const;
  /// Sets the flag and wakes every waiter.
  void set();
  void clear();
  /// Waits until the flag is set (up to `timeout`); returns the flag.
  bool wait(Timeout timeout = std::nullopt) const;

  template <class A>
  void serialize(A& ar) {
    ar(h_);
  }

 private:
  detail::Handle h_;
};

/// Releases `parties` waiters together, then resets for the next round (Python's
/// multiprocessing.Barrier, without the action). A wait that times out, abort() and reset()
/// break it: every waiter gets BrokenBarrierError, and so do later waits until reset().
class Barrier {
 public:
  /// Not bound to anything (what a call's argument is before it is read).
  Barrier() = default;
  /// `timeout`: the default of wait(). @throws ConfigError without Redis
  explicit Barrier(std::size_t parties, Timeout timeout = std::nullopt, Context& ctx = default_context());
  Barrier(std::size_t parties, Context& ctx) : Barrier(parties, std::nullopt, ctx) {}

  /// Waits for the other parties; returns this waiter's index, 0..parties-1, distinct in a
  /// round. `timeout` nullopt: the barrier's own.
  /// @throws BrokenBarrierError when broken before or while waiting
  std::size_t wait(Timeout timeout = std::nullopt);
  /// Breaks the barrier: current and later waiters get BrokenBarrierError.
  void abort();
  /// Back to the initial state; current waiters get BrokenBarrierError.
  void reset();
  std::size_t parties() const noexcept { return static_cast<std::size_t>(parties_); }
  std::size_t n_waiting() const;
  bool broken() const;

  template <class A>
  void serialize(A& ar) {
    ar(h_, parties_, timeout_);
  }

 private:
  detail::Handle h_;
  std::uint64_t parties_ = 0;
  Timeout timeout_;
};

}  // namespace lithops::multiprocessing
