// pipes: a duplex Pipe between the client and a call (ping-pong), and a simplex one a call
// streams its results through.
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing/connection.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

namespace mp = lithops::mp;

// Answers each message with it reversed, until it gets "bye".
int reverser(mp::Connection<std::string> conn) {
  int n = 0;
  for (std::string s = conn.recv(); s != "bye"; s = conn.recv(), ++n) conn.send(std::string(s.rbegin(), s.rend()));
  return n;
}

// Sends the first `n` Fibonacci numbers, then -1.
void fibonacci(mp::Connection<long> out, int n) {
  long a = 0, b = 1;
  for (int i = 0; i < n; ++i, a = std::exchange(b, a + b)) out.send(a);
  out.send(-1);
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  bool ok = true;

  auto [here, there] = mp::Pipe<std::string>();
  auto echo = fexec.call_async(reverser, there);
  for (std::string word : {"lithops", "pipe", "redis"}) {
    here.send(word);
    const std::string back = here.recv(std::chrono::seconds(60));
    std::printf("%s -> %s\n", word.c_str(), back.c_str());
    ok = ok && back == std::string(word.rbegin(), word.rend());
  }
  here.send("bye");
  ok = ok && echo.get() == 3;

  auto [reader, writer] = mp::Pipe<long>(/*duplex=*/false);
  auto producer = fexec.call_async(fibonacci, writer, 20);
  long last = 0, count = 0;
  for (long x = reader.recv(); x >= 0; x = reader.recv(), ++count) last = x;
  producer.get();
  std::printf("received %ld Fibonacci numbers, the last %ld\n", count, last);
  ok = ok && count == 20 && last == 4181;
  return ok ? 0 : 1;
}
