#include "storage/gcs/gcs_storage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lithops/errors.hpp"
#include "storage/gcs/gcs_auth.hpp"
#include "storage/rest/chunked_transfer.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/rest/web_codec.hpp"

namespace lithops::detail {

namespace {

using Json = nlohmann::json;

constexpr const char* kGoogleEndpoint = "https://storage.googleapis.com";
constexpr std::uint64_t kResumableUnit = 256 * 1024;  // resumable chunks are multiples of this
constexpr int kListPage = 1000;                        // the JSON API's largest page

/// "'key' in bucket 'b'" or "bucket 'b'", for messages.
std::string describe(std::string_view bucket, std::string_view key) {
  if (key.empty()) return fmt::format("bucket '{}'", bucket);
  return fmt::format("'{}' in bucket '{}'", key, bucket);
}

using Query = std::vector<std::pair<std::string, std::string>>;

struct Call {
  const char* operation = "";  ///< the JSON API's name for it ("objects.get" ...), for messages
  const char* method = "GET";
  std::string path;            ///< already encoded, or empty with `url`
  std::string url;             ///< absolute (a resumable session's URI), instead of path
  std::string_view bucket;
  std::string_view key;
  Query query;
  std::vector<std::string> headers;
  std::string_view body;
  const ByteSink* sink = nullptr;
};

std::string object_path(std::string_view bucket, std::string_view key) {
  return "/storage/v1/b/" + web::uri_encode(bucket) + "/o/" + web::uri_encode(key);  // '/' as %2F
}

std::string json_string(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

/// Size, etag (md5 when there is none) and time of an object resource.
ObjectInfo object_info(const Json& o) {
  ObjectInfo info;
  info.size = std::strtoull(json_string(o, "size").c_str(), nullptr, 10);
  info.etag = json_string(o, "etag");
  if (info.etag.empty()) info.etag = json_string(o, "md5Hash");
  info.last_modified = web::parse_iso8601_ms(json_string(o, "updated"));
  return info;
}

/// The JSON API's error message ({"error": {"message": ...}}), or the first line of a text body.
std::string error_message(const rest::Response& resp) {
  if (resp.body.empty()) return {};
  Json j = Json::parse(resp.body, nullptr, false);
  if (!j.is_discarded()) {
    if (j.is_object()) {
      auto e = j.find("error");
      if (e != j.end() && e->is_object()) return json_string(*e, "message");
      if (e != j.end() && e->is_string()) return e->get<std::string>();
    }
    return {};
  }
  std::string line = resp.body.substr(0, std::min<std::size_t>(resp.body.find('\n'), 200));
  if (line.find('<') != std::string::npos) return {};  // an XML or HTML page: nothing readable
  return line;
}

}  // namespace

struct GcsStorage::Impl {
  std::string endpoint;  // "https://storage.googleapis.com", no trailing '/'
  std::string project;   // for buckets.insert
  std::string region;
  std::string bucket;
  std::uint64_t single_put_max = 0;
  rest::TransferOptions transfer;
  std::unique_ptr<rest::Client> client;
  std::unique_ptr<gcs::TokenSource> tokens;  // null: an emulator, requests not authorized

  rest::Response send_once(const Call& c) const {
    rest::Request r;
    r.method = c.method;
    r.sink = c.sink;
    r.body = c.body;
    r.headers = c.headers;
    std::string query;
    for (const auto& [name, value] : c.query)
      query.append(query.empty() ? "" : "&").append(web::uri_encode(name)).append("=").append(web::uri_encode(value));
    if (!c.url.empty()) {
      r.url = c.url;
      if (!query.empty()) r.url += (c.url.find('?') == std::string::npos ? "?" : "&") + query;
    } else {
      r.url = endpoint + c.path + (query.empty() ? "" : "?" + query);
    }
    const std::string_view method = c.method;
    if (method == "PUT" || method == "POST") r.headers.push_back(fmt::format("Content-Length: {}", c.body.size()));
    if (tokens) r.headers.push_back("Authorization: Bearer " + tokens->token());
    return client->send(r, fmt::format("GCS {} of {}", c.operation, describe(c.bucket, c.key)));
  }

