#include "core/job_state.hpp"

#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <new>

#include "lithops/errors.hpp"

namespace lithops::detail {

namespace {

struct CompletionSignal {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<std::uint64_t> epoch{0};
};

CompletionSignal& completion_signal() {
  static CompletionSignal* s = new CompletionSignal;  // never destroyed: used by exiting threads
  return *s;
}

// The final state of a call that failed this way.
CallState final_state(FailureKind kind) {
  switch (kind) {
    case FailureKind::timeout: return CallState::timed_out;
    case FailureKind::cancelled: return CallState::cancelled;
    default: return CallState::failed;
  }
}

std::chrono::system_clock::time_point from_ns(std::int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

template <class E>
[[noreturn]] void throw_remote(const std::string& full, const CallFailure& f, CallOrigin origin) {
  throw RemoteException<E>(full, f.type_name, f.message, std::move(origin));
}

}  // namespace

std::uint64_t completion_epoch() noexcept {
  return completion_signal().epoch.load(std::memory_order_acquire);
}

void signal_completion() {
  auto& s = completion_signal();
  {
    std::lock_guard lock(s.mu);
    s.epoch.fetch_add(1, std::memory_order_acq_rel);
  }
  s.cv.notify_all();
}

void wait_for_completion(std::uint64_t seen, Deadline deadline, std::chrono::milliseconds max_sleep) {
  auto& s = completion_signal();
  auto until = Clock::now() + max_sleep;
  if (deadline && *deadline < until) until = *deadline;
  std::unique_lock lock(s.mu);
  s.cv.wait_until(lock, until, [&] { return s.epoch.load(std::memory_order_acquire) != seen; });
}

std::string format_call_id(std::size_t index) { return fmt::format("{:05d}", index); }

namespace {
constexpr std::size_t kHugePage = 2u << 20;
}  // namespace

// A map of 100,000 calls has 8 MB of records, faulted in page by page as they are set up: a
// tenth of the job's time at that size. In 2 MiB pages where the kernel offers them (THP in
// "madvise" mode, Debian's default) it is a few faults instead of thousands.
CallRecord* JobState::make_records(std::size_t n) {
  const std::size_t bytes = std::max<std::size_t>(n, 1) * sizeof(CallRecord);
  void* p = nullptr;
  if (bytes >= kHugePage) {
    p = std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage);
    if (p) ::madvise(p, bytes, MADV_HUGEPAGE);
  } else {
    p = std::malloc(bytes);
  }
  if (!p) throw std::bad_alloc();
  auto* records = static_cast<CallRecord*>(p);
  for (std::size_t i = 0; i < n; ++i) new (records + i) CallRecord();
  return records;
}

void JobState::RecordsFree::operator()(CallRecord* p) const noexcept {
  for (std::size_t i = 0; i < n; ++i) p[i].~CallRecord();
  std::free(p);
}

JobState::JobState(JobInfo info)
    : info_(std::move(info)),
      calls_(make_records(info_.total_calls), RecordsFree{info_.total_calls}),
      remaining_(info_.total_calls) {
  hosts_.emplace_back();
}

void JobState::mark_running(std::uint32_t first, std::uint32_t count) {
  // Every other writer of a call's state holds mu_: under it, a load and a store do what a
  // compare-and-swap per call would, at a fraction of its cost (100,000 calls per map).
  std::lock_guard lock(mu_);
  const std::size_t end = std::min<std::size_t>(std::size_t{first} + count, size());
  for (std::size_t i = first; i < end; ++i)
    if (calls_[i].state.load(std::memory_order_relaxed) == CallState::invoked)
      calls_[i].state.store(CallState::running, std::memory_order_release);
}

std::uint32_t JobState::host_index_locked(const std::string& host) {
  for (std::uint32_t i = 0; i < hosts_.size(); ++i)
    if (hosts_[i] == host) return i;
  hosts_.push_back(host);
  return static_cast<std::uint32_t>(hosts_.size() - 1);
}

void JobState::finish_locked(CallRecord& rec, CallState state, std::vector<std::uint32_t>& done,
                             std::uint32_t index, std::int64_t now) {
  rec.host_result_ns = now;
  if (state != CallState::success) any_failed_.store(true, std::memory_order_release);
  rec.state.store(state, std::memory_order_release);
  done.push_back(index);  // counted off `remaining_` by the caller, once for all (count_done_locked)
}

void JobState::count_done_locked(const std::vector<std::uint32_t>& done) {
  if (!done.empty()) remaining_.fetch_sub(done.size(), std::memory_order_acq_rel);
}

void CallRecord::set_result(std::string_view kept) noexcept {
  bytes_out = kept.size();
  if (kept.size() <= kInlineResult)
    std::memcpy(result_.bytes, kept.data(), kept.size());
  else
    result_.ptr = kept.data();
}

namespace {
/// The results of `outcomes` too big for their record, copied into one chunk (null if none).
std::shared_ptr<const std::string> copy_big_results(std::span<const CallOutcome> outcomes,
                                                    std::vector<std::string_view>& moved) {
  std::size_t total = 0;
  for (const auto& o : outcomes)
    if (o.ok && o.payload.size() > CallRecord::kInlineResult) total += o.payload.size();
  if (total == 0) return nullptr;
  auto chunk = std::make_shared<std::string>();
  chunk->reserve(total);  // no reallocation below: the views taken stay valid
  moved.reserve(outcomes.size());
  for (const auto& o : outcomes) {
    if (o.ok && o.payload.size() > CallRecord::kInlineResult) {
      moved.emplace_back(chunk->data() + chunk->size(), o.payload.size());
      chunk->append(o.payload);
    } else {
      moved.push_back(o.payload);
    }
  }
  return chunk;
}
}  // namespace

void JobState::complete(std::span<const CallOutcome> outcomes, std::shared_ptr<const std::string> chunk,
                        std::int32_t worker_pid, const std::string& host) {
  std::vector<std::string_view> moved;  // the payloads' copies when the caller's buffer is transient
  if (!chunk) chunk = copy_big_results(outcomes, moved);
  std::vector<std::uint32_t> done;
  done.reserve(outcomes.size());
  std::vector<CompletionListener> listeners;
  {
    std::lock_guard lock(mu_);
    listeners = listeners_;
    if (chunk) chunks_.push_back(std::move(chunk));
    std::uint32_t h = host_index_locked(host);
    // One clock read for the batch: its outcomes reached this process together.
    const std::int64_t now = now_ns();
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
      const CallOutcome& o = outcomes[k];
      if (o.index >= size()) continue;
      CallRecord& rec = calls_[o.index];
      if (is_final(rec.state.load(std::memory_order_relaxed))) continue;  // duplicate delivery
      rec.attempts = o.attempts;
      rec.worker_pid = worker_pid;
      rec.host = h;
      rec.worker_start_ns = o.worker_start_ns;
      rec.func_start_ns = o.func_start_ns;
      rec.func_end_ns = o.func_end_ns;
      rec.bytes_in = o.bytes_in;
      if (o.ok) {
        rec.set_result(moved.empty() ? o.payload : moved[k]);
        finish_locked(rec, CallState::success, done, o.index, now);
      } else {
        Reader r(o.payload);
        failures_.push_back(CallFailure::read(r));
        rec.failure = static_cast<std::uint32_t>(failures_.size() - 1);
        finish_locked(rec, final_state(failures_.back().kind), done, o.index, now);
      }
    }
    count_done_locked(done);
  }
  notify(done, listeners);
}

