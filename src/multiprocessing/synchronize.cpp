// Locks, semaphores, conditions, events and barriers in Redis.
//
// Lock and semaphores (as Python Lithops): `tokens` is a list holding one token per free
// permit. acquire = BLPOP (one round trip, and Redis queues the waiters fairly); release = a
// script that pushes a token back, refusing to pass the bound. RLock adds `owner` (the thread
// identity of the holder) and `count`.
//
// Condition: `waiters` lists the tokens of waiting threads; each waits on its own short-lived
// list `w:<token>`, which notify pushes to. Registering and releasing the lock are one script,
// so no notify falls between them.
//
// Event: `flag`, and `wake`, holding one token while the flag is set; wait is BLMOVE wake ->
// wake, which puts the token back for the next waiter.
//
// Barrier: `state` (a hash: gen, count, broken) and two gates, one per parity of the round;
// the last arriver pushes one "r" token per waiter on the round's gate. Breaking pushes one "b"
// token per waiter instead. Every counted waiter consumes exactly one token, so a gate is
// empty when its parity comes round again.
#include <fmt/format.h>

#include <limits>
#include <string>
#include <unordered_map>

#include "lithops/multiprocessing/synchronize.hpp"

namespace lithops::multiprocessing {

namespace {

using detail::blocking;
using detail::command;
using detail::create;
using detail::Created;
using detail::Reply;
using detail::RedisLink;
using detail::script;

// ---- tokens: Lock, Semaphore, BoundedSemaphore ----

// KEYS: tokens. ARGV: expiry, count.
constexpr std::string_view kFill = R"lua(
for i = 1, tonumber(ARGV[2]) do redis.call('RPUSH', KEYS[1], '1') end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
)lua";

// KEYS: tokens. ARGV: expiry, bound (0: none). Returns 0 when at the bound.
constexpr std::string_view kRelease = R"lua(
local bound = tonumber(ARGV[2])
if bound > 0 and redis.call('LLEN', KEYS[1]) >= bound then return 0 end
redis.call('RPUSH', KEYS[1], '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
)lua";

Created make_tokens(Context& ctx, std::string_view kind, std::int64_t value) {
  if (value < 0) throw StateError(fmt::format("lithops::mp::{}: a negative initial value ({})", kind, value));
  Created c = create(ctx, kind, {"tokens"});
  if (value > 0) script(c.link, kFill, {c.link.key("tokens")}, {std::to_string(value)});
  return c;
}

bool take_token(const RedisLink& link, bool block, Timeout timeout) {
  const std::string key = link.key("tokens");
  if (!block) return !command(link, {"LPOP", key}).is_nil();
  return !blocking(link, {"BLPOP", key}, timeout).is_nil();
}

void give_token(const RedisLink& link, std::int64_t bound, std::string_view what) {
  if (script(link, kRelease, {link.key("tokens")}, {std::to_string(bound)}).integer == 0)
    throw StateError(fmt::format("lithops::mp::{}::release: released too many times", what));
}

// ---- RLock: tokens, owner, count ----

// KEYS: tokens, owner, count. ARGV: expiry, me, count to set on a fresh take. Returns 1 when
// held, 0 when another holds it.
constexpr std::string_view kRTake = R"lua(
if redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  return 1
end
if not redis.call('LPOP', KEYS[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[1])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[1])
return 1
)lua";

// KEYS: tokens, owner, count. ARGV: expiry, me, '1' to release all levels. Returns -1 when
// `me` does not hold it, else the count before.
constexpr std::string_view kRRelease = R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return -1 end
local n = tonumber(redis.call('GET', KEYS[3]) or '1')
if ARGV[3] == '1' or n <= 1 then
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('RPUSH', KEYS[1], '1')
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[3], n - 1, 'PX', ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return n
)lua";

Created make_rlock(Context& ctx) {
  Created c = create(ctx, "rlock", {"tokens", "owner", "count"});
  script(c.link, kFill, {c.link.key("tokens")}, {"1"});
  return c;
}

