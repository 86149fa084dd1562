// The AWS credential and region chains. Every message names keys, variables, files and
// profiles, never a value read from them: a value may be a secret, and a malformed line of a
// credentials file may be one too, so no line is ever quoted back.
#include "cloud/aws/credentials.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <vector>

#include "lithops/errors.hpp"

namespace lithops::detail::aws {

namespace {

constexpr const char* kDefaultProfile = "default";
constexpr const char* kDefaultRegion = "us-east-1";  // what every SDK falls back to

// The shared files' key names (lower case: keys are matched case-insensitively, as Python's
// configparser, which the AWS CLI uses, matches them).
constexpr const char* kFileKeyId = "aws_access_key_id";
constexpr const char* kFileSecret = "aws_secret_access_key";
constexpr const char* kFileToken = "aws_session_token";

using IniSection = std::map<std::string, std::string>;  // lower-case key -> value

struct IniFile {
  std::string path;     // empty: unknown (no HOME to find it under)
  bool exists = false;
  std::map<std::string, IniSection> sections;  // by name as written between the brackets
};

std::string trim(std::string_view s) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parsed by hand: Debian has no INI library worth a dependency, and the AWS files use a tiny
// subset: `[section]`, `key = value` (or `key: value`, as configparser allows), whole-line
// comments with # or ;, inline comments after white space (as the newer SDKs accept; access
// keys and secrets never contain # or ;), and nested blocks (`s3 =` followed by indented
// lines) that belong to a key we do not read and are skipped, so that their `region` is not
// taken for the profile's. Lines that fit none of these are ignored, like the SDKs do.
void parse_ini(std::istream& is, IniFile& out) {
  IniSection* section = nullptr;  // lines before the first [section] belong to none
  bool in_nested = false;
  std::string line;
  bool first = true;
  while (std::getline(is, line)) {
    if (first && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 BOM
    first = false;
    bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (in_nested && indented) continue;
    in_nested = false;
    if (t.front() == '[' && t.back() == ']') {
      section = &out.sections[trim(std::string_view(t).substr(1, t.size() - 2))];
      continue;
    }
    auto delim = t.find_first_of("=:");
    if (delim == std::string::npos || section == nullptr) continue;
    std::string key = lower(trim(std::string_view(t).substr(0, delim)));
    std::string value = trim(std::string_view(t).substr(delim + 1));
    for (std::size_t i = 1; i < value.size(); ++i) {
      if ((value[i] == '#' || value[i] == ';') && std::isspace(static_cast<unsigned char>(value[i - 1]))) {
        value = trim(std::string_view(value).substr(0, i));
        break;
      }
    }
    if (value.empty()) in_nested = true;
    (*section)[key] = value;
  }
}

IniFile read_ini(const std::string& path) {
  IniFile f;
  f.path = path;
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return f;
  std::ifstream is(path);
  if (!is || std::filesystem::is_directory(path, ec)) {
    throw ConfigError(fmt::format("lithops: cannot read AWS file '{}': {}", path,
                                  is ? "it is a directory" : std::strerror(errno)));
  }
  f.exists = true;
  parse_ini(is, f);
  return f;
}

// An unset and an empty variable mean the same, as in the SDKs.
std::string env_value(const ChainInputs& in, std::string_view name) {
  auto v = in.env ? in.env(name) : std::nullopt;
  return v ? *v : std::string();
}

std::string home_of(const ChainInputs& in) { return in.home ? *in.home : env_value(in, "HOME"); }

// `var` if set (with a leading ~ expanded, as the SDKs do), else `~/<fallback>`; empty when
// the path needs a home directory that is not known.
std::string file_path(const ChainInputs& in, std::string_view var, std::string_view fallback) {
  std::string p = env_value(in, var);
  std::string home = home_of(in);
  if (p.empty()) return home.empty() ? std::string() : fmt::format("{}/{}", home, fallback);
  if (p == "~" || p.starts_with("~/")) return home.empty() ? std::string() : home + p.substr(1);
  return p;
}

std::string describe_path(const IniFile& f, std::string_view fallback) {
  return f.path.empty() ? fmt::format("~/{} (HOME is not set)", fallback) : f.path;
}

// The profile the chain reads, and both shared files, loaded once the chain gets there.
struct Profile {
  std::string name;
  bool named_by_env = false;  // AWS_PROFILE set: a missing profile is then an error
  IniFile credentials;
  IniFile config;

  // The credentials file names sections after profiles; the config file writes
  // `[profile name]`, except `[default]` (botocore also accepts `[profile default]`).
  const IniSection* in_credentials() const {
    auto it = credentials.sections.find(name);
    return it == credentials.sections.end() ? nullptr : &it->second;
  }
  const IniSection* in_config() const {
    auto it = config.sections.find("profile " + name);
    if (it == config.sections.end() && name == kDefaultProfile) it = config.sections.find(name);
    return it == config.sections.end() ? nullptr : &it->second;
  }
  std::string where(const IniFile& f, std::string_view fallback) const {
    return fmt::format("profile '{}' in {}", name, describe_path(f, fallback));
  }
};

// Config files may say `[profile   dev]`: normalise to one space so lookups are exact.
void normalise_profile_sections(IniFile& f) {
  std::map<std::string, IniSection> out;
  for (auto& [name, sec] : f.sections) {
    std::string key = name;
    if (name.starts_with("profile") && name.size() > 7 && std::isspace(static_cast<unsigned char>(name[7])))
      key = "profile " + trim(std::string_view(name).substr(7));
    out[key] = std::move(sec);
  }
  f.sections = std::move(out);
}

Profile load_profile(const ChainInputs& in) {
  Profile p;
  p.name = env_value(in, "AWS_PROFILE");
  p.named_by_env = !p.name.empty();
  if (p.name.empty()) p.name = kDefaultProfile;
  p.credentials = read_ini(file_path(in, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"));
  p.config = read_ini(file_path(in, "AWS_CONFIG_FILE", ".aws/config"));
  normalise_profile_sections(p.config);
  if (p.named_by_env && !p.in_credentials() && !p.in_config()) {
    throw ConfigError(fmt::format(
        "lithops: AWS_PROFILE names profile '{}', which is in neither {} ([{}]) nor {} ([profile {}])",
        p.name, describe_path(p.credentials, ".aws/credentials"), p.name,
        describe_path(p.config, ".aws/config"), p.name));
  }
  return p;
}

// The names one source gives the three keys, for messages.
struct KeyNames {
  const char* id;
  const char* secret;
  const char* token;
};
constexpr KeyNames kSectionKeys{"access_key_id", "secret_access_key", "session_token"};
constexpr KeyNames kEnvKeys{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"};
constexpr KeyNames kFileKeys{kFileKeyId, kFileSecret, kFileToken};

// Credentials from one source: nullopt if it sets none of the three keys; a ConfigError if
// it sets some but not a usable pair.
// `key_prefix` ("aws_s3.") makes a section's keys read as the configuration spells them.
std::optional<Credentials> take(const std::string& id, const std::string& secret, const std::string& token,
                                const KeyNames& k, const std::string& where, std::string source,
                                const std::string& key_prefix = "") {
  auto incomplete = [&](const std::string& set, const std::string& missing) {
    return ConfigError(
        fmt::format("lithops: incomplete AWS credentials: {} sets {} but not {}", where, set, missing));
  };
  const std::string kid = key_prefix + k.id, ksecret = key_prefix + k.secret, ktoken = key_prefix + k.token;
  if (id.empty() && secret.empty()) {
    if (token.empty()) return std::nullopt;
    throw incomplete(ktoken, fmt::format("{} and {}", kid, ksecret));
  }
  if (secret.empty()) throw incomplete(kid, ksecret);
  if (id.empty()) throw incomplete(ksecret, kid);
  return Credentials{id, secret, token, std::move(source)};
}

std::optional<Credentials> from_section(const SectionValues& s) {
  if (s.name.empty()) return std::nullopt;
  std::string where = s.name + " section";
  return take(s.access_key_id, s.secret_access_key, s.session_token, kSectionKeys, where, where, s.name + ".");
}

std::optional<Credentials> from_file_section(const IniSection* sec, const std::string& where) {
  if (!sec) return std::nullopt;
  auto get = [&](const char* key) {
    auto it = sec->find(key);
    return it == sec->end() ? std::string() : it->second;
  };
  return take(get(kFileKeyId), get(kFileSecret), get(kFileToken), kFileKeys, where, where);
}

// "profile 'dev' in /root/.aws/config (no such file)" and the like, for the nothing-found message.
std::string looked_in(const Profile& p, const IniFile& f, const IniSection* sec, std::string_view fallback) {
  const char* why = !f.exists ? "no such file" : (sec ? "no keys there" : "no such profile");
  return fmt::format("{} ({})", p.where(f, fallback), why);
}

std::string section_keys(const SectionValues& s) {
  return fmt::format("{}.{} and {}.{}", s.name, kSectionKeys.id, s.name, kSectionKeys.secret);
}

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

Credentials resolve_credentials(const ChainInputs& in) {
  if (auto c = from_section(in.backend)) return *c;
  if (auto c = from_section(in.aws)) return *c;
  if (auto c = take(env_value(in, kEnvKeys.id), env_value(in, kEnvKeys.secret), env_value(in, kEnvKeys.token),
                    kEnvKeys, "the environment", fmt::format("environment ({})", kEnvKeys.id)))
    return *c;
  Profile p = load_profile(in);
  if (auto c = from_file_section(p.in_credentials(), p.where(p.credentials, ".aws/credentials"))) return *c;
  if (auto c = from_file_section(p.in_config(), p.where(p.config, ".aws/config"))) return *c;

  std::vector<std::string> places;
  for (const SectionValues* s : {&in.backend, &in.aws})
    if (!s->name.empty()) places.push_back(section_keys(*s));
  places.push_back(fmt::format("environment variables {} and {}", kEnvKeys.id, kEnvKeys.secret));
  places.push_back(looked_in(p, p.credentials, p.in_credentials(), ".aws/credentials"));
  places.push_back(looked_in(p, p.config, p.in_config(), ".aws/config"));
  throw ConfigError(fmt::format(
      "lithops: no AWS credentials found; looked in, in this order: {}{}. Set them in the configuration, "
      "export them, or run `aws configure`",
      fmt::join(places, "; "), p.named_by_env ? "" : " (AWS_PROFILE is not set, so the profile is 'default')"));
}

Region resolve_region(const ChainInputs& in) {
  for (const SectionValues* s : {&in.backend, &in.aws})
    if (!s->name.empty() && !s->region.empty()) return {s->region, s->name + " section"};
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string v = env_value(in, var);
    if (!v.empty()) return {v, fmt::format("environment ({})", var)};
  }
  Profile p = load_profile(in);
  for (auto [sec, file, fallback] : {std::tuple{p.in_config(), &p.config, ".aws/config"},
                                     std::tuple{p.in_credentials(), &p.credentials, ".aws/credentials"}}) {
    if (!sec) continue;
    auto it = sec->find("region");
    if (it != sec->end() && !it->second.empty()) return {it->second, p.where(*file, fallback)};
  }
  return {kDefaultRegion, "default"};
}

}  // namespace lithops::detail::aws
