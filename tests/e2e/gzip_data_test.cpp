// gzip'd data (issue 15): index_gzip, and maps over the uncompressed records of gzip, BGZF and
// multi-member objects, checked against what zcat (the reference reader) makes of the same
// bytes, compressed by gzip and bgzip themselves; on every storage backend.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <fstream>
#include <random>
#include <sstream>

#include "e2e_support.hpp"

namespace e2e {

// ---- functions the calls run ----

std::string gz_fastq_records(lithops::ObjectChunk chunk) {
  std::string out;
  chunk.for_each_fastq([&](const lithops::FastqRecord& r) { out += fmt::format("{}={}={}\n", r.header, r.sequence, r.quality); });
  return out;
}

std::string gz_chunk_text(lithops::ObjectChunk chunk) { return chunk.read(); }

std::size_t gz_lines(lithops::ObjectChunk chunk) {
  std::size_t n = 0;
  chunk.for_each_line([&](std::string_view) { ++n; });
  return n;
}

namespace {

void run(const std::string& cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }

/// Reads of varying length, some quality lines starting with '@' or '+'.
std::string random_fastq(std::mt19937& rng, std::size_t bytes) {
  static const char bases[] = "ACGTN";
  std::string out;
  for (int i = 0; out.size() < bytes; ++i) {
    const std::size_t len = 30 + rng() % 150;
    std::string seq, qual;
    for (std::size_t k = 0; k < len; ++k) {
      seq += bases[rng() % 5];
      qual += static_cast<char>('!' + rng() % 41);  // '!'..'I': '@' and '+' among them
    }
    out += fmt::format("@read{} lane={}\n{}\n+\n{}\n", i, rng() % 8, seq, qual);
  }
  return out;
}

/// What the records look like to gz_fastq_records, parsed serially from zcat's output.
std::string expected_records(const std::string& text) {
  std::istringstream in(text);
  std::string h, s, p, q, out;
  while (std::getline(in, h) && std::getline(in, s) && std::getline(in, p) && std::getline(in, q))
    out += fmt::format("{}={}={}\n", h.substr(1), s, q);
  return out;
}

}  // namespace

class GzipData : public DataE2E {
 protected:
  GzipData() : DataE2E("gz") {}
  lithops::ObjectData gz(const std::string& rest = "") const {
    return lithops::objects(location(rest)).compression(lithops::Compression::gzip);
  }
  /// Writes `text` to a file of the scratch directory; returns its path.
  std::string file(const std::string& name, const std::string& text) {
    const std::string path = scratch(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  void put_file(const std::string& key, const std::string& path) { storage_->put_object(bucket_, prefix_ + key, slurp(path)); }
  /// zcat's reading of an object (the reference).
  std::string zcat(const std::string& key) {
    const std::string path = scratch("zcat-in.gz");
    std::ofstream(path, std::ios::binary) << storage_->get_object(bucket_, prefix_ + key);
    run(fmt::format("zcat {} > {}.out", path, path));
    return slurp(path + ".out");
  }

;
};

// gzip (one member), a concatenation of two gzip files (two members), and BGZF from bgzip
// with its own .gzi: each read is seen once, in order, whatever the partition.
TEST_P(GzipData, EveryReadIsSeenOnceWhateverThePartition) {
  std::mt19937 rng(15);
  const std::string text = random_fastq(rng, 3 << 20);
  const std::string plain = file("reads.fq", text);
  run(fmt::format("gzip -6 -c {0} > {0}.gz && bgzip -c -i -I {0}.bgz.gzi {0} > {0}.bgz", plain));
  const std::size_t half = text.find("\n@read", text.size() / 2) + 1;
  run(fmt::format("head -c {1} {0} | gzip -1 > {0}.2.gz && tail -c +{2} {0} | gzip -9 >> {0}.2.gz", plain, half, half + 1));
  put_file("one.fq.gz", plain + ".gz");
  put_file("two.fq.gz", plain + ".2.gz");
  put_file("blocks.fq.bgz", plain + ".bgz");
  put_file("blocks.fq.bgz.gzi", plain + ".bgz.gzi");

  // Our index for the gzip ones (small spans: many access points); bgzip's .gzi for BGZF.
  auto summaries = fexec_->get_result(fexec_->map(lithops::index_gzip_span, gz("one.fq.gz"), lithops::extra_args(std::uint64_t{64 << 10})));
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].uncompressed_size, text.size());
  EXPECT_GT(summaries[0].points, 15u);  // at deflate block ends, ~100 KiB of output apart here
  EXPECT_EQ(summaries[0].index_key, prefix_ + "one.fq.gz.gzindex");
  fexec_->get_result(fexec_->map(lithops::index_gzip_span, gz("two.fq.gz"), lithops::extra_args(std::uint64_t{48 << 10})));

