#pragma once
// The Lua scripts RedisStorage runs on the server. Each one is a single atomic step: an object
// is switched to a new version (value, metadata and index entry together), read, or deleted
// without any reader seeing a half-done state. They build the keys of a bucket from the
// prefixes they are given (see redis_storage.cpp for the layout), which standalone Redis
// allows.
//
// An object is a hash `meta:<key>` {size, mtime, ver, n, ps} and `n` pieces
// `data:<ver>:<i>` of `ps` bytes each (the last one shorter). `ver` is random and new for
// every put: it is the etag, and pieces of different versions never share a key.
#include <string_view>

namespace lithops::detail::redis_scripts {

// Frees the pieces of a version that is no longer the object. A reader of a multi-piece object
// reads its pieces over several calls, so those are kept for a grace period; a single piece is
// only ever read inside one script call, so it goes at once.
#define LITHOPS_REDIS_RETIRE                                                                     \
  "local function retire(prefix, n, grace)\n"                                                     \
  "  for i = 0, n - 1 do\n"                                                                       \
  "    if n > 1 then redis.call('PEXPIRE', prefix .. i, grace) else redis.call('DEL', prefix .. i) end\n" \
  "  end\n"                                                                                       \
  "end\n"

/// KEYS: buckets set, bucket index, object meta.
/// ARGV: bucket, key, data prefix, ver, size, mtime, n, ps, grace ms, inline ("1": ARGV[11] is
/// the only piece; "0": the n pieces were written before, with an expiry this lifts).
/// Returns 1, -1 without the bucket, -2 if a written piece is gone. Running it again for the
/// same version is a no-op, so a commit whose reply was lost can be retried.
constexpr std::string_view kPut = LITHOPS_REDIS_RETIRE R"lua(
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return -1 end
local old = redis.call('HMGET', KEYS[3], 'ver', 'n')
if old[1] == ARGV[4] then return 1 end
local piece = ARGV[3] .. ARGV[4] .. ':'
local n = tonumber(ARGV[7])
if ARGV[10] == '1' then
  if n > 0 then redis.call('SET', piece .. 0, ARGV[11]) end
else
  for i = 0, n - 1 do
    if redis.call('EXISTS', piece .. i) == 0 then return -2 end
  end
  for i = 0, n - 1 do redis.call('PERSIST', piece .. i) end
end
redis.call('HSET', KEYS[3], 'size', ARGV[5], 'mtime', ARGV[6], 'ver', ARGV[4], 'n', ARGV[7], 'ps', ARGV[8])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
if old[1] then retire(ARGV[3] .. old[1] .. ':', tonumber(old[2]), ARGV[9]) end
return 1
)lua";

/// KEYS: buckets set, object meta. ARGV: bucket, data prefix, first, last, max inline bytes.
/// Returns {-1} without the bucket, {0} without the object, else {1, size, mtime, ver, n, ps}
/// plus the bytes of [first, last) clipped to the object when there are some and no more than
/// the maximum: a read of up to that size sees exactly one version.
constexpr std::string_view kRead = R"lua(
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return {-1} end
local m = redis.call('HMGET', KEYS[2], 'size', 'mtime', 'ver', 'n', 'ps')
if not m[1] then return {0} end
local size, ps = tonumber(m[1]), tonumber(m[5])
local first, last = math.min(tonumber(ARGV[3]), size), math.min(tonumber(ARGV[4]), size)
local reply = {1, m[1], m[2], m[3], m[4], m[5]}
if last > first and last - first <= tonumber(ARGV[5]) then
  local piece, parts = ARGV[2] .. m[3] .. ':', {}
  for i = math.floor(first / ps), math.floor((last - 1) / ps) do
    local s = i * ps
    parts[#parts + 1] = redis.call('GETRANGE', piece .. i, math.max(first, s) - s, math.min(last, s + ps) - s - 1)
  end
  reply[7] = table.concat(parts)
end
return reply
)lua";

/// KEYS: buckets set, bucket index. ARGV: bucket, meta prefix, data prefix, grace ms, keys...
/// Returns 1, or -1 without the bucket. Missing keys are skipped.
constexpr std::string_view kDelete = LITHOPS_REDIS_RETIRE R"lua(
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return -1 end
for j = 5, #ARGV do
  local meta = ARGV[2] .. ARGV[j]
  local old = redis.call('HMGET', meta, 'ver', 'n')
  if old[1] then
    redis.call('DEL', meta)
    retire(ARGV[3] .. old[1] .. ':', tonumber(old[2]), ARGV[4])
  end
  redis.call('ZREM', KEYS[2], ARGV[j])
end
return 1
)lua";

#undef LITHOPS_REDIS_RETIRE

}  // namespace lithops::detail::redis_scripts
