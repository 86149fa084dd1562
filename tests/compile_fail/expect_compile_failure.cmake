# cmake -P script: compiles one file that misuses the API and passes only if the compiler
# rejects it with a message matching every regex given.
#   -DCOMPILER=<c++> -DSOURCE=<file.cpp> -DINCLUDES=<dir|;|dir> -DEXPECT=<regex|;|regex>
#   [-DSHOULD_COMPILE=ON]  (a control: the file must compile, proving the setup is right)
# Lists are joined by "|;|": a plain ";" would split the -D argument on the command line.
string(REPLACE "|;|" ";" INCLUDES "${INCLUDES}")
string(REPLACE "|;|" ";" EXPECT "${EXPECT}")
set(args -std=c++20 -fsyntax-only)
foreach(dir IN LISTS INCLUDES)
  list(APPEND args -I${dir})
endforeach()
execute_process(COMMAND ${COMPILER} ${args} ${SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(output "${out}${err}")
if(SHOULD_COMPILE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} should compile but did not:\n${output}")
  endif()
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but misuses the API and must be rejected")
endif()
foreach(re IN LISTS EXPECT)
  if(NOT output MATCHES "${re}")
    message(FATAL_ERROR "${SOURCE} was rejected, but the compiler output does not match '${re}':\n${output}")
  endif()
endforeach()
message(STATUS "${SOURCE} rejected as expected")
