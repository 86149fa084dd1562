// COPC partitioning: the LAS 1.4 header, the COPC info VLR and the hierarchy pages, read with
// range requests and parsed here (layouts from the LAS 1.4 R15 and COPC 1.0 specifications:
// fixed little-endian records, no library in Debian reads them), then the nodes split.
#include "lithops/copc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>
#include <tuple>

#include "data/object_source.hpp"
#include "lithops/errors.hpp"
#include "storage/storage_backend.hpp"

namespace lithops {

namespace {

constexpr std::size_t kLasHeader = 375;  // LAS 1.4
constexpr std::size_t kVlrHeader = 54;
constexpr std::size_t kCopcInfo = 160;
constexpr std::size_t kEntry = 32;       // a hierarchy page entry
constexpr std::size_t kMaxPages = 1 << 20;

template <class T>
T le(std::string_view s, std::size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof(T));  // LAS is little-endian, as are the machines we run on
  return v;
}
static_assert(std::endian::native == std::endian::little, "the COPC parser reads little-endian fields directly");

[[noreturn]] void bad(const std::string& key, const std::string& what) {
  throw DataFormatError(fmt::format("lithops: '{}' is not a COPC file: {}", key, what));
}

CopcBounds node_bounds(const CopcHeader& h, const CopcKey& k) {
  const double cell = 2 * h.halfsize / static_cast<double>(std::uint64_t{1} << k.level);
  CopcBounds b;
  b.min_x = h.center[0] - h.halfsize + cell * k.x;
  b.min_y = h.center[1] - h.halfsize + cell * k.y;
  b.min_z = h.center[2] - h.halfsize + cell * k.z;
  b.max_x = b.min_x + cell, b.max_y = b.min_y + cell, b.max_z = b.min_z + cell;
  return b;
}

// Interleaves the key's cell at the deepest level into one Morton code: sorting by it keeps
// octree neighbours together, and a node before its descendants.
std::uint64_t morton(const CopcKey& k, int depth) {
  const int shift = depth - k.level;
  const std::uint64_t x = std::uint64_t(k.x) << shift, y = std::uint64_t(k.y) << shift, z = std::uint64_t(k.z) << shift;
  std::uint64_t m = 0;
  for (int b = 0; b < 21; ++b)
    m |= ((x >> b) & 1) << (3 * b) | ((y >> b) & 1) << (3 * b + 1) | ((z >> b) & 1) << (3 * b + 2);
  return m;
}

struct File {
  std::shared_ptr<detail::StorageBackend> st;
  std::string backend, bucket, key;
  std::uint64_t size = 0;
  std::string get(std::uint64_t offset, std::uint64_t length, const char* what) const {
    if (offset > size || length > size - offset)
      bad(key, fmt::format("its {} [{}, +{}) is past its end ({} bytes)", what, offset, length, size));
    std::string bytes = st->get_object(bucket, key, ByteRange{offset, offset + length});
    if (bytes.size() != length) bad(key, fmt::format("its {} could not be read whole", what));
    return bytes;
  }
};

CopcHeader read_header(const File& f) {
  if (f.size < kLasHeader + kVlrHeader + kCopcInfo) bad(f.key, fmt::format("{} bytes is too short", f.size));
  const std::string head = f.get(0, kLasHeader + kVlrHeader + kCopcInfo, "header");
  if (head.compare(0, 4, "LASF") != 0) bad(f.key, "no LASF signature");
  if (head[24] != 1 || head[25] != 4) bad(f.key, fmt::format("LAS {}.{}, not 1.4", int(head[24]), int(head[25])));
  const auto header_size = le<std::uint16_t>(head, 94);
  const auto point_data_at = le<std::uint32_t>(head, 96);
  const auto vlr_count = le<std::uint32_t>(head, 100);
  if (header_size != kLasHeader) bad(f.key, fmt::format("a header of {} bytes, not LAS 1.4's 375", header_size));
  // The COPC info VLR must come first (COPC 1.0): user "copc", record 1, 160 bytes.
  const std::string_view vlr(head.data() + kLasHeader, kVlrHeader);
  if (vlr_count == 0 || vlr.substr(2, 4) != "copc" || vlr[6] != '\0' || le<std::uint16_t>(vlr, 18) != 1 ||
      le<std::uint16_t>(vlr, 20) != kCopcInfo)
    bad(f.key, "its first VLR is not the COPC info (a LAS/LAZ file that is not COPC)");
  CopcHeader h;
  h.point_format = static_cast<std::uint8_t>(head[104] & 0x3f);  // bits 6-7 flag compression
  h.point_record_length = le<std::uint16_t>(head, 105);
  h.point_count = le<std::uint64_t>(head, 247);
  for (int i = 0; i < 3; ++i) {
    h.scale[i] = le<double>(head, 131 + 8 * i);
    h.offset[i] = le<double>(head, 155 + 8 * i);
  }
  h.bounds = CopcBounds{le<double>(head, 187), le<double>(head, 203), le<double>(head, 219),
                        le<double>(head, 179), le<double>(head, 195), le<double>(head, 211)};
  const std::string_view info(head.data() + kLasHeader + kVlrHeader, kCopcInfo);
  for (int i = 0; i < 3; ++i) h.center[i] = le<double>(info, 8 * i);
  h.halfsize = le<double>(info, 24);
  h.spacing = le<double>(info, 32);
  if (!(h.halfsize > 0)) bad(f.key, "its octree has no extent (halfsize 0)");
  if (h.point_format < 6 || h.point_format > 8) bad(f.key, fmt::format("point format {}, not 6, 7 or 8", h.point_format));
  // The other VLRs, for the LAZ one ("laszip encoded", record 22204).
  if (point_data_at > kLasHeader + kVlrHeader + kCopcInfo) {
    const std::size_t from = kLasHeader + kVlrHeader + kCopcInfo;
    const std::string rest = f.get(from, point_data_at - from, "VLRs");
    std::size_t at = 0;
    for (std::uint32_t i = 1; i < vlr_count && at + kVlrHeader <= rest.size(); ++i) {
      const std::string_view v(rest.data() + at, kVlrHeader);
      const auto length = le<std::uint16_t>(v, 20);
      if (at + kVlrHeader + length > rest.size()) bad(f.key, "a VLR runs past the point data");
      if (v.substr(2, 14) == std::string_view("laszip encoded", 14) && le<std::uint16_t>(v, 18) == 22204)
        h.laszip_vlr = rest.substr(at + kVlrHeader, length);
      at += kVlrHeader + length;
    }
  }
  return h;
}

/// Every node with points, walking the hierarchy pages breadth-first.
std::vector<CopcNode> read_hierarchy(const File& f, const CopcHeader& h, std::uint64_t root_offset,
                                     std::uint64_t root_size, std::int32_t max_level) {
  std::vector<CopcNode> nodes;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pages{{root_offset, root_size}};
  std::set<std::uint64_t> seen{root_offset};  // a page listed twice would make a cycle
  std::set<std::tuple<int, int, int, int>> keys;  // and a node listed twice would count twice
  std::uint64_t read = 0;  // pages are disjoint parts of the file: never more than all of it
  for (std::size_t p = 0; p < pages.size(); ++p) {
    if (p >= kMaxPages) bad(f.key, "its hierarchy has more pages than any octree could");
    const auto [offset, size] = pages[p];
    if ((read += size) > f.size) bad(f.key, "its hierarchy pages add up to more than the file");
    if (size % kEntry != 0) bad(f.key, fmt::format("a hierarchy page of {} bytes, not a multiple of 32", size));
    const std::string page = f.get(offset, size, "hierarchy page");
    for (std::size_t at = 0; at < page.size(); at += kEntry) {
      CopcNode n;
      n.key = CopcKey{le<std::int32_t>(page, at), le<std::int32_t>(page, at + 4), le<std::int32_t>(page, at + 8),
                      le<std::int32_t>(page, at + 12)};
      n.offset = le<std::uint64_t>(page, at + 16);
      const auto byte_size = le<std::int32_t>(page, at + 24);
      const auto point_count = le<std::int32_t>(page, at + 28);
      const std::int64_t cells = n.key.level >= 0 && n.key.level < 32 ? std::int64_t{1} << n.key.level : 0;
      if (cells == 0 || n.key.x < 0 || n.key.y < 0 || n.key.z < 0 || n.key.x >= cells || n.key.y >= cells ||
          n.key.z >= cells || byte_size < 0 || point_count < -1)
        bad(f.key, fmt::format("a hierarchy entry with key {}-{}-{}-{} is not a node of the octree", n.key.level,
                               n.key.x, n.key.y, n.key.z));
      if (n.offset > f.size || static_cast<std::uint64_t>(byte_size) > f.size - n.offset)
        bad(f.key, fmt::format("node {}-{}-{}-{} points past its end", n.key.level, n.key.x, n.key.y, n.key.z));
      if (point_count == -1) {  // a child page, whose nodes are at its key's level or deeper
        if (!seen.insert(n.offset).second) bad(f.key, fmt::format("its hierarchy page at {} is listed twice", n.offset));
        if (max_level < 0 || n.key.level <= max_level) pages.emplace_back(n.offset, static_cast<std::uint64_t>(byte_size));
        continue;
      }
      if (point_count > 0 && !keys.emplace(n.key.level, n.key.x, n.key.y, n.key.z).second)
        bad(f.key, fmt::format("node {}-{}-{}-{} is listed twice in its hierarchy", n.key.level, n.key.x, n.key.y, n.key.z));
      if (point_count == 0 || (max_level >= 0 && n.key.level > max_level)) continue;
      n.byte_size = static_cast<std::uint32_t>(byte_size);
      n.point_count = static_cast<std::uint32_t>(point_count);
      n.bounds = node_bounds(h, n.key);
      nodes.push_back(n);
    }
  }
  return nodes;
}

}  // namespace

