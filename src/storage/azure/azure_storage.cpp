#include "storage/azure/azure_storage.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>

#include "lithops/errors.hpp"
#include "storage/azure/azure_auth.hpp"
#include "storage/rest/chunked_transfer.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/rest/web_codec.hpp"

namespace lithops::detail {

namespace {

constexpr std::size_t kMaxBlocks = 50000;  // Azure's limit of blocks per blob
constexpr int kListPage = 5000;            // Azure's largest page of List Blobs

std::string now_http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

/// "'key' in container 'c'" or "container 'c'", for messages.
std::string describe(std::string_view container, std::string_view blob) {
  if (blob.empty()) return fmt::format("container '{}'", container);
  return fmt::format("'{}' in container '{}'", blob, container);
}

/// Block ids must all have the same length within a blob: a fixed-width number.
std::string block_id(std::size_t index) { return web::base64_encode(fmt::format("lithops-block-{:06d}", index)); }

struct Call {
  const char* operation = "";  ///< Azure's name for it ("Put Blob" ...), for messages
  const char* method = "GET";
  std::string_view container;
  std::string_view blob;
  azure::QueryParams query;
  std::vector<std::string> headers;
  std::string_view body;
  const ByteSink* sink = nullptr;
};

}  // namespace

struct AzureStorage::Impl {
  std::string account;
  std::string key;     // decoded account key; empty when only a SAS is known
  std::string sas;     // SAS token query, without '?'
  std::string scheme_authority;  // "http://127.0.0.1:10000"
  std::string base_path;         // "/devstoreaccount1" for Azurite, "" for the public service
  std::string bucket;
  std::uint64_t single_put_max = 0;
  rest::TransferOptions transfer;
  std::unique_ptr<rest::Client> client;

  rest::Response send(const Call& c) const {
    std::string path = base_path;
    if (!c.container.empty()) path.append("/").append(web::uri_encode(c.container));
    if (!c.blob.empty()) path.append("/").append(web::uri_encode(c.blob, true));
    if (path.empty()) path = "/";
    rest::Request r;
    r.method = c.method;
    r.sink = c.sink;
    r.body = c.body;
    r.headers = c.headers;
    r.headers.push_back("x-ms-date: " + now_http_date());
    r.headers.push_back(std::string("x-ms-version: ") + azure::kApiVersion);
    const std::string_view method = c.method;
    if (method == "PUT" || method == "POST") {
      r.headers.push_back(fmt::format("Content-Length: {}", c.body.size()));
      const bool has_type = std::any_of(c.headers.begin(), c.headers.end(),
                                        [](const std::string& h) { return h.starts_with("Content-Type:"); });
      if (!has_type) r.headers.push_back("Content-Type: application/octet-stream");
    }
    std::string query;
    for (const auto& [name, value] : c.query)
      query.append(query.empty() ? "" : "&").append(web::uri_encode(name)).append("=").append(web::uri_encode(value));
    if (!key.empty()) {
      r.headers.push_back("Authorization: " +
                          azure::shared_key_authorization(account, key, method, r.headers, path, c.query));
    } else {
      query.append(query.empty() ? "" : "&").append(sas);
    }
    r.url = scheme_authority + path + (query.empty() ? "" : "?" + query);
    return client->send(r, fmt::format("Azure {} of {}", c.operation, describe(c.container, c.blob)));
  }

  /// The storage contract's error for an unsuccessful answer.
  [[noreturn]] void fail(const Call& c, const rest::Response& resp) const {
    std::string code = resp.header("x-ms-error-code");
    std::string message;
    if (!resp.body.empty()) {
      pugi::xml_document doc;
      if (doc.load_buffer(resp.body.data(), resp.body.size())) {
        if (code.empty()) code = doc.child("Error").child_value("Code");
        message = doc.child("Error").child_value("Message");
        if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);  // drop RequestId/Time lines
      }
    }
    std::string what = fmt::format("lithops: Azure {} ({}) of {} failed: HTTP {}{}{}{}", c.operation, c.method,
                                   describe(c.container, c.blob), resp.status, code.empty() ? "" : " ", code,
                                   message.empty() ? "" : ": " + message);
    if (code == "BlobNotFound") throw NoSuchKeyError(what);
    if (code == "ContainerNotFound") throw NoSuchBucketError(what);
    if (resp.status == 403 || code == "AuthenticationFailed" || code == "AuthorizationFailure") {
      throw StorageRequestError(fmt::format(
          "{} (authentication failed for storage account '{}': check azure_storage.storage_account_key or the SAS "
          "token)",
          what, account));
    }
    if (resp.status >= 500 || resp.status == 429 || code == "ServerBusy" || code == "OperationTimedOut")
      throw StorageError(what);  // retried by RetryingStorage
    if (resp.status == 404) throw NoSuchKeyError(what);
    throw StorageRequestError(what);
  }

