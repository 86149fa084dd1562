// The contract every StorageBackend (src/storage/storage_backend.hpp) keeps, as one typed test
// suite. A new backend is added by writing a StorageFixture specialisation that opens it on a
// fresh, private bucket (for a remote backend: against a real server, see tests/servers/) and
// appending its type to `Backends` below; it is done when it passes the same tests as the
// others. Decorators keep the contract too: the suite also runs on what make_storage returns.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <atomic>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "servers.hpp"
#include "storage/azure/azure_storage.hpp"
#include "storage/gcs/gcs_storage.hpp"
#include "storage/localhost/localhost_storage.hpp"
#include "storage/redis/redis_storage.hpp"
#include "storage/s3/s3_storage.hpp"
#include "storage/swift/swift_storage.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using lithops::detail::ByteRange;
using lithops::detail::StorageBackend;

/// How the suite opens each backend: `make()` returns a backend whose `bucket()` exists and is
/// empty.
template <class Backend>
struct StorageFixture;

/// The backend a config names, on a fresh bucket: bare (`decorated` false) or as make_storage
/// returns it.
std::unique_ptr<StorageBackend> fresh(lithops::Config c, bool decorated) {
  auto name = c.get_string("lithops.storage");
  std::unique_ptr<StorageBackend> st;
  if (decorated) st = lithops::detail::make_storage(c);
  else if (name == "redis") st = std::make_unique<lithops::detail::RedisStorage>(c);
  else if (name == "azure_storage") st = std::make_unique<lithops::detail::AzureStorage>(c);
  else if (name == "gcp_storage") st = std::make_unique<lithops::detail::GcsStorage>(c);
  else if (name == "swift") st = std::make_unique<lithops::detail::SwiftStorage>(c);
  else st = std::make_unique<lithops::detail::S3Storage>(c, name);
  st->create_bucket(st->bucket());
  return st;
}

template <>
struct StorageFixture<lithops::detail::S3Storage> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_s3_storage({}, lithops::testing::unique_bucket("s3")), false);
  }
};

template <>
struct StorageFixture<lithops::detail::RedisStorage> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_redis_storage({}, lithops::testing::unique_bucket("redis")), false);
  }
};

struct ConfiguredS3 {};
template <>
struct StorageFixture<ConfiguredS3> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_s3_storage({}, lithops::testing::unique_bucket("cs3")), true);
  }
};

// moto's S3: a second, independent S3 implementation (signatures checked), through make_storage.
struct MotoS3 {};
template <>
struct StorageFixture<MotoS3> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_moto_storage({}, lithops::testing::unique_bucket("moto")), true);
  }
};

// Azure Blob Storage on Azurite (Shared Key signatures checked): bare, and through make_storage.
template <>
struct StorageFixture<lithops::detail::AzureStorage> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_azure_storage({}, lithops::testing::unique_bucket("azure")), false);
  }
};
struct ConfiguredAzure {};
template <>
struct StorageFixture<ConfiguredAzure> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_azure_storage({}, lithops::testing::unique_bucket("cazure")), true);
  }
};

// Google Cloud Storage on fake-gcs-server (no authorization: the OAuth2 flow is unit_gcs's):
// bare, and through make_storage.
template <>
struct StorageFixture<lithops::detail::GcsStorage> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_gcs_storage({}, lithops::testing::unique_bucket("gcs")), false);
  }
};
struct ConfiguredGcs {};
template <>
struct StorageFixture<ConfiguredGcs> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_gcs_storage({}, lithops::testing::unique_bucket("cgcs")), true);
  }
};

