// What the agents of every agent-based backend (ssh, slurm, aws_lambda) share: declared once,
// instantiated per section, and read back into RemoteOptions.
#include "compute/remote/remote_backend.hpp"
#include "config/declared.hpp"
#include "lithops/config.hpp"

namespace lithops::detail {

void declare_agent_keys(std::vector<ConfigKey>& keys, const std::string& s, const std::string& place,
                        const std::string& idle_default, bool shipping) {
  using T = ConfigKey::Type;
  auto key = [&](const char* k) { return s + "." + k; };
  if (shipping) {
    keys.push_back({key("runtime"), T::string, "", {},
                    "executable already present on the " + place +
                        " to run instead of shipping the program (it must be the same build); empty: the "
                        "program publishes itself to storage and the " + place + " fetch it by build id"});
    keys.push_back({key("cache_dir"), T::string, "$HOME/.cache/lithops", {},
                    "where the " + place + " cache fetched runtimes (expanded by their shell)"});
  }
  keys.push_back({key("idle_timeout"), T::number, idle_default, {},
                  "seconds an agent stays without work before it exits (it is started again when work comes)"});
  keys.push_back({key("heartbeat_interval"), T::number, "2", {}, "seconds between an agent's heartbeats in storage"});
  keys.push_back({key("heartbeat_timeout"), T::number, "30", {},
                  "seconds without a heartbeat after which an agent counts as lost and its calls run elsewhere"});
  keys.push_back({key("lost_call_retries"), T::integer, "2", {},
                  "times a call whose agent was lost (host down, job killed) is run again elsewhere before it "
                  "fails with WorkerCrashError"});
}

RemoteOptions remote_options(const Config& c, const std::string& s) {
  RemoteOptions o;
  o.lost_call_retries = static_cast<std::uint32_t>(c.get_int(s + ".lost_call_retries"));
  o.idle_timeout = c.get_double(s + ".idle_timeout");
  o.heartbeat_interval = c.get_double(s + ".heartbeat_interval");
  o.heartbeat_timeout = c.get_double(s + ".heartbeat_timeout");
  o.poll_interval = c.get_double("lithops.monitoring_interval");
  if (declared(s + ".cache_dir")) o.cache_dir = c.get_string(s + ".cache_dir");
  if (declared(s + ".runtime")) o.runtime_path = c.get_string(s + ".runtime");
  return o;
}

}  // namespace lithops::detail
