// IBM Cloud Object Storage with an IAM API key (`ibm_cos.api_key`): the key is exchanged at
// IAM's token endpoint for a bearer token that COS requests carry instead of a SigV4 signature.
// Neither IAM nor COS can run here, so a loopback listener plays both and the tests check the
// requests against the form IBM documents (POST /identity/token, grant type
// urn:ibm:params:oauth:grant-type:apikey; "Authorization: Bearer" on COS). COS's S3 side itself
// is the S3 client that RGW and moto already hold to the storage contract.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "loopback_http.hpp"
#include "storage/s3/ibm_iam.hpp"
#include "storage/s3/s3_storage.hpp"
#include "storage/storage_backend.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using lithops::detail::S3Storage;
using lithops::testing::Captured;
using lithops::testing::http;
using lithops::testing::Listener;
using Json = nlohmann::json;

constexpr const char* kApiKey = "api-key-that-must-not-leak";

class IbmIam : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Listener>([this](const Captured& r) {
      if (r.target == "/identity/token") {
        if (refuse_key_)
          return http(400, R"({"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.",)"
                           R"("context":{"requestId":"x"}})");
        if (iam_status_ != 200) return http(iam_status_, R"({"errorCode":"BXNIM0400E","errorMessage":"busy"})");
        return http(200, Json{{"access_token", "tok-" + std::to_string(++issued_)},
                              {"refresh_token", "not-used"},
                              {"token_type", "Bearer"},
                              {"expires_in", expires_in_.load()},
                              {"expiration", 0}}
                             .dump());
      }
      // COS: a HEAD of an object, refusing the first token when asked to.
      if (refuse_first_token_ && r.header("authorization") == "Bearer tok-1")
        return http(401, "", "x-amz-request-id: 1\r\n");
      return http(200, "", "ETag: \"0123456789abcdef0123456789abcdef\"\r\nLast-Modified: Wed, 01 May 2024 12:34:56 GMT\r\n");
    });
    config_.set("ibm_cos.endpoint", server_->url());
    config_.set("ibm_cos.iam_endpoint", server_->url());
    config_.set("ibm_cos.region", "eu-de");
    config_.set("ibm_cos.storage_bucket", "bkt");
    config_.set("ibm_cos.api_key", kApiKey);
  }
  std::vector<Captured> token_requests() const { return server_->requests_to("/identity/"); }
  std::vector<Captured> cos_requests() const { return server_->requests_to("/bkt/"); }

  std::unique_ptr<Listener> server_;
  lithops::Config config_;
  std::atomic<int> issued_{0};
  std::atomic<int> expires_in_{3600};
  std::atomic<int> iam_status_{200};
  std::atomic<bool> refuse_key_{false};
  std::atomic<bool> refuse_first_token_{false};
};

TEST_F(IbmIam, TheApiKeyIsExchangedAsIbmDocumentsAndCosGetsTheBearerTokenUnsigned) {
  S3Storage st(config_, "ibm_cos");
  auto info = st.head_object("bkt", "k");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->etag, "0123456789abcdef0123456789abcdef");
  auto tokens = token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].method, "POST");
  EXPECT_EQ(tokens[0].header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(tokens[0].header("accept"), "application/json");
  EXPECT_EQ(tokens[0].body, std::string("grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=") + kApiKey);
  auto cos = cos_requests();
  ASSERT_EQ(cos.size(), 1u);
  EXPECT_EQ(cos[0].method, "HEAD");
  EXPECT_EQ(cos[0].header("authorization"), "Bearer tok-1");
  EXPECT_FALSE(cos[0].has_header("x-amz-content-sha256"));  // not a SigV4 request
  EXPECT_FALSE(cos[0].has_header("x-amz-date"));
}

TEST_F(IbmIam, ATokenIsReusedWhileValidAndRenewedBeforeItExpires) {
  {
    S3Storage st(config_, "ibm_cos");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(st.head_object("bkt", "k"));
    EXPECT_EQ(token_requests().size(), 1u);
  }
  expires_in_ = 0;  // already at its renewal time: every request needs a new one
  S3Storage st(config_, "ibm_cos");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(st.head_object("bkt", "k"));
  EXPECT_EQ(token_requests().size(), 4u);
  EXPECT_EQ(cos_requests().back().header("authorization"), "Bearer tok-4");
}

