// What the runtime store needs to know about an executable on disk: its build id (the value
// build_id() returns inside it), its digest and its CPU architecture.
#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/build_id.hpp"
#include "lithops/errors.hpp"
#include "runtime/runtime_store.hpp"

namespace lithops::detail {

namespace {

constexpr std::size_t kReadPiece = 1 << 20;
// A PT_NOTE segment larger than this is not a real one (ours are a few hundred bytes).
constexpr std::uint64_t kMaxNoteSegment = 1 << 20;

class File {
 public:
  explicit File(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(fmt::format("lithops: cannot open '{}': {}", path, std::strerror(errno)));
  }
  ~File() { ::close(fd_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  /// Up to `n` bytes at `offset`; fewer only at the end of the file.
  std::string read_at(std::uint64_t offset, std::size_t n) const {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw Error(fmt::format("lithops: cannot read '{}': {}", path_, std::strerror(errno)));
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
  }

 private:
  std::string path_;
  int fd_;
};

// The ELF header, when the file is 64-bit ELF in this machine's byte order (everything we can
// read with <elf.h>'s structures as they are). Not ELF at all: nullopt. ELF we cannot read:
// an error, because the build id inside that program would be its note, which we cannot find,
// and the hash fallback would silently name the wrong build.
std::optional<Elf64_Ehdr> elf_header(const File& f, const std::string& path) {
  std::string bytes = f.read_at(0, sizeof(Elf64_Ehdr));
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) return std::nullopt;
  if (static_cast<unsigned char>(bytes[EI_CLASS]) != ELFCLASS64)
    throw Error(fmt::format("lithops: '{}' is a 32-bit ELF file: only 64-bit executables are supported", path));
  const unsigned char native = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (static_cast<unsigned char>(bytes[EI_DATA]) != native)
    throw Error(fmt::format("lithops: '{}' is an ELF file of the other byte order: not supported", path));
  if (bytes.size() < sizeof(Elf64_Ehdr)) throw Error(fmt::format("lithops: '{}' is a truncated ELF file", path));
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  return eh;
}

std::uint64_t program_header_count(const File& f, const Elf64_Ehdr& eh) {
  if (eh.e_phnum != PN_XNUM) return eh.e_phnum;
  // Too many for e_phnum: the count is in the first section header's sh_info (gABI).
  std::string sh = f.read_at(eh.e_shoff, sizeof(Elf64_Shdr));
  if (sh.size() < sizeof(Elf64_Shdr)) return 0;
  Elf64_Shdr first;
  std::memcpy(&first, sh.data(), sizeof first);
  return first.sh_info;
}

}  // namespace

std::string build_id_of_file(const std::string& path) {
  std::optional<Elf64_Ehdr> eh;
  {
    File f(path);
    eh = elf_header(f, path);
    // Only PT_NOTE segments, never sections: build_id() can only see what is loaded, so a
    // note found in a section alone would make the two disagree.
    const std::uint64_t count = eh ? program_header_count(f, *eh) : 0;
    if (eh && eh->e_phentsize >= sizeof(Elf64_Phdr)) {
      for (std::uint64_t i = 0; i < count; ++i) {
        std::string raw = f.read_at(eh->e_phoff + i * eh->e_phentsize, sizeof(Elf64_Phdr));
        if (raw.size() < sizeof(Elf64_Phdr)) break;
        Elf64_Phdr ph;
        std::memcpy(&ph, raw.data(), sizeof ph);
        if (ph.p_type != PT_NOTE || ph.p_filesz > kMaxNoteSegment) continue;
        std::string id = gnu_build_id_in_notes(f.read_at(ph.p_offset, ph.p_filesz), ph.p_align);
        if (!id.empty()) return id;
      }
    }
  }
  return hash_of_file(path);
}

std::string sha256_of_file(const std::string& path) {
  File f(path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw Error("lithops: OpenSSL SHA-256 initialisation failed");
  for (std::uint64_t at = 0;;) {
    std::string piece = f.read_at(at, kReadPiece);
    if (piece.empty()) break;
    if (EVP_DigestUpdate(ctx.get(), piece.data(), piece.size()) != 1) throw Error("lithops: OpenSSL SHA-256 failed");
    at += piece.size();
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) throw Error("lithops: OpenSSL SHA-256 failed");
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

std::string arch_of_file(const std::string& path) {
  File f(path);
  std::optional<Elf64_Ehdr> eh;
  try {
    eh = elf_header(f, path);
  } catch (const Error&) {
    return {};
  }
  if (!eh) return {};
  const bool little = eh->e_ident[EI_DATA] == ELFDATA2LSB;
  switch (eh->e_machine) {
    case EM_X86_64: return "x86_64";
    case EM_AARCH64: return "aarch64";
    case EM_PPC64: return little ? "ppc64le" : "ppc64";
    case EM_S390: return "s390x";
    case EM_RISCV: return "riscv64";
    case EM_LOONGARCH: return "loongarch64";
    default: return {};
  }
}

std::string host_arch() {
  utsname u{};
  return ::uname(&u) == 0 ? std::string(u.machine) : std::string();
}

}  // namespace lithops::detail
