#pragma once
/// @file futures_list.hpp
/// `FuturesList<T>`: the futures of a map, usable with `wait`, `get_result` and as the input of
/// the next map (function chaining).

#include <atomic>
#include <cstddef>
#include <memory>
#include <initializer_list>
#include <utility>
#include <vector>

#include "lithops/future.hpp"

namespace lithops {

class FunctionExecutor;

namespace detail {
/// Tells a FuturesList whether the executor that made it still exists (the executor clears it
/// when it is destroyed), so that chaining on a list that outlived its executor fails cleanly.
struct ExecutorLink {
  std::atomic<FunctionExecutor*> executor;
};
}  // namespace detail

/// An ordered list of futures, in call order. Behaves as a `std::vector<Future<T>>`.
/// Chaining (`fs.map(g)`) needs the executor that made the list; lists built by hand have none
/// and chain through `FunctionExecutor::map(g, fs)` instead.
template <class T>
class FuturesList {
 public:
  using value_type = Future<T>;
  using result_type = T;

  FuturesList() = default;
  FuturesList(std::vector<Future<T>> futures, std::shared_ptr<detail::ExecutorLink> link = nullptr)
      : futures_(std::move(futures)), link_(std::move(link)) {}
  FuturesList(std::initializer_list<Future<T>> futures) : futures_(futures) {}

  std::size_t size() const noexcept { return futures_.size(); }
  bool empty() const noexcept { return futures_.empty(); }
  const Future<T>& operator[](std::size_t i) const { return futures_[i]; }
  auto begin() const noexcept { return futures_.begin(); }
  auto end() const noexcept { return futures_.end(); }
  void push_back(Future<T> f) { futures_.push_back(std::move(f)); }
  /// Appends another list (e.g. futures of two executors, to wait on them together).
  FuturesList& operator+=(const FuturesList& other) {
    futures_.insert(futures_.end(), other.begin(), other.end());
    if (!executor()) link_ = other.link_;
    return *this;
  }

  /// The executor that created these futures, or nullptr (built by hand, or it was destroyed).
  FunctionExecutor* executor() const noexcept { return link_ ? link_->executor.load() : nullptr; }
  const std::shared_ptr<detail::ExecutorLink>& link() const noexcept { return link_; }

  /// Chaining: one call of `f` per future, each receiving that future's result (a tuple result
  /// is spread into the arguments), computed as soon as that future is done. Defined in
  /// executor.hpp. @throws lithops::Error if this list has no executor (any more).
  template <class F, class... More>
  auto map(F&& f, More&&... more) const;

  /// Waits for all calls and returns their results in call order (see lithops::get_result).
  auto get_result() const;

 private:
  std::vector<Future<T>> futures_;
  std::shared_ptr<detail::ExecutorLink> link_;
};

}  // namespace lithops
