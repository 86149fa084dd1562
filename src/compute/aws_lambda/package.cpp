// The Lambda deployment zip. Libraries are found with `ldd` rather than by walking DT_NEEDED
// ourselves: ldd is the dynamic loader itself answering, so RPATH/RUNPATH, $ORIGIN,
// LD_LIBRARY_PATH, ld.so.cache and the multiarch directories are resolved exactly as they
// are when the program runs here.
//
// Libraries glibc loads with dlopen are not in ldd's list and are not bundled. The NSS
// modules (libnss_*) need not be: since 2.34 glibc has the "files" and "dns" services built
// in, and a service the runtime's nsswitch.conf names beyond those is loaded from the runtime's
// own directories, as a module built for an older glibc, which the newer one still loads.
#include "compute/aws_lambda/package.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <memory>
#include <sstream>

#include "lithops/errors.hpp"
#include "util/subprocess.hpp"

namespace lithops::detail::lambda {

namespace {

namespace fs = std::filesystem;

constexpr const char* kBootstrap = "bootstrap";
constexpr const char* kBinDir = "bin/";
constexpr const char* kLibDir = "lib/";
constexpr const char* kLibc = "libc.so.6";
constexpr std::uint32_t kExecutableMode = S_IFREG | 0755;
constexpr std::uint32_t kLibraryMode = S_IFREG | 0644;
// Zip entries keep DOS timestamps; a fixed one (1980-01-01 00:00, the earliest DOS date) makes
// the zip a function of its contents only, so an unchanged program uploads as the same code.
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr zip_uint16_t kDosTime = 0;
constexpr auto kLddTimeout = std::chrono::seconds(60);
constexpr auto kStripTimeout = std::chrono::minutes(5);  // hundreds of MB of DWARF
constexpr std::string_view kNameChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-";

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

// glibc's dynamic loader by its file name: ld-linux-x86-64.so.2, ld-linux-aarch64.so.1,
// ld-linux.so.2 (i386), ld64.so.2 (ppc64), ld.so.1 ...
bool is_loader_name(std::string_view name) {
  return name.starts_with("ld-") || name.starts_with("ld64.") || name.starts_with("ld.so");
}

// ---- the glibc checks ----

// What to do about a file that needs a newer glibc than the runtime has (without bundle_glibc).
std::string glibc_advice(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  std::string advice =
      "turn on bundle_glibc (the default), which carries the program's own glibc in the package; or ";
  if (name.starts_with("libstdc++") || name.starts_with("libgcc_s"))
    return advice + "link the program with lithops_portable_executable() (static libstdc++ and libgcc), or build it "
                    "on a distribution whose glibc is at most that of the runtime";
  return advice + "build the program (and the libraries it bundles) on a distribution whose glibc is at most that "
                  "of the runtime (Amazon Linux 2023, RHEL 9, Debian 11, Ubuntu 20.04 ...), or link it against an "
                  "older glibc";
}

std::string because(const GlibcNeeds& needs) {
  return needs.because.empty() ? std::string() : fmt::format(" (for {})", fmt::join(needs.because, ", "));
}

// Without bundle_glibc: against the runtime's glibc.
void check_runtime_glibc(const std::string& path, const GlibcNeeds& needs, const std::string& role,
                         const PackageOptions& opt) {
  if (needs.max_version.empty() || compare_glibc_versions(needs.max_version, opt.max_glibc) <= 0) return;
  throw Error(fmt::format(
      "lithops: cannot deploy to AWS Lambda: {} '{}' needs {}{}, but the provided.al2023 runtime has glibc {}. "
      "To fix it, {}",
      role, path, needs.max_version, because(needs), opt.max_glibc, glibc_advice(path)));
}

// The glibc the package carries, and the check that what it carries can run on it. Always
// true for libraries of one system; it guards a lib directory mixed from two (an LD_LIBRARY_PATH
// or RUNPATH pointing into another installation), which would fail only on Lambda.
struct BundledGlibc {
  std::string libc;      // its path; empty if ldd listed none
  std::string provides;  // "GLIBC_2.36"

