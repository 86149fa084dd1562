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
  bool sent = false;
  Status status{false, false, false, "", false};
};

namespace {

// What an emulator (or Lambda's synchronous answer) says of an invocation that ended in error,
// in terms of the settings that would change it.
std::string function_error_reason(const lambda::Settings& s, const aws::HttpResponse& r) {
  std::string type, message;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    type = j.value("errorType", std::string());
    message = j.value("errorMessage", std::string());
  }
  const std::string text = type + " " + message + " " + (j.is_object() ? std::string() : r.body);
  std::string why = fmt::format("the function failed ({}{}{})", type.empty() ? r.function_error : type,
                                message.empty() ? "" : ": ", message);
  if (text.find("timed out") != std::string::npos || text.find("Timeout") != std::string::npos)
    why += fmt::format("; it reached its timeout of {} s (aws_lambda.runtime_timeout)", s.timeout_s);
  else if (text.find("signal: killed") != std::string::npos || text.find("OutOfMemory") != std::string::npos ||
           text.find("memory") != std::string::npos)
    why += fmt::format("; it was killed, most likely out of memory at {} MB (aws_lambda.runtime_memory)", s.memory_mb);
  else if (text.find("Init") != std::string::npos || text.find("init") != std::string::npos)
    why += "; the runtime failed to initialise (see the function's logs)";
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
    : settings_(lambda::Settings::from_config(config)),
      api_(std::make_unique<lambda::Api>(settings_)),
      current_(settings_.max_workers) {
  log_debug("aws_lambda: credentials from {}, region {}, endpoint {}", settings_.credentials_source,
            settings_.api.region, settings_.api.url);
  deployer_ = std::thread([this] { deploy(); });
}

LambdaLauncher::~LambdaLauncher() {
  stop_all();
  if (deployer_.joinable()) deployer_.join();
}

std::string LambdaLauncher::place_name(std::size_t i) const {
  return fmt::format("{} invocation {}", function_.empty() ? std::string("aws_lambda") : function_, i);
}

void LambdaLauncher::deploy() {
  std::string name, error;
  try {
    lambda::DeployResult r = lambda::deploy_self(*api_);
    name = r.function_name;
  } catch (const std::exception& e) {
    error = e.what();
    log_warn("aws_lambda: cannot deploy the function: {}", error);
  }
  std::vector<std::shared_ptr<Invocation>> held;
  {
    std::lock_guard lock(mu_);
    if (error.empty()) {
      function_ = name;
      invoker_ = std::make_shared<lambda::Invoker>(settings_.api, name, settings_.invoke_pool_threads,
                                                   settings_.start_timeout);
      deploy_ = Deploy::ready;
    } else {
      deploy_error_ = error;
      deploy_ = Deploy::failed;
    }
    held.swap(held_);
    for (auto& inv : held)
      if (!error.empty()) inv->status = Status{true, false, false, "cannot deploy the function: " + error, false};
  }
  if (error.empty())
    for (auto& inv : held) send(inv);
}

void LambdaLauncher::start(std::size_t i, const AgentSpec& spec, const BootstrapPlan&) {
  AgentSpec s = spec;
  s.build_id = build_id();
  s.delete_beat_on_exit = true;
  auto inv = std::make_shared<Invocation>();
  inv->payload = s.to_json();
  std::unique_lock lock(mu_);
  current_[i] = inv;
  switch (deploy_) {
    case Deploy::pending:
      held_.push_back(inv);
      return;
    case Deploy::failed:
      inv->status = Status{true, false, false, "cannot deploy the function: " + deploy_error_, false};
      return;
    case Deploy::ready:
      break;
  }
  lock.unlock();
  send(inv);
}

void LambdaLauncher::send(const std::shared_ptr<Invocation>& inv) {
  std::shared_ptr<lambda::Invoker> invoker;
  {
    std::lock_guard lock(mu_);
    invoker = invoker_;
    inv->sent = true;
    inv->status = invoker ? Status{false, false, true, "", false} : Status{true, false, false, "the executor stopped", false};
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
      st = Status{true, false, true, "the executor stopped", false};
    } else if (resp.status == 202) {
      st.started = true;  // queued by Lambda: its end shows in the heartbeats
    } else if (returned_cleanly(resp)) {
      st = Status{true, true, true, "its invocation returned", false};  // an emulator runs it inline
    } else if (resp.ok() || aws::function_failed(resp)) {
      // The function ran and failed: timed out, killed, or its runtime reported an error
      // (the emulator answers 200 or 502 for these, with no X-Amz-Function-Error header).
      st = Status{true, false, true, function_error_reason(settings_, resp), false};
    } else if (resp.status == 0 && !resp.not_sent) {
      // It may have started: count it as lost, so its calls run elsewhere.
      st = Status{true, false, true, "the invocation request failed after it was sent: " + resp.curl_error, false};
    } else {
      st = Status{true, false, false,
                  fmt::format("Lambda refused the invocation after {} attempt{}: {}", r.attempts,
                              r.attempts == 1 ? "" : "s", aws::describe(resp)),
                  false};
    }
  });
}

AgentLauncher::Status LambdaLauncher::poll(std::size_t i) {
  std::lock_guard lock(mu_);
  const auto& inv = current_[i];
  if (!inv) return Status{true, false, true, "stopped", false};
  Status st = inv->status;
  // While the function is being deployed, the start timeout has not begun.
  if (!inv->sent && deploy_ == Deploy::pending) st.restarted = true;
  return st;
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
    if (deploy_ == Deploy::ready) deploy_ = Deploy::failed, deploy_error_ = "the executor stopped";
  }
  if (invoker) invoker->stop();
}

}  // namespace lithops::detail
