#pragma once
// Names of functions with internal linkage (static, anonymous namespace) that dladdr cannot
// see: read from the executable's own ELF symbol table (.symtab), unless it was stripped.
#include <cstdint>
#include <optional>
#include <string>

namespace lithops::detail {

/// The mangled name of the function that starts at `offset` from the main executable's load
/// address, if the executable's symbol table has it.
std::optional<std::string> local_symbol_at(std::uint64_t offset);

}  // namespace lithops::detail
