// The executor's life, end to end: several executors in one process, a worker pool reused
// across jobs, cancellation when an executor goes away, workers of another build refusing
// jobs, and the job data the storage transport leaves in storage (and cleans up).
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "e2e_support.hpp"

namespace e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
namespace fs = std::filesystem;

template <class T>
std::set<int> worker_pids(const lithops::FuturesList<T>& futures) {
  std::set<int> pids;
  for (const auto& f : futures) pids.insert(f.stats().worker_pid);
  return pids;
}

// ==== Executors ====

class Executors : public E2E {};
INSTANTIATE_TEST_SUITE_P(Pools, Executors, pool_sizes(), setup_name);

TEST_P(Executors, TwoExecutorsWithDifferentConfigsLiveInOneProcess) {
  auto other = config();
  other.set("localhost.transport", storage_transport() ? "pipe" : "storage")
      .set("localhost.worker_processes", 3)
      .set("localhost.storage_dir", storage_dir() + "/other");
  lithops::FunctionExecutor a(config());
  lithops::FunctionExecutor b(other);
  EXPECT_NE(a.executor_id(), b.executor_id());
  EXPECT_EQ(a.worker_count(), static_cast<std::size_t>(GetParam().workers));
  EXPECT_EQ(b.worker_count(), 3u);
  EXPECT_EQ(b.config().get_string("localhost.transport"), other.get_string("localhost.transport"));

  auto fa = a.map(square, std::vector{1, 2, 3});
  auto fb = b.map(add_one, std::vector{1, 2, 3});
  auto both = fa;
  both += fb;
  EXPECT_EQ(lithops::get_result(both), (std::vector{1, 4, 9, 2, 3, 4}));
  // Each executor runs its calls on its own pool.
  for (int pid : worker_pids(fa)) EXPECT_EQ(worker_pids(fb).count(pid), 0u);
  // Chaining stays on the executor that made the list.
  EXPECT_EQ(fb.map(square).get_result(), (std::vector{4, 9, 16}));
}

TEST_P(Executors, WorkerProcessesAreReusedAcrossJobs) {
  lithops::FunctionExecutor fexec(config());
  auto first = fexec.map(stats_probe, std::vector<int>(20, 0));
  first.get_result();
  auto second = fexec.map(stats_probe, std::vector<int>(20, 0));
  second.get_result();
  auto third = fexec.call_async(stats_probe, 0);
  third.get();
  auto pids = worker_pids(first);
  for (int pid : worker_pids(second)) pids.insert(pid);
  pids.insert(third.stats().worker_pid);
  EXPECT_LE(pids.size(), fexec.worker_count()) << "more worker processes than the pool has";
  if (fexec.worker_count() == 1) {
    EXPECT_EQ(worker_pids(first), worker_pids(second));
  }
}

TEST_P(Executors, DestroyingAnExecutorCancelsItsPendingCalls) {
  auto gate = scratch("gate-never-opened");
  lithops::FuturesList<int> held;
  lithops::FuturesList<int> chained;
  lithops::Future<int> done;
  {
    lithops::FunctionExecutor fexec(config());
    done = fexec.call_async(square, 3);
    ASSERT_EQ(done.get(), 9);
    held = fexec.map(hold_until_open, std::vector{1, 2, 3, 4, 5, 6}, lithops::extra_args(gate));
    chained = held.map(add_one);
  }
  for (const auto* list : {&held, &chained}) {
    for (const auto& f : *list) {
      EXPECT_EQ(f.state(), lithops::CallState::cancelled) << f.job_key() << "/" << f.call_id();
      EXPECT_TRUE(f.error());
      try {
        f.get();
        ADD_FAILURE() << "expected lithops::CancelledError";
      } catch (const lithops::CancelledError& e) {
        EXPECT_THAT(e.what(), HasSubstr("shut down"));
        EXPECT_EQ(e.call_id(), f.call_id());
      }
    }
  }
  // A call that was done before keeps its result.
  EXPECT_EQ(done.get(), 9);
  EXPECT_TRUE(done.success());
}

