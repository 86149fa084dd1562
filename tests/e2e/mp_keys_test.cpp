// The life of the multiprocessing objects' Redis keys: an expiry on every key, deletion with
// the objects, renewal while their creator lives, expiry after a killed creator; and the error
// without a Redis.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>
#include <lithops/multiprocessing.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "mp_support.hpp"
#include "util/subprocess.hpp"

namespace mp = lithops::mp;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

namespace {

using namespace mp_test;

// ==== Keys ====

TEST_F(MpPrimitives, KeysCarryAnExpiryAndGoWithTheirObjects) {
  {
    mp::Queue<int> q(3, ctx_);
    q.put(1);
    mp::JoinableQueue<int> j(ctx_);
    j.put(1);
    mp::Lock lock(ctx_);
    mp::RLock rlock(ctx_);
    rlock.acquire();
    mp::BoundedSemaphore sem(2, ctx_);
    mp::Event ev(ctx_);
    ev.set();
    mp::Barrier b(2, ctx_);
    EXPECT_THROW(b.wait(1ms), mp::BrokenBarrierError);
    auto [p1, p2] = mp::Pipe<int>(true, ctx_);
    p1.send(1);
    mp::Value<int> v(3, ctx_);
    mp::Array<int> a(3, ctx_);
    mp::Condition cond(ctx_);
    auto copy = q;  // copies share the object: it goes with the last one
    const auto keys = keys_of(ctx_);
    EXPECT_GE(keys.size(), 15u);
    for (const auto& k : keys) {
      const auto ttl = pttl(k);
      EXPECT_GT(ttl, 0) << k;
      EXPECT_LE(ttl, 60000) << k;
    }
  }
  EXPECT_THAT(keys_of(ctx_), ::testing::IsEmpty());
}

int put_default(mp::Queue<int> q, mp::Lock lock) {
  std::lock_guard guard(lock);
  q.put(7);
  return 1;
}

TEST_F(MpPrimitives, ADefaultConstructedObjectIsMadeAtFirstUseAndUnboundOnesRefuse) {
  // Python's `Queue()`: made in the default context, at first use (here: when it travels).
  mp::set_default_config(config_);
  {
    mp::Queue<int> q;
    mp::Lock lock;
    auto copy = q;  // made once, shared by the copies
    lithops::FunctionExecutor fexec(config_);
    EXPECT_EQ(fexec.call_async(put_default, q, lock).get(), 1);
    EXPECT_EQ(copy.get(true, 1s), 7);
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
    EXPECT_FALSE(keys_of(mp::default_context()).empty());
  }
  EXPECT_THAT(keys_of(mp::default_context()), ::testing::IsEmpty());

  mp::Barrier unbound;
  EXPECT_THROW(unbound.wait(), mp::StateError);
  mp::Connection<int> c;
  EXPECT_THROW(c.send(1), mp::StateError);
  mp::Dict<int, int> d;
  EXPECT_THROW(d.size(), mp::StateError);
}

// The creator of TheKeysOfAKilledCreatorExpire: a separate process (spawned, never forked
// from this multi-threaded one) that makes objects and ends without destructors, as if killed.
TEST(MpPrimitivesChild, MakeObjectsAndVanish) {
  if (!std::getenv("LITHOPS_MP_TEST_CHILD")) GTEST_SKIP() << "run by TheKeysOfAKilledCreatorExpire";
  auto config = test_config(1);
  config.set("multiprocessing.expiry", 1);
  auto* ctx = new mp::Context(config);
  auto* q = new mp::Queue<int>(*ctx);
  q->put(1);
  new mp::Lock(*ctx);
  new mp::Value<int>(5, *ctx);
  std::printf("context %s\n", ctx->id().c_str());
  std::fflush(stdout);
  ::_exit(0);
}

TEST_F(MpPrimitives, TheKeysOfAKilledCreatorExpire) {
  auto r = lithops::detail::run_command(
      {std::filesystem::read_symlink("/proc/self/exe").string(), "--gtest_filter=MpPrimitivesChild.*"}, "",
      std::chrono::seconds(60), {{"LITHOPS_MP_TEST_CHILD", "1"}});
  ASSERT_TRUE(r.ok()) << r.describe() << r.out;
  const auto at = r.out.find("context ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string id = r.out.substr(at + 8, r.out.find('\n', at) - at - 8);
  EXPECT_FALSE(keys_with_id(id).empty());
  const auto deadline = Clock::now() + 3s;
  while (!keys_with_id(id).empty() && Clock::now() < deadline) std::this_thread::sleep_for(50ms);  // observing expiry
  EXPECT_THAT(keys_with_id(id), ::testing::IsEmpty());
}

// The keeper renews idle objects' keys: with a 1 s expiry, a lock nobody touches for 2.5 s is
// still there.
TEST_F(MpPrimitives, IdleObjectsOutliveTheExpiryWhileTheirCreatorLives) {
  auto config = test_config(1);
  config.set("multiprocessing.expiry", 1);
  mp::Context ctx(config);
  mp::Lock lock(ctx);
  mp::Queue<int> q(ctx);
  q.put(42);
  const auto until = Clock::now() + 2500ms;  // observing the keys over 2.5 expiry periods
  while (Clock::now() < until) {
    for (const auto& k : keys_of(ctx)) ASSERT_GT(pttl(k), 0) << k;
    ASSERT_EQ(keys_of(ctx).size(), 2u);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(lock.acquire(false));
  EXPECT_EQ(q.get(false), 42);
}

TEST_F(MpPrimitives, WithoutARedisHostMakingAnObjectIsAConfigErrorNamingIt) {
  mp::Context bare{lithops::Config{}};
  try {
    mp::Queue<int> q(0, bare);
    FAIL() << "no ConfigError";
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("redis.host"));
  }
  EXPECT_THROW(mp::Lock{bare}, lithops::ConfigError);
  mp::Manager m(bare);
  EXPECT_THROW((m.dict<int, int>()), lithops::ConfigError);
}

}  // namespace
