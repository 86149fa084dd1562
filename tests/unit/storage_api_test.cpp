// The public Storage API (lithops::Storage), the storage OS API (lithops::CloudFS) and cloud
// objects, on every backend against the real servers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "servers.hpp"
#include "test_config.hpp"
#include "util/subprocess.hpp"

namespace {

using ::testing::ElementsAre;

std::string file_content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class StorageApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string scratch = lithops::testing::test_storage_dir();
    lithops::Config c;
    c.set("lithops.log_level", "WARNING");
    c.set("localhost.storage_dir", scratch + "/storage");
    c = lithops::testing::with_storage(c, GetParam());
    storage_ = std::make_unique<lithops::Storage>(c);
    bucket_ = lithops::testing::unique_bucket("api");
    storage_->create_bucket(bucket_);
    dir_ = scratch + "/files";
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (storage_) storage_->delete_objects(bucket_, storage_->list_keys(bucket_));
  }
  lithops::Storage& st() { return *storage_; }
  std::unique_ptr<lithops::Storage> storage_;
  std::string bucket_, dir_;
};

TEST_P(StorageApi, APresignedUrlLetsCurlReadTheObjectWhereTheStorageHasThem) {
  st().put_object(bucket_, "shared/result.txt", "for the browser");
  auto url = st().presigned_url(bucket_, "shared/result.txt", std::chrono::minutes(5));
  if (GetParam() == "localhost" || GetParam() == "redis") {
    EXPECT_FALSE(url) << "no URL can reach " << GetParam() << " storage";
    return;
  }
  ASSERT_TRUE(url);
  auto got = lithops::detail::run_command({"curl", "-sf", *url});
  EXPECT_TRUE(got.ok()) << got.describe();
  EXPECT_EQ(got.out, "for the browser");
}

TEST_P(StorageApi, PutGetHeadListDelete) {
  st().put_object(bucket_, "a/one.txt", "one");
  st().put_object(bucket_, "a/two.txt", std::string("two!"));
  std::istringstream body("streamed body");
  st().put_object(bucket_, "b/stream.txt", body);
  EXPECT_EQ(st().get_object(bucket_, "a/one.txt"), "one");
  EXPECT_EQ(st().get_object(bucket_, "b/stream.txt"), "streamed body");
  EXPECT_EQ(st().get_object(bucket_, "b/stream.txt", lithops::ByteRange{9, 13}), "body");
  std::ostringstream out;
  st().get_object(bucket_, "b/stream.txt", out, lithops::ByteRange{0, 8});
  EXPECT_EQ(out.str(), "streamed");
  auto info = st().head_object(bucket_, "a/two.txt");
  EXPECT_EQ(info.key, "a/two.txt");
  EXPECT_EQ(info.size, 4u);
  EXPECT_FALSE(info.etag.empty());
  EXPECT_THAT(st().list_keys(bucket_, "a/"), ElementsAre("a/one.txt", "a/two.txt"));
  auto objs = st().list_objects(bucket_);
  ASSERT_EQ(objs.size(), 3u);
  EXPECT_EQ(objs[2].key, "b/stream.txt");
  EXPECT_EQ(objs[2].size, 13u);
  st().delete_object(bucket_, "a/one.txt");
  EXPECT_THROW(st().head_object(bucket_, "a/one.txt"), lithops::NoSuchKeyError);
  st().delete_objects(bucket_, {"a/two.txt", "b/stream.txt", "never"});
  EXPECT_TRUE(st().list_keys(bucket_).empty());
}

TEST_P(StorageApi, BucketsAreProbedAndMissingOnesAreTypedErrors) {
  EXPECT_NO_THROW(st().head_bucket(bucket_));
  EXPECT_THROW(st().head_bucket("missing-" + bucket_), lithops::NoSuchBucketError);
  EXPECT_THROW(st().get_object("missing-" + bucket_, "k"), lithops::NoSuchBucketError);
  EXPECT_THROW(st().get_object(bucket_, "k"), lithops::NoSuchKeyError);
}

TEST_P(StorageApi, UploadAndDownloadLargeFilesInParts) {
  // Above the multipart and parallel-download thresholds (32 MiB).
  auto data = random_bytes((40u << 20) + 321, 5);
  auto src = dir_ + "/big.bin";
  { std::ofstream(src, std::ios::binary) << data; }
  EXPECT_EQ(st().upload_file(src, bucket_), "big.bin");
  EXPECT_EQ(st().head_object(bucket_, "big.bin").size, data.size());
  auto dst = st().download_file(bucket_, "big.bin", dir_ + "/copy.bin");
  EXPECT_EQ(file_content(dst), data);
  // Small ones, with a key of our choice.
  { std::ofstream(dir_ + "/small.txt") << "small"; }
  EXPECT_EQ(st().upload_file(dir_ + "/small.txt", bucket_, "x/y/small"), "x/y/small");
  EXPECT_EQ(file_content(st().download_file(bucket_, "x/y/small", dir_ + "/small-copy")), "small");
  EXPECT_THROW(st().download_file(bucket_, "missing", dir_ + "/nothing"), lithops::NoSuchKeyError);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/nothing"));
}

