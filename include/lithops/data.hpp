#pragma once
/// @file data.hpp
/// Mapping over data in storage: one call per object, or objects split into record-aligned
/// chunks (lines, CSV rows, FASTA or FASTQ records, or a format of your own).
///
/// @code
///   std::size_t count_words(lithops::ObjectChunk chunk) {
///     std::size_t words = 0;
///     chunk.for_each_line([&](std::string_view line) { words += count_in(line); });
///     return words;
///   }
///   auto fs = fexec.map(count_words, lithops::objects("my-bucket/texts/").obj_chunk_size(64 << 20));
/// @endcode
///
/// A call can also walk its chunk by record: `for_each_record`, and with their parts
/// `for_each_csv_row`, `for_each_fasta`, `for_each_fastq`.
///
/// Every record belongs to exactly one chunk, whatever the chunk size: a chunk owns the records
/// that *start* in its nominal byte range (a record longer than a chunk makes the chunks it
/// covers empty, and is read whole by the chunk where it starts).

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/detail/function_ref.hpp"
#include "lithops/storage.hpp"

namespace lithops {

/// Reads an object's bytes near a chunk boundary, block by block (cached), for a RecordFormat.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual std::uint64_t size() const = 0;
  /// The byte at `offset` (< size()).
  virtual char at(std::uint64_t offset) = 0;
  /// Offset of the first `c` at or after `from`, or size() if there is none.
  virtual std::uint64_t find(char c, std::uint64_t from) = 0;
};

/// Where records begin. A format is a stateless object with static storage duration (a global,
/// or a function-local static): chunks name it by address, which is the same in every process
/// running the same build, so a format of your own needs no registration either.
class RecordFormat {
 public:
  virtual ~RecordFormat() = default;
  virtual std::string name() const = 0;
  /// The offset of the first record that starts at or after `offset` (0 < offset < size), or
  /// the object's size if none does. Must depend only on the object's bytes, never on which
  /// chunk asks: the chunk before and the chunk after a boundary must agree on it.
  virtual std::uint64_t align(ObjectReader& object, std::uint64_t offset) const = 0;
  /// For iteration by record (ObjectChunk::for_each_record): the length of the record at the
  /// start of `data`, line ends included, or std::string_view::npos if `data` does not hold it
  /// whole yet (more bytes follow unless `at_end`; at the end, whatever is left is a record).
  /// The default is a line.
  virtual std::size_t record_length(std::string_view data, bool at_end) const;
};

/// Lines ending in `\n` (the last line may lack it). Lithops' `obj_newline` mode.
const RecordFormat& lines();
/// Raw bytes: chunks are exactly their nominal ranges (Lithops' `obj_newline=None`).
const RecordFormat& bytes();
/// CSV rows (RFC 4180): newlines inside quoted fields do not end a row. The quoting state at a
/// boundary is inferred from the bytes after it; a quoted field must be shorter than
/// `max_field_bytes` for that to be exact (1 MiB by default).
const RecordFormat& csv();
/// FASTA records: a line starting with '>' and the sequence lines after it.
const RecordFormat& fasta();
/// FASTQ records of four lines (@header, sequence, +, qualities); a quality line may start
/// with '@' or '+'.
const RecordFormat& fastq();

/// How the bytes of the objects mapped over are stored. With `gzip`, chunks are ranges of the
/// *uncompressed* bytes (records are aligned there), read by inflating from the access point
/// before them: splitting an object needs its index beside it, built once by `index_gzip`
/// (or bgzip's own `.gzi`, from `bgzip -i`). Reading objects whole needs none. A chunk that
/// starts inside a gzip member cannot check that member's CRC (it never sees all of it):
/// corruption there shows only if it breaks the deflate stream; whole reads and `index_gzip`
/// check every CRC. `stream()` of a chunk inflates again from the access point for each 8 MiB
/// it fetches: prefer `read(sink)` or the record walks, which inflate once.
enum class Compression : std::uint8_t { none, gzip };

/// A FASTA record: the header line without its '>', and the sequence lines joined.
struct FastaRecord {
  std::string_view header;
  std::string sequence;
};
/// A FASTQ record: the header without its '@', the sequence and the qualities.
struct FastqRecord {
  std::string_view header;
  std::string_view sequence;
  std::string_view quality;
};
/// The fields of one CSV row (RFC 4180: quotes removed, "" inside quotes is one quote, a
/// trailing \r\n or \n dropped). @throws std::invalid_argument for a row that is not RFC 4180
std::vector<std::string> csv_fields(std::string_view row);

/// One call's share of an object: what a function mapped over data in storage receives.
struct ObjectChunk {
  std::string backend;  ///< storage backend ("" for a URL)
  std::string bucket;
  std::string key;      ///< the object's key, or the URL
  std::uint32_t part = 0;         ///< 0-based index of the chunk within its object
  std::uint32_t total_parts = 1;  ///< chunks of this object
  ByteRange range;                ///< nominal bytes [first, last) before record alignment
  std::uint64_t object_size = 0;
  detail::CodeRef format;         ///< the RecordFormat, by address
  Compression compression = Compression::none;  ///< gzip: range and object_size are uncompressed
  std::string index_key;          ///< gzip: the index used to split the object ("" when whole)
  std::uint64_t stored_size = 0;  ///< gzip: the object's size in storage

