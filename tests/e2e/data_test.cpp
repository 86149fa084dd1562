// Mapping over data in storage (lithops::objects, ObjectChunk) and the Storage API used from
// calls, on every storage backend (localhost, Ceph RGW over S3, Redis).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <numeric>
#include <random>

#include "e2e_support.hpp"

namespace e2e {

// ---- functions the calls run ----

std::string chunk_text(lithops::ObjectChunk chunk) { return chunk.read(); }

std::string chunk_text_streamed(lithops::ObjectChunk chunk) {
  auto in = chunk.stream();
  return std::string(std::istreambuf_iterator<char>(*in), std::istreambuf_iterator<char>());
}

std::string chunk_identity(lithops::ObjectChunk chunk) {
  return fmt::format("{}:{}/{}:{}-{}:{}", chunk.key, chunk.part, chunk.total_parts, chunk.range.first,
                     chunk.range.last, chunk.object_size);
}

std::size_t total(std::vector<std::size_t> counts) { return std::accumulate(counts.begin(), counts.end(), std::size_t{0}); }

std::string concat(std::vector<std::string> parts) {
  std::string out;
  for (auto& p : parts) out += p;
  return out;
}

/// Writes an object from inside a call, through the job's storage.
std::string put_from_call(std::string key, std::string value) {
  lithops::Storage storage;
  storage.put_object(storage.bucket(), key, value);
  return storage.backend();
}

long long sum_cloudobject(lithops::CloudObject<std::vector<int>> obj) {
  lithops::Storage storage;
  auto v = storage.get_cloudobject(obj);
  return std::accumulate(v.begin(), v.end(), 0LL);
}

std::string csv_rows_of(lithops::ObjectChunk chunk) {
  std::string out;
  chunk.for_each_csv_row([&](const std::vector<std::string>& fields) { out += fmt::format("{}\n", fmt::join(fields, "|")); });
  return out;
}

std::string fasta_records_of(lithops::ObjectChunk chunk) {
  std::string out;
  chunk.for_each_fasta([&](const lithops::FastaRecord& r) { out += fmt::format("{}={}\n", r.header, r.sequence); });
  return out;
}

std::string fastq_records_of(lithops::ObjectChunk chunk) {
  std::string out;
  chunk.for_each_fastq(
      [&](const lithops::FastqRecord& r) { out += fmt::format("{}={}={}\n", r.header, r.sequence, r.quality); });
  return out;
}

// ---- data ----

std::string random_words(std::mt19937& rng, std::size_t bytes, std::size_t& words) {
  static const char* vocab[] = {"lithops", "c++", "storage", "chunk", "a", "map", "reduce", "object"};
  std::string out;
  while (out.size() < bytes) {
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      out += vocab[rng() % 8];
      out += i + 1 < n ? (rng() % 7 == 0 ? "  " : " ") : "";
      ++words;
    }
    out += '\n';
  }
  return out;
}

class Data : public DataE2E {
 protected:
  Data() : DataE2E("data") {}

;
};

TEST_P(Data, OneCallPerObjectUnderAPrefix) {
  for (int i = 0; i < 5; ++i) storage_->put_object(bucket_, prefix_ + fmt::format("obj-{}", i), std::string(10 * i, 'x'));
  storage_->put_object(bucket_, prefix_ + "sub/deeper", "yy");
  auto ids = fexec_->get_result(fexec_->map(chunk_identity, lithops::objects(location())));
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids[0], prefix_ + "obj-0:0/1:0-0:0");
  EXPECT_EQ(ids[3], prefix_ + "obj-3:0/1:0-30:30");
  EXPECT_EQ(ids[5], prefix_ + "sub/deeper:0/1:0-2:2");
}

