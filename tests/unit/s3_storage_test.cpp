// What the S3 backend (src/storage/s3/) does beyond the storage contract: the encodings SigV4
// depends on, configuration, multipart uploads and parallel downloads in several pieces, the
// error classes of refused and failed requests, and many threads on one backend. The server
// tests run against the test RGW (tests/servers/), which checks signatures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "servers.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/s3_codec.hpp"
#include "storage/s3/s3_storage.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"

namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using lithops::detail::ByteRange;
using lithops::detail::S3Storage;
namespace s3 = lithops::detail::s3;

constexpr std::uint64_t kMiB = 1 << 20;

// ---- encodings ----

TEST(S3Codec, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(s3::uri_encode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(s3::uri_encode("a b/c+d"), "a%20b%2Fc%2Bd");
  EXPECT_EQ(s3::uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(s3::uri_encode("d\xC3\xA9j\xC3\xA0"), "d%C3%A9j%C3%A0");
}

TEST(S3Codec, TheQueryIsSortedByNameEscapedAndWritesValuelessParametersWithEquals) {
  EXPECT_EQ(s3::canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(s3::canonical_query({{"prefix", "p/ x"}, {"max-keys", "3"}, {"list-type", "2"}}),
            "list-type=2&max-keys=3&prefix=p%2F%20x");
  EXPECT_EQ(s3::canonical_query({{"uploadId", "a+b="}, {"partNumber", "7"}}), "partNumber=7&uploadId=a%2Bb%3D");
}

TEST(S3Codec, ListingKeysAreUrlDecodedWithPlusAsSpace) {
  EXPECT_EQ(s3::url_decode("a%2Bb+c%25d%C3%A9"), "a+b c%d\xC3\xA9");
  EXPECT_EQ(s3::url_decode("100%"), "100%");  // a stray '%' stays
}

TEST(S3Codec, DigestsMatchKnownValues) {
  EXPECT_EQ(s3::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s3::sha256_hex("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(s3::md5_base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(s3::md5_base64("hello"), "XUFAKrxLKna5cZ2REBfFkg==");
}

TEST(S3Codec, DatesOfListingsAndHeadersAreMilliseconds) {
  EXPECT_EQ(s3::parse_iso8601_ms("2024-05-01T12:34:56.789Z"), 1714566896789);
  EXPECT_EQ(s3::parse_iso8601_ms("2024-05-01T12:34:56Z"), 1714566896000);
  EXPECT_EQ(s3::parse_http_date_ms("Wed, 01 May 2024 12:34:56 GMT"), 1714566896000);
  EXPECT_EQ(s3::parse_iso8601_ms("garbage"), 0);
}

TEST(S3Codec, ErrorDocumentsGiveTheirCodeAndMessage) {
  auto e = s3::parse_error_xml(R"(<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>)");
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "gone");
  EXPECT_EQ(s3::parse_error_xml("not xml").code, "");
  EXPECT_EQ(s3::strip_quotes("\"abc\""), "abc");
}

// ---- configuration ----

std::string config_error(const lithops::Config& c, const std::string& section) {
  try {
    S3Storage st(c, section);
  } catch (const lithops::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(S3Config, CephAndMinioNeedAnEndpoint) {
  lithops::Config c;
  c.set("ceph.access_key_id", "AK").set("ceph.secret_access_key", "SK");
  c.set("minio.access_key_id", "AK").set("minio.secret_access_key", "SK");
  EXPECT_THAT(config_error(c, "ceph"), HasSubstr("ceph.endpoint"));
  EXPECT_THAT(config_error(c, "minio"), HasSubstr("minio.endpoint"));
  c.set("ceph.endpoint", "127.0.0.1:7480");
  EXPECT_THAT(config_error(c, "ceph"), HasSubstr("ceph.endpoint"));  // not a URL
}

TEST(S3Config, MissingCredentialsNameTheKey) {
  lithops::Config c;
  c.set("aws_s3.access_key_id", "AK");
  EXPECT_THAT(config_error(c, "aws_s3"), HasSubstr("aws_s3.secret_access_key"));
  lithops::Config d;
  d.set("ibm_cos.secret_access_key", "SK");
  EXPECT_THAT(config_error(d, "ibm_cos"), HasSubstr("ibm_cos.access_key_id"));
}

TEST(S3Config, PublicServicesNeedNoEndpointAndGetADefaultBucket) {
  lithops::Config c;
  c.set("aws_s3.region", "eu-west-1").set("aws_s3.access_key_id", "AKIAEXAMPLE").set("aws_s3.secret_access_key", "x");
  S3Storage st(c, "aws_s3");
  EXPECT_EQ(st.name(), "aws_s3");
  EXPECT_EQ(st.bucket(), "lithops-eu-west-1-akiaexa");
  EXPECT_TRUE(st.streams_uploads());
}

TEST(S3Config, OracleAndAlibabaAreAddressedAsTheirServicesRequire) {
  // Presigned URLs are computed locally: they show the endpoint and addressing chosen.
  lithops::Config o;
  o.set("oracle_oss.region", "eu-frankfurt-1").set("oracle_oss.access_key_id", "AK").set("oracle_oss.secret_access_key", "SK");
  EXPECT_THAT(config_error(o, "oracle_oss"), HasSubstr("oracle_oss.namespace: required"));
  o.set("oracle_oss.namespace", "mytenancy");
  S3Storage oracle(o, "oracle_oss");
  EXPECT_THAT(*oracle.presigned_get_url("data", "k", std::chrono::seconds(60)),
              ::testing::StartsWith("https://mytenancy.compat.objectstorage.eu-frankfurt-1.oraclecloud.com/data/k?"));
  lithops::Config a;
  a.set("aliyun_oss.region", "cn-shanghai").set("aliyun_oss.access_key_id", "AK").set("aliyun_oss.secret_access_key", "SK");
  S3Storage aliyun(a, "aliyun_oss");
  EXPECT_THAT(*aliyun.presigned_get_url("data", "k", std::chrono::seconds(60)),
              ::testing::StartsWith("https://data.oss-cn-shanghai.aliyuncs.com/k?"));
}

TEST(S3Config, PartsBelowFiveMebibytesAreRejected) {
  auto c = lithops::testing::with_s3_storage({});
  c.set("ceph.multipart_chunksize", 1024 * 1024);
  EXPECT_THAT(config_error(c, "ceph"), HasSubstr("ceph.multipart_chunksize"));
}

TEST(S3Config, OnlyTheS3SectionsAreS3) {
  for (const char* s : {"aws_s3", "minio", "ceph", "ibm_cos", "oracle_oss", "aliyun_oss"}) EXPECT_TRUE(lithops::detail::is_s3_section(s)) << s;
  EXPECT_FALSE(lithops::detail::is_s3_section("redis"));
  EXPECT_FALSE(lithops::detail::is_s3_section("localhost"));
}

// ---- against the test RGW ----

/// A backend on a fresh bucket of the test RGW, with small parts so that a few MiB take
/// several of them.
class S3Server : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = lithops::testing::with_s3_storage({}, lithops::testing::unique_bucket("s3u"));
    config_.set("ceph.multipart_threshold", 5 * kMiB).set("ceph.multipart_chunksize", 5 * kMiB);
    config_.set("ceph.max_concurrency", 3);
    st_ = std::make_unique<S3Storage>(config_, "ceph");
    bucket_ = st_->bucket();
    st_->create_bucket(bucket_);
  }
  void TearDown() override {
    if (st_) st_->delete_prefix(bucket_, "");
  }
  /// Multipart uploads still open in the bucket (an aborted one must not be).
  std::vector<std::string> open_uploads() {
    s3::ClientSettings s;
    s.scheme = "http";
    s.authority = "127.0.0.1:7480";
    s.region = "us-east-1";
    s.access_key_id = "AKTEST";
    s.secret_access_key = "SKTEST";
    s3::Client client(s);
    s3::Request req{.action = "ListMultipartUploads", .method = "GET", .bucket = bucket_};
    req.query = {{"uploads", ""}};
    auto resp = client.send_ok(req);
    pugi::xml_document doc;
    doc.load_buffer(resp.body.data(), resp.body.size());
    std::vector<std::string> keys;
    for (auto u : doc.child("ListMultipartUploadsResult").children("Upload")) keys.emplace_back(u.child_value("Key"));
    return keys;
  }

  lithops::Config config_;
  std::unique_ptr<S3Storage> st_;
  std::string bucket_;
};

char pattern(std::uint64_t i) { return static_cast<char>((i * 2654435761u >> 13) ^ (i >> 20)); }

std::string pattern_blob(std::uint64_t first, std::uint64_t last) {
  std::string s(last - first, '\0');
  for (std::uint64_t i = first; i < last; ++i) s[i - first] = pattern(i);
  return s;
}

TEST_F(S3Server, StreamedUploadsGoUpInPartsAndReadBackWhole) {
  const std::uint64_t size = 23 * kMiB + 7;
  std::uint64_t at = 0;
  st_->put_object_stream(bucket_, "mp.bin", [&](char* buf, std::size_t cap) {
    std::size_t n = std::min<std::uint64_t>({cap, size - at, 300000});  // uneven reads
    for (std::size_t i = 0; i < n; ++i) buf[i] = pattern(at + i);
    at += n;
    return n;
  }, std::nullopt);
  auto info = st_->head_object(bucket_, "mp.bin");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, size);
  EXPECT_THAT(info->etag, EndsWith("-5"));  // 4 parts of 5 MiB and the rest
  EXPECT_TRUE(st_->get_object(bucket_, "mp.bin", std::nullopt) == pattern_blob(0, size));
  EXPECT_THAT(open_uploads(), IsEmpty());
}

TEST_F(S3Server, LargePutsGoMultipartToo) {
  auto blob = pattern_blob(0, 12 * kMiB);
  st_->put_object(bucket_, "big", blob);
  EXPECT_THAT(st_->head_object(bucket_, "big")->etag, EndsWith("-3"));
  EXPECT_TRUE(st_->get_object(bucket_, "big", std::nullopt) == blob);
}

TEST_F(S3Server, ASourceThatFailsAbortsTheUpload) {
  std::uint64_t at = 0;
  auto failing = [&](char* buf, std::size_t cap) -> std::size_t {
    if (at > 12 * kMiB) throw std::runtime_error("source broke");
    std::fill_n(buf, cap, 'x');
    at += cap;
    return cap;
  };
  EXPECT_THROW(st_->put_object_stream(bucket_, "broken", failing, std::nullopt), std::runtime_error);
  EXPECT_FALSE(st_->head_object(bucket_, "broken"));
  EXPECT_THAT(open_uploads(), IsEmpty());
}

TEST_F(S3Server, ParallelDownloadsDeliverInOrder) {
  const std::uint64_t size = 26 * kMiB + 3;
  st_->put_object(bucket_, "dl", pattern_blob(0, size));
  for (auto [first, last] : {std::pair<std::uint64_t, std::uint64_t>{0, UINT64_MAX},
                             {3 * kMiB + 1, 21 * kMiB + 5},
                             {kMiB, UINT64_MAX},
                             {20 * kMiB, 100 * kMiB}}) {
    std::optional<ByteRange> range;
    if (first > 0 || last != UINT64_MAX) range = ByteRange{first, last};
    std::uint64_t at = first, bad = 0;
    st_->get_object_stream(bucket_, "dl", range, [&](std::string_view piece) {
      for (char c : piece) bad += c != pattern(at++);
    });
    EXPECT_EQ(at, std::min(last, size)) << first;
    EXPECT_EQ(bad, 0u) << first;
  }
}

TEST_F(S3Server, ASinkThatThrowsStopsTheDownloadWithItsException) {
  st_->put_object(bucket_, "dl", pattern_blob(0, 16 * kMiB));
  int calls = 0;
  EXPECT_THROW(st_->get_object_stream(bucket_, "dl", std::nullopt,
                                      [&](std::string_view) {
                                        if (++calls == 2) throw std::logic_error("sink full");
                                      }),
               std::logic_error);
}

TEST_F(S3Server, AWrongSecretIsARefusedRequestThatIsNotRetriedAndNeverShown) {
  auto c = config_;
  c.set("ceph.secret_access_key", "WRONG-SECRET-VALUE");
  auto st = lithops::detail::make_storage(c);  // with the retrying decorator
  st_->put_object(bucket_, "k", "v");
  const auto start = std::chrono::steady_clock::now();
  try {
    st->get_object(bucket_, "k");
    FAIL() << "expected StorageRequestError";
  } catch (const lithops::StorageRequestError& e) {
    EXPECT_THAT(e.what(), HasSubstr("403"));
    EXPECT_THAT(e.what(), HasSubstr(bucket_));
    EXPECT_THAT(e.what(), Not(HasSubstr("WRONG-SECRET")));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << "it was retried";
  EXPECT_THROW(st->put_object(bucket_, "k", "v"), lithops::StorageRequestError);
  EXPECT_THROW(st->list_keys(bucket_, ""), lithops::StorageRequestError);
  EXPECT_THROW(st->bucket_exists(bucket_), lithops::StorageRequestError);
}

TEST_F(S3Server, AnUnreachableServerIsATransientStorageError) {
  auto c = config_;
  c.set("ceph.endpoint", "http://127.0.0.1:1");
  S3Storage st(c, "ceph");
  try {
    st.get_object(bucket_, "k", std::nullopt);
    FAIL() << "expected StorageError";
  } catch (const lithops::StorageRequestError& e) {
    FAIL() << "a refused connection is transient: " << e.what();
  } catch (const lithops::StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'k'"));
  }
}

TEST_F(S3Server, DeletesMoreKeysThanOneRequestTakes) {
  std::vector<std::string> keys;
  for (int i = 0; i < 2300; ++i) keys.push_back("del/" + std::to_string(i));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < keys.size(); i += 8) st_->put_object(bucket_, keys[i], "v");
    });
  for (auto& th : threads) th.join();
  keys.push_back("del/never-existed");
  st_->delete_objects(bucket_, keys);
  EXPECT_THAT(st_->list_keys(bucket_, "del/", ""), IsEmpty());
}

TEST_F(S3Server, KeysWithDotSegmentsAndControlCharactersRoundTrip) {
  const std::vector<std::string> keys = {"a/../b", "./c", "d//e", "tab\tkey", "nl\nkey", "ctl\x01key", "%2F"};
  for (const auto& k : keys) st_->put_object(bucket_, k, "value " + k);
  for (const auto& k : keys) EXPECT_EQ(st_->get_object(bucket_, k, std::nullopt), "value " + k);
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(st_->list_keys(bucket_, "", ""), sorted);
  st_->delete_objects(bucket_, keys);
  EXPECT_THAT(st_->list_keys(bucket_, "", ""), IsEmpty());
}

TEST_F(S3Server, ManyThreadsShareOneBackend) {
  for (int threads : {2, 16}) {
    std::vector<std::thread> pool;
    std::atomic<int> wrong{0};
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          std::string key = "mt/" + std::to_string(t) + "/" + std::to_string(i);
          std::string value(1000 + t * 37 + i, static_cast<char>('a' + t % 26));
          st_->put_object(bucket_, key, value);
          if (st_->get_object(bucket_, key, std::nullopt) != value) ++wrong;
          if (st_->head_object(bucket_, key)->size != value.size()) ++wrong;
        }
      });
    for (auto& th : pool) th.join();
    EXPECT_EQ(wrong, 0) << threads << " threads";
    EXPECT_EQ(st_->list_keys(bucket_, "mt/", "").size(), static_cast<std::size_t>(threads * 20));
    st_->delete_prefix(bucket_, "mt/");
  }
}

}  // namespace
