// Runtimes in storage (src/runtime/runtime_store.hpp): the build id of an executable on disk is
// the one build_id() gives inside it, and publishing is content-addressed and idempotent on
// every storage backend.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <elf.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core/build_id.hpp"
#include "runtime/runtime_store.hpp"
#include "servers.hpp"
#include "storage/s3/s3_codec.hpp"
#include "storage/storage_backend.hpp"
#include "test_config.hpp"

namespace {

namespace fs = std::filesystem;
using lithops::detail::build_id;
using lithops::detail::build_id_of_file;
using lithops::detail::RuntimeKeys;
using lithops::detail::StorageBackend;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

template <class T>
void put(std::string& out, std::size_t at, const T& value) {
  if (out.size() < at + sizeof value) out.resize(at + sizeof value);
  std::memcpy(out.data() + at, &value, sizeof value);
}

// A minimal 64-bit ELF file: a header, one PT_NOTE program header (aligned to `align`) holding
// an ABI-tag note and then the build-id note `id`, and `tail` after it.
std::string tiny_elf(const std::string& id, std::size_t align = 4, const std::string& tail = "") {
  std::string notes;
  auto note = [&](Elf64_Word type, const std::string& desc) {
    Elf64_Nhdr nh{4, static_cast<Elf64_Word>(desc.size()), type};
    put(notes, notes.size(), nh);
    notes.append("GNU", 4);
    notes.append(desc);
    notes.resize((notes.size() + align - 1) / align * align, '\0');
  };
  note(NT_GNU_ABI_TAG, std::string(16, '\1'));
  note(NT_GNU_BUILD_ID, id);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_AARCH64;
  eh.e_phoff = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  Elf64_Phdr ph{};
  ph.p_type = PT_NOTE;
  ph.p_offset = sizeof eh + sizeof ph;
  ph.p_filesz = ph.p_memsz = notes.size();
  ph.p_align = align;
  std::string out;
  put(out, 0, eh);
  put(out, sizeof eh, ph);
  return out + notes + tail;
}

// Each test writes its files in a fresh directory of its own.
class BuildIdOfFile : public ::testing::Test {
 protected:
  std::string scratch(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_ = lithops::testing::test_storage_dir();
};
using Sha256OfFile = BuildIdOfFile;

TEST_F(BuildIdOfFile, IsWhatBuildIdGivesInsideTheProgram) {
  EXPECT_EQ(build_id_of_file(lithops::detail::self_executable()), build_id());
  EXPECT_EQ(build_id_of_file("/proc/self/exe"), build_id());
  EXPECT_EQ(build_id().find("sha-"), std::string::npos) << "the test binary should have a GNU build-id note";
}

TEST_F(BuildIdOfFile, ReadsTheNoteOfA64BitElfFile) {
  const std::string id("\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
  EXPECT_EQ(build_id_of_file(write_file(scratch("four"), tiny_elf(id, 4))), "0123456789abcdef");
  EXPECT_EQ(build_id_of_file(write_file(scratch("eight"), tiny_elf(id, 8))), "0123456789abcdef");
  EXPECT_EQ(lithops::detail::arch_of_file(scratch("four")), "aarch64");
}

// A copy of this very test binary whose build-id note is turned into another note type: inside
// it, build_id() falls back to the file hash, and build_id_of_file must say the same. The copy
// is run to prove it (it runs the test below).
TEST_F(BuildIdOfFile, WithoutANoteFallsBackToTheFileHashAsBuildIdDoes) {
  std::string bytes = read_file(lithops::detail::self_executable());
  const std::string id_bytes = [&] {
    std::string raw;
    for (std::size_t i = 0; i + 1 < build_id().size(); i += 2)
      raw.push_back(static_cast<char>(std::stoi(build_id().substr(i, 2), nullptr, 16)));
    return raw;
  }();
  const std::size_t desc = bytes.find(id_bytes);
  ASSERT_NE(desc, std::string::npos);
  // The note header sits before "GNU\0" and the id: n_namesz, n_descsz, n_type.
  Elf64_Word type = NT_GNU_BUILD_ID;
  const std::size_t type_at = desc - 4 - sizeof(Elf64_Word);
  ASSERT_EQ(std::memcmp(bytes.data() + type_at, &type, sizeof type), 0);
  type = 0x7fff;  // no note type anyone reads
  std::memcpy(bytes.data() + type_at, &type, sizeof type);
  const std::string copy = write_file(scratch("no_build_id"), bytes);
  fs::permissions(copy, fs::perms::owner_all);

  const std::string fallback = build_id_of_file(copy);
  EXPECT_EQ(fallback, lithops::detail::hash_of_file(copy));
  EXPECT_EQ(fallback.rfind("sha-", 0), 0u);
  const std::string out = scratch("copy_says");
  const std::string cmd2 = "LITHOPS_TEST_BUILD_ID_OUT='" + out + "' '" + copy +
                           "' --gtest_filter=BuildIdOfFile.WritesItsBuildIdWhenAsked >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd2.c_str()), 0);
  EXPECT_EQ(read_file(out), fallback + "\n" + fallback + "\n");
}

// Run by the test above, in a modified copy of this binary: writes build_id() and
// build_id_of_file(itself).
TEST_F(BuildIdOfFile, WritesItsBuildIdWhenAsked) {
  const char* out = std::getenv("LITHOPS_TEST_BUILD_ID_OUT");
  if (!out) GTEST_SKIP() << "only run from WithoutANoteFallsBackToTheFileHashAsBuildIdDoes";
  write_file(out, build_id() + "\n" + build_id_of_file(lithops::detail::self_executable()) + "\n");
}

TEST_F(BuildIdOfFile, OfANonElfFileIsItsHash) {
  const std::string path = write_file(scratch("script.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(build_id_of_file(path), lithops::detail::hash_of_file(path));
  EXPECT_EQ(build_id_of_file(path).rfind("sha-", 0), 0u);
  EXPECT_EQ(build_id_of_file(write_file(scratch("empty"), "")), lithops::detail::hash_of_file(scratch("empty")));
}

TEST_F(BuildIdOfFile, RefusesElfItCannotRead) {
  std::string elf32 = tiny_elf("\x01\x02");
  elf32[EI_CLASS] = ELFCLASS32;
  try {
    build_id_of_file(write_file(scratch("elf32"), elf32));
    FAIL() << "a 32-bit ELF file was accepted";
  } catch (const lithops::Error& e) {
    EXPECT_NE(std::string(e.what()).find("only 64-bit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(build_id_of_file(scratch("missing")), lithops::Error);
}

TEST_F(Sha256OfFile, StreamsAnyFile) {
  EXPECT_EQ(lithops::detail::sha256_of_file(write_file(scratch("abc"), "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string big = random_bytes((3 << 20) + 17, 1);  // several read pieces
  EXPECT_EQ(lithops::detail::sha256_of_file(write_file(scratch("big"), big)), lithops::detail::s3::sha256_hex(big));
}

// Counts the uploads that reach a backend, forwarding everything.
class CountingStorage final : public StorageBackend {
 public:
  explicit CountingStorage(std::unique_ptr<StorageBackend> inner) : inner_(std::move(inner)) {}
  int uploads = 0;
  std::string name() const override { return inner_->name(); }
  const std::string& bucket() const override { return inner_->bucket(); }
  void put_object(const std::string& b, const std::string& k, std::string_view data) override {
    ++uploads;
    inner_->put_object(b, k, data);
  }
  void put_object_stream(const std::string& b, const std::string& k, const lithops::detail::ByteSource& source,
                         std::optional<std::uint64_t> size) override {
    ++uploads;
    inner_->put_object_stream(b, k, source, size);
  }
  bool streams_uploads() const override { return inner_->streams_uploads(); }
  std::string get_object(const std::string& b, const std::string& k, std::optional<lithops::ByteRange> r) override {
    return inner_->get_object(b, k, r);
  }
  std::optional<lithops::detail::ObjectInfo> head_object(const std::string& b, const std::string& k) override {
    return inner_->head_object(b, k);
  }
  void delete_objects(const std::string& b, const std::vector<std::string>& keys) override {
    inner_->delete_objects(b, keys);
  }
  std::vector<lithops::detail::ObjectEntry> list_objects(const std::string& b, const std::string& prefix,
                                                         const std::string& after) override {
    return inner_->list_objects(b, prefix, after);
  }
  bool bucket_exists(const std::string& b) override { return inner_->bucket_exists(b); }
  void create_bucket(const std::string& b) override { inner_->create_bucket(b); }

 private:
  std::unique_ptr<StorageBackend> inner_;
};

// The same tests on each storage backend, each on a fresh bucket (a fresh directory on localhost).
class RuntimeStore : public ::testing::TestWithParam<std::string> {
 protected:
  RuntimeStore() {
    lithops::Config c = lithops::testing::test_config();
    if (GetParam() == "s3") c = lithops::testing::with_s3_storage(c, lithops::testing::unique_bucket("rt"));
    if (GetParam() == "redis") c = lithops::testing::with_redis_storage(c, lithops::testing::unique_bucket("rt"));
    if (GetParam() == "azure") c = lithops::testing::with_azure_storage(c, lithops::testing::unique_bucket("rt"));
    if (GetParam() == "gcs") c = lithops::testing::with_gcs_storage(c, lithops::testing::unique_bucket("rt"));
    if (GetParam() == "swift") c = lithops::testing::with_swift_storage(c, lithops::testing::unique_bucket("rt"));
    store_ = std::make_unique<CountingStorage>(lithops::detail::make_storage(c));
  }
  // The test servers are shared and Redis keeps everything in memory: no runtime outlives its test.
  ~RuntimeStore() override {
    try {
      store_->delete_prefix(store_->bucket(), RuntimeKeys::prefix());
    } catch (const lithops::StorageError&) {  // nothing was published (no bucket)
    }
  }
  std::string file(const std::string& name, const std::string& bytes) const {
    return write_file(dir_ + "/" + name, bytes);
  }
  std::string dir_ = lithops::testing::test_storage_dir();
  std::unique_ptr<CountingStorage> store_;
};

TEST_P(RuntimeStore, PublishesOnceThenFindsListsAndDeletes) {
  auto& st = *store_;
  // Past the S3 multipart threshold is not needed here: the stream path is the same.
  const std::string bytes = random_bytes((2 << 20) + 5, 2);
  const std::string path = file("my_prog", bytes);
  EXPECT_TRUE(lithops::detail::list_runtimes(st).empty());  // no bucket yet on S3/Redis: empty, not an error

  auto first = lithops::detail::deploy_runtime(st, path);
  EXPECT_TRUE(first.uploaded);
  EXPECT_EQ(st.uploads, 2);  // the runtime, then meta.json
  EXPECT_EQ(first.info.build_id, build_id_of_file(path));
  EXPECT_EQ(first.info.name, "my_prog");
  EXPECT_EQ(first.info.sha256, lithops::detail::s3::sha256_hex(bytes));
  EXPECT_EQ(first.info.size, bytes.size());
  EXPECT_EQ(first.info.arch, lithops::detail::host_arch());  // not ELF: the publisher's
  EXPECT_GT(first.info.created_ms, 0);
  EXPECT_EQ(st.get_object(st.bucket(), RuntimeKeys::binary(first.info.build_id), std::nullopt), bytes);

  auto again = lithops::detail::deploy_runtime(st, path);
  EXPECT_FALSE(again.uploaded);
  EXPECT_EQ(st.uploads, 2);
  EXPECT_EQ(again.info.created_ms, first.info.created_ms);
  EXPECT_EQ(lithops::detail::publish_runtime(st, path).sha256, first.info.sha256);
  EXPECT_EQ(st.uploads, 2);

  auto found = lithops::detail::find_runtime(st, first.info.build_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sha256, first.info.sha256);
  EXPECT_EQ(found->size, bytes.size());
  EXPECT_FALSE(lithops::detail::find_runtime(st, "0000"));

  auto other = lithops::detail::deploy_runtime(st, file("other", tiny_elf("\xaa\xbb")));
  EXPECT_EQ(other.info.build_id, "aabb");
  EXPECT_EQ(other.info.arch, "aarch64");
  auto all = lithops::detail::list_runtimes(st);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].build_id, "aabb");  // newest first
  EXPECT_EQ(all[1].build_id, first.info.build_id);

  EXPECT_TRUE(lithops::detail::delete_runtime(st, first.info.build_id));
  EXPECT_FALSE(lithops::detail::find_runtime(st, first.info.build_id));
  EXPECT_FALSE(lithops::detail::delete_runtime(st, first.info.build_id));
  EXPECT_TRUE(lithops::detail::delete_runtime(st, "aabb"));
  EXPECT_TRUE(lithops::detail::list_runtimes(st).empty());
  EXPECT_TRUE(st.list_keys(st.bucket(), RuntimeKeys::prefix()).empty());
  EXPECT_THROW(lithops::detail::delete_runtime(st, "../x"), lithops::Error);
}

// Same build id, other bytes (a stripped copy keeps its build id): the newer bytes replace the old.
TEST_P(RuntimeStore, SameBuildOtherBytesReplacesTheRuntime) {
  auto& st = *store_;
  const std::string id("\x12\x34", 2);
  auto a = lithops::detail::deploy_runtime(st, file("a", tiny_elf(id, 4, "first")));
  auto b = lithops::detail::deploy_runtime(st, file("b", tiny_elf(id, 4, "second build")));
  EXPECT_TRUE(b.uploaded);
  EXPECT_EQ(a.info.build_id, b.info.build_id);
  EXPECT_NE(a.info.sha256, b.info.sha256);
  EXPECT_EQ(lithops::detail::find_runtime(st, "1234")->sha256, b.info.sha256);
  EXPECT_EQ(st.get_object(st.bucket(), RuntimeKeys::binary("1234"), std::nullopt), read_file(dir_ + "/b"));
}

// The running program itself, once per storage and bucket.
TEST_P(RuntimeStore, PublishSelfUploadsTheRunningProgramOnce) {
  auto& st = *store_;
  auto info = lithops::detail::publish_self(st);
  EXPECT_EQ(info.build_id, build_id());
  EXPECT_EQ(info.name, fs::path(lithops::detail::self_executable()).filename().string());
  EXPECT_EQ(info.sha256, lithops::detail::sha256_of_file(lithops::detail::self_executable()));
  EXPECT_EQ(st.uploads, 2);
  EXPECT_EQ(lithops::detail::publish_self(st).sha256, info.sha256);
  EXPECT_EQ(st.uploads, 2);
  auto head = st.head_object(st.bucket(), RuntimeKeys::binary(build_id()));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, info.size);
}

INSTANTIATE_TEST_SUITE_P(AllStorages, RuntimeStore, ::testing::Values("localhost", "s3", "redis", "azure", "gcs", "swift"),
                         [](const auto& p) { return p.param; });

}  // namespace
