# Misuse of the API must fail at compile time with a message that says what is wrong and names
# the type (include/lithops/serialization.hpp, detail/function_ref.hpp, detail/arg_plan.hpp).
# Each file in compile_fail/ is compiled with -fsyntax-only by expect_compile_failure.cmake,
# which passes only if the compiler rejects it and its output matches every regex given.
set(LITHOPS_COMPILE_FAIL_DIR ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail)
set(LITHOPS_COMPILE_FAIL_INCLUDES ${PROJECT_SOURCE_DIR}/include)
get_target_property(_cereal_includes cereal::cereal INTERFACE_INCLUDE_DIRECTORIES)
foreach(dir IN LISTS _cereal_includes)
  # The compiler's own directories stay implicit: -I/usr/include breaks #include_next.
  if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    list(APPEND LITHOPS_COMPILE_FAIL_INCLUDES ${dir})
  endif()
endforeach()

# lithops_compile_fail_test(name file.cpp [EXPECT regex...] [SHOULD_COMPILE])
function(lithops_compile_fail_test name file)
  cmake_parse_arguments(C "SHOULD_COMPILE" "" "EXPECT" ${ARGN})
  # Lists travel to the script joined by "|;|" (";" itself would split the -D argument).
  string(REPLACE ";" "|;|" includes "${LITHOPS_COMPILE_FAIL_INCLUDES}")
  string(REPLACE ";" "|;|" expect "${C_EXPECT}")
  add_test(NAME compile_fail.${name}
           COMMAND ${CMAKE_COMMAND}
                   -DCOMPILER=${CMAKE_CXX_COMPILER}
                   -DSOURCE=${LITHOPS_COMPILE_FAIL_DIR}/${file}
                   "-DINCLUDES=${includes}"
                   "-DEXPECT=${expect}"
                   -DSHOULD_COMPILE=${C_SHOULD_COMPILE}
                   -P ${LITHOPS_COMPILE_FAIL_DIR}/expect_compile_failure.cmake)
  set_tests_properties(compile_fail.${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

lithops_compile_fail_test(ControlCompiles control_compiles.cpp SHOULD_COMPILE)
lithops_compile_fail_test(ArgumentWithoutSerializeNamesTheType not_serializable_argument.cpp
  EXPECT "cannot be serialized" "NotSerializable")
lithops_compile_fail_test(CallAsyncArgumentWithoutSerializeNamesTheType not_serializable_call_async.cpp
  EXPECT "cannot be serialized" "NotSerializable")
lithops_compile_fail_test(ResultWithoutSerializeNamesTheType not_serializable_result.cpp
  EXPECT "cannot be serialized" "NotSerializableResult")
lithops_compile_fail_test(ContainerOfNotSerializableNamesTheElementType not_serializable_element_of_container.cpp
  EXPECT "cannot be serialized" "NotSerializable")
lithops_compile_fail_test(CapturingLambdaCannotTravel capturing_lambda.cpp
  EXPECT "cannot travel" "callable_is_not_sendable")
lithops_compile_fail_test(LambdaCapturingByReferenceCannotTravel capturing_lambda_by_reference.cpp
  EXPECT "cannot travel")
lithops_compile_fail_test(FunctionNotCallableWithTheElementNamesTheTypes not_callable_with_element.cpp
  EXPECT "cannot be called with this input element"
         "function_cannot_be_called_with_element<std::(__cxx11::)?basic_string<char> \\(\\*\\)\\(std::(__cxx11::)?basic_string<char>\\), int,")
lithops_compile_fail_test(TupleOfTheWrongSizeIsNotSpread wrong_argument_count.cpp
  EXPECT "cannot be called with this input element")
lithops_compile_fail_test(MemberFunctionPointerCannotTravel member_function_pointer.cpp
  EXPECT "member function pointers cannot")
lithops_compile_fail_test(GetResultOfVoidFunctionsIsRejected get_result_of_void.cpp
  EXPECT "get_result on futures of void functions")
