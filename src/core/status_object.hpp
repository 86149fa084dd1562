#pragma once
// A status object in storage (`lithops.jobs/<job_key>/status/<first>-<count>`): the outcomes
// of a run of consecutive calls (results or failures inline), then the pid and host of the
// worker that ran them. Workers write one per flush (as they send a `results` frame on the
// pipe transport), so a job of 100,000 fast calls writes hundreds of objects, not 100,000.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/call_outcome.hpp"

namespace lithops::detail {

std::string encode_status_object(std::span<const CallOutcome> outcomes, int pid, const std::string& host);

struct StatusObject {
  std::vector<CallOutcome> outcomes;  // payloads point into the decoded bytes
  int pid = 0;
  std::string host;
};
/// `bytes` must outlive the returned outcomes' payloads. @throws std::runtime_error if truncated
StatusObject decode_status_object(std::string_view bytes);

}  // namespace lithops::detail
