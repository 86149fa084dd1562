#include "util/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <iterator>
#include <sstream>

#include "lithops/errors.hpp"

extern char** environ;

namespace lithops::detail {

namespace {

constexpr std::size_t kTailLines = 20;

std::vector<std::string> merged_env(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos && extra.contains(std::string(kv.substr(0, eq)))) continue;
    env.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

// Spawns argv with the given fds as its stdin/stdout/stderr (-1: inherit). Returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env, int in,
            int out, int err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in >= 0) posix_spawn_file_actions_adddup2(&fa, in, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&fa, out, 1);
  if (err >= 0) posix_spawn_file_actions_adddup2(&fa, err, 2);
  // Its own process group: a Ctrl-C meant for the client must not kill `ssh` before the
  // client has stopped its agents.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  std::vector<std::string> env = merged_env(extra_env);
  std::vector<char*> envp, args;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, copy[0].c_str(), &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

std::string describe_wait(int status) {
  if (status < 0) return "could not start";
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  return "ended";
}

}  // namespace

bool CommandResult::ok() const { return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string CommandResult::describe() const {
  std::string what = timed_out ? "timed out" : describe_wait(status);
  std::string line = last_line(err);
  if (line.empty()) line = last_line(out);
  return line.empty() ? what : what + ": " + line;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout, const std::map<std::string, std::string>& env) {
  CommandResult r;
  int pin[2], pout[2], perr[2];
  if (::pipe2(pin, O_CLOEXEC) != 0) return r;
  if (::pipe2(pout, O_CLOEXEC) != 0) {
    ::close(pin[0]), ::close(pin[1]);
    return r;
  }
  if (::pipe2(perr, O_CLOEXEC) != 0) {
    ::close(pin[0]), ::close(pin[1]), ::close(pout[0]), ::close(pout[1]);
    return r;
  }
  pid_t pid = spawn(argv, env, pin[0], pout[1], perr[1]);
  int spawn_errno = errno;
  ::close(pin[0]), ::close(pout[1]), ::close(perr[1]);
  if (pid < 0) {
    ::close(pin[1]), ::close(pout[0]), ::close(perr[0]);
    r.err = fmt::format("{}: {}", argv[0], std::strerror(spawn_errno));
    return r;
  }
  // One poll loop feeds stdin and drains both outputs, so no pipe can fill up and deadlock.
  std::size_t in_pos = 0;
  int in_fd = pin[1];
  if (input.empty()) ::close(in_fd), in_fd = -1;
  else ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int open_outs = 2;
  while (open_outs > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3] = {{pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int n = ::poll(fds, in_fd >= 0 ? 3 : 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = ::read(fds[k].fd, buf, sizeof(buf));
      if (got > 0) {
        (k == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        (k == 0 ? pout[0] : perr[0]) = -1;
        --open_outs;
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(in_fd, input.data() + in_pos, input.size() - in_pos);
      if (w > 0) in_pos += static_cast<std::size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) in_pos = input.size();
      if (in_pos >= input.size()) ::close(in_fd), in_fd = -1;
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  if (pout[0] >= 0) ::close(pout[0]);
  if (perr[0] >= 0) ::close(perr[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = status;
  return r;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int pin[2], perr[2];
  if (::pipe2(pin, O_CLOEXEC) != 0) throw Error(fmt::format("lithops: pipe: {}", std::strerror(errno)));
  if (::pipe2(perr, O_CLOEXEC) != 0) {
    ::close(pin[0]), ::close(pin[1]);
    throw Error(fmt::format("lithops: pipe: {}", std::strerror(errno)));
  }
  pid_ = spawn(argv, env, pin[0], -1, perr[1]);
  int spawn_errno = errno;
  ::close(pin[0]), ::close(perr[1]);
  if (pid_ < 0) {
    ::close(pin[1]), ::close(perr[0]);
    throw Error(fmt::format("lithops: cannot run {}: {}", argv[0], std::strerror(spawn_errno)));
  }
  in_fd_ = pin[1];
  err_fd_ = perr[0];
  pump_ = std::thread([this] { pump_stderr(); });
}

ChildProcess::~ChildProcess() {
  if (!status_) finish(std::chrono::milliseconds(0));
  if (pump_.joinable()) pump_.join();
  if (in_fd_ >= 0) ::close(in_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool ChildProcess::write_stdin(const std::string& data) {
  std::size_t pos = 0;
  while (in_fd_ >= 0 && pos < data.size()) {
    ssize_t w = ::write(in_fd_, data.data() + pos, data.size() - pos);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    pos += static_cast<std::size_t>(w);
  }
  return in_fd_ >= 0;
}

void ChildProcess::close_stdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

std::optional<int> ChildProcess::poll() {
  if (status_) return status_;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = status;
  return status_;
}

int ChildProcess::finish(std::chrono::milliseconds timeout) {
  close_stdin();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      status_ = status;
      break;
    }
    // Waiting for a process to exit has no descriptor to block on without a pidfd; 5 ms
    // steps bound the wait (this runs at shutdown only).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *status_;
}

void ChildProcess::pump_stderr() {
  std::string partial;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(err_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    (void)!::write(2, buf, static_cast<std::size_t>(n));
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      std::lock_guard lock(mu_);
      tail_.push_back(partial.substr(0, nl));
      if (tail_.size() > kTailLines) tail_.pop_front();
      partial.erase(0, nl + 1);
    }
  }
  if (!partial.empty()) {
    std::lock_guard lock(mu_);
    tail_.push_back(partial);
    if (tail_.size() > kTailLines) tail_.pop_front();
  }
}

std::string ChildProcess::stderr_tail() const {
  std::lock_guard lock(mu_);
  std::string s;
  for (const auto& l : tail_) s += (s.empty() ? "" : "\n") + l;
  return s;
}

std::string last_line(const std::string& s) {
  std::size_t end = s.find_last_not_of("\r\n ");
  if (end == std::string::npos) return "";
  std::size_t start = s.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return s.substr(start, end + 1 - start);
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace lithops::detail
