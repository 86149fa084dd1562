// RetryingStorage (src/storage/retrying_storage.hpp) around the real localhost backend, made
// flaky by a thin wrapper that fails the first N operations: transient failures are retried,
// answers (a missing key) are not, and a lasting failure surfaces after the configured attempts.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <memory>

#include "storage/localhost/localhost_storage.hpp"
#include "storage/retrying_storage.hpp"
#include "test_config.hpp"

namespace {

using lithops::detail::ByteRange;
using lithops::detail::LocalhostStorage;
using lithops::detail::ObjectInfo;
using lithops::detail::RetryingStorage;
using lithops::detail::StorageBackend;

// Fails the first `failures` operations with a transient StorageError, then behaves.
class FlakyStorage final : public StorageBackend {
 public:
  FlakyStorage(std::unique_ptr<StorageBackend> inner, int failures, int* calls)
      : inner_(std::move(inner)), failures_(failures), calls_(calls) {}
  void fail_next(int n) { failures_ = n; }
  std::string name() const override { return "flaky"; }
  const std::string& bucket() const override { return inner_->bucket(); }
  void put_object(const std::string& b, const std::string& k, std::string_view d) override {
    hiccup();
    inner_->put_object(b, k, d);
  }
  std::string get_object(const std::string& b, const std::string& k, std::optional<ByteRange> r) override {
    hiccup();
    return inner_->get_object(b, k, r);
  }
  std::optional<ObjectInfo> head_object(const std::string& b, const std::string& k) override {
    hiccup();
    return inner_->head_object(b, k);
  }
  void delete_objects(const std::string& b, const std::vector<std::string>& keys) override {
    hiccup();
    inner_->delete_objects(b, keys);
  }
  std::vector<lithops::detail::ObjectEntry> list_objects(const std::string& b, const std::string& p,
                                                         const std::string& s) override {
    hiccup();
    return inner_->list_objects(b, p, s);
  }
  // Fails mid-way: delivers part of the data, then the connection "drops".
  void get_object_stream(const std::string& b, const std::string& k, std::optional<ByteRange> r,
                         const lithops::detail::ByteSink& sink) override {
    ++*calls_;
    std::string data = inner_->get_object(b, k, r);
    if (failures_-- > 0) {
      sink(std::string_view(data).substr(0, data.size() / 3));
      throw lithops::StorageError("connection reset mid-stream (injected)");
    }
    sink(data);
  }
  bool bucket_exists(const std::string& b) override { return inner_->bucket_exists(b); }
  void create_bucket(const std::string& b) override {
    hiccup();
    if (b == "refused") throw lithops::StorageRequestError("access denied (injected)");
    inner_->create_bucket(b);
  }

 private:
  void hiccup() {
    ++*calls_;
    if (failures_-- > 0) throw lithops::StorageError("connection reset (injected)");
  }
  std::unique_ptr<StorageBackend> inner_;
  int failures_;
  int* calls_;
};

std::unique_ptr<RetryingStorage> flaky(int failures, int attempts, int* calls) {
  lithops::Config c;
  c.set("localhost.storage_dir", lithops::testing::test_storage_dir());
  return std::make_unique<RetryingStorage>(
      std::make_unique<FlakyStorage>(std::make_unique<LocalhostStorage>(c), failures, calls), attempts);
}

TEST(RetryingStorage, TransientFailuresAreRetriedAndNothingIsLost) {
  int calls = 0;
  auto st = flaky(3, 5, &calls);
  st->put_object(st->bucket(), "a/b", "payload");
  EXPECT_EQ(calls, 4);  // three failures, then success
  EXPECT_EQ(st->get_object(st->bucket(), "a/b", std::nullopt), "payload");
}

TEST(RetryingStorage, ALastingFailureSurfacesAfterTheConfiguredAttempts) {
  int calls = 0;
  auto st = flaky(10, 3, &calls);
  EXPECT_THROW(st->put_object(st->bucket(), "k", "v"), lithops::StorageError);
  EXPECT_EQ(calls, 3);
}

TEST(RetryingStorage, AMissingKeyIsAnAnswerNotRetried) {
  int calls = 0;
  auto st = flaky(0, 5, &calls);
  EXPECT_THROW(st->get_object(st->bucket(), "missing", std::nullopt), lithops::NoSuchKeyError);
  EXPECT_EQ(calls, 1);
}

TEST(RetryingStorage, AStreamResumesAfterFailuresMidWay) {
  int calls = 0;
  auto st = flaky(0, 5, &calls);
  std::string data(100000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  st->put_object(st->bucket(), "s", data);
  auto* inner = static_cast<FlakyStorage*>(&st->inner());
  inner->fail_next(2);
  calls = 0;
  std::string got;
  st->get_object_stream(st->bucket(), "s", lithops::detail::ByteRange{10, 90010},
                        [&](std::string_view p) { got.append(p); });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(got, data.substr(10, 90000));
}

TEST(RetryingStorage, ARefusedRequestIsAnAnswerNotRetried) {
  int calls = 0;
  auto st = flaky(0, 5, &calls);
  EXPECT_THROW(st->create_bucket("refused"), lithops::StorageRequestError);
  EXPECT_EQ(calls, 1);
}

TEST(RetryingStorage, MakeStorageWrapsEveryBackend) {
  lithops::Config c;
  c.set("localhost.storage_dir", lithops::testing::test_storage_dir());
  auto st = lithops::detail::make_storage(c);
  EXPECT_NE(dynamic_cast<RetryingStorage*>(st.get()), nullptr);
  EXPECT_EQ(st->name(), "localhost");
}

}  // namespace
