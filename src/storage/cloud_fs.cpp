#include "lithops/cloud_fs.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "lithops/errors.hpp"
#include "storage/object_streams.hpp"
#include "storage/storage_backend.hpp"

namespace lithops {

namespace {

constexpr const char* kHidden = "lithops.jobs/";

// "a//b/" -> "a/b": paths are keys without leading, trailing or doubled slashes.
std::string normalise(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '/' && (out.empty() || out.back() == '/')) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == '/') out.pop_back();
  if (out == ".") out.clear();
  return out;
}

std::string dir_prefix(const std::string& path) {
  std::string p = normalise(path);
  return p.empty() ? p : p + "/";
}

bool hidden(const std::string& key) { return key.rfind(kHidden, 0) == 0; }

class WriteStream final : public CloudOStream {
 public:
  WriteStream(std::shared_ptr<detail::StorageBackend> st, std::string bucket, std::string key)
      : buf_(std::move(st), std::move(bucket), std::move(key)) {
    rdbuf(&buf_);
  }
  ~WriteStream() override { flush(); }  // buf_'s destructor finishes the upload
  void close() override {
    flush();
    buf_.close();
  }

 private:
  detail::UploadWriteBuf buf_;
};

class ReadStream final : public std::istream {
 public:
  ReadStream(std::function<std::string(ByteRange)> fetch, std::uint64_t size)
      : std::istream(nullptr), buf_(std::move(fetch), ByteRange{0, size}) {
    rdbuf(&buf_);
  }

 private:
  detail::RangeReadBuf buf_;
};

}  // namespace

CloudFS::CloudFS() : CloudFS(Storage()) {}

CloudFS::CloudFS(Storage storage, std::string bucket)
    : storage_(std::move(storage)), bucket_(bucket.empty() ? storage_.bucket() : std::move(bucket)) {}

std::unique_ptr<CloudOStream> CloudFS::open_write(const std::string& path) {
  std::string key = normalise(path);
  if (key.empty()) throw Error("lithops: CloudFS::open_write needs a file path");
  return std::make_unique<WriteStream>(storage_.backend_handle(), bucket_, key);
}

std::unique_ptr<std::istream> CloudFS::open_read(const std::string& path) {
  std::string key = normalise(path);
  auto info = storage_.head_object(bucket_, key);  // NoSuchKeyError now, not at the first read
  auto st = storage_.backend_handle();
  auto bucket = bucket_;
  return std::make_unique<ReadStream>(
      [st, bucket, key](ByteRange r) { return st->get_object(bucket, key, r); }, info.size);
}

std::string CloudFS::read_file(const std::string& path) { return storage_.get_object(bucket_, normalise(path)); }

void CloudFS::write_file(const std::string& path, std::string_view content) {
  storage_.put_object(bucket_, normalise(path), content);
}

std::vector<std::string> CloudFS::listdir(const std::string& path, bool suffix_dirs) {
  const std::string prefix = dir_prefix(path);
  std::set<std::string> names;
  bool any = false;
  for (const auto& key : storage_.list_keys(bucket_, prefix)) {
    if (hidden(key)) continue;
    any = true;
    std::string rest = key.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos) names.insert(rest);
    else names.insert(suffix_dirs ? rest.substr(0, slash + 1) : rest.substr(0, slash));
  }
  if (!any && !prefix.empty())
    throw NoSuchKeyError(fmt::format("lithops: no directory '{}' in bucket '{}'", normalise(path), bucket_));
  return {names.begin(), names.end()};
}

std::vector<WalkEntry> CloudFS::walk(const std::string& top) {
  // One listing, then the tree is built here: a request per directory would be slow on S3.
  const std::string root = normalise(top);
  const std::string prefix = dir_prefix(top);
  std::map<std::string, WalkEntry> dirs;  // sorted: parents before children
  auto entry = [&](const std::string& d) -> WalkEntry& {
    auto& e = dirs[d];
    e.dirpath = d;
    return e;
  };
  for (const auto& key : storage_.list_keys(bucket_, prefix)) {
    if (hidden(key)) continue;
    std::string dir = root;
    std::string rest = key.substr(prefix.size());
    for (auto slash = rest.find('/'); slash != std::string::npos; slash = rest.find('/')) {
      std::string name = rest.substr(0, slash);
      auto& parent = entry(dir);
      if (parent.dirnames.empty() || parent.dirnames.back() != name) parent.dirnames.push_back(name);
      dir = dir.empty() ? name : dir + "/" + name;
      rest = rest.substr(slash + 1);
    }
    entry(dir).filenames.push_back(rest);
  }
  std::vector<WalkEntry> out;
  for (auto& [_, e] : dirs) {
    std::sort(e.dirnames.begin(), e.dirnames.end());
    e.dirnames.erase(std::unique(e.dirnames.begin(), e.dirnames.end()), e.dirnames.end());
    out.push_back(std::move(e));
  }
  // Parents before children, in depth-first order (std::map sorts "a/b" after "a.txt").
  std::stable_sort(out.begin(), out.end(), [](const WalkEntry& a, const WalkEntry& b) {
    auto depth = [](const std::string& p) { return p.empty() ? 0 : 1 + std::count(p.begin(), p.end(), '/'); };
    return depth(a.dirpath) < depth(b.dirpath);
  });
  return out;
}

bool CloudFS::isfile(const std::string& path) {
  std::string key = normalise(path);
  return !key.empty() && storage_.backend_handle()->head_object(bucket_, key).has_value();
}

bool CloudFS::isdir(const std::string& path) {
  const std::string prefix = dir_prefix(path);
  if (prefix.empty()) return true;  // the bucket itself
  for (const auto& key : storage_.list_keys(bucket_, prefix))
    if (!hidden(key)) return true;
  return false;
}

bool CloudFS::exists(const std::string& path) { return isfile(path) || isdir(path); }

FileStat CloudFS::stat(const std::string& path) {
  std::string key = normalise(path);
  if (!key.empty())
    if (auto info = storage_.backend_handle()->head_object(bucket_, key))
      return FileStat{info->size, info->last_modified, info->etag, false};
  if (isdir(path)) return FileStat{0, 0, "", true};
  throw NoSuchKeyError(fmt::format("lithops: no file or directory '{}' in bucket '{}'", key, bucket_));
}

void CloudFS::remove(const std::string& path) {
  std::string key = normalise(path);
  if (!isfile(key)) throw NoSuchKeyError(fmt::format("lithops: no file '{}' in bucket '{}'", key, bucket_));
  storage_.delete_object(bucket_, key);
}

void CloudFS::rmtree(const std::string& path) {
  const std::string prefix = dir_prefix(path);
  if (prefix.empty()) throw Error("lithops: CloudFS::rmtree refuses to delete the whole bucket");
  storage_.backend_handle()->delete_prefix(bucket_, prefix);
}

}  // namespace lithops
