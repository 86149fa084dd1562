#pragma once
// Learns call completions by listing status objects in storage, as the client will for remote
// backends (no connection from workers to the client). Each poll lists only what lies after
// the highest call below which every call is final (`start_after`), so a job whose calls finish
// roughly in order costs a short listing per poll however many calls it has.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/job_state.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

class StorageMonitor {
 public:
  StorageMonitor(std::shared_ptr<StorageBackend> storage, double interval_s);
  ~StorageMonitor();
  void watch(std::shared_ptr<JobState> job);

 private:
  struct Watched {
    std::shared_ptr<JobState> job;
    std::size_t watermark = 0;  // every call below it is final
  };
  void loop();
  void poll(Watched& w);

  std::shared_ptr<StorageBackend> storage_;
  std::chrono::duration<double> interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Watched> incoming_;
  std::thread thread_;
};

}  // namespace lithops::detail
