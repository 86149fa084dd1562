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

void LocalhostStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  std::string path = path_of(bucket, key);
  if (!fs::is_directory(root_ + "/" + bucket)) throw NoSuchBucketError("lithops: no bucket '" + bucket + "'");
  std::error_code dir_ec;
  fs::create_directories(fs::path(path).parent_path(), dir_ec);
  if (dir_ec)  // e.g. a parent is an object: "a" exists and the key is "a/b"
    throw StorageError(fmt::format("lithops: cannot create the directory of {}: {}", path, dir_ec.message()));
  // Write then rename: a reader (a monitor listing status objects) never sees half an object.
  std::string tmp = path + unique_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw StorageError(fmt::format("lithops: creating {}: {}", tmp, std::strerror(errno)));
  try {
    write_all(fd, data, tmp);
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

std::string LocalhostStorage::get_object(const std::string& bucket, const std::string& key,
                                         std::optional<ByteRange> range) {
  std::string path = path_of(bucket, key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket));
    throw StorageError(fmt::format("lithops: opening {}: {}", path, std::strerror(errno)));
  }
  struct stat st{};
  ::fstat(fd, &st);
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t first = range ? std::min(range->first, size) : 0;
  std::uint64_t last = range ? std::min(range->last, size) : size;
  std::string out(last > first ? last - first : 0, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(first + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

std::optional<ObjectInfo> LocalhostStorage::head_object(const std::string& bucket, const std::string& key) {
  struct stat st{};
  if (::stat(path_of(bucket, key).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return ObjectInfo{static_cast<std::uint64_t>(st.st_size)};
}

void LocalhostStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  for (const auto& key : keys) ::unlink(path_of(bucket, key).c_str());
}

std::vector<std::string> LocalhostStorage::list_keys(const std::string& bucket, const std::string& prefix,
                                                     const std::string& start_after) {
  std::string base = root_ + "/" + bucket;
  // Only walk the deepest directory the prefix names.
  std::string dir_part = prefix.substr(0, prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/'));
  fs::path start = dir_part.empty() ? fs::path(base) : fs::path(base) / dir_part;
  std::vector<std::string> keys;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return keys;
  for (auto it = fs::recursive_directory_iterator(start, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string key = it->path().string().substr(base.size() + 1);
    if (key.find(kPartialMarker) != std::string::npos) continue;  // an object being written
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    if (!start_after.empty() && key <= start_after) continue;
    keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

void LocalhostStorage::delete_prefix(const std::string& bucket, const std::string& prefix) {
  if (!prefix.empty() && prefix.back() == '/') {
    std::error_code ec;
    fs::remove_all(path_of(bucket, prefix.substr(0, prefix.size() - 1)), ec);
    return;
  }
  StorageBackend::delete_prefix(bucket, prefix);
}

}  // namespace lithops::detail
