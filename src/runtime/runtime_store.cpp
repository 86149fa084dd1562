#include "runtime/runtime_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/build_id.hpp"
#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

constexpr const char* kPrefix = "lithops.runtimes/";
constexpr const char* kMetaName = "meta.json";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A build id names a folder: one that could climb out of it, or empty, is a caller's mistake.
void check_build_id(const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == "..")
    throw Error(fmt::format("lithops: '{}' is not a runtime build id", id));
}

std::string to_json(const RuntimeInfo& r) {
  nlohmann::json j = {{"build_id", r.build_id}, {"name", r.name},       {"sha256", r.sha256},
                      {"size", r.size},         {"created_ms", r.created_ms}, {"arch", r.arch}};
  return j.dump();
}

RuntimeInfo from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text);
  RuntimeInfo r;
  r.build_id = j.at("build_id").get<std::string>();
  r.name = j.value("name", "");
  r.sha256 = j.at("sha256").get<std::string>();
  r.size = j.at("size").get<std::uint64_t>();
  r.created_ms = j.value("created_ms", std::int64_t{0});
  r.arch = j.value("arch", "");
  return r;
}

std::string base_name(std::string path) {
  // /proc/self/exe of a program whose file was replaced reads "<path> (deleted)".
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) path.resize(path.size() - kDeleted.size());
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The file's bytes as a ByteSource, hashed as they are read: what was uploaded is checked
// against the digest computed beforehand, so a file rewritten mid-upload is never published.
class HashingReader {
 public:
  explicit HashingReader(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(fmt::format("lithops: cannot open '{}': {}", path, std::strerror(errno)));
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
      throw Error("lithops: OpenSSL SHA-256 initialisation failed");
  }
  ~HashingReader() { ::close(fd_); }
  HashingReader(const HashingReader&) = delete;
  HashingReader& operator=(const HashingReader&) = delete;

  std::size_t read(char* buffer, std::size_t capacity) {
    ssize_t n;
    do n = ::read(fd_, buffer, capacity);
    while (n < 0 && errno == EINTR);
    if (n < 0) throw Error(fmt::format("lithops: cannot read '{}': {}", path_, std::strerror(errno)));
    if (n > 0 && EVP_DigestUpdate(ctx_.get(), buffer, static_cast<std::size_t>(n)) != 1)
      throw Error("lithops: OpenSSL SHA-256 failed");
    bytes_ += static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
  std::uint64_t bytes() const { return bytes_; }
  std::string hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw Error("lithops: OpenSSL SHA-256 failed");
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
  }

 private:
  std::string path_;
  int fd_;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::uint64_t bytes_ = 0;
};

// Publishes the bytes at `path` (which may be /proc/self/exe) as `name` under `build_id`.
Deployment deploy(StorageBackend& st, const std::string& path, const std::string& name, const std::string& build_id) {
  check_build_id(build_id);
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0)
    throw Error(fmt::format("lithops: cannot read '{}': {}", path, std::strerror(errno)));
  if (!S_ISREG(sb.st_mode)) throw Error(fmt::format("lithops: '{}' is not a regular file", path));

  RuntimeInfo info;
  info.build_id = build_id;
  info.name = name;
  info.sha256 = sha256_of_file(path);
  info.size = static_cast<std::uint64_t>(sb.st_size);
  info.arch = arch_of_file(path);
  if (info.arch.empty()) info.arch = host_arch();

  const std::string& bucket = st.bucket();
  if (!st.bucket_exists(bucket)) st.create_bucket(bucket);
  if (auto existing = find_runtime(st, build_id)) {
    if (existing->sha256 == info.sha256) return {*existing, false};
    // Same build, other bytes: typically the same program stripped or re-linked without code
    // changes (strip keeps the build id). Either would run the same calls; the newer wins.
    log_warn("runtime {} is published with sha256 {}; replacing it with '{}' (sha256 {})", build_id,
             existing->sha256, path, info.sha256);
  }

  HashingReader reader(path);
  st.put_object_stream(bucket, RuntimeKeys::binary(build_id),
                       [&](char* buffer, std::size_t capacity) { return reader.read(buffer, capacity); }, info.size);
  if (reader.bytes() != info.size || reader.hex_digest() != info.sha256)
    throw Error(fmt::format("lithops: '{}' changed while it was being published; not published", path));
  // meta.json last: a runtime whose meta exists is complete (see the header).
  info.created_ms = now_ms();
  st.put_object(bucket, RuntimeKeys::meta(build_id), to_json(info));
  log_info("published runtime {} ('{}', {} bytes) to {} bucket '{}'", build_id, name, info.size, st.name(), bucket);
  return {info, true};
}

}  // namespace

