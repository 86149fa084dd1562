// `lithops storage ...`: Lithops' storage commands, on any storage backend.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "lithops/lithops.hpp"

namespace lithops::cli {

namespace {

// In `lithops storage`, -b names the storage backend (as in Lithops).
Storage open_storage(CommonOptions opts) {
  const std::string storage_flag = !opts.backend.empty() ? opts.backend : opts.storage;
  opts.backend.clear();
  opts.storage.clear();
  Config c = opts.load();
  const std::string backend = !storage_flag.empty() ? storage_flag : c.get_string("lithops.storage");
  c.set("lithops.storage", backend);  // validates: an unknown name lists the choices
  return Storage(c, backend);
}

}  // namespace

int storage_put(const CommonOptions& opts, const std::string& file, const std::string& bucket, const std::string& key) {
  Storage st = open_storage(opts);
  std::string k = st.upload_file(file, bucket, key);
  auto info = st.head_object(bucket, k);
  std::cout << fmt::format("Uploaded {} to {}://{}/{} ({})\n", file, st.backend(), bucket, k, human_size(info.size));
  return 0;
}

int storage_get(const CommonOptions& opts, const std::string& bucket, const std::string& key, const std::string& out) {
  Storage st = open_storage(opts);
  if (out == "-") {
    st.get_object(bucket, key, std::cout);
    std::cout.flush();
    return 0;
  }
  std::string path = st.download_file(bucket, key, out);
  std::cout << fmt::format("Downloaded {}://{}/{} to {}\n", st.backend(), bucket, key, path);
  return 0;
}

int storage_delete(const CommonOptions& opts, const std::string& bucket, const std::string& key,
                   const std::string& prefix) {
  Storage st = open_storage(opts);
  if (key.empty() && prefix.empty())
    throw Error("lithops storage delete: give a key or a --prefix");
  std::size_t n = 0;
  if (!key.empty()) {
    st.head_object(bucket, key);  // a clear error for a key that is not there
    st.delete_object(bucket, key);
    n = 1;
  }
  if (!prefix.empty()) {
    auto keys = st.list_keys(bucket, prefix);
    st.delete_objects(bucket, keys);
    n += keys.size();
  }
  std::cout << fmt::format("Deleted {} object{} from {}://{}\n", n, n == 1 ? "" : "s", st.backend(), bucket);
  return 0;
}

int storage_list(const CommonOptions& opts, const std::string& bucket, const std::string& prefix) {
  Storage st = open_storage(opts);
  st.head_bucket(bucket);
  auto objects = st.list_objects(bucket, prefix);
  std::size_t width = 3;
  for (const auto& o : objects) width = std::max(width, o.key.size());
  std::cout << fmt::format("{:<{}}  {:<23}  {:>10}\n", "Key", width, "Last modified", "Size");
  std::cout << std::string(width + 37, '-') << '\n';
  std::uint64_t total = 0;
  for (const auto& o : objects) {
    std::cout << fmt::format("{:<{}}  {:<23}  {:>10}\n", o.key, width, utc_timestamp(o.last_modified), human_size(o.size));
    total += o.size;
  }
  std::cout << fmt::format("Total: {} object{}, {}\n", objects.size(), objects.size() == 1 ? "" : "s",
                           human_size(total));
  return 0;
}

int storage_mkbucket(const CommonOptions& opts, const std::string& bucket) {
  Storage st = open_storage(opts);
  st.create_bucket(bucket);
  std::cout << fmt::format("Bucket {}://{} is ready\n", st.backend(), bucket);
  return 0;
}

}  // namespace lithops::cli
