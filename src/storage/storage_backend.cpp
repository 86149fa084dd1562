#include "storage/storage_backend.hpp"

#include <fmt/format.h>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "storage/localhost/localhost_storage.hpp"
#include "storage/retrying_storage.hpp"

namespace lithops::detail {

namespace {
// A double-quoted YAML scalar that reads back as `s` (a path or credential may hold quotes).
std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out + "\"";
}
}  // namespace

void StorageBackend::delete_prefix(const std::string& bucket, const std::string& prefix) {
  delete_objects(bucket, list_keys(bucket, prefix));
}

std::unique_ptr<StorageBackend> make_storage(const Config& config) {
  std::string name = config.get_string("lithops.storage");
  const auto attempts = static_cast<int>(config.get_int("lithops.storage_attempts"));
  if (name == "localhost") return std::make_unique<RetryingStorage>(std::make_unique<LocalhostStorage>(config), attempts);
  // The schema's choices make this unreachable; kept so a new choice without a backend fails loudly.
  throw ConfigError("lithops.storage: no backend implements '" + name + "'");
}

std::string worker_storage_config(const Config& config) {
  std::string name = config.get_string("lithops.storage");
  std::string yaml = "lithops:\n  storage: " + name + "\n" + name + ":\n";
  for (const auto& key : config_schema()) {
    if (key.name.rfind(name + ".", 0) != 0 || !config.has(key.name)) continue;
    std::string value;
    switch (key.type) {
      case ConfigKey::Type::string: value = yaml_quoted(config.get_string(key.name)); break;
      case ConfigKey::Type::integer: value = std::to_string(config.get_int(key.name)); break;
      case ConfigKey::Type::number: value = std::to_string(config.get_double(key.name)); break;
      case ConfigKey::Type::boolean: value = config.get_bool(key.name) ? "true" : "false"; break;
    }
    yaml += "  " + key.name.substr(name.size() + 1) + ": " + value + "\n";
  }
  return yaml;
}

}  // namespace lithops::detail
