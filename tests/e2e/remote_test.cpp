// The remote backends against the real set-ups: SSH hosts in network namespaces and a local
// Slurm cluster (tests/servers/). What the shared e2e suites cannot show: runtime shipping and
// caching, a host lost mid-job, agents reused and idled, Slurm killing or never starting a
// pilot, and cancellation.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "e2e_support.hpp"
#include "storage/backend_table.hpp"

using namespace e2e;
using lithops::testing::servers_dir;

namespace {

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// Polls `done` until it holds or `limit` passes: waiting on an outside condition (a file, a
/// process, a Slurm state) that no future reports.
template <class F>
bool eventually(F done, std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::size_t count_started(const std::string& dir) {
  std::size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("started-", 0) == 0) ++n;
  return n;
}

/// The message of the error `f.get()` throws as E (a test failure if it throws nothing).
template <class E = lithops::Error, class F>
std::string error_of(F& f) {
  try {
    f.get();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

std::string slurm_env() { return "SLURM_CONF=" + servers_dir() + "/slurm/slurm.conf "; }

std::string unique_name(const std::string& stem) {
  static int n = 0;
  return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

class Remote : public ::testing::Test {
 protected:
  lithops::Config base(int workers) {
    auto c = lithops::testing::with_storage(lithops::testing::test_config("storage", workers), "s3", true);
    scratch_ = c.get_string("localhost.storage_dir") + "/scratch";
    std::filesystem::create_directories(scratch_);
    return c;
  }
  lithops::Config ssh(int workers_per_host = 1) {
    return lithops::testing::with_backend(base(3), "ssh", 3 * workers_per_host);
  }
  lithops::Config slurm(int cpus = 2) {
    auto c = lithops::testing::with_backend(base(cpus), "slurm", cpus);
    job_name_ = unique_name("lt");
    c.set("slurm.job_name", job_name_);
    return c;
  }
  /// The test's Slurm jobs: "id state" lines.
  std::string slurm_jobs() {
    return sh(slurm_env() + "squeue -h --states=all -n " + job_name_ + " -o '%i %T' 2>/dev/null");
  }
  std::string scratch(const std::string& name) const { return scratch_ + "/" + name; }

  std::string scratch_;
  std::string job_name_;
};

// ---- runtime shipping ----

TEST_F(Remote, TheProgramShipsItselfToHostsThatLackItAndIsCachedByBuildId) {
  auto c = ssh();
  const std::string cache = scratch("cache");
  c.set("ssh.cache_dir", cache);
  {
    lithops::FunctionExecutor fexec(c);
    auto fs = fexec.map(square, std::vector<int>{1, 2, 3, 4, 5, 6});
    EXPECT_THAT(fexec.get_result(fs), ::testing::ElementsAre(1, 4, 9, 16, 25, 36));
  }
  // One cached copy, under the client's build id, byte-identical to the client's executable.
  std::vector<std::filesystem::path> cached;
  for (auto& e : std::filesystem::recursive_directory_iterator(cache))
    if (e.is_regular_file()) cached.push_back(e.path());
  ASSERT_EQ(cached.size(), 1u);
  std::ifstream a(cached[0], std::ios::binary), b("/proc/self/exe", std::ios::binary);
  std::string ca((std::istreambuf_iterator<char>(a)), {}), cb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_TRUE(ca == cb) << "cached runtime differs from the client's executable";
  EXPECT_TRUE(::access(cached[0].c_str(), X_OK) == 0);

  // A damaged cached copy is noticed (sha256) and fetched again.
  {
    std::fstream f(cached[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.write("garbage!", 8);
    ASSERT_TRUE(f.good()) << "could not damage the cached runtime";
  }
  {
    std::ifstream damaged(cached[0], std::ios::binary);
    std::string cd((std::istreambuf_iterator<char>(damaged)), {});
    ASSERT_FALSE(cd == cb);
  }
  {
    lithops::FunctionExecutor fexec(c);
    EXPECT_EQ(fexec.call_async(add_one, 41).get(), 42);
  }
  std::ifstream again(cached[0], std::ios::binary);
  std::string cc((std::istreambuf_iterator<char>(again)), {});
  EXPECT_TRUE(cc == cb) << "the damaged runtime was not replaced";
}

TEST_F(Remote, WithRedisStorageTheRuntimeIsStreamedOverTheSshSession) {
  auto c = lithops::testing::with_backend(
      lithops::testing::with_storage(lithops::testing::test_config("storage", 3), "redis", true), "ssh", 3);
  const std::string cache = c.get_string("localhost.storage_dir") + "/cache";
  c.set("ssh.cache_dir", cache);
  lithops::FunctionExecutor fexec(c);
  auto fs = fexec.map(add_one, std::vector<int>{1, 2, 3});
  EXPECT_THAT(fexec.get_result(fs), ::testing::ElementsAre(2, 3, 4));
  EXPECT_TRUE(std::filesystem::exists(cache + "/runtimes"));
}

// ---- SSH hosts ----

TEST_F(Remote, AHostLostMidJobHasItsCallsRunElsewhereAndEveryResultComesOnce) {
  auto c = ssh();
  c.set("ssh.heartbeat_timeout", 5.0);
  lithops::FunctionExecutor fexec(c);
  const std::string gate = scratch("gate");
  std::vector<int> in(24);
  for (int i = 0; i < 24; ++i) in[i] = i;
  auto fs = fexec.map(started_then_hold, in, lithops::extra_args(scratch_, gate));
  // Every host runs one call (one worker each) and holds the rest of its share.
  ASSERT_TRUE(eventually([&] { return count_started(scratch_) >= 3; }));
  // The host h2 dies, as far as this job can tell: its agent and the worker running our call
  // are killed (SIGKILL; the ssh session ends with them). Only this test's processes: other
  // tests may have sessions on h2, and killing a login shell mid-start can wedge the host's
  // shell start-up (e.g. pyenv's rehash lock) for everyone.
  int killed = 0;
  for (auto& e : std::filesystem::directory_iterator(scratch_)) {
    if (e.path().filename().string().rfind("started-", 0) != 0) continue;
    std::string pid = sh("cat " + e.path().string());
    if (sh("ip netns identify " + pid) != "h2") continue;
    std::string agent = sh("ps -o ppid= -p " + pid);
    sh("kill -9 " + agent + " " + pid);
    ++killed;
  }
  ASSERT_EQ(killed, 1) << "no call of this job was running on h2";
  open_gate(gate);
  auto results = fexec.get_result(fs, std::chrono::seconds(120));
  EXPECT_EQ(results, in);
  for (auto& f : fs) EXPECT_EQ(f.state(), lithops::CallState::success);
}

TEST_F(Remote, AHostThatCannotBeReachedLeavesTheJobToTheOthers) {
  auto c = ssh();
  c.set("ssh.hosts", lithops::testing::ssh_hosts() + ", root@10.200.0.11:2999");  // nothing listens there
  lithops::FunctionExecutor fexec(c);
  std::vector<int> in(20, 1);
  EXPECT_EQ(fexec.get_result(fexec.map(add_one, in)), std::vector<int>(20, 2));
}

TEST_F(Remote, WhenNoHostCanBeReachedTheCallsFailSayingWhy) {
  auto c = ssh();
  c.set("ssh.hosts", "root@10.200.0.11:2999, root@10.200.0.12:2999");
  lithops::FunctionExecutor fexec(c);
  auto f = fexec.call_async(add_one, 1);
  std::string what = error_of(f);
  EXPECT_THAT(what, ::testing::HasSubstr("10.200.0.11:2999"));
  EXPECT_THAT(what, ::testing::HasSubstr("Connection refused"));
}

TEST_F(Remote, AgentsServeEveryJobOfTheExecutor) {
  lithops::FunctionExecutor fexec(ssh());
  std::vector<int> in(30, 1);
  auto first = fexec.map(stats_probe, in);
  fexec.wait(first);
  auto second = fexec.map(stats_probe, in);
  fexec.wait(second);
  // One worker per host for the executor's life: both jobs together ran on at most 3.
  std::set<int> pids;
  for (auto& f : first) pids.insert(f.stats().worker_pid);
  for (auto& f : second) pids.insert(f.stats().worker_pid);
  EXPECT_LE(pids.size(), 3u);
}

TEST_F(Remote, AnIdleAgentExitsAndIsStartedAgainForNewWork) {
  auto c = ssh();
  c.set("ssh.idle_timeout", 0.5);
  c.set("ssh.hosts", "root@10.200.0.13");
  lithops::FunctionExecutor fexec(c);
  auto f1 = fexec.call_async(stats_probe, 1);
  f1.get();
  const int pid1 = f1.stats().worker_pid;
  // The worker goes with its agent once the agent has been idle for 0.5 s.
  ASSERT_TRUE(eventually([&] { return ::kill(pid1, 0) != 0; }, std::chrono::seconds(30)));
  auto f2 = fexec.call_async(stats_probe, 2);
  EXPECT_EQ(f2.get(), 2);
  EXPECT_NE(f2.stats().worker_pid, pid1);
}

TEST_F(Remote, ShuttingDownTheExecutorStopsItsAgentsAndTheirWorkers) {
  int pid = 0;
  {
    lithops::FunctionExecutor fexec(ssh());
    auto f = fexec.call_async(stats_probe, 1);
    f.get();
    pid = f.stats().worker_pid;
    ASSERT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_TRUE(eventually([&] { return ::kill(pid, 0) != 0; }, std::chrono::seconds(10)));
}

TEST_F(Remote, ARemoteBackendRefusesTheLocalhostStorage) {
  auto c = lithops::testing::with_backend(lithops::testing::test_config("storage", 3), "ssh", 3);
  try {
    lithops::FunctionExecutor fexec(c);
    FAIL() << "expected ConfigError";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("lithops.storage"));
    // Every storage the hosts can reach is offered, and only those.
    for (const auto& row : lithops::detail::storage_backends()) {
      if (row.reachable_remotely) EXPECT_THAT(e.what(), ::testing::HasSubstr(row.name));
      else EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot reach the " + row.name + " storage"));
    }
  }
}

// ---- Slurm ----

TEST_F(Remote, SlurmPilotsTakeTheirOptionsFromTheConfiguration) {
  auto c = slurm(2);
  c.set("slurm.time_limit", "00:10:00").set("slurm.partition", "debug").set("slurm.memory", "100M");
  lithops::FunctionExecutor fexec(c);
  const std::string gate = scratch("gate");
  auto f = fexec.call_async(hold_until_open, 7, gate);
  ASSERT_TRUE(eventually([&] { return slurm_jobs().find("RUNNING") != std::string::npos; }));
  std::string id = slurm_jobs().substr(0, slurm_jobs().find(' '));
  std::string job = sh(slurm_env() + "scontrol show job -o " + id);
  EXPECT_THAT(job, ::testing::HasSubstr("TimeLimit=00:10:00"));
  EXPECT_THAT(job, ::testing::HasSubstr("Partition=debug"));
  EXPECT_THAT(job, ::testing::HasSubstr("NumCPUs=2"));
  EXPECT_THAT(job, ::testing::HasSubstr("MinMemoryNode=100M"));
  open_gate(gate);
  EXPECT_EQ(f.get(), 7);
}

TEST_F(Remote, APilotThatSlurmKillsFailsItsCallsSayingSo) {
  auto c = slurm(2);
  c.set("slurm.lost_call_retries", 0);
  lithops::FunctionExecutor fexec(c);
  const std::string gate = scratch("gate");
  auto f = fexec.call_async(started_then_hold, 1, scratch_, gate);
  ASSERT_TRUE(eventually([&] { return count_started(scratch_) == 1; }));
  std::string id = slurm_jobs().substr(0, slurm_jobs().find(' '));
  sh(slurm_env() + "scancel " + id);
  std::string what = error_of<lithops::WorkerCrashError>(f);
  EXPECT_THAT(what, ::testing::HasSubstr("CANCELLED"));
  EXPECT_THAT(what, ::testing::HasSubstr(id));
  open_gate(gate);
}

TEST_F(Remote, APilotThatNeverStartsFailsTheCallsSayingWhy) {
  auto c = slurm(1);
  c.set("slurm.extra_args", "--begin=now+3600").set("slurm.start_timeout", 3.0);
  lithops::FunctionExecutor fexec(c);
  auto f = fexec.call_async(add_one, 1);
  std::string what = error_of(f);
  EXPECT_THAT(what, ::testing::HasSubstr("did not start within 3 s"));
  EXPECT_THAT(what, ::testing::HasSubstr("BeginTime"));
  // ... and the pending pilot was cancelled.
  EXPECT_TRUE(eventually([&] { return slurm_jobs().find("PENDING") == std::string::npos; }));
}

TEST_F(Remote, ARejectedSubmissionFailsTheCallsWithSlurmsMessage) {
  auto c = slurm(1);
  c.set("slurm.partition", "no-such-partition");
  lithops::FunctionExecutor fexec(c);
  auto f = fexec.call_async(add_one, 1);
  EXPECT_THAT(error_of(f), ::testing::HasSubstr("Invalid partition name specified"));
}

TEST_F(Remote, ShuttingDownTheExecutorCancelsItsSlurmJobs) {
  auto c = slurm(1);
  std::string id;
  {
    lithops::FunctionExecutor fexec(c);
    const std::string gate = scratch("gate");
    auto f = fexec.call_async(started_then_hold, 1, scratch_, gate);
    ASSERT_TRUE(eventually([&] { return count_started(scratch_) == 1; }));
    id = slurm_jobs().substr(0, slurm_jobs().find(' '));
  }
  EXPECT_TRUE(eventually([&] { return slurm_jobs().find("CANCELLED") != std::string::npos; }))
      << slurm_jobs();
}

}  // namespace
