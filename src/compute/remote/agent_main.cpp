#include "compute/remote/agent_main.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>

#include "compute/localhost/localhost_backend.hpp"
#include "compute/remote/agent_protocol.hpp"
#include "core/build_id.hpp"
#include "core/protocol.hpp"
#include "executor/job_sinks.hpp"
#include "lithops/config.hpp"
#include "storage/shared_storage.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

using Clock = std::chrono::steady_clock;
// The worker pool kills calls this long before the invocation's deadline, so that their
// failures are written before Lambda freezes or kills the environment.
constexpr std::int64_t kKillMarginNs = 1'500'000'000;
constexpr std::int64_t kLeaveMarginNs = 500'000'000;
// How long a worker's death by SIGTERM/SIGKILL waits for the agent's own (RecordingSink).
// Slurm signals a job's processes within milliseconds; TSan defers a signal a little.
constexpr std::chrono::milliseconds kOwnEndGrace{1500};

// The agent's status sink, recording which calls it wrote an outcome for (AgentLeft).
class RecordingSink final : public ResultSink {
 public:
  explicit RecordingSink(std::shared_ptr<StorageBackend> storage) : inner_(std::move(storage)) {}
  void on_dispatched(const BackendJob& job, std::uint32_t first, std::uint32_t count) override {
    inner_.on_dispatched(job, first, count);
  }
  void on_outcomes(const BackendJob& job, std::span<const CallOutcome> outcomes, std::shared_ptr<const std::string> chunk,
                   int pid, const std::string& host) override {
    inner_.on_outcomes(job, outcomes, std::move(chunk), pid, host);  // the worker wrote them already
    std::lock_guard lock(mu_);
    auto& calls = done_[job.manifest.job_key];
    for (const auto& o : outcomes) calls.insert(o.index);
  }
  void on_failure(const BackendJob& job, std::uint32_t index, const CallFailure& failure, std::uint8_t attempts, int pid,
                  const std::string& host, std::int64_t func_start_ns) override {
    if (in_slurm_pilot_ && failure.kind == FailureKind::crash &&
        (failure.signal == SIGTERM || failure.signal == SIGKILL)) {
      // scancel and a pilot's time limit signal the job's whole process tree at once, in no
      // set order: a worker killed by SIGTERM or SIGKILL (the pool uses neither outside a
      // timeout) is most likely this agent's own end arriving a moment late. Reporting it
      // would blame the call on its worker ("killed by signal 15") when the launcher can say
      // why the pilot ended (CANCELLED, TIMEOUT). So the report waits for that end: if it
      // comes, the agent dies here and the launcher fails the call; if not, the call fails
      // as the crash it was, that much later. Holds the pool's I/O thread, on this path only.
      std::this_thread::sleep_for(kOwnEndGrace);
    }
    inner_.on_failure(job, index, failure, attempts, pid, host, func_start_ns);
    std::lock_guard lock(mu_);
    done_[job.manifest.job_key].insert(index);
  }
  void on_failures(const BackendJob& job, std::uint32_t first, std::uint32_t count, const CallFailure& failure,
                   std::uint8_t attempts) override {
    inner_.on_failures(job, first, count, failure, attempts);
    std::lock_guard lock(mu_);
    auto& calls = done_[job.manifest.job_key];
    for (std::uint32_t c = first; c < first + count; ++c) calls.insert(c);
  }
  /// What it wrote, as ranges per job.
  AgentLeft record(std::string reason) const {
    AgentLeft l;
    l.reason = std::move(reason);
    std::lock_guard lock(mu_);
    for (const auto& [job, calls] : done_) {
      auto& ranges = l.done[job];
      for (std::uint32_t c : calls) {
        if (!ranges.empty() && ranges.back().second == c) ++ranges.back().second;
        else ranges.emplace_back(c, c + 1);
      }
    }
    return l;
  }

 private:
  const bool in_slurm_pilot_ = std::getenv("SLURM_JOB_ID") != nullptr;
  StorageStatusSink inner_;
  mutable std::mutex mu_;
  std::map<std::string, std::set<std::uint32_t>> done_;
};

class Agent {
 public:
  Agent(AgentSpec spec, const AgentLimits& limits)
      : spec_(std::move(spec)),
        limits_(limits),
        storage_(shared_storage(spec_.storage_config)),
        sink_(std::make_shared<RecordingSink>(storage_)),
        backend_(pool_config()) {
    beat_.agent_id = spec_.agent_id;
    beat_.host = host_name();
    beat_.pid = ::getpid();
    beat_.workers = static_cast<std::uint32_t>(backend_.worker_count());
    beat_.build_id = build_id();
    if (limits_.deadline_ns > 0) backend_.set_deadline(limits_.deadline_ns - kKillMarginNs, limits_.deadline_reason);
    if (!limits_.crash_note.empty()) backend_.set_crash_note(limits_.crash_note);
  }

