#pragma once
// A tiny HTTP/1.1 server on a loopback port, one request per connection, for the parts of a
// cloud service that cannot run here (Google's and IBM's token endpoints, a bearer-checking
// API): it records every request and answers what the test's handler says. It checks nothing
// itself; the tests assert the requests against the form the service documents.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lithops::testing {

struct Captured {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  }
  bool has_header(const std::string& name) const {
    for (const auto& h : headers)
      if (h.first == name) return true;
    return false;
  }
};

inline std::string http(int status, const std::string& body, const std::string& extra_headers = "") {
  return fmt::format(
      "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n{}",
      status, body.size(), extra_headers, body);
}

class Listener {
 public:
  using Handler = std::function<std::string(const Captured&)>;
  explicit Listener(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0)
      throw std::runtime_error("listener: cannot bind a loopback port");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Listener() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);  // wakes the blocked accept
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::vector<Captured> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<Captured> requests_to(const std::string& path_prefix) const {
    std::vector<Captured> out;
    for (auto& r : requests())
      if (r.target.starts_with(path_prefix)) out.push_back(r);
    return out;
  }

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        if (stop_) return;
        continue;
      }
      std::thread([this, c] { handle(c); }).detach();
    }
  }
  void handle(int c) {
    std::string in;
    char buf[65536];
    std::size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return (void)::close(c);
      in.append(buf, static_cast<std::size_t>(n));
    }
    Captured r;
    std::size_t line_end = in.find("\r\n");
    std::string first = in.substr(0, line_end);
    auto s1 = first.find(' '), s2 = first.find(' ', s1 + 1);
    r.method = first.substr(0, s1);
    r.target = first.substr(s1 + 1, s2 - s1 - 1);
    std::size_t length = 0;
    for (std::size_t at = line_end + 2; at < end;) {
      std::size_t e = in.find("\r\n", at);
      std::string line = in.substr(at, e - at);
      at = e + 2;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "content-length") length = std::stoul(value);
      r.headers.emplace_back(name, value);
    }
    r.body = in.substr(end + 4);
    while (r.body.size() < length) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      r.body.append(buf, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(r);
    }
    std::string out = handler_(r);
    for (std::size_t sent = 0; sent < out.size();) {
      ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(c);
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Captured> requests_;
};

}  // namespace lithops::testing
