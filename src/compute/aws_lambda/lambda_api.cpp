#include "compute/aws_lambda/lambda_api.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <chrono>
#include <random>
#include <thread>

#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail::lambda {

namespace {

using json = nlohmann::json;
constexpr const char* kFunctions = "/2015-03-31/functions";
constexpr int kAttempts = 8;  // throttling and 5xx: 0.1 s, 0.2 s ... up to 6.4 s apart, with jitter

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t num(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

// The description carries the build id, so that `list` can say which build a function runs
// without a second request per function.
constexpr const char* kDescriptionPrefix = "Lithops C++ runtime, build ";

FunctionInfo info_from(const json& conf) {
  FunctionInfo f;
  f.name = str(conf, "FunctionName");
  f.state = str(conf, "State");
  f.state_reason = str(conf, "StateReason");
  f.last_update_status = str(conf, "LastUpdateStatus");
  f.memory_mb = num(conf, "MemorySize");
  f.timeout_s = num(conf, "Timeout");
  f.code_size = num(conf, "CodeSize");
  f.last_modified = str(conf, "LastModified");
  if (auto a = conf.find("Architectures"); a != conf.end() && a->is_array() && !a->empty() && a->front().is_string())
    f.architecture = a->front().get<std::string>();
  f.role = str(conf, "Role");
  if (auto e = conf.find("EphemeralStorage"); e != conf.end() && e->is_object()) f.ephemeral_storage_mb = num(*e, "Size");
  json env = json::object();
  if (auto e = conf.find("Environment"); e != conf.end() && e->is_object() && e->contains("Variables"))
    env = (*e)["Variables"];
  f.env_vars_json = env.dump();
  std::string d = str(conf, "Description");
  if (d.rfind(kDescriptionPrefix, 0) == 0) f.build_id = d.substr(std::string(kDescriptionPrefix).size());
  return f;
}

}  // namespace

Api::Api(Settings settings) : s_(std::move(settings)) {}

aws::HttpResponse Api::call(const char* action, const std::string& method, const std::string& path,
                            const std::string& body) const {
  std::mt19937 rng(std::random_device{}());
  aws::HttpResponse r;
  for (int attempt = 1;; ++attempt) {
    r = aws::send(s_.api, method, path, body);
    if (!aws::transient(r) || attempt == kAttempts) break;
    // Full jitter: many clients throttled at once must not come back at once.
    const double cap = 0.1 * (1 << (attempt - 1));
    const double pause = std::uniform_real_distribution<double>(cap / 2, cap)(rng);
    log_debug("aws_lambda: {} answered {}; again in {:.2f} s", action, aws::describe(r), pause);
    std::this_thread::sleep_for(std::chrono::duration<double>(pause));
  }
  return r;
}

void Api::fail(const char* action, const std::string& name, const aws::HttpResponse& r) const {
  const std::string what = fmt::format("aws_lambda: {} of function '{}' at {} failed: {}", action, name, s_.api.url,
                                       aws::describe(r));
  if (r.status == 403 || r.status == 401 || r.error_type == "UnrecognizedClientException" ||
      r.error_type == "InvalidSignatureException" || r.error_type == "AccessDeniedException")
    throw ConfigError(what + fmt::format(" (credentials from {}, region {}: check the access key, secret and "
                                         "the caller's permissions)",
                                         s_.credentials_source, s_.api.region));
  if (r.error_type == "InvalidParameterValueException" &&
      (r.body.find("role") != std::string::npos || r.body.find("Role") != std::string::npos))
    throw ConfigError(what + " (aws_lambda.execution_role = " + s_.execution_role +
                      ": the role must exist and trust lambda.amazonaws.com)");
  throw BackendError(what);
}

std::optional<FunctionInfo> Api::get_function(const std::string& name) const {
  auto r = call("GetFunction", "GET", fmt::format("{}/{}", kFunctions, name));
  if (r.status == 404) return std::nullopt;
  if (!r.ok()) fail("GetFunction", name, r);
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("Configuration")) throw BackendError("aws_lambda: GetFunction: unreadable answer");
  return info_from(j["Configuration"]);
}

std::vector<FunctionInfo> Api::list_functions(const std::string& prefix) const {
  std::vector<FunctionInfo> out;
  std::string marker;
  do {
    std::string path = std::string(kFunctions) + "/?MaxItems=50";
    if (!marker.empty()) path += "&Marker=" + marker;  // an opaque token of URL-safe characters
    auto r = call("ListFunctions", "GET", path);
    if (!r.ok()) fail("ListFunctions", "*", r);
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) throw BackendError("aws_lambda: ListFunctions: unreadable answer");
    for (const auto& f : j.value("Functions", json::array()))
      if (str(f, "FunctionName").rfind(prefix, 0) == 0) out.push_back(info_from(f));
    marker = str(j, "NextMarker");
  } while (!marker.empty());
  return out;
}

