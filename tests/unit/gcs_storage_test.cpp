// What the Google Cloud Storage backend (src/storage/gcs/) does beyond the storage contract: the
// service account's OAuth2 flow (the JWT, its RS256 signature, the token request, the token's
// reuse and renewal, refused credentials), configuration errors, STORAGE_EMULATOR_HOST, the error
// classes of Google's answers, and resumable uploads and ranged reads in several pieces.
// fake-gcs-server (tests/servers/gcs-up.sh) ignores tokens, so the OAuth2 flow is checked against
// a small HTTP listener in this process that plays both Google's token endpoint and the JSON API.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "loopback_http.hpp"
#include "servers.hpp"
#include "storage/gcs/gcs_auth.hpp"
#include "storage/gcs/gcs_storage.hpp"
#include "storage/rest/web_codec.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"
#include "util/subprocess.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using lithops::detail::ByteRange;
using lithops::detail::GcsStorage;
using Json = nlohmann::json;
using lithops::testing::Captured;
using lithops::testing::http;
using lithops::testing::Listener;
namespace gcs = lithops::detail::gcs;
namespace web = lithops::detail::web;

constexpr std::uint64_t kMiB = 1 << 20;

// ---- a throwaway service account ----

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey new_rsa_key() { return Pkey(EVP_RSA_gen(2048)); }

std::string private_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8, as Google's
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return pem;
}

bool rs256_verifies(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string base64url_decode(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  auto d = web::base64_decode(s);
  return d ? *d : "<not base64url>";
}

struct Jwt {
  std::string header_part, claims_part, signature_part;
  Json header, claims;
};

Jwt split_jwt(const std::string& jwt) {
  Jwt j;
  auto a = jwt.find('.'), b = jwt.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos) return j;
  j.header_part = jwt.substr(0, a);
  j.claims_part = jwt.substr(a + 1, b - a - 1);
  j.signature_part = jwt.substr(b + 1);
  j.header = Json::parse(base64url_decode(j.header_part), nullptr, false);
  j.claims = Json::parse(base64url_decode(j.claims_part), nullptr, false);
  return j;
}

/// A key file as the Cloud console writes one, in a directory of its own.
struct KeyFile {
  Pkey key = new_rsa_key();
  std::string pem = private_pem(key.get());
  std::string email = "lithops-test@my-proj.iam.gserviceaccount.com";
  std::filesystem::path dir;
  std::string path;
  explicit KeyFile(const std::string& token_uri = "https://oauth2.googleapis.com/token") {
    dir = std::filesystem::temp_directory_path() / ("lithops-gcs-" + lithops::testing::unique_bucket("k"));
    std::filesystem::create_directories(dir);
    path = (dir / "sa.json").string();
    Json j = {{"type", "service_account"},   {"project_id", "my-proj"},    {"private_key_id", "abc123"},
              {"private_key", pem},          {"client_email", email},      {"client_id", "1"},
              {"auth_uri", "https://accounts.google.com/o/oauth2/auth"}, {"token_uri", token_uri}};
    std::ofstream(path) << j.dump(2);
  }
  ~KeyFile() { std::filesystem::remove_all(dir); }
  gcs::ServiceAccount account() const {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return gcs::parse_service_account(text, "test");
  }
  /// A distinctive line of the PEM body: it must never show up in a message.
  std::string key_fragment() const { return pem.substr(pem.find('\n') + 1, 40); }
};

const char* kObjectJson = R"({"kind":"storage#object","name":"k","size":"3","etag":"CKih16GjycICEAE=",)"
                          R"("updated":"2024-05-01T12:34:56.789Z","generation":"7"})";

// ---- the JWT ----

