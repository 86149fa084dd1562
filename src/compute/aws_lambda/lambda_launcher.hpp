#pragma once
// AWS Lambda (Lithops' serverless backend): an agent is one asynchronous invocation of a
// function whose runtime is the program itself (provided.al2023, `bootstrap` = the
// executable). The invocation's payload is the agent's start specification, without
// credentials: inside Lambda the function uses its role's. An agent lives until it is idle or
// its invocation nears its deadline; RemoteBackend hands it work through storage as it does to
// SSH hosts and Slurm pilots. A place is one of `max_workers` invocation slots, started only
// when queued calls need it.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compute/aws_lambda/lambda_settings.hpp"
#include "compute/remote/agent_launcher.hpp"
#include "compute/runtime_manager.hpp"
#include "lithops/config.hpp"

namespace lithops::detail {

/// Declares the keys of the `aws_lambda` section.
void declare_lambda_keys(std::vector<ConfigKey>& keys);
/// The deployed functions, for `lithops runtime ... -b aws_lambda`. @throws ConfigError
std::unique_ptr<RuntimeManager> make_lambda_runtimes(const Config& config);

namespace lambda {
class Invoker;
}  // namespace lambda

class LambdaLauncher final : public AgentLauncher {
 public:
  /// Reads the settings and makes sure the program's function exists and is ready (creating
  /// it the first time: seconds). @throws ConfigError (a setting, the credentials, the role,
  ///   the architecture, the package's size), BackendError (Lambda failed)
  explicit LambdaLauncher(const Config& config);
  ~LambdaLauncher() override;

  std::string backend_name() const override { return "aws_lambda"; }
  std::size_t places() const override { return settings_.max_workers; }
  std::string place_name(std::size_t i) const override;
  std::uint32_t workers(std::size_t) const override { return settings_.worker_processes; }
  bool start_eagerly() const override { return false; }
  bool start_on_demand() const override { return true; }
  bool ends_by_heartbeat() const override { return true; }
  bool ships_runtime() const override { return false; }  // the function's code is the runtime
  double start_timeout() const override { return settings_.start_timeout; }
  bool can_upload_runtime() const override { return true; }

  void start(std::size_t i, const AgentSpec& spec, const BootstrapPlan& plan) override;
  Status poll(std::size_t i) override;
  void stop(std::size_t i) override;
  void stop_all() override;

 private:
  struct Invocation;
  void send(const std::shared_ptr<Invocation>& inv);

  lambda::Settings settings_;
  std::string function_;  // set once, before any other thread exists
  std::mutex mu_;         // guards current_ and invoker_; declared before invoker_, which uses it
  std::vector<std::shared_ptr<Invocation>> current_;  // per place: its latest invocation
  std::shared_ptr<lambda::Invoker> invoker_;          // null once stopped
};

}  // namespace lithops::detail
