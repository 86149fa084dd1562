#include "compute/localhost/fork_server.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compute/localhost/worker_process.hpp"
#include "core/protocol.hpp"

extern char** environ;

namespace lithops::detail {

namespace {

// A request carries the worker's channel and slot, then whichever of fds 0-2 the client has
// open (its `stdio` mask says which); its bytes are the directory, then the environment,
// each NUL-terminated. SOCK_SEQPACKET keeps one request per message, fds attached.
constexpr int kMaxFds = 5;
struct RequestHeader {
  std::uint8_t stdio = 0;  // bit k: fd k travels
};
// What the fork server says: a worker started ('S', pidfd attached), could not fork ('F',
// value = errno), or a worker ended ('X', value = wait status).
struct Reply {
  char kind = 0;
  std::int32_t pid = 0;
  std::int32_t value = 0;
};

struct ClientSide {
  std::mutex mu;
  int fd = -1;  // -1: no fork server (never started, turned off, or gone)
  pid_t owner = -1;  // the process that started it: a fork of the client must not share it
  std::uint64_t sent = 0;      // requests sent; the n-th is ticket n
  std::uint64_t answered = 0;  // requests answered (in order: the fork server is serial)
  std::unordered_map<std::uint64_t, ForkedWorker> forks;  // answered, not yet asked for
  std::unordered_map<pid_t, int> exits;                   // reported, not yet asked for
};
ClientSide& client() {
  static ClientSide* c = new ClientSide;  // never destroyed: workers may be reaped during exit
  return *c;
}

bool single_threaded() {
  DIR* d = ::opendir("/proc/self/task");
  if (!d) return false;
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n == 1;
}

bool send_with_fds(int sock, const void* data, std::size_t len, const int* fds, int nfds) {
  iovec iov{const_cast<void*>(data), len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(len);
}

// One message into `data` (resized to it) and its fds; returns false at end or error.
bool receive_with_fds(int sock, std::string& data, std::vector<int>& fds) {
  char probe;
  ssize_t len;
  do len = ::recv(sock, &probe, 1, MSG_PEEK | MSG_TRUNC);
  while (len < 0 && errno == EINTR);
  if (len <= 0) return false;
  data.resize(static_cast<std::size_t>(len));
  iovec iov{data.data(), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n != len) return false;
  fds.clear();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const auto k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    fds.resize(fds.size() + k);
    std::memcpy(fds.data() + fds.size() - k, CMSG_DATA(c), k * sizeof(int));
  }
  return true;
}

// ---- the fork server's side ----

char g_program_name[16];  // the process name before the fork server renamed itself

// In the new worker: the request's fds in place, nothing else open, the client's environment
// and directory, signals as they were at init.
void become_worker(const std::string& request, const std::vector<int>& fds, const sigset_t& mask) {
  RequestHeader h;
  std::memcpy(&h, request.data(), sizeof h);
  // Out of the way first: a received fd may sit on one of the numbers it is moved to.
  std::vector<int> high;
  for (int f : fds) high.push_back(::fcntl(f, F_DUPFD_CLOEXEC, 64));
  std::size_t k = 2;
  for (int target = 0; target < 3; ++target) {
    if (h.stdio & (1u << target)) ::dup2(high[k++], target);
    else ::close(target);
  }
  ::dup2(high[0], kWorkerChannelFd);
  ::dup2(high[1], kWorkerSlotFd);
  ::close_range(kWorkerSlotFd + 1, ~0u, 0);
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
  ::prctl(PR_SET_NAME, g_program_name);
  const char* p = request.data() + sizeof h;
  const char* end = request.data() + request.size();
  const std::string dir(p);
  p += dir.size() + 1;
  ::clearenv();
  for (; p < end; p += std::strlen(p) + 1) ::putenv(::strdup(p));  // putenv keeps the pointer
  if (::chdir(dir.c_str()) != 0) {
    // The client's directory is gone: an exec'd worker would stay in it unnamed; this one stays
    // in the fork server's, which is where the client was at init.
  }
}

void report(int sock, const Reply& r, int fd = -1) {
  if (!send_with_fds(sock, &r, sizeof r, &fd, fd >= 0 ? 1 : 0) && errno == EPIPE) ::_exit(0);
}

// Returns only in a new worker.
void serve(int sock) {
  ::prctl(PR_GET_NAME, g_program_name);
  ::prctl(PR_SET_NAME, "lithops-forksrv");
  // Nothing the client set up at exit (or a sanitizer's leak check) may run here.
  sigset_t chld, mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &mask);
  const int sigfd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) ::_exit(1);
  std::string request;
  std::vector<int> fds;
  for (;;) {
    pollfd p[2] = {{sock, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ::_exit(1);
    }
    if (p[1].revents) {
      signalfd_siginfo si;
      while (::read(sigfd, &si, sizeof si) == sizeof si) {
      }
      int status;
      for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) report(sock, Reply{'X', pid, status});
    }
    if (!p[0].revents) continue;
    if (!receive_with_fds(sock, request, fds)) ::_exit(0);  // the client is gone
    if (request.size() < sizeof(RequestHeader) || fds.size() < 2) {
      for (int f : fds) ::close(f);
      report(sock, Reply{'F', 0, EINVAL});
      continue;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(sock);
      ::close(sigfd);
      become_worker(request, fds, mask);
      return;
    }
    const int err = errno;
    for (int f : fds) ::close(f);
    if (pid < 0) {
      report(sock, Reply{'F', 0, err});
      continue;
    }
    // Race-free: only this (single-threaded) process reaps, and it has not yet.
    // The raw call: glibc 2.36's <sys/pidfd.h> declares its wrappers without extern "C".
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    report(sock, Reply{'S', pid, 0}, pidfd);
    if (pidfd >= 0) ::close(pidfd);
  }
}

