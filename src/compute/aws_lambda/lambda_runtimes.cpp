// `lithops runtime ... -b aws_lambda`: the functions Lithops created, one per build, memory
// size and architecture.
#include <fmt/format.h>

#include "compute/aws_lambda/lambda_api.hpp"
#include "compute/aws_lambda/lambda_deploy.hpp"
#include "compute/aws_lambda/lambda_launcher.hpp"
#include "compute/runtime_manager.hpp"

namespace lithops::detail {

namespace {

BackendRuntime from_info(const lambda::FunctionInfo& f) {
  return BackendRuntime{f.name, f.build_id, f.architecture, f.memory_mb, static_cast<std::uint64_t>(f.code_size),
                        f.last_modified};
}

class LambdaRuntimes final : public RuntimeManager {
 public:
  explicit LambdaRuntimes(const Config& c) : api_(lambda::Settings::from_config(c)) {}

  Deployed deploy(const std::string& executable, bool update) override {
    lambda::DeployResult r = lambda::deploy(api_, executable, update);
    auto info = api_.get_function(r.function_name);
    Deployed d;
    d.runtime = info ? from_info(*info) : BackendRuntime{r.function_name, r.build_id};
    d.what = r.what == lambda::DeployResult::What::created   ? "created"
             : r.what == lambda::DeployResult::What::updated ? "updated"
                                                             : "already deployed";
    return d;
  }

  std::vector<BackendRuntime> list() override {
    std::vector<BackendRuntime> out;
    for (const auto& f : api_.list_functions(api_.settings().function_prefix())) out.push_back(from_info(f));
    return out;
  }

  std::size_t remove(const std::string& id) override {
    std::size_t n = 0;
    for (const auto& f : api_.list_functions(api_.settings().function_prefix()))
      if (f.name == id || (!f.build_id.empty() && f.build_id == id)) n += api_.delete_function(f.name) ? 1 : 0;
    return n;
  }

  std::size_t remove_all() override {
    std::size_t n = 0;
    for (const auto& f : api_.list_functions(api_.settings().function_prefix()))
      n += api_.delete_function(f.name) ? 1 : 0;
    return n;
  }

  std::string where() const override {
    return fmt::format("aws_lambda in {} ({})", api_.settings().api.region, api_.settings().api.url);
  }

 private:
  lambda::Api api_;
};

}  // namespace

std::unique_ptr<RuntimeManager> make_lambda_runtimes(const Config& config) {
  return std::make_unique<LambdaRuntimes>(config);
}

}  // namespace lithops::detail
