#pragma once
// What the multiprocessing tests share: their configuration, a fixture with its own context,
// and reading the test Redis directly (the keys of a context, their expiry, blocked clients).
#include <gtest/gtest.h>
#include <lithops/config.hpp>
#include <lithops/multiprocessing/context.hpp>
#include <lithops/multiprocessing/detail/redis_link.hpp>

#include <string>
#include <vector>

#include "servers.hpp"
#include "test_config.hpp"

namespace mp_test {

namespace mp = lithops::mp;

/// Redis storage and the multiprocessing Redis both on the test server; a 60 s expiry.
inline lithops::Config test_config(int workers) {
  auto c = lithops::testing::with_redis_storage(lithops::testing::test_config("pipe", workers));
  c.set("multiprocessing.expiry", 60);
  return c;
}

/// The test Redis, for reading it directly.
inline mp::detail::RedisLink test_redis() {
  mp::detail::RedisLink l;
  l.host = "127.0.0.1";
  l.port = 6390;
  return l;
}

/// The keys of the context with this id in the test Redis.
inline std::vector<std::string> keys_with_id(const std::string& id) {
  const auto l = test_redis();
  std::vector<std::string> keys;
  const std::string pattern = "lithops.mp/" + id + "/*";
  std::string cursor = "0";
  do {
    auto r = mp::detail::command(l, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    cursor = r.elements.at(0).str;
    for (auto& e : r.elements.at(1).elements) keys.push_back(e.str);
  } while (cursor != "0");
  return keys;
}
inline std::vector<std::string> keys_of(const mp::Context& ctx) { return keys_with_id(ctx.id()); }

inline long long pttl(const std::string& key) { return mp::detail::command(test_redis(), {"PTTL", key}).integer; }

/// Clients of the test Redis blocked in a command now (INFO clients).
inline long blocked_clients() {
  const std::string info = mp::detail::command(test_redis(), {"INFO", "clients"}).str;
  const auto at = info.find("blocked_clients:");
  return at == std::string::npos ? -1 : std::stol(info.substr(at + 16));
}

class MpPrimitives : public ::testing::Test {
 protected:
  explicit MpPrimitives(int workers = 2) : config_(test_config(workers)), ctx_(config_) {}
  lithops::Config config_;
  mp::Context ctx_;
};

}  // namespace mp_test
