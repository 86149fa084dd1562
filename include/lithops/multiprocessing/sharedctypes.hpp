#pragma once
/// @file multiprocessing/sharedctypes.hpp
/// `Value<T>` and `Array<T>`: typed values shared by the client and calls on any backend,
/// kept in Redis (Python's multiprocessing.Value and Array), each with an RLock.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/shared_object.hpp"
#include "lithops/multiprocessing/synchronize.hpp"
#include "lithops/serialization.hpp"

namespace lithops::multiprocessing {

namespace detail::shared {
Created make_value(Context& ctx, const std::string& initial);
std::string get_value(const RedisLink& link);
void set_value(const RedisLink& link, std::string_view bytes);
Created make_array(Context& ctx, const std::vector<std::string>& items);
std::string get_item(const RedisLink& link, std::size_t i);
void set_item(const RedisLink& link, std::size_t i, std::string_view bytes);
/// Elements [begin, end).
std::vector<std::string> get_range(const RedisLink& link, std::size_t begin, std::size_t end);
[[noreturn]] void throw_no_lock(std::string_view what);
[[noreturn]] void throw_out_of_range(std::size_t i, std::size_t size);
}  // namespace detail::shared

/// One `T` shared by processes (Python's multiprocessing.Value). get() and set() are each
/// atomic; a read-modify-write needs the lock:
/// @code
///   mp::Value<int> counter(0);
///   { std::lock_guard g(counter.get_lock()); counter.set(counter.get() + 1); }
/// @endcode
/// Pass it to calls as an argument; the copies, in any process, share the value and the lock.
template <class T>
class Value {
 public:
  using value_type = T;

  /// `T{}`, with a lock, in the default context; made in Redis at first use.
  Value()
      : h_(detail::Handle::lazy([](Context& c) {
          std::string bytes;
          serialize_into(bytes, T{});
          return detail::shared::make_value(c, bytes);
        })),
        lock_(RLock()) {
    lithops::detail::require_serializable<T>();
  }
  /// `lock` false: no lock (get_lock() throws), as Python's `lock=False`.
  /// @throws ConfigError without Redis
  explicit Value(const T& initial, bool lock = true, Context& ctx = default_context())
      : h_(detail::shared::make_value(ctx, bytes_of(initial))) {
    lithops::detail::require_serializable<T>();
    if (lock) lock_.emplace(ctx);
  }
  Value(const T& initial, Context& ctx) : Value(initial, true, ctx) {}

  /// The current value (Python's `.value`).
  T get() const { return deserialize<T>(detail::shared::get_value(h_.link())); }
  /// Replaces the value (Python's `.value = v`).
  void set(const T& v) { detail::shared::set_value(h_.link(), bytes_of(v)); }

  /// The lock of this value. @throws StateError when made with lock = false
  RLock& get_lock() {
    if (!lock_) detail::shared::throw_no_lock("Value");
    return *lock_;
  }

  template <class A>
  void serialize(A& ar) {
    ar(h_, lock_);
  }

 private:
  static std::string bytes_of(const T& v) {
    std::string b;
    serialize_into(b, v);
    return b;
  }
  detail::Handle h_;
  std::optional<RLock> lock_;
};

/// A fixed-size array of `T` shared by processes (Python's multiprocessing.Array). Each
/// element's get and set is atomic; hold get_lock() across several.
/// @code
///   mp::Array<double> a(std::vector<double>{1, 2, 3});
///   a.set(0, a.get(2) * 2);
/// @endcode
template <class T>
class Array {
 public:
  using value_type = T;

  /// Not bound to anything (what a call's argument is before it is read).
  Array() = default;
  /// `n` elements `T{}`. @throws ConfigError without Redis
  explicit Array(std::size_t n, bool lock = true, Context& ctx = default_context())
      : Array(std::vector<T>(n), lock, ctx) {}
  Array(std::size_t n, Context& ctx) : Array(n, true, ctx) {}
  /// A copy of `init`.
  explicit Array(const std::vector<T>& init, bool lock = true, Context& ctx = default_context())
      : h_(detail::shared::make_array(ctx, bytes_of(init))), size_(init.size()) {
    lithops::detail::require_serializable<T>();
    if (lock) lock_.emplace(ctx);
  }
  Array(const std::vector<T>& init, Context& ctx) : Array(init, true, ctx) {}

  std::size_t size() const noexcept { return static_cast<std::size_t>(size_); }
  /// @throws std::out_of_range
  T get(std::size_t i) const {
    check(i);
    return deserialize<T>(detail::shared::get_item(h_.link(), i));
  }
  /// @throws std::out_of_range
  void set(std::size_t i, const T& v) {
    check(i);
    std::string b;
    serialize_into(b, v);
    detail::shared::set_item(h_.link(), i, b);
  }
  /// Elements [begin, end) (clamped to the size, as Python's a[begin:end]).
  std::vector<T> slice(std::size_t begin, std::size_t end) const {
    end = std::min(end, size());
    begin = std::min(begin, end);
    std::vector<T> out;
    out.reserve(end - begin);
    for (const auto& b : detail::shared::get_range(h_.link(), begin, end)) out.push_back(deserialize<T>(b));
    return out;
  }
  std::vector<T> to_vector() const { return slice(0, size()); }

  /// @throws StateError when made with lock = false
  RLock& get_lock() {
    if (!lock_) detail::shared::throw_no_lock("Array");
    return *lock_;
  }

  template <class A>
  void serialize(A& ar) {
    ar(h_, size_, lock_);
  }

 private:
  static std::vector<std::string> bytes_of(const std::vector<T>& v) {
    std::vector<std::string> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) serialize_into(out[i], v[i]);
    return out;
  }
  void check(std::size_t i) const {
    if (i >= size()) detail::shared::throw_out_of_range(i, size());
  }
  detail::Handle h_;
  std::uint64_t size_ = 0;
  std::optional<RLock> lock_;
};

}  // namespace lithops::multiprocessing
