#include "storage/localhost/localhost_storage.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"

namespace fs = std::filesystem;

namespace lithops::detail {

namespace {

constexpr const char* kPartialMarker = ".~lithops-partial.";

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw StorageError(fmt::format("lithops: writing {}: {}", path, std::strerror(errno)));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string unique_suffix() {
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format("{}{}.{}", kPartialMarker, ::getpid(), counter.fetch_add(1));
}

}  // namespace

std::string default_storage_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string user = "user";
  if (const passwd* pw = getpwuid(getuid())) user = pw->pw_name;
  return fmt::format("{}/lithops-{}", tmp && *tmp ? tmp : "/tmp", user);
}

LocalhostStorage::LocalhostStorage(const Config& config)
    : root_(config.has("localhost.storage_dir") && !config.get_string("localhost.storage_dir").empty()
                ? config.get_string("localhost.storage_dir")
                : default_storage_dir()),
      bucket_(config.get_string("localhost.storage_bucket")) {
  std::error_code ec;
  fs::create_directories(fs::path(root_) / bucket_, ec);
  if (ec) throw StorageError(fmt::format("lithops: cannot create storage directory {}: {}", root_, ec.message()));
}

namespace {
// Keys are paths under the bucket directory: a ".." component would leave it. ".." inside a
// name ("v1..v2") is an ordinary key, as in every object store.
bool escapes_bucket(const std::string& key) {
  if (key.empty() || key.front() == '/') return true;
  for (std::size_t start = 0; start <= key.size();) {
    std::size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    if (key.compare(start, end - start, "..") == 0) return true;
    start = end + 1;
  }
  return false;
}
}  // namespace

std::string LocalhostStorage::path_of(const std::string& bucket, const std::string& key) const {
  if (escapes_bucket(key)) throw StorageError("lithops: invalid object key '" + key + "'");
  return root_ + "/" + bucket + "/" + key;
}

void LocalhostStorage::require_bucket(const std::string& bucket) const {
  struct stat st{};
  if (bucket.empty() || bucket.find('/') != std::string::npos || bucket == "." || bucket == ".." ||
      ::stat((root_ + "/" + bucket).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw NoSuchBucketError(fmt::format("lithops: no bucket '{}' in {}", bucket, root_));
}

template <class Fill>
void LocalhostStorage::write_atomically(const std::string& bucket, const std::string& key, Fill&& fill) {
  std::string path = path_of(bucket, key);
  require_bucket(bucket);
  std::error_code dir_ec;
  fs::create_directories(fs::path(path).parent_path(), dir_ec);
  if (dir_ec)  // e.g. a parent is an object: "a" exists and the key is "a/b"
    throw StorageError(fmt::format("lithops: cannot create the directory of {}: {}", path, dir_ec.message()));
  // Write then rename: a reader (a monitor listing status objects) never sees half an object.
  std::string tmp = path + unique_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw StorageError(fmt::format("lithops: creating {}: {}", tmp, std::strerror(errno)));
  try {
    fill(fd, tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());  // else a stray partial file is left behind for good
    throw StorageError(fmt::format("lithops: renaming {}: {}", tmp, std::strerror(err)));
  }
}

void LocalhostStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  write_atomically(bucket, key, [&](int fd, const std::string& tmp) { write_all(fd, data, tmp); });
}

void LocalhostStorage::put_object_stream(const std::string& bucket, const std::string& key,
                                         const ByteSource& source, std::optional<std::uint64_t>) {
  write_atomically(bucket, key, [&](int fd, const std::string& tmp) {
    std::string piece(1 << 20, '\0');
    for (std::size_t n; (n = source(piece.data(), piece.size())) > 0;) write_all(fd, {piece.data(), n}, tmp);
  });
}

int LocalhostStorage::open_object(const std::string& bucket, const std::string& key, std::uint64_t& size) const {
  std::string path = path_of(bucket, key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      require_bucket(bucket);
      throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket));
    }
    throw StorageError(fmt::format("lithops: opening {}: {}", path, std::strerror(err)));
  }
  struct stat st{};
  ::fstat(fd, &st);
  if (!S_ISREG(st.st_mode)) {  // a "directory" is a prefix, not an object
    ::close(fd);
    throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket));
  }
  size = static_cast<std::uint64_t>(st.st_size);
  return fd;
}

