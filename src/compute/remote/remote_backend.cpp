#include "compute/remote/remote_backend.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/build_id.hpp"
#include "core/protocol.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "runtime/runtime_store.hpp"
#include "storage/storage_backend.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

constexpr std::uint32_t kMaxBatch = 16384;
constexpr int kMaxFailedStarts = 3;       // in a row: then the place is given up until new work comes
constexpr std::int64_t kRestartBackoffNs = 1'000'000'000;  // after a failed start: 1 s, 2 s, ...
constexpr std::int64_t kBusyTickNs = 2'000'000;     // scheduling tick while calls are out
constexpr std::int64_t kStartingBeatCheckNs = 20'000'000;  // heartbeat listing while agents start
constexpr auto kPresignTtl = std::chrono::hours(12);

std::string new_pool_id() {
  std::random_device rd;
  return fmt::format("{:08x}{:04x}", rd(), static_cast<unsigned>(::getpid()) & 0xffff);
}

// What changes each time an agent rewrites its heartbeat, as a listing shows it.
std::string beat_tag(const ObjectEntry& e) {
  return fmt::format("{}/{}/{}", e.info.etag, e.info.last_modified, e.info.size);
}

double seconds_since(std::int64_t ns) { return static_cast<double>(now_ns() - ns) * 1e-9; }

}  // namespace

RemoteBackend::RemoteBackend(const Config& config, std::shared_ptr<StorageBackend> storage,
                             std::unique_ptr<AgentLauncher> launcher, RemoteOptions options)
    : name_(launcher->backend_name()),
      storage_(std::move(storage)),
      launcher_(std::move(launcher)),
      opt_(std::move(options)),
      pool_(new_pool_id()),
      storage_config_(worker_storage_config(config, !opt_.workers_have_credentials, storage_->bucket())) {
  agents_.resize(launcher_->places());
  agent_workers_.resize(agents_.size());
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    agents_[i].place = i;
    agent_workers_[i] = std::max<std::uint32_t>(1, launcher_->workers(i));
  }
  thread_ = std::thread([this] { loop(); });
}

RemoteBackend::~RemoteBackend() { shutdown(); }

std::size_t RemoteBackend::worker_count() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto w : agent_workers_) n += w;
  return n;
}

void RemoteBackend::submit(std::shared_ptr<BackendJob> job, std::vector<TaskSpec> tasks) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    for (auto& t : tasks) incoming_.push_back(Pending{job, std::move(t)});
    wake_ = true;
  }
  cv_.notify_one();
}

void RemoteBackend::release(std::uint32_t job_seq) {
  {
    std::lock_guard lock(mu_);
    released_.push_back(job_seq);
    wake_ = true;
  }
  cv_.notify_one();
}

void RemoteBackend::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  launcher_->stop_all();
  try {
    storage_->delete_prefix(storage_->bucket(), AgentKeys::pool_prefix(pool_));
  } catch (const std::exception& e) {
    log_warn("{}: cannot delete the agents' objects: {}", name_, e.what());
  }
}

bool RemoteBackend::busy() const {
  if (!queue_.empty()) return true;
  return std::any_of(agents_.begin(), agents_.end(),
                     [](const Agent& a) { return a.phase == Phase::starting || !a.tasks.empty(); });
}

void RemoteBackend::loop() {
  // Writes to a child's pipe (ssh's stdin, sbatch's script) must fail with EPIPE when the
  // child is gone, not kill the user's program. SIGPIPE is sent to the writing thread: this one.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      // While calls are out, a short tick: completions are learned by reading the jobs'
      // states (no message comes); otherwise wake for heartbeats only.
      auto tick = busy() ? std::chrono::nanoseconds(kBusyTickNs)
                         : std::chrono::nanoseconds(static_cast<std::int64_t>(opt_.heartbeat_interval * 1e9));
      cv_.wait_for(lock, tick, [this] { return wake_ || stop_; });
      wake_ = false;
      if (stop_) return;
    }
    drain_incoming();
    ensure_agents();
    poll_launcher();
    check_heartbeats();
    track_progress();
    dispatch();
    flush_outboxes();
  }
}

