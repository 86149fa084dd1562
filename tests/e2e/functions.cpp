// The functions the end-to-end tests run on workers (declared in e2e_support.hpp).
#include <sys/resource.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <sstream>
#include <thread>

#include "e2e_support.hpp"

namespace e2e {

namespace {
// Crashing on purpose: no core file, which would be slow to write and litter the build tree.
void no_core_dump() {
  rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

[[noreturn]] void crash(const std::string& how) {
  no_core_dump();
  if (how == "segv") std::raise(SIGSEGV);
  if (how == "abort") std::abort();
  if (how == "terminate") std::terminate();
  if (how == "exit3") std::exit(3);
  std::raise(SIGKILL);
  std::abort();
}

/// True the first time it is called for `marker` (across processes): creates the marker.
bool first_time(const std::string& marker) {
  if (std::filesystem::exists(marker)) return false;
  std::ofstream(marker) << "attempted";
  return true;
}

void wait_for_file(const std::string& path) {
  auto until = std::chrono::steady_clock::now() + kGateLimit;
  while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}
}  // namespace

int add_one(int x) { return x + 1; }
int square(int x) { return x * x; }
int add(int a, int b) { return a + b; }
int add3(int x, int a, int b) { return x + a + b; }
int sum_tuple(std::tuple<int, int> t) { return std::get<0>(t) * 10 + std::get<1>(t); }
long long sum_all(std::vector<int> v) {
  long long s = 0;
  for (int x : v) s += x;
  return s;
}
std::vector<int> collect(std::vector<int> v) { return v; }
std::string shout(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s + "!";
}
std::vector<int> iota_n(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}
std::map<std::string, int> count_words(std::string text) {
  std::map<std::string, int> counts;
  std::istringstream in(text);
  for (std::string w; in >> w;) ++counts[w];
  return counts;
}
std::string make_blob(int size) {
  std::string s(static_cast<std::size_t>(size), '\0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 31 + 7);
  return s;
}
std::size_t blob_size(std::string blob) { return blob.size(); }
std::tuple<int, std::string> number_and_name(int x) { return {x, "n" + std::to_string(x)}; }
std::string describe(int x, std::string name) { return name + "=" + std::to_string(x); }
void touch(std::string path) { std::ofstream(path) << "touched"; }
bool in_worker(int) { return lithops::is_worker(); }
int stats_probe(int x) { return x; }
int nested_sum_of_squares(int n, std::string storage_dir) {
  lithops::Config cfg;
  cfg.set("lithops.log_level", "WARNING")
      .set("lithops.progress_bar", false)
      .set("localhost.worker_processes", 1)
      .set("localhost.storage_dir", storage_dir);
  lithops::FunctionExecutor inner(cfg);
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  int sum = 0;
  for (int x : inner.map(square, v).get_result()) sum += x;
  return sum;
}
Point midpoint(Point a, Point b) { return {(a.x + b.x) / 2, (a.y + b.y) / 2}; }

int throw_invalid_argument(int x) { throw std::invalid_argument("bad value " + std::to_string(x)); }
int throw_custom_error(int x) { throw CustomError("custom failure " + std::to_string(x)); }
int throw_int(int x) { throw x; }
int fail_on(int x, int bad) {
  if (x == bad) throw std::invalid_argument("input " + std::to_string(x) + " is bad");
  return x;
}
int crash_on(int x, int bad, std::string how) {
  if (x == bad) crash(how);
  return x;
}
int sleep_on(int x, int slow, double seconds) {
  if (x == slow) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return x;
}

int nap(int x, double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return x;
}

int parent_pid(int) { return static_cast<int>(::getppid()); }

std::size_t words_in_chunk(lithops::ObjectChunk chunk) {
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

std::string env_of(std::string name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

int g_probe = 0;
int probe_global(int) { return g_probe; }

std::string cwd_of(int) { return std::filesystem::current_path().string(); }

std::string process_name(int) {
  std::string name;
  std::getline(std::ifstream("/proc/self/comm"), name);
  return name;
}

int count_then_crash_on(int x, int bad, std::string dir) {
  std::ofstream(dir + "/run-" + std::to_string(x), std::ios::app) << "ran\n";
  if (x == bad) crash("segv");
  return x;
}
int runs_of(const std::string& dir, int x) {
  std::ifstream in(dir + "/run-" + std::to_string(x));
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

int hold_until_open(int x, std::string gate) {
  wait_for_file(gate);
  return x;
}
int started_then_hold(int x, std::string dir, std::string gate) {
  std::ofstream(dir + "/started-" + std::to_string(x)) << ::getpid();
  wait_for_file(gate);
  return x;
}
int hold_if_negative(int x, std::string gate) {
  if (x < 0) wait_for_file(gate);
  return x;
}

int throw_first_time(int x, std::string marker) {
  if (first_time(marker)) throw std::runtime_error("first attempt fails");
  return x;
}
int crash_first_time(int x, std::string marker) {
  if (first_time(marker)) crash("segv");
  return x;
}
int hang_first_time(int x, std::string marker) {
  if (first_time(marker)) std::this_thread::sleep_for(kGateLimit);
  return x;
}
long long SumCrashingFirstTime::operator()(std::vector<int> v) const {
  if (first_time(marker)) crash("segv");
  return sum_all(std::move(v));
}
int always_throw(int x) { throw std::runtime_error("always fails: " + std::to_string(x)); }
int always_crash(int) { crash("segv"); }

}  // namespace e2e
