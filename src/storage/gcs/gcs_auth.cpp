#include "storage/gcs/gcs_auth.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

#include "lithops/errors.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/rest/web_codec.hpp"

namespace lithops::detail::gcs {

namespace {

using Json = nlohmann::json;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

/// The PEM private key, or null when it is not one.
Pkey load_private_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return nullptr;
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

std::string rs256(const std::string& pem, std::string_view data) {
  Pkey key = load_private_key(pem);
  if (!key) throw StorageRequestError("lithops: the service account's private_key is not a PEM private key");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) throw StorageError("lithops: out of memory signing a JWT");
  std::string sig;
  std::size_t len = 0;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw StorageRequestError("lithops: signing the service account's JWT failed (is private_key an RSA key?)");
  return sig;
}

}  // namespace

ServiceAccount parse_service_account(const std::string& json_text, const std::string& source) {
  Json j = Json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw ConfigError(fmt::format("{}: not a JSON key file (expected a service account key as the Google Cloud "
                                  "console downloads it)",
                                  source));
  auto field = [&](const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string type = field("type");
  if (!type.empty() && type != "service_account")
    throw ConfigError(fmt::format("{}: a '{}' credential; only service account keys (\"type\": \"service_account\") "
                                  "are supported",
                                  source, type));
  ServiceAccount a;
  a.client_email = field("client_email");
  a.project_id = field("project_id");
  a.private_key = field("private_key");
  a.private_key_id = field("private_key_id");
  if (auto uri = field("token_uri"); !uri.empty()) a.token_uri = uri;
  if (a.client_email.empty()) throw ConfigError(fmt::format("{}: the key file has no 'client_email'", source));
  if (a.private_key.empty())
    throw ConfigError(fmt::format("{}: the key file of '{}' has no 'private_key'", source, a.client_email));
  if (!load_private_key(a.private_key))
    throw ConfigError(
        fmt::format("{}: the 'private_key' of '{}' is not a PEM private key", source, a.client_email));
  return a;
}

std::string base64url(std::string_view data) {
  std::string s = web::base64_encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return s;
}

std::string signed_jwt(const ServiceAccount& account, std::int64_t iat) {
  const Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  const Json claims = {{"iss", account.client_email},
                       {"scope", kScope},
                       {"aud", account.token_uri},
                       {"iat", iat},
                       {"exp", iat + 3600}};
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  return input + "." + base64url(rs256(account.private_key, input));
}

std::string token_request_body(const std::string& jwt) {
  return "grant_type=" + web::uri_encode(kJwtBearerGrant) + "&assertion=" + web::uri_encode(jwt);
}

std::string signed_get_url(const ServiceAccount& account, const std::string& endpoint, std::string_view bucket,
                           std::string_view key, std::int64_t ttl_seconds, std::int64_t now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16], stamp[32];
  std::strftime(date, sizeof date, "%Y%m%d", &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const std::string scope = std::string(date) + "/auto/storage/goog4_request";
  const auto sep = endpoint.find("://");
  const std::string host = endpoint.substr(sep == std::string::npos ? 0 : sep + 3);
  const std::string path = "/" + web::uri_encode(bucket) + "/" + web::uri_encode(key, true);
  // Already in name order, as the canonical query must be.
  const std::vector<std::pair<std::string, std::string>> params = {
      {"X-Goog-Algorithm", "GOOG4-RSA-SHA256"},
      {"X-Goog-Credential", account.client_email + "/" + scope},
      {"X-Goog-Date", stamp},
      {"X-Goog-Expires", std::to_string(ttl_seconds)},
      {"X-Goog-SignedHeaders", "host"}};
  std::string query;
  for (const auto& [name, value] : params)
    query.append(query.empty() ? "" : "&").append(web::uri_encode(name)).append("=").append(web::uri_encode(value));
  const std::string canonical_request =
      "GET\n" + path + "\n" + query + "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string to_sign =
      "GOOG4-RSA-SHA256\n" + std::string(stamp) + "\n" + scope + "\n" + web::sha256_hex(canonical_request);
  const std::string signature = rs256(account.private_key, to_sign);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : signature) hex.append({kHex[c >> 4], kHex[c & 15]});
  return endpoint + path + "?" + query + "&X-Goog-Signature=" + hex;
}

TokenSource::TokenSource(ServiceAccount account, const rest::Client& client)
    : account_(std::move(account)), client_(client) {}

int TokenSource::fetches() const { return cached_.fetches(); }

void TokenSource::invalidate() { cached_.invalidate(); }

std::string TokenSource::token() {
  return cached_.get([this]() -> rest::CachedToken::Fresh {
    const std::int64_t iat =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string body = token_request_body(signed_jwt(account_, iat));
    rest::Request r;
    r.method = "POST";
    r.url = account_.token_uri;
    r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    r.body = body;
    const std::string what = fmt::format("OAuth2 token request for service account '{}'", account_.client_email);
    rest::Response resp = client_.send(r, what);
    Json j = Json::parse(resp.body, nullptr, false);
    if (!resp.ok()) {
      // {"error": "invalid_grant", "error_description": "..."}: names the problem, holds no secret.
      std::string detail;
      if (j.is_object()) {
        if (auto e = j.find("error"); e != j.end() && e->is_string()) detail = e->get<std::string>();
        if (auto d = j.find("error_description"); d != j.end() && d->is_string())
          detail += (detail.empty() ? "" : ": ") + d->get<std::string>();
      }
      std::string msg =
          fmt::format("lithops: {} failed: HTTP {}{}", what, resp.status, detail.empty() ? "" : " " + detail);
      if (rest::transient_status(resp.status)) throw StorageError(msg);
      throw StorageRequestError(fmt::format("{} (authentication failed for service account '{}': check "
                                            "gcp_storage.credentials_path)",
                                            msg, account_.client_email));
    }
    auto tok = j.is_object() ? j.find("access_token") : j.end();
    if (!j.is_object() || tok == j.end() || !tok->is_string() || tok->get<std::string>().empty())
      throw StorageError(fmt::format("lithops: {} answered no access_token", what));
    std::int64_t expires_in = 3600;
    if (auto e = j.find("expires_in"); e != j.end() && e->is_number()) expires_in = e->get<std::int64_t>();
    // Renewed a minute before it runs out (at once, when it is given less than that).
    return {tok->get<std::string>(), std::chrono::seconds(expires_in - 60)};
  });
}

}  // namespace lithops::detail::gcs
