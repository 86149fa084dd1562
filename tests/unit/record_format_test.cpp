// Record alignment (src/data/formats.cpp), property-tested on random data: for any chunk size,
// the chunks' aligned ranges tile the object, and every boundary is a record start, so every
// record belongs to exactly one chunk: none lost, none duplicated. Iteration by record
// (RecordSplitter, what ObjectChunk::for_each_record runs) over each chunk, fed in pieces of
// random sizes, yields exactly that chunk's records; and CSV rows parse into their fields.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "data/record_splitter.hpp"

namespace {

using lithops::ObjectReader;
using lithops::RecordFormat;

class StringReader final : public ObjectReader {
 public:
  explicit StringReader(const std::string& s) : s_(s) {}
  std::uint64_t size() const override { return s_.size(); }
  char at(std::uint64_t o) override { return s_.at(o); }
  std::uint64_t find(char c, std::uint64_t from) override {
    auto p = s_.find(c, from);
    return p == std::string::npos ? s_.size() : p;
  }

 private:
  const std::string& s_;
};

/// The aligned chunks of `data` for nominal chunks of `chunk` bytes (as ObjectChunk computes).
std::vector<std::string> split(const std::string& data, const RecordFormat& f, std::uint64_t chunk) {
  StringReader r(data);
  std::vector<std::string> out;
  for (std::uint64_t first = 0; first < data.size(); first += chunk) {
    std::uint64_t last = std::min<std::uint64_t>(data.size(), first + chunk);
    std::uint64_t a = first == 0 ? 0 : f.align(r, first);
    std::uint64_t b = last >= data.size() ? data.size() : f.align(r, last);
    out.push_back(b > a ? data.substr(a, b - a) : "");
  }
  return out;
}

/// Checks the chunks tile the data and each non-empty chunk is a run of whole records.
void expect_exact(const std::string& data, const std::vector<std::string>& records, const RecordFormat& f,
                  std::uint64_t chunk) {
  auto chunks = split(data, f, chunk);
  std::string joined;
  std::vector<std::string> got;  // records, re-split chunk by chunk
  std::size_t rec = 0;
  std::mt19937 rng(static_cast<unsigned>(chunk));
  for (const auto& c : chunks) {
    joined += c;
    // Walked by record, in pieces of 1 to 40 bytes, the chunk yields its records whole.
    std::vector<std::string> walked;
    lithops::detail::RecordSplitter splitter(f, [&](std::string_view r) { walked.emplace_back(r); });
    for (std::size_t at = 0; at < c.size();) {
      const std::size_t n = std::min<std::size_t>(c.size() - at, 1 + rng() % 40);
      splitter.feed(std::string_view(c).substr(at, n));
      at += n;
    }
    splitter.finish();
    const std::size_t first_rec = rec;
    // Each chunk must consist of whole records in order: consume records while they match.
    std::size_t at = 0;
    while (at < c.size()) {
      ASSERT_LT(rec, records.size()) << f.name() << " chunk " << chunk << ": more bytes than records";
      ASSERT_EQ(c.compare(at, records[rec].size(), records[rec]), 0)
          << f.name() << " chunk size " << chunk << ": a chunk does not start at a record";
      at += records[rec++].size();
    }
    ASSERT_EQ(walked, std::vector<std::string>(records.begin() + static_cast<std::ptrdiff_t>(first_rec),
                                               records.begin() + static_cast<std::ptrdiff_t>(rec)))
        << f.name() << " chunk size " << chunk << ": iteration by record differs";
  }
  EXPECT_EQ(rec, records.size()) << f.name() << " chunk size " << chunk << ": records lost";
  EXPECT_EQ(joined, data) << f.name() << " chunk size " << chunk;
}

std::string random_text(std::mt19937& rng, std::size_t len, const char* alphabet) {
  std::string s;
  const std::size_t n = std::strlen(alphabet);
  for (std::size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % n]);
  return s;
}

std::vector<std::uint64_t> chunk_sizes(std::mt19937& rng, std::size_t size) {
  std::vector<std::uint64_t> out = {1, 2, 3, 7, 16, 64, size / 3 + 1, size};
  for (int i = 0; i < 12; ++i) out.push_back(1 + rng() % (size + 1));
  return out;
}

TEST(RecordFormats, LinesBelongToExactlyOneChunkWhateverTheChunkSize) {
  std::mt19937 rng(1);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> records;
    std::string data;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      // Empty lines, short lines and lines longer than many chunk sizes.
      std::size_t len = rng() % 5 == 0 ? rng() % 400 : rng() % 12;
      records.push_back(random_text(rng, len, "abc xyz\t,\"") + "\n");
    }
    if (round % 3 == 0) records.back().pop_back();  // no final newline
    if (records.back().empty()) records.pop_back();
    for (auto& r : records) data += r;
    if (data.empty()) continue;
    for (auto c : chunk_sizes(rng, data.size())) expect_exact(data, records, lithops::lines(), c);
  }
}

TEST(RecordFormats, BytesSplitExactlyAtTheNominalOffsets) {
  std::string data(1000, 'x');
  auto chunks = split(data, lithops::bytes(), 300);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0].size(), 300u);
  EXPECT_EQ(chunks[3].size(), 100u);
}

// Random RFC 4180 rows: quoted fields with embedded newlines, commas and doubled quotes.
std::string csv_field(std::mt19937& rng) {
  switch (rng() % 5) {
    case 0: return random_text(rng, rng() % 8, "abc123 ");
    case 1: return "\"" + random_text(rng, rng() % 30, "ab,\n ") + "\"";
    case 2: {
      std::string s = "\"";
      for (int i = 0, n = static_cast<int>(rng() % 6); i < n; ++i) s += random_text(rng, rng() % 5, "xy\n") + "\"\"";
      return s + "\"";
    }
    case 3: return "";
    default: return "\"\"";
  }
}