// ---- the client's side ----

void lose_server(ClientSide& c) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  // Requests it never answered will not be: their workers do not exist.
  while (c.answered < c.sent) c.forks[++c.answered] = ForkedWorker{-1, -1, EPIPE};
}

// Reads one reply and files it. False: the fork server is gone.
bool read_reply(ClientSide& c) {
  std::string data;
  std::vector<int> fds;
  Reply r;
  if (!receive_with_fds(c.fd, data, fds) || data.size() != sizeof r) {
    for (int f : fds) ::close(f);
    lose_server(c);
    return false;
  }
  std::memcpy(&r, data.data(), sizeof r);
  const int fd = fds.empty() ? -1 : fds[0];
  for (std::size_t k = 1; k < fds.size(); ++k) ::close(fds[k]);
  if (r.kind == 'X') c.exits[r.pid] = r.value;
  else if (r.kind == 'S') c.forks[++c.answered] = ForkedWorker{r.pid, fd, 0};
  else c.forks[++c.answered] = ForkedWorker{-1, -1, r.value};
  return true;
}

}  // namespace

bool start_fork_server() {
  const char* env = std::getenv("LITHOPS_FORK_SERVER");
  if (env && std::string_view(env) == "0") return false;
  if (client().fd >= 0 || !single_threaded()) return false;  // init called twice: one is enough
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]), ::close(sv[1]);
    return false;
  }
  if (pid > 0) {
    ::close(sv[1]);
    client().fd = sv[0];
    client().owner = ::getpid();
    return false;
  }
  ::close(sv[0]);
  serve(sv[1]);  // returns in a worker only
  return true;
}

std::uint64_t request_worker(int channel_fd, int slot_fd) {
  ClientSide& c = client();
  std::lock_guard lock(c.mu);
  // A child the program forked shares the socket with its parent: their messages would mix.
  if (c.fd < 0 || c.owner != ::getpid()) return 0;
  std::string request(sizeof(RequestHeader), '\0');
  RequestHeader h;
  std::vector<int> fds{channel_fd, slot_fd};
  for (int k = 0; k < 3; ++k)
    if (::fcntl(k, F_GETFD) >= 0) h.stdio |= static_cast<std::uint8_t>(1u << k), fds.push_back(k);
  std::memcpy(request.data(), &h, sizeof h);
  char dir[PATH_MAX];
  request += ::getcwd(dir, sizeof dir) ? dir : "/";
  request += '\0';
  const std::string worker_var = std::string(kWorkerEnv) + "=";
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).rfind(worker_var, 0) == 0) continue;
    request += *e;
    request += '\0';
  }
  if (!send_with_fds(c.fd, request.data(), request.size(), fds.data(), static_cast<int>(fds.size()))) {
    if (errno != EMSGSIZE) lose_server(c);  // EMSGSIZE: an environment too big for one message
    return 0;
  }
  return ++c.sent;
}

ForkedWorker requested_worker(std::uint64_t ticket) {
  ClientSide& c = client();
  std::lock_guard lock(c.mu);
  for (;;) {
    if (auto answer = c.forks.extract(ticket)) return answer.mapped();
    if (c.fd < 0 && c.answered >= c.sent) return ForkedWorker{-1, -1, EPIPE};
    read_reply(c);
  }
}

int wait_forked_worker(pid_t pid, int pidfd) {
  ClientSide& c = client();
  {
    std::lock_guard lock(c.mu);
    for (;;) {
      if (auto exit = c.exits.extract(pid)) return exit.mapped();
      if (c.fd < 0 || !read_reply(c)) break;
    }
  }
  // The fork server went away (killed by someone): the status is lost, but the worker's end
  // can still be awaited through its pidfd.
  pollfd p{pidfd, POLLIN, 0};
  while (pidfd >= 0 && ::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  return kStatusLost;
}

}  // namespace lithops::detail
