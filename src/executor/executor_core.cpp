#include "executor/executor_core.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <unordered_map>

#include "compute/backend_table.hpp"
#include "core/build_id.hpp"
#include "executor/job_sinks.hpp"
#include "executor/storage_monitor.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

// Lithops' session id: 6 hex characters per client process.
const std::string& session_id() {
  static const std::string id = [] {
    std::random_device rd;
    return fmt::format("{:06x}", (rd() ^ static_cast<unsigned>(::getpid())) & 0xffffff);
  }();
  return id;
}

std::atomic<std::uint32_t> g_backend_seq{1};

// The failure of an input call, as the failure of the call that needed it: same kind and
// exception type, so `catch` clauses written for the original still match.
CallFailure inherited_failure(const JobState& input, std::size_t index) {
  CallFailure f = input.failure(index);
  f.message = fmt::format("{} (in input call {}/{})", f.message, input.info().job_key, format_call_id(index));
  return f;
}

}  // namespace

std::string next_executor_id() {
  static std::atomic<unsigned> n{0};
  return fmt::format("{}-{}", session_id(), n.fetch_add(1));
}

ExecutorCore::ExecutorCore(Config config)
    : config_(std::move(config)),
      id_(next_executor_id()),
      // Remote backends have no other way: calls reach other machines only through storage.
      storage_transport_(is_remote_backend(config_.get_string("lithops.backend")) ||
                         config_.get_string("localhost.transport") == "storage"),
      data_cleaner_(config_.get_bool("lithops.data_cleaner")),
      anchor_(std::make_shared<Anchor>()) {
  set_log_level(config_.get_string("lithops.log_level"));
  anchor_->core = this;
  storage_ = make_storage(config_);
  // Lithops creates its bucket on first use; only the client does, never each worker.
  if (!storage_->bucket_exists(storage_->bucket())) storage_->create_bucket(storage_->bucket());
  backend_ = make_compute_backend(config_, storage_);
  execution_timeout_ = config_.get_double("lithops.execution_timeout");
  retries_ = static_cast<unsigned>(config_.get_int("lithops.retries"));
  chunksize_ = static_cast<std::size_t>(config_.get_int("lithops.chunksize"));
  progress_bar_ = config_.get_bool("lithops.progress_bar");
  // Also for calls that use lithops::Storage. Workers that find their own credentials (a
  // cloud function's role) get none in the manifest.
  worker_storage_config_ =
      worker_storage_config(config_, !workers_have_storage_credentials(config_), storage_->bucket());
  if (storage_transport_)
    monitor_ = std::make_unique<StorageMonitor>(storage_, config_.get_double("lithops.monitoring_interval"));
  log_info("ExecutorID {} | Backend: {} ({} workers, {} transport) - Storage: {}", id_, backend_->name(),
           backend_->worker_count(), storage_transport_ ? "storage" : "pipe", storage_->name());
}

void ExecutorCore::use_data_storage(const std::string& backend) {
  std::lock_guard lock(mu_);
  if (backend == storage_->name() ||
      std::find(data_backends_.begin(), data_backends_.end(), backend) != data_backends_.end())
    return;
  data_backends_.push_back(backend);
  worker_storage_config_ = worker_storage_config(config_, !workers_have_storage_credentials(config_),
                                                 storage_->bucket(), data_backends_);
}

ExecutorCore::~ExecutorCore() {
  {
    std::lock_guard lock(anchor_->mu);
    anchor_->core = nullptr;
  }
  backend_->shutdown();
  monitor_.reset();
  std::vector<std::shared_ptr<JobState>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& j : jobs_)
      if (!j.state->finished()) live.push_back(j.state);
  }
  CallFailure cancelled;
  cancelled.kind = FailureKind::cancelled;
  cancelled.type_name = "Cancelled";
  cancelled.message = "the executor " + id_ + " was shut down before the call finished";
  for (auto& s : live) s->fail_pending(cancelled);
  if (data_cleaner_) clean();
}