std::uint64_t CopcPartition::point_count() const {
  std::uint64_t n = 0;
  for (const auto& node : nodes) n += node.point_count;
  return n;
}

bool CopcPartition::owns(double x, double y) const {
  if (!spatial) return true;
  const double far_x = header.center[0] + header.halfsize, far_y = header.center[1] + header.halfsize;
  const bool in_x = x >= square.min_x && (x < square.max_x || (square.max_x >= far_x && x <= far_x));
  const bool in_y = y >= square.min_y && (y < square.max_y || (square.max_y >= far_y && y <= far_y));
  return in_x && in_y;
}

std::string CopcPartition::read_node(const CopcNode& node) const {
  auto st = detail::storage_for(backend);
  return st->get_object(bucket, key, ByteRange{node.offset, node.offset + node.byte_size});
}

std::vector<CopcPartition> copc_partitions(Storage& storage, const std::string& location, CopcSplit split) {
  if (split.n == 0) throw Error("lithops: CopcSplit needs at least 1 call (or square per side)");
  auto [bucket, key] = detail::one_object(storage, location);
  File f{storage.backend_handle(), storage.backend(), std::move(bucket), std::move(key)};
  auto info = f.st->head_object(f.bucket, f.key);
  if (!info) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", f.key, f.bucket));
  f.size = info->size;

  CopcPartition base;
  base.backend = f.backend, base.bucket = f.bucket, base.key = f.key;
  base.header = read_header(f);
  const std::string info_vlr = f.get(kLasHeader + kVlrHeader, kCopcInfo, "COPC info");
  std::vector<CopcNode> nodes = read_hierarchy(f, base.header, le<std::uint64_t>(info_vlr, 40),
                                               le<std::uint64_t>(info_vlr, 48), split.max_level);
  int depth = 0;
  for (const auto& n : nodes) depth = std::max(depth, n.key.level);
  if (depth > 21) bad(f.key, fmt::format("an octree {} levels deep", depth));
  std::sort(nodes.begin(), nodes.end(), [&](const CopcNode& a, const CopcNode& b) {
    const auto ma = morton(a.key, depth), mb = morton(b.key, depth);
    return ma != mb ? ma < mb : a.key.level < b.key.level;
  });

  std::vector<CopcPartition> parts;
  if (split.mode == CopcSplit::Mode::octree) {
    // Runs of nodes in Morton order, cut when a run reaches its share of the points left.
    std::uint64_t left = 0;
    for (const auto& n : nodes) left += n.point_count;
    std::size_t i = 0;
    for (std::uint32_t c = 0; c < split.n && i < nodes.size(); ++c) {
      CopcPartition p = base;
      const std::uint64_t share = (left + (split.n - c) - 1) / (split.n - c);
      std::uint64_t got = 0;
      while (i < nodes.size() && (got == 0 || got + nodes[i].point_count / 2 < share || c + 1 == split.n)) {
        got += nodes[i].point_count;
        p.nodes.push_back(nodes[i++]);
      }
      left -= got;
      parts.push_back(std::move(p));
    }
  } else {
    const auto& h = base.header;
    // Square i spans [edge(i), edge(i + 1)): neighbours share one computed edge, and the last
    // ends exactly on the cube's far face (owns() closes it there), whatever the rounding.
    auto edge = [&](int axis, std::uint32_t i) {
      return i == split.n ? h.center[axis] + h.halfsize : h.center[axis] - h.halfsize + 2 * h.halfsize * i / split.n;
    };
    for (std::uint32_t sy = 0; sy < split.n; ++sy) {
      for (std::uint32_t sx = 0; sx < split.n; ++sx) {
        CopcPartition p = base;
        p.spatial = true;
        p.square = CopcBounds{edge(0, sx), edge(1, sy), h.center[2] - h.halfsize, edge(0, sx + 1), edge(1, sy + 1),
                              h.center[2] + h.halfsize};
        // Touching counts: a point on a node's face may be the square's (owns() decides).
        for (const auto& n : nodes)
          if (n.bounds.min_x <= p.square.max_x && n.bounds.max_x >= p.square.min_x && n.bounds.min_y <= p.square.max_y &&
              n.bounds.max_y >= p.square.min_y)
            p.nodes.push_back(n);
        if (!p.nodes.empty()) parts.push_back(std::move(p));
      }
    }
  }
  for (std::uint32_t i = 0; i < parts.size(); ++i) {
    parts[i].part = i;
    parts[i].total_parts = static_cast<std::uint32_t>(parts.size());
  }
  return parts;
}

}  // namespace lithops
