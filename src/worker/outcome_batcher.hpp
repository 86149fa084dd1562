#pragma once
// Collects the outcomes of a task's calls and hands them on in batches: a batch closes at
// 256 KiB, at the end of the task, or — from a background thread — once it has been open for
// 1 ms. The thread is what keeps a finished call from being held back by a slow call that
// follows it in the same task: 100,000 no-op calls still travel in a few dozen batches, and a
// call's outcome leaves the worker at most ~1 ms after it ends.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/call_outcome.hpp"

namespace lithops::detail {

class OutcomeBatcher {
 public:
  /// Sends one batch: `outcomes` are consecutive calls; `done` counts the task's outcomes
  /// handed on so far, this batch included. Called with the batcher's lock held, from the
  /// task's thread or the flusher thread, never both at once.
  using Flush = std::function<void(std::span<const CallOutcome> outcomes, std::uint32_t done)>;

  OutcomeBatcher();
  ~OutcomeBatcher();
  OutcomeBatcher(const OutcomeBatcher&) = delete;
  OutcomeBatcher& operator=(const OutcomeBatcher&) = delete;

  void begin_task(Flush flush);
  /// Adds one outcome; `payload` is the bytes its `payload` view must point into.
  /// `more_follow`: other calls of the task come after it. Only then is the flusher thread
  /// woken (a wake-up costs a context switch; end_task sends the last batch anyway).
  /// Returns whether it sent a batch or waited for the flusher to send one (either takes a
  /// while: the caller's last clock reading is stale then).
  bool add(CallOutcome outcome, std::string payload, bool more_follow);
  /// Sends what is left of the task.
  void end_task();

 private:
  void flush_locked();
  void run_flusher();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  Flush flush_;
  std::vector<CallOutcome> batch_;
  std::deque<std::string> arena_;  // payload bytes of the open batch (stable addresses)
  std::size_t bytes_ = 0;
  std::uint32_t done_ = 0;
  std::chrono::steady_clock::time_point opened_;
  bool timed_ = false;  // the flusher has been asked to close the open batch on time
  std::thread flusher_;
};

}  // namespace lithops::detail
