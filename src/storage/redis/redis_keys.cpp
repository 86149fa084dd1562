// The `redis` section: Redis storage's, shared with the multiprocessing primitives.
#include "storage/redis/redis_storage.hpp"

namespace lithops::detail {

void declare_redis_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"redis.host", T::string, "", {}, "Redis server host; needed by redis storage and the multiprocessing primitives"},
      {"redis.port", T::integer, "6379", {}, "Redis server port"},
      {"redis.unix_socket", T::string, "", {}, "path of the server's unix socket; when set, host and port are unused"},
      {"redis.username", T::string, "", {}, "ACL user name (Redis 6+); empty: the default user"},
      {"redis.password", T::string, "", {}, "password (AUTH)", true},
      {"redis.db", T::integer, "0", {}, "database number"},
      {"redis.storage_bucket", T::string, "storage", {},
       "bucket Lithops keeps its data in (Redis buckets are key namespaces)"},
      {"redis.connect_timeout", T::number, "5", {}, "seconds to connect, and to wait for any one reply"},
  });
}

}  // namespace lithops::detail
