#include "core/build_id.hpp"

#include <elf.h>
#include <fmt/format.h>
#include <link.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

namespace lithops::detail {

namespace {

// Walks the main program's PT_NOTE segments for NT_GNU_BUILD_ID.
int find_build_id(dl_phdr_info* info, std::size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      auto* nh = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const char* name = p + sizeof(ElfW(Nhdr));
      const char* desc = name + ((nh->n_namesz + 3) & ~3u);
      if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        for (unsigned j = 0; j < nh->n_descsz; ++j)
          *out += fmt::format("{:02x}", static_cast<unsigned char>(desc[j]));
        return 1;
      }
      p = desc + ((nh->n_descsz + 3) & ~3u);
    }
  }
  return 1;  // only the first entry (the main program) matters
}

std::string hash_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return fmt::format("sha-{:016x}-{}", std::hash<std::string>{}(bytes), bytes.size());
}

}  // namespace

// The strings below are never destroyed: a worker's status writer thread reads them after a
// call ran exit() and main's static destructors began.

const std::string& self_executable() {
  static const std::string& path = *new std::string([] {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }());
  return path;
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
