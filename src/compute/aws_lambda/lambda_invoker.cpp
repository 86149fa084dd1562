#include "compute/aws_lambda/lambda_invoker.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "util/curl_global.hpp"
#include "util/log.hpp"

namespace lithops::detail::lambda {

namespace {
using Clock = std::chrono::steady_clock;
constexpr double kFirstBackoffS = 0.05;
constexpr double kMaxBackoffS = 5.0;
}  // namespace

struct Invoker::Call {
  std::string payload;
  Done done;
  int attempts = 0;
  Clock::time_point first_try{};
  Clock::time_point next_try{};
  std::unique_ptr<aws::SignedRequest> request;
  CURL* handle = nullptr;
};

Invoker::Invoker(aws::ServiceEndpoint endpoint, std::string function_name, unsigned max_in_flight,
                 double give_up_after_s)
    : endpoint_(std::move(endpoint)),
      path_("/2015-03-31/functions/" + function_name + "/invocations"),
      max_in_flight_(std::max(1u, max_in_flight)),
      give_up_after_s_(give_up_after_s) {
  curl_global_once();
  multi_ = curl_multi_init();
  if (!multi_) throw std::bad_alloc();
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(max_in_flight_));
  thread_ = std::thread([this] { loop(); });
}

Invoker::~Invoker() {
  stop();
  curl_multi_cleanup(multi_);
}

void Invoker::invoke(std::string payload, Done done) {
  auto c = std::make_unique<Call>();
  c->payload = std::move(payload);
  c->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (stop_) {
      Result r;
      r.cancelled = true;
      c->done(r);
      return;
    }
    incoming_.push_back(std::move(c));
  }
  curl_multi_wakeup(multi_);
}

void Invoker::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  curl_multi_wakeup(multi_);
  if (thread_.joinable()) thread_.join();
}

void Invoker::loop() {
  std::mt19937 rng(std::random_device{}());
  std::deque<std::unique_ptr<Call>> waiting;  // not sent yet, or to be sent again
  std::vector<std::unique_ptr<Call>> out;     // in flight
  std::vector<CURL*> idle_handles;            // kept: their connections stay in the multi's cache
  auto finish = [](Call& c, Result r) { c.done(r); };
  for (;;) {
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stopping = stop_;
      while (!incoming_.empty()) {
        incoming_.front()->first_try = Clock::now();
        waiting.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
    }
    if (stopping) break;
    const auto now = Clock::now();
    // Send what is due, oldest first, up to the limit.
    std::sort(waiting.begin(), waiting.end(), [](const auto& a, const auto& b) { return a->next_try < b->next_try; });
    while (!waiting.empty() && out.size() < max_in_flight_ && waiting.front()->next_try <= now) {
      auto c = std::move(waiting.front());
      waiting.pop_front();
      c->handle = idle_handles.empty() ? curl_easy_init() : idle_handles.back();
      if (!idle_handles.empty()) idle_handles.pop_back();
      c->request = std::make_unique<aws::SignedRequest>(endpoint_, "POST", path_, c->payload,
                                                        std::vector<std::string>{"X-Amz-Invocation-Type: Event"});
      c->request->setup(c->handle);
      curl_easy_setopt(c->handle, CURLOPT_PRIVATE, c.get());
      ++c->attempts;
      ++sent_;
      curl_multi_add_handle(multi_, c->handle);
      out.push_back(std::move(c));
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* h = m->easy_handle;
      const CURLcode rc = m->data.result;
      curl_multi_remove_handle(multi_, h);
      auto it = std::find_if(out.begin(), out.end(), [h](const auto& c) { return c->handle == h; });
      if (it == out.end()) continue;
      std::unique_ptr<Call> c = std::move(*it);
      out.erase(it);
      Result r;
      r.response = c->request->finish(h, rc);
      r.attempts = c->attempts;
      c->request.reset();
      idle_handles.push_back(h);
      c->handle = nullptr;
      const double waited = std::chrono::duration<double>(Clock::now() - c->first_try).count();
      if (aws::transient(r.response) && !aws::function_failed(r.response) && waited < give_up_after_s_) {
        ++retried_;
        const double cap = std::min(kMaxBackoffS, kFirstBackoffS * (1 << std::min(c->attempts - 1, 16)));
        const double pause = std::uniform_real_distribution<double>(0, cap)(rng);
        log_debug("aws_lambda: invocation answered {}; again in {:.3f} s", aws::describe(r.response), pause);
        c->next_try = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(pause));
        waiting.push_back(std::move(c));
        continue;
      }
      finish(*c, r);
    }
    int wait_ms = 1000;
    if (!waiting.empty() && out.size() < max_in_flight_) {
      auto next = std::min_element(waiting.begin(), waiting.end(),
                                   [](const auto& a, const auto& b) { return a->next_try < b->next_try; });
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>((*next)->next_try - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(ms, 0, 1000));
    }
    curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
  }
  Result cancelled;
  cancelled.cancelled = true;
  for (auto& c : out) {
    curl_multi_remove_handle(multi_, c->handle);
    curl_easy_cleanup(c->handle);
    finish(*c, cancelled);
  }
  for (auto& c : waiting) finish(*c, cancelled);
  {
    std::lock_guard lock(mu_);
    for (auto& c : incoming_) finish(*c, cancelled);
    incoming_.clear();
  }
  for (CURL* h : idle_handles) curl_easy_cleanup(h);
}

}  // namespace lithops::detail::lambda
