#include "data/gzip_index.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {

constexpr std::size_t kWindow = 32768;   // deflate's back-reference reach
constexpr char kMagic[8] = {'L', 'T', 'H', 'G', 'Z', 'I', 'X', '1'};
constexpr std::size_t kHeader = 64;      // magic, sizes, span, count, trailer, reserved
constexpr std::size_t kEntry = 32;       // out, in, bits, member, window length, window offset
constexpr int kGzip = 15 + 16;           // inflateInit2: a gzip member, header and trailer
constexpr int kRaw = -15;                // raw deflate, as resumed at a point inside a member

void put64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
std::uint64_t get64(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
std::uint32_t get32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

[[noreturn]] void bad_gzip(const std::string& name, std::uint64_t at, const char* what) {
  throw DataFormatError(fmt::format("lithops: '{}' is not valid gzip at compressed byte {}: {}", name, at,
                                    what ? what : "corrupt data"));
}

/// The last 32 KiB of output, as a ring.
class Window {
 public:
  void add(const unsigned char* p, std::size_t n) {
    total_ += n;
    if (n >= kWindow) {
      std::memcpy(buf_, p + n - kWindow, kWindow);
      pos_ = 0;
      return;
    }
    std::size_t first = std::min(n, kWindow - pos_);
    std::memcpy(buf_ + pos_, p, first);
    std::memcpy(buf_, p + first, n - first);
    pos_ = (pos_ + n) % kWindow;
  }
  std::string linear() const {
    const std::size_t have = std::min<std::uint64_t>(total_, kWindow);
    std::string out(have, '\0');
    const std::size_t start = (pos_ + kWindow - have) % kWindow;
    for (std::size_t i = 0; i < have; ++i) out[i] = static_cast<char>(buf_[(start + i) % kWindow]);
    return out;
  }

 private:
  unsigned char buf_[kWindow];
  std::size_t pos_ = 0;
  std::uint64_t total_ = 0;
};

std::string deflate_window(const std::string& w) {
  uLongf len = compressBound(w.size());
  std::string out(len, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(w.data()), w.size(), 6) != Z_OK)
    throw Error("lithops: zlib could not deflate an index window");
  out.resize(len);
  return out;
}

}  // namespace

std::string gzip_index_key(const std::string& key) { return key + ".gzindex"; }
std::string bgzip_index_key(const std::string& key) { return key + ".gzi"; }
bool is_gzip_index_key(const std::string& key) {
  auto ends = [&](std::string_view s) { return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0; };
  return ends(".gzindex") || ends(".gzi");
}

const GzipPoint& GzipIndex::point_before(std::uint64_t out) const {
  auto it = std::upper_bound(points.begin(), points.end(), out, [](std::uint64_t o, const GzipPoint& p) { return o < p.out; });
  return it == points.begin() ? points.front() : *(it - 1);
}

std::uint64_t GzipIndex::fetch_end(std::uint64_t out) const {
  auto it = std::lower_bound(points.begin(), points.end(), out, [](const GzipPoint& p, std::uint64_t o) { return p.out < o; });
  // The output before a point is all produced by input before it: up to its partial byte.
  return it == points.end() ? compressed_size : std::min(compressed_size, it->in + 1);
}

// ---- building ----

struct GzipIndexBuilder::Impl {
  std::string name;
  std::uint64_t span;
  z_stream z{};
  bool open = false;            // inside a member
  std::uint64_t totin = 0, totout = 0, last_point_out = 0, member_out = 0;
  std::vector<GzipPoint> points;
  std::vector<std::string> windows;  // deflated, one per point ("" for a member start)
  Window window;
  std::string tail;  // the last 8 compressed bytes
  unsigned char out[1 << 16];

  void add_point(bool member, int bits) {
    GzipPoint p;
    p.out = totout;
    p.in = totin;
    p.bits = static_cast<std::uint8_t>(bits);
    p.member = member;
    points.push_back(p);
    windows.push_back(member ? std::string() : deflate_window(window.linear()));
    last_point_out = totout;
  }

