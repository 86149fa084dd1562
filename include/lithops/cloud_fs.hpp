#pragma once
/// @file cloud_fs.hpp
/// The storage OS API: objects of one bucket used like files (Lithops' `cloud_proxy` `os` and
/// `open`). Paths are keys; '/' separates directories, which exist while something is under
/// them. Lithops' own prefix (`lithops.jobs/`) is hidden.
///
/// @code
///   lithops::CloudFS fs;                          // the default storage and bucket
///   { auto out = fs.open_write("results/run1.csv"); *out << "x,y\n1,2\n"; out->close(); }
///   auto in = fs.open_read("results/run1.csv");
///   for (std::string line; std::getline(*in, line);) ...
///   for (const auto& name : fs.listdir("results")) ...
/// @endcode

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "lithops/storage.hpp"

namespace lithops {

/// A file being written: uploaded as it is written (multipart past a threshold), complete
/// when close() returns. Destroying it unclosed closes it, logging (not throwing) a failure.
class CloudOStream : public std::ostream {
 public:
  virtual ~CloudOStream() = default;
  /// Finishes the upload. @throws StorageError
  virtual void close() = 0;

 protected:
  CloudOStream() : std::ostream(nullptr) {}
};

struct FileStat {
  std::uint64_t size = 0;
  std::int64_t last_modified = 0;  ///< ms since the Unix epoch
  std::string etag;
  bool is_dir = false;
};

struct WalkEntry {
  std::string dirpath;
  std::vector<std::string> dirnames;
  std::vector<std::string> filenames;
};

class CloudFS {
 public:
  /// Storage() and its default bucket (inside a worker: the job's storage).
  CloudFS();
  explicit CloudFS(Storage storage, std::string bucket = {});

  const std::string& bucket() const { return bucket_; }

  std::unique_ptr<CloudOStream> open_write(const std::string& path);
  /// Fetched in ranges as it is read. @throws NoSuchKeyError
  std::unique_ptr<std::istream> open_read(const std::string& path);
  std::string read_file(const std::string& path);
  void write_file(const std::string& path, std::string_view content);

  /// Names directly under `path` (directories once each), sorted; with `suffix_dirs` a
  /// directory's name ends in '/'. @throws NoSuchKeyError if `path` is not a directory
  std::vector<std::string> listdir(const std::string& path = "", bool suffix_dirs = false);
  /// Every directory from `top` down, parents before children (os.walk, topdown).
  std::vector<WalkEntry> walk(const std::string& top = "");
  bool exists(const std::string& path);
  bool isfile(const std::string& path);
  bool isdir(const std::string& path);
  /// @throws NoSuchKeyError
  FileStat stat(const std::string& path);
  /// Deletes a file. @throws NoSuchKeyError if there is none
  void remove(const std::string& path);
  /// Deletes a directory and everything under it.
  void rmtree(const std::string& path);
  /// Directories are implicit in object storage: nothing to create (as in Lithops).
  void makedirs(const std::string&) {}
  void mkdir(const std::string&) {}

 private:
  Storage storage_;
  std::string bucket_;
};

}  // namespace lithops