TEST_P(Data, ChunkedWordCountMatchesASequentialCount) {
  std::mt19937 rng(7);
  std::size_t expected = 0;
  std::vector<std::string> texts;
  for (int i = 0; i < 3; ++i) {
    texts.push_back(random_words(rng, 150000 + 7919 * i, expected));
    storage_->put_object(bucket_, prefix_ + fmt::format("text-{}.txt", i), texts.back());
  }
  texts.back() += "last line without a newline";
  expected += 5;
  storage_->put_object(bucket_, prefix_ + "text-2.txt", texts.back());
  for (auto data : {lithops::objects(location()).obj_chunk_size(10000),
                    lithops::objects(location()).obj_chunk_number(7)}) {
    auto counts = fexec_->get_result(fexec_->map(words_in_chunk, data));
    EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), std::size_t{0}), expected);
    EXPECT_EQ(fexec_->map_reduce(words_in_chunk, data, total).get(), expected);
  }
  // The chunks of each object, read whole or streamed, put together, are the object.
  auto parts = fexec_->get_result(fexec_->map(chunk_text, lithops::objects(location("text-1.txt")).obj_chunk_size(4096)));
  EXPECT_GT(parts.size(), 30u);
  EXPECT_EQ(concat(parts), texts[1]);
  for (const auto& p : parts) EXPECT_TRUE(p.empty() || p.back() == '\n');
  auto streamed =
      fexec_->get_result(fexec_->map(chunk_text_streamed, lithops::objects(location("text-1.txt")).obj_chunk_size(4096)));
  EXPECT_EQ(streamed, parts);
}

TEST_P(Data, MapReduceWithOneReducerPerObject) {
  std::mt19937 rng(8);
  std::vector<std::size_t> expected;
  for (int i = 0; i < 3; ++i) {
    std::size_t words = 0;
    storage_->put_object(bucket_, prefix_ + fmt::format("o{}", i), random_words(rng, 40000 * (i + 1), words));
    expected.push_back(words);
  }
  auto fs = fexec_->map_reduce(words_in_chunk, lithops::objects(location()).obj_chunk_size(8192), total,
                               lithops::reducer_one_per_object);
  EXPECT_EQ(fexec_->get_result(fs), expected);
}

TEST_P(Data, ExplicitKeysAndBackendSchemes) {
  storage_->put_object(bucket_, prefix_ + "a", "one two\n");
  storage_->put_object(bucket_, prefix_ + "b", "three\n");
  auto data = lithops::ObjectData::keys(bucket_, {prefix_ + "b", prefix_ + "a"});
  EXPECT_EQ(fexec_->get_result(fexec_->map(words_in_chunk, data)), (std::vector<std::size_t>{1, 2}));
  auto scheme = storage_->backend() + "://" + location("a");
  EXPECT_EQ(fexec_->get_result(fexec_->map(words_in_chunk, lithops::objects(scheme))), std::vector<std::size_t>{2});
  // A whole bucket: every object in it, except Lithops' own job data.
  auto bucket = lithops::testing::unique_bucket("whole");
  storage_->create_bucket(bucket);
  storage_->put_object(bucket, "x/1", "a b c\n");
  storage_->put_object(bucket, "y", "d\n");
  storage_->put_object(bucket, "lithops.jobs/not-input", "e f\n");
  EXPECT_EQ(fexec_->get_result(fexec_->map(words_in_chunk, lithops::objects(bucket))),
            (std::vector<std::size_t>{3, 1}));
  storage_->delete_objects(bucket, storage_->list_keys(bucket));
}

TEST_P(Data, CsvFastaAndFastqChunksHoldWholeRecords) {
  std::string csv, fasta, fastq;
  for (int i = 0; i < 400; ++i) {
    csv += fmt::format("id{},\"a quoted\nfield, with \"\"quotes\"\"\",{}\n", i, i * i);
    fasta += fmt::format(">seq{}\nACGTACGTAC\nGGTT\n", i);
    fastq += fmt::format("@read{}\nACGTAC\n+\n{}IIII!\n", i, i % 2 ? '@' : '+');
  }
  storage_->put_object(bucket_, prefix_ + "t.csv", csv);
  storage_->put_object(bucket_, prefix_ + "t.fasta", fasta);
  storage_->put_object(bucket_, prefix_ + "t.fastq", fastq);
  struct Case {
    const char* key;
    const lithops::RecordFormat& format;
    const std::string& data;
    char record_start;
  };
  for (const Case& c : {Case{"t.csv", lithops::csv(), csv, 'i'}, Case{"t.fasta", lithops::fasta(), fasta, '>'},
                        Case{"t.fastq", lithops::fastq(), fastq, '@'}}) {
    auto parts = fexec_->get_result(
        fexec_->map(chunk_text, lithops::objects(location(c.key)).obj_chunk_size(777).format(c.format)));
    EXPECT_EQ(concat(parts), c.data) << c.key;
    for (const auto& p : parts) EXPECT_TRUE(p.empty() || p.front() == c.record_start) << c.key << ": " << p.substr(0, 20);
  }
}