  rest::Response send_ok(const Call& c) const {
    rest::Response r = send(c);
    if (!r.ok()) fail(c, r);
    return r;
  }

  /// One GET of the blob or of a range (clipped: "" at or past the end).
  std::string get_range(std::string_view container, std::string_view blob, std::optional<ByteRange> range,
                        const ByteSink* sink = nullptr, const std::string& if_match = "") const {
    Call c{.operation = "Get Blob", .method = "GET", .container = container, .blob = blob, .sink = sink};
    if (range) c.headers.push_back(fmt::format("x-ms-range: bytes={}-{}", range->first, range->last - 1));
    if (!if_match.empty()) c.headers.push_back("If-Match: \"" + if_match + "\"");
    rest::Response resp = send(c);
    if (range && resp.status == 416) return {};  // a range past the end of an existing blob
    if (!resp.ok()) fail(c, resp);
    return std::move(resp.body);
  }

  void put_blob(std::string_view container, std::string_view blob, std::string_view data) const {
    send_ok({.operation = "Put Blob",
             .method = "PUT",
             .container = container,
             .blob = blob,
             .headers = {"x-ms-blob-type: BlockBlob"},
             .body = data});
  }

  /// Blocks in parallel, then the list that makes them the blob (uncommitted blocks of a
  /// failed upload are discarded by Azure after a week; nothing to abort).
  void put_blocks(std::string_view container, std::string_view blob, std::vector<std::string> first,
                  const ByteSource& source, std::optional<std::uint64_t> size) const {
    rest::TransferOptions options = transfer;
    if (size) options.chunk = std::max(options.chunk, (*size + kMaxBlocks - 1) / kMaxBlocks);
    const std::size_t blocks = rest::upload_pieces(
        options, std::move(first), source, kMaxBlocks, fmt::format("Azure upload of {}", describe(container, blob)),
        [&](std::size_t i, const std::string& data) {
          with_retries(options.policy, "put block", std::string(blob), [&] {
            send_ok({.operation = "Put Block",
                     .method = "PUT",
                     .container = container,
                     .blob = blob,
                     .query = {{"comp", "block"}, {"blockid", block_id(i)}},
                     .body = data});
          });
        });
    std::string list = R"(<?xml version="1.0" encoding="utf-8"?><BlockList>)";
    for (std::size_t i = 0; i < blocks; ++i) list += "<Latest>" + block_id(i) + "</Latest>";
    list += "</BlockList>";
    with_retries(options.policy, "put block list", std::string(blob), [&] {
      send_ok({.operation = "Put Block List",
               .method = "PUT",
               .container = container,
               .blob = blob,
               .query = {{"comp", "blocklist"}},
               .headers = {"Content-Type: application/xml"},
               .body = list});
    });
  }

  void blob_exists_or_throw(std::string_view container, std::string_view blob, AzureStorage& self) const {
    if (!self.head_object(std::string(container), std::string(blob)))
      throw NoSuchKeyError(fmt::format("lithops: Azure Get Blob of {} failed: no such blob", describe(container, blob)));
  }
};

