#pragma once
// The program as its own Lambda custom runtime: when Lambda (or its Runtime Interface
// Emulator) starts the executable as `bootstrap`, lithops::init serves the Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): it takes the next
// invocation, runs the agent its payload describes until the agent is idle or the invocation's
// deadline is near, answers, and waits for the next one in the same environment (warm start).
namespace lithops::detail {

/// The environment variable Lambda sets for a custom runtime: host:port of the Runtime API.
inline constexpr const char* kLambdaRuntimeApiEnv = "AWS_LAMBDA_RUNTIME_API";

/// Never returns: serves invocations until Lambda ends the environment.
[[noreturn]] void run_lambda_runtime();

}  // namespace lithops::detail
