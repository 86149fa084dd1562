#pragma once
// Wire format between the localhost pool supervisor and its worker processes (see
// docs/design.md, "Worker protocol"). Frames are `u32 length | u8 type | body`; bodies are
// little helpers' fixed-width integers and length-prefixed strings. Hand-written rather than
// cereal because the per-call records are read in the supervisor's hot loop, where a few
// fixed-width loads beat building an archive.

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lithops::detail {

enum class FrameType : std::uint8_t {
  hello = 1,        // worker -> supervisor: pid, build id, host
  job = 2,          // supervisor -> worker: a job the next tasks belong to
  task = 3,         // supervisor -> worker: calls to run (inline args or a storage reference)
  results = 4,      // worker -> supervisor: outcomes of calls (inline transport)
  persisted = 5,    // worker -> supervisor: outcomes of a task's first n calls are in storage
  forget_job = 6,   // supervisor -> worker: drop a finished job
  shutdown = 7,     // supervisor -> worker: exit
  retiring = 8,     // worker -> supervisor: exits after the outcomes sent so far (a call asked it to)
};

/// Appends fixed-width values and strings to a buffer.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <class T>
  void put(T v) { out_.append(reinterpret_cast<const char*>(&v), sizeof(T)); }
  void put_str(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::string& buffer() { return out_; }

 private:
  std::string& out_;
};

/// Reads what Writer wrote; throws std::runtime_error on truncation.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view get_str() {
    auto n = get<std::uint32_t>();
    need(n);
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view rest() const { return in_.substr(pos_); }
  bool empty() const { return pos_ >= in_.size(); }

 private:
  void need(std::size_t n) const {
    if (n > in_.size() - pos_) throw std::runtime_error("lithops: truncated protocol frame");
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

/// Starts a frame in `out`; returns the offset to pass to end_frame.
std::size_t begin_frame(std::string& out, FrameType type);
/// Patches the length of the frame begun at `start`.
void end_frame(std::string& out, std::size_t start);

/// Per-worker shared memory: which call the worker is running, so that the supervisor can
/// name the call that crashed or overran its timeout without a message per call.
struct WorkerSlot {
  // job sequence number (high 32 bits) and call index (low 32 bits); ~0 when idle.
  std::uint64_t current;
  std::int64_t call_start_ns;  // CLOCK_REALTIME ns when the current call started
};

constexpr std::uint64_t kIdleSlot = ~std::uint64_t{0};
constexpr int kWorkerChannelFd = 3;  // socket to the supervisor, in the worker
constexpr int kWorkerSlotFd = 4;     // memfd holding the WorkerSlot, in the worker
constexpr const char* kWorkerEnv = "LITHOPS_WORKER";
/// Set (to 1) in the environment of the program started as a remote agent.
constexpr const char* kAgentEnv = "LITHOPS_AGENT";
/// Exit code of a worker whose main() did not call lithops::init first (EX_SOFTWARE).
constexpr int kNoInitExitCode = 70;

/// Wall-clock ns since the epoch (what CallStats carry).
std::int64_t now_ns() noexcept;

}  // namespace lithops::detail
