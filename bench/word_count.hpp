#pragma once
// The word count both storage_bench and remote_bench time: the text they generate, the
// counting, and the call that streams one chunk of it.
#include <lithops/lithops.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace bench {

// Bytes in, words out, with the "inside a word" state carried across buffers.
struct WordCounter {
  std::uint64_t words = 0;
  bool in_word = false;
  // The state is copied into locals for the loop: `p` is a char pointer, which may alias
  // anything, so a loop writing through `this` would store and reload both members at every
  // byte. Where the counter lives behind a reference (a lambda's capture, as in count_chunk)
  // that cost 25 % of the loop's speed against the same loop on a local counter.
  void feed(const char* p, std::size_t n) {
    std::uint64_t w = words;
    bool inside = in_word;
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(p[i]);
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      w += !space && !inside;
      inside = !space;
    }
    words = w;
    in_word = inside;
  }
};

// Streams its chunk (pieces of a few MiB), as a call over big data should.
inline std::uint64_t count_chunk(lithops::ObjectChunk chunk) {
  WordCounter wc;
  chunk.read([&](std::string_view piece) { wc.feed(piece.data(), piece.size()); });
  return wc.words;
}

inline std::uint64_t add(std::vector<std::uint64_t> v) {
  return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
}

// `bytes` of words from a small vocabulary, 12 to a line; the same for the same seed.
inline std::string make_text(std::uint64_t bytes, unsigned seed) {
  static const char* vocab[] = {"lithops", "storage", "the", "of", "serverless", "a", "function", "object",
                                "cloud", "map", "reduce", "chunk", "data", "word", "count", "c++"};
  std::string out;
  out.reserve(bytes + 64);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  int in_line = 0;
  while (out.size() < bytes) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    out += vocab[s % 16];
    out += ++in_line % 12 == 0 ? '\n' : ' ';
  }
  out.resize(bytes);
  out.back() = '\n';
  return out;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace bench
