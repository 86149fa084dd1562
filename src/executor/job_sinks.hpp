#pragma once
// Where a backend's reports go. Pipe transport: straight into the client's JobState.
// Storage transport: failures the supervisor detects (crash, timeout) are written as status
// objects, as a remote agent will, so that the client learns everything through storage.
#include <memory>

#include "compute/compute_backend.hpp"
#include "core/job_state.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

class JobStateSink final : public ResultSink {
 public:
  explicit JobStateSink(std::weak_ptr<JobState> state) : state_(std::move(state)) {}
  void on_dispatched(const BackendJob&, std::uint32_t first, std::uint32_t count) override;
  void on_outcomes(const BackendJob&, std::span<const CallOutcome> outcomes, std::shared_ptr<const std::string> chunk,
                   int pid, const std::string& host) override;
  void on_failure(const BackendJob&, std::uint32_t index, const CallFailure& failure, std::uint8_t attempts, int pid,
                  const std::string& host, std::int64_t func_start_ns) override;

 private:
  std::weak_ptr<JobState> state_;
};

class StorageStatusSink final : public ResultSink {
 public:
  explicit StorageStatusSink(std::shared_ptr<StorageBackend> storage) : storage_(std::move(storage)) {}
  void on_dispatched(const BackendJob&, std::uint32_t, std::uint32_t) override {}
  void on_outcomes(const BackendJob&, std::span<const CallOutcome>, std::shared_ptr<const std::string>, int,
                   const std::string&) override {}
  void on_failure(const BackendJob& job, std::uint32_t index, const CallFailure& failure, std::uint8_t attempts, int pid,
                  const std::string& host, std::int64_t func_start_ns) override;
  /// One status object for the whole range (10,000 calls failing alike are one PUT, not 10,000).
  void on_failures(const BackendJob& job, std::uint32_t first, std::uint32_t count, const CallFailure& failure,
                   std::uint8_t attempts) override;

 private:
  void put(const BackendJob& job, std::span<const CallOutcome> outcomes, int pid, const std::string& host);

  std::shared_ptr<StorageBackend> storage_;
};

}  // namespace lithops::detail
