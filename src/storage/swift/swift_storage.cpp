#include "storage/swift/swift_storage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "lithops/errors.hpp"
#include "storage/rest/chunked_transfer.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/rest/web_codec.hpp"
#include "storage/swift/swift_auth.hpp"

namespace lithops::detail {

namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kMaxObject = 5ull << 30;  // Swift's default max_file_size: one PUT, one segment
constexpr std::size_t kMaxSegments = 1000;        // SLO's default max_manifest_segments
constexpr int kListPage = 10000;                  // Swift's default container_listing_limit (more: 412)

std::string describe(std::string_view bucket, std::string_view key) {
  if (key.empty()) return fmt::format("container '{}'", bucket);
  return fmt::format("'{}' in container '{}'", key, bucket);
}

struct Call {
  const char* operation = "";  ///< for messages ("GET object" ...)
  const char* method = "GET";
  std::string_view bucket;     ///< empty: the account itself
  std::string_view key;
  std::string query;           ///< already encoded, without '?'
  std::vector<std::string> headers;
  std::string_view body;
  const ByteSink* sink = nullptr;
};

std::string query_of(std::initializer_list<std::pair<std::string_view, std::string_view>> params) {
  std::string q;
  for (const auto& [name, value] : params)
    if (!value.empty()) q.append(q.empty() ? "" : "&").append(name).append("=").append(web::uri_encode(value));
  return q;
}

std::string hex(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) out.append({kHex[c >> 4], kHex[c & 15]});
  return out;
}

/// 16 random hex digits: upload ids of segments, and a TempURL key when the account has none.
std::string random_hex(int bytes) {
  static thread_local std::mt19937_64 gen(std::random_device{}());
  std::string raw;
  for (int i = 0; i < bytes; ++i) raw += static_cast<char>(gen() & 0xff);
  return hex(raw);
}

void check_url(const std::string& key, const std::string& url) {
  const auto sep = url.find("://");
  const std::string scheme = sep == std::string::npos ? "" : url.substr(0, sep);
  if ((scheme != "http" && scheme != "https") || url.size() == sep + 3)
    throw ConfigError(fmt::format("{}: '{}' is not an http:// or https:// URL", key, url));
}

}  // namespace

struct SwiftStorage::Impl {
  std::string bucket;
  std::string segment_container;  // "": <container>_segments
  std::string storage_url;        // swift.storage_url: instead of authentication's
  std::string temp_url_key;       // configured, or read from the account once (under mutex)
  std::uint64_t single_put_max = 0;
  rest::TransferOptions transfer;
  std::unique_ptr<rest::Client> client;
  std::unique_ptr<swift::TokenSource> tokens;
  std::mutex mutex;
  std::set<std::string> segment_containers_made;

  std::string base(const swift::Session& s) const { return storage_url.empty() ? s.storage_url : storage_url; }

  rest::Response send_once(const Call& c, const swift::Session& s) const {
    rest::Request r;
    r.method = c.method;
    r.sink = c.sink;
    r.body = c.body;
    r.headers = c.headers;
    r.url = base(s);
    if (!c.bucket.empty()) r.url += "/" + web::uri_encode(c.bucket);
    if (!c.key.empty()) r.url += "/" + web::uri_encode(c.key, true);
    if (!c.query.empty()) r.url += "?" + c.query;
    const std::string_view method = c.method;
    if (method == "PUT" || method == "POST") r.headers.push_back(fmt::format("Content-Length: {}", c.body.size()));
    r.headers.push_back("X-Auth-Token: " + s.token);
    return client->send(r, fmt::format("Swift {} of {}", c.operation, describe(c.bucket, c.key)));
  }

  rest::Response send(const Call& c) const {
    swift::Session s = tokens->session();
    rest::Response resp = send_once(c, s);
    // A token the proxy no longer takes (revoked, expired early, the cache of a restarted proxy):
    // one more try with a new one.
    if (resp.status == 401) {
      tokens->invalidate(s.token);
      resp = send_once(c, tokens->session());
    }
    return resp;
  }

  bool container_missing(std::string_view bucket) const {
    Call c{.operation = "HEAD container", .method = "HEAD", .bucket = bucket};
    rest::Response resp = send(c);
    if (resp.status == 404) return true;
    if (!resp.ok()) fail(c, resp);
    return false;
  }

