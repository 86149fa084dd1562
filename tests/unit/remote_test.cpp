// The pieces of the remote backends that need no cluster: the agent protocol's encodings,
// host lists, the bootstrap shell (run for real with sh, fetching from a file:// URL), and the
// sbatch command line built from configuration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "compute/remote/agent_protocol.hpp"
#include "compute/remote/bootstrap.hpp"
#include "compute/slurm/slurm_launcher.hpp"
#include "compute/ssh/ssh_launcher.hpp"
#include "storage/s3/s3_codec.hpp"
#include "test_config.hpp"
#include "util/subprocess.hpp"

using namespace lithops::detail;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AgentProtocol, InboxMessagesRoundTrip) {
  InboxMessage m;
  InboxMessage::Task t;
  t.job_key = "abc-0-M000";
  t.task.first = 7;
  t.task.count = 2;
  t.task.attempt = 3;
  t.task.data_key = "lithops.jobs/abc-0-M000/data/all";
  t.task.offsets = {10, 20, 35};
  m.tasks.push_back(t);
  m.forget = {"abc-0-M001"};
  m.stop = true;
  InboxMessage d = InboxMessage::decode(m.encode());
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].job_key, t.job_key);
  EXPECT_EQ(d.tasks[0].task.first, 7u);
  EXPECT_EQ(d.tasks[0].task.count, 2u);
  EXPECT_EQ(d.tasks[0].task.attempt, 3);
  EXPECT_EQ(d.tasks[0].task.data_key, t.task.data_key);
  EXPECT_THAT(d.tasks[0].task.offsets, ElementsAre(10, 20, 35));
  EXPECT_THAT(d.forget, ElementsAre("abc-0-M001"));
  EXPECT_TRUE(d.stop);
  EXPECT_THROW(InboxMessage::decode(m.encode().substr(0, 9)), std::exception);
}

TEST(AgentProtocol, HeartbeatsAndSpecsRoundTrip) {
  AgentHeartbeat b;
  b.agent_id = "2-1";
  b.host = "h2";
  b.pid = 4242;
  b.workers = 8;
  b.build_id = "deadbeef";
  b.beat = 9;
  b.inbox_seq = 3;
  b.stopping = true;
  b.reason = "idle";
  auto d = AgentHeartbeat::decode(b.encode());
  EXPECT_EQ(d.agent_id, "2-1");
  EXPECT_EQ(d.pid, 4242);
  EXPECT_EQ(d.workers, 8u);
  EXPECT_EQ(d.beat, 9u);
  EXPECT_TRUE(d.stopping);
  EXPECT_EQ(d.reason, "idle");

  AgentSpec s;
  s.pool = "p";
  s.agent_id = "0-0";
  s.storage_config = "redis:\n  host: 'x'\n";
  s.workers = 3;
  s.watch_stdin = true;
  std::string line = s.to_json();
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one line on stdin or in a here-document
  auto e = AgentSpec::from_json(line);
  EXPECT_EQ(e.storage_config, s.storage_config);
  EXPECT_EQ(e.workers, 3u);
  EXPECT_TRUE(e.watch_stdin);
  EXPECT_THROW(AgentSpec::from_json("{\"pool\": 1}"), lithops::Error);
}

TEST(AgentProtocol, InboxKeysSortInMessageOrder) {
  EXPECT_LT(AgentKeys::inbox("p", "a", 9), AgentKeys::inbox("p", "a", 10));
  EXPECT_EQ(AgentKeys::alive("p", "a").rfind(AgentKeys::pool_prefix("p"), 0), 0u);
}

TEST(SshHosts, EntriesNameUserAddressAndPort) {
  auto h = parse_ssh_hosts("root@10.0.0.1:2222, 10.0.0.2 bob@[fe80::1]:23,node4", "alice", 22);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].user, "root");
  EXPECT_EQ(h[0].address, "10.0.0.1");
  EXPECT_EQ(h[0].port, 2222);
  EXPECT_EQ(h[1].user, "alice");
  EXPECT_EQ(h[1].port, 22);
  EXPECT_EQ(h[2].address, "fe80::1");
  EXPECT_EQ(h[2].port, 23);
  EXPECT_EQ(h[3].address, "node4");
  EXPECT_THROW(parse_ssh_hosts("", "", 22), lithops::ConfigError);
  try {
    parse_ssh_hosts("a:notaport", "", 22);
    FAIL();
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ssh.hosts"));
    EXPECT_THAT(e.what(), HasSubstr("a:notaport"));
  }
}

