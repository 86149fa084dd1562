#include "storage/redis/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <fmt/format.h>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

// Idle connections kept beyond this are closed: enough for the usual handful of threads.
constexpr std::size_t kMaxIdle = 16;

// Error replies that say "not now" rather than "no": a retry may succeed.
constexpr std::array<std::string_view, 8> kTransientErrors = {"LOADING", "BUSY",       "TRYAGAIN", "MASTERDOWN",
                                                              "OOM",     "CLUSTERDOWN", "READONLY", "NOREPLICAS"};

timeval to_timeval(std::chrono::microseconds t) {
  return timeval{static_cast<time_t>(t.count() / 1'000'000), static_cast<suseconds_t>(t.count() % 1'000'000)};
}

std::string_view reply_text(const redisReply& r) { return {r.str, r.len}; }

// hiredis writes with write(): to a server that went away, that raises SIGPIPE, which would
// kill the whole program instead of failing one request. Blocks it in this thread while
// hiredis writes and swallows one raised meanwhile; thread-safe, unlike ignoring it process-wide.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    const int saved_errno = errno;  // the caller reports hiredis' failure by it
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved_errno;
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{}, old_{};
  bool was_pending_ = false;
};

bool append_argv(redisContext* ctx, std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data()) == REDIS_OK;
}

[[noreturn]] void throw_reply_error(std::string_view text, const std::string& what) {
  for (auto t : kTransientErrors)
    if (text.starts_with(t)) throw StorageError(fmt::format("lithops: redis {}: {}", what, text));
  throw StorageRequestError(fmt::format("lithops: redis {}: the server refused it: {}", what, text));
}

// Sends what is queued, unless a reply is already buffered, and reads one reply.
int get_reply(redisContext* ctx, void** reply) {
  if (sdslen(ctx->obuf) == 0) return redisGetReply(ctx, reply);
  SigpipeGuard guard;
  return redisGetReply(ctx, reply);
}

}  // namespace

RedisEndpoint redis_endpoint(const Config& config, std::string_view what) {
  RedisEndpoint e;
  e.host = config.get_string("redis.host");
  const auto port = config.get_int("redis.port");
  e.unix_socket = config.get_string("redis.unix_socket");
  e.username = config.get_string("redis.username");
  e.password = config.get_string("redis.password");
  const auto db = config.get_int("redis.db");
  const double timeout = config.get_double("redis.connect_timeout");
  if (e.unix_socket.empty() && e.host.empty())
    throw ConfigError(fmt::format("redis.host: not set, and {} needs a Redis server: set redis.host (and redis.port) "
                                  "or redis.unix_socket in the configuration's redis section",
                                  what));
  if (e.unix_socket.empty() && (port < 1 || port > 65535))
    throw ConfigError(fmt::format("redis.port: {} is not a TCP port (1-65535)", port));
  if (db < 0 || db > 1'000'000) throw ConfigError(fmt::format("redis.db: {} is not a database number", db));
  if (!(timeout > 0 && timeout < 86400))
    throw ConfigError(fmt::format("redis.connect_timeout: {} is not a number of seconds > 0", timeout));
  e.port = static_cast<int>(port);
  e.db = static_cast<int>(db);
  e.timeout = std::chrono::microseconds(static_cast<std::int64_t>(timeout * 1e6));
  return e;
}

RedisScript::RedisScript(std::string_view b) : body(b) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha1(), nullptr);
  for (unsigned int i = 0; i < len; ++i) sha += fmt::format("{:02x}", md[i]);
}

std::string RedisEndpoint::describe() const {
  return unix_socket.empty() ? fmt::format("{}:{}", host, port) : "unix:" + unix_socket;
}

void RedisReplyFree::operator()(redisReply* r) const noexcept { freeReplyObject(r); }
void RedisContextFree::operator()(redisContext* c) const noexcept { redisFree(c); }

RedisContextPtr RedisPool::take(const std::string& what) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      RedisContextPtr ctx = std::move(idle_.back());
      idle_.pop_back();
      return ctx;
    }
  }
  return connect(what);  // outside the lock: connecting may take up to the timeout
}

void RedisPool::give_back(RedisContextPtr ctx) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(ctx));
}

void RedisPool::drop_idle() {
  std::vector<RedisContextPtr> stale;
  std::lock_guard lock(mutex_);
  stale.swap(idle_);
}

