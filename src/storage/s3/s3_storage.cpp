#include "storage/s3/s3_storage.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "cloud/aws/aws_config.hpp"
#include "cloud/aws/credentials.hpp"
#include "storage/backend_table.hpp"
#include "storage/rest/http_client.hpp"
#include "storage/retrying_storage.hpp"
#include "storage/s3/ibm_iam.hpp"
#include "storage/s3/s3_client.hpp"
#include "storage/s3/s3_presign.hpp"
#include "storage/s3/s3_transfer.hpp"

namespace lithops::detail {

using s3::Request;
using s3::Response;

namespace {

constexpr std::uint64_t kMinPartSize = 5ull << 20;  // S3's minimum for every part but the last
constexpr std::uint64_t kMaxParts = 10000;
constexpr std::size_t kDeleteBatch = 1000;  // DeleteObjects' limit per request
constexpr const char* kListPage = "1000";

struct Endpoint {
  std::string scheme, authority, base_path;
};

Endpoint parse_endpoint(const std::string& url, const std::string& key) {
  auto sep = url.find("://");
  Endpoint e;
  if (sep != std::string::npos) e.scheme = url.substr(0, sep);
  std::transform(e.scheme.begin(), e.scheme.end(), e.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (e.scheme != "http" && e.scheme != "https")
    throw ConfigError(fmt::format("{}: '{}' is not an http:// or https:// URL", key, url));
  std::string rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  e.authority = rest.substr(0, slash);
  if (slash != std::string::npos) e.base_path = rest.substr(slash);
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  if (e.authority.empty() || rest.find_first_of("?#") != std::string::npos)
    throw ConfigError(fmt::format("{}: '{}' is not an endpoint URL (scheme://host[:port])", key, url));
  return e;
}

// S3 bucket names allow only lower-case letters, digits and '-' (here).
std::string default_bucket(const std::string& region, const std::string& access_key) {
  std::string id = access_key.substr(0, 7);
  for (auto& c : id) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  return fmt::format("lithops-{}-{}", region, id);
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // Escaped so that XML's newline normalisation leaves the key as it is.
      case '\r': out += "&#13;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// XML 1.0 cannot carry other control characters, even escaped.
bool xml_representable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\r' && c != '\n' && c != '\t';
  });
}

void require_key(const char* what, const std::string& bucket, const std::string& key) {
  if (key.empty()) throw StorageRequestError(fmt::format("lithops: S3 {} in bucket '{}': empty object key", what, bucket));
}

}  // namespace

bool is_s3_section(const std::string& name) {
  for (const auto& r : storage_backends())
    if (r.name == name) return r.s3;
  return false;
}

struct S3Storage::Impl {
  std::string section;
  std::string bucket;
  std::string region;
  std::uint64_t multipart_threshold = 0;
  s3::TransferOptions transfer;
  std::unique_ptr<rest::Client> iam_client;  ///< IBM IAM's token requests; before `client`, which uses it
  std::unique_ptr<s3::Client> client;