TEST(SshHosts, AYamlListIsAcceptedForHosts) {
  auto c = lithops::Config::from_yaml("ssh:\n  hosts: [root@a, b:2200]\n");
  EXPECT_EQ(c.get_string("ssh.hosts"), "root@a, b:2200");
  EXPECT_EQ(parse_ssh_hosts(c.get_string("ssh.hosts"), "", 22).size(), 2u);
}

TEST(Config, RemoteBackendsAreValidChoices) {
  lithops::Config c;
  EXPECT_NO_THROW(c.set("lithops.backend", "ssh"));
  EXPECT_NO_THROW(c.set("lithops.backend", "slurm"));
  try {
    c.set("lithops.backend", "kubernetes");
    FAIL();
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("lithops.backend"));
    EXPECT_THAT(e.what(), HasSubstr("slurm"));
  }
}

class Bootstrap : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = lithops::testing::test_storage_dir();
    // A tiny "runtime": a script that prints its argv[0] and LITHOPS_AGENT, then its stdin.
    source_ = dir_ + "/source-prog";
    std::ofstream(source_) << "#!/bin/sh\necho \"agent=$LITHOPS_AGENT\"\ncat\n";
    std::ifstream in(source_);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    plan_.build_id = "b1d";
    plan_.name = "prog";
    plan_.sha256 = s3::sha256_hex(bytes);
    plan_.cache_dir = dir_ + "/cache";
    plan_.url = "file://" + source_;
  }
  CommandResult run(const std::string& script, const std::string& input = "") {
    return run_command({"sh", "-c", script}, input, std::chrono::seconds(30));
  }
  std::string cached() const { return plan_.cache_dir + "/runtimes/b1d/prog"; }

  std::string dir_, source_;
  BootstrapPlan plan_;
};

TEST_F(Bootstrap, FetchesVerifiesCachesAndRunsTheRuntimeInAgentMode) {
  auto r = run(bootstrap_script(plan_), "{spec}\n");
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.out, "agent=1\n{spec}\n");
  EXPECT_TRUE(std::filesystem::exists(cached()));
  // Cached: works with the URL gone.
  std::filesystem::remove(source_);
  r = run(bootstrap_script(plan_), "x\n");
  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(Bootstrap, TheSpecCanComeInAHereDocument) {
  auto r = run(bootstrap_script(plan_, "{\"pool\":\"p\"}"));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.out, "agent=1\n{\"pool\":\"p\"}\n");
}

TEST_F(Bootstrap, ABadHashIsRefusedAndNothingIsCached) {
  plan_.sha256 = std::string(64, '0');
  auto r = run(bootstrap_script(plan_));
  EXPECT_EQ(WEXITSTATUS(r.status), kBadRuntimeExit);
  EXPECT_THAT(r.err, HasSubstr("sha256"));
  EXPECT_FALSE(std::filesystem::exists(cached()));
}

TEST_F(Bootstrap, WithoutAUrlItAsksForTheRuntimeWhichCanThenBeUploaded) {
  plan_.url.reset();
  auto r = run(bootstrap_script(plan_));
  EXPECT_EQ(WEXITSTATUS(r.status), kNeedRuntimeExit);
  std::ifstream in(source_);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto up = run(upload_script(plan_), bytes);
  ASSERT_TRUE(up.ok()) << up.describe();
  r = run(bootstrap_script(plan_), "hi\n");
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.out, "agent=1\nhi\n");
  // Damaged in transit: refused.
  std::filesystem::remove(cached());
  up = run(upload_script(plan_), bytes + "x");
  EXPECT_EQ(WEXITSTATUS(up.status), kBadRuntimeExit);
  EXPECT_FALSE(std::filesystem::exists(cached()));
}

TEST(Slurm, SbatchArgumentsComeFromTheConfiguration) {
  lithops::Config c;
  c.set("slurm.partition", "gpu").set("slurm.account", "proj1").set("slurm.qos", "high");
  c.set("slurm.time_limit", "01:30:00").set("slurm.memory", "4G").set("slurm.cpus_per_task", 4);
  c.set("slurm.extra_args", "--constraint=skylake --exclusive");
  SlurmLauncher l(c);
  auto a = l.sbatch_argv();
  for (const char* want : {"--partition=gpu", "--account=proj1", "--qos=high", "--time=01:30:00", "--mem=4G",
                           "--cpus-per-task=4", "--constraint=skylake", "--exclusive", "--parsable"})
    EXPECT_THAT(a, ::testing::Contains(std::string(want)));
  EXPECT_EQ(l.workers(0), 4u);  // worker_processes 0: one per CPU
}
