// The multiprocessing primitives' access to Redis: one pool of connections per server per
// process, shared by every object that lives there, and a second pool for blocking commands,
// whose replies may take a whole wait slice.
#include "lithops/multiprocessing/detail/redis_link.hpp"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <optional>
#include <map>
#include <mutex>
#include <random>
#include <fmt/format.h>

#include "core/build_id.hpp"
#include "lithops/multiprocessing/context.hpp"
#include "util/log.hpp"
#include "storage/redis/redis_connection.hpp"

namespace lithops::multiprocessing::detail {

namespace {

using lithops::detail::RedisConnection;
using lithops::detail::RedisContextPtr;
using lithops::detail::RedisEndpoint;
using lithops::detail::RedisPool;
using lithops::detail::RedisScript;

// A blocking command waits at most this long per reply; longer waits are repeated slices.
constexpr double kSliceSeconds = 2.0;

struct Pools {
  RedisPool quick;
  RedisPool blocking;
  Pools(RedisEndpoint e, RedisEndpoint b) : quick(std::move(e)), blocking(std::move(b)) {}
};

// Never destroyed: a worker's calls may still use them while static destructors run after an
// exit() in a call.
Pools& pools_for(const RedisLink& link) {
  static std::mutex& mu = *new std::mutex;
  static auto& all = *new std::map<std::string, std::unique_ptr<Pools>>;
  const std::string id = fmt::format("{}|{}|{}|{}|{}|{}|{}", link.host, link.port, link.unix_socket, link.username,
                                     link.password, link.db, link.connect_timeout);
  std::lock_guard lock(mu);
  auto& p = all[id];
  if (!p) {
    RedisEndpoint e;
    e.host = link.host;
    e.port = link.port;
    e.unix_socket = link.unix_socket;
    e.username = link.username;
    e.password = link.password;
    e.db = link.db;
    e.timeout = std::chrono::microseconds(static_cast<std::int64_t>(link.connect_timeout * 1e6));
    RedisEndpoint b = e;
    b.timeout += std::chrono::microseconds(static_cast<std::int64_t>(kSliceSeconds * 1e6));
    p = std::make_unique<Pools>(std::move(e), std::move(b));
  }
  return *p;
}

Reply copy(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; out.integer = r.integer; break;
    case REDIS_REPLY_STRING: out.type = Reply::Type::string; out.str.assign(r.str, r.len); break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::status; out.str.assign(r.str, r.len); break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(copy(*r.element[i]));
      break;
    default: break;  // nil
  }
  return out;
}

std::string what_of(const RedisLink& link, std::string_view cmd) { return fmt::format("{} {}", cmd, link.prefix); }

// This thread's posted commands: the connection they went out on, and what each reply must
// be checked for. Replies pile up in the socket (a few bytes each) until the thread's next
// non-blocking command, or until kMaxOwed of them, when they are read.
constexpr int kMaxOwed = 64;
struct Owed {
  std::string what;
  bool refusable = false;  // a release script: 0 means "released too many times"
  int replies = 1;
};
struct Posted {
  Pools* pools = nullptr;  // never destroyed (pools_for)
  RedisContextPtr ctx;     // dropped unread at thread exit: the commands were sent already
  int owed = 0;
  std::vector<Owed> checks;
};
thread_local Posted t_posted;

void append_posted(Pools& pools, const std::string& what, const std::function<void(RedisConnection&)>& append,
                   Owed check) {
  if (t_posted.ctx && (t_posted.pools != &pools || t_posted.owed >= kMaxOwed)) settle_posted();
  RedisConnection c = t_posted.ctx ? RedisConnection(pools.quick, what, std::move(t_posted.ctx), t_posted.owed)
                                   : RedisConnection(pools.quick, what);
  append(c);
  t_posted.ctx = c.send_and_detach(t_posted.owed);
  t_posted.pools = &pools;
  t_posted.checks.push_back(std::move(check));
}

}  // namespace

void settle_posted() {
  if (!t_posted.ctx) return;
  Posted p = std::exchange(t_posted, Posted{});
  RedisConnection c(p.pools->quick, p.checks.front().what, std::move(p.ctx), p.owed);
  // Every reply is read before anything is thrown: the connection goes back to the pool clean.
  std::optional<std::string> error;
  bool refused = false;
  std::string failed;
  for (const Owed& o : p.checks) {
    for (int k = 0; k < o.replies; ++k) {
      auto r = c.reply();
      if (error || refused) continue;
      if (r->type == REDIS_REPLY_ERROR) error = std::string(r->str, r->len), failed = o.what;
      else if (k == 0 && o.refusable && r->type == REDIS_REPLY_INTEGER && r->integer == 0) refused = true, failed = o.what;
    }
  }
  if (error) throw StorageRequestError(fmt::format("lithops: redis {} failed: {}", failed, *error));
  if (refused) throw StateError(fmt::format("{}: released too many times", failed));
}

