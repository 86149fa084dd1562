// Config: schema defaults, YAML from text and files, error messages that name the key and
// list what is valid, LITHOPS_CONFIG_FILE, and to_yaml round trips (src/config/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "test_config.hpp"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using lithops::Config;
using lithops::ConfigError;
using lithops::ConfigKey;

/// The message of the ConfigError `fn` throws; fails the test if it throws nothing.
template <class Fn>
std::string config_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected lithops::ConfigError";
  return {};
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  auto path = (std::filesystem::path(dir) / name).string();
  std::ofstream(path) << text;
  return path;
}

/// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// Every key's value as text, so that two configs can be compared whole.
std::string value_text(const Config& c, const ConfigKey& k) {
  if (!c.has(k.name)) return "<unset>";
  switch (k.type) {
    case ConfigKey::Type::string: return c.get_string(k.name);
    case ConfigKey::Type::integer: return std::to_string(c.get_int(k.name));
    case ConfigKey::Type::number: return std::to_string(c.get_double(k.name));
    case ConfigKey::Type::boolean: return c.get_bool(k.name) ? "true" : "false";
  }
  return "?";
}

// ---- schema ----

TEST(ConfigSchema, EveryKeyIsSectionDotNameDeclaredOnceWithADoc) {
  std::set<std::string> seen;
  for (const auto& k : lithops::config_schema()) {
    EXPECT_NE(k.name.find('.'), std::string::npos) << k.name;
    EXPECT_FALSE(k.doc.empty()) << k.name;
    EXPECT_TRUE(seen.insert(k.name).second) << "declared twice: " << k.name;
  }
  EXPECT_FALSE(seen.empty());
}

TEST(ConfigSchema, EveryDefaultIsOneOfItsKeysChoices) {
  for (const auto& k : lithops::config_schema()) {
    if (k.choices.empty()) continue;
    EXPECT_THAT(k.choices, ::testing::Contains(k.default_value)) << k.name;
  }
}

// ---- defaults ----

TEST(Config, DefaultsComeFromTheSchema) {
  Config c;
  EXPECT_EQ(c.origin(), "defaults");
  EXPECT_EQ(c.get_string("lithops.backend"), "localhost");
  EXPECT_EQ(c.get_string("lithops.storage"), "localhost");
  EXPECT_EQ(c.get_string("lithops.log_level"), "INFO");
  EXPECT_DOUBLE_EQ(c.get_double("lithops.execution_timeout"), 1800.0);
  EXPECT_EQ(c.get_int("lithops.chunksize"), 0);
  EXPECT_EQ(c.get_int("lithops.retries"), 0);
  EXPECT_TRUE(c.get_bool("lithops.data_cleaner"));
  EXPECT_EQ(c.get_int("localhost.worker_processes"), 0);
  EXPECT_EQ(c.get_string("localhost.transport"), "pipe");
  EXPECT_EQ(c.get_string("localhost.runtime"), "");
  EXPECT_EQ(c.get_string("localhost.storage_bucket"), "storage");
}

TEST(Config, EveryKeyWithADefaultHasAValue) {
  Config c;
  for (const auto& k : lithops::config_schema()) {
    if (!k.default_value.empty()) {
      EXPECT_TRUE(c.has(k.name)) << k.name;
    }
  }
}

// ---- set and get ----

TEST(Config, SetParsesTheValueByTheKeysType) {
  Config c;
  c.set("localhost.worker_processes", 7)
      .set("lithops.execution_timeout", 2.5)
      .set("lithops.data_cleaner", false)
      .set("localhost.transport", "storage")
      .set("lithops.retries", "3");
  EXPECT_EQ(c.get_int("localhost.worker_processes"), 7);
  EXPECT_DOUBLE_EQ(c.get_double("lithops.execution_timeout"), 2.5);
  EXPECT_FALSE(c.get_bool("lithops.data_cleaner"));
  EXPECT_EQ(c.get_string("localhost.transport"), "storage");
  EXPECT_EQ(c.get_int("lithops.retries"), 3);
}

TEST(Config, AnIntegerSetOnANumberKeyReadsAsADouble) {
  Config c;
  c.set("lithops.execution_timeout", 5);
  EXPECT_DOUBLE_EQ(c.get_double("lithops.execution_timeout"), 5.0);
}

TEST(Config, SetOfAnUnknownKeyNamesItAndListsTheValidKeysOfItsSection) {
  auto msg = config_error_of([] { Config().set("localhost.worker_procs", 3); });
  EXPECT_THAT(msg, AllOf(HasSubstr("localhost.worker_procs"), HasSubstr("localhost.worker_processes"),
                         HasSubstr("localhost.transport")));
}

TEST(Config, ReadingWithTheWrongTypeThrowsConfigError) {
  Config c;
  auto msg = config_error_of([&] { (void)c.get_int("localhost.transport"); });
  EXPECT_THAT(msg, HasSubstr("localhost.transport"));
  EXPECT_THROW((void)c.get_bool("localhost.worker_processes"), ConfigError);
  EXPECT_THROW((void)c.get_string("no.such_key"), ConfigError);
}

