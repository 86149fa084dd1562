// Presigned GET URLs (src/storage/s3/s3_presign.hpp): AWS's own worked example, then against
// the test RGW, which checks signatures: the URL alone fetches the object; a tampered or
// expired one is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>

#include "servers.hpp"
#include "storage/s3/s3_presign.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
namespace s3 = lithops::detail::s3;

// AWS's example in "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
s3::ClientSettings aws_example() {
  s3::ClientSettings s;
  s.scheme = "https";
  s.authority = "s3.amazonaws.com";
  s.region = "us-east-1";
  s.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  s.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  s.virtual_addressing = true;
  return s;
}

std::chrono::system_clock::time_point may_24_2013() {
  return std::chrono::system_clock::from_time_t(1369353600);  // 2013-05-24T00:00:00Z
}

TEST(S3Presign, MatchesAwsWorkedExample) {
  EXPECT_EQ(s3::presign_get(aws_example(), "examplebucket", "test.txt", 86400s, may_24_2013()),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3Presign, PathStyleSessionTokenAndBounds) {
  auto s = aws_example();
  s.virtual_addressing = false;
  s.session_token = "tok/en+";
  auto url = s3::presign_get(s, "examplebucket", "dir/a b.txt", 60s, may_24_2013());
  EXPECT_THAT(url, ::testing::StartsWith("https://s3.amazonaws.com/examplebucket/dir/a%20b.txt?"));
  EXPECT_THAT(url, HasSubstr("&X-Amz-Security-Token=tok%2Fen%2B&"));
  EXPECT_THAT(url, HasSubstr("X-Amz-SignedHeaders=host&"));
  EXPECT_THROW(s3::presign_get(s, "b", "k", 0s, may_24_2013()), lithops::StorageRequestError);
  EXPECT_THROW(s3::presign_get(s, "b", "k", s3::kMaxPresignTtl + 1s, may_24_2013()), lithops::StorageRequestError);
}

TEST(S3Presign, OnlyS3StorageHasThem) {
  auto c = lithops::testing::test_config();
  EXPECT_FALSE(lithops::detail::make_storage(c)->presigned_get_url("b", "k", 60s));
}

struct Fetched {
  long status = 0;
  std::string body;
};

// A plain GET, as curl on a remote host does it: no credentials, no headers of ours.
Fetched fetch(const std::string& url) {
  Fetched f;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, +[](char* p, std::size_t s, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, s * n);
    return s * n;
  });
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &f.body);
  EXPECT_EQ(curl_easy_perform(h.get()), CURLE_OK) << url;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &f.status);
  return f;
}

class S3PresignOnRgw : public ::testing::Test {
 protected:
  S3PresignOnRgw() {
    config_ = lithops::testing::with_s3_storage(lithops::testing::test_config(), lithops::testing::unique_bucket("ps"));
    st_ = lithops::detail::make_storage(config_);
    st_->create_bucket(st_->bucket());
    st_->put_object(st_->bucket(), key_, bytes_);
  }
  // What the backend signs with, for signing at another time.
  s3::ClientSettings settings() const {
    s3::ClientSettings s;
    s.scheme = "http";
    s.authority = "127.0.0.1:7480";
    s.region = config_.get_string("ceph.region");
    s.access_key_id = config_.get_string("ceph.access_key_id");
    s.secret_access_key = config_.get_string("ceph.secret_access_key");
    return s;
  }
  lithops::Config config_;
  std::unique_ptr<lithops::detail::StorageBackend> st_;
  const std::string key_ = "lithops.runtimes/ab cd/runtime+1";  // characters that must be escaped
  const std::string bytes_ = std::string("runtime bytes \0\xff", 16) + std::string(100000, 'x');
};

TEST_F(S3PresignOnRgw, TheUrlAloneFetchesTheObject) {
  auto url = st_->presigned_get_url(st_->bucket(), key_, 300s);
  ASSERT_TRUE(url);
  EXPECT_THAT(*url, Not(HasSubstr(config_.get_string("ceph.secret_access_key"))));
  auto f = fetch(*url);
  EXPECT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.body, bytes_);
  // Signed now by hand with the same settings: the same answer.
  EXPECT_EQ(fetch(s3::presign_get(settings(), st_->bucket(), key_, 300s, std::chrono::system_clock::now())).body,
            bytes_);
}

TEST_F(S3PresignOnRgw, ATamperedUrlIsRefused) {
  auto url = *st_->presigned_get_url(st_->bucket(), key_, 300s);
  std::string bad_signature = url;
  bad_signature.back() = bad_signature.back() == '0' ? '1' : '0';
  EXPECT_EQ(fetch(bad_signature).status, 403);
  // Another key with the same signature.
  std::string other_key = url;
  other_key.replace(other_key.find("runtime%2B1"), 11, "runtime%2B2");
  EXPECT_EQ(fetch(other_key).status, 403);
}

TEST_F(S3PresignOnRgw, AnExpiredUrlIsRefused) {
  const auto an_hour_ago = std::chrono::system_clock::now() - 1h;
  EXPECT_EQ(fetch(s3::presign_get(settings(), st_->bucket(), key_, 60s, an_hour_ago)).status, 403);
  // Signed an hour ago for two hours: still valid, so the 403 above was the expiry.
  EXPECT_EQ(fetch(s3::presign_get(settings(), st_->bucket(), key_, 2h, an_hour_ago)).status, 200);
}

}  // namespace