  void check(const std::string& path, const GlibcNeeds& needs, const std::string& role,
             const std::string& executable) const {
    if (needs.max_version.empty()) return;
    if (libc.empty()) {
      throw Error(fmt::format(
          "lithops: cannot deploy to AWS Lambda: {} '{}' needs {}{}, but `ldd {}` lists no {} to bundle with it",
          role, path, needs.max_version, because(needs), executable, kLibc));
    }
    if (compare_glibc_versions(needs.max_version, provides) <= 0) return;
    throw Error(fmt::format(
        "lithops: cannot deploy to AWS Lambda: {} '{}' needs {}{}, but the glibc bundled with it ('{}', which "
        "`ldd {}` resolves) provides at most {}. The libraries come from different glibc installations: make "
        "`ldd` resolve all of them on the system the program was built for (check LD_LIBRARY_PATH and the "
        "RUNPATH of the program and of its libraries)",
        role, path, needs.max_version, because(needs), libc, executable, provides));
  }
};

// ---- strip ----

// A file removed when this goes out of scope.
class TempFile {
 public:
  TempFile() = default;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  // Creates an empty file in the temporary directory; false if it cannot.
  bool create(const std::string& stem) {
    std::error_code ec;
    fs::path dir = fs::temp_directory_path(ec);
    if (ec) return false;
    std::string templ = (dir / (stem + ".XXXXXX")).string();
    int fd = ::mkstemp(templ.data());
    if (fd < 0) return false;
    ::close(fd);
    path_ = templ;
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Test programs built RelWithDebInfo are hundreds of MB of DWARF that Lambda never reads, and
// would not fit in the zip. --strip-debug removes only the debug sections: the GNU build-id
// note (the function's name is derived from it) and the dynamic symbol table (by which Lithops
// finds the registered functions) stay. Whenever strip cannot do it (not installed, or a binutils
// that does not know the executable's architecture) the executable is packaged as it is.
// Returns the file to package: `stripped`'s path, or `executable`.
std::string strip_debug(const std::string& executable, TempFile& stripped) {
  if (!stripped.create("lithops-lambda-" + fs::path(executable).filename().string())) return executable;
  CommandResult r =
      run_command({"strip", "--strip-debug", "-o", stripped.path(), executable}, "", kStripTimeout, {{"LC_ALL", "C"}});
  return r.ok() ? stripped.path() : executable;
}

// ---- the zip ----

struct ZipEntry {
  std::string name;
  std::string path;  // the file to read, or empty: the contents are `data`
  std::string data;
  std::uint32_t mode = kLibraryMode;
};

// Owns a zip_t until it is closed (zip_close frees it on success) or discarded.
struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};

[[noreturn]] void zip_fail(const std::string& what, zip_error_t* err) {
  throw Error(fmt::format("lithops: cannot build the Lambda package: {}: {}", what, zip_error_strerror(err)));
}

void add_entry(zip_t* z, const ZipEntry& e) {
  // A file source reads the file, and a buffer source `e.data` (which outlives the archive),
  // when the archive is written, in zip_close.
  zip_source_t* src = e.path.empty() ? zip_source_buffer(z, e.data.data(), e.data.size(), 0)
                                     : zip_source_file(z, e.path.c_str(), 0, -1);
  if (!src) zip_fail("cannot read '" + (e.path.empty() ? e.name : e.path) + "'", zip_get_error(z));
  zip_int64_t i = zip_file_add(z, e.name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (i < 0) {
    zip_source_free(src);
    zip_fail("cannot add " + e.name, zip_get_error(z));
  }
  auto idx = static_cast<zip_uint64_t>(i);
  if (zip_set_file_compression(z, idx, ZIP_CM_DEFLATE, 0) != 0 ||
      zip_file_set_external_attributes(z, idx, 0, ZIP_OPSYS_UNIX, e.mode << 16) != 0 ||
      zip_file_set_dostime(z, idx, kDosTime, kDosDate, 0) != 0)
    zip_fail("cannot set the attributes of " + e.name, zip_get_error(z));
}

std::string write_zip(const std::vector<ZipEntry>& entries) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!buffer) zip_fail("cannot allocate the archive", &err);
  // Kept alive past zip_close, which would otherwise free it with the archive.
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(buffer, zip_source_free);
  std::unique_ptr<zip_t, ZipDiscard> z(zip_open_from_source(buffer, ZIP_TRUNCATE, &err));
  if (!z) zip_fail("cannot open the archive", &err);
  zip_source_keep(buffer);
  for (const ZipEntry& e : entries) add_entry(z.get(), e);
  if (zip_close(z.get()) != 0) zip_fail("cannot write the archive", zip_get_error(z.get()));
  z.release();  // zip_close freed it

