// Word count over every object under a prefix, split into line-aligned chunks: one call per
// chunk counts its words, and map_reduce adds them up (one total, and one per object).
#include <lithops/lithops.hpp>

#include <cctype>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

std::size_t count_words(lithops::ObjectChunk chunk) {
  std::size_t words = 0;
  chunk.for_each_line([&](std::string_view line) {
    bool in_word = false;
    for (char c : line) {
      bool letter = !std::isspace(static_cast<unsigned char>(c));
      words += letter && !in_word;
      in_word = letter;
    }
  });
  return words;
}

std::size_t add(std::vector<std::size_t> counts) { return std::accumulate(counts.begin(), counts.end(), std::size_t{0}); }

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  lithops::Storage storage = fexec.storage();
  const std::string bucket = storage.bucket();

  // Some text to count: 4 objects of 2,000 lines of 6 words each.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "the quick brown fox jumps over\n";
  for (int i = 0; i < 4; ++i) storage.put_object(bucket, "books/book-" + std::to_string(i) + ".txt", text);

  // One call per 16 KiB chunk of every object under books/.
  auto data = lithops::objects(bucket + "/books/").obj_chunk_size(16 * 1024);
  std::size_t total = fexec.map_reduce(count_words, data, add).get();
  std::cout << "words: " << total << '\n';
  auto per_book = fexec.get_result(fexec.map_reduce(count_words, data, add, lithops::reducer_one_per_object));
  for (std::size_t i = 0; i < per_book.size(); ++i) std::cout << "  book " << i << ": " << per_book[i] << '\n';

  storage.delete_objects(bucket, storage.list_keys(bucket, "books/"));
  return total == 4 * 2000 * 6 && per_book == std::vector<std::size_t>(4, 2000 * 6) ? 0 : 1;
}