// OpenStack Swift with Keystone v3's tokens (checked by the proxy's authtoken + keystoneauth): bare,
// and through make_storage. A small segment size and threshold make the larger objects of the suite
// Static Large Objects. (TempAuth's flow is unit_swift's: on the shared proxy authtoken has Keystone
// refuse each TempAuth token first, which is too slow for the suite's thousands of requests.)
template <>
struct StorageFixture<lithops::detail::SwiftStorage> {
  static std::unique_ptr<StorageBackend> make() {
    auto c = lithops::testing::with_swift_storage({}, lithops::testing::unique_bucket("swift"), true);
    c.set("swift.upload_threshold", std::int64_t{1} << 20);
    c.set("swift.segment_size", std::int64_t{1} << 20);
    return fresh(c, false);
  }
};
struct ConfiguredSwift {};
template <>
struct StorageFixture<ConfiguredSwift> {
  static std::unique_ptr<StorageBackend> make() {
    auto c = lithops::testing::with_swift_storage({}, lithops::testing::unique_bucket("cswift"), true);
    c.set("swift.upload_threshold", std::int64_t{1} << 20);
    c.set("swift.segment_size", std::int64_t{1} << 20);
    return fresh(c, true);
  }
};

struct ConfiguredRedis {};
template <>
struct StorageFixture<ConfiguredRedis> {
  static std::unique_ptr<StorageBackend> make() {
    return fresh(lithops::testing::with_redis_storage({}, lithops::testing::unique_bucket("credis")), true);
  }
};

template <>
struct StorageFixture<lithops::detail::LocalhostStorage> {
  static std::unique_ptr<StorageBackend> make() {
    lithops::Config c;
    c.set("localhost.storage_dir", lithops::testing::test_storage_dir());
    return std::make_unique<lithops::detail::LocalhostStorage>(c);
  }
};

/// What the runtime really uses: the backend `lithops.storage` names, inside the decorators
/// make_storage puts around it (retries).
struct ConfiguredLocalhost {};

template <>
struct StorageFixture<ConfiguredLocalhost> {
  static std::unique_ptr<StorageBackend> make() {
    lithops::Config c;
    c.set("lithops.storage", "localhost").set("localhost.storage_dir", lithops::testing::test_storage_dir());
    return lithops::detail::make_storage(c);
  }
};

template <class Backend>
class StorageContract : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = StorageFixture<Backend>::make();
    bucket_ = storage_->bucket();
  }
  // Servers keep data in memory: leave nothing behind.
  void TearDown() override {
    if (storage_) storage_->delete_prefix(bucket_, "");
  }
  StorageBackend& st() { return *storage_; }
  void put(const std::string& key, std::string_view data) { st().put_object(bucket_, key, data); }
  std::string get(const std::string& key) { return st().get_object(bucket_, key); }
  std::string get(const std::string& key, std::uint64_t first, std::uint64_t last) {
    return st().get_object(bucket_, key, ByteRange{first, last});
  }
  std::vector<std::string> list(const std::string& prefix, const std::string& start_after = "") {
    return st().list_keys(bucket_, prefix, start_after);
  }

  std::unique_ptr<StorageBackend> storage_;
  std::string bucket_;
};

using Backends = ::testing::Types<lithops::detail::LocalhostStorage, ConfiguredLocalhost, lithops::detail::S3Storage,
                                  ConfiguredS3, MotoS3, lithops::detail::RedisStorage, ConfiguredRedis,
                                  lithops::detail::AzureStorage, ConfiguredAzure, lithops::detail::GcsStorage,
                                  ConfiguredGcs, lithops::detail::SwiftStorage, ConfiguredSwift>;

// Readable test names: StorageContract/S3.PutThenGet...
struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, lithops::detail::LocalhostStorage>) return "Localhost";
    if constexpr (std::is_same_v<T, ConfiguredLocalhost>) return "ConfiguredLocalhost";
    if constexpr (std::is_same_v<T, lithops::detail::S3Storage>) return "S3";
    if constexpr (std::is_same_v<T, ConfiguredS3>) return "ConfiguredS3";
    if constexpr (std::is_same_v<T, MotoS3>) return "MotoS3";
    if constexpr (std::is_same_v<T, lithops::detail::RedisStorage>) return "Redis";
    if constexpr (std::is_same_v<T, ConfiguredRedis>) return "ConfiguredRedis";
    if constexpr (std::is_same_v<T, lithops::detail::AzureStorage>) return "Azure";
    if constexpr (std::is_same_v<T, ConfiguredAzure>) return "ConfiguredAzure";
    if constexpr (std::is_same_v<T, lithops::detail::GcsStorage>) return "Gcs";
    if constexpr (std::is_same_v<T, ConfiguredGcs>) return "ConfiguredGcs";
    if constexpr (std::is_same_v<T, lithops::detail::SwiftStorage>) return "Swift";
    if constexpr (std::is_same_v<T, ConfiguredSwift>) return "ConfiguredSwift";
    return "?";
  }
};
TYPED_TEST_SUITE(StorageContract, Backends, BackendNames);

