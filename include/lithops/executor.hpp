#pragma once
/// @file executor.hpp
/// `FunctionExecutor`: Lithops' Futures API for C++.

#include <memory>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lithops/config.hpp"
#include "lithops/data.hpp"
#include "lithops/detail/arg_plan.hpp"
#include "lithops/detail/job_request.hpp"
#include "lithops/futures_list.hpp"
#include "lithops/wait.hpp"

namespace lithops {

namespace detail {
class ExecutorCore;

template <class T>
struct is_futures_list : std::false_type {};
template <class T>
struct is_futures_list<FuturesList<T>> : std::true_type {};

template <class O>
constexpr bool is_extra_args_v = false;
template <class... Ts>
constexpr bool is_extra_args_v<ExtraArgs<Ts...>> = true;

/// The ExtraArgs among the trailing options, as a std::tuple (empty if none).
template <class... O>
auto extra_tuple(const O&... opts) {
  [[maybe_unused]] auto pick = [](const auto& o) {
    if constexpr (is_extra_args_v<std::decay_t<decltype(o)>>) return o.values;
    else return std::tuple<>();
  };
  return std::tuple_cat(pick(opts)...);
}
/// The CallOptions among the trailing options (default if none).
template <class... O>
CallOptions call_options(const O&... opts) {
  CallOptions out;
  [[maybe_unused]] auto pick = [&](const auto& o) {
    if constexpr (std::is_same_v<std::decay_t<decltype(o)>, CallOptions>) out = o;
  };
  (pick(opts), ...);
  return out;
}
template <class O>
constexpr bool is_option_v = is_extra_args_v<std::decay_t<O>> || std::is_same_v<std::decay_t<O>, CallOptions>;

/// What call_async's arguments form: the argument itself when there is one (a tuple is then
/// spread if need be), else the tuple of them.
template <class... A>
struct call_element {
  using type = std::tuple<stored_t<A>...>;
};
template <class A>
struct call_element<A> {
  using type = stored_t<A>;
};

template <class Tuple>
void serialize_tuple(BufferOutputArchive& ar, const Tuple& t) {
  std::apply([&](const auto&... v) { (ar(v), ...); }, t);
}
}  // namespace detail

/// Runs functions on the configured compute backend. Independent objects: several executors,
/// each with its own configuration and workers, can live in one process. Thread-safe: calls
/// may be submitted from several threads. The destructor stops the workers; calls not yet
/// final then fail with CancelledError.
///
/// @code
///   lithops::FunctionExecutor fexec;                      // config file, or localhost defaults
///   auto f = fexec.call_async(double_it, 21);              // Future<int>
///   auto fs = fexec.map(double_it, std::vector{1, 2, 3});  // FuturesList<int>
///   std::vector<int> r = fexec.get_result(fs);             // {2, 4, 6}
/// @endcode
class FunctionExecutor {
 public:
  /// Configuration from `Config::load()`. @throws ConfigError
  FunctionExecutor();
  /// @throws ConfigError for an unknown backend or storage, Error if workers cannot start.
  explicit FunctionExecutor(const Config& config);
  ~FunctionExecutor();
  FunctionExecutor(const FunctionExecutor&) = delete;
  FunctionExecutor& operator=(const FunctionExecutor&) = delete;

  /// `<session>-<n>`, e.g. "a1b2c3-0".
  const std::string& executor_id() const;
  const Config& config() const;
  /// Calls that can run at once on the backend.
  std::size_t worker_count() const;

  /// One call of `f` with `args` (a single tuple argument the function does not take as it
  /// is, is spread into its arguments). For per-call options use `call_async_with`.
  template <class F, class... Args>
    requires(!(detail::is_option_v<Args> || ...))
  auto call_async(F&& f, Args&&... args) {
    return call_async_with(CallOptions{}, std::forward<F>(f), std::forward<Args>(args)...);
  }

  /// As call_async, with options (e.g. an execution timeout for this call).
  template <class F, class... Args>
  auto call_async_with(const CallOptions& options, F&& f, Args&&... args) {
    using Fn = std::decay_t<F>;
    (detail::require_serializable<detail::stored_t<Args>>(), ...);  // our message before cereal's
    using Plan = detail::ArgPlan<Fn, typename detail::call_element<Args...>::type, std::tuple<>>;
    detail::JobRequest req;
    req.kind = 'A';
    req.function = Plan::spec(f);
    req.calls = 1;
    req.options = options;
    req.offsets.push_back(0);
    {
      BufferOutputArchive ar(req.args);
      (ar(detail::as_stored(args)), ...);
    }
    req.offsets.push_back(req.args.size());
    return Future<typename Plan::result>(detail::CallHandle{submit(std::move(req)), 0});
  }

