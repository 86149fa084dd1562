#pragma once
/// @file multiprocessing/managers.hpp
/// `Manager`: shared dicts, lists and namespaces, kept in Redis (Python's SyncManager). The
/// other shared objects (Queue, Lock, Value, ...) need no manager here: made on their own they
/// are shared with calls the same way.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/shared_object.hpp"
#include "lithops/serialization.hpp"

namespace lithops::multiprocessing {

class Manager;

namespace detail::managed {
struct ManagerState;
/// A new object of `kind` with the one key `<prefix>:data`, owned by the manager.
Handle adopt(const std::shared_ptr<ManagerState>& m, std::string_view kind);
[[noreturn]] void throw_missing(std::string_view what, std::string_view detail);

// Dict and Namespace: a hash `data`, from serialized key (or name) to serialized value.
std::optional<std::string> hget(const RedisLink& l, std::string_view field);
void hset(const RedisLink& l, const std::vector<std::pair<std::string, std::string>>& items);
bool hexists(const RedisLink& l, std::string_view field);
bool hdel(const RedisLink& l, std::string_view field);
std::optional<std::string> hpop(const RedisLink& l, std::string_view field);
std::string hsetdefault(const RedisLink& l, std::string_view field, std::string_view value);
std::size_t hlen(const RedisLink& l);
/// Fields and values, alternating.
std::vector<std::string> hgetall(const RedisLink& l);
void clear(const RedisLink& l);

// List: a list `data`.
void rpush(const RedisLink& l, const std::vector<std::string>& items);
std::optional<std::string> lindex(const RedisLink& l, std::int64_t i);
bool lset(const RedisLink& l, std::int64_t i, std::string_view value);
std::optional<std::string> lpop_at(const RedisLink& l, std::int64_t i);
std::size_t llen(const RedisLink& l);
std::vector<std::string> lrange(const RedisLink& l);

template <class T>
std::string bytes_of(const T& v) {
  std::string b;
  serialize_into(b, v);
  return b;
}
}  // namespace detail::managed

/// A dict shared by processes (Python's `manager.dict()`): keys and values are any serializable
/// types; keys are compared by their serialized bytes. Each operation is atomic. Made by
/// `Manager::dict`; passed to calls as an argument.
template <class K, class V>
class Dict {
 public:
  // No key_type / mapped_type: cereal would take a class with them for a std::map.
  /// Not bound to anything (what a call's argument is before it is read).
  Dict() = default;

  std::optional<V> get(const K& k) const {
    auto b = detail::managed::hget(h_.link(), detail::managed::bytes_of(k));
    return b ? std::optional<V>(deserialize<V>(*b)) : std::nullopt;
  }
  V get(const K& k, const V& fallback) const { return get(k).value_or(fallback); }
  /// @throws std::out_of_range when `k` is absent (Python's KeyError)
  V at(const K& k) const {
    auto v = get(k);
    if (!v) detail::managed::throw_missing("Dict::at", "no such key");
    return std::move(*v);
  }
  void set(const K& k, const V& v) {
    detail::managed::hset(h_.link(), {{detail::managed::bytes_of(k), detail::managed::bytes_of(v)}});
  }
  bool contains(const K& k) const { return detail::managed::hexists(h_.link(), detail::managed::bytes_of(k)); }
  /// False when `k` was absent.
  bool erase(const K& k) { return detail::managed::hdel(h_.link(), detail::managed::bytes_of(k)); }
  /// Removes `k` and returns its value, if it was there.
  std::optional<V> pop(const K& k) {
    auto b = detail::managed::hpop(h_.link(), detail::managed::bytes_of(k));
    return b ? std::optional<V>(deserialize<V>(*b)) : std::nullopt;
  }
  /// The value of `k`, setting it to `v` first if absent (atomically).
  V setdefault(const K& k, const V& v) {
    return deserialize<V>(
        detail::managed::hsetdefault(h_.link(), detail::managed::bytes_of(k), detail::managed::bytes_of(v)));
  }
  /// Sets every pair of `items` (a map, or any range of pairs).
  template <class R>
  void update(const R& items) {
    std::vector<std::pair<std::string, std::string>> b;
    for (const auto& [k, v] : items) b.emplace_back(detail::managed::bytes_of<K>(k), detail::managed::bytes_of<V>(v));
    if (!b.empty()) detail::managed::hset(h_.link(), b);
  }
  std::size_t size() const { return detail::managed::hlen(h_.link()); }
  bool empty() const { return size() == 0; }
  std::vector<std::pair<K, V>> items() const {
    auto all = detail::managed::hgetall(h_.link());
    std::vector<std::pair<K, V>> out;
    for (std::size_t i = 0; i + 1 < all.size(); i += 2)
      out.emplace_back(deserialize<K>(all[i]), deserialize<V>(all[i + 1]));
    return out;
  }
  std::vector<K> keys() const {
    std::vector<K> out;
    for (auto& [k, v] : items()) out.push_back(std::move(k));
    return out;
  }
  std::vector<V> values() const {
    std::vector<V> out;
    for (auto& [k, v] : items()) out.push_back(std::move(v));
    return out;
  }
  void clear() { detail::managed::clear(h_.link()); }

