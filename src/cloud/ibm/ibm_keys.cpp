#include "cloud/ibm/ibm_keys.hpp"

namespace lithops::detail {

void declare_ibm_keys(std::vector<ConfigKey>& keys) {
  keys.push_back({"ibm.iam_api_key", ConfigKey::Type::string, "", {},
                  "IBM Cloud IAM API key of every IBM backend that does not name its own (ibm_cos.api_key)", true});
}

}  // namespace lithops::detail