AzureStorage::AzureStorage(const Config& config) : impl_(std::make_unique<Impl>()) {
  auto str = [&](const char* k) { return config.get_string(std::string("azure_storage.") + k); };
  auto& im = *impl_;
  // Credentials: the section's own keys first, then a connection string (the section's, or
  // Azure's standard variable), as Lithops and Azure's tools look for them.
  std::string account = str("storage_account_name"), key = str("storage_account_key"), sas = str("sas_token");
  std::string endpoint = str("endpoint");
  std::string cs_text = str("connection_string"), cs_source = "azure_storage.connection_string";
  if (cs_text.empty()) {
    if (const char* env = std::getenv("AZURE_STORAGE_CONNECTION_STRING")) cs_text = env, cs_source = "AZURE_STORAGE_CONNECTION_STRING";
  }
  if (!cs_text.empty() && (account.empty() || (key.empty() && sas.empty()))) {
    azure::ConnectionString cs = azure::parse_connection_string(cs_text, cs_source);
    if (account.empty()) account = cs.account;
    if (key.empty() && sas.empty()) key = cs.key, sas = cs.sas;
    if (endpoint.empty()) endpoint = cs.blob_endpoint;
  }
  if (account.empty())
    throw ConfigError(
        "azure_storage.storage_account_name: required (or a connection string in azure_storage.connection_string or "
        "AZURE_STORAGE_CONNECTION_STRING)");
  if (key.empty() && sas.empty())
    throw ConfigError(fmt::format(
        "azure_storage.storage_account_key: required for account '{}' (or azure_storage.sas_token, or a connection "
        "string)",
        account));
  im.account = account;
  if (!key.empty()) {
    auto decoded = web::base64_decode(key);
    if (!decoded || decoded->empty())
      throw ConfigError("azure_storage.storage_account_key: not a base64 account key (as the Azure portal shows it)");
    im.key = std::move(*decoded);
  }
  im.sas = sas;
  if (!im.sas.empty() && im.sas.front() == '?') im.sas.erase(0, 1);

  if (endpoint.empty()) endpoint = "https://" + account + ".blob.core.windows.net";
  auto sep = endpoint.find("://");
  std::string scheme = sep == std::string::npos ? "" : endpoint.substr(0, sep);
  if (scheme != "http" && scheme != "https")
    throw ConfigError(fmt::format("azure_storage.endpoint: '{}' is not an http:// or https:// URL", endpoint));
  auto slash = endpoint.find('/', sep + 3);
  im.scheme_authority = endpoint.substr(0, slash);
  im.base_path = slash == std::string::npos ? "" : endpoint.substr(slash);
  while (!im.base_path.empty() && im.base_path.back() == '/') im.base_path.pop_back();

  im.bucket = str("storage_bucket");
  if (im.bucket.empty()) {
    // Container names: 3-63 lower-case letters, digits and '-'.
    std::string id = account.substr(0, 20);
    for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    im.bucket = "lithops-" + id;
  }

  const auto threshold = config.get_int("azure_storage.upload_threshold");
  const auto block = config.get_int("azure_storage.block_size");
  const auto concurrency = config.get_int("azure_storage.max_concurrency");
  if (threshold < 1)
    throw ConfigError(fmt::format("azure_storage.upload_threshold: must be positive, not {}", threshold));
  if (block < 1 || block > (4000ll << 20))
    throw ConfigError(fmt::format("azure_storage.block_size: must be between 1 and 4000 MiB, not {}", block));
  if (concurrency < 1 || concurrency > 1024)
    throw ConfigError(fmt::format("azure_storage.max_concurrency: must be between 1 and 1024, not {}", concurrency));
  im.single_put_max = static_cast<std::uint64_t>(threshold);
  im.transfer.chunk = static_cast<std::uint64_t>(block);
  im.transfer.max_concurrency = static_cast<int>(concurrency);
  im.transfer.policy.attempts = std::max<int>(1, static_cast<int>(config.get_int("lithops.storage_attempts")));

  im.client = std::make_unique<rest::Client>(rest::options_from(config, "azure_storage"));
}

AzureStorage::~AzureStorage() = default;

const std::string& AzureStorage::bucket() const { return impl_->bucket; }

void AzureStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  auto& im = *impl_;
  if (data.size() <= im.single_put_max) return im.put_blob(bucket, key, data);
  im.put_blocks(bucket, key, {}, source_of(data), data.size());
}

void AzureStorage::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                     std::optional<std::uint64_t> size) {
  auto& im = *impl_;
  if (size && *size <= im.single_put_max) {
    std::string data = rest::read_piece(source, static_cast<std::size_t>(*size) + 1, static_cast<std::size_t>(*size));
    if (data.size() <= im.single_put_max) return im.put_blob(bucket, key, data);
    return im.put_blocks(bucket, key, {std::move(data)}, source, std::nullopt);  // longer than announced
  }
  // Unknown or large: read up to the threshold; a source that ends before it is one Put Blob.
  std::vector<std::string> first;
  std::uint64_t total = 0;
  bool ended = false;
  while (!ended && total <= im.single_put_max) {
    first.push_back(rest::read_piece(source, im.transfer.chunk));
    total += first.back().size();
    ended = first.back().size() < im.transfer.chunk;
  }
  if (ended && total <= im.single_put_max) {
    std::string data;
    data.reserve(total);
    for (const auto& p : first) data += p;
    return im.put_blob(bucket, key, data);
  }
  im.put_blocks(bucket, key, std::move(first), source, size);
}

std::string AzureStorage::get_object(const std::string& bucket, const std::string& key,
                                     std::optional<ByteRange> range) {
  if (range && range->first >= range->last) {
    impl_->blob_exists_or_throw(bucket, key, *this);
    return {};
  }
  return impl_->get_range(bucket, key, range);
}

void AzureStorage::get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                                     const ByteSink& sink) {
  auto& im = *impl_;
  rest::stream_object(
      im.transfer, range, fmt::format("Azure Get Blob of {}", describe(bucket, key)),
      [&]() -> std::optional<rest::ObjectVersion> {
        auto info = head_object(bucket, key);
        if (!info) return std::nullopt;
        return rest::ObjectVersion{info->size, info->etag};
      },
      [&] {
        throw NoSuchKeyError(fmt::format("lithops: Azure Get Blob of {} failed: no such blob", describe(bucket, key)));
      },
      [&](ByteRange r, const ByteSink* to, const std::string& etag) { return im.get_range(bucket, key, r, to, etag); },
      sink);
}