  bool object_exists_or_throw(const std::string& bucket, const std::string& key, S3Storage& self) {
    if (self.head_object(bucket, key)) return true;
    throw NoSuchKeyError(fmt::format("lithops: S3 GetObject of {} failed: no such key", s3::describe(bucket, key)));
  }
  void stream_get(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                  const ByteSink& sink) {
    Request req{.action = "GetObject", .method = "GET", .bucket = bucket, .key = key, .sink = &sink};
    if (range) req.headers.push_back(s3::range_header(range->first, range->last));
    Response resp = client->send(req);
    if (range && resp.status == 416) return;  // at or past the end
    if (!resp.ok()) s3::fail(req, resp);
  }
  void delete_one(const std::string& bucket, const std::string& key) {
    Request req{.action = "DeleteObject", .method = "DELETE", .bucket = bucket, .key = key};
    Response resp = client->send(req);
    if (!resp.ok() && resp.status != 404) s3::fail(req, resp);
  }
  void delete_batch(const std::string& bucket, const std::vector<const std::string*>& keys) {
    std::string body = "<Delete><Quiet>true</Quiet>";
    for (const auto* k : keys) body += "<Object><Key>" + xml_escape(*k) + "</Key></Object>";
    body += "</Delete>";
    Request req{.action = "DeleteObjects", .method = "POST", .bucket = bucket, .body = body};
    req.query = {{"delete", ""}};
    req.headers = {"Content-MD5: " + s3::md5_base64(body), "Content-Type: application/xml"};
    Response resp = client->send_ok(req);
    pugi::xml_document doc;
    doc.load_buffer(resp.body.data(), resp.body.size());
    if (auto error = doc.child("Error"))  // the whole request failed, answered with 200
      s3::fail_with_code(req, resp.status, error.child_value("Code"), error.child_value("Message"));
    for (auto error : doc.child("DeleteResult").children("Error")) {
      std::string code = error.child_value("Code");
      if (code == "NoSuchKey") continue;  // already gone: what was asked
      s3::fail_with_code(req, resp.status, code,
                         fmt::format("key '{}': {}", error.child_value("Key"), error.child_value("Message")));
    }
  }
};

S3Storage::S3Storage(const Config& config, const std::string& section) : impl_(std::make_unique<Impl>()) {
  if (!is_s3_section(section)) throw ConfigError(fmt::format("lithops: '{}' is not an S3 storage section", section));
  auto key = [&](const char* k) { return section + "." + k; };
  auto str = [&](const char* k) { return config.get_string(key(k)); };
  auto& im = *impl_;
  im.section = section;
  // AWS's own section finds what it lacks where every AWS tool does (the `aws` section, the
  // AWS_* variables, the ~/.aws profiles, a Lambda function's role); the other S3 services only
  // in the standard variables and profiles, never in the `aws` section.
  aws::ChainInputs chain = aws::chain_inputs(config, section);
  if (section != "aws_s3") chain.aws = aws::SectionValues{.name = "aws"};
  im.region = str("region");
  if (im.region.empty() && section == "aws_s3") im.region = aws::resolve_region(chain).name;
  if (im.region.empty()) throw ConfigError(key("region") + ": required (the region requests are signed for)");

  s3::ClientSettings s;
  s.region = im.region;
  std::string endpoint = str("endpoint");
  const bool custom_endpoint = !endpoint.empty();
  if (!custom_endpoint) {
    if (section == "aws_s3") endpoint = "https://s3." + im.region + ".amazonaws.com";
    else if (section == "ibm_cos") endpoint = "https://s3." + im.region + ".cloud-object-storage.appdomain.cloud";
    else if (section == "aliyun_oss") endpoint = "https://oss-" + im.region + ".aliyuncs.com";
    else if (section == "oracle_oss" && !str("namespace").empty())
      endpoint = "https://" + str("namespace") + ".compat.objectstorage." + im.region + ".oraclecloud.com";
    else if (section == "oracle_oss")
      throw ConfigError(key("namespace") + ": required for oracle_oss (the tenancy's Object Storage namespace), or set " +
                        key("endpoint"));
    else throw ConfigError(key("endpoint") + ": required for " + section + " (e.g. http://127.0.0.1:9000)");
  }
  Endpoint ep = parse_endpoint(endpoint, key("endpoint"));
  s.scheme = ep.scheme;
  s.authority = ep.authority;
  s.base_path = ep.base_path;

  // IBM COS: HMAC keys given in the section sign as S3 does; without them, an IAM API key
  // (`ibm_cos.api_key`, or the `ibm` section's `iam_api_key`, as Lithops reads them) gets
  // bearer tokens; without either, the standard AWS sources as for any S3 service.
  std::string api_key_name = key("api_key");
  std::string api_key = section == "ibm_cos" ? str("api_key") : "";
  if (section == "ibm_cos" && api_key.empty()) {
    api_key_name = "ibm.iam_api_key";
    api_key = config.get_string(api_key_name);
  }
  if (!api_key.empty() && str("access_key_id").empty() && str("secret_access_key").empty()) {
    im.iam_client = std::make_unique<rest::Client>(rest::options_from(config, section));
    s.bearer = std::make_shared<ibm::IamTokenSource>(api_key, str("iam_endpoint"), api_key_name, *im.iam_client);
  } else {
    const aws::Credentials creds = aws::resolve_credentials(chain);
    s.access_key_id = creds.access_key_id;
    s.secret_access_key = creds.secret_access_key;
    s.session_token = creds.session_token;
  }

  const std::string style = str("addressing_style");
  // Oracle's S3 compatibility API takes only path-style requests; OSS only virtual-hosted ones.
  if (style == "auto")
    s.virtual_addressing = (section == "aws_s3" || section == "ibm_cos" || section == "aliyun_oss") && !custom_endpoint;
  else s.virtual_addressing = style == "virtual";

  im.bucket = str("storage_bucket");
  if (im.bucket.empty() && s.bearer)
    throw ConfigError(key("storage_bucket") + ": required with an IAM API key (no access key id to name a bucket after)");
  if (im.bucket.empty()) im.bucket = default_bucket(im.region, s.access_key_id);

  const auto threshold = config.get_int(key("multipart_threshold"));
  const auto chunk = config.get_int(key("multipart_chunksize"));
  const auto concurrency = config.get_int(key("max_concurrency"));
  if (chunk < static_cast<std::int64_t>(kMinPartSize))
    throw ConfigError(fmt::format("{}: {} is below S3's minimum part size of {} bytes (5 MiB)",
                                  key("multipart_chunksize"), chunk, kMinPartSize));
  if (threshold < 1) throw ConfigError(fmt::format("{}: must be positive, not {}", key("multipart_threshold"), threshold));
  if (concurrency < 1 || concurrency > 1024)
    throw ConfigError(fmt::format("{}: must be between 1 and 1024, not {}", key("max_concurrency"), concurrency));
  im.multipart_threshold = static_cast<std::uint64_t>(threshold);
  im.transfer.chunk = static_cast<std::uint64_t>(chunk);
  im.transfer.max_concurrency = static_cast<int>(concurrency);
  im.transfer.policy.attempts = std::max<int>(1, static_cast<int>(config.get_int("lithops.storage_attempts")));

  const rest::Options connection = rest::options_from(config, section);
  s.connect_timeout_ms = connection.connect_timeout_ms;
  s.read_timeout_s = connection.read_timeout_s;
  s.verify_ssl = connection.verify_ssl;
  im.client = std::make_unique<s3::Client>(std::move(s));
}

