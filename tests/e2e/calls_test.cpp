// Calls that succeed, end to end on real worker processes, over both transports: call_async,
// map (plain, spread tuples, extra_args, chunksize), every kind of callable, the argument and
// result types users send, void functions, map_reduce, and function chaining.
#include <algorithm>
#include <array>
#include <list>
#include <map>
#include <string_view>
#include <ranges>
#include <atomic>
#include <numeric>
#include <thread>

#include "e2e_support.hpp"

namespace e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<int> range(int n, int from = 0) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

std::vector<int> squares(const std::vector<int>& v) {
  std::vector<int> out;
  for (int x : v) out.push_back(x * x);
  return out;
}

// ==== Calls: behaviour independent of the pool size ====

class Calls : public E2E {};
INSTANTIATE_TEST_SUITE_P(Transports, Calls, transports(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Calls, remote_backends(), setup_name);
INSTANTIATE_TEST_SUITE_P(SshRedis, Calls, ssh_redis(), setup_name);

TEST_P(Calls, CallAsyncReturnsTheFunctionsResult) {
  lithops::FunctionExecutor fexec(config());
  lithops::Future<int> f = fexec.call_async(add_one, 41);
  EXPECT_EQ(f.get(), 42);
  EXPECT_EQ(f.get(), 42);  // a future can be read again
}

TEST_P(Calls, CallAsyncWithSeveralArgumentsPassesThemInOrder) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async(add, 40, 2).get(), 42);
  EXPECT_EQ(fexec.call_async(describe, 7, std::string("seven")).get(), "seven=7");
}

TEST_P(Calls, CallAsyncSpreadsASingleTupleArgument) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async(add, std::make_tuple(1, 2)).get(), 3);
  EXPECT_EQ(fexec.call_async(add, std::make_pair(3, 4)).get(), 7);
  // A function that takes the tuple itself gets it whole.
  EXPECT_EQ(fexec.call_async(sum_tuple, std::make_tuple(4, 2)).get(), 42);
}

TEST_P(Calls, CallAsyncWithOptionsRunsTheCall) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async_with(lithops::CallOptions{.timeout = 30.0}, add, 1, 1).get(), 2);
}

TEST_P(Calls, ACapturelessLambdaRunsOnAWorker) {
  lithops::FunctionExecutor fexec(config());
  auto cube = [](int x) { return x * x * x; };
  EXPECT_EQ(fexec.call_async(cube, 3).get(), 27);
  EXPECT_EQ(fexec.map(cube, std::vector{1, 2, 3}).get_result(), (std::vector{1, 8, 27}));
  EXPECT_EQ(fexec.call_async([](std::string s) { return s + s; }, std::string("ab")).get(), "abab");
}

TEST_P(Calls, AFunctionObjectTravelsWithItsState) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.map(Scale{3}, std::vector{1, 2, 3}).get_result(), (std::vector{3, 6, 9}));
  EXPECT_EQ(fexec.map(Scale{-2}, std::vector{5}).get_result(), (std::vector{-10}));
  EXPECT_EQ(fexec.call_async(Negate{}, 5).get(), -5);
}

TEST_P(Calls, TheFunctionRunsInAWorkerProcess) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_FALSE(lithops::is_worker());
  EXPECT_TRUE(fexec.call_async(in_worker, 0).get());
  auto f = fexec.call_async(stats_probe, 0);
  f.get();
  EXPECT_NE(f.stats().worker_pid, 0);
}

TEST_P(Calls, StringArgumentsAndResultsRoundTrip) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async(shout, std::string("hello")).get(), "HELLO!");
  EXPECT_EQ(fexec.call_async(shout, std::string()).get(), "!");
  auto words = fexec.call_async(count_words, std::string("a b a c a")).get();
  EXPECT_EQ(words, (std::map<std::string, int>{{"a", 3}, {"b", 1}, {"c", 1}}));
}

TEST_P(Calls, VectorArgumentsAndResultsRoundTrip) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async(iota_n, 5).get(), (std::vector{0, 1, 2, 3, 4}));
  EXPECT_EQ(fexec.call_async(iota_n, 0).get(), std::vector<int>{});
  EXPECT_EQ(fexec.call_async(sum_all, range(1000)).get(), 999 * 1000 / 2);
}

TEST_P(Calls, UserStructArgumentsAndResultsRoundTrip) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async(midpoint, Point{0, 0}, Point{2, 4}).get(), (Point{1, 2}));
  std::vector<std::pair<Point, Point>> segments{{{0, 0}, {2, 2}}, {{-1, -1}, {1, 1}}};
  EXPECT_EQ(fexec.map(midpoint, segments).get_result(), (std::vector<Point>{{1, 1}, {0, 0}}));
}

TEST_P(Calls, TupleResultsRoundTrip) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.call_async(number_and_name, 3).get(), std::make_tuple(3, std::string("n3")));
}

