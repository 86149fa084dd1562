// COPC (issue 15): copc_partitions against copc-lib's own reading of files it wrote (nodes,
// byte ranges, point counts, hierarchy pages), maps over the partitions, and bad input.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "e2e_support.hpp"

#ifndef LITHOPS_DATA_TOOLS_PYTHON
#define LITHOPS_DATA_TOOLS_PYTHON "/opt/lithops-test-tools/data-venv/bin/python"
#endif

namespace e2e {

// ---- functions the calls run ----

/// Per node: "level-x-y-z=points:hash of the bytes read", from the partition and the node's own bytes.
std::vector<std::string> copc_nodes_read(lithops::CopcPartition part) {
  std::vector<std::string> out;
  for (const auto& n : part.nodes)
    out.push_back(fmt::format("{}-{}-{}-{}={}:{:x}", n.key.level, n.key.x, n.key.y, n.key.z, n.point_count,
                              std::hash<std::string>{}(part.read_node(n))));
  return out;
}

namespace {

std::string node_id(const nlohmann::json& n) {
  const auto& k = n["key"];
  return fmt::format("{}-{}-{}-{}", k[0].get<int>(), k[1].get<int>(), k[2].get<int>(), k[3].get<int>());
}
std::string node_id(const lithops::CopcNode& n) { return fmt::format("{}-{}-{}-{}", n.key.level, n.key.x, n.key.y, n.key.z); }

}  // namespace

class Copc : public DataE2E {
 protected:
  Copc() : DataE2E("copc") {}
  /// Writes a COPC file with copc-lib into storage as `key`; returns copc-lib's reading of it.
  nlohmann::json make(const std::string& key, int seed, bool pages) {
    const std::string path = scratch(key), json = path + ".json";
    const std::string cmd = fmt::format("{} {}/make_copc.py {} {} {} > {}", LITHOPS_DATA_TOOLS_PYTHON,
                                        LITHOPS_TEST_SUPPORT_DIR, path, seed, pages ? "--pages" : "", json);
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    file_ = slurp(path);
    storage_->put_object(bucket_, prefix_ + key, file_);
    return nlohmann::json::parse(slurp(json));
  }

