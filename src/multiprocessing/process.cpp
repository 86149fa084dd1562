// Process: one call on the context's executor, plus a Redis control channel (keys `info`:
// the worker's pid and host; `signal`: TERM, KILL, or the guard's own `exit`).
#include "lithops/multiprocessing/process.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <fmt/format.h>

#include "core/build_id.hpp"
#include "util/log.hpp"

namespace lithops::multiprocessing {

namespace detail {

struct ProcessState {
  std::string name;
  bool daemon = false;
  Context ctx;
  ProcessStarter starter;
  bool started = false;
  Future<void> future;
  std::optional<Created> control;  // set at start when Redis is configured
  std::string no_control_reason;

  explicit ProcessState(Context c) : ctx(std::move(c)) {}
};

void ProcessStateDelete::operator()(ProcessState* s) const noexcept { delete s; }

struct ProcessGuard::Impl {
  RedisLink link;
  std::shared_ptr<std::atomic<bool>> armed = std::make_shared<std::atomic<bool>>(true);
  std::thread watcher;
};

namespace {
// Signals this worker process as a terminate/kill asks, unless the guard was disarmed: a
// watcher left behind must never hit the next call this worker runs.
void obey(const std::string& what, const std::atomic<bool>& armed) {
  if (!armed.load()) return;
  if (what == "TERM") ::kill(::getpid(), SIGTERM);
  else if (what == "KILL") ::kill(::getpid(), SIGKILL);
}
}  // namespace

// Best effort: without Redis the target still runs; only terminate, kill and pid are lost.
ProcessGuard::ProcessGuard(const ProcessControl& control) {
  if (!control.enabled) return;
  auto impl = std::make_unique<Impl>();
  impl->link = control.link;
  const RedisLink& l = impl->link;
  const std::string info = l.key("info"), sig = l.key("signal");
  try {
    write(l, {"HSET", info, "pid", std::to_string(::getpid()), "host", lithops::detail::host_name()}, {info});
    // A signal sent before the call started is obeyed before the target runs at all.
    if (Reply early = command(l, {"LPOP", sig}); !early.is_nil()) obey(early.str, *impl->armed);
  } catch (const std::exception& e) {
    lithops::detail::log_warn("multiprocessing: {} runs without its control channel (no terminate, kill or pid): {}",
                              l.prefix, e.what());
    return;
  }
  impl->watcher = std::thread([l, sig, armed = impl->armed] {
    try {
      Reply r = blocking(l, {"BLPOP", sig}, std::nullopt);
      obey(r.elements.at(1).str, *armed);
    } catch (const std::exception& e) {
      lithops::detail::log_warn("multiprocessing: process control channel {} failed: {}", l.prefix, e.what());
    }
  });
  impl_ = impl.release();
}

ProcessGuard::~ProcessGuard() {
  if (!impl_) return;
  std::unique_ptr<Impl> impl(impl_);
  impl->armed->store(false);
  try {
    const std::string sig = impl->link.key("signal");
    write(impl->link, {"RPUSH", sig, "exit"}, {sig});  // wakes the watcher
    impl->watcher.join();
  } catch (const std::exception& e) {
    lithops::detail::log_warn("multiprocessing: cannot stop the control channel of {}: {}", impl->link.prefix, e.what());
    impl->watcher.detach();  // disarmed: it ends at its next reply, or with the process
  }
}

}  // namespace detail

namespace {
std::atomic<unsigned> g_process_count{0};

[[noreturn]] void not_started(const char* what) {
  throw StateError(fmt::format("lithops::mp::Process::{}: the process has not been started", what));
}
}  // namespace

void Process::init(ProcessOptions options, detail::ProcessStarter starter) {
  s_.reset(new detail::ProcessState(options.context ? *options.context : default_context()));
  s_->name = options.name.empty() ? fmt::format("Process-{}", ++g_process_count) : std::move(options.name);
  s_->daemon = options.daemon;
  s_->starter = std::move(starter);
}

Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    finish();
    s_ = std::move(other.s_);
  }
  return *this;
}

Process::~Process() { finish(); }

void Process::finish() noexcept {
  if (!s_ || !s_->started) return;
  try {
    if (s_->daemon && is_alive() && s_->control) terminate();
    s_->future.wait();
  } catch (const std::exception& e) {
    lithops::detail::log_warn("multiprocessing: {}: {}", s_->name, e.what());
  }
}

void Process::start() {
  if (s_->started) throw StateError(fmt::format("lithops::mp::Process::start: {} was started already", s_->name));
  detail::ProcessControl control;
  try {
    s_->control = detail::create(s_->ctx, "process", {"info", "signal"});
    control.enabled = true;
    control.link = s_->control->link;
  } catch (const ConfigError& e) {  // runs without: only terminate, kill and pid need it
    s_->no_control_reason = e.what();
  }
  s_->future = s_->starter(s_->ctx.executor(), control);
  s_->started = true;
}

void Process::join(Timeout timeout) {
  if (!s_->started) not_started("join");
  if (timeout) s_->future.wait_for(*timeout);
  else s_->future.wait();
}

bool Process::is_alive() const { return s_->started && !s_->future.done(); }

std::optional<int> Process::exitcode() const {
  if (!s_->started || !s_->future.done()) return std::nullopt;
  try {
    s_->future.get();
    return 0;
  } catch (const WorkerCrashError& e) {
    return e.signal() != 0 ? -e.signal() : e.exit_code();
  } catch (const ExecutionTimeoutError&) {
    return -SIGKILL;
  } catch (const CancelledError&) {
    return -SIGTERM;
  } catch (...) {
    return 1;  // the target threw (or could not run)
  }
}

void Process::signal(const char* which) {
  if (!s_->started) not_started(which[0] == 'T' ? "terminate" : "kill");
  if (!s_->control)
    throw ConfigError(fmt::format("lithops::mp::Process: {} needs Redis to reach the process: {}", s_->name,
                                  s_->no_control_reason));
  if (s_->future.done()) return;
  const detail::RedisLink& l = s_->control->link;
  const std::string sig = l.key("signal");
  detail::write(l, {"RPUSH", sig, which}, {sig});
}

void Process::terminate() { signal("TERM"); }
void Process::kill() { signal("KILL"); }

std::optional<int> Process::pid() const {
  if (!s_->started || !s_->control) return std::nullopt;
  auto r = detail::command(s_->control->link, {"HGET", s_->control->link.key("info"), "pid"});
  if (r.is_nil()) return std::nullopt;
  return std::stoi(r.str);
}

std::optional<std::string> Process::host() const {
  if (!s_->started || !s_->control) return std::nullopt;
  auto r = detail::command(s_->control->link, {"HGET", s_->control->link.key("info"), "host"});
  if (r.is_nil()) return std::nullopt;
  return r.str;
}

const std::string& Process::name() const { return s_->name; }
void Process::set_name(std::string name) { s_->name = std::move(name); }
bool Process::daemon() const { return s_->daemon; }
void Process::set_daemon(bool daemon) {
  if (s_->started) throw StateError(fmt::format("lithops::mp::Process::set_daemon: {} has started", s_->name));
  s_->daemon = daemon;
}
Future<void> Process::future() const { return s_->future; }

}  // namespace lithops::multiprocessing
