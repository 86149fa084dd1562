#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"

namespace lithops {

namespace {

const ConfigKey* find_key(std::string_view name) {
  for (const auto& k : config_schema())
    if (k.name == name) return &k;
  return nullptr;
}

std::string section_of(std::string_view name) { return std::string(name.substr(0, name.find('.'))); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::vector<std::string> sections() {
  std::vector<std::string> out;
  for (const auto& k : config_schema()) {
    auto s = section_of(k.name);
    if (out.empty() || out.back() != s) out.push_back(s);
  }
  return out;
}

[[noreturn]] void unknown_key(std::string_view name) {
  std::string section = section_of(name);
  std::vector<std::string> valid;
  for (const auto& k : config_schema())
    if (section_of(k.name) == section) valid.push_back(k.name);
  if (valid.empty())
    throw ConfigError(fmt::format("lithops config: unknown section '{}' in key '{}' (valid sections: {})", section,
                                  name, join(sections())));
  throw ConfigError(fmt::format("lithops config: unknown key '{}' (valid keys of '{}': {})", name, section, join(valid)));
}

const ConfigKey& require_key(std::string_view name) {
  const ConfigKey* k = find_key(name);
  if (!k) unknown_key(name);
  return *k;
}

const char* type_name(ConfigKey::Type t) {
  switch (t) {
    case ConfigKey::Type::string: return "a string";
    case ConfigKey::Type::integer: return "an integer >= 0";
    case ConfigKey::Type::number: return "a number >= 0";
    case ConfigKey::Type::boolean: return "true or false";
  }
  return "?";
}

Config::Value parse_value(const ConfigKey& key, std::string_view text) {
  auto bad = [&]() -> ConfigError {
    return ConfigError(fmt::format("lithops config: bad value '{}' for '{}': expected {}", text, key.name,
                                   type_name(key.type)));
  };
  switch (key.type) {
    case ConfigKey::Type::string: {
      if (!key.choices.empty() &&
          std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end())
        throw ConfigError(fmt::format("lithops config: bad value '{}' for '{}' (valid choices: {})", text, key.name,
                                      join(key.choices)));
      return std::string(text);
    }
    case ConfigKey::Type::integer: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size() || v < 0) throw bad();
      return v;
    }
    case ConfigKey::Type::number: {
      std::string s(text);
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || v < 0) throw bad();
      return v;
    }
    case ConfigKey::Type::boolean: {
      if (text == "true" || text == "True" || text == "yes" || text == "1") return true;
      if (text == "false" || text == "False" || text == "no" || text == "0") return false;
      throw bad();
    }
  }
  throw bad();
}

std::string to_text(const Config::Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::string>) return x;
        else if constexpr (std::is_same_v<X, bool>) return x ? "true" : "false";
        else return fmt::format("{}", x);
      },
      v);
}

// A double-quoted YAML scalar that reads back as `s`, whatever it holds (quotes, backslashes,
// control characters: a path or a credential may have any of them).
std::string yaml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out + "\"";
}

std::string expand_home(const std::string& path) {
  if (path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + path.substr(1);
  }
  return path;
}

}  // namespace

Config::Config() {
  for (const auto& k : config_schema())
    if (!k.default_value.empty() || k.type == ConfigKey::Type::string) values_[k.name] = parse_value(k, k.default_value);
}

Config Config::load() {
  if (const char* env = std::getenv("LITHOPS_CONFIG_FILE"); env && *env) return from_file(env);
  for (const char* candidate : {"./.lithops_config", "~/.lithops/config", "/etc/lithops/config"}) {
    std::string path = expand_home(candidate);
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return from_file(path);
  }
  return Config();
}

Config Config::from_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError("lithops config: cannot read config file '" + path + "'");
  } catch (const YAML::Exception& e) {
    throw ConfigError("lithops config: " + path + ": " + e.what());
  }
  std::ostringstream text;
  text << root;
  return from_yaml(text.str(), path);
}

namespace {
nlohmann::json yaml_to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    auto o = nlohmann::json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    auto a = nlohmann::json::array();
    for (const auto& item : n) a.push_back(yaml_to_json(item));
    return a;
  }
  if (n.IsNull()) return nullptr;
  return n.as<std::string>();  // scalars stay text: the key's reader knows their type
}
}  // namespace

