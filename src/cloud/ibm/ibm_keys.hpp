#pragma once
// The `ibm` section: the IBM Cloud account's IAM API key, shared by IBM's backends as in
// Lithops (ibm_cos today). A backend's own section may override it.
#include <vector>

#include "lithops/config.hpp"

namespace lithops::detail {

void declare_ibm_keys(std::vector<ConfigKey>& keys);

}  // namespace lithops::detail
