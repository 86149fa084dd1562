# lithops_portable_executable(<target>): link a program that uses lithops so that it runs on
# hosts that have not installed our build dependencies (remote workers run the program's own
# executable, see docs/runtime.md).
#
# What it links statically, and why the rest stays shared (Debian 12):
#   libstdc++, libgcc        -static-libstdc++ -static-libgcc: the hosts' GCC may be older
#   yaml-cpp, pugixml        C++ libraries: with a static libstdc++ they must be static too, or
#                            their .so would load the system's libstdc++.so beside ours
#   hiredis                  a plain C library Debian ships as .a: one package less on the hosts
#   fmt                      Debian has no libfmt.a: LithopsPortableFmt.cpp compiles fmt's
#                            compiled part into the program (spdlog is compiled into lithops)
# Shared: glibc; libcurl and its own dependencies (nghttp2, ssh2, rtmp, psl, gssapi, ldap, zstd
# have no .a in Debian, so libcurl cannot be static); OpenSSL (libcurl.so loads libssl.so and
# libcrypto.so anyway: a second, static copy in the program would be two OpenSSLs in one
# process). All are C libraries, present wherever the `curl` package is. libzip (the AWS Lambda
# packages; Debian has no libzip.a) is a C library too, but not part of `curl`: hosts need the
# libzip4 package (on Lambda itself it travels in the package's lib/).
#
# The static archives take effect because they follow lithops on the link line and
# `--as-needed` then drops the shared libraries nothing refers to any more. If a C++ archive is
# missing, the program keeps the shared libstdc++ (with a warning) rather than mixing two.
# Under sanitizers (LITHOPS_SANITIZE, or -fsanitize in the flags) it links as usual: such builds
# are not for shipping, and the sanitizer runtimes expect the shared libstdc++.
include_guard(GLOBAL)
set(_LITHOPS_PORTABLE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(lithops_portable_executable target)
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "EXECUTABLE")
    message(FATAL_ERROR "lithops_portable_executable(${target}): not an executable target")
  endif()
  target_link_libraries(${target} PRIVATE lithops::lithops)
  if(LITHOPS_SANITIZE OR "${CMAKE_CXX_FLAGS} ${CMAKE_EXE_LINKER_FLAGS}" MATCHES "-fsanitize")
    message(STATUS "lithops_portable_executable(${target}): sanitizer build, linked as usual")
    return()
  endif()

  set(archives "")
  set(missing "")
  foreach(lib yaml-cpp pugixml hiredis)
    string(MAKE_C_IDENTIFIER "LITHOPS_STATIC_${lib}" var)
    find_library(${var} NAMES lib${lib}.a DOC "static ${lib} for lithops_portable_executable")
    if(${var})
      list(APPEND archives ${${var}})
    elseif(NOT lib STREQUAL "hiredis")  # a C library: shared is only one more package
      list(APPEND missing ${lib})
    endif()
  endforeach()

  target_sources(${target} PRIVATE ${_LITHOPS_PORTABLE_DIR}/LithopsPortableFmt.cpp)
  target_link_libraries(${target} PRIVATE fmt::fmt)  # its headers; the .so is then dropped
  # fmt's own code: warnings in it are not the program's.
  set_source_files_properties(${_LITHOPS_PORTABLE_DIR}/LithopsPortableFmt.cpp PROPERTIES COMPILE_OPTIONS -w)
  # After lithops::lithops (linked above), so that they resolve what lithops needs first.
  target_link_libraries(${target} PRIVATE ${archives})
  target_link_options(${target} PRIVATE LINKER:--as-needed)
  if(missing)
    message(WARNING "lithops_portable_executable(${target}): no static ${missing} (Debian: the -dev "
                    "packages ship them); keeping the shared libstdc++")
  else()
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
