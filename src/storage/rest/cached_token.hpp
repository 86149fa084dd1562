#pragma once
// A bearer token shared by every thread of a store's client: fetched when first needed, reused
// until its renewal time, fetched again after the server refused it. One fetch at a time: the
// threads of a parallel transfer that need a token meanwhile wait for that fetch instead of
// each asking for their own. Google's OAuth2 tokens, IBM IAM's and Keystone's all work so.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace lithops::detail::rest {

class CachedToken {
 public:
  struct Fresh {
    std::string token;
    std::chrono::seconds renew_after;  ///< from the fetch: when to ask for the next one
  };
  /// The cached token while its renewal time is ahead, else `fetch()`'s (which may throw).
  std::string get(const std::function<Fresh()>& fetch) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (!token_.empty() && now < renew_at_) return token_;
    ++fetches_;
    Fresh f = fetch();
    token_ = std::move(f.token);
    renew_at_ = now + f.renew_after;
    return token_;
  }
  /// Forgets the token (the server refused it): the next get() fetches another.
  void invalidate() {
    std::lock_guard lock(mutex_);
    token_.clear();
  }
  /// Fetches so far (for tests).
  int fetches() const {
    std::lock_guard lock(mutex_);
    return fetches_;
  }

 private:
  mutable std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point renew_at_{};
  int fetches_ = 0;
};

}  // namespace lithops::detail::rest
