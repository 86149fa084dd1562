#include "executor/storage_monitor.hpp"

#include <algorithm>
#include <charconv>

#include "core/job_manifest.hpp"
#include "core/status_object.hpp"
#include "util/log.hpp"

namespace lithops::detail {

StorageMonitor::StorageMonitor(std::shared_ptr<StorageBackend> storage, double interval_s)
    : storage_(std::move(storage)), interval_(interval_s), thread_([this] { loop(); }) {}

StorageMonitor::~StorageMonitor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StorageMonitor::watch(std::shared_ptr<JobState> job) {
  {
    std::lock_guard lock(mu_);
    incoming_.push_back(Watched{std::move(job), 0});
  }
  cv_.notify_all();
}

void StorageMonitor::loop() {
  std::vector<Watched> watched;
  // Adaptive period: soon after new work or new completions (more are likely), then growing by
  // a quarter up to the configured interval while nothing changes. A short job is seen done within a
  // few ms; an idle long job costs one listing per interval.
  const auto fastest = std::max<std::chrono::duration<double>>(interval_ / 20, std::chrono::milliseconds(1));
  std::chrono::duration<double> period = fastest;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (watched.empty()) cv_.wait(lock, [&] { return stop_ || !incoming_.empty(); });
      else cv_.wait_for(lock, period, [&] { return stop_ || !incoming_.empty(); });
      if (stop_) return;
      if (!incoming_.empty()) period = fastest;
      for (auto& w : incoming_) watched.push_back(std::move(w));
      incoming_.clear();
    }
    bool progress = false;
    for (auto& w : watched) {
      try {
        std::size_t before = w.job->remaining();
        poll(w);
        progress = progress || w.job->remaining() != before;
      } catch (const std::exception& e) {
        // A storage hiccup: the next poll tries again; nothing is lost since statuses persist.
        log_warn("{}: listing call statuses failed, will retry: {}", w.job->info().job_key, e.what());
      }
    }
    std::erase_if(watched, [](const Watched& w) { return w.job->finished(); });
    period = progress ? fastest : std::min<std::chrono::duration<double>>(period * 1.25, interval_);
  }
}

void StorageMonitor::poll(Watched& w) {
  JobState& job = *w.job;
  const std::string& key = job.info().job_key;
  const std::string prefix = JobKeys::status_prefix(key);
  auto keys = storage_->list_keys(storage_->bucket(), prefix,
                                  JobKeys::status_after(key, static_cast<std::uint32_t>(w.watermark)));
  for (const auto& k : keys) {
    // "<first>-<count>"
    std::string_view name = std::string_view(k).substr(prefix.size());
    std::uint32_t first = 0, count = 0;
    auto dash = name.find('-');
    if (dash == std::string_view::npos ||
        std::from_chars(name.data(), name.data() + dash, first).ec != std::errc() ||
        std::from_chars(name.data() + dash + 1, name.data() + name.size(), count).ec != std::errc())
      continue;
    bool pending = false;
    for (std::uint32_t i = first; i < first + count && i < job.size(); ++i)
      pending = pending || !is_final(job.call(i).state.load(std::memory_order_acquire));
    if (!pending) continue;
    auto bytes = std::make_shared<std::string>(storage_->get_object(storage_->bucket(), k));
    StatusObject s = decode_status_object(*bytes);
    job.complete(s.outcomes, bytes, s.pid, s.host);
  }
  while (w.watermark < job.size() && is_final(job.call(w.watermark).state.load(std::memory_order_acquire)))
    ++w.watermark;
}

}  // namespace lithops::detail
