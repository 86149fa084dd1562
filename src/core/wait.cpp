// wait / get_result over futures of any jobs (include/lithops/wait.hpp).
#include <unistd.h>

#include "core/job_state.hpp"
#include "lithops/wait.hpp"
#include "util/progress_bar.hpp"

namespace lithops::detail {

namespace {
constexpr std::chrono::milliseconds kTick{100};          // progress refresh and wake-up bound
constexpr std::chrono::milliseconds kProgressAfter{1000};  // Lithops-like: only for long waits
}  // namespace

std::vector<bool> wait_calls(const std::vector<const CallHandle*>& calls, ReturnWhen when,
                             WaitTimeout timeout, bool throw_except) {
  const bool progress = !calls.empty() && calls.front()->job && calls.front()->job->info().progress_bar &&
                        isatty(STDERR_FILENO) == 1;
  const auto start = Clock::now();
  Deadline deadline;
  if (timeout) deadline = start + std::chrono::ceil<Clock::duration>(*timeout);
  std::vector<bool> final(calls.size(), false);
  std::size_t n_final = 0;
  std::size_t scan_from = 0;  // every call before it is final: rescans stay short
  std::optional<ProgressBar> bar;
  // All the calls of one job, in order (a map's futures): its counter of calls not final says
  // when to look, instead of a scan of the calls at every wake-up (which, with two workers
  // finishing interleaved ranges, rescans most of them each time).
  const JobState* whole = nullptr;
  if (when == ReturnWhen::all_completed && !calls.empty() && calls.front()->job &&
      calls.size() == calls.front()->job->size()) {
    whole = calls.front()->job.get();
    for (std::size_t i = 0; i < calls.size() && whole; ++i)
      if (calls[i]->job.get() != whole || calls[i]->index != i) whole = nullptr;
  }
  for (;;) {
    std::uint64_t seen = completion_epoch();
    // A failure must be rethrown at once, as the scan does: it finds it.
    if (whole && throw_except && whole->any_failed()) whole = nullptr;
    if (whole && !whole->finished()) {
      auto now = Clock::now();
      const std::size_t done = whole->size() - whole->remaining();
      if (progress && !bar && now - start >= kProgressAfter) bar.emplace(calls.size(), start);
      if (bar) bar->update(done);
      if (deadline && now >= *deadline) whole = nullptr;  // the scan below says which are final
      else {
        wait_for_completion(seen, deadline, kTick);
        continue;
      }
    }
    for (std::size_t i = scan_from; i < calls.size(); ++i) {
      if (final[i]) continue;
      CallState s = call_state(*calls[i]);
      if (!is_final(s)) continue;
      final[i] = true;
      ++n_final;
      if (throw_except && s != CallState::success) call_rethrow(*calls[i]);
    }
    while (scan_from < calls.size() && final[scan_from]) ++scan_from;
    bool satisfied = when == ReturnWhen::always || n_final == calls.size() ||
                     (when == ReturnWhen::any_completed && n_final > 0);
    auto now = Clock::now();
    if (progress && !bar && !satisfied && now - start >= kProgressAfter) bar.emplace(calls.size(), start);
    if (bar) bar->update(n_final);
    if (satisfied || (deadline && now >= *deadline)) {
      if (bar) bar->finish(n_final);
      return final;
    }
    wait_for_completion(seen, deadline, kTick);
  }
}

}  // namespace lithops::detail
