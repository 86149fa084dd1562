// How a map element becomes a call's arguments (include/lithops/detail/arg_plan.hpp), checked
// at compile time, and the readable function names that travel with a call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace arg_plan_test {

int add(int a, int b) { return a + b; }
int sum_tuple(std::tuple<int, int> t) { return std::get<0>(t) + std::get<1>(t); }
std::string repeat(std::string s, int n, char sep) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? std::string(1, sep) : "") + s;
  return out;
}
void nothing(int) {}

using AddFn = decltype(&add);
using SumTupleFn = decltype(&sum_tuple);
using RepeatFn = decltype(&repeat);
using lithops::detail::ArgPlan;

// A tuple the function does not take as it is is spread into its arguments.
static_assert(ArgPlan<AddFn, std::tuple<int, int>, std::tuple<>>::spread);
static_assert(!ArgPlan<AddFn, std::tuple<int, int>, std::tuple<>>::direct);
static_assert(ArgPlan<AddFn, std::pair<int, int>, std::tuple<>>::spread);
// A tuple the function takes as it is is passed as one argument.
static_assert(ArgPlan<SumTupleFn, std::tuple<int, int>, std::tuple<>>::direct);
// extra_args are appended after the element, spread or not.
static_assert(ArgPlan<AddFn, int, std::tuple<int>>::direct);
static_assert(ArgPlan<RepeatFn, std::pair<std::string, int>, std::tuple<char>>::spread);
static_assert(std::is_same_v<ArgPlan<RepeatFn, std::pair<std::string, int>, std::tuple<char>>::Stored,
                             std::tuple<std::string, int, char>>);
// Result types, void included.
static_assert(std::is_same_v<ArgPlan<AddFn, std::tuple<int, int>, std::tuple<>>::result, int>);
static_assert(std::is_same_v<ArgPlan<decltype(&nothing), int, std::tuple<>>::result, void>);

TEST(ArgPlan, ExtraArgsKeepsDecayedCopiesOfItsValues) {
  const std::string s = "x";
  auto e = lithops::extra_args(s, 3, "literal");
  // A C string travels as the std::string it spells, never as a pointer.
  static_assert(std::is_same_v<decltype(e), lithops::ExtraArgs<std::string, int, std::string>>);
  EXPECT_EQ(std::get<0>(e.values), "x");
  EXPECT_EQ(std::get<1>(e.values), 3);
  EXPECT_EQ(std::get<2>(e.values), "literal");
}

TEST(FunctionSpec, AFreeFunctionTravelsWithItsReadableName) {
  auto spec = ArgPlan<AddFn, std::tuple<int, int>, std::tuple<>>::spec(&add);
  EXPECT_THAT(spec.name, ::testing::HasSubstr("add"));
  EXPECT_FALSE(spec.state.empty());  // the function's code reference
}

struct Scale {
  int k = 1;
  int operator()(int x) const { return k * x; }
  template <class A>
  void serialize(A& ar) {
    ar(k);
  }
};

TEST(FunctionSpec, AFunctionObjectTravelsAsItsSerializedState) {
  auto spec = ArgPlan<Scale, int, std::tuple<>>::spec(Scale{7});
  EXPECT_THAT(spec.name, ::testing::HasSubstr("Scale"));
  EXPECT_EQ(lithops::deserialize<int>(spec.state), 7);
}

TEST(FunctionSpec, ACaptureLessLambdaTravelsWithNoState) {
  auto twice = [](int x) { return 2 * x; };
  auto spec = ArgPlan<decltype(twice), int, std::tuple<>>::spec(twice);
  EXPECT_TRUE(spec.state.empty());
}

}  // namespace arg_plan_test