TEST(GcsAuth, TheJwtIsSignedRs256WithTheServiceAccountsKeyAndNamesItsClaims) {
  KeyFile kf;
  const gcs::ServiceAccount a = kf.account();
  EXPECT_EQ(a.client_email, kf.email);
  EXPECT_EQ(a.project_id, "my-proj");
  const std::string jwt = gcs::signed_jwt(a, 1700000000);
  const Jwt j = split_jwt(jwt);
  EXPECT_EQ(j.header, Json::parse(R"({"alg":"RS256","typ":"JWT"})"));
  ASSERT_TRUE(j.claims.is_object());
  EXPECT_EQ(j.claims["iss"], kf.email);
  EXPECT_EQ(j.claims["scope"], "https://www.googleapis.com/auth/devstorage.read_write");
  EXPECT_EQ(j.claims["aud"], "https://oauth2.googleapis.com/token");
  EXPECT_EQ(j.claims["iat"], 1700000000);
  EXPECT_EQ(j.claims["exp"], 1700000000 + 3600);
  // base64url without padding: no '=', '+' or '/' anywhere.
  EXPECT_EQ(jwt.find_first_of("=+/"), std::string::npos);
  const std::string signed_part = j.header_part + "." + j.claims_part;
  const std::string signature = base64url_decode(j.signature_part);
  EXPECT_EQ(signature.size(), 256u);  // RSA-2048
  EXPECT_TRUE(rs256_verifies(kf.key.get(), signed_part, signature));
  // The signature covers the claims, and only this account's key made it.
  EXPECT_FALSE(rs256_verifies(kf.key.get(), j.header_part + "." + gcs::base64url(R"({"iss":"other"})"), signature));
  Pkey other = new_rsa_key();
  EXPECT_FALSE(rs256_verifies(other.get(), signed_part, signature));
}

