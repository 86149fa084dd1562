#include <cstdio>
#include <cstdlib>

#include "core/protocol.hpp"
#include "executor/executor_core.hpp"
#include "lithops/executor.hpp"

namespace lithops {

namespace {
// A worker process that reaches an executor's constructor never went through lithops::init:
// it would start workers of its own, without end. Stop it with a message that says why.
void refuse_in_uninitialised_worker() {
  if (std::getenv(detail::kWorkerEnv) == nullptr) return;
  std::fprintf(stderr,
               "lithops: this process was started as a worker but main() did not call "
               "lithops::init(argc, argv) first; add it as the first line of main()\n");
  std::_Exit(detail::kNoInitExitCode);
}
}  // namespace

FunctionExecutor::FunctionExecutor() : FunctionExecutor(Config::load()) {}

FunctionExecutor::FunctionExecutor(const Config& config) {
  refuse_in_uninitialised_worker();
  core_ = std::make_unique<detail::ExecutorCore>(config);
  link_ = std::make_shared<detail::ExecutorLink>();
  link_->executor.store(this);
}

FunctionExecutor::~FunctionExecutor() { link_->executor.store(nullptr); }

const std::string& FunctionExecutor::executor_id() const { return core_->id(); }
const Config& FunctionExecutor::config() const { return core_->config(); }
std::size_t FunctionExecutor::worker_count() const { return core_->worker_count(); }
void FunctionExecutor::clean() { core_->clean(); }

Storage FunctionExecutor::storage() const { return Storage(core_->storage()); }

std::vector<ObjectChunk> FunctionExecutor::partition_data(const ObjectData& data) const {
  Storage st = storage();
  // Data in another store than the executor's: opened from this executor's configuration, and
  // its section travels with the jobs from now on, so that each worker reads it itself.
  return partition(st, data, [this](const std::string& backend) {
    Storage other(config(), backend);
    core_->use_data_storage(backend);
    return other;
  });
}

std::shared_ptr<detail::JobState> FunctionExecutor::submit(detail::JobRequest req) {
  return core_->submit(std::move(req));
}

}  // namespace lithops
