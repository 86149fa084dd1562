#include "core/call_outcome.hpp"

namespace lithops::detail {

void CallFailure::write(Writer& w) const {
  w.put<std::uint8_t>(static_cast<std::uint8_t>(kind));
  w.put<std::uint8_t>(static_cast<std::uint8_t>(std_kind));
  w.put_str(type_name);
  w.put_str(message);
  w.put<std::int32_t>(signal);
  w.put<std::int32_t>(exit_code);
}

CallFailure CallFailure::read(Reader& r) {
  CallFailure f;
  f.kind = static_cast<FailureKind>(r.get<std::uint8_t>());
  f.std_kind = static_cast<StdKind>(r.get<std::uint8_t>());
  f.type_name = std::string(r.get_str());
  f.message = std::string(r.get_str());
  f.signal = r.get<std::int32_t>();
  f.exit_code = r.get<std::int32_t>();
  return f;
}

void CallOutcome::write(Writer& w) const {
  w.put<std::uint32_t>(index);
  w.put<std::uint8_t>(attempts);
  w.put<std::uint8_t>(ok ? 1 : 0);
  w.put<std::int64_t>(worker_start_ns);
  w.put<std::int64_t>(func_start_ns);
  w.put<std::int64_t>(func_end_ns);
  w.put<std::uint32_t>(bytes_in);
  w.put_str(payload);
}

CallOutcome CallOutcome::read(Reader& r) {
  CallOutcome o;
  o.index = r.get<std::uint32_t>();
  o.attempts = r.get<std::uint8_t>();
  o.ok = r.get<std::uint8_t>() != 0;
  o.worker_start_ns = r.get<std::int64_t>();
  o.func_start_ns = r.get<std::int64_t>();
  o.func_end_ns = r.get<std::int64_t>();
  o.bytes_in = r.get<std::uint32_t>();
  o.payload = r.get_str();
  return o;
}

}  // namespace lithops::detail

#include "core/status_object.hpp"

namespace lithops::detail {

std::string encode_status_object(std::span<const CallOutcome> outcomes, int pid, const std::string& host) {
  std::string out;
  Writer w(out);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(outcomes.size()));
  for (const auto& o : outcomes) o.write(w);
  w.put<std::int32_t>(pid);
  w.put_str(host);
  return out;
}

StatusObject decode_status_object(std::string_view bytes) {
  Reader r(bytes);
  StatusObject s;
  auto n = r.get<std::uint32_t>();
  s.outcomes.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) s.outcomes.push_back(CallOutcome::read(r));
  s.pid = r.get<std::int32_t>();
  s.host = std::string(r.get_str());
  return s;
}

}  // namespace lithops::detail