TEST_P(Calls, LargeArgumentsAndResultsRoundTrip) {
  lithops::FunctionExecutor fexec(config());
  auto big = make_blob(5 << 20);
  EXPECT_EQ(fexec.call_async(blob_size, big).get(), big.size());
  auto blobs = fexec.map(make_blob, std::vector{1 << 20, 3 << 20, 0, 17}).get_result();
  ASSERT_EQ(blobs.size(), 4u);
  EXPECT_EQ(blobs[0], make_blob(1 << 20));
  EXPECT_EQ(blobs[1], make_blob(3 << 20));
  EXPECT_EQ(blobs[2], "");
  EXPECT_EQ(blobs[3], make_blob(17));
}

TEST_P(Calls, AVoidFunctionGivesAFutureOfVoid) {
  lithops::FunctionExecutor fexec(config());
  auto path = scratch("touched");
  lithops::Future<void> f = fexec.call_async(touch, path);
  f.get();
  EXPECT_TRUE(f.success());
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_P(Calls, AMapOfAVoidFunctionRunsEveryCall) {
  lithops::FunctionExecutor fexec(config());
  std::vector<std::string> paths;
  for (int i = 0; i < 5; ++i) paths.push_back(scratch("touched-" + std::to_string(i)));
  lithops::FuturesList<void> fs = fexec.map(touch, paths);
  auto r = lithops::wait(fs);
  EXPECT_EQ(r.done.size(), 5u);
  for (const auto& f : fs) EXPECT_NO_THROW(f.get());
  for (const auto& p : paths) EXPECT_TRUE(std::filesystem::exists(p)) << p;
}

TEST_P(Calls, MapSpreadsTuplesIntoTheArguments) {
  lithops::FunctionExecutor fexec(config());
  std::vector<std::tuple<int, int>> pairs{{1, 2}, {10, 20}, {-5, 5}};
  EXPECT_EQ(fexec.map(add, pairs).get_result(), (std::vector{3, 30, 0}));
  std::vector<std::pair<int, std::string>> named{{1, "one"}, {2, "two"}};
  EXPECT_EQ(fexec.map(describe, named).get_result(), (std::vector<std::string>{"one=1", "two=2"}));
}

TEST_P(Calls, MapPassesATupleWholeToAFunctionThatTakesIt) {
  lithops::FunctionExecutor fexec(config());
  std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}};
  EXPECT_EQ(fexec.map(sum_tuple, pairs).get_result(), (std::vector{12, 34}));
}

TEST_P(Calls, ExtraArgsAreAppendedToEveryCall) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.map(add3, std::vector{1, 2, 3}, lithops::extra_args(10, 100)).get_result(),
            (std::vector{111, 112, 113}));
  EXPECT_EQ(fexec.map(describe, std::vector{1, 2}, lithops::extra_args(std::string("x"))).get_result(),
            (std::vector<std::string>{"x=1", "x=2"}));
}

TEST_P(Calls, ExtraArgsFollowASpreadTuple) {
  lithops::FunctionExecutor fexec(config());
  std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}};
  EXPECT_EQ(fexec.map(add3, pairs, lithops::extra_args(100)).get_result(), (std::vector{103, 107}));
}

TEST_P(Calls, MapTakesAnyInputRange) {
  lithops::FunctionExecutor fexec(config());
  std::array<int, 3> a{1, 2, 3};
  EXPECT_EQ(fexec.map(square, a).get_result(), (std::vector{1, 4, 9}));
  std::list<int> l{4, 5};
  EXPECT_EQ(fexec.map(square, l).get_result(), (std::vector{16, 25}));
  EXPECT_EQ(fexec.map(square, std::views::iota(0, 4)).get_result(), (std::vector{0, 1, 4, 9}));
}

TEST_P(Calls, AnEmptyMapHasNoCallsAndAnEmptyResult) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(square, std::vector<int>{});
  EXPECT_TRUE(fs.empty());
  EXPECT_TRUE(fexec.get_result(fs).empty());
  EXPECT_TRUE(fexec.map(square, fs).empty());  // chaining on nothing is nothing
  EXPECT_EQ(fexec.call_async(square, 3).get(), 9);
}

TEST_P(Calls, AMapReduceOverNothingGivesTheReducerAnEmptyVector) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.map_reduce(square, std::vector<int>{}, sum_all).get(), 0);
}

TEST_P(Calls, FutureIdsNameTheJobAndTheCall) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(square, range(3));
  EXPECT_EQ(fs[0].call_id(), "00000");
  EXPECT_EQ(fs[2].call_id(), "00002");
  EXPECT_EQ(fs[0].job_key(), fs[2].job_key());
  EXPECT_THAT(fs[0].job_key(), ::testing::StartsWith(fexec.executor_id() + "-M"));
  auto a = fexec.call_async(square, 1);
  EXPECT_THAT(a.job_key(), ::testing::StartsWith(fexec.executor_id() + "-A"));
  EXPECT_NE(a.job_key(), fs[0].job_key());
  fs.get_result();
  a.get();
}

