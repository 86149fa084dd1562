// The aws_lambda backend end to end, against real implementations of both of Lambda's sides:
// the control plane is the moto AWS server (signatures checked), and invocations are served by a
// fleet of AWS's Lambda Runtime Interface Emulators (tests/servers/lambda-fleet-up.sh), each
// running this very program from its own deployment package, unzipped as Lambda unzips it into
// /var/task: `bootstrap` starts the program through the glibc loader the package carries. Data
// and results go through moto's S3. One process runs every test (one fleet for all of them).
//
// What no emulator can show, real AWS's asynchronous 202 answer, its throttling limits and its
// IAM, is said in docs/backends/aws_lambda.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <signal.h>

#include <algorithm>
#include <numeric>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compute/aws_lambda/package.hpp"
#include "compute/backend_table.hpp"
#include "compute/runtime_manager.hpp"
#include "core/build_id.hpp"
#include "e2e_support.hpp"
#include "servers.hpp"
#include "zip_support.hpp"

using ::testing::HasSubstr;
using ::testing::Not;

namespace e2e {

std::size_t sum_of(std::vector<std::size_t> v) {
  std::size_t s = 0;
  for (auto x : v) s += x;
  return s;
}

namespace {

namespace fs = std::filesystem;
namespace lt = lithops::testing;

constexpr int kFleet = 4;               // Lambda environments (one RIE each)
constexpr int kPort = 9300;             // the fleet's nginx; the flaky twin on kPort - 1
constexpr int kBrokenPort = 9350;       // one environment whose /tmp is not writable
constexpr int kFunctionTimeout = 12;    // seconds (AWS_LAMBDA_FUNCTION_TIMEOUT)

std::string fleet_dir(int port) { return lt::servers_dir() + "/lambda-" + std::to_string(port); }

int run(const std::string& cmd) { return std::system(cmd.c_str()); }

// This program's deployment package, unzipped where the fleet's RIEs run it from.
std::string unpack_self(const std::string& dir) {
  const std::string task = dir + "-task";
  fs::remove_all(task);
  auto pkg = lithops::detail::lambda::build_package(lithops::detail::self_executable());
  lt::extract(lt::unzip(pkg.zip), task);
  return task;
}

void start_fleet(int port, int n, const std::string& task, const std::string& extra_env) {
  const lt::Moto m = lt::moto();
  std::string cmd = "env LAMBDA_TASK_ROOT='" + task + "' AWS_ACCESS_KEY_ID='" + m.access_key_id +
                    "' AWS_SECRET_ACCESS_KEY='" + m.secret_access_key + "' AWS_LAMBDA_FUNCTION_TIMEOUT=" +
                    std::to_string(kFunctionTimeout) + " AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512 " + extra_env + " bash '" +
                    lt::servers_scripts() + "/lambda-fleet-up.sh' '" + fleet_dir(port) + "' " + std::to_string(n) +
                    " '" + task + "/bootstrap' " + std::to_string(port) + " >/dev/null";
  ASSERT_EQ(run(cmd), 0) << cmd;
}

void stop_fleet(int port) {
  run("bash '" + lt::servers_scripts() + "/lambda-fleet-down.sh' '" + fleet_dir(port) + "'");
}

// How many invocations the fleet's nginx answered with `status` (0: any) on the port `log` records.
int invocations_answered(int port, const std::string& log, int status) {
  std::ifstream in(fleet_dir(port) + "/nginx/" + log);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("/invocations ") == std::string::npos) continue;
    if (status == 0 || line.find("\" " + std::to_string(status) + " ") != std::string::npos) ++n;
  }
  return n;
}

// The runtime processes (the programs RIE started as bootstrap) of the fleet at `port`.
std::set<int> runtime_processes(int port, int n) {
  std::set<int> out;
  for (int i = 1; i <= n; ++i) {
    std::string rie;
    std::ifstream(fleet_dir(port) + "/rie-" + std::to_string(i) + ".pid") >> rie;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      std::string status_path = entry.path().string() + "/stat", line;
      std::ifstream stat(status_path);
      if (!std::getline(stat, line)) continue;
      // pid (comm) state ppid ...: the fields after the last ')'
      std::istringstream rest(line.substr(line.rfind(')') + 2));
      std::string state, ppid;
      rest >> state >> ppid;
      if (ppid == rie) out.insert(std::stoi(entry.path().filename().string()));
    }
  }
  return out;
}

