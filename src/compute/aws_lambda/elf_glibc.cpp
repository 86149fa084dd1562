// Symbol-version requirements (and definitions) of an ELF file, read by hand with <elf.h>: no Debian library
// reads just this without pulling in binutils' libbfd, and the part we need (the section
// headers, one verneed list, one string table) is a hundred lines. Every offset read from the
// file is checked against its size, so a truncated or hostile file gives an error, not a crash.
#include "compute/aws_lambda/elf_glibc.hpp"

#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <set>
#include <utility>

#include "lithops/errors.hpp"

namespace lithops::detail::lambda {

namespace {

constexpr std::string_view kGlibcPrefix = "GLIBC_";
// Packed relative relocations (-z pack-relative-relocs) need a loader that knows them: glibc
// 2.36 introduced both and this marker version.
constexpr std::string_view kDtRelrVersion = "GLIBC_ABI_DT_RELR";
constexpr std::string_view kDtRelrGlibc = "GLIBC_2.36";
constexpr std::size_t kMaxSymbolsNamed = 3;
// The low 15 bits of a .gnu.version entry are the version index; the top bit marks "hidden".
constexpr Elf64_Half kVersymIndexMask = 0x7fff;
// Real verneed lists have a handful of entries (verdef lists: libc.so.6 has about fifty); this
// bounds a loop over a corrupt one.
constexpr unsigned kMaxVerneedEntries = 1 << 16;

class ElfReader {
 public:
  /// `purpose` completes "cannot read ..." in the errors: "the glibc versions '<path>' needs".
  ElfReader(const std::string& path, std::string purpose)
      : path_(path), purpose_(std::move(purpose)), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) fail(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) fail("not a regular file");
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~ElfReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  ElfReader(const ElfReader&) = delete;
  ElfReader& operator=(const ElfReader&) = delete;

  std::uint64_t size() const { return size_; }

  /// Exactly `n` bytes at `offset`, or an error naming `what`.
  std::string read(std::uint64_t offset, std::uint64_t n, const char* what) const {
    if (offset > size_ || n > size_ - offset) fail(fmt::format("malformed ELF file: the file ends before {}", what));
    std::string out(n, '\0');
    std::size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) fail(r < 0 ? std::strerror(errno) : "file shrank while being read");
      done += static_cast<std::size_t>(r);
    }
    return out;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(fmt::format("lithops: cannot read {}: {}", purpose_, why));
  }

 private:
  std::string path_;
  std::string purpose_;
  int fd_;
  std::uint64_t size_ = 0;
};

// A fixed-size ELF structure at `offset` within `bytes` (already read from the file).
template <class T>
T struct_at(const ElfReader& f, const std::string& bytes, std::uint64_t offset, const char* what) {
  if (offset > bytes.size() || sizeof(T) > bytes.size() - offset)
    f.fail(fmt::format("malformed ELF file: {} runs past its section", what));
  T t;
  std::memcpy(&t, bytes.data() + offset, sizeof(T));
  return t;
}

std::string string_at(const ElfReader& f, const std::string& strtab, std::uint64_t offset) {
  if (offset >= strtab.size()) f.fail("malformed ELF file: a name lies outside its string table");
  auto end = strtab.find('\0', offset);
  if (end == std::string::npos) f.fail("malformed ELF file: an unterminated name");
  return strtab.substr(offset, end - offset);
}

std::vector<Elf64_Shdr> section_headers(const ElfReader& f) {
  if (f.size() < EI_NIDENT) f.fail("not an ELF file (too short)");
  std::string ident = f.read(0, EI_NIDENT, "the ELF header");
  if (std::memcmp(ident.data(), ELFMAG, SELFMAG) != 0) f.fail("not an ELF file");
  if (ident[EI_CLASS] != ELFCLASS64)
    f.fail("a 32-bit ELF file; Lambda runs 64-bit executables (x86_64 or arm64)");
  if (ident[EI_DATA] != ELFDATA2LSB) f.fail("a big-endian ELF file; Lambda runs little-endian executables");
  auto eh = struct_at<Elf64_Ehdr>(f, f.read(0, sizeof(Elf64_Ehdr), "the ELF header"), 0, "the ELF header");
  if (eh.e_shoff == 0 || eh.e_shnum == 0) f.fail("the ELF file has no section headers (was it sstrip'ed?)");
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) f.fail("malformed ELF file: unexpected section header size");
  std::string raw = f.read(eh.e_shoff, std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), "the section headers");
  std::vector<Elf64_Shdr> out(eh.e_shnum);
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

