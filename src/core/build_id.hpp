#pragma once
// Identity of the running build, compared between client and worker: a worker may only run a
// job whose build id is its own, because functions travel as code offsets.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lithops::detail {

/// The ELF GNU build id of the main executable, in hex; if the binary has none, a hash of the
/// executable file's bytes. Computed once.
const std::string& build_id();

/// The NT_GNU_BUILD_ID of "GNU" in a block of ELF notes (a PT_NOTE segment), in hex; "" if
/// there is none. `align` is the segment's alignment (4, or 8 for 8-byte-aligned notes).
/// Shared by build_id() (notes in memory) and build_id_of_file (notes read from the file), so
/// that both give the same answer.
std::string gnu_build_id_in_notes(std::string_view notes, std::size_t align);

/// What build_id() falls back to for an executable without a build-id note: a hash of the
/// file's bytes (read whole: only such rare binaries pay for it).
std::string hash_of_file(const std::string& path);

/// Set by a Lambda package's bootstrap, which runs the program through the glibc loader it
/// carries: the program's path, the loader, and the loader's library directory.
inline constexpr const char* kExecutableEnv = "LITHOPS_EXECUTABLE";
inline constexpr const char* kLoaderEnv = "LITHOPS_LOADER";
inline constexpr const char* kLibraryPathEnv = "LITHOPS_LIBRARY_PATH";

/// Absolute path of the running executable (what workers are spawned from by default).
const std::string& self_executable();

/// What must come before the executable's path to start another copy of this program: the
/// carried loader and its library path (see kLoaderEnv), or nothing.
const std::vector<std::string>& self_launch_prefix();

/// This machine's host name.
const std::string& host_name();

}  // namespace lithops::detail
