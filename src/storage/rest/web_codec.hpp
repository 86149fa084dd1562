#pragma once
// The small web encodings the object-store clients share (S3, Azure Blob, Google Cloud
// Storage, Swift): URI escaping, digests and HMAC through OpenSSL, base64, and the date
// formats the services answer in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lithops::detail::web {

/// RFC 3986 escaping of everything but unreserved characters (and '/' when `keep_slash`).
std::string uri_encode(std::string_view s, bool keep_slash = false);
/// Undoes `uri_encode` and form encoding ('+' is a space, as S3's `encoding-type=url` writes it).
std::string url_decode(std::string_view s);

/// Lower-case hex SHA-256, the `x-amz-content-sha256` of a body.
std::string sha256_hex(std::string_view data);
/// Base64 MD5 (`Content-MD5`).
std::string md5_base64(std::string_view data);
/// The raw HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string base64_encode(std::string_view data);
/// nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

/// "2024-05-01T12:34:56.789Z" in milliseconds since the epoch; 0 if unreadable.
std::int64_t parse_iso8601_ms(std::string_view s);
/// An HTTP date ("Wed, 01 May 2024 12:34:56 GMT") in milliseconds since the epoch; 0 if unreadable.
std::int64_t parse_http_date_ms(const std::string& s);

/// An ETag without its quotes.
std::string strip_quotes(std::string_view etag);

}  // namespace lithops::detail::web