void post(const RedisLink& link, std::span<const std::string_view> args, std::initializer_list<std::string_view> touched,
          std::string_view what) {
  const std::string ms = link.expiry();
  const std::string name = fmt::format("{} of {}", what, link.prefix);
  append_posted(pools_for(link), name, [&](RedisConnection& c) {
    c.append(args);
    for (auto k : touched) c.append({"PEXPIRE", k, ms});
  }, Owed{name, false, 1 + static_cast<int>(touched.size())});
}

void post_script(const RedisLink& link, std::string_view body, std::initializer_list<std::string_view> keys,
                 std::initializer_list<std::string_view> args, std::string_view what) {
  const std::string ms = link.expiry();
  const std::string nkeys = std::to_string(keys.size());
  // EVAL with the body, not EVALSHA: a NOSCRIPT reply, read later, could not be answered.
  std::vector<std::string_view> argv{"EVAL", body, nkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.push_back(ms);
  argv.insert(argv.end(), args.begin(), args.end());
  append_posted(pools_for(link), std::string(what), [&](RedisConnection& c) { c.append(argv); },
                Owed{std::string(what), true, 1});
}

Reply command(const RedisLink& link, std::span<const std::string_view> args) {
  settle_posted();
  RedisConnection c(pools_for(link).quick, what_of(link, args.empty() ? "" : args[0]));
  c.append(args);
  auto r = c.reply();
  if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
  return copy(*r);
}

Reply write(const RedisLink& link, std::span<const std::string_view> args,
            std::initializer_list<std::string_view> touched) {
  settle_posted();
  RedisConnection c(pools_for(link).quick, what_of(link, args.empty() ? "" : args[0]));
  const std::string ms = link.expiry();
  c.append(args);
  for (auto k : touched) c.append({"PEXPIRE", k, ms});
  auto r = c.reply();
  for (std::size_t i = 0; i < touched.size(); ++i) c.reply();  // read before a throw: the connection stays usable
  if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
  return copy(*r);
}

Reply script(const RedisLink& link, std::string_view body, std::initializer_list<std::string_view> keys,
             std::initializer_list<std::string_view> args) {
  static std::mutex& mu = *new std::mutex;  // never destroyed, as pools_for's
  static auto& scripts = *new std::map<const char*, std::unique_ptr<RedisScript>>;
  const RedisScript* s;
  {
    std::lock_guard lock(mu);
    auto& slot = scripts[body.data()];
    if (!slot) slot = std::make_unique<RedisScript>(body);
    s = slot.get();
  }
  settle_posted();
  const std::string ms = link.expiry();
  std::vector<std::string_view> argv{ms};
  argv.insert(argv.end(), args.begin(), args.end());
  RedisConnection c(pools_for(link).quick, what_of(link, "script"));
  return copy(*c.eval(*s, std::span(keys.begin(), keys.size()), argv));
}

Reply blocking(const RedisLink& link, std::initializer_list<std::string_view> args, Timeout timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = timeout ? Clock::now() + std::chrono::duration_cast<Clock::duration>(*timeout)
                                : Clock::time_point::max();
  std::vector<std::string_view> argv(args.begin(), args.end());
  argv.emplace_back();
  RedisPool& pool = pools_for(link).blocking;
  for (;;) {
    double slice = kSliceSeconds;
    if (timeout) {
      slice = std::min(slice, std::chrono::duration<double>(deadline - Clock::now()).count());
      slice = std::max(slice, 0.001);  // 0 would mean "forever" to Redis
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", slice);
    argv.back() = text;
    RedisConnection c(pool, what_of(link, argv[0]));
    c.append(argv);
    auto r = c.reply();
    if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
    if (r->type != REDIS_REPLY_NIL) return copy(*r);
    if (timeout && Clock::now() >= deadline) return {};
  }
}

void unlock_for_guard(const std::function<void()>& release, const char* what) noexcept {
  for (int attempt = 1;; ++attempt) {
    try {
      release();
      return;
    } catch (const StorageRequestError& e) {  // refused: retrying cannot help
      lithops::detail::log_error("multiprocessing: {} failed: {}", what, e.what());
      return;
    } catch (const StorageError& e) {
      if (attempt == 3) {
        lithops::detail::log_error("multiprocessing: {} failed {} times, the lock may stay held: {}", what, attempt,
                                   e.what());
        return;
      }
    } catch (const StateError& e) {
      if (attempt == 1) lithops::detail::log_error("multiprocessing: {}: {}", what, e.what());
      return;  // on a retry: the lost attempt did release it
    } catch (const std::exception& e) {
      lithops::detail::log_error("multiprocessing: {} failed: {}", what, e.what());
      return;
    }
  }
}

bool wait_nonempty(const RedisLink& link, const std::string& key, Timeout timeout) {
  return !blocking(link, {"BLMOVE", key, key, "LEFT", "LEFT"}, timeout).is_nil();
}

std::string random_token() {
  thread_local std::mt19937_64 gen{std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32)};
  return fmt::format("{:016x}", gen());
}

std::string thread_identity() {
  static std::atomic<unsigned> next{0};
  thread_local const unsigned n = next.fetch_add(1);
  // The pid is read each time: a forked child is another owner than its parent.
  return fmt::format("{}:{}:{}", lithops::detail::host_name(), ::getpid(), n);
}

}  // namespace lithops::multiprocessing::detail
