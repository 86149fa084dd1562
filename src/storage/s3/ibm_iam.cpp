#include "storage/s3/ibm_iam.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lithops/errors.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/rest/web_codec.hpp"

namespace lithops::detail::ibm {

using Json = nlohmann::json;

std::string token_request_body(const std::string& api_key) {
  return "grant_type=" + web::uri_encode(kApiKeyGrant) + "&apikey=" + web::uri_encode(api_key);
}

IamTokenSource::IamTokenSource(std::string api_key, std::string endpoint, std::string key_name,
                               const rest::Client& client)
    : api_key_(std::move(api_key)), endpoint_(std::move(endpoint)), key_name_(std::move(key_name)), client_(client) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

int IamTokenSource::fetches() const { return cached_.fetches(); }

void IamTokenSource::invalidate() { cached_.invalidate(); }

std::string IamTokenSource::token() {
  return cached_.get([this]() -> rest::CachedToken::Fresh {
    const std::string body = token_request_body(api_key_);
    rest::Request r;
    r.method = "POST";
    r.url = endpoint_ + "/identity/token";
    r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    r.body = body;
    const std::string what = fmt::format("IBM Cloud IAM token request for the API key of {}", key_name_);
    rest::Response resp = client_.send(r, what);
    Json j = Json::parse(resp.body, nullptr, false);
    if (!resp.ok()) {
      // {"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found.", ...}
      std::string detail;
      if (j.is_object()) {
        if (auto c = j.find("errorCode"); c != j.end() && c->is_string()) detail = c->get<std::string>();
        if (auto m = j.find("errorMessage"); m != j.end() && m->is_string())
          detail += (detail.empty() ? "" : ": ") + m->get<std::string>();
      }
      std::string msg =
          fmt::format("lithops: {} failed: HTTP {}{}", what, resp.status, detail.empty() ? "" : " " + detail);
      if (rest::transient_status(resp.status)) throw StorageError(msg);
      throw StorageRequestError(fmt::format("{} (authentication failed: IAM refused the API key in {})", msg, key_name_));
    }
    auto tok = j.is_object() ? j.find("access_token") : j.end();
    if (!j.is_object() || tok == j.end() || !tok->is_string() || tok->get<std::string>().empty())
      throw StorageError(fmt::format("lithops: {} answered no access_token", what));
    std::int64_t expires_in = 3600;
    if (auto e = j.find("expires_in"); e != j.end() && e->is_number()) expires_in = e->get<std::int64_t>();
    // IBM's SDKs renew at 80% of the lifetime; five minutes before the end is the same for the
    // usual hour, and a short-lived token is renewed early rather than used to its last second.
    return {tok->get<std::string>(), std::chrono::seconds(expires_in - std::min<std::int64_t>(300, expires_in / 5))};
  });
}

}  // namespace lithops::detail::ibm
