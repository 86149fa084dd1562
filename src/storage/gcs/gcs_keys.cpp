// The keys of the `gcp_storage` section: Lithops' own names, plus an endpoint for emulators and the
// transfer settings the other object stores have.
#include "storage/gcs/gcs_storage.hpp"

namespace lithops::detail {

void declare_gcs_storage_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.push_back({"gcp_storage.credentials_path", T::string, "", {},
                  "a service account's JSON key file; empty: GOOGLE_APPLICATION_CREDENTIALS (none at all: "
                  "requests are not authorized, which only an emulator accepts)",
                  true});
  keys.push_back({"gcp_storage.region", T::string, "", {},
                  "location of the buckets Lithops creates (us-east1, EU ...); empty: Google's default"});
  keys.push_back({"gcp_storage.storage_bucket", T::string, "", {},
                  "bucket Lithops keeps its data in (created if missing); empty: lithops-<project id>"});
  keys.push_back({"gcp_storage.endpoint", T::string, "https://storage.googleapis.com", {},
                  "Cloud Storage's JSON API URL; STORAGE_EMULATOR_HOST (an emulator, no authorization) overrides it"});
  keys.push_back({"gcp_storage.upload_threshold", T::integer, "16777216", {},
                  "objects up to this many bytes go up in one request; larger ones as a resumable upload in chunks"});
  keys.push_back({"gcp_storage.chunk_size", T::integer, "8388608", {},
                  "bytes per chunk of resumable uploads (a multiple of 256 KiB) and per range of parallel downloads"});
  keys.push_back({"gcp_storage.max_concurrency", T::integer, "8", {},
                  "parallel requests of one ranged download or of a delete of many objects"});
  keys.push_back({"gcp_storage.connect_timeout", T::number, "10", {}, "seconds to establish a connection"});
  keys.push_back({"gcp_storage.read_timeout", T::number, "60", {},
                  "seconds a request may go without receiving a byte before it is abandoned and retried"});
  keys.push_back({"gcp_storage.verify_ssl", T::boolean, "true", {}, "verify the server's TLS certificate"});
}

}  // namespace lithops::detail
