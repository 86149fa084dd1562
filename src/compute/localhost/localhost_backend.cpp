#include "compute/localhost/localhost_backend.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>

#include "core/build_id.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

constexpr std::uint32_t kMaxBatch = 16384;    // calls per task frame when sizing batches ourselves
// Tasks queued per worker so that it never waits for us. The second one is only sent while more
// calls are queued than there are workers: with less, a call queued behind a long one on a
// busy worker would wait while another worker sits idle.
constexpr std::size_t kPrefetchDepth = 2;
constexpr std::size_t kOneByOneBelow = 8;  // calls per worker left below which each goes alone
constexpr int kTimeoutTickMs = 20;            // how often running calls are checked for overrun
constexpr std::uint64_t kEventfdTag = ~std::uint64_t{0};
constexpr std::uint64_t kTimerTag = ~std::uint64_t{1};
// A worker that keeps dying between calls (e.g. it cannot write to storage) must not be
// replaced and fed the same task for ever: after this many deaths the task's calls fail.
constexpr std::uint8_t kMaxDeathsOutsideCalls = 3;

std::uint32_t seq_of(std::uint64_t current) { return static_cast<std::uint32_t>(current >> 32); }
std::uint32_t index_of(std::uint64_t current) { return static_cast<std::uint32_t>(current & 0xffffffffu); }

}  // namespace

LocalhostBackend::LocalhostBackend(const Config& config)
    : executable_(config.get_string("localhost.runtime").empty() ? self_executable()
                                                                 : config.get_string("localhost.runtime")),
      n_workers_(static_cast<std::size_t>(config.get_int("localhost.worker_processes"))) {
  if (n_workers_ == 0) n_workers_ = std::max(1u, std::thread::hardware_concurrency());
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  evfd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  timerfd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (epfd_ < 0 || evfd_ < 0 || timerfd_ < 0)
    throw Error(std::string("lithops: epoll/eventfd/timerfd: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kEventfdTag;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, evfd_, &ev);
  ev.data.u64 = kTimerTag;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, timerfd_, &ev);
  slots_.resize(n_workers_);
  for (std::size_t i = 0; i < n_workers_; ++i) spawn(i);
  thread_ = std::thread([this] { loop(); });
}

LocalhostBackend::~LocalhostBackend() {
  shutdown();
  if (epfd_ >= 0) ::close(epfd_);
  if (evfd_ >= 0) ::close(evfd_);
  if (timerfd_ >= 0) ::close(timerfd_);
}

void LocalhostBackend::spawn(std::size_t i) {
  auto s = std::make_unique<Slot>();
  s->proc = std::make_unique<WorkerProcess>(executable_);
  s->host = host_name();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = i;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, s->proc->fd(), &ev);
  slots_[i] = std::move(s);
}

void LocalhostBackend::submit(std::shared_ptr<BackendJob> job, std::vector<TaskSpec> tasks) {
  if (submit_direct(job, tasks)) return;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    for (auto& t : tasks) incoming_.push_back(Pending{job, std::move(t)});
    idle_.store(false, std::memory_order_release);
  }
  std::uint64_t one = 1;
  (void)!::write(evfd_, &one, sizeof(one));
}

// Done by the releasing thread when the I/O thread is idle (it never waits for it), so that the
// job's memory goes at once without waking the I/O thread: a wake-up per short job costs a
// thread switch on a core its next call may need. Otherwise the I/O thread is woken for it.
void LocalhostBackend::release(std::uint32_t job_seq) {
  {
    std::lock_guard lock(mu_);
    released_.push_back(job_seq);
  }
  if (std::this_thread::get_id() == thread_.get_id()) return;  // it drains them before it waits
  std::unique_lock state(state_mu_, std::try_to_lock);
  std::vector<std::uint32_t> released;
  if (state.owns_lock()) {
    std::lock_guard lock(mu_);
    // With tasks still incoming, the I/O thread is awake (their submit woke it) and must see
    // their jobs before their release: it drains both, in that order.
    if (incoming_.empty()) released.swap(released_);
  }
  if (released.empty()) {
    std::uint64_t one = 1;
    (void)!::write(evfd_, &one, sizeof(one));
    return;
  }
  forget_jobs(released);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) continue;
    flush(*slots_[i]);
    update_interest(i);
  }
}