std::string section_data(const ElfReader& f, const std::vector<Elf64_Shdr>& sh, std::size_t i, const char* what) {
  if (i >= sh.size()) f.fail(fmt::format("malformed ELF file: {} links to a missing section", what));
  if (sh[i].sh_type == SHT_NOBITS) return {};
  return f.read(sh[i].sh_offset, sh[i].sh_size, what);
}

const Elf64_Shdr* find_section(const std::vector<Elf64_Shdr>& sh, std::uint32_t type, std::size_t* index) {
  for (std::size_t i = 0; i < sh.size(); ++i) {
    if (sh[i].sh_type == type) {
      *index = i;
      return &sh[i];
    }
  }
  return nullptr;
}

// Undefined dynamic symbols whose version index is one of `indices`.
std::vector<std::string> symbols_of(const ElfReader& f, const std::vector<Elf64_Shdr>& sh,
                                    const std::set<Elf64_Half>& indices) {
  std::size_t sym_i = 0, ver_i = 0;
  const Elf64_Shdr* dynsym = find_section(sh, SHT_DYNSYM, &sym_i);
  const Elf64_Shdr* versym = find_section(sh, SHT_GNU_versym, &ver_i);
  if (!dynsym || !versym) return {};
  std::string syms = section_data(f, sh, sym_i, ".dynsym");
  std::string vers = section_data(f, sh, ver_i, ".gnu.version");
  std::string names = section_data(f, sh, dynsym->sh_link, ".dynsym's string table");
  std::vector<std::string> out;
  std::size_t n = std::min(syms.size() / sizeof(Elf64_Sym), vers.size() / sizeof(Elf64_Half));
  for (std::size_t i = 1; i < n && out.size() < kMaxSymbolsNamed; ++i) {
    auto v = struct_at<Elf64_Half>(f, vers, i * sizeof(Elf64_Half), ".gnu.version");
    if (!indices.contains(static_cast<Elf64_Half>(v & kVersymIndexMask))) continue;
    auto s = struct_at<Elf64_Sym>(f, syms, i * sizeof(Elf64_Sym), ".dynsym");
    if (s.st_shndx == SHN_UNDEF) out.push_back(string_at(f, names, s.st_name));
  }
  return out;
}

// "GLIBC_2.34" -> "2.34"; the marker version counts as the release that introduced it.
std::string_view effective_version(std::string_view name) {
  if (name == kDtRelrVersion) name = kDtRelrGlibc;
  return name.substr(kGlibcPrefix.size());
}

bool is_glibc_release(std::string_view name) {
  if (name == kDtRelrVersion) return true;
  return name.starts_with(kGlibcPrefix) && name.size() > kGlibcPrefix.size() &&
         std::isdigit(static_cast<unsigned char>(name[kGlibcPrefix.size()]));  // not GLIBC_PRIVATE
}

}  // namespace