// Storage transport: workers open the storage from YAML the client writes; a directory name
// with quotes, a backslash and spaces must survive it.
TEST_P(Calls, AStorageDirWithQuotesAndSpacesWorks) {
  auto cfg = config();
  cfg.set("localhost.storage_dir", storage_dir() + "/a \"quoted\" dir: #1 \\ x");
  lithops::FunctionExecutor fexec(cfg);
  EXPECT_EQ(fexec.map(square, std::vector{1, 2, 3}).get_result(), (std::vector{1, 4, 9}));
}

TEST_P(Calls, ChainingWithoutAnExecutorIsAnError) {
  lithops::FuturesList<int> by_hand;
  EXPECT_THROW(by_hand.map(add_one), lithops::Error);
}

// ==== Maps: behaviour that depends on the pool size ====

class Maps : public E2E {};
INSTANTIATE_TEST_SUITE_P(Pools, Maps, pool_sizes(), setup_name);
INSTANTIATE_TEST_SUITE_P(Remote, Maps, remote_backends(), setup_name);

TEST_P(Maps, ResultsOfManyCallsComeBackInCallOrder) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.worker_count(), static_cast<std::size_t>(GetParam().workers));
  auto data = range(1000, -500);
  auto fs = fexec.map(square, data);
  ASSERT_EQ(fs.size(), data.size());
  EXPECT_EQ(fexec.get_result(fs), squares(data));
  for (std::size_t i = 0; i < fs.size(); i += 97) EXPECT_EQ(fs[i].get(), data[i] * data[i]);
}

TEST_P(Maps, ChunksizeGivesTheSameResults) {
  lithops::FunctionExecutor fexec(config());
  auto data = range(23);
  for (std::size_t chunk : {1u, 3u, 7u, 23u, 100u}) {
    auto fs = fexec.map(square, data, lithops::CallOptions{.chunksize = chunk});
    EXPECT_EQ(fs.get_result(), squares(data)) << "chunksize " << chunk;
  }
}

TEST_P(Maps, ChunksizeFromTheConfigGivesTheSameResults) {
  auto cfg = config();
  cfg.set("lithops.chunksize", 4);
  lithops::FunctionExecutor fexec(cfg);
  auto data = range(30);
  EXPECT_EQ(fexec.map(square, data).get_result(), squares(data));
  EXPECT_EQ(fexec.map(square, data).map(add_one).get_result(),
            [&] { auto v = squares(data); for (auto& x : v) ++x; return v; }());
}

TEST_P(Maps, MapReduceGivesTheReducerEveryResultInOrder) {
  lithops::FunctionExecutor fexec(config());
  auto data = range(50, 1);
  lithops::Future<std::vector<int>> all = fexec.map_reduce(square, data, collect);
  EXPECT_EQ(all.get(), squares(data));
  lithops::Future<long long> sum = fexec.map_reduce(square, data, sum_all);
  EXPECT_EQ(sum.get(), 50LL * 51 * 101 / 6);
}

TEST_P(Maps, MapReduceWithASingleMapper) {
  lithops::FunctionExecutor fexec(config());
  EXPECT_EQ(fexec.map_reduce(square, std::vector{7}, collect).get(), (std::vector{49}));
}

TEST_P(Maps, MapReduceWithChunksize) {
  lithops::FunctionExecutor fexec(config());
  auto data = range(20);
  EXPECT_EQ(fexec.map_reduce(square, data, collect, lithops::CallOptions{.chunksize = 3}).get(), squares(data));
}

TEST_P(Maps, ChainingThroughTheExecutorFeedsEachResultToTheNextCall) {
  lithops::FunctionExecutor fexec(config());
  auto data = range(40);
  auto fs = fexec.map(square, data);
  lithops::FuturesList<int> gs = fexec.map(add_one, fs);
  auto expected = squares(data);
  for (auto& x : expected) ++x;
  EXPECT_EQ(gs.get_result(), expected);
}

TEST_P(Maps, ChainingOnTheFuturesListFeedsEachResultToTheNextCall) {
  lithops::FunctionExecutor fexec(config());
  auto data = range(40);
  auto result = fexec.map(add_one, data).map(square).map(add_one).get_result();
  std::vector<int> expected;
  for (int x : data) expected.push_back((x + 1) * (x + 1) + 1);
  EXPECT_EQ(result, expected);
}

