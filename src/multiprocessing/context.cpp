// Multiprocessing contexts: configuration, the executor Processes run on, and the keeper
// that renews the expiry of the keys of every object alive in this process.
#include "lithops/multiprocessing/context.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <fmt/format.h>

#include "executor/executor_core.hpp"
#include "lithops/executor.hpp"
#include "lithops/multiprocessing/detail/redis_link.hpp"
#include "storage/redis/redis_connection.hpp"
#include "util/log.hpp"

namespace lithops::multiprocessing {

namespace detail {

struct ContextState {
  // An executor id plus 32 random bits: session ids are only 24 bits, and two programs that
  // share a Redis must never share a namespace (one would delete the other's keys).
  explicit ContextState(Config c)
      : config(std::move(c)), id(lithops::detail::next_executor_id() + "-" + random_token().substr(0, 8)) {}
  ~ContextState() {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    wake.notify_all();
    if (keeper.joinable()) keeper.join();
  }

  RedisLink base_link(std::string_view kind);
  void keep(const Owner* o, std::vector<std::string> keys);
  void forget(const Owner* o);
  void keep_alive();

  const Config config;
  const std::string id;
  std::mutex mu;
  std::mutex executor_mu;  // only for making the executor: that may take minutes (Slurm)
  std::unique_ptr<FunctionExecutor> executor;
  std::optional<RedisLink> base;
  std::uint64_t next_object = 0;
  std::map<const Owner*, std::vector<std::string>> live;
  std::condition_variable wake;
  bool stop = false;
  std::thread keeper;
};

class Owner {
 public:
  Owner(std::shared_ptr<ContextState> ctx, RedisLink link, std::vector<std::string> keys)
      : ctx_(std::move(ctx)), link_(std::move(link)), keys_(std::move(keys)) {
    ctx_->keep(this, keys_);
  }
  ~Owner() {
    ctx_->forget(this);
    try {
      std::vector<std::string_view> del{"DEL"};
      del.insert(del.end(), keys_.begin(), keys_.end());
      command(link_, del);
    } catch (const std::exception& e) {  // the expiry removes them later
      lithops::detail::log_warn("multiprocessing: could not delete {}: {}", link_.prefix, e.what());
    }
  }
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;

 private:
  std::shared_ptr<ContextState> ctx_;  // the keeper must outlive its owners
  RedisLink link_;
  std::vector<std::string> keys_;
};

RedisLink ContextState::base_link(std::string_view kind) {
  std::lock_guard lock(mu);
  if (!base) {
    auto e = lithops::detail::redis_endpoint(config, fmt::format("the multiprocessing {}", kind));
    const double expiry = config.get_double("multiprocessing.expiry");
    if (!(expiry >= 1)) throw ConfigError(fmt::format("multiprocessing.expiry: {} is not a number of seconds >= 1", expiry));
    RedisLink l;
    l.host = e.host;
    l.port = e.port;
    l.unix_socket = e.unix_socket;
    l.username = e.username;
    l.password = e.password;
    l.db = e.db;
    l.connect_timeout = std::chrono::duration<double>(e.timeout).count();
    l.expiry_ms = static_cast<std::int64_t>(expiry * 1000);
    l.prefix = "lithops.mp/" + id;
    base = std::move(l);
  }
  RedisLink l = *base;
  l.prefix = fmt::format("{}/{}-{}", base->prefix, kind, next_object++);
  return l;
}

void ContextState::keep(const Owner* o, std::vector<std::string> keys) {
  std::lock_guard lock(mu);
  live.emplace(o, std::move(keys));
  if (!keeper.joinable()) keeper = std::thread([this] { keep_alive(); });
}

void ContextState::forget(const Owner* o) {
  std::lock_guard lock(mu);
  live.erase(o);
}

// Renews the expiry of the live objects' keys three times per expiry period, so an idle
// object never lapses while a copy of it exists here, and a killed client's keys go within
// one period.
void ContextState::keep_alive() {
  std::unique_lock lock(mu);
  const auto period = std::chrono::milliseconds(base->expiry_ms / 3);
  while (!wake.wait_for(lock, period, [&] { return stop; })) {
    std::vector<std::string> keys;
    for (const auto& [o, ks] : live) keys.insert(keys.end(), ks.begin(), ks.end());
    const RedisLink link = *base;
    lock.unlock();
    try {
      // One script for all: a single round trip however many objects there are.
      static constexpr std::string_view kRenew =
          "for i, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ARGV[1]) end return #KEYS";
      for (std::size_t i = 0; i < keys.size(); i += 512) {
        std::vector<std::string_view> batch(keys.begin() + static_cast<std::ptrdiff_t>(i),
                                            keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), i + 512)));
        const std::string nkeys = std::to_string(batch.size());
        const std::string ms = link.expiry();
        std::vector<std::string_view> argv{"EVAL", kRenew, nkeys};
        argv.insert(argv.end(), batch.begin(), batch.end());
        argv.push_back(ms);
        command(link, argv);
      }
    } catch (const std::exception& e) {
      lithops::detail::log_warn("multiprocessing: could not renew the expiry of shared objects: {}", e.what());
    }
    lock.lock();
  }
}

Created create(Context& ctx, std::string_view kind, std::initializer_list<std::string_view> parts) {
  Created c;
  c.link = ctx.state()->base_link(kind);
  std::vector<std::string> keys;
  for (auto p : parts) keys.push_back(c.link.key(p));
  c.owner = std::make_shared<Owner>(ctx.state(), c.link, std::move(keys));
  return c;
}

}  // namespace detail

Context::Context() : Context(Config::load()) {}
Context::Context(Config config) : s_(std::make_shared<detail::ContextState>(std::move(config))) {}

const Config& Context::config() const { return s_->config; }
const std::string& Context::id() const { return s_->id; }

FunctionExecutor& Context::executor() {
  std::lock_guard lock(s_->executor_mu);  // not mu: the keeper and new objects go on meanwhile
  if (!s_->executor) s_->executor = std::make_unique<FunctionExecutor>(s_->config);
  return *s_->executor;
}

std::size_t Context::cpu_count() { return executor().worker_count(); }

namespace {
std::mutex g_default_mu;
std::optional<Config> g_default_config;
bool g_default_made = false;
}  // namespace

Context& default_context() {
  static Context ctx = [] {
    std::lock_guard lock(g_default_mu);
    g_default_made = true;
    return g_default_config ? Context(*g_default_config) : Context();
  }();
  return ctx;
}

void set_default_config(Config config) {
  std::lock_guard lock(g_default_mu);
  if (g_default_made)
    throw Error("lithops::mp::set_default_config: the default context is already in use; call it before making "
                "any Pool, Process or shared object without a context");
  g_default_config = std::move(config);
}

std::size_t cpu_count() { return default_context().cpu_count(); }

}  // namespace lithops::multiprocessing
