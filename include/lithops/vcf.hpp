#pragma once
/// @file vcf.hpp
/// VCF.gz (BGZF, with a tabix .tbi or .csi index) split by genomic region, each call reading
/// only its region's BGZF blocks from storage and its records parsed by htslib. A component of
/// its own: link `lithops::hts` (htslib, Debian's libhts-dev) as well as `lithops::lithops`.
///
/// @code
///   std::map<std::string, std::size_t> variants(lithops::VcfRegion region) {
///     std::map<std::string, std::size_t> n;
///     lithops::for_each_variant(region, [&](const bcf_hdr_t* h, bcf1_t* v) { ++n[bcf_seqname(h, v)]; });
///     return n;
///   }
///   auto regions = lithops::vcf_regions(storage, "cohort/calls.vcf.gz", {.window = 10'000'000});
///   auto per_call = fexec.get_result(fexec.map(variants, regions));
/// @endcode
///
/// Every variant belongs to the one region its POS falls in, whatever the windows.

#include <htslib/vcf.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lithops/serialization.hpp"
#include "lithops/storage.hpp"

namespace lithops {

/// One call's share of a VCF.gz: positions [begin, end) (0-based) of one contig.
struct VcfRegion {
  std::string backend, bucket, key;
  std::string index_key;  ///< the .tbi or .csi used
  std::string contig;
  std::int64_t begin = 0, end = 0;
  std::uint32_t part = 0, total_parts = 1;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(backend, bucket, key, index_key, contig, begin, end, part, total_parts);
  }
};

struct VcfSplit {
  /// Bases per region; 0: one region per contig. Contig lengths come from the header's
  /// ##contig lines (a contig without a length is one region).
  std::int64_t window = 0;
};

/// The regions of the VCF.gz at `location` ("bucket/key") that hold records (the contigs its
/// index knows), cut into windows. Reads the index (`key.tbi`, else `key.csi`) and the header.
/// @throws DataFormatError when there is no index (make one with `tabix -p vcf`), or for a file
///         or index htslib cannot read; NoSuchKeyError when the object does not exist
std::vector<VcfRegion> vcf_regions(Storage& storage, const std::string& location, VcfSplit split = {});

/// Calls `f(header, record)` for every record whose POS is in `region`, in file order, fetching
/// only the BGZF blocks the index names for it (from the storage the call's job uses; on the
/// client, the default configuration's). The record is unpacked up to its INFO fields.
/// @throws DataFormatError for a record htslib cannot parse (naming the object and line)
void for_each_variant(const VcfRegion& region, const std::function<void(const bcf_hdr_t*, bcf1_t*)>& f);

}  // namespace lithops
