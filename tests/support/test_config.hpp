#pragma once
// Configuration for tests: a private storage directory per test, quiet logs, and the
// transport under test.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <filesystem>
#include <string>

namespace lithops::testing {

/// A fresh storage directory for the running test, under the build tree's tmp.
inline std::string test_storage_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (auto& c : name)
    if (c == '/') c = '_';
  auto dir = std::filesystem::path(LITHOPS_TEST_TMP) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// Config for a test: transport "pipe" or "storage", `workers` worker processes.
inline Config test_config(const std::string& transport = "pipe", int workers = 2) {
  Config c;
  c.set("lithops.log_level", "WARNING");
  c.set("lithops.progress_bar", false);
  c.set("localhost.transport", transport);
  c.set("localhost.worker_processes", workers);
  c.set("localhost.storage_dir", test_storage_dir());
  return c;
}

/// test_config with the test Redis (tests/servers/, port 6390) as the multiprocessing API's,
/// storage left local.
inline Config mp_test_config(int workers) {
  Config c = test_config("pipe", workers);
  c.set("redis.host", "127.0.0.1");
  c.set("redis.port", 6390);
  return c;
}

}  // namespace lithops::testing