  rest::Response send(const Call& c) const {
    rest::Response resp = send_once(c);
    // A token the server no longer takes (revoked, clock skew): one more try with a new one.
    if (resp.status == 401 && tokens) {
      tokens->invalidate();
      resp = send_once(c);
    }
    return resp;
  }

  /// Whether a 404 about an object means its bucket is missing.
  bool bucket_missing(std::string_view bucket, const rest::Response& resp) const {
    const std::string message = error_message(resp);
    if (message.find("No such object") != std::string::npos) return false;
    if (message.find("bucket does not exist") != std::string::npos) return true;
    // An answer that does not say (an emulator's "Not Found"): ask about the bucket.
    Call b{.operation = "buckets.get", .method = "GET", .bucket = bucket};
    b.path = "/storage/v1/b/" + web::uri_encode(bucket);
    b.query = {{"fields", "name"}};
    return send(b).status == 404;
  }

  /// The storage contract's error for an unsuccessful answer.
  [[noreturn]] void fail(const Call& c, const rest::Response& resp) const {
    const std::string message = error_message(resp);
    std::string what = fmt::format("lithops: GCS {} ({}) of {} failed: HTTP {}{}", c.operation, c.method,
                                   describe(c.bucket, c.key), resp.status, message.empty() ? "" : ": " + message);
    if (resp.status == 404) {
      if (c.key.empty() || bucket_missing(c.bucket, resp))
        throw NoSuchBucketError(c.key.empty() ? what : what + " (no such bucket)");
      throw NoSuchKeyError(what);
    }
    if (resp.status == 401 || resp.status == 403) {
      if (tokens)
        throw StorageRequestError(fmt::format(
            "{} (authentication failed for service account '{}': check gcp_storage.credentials_path and the "
            "account's permissions)",
            what, tokens->account().client_email));
      throw StorageRequestError(fmt::format(
          "{} (authentication failed: no credentials were sent; set gcp_storage.credentials_path or "
          "GOOGLE_APPLICATION_CREDENTIALS)",
          what));
    }
    if (resp.status >= 500 || resp.status == 429 || resp.status == 408) throw StorageError(what);  // retried
    throw StorageRequestError(what);
  }

  rest::Response send_ok(const Call& c) const {
    rest::Response r = send(c);
    if (!r.ok()) fail(c, r);
    return r;
  }

  /// The object's metadata and generation; nullopt when it does not exist.
  std::optional<std::pair<ObjectInfo, std::string>> stat(std::string_view bucket, std::string_view key) const {
    Call c{.operation = "objects.get", .method = "GET", .bucket = bucket, .key = key};
    c.path = object_path(bucket, key);
    c.query = {{"fields", "size,etag,md5Hash,updated,generation"}};
    rest::Response resp = send(c);
    if (resp.status == 404 && !bucket_missing(bucket, resp)) return std::nullopt;
    if (!resp.ok()) fail(c, resp);
    Json j = Json::parse(resp.body, nullptr, false);
    if (!j.is_object())
      throw StorageError(fmt::format("lithops: GCS objects.get of {} answered something that is not JSON",
                                     describe(bucket, key)));
    return std::make_pair(object_info(j), json_string(j, "generation"));
  }

  /// One GET of the object or of a range (clipped: "" at or past the end); of `generation` when given.
  std::string get_range(std::string_view bucket, std::string_view key, std::optional<ByteRange> range,
                        const ByteSink* sink = nullptr, const std::string& generation = "") const {
    Call c{.operation = "objects.get (media)", .method = "GET", .bucket = bucket, .key = key, .sink = sink};
    c.path = object_path(bucket, key);
    c.query = {{"alt", "media"}};
    if (!generation.empty()) c.query.emplace_back("ifGenerationMatch", generation);
    if (range) c.headers.push_back(fmt::format("Range: bytes={}-{}", range->first, range->last - 1));
    rest::Response resp = send(c);
    if (range && resp.status == 416) return {};  // a range past the end of an existing object
    if (!resp.ok()) fail(c, resp);
    return std::move(resp.body);
  }

  void exists_or_throw(std::string_view bucket, std::string_view key) const {
    if (!stat(bucket, key))
      throw NoSuchKeyError(fmt::format("lithops: GCS objects.get of {} failed: no such object", describe(bucket, key)));
  }