TEST_P(Data, RecordsAreWalkedWholeWithTheirFieldsOnceWhateverTheChunkSize) {
  std::string csv, fasta, fastq, want_csv, want_fasta, want_fastq;
  for (int i = 0; i < 300; ++i) {
    csv += fmt::format("id{},\"a quoted\nfield, with \"\"quotes\"\"\",{}\r\n", i, i * i);
    want_csv += fmt::format("id{}|a quoted\nfield, with \"quotes\"|{}\n", i, i * i);
    fasta += fmt::format(">seq{} sample\nACGTACGTAC\nGGTT\n", i);
    want_fasta += fmt::format("seq{} sample=ACGTACGTACGGTT\n", i);
    fastq += fmt::format("@read{}\nACGTAC\n+\n{}IIII!\n", i, i % 2 ? '@' : '+');
    want_fastq += fmt::format("read{}=ACGTAC={}IIII!\n", i, i % 2 ? '@' : '+');
  }
  storage_->put_object(bucket_, prefix_ + "t.csv", csv);
  storage_->put_object(bucket_, prefix_ + "t.fasta", fasta);
  storage_->put_object(bucket_, prefix_ + "t.fastq", fastq);
  for (std::uint64_t size : {611ull, 4099ull, 1ull << 20}) {
    EXPECT_EQ(concat(fexec_->get_result(fexec_->map(
                  csv_rows_of, lithops::objects(location("t.csv")).obj_chunk_size(size).format(lithops::csv())))),
              want_csv)
        << size;
    EXPECT_EQ(concat(fexec_->get_result(fexec_->map(
                  fasta_records_of, lithops::objects(location("t.fasta")).obj_chunk_size(size).format(lithops::fasta())))),
              want_fasta)
        << size;
    EXPECT_EQ(concat(fexec_->get_result(fexec_->map(
                  fastq_records_of, lithops::objects(location("t.fastq")).obj_chunk_size(size).format(lithops::fastq())))),
              want_fastq)
        << size;
  }
}

TEST_P(Data, ARecordThatIsNotItsFormatOrAWalkOfAnotherFormatIsANamedError) {
  storage_->put_object(bucket_, prefix_ + "bad.fastq", "@r1\nACGT\n+\nIIII\n@r2\nACGT\nIII\n+\n");
  storage_->put_object(bucket_, prefix_ + "t.csv", "a,b\n");
  auto bad = fexec_->map(fastq_records_of, lithops::objects(location("bad.fastq")).format(lithops::fastq()));
  try {
    fexec_->get_result(bad);
    FAIL() << "a broken FASTQ record was accepted";
  } catch (const std::exception& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("record 2 of chunk 0 of '" + prefix_ + "bad.fastq'"));
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("is not a FASTQ record"));
  }
  auto lines = fexec_->map(csv_rows_of, lithops::objects(location("t.csv")));  // split as lines
  try {
    fexec_->get_result(lines);
    FAIL() << "CSV rows were walked over chunks split as lines";
  } catch (const std::exception& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("split as lines, not csv"));
  }
}

TEST_P(Data, NothingToMapOverIsAClearError) {
  try {
    fexec_->map(words_in_chunk, lithops::objects(location("nothing-here/")));
    FAIL() << "expected lithops::Error";
  } catch (const lithops::Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no objects"));
  }
  const std::string other = storage_->backend() == "redis" ? "ceph" : "redis";
  EXPECT_THROW(fexec_->map(words_in_chunk, lithops::objects(other + "://" + location())), lithops::Error);
  EXPECT_THROW(fexec_->map(words_in_chunk, lithops::ObjectData::keys(bucket_, {prefix_ + "missing"})),
               lithops::NoSuchKeyError);
}

TEST_P(Data, CallsUseTheJobsStorageAndCloudObjects) {
  auto backend = fexec_->call_async(put_from_call, prefix_ + "from-call", "written by a worker").get();
  EXPECT_EQ(backend, storage_->backend());
  EXPECT_EQ(storage_->get_object(bucket_, prefix_ + "from-call"), "written by a worker");
  auto obj = storage_->put_cloudobject(std::vector<int>{1, 2, 3, 4}, bucket_, prefix_ + "numbers");
  EXPECT_EQ(fexec_->call_async(sum_cloudobject, obj).get(), 10);
}