  /// The storage contract's error for an unsuccessful answer.
  [[noreturn]] void fail(const Call& c, const rest::Response& resp) const {
    const std::string text = swift::answer_text(resp.body);
    const std::string what = fmt::format("lithops: Swift {} of {} failed: HTTP {}{}", c.operation,
                                         c.bucket.empty() ? "the account" : describe(c.bucket, c.key), resp.status,
                                         text.empty() ? "" : ": " + text);
    const auto& who = tokens->credentials().who();
    if (resp.status == 404 && !c.bucket.empty()) {
      if (c.key.empty() || container_missing(c.bucket)) throw NoSuchBucketError(what + " (no such container)");
      throw NoSuchKeyError(what);
    }
    if (resp.status == 401)
      throw StorageRequestError(fmt::format("{} (authentication failed for {}: the proxy refuses its tokens)", what, who));
    if (resp.status == 403)
      throw StorageRequestError(fmt::format("{} (access denied to {}: its roles or the container's ACLs do not allow "
                                            "it)",
                                            what, who));
    if (swift::transient(resp.status)) throw StorageError(what);  // 498 and 429: rate limited; 503: busy. Retried.
    throw StorageRequestError(what);
  }

  rest::Response send_ok(const Call& c) const {
    rest::Response r = send(c);
    if (!r.ok()) fail(c, r);
    return r;
  }

  struct Stat {
    ObjectInfo info;
    bool large = false;  // a Static Large Object's manifest
  };

  std::optional<Stat> stat(std::string_view bucket, std::string_view key) const {
    Call c{.operation = "HEAD object", .method = "HEAD", .bucket = bucket, .key = key};
    rest::Response resp = send(c);
    if (resp.status == 404 && !container_missing(bucket)) return std::nullopt;
    if (!resp.ok()) fail(c, resp);
    Stat st;
    st.info.size = std::strtoull(resp.header("content-length").c_str(), nullptr, 10);
    st.info.etag = web::strip_quotes(resp.header("etag"));
    // X-Timestamp ("1714566896.78901") is the time listings show too, to the microsecond.
    if (const std::string ts = resp.header("x-timestamp"); !ts.empty())
      st.info.last_modified = static_cast<std::int64_t>(std::strtod(ts.c_str(), nullptr) * 1000);
    else
      st.info.last_modified = web::parse_http_date_ms(resp.header("last-modified"));
    std::string slo = resp.header("x-static-large-object");
    std::transform(slo.begin(), slo.end(), slo.begin(), [](unsigned char ch) { return std::tolower(ch); });
    st.large = slo == "true";
    return st;
  }

  void exists_or_throw(std::string_view bucket, std::string_view key) const {
    if (!stat(bucket, key))
      throw NoSuchKeyError(fmt::format("lithops: Swift HEAD object of {} failed: no such object", describe(bucket, key)));
  }

  /// One GET of the object or of a range (clipped: "" at or past the end); pinned to `etag` when given.
  std::string get_range(std::string_view bucket, std::string_view key, std::optional<ByteRange> range,
                        const ByteSink* sink = nullptr, const std::string& etag = "") const {
    Call c{.operation = "GET object", .method = "GET", .bucket = bucket, .key = key, .sink = sink};
    if (range) c.headers.push_back(fmt::format("Range: bytes={}-{}", range->first, range->last - 1));
    if (!etag.empty()) c.headers.push_back("If-Match: \"" + etag + "\"");
    rest::Response resp = send(c);
    // An object server replacing an object removes the old file after the new one is in place;
    // a GET that listed the old one then opens nothing and answers 404 (a proxy with other
    // replicas would ask them; with one there is none). Asked again, it finds the new file:
    // the same GET is sent up to twice more before a 404 is believed.
    for (int again = 0; again < 2 && resp.status == 404 && !container_missing(bucket); ++again) resp = send(c);
    if (range && resp.status == 416) return {};  // a range past the end of an existing object
    if (resp.status == 412)
      throw StorageError(fmt::format("lithops: Swift GET object of {} failed: the object changed during the read",
                                     describe(bucket, key)));  // retried from the start
    if (!resp.ok()) fail(c, resp);
    return std::move(resp.body);
  }

  void put_small(std::string_view bucket, std::string_view key, std::string_view data) const {
    Call c{.operation = "PUT object", .method = "PUT", .bucket = bucket, .key = key, .body = data};
    send_ok(c);
  }

  std::string segments_of(const std::string& bucket) const {
    return segment_container.empty() ? bucket + "_segments" : segment_container;
  }

