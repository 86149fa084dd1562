#pragma once
/// @file multiprocessing/queues.hpp
/// `Queue<T>`, `SimpleQueue<T>` and `JoinableQueue<T>`: FIFO queues shared by the client and
/// calls on any backend, kept in Redis (Python's multiprocessing.Queue and friends).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/shared_object.hpp"
#include "lithops/serialization.hpp"

namespace lithops::multiprocessing {

namespace detail::queue {
Created make(Context& ctx, std::size_t maxsize, bool joinable);
/// @throws Full when there is no room (non-blocking, or not within `timeout`)
void put(const RedisLink& link, std::string_view item, std::size_t maxsize, bool joinable, bool block, Timeout timeout);
/// @throws Empty when there is nothing (non-blocking, or not within `timeout`)
std::string get(const RedisLink& link, std::size_t maxsize, bool block, Timeout timeout);
std::size_t size(const RedisLink& link);
bool full(const RedisLink& link, std::size_t maxsize);
void task_done(const RedisLink& link);
bool join(const RedisLink& link, Timeout timeout);
}  // namespace detail::queue

/// A FIFO queue of `T` shared by the client and calls (Python's multiprocessing.Queue). Pass
/// it to a call as an argument: every copy, in any process, is the same queue. Items travel
/// serialized, so `T` is any serializable type. The queue's Redis keys go when the last copy in
/// the process that made it goes (or after `multiprocessing.expiry` if that process dies).
///
/// Example:
/// @code
///   mp::Queue<int> q;                     // unbounded, in the default context
///   fexec.call_async(producer, q, 100);   // void producer(mp::Queue<int> q, int n)
///   int first = q.get();                  // blocks until an item arrives
/// @endcode
template <class T>
class Queue {
 public:
  using value_type = T;

  /// An unbounded queue in the default context, made in Redis at first use.
  Queue() : h_(detail::Handle::lazy([](Context& c) { return detail::queue::make(c, 0, false); })) {
    lithops::detail::require_serializable<T>();
  }
  /// A queue of at most `maxsize` items (0: unbounded). @throws ConfigError without Redis
  explicit Queue(std::size_t maxsize, Context& ctx = default_context()) : Queue(maxsize, false, ctx) {}
  explicit Queue(Context& ctx) : Queue(0, false, ctx) {}

  /// Appends `item`; when the queue is full, waits for room (up to `timeout`) if `block`.
  /// @throws Full when there is no room in time; StateError after close()
  void put(const T& item, bool block = true, Timeout timeout = std::nullopt) {
    check_open();
    std::string bytes;
    serialize_into(bytes, item);
    detail::queue::put(h_.link(), bytes, maxsize_, joinable_, block, timeout);
  }
  void put_nowait(const T& item) { put(item, false); }

  /// Removes and returns the oldest item; when there is none, waits (up to `timeout`) if `block`.
  /// @throws Empty when nothing arrives in time; StateError after close()
  T get(bool block = true, Timeout timeout = std::nullopt) {
    check_open();
    return deserialize<T>(detail::queue::get(h_.link(), maxsize_, block, timeout));
  }
  T get_nowait() { return get(false); }

  /// Items in the queue now (others may change it at once, as in Python).
  std::size_t qsize() const { return detail::queue::size(h_.link()); }
  bool empty() const { return qsize() == 0; }
  /// True when a bounded queue has no room left.
  bool full() const { return maxsize_ != 0 && detail::queue::full(h_.link(), maxsize_); }
  /// 0 when unbounded.
  std::size_t maxsize() const noexcept { return static_cast<std::size_t>(maxsize_); }

  /// No more put or get through this process' copies; the queue itself stays (other
  /// processes keep using it). Python's close().
  void close() { h_.closed(0).store(true); }
  /// No-ops: items are in Redis as soon as put() returns; there is no feeder thread to join.
  void join_thread() {}
  void cancel_join_thread() {}

  template <class A>
  void serialize(A& ar) {
    ar(h_, maxsize_, joinable_);
  }

 protected:
  Queue(std::size_t maxsize, bool joinable, Context& ctx)
      : h_(detail::queue::make(ctx, maxsize, joinable)), maxsize_(maxsize), joinable_(joinable) {
    lithops::detail::require_serializable<T>();
  }
  explicit Queue(detail::Handle h, bool joinable) : h_(std::move(h)), joinable_(joinable) {}
  void check_open() const {
    if (h_.closed(0).load()) detail::throw_closed("Queue");
  }

  detail::Handle h_;
  std::uint64_t maxsize_ = 0;
  bool joinable_ = false;
};

/// A Queue that also counts unfinished tasks (Python's JoinableQueue): each put() adds one,
/// task_done() removes one, join() waits until none is left.
template <class T>
class JoinableQueue : public Queue<T> {
 public:
  /// Unbounded, in the default context, made in Redis at first use.
  JoinableQueue()
      : Queue<T>(detail::Handle::lazy([](Context& c) { return detail::queue::make(c, 0, true); }), true) {
    lithops::detail::require_serializable<T>();
  }
  explicit JoinableQueue(std::size_t maxsize, Context& ctx = default_context()) : Queue<T>(maxsize, true, ctx) {}
  explicit JoinableQueue(Context& ctx) : Queue<T>(0, true, ctx) {}

  /// Marks one item got from the queue as processed.
  /// @throws StateError when called more times than items were put
  void task_done() { detail::queue::task_done(this->h_.link()); }
  /// Waits until every item put has been marked done; false if `timeout` ran out first.
  bool join(Timeout timeout = std::nullopt) { return detail::queue::join(this->h_.link(), timeout); }
};

/// An unbounded queue with only put, get and empty (Python's SimpleQueue).
template <class T>
class SimpleQueue {
 public:
  using value_type = T;
  /// In the default context, made in Redis at first use.
  SimpleQueue() = default;
  explicit SimpleQueue(Context& ctx) : q_(ctx) {}

  void put(const T& item) { q_.put(item); }
  /// Waits for an item.
  T get() { return q_.get(); }
  bool empty() const { return q_.empty(); }
  void close() { q_.close(); }

  template <class A>
  void serialize(A& ar) {
    ar(q_);
  }

 private:
  Queue<T> q_;
};

}  // namespace lithops::multiprocessing
