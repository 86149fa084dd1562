#pragma once
/// @file multiprocessing.hpp
/// Python's multiprocessing API on any compute backend (`lithops::multiprocessing`, short
/// `lithops::mp`): Pool and Process run their functions as calls on the configured backend;
/// the shared objects (queues, pipes, locks, events, barriers, values, managers) live in the
/// configuration's Redis, so the client and calls on any host share them.
///
/// @code
///   #include <lithops/multiprocessing.hpp>
///   namespace mp = lithops::mp;
///   int square(int x) { return x * x; }
///   int main(int argc, char** argv) {
///     lithops::init(argc, argv);
///     mp::Pool pool;
///     auto squares = pool.map(square, std::vector{1, 2, 3});  // {1, 4, 9}
///   }
/// @endcode

#include "lithops/init.hpp"
#include "lithops/multiprocessing/connection.hpp"
#include "lithops/multiprocessing/context.hpp"
#include "lithops/multiprocessing/managers.hpp"
#include "lithops/multiprocessing/pool.hpp"
#include "lithops/multiprocessing/process.hpp"
#include "lithops/multiprocessing/queues.hpp"
#include "lithops/multiprocessing/sharedctypes.hpp"
#include "lithops/multiprocessing/synchronize.hpp"
