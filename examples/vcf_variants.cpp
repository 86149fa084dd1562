// Variants per chromosome over a VCF.gz in storage, one call per 1 Mb region: each call reads
// only the BGZF blocks the tabix index names for its region. The input is written with
// htslib itself (bgzip'd and indexed, as bgzip and tabix would).
#include <htslib/bgzf.h>
#include <htslib/tbx.h>
#include <lithops/lithops.hpp>
#include <lithops/vcf.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>

using Counts = std::map<std::string, std::size_t>;

Counts variants_per_chromosome(lithops::VcfRegion region) {
  Counts n;
  lithops::for_each_variant(region, [&](const bcf_hdr_t* h, bcf1_t* v) { ++n[bcf_seqname(h, v)]; });
  return n;
}

Counts add(std::vector<Counts> parts) {
  Counts total;
  for (const auto& p : parts)
    for (const auto& [chrom, n] : p) total[chrom] += n;
  return total;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  lithops::Storage storage = fexec.storage();
  const std::string bucket = storage.bucket();

  // A VCF of 3 chromosomes with random SNPs, bgzip'd and tabix-indexed with htslib.
  Counts truth;
  std::mt19937 rng(7);
  std::string text = "##fileformat=VCFv4.2\n";
  const std::map<std::string, int> lengths{{"chr1", 5'000'000}, {"chr2", 3'000'000}, {"chr3", 2'000'000}};
  for (const auto& [chrom, len] : lengths) text += "##contig=<ID=" + chrom + ",length=" + std::to_string(len) + ">\n";
  text += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
  for (const auto& [chrom, len] : lengths)
    for (int pos = 1 + static_cast<int>(rng() % 1000); pos < len; pos += 1 + static_cast<int>(rng() % 2000)) {
      text += chrom + "\t" + std::to_string(pos) + "\t.\tA\tG\t60\tPASS\t.\n";
      ++truth[chrom];
    }
  const std::string path = "/tmp/lithops-example-" + std::to_string(::getpid()) + ".vcf.gz";
  BGZF* out = bgzf_open(path.c_str(), "w");
  if (!out || bgzf_write(out, text.data(), text.size()) < 0 || bgzf_close(out) != 0) return 2;
  if (tbx_index_build(path.c_str(), 0, &tbx_conf_vcf) != 0) return 2;
  storage.put_object(bucket, "cohort/calls.vcf.gz", slurp(path));
  storage.put_object(bucket, "cohort/calls.vcf.gz.tbi", slurp(path + ".tbi"));
  std::remove(path.c_str());
  std::remove((path + ".tbi").c_str());

  auto regions = lithops::vcf_regions(storage, bucket + "/cohort/calls.vcf.gz", lithops::VcfSplit{1'000'000});
  Counts counts = add(fexec.get_result(fexec.map(variants_per_chromosome, regions)));
  std::cout << regions.size() << " regions\n";
  for (const auto& [chrom, n] : counts) std::cout << chrom << ": " << n << " variants\n";

  storage.delete_objects(bucket, storage.list_keys(bucket, "cohort/"));
  return counts == truth ? 0 : 1;
}
