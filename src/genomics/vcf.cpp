// VCF.gz by region: the tabix/CSI index and the header through htslib, the BGZF blocks a
// region needs through this project's storage (htslib's own I/O layer has no public way to
// plug a storage client in, so its blocks are fetched with range requests and inflated here),
// the records parsed by htslib's vcf_parse.
#include "lithops/vcf.hpp"

#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <memory>

#include "data/object_source.hpp"
#include "lithops/errors.hpp"
#include "storage/storage_backend.hpp"

namespace lithops {

namespace {

using detail::StorageBackend;

constexpr std::size_t kMaxBlock = 65536;  // BGZF's bound on a block, header and trailer included
constexpr std::uint64_t kFetch = 1 << 20;

[[noreturn]] void bad(const std::string& key, const std::string& what) {
  throw DataFormatError(fmt::format("lithops: '{}': {}", key, what));
}

struct Object {
  std::shared_ptr<StorageBackend> st;
  std::string bucket, key;
  std::uint64_t size = 0;
};

/// Walks BGZF blocks from a compressed offset, fetching 1 MiB at a time, handing on each
/// block's data until `f` returns false or the object ends.
void for_each_block(const Object& o, std::uint64_t from, const std::function<bool(std::uint64_t, std::string_view)>& f) {
  std::string buf;
  std::uint64_t buf_at = from;
  std::string out(kMaxBlock, '\0');
  for (std::uint64_t at = from; at < o.size;) {
    if (at + 18 > buf_at + buf.size() || at < buf_at) {  // refill from the block's start
      buf = o.st->get_object(o.bucket, o.key, ByteRange{at, std::min(o.size, at + kFetch)});
      buf_at = at;
    }
    const std::string_view b(buf.data() + (at - buf_at), buf.size() - (at - buf_at));
    const auto u8 = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
    if (b.size() < 18 || u8(0) != 0x1f || u8(1) != 0x8b || u8(2) != 8 || !(u8(3) & 4))
      bad(o.key, fmt::format("not BGZF at compressed byte {} (bgzip it: VCF.gz must be BGZF to be indexed)", at));
    const std::size_t xlen = u8(10) | u8(11) << 8;
    std::size_t bsize = 0;
    for (std::size_t x = 12; x + 4 <= 12 + xlen && x + 4 <= b.size();) {  // the 'BC' subfield holds BSIZE
      const std::size_t slen = u8(x + 2) | u8(x + 3) << 8;
      if (b[x] == 'B' && b[x + 1] == 'C' && slen == 2 && x + 6 <= b.size()) bsize = (u8(x + 4) | u8(x + 5) << 8) + 1u;
      x += 4 + slen;
    }
    if (bsize < 12 + xlen + 8) bad(o.key, fmt::format("a gzip block without a valid BGZF size at compressed byte {}", at));
    if (at + bsize > o.size) bad(o.key, fmt::format("truncated: its BGZF block at {} runs past its end", at));
    if (at + bsize > buf_at + buf.size()) {  // the block continues past what was fetched
      buf = o.st->get_object(o.bucket, o.key, ByteRange{at, std::min(o.size, at + std::max<std::uint64_t>(kFetch, bsize))});
      buf_at = at;
      if (buf.size() < bsize) bad(o.key, fmt::format("truncated: its BGZF block at {} runs past its end", at));
      continue;
    }
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) throw Error("lithops: zlib could not start inflating");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data() + 12 + xlen));
    z.avail_in = static_cast<uInt>(bsize - 12 - xlen - 8);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int ret = inflate(&z, Z_FINISH);
    const std::size_t produced = z.total_out;
    inflateEnd(&z);
    // The block's trailer: CRC32 and size of its data (cheap next to inflating it).
    const std::uint32_t crc = u8(bsize - 8) | u8(bsize - 7) << 8 | u8(bsize - 6) << 16 | std::uint32_t(u8(bsize - 5)) << 24;
    const std::uint32_t isize = u8(bsize - 4) | u8(bsize - 3) << 8 | u8(bsize - 2) << 16 | std::uint32_t(u8(bsize - 1)) << 24;
    if (ret != Z_STREAM_END || produced != isize ||
        crc32(0, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(produced)) != crc)
      bad(o.key, fmt::format("a corrupt BGZF block at compressed byte {}", at));
    if (!f(at, std::string_view(out.data(), produced))) return;
    at += bsize;
  }
}

