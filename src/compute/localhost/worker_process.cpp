#include "compute/localhost/worker_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <string_view>
#include <vector>

#include "compute/localhost/fork_server.hpp"
#include "core/build_id.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

extern char** environ;

namespace lithops::detail {

namespace {

std::vector<std::string> worker_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind(std::string(kWorkerEnv) + "=", 0) != 0) env.emplace_back(*e);
  env.push_back(std::string(kWorkerEnv) + "=1");
  return env;
}

}  // namespace

WorkerProcess::WorkerProcess(const std::string& executable) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw Error(fmt::format("lithops: socketpair: {}", std::strerror(errno)));
  int memfd = ::memfd_create("lithops-worker-slot", MFD_CLOEXEC);
  if (memfd < 0 || ::ftruncate(memfd, sizeof(WorkerSlot)) != 0) {
    ::close(sv[0]), ::close(sv[1]);
    throw Error(fmt::format("lithops: memfd_create: {}", std::strerror(errno)));
  }
  void* p = ::mmap(nullptr, sizeof(WorkerSlot), PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  slot_ = static_cast<WorkerSlot*>(p);
  slot_->current = kIdleSlot;
  slot_->call_start_ns = 0;

  if (executable == self_executable()) {
    ticket_ = request_worker(sv[1], memfd);
    if (ticket_ != 0) {
      ::close(sv[1]);
      ::close(memfd);
      fd_ = sv[0];
      ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
      return;
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears FD_CLOEXEC on the target: these two are the only descriptors the worker gets
  // besides stdin/stdout/stderr.
  posix_spawn_file_actions_adddup2(&actions, sv[1], kWorkerChannelFd);
  posix_spawn_file_actions_adddup2(&actions, memfd, kWorkerSlotFd);
  std::vector<std::string> env = worker_environment();
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // The program itself, started the way this process was (through a carried loader, if so).
  std::vector<std::string> args;
  if (executable == self_executable()) args = self_launch_prefix();
  args.push_back(executable);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, args.front().c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(sv[1]);
  ::close(memfd);
  if (rc != 0) {
    ::close(sv[0]);
    ::munmap(slot_, sizeof(WorkerSlot));
    throw Error(fmt::format("lithops: cannot start worker {}: {}", executable, std::strerror(rc)));
  }
  fd_ = sv[0];
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

WorkerProcess::~WorkerProcess() {
  if (!reaped_) {
    kill();
    reap();
  }
  if (fd_ >= 0) ::close(fd_);
  if (pidfd_ >= 0) ::close(pidfd_);
  if (slot_) ::munmap(slot_, sizeof(WorkerSlot));
}

void WorkerProcess::resolve() noexcept {
  if (ticket_ == 0) return;
  const ForkedWorker w = requested_worker(ticket_);
  ticket_ = 0;
  pid_ = w.pid;
  pidfd_ = w.pidfd;
  fork_error_ = w.error;
  if (fork_error_ != 0) log_warn("localhost: the fork server could not start a worker: {}", std::strerror(fork_error_));
}

pid_t WorkerProcess::pid() noexcept {
  resolve();
  return pid_;
}

std::uint64_t WorkerProcess::current_call() const noexcept {
  return std::atomic_ref<std::uint64_t>(slot_->current).load(std::memory_order_acquire);
}

std::int64_t WorkerProcess::current_start_ns() const noexcept {
  return std::atomic_ref<std::int64_t>(slot_->call_start_ns).load(std::memory_order_relaxed);
}

void WorkerProcess::kill() noexcept {
  resolve();
  if (reaped_ || pid_ <= 0) return;
  // The raw call: glibc 2.36's <sys/pidfd.h> declares its wrappers without extern "C".
  if (pidfd_ >= 0) ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
  else ::kill(pid_, SIGKILL);
}

int WorkerProcess::reap() noexcept {
  int status = 0;
  resolve();
  if (!reaped_ && fork_error_ != 0) {
    reaped_ = true;
    return kStatusNotForked;
  }
  if (reaped_ || pid_ <= 0) return status;
  if (pidfd_ >= 0) {
    status = wait_forked_worker(pid_, pidfd_);
  } else {
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  reaped_ = true;
  return status;
}

std::string WorkerProcess::describe_status(int status) {
  if (status == kStatusLost) return "worker ended (its exit status was lost: the fork server is gone)";
  if (status == kStatusNotForked) return "the fork server could not start a worker";
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return fmt::format("worker killed by signal {} (SIG{}: {})", sig, abbrev ? abbrev : "?", strsignal(sig));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kNoInitExitCode)
    return fmt::format("worker exited with code {}: the worker program's main() does not call "
                       "lithops::init(argc, argv) first", kNoInitExitCode);
  if (WIFEXITED(status)) return fmt::format("worker exited with code {}", WEXITSTATUS(status));
  return "worker ended";
}

}  // namespace lithops::detail
