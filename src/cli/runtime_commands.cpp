// `lithops runtime ...`: the runtimes (user executables) published in the configured storage,
// named as in Lithops (`lithops runtime deploy|list|delete`). Here a runtime is a program built
// with lithops, stored under its build id; remote backends fetch it from there.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "lithops/lithops.hpp"
#include "runtime/runtime_store.hpp"
#include "storage/storage_backend.hpp"
#include "util/log.hpp"

namespace lithops::cli {

namespace {

// As in Lithops, -s names the storage and -b the compute backend (unused here: runtimes live
// in storage, whatever backend later runs them).
std::unique_ptr<detail::StorageBackend> open_storage(const CommonOptions& opts) {
  Config c = opts.load();
  detail::set_log_level(c.get_string("lithops.log_level"));  // -d shows the storage requests
  return detail::make_storage(c);
}

std::string where(const detail::StorageBackend& st) { return fmt::format("{}://{}", st.name(), st.bucket()); }

constexpr std::size_t kShaPrefix = 12;

}  // namespace

int runtime_deploy(const CommonOptions& opts, const std::string& executable) {
  if (executable.empty())
    throw Error("lithops runtime deploy: give the path of the executable to deploy (a program built with lithops)");
  auto st = open_storage(opts);
  auto d = detail::deploy_runtime(*st, executable);
  const auto& r = d.info;
  std::cout << fmt::format("{} runtime '{}' {} {}\n", d.uploaded ? "Deployed" : "Already deployed:", r.name,
                           d.uploaded ? "to" : "in", where(*st));
  std::cout << fmt::format("  build id: {}\n  sha256:   {}\n  size:     {} ({} bytes)\n  arch:     {}\n", r.build_id,
                           r.sha256, human_size(r.size), r.size, r.arch.empty() ? "-" : r.arch);
  return 0;
}

int runtime_list(const CommonOptions& opts) {
  auto st = open_storage(opts);
  auto runtimes = detail::list_runtimes(*st);
  std::size_t id_width = 8, name_width = 4;
  for (const auto& r : runtimes) {
    id_width = std::max(id_width, r.build_id.size());
    name_width = std::max(name_width, r.name.size());
  }
  std::cout << fmt::format("Runtimes in {}\n", where(*st));
  std::cout << fmt::format("{:<{}}  {:<{}}  {:>10}  {:<23}  {}\n", "Build id", id_width, "Name", name_width, "Size",
                           "Created", "SHA-256");
  std::cout << std::string(id_width + name_width + 53, '-') << '\n';
  for (const auto& r : runtimes)
    std::cout << fmt::format("{:<{}}  {:<{}}  {:>10}  {:<23}  {}\n", r.build_id, id_width, r.name, name_width,
                             human_size(r.size), utc_timestamp(r.created_ms), r.sha256.substr(0, kShaPrefix));
  std::cout << fmt::format("Total: {} runtime{}\n", runtimes.size(), runtimes.size() == 1 ? "" : "s");
  return 0;
}

int runtime_delete(const CommonOptions& opts, const std::vector<std::string>& build_ids, bool all) {
  if (all == !build_ids.empty())
    throw Error("lithops runtime delete: give the build ids to delete, or --all (not both)");
  auto st = open_storage(opts);
  if (all) {
    const auto n = detail::list_runtimes(*st).size();
    // The whole prefix, so that a half-published runtime (no meta.json yet) goes too.
    try {
      st->delete_prefix(st->bucket(), detail::RuntimeKeys::prefix());
    } catch (const NoSuchBucketError&) {  // nothing was ever deployed there
    }
    std::cout << fmt::format("Deleted {} runtime{} from {}\n", n, n == 1 ? "" : "s", where(*st));
    return 0;
  }
  int status = 0;
  for (const auto& id : build_ids) {
    if (detail::delete_runtime(*st, id)) {
      std::cout << fmt::format("Deleted runtime {} from {}\n", id, where(*st));
    } else {
      std::cerr << fmt::format("lithops: no runtime {} in {}\n", id, where(*st));
      status = 1;
    }
  }
  return status;
}

}  // namespace lithops::cli
