#include "cli/commands.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <numeric>

#include "core/job_manifest.hpp"
#include "lithops/lithops.hpp"
#include "compute/backend_table.hpp"
#include "compute/runtime_manager.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::cli {

namespace {

// Lithops' hello function, with the worker's host and pid so that it proves a worker ran it.
std::string hello_function(std::string name) {
  return fmt::format("Hello {}! Lithops is working as expected :) (worker pid {})", name, ::getpid());
}

std::string user_name() {
  const char* u = std::getenv("USER");
  return u && *u ? u : "user";
}

}  // namespace

std::string human_size(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string utc_timestamp(std::int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", tm);
}

Config CommonOptions::load() const {
  Config c = config_file.empty() ? Config::load() : Config::from_file(config_file);
  if (!backend.empty()) c.set("lithops.backend", backend);
  if (!storage.empty()) c.set("lithops.storage", storage);
  c.set("lithops.log_level", debug ? "DEBUG" : "WARNING");
  return c;
}

int hello(const CommonOptions& opts, std::size_t map_calls) {
  FunctionExecutor fexec(opts.load());
  if (map_calls == 0) {
    std::cout << fexec.call_async(hello_function, user_name()).get() << '\n';
    return 0;
  }
  std::vector<std::string> names(map_calls, user_name());
  auto results = fexec.get_result(fexec.map(hello_function, names));
  for (const auto& r : results) std::cout << r << '\n';
  std::cout << fmt::format("{} calls on the {} backend: Lithops is working as expected :)\n", results.size(),
                           fexec.config().get_string("lithops.backend"));
  return 0;
}

int show_config(const CommonOptions& opts, bool schema) {
  if (schema) {
    for (const auto& k : config_schema()) {
      std::cout << fmt::format("{}\n    default: {}", k.name, k.default_value.empty() ? "(empty)" : k.default_value);
      if (!k.choices.empty()) {
        std::string choices;
        for (const auto& c : k.choices) choices += (choices.empty() ? "" : ", ") + c;
        std::cout << fmt::format("; choices: {}", choices);
      }
      std::cout << fmt::format("\n    {}\n", k.doc);
    }
    return 0;
  }
  Config c = opts.load();
  if (!opts.debug) c.set("lithops.log_level", Config().get_string("lithops.log_level"));
  std::cout << "# effective configuration (from " << c.origin() << ")\n" << c.to_yaml();
  return 0;
}

int clean(const CommonOptions& opts) {
  Config c = opts.load();
  auto storage = detail::make_storage(c);
  std::size_t n = 0;
  // Jobs' data and what agents left (an agent killed mid-job leaves its heartbeat and inbox).
  try {
    for (const char* prefix : {"lithops.jobs/", "lithops.agents/"}) {
      n += storage->list_keys(storage->bucket(), prefix).size();
      storage->delete_prefix(storage->bucket(), prefix);
    }
  } catch (const NoSuchBucketError&) {  // nothing ever ran with this storage: nothing to remove
  }
  std::cout << fmt::format("Removed {} temporary objects from the {} storage (bucket '{}')\n", n, storage->name(),
                           storage->bucket());
  // As Lithops' clean: also what the configured backend created (the functions of this namespace).
  const auto& row = detail::compute_backend(c.get_string("lithops.backend"));
  if (row.runtimes) {
    auto rm = row.runtimes(c);
    std::cout << fmt::format("Removed {} runtimes from {}\n", rm->remove_all(), rm->where());
  }
  return 0;
}

}  // namespace lithops::cli
