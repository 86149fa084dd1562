#include "storage/object_streams.hpp"

#include <algorithm>
#include <cstring>

#include "util/log.hpp"

namespace lithops::detail {

namespace {
constexpr std::size_t kQueueDepth = 2;  // pieces waiting for the upload thread
}

RangeReadBuf::int_type RangeReadBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (range_.first >= range_.last) return traits_type::eof();
  std::uint64_t end = range_.last - range_.first > piece_ ? range_.first + piece_ : range_.last;
  buf_ = fetch_(ByteRange{range_.first, end});
  if (buf_.empty()) {
    range_.first = range_.last;  // the object ended early (a range past its end)
    return traits_type::eof();
  }
  range_.first += buf_.size();
  setg(buf_.data(), buf_.data(), buf_.data() + buf_.size());
  return traits_type::to_int_type(*gptr());
}

UploadWriteBuf::UploadWriteBuf(std::shared_ptr<StorageBackend> storage, std::string bucket, std::string key,
                               std::size_t threshold)
    : storage_(std::move(storage)), bucket_(std::move(bucket)), key_(std::move(key)), threshold_(threshold) {}

UploadWriteBuf::~UploadWriteBuf() {
  if (closed_) return;
  try {
    close();
  } catch (const std::exception& e) {
    log_error("lithops: upload of '{}' to bucket '{}' failed when its stream was destroyed: {}", key_, bucket_,
              e.what());
  }
}

UploadWriteBuf::int_type UploadWriteBuf::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  char c = traits_type::to_char_type(ch);
  xsputn(&c, 1);
  return ch;
}

std::streamsize UploadWriteBuf::xsputn(const char* s, std::streamsize n) {
  if (closed_ || failed_) return 0;  // the stream goes bad
  buf_.append(s, static_cast<std::size_t>(n));
  if (buf_.size() >= threshold_) {
    std::string piece;
    piece.swap(buf_);
    hand_over(std::move(piece));
  }
  return n;
}

void UploadWriteBuf::hand_over(std::string piece) {
  if (!uploader_.joinable()) {
    uploader_ = std::thread([this] {
      try {
        storage_->put_object_stream(bucket_, key_, [this](char* b, std::size_t cap) { return pull(b, cap); },
                                    std::nullopt);
      } catch (...) {
        std::lock_guard lock(mu_);
        error_ = std::current_exception();
        failed_ = true;
        cv_.notify_all();
      }
    });
  }
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < kQueueDepth || failed_; });
  if (failed_) return;
  queue_.push_back(std::move(piece));
  cv_.notify_all();
}

std::size_t UploadWriteBuf::pull(char* buf, std::size_t cap) {
  std::unique_lock lock(mu_);
  while (current_at_ >= current_.size()) {
    cv_.wait(lock, [&] { return !queue_.empty() || end_; });
    if (queue_.empty()) return 0;  // end of the data
    current_ = std::move(queue_.front());
    queue_.pop_front();
    current_at_ = 0;
    cv_.notify_all();
  }
  std::size_t n = std::min(cap, current_.size() - current_at_);
  std::memcpy(buf, current_.data() + current_at_, n);
  current_at_ += n;
  return n;
}

void UploadWriteBuf::close() {
  if (closed_) return;
  closed_ = true;
  if (!uploader_.joinable()) {  // small: one request
    storage_->put_object(bucket_, key_, buf_);
    buf_.clear();
    return;
  }
  if (!buf_.empty()) hand_over(std::move(buf_));
  {
    std::lock_guard lock(mu_);
    end_ = true;
    cv_.notify_all();
  }
  uploader_.join();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace lithops::detail
