#include "compute/remote/agent_protocol.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "lithops/errors.hpp"

namespace lithops::detail {

namespace {
constexpr std::uint8_t kInboxVersion = 1;
constexpr std::uint8_t kBeatVersion = 1;
}  // namespace

std::string AgentSpec::to_json() const {
  nlohmann::json j = {{"pool", pool},
                      {"agent_id", agent_id},
                      {"storage_config", storage_config},
                      {"workers", workers},
                      {"idle_timeout", idle_timeout},
                      {"heartbeat_interval", heartbeat_interval},
                      {"poll_interval", poll_interval},
                      {"watch_stdin", watch_stdin},
                      {"build_id", build_id},
                      {"delete_beat_on_exit", delete_beat_on_exit}};
  return j.dump();  // one line: it travels as a line on stdin or in a here-document
}

AgentSpec AgentSpec::from_json(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    AgentSpec s;
    s.pool = j.at("pool").get<std::string>();
    s.agent_id = j.at("agent_id").get<std::string>();
    s.storage_config = j.at("storage_config").get<std::string>();
    s.workers = j.at("workers").get<std::uint32_t>();
    s.idle_timeout = j.at("idle_timeout").get<double>();
    s.heartbeat_interval = j.at("heartbeat_interval").get<double>();
    s.poll_interval = j.at("poll_interval").get<double>();
    s.watch_stdin = j.at("watch_stdin").get<bool>();
    s.build_id = j.value("build_id", std::string());
    s.delete_beat_on_exit = j.value("delete_beat_on_exit", false);
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("lithops agent: bad start specification: ") + e.what());
  }
}

std::string AgentKeys::pool_prefix(const std::string& pool) { return "lithops.agents/" + pool + "/"; }
std::string AgentKeys::inbox_prefix(const std::string& pool, const std::string& agent) {
  return pool_prefix(pool) + "inbox/" + agent + "/";
}
std::string AgentKeys::inbox(const std::string& pool, const std::string& agent, std::uint64_t seq) {
  return fmt::format("{}{:010d}", inbox_prefix(pool, agent), seq);  // zero-padded: keys sort by seq
}
std::string AgentKeys::alive_prefix(const std::string& pool) { return pool_prefix(pool) + "alive/"; }
std::string AgentKeys::alive(const std::string& pool, const std::string& agent) { return alive_prefix(pool) + agent; }
std::string AgentKeys::left(const std::string& pool, const std::string& agent) {
  return pool_prefix(pool) + "left/" + agent;
}

bool AgentLeft::covers(const std::string& job_key, std::uint32_t call) const {
  auto it = done.find(job_key);
  if (it == done.end()) return false;
  for (const auto& [first, end] : it->second)
    if (call >= first && call < end) return true;
  return false;
}

std::string AgentLeft::encode() const {
  nlohmann::json j = {{"reason", reason}, {"done", nlohmann::json::object()}};
  for (const auto& [job, ranges] : done) j["done"][job] = ranges;
  return j.dump();
}

AgentLeft AgentLeft::decode(std::string_view bytes) {
  try {
    auto j = nlohmann::json::parse(bytes);
    AgentLeft l;
    l.reason = j.value("reason", std::string());
    for (const auto& [job, ranges] : j.at("done").items())
      l.done[job] = ranges.get<std::vector<std::pair<std::uint32_t, std::uint32_t>>>();
    return l;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("lithops agent: unreadable record of a departed agent: ") + e.what());
  }
}

std::string InboxMessage::encode() const {
  std::string out;
  Writer w(out);
  w.put<std::uint8_t>(kInboxVersion);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(tasks.size()));
  for (const auto& t : tasks) {
    w.put_str(t.job_key);
    w.put<std::uint32_t>(t.task.first);
    w.put<std::uint32_t>(t.task.count);
    w.put<std::uint8_t>(t.task.attempt);
    w.put_str(t.task.data_key);
    for (std::uint32_t i = 0; i <= t.task.count; ++i) w.put<std::uint64_t>(t.task.offsets[i]);
  }
  w.put<std::uint32_t>(static_cast<std::uint32_t>(forget.size()));
  for (const auto& k : forget) w.put_str(k);
  w.put<std::uint8_t>(stop ? 1 : 0);
  return out;
}

InboxMessage InboxMessage::decode(std::string_view bytes) {
  Reader r(bytes);
  if (r.get<std::uint8_t>() != kInboxVersion) throw Error("lithops agent: inbox message of another version");
  InboxMessage m;
  auto n = r.get<std::uint32_t>();
  m.tasks.resize(n);
  for (auto& t : m.tasks) {
    t.job_key = r.get_str();
    t.task.first = r.get<std::uint32_t>();
    t.task.count = r.get<std::uint32_t>();
    t.task.attempt = r.get<std::uint8_t>();
    t.task.data_key = r.get_str();
    t.task.offsets.resize(t.task.count + 1);
    for (auto& o : t.task.offsets) o = r.get<std::uint64_t>();
  }
  auto f = r.get<std::uint32_t>();
  for (std::uint32_t i = 0; i < f; ++i) m.forget.emplace_back(r.get_str());
  m.stop = r.get<std::uint8_t>() != 0;
  return m;
}

std::string AgentHeartbeat::encode() const {
  std::string out;
  Writer w(out);
  w.put<std::uint8_t>(kBeatVersion);
  w.put_str(agent_id);
  w.put_str(host);
  w.put<std::int32_t>(pid);
  w.put<std::uint32_t>(workers);
  w.put_str(build_id);
  w.put<std::uint64_t>(beat);
  w.put<std::uint64_t>(inbox_seq);
  w.put<std::uint8_t>(stopping ? 1 : 0);
  w.put_str(reason);
  return out;
}

AgentHeartbeat AgentHeartbeat::decode(std::string_view bytes) {
  Reader r(bytes);
  if (r.get<std::uint8_t>() != kBeatVersion) throw Error("lithops: agent heartbeat of another version");
  AgentHeartbeat b;
  b.agent_id = r.get_str();
  b.host = r.get_str();
  b.pid = r.get<std::int32_t>();
  b.workers = r.get<std::uint32_t>();
  b.build_id = r.get_str();
  b.beat = r.get<std::uint64_t>();
  b.inbox_seq = r.get<std::uint64_t>();
  b.stopping = r.get<std::uint8_t>() != 0;
  b.reason = r.get_str();
  return b;
}

}  // namespace lithops::detail
