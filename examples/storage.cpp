// The Storage API and the storage OS API: objects in whatever storage the config names
// (a local directory, an S3-compatible service, Redis), and typed values passed to calls.
#include <lithops/lithops.hpp>

#include <iostream>
#include <numeric>
#include <string>
#include <vector>

// A call reads a typed value the client stored, through the job's storage.
double mean_of(lithops::CloudObject<std::vector<double>> samples) {
  lithops::Storage storage;  // inside a call: the job's storage
  auto v = storage.get_cloudobject(samples);
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  lithops::FunctionExecutor fexec;
  lithops::Storage storage = fexec.storage();
  const std::string bucket = storage.bucket();

  // Objects: put, get a range, head, list, delete.
  storage.put_object(bucket, "example/greeting.txt", "hello from lithops");
  std::cout << storage.get_object(bucket, "example/greeting.txt", lithops::ByteRange{0, 5}) << '\n';  // hello
  auto info = storage.head_object(bucket, "example/greeting.txt");
  std::cout << info.key << ": " << info.size << " bytes\n";

  // Files: a cloud path written and read as streams.
  lithops::CloudFS fs(storage);
  {
    auto out = fs.open_write("example/table.csv");
    *out << "x,y\n";
    for (int i = 0; i < 5; ++i) *out << i << ',' << i * i << '\n';
    out->close();
  }
  auto in = fs.open_read("example/table.csv");
  int rows = 0;
  for (std::string line; std::getline(*in, line);) ++rows;
  std::cout << "rows in example/table.csv: " << rows << '\n';
  for (const auto& name : fs.listdir("example", true)) std::cout << "  " << name << '\n';

  // A typed value, passed to a call by handle.
  auto samples = storage.put_cloudobject(std::vector<double>{1.0, 2.0, 3.0, 6.0});
  double mean = fexec.call_async(mean_of, samples).get();
  std::cout << "mean computed by a worker: " << mean << '\n';

  storage.delete_objects(bucket, storage.list_keys(bucket, "example/"));
  storage.delete_cloudobject(samples);
  return (rows == 6 && mean == 3.0 && info.size == 18) ? 0 : 1;
}
