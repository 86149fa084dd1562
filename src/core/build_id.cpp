#include "core/build_id.hpp"

#include <elf.h>
#include <fmt/format.h>
#include <link.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

namespace lithops::detail {

namespace {

// The main program's PT_NOTE segments, searched for NT_GNU_BUILD_ID.
int find_build_id(dl_phdr_info* info, std::size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  for (int i = 0; i < info->dlpi_phnum && out->empty(); ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    *out = gnu_build_id_in_notes(std::string_view(p, ph.p_memsz), ph.p_align);
  }
  return 1;  // only the first entry (the main program) matters
}

}  // namespace

std::string gnu_build_id_in_notes(std::string_view notes, std::size_t align) {
  // Notes are 4-byte aligned unless the segment says 8 (gABI): the desc and the next note
  // start at the next multiple of that from the segment's start (as libelf reads them).
  const std::size_t a = align == 8 ? 8 : 4;
  auto padded = [a](std::size_t n) { return (n + a - 1) & ~(a - 1); };
  std::size_t at = 0;
  while (at + sizeof(ElfW(Nhdr)) <= notes.size()) {
    ElfW(Nhdr) nh;
    std::memcpy(&nh, notes.data() + at, sizeof nh);  // a file's bytes need not be aligned
    const std::size_t name = at + sizeof nh;
    const std::size_t desc = padded(name + nh.n_namesz);
    if (desc > notes.size() || nh.n_descsz > notes.size() - desc) break;  // truncated: no note here
    if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && std::memcmp(notes.data() + name, "GNU", 4) == 0) {
      std::string hex;
      for (std::size_t j = 0; j < nh.n_descsz; ++j)
        hex += fmt::format("{:02x}", static_cast<unsigned char>(notes[desc + j]));
      return hex;
    }
    at = padded(desc + nh.n_descsz);
  }
  return {};
}

std::string hash_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return fmt::format("sha-{:016x}-{}", std::hash<std::string>{}(bytes), bytes.size());
}

// The strings below are never destroyed: a worker's status writer thread reads them after a
// call ran exit() and main's static destructors began.

const std::string& self_executable() {
  static const std::string& path = *new std::string([] {
    // Run through a carried loader (a Lambda package: `ld.so --library-path lib bin/prog`),
    // /proc/self/exe is the loader; the package's bootstrap names the program itself.
    if (const char* exe = std::getenv(kExecutableEnv); exe && *exe) return std::string(exe);
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }());
  return path;
}

const std::vector<std::string>& self_launch_prefix() {
  static const std::vector<std::string>& prefix = *new std::vector<std::string>([] {
    std::vector<std::string> p;
    const char* loader = std::getenv(kLoaderEnv);
    const char* libs = std::getenv(kLibraryPathEnv);
    if (loader && *loader) {
      p.push_back(loader);
      if (libs && *libs) p.insert(p.end(), {"--library-path", libs});
    }
    return p;
  }());
  return prefix;
}

const std::string& build_id() {
  static const std::string& id = *new std::string([] {
    std::string s;
    dl_iterate_phdr(find_build_id, &s);
    return s.empty() ? hash_of_file(self_executable()) : s;
  }());
  return id;
}

const std::string& host_name() {
  static const std::string& name = *new std::string([] {
    char buf[256] = {};
    gethostname(buf, sizeof(buf) - 1);
    return std::string(buf);
  }());
  return name;
}

}  // namespace lithops::detail
