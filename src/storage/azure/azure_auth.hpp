#pragma once
// How requests to Azure Blob Storage are authorized: Shared Key (an HMAC-SHA256 of the
// request's canonical form under the account key) or a SAS token carried in the query; and the
// service SAS this backend signs itself to hand out read-only URLs. Also the connection
// strings Azure's own tools print (`AZURE_STORAGE_CONNECTION_STRING`).
//
// Written here because no Debian-packaged C++ library speaks it (Microsoft's azure-sdk-for-cpp
// is not packaged); the formats follow Microsoft's "Authorize with Shared Key" and "Create a
// service SAS" references, and the tests check them against Azurite, which verifies both.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lithops::detail::azure {

/// The REST API version every request names (x-ms-version), and its SAS tokens (sv).
inline constexpr const char* kApiVersion = "2021-08-06";

/// What a connection string says, each field empty when absent.
struct ConnectionString {
  std::string account;
  std::string key;            ///< AccountKey, base64 as given
  std::string sas;            ///< SharedAccessSignature, without '?'
  std::string blob_endpoint;  ///< BlobEndpoint, or built from the protocol and suffix
};

/// Parses "Name=value;Name=value;..." (values may contain '='), including the
/// "UseDevelopmentStorage=true" shorthand for Azurite. @throws ConfigError naming `source`
ConnectionString parse_connection_string(std::string_view text, const std::string& source);

/// Azurite's well-known development account (public, documented by Microsoft).
inline constexpr const char* kDevAccount = "devstoreaccount1";
inline constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// The string a Shared Key signature covers (API version 2015-02-21 and later):
/// `headers` are the request's "Name: value" lines; `path` the URL path as sent (encoded);
/// `query` the parameters, decoded.
std::string string_to_sign(std::string_view method, const std::vector<std::string>& headers,
                           std::string_view account, std::string_view path, const QueryParams& query);

/// "SharedKey <account>:<signature>" for those; `key` is the decoded account key.
std::string shared_key_authorization(std::string_view account, std::string_view key, std::string_view method,
                                     const std::vector<std::string>& headers, std::string_view path,
                                     const QueryParams& query);

/// The query of a service SAS granting `permissions` ("r", "racwdl" ...) on one blob, or on a
/// whole container when `blob` is empty, until `expiry` (seconds since the epoch), signed with
/// the decoded account key.
std::string service_sas(std::string_view account, std::string_view key, std::string_view container,
                        std::string_view blob, std::string_view permissions, std::int64_t expiry);

/// "2026-12-07T13:47:40Z"
std::string iso8601(std::int64_t unix_seconds);

}  // namespace lithops::detail::azure
