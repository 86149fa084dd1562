// Hand-written ELF reading: the few lines needed to map .symtab beat a dependency (libelf,
// libdw) for one lookup per function per process.
#include "core/symbol_table.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/build_id.hpp"

namespace lithops::detail {

namespace {

using SymbolMap = std::unordered_map<std::uint64_t, std::string>;

SymbolMap read_function_symbols(const std::string& path) {
  SymbolMap out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
    ::close(fd);
    return out;
  }
  auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return out;
  const auto* base = static_cast<const unsigned char*>(map);
  const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
  bool valid = std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_shoff != 0 &&
               eh->e_shoff + std::size_t{eh->e_shnum} * sizeof(ElfW(Shdr)) <= size;
  if (valid) {
    const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; ++i) {
      if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
      const ElfW(Shdr)& strtab = sh[sh[i].sh_link];
      if (sh[i].sh_offset + sh[i].sh_size > size || strtab.sh_offset + strtab.sh_size > size) continue;
      const auto* syms = reinterpret_cast<const ElfW(Sym)*>(base + sh[i].sh_offset);
      const char* names = reinterpret_cast<const char*>(base + strtab.sh_offset);
      for (std::size_t k = 0; k < sh[i].sh_size / sizeof(ElfW(Sym)); ++k) {
        if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC || syms[k].st_name >= strtab.sh_size) continue;
        out.emplace(syms[k].st_value, names + syms[k].st_name);
      }
    }
  }
  ::munmap(map, size);
  return out;
}

// Symbol values are link-time addresses; the offsets we hold are from the lowest PT_LOAD
// address, which a PIE links at 0 and a non-PIE at its fixed base.
std::uint64_t link_base() {
  std::uint64_t lowest = UINT64_MAX;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto* low = static_cast<std::uint64_t*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i)
          if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr < *low)
            *low = info->dlpi_phdr[i].p_vaddr;
        return 1;  // the first entry is the main program
      },
      &lowest);
  return lowest == UINT64_MAX ? 0 : lowest;
}

}  // namespace

std::optional<std::string> local_symbol_at(std::uint64_t offset) {
  static std::once_flag once;
  static SymbolMap* symbols = nullptr;
  static std::uint64_t base = 0;
  std::call_once(once, [] {
    symbols = new SymbolMap(read_function_symbols(self_executable()));
    base = link_base();
  });
  auto it = symbols->find(offset + base);
  if (it == symbols->end()) return std::nullopt;
  return it->second;
}

}  // namespace lithops::detail
