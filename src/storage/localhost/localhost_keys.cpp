// The localhost storage's keys (the `localhost` section, shared with the localhost compute backend).
#include "storage/localhost/localhost_storage.hpp"

namespace lithops::detail {

void declare_localhost_storage_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"localhost.storage_dir", T::string, "", {},
       "directory of the localhost storage backend; empty: $TMPDIR/lithops-<user>"},
      {"localhost.storage_bucket", T::string, "storage", {}, "bucket (sub-directory) Lithops keeps its data in"},
  });
}

}  // namespace lithops::detail
