// `lithops runtime ...`: the runtimes (user executables) published in the configured storage,
// named as in Lithops (`lithops runtime deploy|update|list|delete`). Here a runtime is a program
// built with lithops, stored under its build id; remote backends fetch it from there. With -b
// naming a backend that keeps its own runtimes (aws_lambda: a function per build), the same
// commands manage those instead.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "lithops/lithops.hpp"
#include "compute/backend_table.hpp"
#include "compute/runtime_manager.hpp"
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

// The backend's own runtimes, when -b names a backend that keeps them.
std::unique_ptr<detail::RuntimeManager> backend_runtimes(const CommonOptions& opts) {
  if (opts.backend.empty()) return nullptr;
  Config c = opts.load();
  detail::set_log_level(c.get_string("lithops.log_level"));
  const auto& row = detail::compute_backend(opts.backend);
  return row.runtimes ? row.runtimes(c) : nullptr;
}

void print_backend_runtime(const detail::BackendRuntime& r) {
  std::cout << fmt::format("  build id: {}\n  arch:     {}\n  memory:   {} MB\n  size:     {} ({} bytes)\n",
                           r.build_id.empty() ? "-" : r.build_id, r.arch.empty() ? "-" : r.arch, r.memory_mb,
                           human_size(r.size), r.size);
}

}  // namespace

int runtime_update(const CommonOptions& opts, const std::string& executable) {
  auto rm = backend_runtimes(opts);
  if (!rm) return runtime_deploy(opts, executable);  // storage runtimes: publishing is updating
  if (executable.empty()) throw Error("lithops runtime update: give the path of the executable");
  auto d = rm->deploy(executable, true);
  std::cout << fmt::format("Runtime '{}' {} in {}\n", d.runtime.name, d.what, rm->where());
  print_backend_runtime(d.runtime);
  return 0;
}

int runtime_deploy(const CommonOptions& opts, const std::string& executable) {
  if (executable.empty())
    throw Error("lithops runtime deploy: give the path of the executable to deploy (a program built with lithops)");
  if (auto rm = backend_runtimes(opts)) {
    auto d = rm->deploy(executable, false);
    std::cout << fmt::format("Runtime '{}' {} in {}\n", d.runtime.name, d.what, rm->where());
    print_backend_runtime(d.runtime);
    return 0;
  }
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
  if (auto rm = backend_runtimes(opts)) {
    auto all = rm->list();
    std::cout << fmt::format("Runtimes in {}\n", rm->where());
    std::cout << fmt::format("{:<52}  {:<16}  {:>8}  {:<7}  {:>10}  {}\n", "Name", "Build id", "Memory", "Arch", "Size",
                             "Modified");
    for (const auto& r : all)
      std::cout << fmt::format("{:<52}  {:<16}  {:>5} MB  {:<7}  {:>10}  {}\n", r.name, r.build_id.substr(0, 16),
                               r.memory_mb, r.arch, human_size(r.size), r.modified);
    std::cout << fmt::format("Total: {} runtime{}\n", all.size(), all.size() == 1 ? "" : "s");
    return 0;
  }
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
  if (auto rm = backend_runtimes(opts)) {
    if (all) {
      std::cout << fmt::format("Deleted {} runtimes from {}\n", rm->remove_all(), rm->where());
      return 0;
    }
    int status = 0;
    for (const auto& id : build_ids) {
      if (std::size_t n = rm->remove(id)) {
        std::cout << fmt::format("Deleted {} runtime{} '{}' from {}\n", n, n == 1 ? "" : "s", id, rm->where());
      } else {
        std::cerr << fmt::format("lithops: no runtime '{}' in {}\n", id, rm->where());
        status = 1;
      }
    }
    return status;
  }
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
