// What the OpenStack Swift backend (src/storage/swift/) does beyond the storage contract:
// configuration errors, the Keystone v3 and TempAuth flows (token reuse, renewal before expiry, one
// re-authentication on a 401, refused credentials named by user and never shown), Static Large
// Objects (segments written in parallel, replaced and deleted with their object), listing pages,
// throttling answers retried, and TempURLs.
// The real servers of tests/servers/swift-up.sh (Swift with TempAuth, and a real Keystone v3) check
// every token; the parts that need an answer no real server gives on demand (a token about to
// expire, a 401 for a token still valid, 498, 10 000 objects a page, how many requests are in
// flight at once) are played by a loopback listener in this process.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loopback_http.hpp"
#include "servers.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/swift/swift_auth.hpp"
#include "storage/swift/swift_storage.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using lithops::detail::ByteRange;
using lithops::detail::SwiftStorage;
using lithops::testing::Captured;
using lithops::testing::http;
using lithops::testing::Listener;
using Json = nlohmann::json;
namespace swift = lithops::detail::swift;

constexpr std::uint64_t kMiB = 1 << 20;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

// ---- configuration and the pieces of the v3 flow ----

TEST(SwiftConfig, MissingOrBadKeysAreNamedAndNoSecretIsShown) {
  auto msg = [](lithops::Config c) { return error_of([&] { SwiftStorage st(c); }); };
  lithops::Config c;
  EXPECT_THAT(msg(c), HasSubstr("swift.auth_url"));
  c.set("swift.auth_url", "ftp://keystone");
  EXPECT_THAT(msg(c), HasSubstr("swift.auth_url: 'ftp://keystone' is not an http"));
  c.set("swift.auth_url", "https://keystone:5000/v3");
  c.set("swift.password", "hunter2-secret");
  EXPECT_THAT(msg(c), AllOf(HasSubstr("swift.user_id"), HasSubstr("Keystone v3"), Not(HasSubstr("hunter2"))));
  c.set("swift.user_id", "u1");
  EXPECT_THAT(msg(c), AllOf(HasSubstr("swift.project_id"), Not(HasSubstr("hunter2"))));
  // TempAuth's URL picks v1 by itself, which wants user and key.
  lithops::Config v1;
  v1.set("swift.auth_url", "http://proxy:8080/auth/v1.0");
  EXPECT_THAT(msg(v1), AllOf(HasSubstr("swift.user"), HasSubstr("TempAuth")));
  v1.set("swift.user", "test:tester");
  EXPECT_THAT(msg(v1), HasSubstr("swift.key"));
  v1.set("swift.key", "k");
  v1.set("swift.segment_size", 1000);
  EXPECT_THAT(msg(v1), HasSubstr("swift.segment_size: must be between 1 MiB"));
  v1.set("swift.segment_size", static_cast<std::int64_t>(kMiB));
  v1.set("swift.storage_bucket", "a/b");
  EXPECT_THAT(msg(v1), HasSubstr("swift.storage_bucket"));
  // A version that is neither: the key and its choices.
  EXPECT_THAT(error_of([] { lithops::Config().set("swift.auth_version", "2"); }),
              AllOf(HasSubstr("swift.auth_version"), HasSubstr("auto"), HasSubstr("1"), HasSubstr("3")));
  EXPECT_THAT(error_of([] { lithops::Config().set("swift.interface", "private"); }),
              AllOf(HasSubstr("swift.interface"), HasSubstr("public"), HasSubstr("internal")));
}

TEST(SwiftConfig, TheStorageNamesSwiftAmongItsChoices) {
  EXPECT_THAT(error_of([] { lithops::Config().set("lithops.storage", "swiftly"); }), HasSubstr("swift"));
  lithops::Config c;
  EXPECT_NO_THROW(c.set("lithops.storage", "swift"));
}

