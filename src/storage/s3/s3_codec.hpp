#pragma once
// The small encodings an S3 client needs: URI escaping for signed URLs, payload digests, the
// two date formats S3 answers in, and its XML error documents.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/rest/web_codec.hpp"

namespace lithops::detail::s3 {

using web::md5_base64;
using web::parse_http_date_ms;
using web::parse_iso8601_ms;
using web::sha256_hex;
using web::strip_quotes;
using web::uri_encode;
using web::url_decode;

/// A query string as name/value pairs; `canonical_query` sorts and escapes it.
using Query = std::vector<std::pair<std::string, std::string>>;

/// "a=1&b=x%2Fy&uploads=": sorted by name, escaped, value-less parameters written with '='.
/// curl signs the query as it is written, and SigV4 wants exactly this canonical form.
std::string canonical_query(Query query);

/// Code and Message of an S3 `<Error>` document; empty when the body is not one.
struct S3ErrorInfo {
  std::string code;
  std::string message;
};
S3ErrorInfo parse_error_xml(std::string_view body);

}  // namespace lithops::detail::s3
