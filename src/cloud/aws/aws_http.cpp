#include "cloud/aws/aws_http.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "storage/s3/s3_codec.hpp"
#include "util/curl_global.hpp"

namespace lithops::detail::aws {

namespace {

constexpr long kStallSeconds = 60;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

SignedRequest::SignedRequest(const ServiceEndpoint& endpoint, std::string method, std::string path_and_query,
                             std::string body, std::vector<std::string> headers)
    : endpoint_(endpoint),
      method_(std::move(method)),
      url_(endpoint.url + path_and_query),
      body_(std::move(body)),
      sigv4_("aws:amz:" + endpoint.region + ":" + endpoint.service) {
  // curl 7.88 signs the headers it is given; the payload hash and the session token must be
  // among them (it adds neither itself).
  headers.push_back("x-amz-content-sha256: " + s3::sha256_hex(body_));  // SigV4's payload hash, as S3's
  if (!endpoint.session_token.empty()) headers.push_back("x-amz-security-token: " + endpoint.session_token);
  if (!body_.empty() && std::none_of(headers.begin(), headers.end(), [](const std::string& h) {
        return lower(h).rfind("content-type:", 0) == 0;
      }))
    headers.push_back("Content-Type: application/json");
  for (const auto& line : headers) {
    curl_slist* head = curl_slist_append(headers_, line.c_str());
    if (!head) throw std::bad_alloc();
    headers_ = head;
  }
}

SignedRequest::~SignedRequest() { curl_slist_free_all(headers_); }

void SignedRequest::setup(CURL* h) {
  curl_global_once();
  curl_easy_reset(h);
  response_ = HttpResponse{};
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  // USERNAME/PASSWORD, not USERPWD: an access key may contain ':'.
  curl_easy_setopt(h, CURLOPT_USERNAME, endpoint_.access_key_id.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, endpoint_.secret_access_key.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, endpoint_.connect_timeout_ms);
  // A stalled request, not a long one, is abandoned (a 50 MB upload may take minutes): below
  // 1 byte/s for a minute. Callers waiting on purpose for a silent answer override it.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text_);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
  if (method_ == "POST" || method_ == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body_.data());
    if (method_ == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (method_ != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_.c_str());
  }
}

HttpResponse SignedRequest::finish(CURL* h, CURLcode rc) {
  HttpResponse r = std::move(response_);
  if (rc != CURLE_OK) {
    r.status = 0;
    r.curl_code = static_cast<int>(rc);
    r.curl_error = std::string(curl_easy_strerror(rc)) + (*error_text_ ? std::string(": ") + error_text_ : "");
    r.not_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY;
    return r;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  if (!r.ok() && r.error_type.empty()) {
    // REST-JSON services name the error in the body when the header is absent.
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object()) {
      if (auto t = j.find("__type"); t != j.end() && t->is_string()) r.error_type = t->get<std::string>();
      else if (auto t2 = j.find("Type"); t2 != j.end() && t2->is_string()) r.error_type = t2->get<std::string>();
    }
    if (auto hash = r.error_type.find('#'); hash != std::string::npos) r.error_type = r.error_type.substr(hash + 1);
  }
  return r;
}

size_t SignedRequest::on_header(char* data, size_t size, size_t n, void* self) {
  auto* me = static_cast<SignedRequest*>(self);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = lower(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (name == "x-amzn-errortype") me->response_.error_type = value.substr(0, value.find(':'));
    else if (name == "x-amz-function-error") me->response_.function_error = value;
    else if (name == "x-amzn-requestid" || name == "x-amz-request-id") me->response_.request_id = value;
  }
  return size * n;
}

size_t SignedRequest::on_body(char* data, size_t size, size_t n, void* self) {
  static_cast<SignedRequest*>(self)->response_.body.append(data, size * n);
  return size * n;
}

HttpResponse send(const ServiceEndpoint& endpoint, const std::string& method, const std::string& path_and_query,
                  const std::string& body, std::vector<std::string> headers) {
  SignedRequest request(endpoint, method, path_and_query, body, std::move(headers));
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) throw std::bad_alloc();
  request.setup(h.get());
  CURLcode rc = curl_easy_perform(h.get());
  return request.finish(h.get(), rc);
}

bool transient(const HttpResponse& r) {
  if (r.status == 0) return r.not_sent;
  return r.status == 429 || r.status >= 500 || r.error_type == "TooManyRequestsException" ||
         r.error_type == "ThrottlingException";
}

bool function_failed(const HttpResponse& r) {
  if (!r.function_error.empty()) return true;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("errorType");
}

std::string describe(const HttpResponse& r) {
  if (r.status == 0) return "no answer (" + r.curl_error + ")";
  std::string message;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    for (const char* k : {"message", "Message", "errorMessage"})
      if (auto it = j.find(k); it != j.end() && it->is_string()) {
        message = it->get<std::string>();
        break;
      }
  } else if (r.body.size() < 300) {
    message = trim(r.body);
  }
  return fmt::format("HTTP {}{}{}{}", r.status, r.error_type.empty() ? "" : " " + r.error_type,
                     message.empty() ? "" : ": ", message);
}

}  // namespace lithops::detail::aws
