#pragma once
// Asynchronous invocations (X-Amz-Invocation-Type: Event), many at once from one thread: a
// curl multi handle keeps connections alive and up to `max_in_flight` requests out.
// Throttling (429) and server errors (5xx) are sent again with exponential backoff and full
// jitter; a request that may have reached Lambda (a timeout or reset after sending) is never
// sent again, so that an agent is never started twice by a retry.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cloud/aws/aws_http.hpp"

namespace lithops::detail::lambda {

class Invoker {
 public:
  struct Result {
    aws::HttpResponse response;  ///< the last answer (202 from Lambda; 200 from an emulator that runs it inline)
    int attempts = 0;
    bool cancelled = false;      ///< the invoker stopped before an answer came
  };
  using Done = std::function<void(const Result&)>;

  /// `give_up_after_s`: how long throttling may delay one invocation before it fails;
  /// `request_timeout_s`: how long one request may wait for its answer (an emulator answers
  /// when the invocation ends; Lambda at once).
  Invoker(aws::ServiceEndpoint endpoint, std::string function_name, unsigned max_in_flight, double give_up_after_s,
          double request_timeout_s);
  ~Invoker();
  Invoker(const Invoker&) = delete;
  Invoker& operator=(const Invoker&) = delete;

  /// Queues one invocation; `done` runs on the invoker's thread when it is answered for good.
  void invoke(std::string payload, Done done);
  /// Ends every request still out (their `done` gets `cancelled`) and the thread.
  void stop();

  std::uint64_t sent() const { return sent_.load(); }
  std::uint64_t retried() const { return retried_.load(); }

 private:
  struct Call;
  struct State;
  void loop();
  void send_due(State& st);
  void collect_answers(State& st);
  int poll_wait_ms(const State& st) const;

  aws::ServiceEndpoint endpoint_;
  std::string path_;
  unsigned max_in_flight_;
  double give_up_after_s_;
  long request_timeout_ms_;
  std::mutex mu_;
  std::deque<std::unique_ptr<Call>> incoming_;
  bool stop_ = false;
  void* multi_ = nullptr;  // CURLM*, touched by loop() only (and curl_multi_wakeup)
  std::atomic<std::uint64_t> sent_{0}, retried_{0};
  std::thread thread_;
};

}  // namespace lithops::detail::lambda
