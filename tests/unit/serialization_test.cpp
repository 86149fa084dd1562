// Serialization (include/lithops/serialization.hpp): what travels as arguments and results
// survives a round trip; truncated payloads fail with lithops::Error; is_serializable_v tells
// which types can travel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace {

template <class T>
T round_trip(const T& value) {
  std::string bytes;
  lithops::serialize_into(bytes, value);
  return lithops::deserialize<T>(bytes);
}

template <class T>
std::string bytes_of(const T& value) {
  std::string bytes;
  lithops::serialize_into(bytes, value);
  return bytes;
}

struct Point {
  double x = 0;
  double y = 0;
  template <class A>
  void serialize(A& ar) {
    ar(x, y);
  }
  bool operator==(const Point&) const = default;
};

// A user type serialized by a free function, as cereal also allows.
struct Labelled {
  std::string label;
  std::vector<Point> points;
  bool operator==(const Labelled&) const = default;
};
template <class A>
void serialize(A& ar, Labelled& l) {
  ar(l.label, l.points);
}

struct NotSerializable {
  int x;
};

// ---- is_serializable_v ----

static_assert(lithops::is_serializable_v<int>);
static_assert(lithops::is_serializable_v<double>);
static_assert(lithops::is_serializable_v<std::string>);
static_assert(lithops::is_serializable_v<std::vector<std::string>>);
static_assert(lithops::is_serializable_v<std::map<std::string, std::vector<int>>>);
static_assert(lithops::is_serializable_v<std::tuple<int, std::string, double>>);
static_assert(lithops::is_serializable_v<std::optional<int>>);
static_assert(lithops::is_serializable_v<Point>);
static_assert(lithops::is_serializable_v<Labelled>);
static_assert(lithops::is_serializable_v<const Point&>);  // decayed
static_assert(!lithops::is_serializable_v<NotSerializable>);

TEST(Serialization, IsSerializableTellsWhichTypesCanTravel) {
  EXPECT_TRUE(lithops::is_serializable_v<Point>);
  EXPECT_TRUE(lithops::is_serializable_v<std::vector<Point>>);
  EXPECT_FALSE(lithops::is_serializable_v<NotSerializable>);
}

// ---- round trips ----

TEST(Serialization, ArithmeticValuesRoundTrip) {
  EXPECT_EQ(round_trip(42), 42);
  EXPECT_EQ(round_trip(-7), -7);
  EXPECT_EQ(round_trip(std::numeric_limits<std::int64_t>::min()), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(round_trip(3.25), 3.25);
  EXPECT_EQ(round_trip(-0.5f), -0.5f);
  EXPECT_EQ(round_trip('x'), 'x');
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip(false), false);
  EXPECT_TRUE(std::isnan(round_trip(std::numeric_limits<double>::quiet_NaN())));
}

TEST(Serialization, ArithmeticValuesTakeTheirNativeSize) {
  EXPECT_EQ(bytes_of(std::int32_t{1}).size(), 4u);
  EXPECT_EQ(bytes_of(std::int64_t{1}).size(), 8u);
  EXPECT_EQ(bytes_of(1.0).size(), sizeof(double));
}

TEST(Serialization, StringsRoundTripIncludingEmptyBinaryAndUnicode) {
  EXPECT_EQ(round_trip(std::string()), "");
  EXPECT_EQ(round_trip(std::string("hello world")), "hello world");
  std::string binary("a\0b\0\xff\x01", 6);
  EXPECT_EQ(round_trip(binary), binary);
  EXPECT_EQ(round_trip(std::string("ünïcødé 日本語")), "ünïcødé 日本語");
  std::string big(1 << 20, 'z');
  EXPECT_EQ(round_trip(big), big);
}