  void put_media(std::string_view bucket, std::string_view key, std::string_view data) const {
    Call c{.operation = "objects.insert", .method = "POST", .bucket = bucket, .key = key, .body = data};
    c.path = "/upload/storage/v1/b/" + web::uri_encode(bucket) + "/o";
    c.query = {{"uploadType", "media"}, {"name", std::string(key)}, {"fields", "name"}};
    c.headers = {"Content-Type: application/octet-stream"};
    send_ok(c);
  }

  /// A resumable upload: a session, then the chunks in order (each a multiple of 256 KiB but the
  /// last), each retried by itself. `first`: chunks already read from `source`.
  void put_resumable(std::string_view bucket, std::string_view key, std::vector<std::string> first,
                     const ByteSource& source) const {
    Call start{.operation = "objects.insert (resumable)", .method = "POST", .bucket = bucket, .key = key};
    start.path = "/upload/storage/v1/b/" + web::uri_encode(bucket) + "/o";
    start.query = {{"uploadType", "resumable"}, {"name", std::string(key)}};
    start.headers = {"Content-Type: application/json; charset=UTF-8",
                     "X-Upload-Content-Type: application/octet-stream"};
    const std::string meta = Json{{"name", std::string(key)}}.dump();
    start.body = meta;
    const std::string session = with_retries(transfer.policy, "start resumable upload", std::string(key), [&] {
      rest::Response resp = send_ok(start);
      std::string location = resp.header("location");
      if (location.empty())
        throw StorageError(fmt::format("lithops: GCS resumable upload of {} got no session URI",
                                       describe(bucket, key)));
      return location;
    });
    std::deque<std::string> pending(std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
    auto next = [&]() -> std::string {
      if (pending.empty()) return rest::read_piece(source, transfer.chunk);
      std::string p = std::move(pending.front());
      pending.pop_front();
      return p;
    };
    // Google's protocol: each answer's Range header says how many bytes the server holds, which
    // may be fewer than were sent (the rest is sent again); after a failure, a status query
    // (an empty PUT, "bytes */total") says where to resume.
    std::uint64_t offset = 0;     // where `cur` starts in the object
    std::uint64_t persisted = 0;  // bytes the server holds
    std::string cur = next();
    auto held = [&](const rest::Response& resp) -> std::uint64_t {
      const std::string range = resp.header("range");  // "bytes=0-N"
      const auto dash = range.find('-');
      return dash == std::string::npos ? 0 : std::strtoull(range.c_str() + dash + 1, nullptr, 10) + 1;
    };
    for (;;) {
      // Read one chunk ahead: the last chunk must say the total size.
      std::string ahead = cur.size() < transfer.chunk ? std::string() : next();
      const bool last = ahead.empty();
      const std::uint64_t end = offset + cur.size();
      const std::string total = last ? std::to_string(end) : "*";
      bool complete = false;
      int attempt = 0;
      with_retries(transfer.policy, "upload chunk", std::string(key), [&] {
        Call c{.operation = "objects.insert (resumable chunk)", .method = "PUT", .bucket = bucket, .key = key};
        c.url = session;
        if (attempt++ > 0) {
          c.operation = "objects.insert (resumable status)";
          c.headers = {"Content-Range: bytes */" + total};
          rest::Response resp = send(c);
          if (resp.ok()) complete = true;
          else if (resp.status == 308) persisted = held(resp);
          else if (resp.status == 404 || resp.status == 410)
            throw StorageRequestError(fmt::format("lithops: GCS resumable upload of {} failed: its session "
                                                  "expired (HTTP {})",
                                                  describe(bucket, key), resp.status));
          else fail(c, resp);
        }
        while (last ? !complete : persisted < end) {
          if (complete || persisted < offset)  // done too early, or lost bytes no longer held here
            throw StorageRequestError(fmt::format(
                "lithops: GCS resumable upload of {} failed: the server holds {} bytes{}, where {} were expected",
                describe(bucket, key), persisted, complete ? " as a complete object" : "", offset));
          c.body = std::string_view(cur).substr(persisted - offset);
          c.headers = {c.body.empty() ? "Content-Range: bytes */" + total
                                      : fmt::format("Content-Range: bytes {}-{}/{}", persisted, end - 1, total)};
          rest::Response resp = send(c);
          if (resp.ok()) {
            if (!last)
              throw StorageRequestError(fmt::format(
                  "lithops: GCS resumable upload of {} failed: the server completed it before its last chunk",
                  describe(bucket, key)));
            complete = true;
            persisted = end;
          } else if (resp.status == 308) {
            const std::uint64_t now_held = held(resp);
            if (now_held <= persisted && !c.body.empty())
              throw StorageError(fmt::format("lithops: GCS resumable upload of {}: a chunk made no progress",
                                             describe(bucket, key)));  // retried, from a status query
            persisted = now_held;
          } else {
            fail(c, resp);
          }
        }
      });
      offset = end;
      if (last) return;
      cur = std::move(ahead);
    }
  }
};

GcsStorage::GcsStorage(const Config& config) : impl_(std::make_unique<Impl>()) {
  auto str = [&](const char* k) { return config.get_string(std::string("gcp_storage.") + k); };
  auto& im = *impl_;
  // An emulator, as Google's client libraries find one: its address, and no authorization.
  std::string endpoint = str("endpoint"), endpoint_source = "gcp_storage.endpoint";
  bool emulator = false;
  if (const char* env = std::getenv("STORAGE_EMULATOR_HOST"); env && *env) {
    endpoint = env, endpoint_source = "STORAGE_EMULATOR_HOST", emulator = true;
    if (endpoint.find("://") == std::string::npos) endpoint = "http://" + endpoint;
  }
  if (endpoint.empty()) endpoint = kGoogleEndpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const auto sep = endpoint.find("://");
  const std::string scheme = sep == std::string::npos ? "" : endpoint.substr(0, sep);
  if ((scheme != "http" && scheme != "https") || endpoint.size() == sep + 3)
    throw ConfigError(fmt::format("{}: '{}' is not an http:// or https:// URL", endpoint_source, endpoint));
  im.endpoint = endpoint;

  std::optional<gcs::ServiceAccount> account;
  if (!emulator) {
    std::string path = str("credentials_path"), source = "gcp_storage.credentials_path";
    if (path.empty()) {
      if (const char* env = std::getenv("GOOGLE_APPLICATION_CREDENTIALS"); env && *env)
        path = env, source = "GOOGLE_APPLICATION_CREDENTIALS";
    }
    if (!path.empty()) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream text;
      if (in) text << in.rdbuf();
      if (!in || in.bad())
        throw ConfigError(fmt::format("{}: cannot read the service account key file '{}'", source, path));
      account = gcs::parse_service_account(text.str(), fmt::format("{} ('{}')", source, path));
    } else if (endpoint == kGoogleEndpoint) {
      throw ConfigError(
          "gcp_storage.credentials_path: required (a service account's JSON key file), or "
          "GOOGLE_APPLICATION_CREDENTIALS; for an emulator set STORAGE_EMULATOR_HOST or gcp_storage.endpoint");
    }
    // else: an endpoint of one's own and no credentials: an emulator, requests not authorized
  }
  im.project = account && !account->project_id.empty() ? account->project_id : "lithops";
  im.region = str("region");
  im.bucket = str("storage_bucket");
  if (im.bucket.empty()) {
    // Bucket names: 3-63 lower-case letters, digits, '-', '_' and '.'.
    std::string id = im.project.substr(0, 50);
    for (auto& c : id) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
    }
    im.bucket = "lithops-" + id;
  }

