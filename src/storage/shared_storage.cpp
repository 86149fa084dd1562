#include "storage/shared_storage.hpp"

#include <map>
#include <mutex>

#include "lithops/config.hpp"

namespace lithops::detail {

namespace {
std::mutex g_mu;
std::map<std::string, std::shared_ptr<StorageBackend>>& registry() {
  static auto* r = new std::map<std::string, std::shared_ptr<StorageBackend>>;  // outlives static dtors
  return *r;
}
std::string g_current;
}  // namespace

std::shared_ptr<StorageBackend> shared_storage(const std::string& yaml) {
  std::lock_guard lock(g_mu);
  auto& s = registry()[yaml];
  if (!s) s = make_storage(Config::from_yaml(yaml, "job manifest"));
  return s;
}

void set_current_job_storage(const std::string& yaml) {
  std::lock_guard lock(g_mu);
  g_current = yaml;
}

const std::string& current_job_storage() {
  // Written only by the worker's single task loop before a call starts.
  return g_current;
}

}  // namespace lithops::detail