void RemoteBackend::drain_incoming() {
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
  // New work gives places that were given up another chance (a host back from a reboot, a
  // partition that drained): each job gets its own attempt and, if all fail, its own error.
  if (!in.empty())
    for (auto& a : agents_)
      if (a.dead) a.dead = false, a.failed_starts = 0, a.next_start_ns = 0;
  for (auto seq : released) {
    auto it = jobs_.find(seq);
    if (it == jobs_.end()) continue;
    const std::string key = it->second->manifest.job_key;
    for (auto& a : agents_) {
      std::erase_if(a.tasks, [seq](const Assigned& t) { return t.job->seq == seq; });
      if (a.known_jobs.erase(seq) && a.phase == Phase::up) a.outbox.forget.push_back(key);
    }
    jobs_.erase(it);
  }
}

BootstrapPlan RemoteBackend::plan_for_start() {
  BootstrapPlan plan;
  plan.cache_dir = opt_.cache_dir;
  plan.runtime_path = opt_.runtime_path;
  if (!plan.runtime_path.empty()) return plan;
  // The program ships itself: published once per build, fetched by build id.
  RuntimeInfo info = publish_self(*storage_);
  plan.build_id = info.build_id;
  plan.name = info.name;
  plan.sha256 = info.sha256;
  plan.url = storage_->presigned_get_url(storage_->bucket(), RuntimeKeys::binary(info.build_id), kPresignTtl);
  return plan;
}

void RemoteBackend::ensure_agents() {
  const std::int64_t now = now_ns();
  if (launcher_->start_on_demand()) {
    start_for_demand(now);
  } else {
    for (auto& a : agents_) {
      if (a.phase != Phase::down || a.dead || now < a.next_start_ns) continue;
      // Eager launchers start every place with the executor; after that, as for the others, an
      // agent that left (idle) is started again only when there is work for it.
      if (!queue_.empty() || (launcher_->start_eagerly() && a.gen < 0)) start_agent(a);
    }
  }
  if (queue_.empty()) return;
  // Nothing can take the queued calls: every place was given up (on demand: no agent is up or
  // on its way, and the last starts failed for good).
  const bool all_dead = std::all_of(agents_.begin(), agents_.end(), [](const Agent& a) { return a.dead; });
  const bool none_alive = std::none_of(agents_.begin(), agents_.end(), [](const Agent& a) {
    return a.phase != Phase::down || (!a.dead && a.failed_starts > 0);
  });
  const bool any_dead = std::any_of(agents_.begin(), agents_.end(), [](const Agent& a) { return a.dead; });
  if (all_dead || (launcher_->start_on_demand() && none_alive && any_dead)) {
    // One line per distinct reason: a thousand function slots fail for one cause.
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const auto& a : agents_)
      if (a.dead) by_reason[a.last_error].push_back(launcher_->place_name(a.place));
    std::string why;
    for (const auto& [reason, places] : by_reason)
      why += fmt::format("{}{}{}: {}", why.empty() ? "" : "; ", places.front(),
                         places.size() > 1 ? fmt::format(" and {} more", places.size() - 1) : "", reason);
    fail_queue(fmt::format("no {} agent could be started ({})", name_, why));
  }
}

void RemoteBackend::start_for_demand(std::int64_t now) {
  // As many agents as the outstanding calls need, counting those up or on their way.
  std::size_t outstanding = queued_calls_, active = 0;
  for (const auto& a : agents_) {
    if (a.phase == Phase::down) continue;
    ++active;
    for (const auto& t : a.tasks) outstanding += t.task.count - t.done;
  }
  const std::size_t per_agent = std::max<std::uint32_t>(1, launcher_->workers(0));
  std::size_t want = (outstanding + per_agent - 1) / per_agent;
  for (auto& a : agents_) {
    if (active >= want) break;
    if (a.phase != Phase::down || a.dead || now < a.next_start_ns) continue;
    start_agent(a);
    ++active;
  }
}

