#include "storage/swift/swift_auth.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "lithops/errors.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/rest/web_codec.hpp"

namespace lithops::detail::swift {

namespace {

using Json = nlohmann::json;

// Tokens are renewed this long before they expire, so that none runs out on its way.
constexpr std::chrono::seconds kRenewMargin{60};
// When the service does not say how long a token lives (neither expires_at nor
// X-Auth-Token-Expires): kept until a request is refused with 401.
constexpr std::chrono::hours kUnknownLifetime{24};

std::string path_of(const std::string& url) {
  const auto sep = url.find("://");
  const auto slash = url.find('/', sep == std::string::npos ? 0 : sep + 3);
  if (slash == std::string::npos) return {};
  std::string p = url.substr(slash);
  if (auto q = p.find_first_of("?#"); q != std::string::npos) p.resize(q);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

bool transient(long status) { return rest::transient_status(status) || status == 498; }

std::string answer_text(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded()) {
    if (j.is_object()) {
      if (auto e = j.find("error"); e != j.end() && e->is_object()) {
        if (auto m = e->find("message"); m != e->end() && m->is_string()) return m->get<std::string>();
      }
    }
    return {};
  }
  std::string text;
  bool in_tag = false;
  for (char c : body.substr(0, 4096)) {
    if (c == '<') in_tag = true;
    else if (c == '>') in_tag = false, text += ' ';
    else if (!in_tag) text += c == '\n' || c == '\r' ? ' ' : c;
  }
  std::string out;  // spaces collapsed
  for (char c : text)
    if (c != ' ' || (!out.empty() && out.back() != ' ')) out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.substr(0, 200);
}

std::string Credentials::who() const {
  if (version == AuthVersion::v1) return fmt::format("TempAuth user '{}'", user);
  return fmt::format("user '{}' (project '{}')", user_id, project_id);
}

AuthVersion version_from_url(const std::string& auth_url) {
  const std::string p = path_of(auth_url);
  return p.ends_with("/v1.0") || p.ends_with("/v1") ? AuthVersion::v1 : AuthVersion::v3;
}

std::string v3_token_url(const std::string& auth_url) {
  std::string base = auth_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return path_of(base).ends_with("/v3") ? base + "/auth/tokens" : base + "/v3/auth/tokens";
}

std::string v3_request_body(const Credentials& c) {
  const Json body = {
      {"auth",
       {{"identity",
         {{"methods", {"password"}}, {"password", {{"user", {{"id", c.user_id}, {"password", c.password}}}}}}},
        {"scope", {{"project", {{"id", c.project_id}}}}}}}};
  return body.dump();
}

std::string catalog_storage_url(const std::string& token_json, const Credentials& c) {
  Json j = Json::parse(token_json, nullptr, false);
  const Json* catalog = nullptr;
  if (j.is_object()) {
    auto t = j.find("token");
    if (t != j.end() && t->is_object()) {
      auto cat = t->find("catalog");
      if (cat != t->end() && cat->is_array()) catalog = &*cat;
    }
  }
  if (!catalog)
    throw StorageRequestError(fmt::format("lithops: Keystone's token for {} has no service catalog", c.who()));
  std::vector<std::string> matches;
  std::set<std::string> regions, interfaces;
  for (const auto& service : *catalog) {
    if (!service.is_object() || service.value("type", "") != "object-store") continue;
    auto eps = service.find("endpoints");
    if (eps == service.end() || !eps->is_array()) continue;
    for (const auto& ep : *eps) {
      if (!ep.is_object()) continue;
      std::string region = ep.value("region_id", "");
      if (region.empty()) region = ep.value("region", "");
      const std::string interface = ep.value("interface", "");
      regions.insert(region);
      interfaces.insert(interface);
      if (interface == c.interface && (c.region.empty() || region == c.region)) matches.push_back(ep.value("url", ""));
    }
  }
  if (regions.empty())
    throw StorageRequestError(fmt::format(
        "lithops: Keystone's catalog for {} has no object-store service (is Swift registered in Keystone? "
        "swift.storage_url can name the account's URL)",
        c.who()));
  if (matches.empty())
    throw StorageRequestError(fmt::format(
        "lithops: Keystone's catalog for {} has no {} object-store endpoint{}: swift.region and swift.interface "
        "choose among regions {} and interfaces {}",
        c.who(), c.interface, c.region.empty() ? "" : " in region '" + c.region + "'", fmt::join(regions, ", "),
        fmt::join(interfaces, ", ")));
  if (c.region.empty() && std::set<std::string>(matches.begin(), matches.end()).size() > 1)
    throw StorageRequestError(fmt::format(
        "lithops: Keystone's catalog for {} has object-store endpoints in several regions: set swift.region to "
        "one of {}",
        c.who(), fmt::join(regions, ", ")));
  std::string url = matches.front();
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

TokenSource::TokenSource(Credentials credentials, const rest::Client& client)
    : credentials_(std::move(credentials)), client_(client) {}

int TokenSource::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

void TokenSource::invalidate(const std::string& stale) {
  std::lock_guard lock(mutex_);
  if (session_.token == stale) session_.token.clear();
}

Session TokenSource::session() {
  // One fetch at a time: threads that need a token meanwhile wait for it instead of each
  // asking for their own.
  std::lock_guard lock(mutex_);
  if (!session_.token.empty() && std::chrono::steady_clock::now() < renew_at_) return session_;
  ++fetches_;
  session_ = credentials_.version == AuthVersion::v3 ? fetch_v3() : fetch_v1();
  return session_;
}

Session TokenSource::fetch_v3() {
  const auto& c = credentials_;
  const std::string body = v3_request_body(c);
  rest::Request r;
  r.method = "POST";
  r.url = v3_token_url(c.auth_url);
  r.headers = {"Content-Type: application/json", "Accept: application/json"};
  r.body = body;
  const auto now = std::chrono::steady_clock::now();
  const std::string what = fmt::format("Keystone v3 authentication of {}", c.who());
  rest::Response resp = client_.send(r, what);
  if (!resp.ok()) {
    const std::string detail = answer_text(resp.body);
    std::string msg =
        fmt::format("lithops: {} at {} failed: HTTP {}{}", what, c.auth_url, resp.status, detail.empty() ? "" : ": " + detail);
    if (transient(resp.status)) throw StorageError(msg);
    throw StorageRequestError(fmt::format("{} (authentication failed for {}: check swift.user_id, swift.password "
                                          "and swift.project_id)",
                                          msg, c.who()));
  }
  Session s;
  s.token = resp.header("x-subject-token");
  if (s.token.empty()) throw StorageError(fmt::format("lithops: {} answered no X-Subject-Token", what));
  s.storage_url = catalog_storage_url(resp.body, c);
  auto lifetime = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kUnknownLifetime);
  Json j = Json::parse(resp.body, nullptr, false);
  if (j.is_object() && j.contains("token") && j["token"].is_object()) {
    const std::string expires = j["token"].value("expires_at", "");
    if (const std::int64_t at_ms = web::parse_iso8601_ms(expires); at_ms > 0) {
      const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
      lifetime = std::chrono::milliseconds(at_ms - now_ms);
    }
  }
  renew_at_ = now + lifetime - kRenewMargin;  // at once, when it is given less than the margin
  return s;
}

Session TokenSource::fetch_v1() {
  const auto& c = credentials_;
  rest::Request r;
  r.method = "GET";
  r.url = c.auth_url;
  r.headers = {"X-Auth-User: " + c.user, "X-Auth-Key: " + c.key};
  const auto now = std::chrono::steady_clock::now();
  const std::string what = fmt::format("TempAuth (v1) authentication of {}", c.who());
  rest::Response resp = client_.send(r, what);
  if (!resp.ok()) {
    const std::string detail = answer_text(resp.body);
    std::string msg =
        fmt::format("lithops: {} at {} failed: HTTP {}{}", what, c.auth_url, resp.status, detail.empty() ? "" : ": " + detail);
    if (transient(resp.status)) throw StorageError(msg);
    throw StorageRequestError(
        fmt::format("{} (authentication failed for {}: check swift.user and swift.key)", msg, c.who()));
  }
  Session s;
  s.token = resp.header("x-auth-token");
  s.storage_url = resp.header("x-storage-url");
  if (s.token.empty() || s.storage_url.empty())
    throw StorageError(fmt::format("lithops: {} answered no X-Auth-Token or X-Storage-Url", what));
  while (!s.storage_url.empty() && s.storage_url.back() == '/') s.storage_url.pop_back();
  auto lifetime = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kUnknownLifetime);
  if (const std::string e = resp.header("x-auth-token-expires"); !e.empty())
    lifetime = std::chrono::seconds(std::strtoll(e.c_str(), nullptr, 10));
  renew_at_ = now + lifetime - kRenewMargin;
  return s;
}

}  // namespace lithops::detail::swift