std::shared_ptr<BackendJob> ExecutorCore::make_backend_job(const JobRequest& req,
                                                           const std::shared_ptr<JobState>& state) {
  auto bj = std::make_shared<BackendJob>();
  bj->seq = g_backend_seq.fetch_add(1);
  JobManifest& m = bj->manifest;
  m.executor_id = id_;
  m.job_id = state->info().job_id;
  m.job_key = state->info().job_key;
  m.build_id = build_id();
  m.function = req.function;
  m.execution_timeout = req.options.timeout.value_or(execution_timeout_);
  m.retries = req.options.retries.value_or(retries_);
  m.total_calls = static_cast<std::uint32_t>(req.calls);
  bj->chunksize = static_cast<std::uint32_t>(
      req.options.chunksize.value_or(chunksize_));
  bj->storage_transport = storage_transport_;
  {
    std::lock_guard lock(mu_);
    m.storage_config = worker_storage_config_;
  }
  if (storage_transport_) {
    bj->sink = std::make_shared<StorageStatusSink>(storage_);
    std::weak_ptr<JobState> weak = state;
    bj->call_final = [weak](std::uint32_t i) {
      auto s = weak.lock();
      return !s || is_final(s->call(i).state.load(std::memory_order_acquire));
    };
    storage_->put_object(storage_->bucket(), JobKeys::manifest(m.job_key), m.encode());
  } else {
    bj->sink = std::make_shared<JobStateSink>(state);
  }
  return bj;
}

std::shared_ptr<JobState> ExecutorCore::submit(JobRequest req) {
  if (req.calls == 0) throw Error("lithops: a job needs at least one call (empty input)");
  if (req.calls > 0xffffffffu) throw Error("lithops: too many calls in one job");
  JobInfo info;
  info.executor_id = id_;
  info.job_id = fmt::format("{}{:03d}", req.kind, job_counter_.fetch_add(1));
  info.job_key = id_ + "-" + info.job_id;
  info.function = req.function.name;
  info.total_calls = req.calls;
  info.progress_bar = progress_bar_;
  auto state = std::make_shared<JobState>(info);
  state->set_submit_ns(now_ns());
  auto bj = make_backend_job(req, state);
  {
    std::lock_guard lock(mu_);
    if (jobs_.size() >= prune_at_) {
      std::erase_if(jobs_, [this](const Job& j) {
        return j.state->finished() && !stored_jobs_.contains(j.state->info().job_key);
      });
      prune_at_ = std::max<std::size_t>(64, 2 * jobs_.size());
    }
    jobs_.push_back(Job{state, bj});
    if (storage_transport_) stored_jobs_.insert(info.job_key);
  }
  log_info("ExecutorID {} | JobID {} - Starting function invocation: {}() - Total: {} activations", id_,
           info.job_id, info.function, info.total_calls);
  // Completion bookkeeping first, so that it also sees calls that fail during submission.
  std::weak_ptr<BackendJob> weak_bj = bj;
  JobState* raw = state.get();
  auto anchor = anchor_;
  auto fired = std::make_shared<std::atomic<bool>>(false);
  state->add_listener([anchor, weak_bj, raw, fired](std::span<const std::uint32_t>) {
    if (!raw->finished() || fired->exchange(true)) return;
    std::lock_guard lock(anchor->mu);
    auto bj = weak_bj.lock();
    if (anchor->core && bj) anchor->core->on_job_final(*bj, *raw);
  });
  if (storage_transport_) monitor_->watch(state);
  if (!req.chain.empty()) {
    watch_chain(bj, state, req);
  } else if (!req.reduce.empty()) {
    watch_reduce(bj, state, req);
  } else {
    submit_inline(bj, req);
  }
  return state;
}

void ExecutorCore::submit_inline(const std::shared_ptr<BackendJob>& bj, JobRequest& req) {
  if (storage_transport_) {
    bj->default_data_key = JobKeys::data(bj->manifest.job_key, "all");
    storage_->put_object(storage_->bucket(), bj->default_data_key, req.args);
  } else {
    bj->args = std::make_shared<const std::string>(std::move(req.args));
  }
  bj->offsets = std::move(req.offsets);
  TaskSpec all;
  all.count = static_cast<std::uint32_t>(req.calls);
  backend_->submit(bj, all.split(bj->chunksize));
}