std::string binary_blob(std::size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(42);
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// ---- put / get ----

TYPED_TEST(StorageContract, HasANameAndABucket) {
  EXPECT_FALSE(this->st().name().empty());
  EXPECT_FALSE(this->bucket_.empty());
}

TYPED_TEST(StorageContract, PutThenGetReturnsTheSameBytes) {
  this->put("obj", "hello");
  EXPECT_EQ(this->get("obj"), "hello");
  auto blob = binary_blob(3 * 1024 * 1024 + 17);
  this->put("blob.bin", blob);
  EXPECT_EQ(this->get("blob.bin"), blob);
}

TYPED_TEST(StorageContract, PutReplacesAnExistingObject) {
  this->put("obj", "a much longer first version");
  this->put("obj", "short");
  EXPECT_EQ(this->get("obj"), "short");
  EXPECT_EQ(this->st().head_object(this->bucket_, "obj")->size, 5u);
}

TYPED_TEST(StorageContract, EmptyObjectRoundTrips) {
  this->put("empty", "");
  EXPECT_EQ(this->get("empty"), "");
  auto info = this->st().head_object(this->bucket_, "empty");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, 0u);
  EXPECT_THAT(this->list("empty"), ElementsAre("empty"));
  EXPECT_EQ(this->get("empty", 0, 10), "");
}

TYPED_TEST(StorageContract, GetOfAMissingKeyThrowsNoSuchKeyError) {
  EXPECT_THROW(this->get("no/such/key"), lithops::NoSuchKeyError);
  this->put("present", "x");
  EXPECT_THROW(this->get("presen"), lithops::NoSuchKeyError);
  EXPECT_THROW(this->get("no/such/key", 0, 1), lithops::NoSuchKeyError);
}

TYPED_TEST(StorageContract, NoSuchKeyErrorIsAStorageErrorNamingTheKey) {
  try {
    this->get("missing-object");
    FAIL() << "expected NoSuchKeyError";
  } catch (const lithops::StorageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("missing-object"));
  }
}

TYPED_TEST(StorageContract, PutIntoAMissingBucketThrowsNoSuchBucketError) {
  EXPECT_THROW(this->st().put_object("no-such-bucket-" + this->bucket_, "k", "v"), lithops::NoSuchBucketError);
}

// ---- ranges ----

TYPED_TEST(StorageContract, RangeReadsReturnTheRequestedBytes) {
  const std::string data = "0123456789";
  this->put("r", data);
  EXPECT_EQ(this->get("r", 0, 1), "0");
  EXPECT_EQ(this->get("r", 9, 10), "9");
  EXPECT_EQ(this->get("r", 3, 7), "3456");
  EXPECT_EQ(this->get("r", 0, 10), data);
}

TYPED_TEST(StorageContract, RangesPastTheEndAreClippedToTheObject) {
  this->put("r", "0123456789");
  EXPECT_EQ(this->get("r", 8, 100), "89");
  EXPECT_EQ(this->get("r", 0, 1000), "0123456789");
  EXPECT_EQ(this->get("r", 10, 15), "");
  EXPECT_EQ(this->get("r", 50, 60), "");
}

TYPED_TEST(StorageContract, EmptyAndInvertedRangesReadNothing) {
  this->put("r", "0123456789");
  EXPECT_EQ(this->get("r", 5, 5), "");
  EXPECT_EQ(this->get("r", 7, 3), "");
}

TYPED_TEST(StorageContract, RangeReadsOfALargeObjectMatchItsBytes) {
  auto blob = binary_blob(1 << 20);
  this->put("big", blob);
  for (auto [a, b] : {std::pair<std::size_t, std::size_t>{0, 4096}, {4095, 4097}, {500000, 700001}, {(1 << 20) - 3, 1 << 20}})
    EXPECT_EQ(this->get("big", a, b), blob.substr(a, b - a)) << a << ".." << b;
}

