#include "storage/s3/s3_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <strings.h>
#include <sys/mman.h>

#include "lithops/errors.hpp"
#include "storage/rest/http_client.hpp"
#include "util/curl_global.hpp"
#include "util/log.hpp"

namespace lithops::detail::s3 {

namespace {

// Only the S3 error document of a failed answer is kept, not an arbitrarily long body.
constexpr std::size_t kMaxErrorBody = 64 * 1024;

// Idle handles kept for reuse; each holds its live connections, so this bounds open sockets.
constexpr std::size_t kMaxIdleHandles = 64;
// curl's receive buffer: the curl tool's own size. Measured against RGW: larger buffers fall
// out of the CPU caches and copy slower into the body; curl's 16 KiB default means more calls.
constexpr long kReceiveBufferBytes = 100 * 1024;
bool dns_compatible(std::string_view bucket, bool https) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (c == '.' && !https))) return false;
  return bucket.front() != '-' && bucket.back() != '-' && bucket.find("..") == std::string_view::npos;
}

bool transient_code(const std::string& code) {
  // Throttling and server-side trouble S3 reports with a 4xx status (or inside a 200).
  static constexpr std::array<std::string_view, 9> kCodes = {
      "SlowDown",          "RequestTimeout",       "InternalError",        "ServiceUnavailable", "Throttling",
      "ThrottlingException", "RequestLimitExceeded", "OperationAborted", "RequestThrottled"};
  for (auto c : kCodes)
    if (code == c) return true;
  return false;
}

bool starts_with_ci(std::string_view line, std::string_view name) {
  return line.size() > name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0 &&
         line[name.size()] == ':';
}

std::string_view header_value(std::string_view line, std::size_t name_len) {
  line.remove_prefix(name_len + 1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  return line;
}

// What the curl callbacks of one transfer share.
struct Transfer {
  const Request* request;
  Response* response;
  std::exception_ptr error;  // thrown in a callback (by the sink, or out of memory): rethrown by send
};

void read_header(const Request& request, Response& r, std::string_view line) {
  if (line.starts_with("HTTP/")) {
    // A new status line (after "100 Continue", or a retried connection) starts afresh.
    auto space = line.find(' ');
    r.status = space == std::string_view::npos ? 0 : std::strtol(line.data() + space + 1, nullptr, 10);
    r.content_length.reset();
    r.etag.clear();
    r.last_modified.clear();
    r.body.clear();
  } else if (starts_with_ci(line, "Content-Length")) {
    r.content_length = std::strtoull(std::string(header_value(line, 14)).c_str(), nullptr, 10);
    // The whole body lands in one string: allocate it once.
    if (r.ok() && !request.sink && std::string_view(request.method) != "HEAD" && r.body.empty()) {
      r.body.reserve(*r.content_length);
      rest::advise_huge_pages(r.body, *r.content_length);
    }
  } else if (starts_with_ci(line, "ETag")) {
    r.etag = strip_quotes(header_value(line, 4));
  } else if (starts_with_ci(line, "Last-Modified")) {
    r.last_modified = header_value(line, 13);
  } else if (starts_with_ci(line, "x-amz-bucket-region")) {
    r.bucket_region = header_value(line, 19);
  }
}

// Exceptions must not cross curl's C frames: they are kept, and the transfer aborted.
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  try {
    read_header(*t.request, *t.response, std::string_view(data, size * n));
  } catch (...) {
    t.error = std::current_exception();
    return 0;
  }
  return size * n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  Response& r = *t.response;
  std::size_t len = size * n;
  try {
    if (r.ok() && t.request->sink) (*t.request->sink)(std::string_view(data, len));
    else if (r.ok() || r.body.size() < kMaxErrorBody) r.body.append(data, len);
  } catch (...) {
    t.error = std::current_exception();
    return 0;
  }
  return len;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string describe(std::string_view bucket, std::string_view key) {
  if (key.empty()) return fmt::format("bucket '{}'", bucket);
  return fmt::format("'{}' in bucket '{}'", key, bucket);
}

void fail_with_code(const Request& request, long status, const std::string& code, const std::string& message) {
  std::string what = fmt::format("lithops: S3 {} ({}) of {} failed: HTTP {}{}{}{}", request.action, request.method,
                                 describe(request.bucket, request.key), status, code.empty() ? "" : " ", code,
                                 message.empty() ? "" : ": " + message);
  if (code == "NoSuchKey") throw NoSuchKeyError(what);
  if (code == "NoSuchBucket") throw NoSuchBucketError(what);
  if (status >= 500 || status == 429 || transient_code(code)) throw StorageError(what);
  if (status == 301 || status == 307)
    throw StorageRequestError(what + " (the bucket is served by another endpoint or region)");
  if (status >= 400) throw StorageRequestError(what);
  throw StorageError(what);  // an unexpected answer (another 3xx, a 2xx without the expected body)
}

void fail(const Request& request, const Response& response) {
  auto info = parse_error_xml(response.body);
  if (!response.bucket_region.empty() && info.message.empty())
    info.message = "the bucket is in region " + response.bucket_region;
  fail_with_code(request, response.status, info.code, info.message);
}

struct Client::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;  // most recently used last: its connection is the likeliest alive

  CURL* take() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    if (!h) throw StorageError("lithops: curl_easy_init failed");
    return h;
  }
  void give(CURL* h) {
    {
      std::lock_guard lock(mutex);
      if (idle.size() < kMaxIdleHandles) {
        idle.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }
  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }
};

