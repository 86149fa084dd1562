#pragma once
// OpenStack Swift's two ways to a token and the account's URL:
//  * Keystone v3 password authentication: POST {auth_url}/v3/auth/tokens naming the user by id and
//    scoped to a project by id; the token is the X-Subject-Token header, the account's URL the
//    catalog's object-store endpoint of the region and interface asked for.
//  * TempAuth (v1, also what swauth and many test clusters speak): GET {auth_url} with
//    X-Auth-User / X-Auth-Key; the answer's X-Auth-Token and X-Storage-Url.
// Tokens are cached and renewed a minute before they expire (Keystone's expires_at, TempAuth's
// X-Auth-Token-Expires). No secret (password, key, token) ever appears in a message.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace lithops::detail::rest {
class Client;
}

namespace lithops::detail::swift {

enum class AuthVersion { v1, v3 };

struct Credentials {
  AuthVersion version = AuthVersion::v3;
  std::string auth_url;  ///< without a trailing '/'
  // Keystone v3
  std::string user_id, project_id, password, region;
  std::string interface = "public";
  // TempAuth
  std::string user, key;
  /// "user 'id' (project 'p')" or "TempAuth user 'account:user'", for messages.
  std::string who() const;
};

/// The readable text of an answer's body for a message: Keystone's {"error": {"message": ...}},
/// or an HTML or plain body (Swift's, TempAuth's) without its tags, at most 200 characters.
std::string answer_text(std::string_view body);

/// An answer a retry may change: rest::transient_status, and 498 (Swift's rate limiting).
bool transient(long status);

/// v1 when `auth_url`'s path ends in /v1.0 or /v1 (TempAuth's /auth/v1.0), else v3.
AuthVersion version_from_url(const std::string& auth_url);

/// Keystone's token URL: {auth_url}/auth/tokens when auth_url already ends in /v3, else
/// {auth_url}/v3/auth/tokens.
std::string v3_token_url(const std::string& auth_url);

/// The JSON body of a v3 password authentication scoped to the project.
std::string v3_request_body(const Credentials& c);

/// The object-store URL in a v3 token answer's catalog (`token_json`: the whole body) for
/// `c.region` (any, when empty and there is just one) and `c.interface`.
/// @throws StorageRequestError when there is none, naming the regions and interfaces there are
std::string catalog_storage_url(const std::string& token_json, const Credentials& c);

struct Session {
  std::string token;
  std::string storage_url;  ///< https://proxy/v1/AUTH_<project>, no trailing '/'
};

/// Tokens for one user, fetched on demand and cached. Thread-safe.
class TokenSource {
 public:
  /// `client` sends the authentication requests (it must outlive this).
  TokenSource(Credentials credentials, const rest::Client& client);
  /// A valid token and the account's URL: the cached ones while the token has more than a minute
  /// left, else new ones (one fetch at a time: the other threads wait for it).
  /// @throws StorageRequestError when the identity service refuses the credentials ("authentication
  ///         failed for <who>", never the secret); StorageError when it cannot be reached or
  ///         fails (retried by the caller)
  Session session();
  /// Forgets `stale` (the server refused it) unless another thread already replaced it: the
  /// next session() fetches a new token.
  void invalidate(const std::string& stale);
  const Credentials& credentials() const { return credentials_; }
  /// Authentication requests sent so far (for tests).
  int fetches() const;

 private:
  Session fetch_v3();
  Session fetch_v1();

  Credentials credentials_;
  const rest::Client& client_;
  mutable std::mutex mutex_;
  Session session_;
  std::chrono::steady_clock::time_point renew_at_{};
  int fetches_ = 0;
};

}  // namespace lithops::detail::swift