  const auto threshold = config.get_int("gcp_storage.upload_threshold");
  const auto chunk = config.get_int("gcp_storage.chunk_size");
  const auto concurrency = config.get_int("gcp_storage.max_concurrency");
  if (threshold < 1)
    throw ConfigError(fmt::format("gcp_storage.upload_threshold: must be positive, not {}", threshold));
  if (chunk < 1 || chunk % static_cast<std::int64_t>(kResumableUnit) != 0 || chunk > (4096ll << 20))
    throw ConfigError(fmt::format(
        "gcp_storage.chunk_size: must be a multiple of 256 KiB (262144 bytes) up to 4 GiB, not {}", chunk));
  if (concurrency < 1 || concurrency > 1024)
    throw ConfigError(fmt::format("gcp_storage.max_concurrency: must be between 1 and 1024, not {}", concurrency));
  im.single_put_max = static_cast<std::uint64_t>(threshold);
  im.transfer.chunk = static_cast<std::uint64_t>(chunk);
  im.transfer.max_concurrency = static_cast<int>(concurrency);
  im.transfer.policy.attempts = std::max<int>(1, static_cast<int>(config.get_int("lithops.storage_attempts")));

  im.client = std::make_unique<rest::Client>(rest::options_from(config, "gcp_storage"));
  if (account) im.tokens = std::make_unique<gcs::TokenSource>(std::move(*account), *im.client);
}

GcsStorage::~GcsStorage() = default;

const std::string& GcsStorage::bucket() const { return impl_->bucket; }
const std::string& GcsStorage::endpoint() const { return impl_->endpoint; }
bool GcsStorage::authenticated() const { return impl_->tokens != nullptr; }
int GcsStorage::token_fetches() const { return impl_->tokens ? impl_->tokens->fetches() : 0; }

void GcsStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  auto& im = *impl_;
  if (data.size() <= im.single_put_max) return im.put_media(bucket, key, data);
  im.put_resumable(bucket, key, {}, source_of(data));
}

