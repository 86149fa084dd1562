#include "executor/job_sinks.hpp"

#include "core/status_object.hpp"
#include "util/log.hpp"

namespace lithops::detail {

void JobStateSink::on_dispatched(const BackendJob&, std::uint32_t first, std::uint32_t count) {
  if (auto s = state_.lock()) s->mark_running(first, count);
}

void JobStateSink::on_outcomes(const BackendJob&, std::span<const CallOutcome> outcomes,
                               std::shared_ptr<const std::string> chunk, int pid, const std::string& host) {
  if (auto s = state_.lock()) s->complete(outcomes, std::move(chunk), pid, host);
}

void JobStateSink::on_failure(const BackendJob&, std::uint32_t index, const CallFailure& failure,
                              std::uint8_t attempts, int pid, const std::string& host, std::int64_t func_start_ns) {
  if (auto s = state_.lock()) s->fail(index, failure, attempts, pid, host, func_start_ns);
}

void StorageStatusSink::on_failure(const BackendJob& job, std::uint32_t index, const CallFailure& failure,
                                   std::uint8_t attempts, int pid, const std::string& host,
                                   std::int64_t func_start_ns) {
  std::string payload;
  Writer w(payload);
  failure.write(w);
  CallOutcome o;
  o.index = index;
  o.attempts = attempts;
  o.ok = false;
  o.worker_start_ns = o.func_start_ns = func_start_ns;
  o.func_end_ns = now_ns();
  o.payload = payload;
  put(job, std::span<const CallOutcome>(&o, 1), pid, host);
}

void StorageStatusSink::on_failures(const BackendJob& job, std::uint32_t first, std::uint32_t count,
                                    const CallFailure& failure, std::uint8_t attempts) {
  std::string payload;
  Writer w(payload);
  failure.write(w);
  const std::int64_t now = now_ns();
  std::vector<CallOutcome> outcomes(count);
  for (std::uint32_t k = 0; k < count; ++k) {
    CallOutcome& o = outcomes[k];
    o.index = first + k;
    o.attempts = attempts;
    o.ok = false;
    o.func_end_ns = now;
    o.payload = payload;  // a view: `payload` outlives the encoding below
  }
  put(job, outcomes, 0, "");
}

void StorageStatusSink::put(const BackendJob& job, std::span<const CallOutcome> outcomes, int pid,
                            const std::string& host) {
  try {
    storage_->put_object(storage_->bucket(),
                         JobKeys::status(job.manifest.job_key, outcomes.front().index,
                                         static_cast<std::uint32_t>(outcomes.size())),
                         encode_status_object(outcomes, pid, host));
  } catch (const std::exception& e) {
    log_warn("{} calls {}..{}: cannot write their failure status: {}", job.manifest.job_key, outcomes.front().index,
             outcomes.back().index, e.what());
  }
}

}  // namespace lithops::detail
