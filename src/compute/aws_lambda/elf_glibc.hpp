#pragma once
/// @file elf_glibc.hpp
/// Which glibc an ELF file needs at the least, read from its symbol versions: an executable
/// built on a newer distribution than the one it runs on fails at start with
/// "version `GLIBC_2.38' not found", and this tells so before it is deployed. Also which glibc
/// a libc.so.6 is, from the versions it defines.
#include <string>
#include <string_view>
#include <vector>

namespace lithops::detail::lambda {

/// What one ELF file needs from glibc.
struct GlibcNeeds {
  /// The highest version needed, "GLIBC_2.34"; empty when it needs no versioned glibc symbol
  /// (a static executable, or a library that uses none).
  std::string max_version;
  /// Why: up to a few undefined dynamic symbols bound to `max_version` (e.g.
  /// "__isoc23_strtol"), or "GLIBC_ABI_DT_RELR" (packed relocations, which need glibc 2.36).
  std::vector<std::string> because;
};

/// Reads `.gnu.version_r` (SHT_GNU_verneed) of a 64-bit little-endian ELF file, and
/// `.gnu.version`/`.dynsym` to name the symbols.
/// @throws lithops::Error if the file cannot be read, is not an ELF file, is not 64-bit
///   little-endian, or is malformed (offsets outside the file). Thread-safe.
GlibcNeeds glibc_needs(const std::string& elf_path);

/// `glibc_needs(elf_path).max_version`: "GLIBC_2.34", or empty. Throws as `glibc_needs`.
std::string max_glibc_version(const std::string& elf_path);

/// The highest glibc release version `elf_path` defines in `.gnu.version_d` (SHT_GNU_verdef):
/// "GLIBC_2.36" for Debian 12's libc.so.6, the newest version a program it runs may need.
/// GLIBC_PRIVATE is not a release; GLIBC_ABI_DT_RELR counts as GLIBC_2.36, as in `glibc_needs`.
/// Empty when it defines none (any file that is not glibc's).
/// @throws lithops::Error as `glibc_needs`. Thread-safe.
std::string max_defined_glibc_version(const std::string& elf_path);

/// Compares two dotted version numbers numerically ("2.9" < "2.34" < "2.34.1"); a leading
/// "GLIBC_" on either is ignored. Returns <0, 0 or >0.
int compare_glibc_versions(std::string_view a, std::string_view b);

}  // namespace lithops::detail::lambda