TEST(RecordFormats, CsvRowsWithQuotedNewlinesBelongToExactlyOneChunk) {
  std::mt19937 rng(2);
  for (int round = 0; round < 60; ++round) {
    std::vector<std::string> records;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      std::string row;
      for (int f = 0, fields = 1 + static_cast<int>(rng() % 4); f < fields; ++f) row += (f ? "," : "") + csv_field(rng);
      records.push_back(row + (rng() % 4 == 0 ? "\r\n" : "\n"));
    }
    if (round % 4 == 0) {  // no final newline
      auto& last = records.back();
      while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
      if (last.empty()) records.pop_back();
    }
    std::string data;
    for (auto& r : records) data += r;
    if (data.empty()) continue;
    for (auto c : chunk_sizes(rng, data.size())) expect_exact(data, records, lithops::csv(), c);
  }
}

TEST(RecordFormats, FastaRecordsBelongToExactlyOneChunk) {
  std::mt19937 rng(3);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> records;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      std::string rec = ">seq" + std::to_string(i) + " " + random_text(rng, rng() % 10, "abc |") + "\n";
      for (int l = 0, lines = static_cast<int>(rng() % 5); l < lines; ++l)
        rec += random_text(rng, 1 + rng() % 70, "ACGTN") + "\n";
      records.push_back(rec);
    }
    if (round % 3 == 0) records.back().pop_back();
    std::string data;
    for (auto& r : records) data += r;
    for (auto c : chunk_sizes(rng, data.size())) expect_exact(data, records, lithops::fasta(), c);
  }
}

TEST(RecordFormats, FastqRecordsBelongToExactlyOneChunkEvenWhenQualitiesStartWithAtOrPlus) {
  std::mt19937 rng(4);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> records;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      std::size_t len = 1 + rng() % 60;
      std::string seq = random_text(rng, len, "ACGTN");
      // Qualities are '!'..'~' and may start with '@' or '+', the classic trap.
      std::string qual = random_text(rng, len, "!#+5@AIJ~");
      if (rng() % 3 == 0) qual[0] = rng() % 2 ? '@' : '+';
      records.push_back("@read" + std::to_string(i) + "\n" + seq + "\n+\n" + qual + "\n");
    }
    if (round % 3 == 0) records.back().pop_back();
    std::string data;
    for (auto& r : records) data += r;
    for (auto c : chunk_sizes(rng, data.size())) expect_exact(data, records, lithops::fastq(), c);
  }
}

// A format of the user's own: records separated by a blank line. Only needs static storage.
class Paragraphs final : public RecordFormat {
 public:
  std::string name() const override { return "paragraphs"; }
  std::uint64_t align(ObjectReader& r, std::uint64_t p) const override {
    for (std::uint64_t nl = r.find('\n', p - 1); nl + 1 < r.size(); nl = r.find('\n', nl + 1))
      if (r.at(nl + 1) == '\n') return nl + 2;
    return r.size();
  }
  std::size_t record_length(std::string_view data, bool at_end) const override {
    const auto blank = data.find("\n\n");
    if (blank != std::string_view::npos) return blank + 2;
    return at_end ? data.size() : std::string_view::npos;
  }
};

TEST(RecordFormats, AUserFormatPlugsIn) {
  static const Paragraphs paragraphs;
  std::vector<std::string> records = {"a b\nc\n\n", "d\n\n", "e f g\nh\ni\n\n", "j\n"};
  std::string data;
  for (auto& r : records) data += r;
  for (std::uint64_t c = 1; c <= data.size(); ++c) expect_exact(data, records, paragraphs, c);
}

// ---- CSV fields ----

TEST(CsvFields, QuotesCommasNewlinesAndDoubledQuotesFollowRfc4180) {
  using V = std::vector<std::string>;
  EXPECT_EQ(lithops::csv_fields("a,b,c\n"), (V{"a", "b", "c"}));
  EXPECT_EQ(lithops::csv_fields("a,,c\r\n"), (V{"a", "", "c"}));
  EXPECT_EQ(lithops::csv_fields("\"x, y\",\"line\nbreak\",\"say \"\"hi\"\"\"\n"), (V{"x, y", "line\nbreak", "say \"hi\""}));
  EXPECT_EQ(lithops::csv_fields("a,"), (V{"a", ""}));
  EXPECT_EQ(lithops::csv_fields(""), (V{""}));
  EXPECT_EQ(lithops::csv_fields("\"\",z"), (V{"", "z"}));
}

TEST(CsvFields, RowsThatAreNotRfc4180AreErrorsThatSayWhy) {
  auto why = [](std::string_view row) {
    try {
      lithops::csv_fields(row);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(why("\"open,b\n"), "a quoted field is not closed");
  EXPECT_EQ(why("\"a\"b,c"), "a closing quote is followed by 'b', not a comma");
  EXPECT_EQ(why("a\"b\",c"), "a quote inside an unquoted field");
}

TEST(CsvFields, EveryGeneratedRowParsesBackIntoTheFieldsItWasMadeOf) {
  std::mt19937 rng(5);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> fields;
    std::string row;
    for (int f = 0, n = 1 + static_cast<int>(rng() % 5); f < n; ++f) {
      std::string v = random_text(rng, rng() % 10, "ab,\n\" ");
      fields.push_back(v);
      const bool quote = v.find_first_of(",\n\"") != std::string::npos || rng() % 2;
      std::string cell = v;
      if (quote) {
        cell = "\"";
        for (char ch : v) cell += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        cell += "\"";
      }
      row += (f ? "," : "") + cell;
    }
    EXPECT_EQ(lithops::csv_fields(row + "\n"), fields) << row;
  }
}

}  // namespace