  void feed(const unsigned char* p, std::size_t n) {
    while (n > 0) {
      if (!open) {
        // A member starts here; after the first, anything that is not one ends the data only
        // if it is zero padding (as gzip itself accepts).
        if (totin > 0 && p[0] != 0x1f) {
          if (std::all_of(p, p + n, [](unsigned char c) { return c == 0; })) {
            totin += n;
            return;
          }
          bad_gzip(name, totin, "bytes after the last gzip member that are not another one");
        }
        if (inflateInit2(&z, kGzip) != Z_OK) throw Error("lithops: zlib could not start inflating");
        open = true;
        member_out = totout;
        if (totin == 0 || totout - last_point_out >= span) add_point(true, 0);
      }
      z.next_in = const_cast<unsigned char*>(p);
      z.avail_in = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      const std::size_t given = z.avail_in;
      for (;;) {
        const std::uint64_t in_before = given - z.avail_in;
        z.next_out = out;
        z.avail_out = sizeof(out);
        int ret = inflate(&z, Z_BLOCK);
        const std::size_t produced = sizeof(out) - z.avail_out;
        window.add(out, produced);
        totout += produced;
        totin += (given - z.avail_in) - in_before;
        if (ret == Z_STREAM_END) {
          inflateEnd(&z);
          open = false;
          break;
        }
        if (ret == Z_BUF_ERROR) break;  // needs more input
        if (ret != Z_OK) {
          std::string msg = z.msg ? z.msg : "corrupt data";
          inflateEnd(&z);
          open = false;
          if (ret == Z_MEM_ERROR) throw std::bad_alloc();
          bad_gzip(name, totin, msg.c_str());
        }
        // At a block boundary that is not the member's last, far enough from the last point.
        if ((z.data_type & 128) && !(z.data_type & 64) && totout > member_out && totout - last_point_out >= span)
          add_point(false, z.data_type & 7);
        if (z.avail_in == 0 && z.avail_out != 0) break;
      }
      // All of it was used, or a member ended and the next one starts in what is left.
      const std::size_t used = given - z.avail_in;
      p += used;
      n -= used;
    }
  }
};

GzipIndexBuilder::GzipIndexBuilder(std::string object_name, std::uint64_t span) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(object_name);
  impl_->span = std::max<std::uint64_t>(span, kWindow);
}

GzipIndexBuilder::~GzipIndexBuilder() {
  if (impl_->open) inflateEnd(&impl_->z);
}

void GzipIndexBuilder::feed(std::string_view compressed) {
  impl_->tail.append(compressed.substr(compressed.size() > 8 ? compressed.size() - 8 : 0));
  if (impl_->tail.size() > 8) impl_->tail.erase(0, impl_->tail.size() - 8);
  impl_->feed(reinterpret_cast<const unsigned char*>(compressed.data()), compressed.size());
}

std::string GzipIndexBuilder::finish(std::uint64_t& points, std::uint64_t& uncompressed_size) {
  Impl& m = *impl_;
  if (m.totin == 0) throw DataFormatError(fmt::format("lithops: '{}' is empty, not gzip", m.name));
  if (m.open)
    throw DataFormatError(fmt::format("lithops: '{}' is truncated: its gzip stream ends at compressed byte {} "
                                      "without its end",
                                      m.name, m.totin));
  std::string idx(kMagic, sizeof(kMagic));
  put64(idx, m.totin);
  put64(idx, m.totout);
  put64(idx, m.span);
  put32(idx, static_cast<std::uint32_t>(m.points.size()));
  put32(idx, 0);
  idx.append(m.tail);
  idx.append(kHeader - idx.size(), '\0');
  std::uint64_t window_at = kHeader + kEntry * m.points.size();
  for (std::size_t i = 0; i < m.points.size(); ++i) {
    const auto& p = m.points[i];
    put64(idx, p.out);
    put64(idx, p.in);
    idx.push_back(static_cast<char>(p.bits));
    idx.push_back(p.member ? 1 : 0);
    idx.append(2, '\0');
    put32(idx, static_cast<std::uint32_t>(m.windows[i].size()));
    put64(idx, m.windows[i].empty() ? 0 : window_at);
    window_at += m.windows[i].size();
  }
  for (const auto& w : m.windows) idx.append(w);
  points = m.points.size();
  uncompressed_size = m.totout;
  return idx;
}

// ---- loading ----

