#pragma once
// The HTTP side of the S3 backend: signed requests through libcurl (CURLOPT_AWS_SIGV4) over a
// pool of easy handles that keeps connections alive, and the mapping of S3 answers to the
// storage error contract (storage_backend.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/s3/s3_codec.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail::s3 {

/// Where requests get a bearer token when they carry one instead of a SigV4 signature (IBM
/// COS with an IAM API key: ibm_iam.hpp).
class BearerTokenSource {
 public:
  virtual ~BearerTokenSource() = default;
  /// A valid token (cached or fetched). @throws StorageError / StorageRequestError
  virtual std::string token() = 0;
  /// The server refused the cached token: the next token() fetches another.
  virtual void invalidate() = 0;
};

struct ClientSettings {
  std::string scheme;     ///< "http" or "https"
  std::string authority;  ///< host[:port] of the endpoint
  std::string base_path;  ///< path of the endpoint URL without the trailing '/', usually ""
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  /// When set, requests carry "Authorization: Bearer" from here and are not signed.
  std::shared_ptr<BearerTokenSource> bearer;
  bool virtual_addressing = false;  ///< bucket in the host name where the name allows it
  long connect_timeout_ms = 10000;
  long read_timeout_s = 60;
  bool verify_ssl = true;
};

struct Request {
  const char* action = "";  ///< the S3 operation ("GetObject" ...), for messages and logs
  const char* method = "GET";
  std::string_view bucket;  ///< empty: the service itself
  std::string_view key;     ///< empty: the bucket itself
  Query query;
  std::string_view body;  ///< sent as is, and hashed for the signature
  std::vector<std::string> headers;
  /// When set, a 2xx body goes here piece by piece instead of into Response::body.
  const ByteSink* sink = nullptr;
};

struct Response {
  long status = 0;
  std::string body;  ///< the body (or, with a sink, an error body)
  std::optional<std::uint64_t> content_length;
  std::string etag;           ///< quotes stripped
  std::string last_modified;  ///< as sent (an HTTP date)
  std::string bucket_region;  ///< x-amz-bucket-region, the hint of a wrong-region answer
  bool ok() const { return status >= 200 && status < 300; }
};

/// Where a request goes: the Host the server sees, and the path as sent (URI-encoded; S3 signs
/// it as it is, without encoding it again).
struct Target {
  std::string host;  ///< the bucket in front of the authority with virtual addressing
  std::string path;  ///< endpoint base path, "/bucket" with path-style addressing, "/key"
};
/// Virtual-host addressing only for buckets that are DNS names (and, over https, have no '.').
Target target_for(const ClientSettings& settings, std::string_view bucket, std::string_view key);

/// Thread-safe: any number of threads may send at once.
class Client {
 public:
  explicit Client(ClientSettings settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends the request and returns whatever the server answered. With a bearer token source,
  /// a 401 drops the token and sends the request once more with a fresh one.
  /// @throws StorageError when no answer came (connection refused or reset, timeout);
  ///         StorageRequestError when none can come (bad URL, TLS verification failed);
  ///         whatever the request's sink throws.
  Response send(const Request& request) const;
  /// send, then the error contract for any non-2xx answer (see fail).
  Response send_ok(const Request& request) const;
  const ClientSettings& settings() const { return settings_; }

 private:
  std::string url_for(const Request& request) const;
  Response send_once(const Request& request, const std::string* bearer_token) const;

  ClientSettings settings_;
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

/// Throws what an unsuccessful answer means: NoSuchKeyError, NoSuchBucketError, StorageError
/// for throttling and server trouble (retried), StorageRequestError for the rest. The message
/// names the operation, bucket, key, HTTP status and S3 code, never a credential.
[[noreturn]] void fail(const Request& request, const Response& response);
/// The same, for an S3 code reported inside a 200 answer (CompleteMultipartUpload, DeleteObjects).
[[noreturn]] void fail_with_code(const Request& request, long status, const std::string& code,
                                 const std::string& message);

/// "'key' in bucket 'b'" or "bucket 'b'", for messages.
std::string describe(std::string_view bucket, std::string_view key);

}  // namespace lithops::detail::s3