  void make_segment_container(const std::string& name) {
    {
      std::lock_guard lock(mutex);
      if (segment_containers_made.count(name)) return;
    }
    send_ok(Call{.operation = "PUT container", .method = "PUT", .bucket = name});  // 202 when it exists
    std::lock_guard lock(mutex);
    segment_containers_made.insert(name);
  }

  /// The segments ("container/object") of the Static Large Object at `key`; none when it is not one.
  std::vector<std::string> old_segments(std::string_view bucket, std::string_view key) const {
    auto st = stat(bucket, key);
    if (!st || !st->large) return {};
    Call c{.operation = "GET manifest", .method = "GET", .bucket = bucket, .key = key,
           .query = "multipart-manifest=get"};
    rest::Response resp = send(c);
    if (resp.status == 404) return {};
    if (!resp.ok()) fail(c, resp);
    std::vector<std::string> out;
    Json j = Json::parse(resp.body, nullptr, false);
    if (j.is_array())
      for (const auto& seg : j)
        if (seg.is_object() && seg.contains("name") && seg["name"].is_string())
          out.push_back(seg["name"].get<std::string>().substr(1));  // "/container/object"
    return out;
  }

  /// Deletes "container/object" paths, in parallel, each retried; what fails is left behind (an
  /// orphan segment costs space, not correctness).
  void delete_paths(const std::vector<std::string>& paths) const {
    try {
      rest::parallel_for(paths.size(), transfer.max_concurrency, [&](std::size_t i) {
        const auto slash = paths[i].find('/');
        if (slash == std::string::npos) return;
        const std::string_view container = std::string_view(paths[i]).substr(0, slash);
        const std::string_view object = std::string_view(paths[i]).substr(slash + 1);
        with_retries(transfer.policy, "delete segment", paths[i], [&] {
          Call c{.operation = "DELETE segment", .method = "DELETE", .bucket = container, .key = object};
          rest::Response resp = send(c);
          if (!resp.ok() && resp.status != 404) fail(c, resp);
        });
      });
    } catch (const StorageError&) {
    }
  }

  /// A Static Large Object: segments uploaded in parallel (each retried by itself) under a name
  /// of this upload, then the manifest; a replaced large object's segments are deleted after.
  /// `first`: pieces already read from `source`.
  void put_large(const std::string& bucket, const std::string& key, std::vector<std::string> first,
                 const ByteSource& source) {
    // The container must exist before segments are written for it into another one.
    if (container_missing(bucket))
      throw NoSuchBucketError(fmt::format("lithops: Swift PUT object of {} failed: no such container",
                                          describe(bucket, key)));
    const std::string segments = segments_of(bucket);
    make_segment_container(segments);
    const std::vector<std::string> replaced = old_segments(bucket, key);
    const std::string stem = fmt::format("{}/slo/{}/", key, random_hex(8));
    struct Segment {
      std::string name, etag;
      std::size_t size = 0;
    };
    std::vector<Segment> done;
    std::mutex done_mutex;
    std::vector<std::string> written;  // for the clean-up of a failed upload
    auto put_segment = [&](std::size_t index, const std::string& data) {
      Segment s{fmt::format("{}{:08d}", stem, index), "", data.size()};
      with_retries(transfer.policy, "upload segment", key, [&] {
        Call c{.operation = "PUT segment", .method = "PUT", .bucket = segments, .key = s.name, .body = data};
        s.etag = web::strip_quotes(send_ok(c).header("etag"));
      });
      std::lock_guard lock(done_mutex);
      written.push_back(segments + "/" + s.name);
      if (done.size() <= index) done.resize(index + 1);
      done[index] = std::move(s);
    };
    try {
      rest::upload_pieces(transfer, std::move(first), source, kMaxSegments,
                          fmt::format("Swift upload of {}", describe(bucket, key)), put_segment);
      Json manifest = Json::array();
      for (const auto& s : done)
        manifest.push_back({{"path", "/" + segments + "/" + s.name}, {"etag", s.etag}, {"size_bytes", s.size}});
      const std::string body = manifest.dump();
      with_retries(transfer.policy, "put manifest", key, [&] {
        send_ok(Call{.operation = "PUT manifest", .method = "PUT", .bucket = bucket, .key = key,
                     .query = "multipart-manifest=put", .headers = {"Content-Type: application/json"}, .body = body});
      });
    } catch (...) {
      delete_paths(written);
      throw;
    }
    delete_paths(replaced);
  }
};

