#pragma once
/// @file serialization.hpp
/// How arguments and results travel: cereal, through two small archives that read and write
/// a flat byte buffer.
///
/// Any type cereal knows works: arithmetic types, std::string, std containers (vector, array,
/// map, unordered_map, set, list, deque, optional, variant, tuple, pair, ...) and user types
/// with a `serialize(Archive&)` method or free function, exactly as in cereal's documentation.
///
/// Why our own archives: cereal's binary archives write through `std::ostream`, and building a
/// stream per call costs more than a whole no-op call is allowed to (see docs/performance.md).
/// These archives append to a `std::string` and read from a byte view; the encoding is the
/// same as `cereal::BinaryOutputArchive` (raw bytes, native endianness). Client and worker are
/// the same build, so native layout is safe.

#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/bitset.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/complex.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/memory.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <cstring>
#include <string>
#include <string_view>
#include <array>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>
#include <type_traits>

#include "lithops/errors.hpp"

namespace lithops {

/// Appends cereal-serialized values to a byte buffer it does not own.
class BufferOutputArchive
    : public cereal::OutputArchive<BufferOutputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit BufferOutputArchive(std::string& out)
      : cereal::OutputArchive<BufferOutputArchive, cereal::AllowEmptyClassElision>(this), out_(&out) {}
  void saveBinary(const void* data, std::size_t size) {
    if (size != 0) out_->append(static_cast<const char*>(data), size);  // data may be null then
  }

 private:
  std::string* out_;
};

/// Reads cereal-serialized values from a byte view; throws `lithops::Error` on truncation.
class BufferInputArchive
    : public cereal::InputArchive<BufferInputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit BufferInputArchive(std::string_view in)
      : cereal::InputArchive<BufferInputArchive, cereal::AllowEmptyClassElision>(this), in_(in) {}
  void loadBinary(void* data, std::size_t size) {
    if (size == 0) return;  // an empty vector's data() may be null: memcpy must not see it
    if (size > in_.size() - pos_) throw Error("lithops: truncated payload while deserializing");
    std::memcpy(data, in_.data() + pos_, size);
    pos_ += size;
  }
  /// Bytes not consumed yet.
  std::size_t remaining() const noexcept { return in_.size() - pos_; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_SAVE_FUNCTION_NAME(BufferOutputArchive& ar, const T& t) {
  ar.saveBinary(std::addressof(t), sizeof(t));
}
template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(BufferInputArchive& ar, T& t) {
  ar.loadBinary(std::addressof(t), sizeof(t));
}
template <class Archive, class T>
CEREAL_ARCHIVE_RESTRICT(BufferInputArchive, BufferOutputArchive)
CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}
template <class Archive, class T>
CEREAL_ARCHIVE_RESTRICT(BufferInputArchive, BufferOutputArchive)
CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
}
template <class T>
void CEREAL_SAVE_FUNCTION_NAME(BufferOutputArchive& ar, const cereal::BinaryData<T>& bd) {
  ar.saveBinary(bd.data, static_cast<std::size_t>(bd.size));
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BufferInputArchive& ar, cereal::BinaryData<T>& bd) {
  ar.loadBinary(bd.data, static_cast<std::size_t>(bd.size));
}

