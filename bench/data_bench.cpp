// Figures for data in storage (issue 15), each against a peer measured in the same run.
//
//   gzip   partitioned decompression of a gzip'd FASTQ on 2 workers (lines counted per chunk)
//          vs single-threaded `zcat | wc -l` of the same object, alternating; also the one-pass
//          index build vs the same zcat, and bytes fetched vs the object's size.
//
// usage: data_bench [gzip] [--mib N] [--rounds N]   (localhost storage of the default config,
//        or LITHOPS_CONFIG_FILE's; N MiB of FASTQ before compression, 256 by default)
#include <lithops/lithops.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::size_t lines_in_chunk(lithops::ObjectChunk chunk) {
  std::size_t n = 0;
  chunk.read([&](std::string_view piece) { n += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n')); });
  return n;
}

std::size_t add(std::vector<std::size_t> v) { return std::accumulate(v.begin(), v.end(), std::size_t{0}); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void write_fastq(const std::string& path, std::size_t bytes) {
  std::mt19937_64 rng(15);
  static const char bases[] = "ACGT";
  std::ofstream out(path, std::ios::binary);
  std::string rec;
  std::size_t written = 0;
  for (std::size_t i = 0; written < bytes; ++i) {
    rec = "@SRR000001." + std::to_string(i) + " length=150\n";
    std::string seq(150, 'A'), qual(150, 'I');
    for (std::size_t k = 0; k < 150; ++k) {
      seq[k] = bases[rng() & 3];
      qual[k] = static_cast<char>('5' + rng() % 10);  // real qualities are far from uniform
    }
    rec += seq + "\n+\n" + qual + "\n";
    out << rec;
    written += rec.size();
  }
}

void gzip_bench(std::size_t mib, int rounds) {
  lithops::Config config = lithops::Config::load();
  config.set("lithops.log_level", "WARNING");
  config.set("localhost.worker_processes", 2);
  lithops::FunctionExecutor fexec(config);
  lithops::Storage storage = fexec.storage();
  const std::string dir = (std::filesystem::temp_directory_path() / "lithops-data-bench").string();
  std::filesystem::create_directories(dir);
  const std::string plain = dir + "/reads.fq", packed = plain + ".gz";
  write_fastq(plain, mib << 20);
  if (std::system(("gzip -6 -c " + plain + " > " + packed).c_str()) != 0) std::exit(1);
  std::filesystem::remove(plain);
  const std::string bucket = storage.bucket(), key = "data-bench/reads.fq.gz";
  {
    std::ifstream in(packed, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    storage.put_object(bucket, key, bytes);
  }
  // zcat reads the very file the object was made from: its own best case (page cache).
  auto zcat = [&] {
    const std::string out = dir + "/zcat.out";
    auto t0 = Clock::now();
    if (std::system(("zcat " + packed + " | wc -l > " + out).c_str()) != 0) std::exit(1);
    double s = secs(Clock::now() - t0);
    std::ifstream in(out);
    std::size_t n = 0;
    in >> n;
    return std::make_pair(s, n);
  };
  auto data = lithops::objects(bucket + "/" + key).compression(lithops::Compression::gzip);
  auto t0 = Clock::now();
  auto summary = fexec.get_result(fexec.map(lithops::index_gzip, data));
  const double index_s = secs(Clock::now() - t0);
  const auto [zcat_first, expected] = zcat();
  std::printf("gzip: %zu MiB of FASTQ, %.1f MiB gzip'd; index: %llu points, %.0f KiB, built in %.2f s (zcat | wc -l: %.2f s)\n",
              mib, static_cast<double>(summary[0].compressed_size) / (1 << 20),
              static_cast<unsigned long long>(summary[0].points), static_cast<double>(summary[0].index_bytes) / 1024, index_s,
              zcat_first);
  std::vector<double> ours, theirs;
  bool same = true;
  for (int r = 0; r < rounds; ++r) {
    for (int side = 0; side < 2; ++side) {
      if ((r + side) % 2 == 0) {
        auto t = Clock::now();
        const std::size_t n = fexec.map_reduce(lines_in_chunk, lithops::ObjectData(data).obj_chunk_number(8), add).get();
        ours.push_back(secs(Clock::now() - t));
        same = same && n == expected;
      } else {
        auto [s, n] = zcat();
        theirs.push_back(s);
        same = same && n == expected;
      }
    }
  }
  const double o = median(ours), z = median(theirs);
  std::printf("gzip: 8 chunks on 2 workers %.3f s, zcat | wc -l %.3f s (medians of %d alternating rounds): %.2f x%s\n", o,
              z, rounds, z / o, same ? "" : " LINE COUNTS DIFFER");
  if (same) {
    std::printf("FIGURE gzip_split_vs_zcat %.4f\n", z / o);
    std::printf("FIGURE gzip_index_vs_zcat %.4f\n", zcat_first / index_s);
  }
  storage.delete_objects(bucket, {key, key + ".gzindex"});
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  std::size_t mib = 256;
  int rounds = 5;
  std::vector<std::string> which;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mib") == 0 && i + 1 < argc) mib = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else which.emplace_back(argv[i]);
  }
  auto want = [&](const char* n) { return which.empty() || std::find(which.begin(), which.end(), n) != which.end(); };
  if (want("gzip")) gzip_bench(mib, rounds);
}
