#pragma once
// A call's status object in storage (`lithops.jobs/<job_key>/status/<call_id>`): the outcome
// record (result or failure inline), then the worker's pid and host.
#include <string>
#include <string_view>

#include "core/call_outcome.hpp"

namespace lithops::detail {

std::string encode_status_object(const CallOutcome& outcome, int pid, const std::string& host);

struct StatusObject {
  CallOutcome outcome;  // payload points into the decoded bytes
  int pid = 0;
  std::string host;
};
/// `bytes` must outlive the returned outcome's payload.
StatusObject decode_status_object(std::string_view bytes);

}  // namespace lithops::detail