S3Storage::~S3Storage() = default;

std::string S3Storage::name() const { return impl_->section; }

const std::string& S3Storage::bucket() const { return impl_->bucket; }

void S3Storage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  require_key("PutObject", bucket, key);
  auto& im = *impl_;
  if (data.size() < im.multipart_threshold) {
    im.client->send_ok({.action = "PutObject", .method = "PUT", .bucket = bucket, .key = key, .body = data});
    return;
  }
  // Large objects go up in parts, in parallel: faster, and past S3's 5 GiB limit of one PUT.
  s3::TransferOptions options = im.transfer;
  options.chunk = std::max<std::uint64_t>(options.chunk, (data.size() + kMaxParts - 1) / kMaxParts);
  s3::multipart_upload(*im.client, options, bucket, key, {}, source_of(data));
}

void S3Storage::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                  std::optional<std::uint64_t> size) {
  require_key("PutObject", bucket, key);
  auto& im = *impl_;
  s3::TransferOptions options = im.transfer;
  // A known size past 10,000 parts takes larger parts.
  if (size) options.chunk = std::max(options.chunk, (*size + kMaxParts - 1) / kMaxParts);
  // Read up to the threshold: a source that ends before it is one PUT.
  std::vector<std::string> parts;
  std::uint64_t total = 0;
  bool ended = false;
  while (!ended && total < im.multipart_threshold) {
    std::size_t expected = size ? static_cast<std::size_t>(std::min(options.chunk, *size - std::min(*size, total))) : 0;
    parts.push_back(s3::read_piece(source, options.chunk, expected));
    total += parts.back().size();
    ended = parts.back().size() < options.chunk;
  }
  if (ended) {
    std::string data = parts.size() == 1 ? std::move(parts.front()) : std::string();
    if (parts.size() > 1) {
      data.reserve(total);
      for (const auto& p : parts) data += p;
    }
    parts.clear();
    // The decorator cannot replay a stream: this upload retries itself.
    with_retries(options.policy, "put", key, [&] { put_object(bucket, key, data); });
    return;
  }
  s3::multipart_upload(*im.client, options, bucket, key, std::move(parts), source);
}

