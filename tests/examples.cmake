# Every example program runs as a test, in both localhost transports ("pipe", and "storage"
# where calls travel only through storage, as with remote backends). Each run uses a private
# storage directory through its own config file. An example checks its own results and exits
# non-zero when one is wrong, so the exit code is the verdict; the output is also scanned for
# signs of a crash the exit code could hide (a worker's std::terminate, a sanitizer report).
if(NOT LITHOPS_BUILD_EXAMPLES)
  return()
endif()

set(LITHOPS_EXAMPLE_FAIL_REGEX "terminate called" "Sanitizer" "runtime error: ")
get_property(lithops_example_targets DIRECTORY ${PROJECT_SOURCE_DIR}/examples PROPERTY BUILDSYSTEM_TARGETS)

foreach(transport pipe storage)
  set(dir ${LITHOPS_TEST_TMP}/examples-${transport})
  set(config_file ${dir}/lithops_config.yaml)
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${config_file}
    "lithops:\n  log_level: WARNING\n  progress_bar: false\n"
    "localhost:\n  transport: ${transport}\n  storage_dir: ${dir}/storage\n")
  foreach(target ${lithops_example_targets})
    string(REGEX REPLACE "^example_" "" name ${target})
    add_test(NAME example.${name}.${transport} COMMAND ${target})
    set_tests_properties(example.${name}.${transport} PROPERTIES
      TIMEOUT 60
      LABELS "examples"
      ENVIRONMENT "LITHOPS_CONFIG_FILE=${config_file}"
      FAIL_REGULAR_EXPRESSION "${LITHOPS_EXAMPLE_FAIL_REGEX}")
  endforeach()
endforeach()

# The portable example needs no shared library beyond glibc, libcurl and OpenSSL (what
# lithops_portable_executable promises, docs/runtime.md).
if(TARGET example_map_portable AND NOT LITHOPS_SANITIZE AND CMAKE_READELF)
  add_test(NAME example.map_portable.needs_only_system_libraries
    COMMAND ${CMAKE_READELF} -d $<TARGET_FILE:example_map_portable>)
  set_tests_properties(example.map_portable.needs_only_system_libraries PROPERTIES
    TIMEOUT 60 LABELS "examples" PASS_REGULAR_EXPRESSION "NEEDED.*libc\\.so"
    FAIL_REGULAR_EXPRESSION "libstdc\\+\\+|libgcc_s|libyaml-cpp|libfmt|libspdlog|libhiredis|libpugixml")
endif()

# The multiprocessing examples: the shared objects live in the test Redis (the `servers`
# fixture), on the localhost backend with both transports.
get_property(lithops_mp_example_targets DIRECTORY ${PROJECT_SOURCE_DIR}/examples/multiprocessing
  PROPERTY BUILDSYSTEM_TARGETS)
foreach(transport pipe storage)
  set(dir ${LITHOPS_TEST_TMP}/mp-examples-${transport})
  set(config_file ${dir}/lithops_config.yaml)
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${config_file}
    "lithops:\n  log_level: WARNING\n  progress_bar: false\n"
    "localhost:\n  transport: ${transport}\n  storage_dir: ${dir}/storage\n  worker_processes: 4\n"
    "redis:\n  host: 127.0.0.1\n  port: 6390\n")
  foreach(target ${lithops_mp_example_targets})
    string(REGEX REPLACE "^example_mp_" "" name ${target})
    add_test(NAME example.mp.${name}.${transport} COMMAND ${target})
    set_tests_properties(example.mp.${name}.${transport} PROPERTIES
      TIMEOUT 60
      LABELS "examples"
      FIXTURES_REQUIRED servers
      ENVIRONMENT "LITHOPS_CONFIG_FILE=${config_file}"
      FAIL_REGULAR_EXPRESSION "${LITHOPS_EXAMPLE_FAIL_REGEX}")
  endforeach()
endforeach()
