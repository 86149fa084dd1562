#pragma once
// The client's record of one job: per-call state, results and stats. Futures point into it;
// backends and monitors complete calls in it. One mutex per job guards the rare and
// variable-size parts (result chunks, failures, listeners); per-call state is an atomic so
// that `get_result` over 100,000 done futures takes no lock.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/call_outcome.hpp"
#include "lithops/call_stats.hpp"
#include "lithops/detail/job_handle.hpp"

namespace lithops::detail {

struct CallRecord {
  /// Results up to this size live in the record itself: a map of 100,000 numbers keeps no
  /// frame and copies no bytes beyond them.
  static constexpr std::size_t kInlineResult = 16;

  std::atomic<CallState> state{CallState::invoked};
  std::uint8_t attempts = 0;
  std::int32_t worker_pid = 0;
  std::uint32_t host = 0;          // index into JobState::hosts_
  std::uint32_t failure = 0;       // index into JobState::failures_ when failed
  std::int64_t worker_start_ns = 0, func_start_ns = 0, func_end_ns = 0, host_result_ns = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;  // bytes_out: the result's size

  /// The serialized result of a successful call.
  std::string_view result() const noexcept {
    return {bytes_out <= kInlineResult ? result_.bytes : result_.ptr, bytes_out};
  }
  /// Sets the result; `kept` must outlive the record when it is bigger than kInlineResult.
  void set_result(std::string_view kept) noexcept;

 private:
  union {
    const char* ptr;                // into a chunk owned by the JobState
    char bytes[kInlineResult];
  } result_{};
};

struct JobInfo {
  std::string executor_id;
  std::string job_id;    // "A000", "M001", "R001"
  std::string job_key;   // executor_id + "-" + job_id
  std::string function;  // readable name
  std::size_t total_calls = 0;
  bool progress_bar = false;  // lithops.progress_bar of the executor
};

/// Called (outside the job's lock) with the indexes of calls that just became final.
using CompletionListener = std::function<void(std::span<const std::uint32_t>)>;

class JobState {
 public:
  explicit JobState(JobInfo info);
  JobState(const JobState&) = delete;
  JobState& operator=(const JobState&) = delete;

  const JobInfo& info() const noexcept { return info_; }
  std::size_t size() const noexcept { return info_.total_calls; }
  std::int64_t submit_ns() const noexcept { return submit_ns_; }
  void set_submit_ns(std::int64_t t) noexcept { submit_ns_ = t; }
  const CallRecord& call(std::size_t i) const { return calls_[i]; }
  std::size_t remaining() const noexcept { return remaining_.load(std::memory_order_acquire); }
  bool finished() const noexcept { return remaining() == 0; }
  /// Some call ended other than in success.
  bool any_failed() const noexcept { return any_failed_.load(std::memory_order_acquire); }

  /// Marks calls as handed to a worker (no-op for calls already final).
  void mark_running(std::uint32_t first, std::uint32_t count);
  /// Records worker outcomes. `chunk` owns the bytes the outcomes' payloads point into; when
  /// null, they point into a buffer that is reused after this returns, and the results that
  /// do not fit in their record are copied (once, into one new chunk).
  void complete(std::span<const CallOutcome> outcomes, std::shared_ptr<const std::string> chunk,
                std::int32_t worker_pid, const std::string& host);
  /// Fails one call that produced no outcome (crash, timeout, cancellation, ...).
  void fail(std::uint32_t index, CallFailure failure, std::uint8_t attempts, std::int32_t worker_pid,
            const std::string& host, std::int64_t func_start_ns = 0);
  /// Fails every call that is not final yet.
  void fail_pending(const CallFailure& failure);

  /// `listener` hears about every call that becomes final from now on; calls already final
  /// are reported to it at once.
  void add_listener(CompletionListener listener);

  /// Throws the exception object for a failed call.
  [[noreturn]] void throw_failure(std::size_t index) const;
  CallFailure failure(std::size_t index) const;
  CallStats stats(std::size_t index) const;
  std::string call_id(std::size_t index) const;

 private:
  std::uint32_t host_index_locked(const std::string& host);
  /// `now`: when the outcome reached this process (host_result).
  void finish_locked(CallRecord& rec, CallState state, std::vector<std::uint32_t>& done, std::uint32_t index,
                     std::int64_t now);
  void count_done_locked(const std::vector<std::uint32_t>& done);
  void notify(const std::vector<std::uint32_t>& done, const std::vector<CompletionListener>& listeners);

  JobInfo info_;
  std::int64_t submit_ns_ = 0;
  static CallRecord* make_records(std::size_t n);
  struct RecordsFree {
    std::size_t n = 0;
    void operator()(CallRecord* p) const noexcept;
  };
  std::unique_ptr<CallRecord[], RecordsFree> calls_;
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> any_failed_{false};
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const std::string>> chunks_;
  std::vector<CallFailure> failures_;
  std::vector<std::string> hosts_;
  std::vector<CompletionListener> listeners_;
};

/// Bumps the process-wide completion epoch and wakes waiters.
void signal_completion();

/// "00042"
std::string format_call_id(std::size_t index);

}  // namespace lithops::detail
