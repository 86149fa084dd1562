#include "cloud/aws/aws_config.hpp"

#include "config/declared.hpp"

namespace lithops::detail::aws {

namespace {

SectionValues section_values(const Config& c, const std::string& s) {
  auto get = [&](const char* k) {
    std::string key = s + "." + k;
    return declared(key) && c.has(key) ? c.get_string(key) : std::string();
  };
  SectionValues v;
  v.name = s;
  v.access_key_id = get("access_key_id");
  v.secret_access_key = get("secret_access_key");
  v.session_token = get("session_token");
  v.region = get("region");
  return v;
}

}  // namespace

ChainInputs chain_inputs(const Config& config, const std::string& section) {
  ChainInputs in;
  in.backend = section_values(config, section);
  in.aws = section_values(config, "aws");
  return in;
}

}  // namespace lithops::detail::aws