TEST_F(IbmIam, ThreadsShareOneTokenFetch) {
  S3Storage st(config_, "ibm_cos");
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      if (st.head_object("bkt", "k")) ++found;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(found, 8);
  EXPECT_EQ(token_requests().size(), 1u);
}

TEST_F(IbmIam, ATokenCosRefusesIsDroppedAndTheRequestSentOnceMoreWithAFreshOne) {
  refuse_first_token_ = true;
  S3Storage st(config_, "ibm_cos");
  ASSERT_TRUE(st.head_object("bkt", "k"));
  EXPECT_EQ(token_requests().size(), 2u);
  auto cos = cos_requests();
  ASSERT_EQ(cos.size(), 2u);
  EXPECT_EQ(cos[0].header("authorization"), "Bearer tok-1");
  EXPECT_EQ(cos[1].header("authorization"), "Bearer tok-2");
}

TEST_F(IbmIam, ARefusedApiKeyIsAnAuthenticationFailureNamingItsKeyNotItsValue) {
  refuse_key_ = true;
  S3Storage st(config_, "ibm_cos");
  try {
    st.head_object("bkt", "k");
    FAIL() << "a refused API key was accepted";
  } catch (const lithops::StorageRequestError& e) {  // not retried: no retry changes it
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("authentication failed"));
    EXPECT_THAT(what, HasSubstr("ibm_cos.api_key"));
    EXPECT_THAT(what, HasSubstr("BXNIM0415E"));
    EXPECT_THAT(what, Not(HasSubstr(kApiKey)));
  }
  EXPECT_TRUE(cos_requests().empty());
}

TEST_F(IbmIam, AnIamThatIsBusyIsATransientError) {
  iam_status_ = 503;
  S3Storage st(config_, "ibm_cos");
  try {
    st.head_object("bkt", "k");
    FAIL() << "a busy IAM gave a token";
  } catch (const lithops::StorageRequestError& e) {
    FAIL() << "a busy IAM is not a refusal: " << e.what();
  } catch (const lithops::StorageError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("HTTP 503"));
    EXPECT_THAT(std::string(e.what()), Not(HasSubstr(kApiKey)));
  }
}

TEST_F(IbmIam, TheIbmSectionsKeyIsTheFallbackAndHmacKeysComeFirst) {
  config_.set("ibm_cos.api_key", "");
  config_.set("ibm.iam_api_key", kApiKey);
  {
    S3Storage st(config_, "ibm_cos");
    ASSERT_TRUE(st.head_object("bkt", "k"));
    ASSERT_EQ(token_requests().size(), 1u);
    EXPECT_THAT(token_requests()[0].body, HasSubstr(kApiKey));
  }
  config_.set("ibm_cos.access_key_id", "HMACKEY");
  config_.set("ibm_cos.secret_access_key", "HMACSECRET");
  S3Storage st(config_, "ibm_cos");
  ASSERT_TRUE(st.head_object("bkt", "k"));
  EXPECT_EQ(token_requests().size(), 1u);  // no new token: signed with the HMAC keys
  EXPECT_THAT(cos_requests().back().header("authorization"), StartsWith("AWS4-HMAC-SHA256 Credential=HMACKEY/"));
}

TEST_F(IbmIam, WithAnApiKeyTheBucketMustBeNamedAndNoUrlIsPresigned) {
  config_.set("ibm_cos.storage_bucket", "");
  try {
    S3Storage st(config_, "ibm_cos");
    FAIL() << "no bucket and no key id to name one after";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("ibm_cos.storage_bucket"));
  }
  config_.set("ibm_cos.storage_bucket", "bkt");
  S3Storage st(config_, "ibm_cos");
  EXPECT_FALSE(st.presigned_get_url("bkt", "k", std::chrono::seconds(60)));  // needs an HMAC secret
}

TEST(IbmIamConfig, TheApiKeyIsASecretThatPrintedConfigurationsMask) {
  lithops::Config c;
  c.set("ibm_cos.api_key", kApiKey);
  c.set("ibm.iam_api_key", kApiKey);
  EXPECT_THAT(c.to_yaml(), Not(HasSubstr(kApiKey)));
}

}  // namespace