INSTANTIATE_TEST_SUITE_P(Storages, Data, storages(), setup_name);

// Public HTTP(S) data: an object made public-read on the S3 server, mapped over by URL.
TEST(DataFromUrls, ChunkedMapOverAUrl) {
  auto cfg = lithops::testing::with_s3_storage(lithops::testing::test_config("pipe", 2));
  lithops::FunctionExecutor fexec(cfg);
  auto st = fexec.storage();
  std::mt19937 rng(9);
  std::size_t words = 0;
  std::string text = random_words(rng, 60000, words);
  auto file = lithops::testing::test_storage_dir() + "/public.txt";
  { std::ofstream(file) << text; }
  const std::string url = "http://127.0.0.1:7480/" + st.bucket() + "/public-" + lithops::testing::unique_bucket("u");
  // The S3 API has no call for a public object in our Storage: the curl CLI makes one.
  std::string cmd = "curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user AKTEST:SKTEST -H 'x-amz-acl: public-read' "
                    "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T '" + file + "' '" + url + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(fexec.map_reduce(words_in_chunk, lithops::objects(url).obj_chunk_size(5000), total).get(), words);
  auto parts = fexec.get_result(fexec.map(chunk_text, lithops::objects(url).obj_chunk_number(9)));
  EXPECT_EQ(parts.size(), 9u);
  EXPECT_EQ(concat(parts), text);
}

}  // namespace e2e

namespace e2e {

// Data in another store than the executor's: the location names it (`<backend>://`), the
// client lists it with its own client for that store, and each worker reads its chunks with
// one of its own, from the section the job carries. Here: jobs on localhost storage, data in
// Azure (Azurite), in Google Cloud Storage (fake-gcs-server) and in Swift (Keystone), both transports.
class DataElsewhere : public ::testing::TestWithParam<std::string> {};

TEST_P(DataElsewhere, AMapReadsObjectsFromAnotherStoreThanItsOwn) {
  auto cfg = lithops::testing::test_config(GetParam(), 2);  // localhost storage
  const std::string container = lithops::testing::unique_bucket("elsewhere");
  cfg = lithops::testing::with_azure_storage(cfg, container);
  cfg = lithops::testing::with_gcs_storage(cfg, container);
  cfg = lithops::testing::with_swift_storage(cfg, container);
  cfg.set("lithops.storage", "localhost");
  lithops::FunctionExecutor fexec(cfg);
  ASSERT_EQ(fexec.storage().backend(), "localhost");
  for (const std::string backend : {"azure_storage", "gcp_storage", "swift"}) {
    lithops::Storage store(cfg, backend);
    store.create_bucket(container);
    std::mt19937 rng(11);
    std::size_t words = 0;
    for (int i = 0; i < 3; ++i) store.put_object(container, fmt::format("in/t{}.txt", i), random_words(rng, 30000, words));
    const std::string where = backend + "://" + container + "/in/";
    auto counts = fexec.get_result(fexec.map(words_in_chunk, lithops::objects(where).obj_chunk_size(7000)));
    EXPECT_GT(counts.size(), 3u) << backend;
    EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), std::size_t{0}), words) << backend;
    EXPECT_EQ(fexec.map_reduce(words_in_chunk, lithops::objects(where + "t1.txt"), total).get(),
              fexec.get_result(fexec.map(words_in_chunk, lithops::objects(where + "t1.txt"))).front())
        << backend;
    store.delete_objects(container, store.list_keys(container, "in/"));
  }
}

TEST_P(DataElsewhere, AStoreTheConfigurationCannotOpenIsNamedWithItsKey) {
  auto cfg = lithops::testing::test_config(GetParam(), 2);
  ::unsetenv("AZURE_STORAGE_CONNECTION_STRING");
  lithops::FunctionExecutor fexec(cfg);
  try {
    fexec.map(words_in_chunk, lithops::objects("azure_storage://some-container/in/"));
    FAIL() << "mapped over a store with no configuration";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("azure_storage.storage_account_name"));
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, DataElsewhere, ::testing::Values("pipe", "storage"));

}  // namespace e2e
