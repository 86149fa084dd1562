#pragma once
/// @file multiprocessing/pool.hpp
/// `Pool`: Python's multiprocessing.Pool on the configured compute backend.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "lithops/executor.hpp"
#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/shared_object.hpp"
#include "lithops/multiprocessing/detail/tasks.hpp"

namespace lithops::multiprocessing {

/// The callbacks of an async submission (Python's `callback=` and `error_callback=`):
/// `on_result(const T&)` gets the result; `on_error` gets the first error, as
/// `const std::exception&` or `std::exception_ptr`. Either may be nullptr. They run on the
/// pool's callback thread, one at a time, before the result's `wait`/`get`/`ready` report it
/// ready. An exception thrown by a callback is logged and dropped.
template <class OnResult, class OnError = std::nullptr_t>
struct Callbacks {
  OnResult on_result;
  OnError on_error = nullptr;
};
template <class OnResult, class OnError = std::nullptr_t>
Callbacks(OnResult, OnError = nullptr) -> Callbacks<OnResult, OnError>;

/// A pool's initializer and its arguments: `Pool(4, mp::initializer(setup, "db.sqlite"))`.
/// It runs once in each worker process, before the first of the pool's calls there.
template <class F, class... Args>
struct Initializer {
  F f;
  std::tuple<Args...> args;
};
template <class F, class... Args>
Initializer<std::decay_t<F>, lithops::detail::stored_t<Args>...> initializer(F&& f, Args&&... args) {
  return {std::forward<F>(f), {lithops::detail::as_stored(args)...}};
}

namespace detail {

/// The untyped half of an async result: waiting for its calls, and its callbacks having run.
struct ResultCore {
  std::function<bool(lithops::detail::Deadline)> wait_calls;  ///< true when the calls are final
  std::function<void()> fire;                                   ///< runs the callbacks; empty: none
  std::mutex mu;
  std::condition_variable cv;
  bool fired = false;
  std::vector<std::shared_ptr<void>> keep;  ///< owners of the shared objects the calls got

  bool wait(lithops::detail::Deadline deadline);
  void run_callbacks() noexcept;
};

/// The pool's executor, its state (running, closed, terminated), the results join() waits
/// for, and the thread that runs callbacks.
class PoolCore {
 public:
  PoolCore(Context ctx, std::optional<std::size_t> processes, PoolSetup setup);
  ~PoolCore();
  const PoolSetup& setup() const noexcept { return setup_; }
  /// Runs `submit` with the executor. @throws StateError once the pool is closed or terminated.
  void submit(const std::function<void(FunctionExecutor&)>& submit);
  /// join() waits for it; its callbacks, if any, run on the callback thread.
  void track(const std::shared_ptr<ResultCore>& r);
  void close();
  void terminate();
  void join();
  std::size_t processes() const noexcept { return processes_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  PoolSetup setup_;
  std::size_t processes_ = 0;
};

std::string new_pool_id();

template <class T>
constexpr bool is_callbacks_v = false;
template <class A, class B>
constexpr bool is_callbacks_v<Callbacks<A, B>> = true;

template <class E>
void call_on_error(E& on_error, const std::exception_ptr& ep) {
  if constexpr (std::is_invocable_v<E&, const std::exception_ptr&>) {
    on_error(ep);
  } else {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      on_error(e);
    }
  }
}

}  // namespace detail

/// The result of `apply_async` (T = the function's result) or `map_async` (T = the vector of
/// results). Copies share the same result.
template <class T>
class AsyncResult {
 public:
  AsyncResult(std::shared_ptr<detail::ResultCore> core, std::function<T()> value,
              std::function<bool()> succeeded)
      : core_(std::move(core)), value_(std::move(value)), succeeded_(std::move(succeeded)) {}

  /// The result; rethrows the call's error (for a map: the first failed call's, in order).
  /// @throws lithops::TimeoutError when not ready within `timeout`
  T get(Timeout timeout = std::nullopt) const {
    if (!core_->wait(deadline(timeout))) throw TimeoutError("lithops::mp::AsyncResult::get: not ready within the timeout");
    return value_();
  }
  /// Waits until ready, or the timeout.
  void wait(Timeout timeout = std::nullopt) const { core_->wait(deadline(timeout)); }
  /// The calls are final and the callbacks have run.
  bool ready() const { return core_->wait(lithops::detail::Clock::now()); }
  /// Every call succeeded. @throws StateError when not ready yet (Python's ValueError)
  bool successful() const {
    if (!ready()) throw StateError("lithops::mp::AsyncResult::successful: the result is not ready");
    return succeeded_();
  }