std::optional<ObjectInfo> AzureStorage::head_object(const std::string& bucket, const std::string& key) {
  Call c{.operation = "Get Blob Properties", .method = "HEAD", .container = bucket, .blob = key};
  rest::Response resp = impl_->send(c);
  if (resp.status == 404 && resp.header("x-ms-error-code") != "ContainerNotFound") return std::nullopt;
  if (!resp.ok()) impl_->fail(c, resp);
  ObjectInfo info;
  info.size = std::strtoull(resp.header("content-length").c_str(), nullptr, 10);
  info.etag = web::strip_quotes(resp.header("etag"));
  info.last_modified = web::parse_http_date_ms(resp.header("last-modified"));
  return info;
}

void AzureStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  auto& im = *impl_;
  // One request per blob, in parallel (Azure's batch API wraps the same requests in a
  // multipart body; the connections kept alive make the difference small).
  // Each is retried by itself: a batch retried whole would meet a busy answer again somewhere.
  rest::parallel_for(keys.size(), im.transfer.max_concurrency, [&](std::size_t i) {
    with_retries(im.transfer.policy, "delete", keys[i], [&] {
      Call c{.operation = "Delete Blob", .method = "DELETE", .container = bucket, .blob = keys[i]};
      rest::Response resp = im.send(c);
      if (resp.ok() || (resp.status == 404 && resp.header("x-ms-error-code") == "BlobNotFound")) return;
      im.fail(c, resp);
    });
  });
}

std::vector<ObjectEntry> AzureStorage::list_objects(const std::string& bucket, const std::string& prefix,
                                                    const std::string& start_after) {
  std::vector<ObjectEntry> out;
  std::string marker;
  do {
    Call c{.operation = "List Blobs", .method = "GET", .container = bucket};
    c.query = {{"restype", "container"}, {"comp", "list"}, {"maxresults", std::to_string(kListPage)}};
    if (!prefix.empty()) c.query.emplace_back("prefix", prefix);
    if (!marker.empty()) c.query.emplace_back("marker", marker);
    rest::Response resp = impl_->send_ok(c);
    pugi::xml_document doc;
    if (!doc.load_buffer(resp.body.data(), resp.body.size()))
      throw StorageError(fmt::format("lithops: Azure List Blobs of {} answered something that is not XML",
                                     describe(bucket, "")));
    auto results = doc.child("EnumerationResults");
    for (auto blob : results.child("Blobs").children("Blob")) {
      ObjectEntry e;
      e.key = blob.child_value("Name");
      if (e.key <= start_after) continue;
      auto props = blob.child("Properties");
      e.info.size = std::strtoull(props.child_value("Content-Length"), nullptr, 10);
      e.info.etag = web::strip_quotes(props.child_value("Etag"));
      e.info.last_modified = web::parse_http_date_ms(props.child_value("Last-Modified"));
      out.push_back(std::move(e));
    }
    marker = results.child_value("NextMarker");
  } while (!marker.empty());
  // Azure lists in its own collation; the contract promises byte order.
  std::sort(out.begin(), out.end(), [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return out;
}

bool AzureStorage::bucket_exists(const std::string& bucket) {
  Call c{.operation = "Get Container Properties", .method = "HEAD", .container = bucket};
  c.query = {{"restype", "container"}};
  rest::Response resp = impl_->send(c);
  if (resp.ok()) return true;
  if (resp.status == 404) return false;
  impl_->fail(c, resp);
}

void AzureStorage::create_bucket(const std::string& bucket) {
  Call c{.operation = "Create Container", .method = "PUT", .container = bucket};
  c.query = {{"restype", "container"}};
  rest::Response resp = impl_->send(c);
  if (resp.ok() || (resp.status == 409 && resp.header("x-ms-error-code") == "ContainerAlreadyExists")) return;
  impl_->fail(c, resp);
}

std::optional<std::string> AzureStorage::presigned_get_url(const std::string& bucket, const std::string& key,
                                                           std::chrono::seconds ttl) {
  auto& im = *impl_;
  std::string query;
  if (!im.key.empty()) {
    const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch() + ttl)
                            .count();
    query = azure::service_sas(im.account, im.key, bucket, key, "r", expiry);
  } else {
    query = im.sas;  // the configured token is itself the credential a URL carries
  }
  return im.scheme_authority + im.base_path + "/" + web::uri_encode(bucket) + "/" + web::uri_encode(key, true) + "?" +
         query;
}

}  // namespace lithops::detail
