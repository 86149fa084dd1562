// The worker process: receives jobs and tasks from its supervisor, runs calls, and reports
// outcomes inline (pipe transport) or writes them to storage (storage transport).
#include "worker/worker_main.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>

#include "core/build_id.hpp"
#include "core/job_manifest.hpp"
#include "core/protocol.hpp"
#include "core/status_object.hpp"
#include "lithops/config.hpp"
#include "storage/shared_storage.hpp"
#include "storage/storage_backend.hpp"
#include "util/fd_io.hpp"
#include "worker/call_runner.hpp"
#include "worker/outcome_batcher.hpp"

namespace lithops::detail {

namespace {

std::atomic<bool> g_retire{false};

class Worker {
 public:
  Worker() {
    void* p = ::mmap(nullptr, sizeof(WorkerSlot), PROT_READ | PROT_WRITE, MAP_SHARED, kWorkerSlotFd, 0);
    slot_ = p == MAP_FAILED ? nullptr : static_cast<WorkerSlot*>(p);
    std::string hello;
    auto start = begin_frame(hello, FrameType::hello);
    Writer w(hello);
    w.put<std::int32_t>(::getpid());
    w.put_str(build_id());
    w.put_str(host_name());
    end_frame(hello, start);
    write_all(kWorkerChannelFd, hello);
  }

  [[noreturn]] void serve() {
    FrameBuffer in;
    while (in.fill(kWorkerChannelFd, true) != FillResult::closed) {
      for (auto frame = in.next(); !frame.empty(); frame = in.next()) {
        if (!handle(frame)) std::_Exit(0);
      }
    }
    std::_Exit(0);  // supervisor gone
  }

 private:
  bool handle(std::string_view frame) {
    Reader r(frame);
    auto type = static_cast<FrameType>(r.get<std::uint8_t>());
    switch (type) {
      case FrameType::job: on_job(r); return true;
      case FrameType::task: on_task(r); return true;
      case FrameType::forget_job: jobs_.erase(r.get<std::uint32_t>()); return true;
      case FrameType::shutdown: return false;
      default: return true;
    }
  }

  void on_job(Reader& r) {
    auto seq = r.get<std::uint32_t>();
    auto transport = r.get<std::uint8_t>();
    JobManifest manifest;
    if (transport == 0) {
      manifest = JobManifest::decode(r.get_str());
    } else {
      std::string storage_config(r.get_str());
      std::string job_key(r.get_str());
      StorageBackend& st = storage(storage_config);
      manifest = JobManifest::decode(st.get_object(st.bucket(), JobKeys::manifest(job_key)));
      manifest.storage_config = storage_config;
    }
    jobs_[seq] = std::make_unique<PreparedJob>(std::move(manifest), seq);
  }

  void on_task(Reader& r) {
    auto seq = r.get<std::uint32_t>();
    TaskSpec task;
    task.first = r.get<std::uint32_t>();
    task.count = r.get<std::uint32_t>();
    task.attempt = r.get<std::uint8_t>();
    task.data_key = r.get_str();
    task.offsets.resize(task.count + 1);
    for (auto& off : task.offsets) off = r.get<std::uint64_t>();
    auto it = jobs_.find(seq);
    if (it == jobs_.end()) return;
    const PreparedJob& job = *it->second;
    if (task.data_key.empty()) {
      run_task(job, task, r.rest());
    } else {
      StorageBackend& st = storage(job.manifest().storage_config);
      std::string data =
          st.get_object(st.bucket(), task.data_key, ByteRange{task.offsets[0], task.offsets[task.count]});
      run_task(job, task, data);
    }
  }

  // Runs a task's calls in order; the batcher reports their outcomes. Pipe transport: a
  // batch is a `results` frame. Storage transport: a batch is a status object, followed by a
  // `persisted` frame so that the supervisor knows which calls a crash must not re-run.
  void run_task(const PreparedJob& job, const TaskSpec& task, std::string_view args_base) {
    set_current_job_storage(job.manifest().storage_config);  // what lithops::Storage() opens in a call
    if (task.data_key.empty()) {
      batcher_.begin_task([this, &job](std::span<const CallOutcome> batch, std::uint32_t) {
        std::string frame;
        auto start = begin_frame(frame, FrameType::results);
        Writer w(frame);
        w.put<std::uint32_t>(job.seq());
        w.put<std::uint32_t>(static_cast<std::uint32_t>(batch.size()));
        for (const auto& o : batch) o.write(w);
        end_frame(frame, start);
        write_all(kWorkerChannelFd, frame);
      });
    } else {
      batcher_.begin_task([this, &job, &task](std::span<const CallOutcome> batch, std::uint32_t done) {
        StorageBackend& st = storage(job.manifest().storage_config);
        st.put_object(st.bucket(),
                      JobKeys::status(job.manifest().job_key, batch.front().index,
                                      static_cast<std::uint32_t>(batch.size())),
                      encode_status_object(batch, ::getpid(), host_name()));
        send_persisted(job.seq(), task.first, done);
      });
    }
    std::int64_t clock_ns = 0;  // the previous call's end (see PreparedJob::run)
    for (std::uint32_t i = 0; i < task.count; ++i) {
      std::string_view args = args_base.substr(task.offsets[i] - task.offsets[0], task.offsets[i + 1] - task.offsets[i]);
      std::string payload;
      CallOutcome o = job.run(task.first + i, task.attempt, args, payload, slot_, clock_ns);
      const bool retire = g_retire.load(std::memory_order_relaxed);
      if (batcher_.add(o, std::move(payload), !retire && i + 1 < task.count)) clock_ns = 0;
      if (retire) break;
    }
    batcher_.end_task();
    if (g_retire.load(std::memory_order_relaxed)) retire();
  }

  // The supervisor re-queues the calls of this task (and of those sent after it) that did not
  // run, without counting this exit as a death.
  [[noreturn]] void retire() {
    std::string frame;
    auto start = begin_frame(frame, FrameType::retiring);
    end_frame(frame, start);
    write_all(kWorkerChannelFd, frame);
    std::_Exit(0);
  }

  void send_persisted(std::uint32_t seq, std::uint32_t first, std::uint32_t done) {
    std::string frame;
    auto start = begin_frame(frame, FrameType::persisted);
    Writer w(frame);
    w.put<std::uint32_t>(seq);
    w.put<std::uint32_t>(first);
    w.put<std::uint32_t>(done);
    end_frame(frame, start);
    write_all(kWorkerChannelFd, frame);
  }

  StorageBackend& storage(const std::string& yaml) { return *shared_storage(yaml); }

  WorkerSlot* slot_ = nullptr;
  std::map<std::uint32_t, std::unique_ptr<PreparedJob>> jobs_;
  OutcomeBatcher batcher_;  // last member: its flusher thread stops before the rest goes
};

}  // namespace

void retire_worker_after_call() { g_retire.store(true, std::memory_order_relaxed); }

void run_worker_process() {
  // Calls print to the client's terminal through inherited stdout/stderr; unbuffered stdout
  // keeps lines from interleaving mid-line with the client's.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // A worker allocates and frees the same buffers task after task (a task's offsets, a batch's
  // frame of up to 256 KiB). glibc would hand big ones back to the kernel and take fresh,
  // zeroed pages for the next, paying a page fault per 4 KiB each time: keep them instead.
  // Only this dedicated process's policy changes, never the client's.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
  Worker worker;
  worker.serve();
}

}  // namespace lithops::detail