namespace {

bool load_ours(StorageBackend& st, const std::string& bucket, const std::string& key, std::uint64_t object_size,
               GzipIndex& idx) {
  const std::string ikey = gzip_index_key(key);
  std::string head;
  try {
    head = st.get_object(bucket, ikey, ByteRange{0, kHeader});
  } catch (const NoSuchKeyError&) {
    return false;
  }
  if (head.size() < kHeader || std::memcmp(head.data(), kMagic, sizeof(kMagic)) != 0)
    throw DataFormatError(fmt::format("lithops: '{}' is not a gzip index of Lithops C++", ikey));
  idx.compressed_size = get64(head, 8);
  idx.uncompressed_size = get64(head, 16);
  idx.span = get64(head, 24);
  const std::uint32_t n = get32(head, 32);
  idx.trailer = head.substr(40, 8);
  idx.source_key = ikey;
  if (idx.compressed_size != object_size)
    throw DataFormatError(fmt::format("lithops: the gzip index '{}' was built for an object of {} bytes, but '{}' has {} "
                                      "now: rebuild it (lithops::index_gzip)",
                                      ikey, idx.compressed_size, key, object_size));
  std::string table = n ? st.get_object(bucket, ikey, ByteRange{kHeader, kHeader + std::uint64_t{kEntry} * n}) : "";
  if (table.size() != std::size_t{kEntry} * n || n == 0)
    throw DataFormatError(fmt::format("lithops: the gzip index '{}' is truncated", ikey));
  idx.points.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t at = std::size_t{kEntry} * i;
    auto& p = idx.points[i];
    p.out = get64(table, at);
    p.in = get64(table, at + 8);
    p.bits = static_cast<std::uint8_t>(table[at + 16]);
    p.member = table[at + 17] != 0;
    p.window_length = get32(table, at + 20);
    p.window_offset = get64(table, at + 24);
    const bool sane = p.in <= object_size && p.out <= idx.uncompressed_size && p.bits < 8 && (p.bits == 0 || p.in > 0) &&
                      (i == 0 ? p.out == 0 && p.in == 0 : p.out >= idx.points[i - 1].out && p.in > idx.points[i - 1].in) &&
                      (p.member || p.window_length > 0);
    if (!sane) throw DataFormatError(fmt::format("lithops: the gzip index '{}' is corrupt (point {})", ikey, i));
  }
  return true;
}

// bgzip's .gzi: a count, then (compressed, uncompressed) offsets of every block after the
// first. Block starts are member starts. Its size is not in it: the blocks after the last
// entry (at most a BGZF block, 64 KiB, and the empty end block) are inflated to count it.
bool load_bgzip(StorageBackend& st, const std::string& bucket, const std::string& key, std::uint64_t object_size,
                GzipIndex& idx) {
  const std::string ikey = bgzip_index_key(key);
  std::string gzi;
  try {
    gzi = st.get_object(bucket, ikey);
  } catch (const NoSuchKeyError&) {
    return false;
  }
  if (gzi.size() < 8 || (gzi.size() - 8) % 16 != 0 || get64(gzi, 0) != (gzi.size() - 8) / 16)
    throw DataFormatError(fmt::format("lithops: '{}' is not a bgzip index (.gzi)", ikey));
  idx.source_key = ikey;
  idx.compressed_size = object_size;
  idx.points.push_back(GzipPoint{});
  for (std::size_t at = 8; at < gzi.size(); at += 16) {
    GzipPoint p;
    p.in = get64(gzi, at);
    p.out = get64(gzi, at + 8);
    if (p.in >= object_size || p.in <= idx.points.back().in || p.out < idx.points.back().out)
      throw DataFormatError(fmt::format("lithops: the bgzip index '{}' does not match '{}' ({} bytes): rebuild it "
                                        "(bgzip -r)",
                                        ikey, key, object_size));
    idx.points.push_back(p);
  }
  const GzipPoint last = idx.points.back();
  std::uint64_t tail = 0;
  read_gzip_range(st, bucket, key, object_size, nullptr, ByteRange{0, UINT64_MAX},
                  [&](std::string_view piece) { tail += piece.size(); }, last.in);
  idx.uncompressed_size = last.out + tail;
  return true;
}

}  // namespace

bool find_gzip_index(StorageBackend& st, const std::string& bucket, const std::string& key, std::uint64_t object_size,
                     GzipIndex& out) {
  out = GzipIndex{};
  return load_ours(st, bucket, key, object_size, out) || load_bgzip(st, bucket, key, object_size, out);
}

