// The built-in record formats. Each `align` depends only on the object's bytes, so the chunks
// on both sides of a boundary agree on it: every record lands in exactly one chunk.
#include <algorithm>

#include "lithops/data.hpp"

namespace lithops {

std::size_t RecordFormat::record_length(std::string_view data, bool at_end) const {
  const auto nl = data.find('\n');
  if (nl != std::string_view::npos) return nl + 1;
  return at_end ? data.size() : std::string_view::npos;
}

namespace {

constexpr auto npos = std::string_view::npos;

/// First line start at or after `p` (p > 0): p itself if the byte before it ends a line.
std::uint64_t next_line_start(ObjectReader& r, std::uint64_t p) {
  if (p == 0) return 0;
  std::uint64_t nl = r.find('\n', p - 1);
  return nl >= r.size() ? r.size() : nl + 1;
}

class Lines final : public RecordFormat {
 public:
  std::string name() const override { return "lines"; }
  std::uint64_t align(ObjectReader& r, std::uint64_t p) const override { return next_line_start(r, p); }
};

class Bytes final : public RecordFormat {
 public:
  std::string name() const override { return "bytes"; }
  std::uint64_t align(ObjectReader&, std::uint64_t p) const override { return p; }
  // No records: the bytes come as they were read.
  std::size_t record_length(std::string_view data, bool) const override { return data.size(); }
};

class Fasta final : public RecordFormat {
 public:
  std::string name() const override { return "fasta"; }
  // A record starts at a line that starts with '>'; sequence lines never do.
  std::uint64_t align(ObjectReader& r, std::uint64_t p) const override {
    for (std::uint64_t x = next_line_start(r, p); x < r.size(); x = next_line_start(r, x + 1))
      if (r.at(x) == '>') return x;
    return r.size();
  }
  // Up to the next line that starts with '>'.
  std::size_t record_length(std::string_view data, bool at_end) const override {
    const auto next = data.find("\n>");
    if (next != npos) return next + 1;
    return at_end ? data.size() : npos;
  }
};

class Fastq final : public RecordFormat {
 public:
  std::string name() const override { return "fastq"; }
  // A record starts at a line L starting with '@' whose line L+2 starts with '+'. A quality
  // line may start with '@', but then line L+2 is the next record's sequence, which never
  // starts with '+'; so the test is exact for four-line records.
  std::uint64_t align(ObjectReader& r, std::uint64_t p) const override {
    for (std::uint64_t x = next_line_start(r, p); x < r.size(); x = next_line_start(r, x + 1)) {
      if (r.at(x) != '@') continue;
      std::uint64_t l1 = next_line_start(r, x + 1);
      if (l1 >= r.size()) break;
      std::uint64_t l2 = next_line_start(r, l1 + 1);
      if (l2 < r.size() && r.at(l2) == '+') return x;
    }
    return r.size();
  }
  // Four lines.
  std::size_t record_length(std::string_view data, bool at_end) const override {
    std::size_t at = 0;
    for (int line = 0; line < 4; ++line) {
      const auto nl = data.find('\n', at);
      if (nl == npos) return at_end ? data.size() : npos;
      at = nl + 1;
    }
    return at;
  }
};

class Csv final : public RecordFormat {
 public:
  std::string name() const override { return "csv"; }

  // Rows end at newlines outside quotes. Whether an offset is inside a quoted field cannot be
  // known without reading from the object's start, so every parser state the byte before the
  // boundary could be in runs forward at once, and RFC 4180 eliminates the impossible ones
  // (outside quotes, a quote that does not open a field; inside, a closing quote not followed
  // by a delimiter or a newline; an unterminated quote at the end). Runs that agree are
  // merged. If more than one survives kWindow bytes there was no quote near the boundary, and
  // the most plausible state (outside quotes) wins. A malformed file falls back to lines.
  static constexpr std::uint64_t kWindow = 1 << 20;