bool rlock_take(const RedisLink& link, bool block, Timeout timeout, std::int64_t count) {
  const std::string tokens = link.key("tokens"), owner = link.key("owner"), n = link.key("count");
  const std::string me = detail::thread_identity(), c = std::to_string(count);
  // Taking the token and recording the owner are one script: a taker that fails or dies in
  // between cannot leave the lock held by nobody.
  const detail::Deadline deadline(timeout);
  while (script(link, kRTake, {tokens, owner, n}, {me, c}).integer != 1)
    if (!block || !detail::wait_nonempty(link, tokens, deadline.left())) return false;
  return true;
}

// ---- Condition ----

// KEYS: waiters, the lock's tokens, [owner, count]. ARGV: expiry, my token, me.
// Registers the waiter and releases the lock (all levels of an RLock). Returns -1 when the
// lock is not held (by me, for an RLock), else the RLock's count (1 for a Lock).
constexpr std::string_view kWaitBegin = R"lua(
local n = 1
if #KEYS == 4 then
  if redis.call('GET', KEYS[3]) ~= ARGV[3] then return -1 end
  n = tonumber(redis.call('GET', KEYS[4]) or '1')
  redis.call('DEL', KEYS[3], KEYS[4])
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  return -1
end
redis.call('RPUSH', KEYS[2], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n
)lua";

// KEYS: waiters, my list. ARGV: expiry, my token. After a timeout: 1 when a notify got to me
// meanwhile (its token is removed), 0 when I was still waiting (I am removed).
constexpr std::string_view kWaitGiveUp = R"lua(
if redis.call('LREM', KEYS[1], 0, ARGV[2]) > 0 then return 0 end
redis.call('DEL', KEYS[2])
return 1
)lua";

// KEYS: waiters, the lock's tokens, [owner]. ARGV: expiry, n, prefix of the waiters' lists, me.
// Returns the waiters woken, or -1 when the lock is not held.
constexpr std::string_view kNotify = R"lua(
if #KEYS == 3 then
  if redis.call('GET', KEYS[3]) ~= ARGV[4] then return -1 end
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  return -1
end
local n = tonumber(ARGV[2])
local woken = 0
while woken < n do
  local t = redis.call('LPOP', KEYS[1])
  if not t then break end
  local w = ARGV[3] .. t
  redis.call('RPUSH', w, '1')
  redis.call('PEXPIRE', w, ARGV[1])
  woken = woken + 1
end
if woken > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return woken
)lua";

// ---- Event ----

// KEYS: flag, wake. ARGV: expiry.
constexpr std::string_view kEventSet = R"lua(
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if redis.call('LLEN', KEYS[2]) == 0 then redis.call('RPUSH', KEYS[2], '1') end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
)lua";

// ---- Barrier ----

#define LITHOPS_BARRIER_LUA_HEAD                                                         \
  "local function push(key, tok, n)\n"                                                   \
  "  while n > 0 do\n"                                                                   \
  "    local b = {}\n"                                                                   \
  "    for i = 1, math.min(n, 1000) do b[i] = tok end\n"                                 \
  "    redis.call('RPUSH', key, unpack(b))\n"                                            \
  "    redis.call('PEXPIRE', key, ARGV[1])\n"                                            \
  "    n = n - #b\n"                                                                     \
  "  end\n"                                                                              \
  "end\n"                                                                                \
  "local s = redis.call('HMGET', KEYS[1], 'gen', 'count', 'broken')\n"                   \
  "local gen = tonumber(s[1] or '0')\n"                                                  \
  "local count = tonumber(s[2] or '0')\n"                                                \
  "local broken = s[3] == '1'\n"                                                         \
  "local gate = KEYS[2 + gen % 2]\n"                                                     \
  "local function save(g, c, b)\n"                                                       \
  "  redis.call('HSET', KEYS[1], 'gen', g, 'count', c, 'broken', b)\n"                   \
  "  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"                                          \
  "end\n"

