#include "compute/ssh/ssh_launcher.hpp"

#include <sys/wait.h>

#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/build_id.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

std::string SshHost::display() const {
  return fmt::format("{}{}{}", user.empty() ? "" : user + "@", address, port == 22 ? "" : ":" + std::to_string(port));
}

std::vector<SshHost> parse_ssh_hosts(const std::string& list, const std::string& default_user, int default_port) {
  std::string text = list;
  for (auto& c : text)
    if (c == ',') c = ' ';
  std::vector<SshHost> hosts;
  for (const auto& entry : split_words(text)) {
    SshHost h;
    h.user = default_user;
    h.port = default_port;
    std::string rest = entry;
    if (auto at = rest.find('@'); at != std::string::npos) {
      h.user = rest.substr(0, at);
      rest = rest.substr(at + 1);
    }
    // [v6::addr]:port, or host:port
    if (!rest.empty() && rest[0] == '[') {
      auto close = rest.find(']');
      if (close == std::string::npos) throw ConfigError("ssh.hosts: '" + entry + "': missing ']'");
      h.address = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      if (!rest.empty() && rest[0] == ':') rest = rest.substr(1);
      else rest.clear();
    } else if (auto colon = rest.find(':'); colon != std::string::npos) {
      h.address = rest.substr(0, colon);
      rest = rest.substr(colon + 1);
    } else {
      h.address = rest;
      rest.clear();
    }
    if (!rest.empty()) {
      try {
        std::size_t used = 0;
        h.port = std::stoi(rest, &used);
        if (used != rest.size() || h.port <= 0 || h.port > 65535) throw std::invalid_argument("port");
      } catch (const std::exception&) {
        throw ConfigError("ssh.hosts: '" + entry + "': the port must be a number from 1 to 65535");
      }
    }
    if (h.address.empty()) throw ConfigError("ssh.hosts: '" + entry + "': no address");
    hosts.push_back(std::move(h));
  }
  if (hosts.empty())
    throw ConfigError("ssh.hosts: no hosts; list them as [user@]address[:port], separated by commas");
  return hosts;
}

SshLauncher::SshLauncher(const Config& config)
    : hosts_(parse_ssh_hosts(config.get_string("ssh.hosts"), config.get_string("ssh.user"),
                             static_cast<int>(config.get_int("ssh.port")))),
      sessions_(hosts_.size()),
      workers_(static_cast<std::uint32_t>(config.get_int("ssh.worker_processes"))),
      key_file_(config.get_string("ssh.key_file")),
      extra_options_(split_words(config.get_string("ssh.ssh_options"))),
      start_timeout_(config.get_double("ssh.start_timeout")) {}

SshLauncher::~SshLauncher() { stop_all(); }

std::vector<std::string> SshLauncher::ssh_argv(std::size_t i, const std::string& remote_command) const {
  const SshHost& h = hosts_[i];
  // BatchMode: never prompt (there is no one to answer). ServerAlive: a host that vanishes
  // without closing the connection is noticed within 15 s even before its heartbeat lapses.
  // No connection sharing: a ControlPersist master from the user's ssh config would keep the
  // session's stderr open after it ends, and an agent's session is long-lived anyway.
  std::vector<std::string> argv = {"ssh", "-T", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=5",
                                   "-o", "ServerAliveCountMax=3", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                                   "-o", "ControlMaster=no", "-o", "ControlPath=none", "-p", std::to_string(h.port)};
  if (!key_file_.empty()) argv.insert(argv.end(), {"-i", key_file_});
  argv.insert(argv.end(), extra_options_.begin(), extra_options_.end());
  if (!h.user.empty()) argv.insert(argv.end(), {"-l", h.user});
  argv.push_back(h.address);
  argv.push_back(remote_command);
  return argv;
}

void SshLauncher::start(std::size_t i, const AgentSpec& spec, const BootstrapPlan& plan) {
  Session& s = sessions_[i];
  if (s.upload.joinable()) s.upload.join();
  s.spec = spec;
  s.spec.watch_stdin = true;
  s.plan = plan;
  s.uploaded = false;
  spawn(i);
}

void SshLauncher::spawn(std::size_t i) {
  Session& s = sessions_[i];
  if (s.proc) s.proc->finish(std::chrono::milliseconds(0));
  s.proc = std::make_unique<ChildProcess>(ssh_argv(i, "sh -c " + shell_quote(bootstrap_script(s.plan))));
  // The spec (with the storage credentials) goes through the encrypted session, never onto
  // a command line that `ps` on the host would show.
  s.proc->write_stdin(s.spec.to_json() + "\n");
}

void SshLauncher::begin_upload(std::size_t i) {
  Session& s = sessions_[i];
  s.upload_done = false;
  s.upload_error.clear();
  // In a thread of its own: sending tens of MB must not stall dispatch to the other hosts.
  s.upload = std::thread([this, i, argv = ssh_argv(i, "sh -c " + shell_quote(upload_script(s.plan)))] {
    Session& s = sessions_[i];
    // /proc/self/exe, not its path: the file published is the one running, even if the path
    // has been rebuilt since.
    std::ifstream in("/proc/self/exe", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    log_info("ssh: {} has no copy of runtime {}; sending it over the session ({:.1f} MB)", hosts_[i].display(),
             s.plan.build_id, static_cast<double>(bytes.size()) / 1e6);
    auto r = run_command(argv, bytes, std::chrono::minutes(10));
    if (!r.ok()) s.upload_error = "cannot send the runtime: " + r.describe();
    s.upload_done.store(true, std::memory_order_release);
  });
}

AgentLauncher::Status SshLauncher::poll(std::size_t i) {
  Session& s = sessions_[i];
  Status st;
  if (s.upload.joinable()) {
    st.restarted = true;  // the start timeout counts from the end of the upload
    if (!s.upload_done.load(std::memory_order_acquire)) return st;
    s.upload.join();
    if (!s.upload_error.empty()) return Status{true, false, true, s.upload_error};
    spawn(i);
    return st;
  }
  if (!s.proc) return Status{true, false, true, "not started"};
  auto w = s.proc->poll();
  if (!w) return st;
  const int status = *w;
  const bool exited = WIFEXITED(status);
  const int code = exited ? WEXITSTATUS(status) : -1;
  if (code == kNeedRuntimeExit && !s.uploaded) {
    s.uploaded = true;
    begin_upload(i);
    st.restarted = true;
    return st;
  }
  st.ended = true;
  st.clean = code == 0;
  std::string tail = last_line(s.proc->stderr_tail());
  if (code == 255) {
    st.reason = "ssh: " + (tail.empty() ? std::string("connection failed") : tail);
  } else if (exited) {
    st.reason = code == 0 ? "stopped" : fmt::format("the agent exited with code {}", code);
    if (code != 0 && !tail.empty()) st.reason += ": " + tail;
  } else {
    st.reason = fmt::format("ssh was killed by signal {}", WTERMSIG(status));
  }
  return st;
}

void SshLauncher::stop(std::size_t i) {
  if (sessions_[i].proc) sessions_[i].proc->finish(std::chrono::seconds(0));
}

void SshLauncher::stop_all() {
  // Closing stdin makes each agent stop its workers and exit, and the session end; all hosts
  // at once, then wait for them together.
  for (auto& s : sessions_)
    if (s.proc) s.proc->close_stdin();
  for (auto& s : sessions_)
    if (s.proc) s.proc->finish(std::chrono::seconds(5));
  for (auto& s : sessions_) {
    if (s.upload.joinable()) s.upload.join();  // bounded by the upload's own timeout
    s.proc.reset();
  }
}

}  // namespace lithops::detail