void JobState::fail(std::uint32_t index, CallFailure failure, std::uint8_t attempts,
                    std::int32_t worker_pid, const std::string& host, std::int64_t func_start_ns) {
  std::vector<std::uint32_t> done;
  std::vector<CompletionListener> listeners;
  {
    std::lock_guard lock(mu_);
    if (index >= size()) return;
    CallRecord& rec = calls_[index];
    if (is_final(rec.state.load(std::memory_order_relaxed))) return;
    rec.attempts = attempts;
    rec.worker_pid = worker_pid;
    rec.host = host_index_locked(host);
    rec.func_start_ns = func_start_ns;
    rec.func_end_ns = func_start_ns ? now_ns() : 0;
    CallState state = final_state(failure.kind);
    failures_.push_back(std::move(failure));
    rec.failure = static_cast<std::uint32_t>(failures_.size() - 1);
    finish_locked(rec, state, done, index, now_ns());
    count_done_locked(done);
    listeners = listeners_;
  }
  notify(done, listeners);
}

void JobState::fail_pending(const CallFailure& failure) {
  std::vector<std::uint32_t> done;
  std::vector<CompletionListener> listeners;
  {
    std::lock_guard lock(mu_);
    listeners = listeners_;
    failures_.push_back(failure);
    auto f = static_cast<std::uint32_t>(failures_.size() - 1);
    CallState state = final_state(failure.kind);
    const std::int64_t now = now_ns();
    for (std::uint32_t i = 0; i < size(); ++i) {
      CallRecord& rec = calls_[i];
      if (is_final(rec.state.load(std::memory_order_relaxed))) continue;
      rec.failure = f;
      finish_locked(rec, state, done, i, now);
    }
    count_done_locked(done);
  }
  notify(done, listeners);
}

