#pragma once
/// @file init.hpp
/// The one line every program using Lithops starts main() with.

namespace lithops {

/// Call first in main(). In the client it returns at once. When the process was started as
/// a worker (by an executor, from this same executable) it serves calls and never returns;
/// this is how the program's own binary is its worker, with no separate build.
void init(int argc, char** argv);

/// True inside a worker process (e.g. inside a function running as a call).
bool is_worker() noexcept;

/// The library's version, e.g. "0.1.0".
const char* version() noexcept;

}  // namespace lithops
