#pragma once
// Whether the schema declares a key: for code shared by sections that declare different keys.
#include <string_view>

#include "lithops/config.hpp"

namespace lithops::detail {

inline bool declared(std::string_view key) {
  for (const auto& k : config_schema())
    if (k.name == key) return true;
  return false;
}

}  // namespace lithops::detail