 private:
  static lithops::detail::Deadline deadline(Timeout t) {
    if (!t) return std::nullopt;
    return lithops::detail::Clock::now() + std::chrono::duration_cast<lithops::detail::Clock::duration>(*t);
  }
  std::shared_ptr<detail::ResultCore> core_;
  std::function<T()> value_;
  std::function<bool()> succeeded_;
};

/// The lazy iterator of `imap` (results in input order) and `imap_unordered` (in the order
/// the calls end): each result is available as soon as its call ends, while later calls still
/// run. A failed call's error is thrown when its turn comes; iteration may go on after it.
template <class R>
class IMapIterator {
 public:
  IMapIterator(FuturesList<R> fs, bool ordered) : fs_(std::move(fs)), ordered_(ordered) {
    if (!ordered_)
      for (std::size_t i = 0; i < fs_.size(); ++i) pending_.push_back(i);
  }

  /// The next result, or nullopt after the last. @throws lithops::TimeoutError when none is
  /// ready within `timeout`; the call's error if it failed.
  std::optional<R> next(Timeout timeout = std::nullopt) {
    auto deadline = timeout ? std::optional(lithops::detail::Clock::now() +
                                            std::chrono::duration_cast<lithops::detail::Clock::duration>(*timeout))
                            : std::nullopt;
    std::size_t i;
    if (ordered_) {
      if (next_ == fs_.size()) return std::nullopt;
      if (!lithops::detail::call_wait(fs_[next_].handle(), deadline))
        throw TimeoutError("lithops::mp::imap: no result within the timeout");
      i = next_++;
    } else {
      if (!take_done(deadline)) return std::nullopt;
      i = done_.front();
      done_.pop_front();
    }
    return fs_[i].get();
  }

  /// Input iterator over the results (`for (int r : pool.imap(f, data))`).
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(IMapIterator* it) : it_(it) { advance(); }
    const R& operator*() const { return *cur_; }
    const R* operator->() const { return &*cur_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(std::default_sentinel_t) const { return !cur_; }

   private:
    void advance() { cur_ = it_->next(); }
    IMapIterator* it_ = nullptr;
    std::optional<R> cur_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

  /// Calls in all.
  std::size_t size() const noexcept { return fs_.size(); }

 private:
  // Moves the calls that ended to done_ (one scan per completion wake-up, not per call).
  bool take_done(lithops::detail::Deadline deadline) {
    while (done_.empty()) {
      if (pending_.empty()) return false;
      const auto epoch = lithops::detail::completion_epoch();
      for (std::size_t k = 0; k < pending_.size();) {
        if (fs_[pending_[k]].done()) {
          done_.push_back(pending_[k]);
          pending_[k] = pending_.back();
          pending_.pop_back();
        } else {
          ++k;
        }
      }
      if (!done_.empty()) break;
      if (deadline && lithops::detail::Clock::now() >= *deadline)
        throw TimeoutError("lithops::mp::imap_unordered: no result within the timeout");
      lithops::detail::wait_for_completion(epoch, deadline, std::chrono::milliseconds(100));
    }
    return true;
  }

  FuturesList<R> fs_;
  bool ordered_;
  std::size_t next_ = 0;
  std::vector<std::size_t> pending_;
  std::deque<std::size_t> done_;
};

/// Python's multiprocessing.Pool: functions mapped over inputs, each input one call on the
/// configured backend (its own executor; `processes` sets `localhost.worker_processes` on the
/// localhost backend, and is ignored by the others, whose size their configuration sets).
///
/// @code
///   int square(int x) { return x * x; }
///   mp::Pool pool(4);
///   std::vector<int> r = pool.map(square, std::vector{1, 2, 3});   // {1, 4, 9}
///   auto a = pool.apply_async(square, 7);                          // a.get() == 49
///   for (int v : pool.imap_unordered(square, inputs)) use(v);       // as calls end
///   pool.close();
///   pool.join();
/// @endcode
///
/// `chunksize` arguments set how many calls a worker takes per request (the backend sizes
/// these itself when omitted). The destructor terminates the pool, as leaving Python's `with
/// Pool()` block does: close() and join() first to let work finish. Thread-safe.
class Pool {
 public:
  /// `processes`: nullopt or 0 = the backend's default.
  explicit Pool(std::optional<std::size_t> processes = std::nullopt, Context& ctx = default_context())
      : core_(std::make_unique<detail::PoolCore>(ctx, processes, make_setup(0))) {}
  /// With an initializer run once per worker process, and `maxtasksperchild`: a worker process
  /// exits after that many of the pool's calls and is replaced (0: never).
  template <class F, class... A>
  Pool(std::optional<std::size_t> processes, const Initializer<F, A...>& init, std::size_t maxtasksperchild = 0,
       Context& ctx = default_context())
      : core_(std::make_unique<detail::PoolCore>(ctx, processes, make_setup(maxtasksperchild, init))) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) noexcept = default;
  Pool& operator=(Pool&&) noexcept = default;  ///< terminates the pool assigned over
  ~Pool() = default;  // PoolCore's destructor terminates

