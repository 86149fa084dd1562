#include "worker/call_runner.hpp"

#include <cxxabi.h>

#include <atomic>
#include <stdexcept>
#include <typeinfo>

#include "core/build_id.hpp"
#include "lithops/detail/function_ref.hpp"

namespace lithops::detail {

namespace {

std::string current_exception_type() {
  std::type_info* t = abi::__cxa_current_exception_type();
  return t ? demangle(t->name()) : std::string("unknown");
}

// The supervisor reads the slot from another process, while we run or after we died. A call
// id it sees must never be paired with an older start time (it would kill a call for an
// overrun it did not have): the start time is stored before the id, with release ordering,
// and is never cleared — going idle only changes the id.
void publish_start(WorkerSlot* slot, std::uint64_t current, std::int64_t start_ns) {
  if (!slot) return;
  std::atomic_ref<std::int64_t>(slot->call_start_ns).store(start_ns, std::memory_order_relaxed);
  std::atomic_ref<std::uint64_t>(slot->current).store(current, std::memory_order_release);
}
void publish_idle(WorkerSlot* slot) {
  if (slot) std::atomic_ref<std::uint64_t>(slot->current).store(kIdleSlot, std::memory_order_release);
}

}  // namespace

CallFailure describe_current_exception() {
  CallFailure f;
  f.kind = FailureKind::exception;
  f.type_name = current_exception_type();
  try {
    throw;
  } catch (const std::invalid_argument& e) {
    f.std_kind = StdKind::invalid_argument, f.message = e.what();
  } catch (const std::domain_error& e) {
    f.std_kind = StdKind::domain_error, f.message = e.what();
  } catch (const std::length_error& e) {
    f.std_kind = StdKind::length_error, f.message = e.what();
  } catch (const std::out_of_range& e) {
    f.std_kind = StdKind::out_of_range, f.message = e.what();
  } catch (const std::logic_error& e) {
    f.std_kind = StdKind::logic_error, f.message = e.what();
  } catch (const std::range_error& e) {
    f.std_kind = StdKind::range_error, f.message = e.what();
  } catch (const std::overflow_error& e) {
    f.std_kind = StdKind::overflow_error, f.message = e.what();
  } catch (const std::underflow_error& e) {
    f.std_kind = StdKind::underflow_error, f.message = e.what();
  } catch (const std::runtime_error& e) {
    f.std_kind = StdKind::runtime_error, f.message = e.what();
  } catch (const std::exception& e) {
    f.message = e.what();
  } catch (...) {
    f.message = "exception of a type not derived from std::exception";
  }
  return f;
}

PreparedJob::PreparedJob(JobManifest manifest, std::uint32_t seq) : manifest_(std::move(manifest)), seq_(seq) {
  if (manifest_.build_id != build_id()) {
    refusal_.kind = FailureKind::build_mismatch;
    refusal_.type_name = "BuildMismatch";
    refusal_.message = "worker build " + build_id() + " is not the client's build " + manifest_.build_id +
                       "; workers must run the same executable as the client";
    return;
  }
  try {
    vtable_ = static_cast<const FunctionVTable*>(resolve_code_ref(manifest_.function.vtable));
    callable_ = vtable_->prepare(manifest_.function.state);
  } catch (...) {
    refusal_ = describe_current_exception();
    refusal_.kind = FailureKind::internal;
  }
}

PreparedJob::~PreparedJob() {
  if (callable_) vtable_->destroy(callable_);
}

CallOutcome PreparedJob::run(std::uint32_t index, std::uint8_t attempt, std::string_view args, std::string& out,
                             WorkerSlot* slot, std::int64_t& clock_ns) const {
  CallOutcome o;
  o.index = index;
  o.bytes_in = static_cast<std::uint32_t>(args.size());
  // The arguments are not decoded before the function starts (invoke does it), so the worker
  // starts the call when the function does: one clock read less per call, on a path where
  // each costs as much as a no-op call's own work.
  std::size_t mark = out.size();
  if (refusal_.kind != FailureKind::none) {
    o.attempts = attempt;
    o.worker_start_ns = o.func_start_ns = o.func_end_ns = now_ns();
    clock_ns = 0;
    Writer w(out);
    refusal_.write(w);
    o.payload = std::string_view(out).substr(mark);
    return o;
  }
  const std::uint64_t current = (std::uint64_t{seq_} << 32) | index;
  for (std::uint8_t a = attempt;; ++a) {
    o.attempts = a;
    out.resize(mark);
    o.func_start_ns = a == attempt && clock_ns != 0 ? clock_ns : now_ns();
    if (a == attempt) o.worker_start_ns = o.func_start_ns;
    publish_start(slot, current, o.func_start_ns);
    try {
      vtable_->invoke(callable_, args, out);
      o.func_end_ns = clock_ns = now_ns();
      o.ok = true;
      break;
    } catch (...) {
      o.func_end_ns = now_ns();
      clock_ns = 0;
      CallFailure f = describe_current_exception();
      if (a < 1 + manifest_.retries && a < 255) continue;
      out.resize(mark);
      Writer w(out);
      f.write(w);
      break;
    }
  }
  publish_idle(slot);
  // Payload offsets are taken after the loop: `out` may have grown (and moved) meanwhile.
  o.payload = std::string_view(out).substr(mark);
  return o;
}

}  // namespace lithops::detail
