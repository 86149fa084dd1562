#pragma once
// Shared by the end-to-end tests: the parameter space (transport x worker count), a fixture that
// gives each test its own config and scratch directory, and functions the tests send to workers.
//
// Synchronisation rule: tests wait on futures, never on sleeps. A function may sleep to be slow
// or may wait for a "gate" file that the test creates, which is how a test holds a call running
// for as long as it needs, deterministically.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "servers.hpp"
#include "test_config.hpp"

namespace e2e {

/// One point of the parameter space.
struct Setup {
  std::string transport;  ///< "pipe" or "storage"
  int workers;
  std::string storage = "localhost";  ///< "localhost", "s3" (Ceph RGW), "moto" (moto's S3) or "redis"
  /// A row of the compute table: "localhost", "ssh" (3 network-namespace hosts), "slurm" or
  /// "aws_lambda" (emulators running this binary).
  std::string backend = "localhost";
};

inline void PrintTo(const Setup& s, std::ostream* os) {
  *os << s.transport << "/" << s.workers << " workers/" << s.storage << "/" << s.backend;
}

/// gtest names: "pipe_2workers", "storage_2workers_s3".
inline std::string setup_name(const ::testing::TestParamInfo<Setup>& info) {
  if (info.param.backend != "localhost")
    return info.param.backend + "_" + std::to_string(info.param.workers) + "workers_" + info.param.storage;
  return info.param.transport + "_" + std::to_string(info.param.workers) + "workers" +
         (info.param.storage == "localhost" ? "" : "_" + info.param.storage);
}

/// Every transport with 2 workers, and the storage transport over every storage backend
/// (real servers): for behaviour that does not depend on the pool size.
inline auto transports() {
  return ::testing::Values(Setup{"pipe", 2}, Setup{"storage", 2}, Setup{"storage", 2, "s3"},
                           Setup{"storage", 2, "redis"}, Setup{"storage", 2, "azure"}, Setup{"storage", 2, "gcs"},
                           Setup{"storage", 2, "swift"});
}

/// The pipe transport over every storage backend: for what user code does with storage.
inline auto storages() {
  return ::testing::Values(Setup{"pipe", 2, "localhost"}, Setup{"pipe", 2, "s3"}, Setup{"pipe", 2, "redis"},
                           Setup{"pipe", 2, "azure"}, Setup{"pipe", 2, "gcs"}, Setup{"pipe", 2, "swift"});
}

/// Every transport at several pool sizes, and the storage transport over the remote storage
/// backends: for concurrency and failure isolation.
inline auto pool_sizes() {
  return ::testing::Values(Setup{"pipe", 1}, Setup{"pipe", 2}, Setup{"pipe", 4}, Setup{"storage", 1},
                           Setup{"storage", 2}, Setup{"storage", 4}, Setup{"storage", 2, "s3"},
                           Setup{"storage", 2, "redis"});
}

/// The remote backends against the real test set-ups (tests/servers/), with S3 storage (hosts
/// fetch the runtime by presigned URL): SSH over 3 network-namespace hosts with one worker
/// each, one Slurm pilot of 2 CPUs on the local cluster, and AWS Lambda emulators running this
/// binary from its own package with moto's S3. Calls travel through storage.
inline auto remote_backends() {
  return ::testing::Values(Setup{"storage", 3, "s3", "ssh"}, Setup{"storage", 2, "s3", "slurm"},
                           Setup{"storage", lithops::testing::kLambdaFleetSize, "moto", "aws_lambda"});
}

/// SSH hosts with Redis storage: no URL to fetch the runtime from, so it is streamed over the
/// SSH session.
inline auto ssh_redis() { return ::testing::Values(Setup{"storage", 3, "redis", "ssh"}); }

/// Opens a gate: calls waiting on it (hold_until_open, hold_if_negative) return.
inline void open_gate(const std::string& path) { std::ofstream(path) << "open"; }

/// Gives each test a Config for its parameters, with a private storage directory, and a
/// scratch directory (markers, gates) that workers can see.
class E2E : public ::testing::TestWithParam<Setup> {
 protected:
  void SetUp() override {
    config_ = lithops::testing::with_backend(
        lithops::testing::with_storage(lithops::testing::test_config(GetParam().transport, GetParam().workers),
                                       GetParam().storage, GetParam().backend != "localhost"),
        GetParam().backend, GetParam().workers);
    storage_dir_ = config_.get_string("localhost.storage_dir");
    scratch_ = storage_dir_ + "/scratch";
    std::filesystem::create_directories(scratch_);
  }

  const lithops::Config& config() const { return config_; }
  const std::string& storage_dir() const { return storage_dir_; }
  const std::string& scratch_dir() const { return scratch_; }
  /// A path in the scratch directory (not created).
  std::string scratch(const std::string& name) const { return scratch_ + "/" + name; }
  bool storage_transport() const { return GetParam().transport == "storage"; }