TEST(SwiftAuth, TheVersionAndTheTokenUrlFollowTheAuthUrl) {
  EXPECT_EQ(swift::version_from_url("http://proxy:8080/auth/v1.0"), swift::AuthVersion::v1);
  EXPECT_EQ(swift::version_from_url("http://proxy:8080/auth/v1.0/"), swift::AuthVersion::v1);
  EXPECT_EQ(swift::version_from_url("https://keystone:5000/v3"), swift::AuthVersion::v3);
  EXPECT_EQ(swift::version_from_url("https://keystone:5000"), swift::AuthVersion::v3);
  EXPECT_EQ(swift::v3_token_url("https://keystone:5000"), "https://keystone:5000/v3/auth/tokens");
  EXPECT_EQ(swift::v3_token_url("https://keystone:5000/v3/"), "https://keystone:5000/v3/auth/tokens");
  EXPECT_EQ(swift::v3_token_url("https://cloud/identity"), "https://cloud/identity/v3/auth/tokens");
}

TEST(SwiftAuth, TheRequestIsAPasswordAuthOfTheUserIdScopedToTheProjectId) {
  swift::Credentials c;
  c.user_id = "uid";
  c.password = "pw";
  c.project_id = "pid";
  Json j = Json::parse(swift::v3_request_body(c));
  EXPECT_EQ(j["auth"]["identity"]["methods"], Json::array({"password"}));
  EXPECT_EQ(j["auth"]["identity"]["password"]["user"]["id"], "uid");
  EXPECT_EQ(j["auth"]["identity"]["password"]["user"]["password"], "pw");
  EXPECT_EQ(j["auth"]["scope"]["project"]["id"], "pid");
}

Json catalog_entry(const std::string& type, const std::string& region, const std::string& interface,
                   const std::string& url) {
  return {{"type", type},
          {"endpoints", {{{"interface", interface}, {"region_id", region}, {"region", region}, {"url", url}}}}};
}

TEST(SwiftAuth, TheCatalogsObjectStoreEndpointIsChosenByRegionAndInterface) {
  Json token = {{"token",
                 {{"catalog",
                   {catalog_entry("identity", "R1", "public", "http://ks/v3"),
                    catalog_entry("object-store", "R1", "public", "http://r1/v1/AUTH_p/"),
                    catalog_entry("object-store", "R1", "internal", "http://r1-int/v1/AUTH_p"),
                    catalog_entry("object-store", "R2", "public", "http://r2/v1/AUTH_p")}}}}};
  swift::Credentials c;
  c.user_id = "u";
  c.project_id = "p";
  c.region = "R1";
  EXPECT_EQ(swift::catalog_storage_url(token.dump(), c), "http://r1/v1/AUTH_p");
  c.interface = "internal";
  EXPECT_EQ(swift::catalog_storage_url(token.dump(), c), "http://r1-int/v1/AUTH_p");
  c.interface = "public";
  c.region = "R3";
  EXPECT_THAT(error_of([&] { swift::catalog_storage_url(token.dump(), c); }),
              AllOf(HasSubstr("swift.region"), HasSubstr("R1, R2"), HasSubstr("user 'u'")));
  c.region = "";  // two regions and none chosen
  EXPECT_THAT(error_of([&] { swift::catalog_storage_url(token.dump(), c); }), HasSubstr("set swift.region"));
  Json no_swift = {{"token", {{"catalog", {catalog_entry("identity", "R1", "public", "http://ks/v3")}}}}};
  EXPECT_THAT(error_of([&] { swift::catalog_storage_url(no_swift.dump(), c); }), HasSubstr("no object-store"));
}

// ---- a listener that plays Keystone v3 and a Swift proxy ----

