#pragma once
// The AWS chains' inputs read from a configuration: the backend's own section, then `aws`.
#include <string>

#include "cloud/aws/credentials.hpp"
#include "lithops/config.hpp"

namespace lithops::detail::aws {

/// `section`'s and the `aws` section's credentials and region, as the user set them (a key the
/// section does not declare counts as unset).
ChainInputs chain_inputs(const Config& config, const std::string& section);

}  // namespace lithops::detail::aws
