#include "storage/rest/chunked_transfer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "lithops/errors.hpp"

namespace lithops::detail::rest {

namespace {

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

std::size_t upload_pieces(const TransferOptions& options, std::vector<std::string> first_pieces,
                          const ByteSource& source, std::size_t max_pieces, std::string_view what,
                          const std::function<void(std::size_t index, const std::string& data)>& upload) {
  const std::size_t window = static_cast<std::size_t>(std::max(1, options.max_concurrency));
  struct Piece {
    std::size_t number;
    std::string data;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Piece> queue;
  std::size_t count = 0;  // pieces submitted
  std::size_t held = 0;  // pieces read and not yet uploaded: the memory bound
  bool closed = false;
  std::exception_ptr error;

  auto work = [&] {
    for (;;) {
      Piece part;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !queue.empty() || closed || error; });
        if (error || queue.empty()) return;
        part = std::move(queue.front());
        queue.pop_front();
      }
      std::exception_ptr failure;
      try {
        upload(part.number, part.data);
      } catch (...) {
        failure = std::current_exception();
      }
      part.data = std::string();  // released before the slot is
      {
        std::lock_guard lock(mutex);
        if (failure && !error) error = failure;
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
    if (count >= max_pieces)
      throw StorageRequestError(
          fmt::format("lithops: {} needs more than {} pieces of {} bytes", what, max_pieces, options.chunk));
    queue.push_back({count++, std::move(data)});
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
      for (auto& part : first_pieces) {
        more = reserve();
        if (!more) break;
        submit(std::move(part));
      }
      first_pieces.clear();
      while (more && reserve()) {
        std::string data = read_piece(source, options.chunk, options.chunk);
        const bool last = data.size() < options.chunk;
        if (data.empty() && count > 0) {
          std::lock_guard lock(mutex);
          --held;
          break;
        }
        submit(std::move(data));
        if (last) break;
      }
    } catch (...) {  // the source failed, or too many pieces: the slot taken for the piece is free
      std::lock_guard lock(mutex);
      --held;
      if (!error) error = std::current_exception();
    }
  }  // all pieces uploaded (or abandoned) here
  if (error) std::rethrow_exception(error);
  return count;
}

void stream_object(const TransferOptions& options, std::optional<ByteRange> range, std::string_view what,
                   const std::function<std::optional<ObjectVersion>()>& stat, const std::function<void()>& missing,
                   const std::function<std::string(ByteRange, const ByteSink*, const std::string& tag)>& get,
                   const ByteSink& sink) {
  std::uint64_t first = range ? range->first : 0, last = range ? range->last : UINT64_MAX;
  if (first >= last) {  // nothing to read, but a missing object is still an error
    if (!stat()) missing();
    return;
  }
  const std::uint64_t parallel_above = 2 * options.chunk;
  if (range && last - first <= parallel_above) {  // short: no HEAD first
    get(*range, &sink, "");
    return;
  }
  const std::optional<ObjectVersion> v = stat();
  if (!v) {
    missing();
    return;
  }
  last = std::min(last, v->size);
  if (first >= last) return;
  if (last - first <= parallel_above) {
    get(ByteRange{first, last}, &sink, v->tag);
    return;
  }
  download_pieces(
      options, first, last, what, [&](std::uint64_t a, std::uint64_t b) { return get(ByteRange{a, b}, nullptr, v->tag); },
      sink);
}

void download_pieces(const TransferOptions& options, std::uint64_t first, std::uint64_t last, std::string_view what,
                     const std::function<std::string(std::uint64_t a, std::uint64_t b)>& fetch, const ByteSink& sink) {
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
        std::string piece = with_retries(options.policy, "get range", std::string(what), [&] {
          std::string got = fetch(a, b);
          if (got.size() != b - a)
            throw StorageError(fmt::format("lithops: {} returned {} bytes of range {}-{}", what, got.size(), a, b));
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

}  // namespace lithops::detail::rest