// ---- keys ----

TYPED_TEST(StorageContract, KeysWithSpacesUnicodeAndSlashesRoundTrip) {
  const std::vector<std::string> keys = {"with space.txt", "dir with space/file name", "ünïcødé/日本語.bin",
                                         "deep/ly/nested/path/to/key", "symbols/a+b=c,d;e@f!(g)~h&i'j%20k",
                                         "dots/v1.2.3.tar.gz"};
  for (const auto& k : keys) this->put(k, "value of " + k);
  for (const auto& k : keys) EXPECT_EQ(this->get(k), "value of " + k) << k;
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(this->list(""), sorted);
}

// S3 and every object store accept "..": only as a whole path component is it dangerous.
TYPED_TEST(StorageContract, KeysContainingDoubleDotsRoundTrip) {
  this->put("release..notes", "a");
  this->put("data/file..v2", "b");
  EXPECT_EQ(this->get("release..notes"), "a");
  EXPECT_EQ(this->get("data/file..v2"), "b");
  EXPECT_THAT(this->list("data/"), ElementsAre("data/file..v2"));
}

// ---- head ----

TYPED_TEST(StorageContract, HeadObjectReportsTheSizeOrNothing) {
  this->put("h", std::string(1234, 'h'));
  auto info = this->st().head_object(this->bucket_, "h");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, 1234u);
  EXPECT_FALSE(this->st().head_object(this->bucket_, "not-there").has_value());
}

TYPED_TEST(StorageContract, HeadObjectOfAPrefixIsNotAnObject) {
  this->put("folder/inside", "x");
  EXPECT_FALSE(this->st().head_object(this->bucket_, "folder").has_value());
}

// ---- list ----

TYPED_TEST(StorageContract, ListKeysReturnsTheKeysUnderThePrefixSorted) {
  for (const auto* k : {"p/c", "p/a", "p/b/2", "p/b/1", "q/a", "p.txt", "pa/x"}) this->put(k, "v");
  EXPECT_THAT(this->list("p/"), ElementsAre("p/a", "p/b/1", "p/b/2", "p/c"));
  EXPECT_THAT(this->list("q/"), ElementsAre("q/a"));
  EXPECT_THAT(this->list(""), ElementsAre("p.txt", "p/a", "p/b/1", "p/b/2", "p/c", "pa/x", "q/a"));
}

TYPED_TEST(StorageContract, ListKeysMatchesPrefixesThatEndMidName) {
  for (const auto* k : {"logs/app-1", "logs/app-2/x", "logs/apple", "logs/b", "logsbook"}) this->put(k, "v");
  EXPECT_THAT(this->list("logs/app"), ElementsAre("logs/app-1", "logs/app-2/x", "logs/apple"));
  EXPECT_THAT(this->list("logs"), ElementsAre("logs/app-1", "logs/app-2/x", "logs/apple", "logs/b", "logsbook"));
}

TYPED_TEST(StorageContract, ListKeysOfAPrefixWithNoKeysIsEmpty) {
  this->put("a/b", "v");
  EXPECT_THAT(this->list("nothing/"), IsEmpty());
  EXPECT_THAT(this->list("a/c"), IsEmpty());
}

TYPED_TEST(StorageContract, ListKeysStartAfterSkipsThatKeyAndThoseBefore) {
  for (int i = 0; i < 12; ++i) this->put("s/" + std::string(1, static_cast<char>('a' + i)), "v");
  EXPECT_THAT(this->list("s/", "s/i"), ElementsAre("s/j", "s/k", "s/l"));
  EXPECT_THAT(this->list("s/", "s/l"), IsEmpty());
  EXPECT_THAT(this->list("s/", "s/ia"), ElementsAre("s/j", "s/k", "s/l"));  // need not be a key
  EXPECT_EQ(this->list("s/", "").size(), 12u);
  EXPECT_EQ(this->list("s/", "a").size(), 12u);  // before every key
}