  /// One call of `f` per element of `data`, in order. Trailing options: `extra_args(...)`
  /// (appended to every call) and/or `CallOptions`. An empty range gives an empty list.
  template <class F, std::ranges::input_range Range, class... Opts>
    requires(!detail::is_futures_list<std::decay_t<Range>>::value && (detail::is_option_v<Opts> && ...))
  auto map(F&& f, Range&& data, const Opts&... opts) {
    static_assert(!std::is_same_v<std::ranges::range_value_t<Range>, ObjectData>,
                  "lithops: to map over several ObjectData, merge their locations into one");
    using Fn = std::decay_t<F>;
    using Element = detail::stored_t<std::ranges::range_value_t<Range>>;
    detail::require_serializable<Element>();  // our message before cereal's
    auto extra = detail::extra_tuple(opts...);
    detail::require_serializable<decltype(extra)>();
    using Plan = detail::ArgPlan<Fn, Element, decltype(extra)>;
    detail::JobRequest req;
    req.function = Plan::spec(f);
    req.options = detail::call_options(opts...);
    if constexpr (std::ranges::sized_range<Range>) {
      const auto n = static_cast<std::size_t>(std::ranges::size(data));
      req.offsets.reserve(n + 1);
      if constexpr (std::is_arithmetic_v<Element> && std::tuple_size_v<decltype(extra)> == 0)
        req.args.reserve(n * sizeof(Element));
    }
    req.offsets.push_back(0);
    {
      BufferOutputArchive ar(req.args);  // one archive for the whole job: no per-call set-up
      for (const auto& element : data) {
        ar(detail::as_stored(element));
        detail::serialize_tuple(ar, extra);
        req.offsets.push_back(req.args.size());
      }
    }
    req.calls = req.offsets.size() - 1;
    if (req.calls == 0) return FuturesList<typename Plan::result>({}, link_);  // nothing to run
    const std::size_t calls = req.calls;
    return make_list<typename Plan::result>(submit(std::move(req)), calls);
  }

  /// Function chaining: one call of `f` per future of `inputs`, receiving that call's result
  /// (spread if it is a tuple the function does not take as it is). Each call starts as soon
  /// as its input is done; a failed input fails its call with the input's error.
  template <class F, class T, class... Opts>
    requires((detail::is_option_v<Opts> && ...))
  auto map(F&& f, const FuturesList<T>& inputs, const Opts&... opts) {
    using Fn = std::decay_t<F>;
    auto extra = detail::extra_tuple(opts...);
    using Plan = detail::ArgPlan<Fn, T, decltype(extra)>;
    detail::JobRequest req;
    req.function = Plan::spec(f);
    req.options = detail::call_options(opts...);
    req.calls = inputs.size();
    if (req.calls == 0) return FuturesList<typename Plan::result>({}, link_);
    for (const auto& in : inputs) req.chain.push_back(in.handle());
    {
      BufferOutputArchive ar(req.suffix);
      detail::serialize_tuple(ar, extra);
    }
    const std::size_t calls = req.calls;
    return make_list<typename Plan::result>(submit(std::move(req)), calls);
  }

  /// Map, then one reducer call receiving the `std::vector` of all map results (in call
  /// order). The reducer starts as soon as the last mapper is done (at once, with an empty
  /// vector, for an empty range). Returns the reducer's future; a failed mapper fails it with
  /// the mapper's error.
  template <class MF, class Range, class RF, class... Opts>
    requires((detail::is_option_v<Opts> && ...))
  auto map_reduce(MF&& map_function, Range&& data, RF&& reduce_function, const Opts&... opts) {
    auto mapped = map(std::forward<MF>(map_function), std::forward<Range>(data), opts...);
    using RM = typename decltype(mapped)::result_type;
    using Plan = detail::ArgPlan<std::decay_t<RF>, std::vector<RM>, std::tuple<>>;
    detail::JobRequest req;
    req.kind = 'R';
    req.function = Plan::spec(reduce_function);
    req.options = detail::call_options(opts...);
    req.calls = 1;
    for (const auto& in : mapped) req.reduce.push_back(in.handle());
    if (mapped.empty()) {  // no mapper to wait for: the reducer gets an empty vector now
      req.offsets.push_back(0);
      serialize_into(req.args, std::vector<RM>{});
      req.offsets.push_back(req.args.size());
    }
    return Future<typename Plan::result>(detail::CallHandle{submit(std::move(req)), 0});
  }

