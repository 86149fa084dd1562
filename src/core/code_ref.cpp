// Code addresses as (module, offset): see include/lithops/detail/function_ref.hpp.
#include <cxxabi.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <link.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/symbol_table.hpp"
#include "lithops/detail/function_ref.hpp"
#include "lithops/errors.hpp"

namespace lithops::detail {

namespace {

struct ModuleQuery {
  const std::string* name;  // nullptr: the main program
  std::uintptr_t base = 0;
  bool found = false;
};

// The lowest PT_LOAD address of a module: what dladdr reports as dli_fbase.
std::uintptr_t load_base(const dl_phdr_info* info) {
  std::uintptr_t lowest = UINTPTR_MAX;
  for (int i = 0; i < info->dlpi_phnum; ++i)
    if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr < lowest)
      lowest = info->dlpi_phdr[i].p_vaddr;
  return info->dlpi_addr + (lowest == UINTPTR_MAX ? 0 : lowest);
}

int find_module(dl_phdr_info* info, std::size_t, void* data) {
  auto* q = static_cast<ModuleQuery*>(data);
  if (q->name == nullptr || *q->name == info->dlpi_name) {
    q->base = load_base(info);
    q->found = true;
    return 1;
  }
  return 0;
}

std::uintptr_t main_base() {
  static const std::uintptr_t base = [] {
    ModuleQuery q{nullptr};
    dl_iterate_phdr(find_module, &q);
    return q.base;
  }();
  return base;
}

// "ns::double_it(int)" -> "ns::double_it": names read better without the parameter list in
// logs, as Lithops shows them. Only the final, balanced "(...)" goes: "(anonymous namespace)"
// and operator() stay.
std::string strip_parameters(std::string name) {
  if (name.empty() || name.back() != ')') return name;
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) return i == 0 ? name : name.substr(0, i);
  }
  return name;
}

}  // namespace

CodeRef code_ref_of(const void* address) {
  Dl_info info{};
  if (dladdr(address, &info) == 0 || info.dli_fbase == nullptr)
    throw Error("lithops: cannot locate the module of a function address");
  auto base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  CodeRef ref;
  ref.offset = reinterpret_cast<std::uintptr_t>(address) - base;
  if (base != main_base()) ref.module = info.dli_fname ? info.dli_fname : "";
  return ref;
}

const void* resolve_code_ref(const CodeRef& ref) {
  if (ref.module.empty()) return reinterpret_cast<const void*>(main_base() + ref.offset);
  ModuleQuery q{&ref.module};
  dl_iterate_phdr(find_module, &q);
  if (!q.found) throw Error("lithops: module " + ref.module + " of the function is not loaded in the worker");
  return reinterpret_cast<const void*>(q.base + ref.offset);
}

const FunctionIdentity& identify_function(const void* address) {
  static std::mutex mu;
  static std::unordered_map<const void*, std::unique_ptr<FunctionIdentity>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[address];
  if (!slot) {
    slot = std::make_unique<FunctionIdentity>();
    serialize_into(slot->state, code_ref_of(address));
    slot->name = readable_name_of(address);
  }
  return *slot;
}

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(mangled);
}

std::string readable_name_of(const void* address) {
  Dl_info info{};
  if (dladdr(address, &info) != 0 && info.dli_sname != nullptr &&
      info.dli_saddr == address) {
    return strip_parameters(demangle(info.dli_sname));
  }
  CodeRef ref = code_ref_of(address);
  if (ref.module.empty()) {
    if (auto mangled = local_symbol_at(ref.offset)) return strip_parameters(demangle(mangled->c_str()));
  }
  return fmt::format("function@{}+0x{:x}", ref.module.empty() ? "exe" : ref.module, ref.offset);
}

}  // namespace lithops::detail
