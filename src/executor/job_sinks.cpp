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
  try {
    storage_->put_object(storage_->bucket(), JobKeys::status(job.manifest.job_key, index, 1),
                         encode_status_object(std::span<const CallOutcome>(&o, 1), pid, host));
  } catch (const std::exception& e) {
    log_warn("{} call {}: cannot write its failure status: {}", job.manifest.job_key, index, e.what());
  }
}

}  // namespace lithops::detail