TEST_P(Executors, CallsChainedOnAnotherExecutorsCancelledCallsAreCancelled) {
  auto other = config();
  other.set("localhost.storage_dir", storage_dir() + "/other");
  lithops::FunctionExecutor chained_on(other);
  lithops::FuturesList<int> chained;
  {
    lithops::FunctionExecutor inputs(config());
    auto held = inputs.map(hold_until_open, std::vector{1, 2}, lithops::extra_args(scratch("never")));
    chained = chained_on.map(add_one, held);
  }
  for (const auto& f : chained) EXPECT_THROW(f.get(), lithops::CancelledError);
  EXPECT_EQ(chained_on.call_async(add_one, 1).get(), 2);  // the other executor is unaffected
}

TEST_P(Executors, TheDefaultExecutorReadsLithopsConfigFile) {
  auto path = scratch("config.yaml");
  std::ofstream(path) << "lithops:\n  log_level: WARNING\n  progress_bar: false\n"
                      << "localhost:\n  worker_processes: 3\n  transport: " << GetParam().transport
                      << "\n  storage_dir: \"" << storage_dir() << "/from-file\"\n";
  ::setenv("LITHOPS_CONFIG_FILE", path.c_str(), 1);
  lithops::FunctionExecutor fexec;
  ::unsetenv("LITHOPS_CONFIG_FILE");
  EXPECT_EQ(fexec.worker_count(), 3u);
  EXPECT_EQ(fexec.config().origin(), path);
  EXPECT_EQ(fexec.call_async(square, 6).get(), 36);
}

TEST_P(Executors, AnExecutorCanBeDestroyedRightAfterSubmitting) {
  lithops::FuturesList<int> fs;
  {
    lithops::FunctionExecutor fexec(config());
    fs = fexec.map(square, std::vector<int>(200, 2));
  }
  for (const auto& f : fs) {
    ASSERT_TRUE(f.done());
    if (f.success()) {
      EXPECT_EQ(f.get(), 4);
    } else {
      EXPECT_THROW(f.get(), lithops::CancelledError);
    }
  }
}

TEST_P(Executors, ExecutorsCanBeCreatedOneAfterAnother) {
  for (int i = 0; i < 3; ++i) {
    lithops::FunctionExecutor fexec(config());
    EXPECT_EQ(fexec.map(square, std::vector{i, i + 1}).get_result(), (std::vector{i * i, (i + 1) * (i + 1)}));
  }
}

TEST_P(Executors, AWorkerKilledBetweenCallsIsReplacedWithoutFailingACall) {
  lithops::FunctionExecutor fexec(config());
  auto first = fexec.call_async(stats_probe, 1);
  first.get();
  const int victim = first.stats().worker_pid;
  ASSERT_GT(victim, 0);
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  auto fs = fexec.map(stats_probe, std::vector<int>(50, 7));
  EXPECT_EQ(fs.get_result(), std::vector<int>(50, 7));
  for (int pid : worker_pids(fs)) EXPECT_NE(pid, victim);
}

TEST_P(Executors, AFunctionCanRunAnExecutorOfItsOwn) {
  lithops::FunctionExecutor fexec(config());
  auto f = fexec.call_async(nested_sum_of_squares, 4, storage_dir() + "/nested");
  EXPECT_EQ(f.get(), 0 + 1 + 4 + 9);
}

TEST_P(Executors, ARuntimeThatDoesNotExistFailsAtConstruction) {
  auto cfg = config();
  cfg.set("localhost.runtime", storage_dir() + "/no-such-program");
  EXPECT_THROW(lithops::FunctionExecutor{cfg}, lithops::Error);
}