  zip_stat_t st;
  if (zip_source_stat(buffer, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(buffer) != 0)
    zip_fail("cannot read the archive back", zip_source_error(buffer));
  std::string out(st.size, '\0');
  zip_int64_t n = zip_source_read(buffer, out.data(), st.size);
  zip_source_close(buffer);
  if (n < 0 || static_cast<zip_uint64_t>(n) != st.size)
    zip_fail("cannot read the archive back", zip_source_error(buffer));
  return out;
}

std::string megabytes(std::uint64_t bytes) { return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0)); }

void check_size(const Package& p, const std::string& executable, const PackageOptions& opt) {
  if (p.zip.size() <= opt.max_zipped_bytes && p.unzipped_size <= opt.max_unzipped_bytes) return;
  throw Error(fmt::format(
      "lithops: the AWS Lambda package of '{}' is too large: {} zipped ({} bytes; limit {} bytes) and {} unzipped "
      "({} bytes; limit {} bytes). Lithops uploads the zip directly (not through S3, which it does not do yet). "
      "To make it smaller: strip the binary (`strip --strip-all {}`; Lithops itself removes only its debug info, "
      "and only when binutils' `strip` is installed), or bundle fewer libraries: link fewer of them, link them "
      "statically, or leave out those the runtime provides ({} files: {})",
      executable, megabytes(p.zip.size()), p.zip.size(), opt.max_zipped_bytes, megabytes(p.unzipped_size),
      p.unzipped_size, opt.max_unzipped_bytes, executable, p.files.size(), fmt::join(p.files, ", ")));
}

std::uint64_t entry_size(const ZipEntry& e) {
  if (e.path.empty()) return e.data.size();
  std::error_code ec;
  auto size = fs::file_size(e.path, ec);  // follows the symlinks ldd reports
  if (ec) throw Error(fmt::format("lithops: cannot read '{}': {}", e.path, ec.message()));
  return size;
}

void check_name(const std::string& name, const std::string& what) {
  if (name.empty() || name == "." || name == ".." || name.find_first_not_of(kNameChars) != std::string::npos) {
    throw Error(fmt::format(
        "lithops: cannot build the AWS Lambda package: the {} '{}' is not a plain file name of the characters "
        "[A-Za-z0-9._+-] (it is written into the package's bootstrap script); rename the {}",
        what, name, what));
  }
}

}  // namespace

bool is_glibc_library(std::string_view soname) {
  static constexpr std::array kGlibc = {
      "libc.so.6",       "libm.so.6",       "libmvec.so.1",           "libpthread.so.0",
      "libdl.so.2",      "librt.so.1",      "libresolv.so.2",         "libutil.so.1",
      "libanl.so.1",     "libnsl.so.1",     "libBrokenLocale.so.1",   "libthread_db.so.1",
      "libc_malloc_debug.so.0", "libmemusage.so", "libpcprofile.so",
  };
  if (is_loader_name(soname) || soname.starts_with("linux-vdso") || soname.starts_with("libnss_")) return true;
  return std::find(kGlibc.begin(), kGlibc.end(), soname) != kGlibc.end();
}

