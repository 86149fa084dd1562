// What the Azure Blob backend (src/storage/azure/) does beyond the storage contract: the formats
// of Shared Key and connection strings, configuration errors, wrong credentials, SAS tokens
// (ours, handed out as URLs, and the user's, instead of the key), blocks and ranges in several
// pieces, and Azure's throttling answer retried. The server tests run against Azurite
// (tests/servers/azurite-up.sh), which checks every signature.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "servers.hpp"
#include "storage/azure/azure_auth.hpp"
#include "storage/azure/azure_storage.hpp"
#include "storage/rest/web_codec.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"
#include "util/subprocess.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using lithops::detail::AzureStorage;
using lithops::detail::ByteRange;
namespace azure = lithops::detail::azure;
namespace web = lithops::detail::web;

constexpr std::uint64_t kMiB = 1 << 20;

// ---- formats ----

TEST(AzureAuth, HmacAndBase64MatchKnownValues) {
  // RFC 4231, test case 2.
  EXPECT_EQ(web::base64_encode(web::hmac_sha256("Jefe", "what do ya want for nothing?")),
            web::base64_encode(*web::base64_decode("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=")));
  EXPECT_EQ(web::base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(web::base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(web::base64_decode("aGVsbA=="), "hell");
  EXPECT_EQ(web::base64_decode("not base64!"), std::nullopt);
}

TEST(AzureAuth, TheStringToSignFollowsTheSharedKeyLayout) {
  // Microsoft's example (Set Container Metadata): x-ms-* headers sorted, query parameters as
  // lower-case "name:value" lines in name order, standard headers in their fixed places.
  const std::string s = azure::string_to_sign(
      "PUT",
      {"x-ms-version: 2009-09-19", "x-ms-meta-m2: v2", "X-Ms-Date: Sun, 11 Oct 2009 21:49:13 GMT", "x-ms-meta-m1: v1",
       "Content-Length: 0", "Content-Type: application/octet-stream"},
      "myaccount", "/mycontainer", {{"restype", "container"}, {"timeout", "20"}, {"comp", "metadata"}});
  EXPECT_EQ(s,
            "PUT\n\n\n\n\n"
            "application/octet-stream\n\n\n\n\n\n\n"
            "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-meta-m1:v1\nx-ms-meta-m2:v2\nx-ms-version:2009-09-19\n"
            "/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20");
  // A non-zero length is signed; a range goes in its own place.
  const std::string g = azure::string_to_sign("GET", {"Content-Length: 11", "Range: bytes=0-9"}, "a", "/c/b", {});
  EXPECT_EQ(g, "GET\n\n\n11\n\n\n\n\n\n\n\nbytes=0-9\n/a/c/b");
}

TEST(AzureAuth, ConnectionStringsAsAzureToolsWriteThem) {
  auto cs = azure::parse_connection_string(
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5PT0=;EndpointSuffix=core.chinacloudapi.cn", "src");
  EXPECT_EQ(cs.account, "acct");
  EXPECT_EQ(cs.key, "a2V5PT0=");  // '=' inside a value is kept
  EXPECT_EQ(cs.blob_endpoint, "https://acct.blob.core.chinacloudapi.cn");

  cs = azure::parse_connection_string("BlobEndpoint=http://h:1/acct/;SharedAccessSignature=?sv=1&sig=x", "src");
  EXPECT_EQ(cs.blob_endpoint, "http://h:1/acct");
  EXPECT_EQ(cs.sas, "sv=1&sig=x");

  cs = azure::parse_connection_string("UseDevelopmentStorage=true", "src");
  EXPECT_EQ(cs.account, azure::kDevAccount);
  EXPECT_EQ(cs.blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");

  auto error = [](const char* text) {
    try {
      azure::parse_connection_string(text, "AZURE_STORAGE_CONNECTION_STRING");
    } catch (const lithops::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error("AccountName=a"), HasSubstr("neither AccountKey nor SharedAccessSignature"));
  EXPECT_THAT(error("just text"), HasSubstr("AZURE_STORAGE_CONNECTION_STRING: not a connection string"));
}

TEST(AzureAuth, AServiceSasNamesItsResourcePermissionsAndExpiry) {
  const std::string q = azure::service_sas("acct", "key", "c", "a b", "r", 1700000000);
  EXPECT_THAT(q, HasSubstr("sr=b"));
  EXPECT_THAT(q, HasSubstr("sp=r"));
  EXPECT_THAT(q, HasSubstr("se=2023-11-14T22%3A13%3A20Z"));
  EXPECT_THAT(azure::service_sas("acct", "key", "c", "", "racwdl", 1700000000), HasSubstr("sr=c"));
  // The signature depends on the key.
  EXPECT_NE(q, azure::service_sas("acct", "other", "c", "a b", "r", 1700000000));
}

// ---- configuration ----

std::string config_error(const lithops::Config& c) {
  try {
    AzureStorage st(c);
  } catch (const lithops::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

class AzureConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* v = std::getenv("AZURE_STORAGE_CONNECTION_STRING")) saved_ = v;
    ::unsetenv("AZURE_STORAGE_CONNECTION_STRING");
  }
  void TearDown() override {
    if (saved_) ::setenv("AZURE_STORAGE_CONNECTION_STRING", saved_->c_str(), 1);
  }
  std::optional<std::string> saved_;
};

TEST_F(AzureConfig, MissingOrBadKeysAreNamedAndNoSecretIsShown) {
  lithops::Config c;
  EXPECT_THAT(config_error(c), HasSubstr("azure_storage.storage_account_name: required"));
  c.set("azure_storage.storage_account_name", "acct");
  EXPECT_THAT(config_error(c), HasSubstr("azure_storage.storage_account_key: required for account 'acct'"));
  c.set("azure_storage.storage_account_key", "s3cr3t!!");
  const std::string bad_key = config_error(c);
  EXPECT_THAT(bad_key, HasSubstr("azure_storage.storage_account_key: not a base64 account key"));
  EXPECT_THAT(bad_key, Not(HasSubstr("s3cr3t")));
  c.set("azure_storage.storage_account_key", "a2V5");
  c.set("azure_storage.endpoint", "ftp://x");
  EXPECT_THAT(config_error(c), HasSubstr("azure_storage.endpoint: 'ftp://x' is not an http:// or https:// URL"));
  c.set("azure_storage.endpoint", "");
  c.set("azure_storage.block_size", 0);
  EXPECT_THAT(config_error(c), HasSubstr("azure_storage.block_size"));
}

TEST_F(AzureConfig, TheDefaultsAreThePublicEndpointAndAContainerNamedAfterTheAccount) {
  lithops::Config c;
  c.set("azure_storage.storage_account_name", "MyAcct").set("azure_storage.storage_account_key", "a2V5");
  AzureStorage st(c);
  EXPECT_EQ(st.bucket(), "lithops-myacct");
  auto url = st.presigned_get_url("c", "k", std::chrono::seconds(60));
  ASSERT_TRUE(url);
  EXPECT_THAT(*url, ::testing::StartsWith("https://MyAcct.blob.core.windows.net/c/k?"));
}

TEST_F(AzureConfig, TheStorageNamesAzureAmongItsChoices) {
  lithops::Config c;
  try {
    c.set("lithops.storage", "azure");
    FAIL() << "no error";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("azure_storage"));
  }
}

// ---- against Azurite ----

class AzureServer : public AzureConfig {
 protected:
  lithops::Config config(const std::string& stem) {
    return lithops::testing::with_azure_storage({}, lithops::testing::unique_bucket(stem));
  }
  std::unique_ptr<AzureStorage> open(const lithops::Config& c) {
    auto st = std::make_unique<AzureStorage>(c);
    st->create_bucket(st->bucket());
    return st;
  }
  void TearDown() override {
    for (auto& st : opened_) st->delete_prefix(st->bucket(), "");
    AzureConfig::TearDown();
  }
  AzureStorage& keep(std::unique_ptr<AzureStorage> st) { return *opened_.emplace_back(std::move(st)); }
  std::vector<std::unique_ptr<AzureStorage>> opened_;
};

TEST_F(AzureServer, AWrongKeyIsAnAuthenticationFailureNamingTheAccountNotTheKey) {
  const auto a = lithops::testing::azurite();
  lithops::Config c = config("wrongkey");
  const std::string wrong = web::base64_encode(std::string(64, 'x'));
  c.set("azure_storage.storage_account_key", wrong);
  AzureStorage st(c);
  try {
    st.put_object(st.bucket(), "k", "v");
    FAIL() << "the wrong key was accepted";
  } catch (const lithops::StorageRequestError& e) {  // not retried: no retry fixes a wrong key
    EXPECT_THAT(e.what(), HasSubstr("authentication failed for storage account '" + a.account + "'"));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 403"));
    EXPECT_THAT(e.what(), Not(HasSubstr(wrong)));
    EXPECT_THAT(e.what(), Not(HasSubstr(a.key)));
  }
}

TEST_F(AzureServer, AConnectionStringInTheEnvironmentIsEnough) {
  const auto a = lithops::testing::azurite();
  ::setenv("AZURE_STORAGE_CONNECTION_STRING",
           ("AccountName=" + a.account + ";AccountKey=" + a.key + ";BlobEndpoint=" + a.endpoint + "/").c_str(), 1);
  lithops::Config c;
  c.set("azure_storage.storage_bucket", lithops::testing::unique_bucket("envcs"));
  auto& st = keep(open(c));
  st.put_object(st.bucket(), "dir/k", "from the environment");
  EXPECT_EQ(st.get_object(st.bucket(), "dir/k", std::nullopt), "from the environment");
}

TEST_F(AzureServer, AHandedOutUrlReadsTheBlobWithPlainCurlAndNothingElse) {
  auto& st = keep(open(config("sasurl")));
  const std::string key = "some dir/a+b c.txt";
  st.put_object(st.bucket(), key, "readable by URL");
  auto url = st.presigned_get_url(st.bucket(), key, std::chrono::seconds(300));
  ASSERT_TRUE(url);
  auto get = lithops::detail::run_command({"curl", "-s", "-w", " %{http_code}", *url});
  EXPECT_EQ(get.out, "readable by URL 200");
  // Read only: the same URL does not write...
  auto put = lithops::detail::run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-H",
                                           "x-ms-blob-type: BlockBlob", "--data-binary", "x", *url});
  EXPECT_EQ(put.out, "403");
  // ...and a tampered signature reads nothing.
  std::string tampered = *url;
  tampered.replace(tampered.find("sig=") + 4, 2, "AA");
  auto bad = lithops::detail::run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", tampered});
  EXPECT_EQ(bad.out, "403");
}

TEST_F(AzureServer, ASasTokenAuthorizesEverythingTheContainerNeedsWithoutTheKey) {
  const auto a = lithops::testing::azurite();
  auto& owner = keep(open(config("sastoken")));
  const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                          .count();
  const std::string sas =
      azure::service_sas(a.account, *web::base64_decode(a.key), owner.bucket(), "", "racwdl", expiry);
  lithops::Config c;
  c.set("azure_storage.storage_account_name", a.account)
      .set("azure_storage.endpoint", a.endpoint)
      .set("azure_storage.sas_token", "?" + sas)
      .set("azure_storage.storage_bucket", owner.bucket());
  AzureStorage st(c);
  st.put_object(st.bucket(), "p/1", "one");
  st.put_object(st.bucket(), "p/2", "two");
  EXPECT_EQ(st.get_object(st.bucket(), "p/2", std::nullopt), "two");
  EXPECT_EQ(st.list_keys(st.bucket(), "p/"), (std::vector<std::string>{"p/1", "p/2"}));
  st.delete_objects(st.bucket(), {"p/1"});
  EXPECT_FALSE(st.head_object(st.bucket(), "p/1"));
  // The token is for this container only.
  EXPECT_THROW(st.put_object("another-container", "k", "v"), lithops::StorageRequestError);
}

TEST_F(AzureServer, LargeObjectsGoUpAsBlocksAndComeBackInParallelRanges) {
  lithops::Config c = config("blocks");
  c.set("azure_storage.upload_threshold", static_cast<std::int64_t>(kMiB));
  c.set("azure_storage.block_size", static_cast<std::int64_t>(kMiB));
  c.set("azure_storage.max_concurrency", 3);
  auto& st = keep(open(c));
  std::string data(5 * kMiB + 123, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 7);
  st.put_object(st.bucket(), "big", data);
  EXPECT_EQ(st.head_object(st.bucket(), "big")->size, data.size());
  EXPECT_EQ(st.get_object(st.bucket(), "big", std::nullopt), data);
  std::string streamed;
  st.get_object_stream(st.bucket(), "big", std::nullopt, [&](std::string_view piece) { streamed.append(piece); });
  EXPECT_EQ(streamed, data);
  streamed.clear();
  st.get_object_stream(st.bucket(), "big", ByteRange{kMiB / 2, 4 * kMiB + 7},
                       [&](std::string_view piece) { streamed.append(piece); });
  EXPECT_EQ(streamed, data.substr(kMiB / 2, 4 * kMiB + 7 - kMiB / 2));
  // A stream of unknown size past the threshold goes up as blocks too.
  std::size_t at = 0;
  st.put_object_stream(st.bucket(), "streamed", [&](char* buf, std::size_t cap) {
    std::size_t n = std::min(cap, data.size() - at);
    std::copy_n(data.data() + at, n, buf);
    at += n;
    return n;
  }, std::nullopt);
  EXPECT_EQ(st.get_object(st.bucket(), "streamed", std::nullopt), data);
}

TEST_F(AzureServer, ServerBusyAnswersAreRetriedUntilEveryOperationSucceeds) {
  const auto a = lithops::testing::azurite();
  std::string flaky;
  std::ifstream creds(lithops::testing::servers_dir() + "/azurite/credentials");
  for (std::string line; std::getline(creds, line);)
    if (line.rfind("AZURE_FLAKY_ENDPOINT=", 0) == 0) flaky = line.substr(21);
  ASSERT_FALSE(flaky.empty());
  const std::string log = lithops::testing::servers_dir() + "/azurite/nginx/access.log";
  auto busy_answers = [&] {
    std::ifstream in(log);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find("\" 503 ") != std::string::npos;
    return n;
  };
  const int busy_before = busy_answers();
  lithops::Config c = config("flaky");
  c.set("azure_storage.endpoint", flaky);
  c.set("lithops.storage", "azure_storage");
  auto st = lithops::detail::make_storage(c);  // with the retrying decorator
  st->create_bucket(st->bucket());
  for (int i = 0; i < 40; ++i) st->put_object(st->bucket(), "k" + std::to_string(i), std::to_string(i));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(st->get_object(st->bucket(), "k" + std::to_string(i)), std::to_string(i));
  EXPECT_EQ(st->list_keys(st->bucket(), "k").size(), 40u);
  st->delete_prefix(st->bucket(), "");
  // With 1 request in 5 refused, 80+ requests met some 503s: they were really there, and retried.
  EXPECT_GT(busy_answers(), busy_before);
}

}  // namespace