TEST_P(Executors, AProgramThatIsNotALithopsWorkerFailsCallsInsteadOfHanging) {
  auto cfg = config();
  cfg.set("localhost.runtime", "/bin/true");
  lithops::FunctionExecutor fexec(cfg);
  auto f = fexec.call_async(square, 3);
  EXPECT_THROW(f.get(std::chrono::seconds(60)), lithops::CallError);
}

// ==== BuildMismatch: workers of another build refuse the client's jobs ====

class BuildMismatch : public E2E {
 protected:
  lithops::Config other_build_config() const {
    auto cfg = config();
    cfg.set("localhost.runtime", LITHOPS_OTHER_BUILD_WORKER);
    return cfg;
  }
};
INSTANTIATE_TEST_SUITE_P(Transports, BuildMismatch, transports(), setup_name);

TEST_P(BuildMismatch, EveryCallFailsWithBuildMismatchError) {
  ASSERT_TRUE(fs::exists(LITHOPS_OTHER_BUILD_WORKER));
  lithops::FunctionExecutor fexec(other_build_config());
  auto fs = fexec.map(square, std::vector{1, 2, 3, 4, 5});
  lithops::wait(fs);
  for (const auto& f : fs) {
    EXPECT_EQ(f.state(), lithops::CallState::failed);
    try {
      f.get();
      ADD_FAILURE() << "expected lithops::BuildMismatchError";
    } catch (const lithops::BuildMismatchError& e) {
      EXPECT_THAT(e.what(), MatchesRegex(".*build.*(differ|not the client's build).*"));
      EXPECT_EQ(e.call_id(), f.call_id());
    }
  }
}

TEST_P(BuildMismatch, CallAsyncAndGetResultFailWithBuildMismatchError) {
  lithops::FunctionExecutor fexec(other_build_config());
  EXPECT_THROW(fexec.call_async(add_one, 1).get(), lithops::BuildMismatchError);
  EXPECT_THROW(fexec.map(add_one, std::vector{1, 2}).get_result(), lithops::BuildMismatchError);
}

TEST_P(BuildMismatch, ABuildMismatchIsNotRetried) {
  lithops::FunctionExecutor fexec(other_build_config());
  auto f = fexec.call_async_with(lithops::CallOptions{.retries = 2}, add_one, 1);
  EXPECT_THROW(f.get(), lithops::BuildMismatchError);
  EXPECT_LE(f.stats().attempts, 1u);
}

// ==== StorageData: what the storage transport keeps in storage ====

class StorageData : public ::testing::Test {
 protected:
  lithops::Config storage_config(bool data_cleaner) {
    auto cfg = lithops::testing::test_config("storage", 2);
    cfg.set("lithops.data_cleaner", data_cleaner);
    dir_ = cfg.get_string("localhost.storage_dir");
    return cfg;
  }
  /// Where a job's data lives: `<storage_dir>/<bucket>/lithops.jobs/<job_key>`.
  fs::path job_dir(const std::string& job_key) const { return fs::path(dir_) / "storage" / "lithops.jobs" / job_key; }
  fs::path jobs_root() const { return fs::path(dir_) / "storage" / "lithops.jobs"; }
  static std::size_t files_under(const fs::path& p) {
    std::size_t n = 0;
    if (!fs::exists(p)) return 0;
    for (const auto& e : fs::recursive_directory_iterator(p)) n += e.is_regular_file();
    return n;
  }
  std::string dir_;
};

TEST_F(StorageData, AJobsDataIsInStorageWhileItRuns) {
  auto cfg = storage_config(true);
  lithops::FunctionExecutor fexec(cfg);
  auto gate = dir_ + "/gate";
  auto fs = fexec.map(hold_until_open, std::vector{1, 2}, lithops::extra_args(gate));
  auto job = job_dir(fs[0].job_key());
  EXPECT_TRUE(fs::exists(job / "job.meta"));
  EXPECT_GE(files_under(job / "data"), 1u);
  open_gate(gate);
  EXPECT_EQ(fs.get_result(), (std::vector{1, 2}));
}

