# cmake -P script: install the build tree into a fresh prefix, then configure, build and run
# the consumer project against that prefix only. Fails (FATAL_ERROR) at the first step that
# does not succeed.
#
# Inputs (-D): LITHOPS_BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, GENERATOR, CXX_COMPILER,
#              BUILD_TYPE, SANITIZE (may be empty).
foreach(var LITHOPS_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

function(step name)
  message(STATUS "consumer: ${name}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: '${name}' failed (${rc})")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# The install rules need what they install to be built and current (a no-op when it is).
step("build lithops" ${CMAKE_COMMAND} --build ${LITHOPS_BUILD_DIR} --target lithops lithops_cli)
step("install" ${CMAKE_COMMAND} --install ${LITHOPS_BUILD_DIR} --prefix ${prefix})
step("installed cli" ${prefix}/bin/lithops --version)

set(flags "")
if(SANITIZE)  # the installed library is instrumented: the consumer must link the runtime
  set(flags -DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE})
endif()
# Only the fresh prefix may provide lithops: no package registry, no build tree.
step("configure" ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build} -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${flags})

file(STRINGS ${build}/CMakeCache.txt lithops_dir REGEX "^lithops_DIR:")
string(FIND "${lithops_dir}" "${prefix}/" at)
if(NOT at GREATER -1)
  message(FATAL_ERROR "consumer: lithops was not found in the install prefix: ${lithops_dir}")
endif()

step("build" ${CMAKE_COMMAND} --build ${build})
step("run" ${build}/consumer)
step("run portable" ${build}/consumer_portable)
