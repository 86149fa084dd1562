#pragma once
// Plain HTTP(S) requests through libcurl over a pool of easy handles that keep connections
// alive: what the REST storage backends (Azure Blob, Google Cloud Storage, Swift) share. Each
// backend adds its own authorization and maps answers to the storage error contract; this
// layer only moves bytes and reports what the server said. (S3 has its own client: curl signs
// its requests with SigV4 on the handle itself.)
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lithops/config.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail::rest {

struct Options {
  long connect_timeout_ms = 10000;
  long read_timeout_s = 60;  ///< a transfer with no byte for this long is abandoned
  bool verify_ssl = true;
};

/// The connection keys every REST store's section has (`connect_timeout`, `read_timeout`,
/// `verify_ssl`), read and checked once for all. @throws ConfigError naming the key
Options options_from(const Config& config, const std::string& section);

/// An HTTP status a retry may change (408, 429, 5xx): a REST store's or an identity service's
/// answer that is a StorageError (retried), not a refusal.
bool transient_status(long status);

struct Request {
  const char* method = "GET";
  std::string url;                   ///< absolute, already percent-encoded
  std::vector<std::string> headers;  ///< "Name: value"
  std::string_view body;             ///< sent as is (PUT/POST)
  /// When set, a 2xx body goes here piece by piece instead of into Response::body.
  const ByteSink* sink = nullptr;
};

struct Response {
  long status = 0;
  std::string body;  ///< the body (or, with a sink, an error body, at most 64 KiB)
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  /// The value of header `name` (lower case), "" if absent.
  std::string header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

/// Thread-safe: any number of threads may send at once.
class Client {
 public:
  explicit Client(Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends the request and returns whatever the server answered.
  /// @throws StorageError when no answer came (connection refused or reset, timeout);
  ///         StorageRequestError when none can come (bad URL, TLS verification failed);
  ///         whatever the request's sink throws.
  /// `what` names the operation in those messages (never a URL's query: it may hold a token).
  Response send(const Request& request, std::string_view what) const;

 private:
  Options options_;
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

/// Asks for `body`'s buffer (reserved for `size` bytes) in huge pages when it is large: a
/// large body is fresh memory, faulted in one 4 KiB page at a time as it fills, and measured
/// against RGW those faults cost 15-20% of a 64 MiB GET, far more than the copy out of curl's
/// buffer. The advice is ignored where transparent huge pages are off.
void advise_huge_pages(std::string& body, std::size_t size);

}  // namespace lithops::detail::rest