  std::uint64_t align(ObjectReader& r, std::uint64_t p) const override {
    constexpr std::uint64_t kNone = UINT64_MAX;
    struct Run {
      State s;
      std::uint64_t boundary = kNone;
      bool alive = true;
    };
    // In order of plausibility: the answer when the window cannot tell them apart.
    Run runs[4] = {{State::field_start}, {State::mid_field}, {State::quoted}, {State::quote_in_quoted}};
    const std::uint64_t size = r.size();
    const std::uint64_t window_end = std::min(size, p - 1 + kWindow);
    std::uint64_t i = p - 1;
    for (; i < size; ++i) {
      const char c = r.at(i);
      for (auto& run : runs) {
        if (!run.alive) continue;
        bool row_end = false;
        run.s = step(run.s, c, row_end);
        if (run.s == State::dead) run.alive = false;
        else if (row_end && run.boundary == kNone) run.boundary = i + 1;
      }
      // Identical state and boundary: identical from here on.
      for (int a = 0; a < 4; ++a)
        for (int b = a + 1; b < 4; ++b)
          if (runs[a].alive && runs[b].alive && runs[a].s == runs[b].s && runs[a].boundary == runs[b].boundary)
            runs[b].alive = false;
      int alive = 0;
      bool agreed = true;
      std::uint64_t first_boundary = kNone;
      for (auto& run : runs) {
        if (!run.alive) continue;
        if (alive++ == 0) first_boundary = run.boundary;
        if (run.boundary == kNone || run.boundary != first_boundary) agreed = false;
      }
      if (alive == 0) return next_line_start(r, p);  // not RFC 4180
      if (agreed) return first_boundary;
      if (i + 1 >= window_end && i + 1 < size) break;
    }
    if (i >= size) {  // end of the object: an open quote there is a contradiction
      for (auto& run : runs)
        if (run.s == State::quoted) run.alive = false;
    }
    for (auto& run : runs) {
      if (!run.alive) continue;
      if (run.boundary != kNone) return run.boundary;
      // Undecided only by lack of evidence: follow this run to its row end.
      for (std::uint64_t j = i + 1; j < size; ++j) {
        bool row_end = false;
        run.s = step(run.s, r.at(j), row_end);
        if (row_end) return j + 1;
        if (run.s == State::dead) return next_line_start(r, p);
      }
      return size;
    }
    return next_line_start(r, p);
  }

  // A record starts outside quotes, and ends at the first newline outside them.
  std::size_t record_length(std::string_view data, bool at_end) const override {
    State st = State::field_start;
    for (std::size_t i = 0; i < data.size(); ++i) {
      bool row_end = false;
      st = step(st, data[i], row_end);
      if (row_end) return i + 1;
      if (st == State::dead) {  // not RFC 4180 here: the line is the record
        const auto nl = data.find('\n', i);
        if (nl != npos) return nl + 1;
        break;
      }
    }
    return at_end ? data.size() : npos;
  }

 private:
  enum class State : std::uint8_t { field_start, mid_field, quoted, quote_in_quoted, dead };

  static State step(State s, char c, bool& row_end) {
    switch (s) {
      case State::field_start:
        if (c == '"') return State::quoted;
        if (c == '\n') row_end = true;
        return (c == ',' || c == '\n' || c == '\r') ? State::field_start : State::mid_field;
      case State::mid_field:
        if (c == '"') return State::dead;
        if (c == '\n') row_end = true;
        return (c == ',' || c == '\n' || c == '\r') ? State::field_start : State::mid_field;
      case State::quoted:
        return c == '"' ? State::quote_in_quoted : State::quoted;
      case State::quote_in_quoted:
        if (c == '"') return State::quoted;  // an escaped quote
        if (c == '\n') row_end = true;
        return (c == ',' || c == '\n' || c == '\r') ? State::field_start : State::dead;
      case State::dead: return State::dead;
    }
    return State::dead;
  }
};

}  // namespace

const RecordFormat& lines() {
  static const Lines f;
  return f;
}
const RecordFormat& bytes() {
  static const Bytes f;
  return f;
}
const RecordFormat& fasta() {
  static const Fasta f;
  return f;
}
const RecordFormat& fastq() {
  static const Fastq f;
  return f;
}
const RecordFormat& csv() {
  static const Csv f;
  return f;
}

}  // namespace lithops
