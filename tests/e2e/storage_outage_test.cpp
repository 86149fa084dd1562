// A storage server that goes away mid-job and comes back: every storage operation of the
// client and of the workers retries with backoff (lithops.storage_attempts), so the job
// finishes with every result and nothing lost. Runs alone (RUN_SERIAL): other tests would see
// the outage too.
#include <filesystem>
#include <numeric>

#include "e2e_support.hpp"

namespace e2e {

namespace {

/// Creates `<dir>/started-<x>`, then waits for the gate: the test knows each call is running.
int mark_then_hold(int x, std::string dir) {
  touch(dir + "/started-" + std::to_string(x));
  return hold_until_open(x, dir + "/gate");
}

/// Waits until `n` calls (any) have started.
void wait_for_markers(const std::string& dir, int n) {
  for (auto start = std::chrono::steady_clock::now();;) {
    int found = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      found += e.path().filename().string().rfind("started-", 0) == 0;
    if (found >= n) return;
    ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60)) << "calls did not start";
    std::this_thread::yield();
  }
}

}  // namespace

class StorageOutage : public E2E {};

TEST_P(StorageOutage, AServerRestartMidJobLosesNothing) {
  const bool s3 = GetParam().storage == "s3";
  constexpr int kCalls = 4;
  lithops::FunctionExecutor fexec(config_);
  std::vector<int> xs(kCalls);
  std::iota(xs.begin(), xs.end(), 0);
  auto fs = fexec.map(mark_then_hold, xs, lithops::extra_args(scratch_dir()), lithops::CallOptions{.chunksize = 1});
  wait_for_markers(scratch_dir(), 2);  // both workers are in a call
  // Down: the client's status polling and the workers' status writes now fail.
  if (s3) ASSERT_EQ(lithops::testing::run_server_script("stop-pid.sh", "ceph/run/client.rgw.a.pid"), 0);
  else ASSERT_EQ(lithops::testing::run_server_script("redis-stop.sh", "redis"), 0);
  open_gate(scratch("gate"));
  // Up again (the scripts return once the server answers).
  if (s3) ASSERT_EQ(lithops::testing::run_server_script("rgw-start.sh", "ceph"), 0);
  else ASSERT_EQ(lithops::testing::run_server_script("redis-restart.sh", "redis"), 0);
  EXPECT_EQ(fexec.get_result(fs, std::chrono::seconds(120)), xs);
}

INSTANTIATE_TEST_SUITE_P(Servers, StorageOutage,
                         ::testing::Values(Setup{"storage", 2, "s3"}, Setup{"storage", 2, "redis"}), setup_name);

}  // namespace e2e
