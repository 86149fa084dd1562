#include "storage/rest/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>
#include <sys/mman.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>

#include "lithops/errors.hpp"
#include "util/curl_global.hpp"
#include "util/log.hpp"

namespace lithops::detail::rest {

namespace {

// Idle handles kept for reuse; each holds its live connections, so this bounds open sockets.
constexpr std::size_t kMaxIdleHandles = 64;
// curl's receive buffer: the curl tool's own size (see s3_client.cpp for the measurement).
constexpr long kReceiveBufferBytes = 100 * 1024;
// Only the error document of a failed answer is kept, not an arbitrarily long body.
constexpr std::size_t kMaxErrorBody = 64 * 1024;
// Bodies from this size on are allocated in huge pages where the kernel offers them.
constexpr std::size_t kHugeBody = 4 << 20;
constexpr std::uintptr_t kHugePage = 2 << 20;

struct Transfer {
  const Request* request;
  Response* response;
  std::exception_ptr error;  // thrown in a callback: rethrown by send
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void read_header(const Request& request, Response& r, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after "100 Continue", or a retried connection) starts afresh.
    auto space = line.find(' ');
    r.status = space == std::string_view::npos ? 0 : std::strtol(line.data() + space + 1, nullptr, 10);
    r.headers.clear();
    r.body.clear();
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  r.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
  // The whole body lands in one string: allocate it once.
  if (r.headers.back().first == "content-length" && r.ok() && !request.sink &&
      std::string_view(request.method) != "HEAD" && r.body.empty()) {
    const std::size_t size = std::strtoull(r.headers.back().second.c_str(), nullptr, 10);
    r.body.reserve(size);
    advise_huge_pages(r.body, size);
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

Options options_from(const Config& config, const std::string& section) {
  const std::string connect_key = section + ".connect_timeout", read_key = section + ".read_timeout";
  const double connect = config.get_double(connect_key);
  const double read = config.get_double(read_key);
  if (!(connect > 0)) throw ConfigError(fmt::format("{}: must be positive, not {}", connect_key, connect));
  if (!(read > 0)) throw ConfigError(fmt::format("{}: must be positive, not {}", read_key, read));
  Options o;
  o.connect_timeout_ms = static_cast<long>(std::ceil(connect * 1000));
  o.read_timeout_s = static_cast<long>(std::ceil(read));
  o.verify_ssl = config.get_bool(section + ".verify_ssl");
  return o;
}

void advise_huge_pages(std::string& body, std::size_t size) {
#ifdef MADV_HUGEPAGE
  if (size < kHugeBody) return;
  auto first = (reinterpret_cast<std::uintptr_t>(body.data()) + kHugePage - 1) & ~(kHugePage - 1);
  auto last = (reinterpret_cast<std::uintptr_t>(body.data()) + size) & ~(kHugePage - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)body;
  (void)size;
#endif
}

bool transient_status(long status) { return status >= 500 || status == 429 || status == 408; }

std::string Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

struct Client::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;
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

Client::Client(Options options) : options_(options), pool_(std::make_unique<Pool>()) { curl_global_once(); }

Client::~Client() = default;

Response Client::send(const Request& r, std::string_view what) const {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(headers.get(), line.c_str());
    if (!head) throw StorageError("lithops: out of memory building a request");
    headers.release();
    headers.reset(head);
  };
  for (const auto& line : r.headers) add(line);
  const std::string_view method = r.method;
  // curl's default for a body is a form content type; objects are bytes.
  const bool has_type = std::any_of(r.headers.begin(), r.headers.end(), [](const std::string& h) {
    return h.size() > 13 && strncasecmp(h.c_str(), "content-type:", 13) == 0;
  });
  if (!has_type && (method == "PUT" || method == "POST")) add("Content-Type: application/octet-stream");
  // No 100-continue round trip before each upload: the services answer a refused upload after
  // its body just as well, and small puts are the common case.
  add("Expect:");

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
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // keys may contain "." and ".." segments
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  // A stalled transfer, not a long one, is abandoned: below 1 byte/s for read_timeout seconds.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, options_.read_timeout_s);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_ssl ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_ssl ? 2L : 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
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
    std::string message =
        fmt::format("lithops: {} failed: {}{}{}", what, curl_easy_strerror(rc), *error_text ? ": " : "", error_text);
    log_debug("{} -> curl error {} after {:.1f} ms", what, static_cast<int>(rc), ms);
    switch (rc) {
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
        throw StorageRequestError(message);  // no retry will change these
      default:
        throw StorageError(message);
    }
  }
  log_debug("{} -> HTTP {} in {:.1f} ms", what, response.status, ms);
  return response;
}

}  // namespace lithops::detail::rest