SwiftStorage::SwiftStorage(const Config& config) : impl_(std::make_unique<Impl>()) {
  auto str = [&](const char* k) { return config.get_string(std::string("swift.") + k); };
  auto& im = *impl_;
  swift::Credentials cred;
  cred.auth_url = str("auth_url");
  while (!cred.auth_url.empty() && cred.auth_url.back() == '/') cred.auth_url.pop_back();
  if (cred.auth_url.empty())
    throw ConfigError(
        "swift.auth_url: required: Keystone's URL (https://keystone:5000/v3) or TempAuth's "
        "(http://proxy:8080/auth/v1.0)");
  check_url("swift.auth_url", cred.auth_url);
  const std::string version = str("auth_version");
  cred.version = version == "1"   ? swift::AuthVersion::v1
                 : version == "3" ? swift::AuthVersion::v3
                                  : swift::version_from_url(cred.auth_url);
  auto required = [&](const char* key, std::string& into, const char* why) {
    into = str(key);
    if (into.empty()) throw ConfigError(fmt::format("swift.{}: required for {}", key, why));
  };
  if (cred.version == swift::AuthVersion::v3) {
    const char* why = "Keystone v3 authentication (swift.auth_version 3, or auto with an auth_url not ending in /v1.0)";
    required("user_id", cred.user_id, why);
    required("password", cred.password, why);
    required("project_id", cred.project_id, why);
    cred.region = str("region");
    cred.interface = str("interface");
  } else {
    const char* why = "TempAuth (v1) authentication (swift.auth_version 1, or auto with an auth_url ending in /v1.0)";
    required("user", cred.user, why);
    required("key", cred.key, why);
  }
  im.storage_url = str("storage_url");
  while (!im.storage_url.empty() && im.storage_url.back() == '/') im.storage_url.pop_back();
  if (!im.storage_url.empty()) check_url("swift.storage_url", im.storage_url);
  im.bucket = str("storage_bucket");
  im.segment_container = str("segment_container");
  for (const auto& [key, name] : {std::pair{"swift.storage_bucket", im.bucket}, {"swift.segment_container",
                                                                                  im.segment_container}}) {
    if (name.find('/') != std::string::npos || name.size() > 256)
      throw ConfigError(fmt::format("{}: '{}' is not a container name (at most 256 bytes, no '/')", key, name));
  }
  if (im.bucket.empty()) throw ConfigError("swift.storage_bucket: must name a container");
  im.temp_url_key = str("temp_url_key");

  const auto threshold = config.get_int("swift.upload_threshold");
  const auto segment = config.get_int("swift.segment_size");
  const auto concurrency = config.get_int("swift.max_concurrency");
  if (threshold < 1 || static_cast<std::uint64_t>(threshold) > kMaxObject)
    throw ConfigError(fmt::format("swift.upload_threshold: must be between 1 and 5 GiB (5368709120), not {}", threshold));
  if (segment < static_cast<std::int64_t>(kMiB) || static_cast<std::uint64_t>(segment) > kMaxObject)
    throw ConfigError(fmt::format("swift.segment_size: must be between 1 MiB (1048576) and 5 GiB (5368709120), not {}",
                                  segment));
  if (concurrency < 1 || concurrency > 1024)
    throw ConfigError(fmt::format("swift.max_concurrency: must be between 1 and 1024, not {}", concurrency));
  im.single_put_max = static_cast<std::uint64_t>(threshold);
  im.transfer.chunk = static_cast<std::uint64_t>(segment);
  im.transfer.max_concurrency = static_cast<int>(concurrency);
  im.transfer.policy.attempts = std::max<int>(1, static_cast<int>(config.get_int("lithops.storage_attempts")));

  im.client = std::make_unique<rest::Client>(rest::options_from(config, "swift"));
  im.tokens = std::make_unique<swift::TokenSource>(std::move(cred), *im.client);
}

SwiftStorage::~SwiftStorage() = default;

const std::string& SwiftStorage::bucket() const { return impl_->bucket; }
std::string SwiftStorage::segment_container(const std::string& bucket) const { return impl_->segments_of(bucket); }
int SwiftStorage::token_fetches() const { return impl_->tokens->fetches(); }

void SwiftStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  auto& im = *impl_;
  if (data.size() <= im.single_put_max) return im.put_small(bucket, key, data);
  im.put_large(bucket, key, {}, source_of(data));
}