class Lambda : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    task_ = unpack_self(fleet_dir(kPort));
    start_fleet(kPort, kFleet, task_, "");
    fleet_up_ = !::testing::Test::HasFatalFailure();
  }
  // Without a fleet every test would wait for agents that never start: fail each at once.
  void SetUp() override { ASSERT_TRUE(fleet_up_) << "the emulator fleet did not start"; }
  static void TearDownTestSuite() {
    stop_fleet(kPort);
    stop_fleet(kBrokenPort);
  }

  // The program's configuration for this fleet: Lithops' keys, only the endpoint is local.
  static lithops::Config config(int port = kPort, const std::string& name_space = "e2e") {
    return config_at("http://127.0.0.1:" + std::to_string(port), name_space);
  }
  static lithops::Config config_at(const std::string& endpoint, const std::string& name_space) {
    const lt::Moto m = lt::moto();
    lithops::Config c = lt::with_moto_storage(lithops::Config{}, lt::unique_bucket("lambda"));
    c.set("lithops.backend", "aws_lambda");
    c.set("lithops.log_level", "WARNING");
    c.set("aws.access_key_id", m.access_key_id);
    c.set("aws.secret_access_key", m.secret_access_key);
    c.set("aws.region", "us-east-1");
    c.set("aws_lambda.endpoint", endpoint);
    c.set("aws_lambda.execution_role", m.role_arn);
    c.set("aws_lambda.namespace", name_space);
    c.set("aws_lambda.max_workers", kFleet);
    c.set("aws_lambda.runtime_timeout", kFunctionTimeout);
    c.set("aws_lambda.idle_timeout", 1.0);
    c.set("aws_lambda.heartbeat_interval", 0.5);
    c.set("aws_lambda.heartbeat_timeout", 10.0);
    c.set("lithops.progress_bar", false);
    return c;
  }

  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "(no error)";
  }

  static inline std::string task_;
  static inline bool fleet_up_ = false;
};

TEST_F(Lambda, AMapOf500CallsRunsInTheFunctionsAndEveryResultArrivesOnce) {
  lithops::FunctionExecutor fexec(config());
  std::vector<int> in(500);
  std::iota(in.begin(), in.end(), 0);
  auto fs = fexec.map(square, in);
  auto out = fexec.get_result(fs);
  ASSERT_EQ(out.size(), in.size());
  for (int i = 0; i < 500; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i * i);
  // They ran in a Lambda environment (RIE names the function test_function), not here.
  EXPECT_EQ(fexec.call_async(env_of, std::string("AWS_LAMBDA_FUNCTION_NAME")).get(), "test_function");
  EXPECT_EQ(fexec.call_async(env_of, std::string("LAMBDA_TASK_ROOT")).get(), task_);
}

TEST_F(Lambda, AMapReduceOverObjectsInS3CountsEveryWord) {
  lithops::Config c = config();
  lithops::Storage storage(c);
  const std::string bucket = c.get_string("aws_s3.storage_bucket");
  storage.create_bucket(bucket);
  std::size_t expected = 0;
  for (int i = 0; i < 12; ++i) {
    std::string text;
    for (int w = 0; w < 100 + i; ++w) text += "word" + std::to_string(w) + (w % 10 == 9 ? "\n" : " ");
    expected += static_cast<std::size_t>(100 + i);
    storage.put_object(bucket, "texts/part-" + std::to_string(i), text);
  }
  lithops::FunctionExecutor fexec(c);
  auto f = fexec.map_reduce(words_in_chunk, lithops::objects(bucket + "/texts/"), sum_of);
  EXPECT_EQ(f.get(), expected);
}

TEST_F(Lambda, AnExceptionInAFunctionIsRethrownWithItsType) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_THROW(fexec.call_async(throw_invalid_argument, 3).get(), std::invalid_argument);
}

TEST_F(Lambda, ACallRunningAtTheInvocationsDeadlineFailsWithExecutionTimeoutErrorAndTheOthersGoOn) {
  lithops::FunctionExecutor fexec(config());
  // Call 0 outlives any invocation (60 s against 12): killed at its invocation's deadline.
  auto fs = fexec.map(sleep_on, std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}, lithops::extra_args(0, 60.0));
  std::string why = error_of([&] { fs[0].get(); });
  EXPECT_THAT(why, HasSubstr("deadline"));
  EXPECT_THAT(why, HasSubstr("aws_lambda.runtime_timeout"));
  EXPECT_THROW(fs[0].get(), lithops::ExecutionTimeoutError);
  for (int i = 1; i < 8; ++i) EXPECT_EQ(fs[static_cast<std::size_t>(i)].get(), i);
}

TEST_F(Lambda, AnEnvironmentIsReusedByLaterInvocations) {
  {
    // Four calls that last a second each: one invocation per environment, so that every
    // environment of the fleet has started its runtime.
    lithops::FunctionExecutor fexec(config());
    fexec.get_result(fexec.map(nap, std::vector<int>(kFleet, 0), lithops::extra_args(1.0)));
  }
  const std::set<int> before = runtime_processes(kPort, kFleet);
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kFleet));
  // A new executor's agents are new invocations; they land in the environments already there.
  lithops::FunctionExecutor fexec(config());
  std::set<int> served;
  for (int p : fexec.get_result(fexec.map(parent_pid, std::vector<int>(16, 0)))) served.insert(p);
  for (int p : served) EXPECT_TRUE(before.count(p)) << "call served by a runtime started since (cold): " << p;
}

