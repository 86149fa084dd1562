// Manager objects in Redis: Dict and Namespace are hashes, List a list, each the one key
// `<prefix>:data`. The manager, not the handles, owns them: they live until it shuts down.
#include "lithops/multiprocessing/managers.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "lithops/detail/function_ref.hpp"

namespace lithops::multiprocessing {

namespace detail::managed {

struct ManagerState {
  explicit ManagerState(Context c) : ctx(std::move(c)) {}
  Context ctx;
  std::mutex mu;
  std::vector<std::shared_ptr<Owner>> owners;
  bool shut = false;
};

namespace {

std::string data(const RedisLink& l) { return l.key("data"); }

// KEYS: data. ARGV: expiry, field.
constexpr std::string_view kHPop = R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[2])
if v then
  redis.call('HDEL', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return v
)lua";

// KEYS: data. ARGV: expiry, field, value.
constexpr std::string_view kHSetDefault = R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return ARGV[3]
end
return redis.call('HGET', KEYS[1], ARGV[2])
)lua";

// KEYS: data. ARGV: expiry, index, value. Returns 0 when out of range.
constexpr std::string_view kLSet = R"lua(
local r = redis.pcall('LSET', KEYS[1], ARGV[2], ARGV[3])
if type(r) == 'table' and r.err then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
)lua";

// KEYS: data. ARGV: expiry, index, a placeholder no element equals. Removes element `index`.
constexpr std::string_view kLPopAt = R"lua(
local i = tonumber(ARGV[2])
local v = redis.call('LINDEX', KEYS[1], i)
if not v then return false end
local n = redis.call('LLEN', KEYS[1])
if i == -1 or i == n - 1 then
  redis.call('RPOP', KEYS[1])
elseif i == 0 or i == -n then
  redis.call('LPOP', KEYS[1])
else
  redis.call('LSET', KEYS[1], i, ARGV[3])
  redis.call('LREM', KEYS[1], 1, ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v
)lua";

}  // namespace

Handle adopt(const std::shared_ptr<ManagerState>& m, std::string_view kind) {
  std::lock_guard lock(m->mu);
  if (m->shut) throw StateError(fmt::format("lithops::mp::Manager: cannot make a {} after shutdown()", kind));
  Created c = create(m->ctx, kind, {"data"});
  m->owners.push_back(std::move(c.owner));
  return Handle(Created{std::move(c.link), nullptr});
}

void throw_missing(std::string_view what, std::string_view detail) {
  throw std::out_of_range(fmt::format("lithops::mp::{}: {}", what, detail));
}

std::optional<std::string> hget(const RedisLink& l, std::string_view field) {
  Reply r = command(l, {"HGET", data(l), field});
  if (r.is_nil()) return std::nullopt;
  return std::move(r.str);
}

void hset(const RedisLink& l, const std::vector<std::pair<std::string, std::string>>& items) {
  const std::string key = data(l);
  if (items.size() == 1) {  // the common case in one round trip
    write(l, {"HSET", key, items[0].first, items[0].second}, {key});
    return;
  }
  std::vector<std::string_view> argv{"HSET", key};
  for (const auto& [f, v] : items) {
    argv.push_back(f);
    argv.push_back(v);
  }
  write(l, argv, {key});
}

bool hexists(const RedisLink& l, std::string_view field) {
  return command(l, {"HEXISTS", data(l), field}).integer == 1;
}

bool hdel(const RedisLink& l, std::string_view field) {
  const std::string key = data(l);
  return write(l, {"HDEL", key, field}, {key}).integer == 1;
}

std::optional<std::string> hpop(const RedisLink& l, std::string_view field) {
  Reply r = script(l, kHPop, {data(l)}, {field});
  if (r.is_nil()) return std::nullopt;
  return std::move(r.str);
}

std::string hsetdefault(const RedisLink& l, std::string_view field, std::string_view value) {
  return script(l, kHSetDefault, {data(l)}, {field, value}).str;
}