TYPED_TEST(StorageContract, ListKeysSortsByteWise) {
  for (const auto* k : {"k/B", "k/a", "k/A", "k/b", "k/_", "k/0"}) this->put(k, "v");
  EXPECT_THAT(this->list("k/"), ElementsAre("k/0", "k/A", "k/B", "k/_", "k/a", "k/b"));
}

// ---- delete ----

TYPED_TEST(StorageContract, DeleteObjectsRemovesOnlyThoseKeys) {
  for (const auto* k : {"d/1", "d/2", "d/3", "d/sub/4"}) this->put(k, "v");
  this->st().delete_objects(this->bucket_, {"d/1", "d/sub/4"});
  EXPECT_THAT(this->list("d/"), ElementsAre("d/2", "d/3"));
  EXPECT_THROW(this->get("d/1"), lithops::NoSuchKeyError);
  EXPECT_EQ(this->get("d/2"), "v");
}

TYPED_TEST(StorageContract, DeleteObjectsOfMissingKeysIsNotAnError) {
  this->put("keep", "v");
  EXPECT_NO_THROW(this->st().delete_objects(this->bucket_, {"never/existed", "also-not"}));
  EXPECT_NO_THROW(this->st().delete_objects(this->bucket_, {}));
  EXPECT_EQ(this->get("keep"), "v");
}

TYPED_TEST(StorageContract, ADeletedKeyCanBePutAgain) {
  this->put("again/x", "1");
  this->st().delete_objects(this->bucket_, {"again/x"});
  this->put("again/x", "2");
  EXPECT_EQ(this->get("again/x"), "2");
}

TYPED_TEST(StorageContract, DeletePrefixRemovesEveryKeyUnderIt) {
  for (const auto* k : {"job/1/a", "job/1/b/c", "job/1/d", "job/10/a", "job/2/a", "other"}) this->put(k, "v");
  this->st().delete_prefix(this->bucket_, "job/1/");
  EXPECT_THAT(this->list(""), ElementsAre("job/10/a", "job/2/a", "other"));
}

TYPED_TEST(StorageContract, DeletePrefixWithoutATrailingSlashRemovesKeysStartingWithIt) {
  for (const auto* k : {"job/1/a", "job/10/a", "job/2/a"}) this->put(k, "v");
  this->st().delete_prefix(this->bucket_, "job/1");
  EXPECT_THAT(this->list(""), ElementsAre("job/2/a"));
}

TYPED_TEST(StorageContract, DeletePrefixOfNothingIsNotAnError) {
  this->put("stay", "v");
  EXPECT_NO_THROW(this->st().delete_prefix(this->bucket_, "absent/"));
  EXPECT_NO_THROW(this->st().delete_prefix(this->bucket_, "absent"));
  EXPECT_THAT(this->list(""), ElementsAre("stay"));
}

// ---- concurrency ----

