// Every configuration key, declared once: the loader, validation, `lithops config` and
// `lithops config --keys` (the reference users read) all come from this table.
#include "lithops/config.hpp"

namespace lithops {

namespace {
using T = ConfigKey::Type;
}

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> keys = {
      {"lithops.backend", T::string, "localhost", {"localhost"}, "compute backend that runs the calls"},
      {"lithops.storage", T::string, "localhost", {"localhost"}, "storage backend the job model persists through"},
      {"lithops.log_level", T::string, "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "NONE"},
       "level of the 'lithops' logger on stderr"},
      {"lithops.execution_timeout", T::number, "1800", {},
       "seconds a call may run before it is killed and fails with ExecutionTimeoutError (0: no limit)"},
      {"lithops.chunksize", T::integer, "0", {},
       "calls per worker request; 0 lets the backend size batches (guided self-scheduling)"},
      {"lithops.retries", T::integer, "0", {}, "extra attempts for a call that threw, crashed or timed out"},
      {"lithops.data_cleaner", T::boolean, "true", {},
       "delete a job's temporary data in storage once its results are on the client"},
      {"lithops.monitoring_interval", T::number, "0.05", {},
       "longest period between listings of status objects in storage (storage transport); "
       "polls come faster right after new work or completions"},
      {"lithops.storage_attempts", T::integer, "5", {},
       "attempts of a storage operation that fails transiently, with exponential backoff from 20 ms"},
      {"lithops.progress_bar", T::boolean, "true", {},
       "draw a progress bar on stderr, when it is a terminal, for waits longer than a second"},
      {"localhost.worker_processes", T::integer, "0", {}, "worker processes in the pool; 0: one per core"},
      {"localhost.runtime", T::string, "", {},
       "executable the workers run; empty: the program's own executable (it must be the same build)"},
      {"localhost.transport", T::string, "pipe", {"pipe", "storage"},
       "how calls reach local workers: 'pipe' (fast) or 'storage' (exactly as remote backends: "
       "arguments, statuses and results only through storage)"},
      {"localhost.storage_dir", T::string, "", {},
       "directory of the localhost storage backend; empty: $TMPDIR/lithops-<user>"},
      {"localhost.storage_bucket", T::string, "storage", {}, "bucket (sub-directory) Lithops keeps its data in"},
  };
  return keys;
}

}  // namespace lithops
