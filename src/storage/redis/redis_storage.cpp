#include "storage/redis/redis_storage.hpp"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fmt/format.h>
#include <functional>
#include <optional>
#include <random>
#include <span>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "storage/redis/redis_connection.hpp"
#include "storage/redis/redis_scripts.hpp"
#include "storage/retrying_storage.hpp"

// Key layout. A bucket's keys share the prefix P = "lithops:<length of bucket>:<bucket>:", so
// no bucket name (any bytes) can produce another bucket's keys. Under P:
//   index           sorted set of the object keys, all with score 0: ordered by bytes
//   meta:<key>      the object's hash (see redis_scripts.hpp)
//   data:<ver>:<i>  its pieces; <ver> is hex and <i> decimal, so these never meet a meta key
// and "lithops:buckets" is the set of created buckets (its 'b' can never start a length).

namespace lithops::detail {

namespace {

constexpr std::uint64_t kPieceSize = 8ull << 20;  // keeps replies small enough not to stall the server
constexpr std::size_t kFirstBuffer = 64 << 10;     // of a streamed upload of unknown size
constexpr std::size_t kListBatch = 1000;          // keys per ZRANGEBYLEX
constexpr std::size_t kDeleteBatch = 500;         // keys per delete script call
constexpr std::string_view kBuckets = "lithops:buckets";
// Pieces of an upload in progress expire unless the commit keeps them: a writer that dies
// leaves nothing behind for good.
constexpr std::string_view kPendingPieceTtlMs = "86400000";
// How long the pieces of a replaced or deleted multi-piece version stay for readers that are
// still going through them.
constexpr std::string_view kRetiredGraceMs = "60000";

// The scripts are never destroyed: a worker's status writer may still run one after a call's
// exit() has started static destructors.
using Script = RedisScript;

const Script& put_script() {
  static const Script& s = *new Script(redis_scripts::kPut);  // never destroyed: see Script
  return s;
}
const Script& read_script() {
  static const Script& s = *new Script(redis_scripts::kRead);  // never destroyed: see Script
  return s;
}
const Script& delete_script() {
  static const Script& s = *new Script(redis_scripts::kDelete);  // never destroyed: see Script
  return s;
}

struct BucketKeys {
  std::string prefix;
  explicit BucketKeys(const std::string& bucket) : prefix(fmt::format("lithops:{}:{}:", bucket.size(), bucket)) {}
  std::string index() const { return prefix + "index"; }
  std::string meta_prefix() const { return prefix + "meta:"; }
  std::string data_prefix() const { return prefix + "data:"; }
};

std::string_view text(const redisReply& r) { return {r.str, r.len}; }

bool is_noscript(const redisReply& r) { return r.type == REDIS_REPLY_ERROR && text(r).starts_with("NOSCRIPT"); }

std::uint64_t to_u64(std::string_view s, const std::string& what) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    throw StorageError(fmt::format("lithops: redis {}: malformed metadata '{}'", what, s));
  return v;
}

std::string new_version() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

std::string now_ms() {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

/// What a read found: the object's version and, when it fitted, the bytes of the range.
struct Found {
  ObjectInfo info;
  std::uint64_t piece_size = 0;
  std::uint64_t first = 0, last = 0;  // the range clipped to the object
  std::optional<std::string> data;
};

// "(" excludes the bound, "[" includes it; "-" and "+" are the ends of the index.
std::string range_min(const std::string& prefix, const std::string& start_after) {
  if (!start_after.empty() && start_after >= prefix) return "(" + start_after;
  return prefix.empty() ? "-" : "[" + prefix;
}
std::string range_max(const std::string& prefix) {
  std::string s = prefix;  // the first string after every key starting with prefix
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return "+";
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return "(" + s;
}

}  // namespace

struct RedisStorage::Impl {
  RedisPool pool;
  std::string bucket;
  RetryPolicy piece_policy;  // for what only this backend can replay: the steps of a streamed upload
  RetryPolicy once{1};

  Impl(RedisEndpoint endpoint, std::string b, int attempts) : pool(std::move(endpoint)), bucket(std::move(b)) {
    piece_policy.attempts = std::max(1, attempts);
  }