std::string Api::function_config_json(const std::string& name, const std::string& build_id) const {
  json j;
  j["FunctionName"] = name;
  j["Runtime"] = "provided.al2023";
  j["Handler"] = "lithops.agent";  // custom runtimes ignore it; bootstrap reads the payload
  j["Role"] = s_.execution_role;
  j["MemorySize"] = s_.memory_mb;
  j["Timeout"] = s_.timeout_s;
  j["Architectures"] = json::array({s_.architecture});
  j["EphemeralStorage"] = {{"Size", s_.ephemeral_storage_mb}};
  j["Description"] = std::string(kDescriptionPrefix) + build_id;
  json env = s_.env_vars_json.empty() ? json::object() : json::parse(s_.env_vars_json);
  for (auto& [k, v] : env.items())
    if (!v.is_string()) v = v.dump();
  if (!env.empty()) j["Environment"] = {{"Variables", env}};
  json tags = s_.user_tags_json.empty() ? json::object() : json::parse(s_.user_tags_json);
  tags["lithops_build_id"] = build_id;
  j["Tags"] = tags;
  if (!s_.vpc_json.empty()) {
    json vpc = json::parse(s_.vpc_json);
    j["VpcConfig"] = {{"SubnetIds", vpc.value("subnets", json::array())},
                      {"SecurityGroupIds", vpc.value("security_groups", json::array())}};
  }
  if (!s_.efs_json.empty()) {
    json fs = json::array();
    for (const auto& e : json::parse(s_.efs_json))
      fs.push_back({{"Arn", e.value("access_point", "")}, {"LocalMountPath", e.value("mount_path", "/mnt/lithops")}});
    j["FileSystemConfigs"] = fs;
  }
  return j.dump();
}

void Api::create_function(const std::string& name, const std::string& zip, const std::string& build_id) const {
  json j = json::parse(function_config_json(name, build_id));
  j["Code"] = {{"ZipFile", base64(zip)}};
  auto r = call("CreateFunction", "POST", kFunctions, j.dump());
  if (r.status == 409) return;  // another client created it meanwhile: the same build and settings
  if (!r.ok()) fail("CreateFunction", name, r);
}

void Api::update_function_code(const std::string& name, const std::string& zip) const {
  json j{{"ZipFile", base64(zip)}, {"Architectures", json::array({s_.architecture})}};
  auto r = call("UpdateFunctionCode", "PUT", fmt::format("{}/{}/code", kFunctions, name), j.dump());
  if (!r.ok()) fail("UpdateFunctionCode", name, r);
}

bool Api::configuration_differs(const FunctionInfo& f) const {
  json want = json::parse(function_config_json(f.name, f.build_id));
  json env = want.contains("Environment") ? want["Environment"]["Variables"] : json::object();
  return f.role != s_.execution_role || f.timeout_s != s_.timeout_s ||
         (f.ephemeral_storage_mb != 0 && f.ephemeral_storage_mb != s_.ephemeral_storage_mb) ||
         json::parse(f.env_vars_json.empty() ? "{}" : f.env_vars_json) != env;
}

void Api::update_function_configuration(const std::string& name, const std::string& build_id) const {
  json j = json::parse(function_config_json(name, build_id));
  for (const char* k : {"FunctionName", "Architectures", "Tags"}) j.erase(k);  // not settable here
  if (!j.contains("Environment")) j["Environment"] = {{"Variables", json::object()}};
  auto r = call("UpdateFunctionConfiguration", "PUT", fmt::format("{}/{}/configuration", kFunctions, name), j.dump());
  if (!r.ok()) fail("UpdateFunctionConfiguration", name, r);
}

bool Api::delete_function(const std::string& name) const {
  auto r = call("DeleteFunction", "DELETE", fmt::format("{}/{}", kFunctions, name));
  if (r.status == 404) return false;
  if (!r.ok()) fail("DeleteFunction", name, r);
  return true;
}

void Api::disable_async_retries(const std::string& name) const {
  json j{{"MaximumRetryAttempts", 0}, {"MaximumEventAgeInSeconds", std::max<std::int64_t>(60, s_.timeout_s)}};
  auto r = call("PutFunctionEventInvokeConfig", "PUT",
                fmt::format("/2019-09-25/functions/{}/event-invoke-config", name), j.dump());
  if (!r.ok()) fail("PutFunctionEventInvokeConfig", name, r);
}

FunctionInfo Api::wait_ready(const std::string& name, double timeout_s) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  auto pause = std::chrono::milliseconds(200);
  for (;;) {
    auto f = get_function(name);
    if (!f) throw BackendError(fmt::format("aws_lambda: function '{}' vanished while it was being created", name));
    if (f->state == "Failed" || f->last_update_status == "Failed")
      throw BackendError(fmt::format("aws_lambda: function '{}' failed to become ready: {}", name, f->state_reason));
    const bool active = f->state.empty() || f->state == "Active";
    const bool updated = f->last_update_status.empty() || f->last_update_status == "Successful";
    if (active && updated) return *f;
    if (std::chrono::steady_clock::now() > deadline)
      throw BackendError(fmt::format("aws_lambda: function '{}' is still {} / {} after {:g} s", name, f->state,
                                     f->last_update_status, timeout_s));
    // Polling is the API's own way: Lambda has no push notification of a state change.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace lithops::detail::lambda
