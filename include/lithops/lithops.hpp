#pragma once
/// @file lithops.hpp
/// Everything a Lithops program includes.
///
/// @code
///   #include <lithops/lithops.hpp>
///   int double_it(int x) { return 2 * x; }
///   int main(int argc, char** argv) {
///     lithops::init(argc, argv);
///     lithops::FunctionExecutor fexec;
///     std::cout << fexec.call_async(double_it, 21).get() << '\n';  // 42
///   }
/// @endcode

#include "lithops/call_stats.hpp"
#include "lithops/cloud_fs.hpp"
#include "lithops/config.hpp"
#include "lithops/copc.hpp"
#include "lithops/data.hpp"
#include "lithops/errors.hpp"
#include "lithops/executor.hpp"
#include "lithops/future.hpp"
#include "lithops/futures_list.hpp"
#include "lithops/init.hpp"
#include "lithops/serialization.hpp"
#include "lithops/storage.hpp"
#include "lithops/wait.hpp"