void JobState::add_listener(CompletionListener listener) {
  std::vector<std::uint32_t> already;
  {
    std::lock_guard lock(mu_);
    for (std::uint32_t i = 0; i < size(); ++i)
      if (is_final(calls_[i].state.load(std::memory_order_acquire))) already.push_back(i);
    listeners_.push_back(listener);
  }
  if (!already.empty()) listener(already);
}

// `listeners` are those registered when the calls became final, taken under the same lock: a
// listener added later gets these calls from add_listener instead, so none sees a call twice
// (a reducer counting its inputs down would otherwise start before the last one ended).
void JobState::notify(const std::vector<std::uint32_t>& done, const std::vector<CompletionListener>& listeners) {
  if (done.empty()) return;
  // Waiters first: listeners may do slow work (submitting dependent calls, cleaning storage)
  // that a thread blocked in get() must not wait for.
  signal_completion();
  for (const auto& l : listeners) l(done);
}

CallFailure JobState::failure(std::size_t index) const {
  std::lock_guard lock(mu_);
  return failures_.at(calls_[index].failure);
}

std::string JobState::call_id(std::size_t index) const { return format_call_id(index); }

CallStats JobState::stats(std::size_t index) const {
  const CallRecord& rec = calls_[index];
  CallStats s;
  s.host_submit = from_ns(submit_ns_);
  bool final = is_final(rec.state.load(std::memory_order_acquire));
  std::lock_guard lock(mu_);
  s.function = info_.function;
  if (!final) return s;
  s.worker_start = from_ns(rec.worker_start_ns);
  s.func_start = from_ns(rec.func_start_ns);
  s.func_end = from_ns(rec.func_end_ns);
  s.host_result = from_ns(rec.host_result_ns);
  s.bytes_in = rec.bytes_in;
  s.bytes_out = rec.bytes_out;
  s.worker_pid = rec.worker_pid;
  s.worker_host = hosts_[rec.host];
  s.attempts = rec.attempts;
  return s;
}

void JobState::throw_failure(std::size_t index) const {
  CallFailure f;
  CallOrigin origin;
  {
    std::lock_guard lock(mu_);
    f = failures_.at(calls_[index].failure);
    origin = CallOrigin{info_.job_key, format_call_id(index), hosts_[calls_[index].host],
                        calls_[index].worker_pid, info_.function};
  }
  std::string where = fmt::format("call {}/{} of {}{}", origin.job_key, origin.call_id, origin.function,
                                  origin.host.empty() ? "" : " on " + origin.host);
  switch (f.kind) {
    case FailureKind::timeout:
      throw ExecutionTimeoutError(fmt::format("lithops: {} timed out: {}", where, f.message), origin);
    case FailureKind::crash:
      throw WorkerCrashError(fmt::format("lithops: {} crashed its worker: {}", where, f.message), origin,
                             f.signal, f.exit_code);
    case FailureKind::build_mismatch:
      throw BuildMismatchError(fmt::format("lithops: {} refused: {}", where, f.message), origin);
    case FailureKind::cancelled:
      throw CancelledError(fmt::format("lithops: {} cancelled: {}", where, f.message), origin);
    case FailureKind::internal:
      throw CallError(fmt::format("lithops: {} failed: {}", where, f.message), origin);
    case FailureKind::exception:
    case FailureKind::none:
      break;
  }
  std::string full = fmt::format("{}: {} ({})", f.type_name, f.message, where);
  switch (f.std_kind) {
    case StdKind::logic_error: throw_remote<std::logic_error>(full, f, origin);
    case StdKind::invalid_argument: throw_remote<std::invalid_argument>(full, f, origin);
    case StdKind::domain_error: throw_remote<std::domain_error>(full, f, origin);
    case StdKind::length_error: throw_remote<std::length_error>(full, f, origin);
    case StdKind::out_of_range: throw_remote<std::out_of_range>(full, f, origin);
    case StdKind::range_error: throw_remote<std::range_error>(full, f, origin);
    case StdKind::overflow_error: throw_remote<std::overflow_error>(full, f, origin);
    case StdKind::underflow_error: throw_remote<std::underflow_error>(full, f, origin);
    case StdKind::runtime_error:
    case StdKind::other: break;
  }
  throw_remote<std::runtime_error>(full, f, origin);
}

}  // namespace lithops::detail
