// Value (a string key) and Array (a hash from decimal index to element) in Redis: every
// element is read and written in one round trip, whatever the array's size.
#include "lithops/multiprocessing/sharedctypes.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace lithops::multiprocessing::detail::shared {

namespace {
// Arguments per command when filling or reading a whole array.
constexpr std::size_t kBatch = 1000;
}  // namespace

Created make_value(Context& ctx, const std::string& initial) {
  Created c = create(ctx, "value", {"value"});
  set_value(c.link, initial);
  return c;
}

std::string get_value(const RedisLink& link) {
  Reply r = command(link, {"GET", link.key("value")});
  if (r.is_nil()) throw StateError(fmt::format("lithops::mp::Value: {} is gone (its owner ended)", link.prefix));
  return std::move(r.str);
}

void set_value(const RedisLink& link, std::string_view bytes) {
  command(link, {"SET", link.key("value"), bytes, "PX", link.expiry()});
}

Created make_array(Context& ctx, const std::vector<std::string>& items) {
  Created c = create(ctx, "array", {"items"});
  const std::string key = c.link.key("items");
  for (std::size_t i = 0; i < items.size(); i += kBatch) {
    std::vector<std::string> fields;
    std::vector<std::string_view> argv{"HSET", key};
    const std::size_t end = std::min(items.size(), i + kBatch);
    fields.reserve(end - i);
    for (std::size_t j = i; j < end; ++j) fields.push_back(std::to_string(j));
    for (std::size_t j = i; j < end; ++j) {
      argv.push_back(fields[j - i]);
      argv.push_back(items[j]);
    }
    write(c.link, argv, {key});  // with its expiry, as every write
  }
  return c;
}

std::string get_item(const RedisLink& link, std::size_t i) {
  Reply r = command(link, {"HGET", link.key("items"), std::to_string(i)});
  if (r.is_nil()) throw StateError(fmt::format("lithops::mp::Array: {} is gone (its owner ended)", link.prefix));
  return std::move(r.str);
}

void set_item(const RedisLink& link, std::size_t i, std::string_view bytes) {
  const std::string key = link.key("items");
  write(link, {"HSET", key, std::to_string(i), bytes}, {key});
}

std::vector<std::string> get_range(const RedisLink& link, std::size_t begin, std::size_t end) {
  const std::string key = link.key("items");
  std::vector<std::string> out;
  out.reserve(end - begin);
  for (std::size_t i = begin; i < end; i += kBatch) {
    std::vector<std::string> fields;
    for (std::size_t j = i; j < std::min(end, i + kBatch); ++j) fields.push_back(std::to_string(j));
    std::vector<std::string_view> argv{"HMGET", key};
    argv.insert(argv.end(), fields.begin(), fields.end());
    for (auto& e : command(link, argv).elements) {
      if (e.is_nil()) throw StateError(fmt::format("lithops::mp::Array: {} is gone (its owner ended)", link.prefix));
      out.push_back(std::move(e.str));
    }
  }
  return out;
}

void throw_no_lock(std::string_view what) {
  throw StateError(fmt::format("lithops::mp::{}::get_lock: made with lock = false", what));
}

void throw_out_of_range(std::size_t i, std::size_t size) {
  throw std::out_of_range(fmt::format("lithops::mp::Array: index {} out of range (size {})", i, size));
}

}  // namespace lithops::multiprocessing::detail::shared
