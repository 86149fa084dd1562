// lithops::Storage: the public face of a StorageBackend (always the retrying decorator).
#include "lithops/storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <random>
#include <thread>

#include "lithops/errors.hpp"
#include "storage/shared_storage.hpp"
#include "storage/storage_backend.hpp"

namespace lithops {

namespace {

constexpr std::uint64_t kParallelDownloadAbove = 32ull << 20;  // bytes; smaller files: one stream
constexpr std::uint64_t kDownloadPart = 16ull << 20;
constexpr unsigned kDownloadThreads = 8;  // requests in flight; I/O-bound, so more than the cores

ObjectInfo to_public(std::string key, const detail::ObjectInfo& i) {
  return ObjectInfo{std::move(key), i.size, i.etag, i.last_modified};
}

std::string missing_key(const std::string& bucket, const std::string& key) {
  return fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket);
}

void pwrite_all(int fd, std::string_view data, std::uint64_t offset, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw StorageError(fmt::format("lithops: writing {}: {}", path, std::strerror(errno)));
    data.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

Storage::Storage()
    : backend_(detail::current_job_storage().empty() ? std::shared_ptr<detail::StorageBackend>(
                                                            detail::make_storage(Config::load()))
                                                      : detail::shared_storage(detail::current_job_storage())) {}

Storage::Storage(const Config& config) : backend_(detail::make_storage(config)) {}

Storage::Storage(const Config& config, const std::string& backend) : backend_(detail::make_storage(config, backend)) {}

std::string Storage::backend() const { return backend_->name(); }
const std::string& Storage::bucket() const { return backend_->bucket(); }

void Storage::put_object(const std::string& bucket, const std::string& key, std::string_view body) {
  backend_->put_object(bucket, key, body);
}

void Storage::put_object(const std::string& bucket, const std::string& key, std::istream& body) {
  backend_->put_object_stream(
      bucket, key,
      [&body](char* buf, std::size_t cap) {
        body.read(buf, static_cast<std::streamsize>(cap));
        if (body.bad()) throw StorageError("lithops: reading the stream to upload failed");
        return static_cast<std::size_t>(body.gcount());
      },
      std::nullopt);
}

std::string Storage::upload_file(const std::string& path, const std::string& bucket, std::string key) {
  if (key.empty()) key = std::filesystem::path(path).filename().string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("lithops: cannot open {}: {}", path, std::strerror(errno)));
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  try {
    backend_->put_object_stream(
        bucket, key,
        [fd, &path](char* buf, std::size_t cap) {
          for (;;) {
            ssize_t n = ::read(fd, buf, cap);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error(fmt::format("lithops: reading {}: {}", path, std::strerror(errno)));
            return static_cast<std::size_t>(n);
          }
        },
        ec ? std::nullopt : std::optional<std::uint64_t>(size));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return key;
}

std::string Storage::get_object(const std::string& bucket, const std::string& key) {
  return backend_->get_object(bucket, key, std::nullopt);
}

std::string Storage::get_object(const std::string& bucket, const std::string& key, ByteRange range) {
  return backend_->get_object(bucket, key, range);
}

void Storage::get_object(const std::string& bucket, const std::string& key, std::ostream& out,
                         std::optional<ByteRange> range) {
  get_object(
      bucket, key,
      [&out](std::string_view piece) {
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
        if (!out) throw Error("lithops: writing the downloaded object to the stream failed");
      },
      range);
}

void Storage::get_object(const std::string& bucket, const std::string& key,
                         const std::function<void(std::string_view)>& sink, std::optional<ByteRange> range) {
  backend_->get_object_stream(bucket, key, range, sink);
}

std::string Storage::download_file(const std::string& bucket, const std::string& key, std::string path) {
  if (path.empty()) path = std::filesystem::path(key).filename().string();
  if (path.empty()) throw Error(fmt::format("lithops: key '{}' has no file name; give a path", key));
  auto info = backend_->head_object(bucket, key);
  if (!info) throw NoSuchKeyError(missing_key(bucket, key));
  // Into a temporary file beside the target, renamed when complete.
  static std::atomic<unsigned> counter{0};
  std::string tmp = fmt::format("{}.lithops-part-{}-{}", path, ::getpid(), counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("lithops: cannot create {}: {}", tmp, std::strerror(errno)));
  try {
    const std::uint64_t size = info->size;
    if (size <= kParallelDownloadAbove) {
      std::uint64_t at = 0;
      backend_->get_object_stream(bucket, key, std::nullopt, [&](std::string_view piece) {
        pwrite_all(fd, piece, at, tmp);
        at += piece.size();
      });
    } else {
      // Parallel ranged requests, each written at its offset: the file is never held in memory.
      std::atomic<std::uint64_t> next{0};
      std::exception_ptr error;
      std::mutex error_mu;
      std::vector<std::thread> threads;
      const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(kDownloadThreads, size / kDownloadPart + 1));
      for (unsigned t = 0; t < n; ++t)
        threads.emplace_back([&] {
          try {
            for (std::uint64_t first; (first = next.fetch_add(kDownloadPart)) < size;) {
              std::uint64_t at = first;
              backend_->get_object_stream(bucket, key, detail::ByteRange{first, std::min(size, first + kDownloadPart)},
                                          [&](std::string_view piece) {
                                            pwrite_all(fd, piece, at, tmp);
                                            at += piece.size();
                                          });
            }
          } catch (...) {
            std::lock_guard lock(error_mu);
            if (!error) error = std::current_exception();
            next = size;  // the others stop after their current part
          }
        });
      for (auto& t : threads) t.join();
      if (error) std::rethrow_exception(error);
    }
    if (::fsync(fd) != 0 && errno != EINVAL)
      throw StorageError(fmt::format("lithops: flushing {}: {}", tmp, std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(fmt::format("lithops: renaming {} to {}: {}", tmp, path, std::strerror(err)));
  }
  return path;
}

ObjectInfo Storage::head_object(const std::string& bucket, const std::string& key) {
  auto info = backend_->head_object(bucket, key);
  if (!info) throw NoSuchKeyError(missing_key(bucket, key));
  return to_public(key, *info);
}

std::optional<std::string> Storage::presigned_url(const std::string& bucket, const std::string& key,
                                                  std::chrono::seconds ttl) {
  return backend_->presigned_get_url(bucket, key, ttl);
}

std::vector<ObjectInfo> Storage::list_objects(const std::string& bucket, const std::string& prefix) {
  std::vector<ObjectInfo> out;
  for (auto& e : backend_->list_objects(bucket, prefix, "")) out.push_back(to_public(std::move(e.key), e.info));
  return out;
}

std::vector<std::string> Storage::list_keys(const std::string& bucket, const std::string& prefix) {
  return backend_->list_keys(bucket, prefix, "");
}

void Storage::delete_object(const std::string& bucket, const std::string& key) {
  backend_->delete_objects(bucket, {key});
}

void Storage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  backend_->delete_objects(bucket, keys);
}

void Storage::head_bucket(const std::string& bucket) {
  if (!backend_->bucket_exists(bucket))
    throw NoSuchBucketError(fmt::format("lithops: no bucket '{}' in {} storage", bucket, backend_->name()));
}

bool Storage::bucket_exists(const std::string& bucket) { return backend_->bucket_exists(bucket); }

void Storage::create_bucket(const std::string& bucket) { backend_->create_bucket(bucket); }

std::pair<std::string, std::string> Storage::put_cloudobject_bytes(std::string_view bytes, std::string bucket,
                                                                    std::string key) {
  if (bucket.empty()) {
    bucket = backend_->bucket();
    // Lithops' own bucket is created on first use (as an executor does).
    if (!backend_->bucket_exists(bucket)) backend_->create_bucket(bucket);
  }
  if (key.empty()) {
    // Lithops' layout: lithops.jobs/tmp/<session>/cloudobject_<n>; the session is per process.
    static const std::string session = fmt::format("{:x}{:x}", ::getpid(), std::random_device{}());
    static std::atomic<std::uint64_t> counter{0};
    key = fmt::format("lithops.jobs/tmp/{}/cloudobject_{}", session, counter++);
  }
  backend_->put_object(bucket, key, bytes);
  return {std::move(bucket), std::move(key)};
}

std::string Storage::get_cloudobject_bytes(const std::string& backend, const std::string& bucket,
                                           const std::string& key) {
  if (backend != backend_->name())
    throw StorageError(fmt::format("lithops: the cloud object '{}' is in {} storage, this Storage is {}", key,
                                   backend, backend_->name()));
  return backend_->get_object(bucket, key, std::nullopt);
}

}  // namespace lithops