TYPED_TEST(StorageContract, ConcurrentPutsOfDistinctKeysAreAllListed) {
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) this->put("c/" + std::to_string(t) + "/" + std::to_string(i), "v");
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(this->list("c/").size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// Statuses are polled while workers write them: a reader must never see half an object, and a
// listing must only show keys that were put.
TYPED_TEST(StorageContract, ReadersNeverSeeAPartialObject) {
  const std::string a(256 * 1024, 'a'), b(256 * 1024, 'b');
  this->put("atomic", a);
  std::atomic<bool> stop{false};
  std::string write_failure;
  std::thread writer([&] {
    try {
      for (int i = 0; i < 200; ++i) this->put("atomic", i % 2 ? a : b);
    } catch (const std::exception& e) {
      write_failure = e.what();
    }
    stop = true;
  });
  int reads = 0, bad = 0, bad_keys = 0;
  std::string failure;  // a read that threw: reported after the writer is joined, not a crash
  try {
    while (!stop || reads == 0) {
      auto got = this->get("atomic");
      ++reads;
      if (got != a && got != b) ++bad;
      for (const auto& k : this->list(""))
        if (k != "atomic") ++bad_keys;
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  writer.join();
  EXPECT_EQ(write_failure, "");
  EXPECT_EQ(failure, "") << "after " << reads << " reads";
  EXPECT_EQ(bad, 0) << "of " << reads << " reads";
  EXPECT_EQ(bad_keys, 0);
}

// ---- metadata ----

TYPED_TEST(StorageContract, ListObjectsReportsSizeEtagAndTime) {
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  this->put("m/one", "1");
  this->put("m/three", "333");
  auto entries = this->st().list_objects(this->bucket_, "m/", "");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key, "m/one");
  EXPECT_EQ(entries[0].info.size, 1u);
  EXPECT_EQ(entries[1].key, "m/three");
  EXPECT_EQ(entries[1].info.size, 3u);
  for (const auto& e : entries) {
    EXPECT_FALSE(e.info.etag.empty());
    // Servers keep seconds; allow for that and for a little clock skew.
    EXPECT_GT(e.info.last_modified, before - 5000);
    EXPECT_LT(e.info.last_modified, before + 600000);
  }
  auto head = this->st().head_object(this->bucket_, "m/three");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 3u);
  EXPECT_EQ(head->etag, entries[1].info.etag);
}

TYPED_TEST(StorageContract, TheEtagChangesWithTheContent) {
  this->put("e", "first");
  auto a = this->st().head_object(this->bucket_, "e")->etag;
  this->put("e", "second");
  auto b = this->st().head_object(this->bucket_, "e")->etag;
  EXPECT_NE(a, b);
}

// ---- buckets ----

TYPED_TEST(StorageContract, BucketsCanBeCreatedAndProbed) {
  EXPECT_TRUE(this->st().bucket_exists(this->bucket_));
  auto other = lithops::testing::unique_bucket("new");
  EXPECT_FALSE(this->st().bucket_exists(other));
  this->st().create_bucket(other);
  EXPECT_TRUE(this->st().bucket_exists(other));
  EXPECT_NO_THROW(this->st().create_bucket(other));  // ours already: not an error
  this->st().put_object(other, "k", "in the other bucket");
  EXPECT_EQ(this->st().get_object(other, "k"), "in the other bucket");
  EXPECT_THAT(this->list(""), IsEmpty()) << "buckets are separate namespaces";
  this->st().delete_prefix(other, "");
}

TYPED_TEST(StorageContract, EveryObjectOperationOnAMissingBucketThrowsNoSuchBucketError) {
  const std::string missing = "missing-" + lithops::testing::unique_bucket("b");
  auto& st = this->st();
  EXPECT_THROW(st.get_object(missing, "k"), lithops::NoSuchBucketError);
  EXPECT_THROW(st.get_object(missing, "k", ByteRange{0, 3}), lithops::NoSuchBucketError);
  EXPECT_THROW(st.get_object_stream(missing, "k", std::nullopt, [](std::string_view) {}),
               lithops::NoSuchBucketError);
  EXPECT_THROW(st.head_object(missing, "k"), lithops::NoSuchBucketError);
  EXPECT_THROW(st.list_objects(missing, "", ""), lithops::NoSuchBucketError);
  EXPECT_THROW(st.list_keys(missing, "", ""), lithops::NoSuchBucketError);
  try {
    st.get_object(missing, "k");
  } catch (const lithops::NoSuchBucketError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(missing));
  }
}

// ---- paging ----

// S3 lists 1,000 keys a page: a listing must follow the pages, with prefix and start_after.
TYPED_TEST(StorageContract, ListingGoesPastOnePage) {
  constexpr int kKeys = 1100, kThreads = 8;
  auto key = [](int i) { return fmt::format("page/{:05d}", i); };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += kThreads) this->put(key(i), std::to_string(i));
    });
  for (auto& th : threads) th.join();
  this->put("pagf", "outside the prefix");
  auto keys = this->list("page/");
  ASSERT_EQ(keys.size(), static_cast<std::size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(keys[static_cast<std::size_t>(i)], key(i));
  auto rest = this->list("page/", key(20));
  ASSERT_EQ(rest.size(), static_cast<std::size_t>(kKeys - 21));
  EXPECT_EQ(rest.front(), key(21));
  EXPECT_EQ(this->st().list_objects(this->bucket_, "page/", "").size(), static_cast<std::size_t>(kKeys));
  this->st().delete_prefix(this->bucket_, "page/");
  EXPECT_THAT(this->list(""), ElementsAre("pagf"));
}

