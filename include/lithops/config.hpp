#pragma once
/// @file config.hpp
/// Configuration: Lithops' YAML file and key names, each key declared once (src/config/schema.cpp)
/// with its type, default, valid choices and meaning.

#include <concepts>
#include <cstdint>
#include <utility>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lithops/errors.hpp"

namespace lithops {

/// One configuration key as declared in the schema.
struct ConfigKey {
  enum class Type { string, integer, number, boolean };
  std::string name;                  ///< "section.key", e.g. "localhost.worker_processes"
  Type type;
  std::string default_value;         ///< as text; "" = no default (unset)
  std::vector<std::string> choices;  ///< valid values of a string key; empty = any
  std::string doc;
  bool secret = false;               ///< a credential: masked whenever the configuration is printed
};

/// The declared keys, in declaration order.
const std::vector<ConfigKey>& config_schema();

/// An effective configuration: defaults, overlaid by a YAML file, overlaid by code.
/// Values are validated as they are set, so a Config is always valid. Copyable; not
/// thread-safe for concurrent modification.
///
/// @code
///   auto cfg = lithops::Config::load();               // file found as Lithops finds it
///   cfg.set("localhost.worker_processes", 8);
///   lithops::FunctionExecutor fexec(cfg);
/// @endcode
class Config {
 public:
  using Value = std::variant<std::string, std::int64_t, double, bool>;

  /// Schema defaults only.
  Config();

  /// Defaults overlaid by the first file found: `$LITHOPS_CONFIG_FILE`, `./.lithops_config`,
  /// `~/.lithops/config`, `/etc/lithops/config`.
  /// @throws ConfigError for an unreadable file or a bad key or value in it.
  static Config load();
  /// Defaults overlaid by the given YAML file. @throws ConfigError
  static Config from_file(const std::string& path);
  /// Defaults overlaid by YAML text (sections of keys, as in the file). @throws ConfigError
  static Config from_yaml(std::string_view yaml, std::string_view origin = "<string>");

  /// Sets "section.key". The value is parsed by the key's type.
  /// @throws ConfigError naming the key and the valid keys or choices.
  Config& set(std::string_view key, std::string_view value);
  Config& set(std::string_view key, const char* value) { return set(key, std::string_view(value)); }
  Config& set(std::string_view key, const std::string& value) { return set(key, std::string_view(value)); }
  Config& set(std::string_view key, std::int64_t value);
  /// Any integer type (int, unsigned, std::size_t ...). @throws ConfigError if it does not fit.
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, std::int64_t>)
  Config& set(std::string_view key, I value) {
    if (!std::in_range<std::int64_t>(value))
      throw ConfigError("lithops config: value out of range for '" + std::string(key) + "'");
    return set(key, static_cast<std::int64_t>(value));
  }
  Config& set(std::string_view key, double value);
  Config& set(std::string_view key, bool value);

  /// Typed reads. @throws ConfigError for an undeclared key or a type mismatch.
  std::string get_string(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  double get_double(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  /// True when the key has a value (a default or a set one).
  bool has(std::string_view key) const;

  /// Every key with a value, as YAML, credentials masked.
  std::string to_yaml() const;
  /// The keys of the given sections that have a value, as YAML that `from_yaml` reads back
  /// exactly. Credentials are included: for shipping to workers, never for printing.
  std::string to_yaml_unmasked(const std::vector<std::string>& sections) const;
  /// Where the values came from: the file path, or "defaults".
  const std::string& origin() const noexcept { return origin_; }

 private:
  std::map<std::string, Value, std::less<>> values_;
  std::string origin_ = "defaults";
};

}  // namespace lithops
