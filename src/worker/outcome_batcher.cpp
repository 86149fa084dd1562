#include "worker/outcome_batcher.hpp"

namespace lithops::detail {

namespace {
constexpr std::size_t kFlushBytes = 256 * 1024;
constexpr std::chrono::milliseconds kFlushAge{1};
}  // namespace

OutcomeBatcher::OutcomeBatcher() : flusher_([this] { run_flusher(); }) {}

OutcomeBatcher::~OutcomeBatcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  flusher_.join();
}

void OutcomeBatcher::begin_task(Flush flush) {
  std::lock_guard lock(mu_);
  flush_ = std::move(flush);
  done_ = 0;
}

bool OutcomeBatcher::add(CallOutcome outcome, std::string payload, bool more_follow) {
  std::unique_lock lock(mu_, std::try_to_lock);
  const bool waited = !lock.owns_lock();  // the flusher was sending a batch
  if (waited) lock.lock();
  arena_.push_back(std::move(payload));
  outcome.payload = arena_.back();
  bytes_ += outcome.payload.size();
  if (batch_.empty()) {
    opened_ = std::chrono::steady_clock::now();
    timed_ = false;
  }
  batch_.push_back(outcome);
  if (bytes_ >= kFlushBytes) {
    flush_locked();
    return true;
  }
  if (more_follow && !timed_) {
    timed_ = true;
    cv_.notify_one();  // the flusher starts timing this batch
  }
  return waited;
}

void OutcomeBatcher::end_task() {
  std::lock_guard lock(mu_);
  flush_locked();
  flush_ = nullptr;
}

void OutcomeBatcher::flush_locked() {
  if (batch_.empty() || !flush_) return;
  done_ += static_cast<std::uint32_t>(batch_.size());
  flush_(batch_, done_);
  batch_.clear();
  arena_.clear();
  bytes_ = 0;
}

void OutcomeBatcher::run_flusher() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (batch_.empty() || !timed_) {
      cv_.wait(lock);
      continue;
    }
    auto deadline = opened_ + kFlushAge;
    if (std::chrono::steady_clock::now() >= deadline) {
      flush_locked();
      continue;
    }
    cv_.wait_until(lock, deadline);
  }
}

}  // namespace lithops::detail