TEST(Serialization, VectorsRoundTrip) {
  EXPECT_EQ(round_trip(std::vector<int>{}), std::vector<int>{});
  EXPECT_EQ(round_trip(std::vector<int>{1, 2, 3}), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(round_trip(std::vector<std::string>{"a", "", "ccc"}), (std::vector<std::string>{"a", "", "ccc"}));
  std::vector<std::vector<double>> nested{{1.5}, {}, {2.5, 3.5}};
  EXPECT_EQ(round_trip(nested), nested);
  EXPECT_EQ(round_trip(std::vector<bool>{true, false, true}), (std::vector<bool>{true, false, true}));
}

TEST(Serialization, MapsAndSetsRoundTrip) {
  std::map<std::string, int> m{{"one", 1}, {"two", 2}, {"", 0}};
  EXPECT_EQ(round_trip(m), m);
  std::unordered_map<int, std::string> u{{1, "a"}, {2, "b"}};
  EXPECT_EQ(round_trip(u), u);
  std::set<int> s{5, 1, 3};
  EXPECT_EQ(round_trip(s), s);
}

TEST(Serialization, TuplesAndPairsRoundTrip) {
  auto t = std::make_tuple(1, std::string("two"), 3.0);
  EXPECT_EQ(round_trip(t), t);
  EXPECT_EQ(round_trip(std::tuple<>()), std::tuple<>());
  auto p = std::make_pair(std::string("k"), std::vector<int>{1, 2});
  EXPECT_EQ(round_trip(p), p);
}

TEST(Serialization, OptionalsRoundTripSetAndEmpty) {
  EXPECT_EQ(round_trip(std::optional<int>(5)), std::optional<int>(5));
  EXPECT_EQ(round_trip(std::optional<int>()), std::nullopt);
  EXPECT_EQ(round_trip(std::optional<std::string>("x")), std::optional<std::string>("x"));
}

TEST(Serialization, VariantsAndArraysRoundTrip) {
  std::variant<int, std::string> v = std::string("text");
  EXPECT_EQ(round_trip(v), v);
  std::array<int, 3> a{7, 8, 9};
  EXPECT_EQ(round_trip(a), a);
}

TEST(Serialization, UserStructsWithSerializeRoundTrip) {
  EXPECT_EQ(round_trip(Point{1.5, -2.5}), (Point{1.5, -2.5}));
  Labelled l{"path", {{0, 0}, {1, 1}, {2, 4}}};
  EXPECT_EQ(round_trip(l), l);
  std::vector<Labelled> many(3, l);
  EXPECT_EQ(round_trip(many), many);
}

// ---- the archives ----

TEST(Serialization, SeveralValuesReadBackInOrderFromOneBuffer) {
  std::string bytes;
  {
    lithops::BufferOutputArchive out(bytes);
    out(std::string("first"), 2, Point{3, 4});
  }
  lithops::BufferInputArchive in(bytes);
  std::string s;
  int i = 0;
  Point p;
  in(s, i, p);
  EXPECT_EQ(s, "first");
  EXPECT_EQ(i, 2);
  EXPECT_EQ(p, (Point{3, 4}));
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(Serialization, RemainingCountsUnreadBytes) {
  std::string bytes = bytes_of(std::int32_t{1}) + bytes_of(std::int32_t{2});
  lithops::BufferInputArchive in(bytes);
  EXPECT_EQ(in.remaining(), 8u);
  std::int32_t v = 0;
  in(v);
  EXPECT_EQ(v, 1);
  EXPECT_EQ(in.remaining(), 4u);
}

// Chaining relies on it: the result of one call, a tuple, is the argument list of the next.
TEST(Serialization, ATupleIsEncodedAsItsElementsInOrder) {
  std::string separate;
  {
    lithops::BufferOutputArchive out(separate);
    out(7, std::string("x"), 2.5);
  }
  EXPECT_EQ(bytes_of(std::make_tuple(7, std::string("x"), 2.5)), separate);
  EXPECT_EQ(bytes_of(std::make_pair(1, 2)), bytes_of(std::make_tuple(1, 2)));
}

// A std::vector<R> is its size, then its elements: what map_reduce builds from mapper results.
TEST(Serialization, AVectorIsItsSizeThenItsElements) {
  std::string built;
  {
    lithops::BufferOutputArchive out(built);
    out(cereal::make_size_tag(static_cast<cereal::size_type>(3)));
  }
  built += bytes_of(std::string("a")) + bytes_of(std::string("bb")) + bytes_of(std::string("ccc"));
  EXPECT_EQ(lithops::deserialize<std::vector<std::string>>(built), (std::vector<std::string>{"a", "bb", "ccc"}));
}

// ---- truncation ----

TEST(Serialization, TruncatedPayloadThrowsLithopsError) {
  auto bytes = bytes_of(std::string("hello world"));
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(lithops::deserialize<std::string>(std::string_view(bytes).substr(0, n)), lithops::Error) << n;
}

TEST(Serialization, TruncatedArithmeticAndStructPayloadsThrowLithopsError) {
  auto i = bytes_of(std::int64_t{5});
  EXPECT_THROW(lithops::deserialize<std::int64_t>(std::string_view(i).substr(0, 7)), lithops::Error);
  EXPECT_THROW(lithops::deserialize<int>(std::string_view()), lithops::Error);
  auto p = bytes_of(Point{1, 2});
  EXPECT_THROW(lithops::deserialize<Point>(std::string_view(p).substr(0, p.size() - 1)), lithops::Error);
  auto v = bytes_of(std::vector<int>{1, 2, 3});
  EXPECT_THROW(lithops::deserialize<std::vector<int>>(std::string_view(v).substr(0, v.size() - 2)),
               lithops::Error);
  auto m = bytes_of(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  EXPECT_THROW((lithops::deserialize<std::map<std::string, int>>(std::string_view(m).substr(0, m.size() - 1))),
               lithops::Error);
}

TEST(Serialization, TruncationErrorSaysThePayloadWasTruncated) {
  try {
    (void)lithops::deserialize<std::int64_t>(std::string_view("abc", 3));
    FAIL() << "expected lithops::Error";
  } catch (const lithops::Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("truncated"));
  }
}

}  // namespace
