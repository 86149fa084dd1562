#pragma once
/// @file multiprocessing/detail/redis_link.hpp
/// How the shared primitives reach their state in Redis, from the client and from calls on any
/// backend. hiredis stays inside the library: replies are copied into `Reply`.
#include <algorithm>
#include <chrono>
#include <functional>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/serialization.hpp"

namespace lithops::multiprocessing::detail {

/// A Redis reply, copied out of hiredis.
struct Reply {
  enum class Type { nil, integer, string, status, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;
  std::vector<Reply> elements;
  bool is_nil() const noexcept { return type == Type::nil; }
};

/// Where one shared object lives: the Redis server and the prefix of the object's keys. It
/// travels (serialized) inside the object to the calls that use it, so a call on any host
/// reaches the same keys; `redis.host` must therefore name an address every host can reach.
struct RedisLink {
  std::string host;
  std::int32_t port = 6379;
  std::string unix_socket;
  std::string username;
  std::string password;
  std::int32_t db = 0;
  double connect_timeout = 5;       ///< seconds, as redis.connect_timeout
  std::int64_t expiry_ms = 3600000; ///< every write sets this expiry on the keys it touches
  std::string prefix;               ///< "lithops.mp/<context id>/<kind>-<n>"

  /// `<prefix>:<part>`: one of the object's keys.
  std::string key(std::string_view part) const { return prefix + ":" + std::string(part); }
  std::string expiry() const { return std::to_string(expiry_ms); }

  template <class A>
  void serialize(A& ar) {
    ar(host, port, unix_socket, username, password, db, connect_timeout, expiry_ms, prefix);
  }
};

/// One command. @throws StorageError when Redis cannot be reached, StorageRequestError when it
/// refuses the command.
Reply command(const RedisLink& link, std::span<const std::string_view> args);
inline Reply command(const RedisLink& link, std::initializer_list<std::string_view> args) {
  return command(link, std::span(args.begin(), args.size()));
}

/// One command, then the expiry of each key in `touched` renewed, in one round trip: what
/// every write does, so that keys a killed client leaves behind go after the expiry.
Reply write(const RedisLink& link, std::span<const std::string_view> args,
            std::initializer_list<std::string_view> touched);
inline Reply write(const RedisLink& link, std::initializer_list<std::string_view> args,
                   std::initializer_list<std::string_view> touched) {
  return write(link, std::span(args.begin(), args.size()), touched);
}

/// A Lua script (by digest; sent whole only when the server does not know it). The script gets
/// the expiry in ms as ARGV[1], then `args`; it must PEXPIRE the keys it writes. `body` must
/// have static storage (a string literal): scripts are cached by its address.
Reply script(const RedisLink& link, std::string_view body, std::initializer_list<std::string_view> keys,
             std::initializer_list<std::string_view> args = {});

/// As write, without waiting for the replies ("posted"): Queue.put, whose items a thread
/// then gets from another connection in one round trip instead of two. The commands are on
/// their way to Redis when it returns, and a thread's posted commands share one connection,
/// so they run in the order posted. This thread's next command (other than a blocking one,
/// which tolerates any order) first reads their replies: it sees its own writes, and a posted
/// command's error is thrown there, naming it.
void post(const RedisLink& link, std::span<const std::string_view> args, std::initializer_list<std::string_view> touched,
          std::string_view what);

/// A script, posted (see post): Lock.release by the thread that acquired it, which cannot be
/// refused. A reply of 0 (the script refused) is thrown as StateError("`what`: released too
/// many times") when read.
void post_script(const RedisLink& link, std::string_view body, std::initializer_list<std::string_view> keys,
                 std::initializer_list<std::string_view> args, std::string_view what);

/// Reads the replies of this thread's posted commands (see post). @throws what they failed with
void settle_posted();

/// A blocking command whose last argument is its timeout in seconds (BLPOP, BLMOVE, ...),
/// given here without it. Waits up to `timeout` (forever when nullopt) and returns the nil
/// reply when it ran out. Long waits are cut into slices, so that no single reply is awaited
/// longer than the connection's own timeout allows.
Reply blocking(const RedisLink& link, std::initializer_list<std::string_view> args, Timeout timeout);

/// `release()` as a lock guard's destructor needs it: without throwing. A Redis failure is
/// retried twice (a release whose reply was lost may have happened, so "not held" on a retry
/// counts as done); if it still fails, the error is logged: throwing from a destructor would
/// end the program.
void unlock_for_guard(const std::function<void()>& release, const char* what) noexcept;

/// A deadline for loops of waits: what is left of the timeout each time.
class Deadline {
 public:
  explicit Deadline(Timeout timeout)
      : at_(timeout ? std::optional(std::chrono::steady_clock::now() +
                                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(*timeout))
                    : std::nullopt) {}
  /// nullopt: no limit; otherwise never negative.
  Timeout left() const {
    if (!at_) return std::nullopt;
    return std::max(std::chrono::duration<double>(*at_ - std::chrono::steady_clock::now()),
                    std::chrono::duration<double>(0));
  }

 private:
  std::optional<std::chrono::steady_clock::time_point> at_;
};

/// Waits until the list `key` is not empty, consuming nothing (BLMOVE of the list onto itself:
/// the head goes back where it was). False when the timeout ran out. What a take that must be
/// one atomic script waits with: it then runs the script, and waits again if another client
/// was faster. (A BLPOP followed by a second command could lose what it popped if the client
/// died or failed between the two.)
bool wait_nonempty(const RedisLink& link, const std::string& key, Timeout timeout);

/// The keys of one object, in the process that created it. Shared by the object's copies
/// there: while one exists their expiry is renewed (so an object may stay idle for longer
/// than the expiry); when the last goes, the keys are deleted.
class Owner;

struct Created {
  RedisLink link;
  std::shared_ptr<Owner> owner;
};

/// Makes a new object's identity in `ctx`: its link (prefix `<context>/<kind>-<n>`) and the
/// owner of the keys `<prefix>:<part>` for each of `parts`.
/// @throws ConfigError when the configuration has no Redis server.
Created create(Context& ctx, std::string_view kind, std::initializer_list<std::string_view> parts);

/// A fresh random token (16 hex digits): waiter and owner identities.
std::string random_token();

/// The process-wide identity of the calling thread ("<host>:<pid>:<thread>"): owner of an
/// RLock.
std::string thread_identity();

}  // namespace lithops::multiprocessing::detail