// KEYS: state, gate0, gate1. ARGV: expiry, parties. Returns {index, gen, last} or {-1, gen}.
constexpr std::string_view kArrive = LITHOPS_BARRIER_LUA_HEAD R"lua(
if broken then return {-1, gen} end
local parties = tonumber(ARGV[2])
if count + 1 == parties then
  push(gate, 'r', parties - 1)
  save(gen + 1, 0, 0)
  return {count, gen, 1}
end
save(gen, count + 1, 0)
return {count, gen, 0}
)lua";

// KEYS: state, gate0, gate1. ARGV: expiry, my gen. After a timed-out wait: 'r' when released
// meanwhile, else 'b' (breaking the barrier if nobody did yet).
constexpr std::string_view kGiveUp = LITHOPS_BARRIER_LUA_HEAD R"lua(
local mine = tonumber(ARGV[2])
if gen == mine and not broken then
  push(gate, 'b', count - 1)
  save(gen, count, 1)
  return 'b'
end
return redis.call('LPOP', KEYS[2 + mine % 2]) or 'b'
)lua";

// KEYS: state, gate0, gate1. ARGV: expiry, '1' to reset (else abort).
constexpr std::string_view kBreak = LITHOPS_BARRIER_LUA_HEAD R"lua(
if not broken then push(gate, 'b', count) end
if ARGV[2] == '1' then save(gen + 1, 0, 0) else save(gen, count, 1) end
return 1
)lua";

#undef LITHOPS_BARRIER_LUA_HEAD

}  // namespace

// ---- Lock ----

Lock::Lock() : h_(detail::Handle::lazy([](Context& c) { return make_tokens(c, "lock", 1); })) {}
Lock::Lock(Context& ctx) : h_(make_tokens(ctx, "lock", 1)) {}
namespace {
// Locks this thread holds (acquired and not released by it), by key: their release cannot be
// refused, so it is posted (one round trip less per acquire + release pair). A release by a
// thread that did not acquire (allowed, as in Python) waits for its answer.
thread_local std::unordered_map<std::string, int> t_held;
}  // namespace

bool Lock::acquire(bool block, Timeout timeout) {
  const bool got = take_token(h_.link(), block, timeout);
  if (got) ++t_held[h_.link().prefix];
  return got;
}
void Lock::release() {
  const RedisLink& l = h_.link();
  auto it = t_held.find(l.prefix);
  if (it == t_held.end()) return give_token(l, 1, "Lock");
  if (--it->second == 0) t_held.erase(it);
  post_script(l, kRelease, {l.key("tokens")}, {"1"}, "lithops::mp::Lock::release");
}

// ---- RLock ----

RLock::RLock() : h_(detail::Handle::lazy(make_rlock)) {}
RLock::RLock(Context& ctx) : h_(make_rlock(ctx)) {}
bool RLock::acquire(bool block, Timeout timeout) { return rlock_take(h_.link(), block, timeout, 1); }
void RLock::release() {
  const RedisLink& l = h_.link();
  if (script(l, kRRelease, {l.key("tokens"), l.key("owner"), l.key("count")}, {detail::thread_identity(), "0"})
          .integer < 0)
    throw StateError("lithops::mp::RLock::release: the lock is not held by this thread");
}

// ---- Semaphore ----