  template <class A>
  void serialize(A& ar) {
    ar(h_);
  }

 private:
  friend class Manager;
  explicit Dict(detail::Handle h) : h_(std::move(h)) {
    lithops::detail::require_serializable<K>();
    lithops::detail::require_serializable<V>();
  }
  detail::Handle h_;
};

/// A list shared by processes (Python's `manager.list()`). Indexes may be negative (from the
/// end), as in Python. Each operation is atomic. Made by `Manager::list`.
template <class T>
class List {
 public:
  using value_type = T;
  /// Not bound to anything (what a call's argument is before it is read).
  List() = default;

  void append(const T& v) { detail::managed::rpush(h_.link(), {detail::managed::bytes_of(v)}); }
  template <class R>
  void extend(const R& values) {
    std::vector<std::string> b;
    for (const auto& v : values) b.push_back(detail::managed::bytes_of<T>(v));
    if (!b.empty()) detail::managed::rpush(h_.link(), b);
  }
  /// @throws std::out_of_range
  T get(std::int64_t i) const {
    auto b = detail::managed::lindex(h_.link(), i);
    if (!b) detail::managed::throw_missing("List::get", "index out of range");
    return deserialize<T>(*b);
  }
  /// @throws std::out_of_range
  void set(std::int64_t i, const T& v) {
    if (!detail::managed::lset(h_.link(), i, detail::managed::bytes_of(v)))
      detail::managed::throw_missing("List::set", "index out of range");
  }
  /// Removes and returns element `i` (the last by default). @throws std::out_of_range
  T pop(std::int64_t i = -1) {
    auto b = detail::managed::lpop_at(h_.link(), i);
    if (!b) detail::managed::throw_missing("List::pop", "index out of range");
    return deserialize<T>(*b);
  }
  std::size_t size() const { return detail::managed::llen(h_.link()); }
  bool empty() const { return size() == 0; }
  std::vector<T> to_vector() const {
    std::vector<T> out;
    for (const auto& b : detail::managed::lrange(h_.link())) out.push_back(deserialize<T>(b));
    return out;
  }
  void clear() { detail::managed::clear(h_.link()); }

  template <class A>
  void serialize(A& ar) {
    ar(h_);
  }

 private:
  friend class Manager;
  explicit List(detail::Handle h) : h_(std::move(h)) { lithops::detail::require_serializable<T>(); }
  detail::Handle h_;
};

/// Named attributes of any serializable types (Python's `manager.Namespace()`). Each value
/// remembers its type: get<T> of another type throws StateError.
class Namespace {
 public:
  /// Not bound to anything (what a call's argument is before it is read).
  Namespace() = default;

  /// @throws std::out_of_range when `name` is not set; StateError when it holds another type
  template <class T>
  T get(std::string_view name) const {
    auto b = detail::managed::hget(h_.link(), name);
    if (!b) detail::managed::throw_missing("Namespace::get", name);
    return deserialize<T>(untag(*b, typeid(T).name(), name));
  }
  template <class T>
  void set(std::string_view name, const T& v) {
    std::string b = tag(typeid(T).name());
    serialize_into(b, v);
    detail::managed::hset(h_.link(), {{std::string(name), std::move(b)}});
  }
  bool has(std::string_view name) const { return detail::managed::hexists(h_.link(), name); }
  bool erase(std::string_view name) { return detail::managed::hdel(h_.link(), name); }
  /// The names set.
  std::vector<std::string> names() const;

  template <class A>
  void serialize(A& ar) {
    ar(h_);
  }

 private:
  friend class Manager;
  explicit Namespace(detail::Handle h) : h_(std::move(h)) {}
  static std::string tag(std::string_view type);
  static std::string_view untag(std::string_view bytes, std::string_view type, std::string_view name);
  detail::Handle h_;
};

/// Makes shared dicts, lists and namespaces, which live until the manager is shut down or
/// destroyed (their expiry is renewed meanwhile), however many copies of them calls hold.
/// Using one after that finds it empty.
///
/// Example:
/// @code
///   mp::Manager m;
///   auto d = m.dict<std::string, int>();
///   fexec.map(count_into, words, lithops::extra_args(d));   // void count_into(std::string, mp::Dict<std::string, int>)
/// @endcode
class Manager {
 public:
  /// @throws ConfigError without Redis (at the first object made)
  explicit Manager(Context& ctx = default_context());
  ~Manager();
  Manager(Manager&&) noexcept;
  Manager& operator=(Manager&&) noexcept;

  template <class K, class V>
  Dict<K, V> dict() {
    return Dict<K, V>(detail::managed::adopt(s_, "dict"));
  }
  template <class T>
  List<T> list() {
    return List<T>(detail::managed::adopt(s_, "list"));
  }
  Namespace namespace_() { return Namespace(detail::managed::adopt(s_, "namespace")); }

  /// Deletes every object made by this manager; making more throws StateError.
  void shutdown();

 private:
  std::shared_ptr<detail::managed::ManagerState> s_;
};

}  // namespace lithops::multiprocessing