/// The uncompressed bytes between two virtual offsets (BGZF: block offset << 16 | offset in block).
std::string read_virtual(const Object& o, std::uint64_t begin, std::uint64_t end) {
  std::string out;
  const std::uint64_t first = begin >> 16, last = end >> 16;
  for_each_block(o, first, [&](std::uint64_t at, std::string_view data) {
    const std::size_t from = at == first ? std::min<std::size_t>(begin & 0xffff, data.size()) : 0;
    const std::size_t to = at == last ? std::min<std::size_t>(end & 0xffff, data.size()) : data.size();
    if (to > from) out.append(data.substr(from, to - from));
    return at < last;
  });
  return out;
}

struct HdrFree {
  void operator()(bcf_hdr_t* h) const { bcf_hdr_destroy(h); }
};
struct TbxFree {
  void operator()(tbx_t* t) const { tbx_destroy(t); }
};
struct ItrFree {
  void operator()(hts_itr_t* i) const { hts_itr_destroy(i); }
};
struct RecFree {
  void operator()(bcf1_t* r) const { bcf_destroy(r); }
};

/// The header lines at the start of the file, parsed by htslib.
std::unique_ptr<bcf_hdr_t, HdrFree> read_header(const Object& o) {
  std::string text;
  for_each_block(o, 0, [&](std::uint64_t, std::string_view data) {
    text.append(data);
    // The header ends at the first line that does not start with '#'.
    for (std::size_t line = 0; line < text.size();) {
      if (text[line] != '#') {
        text.resize(line);
        return false;
      }
      const auto nl = text.find('\n', line);
      if (nl == std::string::npos) break;
      line = nl + 1;
    }
    return true;
  });
  if (text.rfind("##fileformat=VCF", 0) != 0) bad(o.key, "not a VCF (no ##fileformat=VCF line first)");
  std::unique_ptr<bcf_hdr_t, HdrFree> hdr(bcf_hdr_init("r"));
  if (!hdr || bcf_hdr_parse(hdr.get(), text.data()) != 0) bad(o.key, "htslib could not parse its VCF header");
  return hdr;
}

/// The index beside the object, in a temporary file for htslib, loaded.
std::unique_ptr<tbx_t, TbxFree> load_index(const Object& o, const std::string& index_key) {
  std::string bytes;
  try {
    bytes = o.st->get_object(o.bucket, index_key);
  } catch (const NoSuchKeyError&) {
    bad(o.key, fmt::format("its index '{}' is gone", index_key));
  }
  const std::string ext = index_key.substr(index_key.rfind('.'));
  std::string path = "/tmp/lithops-index-XXXXXX" + ext;
  const int fd = ::mkstemps(path.data(), static_cast<int>(ext.size()));
  if (fd < 0) throw Error("lithops: cannot make a temporary file for a VCF index");
  const bool written = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  std::unique_ptr<tbx_t, TbxFree> tbx(written ? tbx_index_load2(o.key.c_str(), path.c_str()) : nullptr);
  ::unlink(path.c_str());
  if (!tbx) bad(o.key, fmt::format("htslib cannot read its index '{}' as tabix or CSI", index_key));
  return tbx;
}

Object open(Storage& storage, const std::string& location) {
  auto [bucket, key] = detail::one_object(storage, location);
  Object o{storage.backend_handle(), std::move(bucket), std::move(key)};
  auto info = o.st->head_object(o.bucket, o.key);
  if (!info) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", o.key, o.bucket));
  o.size = info->size;
  return o;
}

}  // namespace

