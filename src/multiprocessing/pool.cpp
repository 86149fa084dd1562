// Pool: its own executor, a callback thread, and the per-worker set-up its calls carry
// (initializer once per worker process, maxtasksperchild).
#include "lithops/multiprocessing/pool.hpp"

#include <map>
#include <set>
#include <shared_mutex>
#include <thread>
#include <fmt/format.h>

#include "compute/backend_table.hpp"
#include "util/log.hpp"
#include "worker/worker_main.hpp"

namespace lithops::multiprocessing::detail {

std::string new_pool_id() { return random_token(); }

// ---- on the worker ----

namespace {
// Never destroyed: calls may run while static destructors run after an exit() in a call.
std::mutex& setup_mu() {
  static std::mutex& m = *new std::mutex;
  return m;
}
}  // namespace

void PoolSetup::before() const {
  if (!has_initializer) return;
  static auto& done = *new std::set<std::string>;  // pools whose initializer ran in this process
  std::lock_guard lock(setup_mu());  // calls of one worker process run one at a time; this is cheap
  if (done.contains(pool_id)) return;
  auto* table = static_cast<const lithops::detail::FunctionVTable*>(lithops::detail::resolve_code_ref(initializer.vtable));
  void* callable = table->prepare(initializer.state);
  struct Destroy {
    const lithops::detail::FunctionVTable* t;
    void* c;
    ~Destroy() { t->destroy(c); }
  } destroy{table, callable};
  std::string ignored;
  table->invoke(callable, initializer.args, ignored);  // throws what the initializer threw: the call fails with it
  done.insert(pool_id);
}

void PoolSetup::after() const {
  if (max_tasks == 0) return;
  static auto& counts = *new std::map<std::string, std::uint64_t>;
  std::lock_guard lock(setup_mu());
  if (++counts[pool_id] >= max_tasks) {
    counts.erase(pool_id);
    lithops::detail::retire_worker_after_call();
  }
}

// ---- in the client ----

bool ResultCore::wait(lithops::detail::Deadline deadline) {
  if (!wait_calls(deadline)) return false;
  if (!fire) return true;
  std::unique_lock lock(mu);
  if (!deadline) {
    cv.wait(lock, [&] { return fired; });
    return true;
  }
  return cv.wait_until(lock, *deadline, [&] { return fired; });
}

void ResultCore::run_callbacks() noexcept {
  try {
    fire();
  } catch (const std::exception& e) {
    lithops::detail::log_warn("multiprocessing: a Pool callback threw: {}", e.what());
  } catch (...) {
    lithops::detail::log_warn("multiprocessing: a Pool callback threw");
  }
  {
    std::lock_guard lock(mu);
    fired = true;
  }
  cv.notify_all();
}

struct PoolCore::Impl {
  Config config;
  std::shared_mutex run_mu;  // shared: a submission; exclusive: terminate
  std::unique_ptr<FunctionExecutor> executor;
  enum class State { running, closed, terminated } state = State::running;

  std::mutex mu;  // results, callbacks, stop
  std::vector<std::shared_ptr<ResultCore>> results;    // join() waits for these
  std::vector<std::shared_ptr<ResultCore>> callbacks;  // not fired yet
  bool stop = false;
  std::thread callback_thread;

  // Fires the callbacks of results whose calls ended, in the order they end, until stopped
  // with none left.
  void run_callback_thread() {
    for (;;) {
      const auto epoch = lithops::detail::completion_epoch();
      std::vector<std::shared_ptr<ResultCore>> ready;
      {
        std::lock_guard lock(mu);
        for (std::size_t i = 0; i < callbacks.size();) {
          if (callbacks[i]->wait_calls(lithops::detail::Clock::now())) {
            ready.push_back(std::move(callbacks[i]));
            callbacks.erase(callbacks.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            ++i;
          }
        }
        if (ready.empty() && callbacks.empty() && stop) return;
      }
      for (auto& r : ready) r->run_callbacks();
      if (ready.empty()) lithops::detail::wait_for_completion(epoch, std::nullopt, std::chrono::milliseconds(50));
    }
  }
};

PoolCore::PoolCore(Context ctx, std::optional<std::size_t> processes, PoolSetup setup)
    : impl_(std::make_unique<Impl>()), setup_(std::move(setup)) {
  impl_->config = ctx.config();
  const auto& size_key = ::lithops::detail::compute_backend(impl_->config.get_string("lithops.backend")).pool_size_key;
  if (processes && *processes > 0 && !size_key.empty()) impl_->config.set(size_key, *processes);
  impl_->executor = std::make_unique<FunctionExecutor>(impl_->config);
  processes_ = impl_->executor->worker_count();
  impl_->callback_thread = std::thread([this] { impl_->run_callback_thread(); });
}

PoolCore::~PoolCore() {
  terminate();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->callback_thread.join();  // every call is final now: the remaining callbacks run first
}

void PoolCore::submit(const std::function<void(FunctionExecutor&)>& submit) {
  std::shared_lock lock(impl_->run_mu);
  if (impl_->state != Impl::State::running)
    throw StateError(fmt::format("lithops::mp::Pool: the pool is {}; no more work can be submitted",
                                 impl_->state == Impl::State::closed ? "closed" : "terminated"));
  submit(*impl_->executor);
}

void PoolCore::track(const std::shared_ptr<ResultCore>& r) {
  std::lock_guard lock(impl_->mu);
  // Drops results that are done: a long-lived pool does not accumulate them.
  if (impl_->results.size() >= 64 && impl_->results.size() % 64 == 0)
    std::erase_if(impl_->results, [](const auto& x) {
      if (!x->wait_calls(lithops::detail::Clock::now())) return false;
      if (!x->fire) return true;
      std::lock_guard done(x->mu);
      return x->fired;
    });
  impl_->results.push_back(r);
  if (r->fire) impl_->callbacks.push_back(r);
}

void PoolCore::close() {
  std::unique_lock lock(impl_->run_mu);
  if (impl_->state == Impl::State::running) impl_->state = Impl::State::closed;
}

void PoolCore::terminate() {
  std::unique_ptr<FunctionExecutor> gone;
  {
    std::unique_lock lock(impl_->run_mu);
    impl_->state = Impl::State::terminated;
    gone = std::move(impl_->executor);
  }
  gone.reset();  // kills the workers; calls not final fail with CancelledError
}

void PoolCore::join() {
  {
    std::shared_lock lock(impl_->run_mu);
    if (impl_->state == Impl::State::running)
      throw StateError("lithops::mp::Pool::join: the pool is still running; call close() or terminate() first");
  }
  std::vector<std::shared_ptr<ResultCore>> all;
  {
    std::lock_guard lock(impl_->mu);
    all = impl_->results;
  }
  for (auto& r : all) r->wait(std::nullopt);
}

}  // namespace lithops::multiprocessing::detail