void RemoteBackend::start_agent(Agent& a) {
  BootstrapPlan plan;
  try {
    if (launcher_->ships_runtime()) plan = plan_for_start();
  } catch (const std::exception& e) {
    a.last_error = std::string("cannot publish the runtime: ") + e.what();
    a.dead = true;
    return;
  }
  if (launcher_->ships_runtime() && plan.runtime_path.empty() && !plan.url && !launcher_->can_upload_runtime()) {
    a.last_error = "storage '" + storage_->name() +
                   "' cannot give hosts a URL to fetch the runtime from; use S3-compatible storage or set " + name_ +
                   ".runtime to an executable present on the hosts";
    a.dead = true;
    return;
  }
  ++a.gen;
  a.id = fmt::format("{}-{}", a.place, a.gen);
  a.phase = Phase::starting;
  a.running = false;
  a.started_ns = now_ns();
  a.beat_etag.clear();
  a.inbox_seq = 0;
  a.known_jobs.clear();
  a.outbox = InboxMessage{};
  AgentSpec spec;
  spec.pool = pool_;
  spec.agent_id = a.id;
  spec.storage_config = storage_config_;
  spec.workers = launcher_->workers(a.place);
  spec.idle_timeout = opt_.idle_timeout;
  spec.heartbeat_interval = opt_.heartbeat_interval;
  spec.poll_interval = opt_.poll_interval;
  try {
    launcher_->start(a.place, spec, plan);
    log_debug("{}: starting agent {} at {}", name_, a.id, launcher_->place_name(a.place));
  } catch (const std::exception& e) {
    on_agent_ended(a, AgentLauncher::Status{true, false, true, e.what()});
  }
}

void RemoteBackend::poll_launcher() {
  for (auto& a : agents_) {
    if (a.phase == Phase::down) continue;
    AgentLauncher::Status st = launcher_->poll(a.place);
    a.running = st.started;
    if (st.restarted) a.started_ns = now_ns();  // e.g. after receiving the runtime over ssh
    if (st.ended && st.clean && a.phase == Phase::up && launcher_->ends_by_heartbeat()) {
      agent_left(a);  // its record says which calls it ran, as when its heartbeat goes
    } else if (st.ended) {
      on_agent_ended(a, st);
    } else if (a.phase == Phase::starting && seconds_since(a.started_ns) > launcher_->start_timeout()) {
      launcher_->stop(a.place);
      std::string why = fmt::format("did not start within {:g} s{}", launcher_->start_timeout(),
                                    st.reason.empty() ? "" : " (" + st.reason + ")");
      a.failed_starts = kMaxFailedStarts;  // waiting longer would not help
      on_agent_ended(a, AgentLauncher::Status{true, false, st.started, why});
    }
  }
}

void RemoteBackend::check_heartbeats() {
  // Often while an agent is starting on a running place (its first beat makes it usable);
  // a pilot still pending in Slurm's queue cannot beat, so it is not listed for.
  const bool starting =
      std::any_of(agents_.begin(), agents_.end(), [](const Agent& a) { return a.phase == Phase::starting && a.running; });
  const bool up = std::any_of(agents_.begin(), agents_.end(), [](const Agent& a) { return a.phase == Phase::up; });
  if (!starting && !up) return;
  const std::int64_t every = starting ? kStartingBeatCheckNs : static_cast<std::int64_t>(opt_.heartbeat_interval * 5e8);
  const std::int64_t now = now_ns();
  if (now - last_beat_check_ns_ < every) return;
  last_beat_check_ns_ = now;
  std::vector<ObjectEntry> beats;
  try {
    beats = storage_->list_objects(storage_->bucket(), AgentKeys::alive_prefix(pool_));
  } catch (const std::exception& e) {
    log_debug("{}: cannot list heartbeats: {}", name_, e.what());
    return;  // a failed listing is not a lost agent
  }
  const std::string prefix = AgentKeys::alive_prefix(pool_);
  std::unordered_map<std::string, const ObjectEntry*> by_id;
  for (const auto& e : beats) by_id[e.key.substr(prefix.size())] = &e;
  for (auto& a : agents_) {
    if (a.phase == Phase::down) continue;
    auto it = by_id.find(a.id);
    if (it != by_id.end() && beat_tag(*it->second) != a.beat_etag) {
      a.beat_etag = beat_tag(*it->second);
      a.beat_seen_ns = now;
      if (a.phase == Phase::starting) {
        try {
          auto beat = AgentHeartbeat::decode(storage_->get_object(storage_->bucket(), it->second->key));
          a.workers = std::max<std::uint32_t>(1, beat.workers);
          a.phase = Phase::up;
          a.failed_starts = 0;
          {
            std::lock_guard lock(mu_);
            agent_workers_[a.place] = a.workers;
          }
          log_debug("{}: agent {} up on {} (pid {}, {} workers)", name_, a.id, beat.host, beat.pid, a.workers);
        } catch (const std::exception& e) {
          a.beat_etag.clear();  // read it again next time
        }
      }
    } else if (it == by_id.end() && a.phase == Phase::up && launcher_->ends_by_heartbeat()) {
      // Its heartbeat was deleted: the agent left cleanly (idle, or its invocation's deadline
      // was near). Its record says which calls it ran; the others it held run elsewhere.
      agent_left(a);
    } else if (a.phase == Phase::up && seconds_since(a.beat_seen_ns) > opt_.heartbeat_timeout) {
      launcher_->stop(a.place);
      on_agent_ended(a, AgentLauncher::Status{true, false, true,
                                              fmt::format("no heartbeat for {:g} s", opt_.heartbeat_timeout)});
    }
  }
}