Semaphore::Semaphore() : h_(detail::Handle::lazy([](Context& c) { return make_tokens(c, "semaphore", 1); })) {}
Semaphore::Semaphore(std::int64_t value, Context& ctx) : Semaphore(value, 0, &ctx) {}
Semaphore::Semaphore(std::int64_t value, std::int64_t bound, Context* ctx) : bound_(bound) {
  if (ctx) {
    h_ = detail::Handle(make_tokens(*ctx, bound ? "boundedsemaphore" : "semaphore", value));
  } else {
    h_ = detail::Handle::lazy([value](Context& c) { return make_tokens(c, "boundedsemaphore", value); });
  }
}
bool Semaphore::acquire(bool block, Timeout timeout) { return take_token(h_.link(), block, timeout); }
void Semaphore::release() { give_token(h_.link(), bound_, bound_ ? "BoundedSemaphore" : "Semaphore"); }
std::int64_t Semaphore::get_value() const { return command(h_.link(), {"LLEN", h_.link().key("tokens")}).integer; }

BoundedSemaphore::BoundedSemaphore() : Semaphore(1, 1, nullptr) {}
BoundedSemaphore::BoundedSemaphore(std::int64_t value, Context& ctx) : Semaphore(value, value, &ctx) {}

// ---- Condition ----

namespace {
Created make_condition(Context& ctx) { return create(ctx, "condition", {"waiters"}); }
}  // namespace

Condition::Condition() : h_(detail::Handle::lazy(make_condition)), lock_(RLock()) {}
Condition::Condition(Context& ctx) : h_(make_condition(ctx)), lock_(RLock(ctx)) {}
Condition::Condition(Lock lock, Context& ctx) : h_(make_condition(ctx)), lock_(std::move(lock)) {}
Condition::Condition(RLock lock, Context& ctx) : h_(make_condition(ctx)), lock_(std::move(lock)) {}

bool Condition::acquire(bool block, Timeout timeout) {
  return std::visit([&](auto& l) { return l.acquire(block, timeout); }, lock_);
}
void Condition::release() {
  std::visit([](auto& l) { l.release(); }, lock_);
}

bool Condition::wait(Timeout timeout) {
  const RedisLink& l = h_.link();
  const std::string token = detail::random_token(), me = detail::thread_identity();
  const std::string waiters = l.key("waiters"), mine = l.key("w:" + token);
  std::int64_t count;
  if (auto* r = std::get_if<RLock>(&lock_)) {
    const RedisLink& k = r->h_.link();
    count = script(l, kWaitBegin, {waiters, k.key("tokens"), k.key("owner"), k.key("count")}, {token, me}).integer;
  } else {
    const RedisLink& k = std::get<Lock>(lock_).h_.link();
    count = script(l, kWaitBegin, {waiters, k.key("tokens")}, {token, me}).integer;
  }
  if (count < 0) throw StateError("lithops::mp::Condition::wait: the lock is not held by this thread");
  auto reacquire = [&] {
    if (auto* r = std::get_if<RLock>(&lock_))
      rlock_take(r->h_.link(), true, std::nullopt, count);
    else
      std::get<Lock>(lock_).acquire();
  };
  bool notified;
  try {
    notified = !blocking(l, {"BLPOP", mine}, timeout).is_nil();
    if (!notified) notified = script(l, kWaitGiveUp, {waiters, mine}, {token}).integer == 1;
  } catch (...) {
    // As Python's `finally`: the caller's guard releases the lock next, so it must hold it.
    try {
      script(l, kWaitGiveUp, {waiters, mine}, {token});
    } catch (...) {  // the waiter key expires; a notify meant for it is lost either way
    }
    reacquire();
    throw;
  }
  reacquire();
  return notified;
}

bool Condition::wait_for(const std::function<bool()>& predicate, Timeout timeout) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  bool result = predicate();
  while (!result) {
    Timeout left;
    if (timeout) {
      left = *timeout - (Clock::now() - start);
      if (left->count() <= 0) break;
    }
    wait(left);
    result = predicate();
  }
  return result;
}