void ExecutorCore::watch_chain(const std::shared_ptr<BackendJob>& bj, const std::shared_ptr<JobState>& state,
                               JobRequest& req) {
  // Group our calls by the job their input comes from: one listener per input job.
  std::unordered_map<JobState*, std::shared_ptr<std::vector<std::vector<std::uint32_t>>>> by_job;
  std::vector<std::shared_ptr<JobState>> inputs;
  for (std::uint32_t i = 0; i < req.chain.size(); ++i) {
    const CallHandle& h = req.chain[i];
    auto& deps = by_job[h.job.get()];
    if (!deps) {
      deps = std::make_shared<std::vector<std::vector<std::uint32_t>>>(h.job->size());
      inputs.push_back(h.job);
    }
    (*deps)[h.index].push_back(i);
  }
  auto suffix = std::make_shared<const std::string>(std::move(req.suffix));
  std::weak_ptr<JobState> weak_state = state;
  for (auto& input : inputs) {
    auto deps = by_job[input.get()];
    JobState* in = input.get();
    auto anchor = anchor_;
    input->add_listener([anchor, bj, weak_state, deps, in, suffix](std::span<const std::uint32_t> done) {
      auto me = weak_state.lock();
      if (!me) return;
      std::vector<std::uint32_t> calls;
      std::vector<std::string> args;
      for (auto u : done) {
        for (auto d : (*deps)[u]) {
          const CallRecord& rec = in->call(u);
          if (rec.state.load(std::memory_order_acquire) == CallState::success) {
            calls.push_back(d);
            args.push_back(std::string(rec.result()) + *suffix);
          } else {
            me->fail(d, inherited_failure(*in, u), 0, 0, "");
          }
        }
      }
      if (calls.empty()) return;
      std::lock_guard lock(anchor->mu);
      if (anchor->core) anchor->core->submit_resolved(bj, std::move(calls), std::move(args));
    });
  }
}

void ExecutorCore::watch_reduce(const std::shared_ptr<BackendJob>& bj, const std::shared_ptr<JobState>& state,
                                JobRequest& req) {
  auto handles = std::make_shared<std::vector<CallHandle>>(std::move(req.reduce));
  auto pending = std::make_shared<std::atomic<std::size_t>>(handles->size());
  auto suffix = std::make_shared<const std::string>(std::move(req.suffix));
  std::weak_ptr<JobState> weak_state = state;
  auto anchor = anchor_;
  // Each input call counts down once; the last one builds the reducer's input. The listener
  // lives in the input jobs and `handles` owns them: the handles are dropped once used, or the
  // jobs would keep each other alive for ever.
  auto on_done = [anchor, bj, weak_state, handles, pending, suffix](std::size_t n_done) {
    if (pending->fetch_sub(n_done) != n_done) return;
    std::vector<CallHandle> inputs = std::move(*handles);
    handles->clear();
    auto me = weak_state.lock();
    if (!me) return;
    std::string input;
    BufferOutputArchive ar(input);
    ar(cereal::make_size_tag(static_cast<cereal::size_type>(inputs.size())));
    for (const auto& h : inputs) {
      const CallRecord& rec = h.job->call(h.index);
      if (rec.state.load(std::memory_order_acquire) != CallState::success)
        return me->fail(0, inherited_failure(*h.job, h.index), 0, 0, "");
      input += rec.result();  // a std::vector<R> is its size, then its elements, in cereal
    }
    input += *suffix;
    std::lock_guard lock(anchor->mu);
    if (anchor->core) anchor->core->submit_resolved(bj, {0}, {std::move(input)});
  };
  std::unordered_map<JobState*, std::shared_ptr<std::vector<std::uint32_t>>> counts;
  std::vector<std::shared_ptr<JobState>> inputs;
  for (const auto& h : *handles) {
    auto& c = counts[h.job.get()];
    if (!c) {
      c = std::make_shared<std::vector<std::uint32_t>>(h.job->size(), 0);
      inputs.push_back(h.job);
    }
    ++(*c)[h.index];
  }
  for (auto& input : inputs) {
    auto c = counts[input.get()];
    input->add_listener([on_done, c](std::span<const std::uint32_t> done) {
      std::size_t n = 0;
      for (auto u : done) n += (*c)[u];
      if (n) on_done(n);
    });
  }
}