class SwiftKeystone : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_unique<Listener>([this](const Captured& r) { return answer(r); });
    config_.set("swift.auth_url", api_->url() + "/v3");
    config_.set("swift.user_id", "uid-1");
    config_.set("swift.project_id", "pid-1");
    config_.set("swift.password", "s3cr3t-pw");
    config_.set("swift.region", "RegionOne");
    config_.set("swift.storage_bucket", "bkt");
    config_.set("lithops.storage", "swift");
  }
  std::string iso_in(std::chrono::seconds d) const {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + d);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
    return buf;
  }
  std::string answer(const Captured& r) {
    if (r.target == "/v3/auth/tokens") {
      if (refuse_password_) return http(401, R"({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}})");
      const int n = ++issued_;
      Json body = {{"token",
                    {{"expires_at", iso_in(std::chrono::seconds(lifetime_s_.load()))},
                     {"catalog", {catalog_entry("object-store", "RegionOne", "public", api_->url() + "/v1/AUTH_pid-1")}}}}};
      return http(201, body.dump(), fmt::format("X-Subject-Token: tok-{}\r\n", n));
    }
    if (!r.target.starts_with("/v1/AUTH_pid-1")) return http(404, "");
    const std::string token = r.header("x-auth-token");
    if (token.empty() || token == revoked_) return http(401, "<html><h1>Unauthorized</h1></html>");
    if (storage_status_ != 0) return http(storage_status_.exchange(0), "<html><h1>Busy</h1></html>");
    if (swift_handler_) return swift_handler_(r);
    return http(204, "");
  }
  std::vector<Captured> token_requests() const { return api_->requests_to("/v3/"); }
  std::vector<Captured> swift_requests() const { return api_->requests_to("/v1/"); }

  std::unique_ptr<Listener> api_;
  lithops::Config config_;
  std::atomic<int> issued_{0};
  std::atomic<int> lifetime_s_{7200};
  std::atomic<bool> refuse_password_{false};
  std::atomic<int> storage_status_{0};  // one answer of this status, then normal again
  std::string revoked_;                 // set before requests start
  std::function<std::string(const Captured&)> swift_handler_;
};

TEST_F(SwiftKeystone, TheTokenFromXSubjectTokenGoesToTheCatalogsEndpoint) {
  SwiftStorage st(config_);
  EXPECT_TRUE(st.bucket_exists("bkt"));
  auto tokens = token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].method, "POST");
  EXPECT_EQ(tokens[0].header("content-type"), "application/json");
  Json body = Json::parse(tokens[0].body);
  EXPECT_EQ(body["auth"]["identity"]["password"]["user"]["id"], "uid-1");
  EXPECT_EQ(body["auth"]["scope"]["project"]["id"], "pid-1");
  auto calls = swift_requests();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "HEAD");
  EXPECT_EQ(calls[0].target, "/v1/AUTH_pid-1/bkt");
  EXPECT_EQ(calls[0].header("x-auth-token"), "tok-1");
}

TEST_F(SwiftKeystone, ATokenIsReusedUntilAMinuteBeforeItExpires) {
  {
    SwiftStorage st(config_);
    for (int i = 0; i < 3; ++i) st.bucket_exists("bkt");
    EXPECT_EQ(st.token_fetches(), 1);
  }
  lifetime_s_ = 30;  // less than the minute of margin: renewed before each request
  SwiftStorage st(config_);
  for (int i = 0; i < 3; ++i) st.bucket_exists("bkt");
  EXPECT_EQ(st.token_fetches(), 3);
  EXPECT_EQ(swift_requests().back().header("x-auth-token"), "tok-4");
}

TEST_F(SwiftKeystone, A401GetsOneNewTokenAndOneMoreTry) {
  revoked_ = "tok-1";  // the proxy refuses the first token although Keystone thinks it valid
  SwiftStorage st(config_);
  EXPECT_TRUE(st.bucket_exists("bkt"));
  EXPECT_EQ(st.token_fetches(), 2);
  auto calls = swift_requests();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].header("x-auth-token"), "tok-2");
}

TEST_F(SwiftKeystone, TokensThatKeepBeingRefusedAreAnAuthenticationFailureNamingTheUser) {
  swift_handler_ = [](const Captured&) { return http(401, "<html><h1>Unauthorized</h1></html>"); };
  SwiftStorage st(config_);
  std::string msg;
  try {
    st.head_object("bkt", "k");
  } catch (const lithops::StorageRequestError& e) {
    msg = e.what();
  }
  EXPECT_THAT(msg, AllOf(HasSubstr("authentication failed for user 'uid-1' (project 'pid-1')"), Not(HasSubstr("tok-")),
                         Not(HasSubstr("s3cr3t"))));
  EXPECT_EQ(st.token_fetches(), 2);  // one re-authentication, not a loop
}

