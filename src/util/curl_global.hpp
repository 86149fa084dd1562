#pragma once
// libcurl's process-wide initialisation, once, for every component that uses curl (the S3
// client, HTTP(S) data sources). @throws StorageError if curl cannot initialise.
namespace lithops::detail {
void curl_global_once();
}