// The submitting thread sends the task itself when the I/O thread has nothing queued and a
// worker is free: one thread switch less per call, which is most of a short call's round trip
// (docs/performance.md). The I/O thread reads the outcome as usual, and a timer makes sure it
// watches the call's time limit even if it was asleep with nothing to do.
bool LocalhostBackend::submit_direct(const std::shared_ptr<BackendJob>& job, std::vector<TaskSpec>& tasks) {
  // One call only: several are spread over the workers by dispatch(). From the I/O thread
  // itself (a listener submitting the next stage), the normal path.
  if (tasks.size() != 1 || tasks.front().count != 1 || std::this_thread::get_id() == thread_.get_id()) return false;
  std::unique_lock state(state_mu_, std::try_to_lock);
  if (!state.owns_lock() || !queue_.empty()) return false;
  auto free = std::find_if(slots_.begin(), slots_.end(), [](const auto& s) {
    return s && s->inflight.empty() && !s->retiring && !s->timed_out;
  });
  if (free == slots_.end()) return false;
  {
    std::lock_guard lock(mu_);
    if (stop_ || !incoming_.empty() || deadline_ns_ > 0) return false;
    idle_.store(false, std::memory_order_release);
  }
  jobs_.emplace(job->seq, job);
  send_task(**free, job, std::move(tasks.front()));
  update_interest(static_cast<std::size_t>(free - slots_.begin()));
  if (io_asleep_) {
    itimerspec tick{};
    tick.it_value.tv_nsec = kTimeoutTickMs * 1'000'000L;
    ::timerfd_settime(timerfd_, 0, &tick, nullptr);
    io_asleep_ = false;
  }
  return true;
}

void LocalhostBackend::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  std::uint64_t one = 1;
  (void)!::write(evfd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  for (auto& s : slots_) {
    if (!s) continue;
    std::string bye;
    end_frame(bye, begin_frame(bye, FrameType::shutdown));
    std::lock_guard state(state_mu_);  // a direct submit may still be writing
    write_all(s->proc->fd(), bye);  // best effort; the destructor kills whatever is left
  }
  slots_.clear();
}

void LocalhostBackend::loop() {
  epoll_event events[64];
  // Held except while waiting: direct submits (submit_direct) change the same state.
  std::unique_lock state(state_mu_);
  for (;;) {
    bool busy = std::any_of(slots_.begin(), slots_.end(), [](auto& s) { return !s->inflight.empty(); });
    io_asleep_ = !busy;
    state.unlock();
    int n = ::epoll_wait(epfd_, events, 64, busy ? kTimeoutTickMs : -1);
    state.lock();
    io_asleep_ = false;
    for (int k = 0; k < n; ++k) {
      if (events[k].data.u64 == kEventfdTag || events[k].data.u64 == kTimerTag) {
        std::uint64_t v;
        (void)!::read(events[k].data.u64 == kEventfdTag ? evfd_ : timerfd_, &v, sizeof(v));
        continue;
      }
      auto i = static_cast<std::size_t>(events[k].data.u64);
      if (events[k].events & EPOLLOUT) flush(*slots_[i]);
      if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(i);
    }
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    drain_incoming();
    check_timeouts();
    bool past_deadline;
    {
      std::lock_guard lock(mu_);
      past_deadline = deadline_ns_ > 0 && now_ns() >= deadline_ns_;
    }
    if (!past_deadline) dispatch();
    running_.store(std::any_of(slots_.begin(), slots_.end(),
                               [](auto& s) { return s && !s->inflight.empty() && s->proc->current_call() != kIdleSlot; }),
                   std::memory_order_release);
    for (std::size_t i = 0; i < slots_.size(); ++i) update_interest(i);
    if (queue_.empty() && std::none_of(slots_.begin(), slots_.end(), [](auto& s) { return !s->inflight.empty(); })) {
      std::lock_guard lock(mu_);
      if (incoming_.empty()) idle_.store(true, std::memory_order_release);
    }
  }
}

