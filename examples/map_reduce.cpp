// map_reduce: map a function over inputs, then one reducer call receives the std::vector of
// all map results, in call order. The results here are a user struct: any type with a
// `serialize(Archive&)` method travels like a built-in one.
#include <lithops/lithops.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

struct TextStats {
  int lines = 0;
  int words = 0;
  template <class A>
  void serialize(A& ar) { ar(lines, words); }
};

TextStats count_words(const std::string& line) {
  std::istringstream in(line);
  TextStats s{1, 0};
  for (std::string word; in >> word;) ++s.words;
  return s;
}

TextStats add_up(const std::vector<TextStats>& parts) {
  TextStats total;
  for (const auto& p : parts) total = {total.lines + p.lines, total.words + p.words};
  return total;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  std::vector<std::string> text{"the quick brown fox", "jumps over", "the lazy dog", "again"};
  TextStats total = fexec.map_reduce(count_words, text, add_up).get();
  std::cout << "lines: " << total.lines << "\nwords: " << total.words << '\n';
  return (total.lines == 4 && total.words == 10) ? 0 : 1;
}
