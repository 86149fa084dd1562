#include "util/curl_global.hpp"

#include <curl/curl.h>

#include <mutex>

#include "lithops/errors.hpp"

namespace lithops::detail {

void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw StorageError("lithops: curl_global_init failed");
  });
}

}  // namespace lithops::detail
