#include "storage/s3/s3_transfer.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail::s3 {

namespace {

constexpr std::size_t kMaxParts = 10000;  // S3's limit per multipart upload

// Joins the threads on every way out, after telling them to stop.
struct Workers {
  std::vector<std::thread> threads;
  std::function<void()> stop;
  ~Workers() {
    if (stop) stop();
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

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

void parallel_for(std::size_t n, int concurrency, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  auto work = [&] {
    for (std::size_t i; !failed && (i = next++) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  {
    Workers workers;
    const auto helpers = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, concurrency))) - 1;
    for (std::size_t t = 0; t < helpers; ++t) workers.threads.emplace_back(work);
    work();
  }
  if (error) std::rethrow_exception(error);
}

std::string read_piece(const ByteSource& source, std::size_t capacity, std::size_t expected) {
  // Grown as it fills, so that a small source never costs a whole chunk of memory.
  constexpr std::size_t kFirstBuffer = 64 * 1024;
  std::string piece;
  piece.resize(std::min(capacity, std::max(expected, kFirstBuffer)));
  std::size_t got = 0;
  for (;;) {
    if (got == piece.size()) {
      if (got == capacity) break;
      piece.resize(std::min(capacity, 2 * got));
    }
    std::size_t n = source(piece.data() + got, piece.size() - got);
    if (n == 0) break;
    got += n;
  }
  piece.resize(got);
  return piece;
}

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
  const std::size_t window = static_cast<std::size_t>(std::max(1, options.max_concurrency));
  struct Part {
    std::size_t number;
    std::string data;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Part> queue;
  std::vector<std::string> etags;
  std::size_t held = 0;  // parts read and not yet uploaded: the memory bound
  bool closed = false;
  std::exception_ptr error;

  auto work = [&] {
    for (;;) {
      Part part;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !queue.empty() || closed || error; });
        if (error || queue.empty()) return;
        part = std::move(queue.front());
        queue.pop_front();
      }
      std::exception_ptr failure;
      std::string etag;
      try {
        etag = upload_part(client, options, bucket, key, upload_id, part.number, part.data);
      } catch (...) {
        failure = std::current_exception();
      }
      part.data = std::string();  // released before the slot is
      {
        std::lock_guard lock(mutex);
        if (failure && !error) error = failure;
        if (!failure) etags[part.number - 1] = std::move(etag);
        --held;
      }
      changed.notify_all();
    }
  };
  // Waits for a free slot, takes it, and reports whether the upload is still going.
  auto reserve = [&] {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return held < window || error; });
    if (error) return false;
    ++held;
    return true;
  };
  auto submit = [&](std::string data) {
    std::lock_guard lock(mutex);
    if (etags.size() >= kMaxParts)
      throw StorageRequestError(fmt::format("lithops: S3 upload of {} needs more than {} parts of {} bytes",
                                            describe(bucket, key), kMaxParts, options.chunk));
    etags.emplace_back();
    queue.push_back({etags.size(), std::move(data)});
    changed.notify_all();
  };

  {
    Workers workers;
    workers.stop = [&] {
      {
        std::lock_guard lock(mutex);
        closed = true;
      }
      changed.notify_all();
    };
    for (std::size_t i = 0; i < window; ++i) workers.threads.emplace_back(work);
    try {
      bool more = true;
      for (auto& part : first_parts) {
        more = reserve();
        if (!more) break;
        submit(std::move(part));
      }
      first_parts.clear();
      while (more && reserve()) {
        std::string data = read_piece(source, options.chunk, options.chunk);
        const bool last = data.size() < options.chunk;
        if (data.empty()) {
          std::lock_guard lock(mutex);
          --held;
          break;
        }
        submit(std::move(data));
        if (last) break;
      }
    } catch (...) {  // the source failed, or too many parts: the slot taken for the part is free
      std::lock_guard lock(mutex);
      --held;
      if (!error) error = std::current_exception();
    }
  }  // all parts uploaded (or abandoned) here
  if (error) {
    abort_upload(client, bucket, key, upload_id);
    std::rethrow_exception(error);
  }
  try {
    complete_upload(client, options, bucket, key, upload_id, etags);
  } catch (...) {
    abort_upload(client, bucket, key, upload_id);
    throw;
  }
}

void parallel_download(const Client& client, const TransferOptions& options, std::string_view bucket,
                       std::string_view key, std::uint64_t first, std::uint64_t last, const std::string& etag,
                       const ByteSink& sink) {
  if (last <= first) return;
  const std::uint64_t chunk = options.chunk;
  const std::uint64_t pieces = (last - first + chunk - 1) / chunk;
  const std::uint64_t window = static_cast<std::uint64_t>(std::max(1, options.max_concurrency));
  std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t next_fetch = 0, delivered = 0;
  std::map<std::uint64_t, std::string> ready;  // fetched, not yet delivered
  std::exception_ptr error;
  bool stop = false;

  auto work = [&] {
    for (;;) {
      std::uint64_t i;
      {
        std::unique_lock lock(mutex);
        // Pieces fetched ahead of delivery are bounded by the window: memory stays bounded
        // however slow the sink.
        changed.wait(lock, [&] { return stop || error || next_fetch >= pieces || next_fetch < delivered + window; });
        if (stop || error || next_fetch >= pieces) return;
        i = next_fetch++;
      }
      const std::uint64_t a = first + i * chunk, b = std::min(last, a + chunk);
      try {
        std::string piece = with_retries(options.policy, "get range", std::string(key), [&] {
          std::string got = get_range(client, bucket, key, ByteRange{a, b}, etag);
          if (got.size() != b - a)
            throw StorageError(fmt::format("lithops: S3 GetObject of {} returned {} bytes of range {}-{}",
                                           describe(bucket, key), got.size(), a, b));
          return got;
        });
        std::lock_guard lock(mutex);
        ready.emplace(i, std::move(piece));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
      }
      changed.notify_all();
    }
  };

  Workers workers;
  workers.stop = [&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
  };
  for (std::uint64_t i = 0; i < std::min(window, pieces); ++i) workers.threads.emplace_back(work);
  for (std::uint64_t d = 0; d < pieces; ++d) {
    std::string piece;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return error || ready.count(d) > 0; });
      if (error) std::rethrow_exception(error);
      auto it = ready.find(d);
      piece = std::move(it->second);
      ready.erase(it);
    }
    sink(piece);
    piece = std::string();
    {
      std::lock_guard lock(mutex);
      ++delivered;
    }
    changed.notify_all();
  }
}

}  // namespace lithops::detail::s3