  [[noreturn]] void no_bucket(const std::string& name) const {
    throw NoSuchBucketError(fmt::format("lithops: no bucket '{}' in Redis at {}", name, pool.endpoint().describe()));
  }

  static std::vector<std::string_view> script_call(const Script& s, bool by_sha, std::span<const std::string_view> keys,
                                                   std::span<const std::string_view> args) {
    static constexpr std::string_view kCounts[] = {"0", "1", "2", "3"};
    std::vector<std::string_view> v{by_sha ? "EVALSHA" : "EVAL", by_sha ? std::string_view(s.sha) : s.body,
                                    kCounts[keys.size()]};
    v.insert(v.end(), keys.begin(), keys.end());
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }

  static RedisReply eval(RedisConnection& c, const Script& s, std::initializer_list<std::string_view> keys,
                         std::span<const std::string_view> args) {
    return c.eval(s, std::span(keys.begin(), keys.size()), args);
  }

  void put_inline(const std::string& b, const std::string& key, std::string_view data, const RetryPolicy& policy);
  void put_pieces(const std::string& b, const std::string& key, const std::function<std::string_view()>& next,
                  const RetryPolicy& policy);
  std::optional<Found> read(const std::string& b, const std::string& key, std::optional<ByteRange> range,
                            std::uint64_t max_inline);
  void read_pieces(const std::string& b, const std::string& key, const Found& f, const ByteSink& sink);
  template <class OnBatch>
  void scan(const std::string& b, const std::string& prefix, const std::string& start_after, OnBatch&& on_batch);
};

RedisStorage::RedisStorage(const Config& config) {
  std::string bucket = config.get_string("redis.storage_bucket");
  if (bucket.empty()) throw ConfigError("redis.storage_bucket: empty");
  impl_ = std::make_unique<Impl>(redis_endpoint(config, "redis storage"), std::move(bucket),
                                 static_cast<int>(config.get_int("lithops.storage_attempts")));
}

RedisStorage::~RedisStorage() = default;

const std::string& RedisStorage::bucket() const { return impl_->bucket; }

// ---- put ----

void RedisStorage::Impl::put_inline(const std::string& b, const std::string& key, std::string_view data,
                                    const RetryPolicy& policy) {
  const BucketKeys bk(b);
  const std::string what = fmt::format("put '{}' in bucket '{}'", key, b);
  // One version for every attempt: the script makes a repeated commit a no-op.
  const std::string ver = new_version(), size = std::to_string(data.size()), mtime = now_ms();
  const std::string pieces = data.empty() ? "0" : "1", ps = std::to_string(kPieceSize);
  const std::string index = bk.index(), meta = bk.meta_prefix() + key, data_prefix = bk.data_prefix();
  with_retries(policy, "put", key, [&] {
    RedisConnection c(pool, what);
    const std::string_view args[] = {b, key, data_prefix, ver, size, mtime, pieces, ps, kRetiredGraceMs, "1", data};
    RedisReply r = eval(c, put_script(), {kBuckets, index, meta}, args);
    if (r->integer == -1) no_bucket(b);
  });
}

void RedisStorage::Impl::put_pieces(const std::string& b, const std::string& key,
                                    const std::function<std::string_view()>& next, const RetryPolicy& policy) {
  const BucketKeys bk(b);
  const std::string what = fmt::format("put '{}' in bucket '{}'", key, b);
  with_retries(policy, "put", key, [&] {  // before sending what may be gigabytes
    RedisConnection c(pool, what);
    if (c.call({"SISMEMBER", kBuckets, b})->integer == 0) no_bucket(b);
  });
  const std::string ver = new_version(), data_prefix = bk.data_prefix(), piece_prefix = data_prefix + ver + ":";
  std::uint64_t n = 0, size = 0;
  bool committing = false;
  try {
    for (std::string_view piece = next(); !piece.empty(); piece = next(), ++n) {
      const std::string piece_key = piece_prefix + std::to_string(n);
      with_retries(policy, "put", key, [&] {
        RedisConnection c(pool, what);
        c.call({"SET", piece_key, piece, "PX", kPendingPieceTtlMs});
      });
      size += piece.size();
    }
    const std::string sz = std::to_string(size), pieces = std::to_string(n), ps = std::to_string(kPieceSize);
    const std::string mtime = now_ms(), index = bk.index(), meta = bk.meta_prefix() + key;
    committing = true;
    with_retries(policy, "put", key, [&] {
      RedisConnection c(pool, what);
      const std::string_view args[] = {b, key, data_prefix, ver, sz, mtime, pieces, ps, kRetiredGraceMs, "0"};
      RedisReply r = eval(c, put_script(), {kBuckets, index, meta}, args);
      if (r->integer == -1) no_bucket(b);
      if (r->integer == -2)
        throw StorageError(fmt::format("lithops: redis {}: pieces expired before the upload finished", what));
    });
  } catch (...) {
    // A commit that failed may still have happened (its reply lost): then the pieces are the
    // object. Otherwise they expire by themselves; before the commit, free them now.
    if (committing) throw;
    try {
      RedisConnection c(pool, what);
      for (std::uint64_t i = 0; i <= n; ++i) c.append({"DEL", piece_prefix + std::to_string(i)});
      for (std::uint64_t i = 0; i <= n; ++i) c.reply();
    } catch (const StorageError&) {
    }
    throw;
  }
}

void RedisStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  if (data.size() <= kPieceSize) return impl_->put_inline(bucket, key, data, impl_->once);
  std::size_t at = 0;
  impl_->put_pieces(bucket, key, [&] {
    std::string_view piece = data.substr(at, kPieceSize);
    at += piece.size();
    return piece;
  }, impl_->once);
}