  for (const std::string key : {"one.fq.gz", "two.fq.gz", "blocks.fq.bgz"}) {
    const std::string want = expected_records(zcat(key));
    ASSERT_EQ(want, expected_records(text)) << key;
    std::mt19937 parts(std::hash<std::string>{}(key));
    for (int round = 0; round < 4; ++round) {
      auto data = round % 2 ? gz(key).obj_chunk_number(1 + parts() % 23) : gz(key).obj_chunk_size(20000 + parts() % 400000);
      auto records = fexec_->get_result(fexec_->map(gz_fastq_records, data.format(lithops::fastq())));
      std::string got;
      for (const auto& r : records) got += r;
      EXPECT_EQ(got, want) << key << " in " << records.size() << " chunks";
    }
  }
}

TEST_P(GzipData, WholeObjectsNeedNoIndexAndIndexesAreNotMappedOver) {
  const std::string plain = file("t.txt", "first line\nsecond line\nthird\n");
  run(fmt::format("gzip -c {0} > {0}.gz", plain));
  put_file("t.txt.gz", plain + ".gz");
  EXPECT_EQ(fexec_->get_result(fexec_->map(gz_chunk_text, gz())), std::vector<std::string>{slurp(plain)});
  fexec_->get_result(fexec_->map(lithops::index_gzip, gz()));
  EXPECT_NO_THROW(storage_->head_object(bucket_, prefix_ + "t.txt.gz.gzindex"));
  // The prefix now holds the index too: it is not data.
  EXPECT_EQ(fexec_->get_result(fexec_->map(gz_lines, gz().obj_chunk_number(3))), (std::vector<std::size_t>{1, 1, 1}));
}

INSTANTIATE_TEST_SUITE_P(Storages, GzipData, storages(), setup_name);

// ---- bad input: a named error for the calls concerned, never a wrong partition ----

class GzipBadInput : public GzipData {};

TEST_P(GzipBadInput, NotGzipTruncatedMissingOrStaleIndexesAreNamedErrors) {
  std::mt19937 rng(16);
  const std::string text = random_fastq(rng, 400 << 10);
  const std::string plain = file("r.fq", text);
  run(fmt::format("gzip -c {0} > {0}.gz", plain));
  const std::string packed = slurp(plain + ".gz");
  storage_->put_object(bucket_, prefix_ + "plain.gz", text);
  storage_->put_object(bucket_, prefix_ + "cut.gz", packed.substr(0, packed.size() / 2));
  storage_->put_object(bucket_, prefix_ + "ok.gz", packed);

  auto expect_call_error = [&](auto futures, const std::string& what, const std::string& key) {
    try {
      fexec_->get_result(futures);
      ADD_FAILURE() << "no error for " << key;
    } catch (const lithops::RemoteError& e) {
      EXPECT_EQ(e.type_name(), "lithops::DataFormatError") << e.what();
      EXPECT_THAT(e.what(), ::testing::HasSubstr(what));
      EXPECT_THAT(e.what(), ::testing::HasSubstr(key));
    }
  };
  expect_call_error(fexec_->map(lithops::index_gzip, gz("plain.gz")), "is not valid gzip at compressed byte", "plain.gz");
  expect_call_error(fexec_->map(lithops::index_gzip, gz("cut.gz")), "is truncated", "cut.gz");
  expect_call_error(fexec_->map(gz_lines, gz("cut.gz")), "is truncated", "cut.gz");

  // Split without an index: the partitioner says which index and how to build it.
  try {
    fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4));
    ADD_FAILURE() << "split without an index";
  } catch (const lithops::DataFormatError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("ok.gz.gzindex"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("lithops::index_gzip"));
  }
  fexec_->get_result(fexec_->map(lithops::index_gzip, gz("ok.gz")));
  const auto lines = fexec_->get_result(fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4)));
  EXPECT_EQ(std::accumulate(lines.begin(), lines.end(), std::size_t{0}), std::count(text.begin(), text.end(), '\n'));

  // The object replaced after its index was built: another size, then the same size.
  storage_->put_object(bucket_, prefix_ + "ok.gz", packed.substr(0, packed.size() - 1));
  EXPECT_THROW(fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4)), lithops::DataFormatError);
  std::string same_size = packed;
  same_size[same_size.size() - 5] ^= 0x5a;  // its length field: what a different last member shows
  storage_->put_object(bucket_, prefix_ + "ok.gz", same_size);
  try {
    fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4));
    ADD_FAILURE() << "a stale index was used";
  } catch (const lithops::DataFormatError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("does not match"));
  }
  // (That object is not valid gzip any more: its index cannot be rebuilt, and says why.)
  expect_call_error(fexec_->map(lithops::index_gzip, gz("ok.gz")), "incorrect data check", "ok.gz");
  // Another valid gzip under the old index: the way out the error names, rebuilding the index
  // (a whole read, which the stale index must not stop), and the split works again.
  const std::string other_text = random_fastq(rng, 300 << 10);
  run(fmt::format("gzip -c {} > {}.gz", file("other.fq", other_text), scratch("other.fq")));
  storage_->put_object(bucket_, prefix_ + "ok.gz", slurp(scratch("other.fq.gz")));
  EXPECT_THROW(fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4)), lithops::DataFormatError);
  fexec_->get_result(fexec_->map(lithops::index_gzip, gz("ok.gz")));
  const auto again = fexec_->get_result(fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4)));
  EXPECT_EQ(std::accumulate(again.begin(), again.end(), std::size_t{0}),
            static_cast<std::size_t>(std::count(other_text.begin(), other_text.end(), '\n')));
  // An index object that is not one.
  storage_->put_object(bucket_, prefix_ + "ok.gz", packed);
  storage_->put_object(bucket_, prefix_ + "ok.gz.gzindex", "not an index");
  EXPECT_THROW(fexec_->map(gz_lines, gz("ok.gz").obj_chunk_number(4)), lithops::DataFormatError);
}

INSTANTIATE_TEST_SUITE_P(Localhost, GzipBadInput, ::testing::Values(Setup{"pipe", 2}), setup_name);

}  // namespace e2e
