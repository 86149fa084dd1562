// The gzip access-point index on its own (src/data/gzip_index.*): random ranges of the
// uncompressed bytes read through it equal the same ranges of the original, for gzip at every
// level, several members, BGZF with bgzip's .gzi, spans from 32 KiB up; and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <zlib.h>

#include <fmt/format.h>

#include <random>

#include "data/gzip_index.hpp"
#include "storage/localhost/localhost_storage.hpp"
#include "test_config.hpp"

namespace {

using lithops::ByteRange;
namespace d = lithops::detail;

/// zlib's own gzip writer: one member at `level`.
std::string gzip(std::string_view text, int level) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

/// Text with long repeats (back-references across access points) and random stretches.
std::string mixed_text(std::mt19937& rng, std::size_t bytes) {
  std::string out;
  while (out.size() < bytes) {
    if (rng() % 3 == 0 && out.size() > 5000) {
      const std::size_t from = rng() % (out.size() - 4000);
      out += out.substr(from, 500 + rng() % 3000);
    } else {
      for (int i = 0; i < 200; ++i) out += static_cast<char>('a' + rng() % 26);
      out += '\n';
    }
  }
  return out;
}

class GzipIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    lithops::Config c;
    c.set("localhost.storage_dir", lithops::testing::test_storage_dir());
    st_ = std::make_unique<d::LocalhostStorage>(c);
    bucket_ = "gzindex";
    st_->create_bucket(bucket_);
  }
  /// Stores `packed` and its index; returns the index as read back.
  d::GzipIndex stored(const std::string& key, const std::string& packed, std::uint64_t span) {
    st_->put_object(bucket_, key, packed);
    d::GzipIndexBuilder b(key, span);
    for (std::size_t at = 0; at < packed.size(); at += 7777) b.feed(std::string_view(packed).substr(at, 7777));
    std::uint64_t points = 0, size = 0;
    st_->put_object(bucket_, d::gzip_index_key(key), b.finish(points, size));
    return d::load_gzip_index(*st_, bucket_, key, packed.size());
  }
  std::string read(const std::string& key, std::uint64_t size, const d::GzipIndex* idx, ByteRange r) {
    std::string out;
    d::read_gzip_range(*st_, bucket_, key, size, idx, r, [&](std::string_view p) { out.append(p); });
    return out;
  }
  void expect_random_ranges(const std::string& key, const std::string& packed, const std::string& text,
                            const d::GzipIndex& idx, std::mt19937& rng) {
    ASSERT_EQ(idx.uncompressed_size, text.size());
    for (int i = 0; i < 60; ++i) {
      const std::uint64_t a = rng() % text.size(), b = std::min<std::uint64_t>(text.size(), a + 1 + rng() % 300000);
      ASSERT_EQ(read(key, packed.size(), &idx, ByteRange{a, b}), text.substr(a, b - a)) << key << " [" << a << ", " << b << ")";
    }
    // Every point's own start, and the end.
    for (const auto& p : idx.points)
      ASSERT_EQ(read(key, packed.size(), &idx, ByteRange{p.out, p.out + 10}), text.substr(p.out, 10));
    EXPECT_EQ(read(key, packed.size(), &idx, ByteRange{text.size() - 5, text.size() + 100}), text.substr(text.size() - 5));
  }

  std::unique_ptr<d::StorageBackend> st_;
  std::string bucket_;
};

TEST_F(GzipIndex, RandomRangesEqualTheOriginalAtEveryLevelAndSpan) {
  std::mt19937 rng(1515);
  const std::string text = mixed_text(rng, 2 << 20);
  for (int level : {1, 6, 9}) {
    for (std::uint64_t span : {std::uint64_t{32 << 10}, std::uint64_t{256 << 10}, std::uint64_t{8 << 20}}) {
      const std::string key = fmt::format("t-{}-{}.gz", level, span);
      const std::string packed = gzip(text, level);
      const auto idx = stored(key, packed, span);
      if (span < text.size()) {
        EXPECT_GT(idx.points.size(), 2u) << key;
      }
      EXPECT_TRUE(std::any_of(idx.points.begin() + 1, idx.points.end(), [](auto& p) { return !p.member && p.bits; }) ||
                  idx.points.size() == 1);
      expect_random_ranges(key, packed, text, idx, rng);
      EXPECT_EQ(read(key, packed.size(), nullptr, ByteRange{0, UINT64_MAX}), text);  // no index: whole
    }
  }
}

