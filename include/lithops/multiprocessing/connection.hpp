#pragma once
/// @file multiprocessing/connection.hpp
/// `Pipe<T>()` and its two `Connection<T>` ends: messages between the client and calls on any
/// backend, kept in Redis (Python's multiprocessing.Pipe).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/detail/shared_object.hpp"
#include "lithops/serialization.hpp"

namespace lithops::multiprocessing {

namespace detail::pipe {
Created make(Context& ctx, bool duplex);
void send(const RedisLink& link, std::string_view part, std::string_view bytes);
/// @throws TimeoutError when nothing arrives within `timeout`
std::string recv(const RedisLink& link, std::string_view part, Timeout timeout);
bool poll(const RedisLink& link, std::string_view part, Timeout timeout);
}  // namespace detail::pipe

template <class T>
class Connection;

/// Two connected ends. Duplex (the default): each end sends to the other. Simplex: the first
/// end only receives, the second only sends, as in Python.
/// @throws ConfigError without Redis
template <class T>
std::pair<Connection<T>, Connection<T>> Pipe(bool duplex = true, Context& ctx = default_context());

/// One end of a Pipe. Pass it to a call as an argument: the copies of an end, in any process,
/// are that end. Messages are FIFO; each is received once.
///
/// Example:
/// @code
///   auto [here, there] = mp::Pipe<std::string>();
///   fexec.call_async(echo, there);        // void echo(mp::Connection<std::string> c)
///   here.send("ping");
///   std::string reply = here.recv();
/// @endcode
template <class T>
class Connection {
 public:
  using value_type = T;
  /// Not connected to anything (what a call's argument is before it is read).
  Connection() = default;

  /// Sends one message. @throws StateError on a receive-only end, or after close()
  void send(const T& obj) {
    std::string bytes;
    serialize_into(bytes, obj);
    send_bytes(bytes);
  }
  /// Waits for the next message (up to `timeout`).
  /// @throws TimeoutError when none arrives in time; StateError on a send-only end, or after close()
  T recv(Timeout timeout = std::nullopt) { return deserialize<T>(recv_bytes(timeout)); }

  /// Raw bytes, not serialized: the other end reads them with recv_bytes.
  void send_bytes(std::string_view bytes) {
    check(writable_, "send on a receive-only end");
    detail::pipe::send(h_.link(), tx_, bytes);
  }
  std::string recv_bytes(Timeout timeout = std::nullopt) {
    check(readable_, "recv on a send-only end");
    return detail::pipe::recv(h_.link(), rx_, timeout);
  }
  /// True when a message is waiting; waits up to `timeout` for one (nullopt: for as long as
  /// it takes; the default, 0: does not wait), without consuming it.
  bool poll(Timeout timeout = std::chrono::duration<double>(0)) {
    check(readable_, "poll on a send-only end");
    return detail::pipe::poll(h_.link(), rx_, timeout);
  }

  /// No more use of this end through this process' copies; the other end and other
  /// processes' copies are unaffected (a call may still hold one).
  void close() { h_.closed(end_).store(true); }
  bool closed() const { return h_.closed(end_).load(); }
  bool readable() const noexcept { return readable_; }
  bool writable() const noexcept { return writable_; }

  template <class A>
  void serialize(A& ar) {
    ar(h_, end_, readable_, writable_, rx_, tx_);
  }

 private:
  friend std::pair<Connection<T>, Connection<T>> Pipe<T>(bool, Context&);
  Connection(detail::Handle h, int end, bool readable, bool writable, std::string rx, std::string tx)
      : h_(std::move(h)), end_(end), readable_(readable), writable_(writable), rx_(std::move(rx)), tx_(std::move(tx)) {
    lithops::detail::require_serializable<T>();
  }
  void check(bool allowed, std::string_view what) const {
    if (!allowed) throw StateError("lithops::mp::Connection: " + std::string(what));
    if (closed()) detail::throw_closed("Connection");
  }

  detail::Handle h_;
  int end_ = 0;
  bool readable_ = false;
  bool writable_ = false;
  std::string rx_;  // the parts of the link this end receives from and sends to
  std::string tx_;
};

template <class T>
std::pair<Connection<T>, Connection<T>> Pipe(bool duplex, Context& ctx) {
  detail::Handle h(detail::pipe::make(ctx, duplex));
  if (duplex) return {Connection<T>(h, 0, true, true, "a", "b"), Connection<T>(h, 1, true, true, "b", "a")};
  return {Connection<T>(h, 0, true, false, "a", ""), Connection<T>(h, 1, false, true, "", "a")};
}

}  // namespace lithops::multiprocessing