int compare_glibc_versions(std::string_view a, std::string_view b) {
  if (a.starts_with(kGlibcPrefix)) a.remove_prefix(kGlibcPrefix.size());
  if (b.starts_with(kGlibcPrefix)) b.remove_prefix(kGlibcPrefix.size());
  while (!a.empty() || !b.empty()) {
    auto next = [](std::string_view& s) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      s.remove_prefix(static_cast<std::size_t>(p - s.data()));
      if (!s.empty() && s.front() == '.') s.remove_prefix(1);
      return ec == std::errc() ? v : 0u;
    };
    unsigned x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

GlibcNeeds glibc_needs(const std::string& elf_path) {
  ElfReader f(elf_path, fmt::format("the glibc versions '{}' needs", elf_path));
  std::vector<Elf64_Shdr> sh = section_headers(f);
  std::size_t vn_i = 0;
  const Elf64_Shdr* verneed = find_section(sh, SHT_GNU_verneed, &vn_i);
  if (!verneed) return {};
  std::string data = section_data(f, sh, vn_i, ".gnu.version_r");
  std::string names = section_data(f, sh, verneed->sh_link, ".gnu.version_r's string table");

  std::string best;                // effective version, "2.34"
  std::set<Elf64_Half> indices;    // version indices that stand for `best`
  bool dt_relr = false;
  std::uint64_t off = 0;
  for (unsigned i = 0; i < verneed->sh_info && i < kMaxVerneedEntries; ++i) {
    auto vn = struct_at<Elf64_Verneed>(f, data, off, ".gnu.version_r");
    std::uint64_t aux_off = off + vn.vn_aux;
    for (unsigned j = 0; j < vn.vn_cnt; ++j) {
      auto aux = struct_at<Elf64_Vernaux>(f, data, aux_off, ".gnu.version_r");
      std::string name = string_at(f, names, aux.vna_name);
      if (is_glibc_release(name)) {
        dt_relr |= name == kDtRelrVersion;
        std::string_view v = effective_version(name);
        int c = best.empty() ? 1 : compare_glibc_versions(v, best);
        if (c > 0) {
          best = std::string(v);
          indices.clear();
        }
        if (c >= 0 && name != kDtRelrVersion) indices.insert(aux.vna_other);
      }
      if (aux.vna_next == 0) break;
      aux_off += aux.vna_next;
    }
    if (vn.vn_next == 0) break;
    off += vn.vn_next;
  }
  if (best.empty()) return {};
  GlibcNeeds out;
  out.max_version = std::string(kGlibcPrefix) + best;
  if (dt_relr && out.max_version == kDtRelrGlibc) out.because.emplace_back(kDtRelrVersion);
  for (auto& s : symbols_of(f, sh, indices)) out.because.push_back(std::move(s));
  return out;
}

std::string max_glibc_version(const std::string& elf_path) { return glibc_needs(elf_path).max_version; }

std::string max_defined_glibc_version(const std::string& elf_path) {
  ElfReader f(elf_path, fmt::format("which glibc versions '{}' provides", elf_path));
  std::vector<Elf64_Shdr> sh = section_headers(f);
  std::size_t vd_i = 0;
  const Elf64_Shdr* verdef = find_section(sh, SHT_GNU_verdef, &vd_i);
  if (!verdef) return {};
  std::string data = section_data(f, sh, vd_i, ".gnu.version_d");
  std::string names = section_data(f, sh, verdef->sh_link, ".gnu.version_d's string table");

  std::string best;  // effective version, "2.36"
  std::uint64_t off = 0;
  for (unsigned i = 0; i < verdef->sh_info && i < kMaxVerneedEntries; ++i) {
    auto vd = struct_at<Elf64_Verdef>(f, data, off, ".gnu.version_d");
    // The base entry names the file itself ("libc.so.6"); the first aux of the others is the
    // version defined, any further ones its parents.
    if (!(vd.vd_flags & VER_FLG_BASE) && vd.vd_cnt > 0) {
      auto aux = struct_at<Elf64_Verdaux>(f, data, off + vd.vd_aux, ".gnu.version_d");
      std::string name = string_at(f, names, aux.vda_name);
      if (is_glibc_release(name)) {
        std::string_view v = effective_version(name);
        if (best.empty() || compare_glibc_versions(v, best) > 0) best = std::string(v);
      }
    }
    if (vd.vd_next == 0) break;
    off += vd.vd_next;
  }
  return best.empty() ? std::string() : std::string(kGlibcPrefix) + best;
}

}  // namespace lithops::detail::lambda
