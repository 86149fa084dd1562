# The install tree works for users: install into a scratch prefix, then build and run an
# out-of-tree project (tests/consumer/) that only does find_package(lithops). The script
# fails at the first step that does not succeed, so its exit code is the verdict.
set(dir ${LITHOPS_TEST_TMP}/consumer)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${dir}/lithops_config.yaml
  "lithops:\n  log_level: WARNING\n  progress_bar: false\n"
  "localhost:\n  storage_dir: ${dir}/storage\n")

add_test(NAME consumer.find_package_from_install_tree
  COMMAND ${CMAKE_COMMAND}
    -DLITHOPS_BUILD_DIR=${PROJECT_BINARY_DIR}
    -DCONSUMER_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/consumer
    -DWORK_DIR=${dir}/work
    -DGENERATOR=${CMAKE_GENERATOR}
    -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
    -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DSANITIZE=${LITHOPS_SANITIZE}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run_consumer.cmake)
set_tests_properties(consumer.find_package_from_install_tree PROPERTIES
  TIMEOUT 300
  LABELS "consumer"
  ENVIRONMENT "LITHOPS_CONFIG_FILE=${dir}/lithops_config.yaml")
