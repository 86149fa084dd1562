// managers: a Manager's dict, list and namespace shared with calls, as Python's
// multiprocessing.Manager(). The objects live until the manager goes.
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing/managers.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace mp = lithops::mp;

// Counts the words of one line into the shared dict, notes the line's length in the list.
void count_words(std::string line, mp::Dict<std::string, int> counts, mp::List<std::size_t> lengths,
                 mp::Namespace ns) {
  std::istringstream in(line);
  for (std::string w; in >> w;) {
    // Dict operations are atomic one by one; a read-modify-write across calls needs care:
    // here each call owns a key prefix, so no two calls update the same key.
    const std::string key = w + "@" + std::to_string(line.size());
    counts.set(key, counts.get(key, 0) + 1);
  }
  lengths.append(line.size());
  ns.set("last_line_seen", line);
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  mp::Manager manager;
  auto counts = manager.dict<std::string, int>();
  auto lengths = manager.list<std::size_t>();
  auto ns = manager.namespace_();
  ns.set("title", std::string("word count"));

  const std::vector<std::string> lines{"to be or not to be", "that is the question", "be quick"};
  for (const auto& f : fexec.map(count_words, lines, lithops::extra_args(counts, lengths, ns))) f.get();

  int words = 0;
  for (const auto& [key, n] : counts.items()) words += n;
  std::printf("%s: %d words in %zu lines, %zu distinct (word, line) pairs\n", ns.get<std::string>("title").c_str(),
              words, lengths.size(), counts.size());
  const bool ok = words == 12 && lengths.size() == 3 && counts.get("be@18") == 2 && ns.has("last_line_seen");
  return ok ? 0 : 1;
}