std::string S3Storage::get_object(const std::string& bucket, const std::string& key, std::optional<ByteRange> range) {
  require_key("GetObject", bucket, key);
  if (range && range->first >= range->last) {
    impl_->object_exists_or_throw(bucket, key, *this);
    return {};
  }
  return s3::get_range(*impl_->client, bucket, key, range);
}

void S3Storage::get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                                  const ByteSink& sink) {
  require_key("GetObject", bucket, key);
  auto& im = *impl_;
  const std::uint64_t parallel_above = 2 * im.transfer.chunk;
  std::uint64_t first = range ? range->first : 0, last = range ? range->last : UINT64_MAX;
  if (first >= last) {
    im.object_exists_or_throw(bucket, key, *this);
    return;
  }
  if (range && last - first <= parallel_above) return im.stream_get(bucket, key, range, sink);
  // Large or unknown: the object's size decides between one GET and parallel ranges.
  auto info = head_object(bucket, key);
  if (!info) throw NoSuchKeyError(fmt::format("lithops: S3 GetObject of {} failed: no such key", s3::describe(bucket, key)));
  last = std::min(last, info->size);
  if (first >= last) return;
  if (last - first <= parallel_above) {
    if (range || first > 0) return im.stream_get(bucket, key, ByteRange{first, last}, sink);
    return im.stream_get(bucket, key, std::nullopt, sink);
  }
  s3::parallel_download(*im.client, im.transfer, bucket, key, first, last, info->etag, sink);
}

std::optional<ObjectInfo> S3Storage::head_object(const std::string& bucket, const std::string& key) {
  require_key("HeadObject", bucket, key);
  Request req{.action = "HeadObject", .method = "HEAD", .bucket = bucket, .key = key};
  Response resp = impl_->client->send(req);
  if (resp.status == 404) {
    // A HEAD answer has no body to tell a missing key from a missing bucket.
    if (!bucket_exists(bucket))
      throw NoSuchBucketError(fmt::format("lithops: S3 HeadObject of {} failed: no such bucket", s3::describe(bucket, key)));
    return std::nullopt;
  }
  if (!resp.ok()) s3::fail(req, resp);
  return ObjectInfo{resp.content_length.value_or(0), resp.etag, s3::parse_http_date_ms(resp.last_modified)};
}

void S3Storage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  std::vector<std::vector<const std::string*>> batches(1);
  for (const auto& k : keys) {
    if (k.empty()) continue;  // no such object can exist
    if (!xml_representable(k)) {
      impl_->delete_one(bucket, k);
      continue;
    }
    if (batches.back().size() == kDeleteBatch) batches.emplace_back();
    batches.back().push_back(&k);
  }
  if (batches.back().empty()) batches.pop_back();
  s3::parallel_for(batches.size(), impl_->transfer.max_concurrency,
                   [&](std::size_t i) { impl_->delete_batch(bucket, batches[i]); });
}