std::string RuntimeKeys::prefix() { return kPrefix; }
std::string RuntimeKeys::binary(const std::string& build_id) { return kPrefix + build_id + "/runtime"; }
std::string RuntimeKeys::meta(const std::string& build_id) { return kPrefix + build_id + "/" + kMetaName; }

Deployment deploy_runtime(StorageBackend& st, const std::string& path) {
  return deploy(st, path, base_name(path), build_id_of_file(path));
}

RuntimeInfo publish_runtime(StorageBackend& st, const std::string& path) { return deploy_runtime(st, path).info; }

RuntimeInfo publish_self(StorageBackend& st) {
  // Held while publishing too: two executors starting at once upload the program once.
  static std::mutex mutex;
  static auto& published = *new std::map<std::string, RuntimeInfo>;  // never destroyed, as build_id()'s strings
  std::lock_guard lock(mutex);
  const std::string cache_key = st.name() + '\n' + st.bucket();
  // Name and bucket do not tell two localhost storage directories (or two endpoints) apart:
  // one HEAD confirms a cached runtime is in this storage rather than trusting the cache blindly.
  if (auto it = published.find(cache_key); it != published.end()) {
    if (st.head_object(st.bucket(), RuntimeKeys::meta(it->second.build_id))) return it->second;
    published.erase(it);
  }
  // /proc/self/exe is the image this process runs even if its file was since replaced or
  // deleted, so the bytes always match build_id().
  RuntimeInfo info = deploy(st, "/proc/self/exe", base_name(self_executable()), build_id()).info;
  published.emplace(cache_key, info);
  return info;
}

std::optional<RuntimeInfo> find_runtime(StorageBackend& st, const std::string& build_id) {
  check_build_id(build_id);
  std::string text;
  try {
    text = st.get_object(st.bucket(), RuntimeKeys::meta(build_id));
  } catch (const NoSuchKeyError&) {
    return std::nullopt;
  } catch (const NoSuchBucketError&) {
    return std::nullopt;
  }
  try {
    return from_json(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("lithops: runtime {}: unreadable {}: {}", build_id, kMetaName, e.what()));
  }
}

std::vector<RuntimeInfo> list_runtimes(StorageBackend& st) {
  std::vector<std::string> keys;
  try {
    keys = st.list_keys(st.bucket(), kPrefix);
  } catch (const NoSuchBucketError&) {
    return {};
  }
  std::vector<RuntimeInfo> out;
  for (const auto& key : keys) {
    // Only complete runtimes: lithops.runtimes/<id>/meta.json.
    std::string rest = key.substr(std::strlen(kPrefix));
    auto slash = rest.find('/');
    if (slash == std::string::npos || rest.substr(slash + 1) != kMetaName) continue;
    try {
      if (auto r = find_runtime(st, rest.substr(0, slash))) out.push_back(std::move(*r));
    } catch (const Error& e) {
      log_warn("skipping runtime {}: {}", rest.substr(0, slash), e.what());
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const RuntimeInfo& a, const RuntimeInfo& b) {
    return a.created_ms > b.created_ms;
  });
  return out;
}

bool delete_runtime(StorageBackend& st, const std::string& build_id) {
  check_build_id(build_id);
  std::vector<std::string> keys;
  try {
    keys = st.list_keys(st.bucket(), kPrefix + build_id + "/");
  } catch (const NoSuchBucketError&) {
    return false;
  }
  if (keys.empty()) return false;
  // meta.json first: a reader never sees a meta whose runtime is already gone.
  std::stable_partition(keys.begin(), keys.end(), [](const std::string& k) { return k.ends_with(kMetaName); });
  st.delete_objects(st.bucket(), {keys.front()});
  if (keys.size() > 1) st.delete_objects(st.bucket(), std::vector<std::string>(keys.begin() + 1, keys.end()));
  return true;
}

}  // namespace lithops::detail