void GcsStorage::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                   std::optional<std::uint64_t> size) {
  auto& im = *impl_;
  if (size && *size <= im.single_put_max) {
    std::string data = rest::read_piece(source, static_cast<std::size_t>(*size) + 1, static_cast<std::size_t>(*size));
    if (data.size() <= im.single_put_max) return im.put_media(bucket, key, data);
    // Longer than announced: resumable, from chunks cut out of what was read.
    std::vector<std::string> first;
    std::size_t whole = data.size() / im.transfer.chunk * im.transfer.chunk;
    for (std::size_t at = 0; at < whole; at += im.transfer.chunk) first.push_back(data.substr(at, im.transfer.chunk));
    std::string rest_of_data = data.substr(whole);
    std::size_t at = 0;
    return im.put_resumable(bucket, key, std::move(first), [&](char* buffer, std::size_t capacity) {
      if (at < rest_of_data.size()) {
        std::size_t n = std::min(capacity, rest_of_data.size() - at);
        std::copy_n(rest_of_data.data() + at, n, buffer);
        at += n;
        return n;
      }
      return source(buffer, capacity);
    });
  }
  // Unknown or large: read up to the threshold; a source that ends before it is one request.
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
    return im.put_media(bucket, key, data);
  }
  im.put_resumable(bucket, key, std::move(first), source);
}

std::string GcsStorage::get_object(const std::string& bucket, const std::string& key, std::optional<ByteRange> range) {
  if (range && range->first >= range->last) {
    impl_->exists_or_throw(bucket, key);
    return {};
  }
  return impl_->get_range(bucket, key, range);
}

void GcsStorage::get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                                   const ByteSink& sink) {
  auto& im = *impl_;
  rest::stream_object(
      im.transfer, range, fmt::format("GCS download of {}", describe(bucket, key)),
      [&]() -> std::optional<rest::ObjectVersion> {
        auto st = im.stat(bucket, key);
        if (!st) return std::nullopt;
        return rest::ObjectVersion{st->first.size, st->second};  // the generation
      },
      [&] {
        throw NoSuchKeyError(fmt::format("lithops: GCS objects.get of {} failed: no such object", describe(bucket, key)));
      },
      [&](ByteRange r, const ByteSink* to, const std::string& generation) {
        return im.get_range(bucket, key, r, to, generation);
      },
      sink);
}

std::optional<ObjectInfo> GcsStorage::head_object(const std::string& bucket, const std::string& key) {
  auto st = impl_->stat(bucket, key);
  if (!st) return std::nullopt;
  return st->first;
}

void GcsStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  auto& im = *impl_;
  // One request per object, in parallel, each retried by itself (the JSON API's batch wraps the
  // same requests in a multipart body).
  rest::parallel_for(keys.size(), im.transfer.max_concurrency, [&](std::size_t i) {
    with_retries(im.transfer.policy, "delete", keys[i], [&] {
      Call c{.operation = "objects.delete", .method = "DELETE", .bucket = bucket, .key = keys[i]};
      c.path = object_path(bucket, keys[i]);
      rest::Response resp = im.send(c);
      if (resp.ok() || (resp.status == 404 && !im.bucket_missing(bucket, resp))) return;
      im.fail(c, resp);
    });
  });
}

std::vector<ObjectEntry> GcsStorage::list_objects(const std::string& bucket, const std::string& prefix,
                                                  const std::string& start_after) {
  std::vector<ObjectEntry> out;
  std::string page;
  do {
    Call c{.operation = "objects.list", .method = "GET", .bucket = bucket};
    c.path = "/storage/v1/b/" + web::uri_encode(bucket) + "/o";
    c.query = {{"maxResults", std::to_string(kListPage)},
               {"fields", "items(name,size,etag,md5Hash,updated),nextPageToken"}};
    if (!prefix.empty()) c.query.emplace_back("prefix", prefix);
    if (!start_after.empty()) c.query.emplace_back("startOffset", start_after);  // inclusive: filtered below
    if (!page.empty()) c.query.emplace_back("pageToken", page);
    rest::Response resp = impl_->send_ok(c);
    Json j = Json::parse(resp.body, nullptr, false);
    if (!j.is_object())
      throw StorageError(
          fmt::format("lithops: GCS objects.list of {} answered something that is not JSON", describe(bucket, "")));
    if (auto items = j.find("items"); items != j.end() && items->is_array()) {
      for (const auto& o : *items) {
        ObjectEntry e;
        e.key = json_string(o, "name");
        if (e.key <= start_after || !e.key.starts_with(prefix)) continue;
        e.info = object_info(o);
        out.push_back(std::move(e));
      }
    }
    page = json_string(j, "nextPageToken");
  } while (!page.empty());
  // The contract promises byte order, whatever order the service lists in.
  std::sort(out.begin(), out.end(), [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return out;
}

bool GcsStorage::bucket_exists(const std::string& bucket) {
  Call c{.operation = "buckets.get", .method = "GET", .bucket = bucket};
  c.path = "/storage/v1/b/" + web::uri_encode(bucket);
  c.query = {{"fields", "name"}};
  rest::Response resp = impl_->send(c);
  if (resp.ok()) return true;
  if (resp.status == 404) return false;
  impl_->fail(c, resp);
}

void GcsStorage::create_bucket(const std::string& bucket) {
  auto& im = *impl_;
  Json body = {{"name", bucket}};
  if (!im.region.empty()) body["location"] = im.region;
  const std::string text = body.dump();
  Call c{.operation = "buckets.insert", .method = "POST", .bucket = bucket, .body = text};
  c.path = "/storage/v1/b";
  c.query = {{"project", im.project}, {"fields", "name"}};
  c.headers = {"Content-Type: application/json; charset=UTF-8"};
  rest::Response resp = im.send(c);
  if (resp.ok()) return;
  if (resp.status == 409) {
    // Taken: ours (it answers us), or someone else's.
    bool ours = false;
    try {
      ours = bucket_exists(bucket);
    } catch (const StorageRequestError&) {
    }
    if (ours) return;
    throw StorageRequestError(fmt::format(
        "lithops: GCS buckets.insert of {} failed: the name is taken by another project (bucket names are global)",
        describe(bucket, "")));
  }
  im.fail(c, resp);
}

std::optional<std::string> GcsStorage::presigned_get_url(const std::string& bucket, const std::string& key,
                                                         std::chrono::seconds ttl) {
  auto& im = *impl_;
  if (ttl.count() < 1 || ttl.count() > 7 * 24 * 3600)
    throw StorageRequestError(fmt::format(
        "lithops: a GCS signed URL lives 1 s to 7 days (604800 s), not {} s (for {})", ttl.count(), describe(bucket, key)));
  if (!im.tokens) return im.endpoint + object_path(bucket, key) + "?alt=media";  // an emulator: no signature
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return gcs::signed_get_url(im.tokens->account(), im.endpoint, bucket, key, ttl.count(), now);
}

}  // namespace lithops::detail