  /// Serves until idle, told to stop, orphaned or near the deadline; returns why it stopped.
  std::string run() {
    write_heartbeat();  // the client dispatches to an agent once it has seen its first beat
    std::thread beats([this] { heartbeat_loop(); });
    // The lifeline is joined before the agent goes: a detached thread could still signal cv_
    // after it was destroyed (TSan saw it). A pipe tells it to stop waiting on stdin.
    int stop_lifeline[2] = {-1, -1};
    std::thread lifeline;
    if (spec_.watch_stdin && ::pipe2(stop_lifeline, O_CLOEXEC) == 0)
      lifeline = std::thread([this, fd = stop_lifeline[0]] { watch_stdin(fd); });
    std::string reason = pull_loop();
    if (limits_.deadline_ns > 0) finish_before_deadline();
    backend_.shutdown();  // stops the workers, even mid-call
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      beat_.stopping = true;
      beat_.reason = reason;
    }
    cv_.notify_all();
    beats.join();
    try {
      if (spec_.delete_beat_on_exit) {
        // The record first: the client reads it once it sees the heartbeat gone.
        storage_->put_object(storage_->bucket(), AgentKeys::left(spec_.pool, spec_.agent_id),
                             sink_->record(reason).encode());
        storage_->delete_objects(storage_->bucket(), {AgentKeys::alive(spec_.pool, spec_.agent_id)});
      }
      else
        write_heartbeat();
    } catch (const std::exception&) {
    }
    log_debug("agent {}: stopped ({})", spec_.agent_id, reason);
    if (lifeline.joinable()) {
      (void)!::write(stop_lifeline[1], "x", 1);
      lifeline.join();
    }
    for (int fd : stop_lifeline)
      if (fd >= 0) ::close(fd);
    return reason;
  }

 private:
  // Work is taken until this long before the deadline: the calls taken last can still end,
  // and the client has time to hand what the agent did not start to another invocation.
  std::int64_t stop_margin_ns() const {
    const double total = static_cast<double>(limits_.deadline_ns - started_ns_);
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(total * 0.1), 2'000'000'000, 20'000'000'000);
  }

  // Calls still running at the deadline (less a margin to report them) are killed by the
  // worker pool, which reports them as ExecutionTimeoutError; waits for that, or for them to end.
  void finish_before_deadline() {
    // Until the pool has killed what ran past its kill time, with half a second left to write
    // the record, delete the heartbeat and answer Lambda.
    while (backend_.running() && now_ns() < limits_.deadline_ns - kLeaveMarginNs) {
      std::unique_lock lock(mu_);
      // Not a synchronisation by sleep: the state polled is another thread's, and nothing
      // signals it; 10 ms is the precision the deadline needs.
      cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
  }

  Config pool_config() const {
    Config c;
    c.set("lithops.log_level", "WARNING");
    c.set("localhost.transport", "storage");
    c.set("localhost.worker_processes", static_cast<std::int64_t>(spec_.workers));
    return c;
  }

  // Takes inbox messages in order until told to stop, idle for too long, or orphaned.
  std::string pull_loop() {
    const auto prefix = AgentKeys::inbox_prefix(spec_.pool, spec_.agent_id);
    std::string after;
    auto pause = std::chrono::duration<double>(0.001);
    const auto max_pause = std::chrono::duration<double>(spec_.poll_interval);
    auto last_work = Clock::now();
    for (;;) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, pause, [this] { return orphaned_; })) return "its client is gone (stdin closed)";
      }
      if (limits_.deadline_ns > 0 && now_ns() >= limits_.deadline_ns - stop_margin_ns())
        return "its invocation's deadline is near";
      std::vector<std::string> keys;
      try {
        keys = storage_->list_keys(storage_->bucket(), prefix, after);
      } catch (const std::exception& e) {
        log_warn("agent {}: cannot list its inbox: {}", spec_.agent_id, e.what());
      }
      if (keys.empty()) {
        pause = std::min(max_pause, pause * 2);
        if (!backend_.idle()) last_work = Clock::now();
        if (Clock::now() - last_work > std::chrono::duration<double>(spec_.idle_timeout))
          return "idle";
        continue;
      }
      pause = std::chrono::duration<double>(0.001);
      last_work = Clock::now();
      std::vector<std::string> taken;
      bool stop = false;
      for (const auto& key : keys) {
        InboxMessage m;
        try {
          m = InboxMessage::decode(storage_->get_object(storage_->bucket(), key));
        } catch (const std::exception& e) {
          // A message that cannot be read now is read on the next poll (`after` stays put,
          // and it is not deleted below).
          log_warn("agent {}: cannot read {}: {}", spec_.agent_id, key, e.what());
          break;
        }
        after = key;
        taken.push_back(key);
        {
          std::lock_guard lock(mu_);
          ++beat_.inbox_seq;
        }
        if ((stop = apply(m))) break;
      }
      try {
        if (!taken.empty()) storage_->delete_objects(storage_->bucket(), taken);
      } catch (const std::exception&) {
        // Left behind: the client deletes the whole pool prefix at the end anyway.
      }
      if (stop) return "told to stop";
    }
  }

  // Returns true on stop.
  bool apply(const InboxMessage& m) {
    std::map<std::string, std::vector<TaskSpec>> by_job;
    for (const auto& t : m.tasks) by_job[t.job_key].push_back(t.task);
    for (auto& [job_key, tasks] : by_job) {
      auto job = job_for(job_key);
      if (!job) {
        for (const auto& t : tasks) fail_unreadable(job_key, t);
        continue;
      }
      backend_.submit(job, std::move(tasks));
    }
    for (const auto& k : m.forget) {
      auto it = jobs_.find(k);
      if (it == jobs_.end()) continue;
      backend_.release(it->second->seq);
      jobs_.erase(it);
    }
    return m.stop;
  }

  std::shared_ptr<BackendJob> job_for(const std::string& job_key) {
    if (auto it = jobs_.find(job_key); it != jobs_.end()) return it->second;
    auto job = std::make_shared<BackendJob>();
    try {
      job->manifest = JobManifest::decode(storage_->get_object(storage_->bucket(), JobKeys::manifest(job_key)));
    } catch (const std::exception& e) {
      log_warn("agent {}: cannot read the manifest of job {}: {}", spec_.agent_id, job_key, e.what());
      manifest_errors_[job_key] = e.what();
      return nullptr;
    }
    job->manifest.storage_config = spec_.storage_config;
    job->seq = next_seq_++;
    job->storage_transport = true;
    job->sink = sink_;
    jobs_.emplace(job_key, job);
    return job;
  }

  // A task of a job whose manifest cannot be read fails, rather than vanishing: its calls'
  // statuses say why.
  void fail_unreadable(const std::string& job_key, const TaskSpec& t) {
    BackendJob job;
    job.manifest.job_key = job_key;
    auto& sink = *sink_;
    CallFailure f;
    f.kind = FailureKind::internal;
    f.type_name = "AgentError";
    f.message = "the agent on " + host_name() + " cannot read the job's manifest: " + manifest_errors_[job_key];
    for (std::uint32_t c = t.first; c < t.first + t.count; ++c)
      sink.on_failure(job, c, f, t.attempt, ::getpid(), host_name(), 0);
  }

  void heartbeat_loop() {
    std::unique_lock lock(mu_);
    const auto every = std::chrono::duration<double>(spec_.heartbeat_interval);
    while (!cv_.wait_for(lock, every, [this] { return stopping_; })) {
      lock.unlock();
      try {
        write_heartbeat();
      } catch (const std::exception& e) {
        log_warn("agent {}: cannot write its heartbeat: {}", spec_.agent_id, e.what());
      }
      lock.lock();
    }
  }

  void write_heartbeat() {
    std::string bytes;
    {
      std::lock_guard lock(mu_);
      ++beat_.beat;
      bytes = beat_.encode();
    }
    storage_->put_object(storage_->bucket(), AgentKeys::alive(spec_.pool, spec_.agent_id), bytes);
  }

  // Until stdin closes (the client's SSH session is gone: orphaned) or `stop_fd` is readable
  // (the agent is stopping anyway).
  void watch_stdin(int stop_fd) {
    char buf[256];
    for (;;) {
      pollfd fds[2] = {{0, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents) return;
      if (!fds[0].revents) continue;
      ssize_t n = ::read(0, buf, sizeof(buf));
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    {
      std::lock_guard lock(mu_);
      orphaned_ = true;
    }
    cv_.notify_all();
  }

  AgentSpec spec_;
  AgentLimits limits_;
  std::int64_t started_ns_ = now_ns();
  std::shared_ptr<StorageBackend> storage_;
  std::shared_ptr<RecordingSink> sink_;
  LocalhostBackend backend_;
  std::map<std::string, std::shared_ptr<BackendJob>> jobs_;
  std::map<std::string, std::string> manifest_errors_;
  std::uint32_t next_seq_ = 1;
  std::mutex mu_;  // guards beat_, stopping_, orphaned_
  std::condition_variable cv_;
  AgentHeartbeat beat_;
  bool stopping_ = false;
  bool orphaned_ = false;
};

// The spec is the first line on stdin. Read byte by byte: what follows belongs to nobody,
// but the line must not be read past (stdin stays the lifeline).
std::string read_spec_line() {
  std::string line;
  char c;
  while (::read(0, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

}  // namespace

std::string run_agent(const AgentSpec& spec, const AgentLimits& limits) {
  Agent agent(spec, limits);
  return agent.run();
}

void run_agent_process() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    AgentSpec spec = AgentSpec::from_json(read_spec_line());
    run_agent(spec, AgentLimits{});
    std::fflush(nullptr);
    // Not exit(): this is the user's program, whose static objects were never set up for
    // a run that skipped main's body. The stdin watcher may still block in read().
    std::_Exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lithops agent on %s: %s\n", host_name().c_str(), e.what());
    std::fflush(nullptr);
    std::_Exit(3);
  }
}

}  // namespace lithops::detail