TEST_F(StorageData, WithTheDataCleanerOffAJobsDataIsKept) {
  std::string job_key;
  {
    lithops::FunctionExecutor fexec(storage_config(false));
    auto fs = fexec.map(square, std::vector{1, 2, 3});
    EXPECT_EQ(fs.get_result(), (std::vector{1, 4, 9}));
    job_key = fs[0].job_key();
  }
  auto job = job_dir(job_key);
  EXPECT_TRUE(fs::exists(job / "job.meta"));
  EXPECT_GE(files_under(job / "status"), 1u);  // status objects, one per batch of calls
}

TEST_F(StorageData, CleanRemovesTheDataOfFinishedJobs) {
  lithops::FunctionExecutor fexec(storage_config(false));
  auto fs = fexec.map(square, std::vector{1, 2, 3});
  auto r = fexec.call_async(add_one, 1);
  fs.get_result();
  r.get();
  ASSERT_TRUE(fs::exists(job_dir(fs[0].job_key())));
  ASSERT_TRUE(fs::exists(job_dir(r.job_key())));
  fexec.clean();
  EXPECT_FALSE(fs::exists(job_dir(fs[0].job_key())));
  EXPECT_FALSE(fs::exists(job_dir(r.job_key())));
  EXPECT_EQ(files_under(jobs_root()), 0u);
  // Results already on the client stay readable.
  EXPECT_EQ(fs[2].get(), 9);
}

TEST_F(StorageData, CleanLeavesTheDataOfRunningJobsAlone) {
  lithops::FunctionExecutor fexec(storage_config(false));
  auto finished = fexec.map(square, std::vector{1});
  finished.get_result();
  auto gate = dir_ + "/gate";
  auto running = fexec.map(hold_until_open, std::vector{1, 2}, lithops::extra_args(gate));
  fexec.clean();
  EXPECT_FALSE(fs::exists(job_dir(finished[0].job_key())));
  EXPECT_TRUE(fs::exists(job_dir(running[0].job_key()) / "job.meta"));
  open_gate(gate);
  EXPECT_EQ(running.get_result(), (std::vector{1, 2}));
}

TEST_F(StorageData, ShuttingDownTheExecutorRemovesItsJobsData) {
  std::vector<std::string> keys;
  {
    lithops::FunctionExecutor fexec(storage_config(true));
    auto fs = fexec.map(square, std::vector{1, 2, 3});
    auto chained = fs.map(add_one);
    auto reduced = fexec.map_reduce(square, std::vector{1, 2}, sum_all);
    EXPECT_EQ(chained.get_result(), (std::vector{2, 5, 10}));
    EXPECT_EQ(reduced.get(), 5);
    keys = {fs[0].job_key(), chained[0].job_key(), reduced.job_key()};
  }
  for (const auto& k : keys) EXPECT_FALSE(fs::exists(job_dir(k))) << k;
  EXPECT_EQ(files_under(jobs_root()), 0u);
}

TEST_F(StorageData, ShuttingDownTheExecutorRemovesTheDataOfCancelledJobs) {
  std::string key;
  {
    lithops::FunctionExecutor fexec(storage_config(true));
    auto fs = fexec.map(hold_until_open, std::vector{1, 2}, lithops::extra_args(dir_ + "/never"));
    key = fs[0].job_key();
  }
  EXPECT_FALSE(fs::exists(job_dir(key)));
}

TEST_F(StorageData, ThePipeTransportWritesNoJobDataToStorage) {
  auto cfg = lithops::testing::test_config("pipe", 2);
  cfg.set("lithops.data_cleaner", false);
  dir_ = cfg.get_string("localhost.storage_dir");
  lithops::FunctionExecutor fexec(cfg);
  EXPECT_EQ(fexec.map(square, std::vector{1, 2}).get_result(), (std::vector{1, 4}));
  EXPECT_EQ(files_under(jobs_root()), 0u);
}

}  // namespace
}  // namespace e2e