void LocalhostBackend::drain_incoming() {
  std::vector<Pending> in;
  std::vector<std::uint32_t> released;
  {
    std::lock_guard lock(mu_);
    in.swap(incoming_);
    released.swap(released_);
  }
  for (auto& p : in) {
    jobs_.emplace(p.job->seq, p.job);
    queued_calls_ += p.task.count;
    queue_.push_back(std::move(p));
  }
  forget_jobs(released);
}

void LocalhostBackend::forget_jobs(const std::vector<std::uint32_t>& released) {
  for (auto seq : released) {
    jobs_.erase(seq);
    for (auto& s : slots_) {
      if (!s || !s->known_jobs.erase(seq)) continue;
      auto start = begin_frame(s->outbox, FrameType::forget_job);
      Writer(s->outbox).put<std::uint32_t>(seq);
      end_frame(s->outbox, start);
    }
  }
}

void LocalhostBackend::dispatch() {
  const std::size_t w = slots_.size();
  for (std::size_t depth = 0; depth < kPrefetchDepth; ++depth) {
    if (depth > 0 && queued_calls_ <= w) return;
    for (auto& sp : slots_) {
      if (queue_.empty()) return;
      Slot& s = *sp;
      if (s.inflight.size() != depth) continue;
      Pending& p = queue_.front();
      std::uint32_t n = p.task.count;
      std::uint32_t k = n;
      if (p.job->chunksize == 0) {
        auto guided = static_cast<std::uint32_t>((queued_calls_ + 2 * w - 1) / (2 * w));
        // With few calls left, one at a time: batches save nothing on calls long enough to be
        // few, and a batch of several equal calls can leave one worker running two while the
        // other idles (16 word-count chunks over 2 workers ended 9 to 7).
        if (queued_calls_ <= kOneByOneBelow * w) guided = 1;
        k = std::clamp<std::uint32_t>(guided, 1, kMaxBatch);
        k = std::min(k, n);
      }
      queued_calls_ -= k;
      if (k == n) {
        Pending whole = std::move(p);
        queue_.pop_front();
        send_task(s, whole.job, std::move(whole.task));
      } else {
        TaskSpec head = p.task.slice(p.task.first, p.task.first + k);
        p.task = p.task.slice(p.task.first + k, p.task.first + n);
        send_task(s, p.job, std::move(head));
      }
    }
  }
}

void LocalhostBackend::send_task(Slot& s, const std::shared_ptr<BackendJob>& job, TaskSpec task) {
  std::string& out = s.outbox;
  if (s.known_jobs.insert(job->seq).second) {
    auto start = begin_frame(out, FrameType::job);
    Writer w(out);
    w.put<std::uint32_t>(job->seq);
    w.put<std::uint8_t>(job->storage_transport ? 1 : 0);
    if (job->storage_transport) {
      w.put_str(job->manifest.storage_config);
      w.put_str(job->manifest.job_key);
    } else {
      w.put_str(job->manifest.encode());
    }
    end_frame(out, start);
  }
  auto start = begin_frame(out, FrameType::task);
  Writer w(out);
  w.put<std::uint32_t>(job->seq);
  w.put<std::uint32_t>(task.first);
  w.put<std::uint32_t>(task.count);
  w.put<std::uint8_t>(task.attempt);
  const bool own = !task.offsets.empty();
  w.put_str(job->storage_transport ? (task.data_key.empty() ? job->default_data_key : task.data_key) : "");
  for (std::uint32_t i = 0; i <= task.count; ++i)
    w.put<std::uint64_t>(own ? task.offsets[i] : job->offsets[task.first + i]);
  if (!job->storage_transport) {
    if (own) {
      out += task.args;
    } else {
      auto a = job->offsets[task.first], b = job->offsets[task.first + task.count];
      out.append(*job->args, a, b - a);
    }
  }
  end_frame(out, start);
  job->sink->on_dispatched(*job, task.first, task.count);
  // The task keeps its own argument bytes (chained and reduce calls) until its outcomes are
  // in: if the worker dies, its unreported calls are re-queued from them.
  s.inflight.push_back(InFlight{job, std::move(task), 0});
  flush(s);
}

