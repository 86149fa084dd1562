#include "data/http_source.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "lithops/errors.hpp"
#include "util/curl_global.hpp"

namespace lithops::detail {

namespace {

void set_defaults(CURL* h) {
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
}

struct Easy {
  CURL* h;
  Easy() : h(nullptr) {
    curl_global_once();
    h = curl_easy_init();
    if (!h) throw StorageError("lithops: curl_easy_init failed");
  }
  ~Easy() { curl_easy_cleanup(h); }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;
};

// One handle per thread: connections to the same server are reused across requests. Options
// go back to our defaults before each request; the connection cache survives the reset.
CURL* handle() {
  thread_local Easy easy;
  curl_easy_reset(easy.h);
  set_defaults(easy.h);
  return easy.h;
}

void check(CURL* h, CURLcode rc, const std::string& url) {
  if (rc != CURLE_OK) throw StorageError(fmt::format("lithops: GET {}: {}", url, curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status == 404) throw NoSuchKeyError(fmt::format("lithops: {} not found (HTTP 404)", url));
  if (status >= 500 || status == 429) throw StorageError(fmt::format("lithops: GET {}: HTTP {}", url, status));
  if (status >= 400 && status != 416) throw StorageRequestError(fmt::format("lithops: GET {}: HTTP {}", url, status));
}

struct StreamState {
  const ByteSink* sink;
  CURL* h;
  std::optional<ByteRange> range;
  bool checked = false;
  bool skip = false;     // an error body is not data
  bool filter = false;   // the server ignored the range (200): cut it out ourselves
  std::uint64_t at = 0;  // offset of the next byte of a filtered body
};

std::size_t on_data(char* p, std::size_t size, std::size_t n, void* user) {
  auto* st = static_cast<StreamState*>(user);
  if (!st->checked) {
    long status = 0;
    curl_easy_getinfo(st->h, CURLINFO_RESPONSE_CODE, &status);
    st->skip = status >= 300;  // error bodies are reported by check(), not delivered
    st->filter = status == 200 && st->range;
    st->checked = true;
  }
  std::string_view data(p, size * n);
  if (st->skip) return size * n;
  if (st->filter) {
    std::uint64_t begin = std::max(st->at, st->range->first), end = std::min(st->at + data.size(), st->range->last);
    if (begin < end) (*st->sink)(data.substr(begin - st->at, end - begin));
    st->at += data.size();
    return size * n;
  }
  (*st->sink)(data);
  return size * n;
}

}  // namespace

UrlInfo http_head(const std::string& url) {
  CURL* h = handle();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  bool ranges = false;
  auto on_header = +[](char* p, std::size_t size, std::size_t n, void* user) -> std::size_t {
    std::string_view line(p, size * n);
    std::string lower(line);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("accept-ranges:", 0) == 0 && lower.find("bytes") != std::string::npos)
      *static_cast<bool*>(user) = true;
    return size * n;
  };
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ranges);
  check(h, curl_easy_perform(h), url);
  curl_off_t length = -1;
  curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  return UrlInfo{length > 0 ? static_cast<std::uint64_t>(length) : 0, ranges && length > 0};
}

void http_get_stream(const std::string& url, std::optional<ByteRange> range, const ByteSink& sink) {
  if (range && range->last <= range->first) return;
  CURL* h = handle();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  std::string r;
  if (range) {
    r = fmt::format("{}-{}", range->first, range->last - 1);
    curl_easy_setopt(h, CURLOPT_RANGE, r.c_str());
  }
  StreamState st{&sink, h, range};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
  check(h, curl_easy_perform(h), url);
}

std::string http_get(const std::string& url, std::optional<ByteRange> range) {
  std::string out;
  ByteSink sink = [&out](std::string_view p) { out.append(p); };
  http_get_stream(url, range, sink);
  return out;
}

}  // namespace lithops::detail