GzipIndex load_gzip_index(StorageBackend& st, const std::string& bucket, const std::string& key,
                          std::uint64_t object_size, const std::string& index_key) {
  GzipIndex idx;
  if (index_key == bgzip_index_key(key)) {
    if (load_bgzip(st, bucket, key, object_size, idx)) return idx;
  } else if (index_key == gzip_index_key(key)) {
    if (load_ours(st, bucket, key, object_size, idx)) return idx;
  } else if (find_gzip_index(st, bucket, key, object_size, idx)) {
    return idx;
  }
  throw DataFormatError(fmt::format("lithops: the gzip'd object '{}' has no index ('{}', or bgzip's '{}'): build it "
                                    "with fexec.map(lithops::index_gzip, lithops::objects(...).compression("
                                    "lithops::Compression::gzip)), or bgzip -i",
                                    key, gzip_index_key(key), bgzip_index_key(key)));
}

std::optional<GzipLayout> gzip_layout(StorageBackend& st, const std::string& bucket, const std::string& key,
                                      std::uint64_t object_size, bool need_index) {
  try {
    GzipIndex idx;
    if (need_index) {
      idx = load_gzip_index(st, bucket, key, object_size);
    } else if (!find_gzip_index(st, bucket, key, object_size, idx)) {
      return std::nullopt;
    }
    if (!idx.trailer.empty()) {
      const std::string tail = st.get_object(bucket, key, ByteRange{object_size >= 8 ? object_size - 8 : 0, object_size});
      if (tail != idx.trailer)
        throw DataFormatError(fmt::format("lithops: the gzip index '{}' does not match '{}' (its last member differs): "
                                          "rebuild it (lithops::index_gzip)",
                                          idx.source_key, key));
    }
    return GzipLayout{idx.uncompressed_size, idx.source_key};
  } catch (const DataFormatError& e) {
    // Read whole, the object needs no index: a stale one must not stop it (nor its rebuild).
    if (need_index) throw;
    log_warn("{}; '{}' is read whole without it", e.what(), key);
    return std::nullopt;
  }
}

// ---- reading ----

namespace {

/// Inflates from an access point on, member after member, handing on the output that falls
/// in the wanted range.
class RangeInflater {
 public:
  RangeInflater(std::string name, const GzipPoint& at, std::string window, ByteRange want, std::uint64_t fetch_first,
                const ByteSink& sink)
      : name_(std::move(name)), pt_(at), window_(std::move(window)), want_(want), out_pos_(at.out),
        in_pos_(fetch_first), sink_(sink) {
    if (pt_.member) {
      start_member();
    } else {
      if (inflateInit2(&z_, kRaw) != Z_OK) throw Error("lithops: zlib could not start inflating");
      open_ = true;
      need_prime_ = pt_.bits != 0;
      if (!need_prime_) set_window();
    }
  }
  ~RangeInflater() {
    if (open_) inflateEnd(&z_);
  }

  bool done() const { return out_pos_ >= want_.last || finished_; }
  /// The data ended with its last member (not cut short).
  bool ended_cleanly() const { return finished_ || (!open_ && trailer_left_ == 0); }
  std::uint64_t out_pos() const { return out_pos_; }

  void feed(std::string_view piece) {
    auto* p = reinterpret_cast<const unsigned char*>(piece.data());
    std::size_t n = piece.size();
    while (n > 0 && !done()) {
      if (need_prime_) {  // the byte before the point holds its first bits
        if (inflatePrime(&z_, pt_.bits, p[0] >> (8 - pt_.bits)) != Z_OK) bad_gzip(name_, in_pos_, "bad access point");
        set_window();
        need_prime_ = false;
        ++p, --n, ++in_pos_;
        continue;
      }
      if (trailer_left_ > 0) {  // the 8-byte trailer after a member resumed in raw mode
        const std::size_t skip = std::min<std::size_t>(trailer_left_, n);
        trailer_left_ -= skip;
        p += skip, n -= skip, in_pos_ += skip;
        continue;
      }
      if (!open_) {
        if (p[0] != 0x1f) {  // zero padding after the last member, as gzip accepts
          if (std::all_of(p, p + n, [](unsigned char c) { return c == 0; })) {
            finished_ = true;
            return;
          }
          bad_gzip(name_, in_pos_, "bytes after a gzip member that are not another one");
        }
        start_member();
      }
      z_.next_in = const_cast<unsigned char*>(p);
      z_.avail_in = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      const std::size_t given = z_.avail_in;
      int ret = Z_OK;
      do {
        z_.next_out = buf_;
        z_.avail_out = sizeof(buf_);
        ret = inflate(&z_, Z_NO_FLUSH);
        if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
          const std::string msg = z_.msg ? z_.msg : "corrupt data";
          bad_gzip(name_, in_pos_ + (given - z_.avail_in), msg.c_str());
        }
        emit(sizeof(buf_) - z_.avail_out);
      } while (ret == Z_OK && z_.avail_out == 0 && !done());
      const std::size_t used = given - z_.avail_in;
      p += used, n -= used, in_pos_ += used;
      if (ret == Z_STREAM_END) {
        inflateEnd(&z_);
        open_ = false;
        if (raw_) trailer_left_ = 8;  // raw mode does not read the member's trailer
      } else if (used == 0 && ret == Z_BUF_ERROR) {
        return;  // wants more input than this piece holds
      }
    }
  }

