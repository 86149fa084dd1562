#pragma once
// Storage backends shared within a process, keyed by the YAML that configures them: a worker
// opens each job's storage once, and user code inside a call (lithops::Storage(), an object
// chunk's reads) uses the same connections as the runtime.
#include <memory>
#include <string>

#include "storage/storage_backend.hpp"

namespace lithops::detail {

/// The backend `worker_storage_config`-style YAML describes, opened on first use.
std::shared_ptr<StorageBackend> shared_storage(const std::string& yaml);

/// In a worker: the storage YAML of the job whose call is running ("" outside a worker).
void set_current_job_storage(const std::string& yaml);
const std::string& current_job_storage();

}  // namespace lithops::detail
