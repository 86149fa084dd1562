// Every configuration key, declared once: the loader, validation, `lithops config` and
// `lithops config --keys` (the reference users read) all come from this table.
#include "lithops/config.hpp"

#include <fmt/format.h>

#include "cloud/aws/aws_keys.hpp"
#include "cloud/ibm/ibm_keys.hpp"
#include "compute/backend_table.hpp"
#include "storage/backend_table.hpp"

namespace lithops {

namespace {
using T = ConfigKey::Type;

// `lithops.backend` and `lithops.storage`: their choices and documentation come from the
// backend tables, so a new backend appears here, in validation and in its error texts by
// adding its row.
ConfigKey backend_key() {
  ConfigKey k{"lithops.backend", T::string, "localhost", {}, "compute backend that runs the calls:"};
  for (const auto& r : detail::compute_backends()) {
    k.choices.push_back(r.name);
    k.doc += fmt::format("{} {} ({})", k.choices.size() == 1 ? "" : ";", r.name, r.description);
  }
  return k;
}

ConfigKey storage_key() {
  ConfigKey k{"lithops.storage", T::string, "localhost", {}, "storage backend the job model persists through:"};
  for (const auto& r : detail::storage_backends()) {
    k.choices.push_back(r.name);
    k.doc += fmt::format("{} {} ({})", k.choices.size() == 1 ? "" : ";", r.name, r.description);
  }
  return k;
}

}  // namespace

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> keys = [] {
  std::vector<ConfigKey> keys = {
      backend_key(),
      storage_key(),
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
      {"lithops.storage_attempts", T::integer, "10", {},
       "attempts of a storage operation that fails transiently, with exponential backoff from 20 ms "
       "up to 2 s between attempts"},
      {"lithops.progress_bar", T::boolean, "true", {},
       "draw a progress bar on stderr, when it is a terminal, for waits longer than a second"},
      {"multiprocessing.expiry", T::number, "3600", {},
       "seconds the Redis keys of a shared object (Queue, Lock, ...) outlive the last sign of its creator: "
       "renewed while the object exists, so a killed client leaves nothing behind after this long"},
  };
  // Each backend declares its own section; sections shared by several backends (`aws`, `ibm`,
  // and `localhost`, whose compute and storage keys differ) are declared once.
  detail::declare_aws_keys(keys);
  detail::declare_ibm_keys(keys);
  for (const auto& r : detail::storage_backends()) r.declare_keys(keys);
  for (const auto& r : detail::compute_backends()) r.declare_keys(keys);
  return keys;
  }();
  return keys;
}

}  // namespace lithops