  /// One call of `f` per object, or per chunk of an object, of the data in storage (see
  /// data.hpp): `f` receives an ObjectChunk (then extra_args, if any). Objects are listed and
  /// sized here; each call aligns its chunk to records when it reads it.
  /// @throws Error when nothing matches
  template <class F, class... Opts>
    requires((detail::is_option_v<Opts> && ...))
  auto map(F&& f, const ObjectData& data, const Opts&... opts) {
    return map(std::forward<F>(f), partition_data(data), opts...);
  }

  /// map_reduce over data in storage with one reducer per object, each receiving the results of
  /// that object's chunks in order. Returns the reducers' futures, in the objects' order.
  template <class MF, class RF, class... Opts>
    requires((detail::is_option_v<Opts> && ...))
  auto map_reduce(MF&& map_function, const ObjectData& data, RF&& reduce_function, ReducerOnePerObject,
                  const Opts&... opts) {
    std::vector<ObjectChunk> chunks = partition_data(data);
    auto mapped = map(std::forward<MF>(map_function), chunks, opts...);
    using RM = typename decltype(mapped)::result_type;
    using Plan = detail::ArgPlan<std::decay_t<RF>, std::vector<RM>, std::tuple<>>;
    std::vector<Future<typename Plan::result>> reducers;
    for (std::size_t i = 0; i < chunks.size();) {
      detail::JobRequest req;
      req.kind = 'R';
      req.function = Plan::spec(reduce_function);
      req.options = detail::call_options(opts...);
      req.calls = 1;
      std::size_t j = i;
      for (; j < chunks.size() && chunks[j].bucket == chunks[i].bucket && chunks[j].key == chunks[i].key; ++j)
        req.reduce.push_back(mapped[j].handle());
      reducers.emplace_back(detail::CallHandle{submit(std::move(req)), 0});
      i = j;
    }
    return FuturesList<typename Plan::result>(std::move(reducers), link_);
  }

  /// The executor's storage (Lithops' `fexec.storage`), sharing its connections.
  Storage storage() const;

  /// See lithops::wait.
  template <class T>
  WaitResult<T> wait(const FuturesList<T>& fs, ReturnWhen return_when = ALL_COMPLETED,
                     WaitTimeout timeout = std::nullopt, bool throw_except = false) {
    return lithops::wait(fs, return_when, timeout, throw_except);
  }
  /// See lithops::get_result.
  template <class T>
  decltype(auto) get_result(const FuturesList<T>& fs, WaitTimeout timeout = std::nullopt) {
    return lithops::get_result(fs, timeout);
  }
  template <class T>
  T get_result(const Future<T>& f, WaitTimeout timeout = std::nullopt) {
    return lithops::get_result(f, timeout);
  }

  /// Deletes the temporary data in storage of every job of this executor that is final.
  void clean();

 private:
  /// Hands the job to the runtime; returns its state, which the futures share.
  std::shared_ptr<detail::JobState> submit(detail::JobRequest req);
  std::vector<ObjectChunk> partition_data(const ObjectData& data) const;
  template <class R>
  FuturesList<R> make_list(const std::shared_ptr<detail::JobState>& job, std::size_t calls) {
    std::vector<Future<R>> fs;
    fs.reserve(calls);
    for (std::size_t i = 0; i < calls; ++i) fs.emplace_back(detail::CallHandle{job, i});
    return FuturesList<R>(std::move(fs), link_);
  }

  std::unique_ptr<detail::ExecutorCore> core_;
  std::shared_ptr<detail::ExecutorLink> link_;
};

template <class T>
template <class F, class... More>
auto FuturesList<T>::map(F&& f, More&&... more) const {
  FunctionExecutor* ex = executor();
  if (!ex)
    throw Error("lithops: the executor that made these futures no longer exists (or the list was built "
                "by hand): chain with another executor's map(f, futures)");
  return ex->map(std::forward<F>(f), *this, std::forward<More>(more)...);
}

}  // namespace lithops
