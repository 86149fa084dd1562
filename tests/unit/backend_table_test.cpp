// The backend tables are the only place that knows backends by name: the schema's choices,
// the factories' errors and the CLI read them. These tests hold the tables and what reads them
// to each other, so a new row cannot be half-added.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "compute/backend_table.hpp"
#include "compute/compute_backend.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "storage/backend_table.hpp"
#include "storage/storage_backend.hpp"

using ::testing::HasSubstr;
using namespace lithops::detail;

namespace {

const lithops::ConfigKey& key(const std::string& name) {
  for (const auto& k : lithops::config_schema())
    if (k.name == name) return k;
  throw std::runtime_error("no key " + name);
}

std::string section(const std::string& key) { return key.substr(0, key.find('.')); }

std::string config_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const lithops::ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

}  // namespace

TEST(BackendTables, TheSchemasChoicesAreTheTablesRows) {
  std::vector<std::string> compute, storage;
  for (const auto& r : compute_backends()) compute.push_back(r.name);
  for (const auto& r : storage_backends()) storage.push_back(r.name);
  EXPECT_EQ(key("lithops.backend").choices, compute);
  EXPECT_EQ(key("lithops.storage").choices, storage);
  EXPECT_EQ(storage_backend_names(), storage);
  for (const auto& r : compute_backends()) EXPECT_THAT(key("lithops.backend").doc, HasSubstr(r.description));
}

TEST(BackendTables, EveryRowDeclaresOnlyKeysOfItsOwnSection) {
  for (const auto& r : compute_backends()) {
    std::vector<lithops::ConfigKey> keys;
    r.declare_keys(keys);
    EXPECT_FALSE(keys.empty()) << r.name;
    for (const auto& k : keys) EXPECT_EQ(section(k.name), r.name) << r.name << " declares " << k.name;
  }
  for (const auto& r : storage_backends()) {
    std::vector<lithops::ConfigKey> keys;
    r.declare_keys(keys);
    EXPECT_FALSE(keys.empty()) << r.name;
    for (const auto& k : keys) EXPECT_EQ(section(k.name), r.name) << r.name << " declares " << k.name;
  }
}

TEST(BackendTables, EachRowsKeysAreInTheSchemaOnce) {
  std::multiset<std::string> names;
  for (const auto& k : lithops::config_schema()) names.insert(k.name);
  std::vector<lithops::ConfigKey> keys;
  for (const auto& r : compute_backends()) r.declare_keys(keys);
  for (const auto& r : storage_backends()) r.declare_keys(keys);
  for (const auto& k : keys) EXPECT_EQ(names.count(k.name), 1u) << k.name;
}

TEST(BackendTables, AnUnknownBackendNamesTheKeyAndEveryRow) {
  std::string e = config_error([] { compute_backend("kubernetes"); });
  EXPECT_THAT(e, HasSubstr("lithops.backend"));
  for (const auto& r : compute_backends()) EXPECT_THAT(e, HasSubstr(r.name));
  e = config_error([] { storage_backend("gcs"); });
  EXPECT_THAT(e, HasSubstr("lithops.storage"));
  for (const auto& r : storage_backends()) EXPECT_THAT(e, HasSubstr(r.name));
}

TEST(BackendTables, ARemoteBackendRefusesStorageItsMachinesCannotReachAndListsThoseTheyCan) {
  for (const auto& r : compute_backends()) {
    if (!r.remote) continue;
    lithops::Config c;
    c.set("lithops.backend", r.name);
    c.set("lithops.storage", "localhost");
    std::string e = config_error([&] { make_compute_backend(c, nullptr); });
    EXPECT_THAT(e, HasSubstr("lithops.storage")) << r.name;
    for (const auto& s : storage_backends()) {
      if (!s.reachable_remotely) continue;
      EXPECT_THAT(e, HasSubstr(s.name)) << r.name;
    }
  }
}

TEST(BackendTables, APoolSizeKeyIsADeclaredIntegerKeyOfItsBackend) {
  for (const auto& r : compute_backends()) {
    if (r.pool_size_key.empty()) continue;
    EXPECT_EQ(section(r.pool_size_key), r.name);
    EXPECT_EQ(key(r.pool_size_key).type, lithops::ConfigKey::Type::integer);
  }
}

TEST(BackendTables, OnlyBackendsWhoseWorkersHaveTheirOwnCredentialsGetNone) {
  lithops::Config c;
  c.set("lithops.storage", "aws_s3");
  c.set("aws_s3.access_key_id", "AKIDVISIBLE");
  c.set("aws_s3.secret_access_key", "SECRET-NOT-TO-SHIP");
  c.set("aws_s3.session_token", "TOKEN-NOT-TO-SHIP");
  EXPECT_THAT(worker_storage_config(c, true), HasSubstr("SECRET-NOT-TO-SHIP"));
  c.set("aws.region", "eu-west-1");
  const std::string stripped = worker_storage_config(c, false, "lithops-us-east-1-akidvis");
  EXPECT_THAT(stripped, HasSubstr("region: \"eu-west-1\""));  // the aws section travels, keys emptied
  EXPECT_THAT(stripped, ::testing::Not(HasSubstr("SECRET-NOT-TO-SHIP")));
  EXPECT_THAT(stripped, ::testing::Not(HasSubstr("TOKEN-NOT-TO-SHIP")));
  EXPECT_THAT(stripped, ::testing::Not(HasSubstr("AKIDVISIBLE")));
  EXPECT_THAT(stripped, HasSubstr("storage: aws_s3"));
  EXPECT_THAT(stripped, HasSubstr("storage_bucket: \"lithops-us-east-1-akidvis\""));  // the client's, not re-derived
  c.set("lithops.backend", "aws_lambda");
  EXPECT_TRUE(workers_have_storage_credentials(c));
  c.set("lithops.storage", "ceph");  // a service the role cannot reach: its keys must travel
  EXPECT_FALSE(workers_have_storage_credentials(c));
  c.set("lithops.backend", "ssh");
  c.set("lithops.storage", "aws_s3");
  EXPECT_FALSE(workers_have_storage_credentials(c));
}

TEST(ConfigYaml, StructuredValuesAreKeptAsJsonText) {
  auto c = lithops::Config::from_yaml(
      "aws_lambda:\n"
      "  env_vars: {A: '1', B: two}\n"
      "  efs:\n"
      "    - access_point: arn:aws:elasticfilesystem:x\n"
      "      mount_path: /mnt/data\n");
  EXPECT_EQ(c.get_string("aws_lambda.env_vars"), R"({"A":"1","B":"two"})");
  EXPECT_EQ(c.get_string("aws_lambda.efs"), R"([{"access_point":"arn:aws:elasticfilesystem:x","mount_path":"/mnt/data"}])");
}