void RedisStorage::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                     std::optional<std::uint64_t> size_hint) {
  // Grown as the source delivers, so that a small upload does not cost a whole piece.
  // The +1 lets the source say it has ended without another growth.
  std::string buffer(size_hint ? std::min<std::uint64_t>(*size_hint, kPieceSize - 1) + 1 : kFirstBuffer, '\0');
  auto fill = [&]() -> std::string_view {  // a whole piece, or what is left of the source
    std::size_t got = 0;
    for (;;) {
      if (got == buffer.size()) {
        if (buffer.size() == kPieceSize) break;
        buffer.resize(std::min<std::size_t>(kPieceSize, buffer.size() * 2));
      }
      const std::size_t n = source(buffer.data() + got, buffer.size() - got);
      if (n == 0) break;
      got += n;
    }
    return {buffer.data(), got};
  };
  std::string_view first = fill();
  // RetryingStorage does not retry a streamed upload (it cannot replay the source): we do.
  if (first.size() < kPieceSize) return impl_->put_inline(bucket, key, first, impl_->piece_policy);
  bool first_sent = false;
  impl_->put_pieces(bucket, key, [&] {
    if (first_sent) return fill();  // the previous piece is written: the buffer is free
    first_sent = true;
    return first;
  }, impl_->piece_policy);
}

// ---- get ----

std::optional<Found> RedisStorage::Impl::read(const std::string& b, const std::string& key,
                                              std::optional<ByteRange> range, std::uint64_t max_inline) {
  const BucketKeys bk(b);
  const std::string what = fmt::format("get '{}' in bucket '{}'", key, b);
  const std::string meta = bk.meta_prefix() + key, data_prefix = bk.data_prefix();
  const std::string first = std::to_string(range ? range->first : 0);
  const std::string last = std::to_string(range ? range->last : UINT64_MAX), max = std::to_string(max_inline);
  RedisConnection c(pool, what);
  const std::string_view args[] = {b, data_prefix, first, last, max};
  RedisReply r = eval(c, read_script(), {kBuckets, meta}, args);
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
    throw StorageError(fmt::format("lithops: redis {}: unexpected reply", what));
  if (r->element[0]->integer == -1) no_bucket(b);
  if (r->element[0]->integer == 0) return std::nullopt;
  if (r->elements < 6) throw StorageError(fmt::format("lithops: redis {}: unexpected reply", what));
  Found f;
  f.info.size = to_u64(text(*r->element[1]), what);
  f.info.last_modified = static_cast<std::int64_t>(to_u64(text(*r->element[2]), what));
  f.info.etag = text(*r->element[3]);
  f.piece_size = to_u64(text(*r->element[5]), what);
  f.first = std::min(range ? range->first : 0, f.info.size);
  f.last = std::max(f.first, std::min(range ? range->last : f.info.size, f.info.size));
  if (f.piece_size == 0) throw StorageError(fmt::format("lithops: redis {}: malformed metadata", what));
  if (r->elements > 6) {
    f.data.emplace(text(*r->element[6]));
    if (f.data->size() != f.last - f.first)  // a piece is missing: never hand out a short object
      throw StorageError(fmt::format("lithops: redis {}: the object's data is incomplete", what));
  } else if (f.first == f.last) {
    f.data.emplace();
  }
  return f;
}

