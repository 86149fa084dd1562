#include "core/job_manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/job_state.hpp"
#include "core/protocol.hpp"

namespace lithops::detail {

namespace {
constexpr std::uint32_t kManifestVersion = 1;
constexpr const char* kJobsPrefix = "lithops.jobs";
}  // namespace

std::string JobManifest::encode() const {
  std::string out;
  Writer w(out);
  w.put<std::uint32_t>(kManifestVersion);
  w.put_str(executor_id);
  w.put_str(job_id);
  w.put_str(job_key);
  w.put_str(build_id);
  w.put_str(function.vtable.module);
  w.put<std::uint64_t>(function.vtable.offset);
  w.put_str(function.state);
  w.put_str(function.name);
  w.put<double>(execution_timeout);
  w.put<std::uint32_t>(retries);
  w.put<std::uint32_t>(total_calls);
  w.put_str(storage_config);
  return out;
}

JobManifest JobManifest::decode(std::string_view bytes) {
  Reader r(bytes);
  if (r.get<std::uint32_t>() != kManifestVersion)
    throw std::runtime_error("lithops: job manifest of an unknown version");
  JobManifest m;
  m.executor_id = r.get_str();
  m.job_id = r.get_str();
  m.job_key = r.get_str();
  m.build_id = r.get_str();
  m.function.vtable.module = r.get_str();
  m.function.vtable.offset = r.get<std::uint64_t>();
  m.function.state = r.get_str();
  m.function.name = r.get_str();
  m.execution_timeout = r.get<double>();
  m.retries = r.get<std::uint32_t>();
  m.total_calls = r.get<std::uint32_t>();
  m.storage_config = r.get_str();
  return m;
}

TaskSpec TaskSpec::slice(std::uint32_t from, std::uint32_t to) const {
  TaskSpec s;
  s.first = from;
  s.count = to - from;
  s.attempt = attempt;
  s.deaths = deaths;
  s.data_key = data_key;
  if (!offsets.empty()) {
    auto a = from - first, b = to - first;
    s.offsets.assign(offsets.begin() + a, offsets.begin() + b + 1);
    if (!args.empty()) s.args = args.substr(offsets[a] - offsets[0], offsets[b] - offsets[a]);
  }
  return s;
}

std::vector<TaskSpec> TaskSpec::split(std::uint32_t chunksize) const {
  if (chunksize == 0 || chunksize >= count) return {*this};
  std::vector<TaskSpec> parts;
  for (std::uint32_t from = first; from < first + count; from += chunksize)
    parts.push_back(slice(from, std::min(from + chunksize, first + count)));
  return parts;
}

std::string JobKeys::prefix(std::string_view job_key) { return fmt::format("{}/{}/", kJobsPrefix, job_key); }
std::string JobKeys::manifest(std::string_view job_key) { return prefix(job_key) + "job.meta"; }
std::string JobKeys::data(std::string_view job_key, std::string_view part) {
  return fmt::format("{}data/{}", prefix(job_key), part);
}
std::string JobKeys::status_prefix(std::string_view job_key) { return prefix(job_key) + "status/"; }
std::string JobKeys::status(std::string_view job_key, std::uint32_t first, std::uint32_t count) {
  return fmt::format("{}{:08d}-{}", status_prefix(job_key), first, count);
}
std::string JobKeys::status_after(std::string_view job_key, std::uint32_t first) {
  return fmt::format("{}{:08d}", status_prefix(job_key), first);
}

}  // namespace lithops::detail