void RemoteBackend::agent_left(Agent& a) {
  AgentLeft record;
  bool have_record = false;
  try {
    record = AgentLeft::decode(storage_->get_object(storage_->bucket(), AgentKeys::left(pool_, a.id)));
    have_record = true;
  } catch (const std::exception& e) {
    // Without it, every call not known final runs again: at worst twice, never lost.
    log_debug("{}: agent {} left no readable record: {}", name_, a.id, e.what());
  }
  const std::string why = "it left (" + (have_record ? record.reason : std::string("idle, or near its deadline")) + ")";
  log_debug("{}: agent {} {}", name_, a.id, why);
  requeue(a, false, why, have_record ? &record : nullptr);
  a.phase = Phase::down;
  a.known_jobs.clear();
  a.outbox = InboxMessage{};
}

void RemoteBackend::on_agent_ended(Agent& a, const AgentLauncher::Status& st) {
  const std::string place = launcher_->place_name(a.place);
  if (a.phase == Phase::starting) {
    a.last_error = st.reason;
    if (!st.started || ++a.failed_starts >= kMaxFailedStarts) {
      a.dead = true;
      // Once per reason: a thousand function slots give up for one cause.
      if (st.reason != last_give_up_) log_warn("{}: giving up on {}: {}", name_, place, st.reason);
      last_give_up_ = st.reason;
    } else {
      a.next_start_ns = now_ns() + kRestartBackoffNs * (1 << (a.failed_starts - 1));
      log_warn("{}: the agent on {} failed to start ({}); retrying", name_, place, st.reason);
    }
  } else if (!st.clean) {
    log_warn("{}: lost the agent on {}: {}", name_, place, st.reason);
  }
  requeue(a, !st.clean, fmt::format("{} on {}: {}", a.id, place, st.reason));
  a.phase = Phase::down;
  a.known_jobs.clear();
  a.outbox = InboxMessage{};
}

void RemoteBackend::requeue(Agent& a, bool lost, const std::string& reason, const AgentLeft* left) {
  std::vector<Pending> again;
  for (auto& t : a.tasks) {
    const std::uint32_t end = t.task.first + t.task.count;
    std::uint32_t c = t.task.first + t.done;
    // Final here, or ran by the agent (its status may not be read yet).
    auto settled = [&](std::uint32_t i) {
      return (t.job->call_final && t.job->call_final(i)) || (left && left->covers(t.job->manifest.job_key, i));
    };
    while (c < end) {
      if (settled(c)) {
        ++c;
        continue;
      }
      std::uint32_t run_end = c + 1;
      while (run_end < end && !settled(run_end)) ++run_end;
      TaskSpec rest = t.task.slice(c, run_end);
      if (lost) ++rest.deaths;
      if (rest.deaths > opt_.lost_call_retries) {
        CallFailure f;
        f.kind = FailureKind::crash;
        f.type_name = "AgentLost";
        f.message = fmt::format("its {} agent was lost while it held this call ({} time{}; last: {})", name_,
                                static_cast<int>(rest.deaths), rest.deaths == 1 ? "" : "s", reason);
        f.exit_code = -1;
        t.job->sink->on_failures(*t.job, c, run_end - c, f, rest.attempt);
      } else {
        again.push_back(Pending{t.job, std::move(rest)});
      }
      c = run_end;
    }
  }
  a.tasks.clear();
  requeue_front(std::move(again));
}

void RemoteBackend::requeue_front(std::vector<Pending> tasks) {
  for (auto it = tasks.rbegin(); it != tasks.rend(); ++it) {
    queued_calls_ += it->task.count;
    queue_.push_front(std::move(*it));
  }
}

