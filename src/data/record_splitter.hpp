#pragma once
// Cuts a stream of pieces (which do not follow records) into whole records of a RecordFormat:
// a record split across pieces is carried over and handed out once it is whole. What
// ObjectChunk::for_each_record runs on its chunk's bytes; on its own for the unit tests, which
// feed it pieces of every size.
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "lithops/data.hpp"

namespace lithops::detail {

class RecordSplitter {
 public:
  RecordSplitter(const RecordFormat& format, std::function<void(std::string_view)> on_record)
      : format_(format), on_record_(std::move(on_record)) {}
  /// The next bytes, in order.
  void feed(std::string_view piece);
  /// The end of the bytes: what is left is the last record.
  void finish();

 private:
  /// Hands out the whole records at the start of `data`; returns the bytes they took.
  std::size_t drain(std::string_view data, bool at_end);

  const RecordFormat& format_;
  std::function<void(std::string_view)> on_record_;
  std::string carry_;  // the start of a record the pieces so far hold only part of
};

}  // namespace lithops::detail