TEST_F(SwiftKeystone, ARefusedPasswordIsAnAuthenticationFailureNamingTheUserNotThePassword) {
  refuse_password_ = true;
  SwiftStorage st(config_);
  std::string msg;
  try {
    st.bucket_exists("bkt");
  } catch (const lithops::StorageRequestError& e) {
    msg = e.what();
  }
  EXPECT_THAT(msg, AllOf(HasSubstr("authentication failed for user 'uid-1' (project 'pid-1')"), HasSubstr("401"),
                         HasSubstr("swift.password"), Not(HasSubstr("s3cr3t"))));
}

TEST_F(SwiftKeystone, ThrottlingAnswersAreTransientAndMakeStorageRetriesThem) {
  for (int status : {498, 503, 429}) {
    storage_status_ = status;
    SwiftStorage st(config_);
    try {
      st.put_object("bkt", "k", "v");
      ADD_FAILURE() << status << " was not an error";
    } catch (const lithops::StorageRequestError& e) {
      ADD_FAILURE() << status << " was taken for a refusal: " << e.what();
    } catch (const lithops::StorageError& e) {
      EXPECT_THAT(e.what(), HasSubstr(std::to_string(status)));
    }
  }
  swift_handler_ = [](const Captured& r) { return http(r.method == "PUT" ? 201 : 204, ""); };
  auto st = lithops::detail::make_storage(config_);
  const auto before = swift_requests().size();
  storage_status_ = 498;
  st->put_object("bkt", "k", "v");
  storage_status_ = 503;
  st->put_object("bkt", "k", "v");
  int puts = 0;
  auto calls = swift_requests();
  for (auto i = before; i < calls.size(); ++i) puts += calls[i].method == "PUT";
  EXPECT_EQ(puts, 4);  // each refused once, then taken
}

TEST_F(SwiftKeystone, LargeObjectsAreSegmentsWrittenInParallelThenOneManifest) {
  // Segment PUTs wait (up to 10 s) until a second one is in flight: an upload that sends them one
  // at a time still passes, but records at most one in flight.
  std::mutex m;
  std::condition_variable cv;
  int in_flight = 0, most = 0;
  swift_handler_ = [&](const Captured& r) {
    if (r.method == "PUT" && r.target.starts_with("/v1/AUTH_pid-1/bkt_segments/")) {
      std::unique_lock lock(m);
      most = std::max(most, ++in_flight);
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return most >= 2; });
      --in_flight;
      return http(201, "", fmt::format("Etag: \"e{}\"\r\n", r.body.size()));
    }
    if (r.method == "HEAD" && r.target == "/v1/AUTH_pid-1/bkt/big") return http(404, "");
    return http(r.method == "PUT" ? 201 : 204, "");
  };
  config_.set("swift.upload_threshold", static_cast<std::int64_t>(kMiB));
  config_.set("swift.segment_size", static_cast<std::int64_t>(kMiB));
  config_.set("swift.max_concurrency", 4);
  SwiftStorage st(config_);
  std::string data(3 * kMiB + 5, 'x');
  st.put_object("bkt", "big", data);
  EXPECT_GE(most, 2);
  std::vector<Captured> segments, manifests;
  for (const auto& r : swift_requests()) {
    if (r.method == "PUT" && r.target.starts_with("/v1/AUTH_pid-1/bkt_segments/")) segments.push_back(r);
    if (r.method == "PUT" && r.target == "/v1/AUTH_pid-1/bkt/big?multipart-manifest=put") manifests.push_back(r);
  }
  ASSERT_EQ(segments.size(), 4u);
  ASSERT_EQ(manifests.size(), 1u);
  Json manifest = Json::parse(manifests[0].body);
  ASSERT_EQ(manifest.size(), 4u);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < manifest.size(); ++i) {
    EXPECT_THAT(manifest[i]["path"].get<std::string>(), AllOf(HasSubstr("/bkt_segments/big/slo/"),
                                                              HasSubstr(fmt::format("/{:08d}", i))));
    EXPECT_FALSE(manifest[i]["etag"].get<std::string>().empty());
    total += manifest[i]["size_bytes"].get<std::uint64_t>();
  }
  EXPECT_EQ(total, data.size());
}

