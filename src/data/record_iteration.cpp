// Iteration by record over a chunk (ObjectChunk::for_each_record and the typed walks): the
// chunk's bytes stream in pieces that do not follow records, so a record split across pieces
// is carried over; each record is handed out whole, once. The chunk starts at a record (the
// format's align), so the format's record_length can walk from there.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "data/object_source.hpp"
#include "data/record_splitter.hpp"
#include "lithops/data.hpp"

namespace lithops {

namespace {

constexpr auto npos = std::string_view::npos;

void require_format(const ObjectChunk& c, const RecordFormat& wanted, const char* walk) {
  const RecordFormat& got = detail::format_of(c);
  if (&got != &wanted)
    throw std::invalid_argument(fmt::format(
        "lithops: {} over '{}': its chunks were split as {}, not {}: map over "
        "lithops::objects(...).format(lithops::{}())",
        walk, c.key, got.name(), wanted.name(), wanted.name()));
}

std::string_view chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

/// The next line of `rest` (without its end), advancing `rest` past it.
std::string_view take_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl == npos ? rest.size() : nl + 1);
  return chomp(line);
}

}  // namespace

std::vector<std::string> csv_fields(std::string_view row) {
  row = chomp(row);
  std::vector<std::string> out;
  std::string field;
  std::size_t i = 0;
  for (;;) {
    field.clear();
    if (i < row.size() && row[i] == '"') {
      for (++i;; ++i) {
        if (i >= row.size()) throw std::invalid_argument("a quoted field is not closed");
        if (row[i] != '"') {
          field += row[i];
        } else if (i + 1 < row.size() && row[i + 1] == '"') {
          field += '"';  // "" is one quote
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (i < row.size() && row[i] != ',')
        throw std::invalid_argument(fmt::format("a closing quote is followed by '{}', not a comma", row[i]));
    } else {
      const auto comma = row.find(',', i);
      const std::string_view text = row.substr(i, comma == npos ? npos : comma - i);
      if (text.find('"') != npos) throw std::invalid_argument("a quote inside an unquoted field");
      field.assign(text);
      i += text.size();
    }
    out.push_back(field);
    if (i >= row.size()) return out;
    ++i;  // the comma
    if (i == row.size()) {  // a trailing comma: an empty last field
      out.emplace_back();
      return out;
    }
  }
}

namespace detail {

std::size_t RecordSplitter::drain(std::string_view data, bool at_end) {
  std::size_t at = 0;
  while (at < data.size()) {
    const std::size_t n = format_.record_length(data.substr(at), at_end);
    if (n == npos) break;
    if (n == 0 || n > data.size() - at)
      throw std::logic_error(fmt::format("lithops: record format '{}' gave a record length of {} for {} bytes",
                                         format_.name(), n, data.size() - at));
    on_record_(data.substr(at, n));
    at += n;
  }
  return at;
}

void RecordSplitter::feed(std::string_view piece) {
  if (carry_.empty()) {
    carry_.assign(piece.substr(drain(piece, false)));  // most records never leave the piece
  } else {
    carry_.append(piece);
    carry_.erase(0, drain(carry_, false));
  }
}

void RecordSplitter::finish() {
  drain(carry_, true);
  carry_.clear();
}

}  // namespace detail

void ObjectChunk::for_each_record(const std::function<void(std::string_view)>& f) const {
  detail::RecordSplitter splitter(detail::format_of(*this), f);
  read([&](std::string_view piece) { splitter.feed(piece); });
  splitter.finish();
}

void ObjectChunk::for_each_csv_row(const std::function<void(const std::vector<std::string>&)>& f) const {
  require_format(*this, csv(), "for_each_csv_row");
  std::uint64_t row = 0;
  for_each_record([&](std::string_view record) {
    ++row;
    std::vector<std::string> fields;
    try {
      fields = csv_fields(record);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(
          fmt::format("lithops: row {} of chunk {} of '{}' is not RFC 4180 CSV: {}", row, part, key, e.what()));
    }
    f(fields);
  });
}

void ObjectChunk::for_each_fasta(const std::function<void(const FastaRecord&)>& f) const {
  require_format(*this, fasta(), "for_each_fasta");
  FastaRecord r;
  for_each_record([&](std::string_view record) {
    std::string_view header = take_line(record);
    if (!header.empty() && header.front() == '>') header.remove_prefix(1);
    r.header = header;
    r.sequence.clear();
    while (!record.empty()) r.sequence.append(take_line(record));
    f(r);
  });
}

void ObjectChunk::for_each_fastq(const std::function<void(const FastqRecord&)>& f) const {
  require_format(*this, fastq(), "for_each_fastq");
  std::uint64_t n = 0;
  for_each_record([&](std::string_view record) {
    ++n;
    std::string_view lines[4];
    for (auto& l : lines) l = take_line(record);
    const bool ok = !lines[0].empty() && lines[0].front() == '@' && !lines[2].empty() && lines[2].front() == '+' &&
                    lines[1].size() == lines[3].size();
    if (!ok)
      throw std::invalid_argument(fmt::format(
          "lithops: record {} of chunk {} of '{}' is not a FASTQ record (@header, sequence, +, qualities as "
          "long as the sequence): it starts '{}'",
          n, part, key, lines[0].substr(0, 60)));
    f(FastqRecord{lines[0].substr(1), lines[1], lines[3]});
  });
}

}  // namespace lithops
