#include "storage/s3/s3_presign.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>

#include "lithops/errors.hpp"

namespace lithops::detail::s3 {

namespace {

constexpr const char* kAlgorithm = "AWS4-HMAC-SHA256";

// Clients leave the scheme's default port out of the Host header (curl, wget, browsers), and
// the server signs the Host it receives: sign it the same way or the signature will not match.
std::string host_as_sent(const ClientSettings& s, std::string host) {
  const std::string default_port = s.scheme == "https" ? ":443" : ":80";
  if (host.size() > default_port.size() && host.ends_with(default_port))
    host.resize(host.size() - default_port.size());
  return host;
}

std::tm utc(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char kLowerHex[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kLowerHex[b >> 4];
    out[2 * i + 1] = kLowerHex[b & 0xf];
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  // HMAC() is OpenSSL 3's one-shot MAC (only the HMAC_CTX functions are deprecated).
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), md, &len))
    throw StorageError("lithops: OpenSSL HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string presign_get(const ClientSettings& settings, std::string_view bucket, std::string_view key,
                        std::chrono::seconds ttl, std::chrono::system_clock::time_point now) {
  if (ttl < kMinPresignTtl || ttl > kMaxPresignTtl)
    throw StorageRequestError(fmt::format("lithops: a presigned URL for {} must expire in 1 s to 7 days, not {} s",
                                          describe(bucket, key), ttl.count()));
  const std::tm tm = utc(now);
  const std::string date = fmt::format("{:04}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  const std::string stamp = fmt::format("{}T{:02}{:02}{:02}Z", date, tm.tm_hour, tm.tm_min, tm.tm_sec);
  const std::string scope = date + "/" + settings.region + "/s3/aws4_request";
  const Target target = target_for(settings, bucket, key);
  const std::string host = host_as_sent(settings, target.host);

  // The token is a query parameter, not a header: the holder of the URL sends no headers of
  // ours. It is covered by the signature because the whole canonical query is.
  Query query = {{"X-Amz-Algorithm", kAlgorithm},
                 {"X-Amz-Credential", settings.access_key_id + "/" + scope},
                 {"X-Amz-Date", stamp},
                 {"X-Amz-Expires", std::to_string(ttl.count())},
                 {"X-Amz-SignedHeaders", "host"}};
  if (!settings.session_token.empty()) query.emplace_back("X-Amz-Security-Token", settings.session_token);
  const std::string canonical_qs = canonical_query(query);

  // The body of a GET is not known to the signer: S3 accepts UNSIGNED-PAYLOAD in presigned URLs.
  const std::string canonical_request =
      fmt::format("GET\n{}\n{}\nhost:{}\n\nhost\nUNSIGNED-PAYLOAD", target.path, canonical_qs, host);
  const std::string string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, stamp, scope, sha256_hex(canonical_request));
  std::string signing_key = hmac_sha256("AWS4" + settings.secret_access_key, date);
  signing_key = hmac_sha256(signing_key, settings.region);
  signing_key = hmac_sha256(signing_key, "s3");
  signing_key = hmac_sha256(signing_key, "aws4_request");
  const std::string signature = to_hex(hmac_sha256(signing_key, string_to_sign));
  return fmt::format("{}://{}{}?{}&X-Amz-Signature={}", settings.scheme, target.host, target.path, canonical_qs,
                     signature);
}

}  // namespace lithops::detail::s3
