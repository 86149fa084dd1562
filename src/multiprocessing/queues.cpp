// Queues and pipes in Redis.
//
// Queue: `items` is a list (RPUSH / BLPOP). A bounded queue also has `slots`, a list holding
// one token per free place: put takes a token and pushes in one script, get pops and gives a
// token back in one script; while there is none they wait in Redis (wait_nonempty), not in a
// sleep loop.
// JoinableQueue adds `unfinished` (a counter) and `done`, a list holding one token while the
// counter is zero: join is BLMOVE done -> done, which leaves the token for every other joiner.
//
// Pipe: one list per direction; recv is BLPOP, poll is BLMOVE of the list onto itself (the
// head goes back where it was: a wait that consumes nothing).
#include <fmt/format.h>

#include "lithops/multiprocessing/connection.hpp"
#include "lithops/multiprocessing/queues.hpp"

namespace lithops::multiprocessing::detail {

namespace {

// KEYS: slots, done. ARGV: expiry, maxsize, joinable.
constexpr std::string_view kInit = R"lua(
local n = tonumber(ARGV[2])
if n > 0 then
  local batch = {}
  for i = 1, math.min(n, 1000) do batch[i] = '1' end
  while n >= 1000 do redis.call('RPUSH', KEYS[1], unpack(batch)); n = n - 1000 end
  if n > 0 then redis.call('RPUSH', KEYS[1], unpack(batch, 1, n)) end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
if ARGV[3] == '1' then
  redis.call('RPUSH', KEYS[2], '1')
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return 1
)lua";

// KEYS: items, slots, unfinished, done. ARGV: expiry, item, joinable, take a slot first.
// Returns 0 when there is no free slot.
constexpr std::string_view kPut = R"lua(
if ARGV[4] == '1' then
  if not redis.call('LPOP', KEYS[2]) then return 0 end
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if ARGV[3] == '1' then
  if redis.call('INCR', KEYS[3]) == 1 then redis.call('DEL', KEYS[4]) end
  redis.call('PEXPIRE', KEYS[3], ARGV[1])
end
return 1
)lua";

// KEYS: items, slots. ARGV: expiry. A bounded queue's get_nowait.
constexpr std::string_view kGetBounded = R"lua(
local v = redis.call('LPOP', KEYS[1])
if not v then return false end
redis.call('RPUSH', KEYS[2], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return v
)lua";

// KEYS: unfinished, done. ARGV: expiry. Returns the tasks left, or -1 when none was unfinished.
constexpr std::string_view kTaskDone = R"lua(
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 0 then return -1 end
n = redis.call('DECR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if n == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('RPUSH', KEYS[2], '1')
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return n
)lua";

std::string item_of(const Reply& blpop) { return blpop.elements.at(1).str; }

}  // namespace

namespace queue {

Created make(Context& ctx, std::size_t maxsize, bool joinable) {
  Created c = joinable ? create(ctx, "joinablequeue", {"items", "slots", "unfinished", "done"})
                       : maxsize ? create(ctx, "queue", {"items", "slots"})
                                 : create(ctx, "queue", {"items"});
  if (maxsize || joinable)
    script(c.link, kInit, {c.link.key("slots"), c.link.key("done")},
           {std::to_string(maxsize), joinable ? "1" : "0"});
  return c;
}

void put(const RedisLink& link, std::string_view item, std::size_t maxsize, bool joinable, bool block,
         Timeout timeout) {
  const std::string items = link.key("items");
  if (!maxsize && !joinable) {
    // Nothing can refuse it: posted, as Python's put hands the item to a feeder thread. A get
    // (BLPOP) that follows is then one round trip, not two.
    const std::string_view push[] = {"RPUSH", items, item};
    post(link, push, {items}, "Queue.put");
    return;
  }
  const std::string slots = link.key("slots"), unfinished = link.key("unfinished"), done = link.key("done");
  const std::string_view j = joinable ? "1" : "0";
  // Taking the slot and pushing the item are one script, so a putter that fails or dies
  // never takes a slot with it.
  const Deadline deadline(timeout);
  while (script(link, kPut, {items, slots, unfinished, done}, {item, j, maxsize ? "1" : "0"}).integer != 1) {
    if (!block || !wait_nonempty(link, slots, deadline.left()))
      throw Full(fmt::format("lithops::mp::Queue::put: the queue is full ({} items)", maxsize));
  }
}

std::string get(const RedisLink& link, std::size_t maxsize, bool block, Timeout timeout) {
  const std::string items = link.key("items");
  if (!block) {
    Reply r = maxsize ? script(link, kGetBounded, {items, link.key("slots")}) : command(link, {"LPOP", items});
    if (r.is_nil()) throw Empty("lithops::mp::Queue::get: the queue is empty");
    return std::move(r.str);
  }
  if (!maxsize) {
    Reply r = blocking(link, {"BLPOP", items}, timeout);
    if (r.is_nil()) throw Empty("lithops::mp::Queue::get: nothing arrived within the timeout");
    return item_of(r);
  }
  // Bounded: taking the item and giving its slot back are one script (see put).
  const Deadline deadline(timeout);
  for (;;) {
    Reply r = script(link, kGetBounded, {items, link.key("slots")});
    if (!r.is_nil()) return std::move(r.str);
    if (!wait_nonempty(link, items, deadline.left()))
      throw Empty("lithops::mp::Queue::get: nothing arrived within the timeout");
  }
}

std::size_t size(const RedisLink& link) {
  return static_cast<std::size_t>(command(link, {"LLEN", link.key("items")}).integer);
}

bool full(const RedisLink& link, std::size_t) { return command(link, {"EXISTS", link.key("slots")}).integer == 0; }

void task_done(const RedisLink& link) {
  if (script(link, kTaskDone, {link.key("unfinished"), link.key("done")}).integer < 0)
    throw StateError("lithops::mp::JoinableQueue::task_done: called more times than there were items");
}

bool join(const RedisLink& link, Timeout timeout) {
  const std::string done = link.key("done");
  return !blocking(link, {"BLMOVE", done, done, "LEFT", "RIGHT"}, timeout).is_nil();
}

}  // namespace queue

namespace pipe {

Created make(Context& ctx, bool duplex) {
  return duplex ? create(ctx, "pipe", {"a", "b"}) : create(ctx, "pipe", {"a"});
}

void send(const RedisLink& link, std::string_view part, std::string_view bytes) {
  const std::string key = link.key(part);
  write(link, {"RPUSH", key, bytes}, {key});
}

std::string recv(const RedisLink& link, std::string_view part, Timeout timeout) {
  Reply r = blocking(link, {"BLPOP", link.key(part)}, timeout);
  if (r.is_nil()) throw TimeoutError("lithops::mp::Connection::recv: nothing arrived within the timeout");
  return item_of(r);
}

bool poll(const RedisLink& link, std::string_view part, Timeout timeout) {
  const std::string key = link.key(part);
  if (timeout && timeout->count() <= 0) return command(link, {"EXISTS", key}).integer != 0;
  return !blocking(link, {"BLMOVE", key, key, "LEFT", "LEFT"}, timeout).is_nil();
}

}  // namespace pipe

}  // namespace lithops::multiprocessing::detail
