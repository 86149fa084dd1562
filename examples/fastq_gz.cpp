// Read count and GC content over a gzip'd FASTQ in storage, split into record-aligned chunks
// of its uncompressed bytes: index it once (one call per object), then one call per chunk.
#include <lithops/lithops.hpp>
#include <zlib.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

struct GcStats {
  std::uint64_t reads = 0, bases = 0, gc = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(reads, bases, gc);
  }
};

GcStats gc_of_chunk(lithops::ObjectChunk chunk) {
  GcStats s;
  chunk.for_each_fastq([&](const lithops::FastqRecord& r) {
    ++s.reads;
    s.bases += r.sequence.size();
    for (char b : r.sequence) s.gc += b == 'G' || b == 'C';
  });
  return s;
}

GcStats add(std::vector<GcStats> parts) {
  GcStats t;
  for (const auto& p : parts) t.reads += p.reads, t.bases += p.bases, t.gc += p.gc;
  return t;
}

// What a sequencer would have written, gzip'd (zlib, as gzip does), with its true counts.
std::string make_fastq_gz(GcStats& truth) {
  std::mt19937 rng(42);
  std::string fastq;
  for (int i = 0; i < 100000; ++i) {
    std::string seq(100 + rng() % 51, 'A');
    for (char& b : seq) b = "ACGT"[rng() % 4];
    truth.reads++, truth.bases += seq.size();
    for (char b : seq) truth.gc += b == 'G' || b == 'C';
    fastq += "@read" + std::to_string(i) + "\n" + seq + "\n+\n" + std::string(seq.size(), 'I') + "\n";
  }
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 15 + 16: a gzip stream
  std::string out(deflateBound(&z, fastq.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(fastq.data());
  z.avail_in = static_cast<uInt>(fastq.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  lithops::Storage storage = fexec.storage();
  const std::string bucket = storage.bucket();
  GcStats truth;
  storage.put_object(bucket, "reads/run1.fastq.gz", make_fastq_gz(truth));

  auto reads = lithops::objects(bucket + "/reads/").compression(lithops::Compression::gzip);
  // Once per object: an index of inflate access points, beside it (reads/run1.fastq.gz.gzindex).
  auto indexed = fexec.get_result(fexec.map(lithops::index_gzip_span, reads, lithops::extra_args(std::uint64_t{1} << 20)));
  std::cout << indexed[0].key << ": " << indexed[0].compressed_size << " bytes gzip'd, " << indexed[0].uncompressed_size
            << " uncompressed, " << indexed[0].points << " access points\n";

  // 8 chunks of the uncompressed reads, each inflated from its nearest access point.
  GcStats s = fexec.map_reduce(gc_of_chunk, reads.obj_chunk_number(8).format(lithops::fastq()), add).get();
  std::cout << "reads: " << s.reads << ", bases: " << s.bases << ", GC: " << 100.0 * static_cast<double>(s.gc) / static_cast<double>(s.bases) << " %\n";

  storage.delete_objects(bucket, storage.list_keys(bucket, "reads/"));
  return s.reads == truth.reads && s.bases == truth.bases && s.gc == truth.gc ? 0 : 1;
}
