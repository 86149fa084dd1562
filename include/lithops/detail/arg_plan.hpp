#pragma once
/// @file detail/arg_plan.hpp
/// How one element of a map's input becomes a call's arguments, decided at compile time, as
/// in Lithops: an element the function accepts as it is is passed as one argument; a tuple or
/// pair it does not accept as it is is spread into the arguments; `extra_args` are appended
/// to every call. Either way the bytes on the wire are the same (cereal writes a tuple as its
/// elements in order), which is what lets the results of one job feed the next.

#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lithops/detail/function_ref.hpp"

namespace lithops {

namespace detail {
/// The type an argument travels as: decayed, with C strings as std::string (a pointer cannot
/// travel; what it points to can).
template <class T>
struct stored {
  using type = std::decay_t<T>;
};
template <class T>
  requires std::is_same_v<std::decay_t<T>, const char*> || std::is_same_v<std::decay_t<T>, char*> ||
           std::is_same_v<std::decay_t<T>, std::string_view>
struct stored<T> {
  using type = std::string;
};
/// The elements of a std::map are pair<const K, V>; a const key cannot be read back into.
template <class K, class V>
struct stored<std::pair<const K, V>> {
  using type = std::pair<K, V>;
};
template <class T>
using stored_t = typename stored<T>::type;

/// The value as it travels: C strings become std::string, anything else is passed through.
template <class T>
decltype(auto) as_stored(const T& value) {
  if constexpr (std::is_same_v<stored_t<T>, std::string> && !std::is_same_v<std::decay_t<T>, std::string>)
    return std::string(value);
  else
    return (value);  // a pair<const K, V> writes the same bytes as the pair<K, V> it is read as
}
}  // namespace detail

/// Arguments appended to every call of a map (Lithops' `extra_args`).
template <class... Ts>
struct ExtraArgs {
  std::tuple<Ts...> values;
};

/// `fexec.map(f, data, lithops::extra_args(10, std::string("x")))`
template <class... Ts>
ExtraArgs<detail::stored_t<Ts>...> extra_args(Ts&&... values) {
  return {std::tuple<detail::stored_t<Ts>...>(std::forward<Ts>(values)...)};
}

namespace detail {

template <class T>
struct is_tuple_like : std::false_type {};
template <class... T>
struct is_tuple_like<std::tuple<T...>> : std::true_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};

template <class T>
struct as_tuple {
  using type = T;
};
template <class A, class B>
struct as_tuple<std::pair<A, B>> {
  using type = std::tuple<A, B>;
};

template <bool Ok, class F, class... Stored>
struct result_if {
  using type = void;  // not callable: the plan's static_assert reports it
};
template <class F, class... Stored>
struct result_if<true, F, Stored...> {
  using type = call_result_t<F, Stored...>;
};

template <class F, class Args>
struct Invocation;  // Args = std::tuple<Stored...>
template <class F, class... Stored>
struct Invocation<F, std::tuple<Stored...>> {
  static constexpr bool ok = std::is_invocable_v<F&, Stored&...>;
  using result = typename result_if<ok, F, Stored...>::type;
  static FunctionSpec spec(const F& f) { return make_function_spec<F, Stored...>(f); }
};

template <class A, class B>
struct concat;
template <class... A, class... B>
struct concat<std::tuple<A...>, std::tuple<B...>> {
  using type = std::tuple<A..., B...>;
};

template <class F, class E, class Extra, bool Spread>
struct SpreadArgs {
  using type = std::tuple<>;
};
template <class F, class E, class Extra>
struct SpreadArgs<F, E, Extra, true> {
  using type = typename concat<typename as_tuple<E>::type, Extra>::type;
};

/// Fails to compile, naming the function and element types, when neither way of calling works.
template <class F, class Element, class Extra, bool Ok>
struct function_cannot_be_called_with_element {
  static_assert(Ok,
                "lithops: the function cannot be called with this input element (see the types in "
                "'function_cannot_be_called_with_element<Function, Element, ExtraArgs>' above): "
                "it is neither the function's argument list, nor a tuple to spread into it");
  static constexpr bool value = Ok;
};

/// The plan for calling F with element type E followed by the extra arguments `Extra`
/// (a std::tuple).
template <class F, class E, class Extra>
struct ArgPlan {
  using Direct = typename concat<std::tuple<E>, Extra>::type;
  static constexpr bool direct = Invocation<F, Direct>::ok;
  static constexpr bool spreadable = !direct && is_tuple_like<E>::value;
  using Spread = typename SpreadArgs<F, E, Extra, spreadable>::type;
  static constexpr bool spread = spreadable && Invocation<F, Spread>::ok;
  static_assert(function_cannot_be_called_with_element<F, E, Extra, direct || spread>::value);
  using Stored = std::conditional_t<direct, Direct, Spread>;
  using result = typename Invocation<F, Stored>::result;
  static FunctionSpec spec(const F& f) { return Invocation<F, Stored>::spec(f); }
};

}  // namespace detail
}  // namespace lithops