  std::string file_;
};

TEST_P(Copc, EveryNodeOnceWithItsBytesAndPointsAsCopcLibReadsThem) {
  for (bool pages : {false, true}) {
    const auto ref = make("city.copc.laz", pages ? 7 : 8, pages);
    if (pages) {
      EXPECT_GT(ref["pages"].get<int>(), 1);
    }
    std::map<std::string, nlohmann::json> want;
    for (const auto& n : ref["nodes"]) want[node_id(n)] = n;
    for (std::uint32_t calls : {1u, 3u, 7u, 1000u}) {
      auto parts = lithops::copc_partitions(*storage_, location("city.copc.laz"), lithops::CopcSplit::octree(calls));
      ASSERT_FALSE(parts.empty());
      EXPECT_LE(parts.size(), std::min<std::size_t>(calls, want.size()));
      std::map<std::string, int> seen;
      std::uint64_t points = 0, biggest_part = 0, biggest_node = 0;
      for (const auto& p : parts) {
        EXPECT_EQ(p.header.point_count, ref["point_count"].get<std::uint64_t>());
        EXPECT_EQ(p.header.halfsize, ref["halfsize"].get<double>());
        EXPECT_EQ(p.header.spacing, ref["spacing"].get<double>());
        for (int a = 0; a < 3; ++a) {
          EXPECT_EQ(p.header.center[a], ref["center"][a].get<double>());
          EXPECT_EQ(p.header.scale[a], 0.01);
          EXPECT_EQ(p.header.offset[a], 0.0);
        }
        EXPECT_EQ(p.header.bounds.min_x, ref["min"][0].get<double>());
        EXPECT_EQ(p.header.bounds.max_z, ref["max"][2].get<double>());
        EXPECT_EQ(p.header.point_format, 6);
        EXPECT_FALSE(p.header.laszip_vlr.empty());
        biggest_part = std::max(biggest_part, p.point_count());
        for (const auto& n : p.nodes) {
          ++seen[node_id(n)];
          ASSERT_TRUE(want.count(node_id(n))) << node_id(n);
          const auto& w = want[node_id(n)];
          EXPECT_EQ(n.offset, w["offset"].get<std::uint64_t>());
          EXPECT_EQ(n.byte_size, w["byte_size"].get<std::uint32_t>());
          EXPECT_EQ(n.point_count, w["point_count"].get<std::uint32_t>());
          points += n.point_count;
          biggest_node = std::max<std::uint64_t>(biggest_node, n.point_count);
        }
      }
      EXPECT_EQ(seen.size(), want.size()) << calls << " calls";
      for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << id;
      EXPECT_EQ(points, ref["point_count"].get<std::uint64_t>());
      // Balanced: no call holds more than its share plus one node.
      EXPECT_LE(biggest_part, points / parts.size() + biggest_node) << calls << " calls";
    }
    // The calls read their nodes' bytes with range requests: exactly the nodes' chunks of the file.
    auto parts = lithops::copc_partitions(*storage_, location("city.copc.laz"), lithops::CopcSplit::octree(4));
    std::vector<std::string> read;
    for (auto& r : fexec_->get_result(fexec_->map(copc_nodes_read, parts))) read.insert(read.end(), r.begin(), r.end());
    std::vector<std::string> expect;
    for (const auto& [id, n] : want)
      expect.push_back(fmt::format("{}={}:{:x}", id, n["point_count"].get<int>(),
                                   std::hash<std::string>{}(file_.substr(n["offset"].get<std::size_t>(),
                                                                         n["byte_size"].get<std::size_t>()))));
    std::sort(read.begin(), read.end());
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(read, expect);
  }
}

TEST_P(Copc, SquaresGetEveryNodeThatOverlapsThemAndOwnEachPointOnce) {
  const auto ref = make("sq.copc.laz", 9, false);
  const double h = ref["halfsize"].get<double>(), cx = ref["center"][0].get<double>(), cy = ref["center"][1].get<double>();
  auto parts = lithops::copc_partitions(*storage_, location("sq.copc.laz"), lithops::CopcSplit::squares(3));
  ASSERT_EQ(parts.size(), 9u);  // the root overlaps every square
  std::map<std::string, int> squares_of;
  for (const auto& p : parts) {
    EXPECT_TRUE(p.spatial);
    for (const auto& n : p.nodes) ++squares_of[node_id(n)];
  }
  for (const auto& n : ref["nodes"]) {
    const int level = n["key"][0].get<int>(), x = n["key"][1].get<int>(), y = n["key"][2].get<int>();
    // A node's cube spans 3 / 2^level squares' widths; it overlaps ceil-ish of that per axis.
    const double cell = 2 * h / (1 << level), side = 2 * h / 3;
    auto span = [&](int i) {
      const double a = -h + cell * i, b = a + cell;
      return static_cast<int>(std::ceil((b + h) / side - 1e-9)) - static_cast<int>(std::floor((a + h) / side + 1e-9));
    };
    EXPECT_EQ(squares_of[node_id(n)], span(x) * span(y)) << node_id(n);
  }
  // Each point position belongs to one square, the far edges included.
  for (double x : {cx - h, cx - h / 3, cx, cx + h / 3 - 1e-9, cx + h})
    for (double y : {cy - h, cy + 0.1, cy + h})
      EXPECT_EQ(std::count_if(parts.begin(), parts.end(), [&](const auto& p) { return p.owns(x, y); }), 1) << x << "," << y;
}

TEST_P(Copc, ACoarseLevelLimitReadsFewerNodes) {
  const auto ref = make("lod.copc.laz", 10, true);
  auto split = lithops::CopcSplit::octree(2);
  split.max_level = 1;
  auto parts = lithops::copc_partitions(*storage_, location("lod.copc.laz"), split);
  std::size_t nodes = 0;
  for (const auto& p : parts) {
    for (const auto& n : p.nodes) {
      EXPECT_LE(n.key.level, 1);
      ++nodes;
    }
  }
  EXPECT_EQ(nodes, 9u);  // the root and its 8 children
}

TEST_P(Copc, NotLasNotCopcAndTruncatedFilesAreNamedErrors) {
  make("good.copc.laz", 11, true);
  auto expect_error = [&](const std::string& key, const std::string& bytes, const std::string& what) {
    storage_->put_object(bucket_, prefix_ + key, bytes);
    try {
      lithops::copc_partitions(*storage_, location(key), lithops::CopcSplit::octree(2));
      ADD_FAILURE() << key << " was accepted";
    } catch (const lithops::DataFormatError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("'" + prefix_ + key + "' is not a COPC file"));
      EXPECT_THAT(e.what(), ::testing::HasSubstr(what));
    }
  };
  expect_error("text.laz", std::string(2000, 'x'), "no LASF signature");
  std::string not_copc = file_;
  std::memcpy(not_copc.data() + 375 + 2, "lasf", 4);  // the first VLR is something else
  expect_error("plain.laz", not_copc, "not the COPC info");
  expect_error("cut.copc.laz", file_.substr(0, file_.size() - 100), "past its end");
  // A hierarchy entry that points back at the root page: a cycle, not an endless walk.
  std::string cyclic = file_;
  std::uint64_t root = 0, root_size = 0;
  std::memcpy(&root, cyclic.data() + 375 + 54 + 40, 8);
  std::memcpy(&root_size, cyclic.data() + 375 + 54 + 48, 8);
  const std::int32_t size32 = static_cast<std::int32_t>(root_size), page = -1;
  std::memcpy(cyclic.data() + root + 16, &root, 8);
  std::memcpy(cyclic.data() + root + 24, &size32, 4);
  std::memcpy(cyclic.data() + root + 28, &page, 4);
  expect_error("cycle.copc.laz", cyclic, "listed twice");
  expect_error("tiny.laz", "LASF", "too short");
  EXPECT_THROW(lithops::copc_partitions(*storage_, location("missing.laz"), lithops::CopcSplit::octree(2)),
               lithops::NoSuchKeyError);
}

INSTANTIATE_TEST_SUITE_P(Storages, Copc, ::testing::Values(Setup{"pipe", 2}, Setup{"pipe", 2, "s3"}), setup_name);

}  // namespace e2e