namespace detail {

template <class T>
inline constexpr bool cereal_knows_v =
    cereal::traits::is_output_serializable<T, BufferOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, BufferInputArchive>::value;

template <class... Ts>
struct first_non_void {
  using type = void;
};
template <class T, class... Ts>
struct first_non_void<T, Ts...> {
  using type = std::conditional_t<std::is_void_v<T>, typename first_non_void<Ts...>::type, T>;
};

/// The innermost type in T that cannot be serialized, or void. cereal's own trait accepts
/// any std container whatever its elements; this looks inside, so that the error names the
/// element type rather than failing deep in cereal.
template <class T>
struct first_unserializable {
  using type = std::conditional_t<cereal_knows_v<T>, void, T>;
};
template <class... Ts>
struct first_unserializable_of {
  using type = typename first_non_void<typename first_unserializable<std::decay_t<Ts>>::type...>::type;
};
template <class T, class A>
struct first_unserializable<std::vector<T, A>> : first_unserializable_of<T> {};
template <class T, class A>
struct first_unserializable<std::deque<T, A>> : first_unserializable_of<T> {};
template <class T, class A>
struct first_unserializable<std::list<T, A>> : first_unserializable_of<T> {};
template <class T, std::size_t N>
struct first_unserializable<std::array<T, N>> : first_unserializable_of<T> {};
template <class T, class C, class A>
struct first_unserializable<std::set<T, C, A>> : first_unserializable_of<T> {};
template <class T, class H, class E, class A>
struct first_unserializable<std::unordered_set<T, H, E, A>> : first_unserializable_of<T> {};
template <class K, class V, class C, class A>
struct first_unserializable<std::map<K, V, C, A>> : first_unserializable_of<K, V> {};
template <class K, class V, class H, class E, class A>
struct first_unserializable<std::unordered_map<K, V, H, E, A>> : first_unserializable_of<K, V> {};
template <class T>
struct first_unserializable<std::optional<T>> : first_unserializable_of<T> {};
template <class A, class B>
struct first_unserializable<std::pair<A, B>> : first_unserializable_of<A, B> {};
template <class... Ts>
struct first_unserializable<std::tuple<Ts...>> : first_unserializable_of<Ts...> {};
template <class... Ts>
struct first_unserializable<std::variant<Ts...>> : first_unserializable_of<Ts...> {};
template <class T, class D>
struct first_unserializable<std::unique_ptr<T, D>> : first_unserializable_of<T> {};
template <class T>
struct first_unserializable<std::shared_ptr<T>> : first_unserializable_of<T> {};

/// A pointer or a view refers to memory of this process: it cannot travel.
template <class T>
struct first_unserializable<T*> {
  using type = T*;
};
template <class C, class Tr>
struct first_unserializable<std::basic_string_view<C, Tr>> {
  using type = std::basic_string_view<C, Tr>;
};

template <class T>
inline constexpr bool dependent_false_v = false;

/// Instantiated only for a type that cannot be serialized, to fail: the compiler prints
/// "required from lithops::detail::type_is_not_serializable<YourType>", naming the type.
template <class T>
struct type_is_not_serializable {
  static_assert(dependent_false_v<T>,
                "lithops: this argument or result type cannot be serialized (see the type in "
                "'type_is_not_serializable<...>' above). Give it a serialize(Archive&) method, "
                "or include the cereal/types header for it.");
  static constexpr bool value = false;
};

template <class T>
constexpr void require_serializable() {
  using Bad = typename first_unserializable<std::decay_t<T>>::type;
  if constexpr (!std::is_void_v<Bad>) static_assert(type_is_not_serializable<Bad>::value);
}

}  // namespace detail

/// True when values of `T` (and everything inside it) can be sent to and received from a worker.
template <class T>
inline constexpr bool is_serializable_v =
    std::is_void_v<typename detail::first_unserializable<std::decay_t<T>>::type>;

/// Appends `value` to `out`.
template <class T>
void serialize_into(std::string& out, const T& value) {
  detail::require_serializable<T>();
  BufferOutputArchive ar(out);
  ar(value);
}

/// Reads one `T` from `in`.
template <class T>
T deserialize(std::string_view in) {
  detail::require_serializable<T>();
  if constexpr (std::is_arithmetic_v<std::decay_t<T>>) {
    // The bytes the archive would read, without setting one up: a result of a map of
    // numbers is read 100,000 times in a row.
    std::decay_t<T> value;
    if (in.size() < sizeof value) throw Error("lithops: truncated payload while deserializing");
    std::memcpy(&value, in.data(), sizeof value);
    return value;
  }
  BufferInputArchive ar(in);
  std::decay_t<T> value{};
  ar(value);
  return value;
}

}  // namespace lithops

CEREAL_REGISTER_ARCHIVE(lithops::BufferOutputArchive)
CEREAL_REGISTER_ARCHIVE(lithops::BufferInputArchive)
CEREAL_SETUP_ARCHIVE_TRAITS(lithops::BufferInputArchive, lithops::BufferOutputArchive)
