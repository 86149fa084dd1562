// The type-erased functions typed futures call (include/lithops/detail/job_handle.hpp).
#include <thread>

#include "core/job_state.hpp"
#include "lithops/errors.hpp"

namespace lithops::detail {

namespace {
constexpr std::chrono::milliseconds kMaxSleep{200};  // bounds a missed wake-up, never relied on
constexpr std::chrono::microseconds kSpin{50};

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}

CallState call_state(const CallHandle& h) noexcept {
  if (!h.job) return CallState::cancelled;
  return h.job->call(h.index).state.load(std::memory_order_acquire);
}

bool call_wait(const CallHandle& h, Deadline deadline) {
  if (!h.job) throw Error("lithops: wait on an empty future");
  // Done already (get_result after wait): no clock read, which would cost more than the rest.
  if (is_final(call_state(h))) return true;
  // A short spin first: a no-op call comes back in tens of microseconds, and a futex sleep
  // and wake-up would add a good part of that again. The spin yields: on a machine with few
  // cores the worker or the supervisor may be queued on this very core.
  const auto spin_until = Clock::now() + kSpin;
  while (Clock::now() < spin_until) {
    if (is_final(call_state(h))) return true;
    cpu_relax();
    std::this_thread::yield();
  }
  for (;;) {
    std::uint64_t seen = completion_epoch();
    if (is_final(call_state(h))) return true;
    if (deadline && Clock::now() >= *deadline) return false;
    wait_for_completion(seen, deadline, kMaxSleep);
  }
}

std::string_view call_result(const CallHandle& h) {
  call_wait(h, std::nullopt);
  const CallRecord& rec = h.job->call(h.index);
  if (rec.state.load(std::memory_order_acquire) != CallState::success) h.job->throw_failure(h.index);
  return rec.result();
}

void call_rethrow(const CallHandle& h) {
  CallState s = call_state(h);
  if (is_final(s) && s != CallState::success) h.job->throw_failure(h.index);
}

CallStats call_stats(const CallHandle& h) {
  if (!h.job) return {};
  return h.job->stats(h.index);
}

std::string call_id(const CallHandle& h) { return format_call_id(h.index); }

std::string call_job_key(const CallHandle& h) { return h.job ? h.job->info().job_key : std::string(); }

}  // namespace lithops::detail

namespace lithops {
const char* to_string(CallState state) noexcept {
  switch (state) {
    case CallState::invoked: return "invoked";
    case CallState::running: return "running";
    case CallState::success: return "success";
    case CallState::failed: return "failed";
    case CallState::timed_out: return "timed_out";
    case CallState::cancelled: return "cancelled";
  }
  return "unknown";
}
}  // namespace lithops