void RemoteBackend::track_progress() {
  for (auto& a : agents_) {
    // Every task, not only the front one: an agent runs several at once, so tasks behind an
    // unfinished one may be done too.
    for (auto it = a.tasks.begin(); it != a.tasks.end();) {
      const auto& final = it->job->call_final;
      while (it->done < it->task.count && final && final(it->task.first + it->done)) ++it->done;
      it = it->done >= it->task.count ? a.tasks.erase(it) : std::next(it);
    }
  }
}

void RemoteBackend::dispatch() {
  // Batches are sized for every agent that is up or on its way, not only those up now: the
  // first agent up must not take the work of hosts that are still starting.
  std::size_t total = 0;
  bool any_up = false;
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    const Agent& a = agents_[i];
    if (a.phase == Phase::up) total += a.workers, any_up = true;
    else if (a.phase == Phase::starting) total += std::max<std::uint32_t>(1, launcher_->workers(i));
  }
  if (!any_up) return;
  // Guided self-scheduling across agents, weighted by their worker counts: batches are large
  // while much work remains and shrink to single calls at the end. An agent holds up to one
  // task per worker, and a second per worker only while more calls wait than there are
  // workers, so a fast agent keeps asking (pull) and a short call is not stuck behind a long
  // one on a busy agent.
  bool progress = true;
  while (progress && !queue_.empty()) {
    progress = false;
    for (auto& a : agents_) {
      if (queue_.empty()) break;
      if (a.phase != Phase::up) continue;
      const std::size_t cap = queued_calls_ > total ? 2 * a.workers : a.workers;
      if (a.tasks.size() >= cap) continue;  // (tasks in the outbox are in a.tasks already)
      Pending& p = queue_.front();
      std::uint32_t n = p.task.count, k = n;
      if (p.job->chunksize == 0) {
        auto guided = static_cast<std::uint32_t>((queued_calls_ * a.workers + 2 * total - 1) / (2 * total));
        k = std::min(std::clamp<std::uint32_t>(guided, 1, kMaxBatch), n);
      }
      TaskSpec task;
      auto job = p.job;
      if (k == n) {
        task = std::move(p.task);
        queue_.pop_front();
      } else {
        task = p.task.slice(p.task.first, p.task.first + k);
        p.task = p.task.slice(p.task.first + k, p.task.first + n);
      }
      queued_calls_ -= k;
      InboxMessage::Task out;
      out.job_key = job->manifest.job_key;
      out.task = task;
      if (out.task.data_key.empty()) out.task.data_key = job->default_data_key;
      if (out.task.offsets.empty())
        out.task.offsets.assign(job->offsets.begin() + task.first, job->offsets.begin() + task.first + task.count + 1);
      out.task.args.clear();
      a.outbox.tasks.push_back(std::move(out));
      a.known_jobs.insert(job->seq);
      job->sink->on_dispatched(*job, task.first, task.count);
      a.tasks.push_back(Assigned{std::move(job), std::move(task), 0});
      progress = true;
    }
  }
}

void RemoteBackend::flush_outboxes() {
  for (auto& a : agents_) {
    if (a.phase != Phase::up || a.outbox.empty()) continue;
    InboxMessage m = std::move(a.outbox);
    a.outbox = InboxMessage{};
    try {
      storage_->put_object(storage_->bucket(), AgentKeys::inbox(pool_, a.id, ++a.inbox_seq), m.encode());
    } catch (const std::exception& e) {
      // The storage retried already: queue the tasks again. The number is not reused: the
      // write may have landed after all (then the agent runs them too, and the first result
      // of each call wins), and the agent reads only messages after the last one it took.
      log_warn("{}: cannot write the inbox of agent {}: {}", name_, a.id, e.what());
      std::size_t drop = m.tasks.size();
      std::vector<Pending> undo;
      for (auto it = a.tasks.end() - static_cast<std::ptrdiff_t>(drop); it != a.tasks.end(); ++it)
        undo.push_back(Pending{std::move(it->job), std::move(it->task)});
      a.tasks.erase(a.tasks.end() - static_cast<std::ptrdiff_t>(drop), a.tasks.end());
      requeue_front(std::move(undo));
    }
  }
}

void RemoteBackend::fail_queue(const std::string& why) {
  CallFailure f;
  f.kind = FailureKind::internal;
  f.type_name = "BackendError";
  f.message = why;
  for (auto& p : queue_) p.job->sink->on_failures(*p.job, p.task.first, p.task.count, f, p.task.attempt);
  queue_.clear();
  queued_calls_ = 0;
}

}  // namespace lithops::detail
