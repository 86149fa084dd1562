// The `ssh` section: the hosts, how to log in, and the agent keys every remote backend shares.
#include "compute/remote/remote_backend.hpp"
#include "compute/ssh/ssh_launcher.hpp"
#include "lithops/config.hpp"

namespace lithops::detail {

void declare_ssh_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"ssh.hosts", T::string, "", {},
       "hosts to run calls on: [user@]address[:port], separated by commas (or a YAML list)"},
      {"ssh.user", T::string, "", {}, "login user for hosts that do not name one; empty: ssh's default"},
      {"ssh.port", T::integer, "22", {}, "SSH port for hosts that do not name one"},
      {"ssh.key_file", T::string, "", {}, "private key (ssh -i); empty: ssh's defaults and agent"},
      {"ssh.ssh_options", T::string, "", {},
       "extra ssh options, e.g. '-o StrictHostKeyChecking=accept-new' or '-J bastion'"},
      {"ssh.worker_processes", T::integer, "0", {}, "worker processes per host; 0: one per core of the host"},
      {"ssh.start_timeout", T::number, "60", {}, "seconds a host may take to start its agent"},
  });
  declare_agent_keys(keys, "ssh", "hosts", "300", true);
}

}  // namespace lithops::detail