  bool is_url() const { return backend.empty(); }
  /// The bytes this chunk owns after record alignment (reads a little around the boundaries).
  ByteRange data_range() const;
  /// The chunk's records, whole.
  std::string read() const;
  /// The chunk's records, piece by piece in order (pieces do not follow record boundaries).
  void read(const std::function<void(std::string_view)>& sink) const;
  /// The chunk's records as a stream, fetched in ranges as it is read.
  std::unique_ptr<std::istream> stream() const;
  /// Calls `f(line)` for every line (without its `\n`), streaming.
  void for_each_line(const std::function<void(std::string_view)>& f) const;
  /// Calls `f(record)` for every record of the chunk's format, whole (line ends included),
  /// streaming: a CSV row with quoted newlines, a FASTA record with all its lines, four FASTQ
  /// lines. Each record is seen by exactly one chunk of its object.
  void for_each_record(const std::function<void(std::string_view)>& f) const;
  /// CSV rows as their fields (the chunk's format must be csv()).
  /// @throws std::invalid_argument naming the object and row for a row that is not RFC 4180
  void for_each_csv_row(const std::function<void(const std::vector<std::string>&)>& f) const;
  /// FASTA records (the chunk's format must be fasta()).
  void for_each_fasta(const std::function<void(const FastaRecord&)>& f) const;
  /// FASTQ records (the chunk's format must be fastq()).
  /// @throws std::invalid_argument naming the object for a record that is not four lines
  ///         (header '@', sequence, '+', qualities as long as the sequence)
  void for_each_fastq(const std::function<void(const FastqRecord&)>& f) const;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(backend, bucket, key, part, total_parts, range.first, range.last, object_size, format, compression, index_key,
       stored_size);
  }
};

/// What to map over: objects in the executor's storage, or HTTP(S) URLs, and how to split them.
class ObjectData {
 public:
  /// Lithops' notation: "bucket" (all of it), "bucket/prefix/" (keys under the prefix),
  /// "bucket/key" (one object), optionally with a "<backend>://" scheme ("s3://", "ceph://" ...
  /// which must be the executor's storage), or an "http://" / "https://" URL.
  explicit ObjectData(std::vector<std::string> locations) : locations_(std::move(locations)) {}
  /// These keys of `bucket`.
  static ObjectData keys(std::string bucket, std::vector<std::string> keys);

  /// Splits objects into chunks of about this many bytes (Lithops' obj_chunk_size).
  ObjectData& obj_chunk_size(std::uint64_t bytes) {
    chunk_size_ = bytes;
    return *this;
  }
  /// Splits each object into this many chunks (Lithops' obj_chunk_number; wins over the size).
  ObjectData& obj_chunk_number(std::uint32_t n) {
    chunk_number_ = n;
    return *this;
  }
  /// How the objects are stored (gzip: see Compression). Index objects beside them are skipped.
  ObjectData& compression(Compression c) {
    compression_ = c;
    return *this;
  }
  /// Where chunks may split objects; lines() by default.
  ObjectData& format(const RecordFormat& f) {
    format_ = &f;
    return *this;
  }

  const std::vector<std::string>& locations() const { return locations_; }
  const std::string& keys_bucket() const { return keys_bucket_; }
  std::uint64_t chunk_size() const { return chunk_size_; }
  std::uint32_t chunk_number() const { return chunk_number_; }
  const RecordFormat& record_format() const { return format_ ? *format_ : lines(); }
  Compression compression() const { return compression_; }

 private:
  std::vector<std::string> locations_;
  std::string keys_bucket_;  // set by keys(): locations_ are keys of it
  std::uint64_t chunk_size_ = 0;
  std::uint32_t chunk_number_ = 0;
  const RecordFormat* format_ = nullptr;
  Compression compression_ = Compression::none;
};

/// Objects by location(s), in Lithops' notation (see ObjectData).
inline ObjectData objects(std::string location) { return ObjectData({std::move(location)}); }
inline ObjectData objects(std::vector<std::string> locations) { return ObjectData(std::move(locations)); }

/// The chunks `data` describes, listing and sizing the objects in `storage`.
/// @throws Error when nothing matches, or for a location on another storage backend
std::vector<ObjectChunk> partition(Storage& storage, const ObjectData& data);
/// The same, with locations on other storage backends (`azure_storage://container/prefix/`)
/// listed through `other(backend)`. FunctionExecutor::map does this with its configuration.
std::vector<ObjectChunk> partition(Storage& storage, const ObjectData& data,
                                   const std::function<Storage(const std::string& backend)>& other);

/// What `index_gzip` made of one object.
struct GzipIndexSummary {
  std::string key;                     ///< the gzip'd object
  std::string index_key;               ///< the index written beside it
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t points = 0;            ///< access points
  std::uint64_t index_bytes = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(key, index_key, compressed_size, uncompressed_size, points, index_bytes);
  }
};

/// Builds the index of a gzip'd object (any gzip: one member, several, BGZF) and stores it
/// beside it as `<key>.gzindex`: one pass, inflating it all, with an access point about every
/// `span` uncompressed bytes (4 MiB by default; each costs ~10 KiB of index). A function to
/// map, one call per object:
/// @code
///   fexec.map(lithops::index_gzip, lithops::objects("reads/").compression(lithops::Compression::gzip));
/// @endcode
/// @throws DataFormatError if the object is not gzip or is cut short
GzipIndexSummary index_gzip(ObjectChunk object);
/// The same with another span: `fexec.map(lithops::index_gzip_span, data, lithops::extra_args(span))`.
GzipIndexSummary index_gzip_span(ObjectChunk object, std::uint64_t span);

/// Option of map_reduce over ObjectData: one reducer per object, over that object's chunks,
/// instead of one for the whole job (Lithops' obj_reduce_by_key / reducer_one_per_object).
struct ReducerOnePerObject {};
inline constexpr ReducerOnePerObject reducer_one_per_object{};

}  // namespace lithops