  lithops::Config config_;
  std::string storage_dir_;
  std::string scratch_;
};

/// An E2E test with an executor, its storage, and a private prefix in the storage's bucket
/// (named after `prefix_name`, deleted after the test): the data suites' fixture.
class DataE2E : public E2E {
 protected:
  explicit DataE2E(std::string prefix_name) : prefix_name_(std::move(prefix_name)) {}
  void SetUp() override {
    E2E::SetUp();
    fexec_ = std::make_unique<lithops::FunctionExecutor>(config_);
    storage_ = std::make_unique<lithops::Storage>(fexec_->storage());
    bucket_ = storage_->bucket();
    prefix_ = lithops::testing::unique_bucket(prefix_name_) + "/";
  }
  void TearDown() override {
    if (storage_) storage_->delete_objects(bucket_, storage_->list_keys(bucket_, prefix_));
  }
  /// "bucket/prefix/rest", as ObjectData and the partitioners take it.
  std::string location(const std::string& rest = "") const { return bucket_ + "/" + prefix_ + rest; }

  std::string prefix_name_;
  std::unique_ptr<lithops::FunctionExecutor> fexec_;
  std::unique_ptr<lithops::Storage> storage_;
  std::string bucket_, prefix_;
};

/// A local file's bytes.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The longest a gated call waits, so that a forgotten gate cannot hang a worker for good.
inline constexpr std::chrono::seconds kGateLimit{60};

// ---- functions the tests send (defined in functions.cpp; external linkage, so that their
// names are readable in stats and errors) ----

int add_one(int x);
int square(int x);
int add(int a, int b);
int add3(int x, int a, int b);
int sum_tuple(std::tuple<int, int> t);
long long sum_all(std::vector<int> v);
std::vector<int> collect(std::vector<int> v);
std::string shout(std::string s);
std::vector<int> iota_n(int n);
std::map<std::string, int> count_words(std::string text);
std::string make_blob(int size);
std::size_t blob_size(std::string blob);
std::tuple<int, std::string> number_and_name(int x);
std::string describe(int x, std::string name);
void touch(std::string path);
bool in_worker(int x);
int stats_probe(int x);
/// Runs a map of its own, on a one-worker executor with storage in `storage_dir`.
int nested_sum_of_squares(int n, std::string storage_dir);

struct Point {
  double x = 0, y = 0;
  template <class A>
  void serialize(A& ar) {
    ar(x, y);
  }
  bool operator==(const Point&) const = default;
};
Point midpoint(Point a, Point b);

/// A function object with state: travels as its serialized members.
struct Scale {
  int factor = 1;
  int operator()(int x) const { return factor * x; }
  template <class A>
  void serialize(A& ar) {
    ar(factor);
  }
};

/// A stateless function object: rebuilt on the worker by default construction.
struct Negate {
  int operator()(int x) const { return -x; }
};

// Failures.
struct CustomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
int throw_invalid_argument(int x);
int throw_custom_error(int x);
int throw_int(int x);
int fail_on(int x, int bad);
int crash_on(int x, int bad, std::string how);
int sleep_on(int x, int slow, double seconds);
/// Sleeps `seconds`, then returns x.
int nap(int x, double seconds);
/// Words in an object chunk (runs of non-space characters on each line).
std::size_t words_in_chunk(lithops::ObjectChunk chunk);
/// The pid of the process that started this call's worker (an agent, or a Lambda runtime).
int parent_pid(int x);
/// The value of environment variable `name` in the call's worker ("" if unset).
std::string env_of(std::string name);
/// The call's working directory.
std::string cwd_of(int x);
/// The name of the call's process (/proc/self/comm).
std::string process_name(int x);
/// A global of the program, 0 until a test changes it: what a call sees of it.
extern int g_probe;
int probe_global(int x);
/// Appends a line to `<dir>/run-<x>` (counting its runs), then crashes if `x == bad`.
int count_then_crash_on(int x, int bad, std::string dir);
/// How many times count_then_crash_on ran for `x`.
int runs_of(const std::string& dir, int x);

// Waiting on the test.
int hold_until_open(int x, std::string gate);
int hold_if_negative(int x, std::string gate);
/// Writes `<dir>/started-<x>` (its pid inside), then waits for the gate.
int started_then_hold(int x, std::string dir, std::string gate);

// Retries: each fails (throws, crashes or overruns) while `marker` does not exist, and creates
// it, so the first attempt fails and the second succeeds.
int throw_first_time(int x, std::string marker);
int crash_first_time(int x, std::string marker);
int hang_first_time(int x, std::string marker);
/// A reducer that crashes its worker the first time (while `marker` does not exist).
struct SumCrashingFirstTime {
  std::string marker;
  long long operator()(std::vector<int> v) const;
  template <class A>
  void serialize(A& ar) {
    ar(marker);
  }
};
int always_throw(int x);
int always_crash(int x);

}  // namespace e2e