RedisContextPtr RedisPool::connect(const std::string& what) {
  const timeval tv = to_timeval(endpoint_.timeout);
  RedisContextPtr ctx(endpoint_.unix_socket.empty()
                          ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv)
                          : redisConnectUnixWithTimeout(endpoint_.unix_socket.c_str(), tv));
  if (!ctx) throw StorageError(fmt::format("lithops: redis {}: cannot allocate a connection", what));
  if (ctx->err || redisSetTimeout(ctx.get(), tv) != REDIS_OK)
    throw StorageError(fmt::format("lithops: redis {}: cannot connect to {}: {}", what, endpoint_.describe(),
                                   ctx->errstr));
  // Worker processes are spawned from this one: they must not inherit (and keep open) its connections.
  ::fcntl(ctx->fd, F_SETFD, ::fcntl(ctx->fd, F_GETFD) | FD_CLOEXEC);
  if (endpoint_.unix_socket.empty()) redisEnableKeepAlive(ctx.get());  // notice a vanished server early

  // Any failure here throws and frees the context: only a fully set-up one reaches the pool.
  auto setup = [&](std::initializer_list<std::string_view> args, bool credentials) {
    append_argv(ctx.get(), std::span(args.begin(), args.size()));
    void* raw = nullptr;
    if (get_reply(ctx.get(), &raw) != REDIS_OK)
      throw StorageError(fmt::format("lithops: redis {}: {}: {}", what, endpoint_.describe(), ctx->errstr));
    RedisReply r(static_cast<redisReply*>(raw));
    if (r->type != REDIS_REPLY_ERROR) return;
    if (credentials)  // the reply never contains the password, and neither does this message
      throw StorageRequestError(fmt::format("lithops: redis {}: {} refused the credentials{}: {}", what,
                                            endpoint_.describe(),
                                            endpoint_.username.empty() ? "" : " of user '" + endpoint_.username + "'",
                                            reply_text(*r)));
    throw_reply_error(reply_text(*r), fmt::format("{} ({})", what, endpoint_.describe()));
  };
  if (!endpoint_.username.empty()) setup({"AUTH", endpoint_.username, endpoint_.password}, true);
  else if (!endpoint_.password.empty()) setup({"AUTH", endpoint_.password}, true);
  if (endpoint_.db != 0) setup({"SELECT", std::to_string(endpoint_.db)}, false);
  log_debug("redis: connected to {}", endpoint_.describe());
  return ctx;
}

RedisConnection::RedisConnection(RedisPool& pool, std::string what)
    : pool_(pool), what_(std::move(what)), ctx_(pool.take(what_)) {}

RedisConnection::RedisConnection(RedisPool& pool, std::string what, RedisContextPtr ctx, int owed)
    : pool_(pool), what_(std::move(what)), ctx_(std::move(ctx)), pending_(owed) {}

RedisContextPtr RedisConnection::send_and_detach(int& owed) {
  if (!ctx_) throw StorageError(fmt::format("lithops: redis {}: the connection failed earlier", what_));
  for (int done = 0; !done;) {
    if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) {
      std::string err = ctx_->errstr;
      ctx_.reset();
      pool_.drop_idle();
      throw StorageError(
          fmt::format("lithops: redis {}: connection to {} failed: {}", what_, pool_.endpoint().describe(), err));
    }
  }
  owed = pending_;
  pending_ = 0;
  return std::move(ctx_);
}

RedisConnection::~RedisConnection() {
  if (ctx_ && ctx_->err == 0 && pending_ == 0) pool_.give_back(std::move(ctx_));
}

void RedisConnection::append(std::span<const std::string_view> args) {
  if (!ctx_) throw StorageError(fmt::format("lithops: redis {}: the connection failed earlier", what_));
  if (!append_argv(ctx_.get(), args))
    throw StorageError(fmt::format("lithops: redis {}: cannot queue a command: {}", what_, ctx_->errstr));
  ++pending_;
}

RedisReply RedisConnection::reply() {
  if (!ctx_) throw StorageError(fmt::format("lithops: redis {}: the connection failed earlier", what_));
  void* raw = nullptr;
  if (get_reply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
    const int saved_errno = errno;
    std::string err = ctx_->err ? ctx_->errstr : "no reply";
    if (ctx_->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK))  // SO_RCVTIMEO
      err = fmt::format("no reply within {} s (redis.connect_timeout)",
                        std::chrono::duration<double>(pool_.endpoint().timeout).count());
    ctx_.reset();      // a broken context is never reused
    pool_.drop_idle();  // most likely the server restarted: the idle ones are broken too
    throw StorageError(fmt::format("lithops: redis {}: connection to {} failed: {}", what_,
                                   pool_.endpoint().describe(), err));
  }
  --pending_;
  return RedisReply(static_cast<redisReply*>(raw));
}

RedisReply RedisConnection::call(std::initializer_list<std::string_view> args) {
  append(args);
  RedisReply r = reply();
  if (r->type == REDIS_REPLY_ERROR) fail(*r);
  return r;
}

RedisReply RedisConnection::eval(const RedisScript& s, std::span<const std::string_view> keys,
                                 std::span<const std::string_view> args) {
  const std::string nkeys = std::to_string(keys.size());
  auto call = [&](bool by_sha) {
    std::vector<std::string_view> v{by_sha ? "EVALSHA" : "EVAL", by_sha ? std::string_view(s.sha) : s.body, nkeys};
    v.insert(v.end(), keys.begin(), keys.end());
    v.insert(v.end(), args.begin(), args.end());
    append(v);
    return reply();
  };
  RedisReply r = call(true);
  if (r->type == REDIS_REPLY_ERROR && reply_text(*r).starts_with("NOSCRIPT")) r = call(false);
  if (r->type == REDIS_REPLY_ERROR) fail(*r);
  return r;
}

void RedisConnection::fail(const redisReply& error) const { throw_reply_error(reply_text(error), what_); }

}  // namespace lithops::detail
