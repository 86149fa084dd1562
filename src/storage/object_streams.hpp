#pragma once
// std::streambuf adapters over storage: reading an object (or a range) in pieces as the stream
// is consumed, and writing one that is uploaded as it is written (a background upload pulls
// from a bounded buffer, so a multi-GiB write never sits in memory).
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <streambuf>
#include <string>
#include <thread>

#include "storage/storage_backend.hpp"

namespace lithops::detail {

class RangeReadBuf final : public std::streambuf {
 public:
  /// `fetch(range)` returns those bytes (fewer only at the end of the object).
  RangeReadBuf(std::function<std::string(ByteRange)> fetch, ByteRange range, std::uint64_t piece = 8 << 20)
      : fetch_(std::move(fetch)), range_(range), piece_(piece) {}

 protected:
  int_type underflow() override;

 private:
  std::function<std::string(ByteRange)> fetch_;
  ByteRange range_;
  std::uint64_t piece_;
  std::string buf_;
};

class UploadWriteBuf final : public std::streambuf {
 public:
  /// Small writes become one put_object at close(); past `threshold` bytes an upload thread
  /// streams the object with put_object_stream while the writer goes on.
  UploadWriteBuf(std::shared_ptr<StorageBackend> storage, std::string bucket, std::string key,
                 std::size_t threshold = 16 << 20);
  ~UploadWriteBuf() override;
  /// Finishes the upload. @throws what the upload threw
  void close();
  bool closed() const { return closed_; }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override { return 0; }

 private:
  void hand_over(std::string piece);  // to the upload thread; blocks while it is behind
  std::size_t pull(char* buf, std::size_t cap);
  std::shared_ptr<StorageBackend> storage_;
  std::string bucket_, key_;
  std::size_t threshold_;
  std::string buf_;
  bool closed_ = false;
  // Upload thread state.
  std::thread uploader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::string current_;
  std::size_t current_at_ = 0;
  bool end_ = false;
  bool failed_ = false;
  std::exception_ptr error_;
};

}  // namespace lithops::detail
