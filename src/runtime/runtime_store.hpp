#pragma once
// Runtimes in storage: the user's own executable, published once per build so that workers on
// other machines can fetch it by build id (see docs/design.md, "Runtime shipping").
//
// Layout, content-addressed by build id:
//   lithops.runtimes/<build_id>/runtime     the executable's bytes
//   lithops.runtimes/<build_id>/meta.json   {"build_id","name","sha256","size","created_ms","arch"}
// meta.json is written last, so a runtime whose meta exists is complete.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/storage_backend.hpp"

namespace lithops::detail {

struct RuntimeInfo {
  std::string build_id;    ///< what build_id() returns inside that program
  std::string name;        ///< file name of the executable, e.g. "my_prog"
  std::string sha256;      ///< lower-case hex SHA-256 of the bytes
  std::uint64_t size = 0;
  std::int64_t created_ms = 0;  ///< when it was published (ms since the epoch)
  std::string arch;        ///< e.g. "x86_64": the ELF's machine, in uname's names (else the publisher's uname)
};

/// What publishing did.
struct Deployment {
  RuntimeInfo info;
  bool uploaded = false;  ///< false: the same bytes were already published under this build id
};

struct RuntimeKeys {
  static std::string prefix();                          // "lithops.runtimes/"
  static std::string binary(const std::string& build_id);
  static std::string meta(const std::string& build_id);
};

/// The build id of the executable at `path`: the same value build_id() returns inside it
/// (its ELF NT_GNU_BUILD_ID note, else the same file-hash fallback). @throws lithops::Error
std::string build_id_of_file(const std::string& path);

/// Lower-case hex SHA-256 of a file's bytes, read in pieces. @throws lithops::Error
std::string sha256_of_file(const std::string& path);

/// The CPU architecture an ELF executable is for, in uname -m's names ("x86_64", "aarch64" ...);
/// "" for a file that is not 64-bit ELF or a machine without a name here.
std::string arch_of_file(const std::string& path);

/// The uname -m of this machine.
std::string host_arch();

/// publish_runtime, also saying whether anything was uploaded (`lithops runtime deploy`).
/// The bucket is created if it does not exist.
Deployment deploy_runtime(StorageBackend& st, const std::string& path);

/// Publishes the executable at `path` under its build id in `st.bucket()`, unless a runtime
/// with that build id and the same sha256 is already there (then nothing is uploaded).
/// Large files are streamed (never whole in memory). @throws lithops::Error / StorageError
RuntimeInfo publish_runtime(StorageBackend& st, const std::string& path);

/// The running program's own executable, published at most once per process and storage
/// (cached per storage name and bucket: a later call costs one HEAD request, which also
/// republishes it if the cached runtime is not in this storage). Thread-safe.
RuntimeInfo publish_self(StorageBackend& st);

/// The runtime with this build id, if published.
std::optional<RuntimeInfo> find_runtime(StorageBackend& st, const std::string& build_id);

/// Every published runtime, newest first.
std::vector<RuntimeInfo> list_runtimes(StorageBackend& st);

/// Deletes a runtime; false if there was none.
bool delete_runtime(StorageBackend& st, const std::string& build_id);

}  // namespace lithops::detail