std::string bootstrap_script(const std::string& executable_name, const std::string& loader_name) {
  // The names go into the script between double quotes; with only these characters nothing in
  // them is special to sh.
  check_name(executable_name, "executable's file name");
  if (loader_name.empty()) {
    return fmt::format(
        "#!/bin/sh\n"
        "# Lithops C++ runtime: runs {0}, a static executable (it needs no glibc from the function).\n"
        "root=${{LAMBDA_TASK_ROOT:-/var/task}}\n"
        "export LITHOPS_EXECUTABLE=\"$root/bin/{0}\"\n"
        "exec \"$LITHOPS_EXECUTABLE\" \"$@\"\n",
        executable_name);
  }
  check_name(loader_name, "dynamic loader's file name");
  return fmt::format(
      "#!/bin/sh\n"
      "# Lithops C++ runtime: runs {0} on the glibc it was built with, carried in lib/ (the\n"
      "# function's own glibc is older). Workers are spawned through the same loader (LITHOPS_LOADER).\n"
      "root=${{LAMBDA_TASK_ROOT:-/var/task}}\n"
      "export LITHOPS_EXECUTABLE=\"$root/bin/{0}\" LITHOPS_LOADER=\"$root/lib/{1}\" "
      "LITHOPS_LIBRARY_PATH=\"$root/lib\"\n"
      "exec \"$LITHOPS_LOADER\" --library-path \"$LITHOPS_LIBRARY_PATH\" \"$LITHOPS_EXECUTABLE\" \"$@\"\n",
      executable_name, loader_name);
}