TEST_F(SwiftKeystone, ListingPagesWithTheLastNameAsMarker) {
  swift_handler_ = [](const Captured& r) {
    Json page = Json::array();
    if (r.target.find("marker=") == std::string::npos) {
      for (int i = 0; i < 10000; ++i)
        page.push_back({{"name", fmt::format("p/{:05d}", i)}, {"bytes", 1}, {"hash", "h"},
                        {"last_modified", "2026-12-07T17:28:40.900590"}});
    } else if (r.target.find("marker=p%2F09999") != std::string::npos) {
      page.push_back({{"name", "p/10000"}, {"bytes", 2}, {"hash", "h"}, {"last_modified", "2026-12-07T17:28:40.900590"}});
    }
    return http(200, page.dump());
  };
  SwiftStorage st(config_);
  auto all = st.list_objects("bkt", "p/", "");
  ASSERT_EQ(all.size(), 10001u);
  EXPECT_EQ(all.back().key, "p/10000");
  EXPECT_EQ(all.back().info.size, 2u);
  EXPECT_EQ(all.front().info.last_modified, 1796664520900);
  auto calls = swift_requests();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_THAT(calls[0].target, AllOf(HasSubstr("format=json"), HasSubstr("prefix=p%2F"), HasSubstr("limit=10000")));
}

// ---- the real servers: Swift with TempAuth, and Keystone v3 ----

class SwiftServer : public ::testing::Test {
 protected:
  SwiftStorage& open(lithops::Config c) {
    st_ = std::make_unique<SwiftStorage>(c);
    st_->create_bucket(st_->bucket());
    return *st_;
  }
  void TearDown() override {
    if (st_) {
      st_->delete_prefix(st_->bucket(), "");
      if (st_->bucket_exists(st_->segment_container(st_->bucket())))
        st_->delete_prefix(st_->segment_container(st_->bucket()), "");
    }
  }
  std::unique_ptr<SwiftStorage> st_;
};

TEST_F(SwiftServer, AWrongKeyOrPasswordIsAnAuthenticationFailureNamingTheUser) {
  const auto s = lithops::testing::swift();
  auto v1 = lithops::testing::with_swift_storage({}, "nope", false);
  v1.set("swift.key", "wrong-key-123");
  SwiftStorage a(v1);
  std::string msg = error_of([&] { a.bucket_exists("nope"); });
  EXPECT_THAT(msg, AllOf(HasSubstr("authentication failed for TempAuth user 'test:tester'"), HasSubstr("401"),
                         Not(HasSubstr("wrong-key-123"))));
  auto v3 = lithops::testing::with_swift_storage({}, "nope", true);
  v3.set("swift.password", "wrong-password-456");
  SwiftStorage b(v3);
  msg = error_of([&] { b.bucket_exists("nope"); });
  EXPECT_THAT(msg, AllOf(HasSubstr(fmt::format("authentication failed for user '{}' (project '{}')", s.user_id,
                                               s.project_id)),
                         HasSubstr("401"), Not(HasSubstr("wrong-password-456"))));
  EXPECT_THROW(b.bucket_exists("nope"), lithops::StorageRequestError);
}

TEST_F(SwiftServer, KeystonesCatalogLeadsToTheProjectsAccount) {
  const auto s = lithops::testing::swift();
  auto& st = open(lithops::testing::with_swift_storage({}, lithops::testing::unique_bucket("ks"), true));
  st.put_object(st.bucket(), "k", "through keystone");
  // The same object through the account's URL, as the catalog names it.
  lithops::detail::rest::Client client;
  swift::Credentials c;
  c.auth_url = s.keystone_url;
  c.user_id = s.user_id;
  c.project_id = s.project_id;
  c.password = s.password;
  c.region = s.region;
  swift::TokenSource tokens(c, client);
  auto session = tokens.session();
  EXPECT_EQ(session.storage_url, "http://127.0.0.1:8080/v1/AUTH_" + s.project_id);
  auto resp = client.send({.method = "GET", .url = session.storage_url + "/" + st.bucket() + "/k",
                           .headers = {"X-Auth-Token: " + session.token}},
                          "test GET");
  EXPECT_EQ(resp.body, "through keystone");
}

