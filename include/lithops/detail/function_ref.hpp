#pragma once
/// @file detail/function_ref.hpp
/// How a function travels to a worker without registration (see docs/design.md, "Functions").
///
/// Every process running the same build has the same code at the same offsets from its module's
/// load address; only the load address differs (ASLR). So a code or data address travels as
/// (module, offset) and is re-based on the receiver. What travels is the address of a
/// `FunctionVTable`: a static object instantiated once per (callable type, argument types)
/// that knows how to rebuild the callable and run one call. The callable itself travels as
/// `state`: the (module, offset) of a function pointer, nothing for a captureless lambda, or
/// the cereal-serialized object for a function object with state. The build id check
/// (worker vs client) is what makes the offsets trustworthy.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "lithops/serialization.hpp"

namespace lithops::detail {

/// A code or data address that is valid in every process running this build.
struct CodeRef {
  std::string module;       ///< empty for the main executable, else the shared object's path
  std::uint64_t offset = 0; ///< from the module's load address
  template <class A>
  void serialize(A& ar) { ar(module, offset); }
};

CodeRef code_ref_of(const void* address);
/// Throws lithops::Error if the module is not loaded in this process.
const void* resolve_code_ref(const CodeRef& ref);
/// Symbol name of a function address, demangled; "function@<module>+0x<offset>" if unknown.
std::string readable_name_of(const void* address);
/// A function pointer's travelling state (its serialized CodeRef) and readable name, cached
/// per address.
struct FunctionIdentity {
  std::string state;
  std::string name;
};
const FunctionIdentity& identify_function(const void* address);
/// Demangles a type name from `typeid(T).name()`.
std::string demangle(const char* mangled);

/// What a worker calls. One static instance per (F, Stored...) instantiation.
struct FunctionVTable {
  /// Rebuilds the callable from its state; the result is passed to `invoke` and `destroy`.
  void* (*prepare)(std::string_view state);
  /// Runs one call: reads the stored argument tuple from `args`, appends the result to `out`.
  void (*invoke)(void* callable, std::string_view args, std::string& out);
  void (*destroy)(void* callable);
};

/// A function ready to travel: what the job manifest stores.
struct FunctionSpec {
  CodeRef vtable;
  std::string state;
  std::string name;  ///< readable, for logs and stats
};

template <class F>
constexpr bool is_function_pointer_v =
    std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>;

template <class F>
struct callable_is_not_sendable {
  static_assert(is_function_pointer_v<F> || std::is_class_v<F>,
                "lithops: only free functions, captureless lambdas and function objects can be "
                "sent to workers (member function pointers cannot)");
  static_assert(!std::is_class_v<F> || (std::is_empty_v<F> && std::is_default_constructible_v<F>) ||
                    is_serializable_v<F>,
                "lithops: this function object has state that cannot be serialized (see the type "
                "in 'callable_is_not_sendable<...>' above). A lambda that captures variables "
                "cannot travel: pass the values as arguments or extra_args, or write a struct "
                "with operator() and a serialize(Archive&) method.");
  static constexpr bool value = true;
};

template <class F>
constexpr bool rebuilt_by_default_construction_v =
    std::is_class_v<F> && std::is_empty_v<F> && std::is_default_constructible_v<F>;

/// Result type of calling F with the stored arguments, decayed; `void` allowed.
template <class F, class... Stored>
using call_result_t = std::decay_t<std::invoke_result_t<F&, Stored&...>>;

template <class F, class... Stored>
struct VTableFor {
  using R = call_result_t<F, Stored...>;

  static void* prepare(std::string_view state) {
    if constexpr (is_function_pointer_v<F>) {
      auto ref = deserialize<CodeRef>(state);
      return new F(reinterpret_cast<F>(const_cast<void*>(resolve_code_ref(ref))));
    } else if constexpr (rebuilt_by_default_construction_v<F>) {
      return new F{};
    } else {
      return new F(deserialize<F>(state));
    }
  }
  static void invoke(void* callable, std::string_view args, std::string& out) {
    std::tuple<Stored...> values{};
    if constexpr ((std::is_arithmetic_v<Stored> && ...)) {
      // Numbers only: deserialize reads them without an archive set up per call.
      std::size_t at = 0;
      std::apply([&](auto&... v) { ((v = deserialize<Stored>(args.substr(at)), at += sizeof v), ...); }, values);
    } else {
      BufferInputArchive in(args);
      std::apply([&](auto&... v) { (in(v), ...); }, values);
    }
    F& f = *static_cast<F*>(callable);
    if constexpr (std::is_void_v<R>) {
      std::apply(f, values);
    } else if constexpr (std::is_arithmetic_v<R>) {
      const R r = std::apply(f, values);
      out.append(reinterpret_cast<const char*>(&r), sizeof r);
    } else {
      BufferOutputArchive ar(out);
      ar(std::apply(f, values));
    }
  }
  static void destroy(void* callable) { delete static_cast<F*>(callable); }

  static constexpr FunctionVTable table{&prepare, &invoke, &destroy};
};

template <class F, class... Stored>
FunctionSpec make_function_spec(const F& f) {
  static_assert(callable_is_not_sendable<F>::value);
  (require_serializable<Stored>(), ...);
  using R = call_result_t<F, Stored...>;
  if constexpr (!std::is_void_v<R>) require_serializable<R>();
  // Looked up once per instantiation: dladdr and demangling cost microseconds, and a
  // call_async is allowed only a few.
  static const CodeRef vtable = code_ref_of(&VTableFor<F, Stored...>::table);
  FunctionSpec spec;
  spec.vtable = vtable;
  if constexpr (is_function_pointer_v<F>) {
    const FunctionIdentity& id = identify_function(reinterpret_cast<const void*>(f));
    spec.state = id.state;
    spec.name = id.name;
  } else {
    static const std::string name = demangle(typeid(F).name());
    if constexpr (!rebuilt_by_default_construction_v<F>) serialize_into(spec.state, f);
    spec.name = name;
  }
  return spec;
}

}  // namespace lithops::detail
