#pragma once
// Presigned GET URLs (SigV4 in the query string): whoever holds the URL may read that one
// object until it expires, with no credentials of their own. Remote workers fetch runtimes with
// them through plain curl, so no secret ever appears on a command line.
//
// We sign ourselves because libcurl cannot: CURLOPT_AWS_SIGV4 signs the request curl is about
// to send (an Authorization header), it never produces a URL for someone else to send.
#include <chrono>
#include <string>
#include <string_view>

#include "storage/s3/s3_client.hpp"

namespace lithops::detail::s3 {

/// S3's bounds for X-Amz-Expires: one second to seven days.
inline constexpr std::chrono::seconds kMinPresignTtl{1};
inline constexpr std::chrono::seconds kMaxPresignTtl{7 * 24 * 3600};

/// The URL that GETs `key` in `bucket` until `now + ttl`, signed with the settings' keys for
/// their region (SignedHeaders=host, UNSIGNED-PAYLOAD; a session token travels as
/// X-Amz-Security-Token). `now` is a parameter so that tests can sign in the past.
/// @throws StorageRequestError when ttl is outside [kMinPresignTtl, kMaxPresignTtl]
std::string presign_get(const ClientSettings& settings, std::string_view bucket, std::string_view key,
                        std::chrono::seconds ttl, std::chrono::system_clock::time_point now);

/// Lower-case hex HMAC-SHA256 and the raw bytes of one, the SigV4 building blocks.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(std::string_view bytes);

}  // namespace lithops::detail::s3