std::size_t hlen(const RedisLink& l) { return static_cast<std::size_t>(command(l, {"HLEN", data(l)}).integer); }

std::vector<std::string> hgetall(const RedisLink& l) {
  std::vector<std::string> out;
  for (auto& e : command(l, {"HGETALL", data(l)}).elements) out.push_back(std::move(e.str));
  return out;
}

void clear(const RedisLink& l) { command(l, {"DEL", data(l)}); }

void rpush(const RedisLink& l, const std::vector<std::string>& items) {
  const std::string key = data(l);
  if (items.size() == 1) {
    write(l, {"RPUSH", key, items[0]}, {key});
    return;
  }
  std::vector<std::string_view> argv{"RPUSH", key};
  argv.insert(argv.end(), items.begin(), items.end());
  write(l, argv, {key});
}

std::optional<std::string> lindex(const RedisLink& l, std::int64_t i) {
  Reply r = command(l, {"LINDEX", data(l), std::to_string(i)});
  if (r.is_nil()) return std::nullopt;
  return std::move(r.str);
}

bool lset(const RedisLink& l, std::int64_t i, std::string_view value) {
  return script(l, kLSet, {data(l)}, {std::to_string(i), value}).integer == 1;
}

std::optional<std::string> lpop_at(const RedisLink& l, std::int64_t i) {
  const std::string placeholder = "\xff" "lithops-removed-" + random_token();
  Reply r = script(l, kLPopAt, {data(l)}, {std::to_string(i), placeholder});
  if (r.is_nil()) return std::nullopt;
  return std::move(r.str);
}

std::size_t llen(const RedisLink& l) { return static_cast<std::size_t>(command(l, {"LLEN", data(l)}).integer); }

std::vector<std::string> lrange(const RedisLink& l) {
  std::vector<std::string> out;
  for (auto& e : command(l, {"LRANGE", data(l), "0", "-1"}).elements) out.push_back(std::move(e.str));
  return out;
}

}  // namespace detail::managed

// A value is stored as: the length of its type's name (4 bytes), the name, the value's bytes.
std::string Namespace::tag(std::string_view type) {
  const auto n = static_cast<std::uint32_t>(type.size());
  std::string b(reinterpret_cast<const char*>(&n), sizeof n);
  b.append(type);
  return b;
}

std::string_view Namespace::untag(std::string_view bytes, std::string_view type, std::string_view name) {
  std::uint32_t n = 0;
  if (bytes.size() >= sizeof n) std::memcpy(&n, bytes.data(), sizeof n);
  const std::string_view stored = bytes.size() >= sizeof n + n ? bytes.substr(sizeof n, n) : std::string_view{};
  if (stored != type)
    throw StateError(fmt::format("lithops::mp::Namespace::get: '{}' holds a {}, not a {}", name,
                                 lithops::detail::demangle(std::string(stored).c_str()),
                                 lithops::detail::demangle(std::string(type).c_str())));
  return bytes.substr(sizeof n + n);
}

std::vector<std::string> Namespace::names() const {
  std::vector<std::string> out;
  const detail::RedisLink& l = h_.link();
  for (auto& e : detail::command(l, {"HKEYS", l.key("data")}).elements) out.push_back(std::move(e.str));
  return out;
}

Manager::Manager(Context& ctx) : s_(std::make_shared<detail::managed::ManagerState>(ctx)) {}
Manager::~Manager() { shutdown(); }
Manager::Manager(Manager&&) noexcept = default;
Manager& Manager::operator=(Manager&& o) noexcept {
  if (this != &o) {
    shutdown();
    s_ = std::move(o.s_);
  }
  return *this;
}

void Manager::shutdown() {
  if (!s_) return;
  std::vector<std::shared_ptr<detail::Owner>> owners;
  {
    std::lock_guard lock(s_->mu);
    s_->shut = true;
    owners.swap(s_->owners);
  }
  owners.clear();  // each deletes its keys
}

}  // namespace lithops::multiprocessing