TEST_F(GzipIndex, SeveralMembersAndZeroPaddingAfterThem) {
  std::mt19937 rng(1516);
  std::string text, packed;
  for (int m = 0; m < 5; ++m) {
    std::string part = mixed_text(rng, 100000 + rng() % 300000);
    packed += gzip(part, 1 + m * 2);
    text += part;
  }
  packed += std::string(512, '\0');  // as tape archives and some writers leave
  const auto idx = stored("multi.gz", packed, 64 << 10);
  EXPECT_GE(std::count_if(idx.points.begin(), idx.points.end(), [](auto& p) { return p.member; }), 2);
  expect_random_ranges("multi.gz", packed, text, idx, rng);
}

TEST_F(GzipIndex, BgzipsOwnIndexIsRead) {
  // BGZF: members of at most 64 KiB with the BC extra field; the .gzi lists every block
  // after the first. Written here with zlib (bgzip itself is used by the e2e test).
  std::mt19937 rng(1517);
  const std::string text = mixed_text(rng, 1 << 20);
  std::string packed, gzi;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks;
  for (std::size_t at = 0; at < text.size(); at += 60000) {
    if (at) blocks.emplace_back(packed.size(), at);
    packed += gzip(std::string_view(text).substr(at, 60000), 6);
  }
  auto put64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) gzi.push_back(static_cast<char>(v >> (8 * i)));
  };
  put64(blocks.size());
  for (auto [c, u] : blocks) put64(c), put64(u);
  st_->put_object(bucket_, "b.fq.gz", packed);
  st_->put_object(bucket_, "b.fq.gz.gzi", gzi);
  const auto idx = d::load_gzip_index(*st_, bucket_, "b.fq.gz", packed.size());
  EXPECT_EQ(idx.source_key, "b.fq.gz.gzi");
  EXPECT_EQ(idx.points.size(), blocks.size() + 1);
  expect_random_ranges("b.fq.gz", packed, text, idx, rng);
  // A .gzi of another object.
  st_->put_object(bucket_, "b.fq.gz", packed.substr(0, packed.size() / 3));
  EXPECT_THROW(d::load_gzip_index(*st_, bucket_, "b.fq.gz", packed.size() / 3), lithops::DataFormatError);
}

TEST_F(GzipIndex, BadInputIsADataFormatErrorNamingTheObject) {
  std::mt19937 rng(1518);
  const std::string text = mixed_text(rng, 300000);
  const std::string packed = gzip(text, 6);
  auto build = [&](std::string_view bytes) {
    d::GzipIndexBuilder b("bucket/x.gz", 32 << 10);
    b.feed(bytes);
    std::uint64_t p = 0, s = 0;
    return b.finish(p, s);
  };
  EXPECT_THAT([&] { build(text); }, ::testing::ThrowsMessage<lithops::DataFormatError>(::testing::HasSubstr("'bucket/x.gz' is not valid gzip")));
  EXPECT_THAT([&] { build(std::string_view(packed).substr(0, packed.size() - 100)); },
              ::testing::ThrowsMessage<lithops::DataFormatError>(::testing::HasSubstr("is truncated")));
  EXPECT_THAT([&] { build(""); }, ::testing::ThrowsMessage<lithops::DataFormatError>(::testing::HasSubstr("is empty")));
  EXPECT_THAT([&] { build(packed + "garbage"); },
              ::testing::ThrowsMessage<lithops::DataFormatError>(::testing::HasSubstr("not another one")));
  // A corrupt byte in the middle: found by the reader too, not handed on as data.
  std::string corrupt = packed;
  corrupt[corrupt.size() / 2] ^= 0x40;
  st_->put_object(bucket_, "c.gz", corrupt);
  EXPECT_THROW(read("c.gz", corrupt.size(), nullptr, ByteRange{0, UINT64_MAX}), lithops::DataFormatError);
  // An index object that is not one, and none at all.
  st_->put_object(bucket_, "d.gz", packed);
  EXPECT_THAT([&] { d::load_gzip_index(*st_, bucket_, "d.gz", packed.size()); },
              ::testing::ThrowsMessage<lithops::DataFormatError>(::testing::HasSubstr("has no index")));
  st_->put_object(bucket_, "d.gz.gzindex", std::string(100, 'x'));
  EXPECT_THAT([&] { d::load_gzip_index(*st_, bucket_, "d.gz", packed.size()); },
              ::testing::ThrowsMessage<lithops::DataFormatError>(::testing::HasSubstr("is not a gzip index")));
}

}  // namespace