 private:
  void start_member() {
    if (open_) inflateEnd(&z_);
    if (inflateInit2(&z_, kGzip) != Z_OK) throw Error("lithops: zlib could not start inflating");
    open_ = true;
    raw_ = false;
  }
  void set_window() {
    raw_ = true;
    if (!window_.empty() &&
        inflateSetDictionary(&z_, reinterpret_cast<const Bytef*>(window_.data()), static_cast<uInt>(window_.size())) != Z_OK)
      bad_gzip(name_, in_pos_, "the index window does not fit");
  }
  void emit(std::size_t produced) {
    const std::uint64_t a = out_pos_, b = out_pos_ + produced;
    out_pos_ = b;
    const std::uint64_t from = std::max(a, want_.first), to = std::min(b, want_.last);
    if (from < to) sink_(std::string_view(reinterpret_cast<const char*>(buf_) + (from - a), to - from));
  }

  std::string name_;
  GzipPoint pt_;
  std::string window_;
  ByteRange want_;
  std::uint64_t out_pos_;
  std::uint64_t in_pos_;
  const ByteSink& sink_;
  z_stream z_{};
  bool open_ = false, raw_ = false, need_prime_ = false, finished_ = false;
  std::uint32_t trailer_left_ = 0;
  unsigned char buf_[1 << 16];
};

std::string load_window(StorageBackend& st, const std::string& bucket, const GzipIndex& idx, const GzipPoint& p) {
  std::string packed = st.get_object(bucket, idx.source_key, ByteRange{p.window_offset, p.window_offset + p.window_length});
  std::string w(kWindow, '\0');
  uLongf len = w.size();
  if (packed.size() != p.window_length ||
      uncompress(reinterpret_cast<Bytef*>(w.data()), &len, reinterpret_cast<const Bytef*>(packed.data()), packed.size()) != Z_OK)
    throw DataFormatError(fmt::format("lithops: the gzip index '{}' has a corrupt window", idx.source_key));
  w.resize(len);
  return w;
}

}  // namespace

void read_gzip_range(StorageBackend& st, const std::string& bucket, const std::string& key, std::uint64_t object_size,
                     const GzipIndex* index, ByteRange range, const ByteSink& sink, std::uint64_t member_at) {
  if (range.last <= range.first) return;
  GzipPoint start;  // without an index: the member at `member_at`, its output counted from 0
  start.in = member_at;
  const GzipPoint& pt = index ? index->point_before(range.first) : start;
  const std::uint64_t fetch_first = pt.member || pt.bits == 0 ? pt.in : pt.in - 1;
  const std::uint64_t fetch_last = index ? index->fetch_end(range.last) : object_size;
  std::string window = index && !pt.member ? load_window(st, bucket, *index, pt) : std::string();
  RangeInflater inflater(key, pt, std::move(window), range, fetch_first, sink);
  if (fetch_last > fetch_first)
    st.get_object_stream(bucket, key, ByteRange{fetch_first, fetch_last}, [&](std::string_view piece) {
      if (!inflater.done()) inflater.feed(piece);
    });
  if (inflater.done()) return;
  const std::uint64_t data_end = index ? index->uncompressed_size : UINT64_MAX;
  if (!inflater.ended_cleanly() || (index && inflater.out_pos() < std::min(range.last, data_end)))
    throw DataFormatError(fmt::format("lithops: '{}' is truncated: its gzip data ends at uncompressed byte {}, before "
                                      "its end",
                                      key, inflater.out_pos()));
}

}  // namespace lithops::detail
