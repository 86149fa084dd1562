#pragma once
// The POSIX shell that starts an agent on a host that may not have the program yet: it finds
// the runtime in the host's cache by build id, or fetches it (a presigned URL of the runtime
// object in storage: the host needs curl or wget, and no credentials), verifies its SHA-256,
// caches it, and runs it in agent mode. Written in sh because nothing of ours is on the host
// before it runs.
#include <optional>
#include <string>

namespace lithops::detail {

struct BootstrapPlan {
  std::string build_id;
  std::string name;          ///< file name of the executable
  std::string sha256;
  std::string cache_dir;     ///< on the host; `$HOME` and other variables expand there
  std::string runtime_path;  ///< set: run this executable as it is (no shipping, no check)
  std::optional<std::string> url;  ///< presigned GET of the runtime object
};

/// Exit status of the script when the runtime is not cached and there is no URL to fetch it
/// from: the SSH backend then streams it over the session (upload_script) and retries.
constexpr int kNeedRuntimeExit = 97;
/// The downloaded or uploaded bytes did not have the published SHA-256.
constexpr int kBadRuntimeExit = 98;

/// Starts the agent. `spec_line` empty: the agent reads its spec from the script's stdin
/// (SSH); else the spec is given in a here-document (batch scripts, whose stdin is empty).
std::string bootstrap_script(const BootstrapPlan& plan, const std::string& spec_line = "");

/// Stores the runtime read from stdin in the host's cache, after checking its SHA-256.
std::string upload_script(const BootstrapPlan& plan);

}  // namespace lithops::detail
