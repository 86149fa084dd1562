#pragma once
// Google's OAuth2 for service accounts, as Google's client libraries do it: a JWT naming the
// account and the scope, signed RS256 with the account's private key, exchanged at the key file's
// token_uri for an access token that is then sent as "Authorization: Bearer ...". The token is
// cached and renewed a minute before it expires. No secret (key, JWT, token) ever appears in a
// message.
#include <cstdint>
#include <memory>
#include <string>

#include "storage/rest/cached_token.hpp"

namespace lithops::detail::rest {
class Client;
}

namespace lithops::detail::gcs {

inline constexpr const char* kScope = "https://www.googleapis.com/auth/devstorage.read_write";
inline constexpr const char* kDefaultTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr const char* kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The fields of a service-account JSON key file that matter here.
struct ServiceAccount {
  std::string client_email;
  std::string project_id;
  std::string private_key;  ///< PEM
  std::string private_key_id;
  std::string token_uri = kDefaultTokenUri;
};

/// Parses a key file's text. `source` names where it came from (a config key and the file) in
/// errors. @throws ConfigError (not JSON, not a service account, a field missing, a key that is
/// not a PEM private key), never quoting the key
ServiceAccount parse_service_account(const std::string& json_text, const std::string& source);

/// base64url without padding (RFC 7515).
std::string base64url(std::string_view data);

/// The signed JWT assertion ("header.claims.signature") for `account`, issued at `iat`
/// (seconds since the epoch), valid for an hour.
std::string signed_jwt(const ServiceAccount& account, std::int64_t iat);

/// The body of the token request (application/x-www-form-urlencoded).
std::string token_request_body(const std::string& jwt);

/// A V4 signed URL (GOOG4-RSA-SHA256, Google's "signing with a service account key") that lets
/// anyone GET `key` of `bucket` for `ttl_seconds` (1 s .. 7 days) from `now` (seconds since the
/// epoch), path-style on `endpoint` ("https://storage.googleapis.com"). Computed locally.
std::string signed_get_url(const ServiceAccount& account, const std::string& endpoint, std::string_view bucket,
                           std::string_view key, std::int64_t ttl_seconds, std::int64_t now);

/// Access tokens for one service account, fetched on demand and cached. Thread-safe.
class TokenSource {
 public:
  /// `client` sends the token requests (it must outlive this).
  TokenSource(ServiceAccount account, const rest::Client& client);
  /// A valid access token: the cached one while it has more than a minute left, else a new one.
  /// @throws StorageRequestError when the token endpoint refuses the account (naming it, never
  ///         the key); StorageError when it cannot be reached or fails (retried by the caller)
  std::string token();
  /// Forgets the cached token (the server refused it): the next token() fetches another.
  void invalidate();
  const ServiceAccount& account() const { return account_; }
  /// Token requests sent so far (for tests).
  int fetches() const;

 private:
  ServiceAccount account_;
  const rest::Client& client_;
  rest::CachedToken cached_;
};

}  // namespace lithops::detail::gcs