void SwiftStorage::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                     std::optional<std::uint64_t> size) {
  auto& im = *impl_;
  // Read up to the threshold (or the announced size): a source that ends there is one PUT.
  std::vector<std::string> first;
  std::uint64_t total = 0;
  bool ended = false;
  if (size && *size <= im.single_put_max) {
    first.push_back(rest::read_piece(source, static_cast<std::size_t>(*size) + 1, static_cast<std::size_t>(*size)));
    total = first.back().size();
    ended = total <= *size;
  }
  while (!ended && total <= im.single_put_max) {
    first.push_back(rest::read_piece(source, im.transfer.chunk));
    total += first.back().size();
    ended = first.back().size() < im.transfer.chunk;
  }
  if (ended && total <= im.single_put_max) {
    std::string data;
    data.reserve(total);
    for (const auto& p : first) data += p;
    return im.put_small(bucket, key, data);
  }
  // Segments are cut at whole chunks: what was read goes back into them.
  std::string read;
  read.reserve(total);
  for (auto& p : first) read += p, p = std::string();
  std::vector<std::string> pieces;
  std::size_t whole = read.size() / im.transfer.chunk * im.transfer.chunk;
  for (std::size_t at = 0; at < whole; at += im.transfer.chunk) pieces.push_back(read.substr(at, im.transfer.chunk));
  std::string tail = read.substr(whole);
  read = std::string();
  std::size_t at = 0;
  im.put_large(bucket, key, std::move(pieces), [&](char* buffer, std::size_t capacity) {
    if (at < tail.size()) {
      std::size_t n = std::min(capacity, tail.size() - at);
      std::copy_n(tail.data() + at, n, buffer);
      at += n;
      return n;
    }
    return ended ? std::size_t{0} : source(buffer, capacity);
  });
}

std::string SwiftStorage::get_object(const std::string& bucket, const std::string& key,
                                     std::optional<ByteRange> range) {
  if (range && range->first >= range->last) {
    impl_->exists_or_throw(bucket, key);
    return {};
  }
  return impl_->get_range(bucket, key, range);
}

void SwiftStorage::get_object_stream(const std::string& bucket, const std::string& key,
                                     std::optional<ByteRange> range, const ByteSink& sink) {
  auto& im = *impl_;
  // Ranges are pinned with If-Match to the ETag the HEAD saw.
  rest::stream_object(
      im.transfer, range, fmt::format("Swift download of {}", describe(bucket, key)),
      [&]() -> std::optional<rest::ObjectVersion> {
        auto st = im.stat(bucket, key);
        if (!st) return std::nullopt;
        return rest::ObjectVersion{st->info.size, st->info.etag};
      },
      [&] {
        throw NoSuchKeyError(fmt::format("lithops: Swift GET object of {} failed: no such object", describe(bucket, key)));
      },
      [&](ByteRange r, const ByteSink* to, const std::string& etag) { return im.get_range(bucket, key, r, to, etag); },
      sink);
}

std::optional<ObjectInfo> SwiftStorage::head_object(const std::string& bucket, const std::string& key) {
  auto st = impl_->stat(bucket, key);
  if (!st) return std::nullopt;
  return st->info;
}

void SwiftStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  auto& im = *impl_;
  // One request per object, in parallel, each retried by itself. multipart-manifest=delete
  // deletes a Static Large Object's segments with it, and a plain object as a plain DELETE would.
  rest::parallel_for(keys.size(), im.transfer.max_concurrency, [&](std::size_t i) {
    with_retries(im.transfer.policy, "delete", keys[i], [&] {
      Call c{.operation = "DELETE object", .method = "DELETE", .bucket = bucket, .key = keys[i],
             .query = "multipart-manifest=delete", .headers = {"Accept: application/json"}};
      rest::Response resp = im.send(c);
      if (resp.status == 404 && !im.container_missing(bucket)) return;
      if (!resp.ok()) im.fail(c, resp);
      // A large object's answer is 200 with a report: {"Response Status": "200 OK", "Errors": [...]}.
      Json j = Json::parse(resp.body, nullptr, false);
      if (!j.is_object()) return;
      const std::string status = j.value("Response Status", "200");
      if (status.starts_with("2") || status.starts_with("404")) return;
      // Errors: [["/container/segment", "409 Conflict"], ...]: names and statuses, nothing secret.
      const Json errors = j.contains("Errors") && j["Errors"].is_array() ? j["Errors"] : Json::array();
      // Swift 2.24+ deletes nothing for a plain object here ("Not an SLO manifest"): a plain DELETE
      // then. (Asking first with a HEAD would cost every object, large ones too, a request more.)
      if (errors.size() == 1 && errors[0].dump().find("Not an SLO manifest") != std::string::npos) {
        Call plain{.operation = "DELETE object", .method = "DELETE", .bucket = bucket, .key = keys[i]};
        rest::Response again = im.send(plain);
        if (again.ok() || (again.status == 404 && !im.container_missing(bucket))) return;
        im.fail(plain, again);
      }
      throw StorageError(fmt::format("lithops: Swift DELETE of the large object {} failed: {} ({} segments not "
                                     "deleted{}{})",
                                     describe(bucket, keys[i]), status, errors.size(), errors.empty() ? "" : ", first: ",
                                     errors.empty() ? "" : errors[0].dump()));
    });
  });
}