TEST_F(Lambda, AnEnvironmentKilledMidJobLosesNoResult) {
  lithops::FunctionExecutor fexec(config());
  std::vector<int> in(80);
  std::iota(in.begin(), in.end(), 0);
  auto fs = fexec.map(nap, in, lithops::extra_args(0.05));
  ASSERT_NO_THROW(lithops::wait(fs, lithops::ANY_COMPLETED, std::chrono::seconds(60)));
  // Kill the program in the first environment: everything its RIE started.
  std::string rie_pid;
  std::ifstream(fleet_dir(kPort) + "/rie-1.pid") >> rie_pid;
  ASSERT_FALSE(rie_pid.empty());
  ASSERT_EQ(run("pkill -KILL -P " + rie_pid), 0) << "no runtime process under RIE " << rie_pid;
  auto out = fexec.get_result(fs);
  EXPECT_EQ(out, in);
}

TEST_F(Lambda, ThrottlingAndServerErrorsAreRetriedAndEveryCallCompletesOnce) {
  lithops::FunctionExecutor fexec(config(kPort - 1));  // the flaky twin: 429s and 503s
  std::vector<int> in(60);
  std::iota(in.begin(), in.end(), 0);
  auto out = fexec.get_result(fexec.map(add_one, in));
  for (int i = 0; i < 60; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], i + 1);
  EXPECT_GT(invocations_answered(kPort, "flaky-access.log", 429) + invocations_answered(kPort, "flaky-access.log", 503), 0)
      << "the flaky endpoint refused no invocation: nothing was retried";
}

TEST_F(Lambda, ARuntimeThatCannotInitialiseFailsTheCallsSayingWhy) {
  start_fleet(kBrokenPort, 1, task_, "TMPDIR=/nonexistent/tmp");
  auto c = config(kBrokenPort);
  c.set("aws_lambda.max_workers", 1);
  lithops::FunctionExecutor fexec(c);
  std::string why = error_of([&] { fexec.call_async(square, 3).get(); });
  EXPECT_THAT(why, HasSubstr("/nonexistent/tmp is not writable"));
}

// The executor is not made: the function cannot be deployed. The message names the key to
// change, and nothing was invoked.
std::string config_error_of(const lithops::Config& c) {
  try {
    lithops::FunctionExecutor fexec(c);
  } catch (const lithops::ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a ConfigError: ") + e.what();
  }
  return "(no error)";
}

TEST_F(Lambda, AWrongSecretFailsTheExecutorsCreationAndIsNeverShown) {
  auto c = config(kPort, "badkey");
  const std::string wrong = "not-the-secret-0123456789";
  c.set("aws.secret_access_key", wrong);
  c.set("aws_s3.secret_access_key", lt::moto().secret_access_key);  // storage is fine
  const int invocations = invocations_answered(kPort, "access.log", 0);
  std::string why = config_error_of(c);
  EXPECT_THAT(why, HasSubstr("HTTP 403"));
  EXPECT_THAT(why, HasSubstr("credentials from aws section"));
  EXPECT_THAT(why, Not(HasSubstr(wrong)));
  EXPECT_EQ(invocations_answered(kPort, "access.log", 0), invocations);
}

TEST_F(Lambda, AMissingRoleFailsTheExecutorsCreationNamingTheKey) {
  auto c = config(kPort, "norole");
  c.set("aws_lambda.execution_role", "arn:aws:iam::123456789012:role/no-such-role");
  std::string why = config_error_of(c);
  EXPECT_THAT(why, HasSubstr("aws_lambda.execution_role"));
  EXPECT_THAT(why, HasSubstr("no-such-role"));
}

TEST_F(Lambda, AProgramOfAnotherArchitectureIsRefusedBeforeAnyFunctionExists) {
  auto c = config(kPort, "arm");
  c.set("aws_lambda.architecture", "arm64");
  EXPECT_THAT(config_error_of(c), HasSubstr("aws_lambda.architecture is arm64"));
  auto functions = lithops::detail::compute_backend("aws_lambda").runtimes(config_at(lt::moto().endpoint, "arm"))->list();
  EXPECT_TRUE(functions.empty());
}

TEST_F(Lambda, FunctionsAreDeployedUpdatedListedAndDeletedThroughLambdasApi) {
  auto c = config_at(lt::moto().endpoint, "cli");  // moto itself: the control plane only
  auto rm = lithops::detail::compute_backend("aws_lambda").runtimes(c);
  rm->remove_all();
  auto d = rm->deploy(lithops::detail::self_executable(), false);
  EXPECT_EQ(d.what, "created");
  EXPECT_EQ(d.runtime.build_id, lithops::detail::build_id());
  EXPECT_EQ(d.runtime.memory_mb, 256);
  EXPECT_GT(d.runtime.size, 0u);
  EXPECT_EQ(rm->deploy(lithops::detail::self_executable(), false).what, "already deployed");
  EXPECT_EQ(rm->deploy(lithops::detail::self_executable(), true).what, "updated");
  auto all = rm->list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, d.runtime.name);
  EXPECT_EQ(rm->remove(lithops::detail::build_id()), 1u);
  EXPECT_TRUE(rm->list().empty());
}

}  // namespace
}  // namespace e2e
