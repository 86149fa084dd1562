// What only LocalhostStorage does, beyond the contract every backend keeps
// (storage_contract_test.cpp): keys are file paths under <storage_dir>/<bucket>.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <filesystem>
#include <memory>

#include "storage/localhost/localhost_storage.hpp"
#include "test_config.hpp"

namespace {

using ::testing::ElementsAre;

std::unique_ptr<lithops::detail::StorageBackend> fresh_localhost() {
  lithops::Config c;
  c.set("localhost.storage_dir", lithops::testing::test_storage_dir());
  return std::make_unique<lithops::detail::LocalhostStorage>(c);
}

// ---- LocalhostStorage only: keys are file paths ----

TEST(LocalhostStorage, KeysThatWouldEscapeTheBucketDirectoryAreRejected) {
  auto st = fresh_localhost();
  const auto& bucket = st->bucket();
  EXPECT_THROW(st->put_object(bucket, "../outside", "x"), lithops::StorageError);
  EXPECT_THROW(st->put_object(bucket, "a/../../outside", "x"), lithops::StorageError);
  EXPECT_THROW(st->put_object(bucket, "a/..", "x"), lithops::StorageError);
  EXPECT_THROW(st->put_object(bucket, "", "x"), lithops::StorageError);
  EXPECT_THROW(st->get_object(bucket, "../outside"), lithops::StorageError);
}

// A limitation of keys as file paths (object stores allow both): "a" and "a/b" cannot both
// exist. It must fail as a StorageError and leave nothing behind.
TEST(LocalhostStorage, AKeyThatIsAlsoAnotherKeysDirectoryFailsWithStorageError) {
  auto st = fresh_localhost();
  const auto& bucket = st->bucket();
  st->put_object(bucket, "a", "file");
  EXPECT_THROW(st->put_object(bucket, "a/b", "x"), lithops::StorageError);
  st->put_object(bucket, "d/e", "x");
  EXPECT_THROW(st->put_object(bucket, "d", "x"), lithops::StorageError);
  EXPECT_THAT(st->list_keys(bucket, ""), ElementsAre("a", "d/e"));
  auto root = std::filesystem::path(static_cast<lithops::detail::LocalhostStorage&>(*st).root()) / bucket;
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) files += e.is_regular_file();
  EXPECT_EQ(files, 2u) << "a partial file was left behind";
}

TEST(LocalhostStorage, ObjectsAreFilesUnderTheStorageDirAndBucket) {
  auto dir = lithops::testing::test_storage_dir();
  lithops::Config c;
  c.set("localhost.storage_dir", dir).set("localhost.storage_bucket", "my-bucket");
  lithops::detail::LocalhostStorage st(c);
  EXPECT_EQ(st.bucket(), "my-bucket");
  st.put_object("my-bucket", "a/b.txt", "content");
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::path(dir) / "my-bucket" / "a" / "b.txt"));
}

}  // namespace