namespace {
// Reads [first, last) of fd into `out` (resized to what was read).
void read_range(int fd, std::uint64_t first, char* out, std::size_t& len) {
  std::size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd, out + got, len - got, static_cast<off_t>(first + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  len = got;
}
}  // namespace

std::string LocalhostStorage::get_object(const std::string& bucket, const std::string& key,
                                         std::optional<ByteRange> range) {
  std::uint64_t size = 0;
  int fd = open_object(bucket, key, size);
  std::uint64_t first = range ? std::min(range->first, size) : 0;
  std::uint64_t last = range ? std::min(range->last, size) : size;
  std::string out(last > first ? last - first : 0, '\0');
  std::size_t len = out.size();
  read_range(fd, first, out.data(), len);
  ::close(fd);
  out.resize(len);
  return out;
}

void LocalhostStorage::get_object_stream(const std::string& bucket, const std::string& key,
                                         std::optional<ByteRange> range, const ByteSink& sink) {
  std::uint64_t size = 0;
  int fd = open_object(bucket, key, size);
  std::uint64_t at = range ? std::min(range->first, size) : 0;
  std::uint64_t last = range ? std::min(range->last, size) : size;
  std::string piece(std::min<std::uint64_t>(last - at, 4 << 20), '\0');
  try {
    while (at < last) {
      std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), last - at));
      read_range(fd, at, piece.data(), len);
      if (len == 0) break;  // truncated under us
      sink(std::string_view(piece.data(), len));
      at += len;
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

namespace {
ObjectInfo info_of(const struct stat& st) {
  ObjectInfo info;
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.last_modified = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  // A new version is a new file (write + rename): inode and mtime change with every put.
  info.etag = fmt::format("{:x}-{:x}-{:x}", st.st_ino, st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec,
                          st.st_size);
  return info;
}
}  // namespace

std::optional<ObjectInfo> LocalhostStorage::head_object(const std::string& bucket, const std::string& key) {
  struct stat st{};
  if (::stat(path_of(bucket, key).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    require_bucket(bucket);
    return std::nullopt;
  }
  return info_of(st);
}

void LocalhostStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  require_bucket(bucket);
  for (const auto& key : keys) ::unlink(path_of(bucket, key).c_str());
}

template <class Visit>
void LocalhostStorage::walk(const std::string& bucket, const std::string& prefix, const std::string& start_after,
                            Visit&& visit) {
  require_bucket(bucket);
  std::string base = root_ + "/" + bucket;
  // Only walk the deepest directory the prefix names.
  std::string dir_part = prefix.substr(0, prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/'));
  fs::path start = dir_part.empty() ? fs::path(base) : fs::path(base) / dir_part;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return;
  for (auto it = fs::recursive_directory_iterator(start, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string key = it->path().string().substr(base.size() + 1);
    if (key.find(kPartialMarker) != std::string::npos) continue;  // an object being written
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    if (!start_after.empty() && key <= start_after) continue;
    visit(std::move(key), it->path());
  }
}

std::vector<std::string> LocalhostStorage::list_keys(const std::string& bucket, const std::string& prefix,
                                                     const std::string& start_after) {
  std::vector<std::string> keys;
  walk(bucket, prefix, start_after, [&](std::string key, const fs::path&) { keys.push_back(std::move(key)); });
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<ObjectEntry> LocalhostStorage::list_objects(const std::string& bucket, const std::string& prefix,
                                                        const std::string& start_after) {
  std::vector<ObjectEntry> entries;
  walk(bucket, prefix, start_after, [&](std::string key, const fs::path& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0) entries.push_back({std::move(key), info_of(st)});  // else: just deleted
  });
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return entries;
}

void LocalhostStorage::delete_prefix(const std::string& bucket, const std::string& prefix) {
  if (!prefix.empty() && prefix.back() == '/') {
    require_bucket(bucket);
    std::error_code ec;
    fs::remove_all(path_of(bucket, prefix.substr(0, prefix.size() - 1)), ec);
    return;
  }
  StorageBackend::delete_prefix(bucket, prefix);
}

bool LocalhostStorage::bucket_exists(const std::string& bucket) {
  try {
    require_bucket(bucket);
    return true;
  } catch (const NoSuchBucketError&) {
    return false;
  }
}

void LocalhostStorage::create_bucket(const std::string& bucket) {
  if (bucket.empty() || bucket.find('/') != std::string::npos || bucket == "." || bucket == "..")
    throw StorageRequestError(fmt::format("lithops: invalid bucket name '{}'", bucket));
  std::error_code ec;
  fs::create_directories(fs::path(root_) / bucket, ec);
  if (ec) throw StorageError(fmt::format("lithops: cannot create bucket directory {}/{}: {}", root_, bucket, ec.message()));
}

}  // namespace lithops::detail
