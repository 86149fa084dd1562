#pragma once
/// @file multiprocessing/detail/shared_object.hpp
/// What every shared primitive holds: a handle on its Redis object, shared by the copies in
/// one process, and how it travels to calls.
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/redis_link.hpp"

namespace lithops::multiprocessing::detail {

/// The object as this process knows it. Copies of a handle share one Binding.
struct Binding {
  std::mutex mu;
  std::atomic<bool> ready{false};
  std::function<Created(Context&)> make;  // set while the object is still to be made
  RedisLink link;
  std::shared_ptr<Owner> owner;  // null in calls (and for objects a Manager owns)
  std::array<std::atomic<bool>, 2> closed{};  // Queue::close, Connection::close (one per end)
};

/// While one is alive on a thread, the owners of the objects serialized on that thread are
/// collected. A Pool keeps them with the result of the calls they went to, so an object the
/// client lets go of right after submitting is not deleted under the calls still using it.
class OwnerCollector {
 public:
  OwnerCollector();
  ~OwnerCollector();
  OwnerCollector(const OwnerCollector&) = delete;
  OwnerCollector& operator=(const OwnerCollector&) = delete;
  std::vector<std::shared_ptr<void>> take() { return std::move(owners_); }
  /// Called by Handle::save.
  static void note(const std::shared_ptr<Owner>& owner);

 private:
  OwnerCollector* outer_;
  std::vector<std::shared_ptr<void>> owners_;
};

/// A value-semantic reference to one Redis object.
///
/// Three ways to get one: made now in a context (`Handle(create(ctx, ...))`); made at first
/// use in the default context (`Handle::lazy`: what a default-constructed primitive does, so
/// that `mp::Lock lock;` works as Python's `Lock()` while cereal and the argument tuples of a
/// call can still default-construct a primitive before reading it); or read from an archive,
/// which binds to the sender's object and owns nothing.
class Handle {
 public:
  Handle() = default;  ///< unbound: every use throws StateError
  explicit Handle(Created c) : b_(std::make_shared<Binding>()) {
    b_->link = std::move(c.link);
    b_->owner = std::move(c.owner);
    b_->ready.store(true, std::memory_order_release);
  }
  static Handle lazy(std::function<Created(Context&)> make) {
    Handle h;
    h.b_ = std::make_shared<Binding>();
    h.b_->make = std::move(make);
    return h;
  }

  /// The object's link, making the object first if it is still to be made.
  /// @throws StateError when unbound; ConfigError when the default context has no Redis
  const RedisLink& link() const {
    if (!b_ || !b_->ready.load(std::memory_order_acquire)) bind();
    return b_->link;
  }
  bool valid() const noexcept { return b_ != nullptr; }
  /// The closed flag of one end (Queue: 0; Connection: its end), shared by the copies here.
  std::atomic<bool>& closed(int end) const {
    link();
    return b_->closed[static_cast<std::size_t>(end)];
  }

  template <class A>
  void save(A& ar) const {
    ar(link());
    if (b_->owner) OwnerCollector::note(b_->owner);
  }
  template <class A>
  void load(A& ar) {
    auto b = std::make_shared<Binding>();
    ar(b->link);
    b->ready.store(true, std::memory_order_release);
    b_ = std::move(b);
  }

 private:
  void bind() const;
  std::shared_ptr<Binding> b_;
};

/// Throws StateError("lithops::mp::<what>: ...") for a handle used after close().
[[noreturn]] void throw_closed(std::string_view what);


}  // namespace lithops::multiprocessing::detail
