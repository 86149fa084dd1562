#pragma once
// SSH hosts (Lithops' standalone "consume"/"reuse" over existing machines): one agent per
// host, started with the system's `ssh` client (so ~/.ssh/config, agents, ProxyJump and
// known_hosts work as the user has them). The ssh session is the agent's lifeline: closing
// its stdin stops the agent, and the session ending tells the client the agent is gone.
#include <atomic>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "compute/remote/agent_launcher.hpp"
#include "util/subprocess.hpp"

#include "lithops/config.hpp"

namespace lithops::detail {

/// Declares the keys of its configuration section.
void declare_ssh_keys(std::vector<ConfigKey>& keys);

struct SshHost {
  std::string user;
  std::string address;
  int port = 22;
  std::string display() const;  // "user@address:port"
};

/// Parses "[user@]address[:port]" entries separated by commas or spaces. @throws ConfigError
std::vector<SshHost> parse_ssh_hosts(const std::string& list, const std::string& default_user, int default_port);

class SshLauncher final : public AgentLauncher {
 public:
  explicit SshLauncher(const Config& config);
  ~SshLauncher() override;

  std::string backend_name() const override { return "ssh"; }
  std::size_t places() const override { return hosts_.size(); }
  std::string place_name(std::size_t i) const override { return hosts_[i].display(); }
  std::uint32_t workers(std::size_t) const override { return workers_; }
  bool start_eagerly() const override { return true; }
  double start_timeout() const override { return start_timeout_; }
  bool can_upload_runtime() const override { return true; }
  void start(std::size_t i, const AgentSpec& spec, const BootstrapPlan& plan) override;
  Status poll(std::size_t i) override;
  void stop(std::size_t i) override;
  void stop_all() override;

 private:
  struct Session {
    std::unique_ptr<ChildProcess> proc;
    AgentSpec spec;
    BootstrapPlan plan;
    bool uploaded = false;              // the runtime was sent once for this start
    std::thread upload;                 // sending it, when the host had none and storage no URL
    std::atomic<bool> upload_done{false};
    std::string upload_error;           // written by `upload` before upload_done
  };
  std::vector<std::string> ssh_argv(std::size_t i, const std::string& remote_command) const;
  void spawn(std::size_t i);
  void begin_upload(std::size_t i);

  std::vector<SshHost> hosts_;
  std::vector<Session> sessions_;
  std::uint32_t workers_;
  std::string key_file_;
  std::vector<std::string> extra_options_;
  double start_timeout_;
};

}  // namespace lithops::detail
