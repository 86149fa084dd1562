#pragma once
// The small encodings an S3 client needs: URI escaping for signed URLs, payload digests, the
// two date formats S3 answers in, and its XML error documents.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lithops::detail::s3 {

/// A query string as name/value pairs; `canonical_query` sorts and escapes it.
using Query = std::vector<std::pair<std::string, std::string>>;

/// RFC 3986 escaping of everything but unreserved characters (and '/' when `keep_slash`).
std::string uri_encode(std::string_view s, bool keep_slash = false);
/// Undoes `uri_encode` and the form encoding S3 uses with `encoding-type=url` ('+' is a space).
std::string url_decode(std::string_view s);
/// "a=1&b=x%2Fy&uploads=": sorted by name, escaped, value-less parameters written with '='.
/// curl signs the query as it is written, and SigV4 wants exactly this canonical form.
std::string canonical_query(Query query);

/// Lower-case hex SHA-256, the `x-amz-content-sha256` of a body.
std::string sha256_hex(std::string_view data);
/// Base64 MD5, the `Content-MD5` DeleteObjects requires.
std::string md5_base64(std::string_view data);

/// "2024-05-01T12:34:56.789Z" in milliseconds since the epoch; 0 if unreadable.
std::int64_t parse_iso8601_ms(std::string_view s);
/// An HTTP date ("Wed, 01 May 2024 12:34:56 GMT") in milliseconds since the epoch; 0 if unreadable.
std::int64_t parse_http_date_ms(const std::string& s);

/// The ETag without its quotes (S3 quotes it in headers and listings alike).
std::string strip_quotes(std::string_view etag);

/// Code and Message of an S3 `<Error>` document; empty when the body is not one.
struct S3ErrorInfo {
  std::string code;
  std::string message;
};
S3ErrorInfo parse_error_xml(std::string_view body);

}  // namespace lithops::detail::s3