// ---- streaming ----

/// A deterministic byte stream of `size` bytes that is never held whole in memory.
struct PatternSource {
  std::uint64_t size, at = 0;
  std::size_t operator()(char* buf, std::size_t cap) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(cap, size - at));
    for (std::size_t i = 0; i < n; ++i) buf[i] = byte(at + i);
    at += n;
    return n;
  }
  static char byte(std::uint64_t i) { return static_cast<char>((i * 2654435761u >> 13) ^ (i >> 20)); }
};

long peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

// Objects far larger than what a call should hold in memory stream both ways (a few hundred
// MiB here; nothing in the path depends on the size, so multi-GiB objects work the same way).
TYPED_TEST(StorageContract, LargeObjectsStreamBothWaysWithoutBeingHeldInMemory) {
  constexpr std::uint64_t kSize = (300ull << 20) + 12345;
  const long rss_before = peak_rss_mib();
  PatternSource src{kSize};
  this->st().put_object_stream(this->bucket_, "huge.bin", std::ref(src), kSize);
  const long rss_after_put = peak_rss_mib();
  EXPECT_EQ(this->st().head_object(this->bucket_, "huge.bin")->size, kSize);
  std::uint64_t at = 0, mismatches = 0;
  this->st().get_object_stream(this->bucket_, "huge.bin", std::nullopt, [&](std::string_view piece) {
    for (char c : piece) mismatches += c != PatternSource::byte(at++);
  });
  EXPECT_EQ(at, kSize);
  EXPECT_EQ(mismatches, 0u);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // Not under sanitizers: ASan's quarantine keeps freed buffers mapped (256 MiB), TSan maps shadow.
  EXPECT_LT(peak_rss_mib() - rss_after_put, 200) << "the download was held in memory";
  if (this->st().streams_uploads()) {
    EXPECT_LT(rss_after_put - rss_before, 200) << "the upload was held in memory";
  }
#else
  (void)rss_before;
  (void)rss_after_put;
#endif
  // A ranged stream across the middle.
  const std::uint64_t first = (150ull << 20) - 7, last = (170ull << 20) + 3;
  at = first;
  mismatches = 0;
  this->st().get_object_stream(this->bucket_, "huge.bin", ByteRange{first, last}, [&](std::string_view piece) {
    for (char c : piece) mismatches += c != PatternSource::byte(at++);
  });
  EXPECT_EQ(at, last);
  EXPECT_EQ(mismatches, 0u);
}

TYPED_TEST(StorageContract, StreamingSmallEmptyAndClippedObjects) {
  auto collect = [&](const std::string& key, std::optional<ByteRange> r) {
    std::string out;
    this->st().get_object_stream(this->bucket_, key, r, [&](std::string_view p) { out.append(p); });
    return out;
  };
  this->put("s", "0123456789");
  this->put("z", "");
  EXPECT_EQ(collect("s", std::nullopt), "0123456789");
  EXPECT_EQ(collect("s", ByteRange{2, 5}), "234");
  EXPECT_EQ(collect("s", ByteRange{8, 100}), "89");
  EXPECT_EQ(collect("s", ByteRange{10, 20}), "");
  EXPECT_EQ(collect("z", std::nullopt), "");
  EXPECT_THROW(collect("missing", std::nullopt), lithops::NoSuchKeyError);
  std::string small = "streamed upload";
  std::size_t off = 0;
  this->st().put_object_stream(this->bucket_, "up", [&](char* buf, std::size_t cap) {
    std::size_t n = std::min<std::size_t>({cap, small.size() - off, 4});  // in tiny pieces
    std::copy_n(small.data() + off, n, buf);
    off += n;
    return n;
  }, std::nullopt);
  EXPECT_EQ(this->get("up"), small);
  this->st().put_object_stream(this->bucket_, "up0", [](char*, std::size_t) { return std::size_t{0}; }, 0);
  EXPECT_EQ(this->get("up0"), "");
}

}  // namespace