std::vector<ObjectEntry> SwiftStorage::list_objects(const std::string& bucket, const std::string& prefix,
                                                    const std::string& start_after) {
  std::vector<ObjectEntry> out;
  std::string marker = start_after;  // Swift's marker is exclusive, as start_after is
  for (;;) {
    Call c{.operation = "GET container", .method = "GET", .bucket = bucket};
    c.query = query_of({{"format", "json"}, {"limit", std::to_string(kListPage)}, {"prefix", prefix},
                        {"marker", marker}});
    rest::Response resp = impl_->send_ok(c);
    Json j = Json::parse(resp.body, nullptr, false);
    if (!j.is_array())
      throw StorageError(fmt::format("lithops: Swift listing of {} answered something that is not a JSON list",
                                     describe(bucket, "")));
    for (const auto& o : j) {
      if (!o.is_object() || !o.contains("name") || !o["name"].is_string()) continue;
      ObjectEntry e;
      e.key = o["name"].get<std::string>();
      e.info.size = o.value("bytes", std::uint64_t{0});
      e.info.etag = web::strip_quotes(o.value("hash", ""));
      e.info.last_modified = web::parse_iso8601_ms(o.value("last_modified", ""));  // UTC, without a 'Z'
      out.push_back(std::move(e));
    }
    if (j.size() < static_cast<std::size_t>(kListPage) || out.empty()) break;
    marker = out.back().key;
  }
  // The contract promises byte order; Swift lists in it already, but a proxy's may differ.
  std::sort(out.begin(), out.end(), [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return out;
}

bool SwiftStorage::bucket_exists(const std::string& bucket) { return !impl_->container_missing(bucket); }

void SwiftStorage::create_bucket(const std::string& bucket) {
  impl_->send_ok(Call{.operation = "PUT container", .method = "PUT", .bucket = bucket});  // 202: it exists
}

std::optional<std::string> SwiftStorage::presigned_get_url(const std::string& bucket, const std::string& key,
                                                           std::chrono::seconds ttl) {
  auto& im = *impl_;
  if (ttl.count() < 1)
    throw StorageRequestError(fmt::format("lithops: a Swift TempURL must live at least 1 s, not {} s (for {})",
                                          ttl.count(), describe(bucket, key)));
  std::string secret;
  {
    std::lock_guard lock(im.mutex);
    secret = im.temp_url_key;
  }
  if (secret.empty()) {
    // The account's key, as `swift tempurl` users set it; an account without one gets one.
    rest::Response resp = im.send_ok(Call{.operation = "HEAD account", .method = "HEAD"});
    secret = resp.header("x-account-meta-temp-url-key");
    if (secret.empty()) secret = resp.header("x-account-meta-temp-url-key-2");
    if (secret.empty()) {
      secret = random_hex(32);
      im.send_ok(Call{.operation = "POST account (Temp-URL-Key)", .method = "POST",
                      .headers = {"X-Account-Meta-Temp-URL-Key: " + secret}});
    }
    std::lock_guard lock(im.mutex);
    im.temp_url_key = secret;
  }
  const std::string account_url = im.base(im.tokens->session());
  const auto sep = account_url.find("://");
  const auto slash = account_url.find('/', sep == std::string::npos ? 0 : sep + 3);
  const std::string account_path = slash == std::string::npos ? "" : web::url_decode(account_url.substr(slash));
  const std::int64_t expires =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
      ttl.count();
  // tempurl signs the decoded path: "GET\n<expires>\n/v1/<account>/<container>/<object>".
  const std::string to_sign = fmt::format("GET\n{}\n{}/{}/{}", expires, account_path, bucket, key);
  const std::string signature = hex(web::hmac_sha256(secret, to_sign));
  return fmt::format("{}/{}/{}?temp_url_sig={}&temp_url_expires={}", account_url, web::uri_encode(bucket),
                     web::uri_encode(key, true), signature, expires);
}

}  // namespace lithops::detail
