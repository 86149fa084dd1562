// The multiprocessing API unchanged on the remote backends: a Pool and Processes on the SSH
// hosts (network namespaces) and on the Slurm cluster, sharing objects with the client through
// the test Redis at the bridge address the hosts reach.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing.hpp>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "servers.hpp"
#include "test_config.hpp"

namespace mp = lithops::mp;
using namespace std::chrono_literals;

namespace {

lithops::Config remote_config(const std::string& backend) {
  auto c = lithops::testing::with_backend(
      lithops::testing::with_storage(lithops::testing::test_config("storage", 3), "s3", true), backend, 3);
  c.set("redis.host", lithops::testing::server_address(true));
  c.set("redis.port", 6390);
  return c;
}

int square(int x) { return x * x; }

void report_host(mp::Queue<std::string> q) {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  q.put(name);
}
void blocks(mp::Event running, mp::Event never) {
  running.set();
  never.wait(120s);
}

class RemoteMp : public ::testing::TestWithParam<std::string> {};

TEST_P(RemoteMp, PoolAndProcessesRunUnchanged) {
  mp::Context ctx(remote_config(GetParam()));
  {
    mp::Pool pool(std::nullopt, ctx);
    std::vector<int> in(40);
    for (int i = 0; i < 40; ++i) in[static_cast<std::size_t>(i)] = i;
    auto out = pool.map(square, in);
    for (int i = 0; i < 40; ++i) ASSERT_EQ(out[static_cast<std::size_t>(i)], i * i);
    int n = 0;
    for (int v : pool.imap_unordered(square, in)) n += v >= 0;
    EXPECT_EQ(n, 40);
  }

  mp::Queue<std::string> hosts(ctx);
  mp::Process p(mp::ProcessOptions{.context = &ctx}, report_host, hosts);
  p.start();
  const std::string host = hosts.get(true, 120s);
  p.join(60s);
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(p.host(), host);  // the worker's own report agrees with the control channel's

  mp::Event running(ctx), never(ctx);
  mp::Process stuck(mp::ProcessOptions{.context = &ctx}, blocks, running, never);
  stuck.start();
  ASSERT_TRUE(running.wait(120s));
  stuck.terminate();
  stuck.join(60s);
  EXPECT_FALSE(stuck.is_alive());
  EXPECT_EQ(stuck.exitcode(), -SIGTERM);
}

INSTANTIATE_TEST_SUITE_P(Remote, RemoteMp, ::testing::Values("ssh", "slurm"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
