#pragma once
/// @file package.hpp
/// The deployment package of a Lambda function on the custom runtime `provided.al2023`.
/// Lithops programs are their own workers, so the package is the user's executable with what
/// it needs to run there.
///
/// The runtime is Amazon Linux 2023, whose glibc is 2.34; a program built on Debian 12 needs
/// glibc 2.36 (GLIBC_2.35/2.36 symbols, packed relocations, libstdc++'s GLIBCXX_3.4.30), and
/// would not start on it. So, like AWS's own C++ runtime packager (aws-lambda-cpp's
/// `packager`), the package carries the glibc it was built with, and the dynamic loader of that
/// glibc. The layout (`bundle_glibc`, the default):
///
///     bootstrap                    sh script, 0755: what Lambda runs
///     bin/<executable's name>      the executable, 0755 (debug info stripped, see `strip_debug`)
///     lib/<soname>                 every library `ldd` lists, glibc's own included, 0644
///     lib/ld-linux-x86-64.so.2     the dynamic loader, 0755 (ld-linux-aarch64.so.1 on arm64)
///
/// `bootstrap` runs the program as `lib/<loader> --library-path lib bin/<name> ...`. The loader
/// is invoked explicitly because nothing else would pick the bundled glibc: the executable's
/// PT_INTERP names /lib64/ld-linux-x86-64.so.2, the runtime's own 2.34 loader (which cannot
/// load a 2.36 libc), and Lambda's LD_LIBRARY_PATH puts /lib64 and /usr/lib64 before
/// /var/task/lib, so the runtime's libc.so.6 would be found before ours anyway.
/// `--library-path` replaces LD_LIBRARY_PATH for that one process only: system programs the
/// worker starts (sh, ...) keep the runtime's own glibc. The script exports LITHOPS_EXECUTABLE,
/// LITHOPS_LOADER and LITHOPS_LIBRARY_PATH, with which the program spawns its worker processes
/// through the same loader (its /proc/self/exe is the loader, not the program).
///
/// With `bundle_glibc` off the package is the older layout: `bootstrap` is the executable
/// itself, `lib/` has the libraries beyond glibc (Lambda's LD_LIBRARY_PATH reaches it for
/// those), and everything must run on the runtime's glibc (`max_glibc`, checked).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compute/aws_lambda/elf_glibc.hpp"

namespace lithops::detail::lambda {

/// Lambda's limit on a zip uploaded directly with CreateFunction/UpdateFunctionCode: 50 MB.
inline constexpr std::uint64_t kMaxZippedBytes = 50ull * 1024 * 1024;
/// Lambda's limit on the unzipped function code (layers included): 250 MB.
inline constexpr std::uint64_t kMaxUnzippedBytes = 250ull * 1024 * 1024;
/// The glibc of Amazon Linux 2023, which `provided.al2023` runs on.
inline constexpr const char* kRuntimeGlibc = "2.34";

struct PackageOptions {
  /// Copy every shared library the executable needs that is not part of glibc into `lib/`.
  /// Off: the runtime must provide them all.
  bool bundle_libraries = true;
  /// Carry glibc and its loader in `lib/` and start the program through them (the layout
  /// above). Off: the program runs on the runtime's glibc, and must need at most `max_glibc`.
  bool bundle_glibc = true;
  /// Package the executable with its debug info removed (`strip --strip-debug`), when binutils'
  /// `strip` is on PATH; as it is otherwise.
  bool strip_debug = true;
  std::uint64_t max_zipped_bytes = kMaxZippedBytes;
  std::uint64_t max_unzipped_bytes = kMaxUnzippedBytes;
  /// Without `bundle_glibc`: the newest glibc the executable and the bundled libraries may need.
  std::string max_glibc = kRuntimeGlibc;
};

struct Package {
  std::string zip;                 ///< the zip file's bytes
  std::uint64_t unzipped_size = 0; ///< sum of the entries' sizes
  /// Entry names: "bootstrap", "bin/<name>" (with `bundle_glibc`), then "lib/<soname>" sorted.
  std::vector<std::string> files;
};

/// Builds the zip in the layout above (or, without `bundle_glibc`, the older one); all entries
/// deflated, with fixed timestamps so that the same inputs give the same bytes (and the same
/// CodeSha256). A static executable needs no library: its `bootstrap` runs `bin/<name>` directly
/// (exporting LITHOPS_EXECUTABLE only). `bundle_libraries` off leaves out the libraries that are
/// not glibc's own.
/// @throws lithops::Error if the executable is not a 64-bit little-endian ELF file; if its file
///   name has characters outside [A-Za-z0-9._+-] (with `bundle_glibc`: it is written into the
///   script); if a library cannot be found (`ldd` says "not found"); if the executable or a
///   bundled library needs a glibc newer than the bundled libc.so.6 defines (with
///   `bundle_glibc`) or than `options.max_glibc` (without), naming the file, the version and a
///   symbol; if the zip exceeds `max_zipped_bytes` or its contents `max_unzipped_bytes` (naming
///   both sizes and both limits). Thread-safe; runs `ldd`, and `strip` into a temporary file.
Package build_package(const std::string& executable, const PackageOptions& options = {});

/// What `ldd` lists for an executable.
struct LinkedLibraries {
  /// Every library, glibc's own included, as (soname, resolved path), sorted by soname; neither
  /// the vDSO nor the loader.
  std::vector<std::pair<std::string, std::string>> libraries;
  /// The dynamic loader, from ldd's line for the interpreter: "/lib64/ld-linux-x86-64.so.2".
  /// Empty when `libraries` is (a static executable).
  std::string loader;
};

/// Runs `ldd executable`. A static executable gives nothing.
/// @throws lithops::Error if `ldd` fails, reports a library "not found", or lists libraries but
///   no loader.
LinkedLibraries linked_libraries(const std::string& executable);

/// `linked_libraries(executable).libraries` without glibc's own (`is_glibc_library`).
/// @throws lithops::Error as `linked_libraries`.
std::vector<std::pair<std::string, std::string>> bundled_libraries(const std::string& executable);

/// Whether `soname` is one of glibc's own libraries or loader (libc.so.6, libm.so.6,
/// libpthread.so.0, ld-linux-x86-64.so.2, libnss_*, ...) or the vDSO.
bool is_glibc_library(std::string_view soname);

/// The `bootstrap` script that runs `bin/<executable_name>` through `lib/<loader_name>`
/// (directly when `loader_name` is empty: a static executable).
/// @throws lithops::Error if either name is empty (the executable's), ".", "..", or has a
///   character outside [A-Za-z0-9._+-].
std::string bootstrap_script(const std::string& executable_name, const std::string& loader_name);

}  // namespace lithops::detail::lambda
