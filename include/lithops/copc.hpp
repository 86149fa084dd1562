#pragma once
/// @file copc.hpp
/// Cloud Optimized Point Clouds (COPC: LAS 1.4 + LAZ, with an octree of point chunks): split a
/// COPC file in storage into calls by its octree, reading only its header and hierarchy pages
/// (range requests), never its points.
///
/// @code
///   std::uint64_t points_in(lithops::CopcPartition part) {
///     std::uint64_t n = 0;
///     for (const auto& node : part.nodes) n += node.point_count;  // or decompress part.read_node(node)
///     return n;
///   }
///   lithops::Storage storage = fexec.storage();
///   auto parts = lithops::copc_partitions(storage, "lidar/city.copc.laz", lithops::CopcSplit::octree(16));
///   auto counts = fexec.get_result(fexec.map(points_in, parts));
/// @endcode
///
/// A call gets its nodes' byte ranges, point counts and bounds, and the file's header (with its
/// LAZ VLR): decompressing points needs a LAZ implementation, which Debian 12 does not package.
/// Take laz-perf (github.com/hobu/laz-perf, what PDAL and copc-lib use; its
/// `lazperf::reader::chunk_decompressor` decodes one node given the VLR), or LASzip.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lithops/serialization.hpp"
#include "lithops/storage.hpp"

namespace lithops {

/// A node of the octree: level 0 is the root cube; at level d the cube is cut in 2^d along each axis.
struct CopcKey {
  std::int32_t level = 0, x = 0, y = 0, z = 0;
  bool operator==(const CopcKey&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(level, x, y, z);
  }
};

/// An axis-aligned box, in the file's real coordinates.
struct CopcBounds {
  double min_x = 0, min_y = 0, min_z = 0, max_x = 0, max_y = 0, max_z = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(min_x, min_y, min_z, max_x, max_y, max_z);
  }
};

/// One node with points: where its LAZ chunk is, and how many points it holds.
struct CopcNode {
  CopcKey key;
  std::uint64_t offset = 0;
  std::uint32_t byte_size = 0;
  std::uint32_t point_count = 0;
  CopcBounds bounds;  ///< the node's cube
  template <class Archive>
  void serialize(Archive& ar) {
    ar(key, offset, byte_size, point_count, bounds);
  }
};

/// What a call needs of the file's header.
struct CopcHeader {
  std::uint8_t point_format = 0;          ///< 6, 7 or 8
  std::uint16_t point_record_length = 0;  ///< bytes per point, uncompressed
  std::uint64_t point_count = 0;          ///< in the file
  std::array<double, 3> scale{1, 1, 1}, offset{0, 0, 0};  ///< real = stored * scale + offset
  CopcBounds bounds;                      ///< of the points, as the header says
  std::array<double, 3> center{0, 0, 0};  ///< the octree's root cube: its center,
  double halfsize = 0, spacing = 0;       ///< half its side, and the root's point spacing
  std::string laszip_vlr;                 ///< the "laszip encoded" VLR's data: a LAZ decoder's set-up
  template <class Archive>
  void serialize(Archive& ar) {
    ar(point_format, point_record_length, point_count, scale, offset, bounds, center, halfsize, spacing, laszip_vlr);
  }
};

/// One call's share of a COPC file.
struct CopcPartition {
  std::string backend, bucket, key;  ///< where the file is
  std::uint32_t part = 0, total_parts = 1;
  CopcHeader header;
  std::vector<CopcNode> nodes;
  /// Spatial splits (CopcSplit::squares): the XY square this call owns, half-open
  /// [min, max) except on the cube's far edges. A node crossing squares is given to each of
  /// them: keep only the points inside `square` (owns()), and every point is counted once.
  bool spatial = false;
  CopcBounds square;

  /// Points in this call's nodes (for a spatial split, before keeping only the square's).
  std::uint64_t point_count() const;
  /// Whether a point at (x, y) belongs to this call (always true for octree splits).
  bool owns(double x, double y) const;
  /// The node's LAZ chunk, fetched with one range request from the storage backend the
  /// partition names: in a call, the job's (or the store its data is in); on the client, the
  /// default configuration's.
  std::string read_node(const CopcNode& node) const;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(backend, bucket, key, part, total_parts, header, nodes, spatial, square);
  }
};

/// How to split a COPC file.
struct CopcSplit {
  enum class Mode : std::uint8_t { octree, squares } mode = Mode::octree;
  std::uint32_t n = 1;  ///< octree: calls; squares: squares per side (n * n calls)
  /// Deepest level to read; deeper nodes are left out (-1: all). A coarse preview reads less.
  std::int32_t max_level = -1;

  /// Up to `calls` calls, each a run of nodes in octree (Morton) order with about the same
  /// number of points: every node once.
  static CopcSplit octree(std::uint32_t calls) { return {Mode::octree, calls, -1}; }
  /// `per_side` x `per_side` squares over the octree's XY extent (Dataplug's spatial split):
  /// each call gets every node that overlaps its square.
  static CopcSplit squares(std::uint32_t per_side) { return {Mode::squares, per_side, -1}; }
};

/// Reads the header and the octree's hierarchy pages of the COPC file at `location`
/// ("bucket/key", or "<backend>://bucket/key" of the storage given) and splits its nodes.
/// @throws DataFormatError for an object that is not LAS 1.4 with a COPC info VLR, or whose
///         hierarchy does not fit in it; NoSuchKeyError when it does not exist
std::vector<CopcPartition> copc_partitions(Storage& storage, const std::string& location, CopcSplit split);

}  // namespace lithops