void RedisStorage::Impl::read_pieces(const std::string& b, const std::string& key, const Found& f,
                                     const ByteSink& sink) {
  const std::string what = fmt::format("get '{}' in bucket '{}'", key, b);
  const std::string piece_prefix = BucketKeys(b).data_prefix() + f.info.etag + ":";
  const std::uint64_t ps = f.piece_size;
  RedisConnection c(pool, what);
  // One piece ahead in flight: the server sends the next piece while the sink takes this one.
  auto request = [&](std::uint64_t i) {
    const std::uint64_t start = i * ps;
    c.append({"GETRANGE", piece_prefix + std::to_string(i), std::to_string(std::max(f.first, start) - start),
              std::to_string(std::min(f.last, start + ps) - start - 1)});
  };
  const std::uint64_t first_piece = f.first / ps, end_piece = (f.last - 1) / ps + 1;
  request(first_piece);
  for (std::uint64_t i = first_piece; i < end_piece; ++i) {
    if (i + 1 < end_piece) request(i + 1);
    RedisReply r = c.reply();
    if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
    const std::uint64_t start = i * ps, expected = std::min(f.last, start + ps) - std::max(f.first, start);
    // Pieces are never shorter than their share, unless their version was retired meanwhile.
    if (r->type != REDIS_REPLY_STRING || r->len != expected)
      throw StorageError(fmt::format("lithops: redis {}: the object was replaced or deleted while being read", what));
    sink(text(*r));
  }
}

std::string RedisStorage::get_object(const std::string& bucket, const std::string& key,
                                     std::optional<ByteRange> range) {
  auto f = impl_->read(bucket, key, range, kPieceSize);
  if (!f) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket));
  if (f->data) return std::move(*f->data);
  std::string out;
  out.reserve(f->last - f->first);
  impl_->read_pieces(bucket, key, *f, [&](std::string_view piece) { out.append(piece); });
  return out;
}

void RedisStorage::get_object_stream(const std::string& bucket, const std::string& key,
                                     std::optional<ByteRange> range, const ByteSink& sink) {
  auto f = impl_->read(bucket, key, range, kPieceSize);
  if (!f) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket));
  if (!f->data) return impl_->read_pieces(bucket, key, *f, sink);
  if (!f->data->empty()) sink(*f->data);
}

std::optional<ObjectInfo> RedisStorage::head_object(const std::string& bucket, const std::string& key) {
  auto f = impl_->read(bucket, key, ByteRange{0, 0}, 0);
  if (!f) return std::nullopt;
  return std::move(f->info);
}

// ---- delete ----

void RedisStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  const BucketKeys bk(bucket);
  const std::string what = fmt::format("delete in bucket '{}'", bucket);
  const std::string index = bk.index(), meta_prefix = bk.meta_prefix(), data_prefix = bk.data_prefix();
  const std::string_view script_keys[] = {kBuckets, index};
  auto batch_args = [&](std::size_t from) {
    std::vector<std::string_view> args{bucket, meta_prefix, data_prefix, kRetiredGraceMs};
    for (std::size_t i = from; i < std::min(keys.size(), from + kDeleteBatch); ++i) args.push_back(keys[i]);
    return args;
  };
  RedisConnection c(impl_->pool, what);
  // Every batch in one pipeline; an empty key list still checks the bucket.
  for (std::size_t from = 0; from == 0 || from < keys.size(); from += kDeleteBatch)
    c.append(Impl::script_call(delete_script(), true, script_keys, batch_args(from)));
  std::vector<std::size_t> unknown_script;
  bool missing_bucket = false;
  for (std::size_t from = 0; from == 0 || from < keys.size(); from += kDeleteBatch) {
    RedisReply r = c.reply();
    if (is_noscript(*r)) unknown_script.push_back(from);
    else if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
    else if (r->integer == -1) missing_bucket = true;
  }
  if (missing_bucket) impl_->no_bucket(bucket);
  for (std::size_t from : unknown_script) Impl::eval(c, delete_script(), {kBuckets, index}, batch_args(from));
}

// ---- list ----

template <class OnBatch>
void RedisStorage::Impl::scan(const std::string& b, const std::string& prefix, const std::string& start_after,
                              OnBatch&& on_batch) {
  const std::string what = fmt::format("list '{}' in bucket '{}'", prefix, b);
  const std::string index = BucketKeys(b).index(), max = range_max(prefix), limit = std::to_string(kListBatch);
  std::string min = range_min(prefix, start_after);
  RedisConnection c(pool, what);
  c.append({"SISMEMBER", kBuckets, b});
  for (bool first = true;; first = false) {
    c.append({"ZRANGEBYLEX", index, min, max, "LIMIT", "0", limit});
    if (first) {
      RedisReply member = c.reply();
      if (member->type == REDIS_REPLY_ERROR) c.fail(*member);
      if (member->integer == 0) no_bucket(b);
    }
    RedisReply r = c.reply();
    if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
    std::vector<std::string> keys;
    keys.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) keys.emplace_back(text(*r->element[i]));
    if (keys.empty()) return;
    min = "(" + keys.back();
    const bool more = keys.size() == kListBatch;
    on_batch(c, std::move(keys));
    if (!more) return;
  }
}

std::vector<std::string> RedisStorage::list_keys(const std::string& bucket, const std::string& prefix,
                                                 const std::string& start_after) {
  std::vector<std::string> out;
  impl_->scan(bucket, prefix, start_after, [&](RedisConnection&, std::vector<std::string> keys) {
    if (out.empty()) out = std::move(keys);
    else std::move(keys.begin(), keys.end(), std::back_inserter(out));
  });
  return out;
}

std::vector<ObjectEntry> RedisStorage::list_objects(const std::string& bucket, const std::string& prefix,
                                                    const std::string& start_after) {
  const std::string meta_prefix = BucketKeys(bucket).meta_prefix();
  std::vector<ObjectEntry> out;
  impl_->scan(bucket, prefix, start_after, [&](RedisConnection& c, std::vector<std::string> keys) {
    for (const auto& k : keys) c.append({"HMGET", meta_prefix + k, "size", "mtime", "ver"});
    for (auto& k : keys) {
      RedisReply r = c.reply();
      if (r->type == REDIS_REPLY_ERROR) c.fail(*r);
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING)
        continue;  // deleted since it was listed
      ObjectEntry e{std::move(k), {}};
      e.info.size = to_u64(text(*r->element[0]), c.what());
      e.info.last_modified = static_cast<std::int64_t>(to_u64(text(*r->element[1]), c.what()));
      e.info.etag = text(*r->element[2]);
      out.push_back(std::move(e));
    }
  });
  return out;
}

// ---- buckets ----

bool RedisStorage::bucket_exists(const std::string& bucket) {
  RedisConnection c(impl_->pool, fmt::format("probe bucket '{}'", bucket));
  return c.call({"SISMEMBER", kBuckets, bucket})->integer == 1;
}

void RedisStorage::create_bucket(const std::string& bucket) {
  if (bucket.empty()) throw StorageRequestError("lithops: redis: a bucket name cannot be empty");
  RedisConnection c(impl_->pool, fmt::format("create bucket '{}'", bucket));
  c.call({"SADD", kBuckets, bucket});
}

}  // namespace lithops::detail
