// The keys of the `swift` section: Lithops' own names (Keystone v3: auth_url, region, user_id,
// project_id, password, storage_bucket), TempAuth's user and key, and the transfer settings the
// other object stores have.
#include "storage/swift/swift_storage.hpp"

namespace lithops::detail {

void declare_swift_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.push_back({"swift.auth_url", T::string, "", {},
                  "the identity service: Keystone (https://keystone:5000 or .../v3) or TempAuth "
                  "(http://proxy:8080/auth/v1.0)"});
  keys.push_back({"swift.auth_version", T::string, "auto", {"auto", "1", "3"},
                  "3: Keystone v3 password authentication (user_id, password, project_id); 1: TempAuth / v1 "
                  "(user, key); auto: 1 when auth_url's path ends in /v1.0 or /v1, else 3"});
  keys.push_back({"swift.region", T::string, "", {},
                  "region of the object-store endpoint in Keystone's catalog; empty: the catalog's only one"});
  keys.push_back({"swift.user_id", T::string, "", {}, "Keystone v3: the user's id"});
  keys.push_back({"swift.project_id", T::string, "", {}, "Keystone v3: the id of the project the token is scoped to"});
  keys.push_back({"swift.password", T::string, "", {}, "Keystone v3: the user's password", true});
  keys.push_back({"swift.user", T::string, "", {}, "TempAuth (v1): the user, as account:user (test:tester)"});
  keys.push_back({"swift.key", T::string, "", {}, "TempAuth (v1): the user's key", true});
  keys.push_back({"swift.interface", T::string, "public", {"public", "internal", "admin"},
                  "Keystone v3: which of the catalog's object-store endpoints to use"});
  keys.push_back({"swift.storage_url", T::string, "", {},
                  "the account's URL (http://proxy:8080/v1/AUTH_<project>), instead of the one authentication "
                  "answers (the catalog's, or X-Storage-Url)"});
  keys.push_back({"swift.storage_bucket", T::string, "lithops", {},
                  "container Lithops keeps its data in (created if missing)"});
  keys.push_back({"swift.segment_container", T::string, "", {},
                  "container of large objects' segments; empty: <container>_segments"});
  keys.push_back({"swift.temp_url_key", T::string, "", {},
                  "the account's TempURL key, for presigned URLs; empty: the account's X-Account-Meta-Temp-URL-Key "
                  "(set to a random one if it has none)",
                  true});
  keys.push_back({"swift.upload_threshold", T::integer, "16777216", {},
                  "objects up to this many bytes go up in one PUT; larger ones as a Static Large Object (<= 5 GiB)"});
  keys.push_back({"swift.segment_size", T::integer, "16777216", {},
                  "bytes per segment of a Static Large Object (1 MiB .. 5 GiB; at most 1000 segments) and per range "
                  "of parallel downloads"});
  keys.push_back({"swift.max_concurrency", T::integer, "8", {},
                  "parallel requests of one large upload or download, or of a delete of many objects"});
  keys.push_back({"swift.connect_timeout", T::number, "10", {}, "seconds to establish a connection"});
  keys.push_back({"swift.read_timeout", T::number, "60", {},
                  "seconds a request may go without receiving a byte before it is abandoned and retried"});
  keys.push_back({"swift.verify_ssl", T::boolean, "true", {}, "verify the servers' TLS certificates"});
}

}  // namespace lithops::detail
