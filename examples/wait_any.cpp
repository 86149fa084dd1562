// wait_any: lithops::wait returns as soon as its condition holds. With ANY_COMPLETED it
// returns once one call is final (the short one here), with ALL_COMPLETED once every call is.
// Each list it returns (done, not_done) keeps the input order.
#include <lithops/lithops.hpp>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

int sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  auto config = lithops::Config::load();
  config.set("localhost.worker_processes", 3);  // one worker per call: they all start at once
  lithops::FunctionExecutor fexec(config);
  auto one_per_request = lithops::CallOptions{.chunksize = 1};  // no call queued behind another
  auto fs = fexec.map(sleep_ms, std::vector<int>{1500, 10, 1500}, one_per_request);

  auto any = lithops::wait(fs, lithops::ANY_COMPLETED);
  std::cout << "after ANY_COMPLETED: " << any.done.size() << " done\n";
  if (any.done.size() != 1 || any.done[0].get() != 10) return 1;  // the 10 ms call, alone
  auto all = lithops::wait(fs, lithops::ALL_COMPLETED);
  std::cout << "after ALL_COMPLETED: " << all.done.size() << " done, " << all.not_done.size()
            << " not done\n";
  return all.done.size() == 3 ? 0 : 1;
}
