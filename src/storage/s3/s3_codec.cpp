#include "storage/s3/s3_codec.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace lithops::detail::s3 {

std::string canonical_query(Query query) {
  std::sort(query.begin(), query.end());
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out.push_back('&');
    out += uri_encode(name);
    out.push_back('=');
    out += uri_encode(value);
  }
  return out;
}

S3ErrorInfo parse_error_xml(std::string_view body) {
  S3ErrorInfo info;
  if (body.empty()) return info;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return info;
  pugi::xml_node error = doc.child("Error");
  if (!error) return info;
  info.code = error.child_value("Code");
  info.message = error.child_value("Message");
  return info;
}

}  // namespace lithops::detail::s3