Client::Client(ClientSettings settings) : settings_(std::move(settings)), pool_(std::make_unique<Pool>()) {
  curl_global_once();
}

Client::~Client() = default;

Target target_for(const ClientSettings& s, std::string_view bucket, std::string_view key) {
  bool in_host = !bucket.empty() && s.virtual_addressing && dns_compatible(bucket, s.scheme == "https");
  Target t;
  if (in_host) t.host.append(bucket).push_back('.');
  t.host += s.authority;
  t.path = s.base_path;
  if (!bucket.empty() && !in_host) t.path.append("/").append(uri_encode(bucket));
  if (!key.empty() || in_host || bucket.empty()) t.path.push_back('/');
  t.path += uri_encode(key, true);
  return t;
}

std::string Client::url_for(const Request& r) const {
  Target t = target_for(settings_, r.bucket, r.key);
  std::string url = settings_.scheme + "://" + t.host + t.path;
  if (!r.query.empty()) url.append("?").append(canonical_query(r.query));
  return url;
}

Response Client::send(const Request& r) const {
  if (!settings_.bearer) return send_once(r, nullptr);
  std::string token = settings_.bearer->token();
  Response response = send_once(r, &token);
  if (response.status != 401) return response;
  // Revoked, or expired early: one fresh token, then what the server says stands.
  settings_.bearer->invalidate();
  token = settings_.bearer->token();
  return send_once(r, &token);
}

Response Client::send_once(const Request& r, const std::string* bearer_token) const {
  const auto start = std::chrono::steady_clock::now();
  std::string url = url_for(r);
  std::string sigv4 = "aws:amz:" + settings_.region + ":s3";

  // curl 7.88 signs the headers it is given but does not add the payload hash itself.
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(headers.get(), line.c_str());
    if (!head) throw StorageError("lithops: out of memory building an S3 request");
    headers.release();
    headers.reset(head);
  };
  if (bearer_token) add("Authorization: Bearer " + *bearer_token);
  else add("x-amz-content-sha256: " + sha256_hex(r.body));
  if (!settings_.session_token.empty()) add("x-amz-security-token: " + settings_.session_token);
  // No "Expect:" to turn off curl's 100-continue for large bodies: curl 7.88 would sign the
  // empty header it then does not send. The round trip it costs is what boto3 pays too, and it
  // lets a refused upload end before the body is sent.
  for (const auto& line : r.headers) add(line);
  // curl's default for a body is a form content type, which some servers (moto) take as a form
  // and store nothing of; S3 objects are bytes.
  const bool has_type = std::any_of(r.headers.begin(), r.headers.end(), [](const std::string& h) {
    return h.size() > 13 && strncasecmp(h.c_str(), "content-type:", 13) == 0;
  });
  if (!has_type && (std::string_view(r.method) == "PUT" || std::string_view(r.method) == "POST"))
    add("Content-Type: application/octet-stream");

  CURL* h = pool_->take();
  struct Give {
    Pool& pool;
    CURL* h;
    ~Give() {
      // Back to defaults before the pointers set below (this frame's) dangle; the connection
      // cache survives the reset, which is the point of the pool.
      curl_easy_reset(h);
      pool.give(h);
    }
  } give{*pool_, h};

  Response response;
  Transfer transfer{&r, &response, nullptr};
  char error_text[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // keys may contain "." and ".." segments
  if (!bearer_token) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    // USERNAME/PASSWORD, not USERPWD: an access key may contain ':'.
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.secret_access_key.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, settings_.connect_timeout_ms);
  // A stalled transfer, not a long one, is abandoned: below 1 byte/s for read_timeout seconds.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, settings_.read_timeout_s);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, settings_.verify_ssl ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, settings_.verify_ssl ? 2L : 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  const std::string_view method = r.method;
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT" || method == "POST") {
    // POSTFIELDS sends the caller's bytes without copying them; the method is then set apart.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data() ? r.body.data() : "");
    if (method == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method);
  }

  CURLcode rc = curl_easy_perform(h);
  if (transfer.error) std::rethrow_exception(transfer.error);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (rc != CURLE_OK) {
    std::string what = fmt::format("lithops: S3 {} ({}) of {} failed: {}{}{}", r.action, r.method,
                                   describe(r.bucket, r.key), curl_easy_strerror(rc), *error_text ? ": " : "",
                                   error_text);
    log_debug("S3 {} ({}) {}/{} -> curl error {} after {:.1f} ms", r.action, r.method, r.bucket, r.key,
              static_cast<int>(rc), ms);
    switch (rc) {
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
        throw StorageRequestError(what);  // no retry will change these
      default:
        throw StorageError(what);
    }
  }
  log_debug("S3 {} ({}) {}/{} -> HTTP {} ({} bytes) in {:.1f} ms", r.action, r.method, r.bucket, r.key,
            response.status, response.content_length.value_or(response.body.size()), ms);
  return response;
}

Response Client::send_ok(const Request& request) const {
  Response response = send(request);
  if (!response.ok()) fail(request, response);
  return response;
}

}  // namespace lithops::detail::s3