TEST(GcsAuth, Base64UrlHasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(gcs::base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(gcs::base64url("hello"), "aGVsbG8");
  EXPECT_EQ(gcs::token_request_body("a.b-c_d"),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b-c_d");
}

TEST(GcsAuth, KeyFilesThatAreNotServiceAccountKeysAreConfigErrorsThatShowNoKey) {
  auto error = [](const std::string& text) {
    try {
      gcs::parse_service_account(text, "gcp_storage.credentials_path ('x.json')");
    } catch (const lithops::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error("not json"), HasSubstr("gcp_storage.credentials_path ('x.json'): not a JSON key file"));
  EXPECT_THAT(error(R"({"type":"authorized_user","client_id":"x"})"), HasSubstr("a 'authorized_user' credential"));
  EXPECT_THAT(error(R"({"type":"service_account","private_key":"x"})"), HasSubstr("no 'client_email'"));
  EXPECT_THAT(error(R"({"type":"service_account","client_email":"a@b"})"), HasSubstr("no 'private_key'"));
  const std::string bad = error(R"({"type":"service_account","client_email":"a@b","private_key":"SECRETPEMTEXT"})");
  EXPECT_THAT(bad, HasSubstr("the 'private_key' of 'a@b' is not a PEM private key"));
  EXPECT_THAT(bad, Not(HasSubstr("SECRETPEMTEXT")));
}

TEST(GcsAuth, ASignedUrlIsGoogleV4SignedWithTheServiceAccountsKey) {
  KeyFile kf;
  const std::string url =
      gcs::signed_get_url(kf.account(), "https://storage.googleapis.com", "my-bucket", "dir/a b.txt", 300, 1700000000);
  // The layout of Google's "V4 signing process with your own program" (2023-11-14T22:13:20Z).
  const std::string query =
      "X-Goog-Algorithm=GOOG4-RSA-SHA256"
      "&X-Goog-Credential=lithops-test%40my-proj.iam.gserviceaccount.com%2F20231114%2Fauto%2Fstorage%2Fgoog4_request"
      "&X-Goog-Date=20231114T221320Z&X-Goog-Expires=300&X-Goog-SignedHeaders=host";
  const std::string head = "https://storage.googleapis.com/my-bucket/dir/a%20b.txt?" + query + "&X-Goog-Signature=";
  ASSERT_THAT(url, StartsWith(head));
  const std::string hex = url.substr(head.size());
  ASSERT_EQ(hex.size(), 512u);  // RSA-2048, lower-case hex
  std::string signature;
  for (std::size_t i = 0; i < hex.size(); i += 2) signature += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  const std::string canonical =
      "GET\n/my-bucket/dir/a%20b.txt\n" + query + "\nhost:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string to_sign = "GOOG4-RSA-SHA256\n20231114T221320Z\n20231114/auto/storage/goog4_request\n" +
                              web::sha256_hex(canonical);
  EXPECT_TRUE(rs256_verifies(kf.key.get(), to_sign, signature));
  EXPECT_FALSE(rs256_verifies(kf.key.get(), to_sign + "x", signature));
  EXPECT_THAT(url, Not(HasSubstr(kf.key_fragment())));
}

// ---- configuration ----

class GcsEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS"}) {
      if (const char* s = std::getenv(v)) saved_.emplace_back(v, s);
      ::unsetenv(v);
    }
  }
  void TearDown() override {
    ::unsetenv("STORAGE_EMULATOR_HOST");
    ::unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    for (auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
  }
  std::vector<std::pair<std::string, std::string>> saved_;
};

std::string config_error(const lithops::Config& c) {
  try {
    GcsStorage st(c);
  } catch (const lithops::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

using GcsConfig = GcsEnv;

TEST_F(GcsConfig, MissingOrBadKeysAreNamedAndNoSecretIsShown) {
  lithops::Config c;
  EXPECT_THAT(config_error(c), HasSubstr("gcp_storage.credentials_path: required"));
  c.set("gcp_storage.credentials_path", "/nonexistent/sa.json");
  EXPECT_THAT(config_error(c),
              HasSubstr("gcp_storage.credentials_path: cannot read the service account key file '/nonexistent/sa.json'"));
  KeyFile kf;
  c.set("gcp_storage.credentials_path", kf.path);
  EXPECT_EQ(config_error(c), "no error");
  c.set("gcp_storage.chunk_size", 1000000);
  EXPECT_THAT(config_error(c), HasSubstr("gcp_storage.chunk_size: must be a multiple of 256 KiB"));
  c.set("gcp_storage.chunk_size", static_cast<std::int64_t>(kMiB));
  c.set("gcp_storage.endpoint", "ftp://x");
  EXPECT_THAT(config_error(c), HasSubstr("gcp_storage.endpoint: 'ftp://x' is not an http:// or https:// URL"));
  c.set("gcp_storage.endpoint", "https://storage.googleapis.com");
  c.set("gcp_storage.max_concurrency", 0);
  EXPECT_THAT(config_error(c), HasSubstr("gcp_storage.max_concurrency"));
  // A key file whose key is broken: named, not shown.
  {
    std::ofstream(kf.path) << Json{{"type", "service_account"},
                                   {"client_email", kf.email},
                                   {"private_key", "-----BEGIN PRIVATE KEY-----\nMIIBROKEN" + kf.key_fragment() +
                                                       "\n-----END PRIVATE KEY-----\n"}}
                                  .dump();
  }
  c.set("gcp_storage.max_concurrency", 8);
  const std::string broken = config_error(c);
  EXPECT_THAT(broken, HasSubstr("gcp_storage.credentials_path ('" + kf.path + "')"));
  EXPECT_THAT(broken, HasSubstr("is not a PEM private key"));
  EXPECT_THAT(broken, Not(HasSubstr(kf.key_fragment())));
}

TEST_F(GcsConfig, GoogleApplicationCredentialsIsReadWhenTheKeyIsEmpty) {
  KeyFile kf;
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", (kf.dir / "missing.json").c_str(), 1);
  lithops::Config c;
  EXPECT_THAT(config_error(c), HasSubstr("GOOGLE_APPLICATION_CREDENTIALS: cannot read"));
  ::setenv("GOOGLE_APPLICATION_CREDENTIALS", kf.path.c_str(), 1);
  GcsStorage st(c);
  EXPECT_TRUE(st.authenticated());
  EXPECT_EQ(st.endpoint(), "https://storage.googleapis.com");
  EXPECT_EQ(st.bucket(), "lithops-my-proj");  // named after the account's project
  EXPECT_EQ(st.token_fetches(), 0);           // nothing is fetched before it is needed
}

TEST_F(GcsConfig, TheStorageNamesGcpStorageAmongItsChoices) {
  lithops::Config c;
  try {
    c.set("lithops.storage", "gcs");
    FAIL() << "no error";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("gcp_storage"));
  }
  c.set("lithops.storage", "gcp_storage");
}

TEST_F(GcsConfig, StorageEmulatorHostIsTheEndpointAndNoTokenIsSent) {
  Listener api([](const Captured&) { return http(200, kObjectJson); });
  KeyFile kf;  // configured, yet unused with an emulator
  ::setenv("STORAGE_EMULATOR_HOST", ("127.0.0.1:" + std::to_string(api.port())).c_str(), 1);
  lithops::Config c;
  c.set("gcp_storage.credentials_path", kf.path);
  GcsStorage st(c);
  EXPECT_EQ(st.endpoint(), api.url());
  EXPECT_FALSE(st.authenticated());
  EXPECT_EQ(st.bucket(), "lithops-lithops");
  auto info = st.head_object("bkt", "dir/a b+c");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(info->etag, "CKih16GjycICEAE=");
  EXPECT_EQ(info->last_modified, 1714566896789);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_THAT(reqs[0].target, StartsWith("/storage/v1/b/bkt/o/dir%2Fa%20b%2Bc?"));  // '/' encoded too
  EXPECT_FALSE(reqs[0].has_header("authorization"));
}

// ---- the OAuth2 flow, against the listener ----

class GcsOAuth : public GcsEnv {
 protected:
  void SetUp() override {
    GcsEnv::SetUp();
    api_ = std::make_unique<Listener>([this](const Captured& r) {
      if (r.target == "/token") {
        if (refuse_token_) return http(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
        return http(200, Json{{"access_token", "secret-token-" + std::to_string(++issued_)},
                              {"expires_in", expires_in_.load()},
                              {"token_type", "Bearer"}}
                             .dump());
      }
      if (storage_status_ != 200)
        return http(storage_status_, Json{{"error", {{"code", storage_status_.load()}, {"message", "Nope."}}}}.dump());
      return http(200, kObjectJson);
    });
    kf_ = std::make_unique<KeyFile>(api_->url() + "/token");
    config_.set("gcp_storage.credentials_path", kf_->path);
    config_.set("gcp_storage.endpoint", api_->url());
    config_.set("gcp_storage.storage_bucket", "bkt");
  }
  std::vector<Captured> token_requests() const { return api_->requests_to("/token"); }
  std::vector<Captured> storage_requests() const { return api_->requests_to("/storage/"); }

  std::unique_ptr<Listener> api_;
  std::unique_ptr<KeyFile> kf_;
  lithops::Config config_;
  std::atomic<int> issued_{0};
  std::atomic<int> expires_in_{3600};
  std::atomic<int> storage_status_{200};
  std::atomic<bool> refuse_token_{false};
};

TEST_F(GcsOAuth, TheTokenRequestIsTheJwtBearerGrantAndTheTokenIsSentAsBearer) {
  GcsStorage st(config_);
  ASSERT_TRUE(st.head_object("bkt", "k"));
  auto tokens = token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  const Captured& t = tokens[0];
  EXPECT_EQ(t.method, "POST");
  EXPECT_EQ(t.header("content-type"), "application/x-www-form-urlencoded");
  const std::string prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
  ASSERT_THAT(t.body, StartsWith(prefix));
  const std::string jwt = t.body.substr(prefix.size());
  EXPECT_EQ(jwt.find('&'), std::string::npos);
  const Jwt j = split_jwt(jwt);
  EXPECT_TRUE(rs256_verifies(kf_->key.get(), j.header_part + "." + j.claims_part, base64url_decode(j.signature_part)));
  EXPECT_EQ(j.claims["iss"], kf_->email);
  EXPECT_EQ(j.claims["aud"], api_->url() + "/token");  // the key file's token_uri
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(j.claims["iat"].get<std::int64_t>(), now, 60);
  EXPECT_EQ(j.claims["exp"].get<std::int64_t>(), j.claims["iat"].get<std::int64_t>() + 3600);

  auto storage = storage_requests();
  ASSERT_EQ(storage.size(), 1u);
  EXPECT_EQ(storage[0].header("authorization"), "Bearer secret-token-1");
}

TEST_F(GcsOAuth, ATokenIsReusedUntilAMinuteBeforeItExpires) {
  GcsStorage st(config_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(st.head_object("bkt", "k"));
  EXPECT_EQ(token_requests().size(), 1u);
  EXPECT_EQ(st.token_fetches(), 1);
  for (const auto& r : storage_requests()) EXPECT_EQ(r.header("authorization"), "Bearer secret-token-1");

  // A token with less than a minute left is renewed before it is used again.
  GcsStorage short_lived(config_);
  expires_in_ = 59;
  ASSERT_TRUE(short_lived.head_object("bkt", "k"));
  ASSERT_TRUE(short_lived.head_object("bkt", "k"));
  EXPECT_EQ(short_lived.token_fetches(), 2);
  auto storage = storage_requests();
  ASSERT_EQ(storage.size(), 7u);
  EXPECT_EQ(storage[5].header("authorization"), "Bearer secret-token-2");
  EXPECT_EQ(storage[6].header("authorization"), "Bearer secret-token-3");
  // ...and one with 61 s is still good.
  GcsStorage minute_left(config_);
  expires_in_ = 61;
  ASSERT_TRUE(minute_left.head_object("bkt", "k"));
  ASSERT_TRUE(minute_left.head_object("bkt", "k"));
  EXPECT_EQ(minute_left.token_fetches(), 1);
}

TEST_F(GcsOAuth, BucketsAreCreatedInTheAccountsProjectAndTheConfiguredRegion) {
  Listener api([&](const Captured& r) {
    if (r.target == "/token") return http(200, R"({"access_token":"t","expires_in":3600,"token_type":"Bearer"})");
    if (r.method == "POST") return http(409, R"({"error":{"code":409,"message":"You already own this bucket."}})");
    return http(200, R"({"name":"bkt"})");  // the bucket GET after a 409: ours
  });
  KeyFile kf(api.url() + "/token");
  lithops::Config c;
  c.set("gcp_storage.credentials_path", kf.path)
      .set("gcp_storage.endpoint", api.url())
      .set("gcp_storage.region", "europe-west1");
  GcsStorage st(c);
  st.create_bucket("bkt");  // taken, but by us: not an error
  auto inserts = api.requests_to("/storage/v1/b?");
  ASSERT_EQ(inserts.size(), 1u);
  EXPECT_EQ(inserts[0].method, "POST");
  EXPECT_THAT(inserts[0].target, HasSubstr("project=my-proj"));
  EXPECT_EQ(Json::parse(inserts[0].body), Json::parse(R"({"name":"bkt","location":"europe-west1"})"));
  EXPECT_EQ(inserts[0].header("authorization"), "Bearer t");
  auto gets = api.requests_to("/storage/v1/b/bkt");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].method, "GET");
}

TEST_F(GcsOAuth, ThreadsShareOneTokenFetch) {
  GcsStorage st(config_);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k) found += st.head_object("bkt", "k").has_value();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(found, 40);
  EXPECT_EQ(token_requests().size(), 1u);
}

TEST_F(GcsOAuth, ARefusedTokenIsAnAuthenticationFailureNamingTheAccountNotTheKey) {
  refuse_token_ = true;
  GcsStorage st(config_);
  try {
    st.put_object("bkt", "k", "v");
    FAIL() << "no error";
  } catch (const lithops::StorageRequestError& e) {  // not retried: no retry fixes a wrong key
    EXPECT_THAT(e.what(), HasSubstr("authentication failed for service account '" + kf_->email + "'"));
    EXPECT_THAT(e.what(), HasSubstr("invalid_grant"));
    EXPECT_THAT(e.what(), Not(HasSubstr(kf_->key_fragment())));
    EXPECT_THAT(e.what(), Not(HasSubstr("assertion")));
  }
}

TEST_F(GcsOAuth, A401Or403IsAnAuthenticationFailureThatShowsNoToken) {
  for (int status : {401, 403}) {
    storage_status_ = status;
    GcsStorage st(config_);
    try {
      st.get_object("bkt", "k", std::nullopt);
      FAIL() << "no error for HTTP " << status;
    } catch (const lithops::StorageRequestError& e) {
      EXPECT_THAT(e.what(), HasSubstr("HTTP " + std::to_string(status)));
      EXPECT_THAT(e.what(), HasSubstr("authentication failed for service account '" + kf_->email + "'"));
      EXPECT_THAT(e.what(), Not(HasSubstr("secret-token")));
      EXPECT_THAT(e.what(), Not(HasSubstr(kf_->key_fragment())));
    }
  }
  // A 401 first drops the token and tries once more with a new one; a 403 does not.
  EXPECT_EQ(token_requests().size(), 3u);
}

TEST_F(GcsOAuth, BusyAnswersAreTransientAndOtherRefusalsAreNot) {
  auto error_class = [&](int status) -> std::string {
    storage_status_ = status;
    GcsStorage st(config_);
    try {
      st.head_object("bkt", "k");
    } catch (const lithops::StorageRequestError&) {
      return "request";
    } catch (const lithops::StorageError&) {
      return "transient";
    }
    return "none";
  };
  EXPECT_EQ(error_class(429), "transient");
  EXPECT_EQ(error_class(500), "transient");
  EXPECT_EQ(error_class(503), "transient");
  EXPECT_EQ(error_class(400), "request");
  EXPECT_EQ(error_class(412), "request");
}

TEST_F(GcsOAuth, MakeStorageRetriesBusyAnswersUntilOneSucceeds) {
  std::atomic<int> calls{0};
  Listener flaky([&](const Captured& r) {
    if (r.target == "/token") return http(200, R"({"access_token":"t","expires_in":3600,"token_type":"Bearer"})");
    return ++calls <= 2 ? http(503, R"({"error":{"code":503,"message":"Backend Error"}})") : http(200, kObjectJson);
  });
  KeyFile kf(flaky.url() + "/token");
  lithops::Config c;
  c.set("lithops.storage", "gcp_storage")
      .set("gcp_storage.credentials_path", kf.path)
      .set("gcp_storage.endpoint", flaky.url())
      .set("gcp_storage.storage_bucket", "bkt");
  auto st = lithops::detail::make_storage(c);
  auto info = st->head_object("bkt", "k");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(calls, 3);
  for (const auto& r : flaky.requests_to("/storage/")) EXPECT_EQ(r.header("authorization"), "Bearer t");
}

// ---- resumable uploads, against the listener playing Google's session protocol ----

TEST_F(GcsEnv, AResumableUploadResendsWhatTheServerDidNotKeepAndResumesWhereAStatusQuerySays) {
  constexpr std::size_t kChunk = 512 * 1024;
  std::mutex m;
  std::string stored;
  bool failed_once = false, partial_once = false;
  std::vector<std::string> ranges;  // the Content-Range of every PUT, in order
  std::string url;
  auto held = [&] { return stored.empty() ? std::string() : fmt::format("Range: bytes=0-{}\r\n", stored.size() - 1); };
  Listener api([&](const Captured& r) {
    std::lock_guard lock(m);
    if (r.method == "POST") {
      EXPECT_THAT(r.target, HasSubstr("uploadType=resumable"));
      EXPECT_THAT(r.target, HasSubstr("name=dir%2Fbig"));
      return http(200, "", "Location: " + url + "/session/1?upload_id=x\r\n");
    }
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.target, "/session/1?upload_id=x");
    const std::string cr = r.header("content-range");
    ranges.push_back(cr);
    const auto slash = cr.find('/');
    const std::string total = cr.substr(slash + 1);
    const bool done_at = total != "*";
    if (cr.starts_with("bytes */")) {  // a status query
      if (done_at && stored.size() == std::stoul(total)) return http(200, kObjectJson);
      return http(308, "", held());
    }
    const std::size_t first = std::stoul(cr.substr(6));
    if (first != stored.size()) return http(400, R"({"error":{"code":400,"message":"Invalid request: wrong offset."}})");
    if (first == 0 && !failed_once) {  // the chunk arrives, its answer is lost
      failed_once = true;
      stored += r.body;
      return http(503, R"({"error":{"code":503,"message":"Backend Error"}})");
    }
    if (first == kChunk && !partial_once) {  // only half of the chunk is kept
      partial_once = true;
      stored += r.body.substr(0, kChunk / 2);
      return http(308, "", held());
    }
    stored += r.body;
    if (done_at && stored.size() == std::stoul(total)) return http(200, kObjectJson);
    return http(308, "", held());
  });
  url = api.url();
  lithops::Config c;
  c.set("gcp_storage.endpoint", api.url())
      .set("gcp_storage.upload_threshold", static_cast<std::int64_t>(kMiB))
      .set("gcp_storage.chunk_size", static_cast<std::int64_t>(kChunk));
  GcsStorage st(c);
  ASSERT_FALSE(st.authenticated());
  std::string data(3 * kChunk + 100, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 5);
  st.put_object("bkt", "dir/big", data);
  std::lock_guard lock(m);
  EXPECT_TRUE(stored == data) << "the server holds " << stored.size() << " bytes, not the " << data.size() << " sent";
  EXPECT_EQ(ranges, (std::vector<std::string>{
                        "bytes 0-524287/*",              // answered 503
                        "bytes */*",                     // where to resume: all of it is there
                        "bytes 524288-1048575/*",        // half kept
                        "bytes 786432-1048575/*",        // the other half again
                        "bytes 1048576-1572863/*",
                        "bytes 1572864-1572963/1572964",  // the last chunk names the size
                    }));
}

