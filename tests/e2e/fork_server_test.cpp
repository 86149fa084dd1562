// The fork server (src/compute/localhost/fork_server.hpp): localhost workers are forked from a
// copy of this program made by lithops::init, and must see what an exec'd worker would: the
// program as it is right after init, with the client's environment and directory of the
// moment. Killing the fork server costs no call: workers are exec'd again.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include "e2e_support.hpp"

namespace e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

bool fork_server_off() {
  const char* v = std::getenv("LITHOPS_FORK_SERVER");
  return v && std::string(v) == "0";
}

std::string comm_of(int pid) {
  std::string name;
  std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/comm"), name);
  return name;
}

int parent_of(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::string state;
  int ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

/// The pid a started_then_hold call writes to `path`, once written (0 after a minute without).
int pid_written_to(const std::string& path) {
  const auto until = std::chrono::steady_clock::now() + kGateLimit;
  for (;;) {
    int pid = 0;
    std::ifstream(path) >> pid;
    if (pid > 0 || std::chrono::steady_clock::now() > until) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling a condition, bounded
  }
}

TEST(ForkServer, WorkersAreForkedFromItAndKeepTheProgramsName) {
  if (fork_server_off()) GTEST_SKIP() << "LITHOPS_FORK_SERVER=0: workers are exec'd";
  lithops::FunctionExecutor fexec(lithops::testing::test_config("pipe", 2));
  const int server = fexec.call_async(parent_pid, 0).get();
  EXPECT_NE(server, ::getpid());
  EXPECT_EQ(comm_of(server), "lithops-forksrv");
  EXPECT_EQ(parent_of(server), ::getpid());
  EXPECT_EQ(fexec.call_async(process_name, 0).get(), comm_of(::getpid()));
}

TEST(ForkServer, WithoutItWorkersAreTheClientsChildren) {
  if (!fork_server_off()) GTEST_SKIP() << "the fork server is on";
  lithops::FunctionExecutor fexec(lithops::testing::test_config("pipe", 2));
  EXPECT_EQ(fexec.call_async(parent_pid, 0).get(), ::getpid());
}

TEST(ForkServer, AWorkerSeesTheClientsEnvironmentAndDirectoryOfWhenItStarts) {
  const std::string value = "set-after-init-" + std::to_string(::getpid());
  ::setenv("LITHOPS_E2E_PROBE", value.c_str(), 1);
  const fs::path before = fs::current_path();
  const fs::path dir = fs::temp_directory_path() / ("lithops-e2e-cwd-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::current_path(dir);
  {
    lithops::FunctionExecutor fexec(lithops::testing::test_config("pipe", 2));
    EXPECT_EQ(fexec.call_async(env_of, std::string("LITHOPS_E2E_PROBE")).get(), value);
    EXPECT_EQ(fexec.call_async(cwd_of, 0).get(), fs::canonical(dir).string());
    EXPECT_EQ(fexec.call_async(env_of, std::string("LITHOPS_WORKER")).get(), "");
  }
  fs::current_path(before);
  ::unsetenv("LITHOPS_E2E_PROBE");
  fs::remove_all(dir);
}

TEST(ForkServer, ACallSeesTheProgramAsAfterInitNotTheClientsLaterMemory) {
  g_probe = 42;
  lithops::FunctionExecutor fexec(lithops::testing::test_config("pipe", 2));
  EXPECT_EQ(fexec.call_async(probe_global, 0).get(), 0);  // as on every other backend
  g_probe = 0;
}

TEST(ForkServer, WhenItIsKilledNoCallIsLostAndWorkersAreExecdAgain) {
  if (fork_server_off()) GTEST_SKIP() << "LITHOPS_FORK_SERVER=0: workers are exec'd";
  const auto config = lithops::testing::test_config("pipe", 2);
  lithops::FunctionExecutor fexec(config);
  const int server = fexec.call_async(parent_pid, 0).get();
  ASSERT_EQ(comm_of(server), "lithops-forksrv");
  // Both workers must have been forked before the server dies: a request it has not answered
  // yet would be exec'd by the client instead, whose own child's status is never lost. Two
  // calls held at a gate prove it, each running in its own worker.
  const fs::path dir = fs::path(config.get_string("localhost.storage_dir")) / "scratch";
  fs::create_directories(dir);
  const std::string gate = (dir / "gate").string();
  auto held = fexec.map(started_then_hold, std::vector<int>{0, 1}, lithops::extra_args(dir.string(), gate));
  for (int x : {0, 1}) {
    const std::string started = (dir / ("started-" + std::to_string(x))).string();
    const int pid = pid_written_to(started);
    ASSERT_GT(pid, 0) << "call " << x << " did not start";
    ASSERT_EQ(parent_of(pid), server) << "call " << x << " ran in worker " << pid;
  }
  open_gate(gate);
  ASSERT_EQ(held.get_result(), (std::vector<int>{0, 1}));
  ASSERT_EQ(::kill(server, SIGKILL), 0);
  ASSERT_EQ(::waitpid(server, nullptr, 0), server);
  // Its workers live on; one of them crashes, with no parent left to tell how.
  std::vector<int> in(20);
  std::iota(in.begin(), in.end(), 0);
  auto futures = fexec.map(crash_on, in, lithops::extra_args(7, std::string("segv")));
  for (int i = 0; i < 20; ++i) {
    if (i == 7) {
      try {
        futures[i].get();
        ADD_FAILURE() << "call 7 crashed its worker";
      } catch (const lithops::WorkerCrashError& e) {
        EXPECT_THAT(e.what(), HasSubstr("exit status was lost"));
      }
    } else {
      EXPECT_EQ(futures[i].get(), i);
    }
  }
  lithops::FunctionExecutor again(lithops::testing::test_config("pipe", 2));
  EXPECT_EQ(again.call_async(parent_pid, 0).get(), ::getpid());
  EXPECT_EQ(again.map(square, std::vector<int>{1, 2, 3}).get_result(), (std::vector<int>{1, 4, 9}));
}

}  // namespace
}  // namespace e2e
