#pragma once
// Runtimes that a compute backend keeps itself (a cloud function per build), for `lithops
// runtime deploy|update|list|delete -b <backend>` and `lithops clean -b <backend>`. Backends
// without one run the runtimes published in storage (runtime/runtime_store.hpp).
#include <cstdint>
#include <string>
#include <vector>

namespace lithops::detail {

struct BackendRuntime {
  std::string name;      ///< the backend's name for it (a function name)
  std::string build_id;  ///< the program build it runs; "" if unknown
  std::string arch;
  std::int64_t memory_mb = 0;
  std::uint64_t size = 0;  ///< bytes of its package
  std::string modified;    ///< as the backend reports it
};

class RuntimeManager {
 public:
  virtual ~RuntimeManager() = default;
  struct Deployed {
    BackendRuntime runtime;
    std::string what;  ///< "created", "updated" or "already deployed"
  };
  /// Deploys `executable` (a program built with lithops); `update`: replace its code even if
  /// the runtime exists.
  virtual Deployed deploy(const std::string& executable, bool update) = 0;
  virtual std::vector<BackendRuntime> list() = 0;
  /// Deletes the runtimes whose name or build id is `id`; how many there were.
  virtual std::size_t remove(const std::string& id) = 0;
  /// Deletes every runtime this configuration's namespace created; how many.
  virtual std::size_t remove_all() = 0;
  /// Where they live, for messages ("aws_lambda in us-east-1").
  virtual std::string where() const = 0;
};

}  // namespace lithops::detail
