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

// What the invoker's thread owns.
struct Invoker::State {
  std::deque<std::unique_ptr<Call>> waiting;  // not sent yet, or to be sent again
  std::vector<std::unique_ptr<Call>> out;     // in flight
  std::vector<CURL*> idle_handles;            // kept: their connections stay in the multi's cache
  std::mt19937 rng{std::random_device{}()};
};

Invoker::Invoker(aws::ServiceEndpoint endpoint, std::string function_name, unsigned max_in_flight,
                 double give_up_after_s, double request_timeout_s)
    : endpoint_(std::move(endpoint)),
      path_("/2015-03-31/functions/" + function_name + "/invocations"),
      max_in_flight_(std::max(1u, max_in_flight)),
      give_up_after_s_(give_up_after_s),
      request_timeout_ms_(static_cast<long>(request_timeout_s * 1000)) {
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
    if (!stop_) {
      c->first_try = Clock::now();
      incoming_.push_back(std::move(c));
    }
  }
  if (c) {  // stopped: answered at once
    Result r;
    r.cancelled = true;
    c->done(r);
    return;
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

void Invoker::send_due(State& st) {
  const auto now = Clock::now();
  std::stable_sort(st.waiting.begin(), st.waiting.end(),
                   [](const auto& a, const auto& b) { return a->next_try < b->next_try; });
  while (!st.waiting.empty() && st.out.size() < max_in_flight_ && st.waiting.front()->next_try <= now) {
    CURL* h = st.idle_handles.empty() ? curl_easy_init() : st.idle_handles.back();
    if (!h) return;  // out of memory: try again next round
    if (!st.idle_handles.empty()) st.idle_handles.pop_back();
    auto c = std::move(st.waiting.front());
    st.waiting.pop_front();
    c->handle = h;
    c->request = std::make_unique<aws::SignedRequest>(endpoint_, "POST", path_, c->payload,
                                                      std::vector<std::string>{"X-Amz-Invocation-Type: Event"});
    c->request->setup(h);
    // The answer may come only when the invocation ends (an emulator): no stall limit, a total one.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, request_timeout_ms_);
    ++c->attempts;
    ++sent_;
    curl_multi_add_handle(multi_, h);
    st.out.push_back(std::move(c));
  }
}

void Invoker::collect_answers(State& st) {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL* h = m->easy_handle;
    const CURLcode rc = m->data.result;
    curl_multi_remove_handle(multi_, h);
    auto it = std::find_if(st.out.begin(), st.out.end(), [h](const auto& c) { return c->handle == h; });
    if (it == st.out.end()) continue;
    std::unique_ptr<Call> c = std::move(*it);
    st.out.erase(it);
    Result r;
    r.response = c->request->finish(h, rc);
    r.attempts = c->attempts;
    c->request.reset();
    c->handle = nullptr;
    st.idle_handles.push_back(h);
    const double waited = std::chrono::duration<double>(Clock::now() - c->first_try).count();
    if (aws::transient(r.response) && !aws::function_failed(r.response) && waited < give_up_after_s_) {
      ++retried_;
      // Full jitter: clients throttled together must not come back together.
      const double cap = std::min(kMaxBackoffS, kFirstBackoffS * (1 << std::min(c->attempts - 1, 16)));
      const double pause = std::uniform_real_distribution<double>(0, cap)(st.rng);
      log_debug("aws_lambda: invocation answered {}; again in {:.3f} s", aws::describe(r.response), pause);
      c->next_try = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(pause));
      st.waiting.push_back(std::move(c));
      continue;
    }
    c->done(r);
  }
}

int Invoker::poll_wait_ms(const State& st) const {
  if (st.waiting.empty() || st.out.size() >= max_in_flight_) return 1000;  // woken by answers or invoke()
  auto next = std::min_element(st.waiting.begin(), st.waiting.end(),
                               [](const auto& a, const auto& b) { return a->next_try < b->next_try; });
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>((*next)->next_try - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
}

void Invoker::loop() {
  State st;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
      while (!incoming_.empty()) {
        st.waiting.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
    }
    send_due(st);
    int running = 0;
    curl_multi_perform(multi_, &running);
    collect_answers(st);
    curl_multi_poll(multi_, nullptr, 0, poll_wait_ms(st), nullptr);
  }
  Result cancelled;
  cancelled.cancelled = true;
  for (auto& c : st.out) {
    curl_multi_remove_handle(multi_, c->handle);
    curl_easy_cleanup(c->handle);
    c->done(cancelled);
  }
  for (auto& c : st.waiting) c->done(cancelled);
  std::deque<std::unique_ptr<Call>> late;
  {
    std::lock_guard lock(mu_);
    late.swap(incoming_);
  }
  for (auto& c : late) c->done(cancelled);
  for (CURL* h : st.idle_handles) curl_easy_cleanup(h);
}

}  // namespace lithops::detail::lambda
