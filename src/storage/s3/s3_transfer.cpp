#include "storage/s3/s3_transfer.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <mutex>

#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail::s3 {

namespace {

constexpr std::size_t kMaxParts = 10000;  // S3's limit per multipart upload

std::string create_upload(const Client& client, const TransferOptions& options, std::string_view bucket,
                          std::string_view key) {
  Request req{.action = "CreateMultipartUpload", .method = "POST", .bucket = bucket, .key = key};
  req.query = {{"uploads", ""}};
  return with_retries(options.policy, "create multipart upload", std::string(key), [&] {
    Response resp = client.send_ok(req);
    pugi::xml_document doc;
    doc.load_buffer(resp.body.data(), resp.body.size());
    std::string id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (id.empty()) fail_with_code(req, resp.status, "", "no UploadId in the answer");
    return id;
  });
}

void complete_upload(const Client& client, const TransferOptions& options, std::string_view bucket,
                     std::string_view key, const std::string& upload_id, const std::vector<std::string>& etags) {
  std::string body = R"(<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)";
  for (std::size_t i = 0; i < etags.size(); ++i)
    body += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", i + 1, etags[i]);
  body += "</CompleteMultipartUpload>";
  Request req{.action = "CompleteMultipartUpload", .method = "POST", .bucket = bucket, .key = key, .body = body};
  req.query = {{"uploadId", upload_id}};
  req.headers = {"Content-Type: application/xml"};
  with_retries(options.policy, "complete multipart upload", std::string(key), [&] {
    Response resp = client.send_ok(req);
    // S3 may fail the assembly after it has answered 200: the error is then in the body.
    pugi::xml_document doc;
    doc.load_buffer(resp.body.data(), resp.body.size());
    if (auto error = doc.child("Error"))
      fail_with_code(req, resp.status, error.child_value("Code"), error.child_value("Message"));
  });
}

void abort_upload(const Client& client, std::string_view bucket, std::string_view key, const std::string& upload_id) {
  Request req{.action = "AbortMultipartUpload", .method = "DELETE", .bucket = bucket, .key = key};
  req.query = {{"uploadId", upload_id}};
  try {
    client.send_ok(req);
  } catch (const std::exception& e) {
    // The parts stay billed until a lifecycle rule removes them; nothing more can be done here.
    log_warn("could not abort the multipart upload of {}: {}", describe(bucket, key), e.what());
  }
}

std::string upload_part(const Client& client, const TransferOptions& options, std::string_view bucket,
                        std::string_view key, const std::string& upload_id, std::size_t number,
                        const std::string& data) {
  Request req{.action = "UploadPart", .method = "PUT", .bucket = bucket, .key = key, .body = data};
  req.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  return with_retries(options.policy, "upload part", std::string(key), [&] {
    Response resp = client.send_ok(req);
    if (resp.etag.empty()) fail_with_code(req, resp.status, "", "no ETag in the answer");
    return resp.etag;
  });
}

}  // namespace

std::string range_header(std::uint64_t first, std::uint64_t last) {
  if (last == UINT64_MAX) return fmt::format("Range: bytes={}-", first);
  return fmt::format("Range: bytes={}-{}", first, last - 1);
}

std::string get_range(const Client& client, std::string_view bucket, std::string_view key,
                      std::optional<ByteRange> range, const std::string& if_match) {
  Request req{.action = "GetObject", .method = "GET", .bucket = bucket, .key = key};
  if (range) req.headers.push_back(range_header(range->first, range->last));
  if (!if_match.empty()) req.headers.push_back("If-Match: \"" + if_match + "\"");
  Response resp = client.send(req);
  // S3 refuses a range that starts at or past the end (also any range of an empty object).
  if (range && resp.status == 416) return {};
  if (!resp.ok()) fail(req, resp);
  if (range && resp.status == 200) {  // a server that ignores Range sends the whole object
    if (range->first >= resp.body.size()) return {};
    resp.body = resp.body.substr(range->first, range->last - range->first);
  }
  return std::move(resp.body);
}

void multipart_upload(const Client& client, const TransferOptions& options, std::string_view bucket,
                      std::string_view key, std::vector<std::string> first_parts, const ByteSource& source) {
  const std::string upload_id = create_upload(client, options, bucket, key);
  std::mutex mutex;
  std::vector<std::string> etags;  // by part, as they complete
  try {
    const std::size_t parts = rest::upload_pieces(
        options, std::move(first_parts), source, kMaxParts, fmt::format("S3 upload of {}", describe(bucket, key)),
        [&](std::size_t i, const std::string& data) {
          std::string etag = upload_part(client, options, bucket, key, upload_id, i + 1, data);
          std::lock_guard lock(mutex);
          if (etags.size() <= i) etags.resize(i + 1);
          etags[i] = std::move(etag);
        });
    etags.resize(parts);
    complete_upload(client, options, bucket, key, upload_id, etags);
  } catch (...) {
    abort_upload(client, bucket, key, upload_id);
    throw;
  }
}

void parallel_download(const Client& client, const TransferOptions& options, std::string_view bucket,
                       std::string_view key, std::uint64_t first, std::uint64_t last, const std::string& etag,
                       const ByteSink& sink) {
  rest::download_pieces(
      options, first, last, fmt::format("S3 GetObject of {}", describe(bucket, key)),
      [&](std::uint64_t a, std::uint64_t b) { return get_range(client, bucket, key, ByteRange{a, b}, etag); }, sink);
}

}  // namespace lithops::detail::s3