TEST(Config, ConfigErrorIsALithopsError) {
  EXPECT_THROW(Config().set("nope.nope", 1), lithops::Error);
}

// ---- YAML ----

TEST(Config, FromYamlOverlaysTheDefaults) {
  auto c = Config::from_yaml(
      "lithops:\n"
      "  log_level: DEBUG\n"
      "  execution_timeout: 12.5\n"
      "  data_cleaner: false\n"
      "localhost:\n"
      "  worker_processes: 3\n"
      "  transport: storage\n");
  EXPECT_EQ(c.get_string("lithops.log_level"), "DEBUG");
  EXPECT_DOUBLE_EQ(c.get_double("lithops.execution_timeout"), 12.5);
  EXPECT_FALSE(c.get_bool("lithops.data_cleaner"));
  EXPECT_EQ(c.get_int("localhost.worker_processes"), 3);
  EXPECT_EQ(c.get_string("localhost.transport"), "storage");
  EXPECT_EQ(c.get_string("lithops.backend"), "localhost");  // untouched: the default
  EXPECT_EQ(c.origin(), "<string>");
}

TEST(Config, FromYamlOfAnEmptyDocumentIsTheDefaults) {
  auto c = Config::from_yaml("");
  EXPECT_EQ(c.get_string("localhost.transport"), "pipe");
  auto d = Config::from_yaml("lithops:\n");
  EXPECT_EQ(d.get_string("lithops.log_level"), "INFO");
}

TEST(Config, FromYamlRecordsTheGivenOrigin) {
  EXPECT_EQ(Config::from_yaml("lithops:\n  retries: 1\n", "my-origin").origin(), "my-origin");
}

TEST(Config, UnknownSectionNamesItAndListsTheValidSections) {
  auto msg = config_error_of([] { Config::from_yaml("code_engine:\n  runtime_memory: 256\n"); });
  EXPECT_THAT(msg, AllOf(HasSubstr("code_engine"), HasSubstr("lithops"), HasSubstr("localhost"), HasSubstr("aws_lambda")));
}

TEST(Config, UnknownKeyNamesItAndListsTheValidKeys) {
  auto msg = config_error_of([] { Config::from_yaml("lithops:\n  bakend: localhost\n"); });
  EXPECT_THAT(msg, AllOf(HasSubstr("lithops.bakend"), HasSubstr("lithops.backend"), HasSubstr("lithops.storage"),
                         HasSubstr("lithops.log_level")));
}

TEST(Config, BadEnumValueNamesTheKeyAndListsTheValidChoices) {
  auto msg = config_error_of([] { Config::from_yaml("localhost:\n  transport: carrier-pigeon\n"); });
  EXPECT_THAT(msg, AllOf(HasSubstr("carrier-pigeon"), HasSubstr("localhost.transport"), HasSubstr("pipe"),
                         HasSubstr("storage")));
  auto level = config_error_of([] { Config().set("lithops.log_level", "LOUD"); });
  EXPECT_THAT(level, AllOf(HasSubstr("LOUD"), HasSubstr("DEBUG"), HasSubstr("WARNING")));
}

TEST(Config, BadTypeNamesTheKeyAndTheExpectedType) {
  auto integer = config_error_of([] { Config::from_yaml("localhost:\n  worker_processes: many\n"); });
  EXPECT_THAT(integer, AllOf(HasSubstr("many"), HasSubstr("localhost.worker_processes"), HasSubstr("integer")));
  auto number = config_error_of([] { Config::from_yaml("lithops:\n  execution_timeout: soon\n"); });
  EXPECT_THAT(number, AllOf(HasSubstr("lithops.execution_timeout"), HasSubstr("number")));
  auto boolean = config_error_of([] { Config::from_yaml("lithops:\n  data_cleaner: maybe\n"); });
  EXPECT_THAT(boolean, AllOf(HasSubstr("lithops.data_cleaner"), HasSubstr("true or false")));
}

TEST(Config, NegativeOrFractionalIntegersAreRejected) {
  EXPECT_THROW(Config().set("localhost.worker_processes", -1), ConfigError);
  EXPECT_THROW(Config().set("localhost.worker_processes", "2.5"), ConfigError);
  EXPECT_THROW(Config().set("lithops.execution_timeout", -1.0), ConfigError);
  EXPECT_THROW(Config().set("lithops.retries", ""), ConfigError);
}

TEST(Config, MalformedYamlThrowsConfigErrorNamingTheOrigin) {
  auto msg = config_error_of([] { Config::from_yaml("lithops: [unclosed\n", "broken.yaml"); });
  EXPECT_THAT(msg, HasSubstr("broken.yaml"));
}

