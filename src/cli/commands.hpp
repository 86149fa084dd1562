#pragma once
// The `lithops` command line tool's commands; main.cpp only parses arguments.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lithops/config.hpp"

namespace lithops::cli {

/// Options every command takes, as in Lithops' CLI (-c, -b, -s, -d).
struct CommonOptions {
  std::string config_file;
  std::string backend;
  std::string storage;
  bool debug = false;
  /// The effective configuration: the file (or the default search), then the flags.
  Config load() const;
};

/// "2.9 MiB", "512 B": sizes as the listings print them.
std::string human_size(std::uint64_t bytes);
/// "2024-05-01 12:34:56 UTC"; "-" for 0 (unknown).
std::string utc_timestamp(std::int64_t ms_since_epoch);

int hello(const CommonOptions& opts, std::size_t map_calls);
int show_config(const CommonOptions& opts, bool schema);
int clean(const CommonOptions& opts);

// `lithops storage ...` (storage_commands.cpp); there -b names the storage backend.
int storage_put(const CommonOptions& opts, const std::string& file, const std::string& bucket, const std::string& key);
int storage_get(const CommonOptions& opts, const std::string& bucket, const std::string& key, const std::string& out);
int storage_delete(const CommonOptions& opts, const std::string& bucket, const std::string& key,
                   const std::string& prefix);
int storage_list(const CommonOptions& opts, const std::string& bucket, const std::string& prefix);
int storage_mkbucket(const CommonOptions& opts, const std::string& bucket);

// `lithops runtime ...` (runtime_commands.cpp): runtimes published in the configured storage, or
// with -b a backend that keeps its own (aws_lambda), that backend's.
int runtime_deploy(const CommonOptions& opts, const std::string& executable);
int runtime_update(const CommonOptions& opts, const std::string& executable);
int runtime_list(const CommonOptions& opts);
int runtime_delete(const CommonOptions& opts, const std::vector<std::string>& build_ids, bool all);

}  // namespace lithops::cli
