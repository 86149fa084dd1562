#pragma once
// IBM Cloud IAM for IBM Cloud Object Storage: an API key is exchanged at IAM's token endpoint
// for a bearer token, which COS takes instead of a SigV4 signature (what Lithops' `ibm_cos`
// section does with `api_key`). The token is cached and renewed five minutes before it expires;
// a token COS refuses is dropped and fetched again once. Neither the key nor a token ever
// appears in a message.
#include <string>

#include "storage/rest/cached_token.hpp"
#include "storage/s3/s3_client.hpp"

namespace lithops::detail::rest {
class Client;
}

namespace lithops::detail::ibm {

inline constexpr const char* kDefaultIamEndpoint = "https://iam.cloud.ibm.com";
inline constexpr const char* kApiKeyGrant = "urn:ibm:params:oauth:grant-type:apikey";

/// The body of IAM's token request (application/x-www-form-urlencoded).
std::string token_request_body(const std::string& api_key);

/// Bearer tokens for one API key, fetched on demand and cached. Thread-safe.
class IamTokenSource final : public s3::BearerTokenSource {
 public:
  /// `endpoint`: IAM's base URL (the token is asked of <endpoint>/identity/token).
  /// `key_name`: the config key the API key came from, for messages.
  IamTokenSource(std::string api_key, std::string endpoint, std::string key_name, const rest::Client& client);
  /// @throws StorageRequestError when IAM refuses the key ("authentication failed", naming
  ///         the key's config entry, never the key); StorageError when IAM cannot be reached
  ///         or fails (retried by the caller)
  std::string token() override;
  void invalidate() override;
  /// Token requests sent so far (for tests).
  int fetches() const;

 private:
  std::string api_key_, endpoint_, key_name_;
  const rest::Client& client_;
  rest::CachedToken cached_;
};

}  // namespace lithops::detail::ibm