Config Config::from_yaml(std::string_view yaml, std::string_view origin) {
  Config cfg;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("lithops config: {}: {}", origin, e.what()));
  }
  if (root.IsNull()) return cfg;
  if (!root.IsMap()) throw ConfigError(fmt::format("lithops config: {}: expected sections of keys", origin));
  for (const auto& section : root) {
    std::string sname = section.first.as<std::string>();
    if (section.second.IsNull()) continue;
    if (!section.second.IsMap())
      throw ConfigError(fmt::format("lithops config: {}: section '{}' must be a map of keys", origin, sname));
    for (const auto& kv : section.second) {
      std::string key = sname + "." + kv.first.as<std::string>();
      std::string value;
      const bool flat_list = kv.second.IsSequence() &&
                             std::all_of(kv.second.begin(), kv.second.end(), [](const YAML::Node& n) { return n.IsScalar(); });
      if (flat_list) {
        // A list of single values (ssh.hosts) is kept as its items separated by commas.
        for (const auto& item : kv.second) value += (value.empty() ? "" : ", ") + item.as<std::string>();
      } else if (kv.second.IsMap() || kv.second.IsSequence()) {
        // A structured value (aws_lambda.env_vars, .vpc, .efs) is kept as JSON text, which is
        // also how code sets it; the key's reader parses it.
        value = yaml_to_json(kv.second).dump();
      } else if (kv.second.IsScalar()) {
        value = kv.second.as<std::string>();
      } else {
        throw ConfigError(fmt::format("lithops config: {}: '{}' must be a single value", origin, key));
      }
      try {
        cfg.set(key, value);
      } catch (const ConfigError& e) {
        // Name the file: it may have been found implicitly (~/.lithops/config, ./.lithops_config).
        std::string what = e.what();
        const std::string prefix = "lithops config: ";
        if (what.rfind(prefix, 0) == 0) what = what.substr(prefix.size());
        throw ConfigError(fmt::format("lithops config: {}: {}", origin, what));
      }
    }
  }
  cfg.origin_ = std::string(origin);
  return cfg;
}

Config& Config::set(std::string_view key, std::string_view value) {
  const ConfigKey& k = require_key(key);
  values_[k.name] = parse_value(k, value);
  return *this;
}

Config& Config::set(std::string_view key, std::int64_t value) {
  const ConfigKey& k = require_key(key);
  if (k.type == ConfigKey::Type::number) return set(key, static_cast<double>(value));
  return set(key, std::string_view(std::to_string(value)));
}

Config& Config::set(std::string_view key, double value) {
  const ConfigKey& k = require_key(key);
  if (k.type != ConfigKey::Type::number) return set(key, std::string_view(fmt::format("{}", value)));
  if (value < 0) throw ConfigError(fmt::format("lithops config: bad value '{}' for '{}': expected a number >= 0", value, key));
  values_[k.name] = value;
  return *this;
}

Config& Config::set(std::string_view key, bool value) { return set(key, std::string_view(value ? "true" : "false")); }

bool Config::has(std::string_view key) const {
  require_key(key);
  return values_.find(key) != values_.end();
}

namespace {
template <class V>
const V& typed(const std::map<std::string, Config::Value, std::less<>>& values, std::string_view key) {
  const ConfigKey& k = require_key(key);
  auto it = values.find(key);
  if (it == values.end()) throw ConfigError(fmt::format("lithops config: '{}' has no value", key));
  if (const V* v = std::get_if<V>(&it->second)) return *v;
  throw ConfigError(fmt::format("lithops config: '{}' is {}", key, type_name(k.type)));
}
}  // namespace

std::string Config::get_string(std::string_view key) const { return typed<std::string>(values_, key); }
std::int64_t Config::get_int(std::string_view key) const { return typed<std::int64_t>(values_, key); }
double Config::get_double(std::string_view key) const { return typed<double>(values_, key); }
bool Config::get_bool(std::string_view key) const { return typed<bool>(values_, key); }

namespace {
template <class Include>
std::string render_yaml(const std::map<std::string, Config::Value, std::less<>>& values, Include include,
                        bool mask_secrets) {
  std::string out;
  std::string current;
  for (const auto& k : config_schema()) {
    auto it = values.find(k.name);
    if (it == values.end() || !include(k)) continue;
    std::string section = section_of(k.name);
    if (section != current) {
      out += section + ":\n";
      current = section;
    }
    // An unset (empty) credential is shown as empty: "********" would claim one is set.
    std::string raw = to_text(it->second);
    std::string value = k.secret && mask_secrets && !raw.empty() ? "********" : raw;
    if (k.type == ConfigKey::Type::string) value = yaml_quoted(value);
    out += fmt::format("  {}: {}\n", k.name.substr(section.size() + 1), value);
  }
  return out;
}
}  // namespace

std::string Config::to_yaml() const {
  return render_yaml(values_, [](const ConfigKey&) { return true; }, true);
}

std::string Config::to_yaml_unmasked(const std::vector<std::string>& sections) const {
  return render_yaml(
      values_,
      [&](const ConfigKey& k) { return std::find(sections.begin(), sections.end(), section_of(k.name)) != sections.end(); },
      false);
}

}  // namespace lithops
