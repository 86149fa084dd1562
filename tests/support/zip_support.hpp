#pragma once
// Reading a zip back (libzip) and writing its entries out with their modes, as Lambda unpacks
// a function's package into /var/task: the package tests and the Lambda end-to-end tests.
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace lithops::testing {

struct Entry {
  std::string data;
  std::uint32_t mode = 0;  // unix mode from the external attributes
  std::uint8_t opsys = 0;
  std::uint16_t method = 0;
};

inline std::map<std::string, Entry> unzip(const std::string& bytes) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!z) {
    zip_source_free(src);
    ADD_FAILURE() << "not a zip: " << zip_error_strerror(&err);
    return {};
  }
  std::map<std::string, Entry> out;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
    auto idx = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    zip_stat_index(z, idx, 0, &st);
    Entry e;
    e.method = st.comp_method;
    zip_uint32_t attr = 0;
    zip_file_get_external_attributes(z, idx, 0, &e.opsys, &attr);
    e.mode = attr >> 16;
    e.data.resize(st.size);
    zip_file_t* f = zip_fopen_index(z, idx, 0);
    EXPECT_EQ(zip_fread(f, e.data.data(), st.size), static_cast<zip_int64_t>(st.size));
    zip_fclose(f);
    out[st.name] = std::move(e);
  }
  zip_discard(z);
  return out;
}

// Writes the entries under `dir` with their modes, as Lambda unpacks the zip into /var/task.
inline void extract(const std::map<std::string, Entry>& entries, const std::filesystem::path& dir) {
  for (const auto& [name, e] : entries) {
    std::filesystem::path p = dir / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << e.data;
    std::filesystem::permissions(p, static_cast<std::filesystem::perms>(e.mode & 0777));
  }
}

}  // namespace lithops::testing
