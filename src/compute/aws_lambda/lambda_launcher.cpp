#include "compute/aws_lambda/lambda_launcher.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compute/aws_lambda/lambda_api.hpp"
#include "compute/aws_lambda/lambda_deploy.hpp"
#include "compute/aws_lambda/lambda_invoker.hpp"
#include "core/build_id.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

struct LambdaLauncher::Invocation {
  std::string payload;
  AgentLauncher::Status status;  // under mu_
};

namespace {

using Status = AgentLauncher::Status;

Status running() { return Status{.ended = false, .clean = false, .started = true, .reason = {}, .restarted = false}; }

Status ended(bool clean, bool started, std::string reason) {
  return Status{.ended = true, .clean = clean, .started = started, .reason = std::move(reason), .restarted = false};
}

// What an emulator (or Lambda's synchronous answer) says of an invocation that ended in error,
// in terms of the setting that would change it. The emulator's texts: "Task timed out after
// N.00 seconds", errorType Runtime.ExitError with "signal: killed" (what the OOM killer
// sends), and our runtime's own InitError.
std::string function_error_reason(const lambda::Settings& s, const aws::HttpResponse& r) {
  std::string type, message;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    type = j.value("errorType", std::string());
    message = j.value("errorMessage", std::string());
  } else {
    message = r.body.substr(0, 300);
  }
  if (type.empty()) type = r.function_error;
  std::string why = fmt::format("the function failed ({}{}{})", type.empty() ? "no error type" : type,
                                message.empty() ? "" : ": ", message);
  if (message.rfind("Task timed out", 0) == 0 || type == "Sandbox.Timedout")
    why += fmt::format("; it reached its timeout of {} s (aws_lambda.runtime_timeout)", s.timeout_s);
  else if (message.find("signal: killed") != std::string::npos || type == "Runtime.OutOfMemory")
    why += fmt::format("; it was killed, most likely out of memory at {} MB (aws_lambda.runtime_memory)", s.memory_mb);
  else if (type.find("InitError") != std::string::npos)
    why += "; the runtime failed to initialise";
  return why;
}

// A synchronous answer (an emulator runs invocations inline) whose body is the runtime's own
// response: the agent served and left.
bool returned_cleanly(const aws::HttpResponse& r) {
  if (!r.ok() || !r.function_error.empty()) return false;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("stopped");
}

}  // namespace

LambdaLauncher::LambdaLauncher(const Config& config)
    : settings_(lambda::Settings::from_config(config)), current_(settings_.max_workers) {
  log_debug("aws_lambda: credentials from {}, region {}, endpoint {}", settings_.credentials_source,
            settings_.api.region, settings_.api.url);
  // Deployed here, before the first invocation: a missing role, refused credentials or a
  // program for another architecture fail the executor's creation with the key to change,
  // rather than every call later.
  lambda::Api api(settings_);
  function_ = lambda::deploy_self(api).function_name;
  // An invocation lasts up to the function's timeout when an emulator runs it inline; Lambda
  // itself answers at once.
  invoker_ = std::make_shared<lambda::Invoker>(settings_.api, function_, settings_.invoke_pool_threads,
                                               settings_.start_timeout, settings_.timeout_s + 60.0);
}

LambdaLauncher::~LambdaLauncher() { stop_all(); }

std::string LambdaLauncher::place_name(std::size_t i) const { return fmt::format("{} invocation {}", function_, i); }

void LambdaLauncher::start(std::size_t i, const AgentSpec& spec, const BootstrapPlan&) {
  AgentSpec s = spec;
  s.build_id = build_id();
  s.delete_beat_on_exit = true;
  auto inv = std::make_shared<Invocation>();
  inv->payload = s.to_json();
  {
    std::lock_guard lock(mu_);
    current_[i] = inv;
  }
  send(inv);
}

void LambdaLauncher::send(const std::shared_ptr<Invocation>& inv) {
  std::shared_ptr<lambda::Invoker> invoker;
  {
    std::lock_guard lock(mu_);
    invoker = invoker_;
    inv->status = invoker ? running() : ended(false, false, "the executor stopped");
  }
  if (!invoker) return;
  std::weak_ptr<Invocation> weak = inv;
  invoker->invoke(inv->payload, [this, weak](const lambda::Invoker::Result& r) {
    auto inv = weak.lock();
    if (!inv) return;
    std::lock_guard lock(mu_);
    Status& st = inv->status;
    const auto& resp = r.response;
    if (r.cancelled) {
      st = ended(false, true, "the executor stopped");
    } else if (resp.status == 202) {
      st.started = true;  // queued by Lambda: its end shows in the heartbeats
    } else if (returned_cleanly(resp)) {
      st = ended(true, true, "its invocation returned");  // an emulator runs it inline
    } else if (resp.ok() || aws::function_failed(resp)) {
      // The function ran and failed: timed out, killed, or its runtime reported an error
      // (the emulator answers 200 or 502 for these, with no X-Amz-Function-Error header).
      st = ended(false, true, function_error_reason(settings_, resp));
    } else if (resp.status == 0 && !resp.not_sent) {
      // It may have started: count it as lost, so its calls run elsewhere.
      st = ended(false, true, "the invocation request failed after it was sent: " + resp.curl_error);
    } else {
      st = ended(false, false,
                 fmt::format("Lambda refused the invocation after {} attempt{}: {}", r.attempts,
                             r.attempts == 1 ? "" : "s", aws::describe(resp)));
    }
  });
}

AgentLauncher::Status LambdaLauncher::poll(std::size_t i) {
  std::lock_guard lock(mu_);
  const auto& inv = current_[i];
  if (!inv) return ended(false, true, "stopped");
  return inv->status;
}

void LambdaLauncher::stop(std::size_t i) {
  // An invocation cannot be cancelled: a lost agent stops by itself when it finds no work, or
  // at its deadline. The place is free for a new invocation.
  std::lock_guard lock(mu_);
  current_[i].reset();
}

void LambdaLauncher::stop_all() {
  std::shared_ptr<lambda::Invoker> invoker;
  {
    std::lock_guard lock(mu_);
    invoker = std::move(invoker_);
  }
  if (invoker) invoker->stop();  // joins its thread: no callback runs after this
}

}  // namespace lithops::detail
