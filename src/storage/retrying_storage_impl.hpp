#pragma once
// with_retries' body (a template: backends use it for the pieces only they can replay).
#include "lithops/errors.hpp"
#include "storage/retrying_storage.hpp"

namespace lithops::detail {

template <class F>
auto with_retries(const RetryPolicy& policy, const char* what, const std::string& key, F&& op) -> decltype(op()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return op();
    } catch (const NoSuchKeyError&) {
      throw;  // answers, not hiccups
    } catch (const NoSuchBucketError&) {
      throw;
    } catch (const StorageRequestError&) {
      throw;
    } catch (const StorageError& e) {
      if (attempt >= policy.attempts) throw;
      retry_pause(policy, attempt, what, key, e);
    }
  }
}

}  // namespace lithops::detail