// ---- against fake-gcs-server ----

class GcsServer : public GcsEnv {
 protected:
  lithops::Config config(const std::string& stem) {
    return lithops::testing::with_gcs_storage({}, lithops::testing::unique_bucket(stem));
  }
  GcsStorage& open(const lithops::Config& c) {
    auto& st = *opened_.emplace_back(std::make_unique<GcsStorage>(c));
    st.create_bucket(st.bucket());
    return st;
  }
  void TearDown() override {
    for (auto& st : opened_) st->delete_prefix(st->bucket(), "");
    GcsEnv::TearDown();
  }
  std::vector<std::unique_ptr<GcsStorage>> opened_;
};

TEST_F(GcsServer, StorageEmulatorHostAloneReachesTheEmulator) {
  ::setenv("STORAGE_EMULATOR_HOST", lithops::testing::gcs().endpoint.c_str(), 1);
  lithops::Config c;
  c.set("gcp_storage.storage_bucket", lithops::testing::unique_bucket("envemu"));
  auto& st = open(c);
  EXPECT_TRUE(st.bucket_exists(st.bucket()));
  st.put_object(st.bucket(), "dir/k", "through the emulator");
  EXPECT_EQ(st.get_object(st.bucket(), "dir/k", std::nullopt), "through the emulator");
  // Creating an existing bucket of ours is not an error.
  st.create_bucket(st.bucket());
}

