#include "compute/aws_lambda/lambda_deploy.hpp"

#include <fmt/format.h>

#include "compute/aws_lambda/package.hpp"
#include "core/build_id.hpp"
#include "runtime/runtime_store.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail::lambda {

namespace {
constexpr double kReadyTimeoutS = 300;  // Lambda creates a function in seconds; VPC ones take minutes
}

DeployResult deploy(const Api& api, const std::string& executable, bool update) {
  return deploy_build(api, executable, build_id_of_file(executable), update);
}

DeployResult deploy_build(const Api& api, const std::string& executable, const std::string& build, bool update) {
  // A binary for another instruction set would fail in every environment with an exec format
  // error: refuse it here, before any function exists.
  const std::string arch = arch_of_file(executable);
  const std::string want = api.settings().architecture == "arm64" ? "aarch64" : "x86_64";
  if (!arch.empty() && arch != want)
    throw ConfigError(fmt::format("aws_lambda.architecture is {} but {} is built for {}: set it to {}, or build the "
                                  "program for {}",
                                  api.settings().architecture, executable, arch,
                                  arch == "aarch64" ? "arm64" : arch, want));
  DeployResult out;
  out.build_id = build;
  out.function_name = api.settings().function_name(out.build_id);
  auto existing = api.get_function(out.function_name);
  if (existing && !update) {
    api.wait_ready(out.function_name, kReadyTimeoutS);
    // The name fixes build, memory and architecture; the other settings may have changed since.
    if (api.configuration_differs(*existing)) {
      log_info("aws_lambda: updating the configuration of function {}", out.function_name);
      api.update_function_configuration(out.function_name, out.build_id);
      api.wait_ready(out.function_name, kReadyTimeoutS);
    }
    // Again each time (one request): a function made by another tool, or before this was set,
    // must not have Lambda run an agent twice.
    api.disable_async_retries(out.function_name);
    return out;
  }
  PackageOptions opt;
  Package pkg = build_package(executable, opt);
  out.zip_bytes = pkg.zip.size();
  if (existing) {
    log_info("aws_lambda: updating function {} ({} bytes zipped)", out.function_name, pkg.zip.size());
    api.update_function_code(out.function_name, pkg.zip);
    out.what = DeployResult::What::updated;
  } else {
    log_info("aws_lambda: creating function {} ({} bytes zipped)", out.function_name, pkg.zip.size());
    api.create_function(out.function_name, pkg.zip, out.build_id);
    out.what = DeployResult::What::created;
  }
  api.wait_ready(out.function_name, kReadyTimeoutS);
  api.disable_async_retries(out.function_name);
  return out;
}

// The running program's file by its path (not /proc/self/exe: `ldd` would read the loader's
// own), with the build id of the image that runs.
DeployResult deploy_self(const Api& api) {
  const std::string& file = self_executable();
  if (build_id_of_file(file) != build_id())
    throw Error(fmt::format("aws_lambda: {} is no longer the program that runs (it was rebuilt since it started: "
                            "build {} on disk, {} running); run the new build",
                            file, build_id_of_file(file), build_id()));
  return deploy_build(api, file, build_id(), false);
}

}  // namespace lithops::detail::lambda
