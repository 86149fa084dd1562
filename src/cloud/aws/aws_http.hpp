#pragma once
// Signed HTTP requests to AWS REST services other than S3 (Lambda's API): libcurl does the
// HTTP and the SigV4 signature (CURLOPT_AWS_SIGV4), as the S3 client does. One request setup
// serves both the blocking calls of the control plane and the invocations driven by a curl
// multi handle (aws_lambda/lambda_invoker.cpp).
#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

namespace lithops::detail::aws {

struct ServiceEndpoint {
  std::string url;      ///< scheme://host[:port], no trailing '/'
  std::string region;
  std::string service;  ///< the signing name: "lambda"
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  long connect_timeout_ms = 10000;
};

struct HttpResponse {
  long status = 0;        ///< 0: no answer (see curl_error)
  std::string body;
  std::string error_type;  ///< x-amzn-ErrorType (without the ":..." suffix), or the body's __type
  std::string function_error;  ///< X-Amz-Function-Error of an invocation
  std::string request_id;
  int curl_code = 0;
  std::string curl_error;
  /// The request surely never reached the service (connection refused, name not resolved):
  /// resending cannot duplicate it.
  bool not_sent = false;
  bool ok() const { return status >= 200 && status < 300; }
};

/// One request, set up on an easy handle that the caller performs (alone, or in a multi
/// handle). Owns what the handle points to, so it must outlive the transfer.
class SignedRequest {
 public:
  SignedRequest(const ServiceEndpoint& endpoint, std::string method, std::string path_and_query, std::string body,
                std::vector<std::string> headers = {});
  ~SignedRequest();
  SignedRequest(const SignedRequest&) = delete;
  SignedRequest& operator=(const SignedRequest&) = delete;

  /// Sets every option of `h` for this request (the handle may be reused: it is reset first).
  void setup(CURL* h);
  /// After the transfer ended with `rc`: the answer.
  HttpResponse finish(CURL* h, CURLcode rc);

 private:
  static size_t on_header(char* data, size_t size, size_t n, void* self);
  static size_t on_body(char* data, size_t size, size_t n, void* self);

  const ServiceEndpoint& endpoint_;
  std::string method_, url_, body_, sigv4_;
  curl_slist* headers_ = nullptr;
  HttpResponse response_;
  char error_text_[CURL_ERROR_SIZE] = "";
};

/// A blocking request on a fresh handle. Never throws for an HTTP or connection error: the
/// response says what happened.
HttpResponse send(const ServiceEndpoint& endpoint, const std::string& method, const std::string& path_and_query,
                  const std::string& body = "", std::vector<std::string> headers = {});

/// Whether an answer is worth sending the request again for: throttling (429), a server
/// error (5xx), or a request that never left.
bool transient(const HttpResponse& r);

/// The answer is the function's own failure (a body with `errorType`, as Lambda and its
/// emulator report a runtime that failed), not the service's: sending again would run it again.
bool function_failed(const HttpResponse& r);

/// "HTTP 403 AccessDeniedException: <message>" for messages; never contains a credential.
std::string describe(const HttpResponse& r);

}  // namespace lithops::detail::aws