TEST_F(GcsServer, AnEmulatorsUrlReadsTheObjectWithPlainCurlAndTtlsAreChecked) {
  auto& st = open(config("url"));
  const std::string key = "some dir/a+b c.txt";
  st.put_object(st.bucket(), key, "readable by URL");
  auto url = st.presigned_get_url(st.bucket(), key, std::chrono::seconds(300));
  ASSERT_TRUE(url);
  auto get = lithops::detail::run_command({"curl", "-s", "-w", " %{http_code}", *url});
  EXPECT_EQ(get.out, "readable by URL 200");
  EXPECT_THROW(st.presigned_get_url(st.bucket(), key, std::chrono::seconds(0)), lithops::StorageRequestError);
  EXPECT_THROW(st.presigned_get_url(st.bucket(), key, std::chrono::seconds(604801)), lithops::StorageRequestError);
}

TEST_F(GcsServer, LargeObjectsGoUpInResumableChunksAndComeBackInParallelRanges) {
  lithops::Config c = config("chunks");
  c.set("gcp_storage.upload_threshold", static_cast<std::int64_t>(kMiB));
  c.set("gcp_storage.chunk_size", static_cast<std::int64_t>(kMiB / 2));
  c.set("gcp_storage.max_concurrency", 3);
  auto& st = open(c);
  std::string data(5 * kMiB + 123, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 7);
  st.put_object(st.bucket(), "big", data);
  EXPECT_EQ(st.head_object(st.bucket(), "big")->size, data.size());
  EXPECT_EQ(st.get_object(st.bucket(), "big", std::nullopt), data);
  std::string streamed;
  st.get_object_stream(st.bucket(), "big", std::nullopt, [&](std::string_view piece) { streamed.append(piece); });
  EXPECT_EQ(streamed, data);
  streamed.clear();
  st.get_object_stream(st.bucket(), "big", ByteRange{kMiB / 2 + 1, 4 * kMiB + 7},
                       [&](std::string_view piece) { streamed.append(piece); });
  EXPECT_EQ(streamed, data.substr(kMiB / 2 + 1, 4 * kMiB + 7 - kMiB / 2 - 1));
  // Streams of unknown size: past the threshold (a whole number of chunks too), and below it.
  for (std::size_t n : {data.size(), 4 * kMiB, kMiB - 5}) {
    std::size_t at = 0;
    const std::string part = data.substr(0, n);
    st.put_object_stream(st.bucket(), "streamed", [&](char* buf, std::size_t cap) {
      std::size_t k = std::min(cap, part.size() - at);
      std::copy_n(part.data() + at, k, buf);
      at += k;
      return k;
    }, std::nullopt);
    EXPECT_EQ(st.get_object(st.bucket(), "streamed", std::nullopt), part) << n << " bytes";
  }
}

TEST_F(GcsServer, AMissingObjectAndAMissingBucketAreToldApart) {
  auto& st = open(config("missing"));
  EXPECT_THROW(st.get_object(st.bucket(), "nope", std::nullopt), lithops::NoSuchKeyError);
  EXPECT_FALSE(st.head_object(st.bucket(), "nope"));
  try {
    st.get_object("no-such-" + st.bucket(), "nope", std::nullopt);
    FAIL() << "no error";
  } catch (const lithops::NoSuchBucketError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-" + st.bucket()));
  }
  EXPECT_THROW(st.delete_objects("no-such-" + st.bucket(), {"k"}), lithops::NoSuchBucketError);
  st.delete_objects(st.bucket(), {"never-there"});  // a missing key is not an error
  EXPECT_FALSE(st.bucket_exists("no-such-" + st.bucket()));
}

}  // namespace
