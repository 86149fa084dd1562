// The keys of every S3 section: one client serves every S3-compatible service, and each keeps
// Lithops' section name, so the keys are declared once and instantiated per section.
#include "storage/s3/s3_storage.hpp"

namespace lithops::detail {

void declare_s3_keys(std::vector<ConfigKey>& keys, const std::string& s, const std::string& what,
                     const std::string& default_region) {
  using T = ConfigKey::Type;
  auto key = [&](const char* k) { return s + "." + k; };
  const bool aws = s == "aws_s3";
  keys.push_back({key("endpoint"), T::string, "", {},
                  what + " endpoint URL, http:// or https://; empty: the service's public endpoint for `region`"});
  keys.push_back({key("region"), T::string, aws ? "" : default_region, {},
                  aws ? "region the requests are signed for (SigV4); empty: aws.region, then AWS_REGION / "
                        "AWS_DEFAULT_REGION, the profile's region, then us-east-1"
                      : "region the requests are signed for (SigV4)"});
  keys.push_back({key("access_key_id"), T::string, "", {},
                  aws ? "access key id; empty: the aws section, then the standard AWS sources (AWS_* variables, "
                        "~/.aws/credentials and ~/.aws/config profiles, a Lambda function's role)"
                      : "access key id; empty: the standard AWS sources (AWS_* variables, ~/.aws profiles)"});
  keys.push_back({key("secret_access_key"), T::string, "", {}, "secret access key", true});
  keys.push_back({key("session_token"), T::string, "", {}, "session token of temporary credentials", true});
  keys.push_back({key("storage_bucket"), T::string, "", {},
                  "bucket Lithops keeps its data in (created if missing); empty: lithops-<region>-<key id>"});
  keys.push_back({key("addressing_style"), T::string, "auto", {"auto", "path", "virtual"},
                  "bucket in the path (endpoint/bucket/key) or in the host name (bucket.endpoint/key); "
                  "auto: virtual for the public service, path for a custom endpoint"});
  keys.push_back({key("multipart_threshold"), T::integer, "33554432", {},
                  "uploads of at least this many bytes go multipart, parts in parallel"});
  keys.push_back({key("multipart_chunksize"), T::integer, "16777216", {},
                  "bytes per part of multipart uploads and per range of parallel downloads (at least 5 MiB)"});
  keys.push_back({key("max_concurrency"), T::integer, "8", {},
                  "parallel requests of one multipart upload or ranged download"});
  keys.push_back({key("connect_timeout"), T::number, "10", {}, "seconds to establish a connection"});
  keys.push_back({key("read_timeout"), T::number, "60", {},
                  "seconds a request may go without receiving a byte before it is abandoned and retried"});
  keys.push_back({key("verify_ssl"), T::boolean, "true", {}, "verify the server's TLS certificate"});
  if (s == "ibm_cos") {
    keys.push_back({key("api_key"), T::string, "", {},
                    "IBM Cloud IAM API key, used when no HMAC keys (access_key_id, secret_access_key) are set: "
                    "exchanged for bearer tokens, renewed before they expire; empty: ibm.iam_api_key",
                    true});
    keys.push_back({key("iam_endpoint"), T::string, "https://iam.cloud.ibm.com", {},
                    "IBM Cloud IAM's URL, where API keys are exchanged for tokens"});
  }
  if (s == "oracle_oss")
    keys.push_back({key("namespace"), T::string, "", {},
                    "the tenancy's Object Storage namespace: the endpoint is "
                    "https://<namespace>.compat.objectstorage.<region>.oraclecloud.com"});
}

}  // namespace lithops::detail
