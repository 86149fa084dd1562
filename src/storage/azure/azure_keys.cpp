// The keys of the `azure_storage` section: Lithops' own names, plus what Azure's tools accept
// (a connection string, a SAS token) and an endpoint for Azurite and sovereign clouds.
#include "storage/azure/azure_storage.hpp"

namespace lithops::detail {

void declare_azure_storage_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.push_back({"azure_storage.storage_account_name", T::string, "", {},
                  "storage account; empty: the connection string's AccountName"});
  keys.push_back({"azure_storage.storage_account_key", T::string, "", {},
                  "the account's access key (base64, as the portal shows it): Shared Key authorization", true});
  keys.push_back({"azure_storage.sas_token", T::string, "", {},
                  "a shared access signature to use instead of the account key (its query string)", true});
  keys.push_back({"azure_storage.connection_string", T::string, "", {},
                  "an Azure connection string (AccountName=...;AccountKey=...;BlobEndpoint=...); empty: "
                  "AZURE_STORAGE_CONNECTION_STRING",
                  true});
  keys.push_back({"azure_storage.endpoint", T::string, "", {},
                  "Blob service URL (Azurite: http://127.0.0.1:10000/devstoreaccount1); empty: the connection "
                  "string's, else https://<account>.blob.core.windows.net"});
  keys.push_back({"azure_storage.storage_bucket", T::string, "", {},
                  "container Lithops keeps its data in (created if missing); empty: lithops-<account>"});
  keys.push_back({"azure_storage.upload_threshold", T::integer, "33554432", {},
                  "objects up to this many bytes go up in one Put Blob; larger ones as blocks in parallel"});
  keys.push_back({"azure_storage.block_size", T::integer, "16777216", {},
                  "bytes per block of large uploads and per range of parallel downloads"});
  keys.push_back({"azure_storage.max_concurrency", T::integer, "8", {},
                  "parallel requests of one block upload or ranged download"});
  keys.push_back({"azure_storage.connect_timeout", T::number, "10", {}, "seconds to establish a connection"});
  keys.push_back({"azure_storage.read_timeout", T::number, "60", {},
                  "seconds a request may go without receiving a byte before it is abandoned and retried"});
  keys.push_back({"azure_storage.verify_ssl", T::boolean, "true", {}, "verify the server's TLS certificate"});
}

}  // namespace lithops::detail