  /// Worker processes, as the backend reports them.
  std::size_t processes() const noexcept { return core_->processes(); }

  /// `f(args...)` on a worker; blocks for the result.
  template <class F, class... Args>
  auto apply(F f, Args&&... args) {
    return apply_async(std::move(f), std::forward<Args>(args)...).get();
  }
  template <class F, class... Args>
    requires(!detail::is_callbacks_v<std::decay_t<F>>)
  auto apply_async(F f, Args&&... args) {
    return apply_async(Callbacks<std::nullptr_t>{nullptr}, std::move(f), std::forward<Args>(args)...);
  }
  /// With callbacks: `pool.apply_async(mp::Callbacks{on_result, on_error}, f, args...)`.
  template <class CB, class ECB, class F, class... Args>
  auto apply_async(Callbacks<CB, ECB> cbs, F f, Args&&... args) {
    using Fut = decltype(std::declval<FunctionExecutor&>().call_async(task(std::move(f)), std::forward<Args>(args)...));
    using R = typename Fut::value_type;
    std::optional<Fut> fut;
    detail::OwnerCollector owners;
    core_->submit([&](FunctionExecutor& ex) { fut.emplace(ex.call_async(task(std::move(f)), std::forward<Args>(args)...)); });
    Future<R> ff = *fut;
    auto core = std::make_shared<detail::ResultCore>();
    core->keep = owners.take();
    core->wait_calls = [ff](lithops::detail::Deadline d) { return lithops::detail::call_wait(ff.handle(), d); };
    set_callbacks<R>(*core, std::move(cbs), [ff] { return ff.get(); });
    core_->track(core);
    return AsyncResult<R>(core, [ff] { return ff.get(); }, [ff] { return ff.success(); });
  }

  /// One call of `f` per element of `iterable`; the results in order. Rethrows the first
  /// failed call's error (in input order).
  template <class F, std::ranges::input_range Range>
  auto map(F f, Range&& iterable, std::size_t chunksize = 0) {
    // Not map_async(...).get(): that would walk the futures twice, which a map of 100,000
    // no-op calls would feel.
    auto [fs, keep] = submit_map(std::move(f), std::forward<Range>(iterable), chunksize);
    static_assert(!std::is_void_v<typename decltype(fs)::result_type>,
                  "lithops::mp::Pool::map: the function returns nothing; use apply_async per element, or return a value");
    track_list(fs, std::move(keep));  // join() still waits for calls a failure left running
    return fs.get_result();
  }
  template <class F, std::ranges::input_range Range, class CB = std::nullptr_t, class ECB = std::nullptr_t>
  auto map_async(F f, Range&& iterable, std::size_t chunksize = 0, Callbacks<CB, ECB> cbs = {nullptr, nullptr}) {
    auto [fs, keep] = submit_map(std::move(f), std::forward<Range>(iterable), chunksize);
    using R = typename decltype(fs)::result_type;
    static_assert(!std::is_void_v<R>, "lithops::mp::Pool::map: the function returns nothing; use apply_async per "
                                      "element, or return a value");
    auto core = std::make_shared<detail::ResultCore>();
    core->wait_calls = [fs](lithops::detail::Deadline d) { return wait_all(fs, d); };
    core->keep = std::move(keep);
    set_callbacks<std::vector<R>>(*core, std::move(cbs), [fs] { return fs.get_result(); });
    core_->track(core);
    return AsyncResult<std::vector<R>>(
        core, [fs] { return fs.get_result(); },
        [fs] {
          for (const auto& x : fs)
            if (!x.success()) return false;
          return true;
        });
  }

  /// As map, with each element a tuple spread into `f`'s arguments (Python's starmap).
  template <class F, std::ranges::input_range Range>
  auto starmap(F f, Range&& iterable, std::size_t chunksize = 0) {
    static_assert(lithops::detail::is_tuple_like<std::ranges::range_value_t<Range>>::value,
                  "lithops::mp::Pool::starmap: elements must be std::tuple or std::pair");
    return map(std::move(f), std::forward<Range>(iterable), chunksize);
  }
  template <class F, std::ranges::input_range Range, class CB = std::nullptr_t, class ECB = std::nullptr_t>
  auto starmap_async(F f, Range&& iterable, std::size_t chunksize = 0, Callbacks<CB, ECB> cbs = {nullptr, nullptr}) {
    static_assert(lithops::detail::is_tuple_like<std::ranges::range_value_t<Range>>::value,
                  "lithops::mp::Pool::starmap_async: elements must be std::tuple or std::pair");
    return map_async(std::move(f), std::forward<Range>(iterable), chunksize, std::move(cbs));
  }

