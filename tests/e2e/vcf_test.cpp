// VCF.gz by region (issue 15): vcf_regions + for_each_variant against htslib's own tabix on
// files made by bgzip and tabix (.tbi and .csi), windows of several sizes, and bad input.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <lithops/vcf.hpp>

#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "e2e_support.hpp"

namespace e2e {

// ---- functions the calls run ----

/// "chrom:pos:ref" of every variant of the region (1-based POS, as in the file).
std::vector<std::string> variants_in(lithops::VcfRegion region) {
  std::vector<std::string> out;
  lithops::for_each_variant(region, [&](const bcf_hdr_t* h, bcf1_t* v) {
    out.push_back(fmt::format("{}:{}:{}", bcf_seqname(h, v), v->pos + 1, v->d.allele[0]));
  });
  return out;
}

namespace {

struct Contig {
  std::string name;
  std::int64_t length;  // 0: the header gives none; -1: the header does not declare it
};

}  // namespace

class Vcf : public DataE2E {
 protected:
  Vcf() : DataE2E("vcf") {}
  /// A sorted VCF of random SNPs and deletions (some crossing window ends), bgzip'd and
  /// indexed by tabix (`csi`: a CSI index); returns the expected "chrom:pos:ref" list.
  std::vector<std::string> make(const std::string& key, bool csi) {
    std::mt19937 rng(19);
    // chrM: declared without a length; chrX: not declared at all (htslib adds it as it reads).
    const std::vector<Contig> contigs{{"chr1", 2'000'000}, {"chr2", 900'000}, {"chrM", 0}, {"chrX", -1}};
    std::string text = "##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n";
    for (const auto& c : contigs) {
      if (c.length > 0) text += fmt::format("##contig=<ID={},length={}>\n", c.name, c.length);
      if (c.length == 0) text += fmt::format("##contig=<ID={}>\n", c.name);
    }
    text += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    std::vector<std::string> want;
    for (const auto& c : contigs) {
      // chr2 has records past its declared length: they still belong to its last region.
      const std::int64_t span = c.length > 0 ? c.length + (c.name == "chr2" ? 20'000 : 0) : 16'000;
      for (std::int64_t pos = 1 + rng() % 50; pos < span - 100; pos += 1 + rng() % (c.length > 0 ? 300 : 40)) {
        std::string ref(1 + (rng() % 10 == 0 ? rng() % 60 : 0), 'A');
        for (char& b : ref) b = "ACGT"[rng() % 4];
        text += fmt::format("{}\t{}\t.\t{}\t{}\t50\tPASS\tDP={}\n", c.name, pos, ref, ref.size() > 1 ? ref.substr(0, 1) : "T",
                            rng() % 90);
        want.push_back(fmt::format("{}:{}:{}", c.name, pos, ref));
      }
    }
    const std::string path = scratch(key.substr(0, key.size() - 3));
    std::ofstream(path) << text;
    const std::string cmd = fmt::format("bgzip -f {0} && tabix {1} -p vcf {0}.gz", path, csi ? "-C" : "");
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    storage_->put_object(bucket_, prefix_ + key, slurp(path + ".gz"));
    const std::string ext = csi ? ".csi" : ".tbi";
    storage_->put_object(bucket_, prefix_ + key + ext, slurp(path + ".gz" + ext));
    local_ = path + ".gz";
    return want;
  }
  /// htslib's tabix: records of a contig.
  std::size_t tabix_count(const std::string& contig) {
    const std::string out = scratch("tabix.out");
    const std::string cmd = fmt::format("tabix {} {} | wc -l > {}", local_, contig, out);
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return std::stoul(slurp(out));
  }

  std::string local_;
};

TEST_P(Vcf, EveryVariantOnceInItsRegionWhateverTheWindowsAsTabixCountsThem) {
  for (bool csi : {false, true}) {
    const auto want = make("calls.vcf.gz", csi);
    for (std::int64_t window : {std::int64_t{0}, std::int64_t{100'000}, std::int64_t{777'777}}) {
      auto regions = lithops::vcf_regions(*storage_, location("calls.vcf.gz"), lithops::VcfSplit{window});
      if (window == 100'000) {
        EXPECT_EQ(regions.size(), 20u + 9u + 1u + 1u);  // chr1, chr2 cut in 100 kb; chrM, chrX have no length
      }
      std::vector<std::string> got;
      for (auto& r : fexec_->get_result(fexec_->map(variants_in, regions))) got.insert(got.end(), r.begin(), r.end());
      EXPECT_EQ(got, want) << "window " << window << (csi ? " (csi)" : " (tbi)");
      std::map<std::string, std::size_t> per_contig;
      for (const auto& v : got) ++per_contig[v.substr(0, v.find(':'))];
      for (const char* c : {"chr1", "chr2", "chrM", "chrX"}) EXPECT_EQ(per_contig[c], tabix_count(c)) << c;
    }
  }
}

TEST_P(Vcf, NoIndexATruncatedObjectOrOneThatIsNotBgzfAreNamedErrors) {
  make("calls.vcf.gz", false);
  const std::string whole = storage_->get_object(bucket_, prefix_ + "calls.vcf.gz");
  storage_->put_object(bucket_, prefix_ + "noindex.vcf.gz", whole);
  try {
    lithops::vcf_regions(*storage_, location("noindex.vcf.gz"));
    ADD_FAILURE() << "split without an index";
  } catch (const lithops::DataFormatError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("tabix -p vcf"));
  }
  auto regions = lithops::vcf_regions(*storage_, location("calls.vcf.gz"), lithops::VcfSplit{100'000});
  // Then the object is cut short, or replaced by plain gzip, under its old index: the calls
  // whose blocks are gone fail, naming the object.
  auto expect_failures = [&](const std::string& bytes, const std::string& what, bool all) {
    storage_->put_object(bucket_, prefix_ + "calls.vcf.gz", bytes);
    auto fs = fexec_->map(variants_in, regions);
    fexec_->wait(fs);
    std::size_t failed = 0;
    for (const auto& f : fs) {
      if (f.success()) continue;
      ++failed;
      try {
        f.get();
      } catch (const lithops::RemoteError& e) {
        EXPECT_EQ(e.type_name(), "lithops::DataFormatError") << e.what();
        EXPECT_THAT(e.what(), ::testing::HasSubstr(prefix_ + "calls.vcf.gz"));
        EXPECT_THAT(e.what(), ::testing::HasSubstr(what));
      }
    }
    if (all) {
      EXPECT_EQ(failed, fs.size());
    } else {
      EXPECT_GT(failed, 0u);
      EXPECT_LT(failed, fs.size());  // the regions of the first half still read
    }
  };
  expect_failures(whole.substr(0, whole.size() / 2), "past its end", false);
  const std::string plain = scratch("plain.vcf.gz");
  ASSERT_EQ(std::system(fmt::format("zcat {} | gzip -c > {}", local_, plain).c_str()), 0);
  expect_failures(slurp(plain), "not BGZF", true);
}

INSTANTIATE_TEST_SUITE_P(Storages, Vcf, ::testing::Values(Setup{"pipe", 2}, Setup{"pipe", 2, "s3"}), setup_name);

}  // namespace e2e