TEST_F(SwiftServer, LargeObjectsAreSegmentsThatGoWithTheirObject) {
  auto c = lithops::testing::with_swift_storage({}, lithops::testing::unique_bucket("slo"), false);
  c.set("swift.upload_threshold", static_cast<std::int64_t>(kMiB));
  c.set("swift.segment_size", static_cast<std::int64_t>(kMiB));
  c.set("swift.max_concurrency", 3);
  auto& st = open(c);
  const std::string segs = st.segment_container(st.bucket());
  std::string data(5 * kMiB + 123, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 7);
  st.put_object(st.bucket(), "big", data);
  EXPECT_EQ(st.list_keys(segs, "big/slo/").size(), 6u);
  auto head = st.head_object(st.bucket(), "big");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, data.size());
  auto listed = st.list_objects(st.bucket(), "big", "");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].info.size, data.size());
  EXPECT_EQ(st.get_object(st.bucket(), "big", std::nullopt), data);
  std::string streamed;
  st.get_object_stream(st.bucket(), "big", ByteRange{kMiB / 2 + 1, 4 * kMiB + 7},
                       [&](std::string_view piece) { streamed.append(piece); });
  EXPECT_EQ(streamed, data.substr(kMiB / 2 + 1, 4 * kMiB + 7 - kMiB / 2 - 1));
  // Replaced by another large object (from a stream of unknown size): the old segments go.
  std::size_t at = 0;
  const std::string data2 = data.substr(0, 2 * kMiB + 1);
  st.put_object_stream(st.bucket(), "big", [&](char* buf, std::size_t cap) {
    std::size_t n = std::min(cap, data2.size() - at);
    std::copy_n(data2.data() + at, n, buf);
    at += n;
    return n;
  }, std::nullopt);
  EXPECT_EQ(st.get_object(st.bucket(), "big", std::nullopt), data2);
  EXPECT_EQ(st.list_keys(segs, "big/slo/").size(), 3u);
  st.delete_objects(st.bucket(), {"big"});
  EXPECT_FALSE(st.head_object(st.bucket(), "big"));
  EXPECT_TRUE(st.list_keys(segs, "").empty());
}

TEST_F(SwiftServer, ALargePutIntoAMissingContainerIsNoSuchBucketAndLeavesNoSegments) {
  auto c = lithops::testing::with_swift_storage({}, lithops::testing::unique_bucket("nob"), false);
  c.set("swift.upload_threshold", static_cast<std::int64_t>(kMiB));
  c.set("swift.segment_size", static_cast<std::int64_t>(kMiB));
  SwiftStorage st(c);
  EXPECT_THROW(st.put_object(st.bucket(), "big", std::string(2 * kMiB, 'a')), lithops::NoSuchBucketError);
  EXPECT_FALSE(st.bucket_exists(st.segment_container(st.bucket())));
}

TEST_F(SwiftServer, ATempUrlReadsTheObjectWithoutCredentials) {
  for (bool keystone : {false, true}) {
    auto& st = open(lithops::testing::with_swift_storage({}, lithops::testing::unique_bucket("url"), keystone));
    const std::string key = "some dir/a+b c.txt";
    st.put_object(st.bucket(), key, "readable by URL");
    auto url = st.presigned_get_url(st.bucket(), key, std::chrono::seconds(300));
    ASSERT_TRUE(url);
    lithops::detail::rest::Client anonymous;
    auto got = anonymous.send({.method = "GET", .url = *url}, "TempURL GET");
    EXPECT_EQ(got.status, 200) << (keystone ? "keystone" : "tempauth");
    EXPECT_EQ(got.body, "readable by URL");
    std::string forged = *url;
    forged[forged.find("temp_url_sig=") + 13] = forged[forged.find("temp_url_sig=") + 13] == 'a' ? 'b' : 'a';
    EXPECT_EQ(anonymous.send({.method = "GET", .url = forged}, "forged TempURL GET").status, 401);
    EXPECT_THROW(st.presigned_get_url(st.bucket(), key, std::chrono::seconds(0)), lithops::StorageRequestError);
    st.delete_prefix(st.bucket(), "");
  }
}

}  // namespace