std::vector<VcfRegion> vcf_regions(Storage& storage, const std::string& location, VcfSplit split) {
  Object o = open(storage, location);
  std::string index_key;
  for (const char* ext : {".tbi", ".csi"})
    if (o.st->head_object(o.bucket, o.key + ext)) {
      index_key = o.key + ext;
      break;
    }
  if (index_key.empty())
    bad(o.key, fmt::format("no index ('{0}.tbi' or '{0}.csi') to split it by region: make one with tabix -p vcf", o.key));
  auto tbx = load_index(o, index_key);
  auto hdr = read_header(o);
  int n = 0;
  const char** names = tbx_seqnames(tbx.get(), &n);
  std::vector<VcfRegion> regions;
  for (int i = 0; i < n; ++i) {
    const int id = bcf_hdr_name2id(hdr.get(), names[i]);
    const std::int64_t length = id >= 0 ? static_cast<std::int64_t>(hdr->id[BCF_DT_CTG][id].val->info[0]) : 0;
    // The last window runs to the end of any position: a record past the declared length
    // (or on a contig the header never declares) still belongs to one region.
    const std::int64_t step = split.window > 0 && length > 0 ? split.window : HTS_POS_MAX;
    for (std::int64_t b = 0; b < HTS_POS_MAX; b += step) {
      const bool last = step == HTS_POS_MAX || b + step >= length;
      regions.push_back(VcfRegion{storage.backend(), o.bucket, o.key, index_key, names[i], b, last ? HTS_POS_MAX : b + step});
      if (last) break;
    }
  }
  std::free(names);
  for (std::size_t i = 0; i < regions.size(); ++i) {
    regions[i].part = static_cast<std::uint32_t>(i);
    regions[i].total_parts = static_cast<std::uint32_t>(regions.size());
  }
  return regions;
}

void for_each_variant(const VcfRegion& region, const std::function<void(const bcf_hdr_t*, bcf1_t*)>& f) {
  Object o{detail::storage_for(region.backend), region.bucket, region.key};
  auto info = o.st->head_object(o.bucket, o.key);
  if (!info) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", o.key, o.bucket));
  o.size = info->size;
  auto tbx = load_index(o, region.index_key);
  auto hdr = read_header(o);
  const int tid = tbx_name2id(tbx.get(), region.contig.c_str());
  if (tid < 0) return;  // the index knows no records there
  std::unique_ptr<hts_itr_t, ItrFree> itr(tbx_itr_queryi(tbx.get(), tid, region.begin, region.end));
  if (!itr) bad(o.key, fmt::format("htslib could not query its index for {}:{}-{}", region.contig, region.begin, region.end));
  std::unique_ptr<bcf1_t, RecFree> rec(bcf_init());
  struct Line {
    kstring_t s = {0, 0, nullptr};
    ~Line() { std::free(s.s); }
  } owned;
  kstring_t& line = owned.s;
  for (int c = 0; c < itr->n_off; ++c) {
    const std::string text = read_virtual(o, itr->off[c].u, itr->off[c].v);
    for (std::size_t at = 0; at < text.size();) {
      std::size_t nl = text.find('\n', at);
      if (nl == std::string::npos) nl = text.size();
      if (nl > at && text[at] != '#') {
        line.l = 0;
        kputsn(text.data() + at, nl - at, &line);
        if (vcf_parse(&line, hdr.get(), rec.get()) < 0) {
          bad(o.key, fmt::format("htslib cannot parse the VCF record '{}'", text.substr(at, std::min<std::size_t>(nl - at, 80))));
        }
        // By name: a contig the header does not declare is added by vcf_parse as it meets it.
        if (rec->pos >= region.begin && rec->pos < region.end && region.contig == bcf_seqname(hdr.get(), rec.get())) {
          bcf_unpack(rec.get(), BCF_UN_INFO);
          f(hdr.get(), rec.get());
        }
      }
      at = nl + 1;
    }
  }
}

}  // namespace lithops