void LocalhostBackend::flush(Slot& s) {
  while (s.out_pos < s.outbox.size()) {
    ssize_t n = ::send(s.proc->fd(), s.outbox.data() + s.out_pos, s.outbox.size() - s.out_pos,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // full (EPOLLOUT will resume) or dead (EPOLLHUP will tell)
    s.out_pos += static_cast<std::size_t>(n);
  }
  if (s.out_pos == s.outbox.size()) {
    s.outbox.clear();
    s.out_pos = 0;
  }
}

void LocalhostBackend::update_interest(std::size_t i) {
  Slot& s = *slots_[i];
  bool want = !s.outbox.empty();
  if (want == s.want_write) return;
  s.want_write = want;
  epoll_event ev{};
  ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.u64 = i;
  ::epoll_ctl(epfd_, EPOLL_CTL_MOD, s.proc->fd(), &ev);
}

void LocalhostBackend::on_readable(std::size_t i) {
  Slot& s = *slots_[i];
  for (;;) {
    FillResult r = s.in.fill(s.proc->fd(), false);
    for (auto frame = s.in.next(); !frame.empty(); frame = s.in.next()) handle_frame(s, frame);
    if (r == FillResult::closed) return on_worker_death(i);
    if (r == FillResult::would_block) return;
  }
}

void LocalhostBackend::handle_frame(Slot& s, std::string_view frame) {
  Reader r(frame);
  auto type = static_cast<FrameType>(r.get<std::uint8_t>());
  if (type == FrameType::hello) return;
  if (type == FrameType::retiring) {
    s.retiring = true;
    return;
  }
  if (type != FrameType::results && type != FrameType::persisted) return;
  if (s.inflight.empty()) return;
  InFlight& t = s.inflight.front();
  if (type == FrameType::persisted) {
    r.get<std::uint32_t>();  // job seq
    r.get<std::uint32_t>();  // first call of the task
    t.reported = r.get<std::uint32_t>();
    if (t.reported >= t.task.count) s.inflight.pop_front();
    return;
  }
  // The payloads stay in the read buffer: the job keeps small results in their records and
  // copies the others once (JobState::complete), so the buffer is reused for the next frame.
  Reader body(frame.substr(1));
  body.get<std::uint32_t>();  // job seq: the front task's, as the worker runs tasks in order
  auto n = body.get<std::uint32_t>();
  outcomes_.clear();
  for (std::uint32_t k = 0; k < n; ++k) outcomes_.push_back(CallOutcome::read(body));
  t.reported += n;
  auto job = t.job;
  if (t.reported >= t.task.count) s.inflight.pop_front();
  job->sink->on_outcomes(*job, outcomes_, nullptr, s.proc->pid(), s.host);
}

void LocalhostBackend::set_deadline(std::int64_t deadline_ns, std::string reason) {
  {
    std::lock_guard lock(mu_);
    deadline_ns_ = deadline_ns;
    deadline_reason_ = std::move(reason);
  }
  std::uint64_t one = 1;
  (void)!::write(evfd_, &one, sizeof(one));
}

void LocalhostBackend::set_crash_note(std::string note) {
  std::lock_guard lock(mu_);
  crash_note_ = std::move(note);
}

void LocalhostBackend::check_timeouts() {
  const std::int64_t now = now_ns();
  std::int64_t deadline;
  {
    std::lock_guard lock(mu_);
    deadline = deadline_ns_;
  }
  const bool past_deadline = deadline > 0 && now >= deadline;
  for (auto& sp : slots_) {
    Slot& s = *sp;
    if (s.inflight.empty() || s.timed_out) continue;
    std::uint64_t cur = s.proc->current_call();  // acquire: the start time read next is this call's
    if (cur == kIdleSlot) continue;
    if (past_deadline) {
      s.timed_out = s.at_deadline = true;
      s.proc->kill();
      continue;
    }
    auto it = jobs_.find(seq_of(cur));
    if (it == jobs_.end()) continue;
    double limit = it->second->manifest.execution_timeout;
    if (limit <= 0) continue;
    if (static_cast<double>(now - s.proc->current_start_ns()) > limit * 1e9) {
      s.timed_out = true;
      s.proc->kill();  // EOF follows; on_worker_death reports the timeout
    }
  }
}

void LocalhostBackend::requeue_front(std::vector<Pending> tasks) {
  for (auto it = tasks.rbegin(); it != tasks.rend(); ++it) {
    queued_calls_ += it->task.count;
    queue_.push_front(std::move(*it));
  }
}

void LocalhostBackend::on_worker_death(std::size_t i) {
  Slot& s = *slots_[i];
  const int status = s.proc->reap();
  const std::uint64_t cur = s.proc->current_call();
  const std::int64_t cur_start = s.proc->current_start_ns();
  const int pid = s.proc->pid();
  std::vector<Pending> again;
  for (std::size_t k = 0; k < s.inflight.size(); ++k) {
    InFlight& t = s.inflight[k];
    const auto& job = t.job;
    const std::uint32_t end = t.task.first + t.task.count;
    // Calls before `from` are reported (pipe) or persisted (storage); the others re-run.
    const std::uint32_t from = t.task.first + t.reported;
    const bool here = cur != kIdleSlot && seq_of(cur) == job->seq && index_of(cur) >= from && index_of(cur) < end;
    if (!here) {
      if (from >= end) continue;
      TaskSpec rest = t.task.slice(from, end);
      // The front task was being worked on: the worker died between its calls.
      if (k == 0 && cur == kIdleSlot && !s.retiring && ++rest.deaths >= kMaxDeathsOutsideCalls) {
        CallFailure f;
        f.kind = FailureKind::internal;
        f.type_name = "WorkerFailure";
        f.message = fmt::format("{} workers died running this task outside the function (last: {})",
                                static_cast<int>(rest.deaths), WorkerProcess::describe_status(status));
        for (std::uint32_t c = from; c < end; ++c) job->sink->on_failure(*job, c, f, t.task.attempt, pid, s.host, 0);
        continue;
      }
      again.push_back(Pending{job, std::move(rest)});
      continue;
    }
    const std::uint32_t crashed = index_of(cur);
    if (from < crashed) again.push_back(Pending{job, t.task.slice(from, crashed)});
    CallFailure f;
    if (s.timed_out) {
      f.kind = FailureKind::timeout;
      f.type_name = "ExecutionTimeout";
      if (s.at_deadline) {
        std::lock_guard lock(mu_);
        f.message = deadline_reason_;
      } else {
        f.message = fmt::format("exceeded execution_timeout of {:g} s and was killed", job->manifest.execution_timeout);
      }
    } else {
      f.kind = FailureKind::crash;
      f.type_name = "WorkerCrash";
      f.message = WorkerProcess::describe_status(status);
      f.signal = status >= 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      f.exit_code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      if (f.signal == SIGKILL) {  // the OOM killer's signal: say what memory there was
        std::lock_guard lock(mu_);
        if (!crash_note_.empty()) f.message += " " + crash_note_;
      }
    }
    if (t.task.attempt < 1 + job->manifest.retries) {
      TaskSpec retry = t.task.slice(crashed, crashed + 1);
      retry.attempt = static_cast<std::uint8_t>(t.task.attempt + 1);
      log_debug("{} call {} {}; retrying (attempt {})", job->manifest.job_key, crashed, f.message, retry.attempt);
      again.push_back(Pending{job, std::move(retry)});
    } else {
      job->sink->on_failure(*job, crashed, f, t.task.attempt, pid, s.host, cur_start);
    }
    if (crashed + 1 < end) again.push_back(Pending{job, t.task.slice(crashed + 1, end)});
  }
  log_debug("localhost: worker {} ended ({}); starting a new one", pid, WorkerProcess::describe_status(status));
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, s.proc->fd(), nullptr);
  slots_[i].reset();
  spawn(i);
  requeue_front(std::move(again));
}

}  // namespace lithops::detail