void ExecutorCore::submit_resolved(const std::shared_ptr<BackendJob>& bj, std::vector<std::uint32_t> calls,
                                   std::vector<std::string> inputs) {
  // Sort by call index, then cut into runs of consecutive calls: a task is a range.
  std::vector<std::size_t> order(calls.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return calls[a] < calls[b]; });
  std::vector<TaskSpec> tasks;
  for (std::size_t k = 0; k < order.size(); ++k) {
    std::uint32_t c = calls[order[k]];
    if (tasks.empty() || tasks.back().first + tasks.back().count != c) {
      TaskSpec t;
      t.first = c;
      t.offsets.push_back(0);
      tasks.push_back(std::move(t));
    }
    TaskSpec& t = tasks.back();
    t.args += inputs[order[k]];
    t.offsets.push_back(t.args.size());
    ++t.count;
  }
  if (storage_transport_) {
    for (auto& t : tasks) {
      t.data_key = JobKeys::data(bj->manifest.job_key, fmt::format("{:05d}-{}", t.first, t.count));
      storage_->put_object(storage_->bucket(), t.data_key, t.args);
      t.args.clear();
    }
  }
  std::vector<TaskSpec> sized;
  for (const auto& t : tasks)
    for (auto& part : t.split(bj->chunksize)) sized.push_back(std::move(part));
  backend_->submit(bj, std::move(sized));
}

void ExecutorCore::on_job_final(const BackendJob& bj, JobState& state) {
  backend_->release(bj.seq);
  const std::size_t n = state.size();
  std::int64_t first_start = INT64_MAX, last_end = 0;
  double exec_sum = 0;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const CallRecord& r = state.call(i);
    if (r.state.load(std::memory_order_acquire) != CallState::success) ++failed;
    if (r.func_start_ns) first_start = std::min(first_start, r.func_start_ns);
    last_end = std::max(last_end, r.func_end_ns);
    exec_sum += static_cast<double>(r.func_end_ns - r.func_start_ns) * 1e-9;
  }
  const double wall = static_cast<double>(now_ns() - state.submit_ns()) * 1e-9;
  log_info("ExecutorID {} | JobID {} - {} of {} calls done{} in {:.3f} s (first start after {:.3f} s, "
           "function time {:.3f} s in total, {:.1f} us mean)",
           id_, state.info().job_id, n - failed, n, failed ? fmt::format(", {} failed", failed) : "", wall,
           first_start == INT64_MAX ? 0.0 : static_cast<double>(first_start - state.submit_ns()) * 1e-9, exec_sum,
           n ? exec_sum / static_cast<double>(n) * 1e6 : 0.0);
  if (storage_transport_ && data_cleaner_) clean_job(state.info().job_key);
}

void ExecutorCore::clean_job(const std::string& job_key) {
  try {
    storage_->delete_prefix(storage_->bucket(), JobKeys::prefix(job_key));
  } catch (const std::exception& e) {
    log_warn("cannot clean the data of job {}: {}", job_key, e.what());
  }
  std::lock_guard lock(mu_);
  stored_jobs_.erase(job_key);
}

void ExecutorCore::clean() {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(mu_);
    for (auto& j : jobs_) {
      if (!j.state->finished()) continue;  // still running: its data is in use
      if (stored_jobs_.contains(j.backend->manifest.job_key)) keys.push_back(j.backend->manifest.job_key);
    }
  }
  for (auto& k : keys) clean_job(k);
}

}  // namespace lithops::detail