void Condition::notify(std::size_t n) {
  const RedisLink& l = h_.link();
  const std::string prefix = l.key("w:"), count = std::to_string(n), me = detail::thread_identity();
  std::int64_t woken;
  if (auto* r = std::get_if<RLock>(&lock_)) {
    const RedisLink& k = r->h_.link();
    woken = script(l, kNotify, {l.key("waiters"), k.key("tokens"), k.key("owner")}, {count, prefix, me}).integer;
  } else {
    const RedisLink& k = std::get<Lock>(lock_).h_.link();
    woken = script(l, kNotify, {l.key("waiters"), k.key("tokens")}, {count, prefix, me}).integer;
  }
  if (woken < 0) throw StateError("lithops::mp::Condition::notify: the lock is not held by this thread");
}

void Condition::notify_all() { notify(std::numeric_limits<std::int32_t>::max()); }

// ---- Event ----

namespace {
Created make_event(Context& ctx) { return create(ctx, "event", {"flag", "wake"}); }
}  // namespace

Event::Event() : h_(detail::Handle::lazy(make_event)) {}
Event::Event(Context& ctx) : h_(make_event(ctx)) {}
bool Event::is_set() const { return command(h_.link(), {"EXISTS", h_.link().key("flag")}).integer == 1; }
void Event::set() { script(h_.link(), kEventSet, {h_.link().key("flag"), h_.link().key("wake")}); }
void Event::clear() { command(h_.link(), {"DEL", h_.link().key("flag"), h_.link().key("wake")}); }
bool Event::wait(Timeout timeout) const {
  if (timeout && timeout->count() <= 0) return is_set();
  const std::string wake = h_.link().key("wake");
  return !blocking(h_.link(), {"BLMOVE", wake, wake, "LEFT", "RIGHT"}, timeout).is_nil();
}

// ---- Barrier ----

Barrier::Barrier(std::size_t parties, Timeout timeout, Context& ctx)
    : h_(create(ctx, "barrier", {"state", "gate0", "gate1"})), parties_(parties), timeout_(timeout) {
  if (parties == 0) throw StateError("lithops::mp::Barrier: parties must be at least 1");
}

std::size_t Barrier::wait(Timeout timeout) {
  const RedisLink& l = h_.link();
  const std::string state = l.key("state"), g0 = l.key("gate0"), g1 = l.key("gate1");
  const Reply r = script(l, kArrive, {state, g0, g1}, {std::to_string(parties_)});
  const auto index = r.elements.at(0).integer;
  const auto gen = r.elements.at(1).integer;
  if (index < 0) throw BrokenBarrierError("lithops::mp::Barrier::wait: the barrier is broken");
  if (r.elements.at(2).integer == 1) return static_cast<std::size_t>(index);
  Reply got = blocking(l, {"BLPOP", gen % 2 ? g1 : g0}, timeout ? timeout : timeout_);
  std::string token = got.is_nil() ? script(l, kGiveUp, {state, g0, g1}, {std::to_string(gen)}).str
                                   : got.elements.at(1).str;
  if (token != "r")
    throw BrokenBarrierError(got.is_nil() ? "lithops::mp::Barrier::wait: timed out; the barrier is now broken"
                                          : "lithops::mp::Barrier::wait: the barrier was broken while waiting");
  return static_cast<std::size_t>(index);
}

void Barrier::abort() {
  const RedisLink& l = h_.link();
  script(l, kBreak, {l.key("state"), l.key("gate0"), l.key("gate1")}, {"0"});
}

void Barrier::reset() {
  const RedisLink& l = h_.link();
  script(l, kBreak, {l.key("state"), l.key("gate0"), l.key("gate1")}, {"1"});
}

std::size_t Barrier::n_waiting() const {
  const RedisLink& l = h_.link();
  const Reply r = command(l, {"HMGET", l.key("state"), "count", "broken"});
  if (r.elements.at(1).str == "1" || r.elements.at(0).is_nil()) return 0;
  return std::stoul(r.elements.at(0).str);
}

bool Barrier::broken() const {
  const RedisLink& l = h_.link();
  return command(l, {"HGET", l.key("state"), "broken"}).str == "1";
}

}  // namespace lithops::multiprocessing