std::vector<ObjectEntry> S3Storage::list_objects(const std::string& bucket, const std::string& prefix,
                                                 const std::string& start_after) {
  std::vector<ObjectEntry> entries;
  std::string token, after = start_after;
  for (;;) {
    // encoding-type=url: keys with characters XML cannot carry still list.
    Request req{.action = "ListObjectsV2", .method = "GET", .bucket = bucket};
    req.query = {{"list-type", "2"}, {"max-keys", kListPage}, {"encoding-type", "url"}};
    if (!prefix.empty()) req.query.emplace_back("prefix", prefix);
    if (!after.empty()) req.query.emplace_back("start-after", after);
    if (!token.empty()) req.query.emplace_back("continuation-token", token);
    Response resp = impl_->client->send_ok(req);
    pugi::xml_document doc;
    if (!doc.load_buffer(resp.body.data(), resp.body.size()))
      s3::fail_with_code(req, resp.status, "", "the listing is not XML");
    auto result = doc.child("ListBucketResult");
    if (!result) s3::fail_with_code(req, resp.status, "", "no ListBucketResult in the answer");
    const bool encoded = std::string_view(result.child_value("EncodingType")) == "url";
    for (auto c : result.children("Contents")) {
      ObjectEntry e;
      e.key = encoded ? s3::url_decode(c.child_value("Key")) : c.child_value("Key");
      e.info.size = std::strtoull(c.child_value("Size"), nullptr, 10);
      e.info.etag = s3::strip_quotes(c.child_value("ETag"));
      e.info.last_modified = s3::parse_iso8601_ms(c.child_value("LastModified"));
      entries.push_back(std::move(e));
    }
    if (std::string_view(result.child_value("IsTruncated")) != "true") break;
    token = result.child_value("NextContinuationToken");
    if (token.empty()) {
      // Truncated without a token: go on after the last key (never loop on the same page).
      if (entries.empty() || entries.back().key == after)
        s3::fail_with_code(req, resp.status, "", "a truncated listing without a continuation token");
      after = entries.back().key;
    }
  }
  return entries;
}

bool S3Storage::bucket_exists(const std::string& bucket) {
  Request req{.action = "HeadBucket", .method = "HEAD", .bucket = bucket};
  Response resp = impl_->client->send(req);
  if (resp.ok()) return true;
  if (resp.status == 404) return false;
  if (resp.status == 403)
    throw StorageRequestError(fmt::format("lithops: S3 HeadBucket of bucket '{}' failed: HTTP 403 (access denied, "
                                          "or the bucket belongs to another account)",
                                          bucket));
  s3::fail(req, resp);
}

void S3Storage::create_bucket(const std::string& bucket) {
  auto& im = *impl_;
  std::string body;
  // Only AWS wants the region in the body, and only outside its default region.
  if (im.section == "aws_s3" && im.region != "us-east-1")
    body = R"(<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>)" +
           im.region + "</LocationConstraint></CreateBucketConfiguration>";
  Request req{.action = "CreateBucket", .method = "PUT", .bucket = bucket, .body = body};
  if (!body.empty()) req.headers = {"Content-Type: application/xml"};
  Response resp = im.client->send(req);
  if (resp.ok()) return;
  auto info = s3::parse_error_xml(resp.body);
  if (info.code == "BucketAlreadyOwnedByYou") return;
  // Some servers (RGW in some setups) say "exists" for a bucket of ours: it is if we can see it.
  if (info.code == "BucketAlreadyExists") {
    try {
      if (bucket_exists(bucket)) return;
    } catch (const StorageRequestError&) {  // someone else's: the original answer says it best
    }
  }
  s3::fail(req, resp);
}

std::optional<std::string> S3Storage::presigned_get_url(const std::string& bucket, const std::string& key,
                                                        std::chrono::seconds ttl) {
  require_key("presigned GetObject", bucket, key);
  // A presigned URL is signed with the HMAC secret; a bearer token cannot be handed out.
  if (impl_->client->settings().bearer) return std::nullopt;
  return s3::presign_get(impl_->client->settings(), bucket, key, ttl, std::chrono::system_clock::now());
}

}  // namespace lithops::detail
