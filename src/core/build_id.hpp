#pragma once
// Identity of the running build, compared between client and worker: a worker may only run a
// job whose build id is its own, because functions travel as code offsets.
#include <string>

namespace lithops::detail {

/// The ELF GNU build id of the main executable, in hex; if the binary has none, a hash of the
/// executable file's bytes. Computed once.
const std::string& build_id();

/// Absolute path of the running executable (what workers are spawned from by default).
const std::string& self_executable();

/// This machine's host name.
const std::string& host_name();

}  // namespace lithops::detail