TEST(Config, ASectionThatIsNotAMapIsRejected) {
  auto msg = config_error_of([] { Config::from_yaml("lithops: 3\n"); });
  EXPECT_THAT(msg, HasSubstr("lithops"));
  EXPECT_THROW(Config::from_yaml("- a\n- b\n"), ConfigError);
  EXPECT_THROW(Config::from_yaml("lithops:\n  retries: [1, 2]\n"), ConfigError);
}

// ---- files ----

TEST(Config, FromFileReadsTheFileAndRecordsItsPath) {
  auto dir = lithops::testing::test_storage_dir();
  auto path = write_file(dir, "config.yaml", "localhost:\n  worker_processes: 5\n  transport: storage\n");
  auto c = Config::from_file(path);
  EXPECT_EQ(c.get_int("localhost.worker_processes"), 5);
  EXPECT_EQ(c.get_string("localhost.transport"), "storage");
  EXPECT_EQ(c.origin(), path);
}

TEST(Config, FromFileOfAMissingFileNamesThePath) {
  auto dir = lithops::testing::test_storage_dir();
  auto path = dir + "/does-not-exist.yaml";
  EXPECT_THAT(config_error_of([&] { Config::from_file(path); }), HasSubstr(path));
}

TEST(Config, FromFileReportsABadKeyInTheFile) {
  auto dir = lithops::testing::test_storage_dir();
  auto path = write_file(dir, "bad.yaml", "localhost:\n  workers: 5\n");
  EXPECT_THAT(config_error_of([&] { Config::from_file(path); }),
              AllOf(HasSubstr("localhost.workers"), HasSubstr("localhost.worker_processes")));
}

TEST(Config, LoadHonoursLithopsConfigFile) {
  auto dir = lithops::testing::test_storage_dir();
  auto path = write_file(dir, "env-config.yaml", "lithops:\n  retries: 4\n  log_level: ERROR\n");
  ScopedEnv env("LITHOPS_CONFIG_FILE", path);
  auto c = Config::load();
  EXPECT_EQ(c.get_int("lithops.retries"), 4);
  EXPECT_EQ(c.get_string("lithops.log_level"), "ERROR");
  EXPECT_EQ(c.origin(), path);
}

TEST(Config, LoadOfAMissingLithopsConfigFileThrowsInsteadOfFallingBack) {
  auto dir = lithops::testing::test_storage_dir();
  ScopedEnv env("LITHOPS_CONFIG_FILE", dir + "/missing.yaml");
  EXPECT_THROW(Config::load(), ConfigError);
}

// ---- to_yaml ----

TEST(Config, ToYamlRoundTripsEveryValue) {
  Config c;
  c.set("lithops.log_level", "DEBUG")
      .set("lithops.execution_timeout", 0.25)
      .set("lithops.chunksize", 17)
      .set("lithops.data_cleaner", false)
      .set("localhost.worker_processes", 3)
      .set("localhost.transport", "storage")
      .set("localhost.storage_dir", "/tmp/some dir/with spaces")
      .set("localhost.runtime", "/opt/bin/my-program");
  auto yaml = c.to_yaml();
  auto back = Config::from_yaml(yaml);
  for (const auto& k : lithops::config_schema()) EXPECT_EQ(value_text(back, k), value_text(c, k)) << k.name;
}

TEST(Config, ToYamlOfTheDefaultsRoundTrips) {
  Config c;
  auto back = Config::from_yaml(c.to_yaml());
  for (const auto& k : lithops::config_schema()) EXPECT_EQ(value_text(back, k), value_text(c, k)) << k.name;
}

TEST(Config, ToYamlListsKeysUnderTheirSections) {
  auto yaml = Config().to_yaml();
  EXPECT_THAT(yaml, AllOf(HasSubstr("lithops:\n"), HasSubstr("localhost:\n"), HasSubstr("  transport: ")));
}

TEST(Config, ToYamlRoundTripsStringsThatNeedQuoting) {
  Config c;
  c.set("localhost.storage_dir", "/tmp/a \"quoted\" dir: with # and \\ in it");
  auto back = Config::from_yaml(c.to_yaml());
  EXPECT_EQ(back.get_string("localhost.storage_dir"), c.get_string("localhost.storage_dir"));
}

}  // namespace

TEST(Config, AnyIntegerTypeCanBeSet) {
  lithops::Config c;
  c.set("localhost.worker_processes", std::size_t{3});
  EXPECT_EQ(c.get_int("localhost.worker_processes"), 3);
  c.set("localhost.worker_processes", 5u);
  EXPECT_EQ(c.get_int("localhost.worker_processes"), 5);
  EXPECT_THROW(c.set("localhost.worker_processes", ~std::uint64_t{0}), lithops::ConfigError);
  EXPECT_THROW(c.set("localhost.worker_processes", -3), lithops::ConfigError);
}

TEST(Config, AnErrorInAFileNamesTheFile) {
  try {
    lithops::Config::from_yaml("localhost:\n  worker_procs: 3\n", "/home/me/.lithops/config");
    FAIL() << "no error";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/home/me/.lithops/config"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("localhost.worker_procs"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("localhost.worker_processes"));
  }
}
