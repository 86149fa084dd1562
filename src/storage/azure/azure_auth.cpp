#include "storage/azure/azure_auth.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "lithops/errors.hpp"
#include "storage/rest/web_codec.hpp"

namespace lithops::detail::azure {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

ConnectionString parse_connection_string(std::string_view text, const std::string& source) {
  std::map<std::string, std::string> fields;  // names compared without case, as Azure's tools do
  std::size_t at = 0;
  while (at <= text.size()) {
    auto end = text.find(';', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = trim(text.substr(at, end - at));
    at = end + 1;
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw ConfigError(fmt::format("{}: not a connection string (expected Name=value;...; a part has no '=')", source));
    fields[lower(trim(part.substr(0, eq)))] = std::string(trim(part.substr(eq + 1)));
  }
  auto field = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  ConnectionString cs;
  if (lower(field("usedevelopmentstorage")) == "true") {
    cs.account = kDevAccount;
    cs.key = kDevKey;
    std::string proxy = field("developmentstorageproxyuri");
    cs.blob_endpoint = (proxy.empty() ? std::string("http://127.0.0.1") : proxy) + ":10000/" + kDevAccount;
    return cs;
  }
  cs.account = field("accountname");
  cs.key = field("accountkey");
  cs.sas = field("sharedaccesssignature");
  if (!cs.sas.empty() && cs.sas.front() == '?') cs.sas.erase(0, 1);
  cs.blob_endpoint = field("blobendpoint");
  if (cs.blob_endpoint.empty() && !cs.account.empty()) {
    std::string protocol = field("defaultendpointsprotocol");
    std::string suffix = field("endpointsuffix");
    cs.blob_endpoint = fmt::format("{}://{}.blob.{}", protocol.empty() ? "https" : protocol, cs.account,
                                   suffix.empty() ? "core.windows.net" : suffix);
  }
  while (!cs.blob_endpoint.empty() && cs.blob_endpoint.back() == '/') cs.blob_endpoint.pop_back();
  if (cs.key.empty() && cs.sas.empty())
    throw ConfigError(fmt::format("{}: the connection string has neither AccountKey nor SharedAccessSignature", source));
  if (cs.blob_endpoint.empty())
    throw ConfigError(fmt::format("{}: the connection string names neither AccountName nor BlobEndpoint", source));
  return cs;
}

std::string string_to_sign(std::string_view method, const std::vector<std::string>& headers, std::string_view account,
                           std::string_view path, const QueryParams& query) {
  std::map<std::string, std::string> standard;  // the fixed positions, by lower-case name
  std::map<std::string, std::string> ms;        // x-ms-* headers, sorted by name
  for (const auto& line : headers) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = lower(trim(std::string_view(line).substr(0, colon)));
    std::string value(trim(std::string_view(line).substr(colon + 1)));
    if (name.starts_with("x-ms-")) ms[name] = value;
    else standard[name] = value;
  }
  auto get = [&](const char* name) {
    auto it = standard.find(name);
    return it == standard.end() ? std::string() : it->second;
  };
  std::string length = get("content-length");
  if (length == "0") length.clear();  // API 2015-02-21 and later sign an empty length as ""
  std::string out;
  out.append(method).push_back('\n');
  for (const char* name : {"content-encoding", "content-language"}) out.append(get(name)).push_back('\n');
  out.append(length).push_back('\n');
  for (const char* name : {"content-md5", "content-type", "date", "if-modified-since", "if-match", "if-none-match",
                           "if-unmodified-since", "range"})
    out.append(get(name)).push_back('\n');
  for (const auto& [name, value] : ms) out.append(name).append(":").append(value).push_back('\n');
  out.append("/").append(account).append(path);
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [name, value] : query) params[lower(name)].push_back(value);
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out.append("\n").append(name).append(":");
    for (std::size_t i = 0; i < values.size(); ++i) out.append(i ? "," : "").append(values[i]);
  }
  return out;
}

std::string shared_key_authorization(std::string_view account, std::string_view key, std::string_view method,
                                     const std::vector<std::string>& headers, std::string_view path,
                                     const QueryParams& query) {
  const std::string signature =
      web::base64_encode(web::hmac_sha256(key, string_to_sign(method, headers, account, path, query)));
  return fmt::format("SharedKey {}:{}", account, signature);
}

std::string iso8601(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string service_sas(std::string_view account, std::string_view key, std::string_view container,
                        std::string_view blob, std::string_view permissions, std::int64_t expiry) {
  const std::string se = iso8601(expiry);
  const std::string resource = blob.empty() ? fmt::format("/blob/{}/{}", account, container)
                                            : fmt::format("/blob/{}/{}/{}", account, container, blob);
  const char* sr = blob.empty() ? "c" : "b";
  // Service SAS, version 2020-12-06 and later: 16 fields, most of them empty here.
  std::string to_sign = fmt::format("{}\n\n{}\n{}\n\n\nhttps,http\n{}\n{}\n\n\n\n\n\n\n", permissions, se,
                                    resource, kApiVersion, sr);
  const std::string sig = web::base64_encode(web::hmac_sha256(key, to_sign));
  return fmt::format("sv={}&spr=https%2Chttp&se={}&sr={}&sp={}&sig={}", kApiVersion, web::uri_encode(se), sr,
                     permissions, web::uri_encode(sig));
}

}  // namespace lithops::detail::azure
