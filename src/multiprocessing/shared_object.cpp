// Handles of shared objects: binding at first use, and what every primitive shares.
#include "lithops/multiprocessing/detail/shared_object.hpp"

#include <fmt/format.h>

namespace lithops::multiprocessing::detail {

void Handle::bind() const {
  if (!b_)
    throw StateError(
        "lithops::mp: this shared object was default-constructed and is not bound to anything: make it with a "
        "constructor that takes arguments (or from a Manager, or Pipe)");
  std::lock_guard lock(b_->mu);
  if (b_->ready.load(std::memory_order_relaxed)) return;
  Created c = b_->make(default_context());
  b_->link = std::move(c.link);
  b_->owner = std::move(c.owner);
  b_->make = nullptr;
  b_->ready.store(true, std::memory_order_release);
}

namespace {
thread_local OwnerCollector* t_collector = nullptr;
}  // namespace

OwnerCollector::OwnerCollector() : outer_(t_collector) { t_collector = this; }
OwnerCollector::~OwnerCollector() { t_collector = outer_; }
void OwnerCollector::note(const std::shared_ptr<Owner>& owner) {
  if (t_collector) t_collector->owners_.push_back(owner);
}

void throw_closed(std::string_view what) {
  throw StateError(fmt::format("lithops::mp::{}: used after close()", what));
}

}  // namespace lithops::multiprocessing::detail
