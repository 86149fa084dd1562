#include "compute/aws_lambda/lambda_runtime.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "compute/remote/agent_main.hpp"
#include "core/build_id.hpp"
#include "core/protocol.hpp"
#include "util/curl_global.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

struct BuildMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Answer {
  long status = 0;
  std::string body, request_id;
  std::int64_t deadline_ms = 0;
  std::string error;
};

size_t on_body(char* d, size_t s, size_t n, void* out) {
  static_cast<Answer*>(out)->body.append(d, s * n);
  return s * n;
}

size_t on_header(char* d, size_t s, size_t n, void* out) {
  auto* a = static_cast<Answer*>(out);
  std::string line(d, s * n);
  auto colon = line.find(':');
  if (colon == std::string::npos) return s * n;
  std::string name = line.substr(0, colon), value = line.substr(colon + 1);
  for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
  if (name == "lambda-runtime-aws-request-id") a->request_id = value;
  else if (name == "lambda-runtime-deadline-ms") a->deadline_ms = std::strtoll(value.c_str(), nullptr, 10);
  return s * n;
}

// One request to the Runtime API (plain HTTP on a local address; no credentials). The GET of
// the next invocation blocks until there is one, so it has no timeout.
Answer runtime_request(const std::string& api, const std::string& method, const std::string& path,
                       const std::string& body = "", const std::string& error_type = "") {
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  Answer a;
  if (!h) return a.error = "curl_easy_init failed", a;
  std::string url = "http://" + api + "/2018-06-01/runtime/" + path;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  if (!error_type.empty()) headers = curl_slist_append(headers, ("Lambda-Runtime-Function-Error-Type: " + error_type).c_str());
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &a);
  curl_easy_setopt(h.get(), CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h.get(), CURLOPT_HEADERDATA, &a);
  if (method == "POST") {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
  }
  CURLcode rc = curl_easy_perform(h.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) a.error = curl_easy_strerror(rc);
  else curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &a.status);
  return a;
}

std::string error_json(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

[[noreturn]] void init_failed(const std::string& api, const std::string& type, const std::string& message) {
  std::fprintf(stderr, "lithops runtime: init failed: %s\n", message.c_str());
  runtime_request(api, "POST", "init/error", error_json(type, message), "Runtime." + type);
  std::fflush(nullptr);
  std::_Exit(1);
}

// What the runtime needs before it can serve: a writable temporary directory (the workers'
// scratch and the storage's spill files). A function whose /tmp is not writable fails at init,
// where Lambda reports it, not on every call.
void check_environment(const std::string& api) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = tmp && *tmp ? tmp : "/tmp";
  std::string probe = dir + "/lithops-runtime-probe-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(probe.c_str(), "w");
  if (!f) init_failed(api, "InitError", fmt::format("the temporary directory {} is not writable", dir));
  std::fclose(f);
  std::remove(probe.c_str());
}

std::string memory_note() {
  const char* mb = std::getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
  if (!mb || !*mb) return "";
  return fmt::format("(the function has {} MB of memory: aws_lambda.runtime_memory)", mb);
}

}  // namespace

void run_lambda_runtime() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::string api = std::getenv(kLambdaRuntimeApiEnv);
  curl_global_once();
  check_environment(api);
  const std::string crash_note = memory_note();
  for (;;) {
    Answer next = runtime_request(api, "GET", "invocation/next");
    if (!next.error.empty() || next.status != 200) {
      // The Runtime API is gone: the environment is being shut down.
      std::fprintf(stderr, "lithops runtime: cannot get the next invocation: %s (HTTP %ld)\n", next.error.c_str(),
                   next.status);
      std::fflush(nullptr);
      std::_Exit(next.error.empty() ? 0 : 2);
    }
    const std::string id = next.request_id;
    std::string response, error_type, error_message;
    try {
      AgentSpec spec = AgentSpec::from_json(next.body);
      if (!spec.build_id.empty() && spec.build_id != build_id())
        throw BuildMismatch(fmt::format("this function runs build {}, the invocation is for build {}", build_id(),
                                        spec.build_id));
      AgentLimits limits;
      if (next.deadline_ms > 0) {
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        const std::int64_t left_ns = (next.deadline_ms - now_ms) * 1'000'000;
        limits.deadline_ns = now_ns() + left_ns;
        limits.deadline_reason = fmt::format(
            "the Lambda invocation running it reached its deadline ({:.0f} s after it began: "
            "aws_lambda.runtime_timeout) and the call was killed",
            static_cast<double>(left_ns) * 1e-9);
      }
      limits.crash_note = crash_note;
      std::string reason = run_agent(spec, limits);
      response = nlohmann::json{{"agent", spec.agent_id}, {"stopped", reason}}.dump();
    } catch (const BuildMismatch& e) {
      error_type = "BuildMismatch", error_message = e.what();
    } catch (const std::exception& e) {
      error_type = "AgentError", error_message = e.what();
    }
    if (error_type.empty())
      runtime_request(api, "POST", "invocation/" + id + "/response", response);
    else
      runtime_request(api, "POST", "invocation/" + id + "/error", error_json(error_type, error_message),
                      "Runtime." + error_type);
  }
}

}  // namespace lithops::detail