  /// Lazy map: all calls are submitted now; results are yielded in input order, each as soon
  /// as its call ends (Lithops' imap waits for all; this one does not).
  template <class F, std::ranges::input_range Range>
  auto imap(F f, Range&& iterable, std::size_t chunksize = 0) {
    auto [fs, keep] = submit_map(std::move(f), std::forward<Range>(iterable), chunksize);
    track_list(fs, std::move(keep));
    return IMapIterator<typename decltype(fs)::result_type>(std::move(fs), true);
  }
  /// As imap, results in the order the calls end.
  template <class F, std::ranges::input_range Range>
  auto imap_unordered(F f, Range&& iterable, std::size_t chunksize = 0) {
    auto [fs, keep] = submit_map(std::move(f), std::forward<Range>(iterable), chunksize);
    track_list(fs, std::move(keep));
    return IMapIterator<typename decltype(fs)::result_type>(std::move(fs), false);
  }

  /// No more submissions; what was submitted runs on.
  void close() { core_->close(); }
  /// Stops at once: running calls are killed, queued ones never run; their results fail with
  /// CancelledError (error callbacks run).
  void terminate() { core_->terminate(); }
  /// Waits for every submission (and its callbacks). @throws StateError unless close() or
  /// terminate() came first, as Python.
  void join() { core_->join(); }

 private:
  template <class F>
  detail::PoolTask<std::decay_t<F>> task(F f) const {
    return detail::PoolTask<std::decay_t<F>>{{std::move(f)}, core_->setup()};
  }
  // The calls' futures, and the owners of the shared objects among the inputs (see
  // detail::OwnerCollector).
  template <class F, class Range>
  auto submit_map(F f, Range&& iterable, std::size_t chunksize) {
    using List = decltype(std::declval<FunctionExecutor&>().map(task(f), iterable));
    std::optional<List> fs;
    CallOptions options;
    if (chunksize > 0) options.chunksize = chunksize;
    detail::OwnerCollector owners;
    core_->submit([&](FunctionExecutor& ex) { fs.emplace(ex.map(task(std::move(f)), iterable, options)); });
    return std::pair(std::move(*fs), owners.take());
  }

  template <class T>
  void track_list(const FuturesList<T>& fs, std::vector<std::shared_ptr<void>> keep) {
    auto core = std::make_shared<detail::ResultCore>();
    core->wait_calls = [fs](lithops::detail::Deadline d) { return wait_all(fs, d); };
    core->keep = std::move(keep);
    core_->track(core);
  }

  template <class T>
  static bool wait_all(const FuturesList<T>& fs, lithops::detail::Deadline d) {
    for (const auto& f : fs)  // done() first: a state read, where call_wait reads the clock too
      if (!f.done() && !lithops::detail::call_wait(f.handle(), d)) return false;
    return true;
  }

  template <class T, class CB, class ECB, class Value>
  static void set_callbacks(detail::ResultCore& core, Callbacks<CB, ECB> cbs, Value value) {
    constexpr bool has_result = !std::is_same_v<CB, std::nullptr_t>;
    constexpr bool has_error = !std::is_same_v<ECB, std::nullptr_t>;
    if constexpr (has_result || has_error) {
      core.fire = [cbs = std::move(cbs), value = std::move(value)]() mutable {
        std::optional<T> v;
        std::exception_ptr error;
        try {
          v.emplace(value());
        } catch (...) {
          error = std::current_exception();
        }
        if (error) {
          if constexpr (has_error) detail::call_on_error(cbs.on_error, error);
        } else {
          if constexpr (has_result) cbs.on_result(*v);
        }
      };
    }
  }

  static detail::PoolSetup make_setup(std::size_t max_tasks) {
    detail::PoolSetup s;
    s.pool_id = detail::new_pool_id();
    s.max_tasks = max_tasks;
    return s;
  }
  template <class F, class... A>
  static detail::PoolSetup make_setup(std::size_t max_tasks, const Initializer<F, A...>& init) {
    detail::PoolSetup s = make_setup(max_tasks);
    lithops::detail::FunctionSpec spec = lithops::detail::make_function_spec<F, A...>(init.f);
    s.has_initializer = true;
    s.initializer.vtable = spec.vtable;
    s.initializer.state = std::move(spec.state);
    s.initializer.name = std::move(spec.name);
    BufferOutputArchive ar(s.initializer.args);
    std::apply([&](const auto&... v) { (ar(v), ...); }, init.args);
    return s;
  }

  std::unique_ptr<detail::PoolCore> core_;
};

}  // namespace lithops::multiprocessing
