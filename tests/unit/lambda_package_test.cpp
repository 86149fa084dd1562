// The AWS Lambda deployment package, read back with libzip: the bootstrap script, the
// executable and the bundled glibc, loader and libraries, their modes and bytes; programs run
// from an unzipped package through its own loader; the glibc checks (with the ELF reader behind
// them), strip and the size limits. Uses the system's /usr/bin/curl (it needs libcurl), the
// static /sbin/ldconfig, and small programs it compiles with `cc` and `c++`.
#include <elf.h>
#include <gmock/gmock.h>
#include <gnu/libc-version.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>

#include "compute/aws_lambda/package.hpp"
#include "lithops/errors.hpp"
#include "util/subprocess.hpp"
#include "zip_support.hpp"

using namespace lithops::detail::lambda;
using lithops::detail::run_command;
using lithops::testing::Entry;
using lithops::testing::extract;
using lithops::testing::unzip;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace {

namespace fs = std::filesystem;

const std::string kCurl = "/usr/bin/curl";
const std::string kTrue = "/bin/true";
#if defined(__x86_64__)
const std::string kLoaderName = "ld-linux-x86-64.so.2";
const std::string kSystemLibc = "/lib/x86_64-linux-gnu/libc.so.6";
#elif defined(__aarch64__)
const std::string kLoaderName = "ld-linux-aarch64.so.1";
const std::string kSystemLibc = "/lib/aarch64-linux-gnu/libc.so.6";
#endif

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

fs::path temp_dir(const std::string& name) {
#ifdef LITHOPS_TEST_TMP
  fs::path base = LITHOPS_TEST_TMP;
#else
  fs::path base = "/tmp";
#endif
  fs::path d = base / ("lambda_package_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// The `curl` program comes with the test servers' packages (install-deps.sh --servers).
#define LITHOPS_REQUIRE_CURL() \
  if (!fs::exists(kCurl)) GTEST_SKIP() << kCurl << " is not installed"

// Deflating curl, its thirty libraries and glibc takes a second or two: built once, shared.
const Package& curl_package() {
  static const Package p = build_package(kCurl);
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const lithops::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no lithops::Error";
  return {};
}

// The GNU build-id of an ELF file as `readelf -n` prints it ("Build ID: 1f2e..."), or "".
std::string build_id_of(const std::string& path) {
  auto r = run_command({"readelf", "-n", path}, "", std::chrono::seconds(60), {{"LC_ALL", "C"}});
  EXPECT_TRUE(r.ok()) << r.describe();
  auto at = r.out.find("Build ID: ");
  if (at == std::string::npos) return {};
  std::istringstream in(r.out.substr(at + 10));
  std::string id;
  in >> id;
  return id;
}

bool has_strip() { return run_command({"strip", "--version"}).ok(); }

// A program that needs glibc 2.36 (arc4random) and prints what it was started with: how
// LITHOPS_* were set, its argv, and which libc.so.6 it runs on. Built with debug info, once.
// hello_program(): the path of the compiled program, or why there is none.
constexpr const char* kHelloSource = R"src(#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
int main(int argc, char** argv) {
  for (const char* v : {"LITHOPS_EXECUTABLE", "LITHOPS_LOADER", "LITHOPS_LIBRARY_PATH"}) {
    const char* s = std::getenv(v);
    std::printf("%s=%s\n", v, s ? s : "(unset)");
  }
  for (int i = 0; i < argc; ++i) std::printf("argv[%d]=%s\n", i, argv[i]);
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  char line[4096];
  while (maps && std::fgets(line, sizeof line, maps)) {
    const char* path = std::strchr(line, '/');
    if (path && std::strstr(path, "/libc.so.6\n")) {
      std::printf("libc=%s", path);
      break;
    }
  }
  if (maps) std::fclose(maps);
  std::printf("random=%u\n", arc4random() | 1u);
}
)src";

struct Compiled {
  std::string path;  // empty if it could not be built: then `skip` or `error` says why
  std::string skip;
  std::string error;
  fs::path dir;
  ~Compiled() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

const Compiled& hello_program() {
  static const Compiled c = [] {
    fs::path d = temp_dir("hello");
    std::ofstream(d / "hello.cpp") << kHelloSource;
    auto r = run_command({"c++", "-g", "-O0", "-o", (d / "hello").string(), (d / "hello.cpp").string()}, "",
                         std::chrono::minutes(2));
    if (r.ok()) return Compiled{(d / "hello").string(), {}, {}, d};
    if (r.status == -1) return Compiled{{}, "no C++ compiler", {}, d};
    if (r.err.find("arc4random") != std::string::npos) return Compiled{{}, "no arc4random (glibc before 2.36)", {}, d};
    return Compiled{{}, {}, r.describe() + "\n" + r.err, d};
  }();
  return c;
}

#define LITHOPS_REQUIRE_HELLO()                                               \
  if (!hello_program().skip.empty()) GTEST_SKIP() << hello_program().skip;    \
  ASSERT_TRUE(hello_program().error.empty()) << hello_program().error

// ---- the layout ----

TEST(LambdaPackage, BootstrapBinAndLibWithTheirModes) {
  LITHOPS_REQUIRE_CURL();
  const Package& p = curl_package();
  auto entries = unzip(p.zip);

  ASSERT_TRUE(entries.count("bootstrap"));
  const Entry& b = entries["bootstrap"];
  EXPECT_EQ(b.data, bootstrap_script("curl", kLoaderName));
  EXPECT_EQ(b.opsys, ZIP_OPSYS_UNIX);
  EXPECT_EQ(b.mode & 07777, 0755u);
  EXPECT_TRUE(S_ISREG(b.mode));
  EXPECT_EQ(b.method, ZIP_CM_DEFLATE);

  ASSERT_TRUE(entries.count("bin/curl"));
  EXPECT_EQ(entries["bin/curl"].mode & 07777, 0755u);
  EXPECT_TRUE(S_ISREG(entries["bin/curl"].mode));
  EXPECT_EQ(entries["bin/curl"].method, ZIP_CM_DEFLATE);

  ASSERT_TRUE(entries.count("lib/libc.so.6"));
  EXPECT_EQ(entries["lib/libc.so.6"].data, slurp(fs::canonical(kSystemLibc)));
  EXPECT_EQ(entries["lib/libc.so.6"].mode & 07777, 0644u);
  ASSERT_TRUE(entries.count("lib/" + kLoaderName));
  EXPECT_EQ(entries["lib/" + kLoaderName].data, slurp(fs::canonical(linked_libraries(kCurl).loader)));
  EXPECT_EQ(entries["lib/" + kLoaderName].mode & 07777, 0755u);  // bootstrap runs it
  ASSERT_TRUE(entries.count("lib/libcurl.so.4"));
  EXPECT_EQ(entries["lib/libcurl.so.4"].data, slurp(fs::canonical("/usr/lib/x86_64-linux-gnu/libcurl.so.4")));
  EXPECT_EQ(entries["lib/libcurl.so.4"].mode & 07777, 0644u);
  EXPECT_TRUE(entries.count("lib/libresolv.so.2"));  // glibc's own, as ldd lists it for curl

  for (const auto& [name, e] : entries) {
    EXPECT_THAT(name, Not(HasSubstr("vdso"))) << name;
    EXPECT_TRUE(name == "bootstrap" || name == "bin/curl" || name.starts_with("lib/")) << name;
  }
  // Every library ldd lists, and the loader.
  EXPECT_EQ(entries.size(), 2 + linked_libraries(kCurl).libraries.size() + 1);

  std::uint64_t total = 0;
  for (const auto& [name, e] : entries) total += e.data.size();
  EXPECT_EQ(p.unzipped_size, total);
  ASSERT_EQ(p.files.size(), entries.size());
  EXPECT_EQ(p.files[0], "bootstrap");
  EXPECT_EQ(p.files[1], "bin/curl");
  EXPECT_TRUE(std::is_sorted(p.files.begin() + 2, p.files.end()));
}

TEST(LambdaPackage, BootstrapScriptIsExactlyThis) {
  EXPECT_EQ(bootstrap_script("my_prog-1.0+x", "ld-linux-x86-64.so.2"),
            "#!/bin/sh\n"
            "# Lithops C++ runtime: runs my_prog-1.0+x on the glibc it was built with, carried in lib/ (the\n"
            "# function's own glibc is older). Workers are spawned through the same loader (LITHOPS_LOADER).\n"
            "root=${LAMBDA_TASK_ROOT:-/var/task}\n"
            "export LITHOPS_EXECUTABLE=\"$root/bin/my_prog-1.0+x\" LITHOPS_LOADER=\"$root/lib/ld-linux-x86-64.so.2\" "
            "LITHOPS_LIBRARY_PATH=\"$root/lib\"\n"
            "exec \"$LITHOPS_LOADER\" --library-path \"$LITHOPS_LIBRARY_PATH\" \"$LITHOPS_EXECUTABLE\" \"$@\"\n");
  EXPECT_THAT(bootstrap_script("prog", "ld-linux-aarch64.so.1"),
              HasSubstr("LITHOPS_LOADER=\"$root/lib/ld-linux-aarch64.so.1\""));
  std::string static_script = bootstrap_script("prog", "");
  EXPECT_THAT(static_script, HasSubstr("export LITHOPS_EXECUTABLE=\"$root/bin/prog\"\n"));
  EXPECT_THAT(static_script, HasSubstr("exec \"$LITHOPS_EXECUTABLE\" \"$@\"\n"));
  EXPECT_THAT(static_script, Not(HasSubstr("LITHOPS_LOADER")));
  for (std::string bad : {"my prog", "a$b", "a\"b", "a`b`", "", ".", "..", "x/y", "é"}) {
    std::string e = error_of([&] { bootstrap_script(bad, "ld-linux-x86-64.so.2"); });
    EXPECT_THAT(e, HasSubstr("'" + bad + "'"));
    EXPECT_THAT(e, HasSubstr("[A-Za-z0-9._+-]"));
  }
  EXPECT_THAT(error_of([] { bootstrap_script("prog", "ld$x"); }), HasSubstr("loader"));
}

TEST(LambdaPackage, ExecutableNameOutsideTheSafeCharactersIsRejected) {
  fs::path d = temp_dir("odd_name");
  fs::copy_file(kTrue, d / "my prog");
  std::string e = error_of([&] { build_package((d / "my prog").string()); });
  EXPECT_THAT(e, HasSubstr("'my prog'"));
  EXPECT_THAT(e, HasSubstr("[A-Za-z0-9._+-]"));
  EXPECT_THAT(e, HasSubstr("rename"));
  // The older layout writes no script: any name will do.
  EXPECT_NO_THROW(build_package((d / "my prog").string(), {.bundle_glibc = false}));
  fs::remove_all(d);
}

TEST(LambdaPackage, SameInputsGiveTheSameBytes) {
  LITHOPS_REQUIRE_CURL();
  EXPECT_EQ(build_package(kCurl).zip, curl_package().zip);
}

TEST(LambdaPackage, WithoutBundlingLibrariesOnlyGlibcIsBundled) {
  LITHOPS_REQUIRE_CURL();
  Package p = build_package(kCurl, {.bundle_libraries = false});
  EXPECT_THAT(p.files, Contains("bootstrap"));
  EXPECT_THAT(p.files, Contains("bin/curl"));
  EXPECT_THAT(p.files, Contains("lib/libc.so.6"));
  EXPECT_THAT(p.files, Contains("lib/" + kLoaderName));
  EXPECT_THAT(p.files, Not(Contains("lib/libcurl.so.4")));
  for (std::size_t i = 2; i < p.files.size(); ++i)
    EXPECT_TRUE(is_glibc_library(p.files[i].substr(4))) << p.files[i];
}

TEST(LambdaPackage, WithoutBundlingGlibcTheOlderLayout) {
  LITHOPS_REQUIRE_CURL();  // Debian 12's curl and its libraries need at most glibc 2.34
  Package p = build_package(kCurl, {.bundle_glibc = false, .strip_debug = false});
  auto entries = unzip(p.zip);
  ASSERT_TRUE(entries.count("bootstrap"));
  EXPECT_EQ(entries["bootstrap"].data, slurp(kCurl));
  EXPECT_EQ(entries["bootstrap"].mode & 07777, 0755u);
  EXPECT_TRUE(entries.count("lib/libcurl.so.4"));
  EXPECT_EQ(entries["lib/libcurl.so.4"].mode & 07777, 0644u);
  for (const auto& [name, e] : entries) {
    EXPECT_THAT(name, Not(StartsWith("bin/"))) << name;
    EXPECT_THAT(name, Not(HasSubstr("libc.so"))) << name;
    EXPECT_THAT(name, Not(HasSubstr("ld-linux"))) << name;
    EXPECT_THAT(name, Not(HasSubstr("libresolv"))) << name;
  }
  EXPECT_EQ(p.files.front(), "bootstrap");
  EXPECT_TRUE(std::is_sorted(p.files.begin() + 1, p.files.end()));

  Package only = build_package(kCurl, {.bundle_libraries = false, .bundle_glibc = false, .strip_debug = false});
  EXPECT_EQ(only.files, std::vector<std::string>{"bootstrap"});
  EXPECT_EQ(unzip(only.zip).size(), 1u);
  EXPECT_EQ(only.unzipped_size, fs::file_size(kCurl));
}

TEST(LambdaPackage, StaticExecutableIsRunDirectly) {
  const std::string ldconfig = "/sbin/ldconfig";  // static on Debian
  if (!fs::exists(ldconfig) || !max_glibc_version(ldconfig).empty()) GTEST_SKIP() << "no static executable";
  EXPECT_TRUE(bundled_libraries(ldconfig).empty());
  LinkedLibraries linked = linked_libraries(ldconfig);
  EXPECT_TRUE(linked.libraries.empty());
  EXPECT_TRUE(linked.loader.empty());

  Package p = build_package(ldconfig);
  EXPECT_EQ(p.files, (std::vector<std::string>{"bootstrap", "bin/ldconfig"}));
  auto entries = unzip(p.zip);
  EXPECT_EQ(entries["bootstrap"].data, bootstrap_script("ldconfig", ""));
  fs::path d = temp_dir("static");
  extract(entries, d);
  auto r = run_command({(d / "bootstrap").string(), "--version"}, "", std::chrono::seconds(60),
                       {{"LAMBDA_TASK_ROOT", d.string()}});
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("ldconfig"));
  fs::remove_all(d);

  EXPECT_EQ(build_package(ldconfig, {.bundle_glibc = false}).files, std::vector<std::string>{"bootstrap"});
}

// ---- running from the unzipped package ----

TEST(LambdaPackage, CurlRunsFromTheUnzippedPackage) {
  LITHOPS_REQUIRE_CURL();
  fs::path d = temp_dir("curl_run");
  extract(unzip(curl_package().zip), d);
  auto r = run_command({(d / "bootstrap").string(), "--version"}, "", std::chrono::seconds(60),
                       {{"LAMBDA_TASK_ROOT", d.string()}});
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_THAT(r.out, StartsWith("curl "));
  fs::remove_all(d);
}

TEST(LambdaPackage, ProgramRunsOnTheBundledGlibcThroughTheBootstrap) {
  LITHOPS_REQUIRE_HELLO();
  const std::string& hello = hello_program().path;
  // It would not start on a glibc older than 2.36 (like provided.al2023's 2.34).
  EXPECT_EQ(max_glibc_version(hello), "GLIBC_2.36");
  EXPECT_THAT(glibc_needs(hello).because, Contains("arc4random"));
  EXPECT_THAT(error_of([&] { build_package(hello, {.bundle_glibc = false}); }), HasSubstr("needs GLIBC_2.36"));

  Package p = build_package(hello);
  fs::path d = temp_dir("hello_run");
  extract(unzip(p.zip), d);
  std::string root = d.string();
  // Lambda's LD_LIBRARY_PATH lists the system's directories first; --library-path overrides it.
  std::string system_dir = fs::path(kSystemLibc).parent_path().string();
  auto r = run_command({root + "/bootstrap", "first arg", "x  y", ""}, "", std::chrono::seconds(60),
                       {{"LAMBDA_TASK_ROOT", root}, {"LD_LIBRARY_PATH", system_dir + ":" + root + "/lib"}});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("LITHOPS_EXECUTABLE=" + root + "/bin/hello\n"));
  EXPECT_THAT(r.out, HasSubstr("LITHOPS_LOADER=" + root + "/lib/" + kLoaderName + "\n"));
  EXPECT_THAT(r.out, HasSubstr("LITHOPS_LIBRARY_PATH=" + root + "/lib\n"));
  EXPECT_THAT(r.out, HasSubstr("argv[0]=" + root + "/bin/hello\n"));
  EXPECT_THAT(r.out, HasSubstr("argv[1]=first arg\n"));
  EXPECT_THAT(r.out, HasSubstr("argv[2]=x  y\n"));
  EXPECT_THAT(r.out, HasSubstr("argv[3]=\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("argv[4]")));
  EXPECT_THAT(r.out, HasSubstr("libc=" + (fs::canonical(d) / "lib/libc.so.6").string() + "\n"));
  EXPECT_THAT(r.out, HasSubstr("random="));
  fs::remove_all(d);
}

TEST(LambdaPackage, StrippedExecutableKeepsItsBuildId) {
  LITHOPS_REQUIRE_HELLO();
  if (!has_strip()) GTEST_SKIP() << "binutils' strip is not installed";
  const std::string& hello = hello_program().path;
  std::string id = build_id_of(hello);
  ASSERT_FALSE(id.empty()) << "the compiler wrote no build-id";

  fs::path d = temp_dir("strip");
  extract(unzip(build_package(hello).zip), d);
  std::string packaged = (d / "bin/hello").string();
  EXPECT_EQ(build_id_of(packaged), id);
  EXPECT_LT(fs::file_size(packaged), fs::file_size(hello));  // the debug info is gone
  auto sections = run_command({"readelf", "-S", "-W", packaged}, "", std::chrono::seconds(60), {{"LC_ALL", "C"}});
  EXPECT_THAT(sections.out, Not(HasSubstr(".debug_info")));
  EXPECT_THAT(sections.out, HasSubstr(".dynsym"));
  EXPECT_THAT(sections.out, HasSubstr(".note.gnu.build-id"));

  // Not stripped: the very bytes.
  auto plain = unzip(build_package(hello, {.strip_debug = false}).zip);
  EXPECT_EQ(plain["bin/hello"].data, slurp(hello));
  fs::remove_all(d);
}

// ---- errors ----

TEST(LambdaPackage, LibraryFoundThroughRunpathIsBundledAndAMissingOneIsNamed) {
  fs::path d = temp_dir("runpath");
  std::ofstream(d / "gone.c") << "int gone(void) { return 0; }\n";
  std::ofstream(d / "main.c") << "int gone(void);\nint main(void) { return gone(); }\n";
  auto lib = run_command({"cc", "-shared", "-fPIC", "-o", (d / "libgone.so.1").string(), "-Wl,-soname,libgone.so.1",
                          (d / "gone.c").string()});
  if (lib.status == -1) GTEST_SKIP() << "no C compiler";
  ASSERT_TRUE(lib.ok()) << lib.describe();
  auto prog = run_command({"cc", "-o", (d / "prog").string(), (d / "main.c").string(),
                           (d / "libgone.so.1").string(), "-Wl,-rpath,$ORIGIN"});
  ASSERT_TRUE(prog.ok()) << prog.describe();

  Package p = build_package((d / "prog").string());
  EXPECT_THAT(p.files, Contains("lib/libgone.so.1"));

  fs::remove(d / "libgone.so.1");
  std::string e = error_of([&] { build_package((d / "prog").string()); });
  EXPECT_THAT(e, HasSubstr((d / "prog").string()));
  EXPECT_THAT(e, HasSubstr("libgone.so.1"));
  EXPECT_THAT(e, HasSubstr("not found"));
  fs::remove_all(d);
}

// A lib directory mixed from two glibc installations: a library built for glibc 2.36 beside a
// libc.so.6 (a fake one here, found first through RUNPATH) that defines versions up to 2.34.
TEST(LambdaPackage, LibraryNeedingMoreThanTheBundledLibcIsRejected) {
  fs::path d = temp_dir("mixed");
  std::ofstream(d / "needs.c") << "#include <stdlib.h>\nunsigned needs(void) { return arc4random(); }\n";
  std::ofstream(d / "fake.c") << "int fake_a(void) { return 0; }\nint fake_b(void) { return 1; }\n";
  std::ofstream(d / "fake.map") << "GLIBC_2.2.5 { global: fake_a; local: *; };\n"
                                   "GLIBC_2.34 { global: fake_b; } GLIBC_2.2.5;\n";
  std::ofstream(d / "main.c") << "unsigned needs(void);\nint main(void) { return (int)needs(); }\n";
  auto needs = run_command({"cc", "-shared", "-fPIC", "-o", (d / "libneeds.so.1").string(),
                            "-Wl,-soname,libneeds.so.1", (d / "needs.c").string()});
  if (needs.status == -1) GTEST_SKIP() << "no C compiler";
  if (!needs.ok()) GTEST_SKIP() << "no arc4random (glibc before 2.36): " << needs.describe();
  auto prog = run_command({"cc", "-o", (d / "prog").string(), (d / "main.c").string(),
                           (d / "libneeds.so.1").string(), "-Wl,-rpath,$ORIGIN"});
  ASSERT_TRUE(prog.ok()) << prog.describe();
  // Linked after the program, so that the program itself was linked against the real libc.
  // It needs the loader, as the real one does: ldd prints the loader's line only then.
  auto fake = run_command({"cc", "-shared", "-fPIC", "-nostdlib", "-o", (d / "libc.so.6").string(),
                           "-Wl,-soname,libc.so.6", "-Wl,--version-script," + (d / "fake.map").string(),
                           (d / "fake.c").string(), "-Wl,--no-as-needed", "/lib64/" + kLoaderName});
  ASSERT_TRUE(fake.ok()) << fake.describe();
  ASSERT_EQ(max_defined_glibc_version((d / "libc.so.6").string()), "GLIBC_2.34");

  std::string e = error_of([&] { build_package((d / "prog").string()); });
  EXPECT_THAT(e, HasSubstr("the library it needs '" + (d / "libneeds.so.1").string() + "' needs GLIBC_2.36"));
  EXPECT_THAT(e, HasSubstr("arc4random"));
  EXPECT_THAT(e, HasSubstr("'" + (d / "libc.so.6").string() + "'"));
  EXPECT_THAT(e, HasSubstr("provides at most GLIBC_2.34"));
  EXPECT_THAT(e, HasSubstr("different glibc installations"));
  fs::remove_all(d);
}

TEST(LambdaPackage, TooNewGlibcWithoutBundlingNamesTheFileTheVersionAndTheFix) {
  std::string e = error_of([] { build_package(kTrue, {.bundle_glibc = false, .max_glibc = "2.2"}); });
  EXPECT_THAT(e, HasSubstr("the executable '" + kTrue + "' needs GLIBC_2."));
  EXPECT_THAT(e, HasSubstr("glibc 2.2"));
  EXPECT_THAT(e, HasSubstr("bundle_glibc"));
  EXPECT_THAT(e, HasSubstr("older glibc"));
  EXPECT_THAT(e, HasSubstr("(for "));  // the symbols that need it
  // With bundling the runtime's glibc does not matter.
  EXPECT_NO_THROW(build_package(kTrue, {.max_glibc = "2.2"}));
}

TEST(LambdaPackage, NotAnElfIsAClearError) {
  fs::path d = temp_dir("not_elf");
  std::ofstream(d / "script.sh") << "#!/bin/sh\necho hi\n";
  std::string e = error_of([&] { build_package((d / "script.sh").string()); });
  EXPECT_THAT(e, HasSubstr((d / "script.sh").string()));
  EXPECT_THAT(e, HasSubstr("not an ELF file"));
  EXPECT_THAT(error_of([] { build_package("/nonexistent/prog"); }), HasSubstr("No such file"));
  fs::remove_all(d);
}

TEST(LambdaPackage, SizeLimitErrorNamesBothSizesAndTheWaysAround) {
  LITHOPS_REQUIRE_CURL();
  PackageOptions opt{.bundle_libraries = false, .bundle_glibc = false};
  Package p = build_package(kCurl, opt);
  opt.max_zipped_bytes = 1000;
  std::string e = error_of([&] { build_package(kCurl, opt); });
  EXPECT_THAT(e, HasSubstr(std::to_string(p.zip.size()) + " bytes; limit 1000 bytes"));
  EXPECT_THAT(e, HasSubstr(std::to_string(p.unzipped_size) + " bytes; limit " + std::to_string(kMaxUnzippedBytes) +
                           " bytes"));
  EXPECT_THAT(e, HasSubstr("strip"));
  EXPECT_THAT(e, HasSubstr("S3"));
  EXPECT_THAT(e, HasSubstr("fewer libraries"));
  opt = {.bundle_libraries = false, .bundle_glibc = false, .max_unzipped_bytes = 2000};
  EXPECT_THAT(error_of([&] { build_package(kCurl, opt); }), HasSubstr("limit 2000 bytes"));
  opt = {.bundle_libraries = false,
         .bundle_glibc = false,
         .max_zipped_bytes = p.zip.size(),
         .max_unzipped_bytes = p.unzipped_size};
  EXPECT_NO_THROW(build_package(kCurl, opt));  // the limits are inclusive
  // The default package of curl, glibc and all, is well within both.
  EXPECT_LE(curl_package().zip.size(), kMaxZippedBytes);
  EXPECT_LE(curl_package().unzipped_size, kMaxUnzippedBytes);
}

// ---- the ELF reader ----

TEST(ElfGlibc, TrueNeedsASaneGlibc) {
  std::string v = max_glibc_version(kTrue);
  EXPECT_THAT(v, StartsWith("GLIBC_2."));
  EXPECT_GE(compare_glibc_versions(v, "2.2.5"), 0);
  EXPECT_LT(compare_glibc_versions(v, "3.0"), 0);
}

TEST(ElfGlibc, LibcDefinesItsOwnVersion) {
  if (!fs::exists(kSystemLibc)) GTEST_SKIP() << kSystemLibc << " is absent";
  std::string v = max_defined_glibc_version(kSystemLibc);
  if (std::string(gnu_get_libc_version()) == "2.36") {
    EXPECT_EQ(v, "GLIBC_2.36");  // Debian 12
  } else {
    EXPECT_THAT(v, StartsWith("GLIBC_2."));
    EXPECT_LE(compare_glibc_versions(v, gnu_get_libc_version()), 0);
  }
  EXPECT_EQ(max_defined_glibc_version(kTrue), "");  // defines no version at all
}

TEST(ElfGlibc, BundledLibrariesNeedNoNewerGlibcThanTheBundledLibc) {
  LITHOPS_REQUIRE_CURL();
  LinkedLibraries linked = linked_libraries(kCurl);
  auto libc = std::find_if(linked.libraries.begin(), linked.libraries.end(),
                           [](const auto& l) { return l.first == "libc.so.6"; });
  ASSERT_NE(libc, linked.libraries.end());
  std::string provides = max_defined_glibc_version(libc->second);
  for (const auto& [soname, path] : linked.libraries) {
    if (is_glibc_library(soname)) continue;
    EXPECT_EQ(max_defined_glibc_version(path), "") << path;
    EXPECT_LE(compare_glibc_versions(max_glibc_version(path), provides), 0) << path;
  }
}

TEST(ElfGlibc, ComparesVersionsNumerically) {
  EXPECT_LT(compare_glibc_versions("2.9", "2.34"), 0);
  EXPECT_LT(compare_glibc_versions("GLIBC_2.34", "2.34.1"), 0);
  EXPECT_EQ(compare_glibc_versions("GLIBC_2.34", "2.34"), 0);
  EXPECT_GT(compare_glibc_versions("GLIBC_2.2.5", "2.2"), 0);
}

TEST(ElfGlibc, FakeElfFilesAreClearErrors) {
  fs::path d = temp_dir("fake_elf");
  auto write = [&](const std::string& name, std::string bytes) {
    std::ofstream(d / name, std::ios::binary) << bytes;
    return (d / name).string();
  };
  EXPECT_THAT(error_of([&] { max_glibc_version(write("text", "hello, world\n")); }), HasSubstr("not an ELF file"));
  EXPECT_THAT(error_of([&] { max_glibc_version(write("short", "\x7f" "EL")); }), HasSubstr("not an ELF file"));
  std::string e = error_of([&] { max_defined_glibc_version((d / "text").string()); });
  EXPECT_THAT(e, HasSubstr("which glibc versions '" + (d / "text").string() + "' provides"));
  EXPECT_THAT(e, HasSubstr("not an ELF file"));

  std::string elf32(52, '\0');
  std::memcpy(elf32.data(), ELFMAG, SELFMAG);
  elf32[EI_CLASS] = ELFCLASS32;
  elf32[EI_DATA] = ELFDATA2LSB;
  EXPECT_THAT(error_of([&] { max_glibc_version(write("elf32", elf32)); }), HasSubstr("32-bit"));

  // A 64-bit header whose section headers lie far past the end of the file.
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_shoff = 1 << 30;
  eh.e_shnum = 10;
  eh.e_shentsize = sizeof(Elf64_Shdr);
  std::string path = write("truncated", std::string(reinterpret_cast<const char*>(&eh), sizeof eh));
  e = error_of([&] { max_glibc_version(path); });
  EXPECT_THAT(e, HasSubstr(path));
  EXPECT_THAT(e, HasSubstr("malformed ELF file"));
  EXPECT_THAT(error_of([&] { max_defined_glibc_version(path); }), HasSubstr("malformed ELF file"));
  fs::remove_all(d);
}

}  // namespace