TEST_P(Maps, ChainingSpreadsATupleResultAndAppendsExtraArgs) {
  lithops::FunctionExecutor fexec(config());
  auto named = fexec.map(number_and_name, std::vector{1, 2, 3});
  EXPECT_EQ(named.map(describe).get_result(), (std::vector<std::string>{"n1=1", "n2=2", "n3=3"}));
  auto sums = fexec.map(add_one, std::vector{1, 2}).map(add3, lithops::extra_args(10, 100));
  EXPECT_EQ(sums.get_result(), (std::vector{112, 113}));
}

TEST_P(Maps, ChainingWithChunksizeGivesTheSameResults) {
  lithops::FunctionExecutor fexec(config());
  auto data = range(25);
  auto fs = fexec.map(square, data, lithops::CallOptions{.chunksize = 4});
  auto gs = fexec.map(add_one, fs, lithops::CallOptions{.chunksize = 3});
  auto expected = squares(data);
  for (auto& x : expected) ++x;
  EXPECT_EQ(gs.get_result(), expected);
}

TEST_P(Maps, ChainingOnFuturesOfSeveralJobs) {
  lithops::FunctionExecutor fexec(config());
  auto a = fexec.map(square, std::vector{1, 2});
  auto b = fexec.map(square, std::vector{3, 4});
  auto both = a;
  both += b;
  EXPECT_EQ(both.map(add_one).get_result(), (std::vector{2, 5, 10, 17}));
}

TEST_P(Maps, ChainingOnAListThatHoldsTheSameFutureTwice) {
  lithops::FunctionExecutor fexec(config());
  auto fs = fexec.map(square, std::vector{2, 3});
  auto twice = fs;
  twice += fs;
  twice.push_back(fs[0]);
  EXPECT_EQ(twice.map(add_one).get_result(), (std::vector{5, 10, 5, 10, 5}));
  EXPECT_EQ(fexec.map_reduce(square, std::vector{1, 2}, collect).get(), (std::vector{1, 4}));
}

TEST_P(Maps, CallsSubmittedFromSeveralThreadsAllComeBackRight) {
  lithops::FunctionExecutor fexec(config());
  constexpr int kThreads = 4;
  std::vector<std::vector<int>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] { results[static_cast<std::size_t>(t)] = fexec.map(square, range(50, t * 100)).get_result(); });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(results[static_cast<std::size_t>(t)], squares(range(50, t * 100))) << t;
}

TEST_P(Maps, ManySmallJobsInARowAllComeBackRight) {
  lithops::FunctionExecutor fexec(config());
  for (int i = 0; i < 30; ++i) ASSERT_EQ(fexec.call_async(square, i).get(), i * i) << i;
}

// ==== Review findings: dispatch, inputs, lifetimes ====

TEST_P(Calls, AShortCallIsNeverQueuedBehindALongOneWhileAWorkerIsIdle) {
  // Two workers, three calls: the first holds until the gate opens. The third must run on the
  // idle worker, not wait in the first worker's queue: it completes with the gate still shut.
  lithops::FunctionExecutor fexec(config());
  const std::string gate = scratch("gate");
  auto fs = fexec.map(hold_if_negative, std::vector<int>{-1, 5, 6}, lithops::extra_args(gate));
  EXPECT_EQ(fs[1].get(), 5);
  EXPECT_EQ(fs[2].get(), 6);
  EXPECT_FALSE(fs[0].done());
  open_gate(gate);
  EXPECT_EQ(fs[0].get(), -1);
}

TEST_P(Calls, MapOverAStdMapPassesItsKeyValuePairs) {
  lithops::FunctionExecutor fexec(config());
  std::map<std::string, int> m{{"a", 1}, {"bb", 2}};
  auto r = fexec.map([](std::string k, int v) { return static_cast<int>(k.size()) * 10 + v; }, m).get_result();
  EXPECT_EQ(r, (std::vector<int>{11, 22}));
}

TEST_P(Calls, StringViewsAndCStringsTravelAsStrings) {
  lithops::FunctionExecutor fexec(config());
  std::string_view sv = "view";
  EXPECT_EQ(fexec.call_async(shout, sv).get(), shout("view"));
  EXPECT_EQ(fexec.call_async(shout, "literal").get(), shout("literal"));
}

TEST_P(Calls, ChainingOnAListWhoseExecutorIsGoneFailsCleanly) {
  lithops::FuturesList<int> kept;
  {
    lithops::FunctionExecutor fexec(config());
    kept = fexec.map(square, std::vector<int>{1, 2});
    EXPECT_EQ(kept.get_result(), (std::vector<int>{1, 4}));
  }
  EXPECT_EQ(kept.executor(), nullptr);
  EXPECT_THROW(kept.map(add_one), lithops::Error);
  lithops::FunctionExecutor other(config());
  EXPECT_EQ(other.map(add_one, kept).get_result(), (std::vector<int>{2, 5}));  // results outlive it
}

}  // namespace
}  // namespace e2e