TEST_P(StorageApi, CloudObjectsHoldTypedValues) {
  std::map<std::string, std::vector<double>> value{{"a", {1.5, 2.5}}, {"b", {}}};
  auto obj = st().put_cloudobject(value);
  EXPECT_EQ(obj.backend, st().backend());
  EXPECT_EQ(obj.bucket, st().bucket());
  EXPECT_THAT(obj.key, ::testing::StartsWith("lithops.jobs/tmp/"));
  EXPECT_EQ(st().get_cloudobject(obj), value);
  auto named = st().put_cloudobject(std::string("named"), bucket_, "objs/named");
  EXPECT_EQ(st().get_cloudobject(named), "named");
  st().delete_cloudobject(obj);
  EXPECT_THROW(st().get_cloudobject(obj), lithops::NoSuchKeyError);
  named.backend = "elsewhere";
  EXPECT_THROW(st().get_cloudobject(named), lithops::StorageError);
}

TEST_P(StorageApi, CloudFsReadsAndWritesFilesAsStreams) {
  lithops::CloudFS fs(st(), bucket_);
  {
    auto out = fs.open_write("dir/notes.txt");
    for (int i = 0; i < 1000; ++i) *out << "line " << i << '\n';
    out->close();
  }
  auto in = fs.open_read("dir/notes.txt");
  std::string line;
  int n = 0;
  while (std::getline(*in, line)) EXPECT_EQ(line, "line " + std::to_string(n++));
  EXPECT_EQ(n, 1000);
  EXPECT_THROW(fs.open_read("dir/none.txt"), lithops::NoSuchKeyError);
}

TEST_P(StorageApi, CloudFsStreamsAWriteLargerThanItsBuffer) {
  lithops::CloudFS fs(st(), bucket_);
  auto data = random_bytes((36u << 20) + 7, 6);  // past the 16 MiB hand-over to the upload thread
  {
    auto out = fs.open_write("big/file.bin");
    for (std::size_t at = 0; at < data.size(); at += 1 << 20) out->write(data.data() + at, std::min<std::size_t>(1 << 20, data.size() - at));
    out->close();
  }
  EXPECT_EQ(fs.stat("big/file.bin").size, data.size());
  EXPECT_EQ(fs.read_file("big/file.bin"), data);
}

TEST_P(StorageApi, CloudFsListsWalksAndRemoves) {
  lithops::CloudFS fs(st(), bucket_);
  for (const auto* p : {"top.txt", "d1/a.txt", "d1/b.txt", "d1/sub/c.txt", "d2/e.txt", "lithops.jobs/hidden"})
    fs.write_file(p, p);
  EXPECT_THAT(fs.listdir(""), ElementsAre("d1", "d2", "top.txt"));
  EXPECT_THAT(fs.listdir("d1", true), ElementsAre("a.txt", "b.txt", "sub/"));
  EXPECT_THAT(fs.listdir("/d1/sub/"), ElementsAre("c.txt"));
  EXPECT_THROW(fs.listdir("nope"), lithops::NoSuchKeyError);
  auto tree = fs.walk("");
  ASSERT_EQ(tree.size(), 4u);
  EXPECT_EQ(tree[0].dirpath, "");
  EXPECT_THAT(tree[0].dirnames, ElementsAre("d1", "d2"));
  EXPECT_THAT(tree[0].filenames, ElementsAre("top.txt"));
  EXPECT_EQ(tree[1].dirpath, "d1");
  EXPECT_THAT(tree[1].dirnames, ElementsAre("sub"));
  EXPECT_THAT(tree[1].filenames, ElementsAre("a.txt", "b.txt"));
  EXPECT_EQ(tree[3].dirpath, "d1/sub");
  EXPECT_TRUE(fs.exists("d1"));
  EXPECT_TRUE(fs.isdir("d1/sub"));
  EXPECT_FALSE(fs.isfile("d1"));
  EXPECT_TRUE(fs.isfile("d1/a.txt"));
  EXPECT_FALSE(fs.exists("d3"));
  auto s = fs.stat("d1/a.txt");
  EXPECT_EQ(s.size, 8u);
  EXPECT_FALSE(s.is_dir);
  EXPECT_TRUE(fs.stat("d1").is_dir);
  EXPECT_THROW(fs.stat("nothing"), lithops::NoSuchKeyError);
  fs.makedirs("new/dir");  // implicit: nothing to do
  fs.remove("d1/a.txt");
  EXPECT_FALSE(fs.exists("d1/a.txt"));
  EXPECT_THROW(fs.remove("d1/a.txt"), lithops::NoSuchKeyError);
  fs.rmtree("d1");
  EXPECT_THAT(fs.listdir(""), ElementsAre("d2", "top.txt"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageApi, ::testing::Values("localhost", "s3", "redis", "azure", "gcs", "swift"),
                         [](const auto& info) { return info.param; });

TEST(StorageConfig, AnUnknownBackendNamesTheChoices) {
  try {
    lithops::Storage st(lithops::Config(), "gcs");
    FAIL();
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("aws_s3"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("redis"));
  }
}

TEST(StorageConfig, CredentialsNeverAppearInErrorsOrPrintedConfig) {
  auto c = lithops::testing::with_s3_storage({}, lithops::testing::unique_bucket("cred"));
  c.set("ceph.secret_access_key", "TOP-SECRET-VALUE");
  EXPECT_THAT(c.to_yaml(), ::testing::Not(::testing::HasSubstr("TOP-SECRET-VALUE")));
  lithops::Storage st(c);
  try {
    st.put_object(st.bucket(), "k", "v");  // a wrong secret: refused, and not retried
    FAIL() << "expected a refusal";
  } catch (const lithops::StorageRequestError& e) {
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("TOP-SECRET-VALUE")));
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("AKTEST")));
  }
}

TEST(StorageConfig, S3SectionsNeedTheirEndpointAndCredentials) {
  lithops::Config c;
  c.set("lithops.storage", "minio");
  try {
    lithops::Storage st(c);
    FAIL();
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("minio.endpoint"));
  }
}

}  // namespace