LinkedLibraries linked_libraries(const std::string& executable) {
  // LC_ALL=C: ldd's own messages are translated, and we read them.
  CommandResult r = run_command({"ldd", executable}, "", kLddTimeout, {{"LC_ALL", "C"}});
  std::string all = r.out + r.err;
  if (all.find("not a dynamic executable") != std::string::npos || all.find("statically linked") != std::string::npos)
    return {};
  if (!r.ok()) throw Error(fmt::format("lithops: `ldd {}` failed: {}", executable, r.describe()));
  LinkedLibraries out;
  std::vector<std::string> missing;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    // "\tlibcurl.so.4 => /lib/x86_64-linux-gnu/libcurl.so.4 (0x...)", "\tlibfoo.so.1 => not found",
    // "\tlinux-vdso.so.1 (0x...)", and the interpreter: "\t/lib64/ld-linux-x86-64.so.2 (0x...)".
    auto without_address = [](std::string s) {
      auto paren = s.rfind(" (0x");
      return paren == std::string::npos ? s : trim(std::string_view(s).substr(0, paren));
    };
    auto arrow = line.find(" => ");
    if (arrow == std::string::npos) {
      std::string path = without_address(trim(line));
      if (path.starts_with("/") && is_loader_name(fs::path(path).filename().string())) out.loader = path;
      continue;  // the vDSO (no file), or a DT_NEEDED given as a path (loaded by that path)
    }
    std::string soname = trim(std::string_view(line).substr(0, arrow));
    std::string rest = trim(std::string_view(line).substr(arrow + 4));
    if (soname.starts_with("linux-vdso") || is_loader_name(soname)) continue;  // the loader once more
    if (rest.starts_with("not found")) {
      missing.push_back(soname);
      continue;
    }
    out.libraries.emplace_back(soname, without_address(rest));
  }
  if (!missing.empty()) {
    throw Error(fmt::format(
        "lithops: '{}' needs {}, which the dynamic loader cannot find on this machine (`ldd` says \"not found\"); "
        "install {} or add {} to LD_LIBRARY_PATH",
        executable, fmt::join(missing, ", "), missing.size() == 1 ? "it" : "them",
        missing.size() == 1 ? "its directory" : "their directories"));
  }
  if (!out.libraries.empty() && out.loader.empty()) {
    throw Error(fmt::format("lithops: `ldd {}` lists the libraries it needs but no dynamic loader:\n{}", executable,
                            r.out));
  }
  std::sort(out.libraries.begin(), out.libraries.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> bundled_libraries(const std::string& executable) {
  auto libs = linked_libraries(executable).libraries;
  std::erase_if(libs, [](const auto& lib) { return is_glibc_library(lib.first); });
  return libs;
}

Package build_package(const std::string& executable, const PackageOptions& opt) {
  // Read first: rejects a file that is not a 64-bit ELF before ldd is asked about it.
  GlibcNeeds exe_needs = glibc_needs(executable);
  std::string name = fs::path(executable).filename().string();
  if (opt.bundle_glibc) check_name(name, "executable's file name");
  else check_runtime_glibc(executable, exe_needs, "the executable", opt);

  LinkedLibraries linked = linked_libraries(executable);
  if (linked.libraries.empty() && !exe_needs.max_version.empty()) {
    // ldd says "not a dynamic executable" of a program built for another architecture too.
    throw Error(fmt::format(
        "lithops: cannot build the AWS Lambda package: '{}' needs {} but `ldd` lists no library for it; is it "
        "built for another architecture than this machine's? Build the package on a machine of the function's "
        "architecture",
        executable, exe_needs.max_version));
  }

  TempFile stripped;
  std::string exe_file = opt.strip_debug ? strip_debug(executable, stripped) : executable;

  std::vector<ZipEntry> libs;
  if (opt.bundle_glibc) {
    BundledGlibc glibc;
    for (const auto& [soname, path] : linked.libraries) {
      if (soname == kLibc) glibc = {path, max_defined_glibc_version(path)};
    }
    if (!glibc.libc.empty() && glibc.provides.empty())
      throw Error(fmt::format("lithops: cannot tell which glibc '{}' is: it defines no GLIBC_ version", glibc.libc));
    glibc.check(executable, exe_needs, "the executable", executable);
    for (const auto& [soname, path] : linked.libraries) {
      bool own = is_glibc_library(soname);
      if (!own && !opt.bundle_libraries) continue;
      if (!own) glibc.check(path, glibc_needs(path), "the library it needs", executable);
      libs.push_back({kLibDir + soname, path, {}, kLibraryMode});
    }
    if (!linked.loader.empty())  // run by bootstrap, hence 0755
      libs.push_back({kLibDir + fs::path(linked.loader).filename().string(), linked.loader, {}, kExecutableMode});
  } else if (opt.bundle_libraries) {
    for (const auto& [soname, path] : linked.libraries) {
      if (is_glibc_library(soname)) continue;
      check_runtime_glibc(path, glibc_needs(path), "the library it needs", opt);
      libs.push_back({kLibDir + soname, path, {}, kLibraryMode});
    }
  }
  std::sort(libs.begin(), libs.end(), [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; });

  std::vector<ZipEntry> entries;
  if (opt.bundle_glibc) {
    std::string loader = linked.loader.empty() ? "" : fs::path(linked.loader).filename().string();
    entries.push_back({kBootstrap, {}, bootstrap_script(name, loader), kExecutableMode});
    entries.push_back({kBinDir + name, exe_file, {}, kExecutableMode});
  } else {
    entries.push_back({kBootstrap, exe_file, {}, kExecutableMode});
  }
  std::move(libs.begin(), libs.end(), std::back_inserter(entries));

  Package p;
  for (const ZipEntry& e : entries) {
    p.unzipped_size += entry_size(e);
    p.files.push_back(e.name);
  }
  p.zip = write_zip(entries);
  check_size(p, executable, opt);
  return p;
}

}  // namespace lithops::detail::lambda
