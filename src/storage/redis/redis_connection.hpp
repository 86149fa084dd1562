#pragma once
// Connections to one Redis server for RedisStorage: a small pool of hiredis contexts (a
// context is not thread-safe, so each operation leases one) and the mapping of failures onto
// the storage error contract. hiredis itself stays in the .cpp files.
#include <chrono>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
namespace lithops { class Config; }
struct redisReply;

namespace lithops::detail {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string unix_socket;  ///< when set, host and port are unused
  std::string username;
  std::string password;
  int db = 0;
  std::chrono::microseconds timeout{5'000'000};  ///< to connect, and for any one reply

  /// "127.0.0.1:6379" or "unix:/path": for messages (never a credential).
  std::string describe() const;
};

/// The `redis` section of a configuration, validated. `what` names the user in the message
/// when no server is configured ("redis storage", "multiprocessing Queue").
/// @throws ConfigError naming the key
RedisEndpoint redis_endpoint(const Config& config, std::string_view what);

/// A Lua script and its SHA-1, by which it is called. Never destroyed once made (see
/// redis_script): a worker's status writer may run one after a call's exit() began.
struct RedisScript {
  std::string_view body;
  std::string sha;
  explicit RedisScript(std::string_view b);
};

struct RedisReplyFree {
  void operator()(redisReply* r) const noexcept;
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyFree>;

struct RedisContextFree {
  void operator()(redisContext* c) const noexcept;
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextFree>;

/// Idle connections to one server. Thread-safe.
class RedisPool {
 public:
  explicit RedisPool(RedisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  const RedisEndpoint& endpoint() const noexcept { return endpoint_; }

  /// An idle connection, or a new one (connected, authenticated, database selected).
  /// @throws StorageError if the server cannot be reached, StorageRequestError if it refuses
  /// the credentials or the database
  RedisContextPtr take(const std::string& what);
  /// Keeps a healthy connection for the next operation.
  void give_back(RedisContextPtr ctx);
  /// Drops every idle connection: after one broke (a server restart), the others are stale.
  void drop_idle();

 private:
  RedisContextPtr connect(const std::string& what);

  RedisEndpoint endpoint_;
  std::mutex mutex_;
  std::vector<RedisContextPtr> idle_;
};

/// One connection leased from the pool for one operation. Commands are pipelined: append any
/// number, then read their replies in order. A connection that failed or still owes replies
/// (an exception mid-pipeline) is closed instead of being returned, so that no later
/// operation ever reads another's reply.
class RedisConnection {
 public:
  /// `what` names the operation, bucket and key in error messages.
  RedisConnection(RedisPool& pool, std::string what);
  /// Takes over a connection handed out by send_and_detach, with the replies it still owes.
  RedisConnection(RedisPool& pool, std::string what, RedisContextPtr ctx, int owed);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Queues one command; arguments are binary-safe.
  void append(std::span<const std::string_view> args);
  void append(std::initializer_list<std::string_view> args) { append(std::span(args.begin(), args.size())); }
  /// The reply of the oldest queued command, error replies included.
  /// @throws StorageError (and closes the connection) on an I/O failure or a timeout
  RedisReply reply();
  /// append + reply, with an error reply turned into an exception (see fail).
  RedisReply call(std::initializer_list<std::string_view> args);
  /// Runs a script by its digest, sending it whole only when the server does not know it
  /// (after a restart or SCRIPT FLUSH). An error reply throws (see fail).
  RedisReply eval(const RedisScript& s, std::span<const std::string_view> keys, std::span<const std::string_view> args);
  /// Writes every queued command to the socket and hands the connection over without reading
  /// the replies; `owed` says how many it owes. The commands reach the server even if the
  /// replies are never read. @throws StorageError if the connection fails
  RedisContextPtr send_and_detach(int& owed);
  /// Throws the error a server error reply stands for: StorageError when retrying may help
  /// (loading, busy, out of memory, read-only replica), StorageRequestError otherwise.
  [[noreturn]] void fail(const redisReply& error) const;
  const std::string& what() const noexcept { return what_; }

 private:
  RedisPool& pool_;
  std::string what_;
  RedisContextPtr ctx_;
  int pending_ = 0;  // replies not read yet
};

}  // namespace lithops::detail
