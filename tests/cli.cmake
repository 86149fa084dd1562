# The `lithops` command line tool, run as a user would.
set(LITHOPS_CLI_CONFIG ${LITHOPS_TEST_TMP}/cli/config.yaml)
file(WRITE ${LITHOPS_CLI_CONFIG} "lithops:\n  log_level: WARNING\nlocalhost:\n  storage_dir: ${LITHOPS_TEST_TMP}/cli/storage\n")
file(WRITE ${LITHOPS_TEST_TMP}/cli/bad.yaml "localhost:\n  worker_procs: 3\n")
function(lithops_cli_test name regex)
  add_test(NAME cli.${name} COMMAND lithops_cli ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES TIMEOUT 60 LABELS cli PASS_REGULAR_EXPRESSION "${regex}")
endfunction()
lithops_cli_test(version "^lithops [0-9]+\\.[0-9]+\\.[0-9]+" --version)
lithops_cli_test(hello "working as expected" hello -c ${LITHOPS_CLI_CONFIG})
lithops_cli_test(hello_map "3 calls on the localhost backend" hello -m 3 -c ${LITHOPS_CLI_CONFIG})
lithops_cli_test(options_before_the_command "storage_dir: \"${LITHOPS_TEST_TMP}/cli/storage\"" -c ${LITHOPS_CLI_CONFIG} config)
lithops_cli_test(config_keys "localhost.worker_processes" config --keys)
lithops_cli_test(bad_config_names_file_key_and_choices "bad.yaml.*worker_procs.*localhost.worker_processes"
  config -c ${LITHOPS_TEST_TMP}/cli/bad.yaml)
lithops_cli_test(clean "Removed [0-9]+ temporary objects" clean -c ${LITHOPS_CLI_CONFIG})

# `lithops storage` against every backend (real servers).
file(WRITE ${LITHOPS_TEST_TMP}/cli/servers.yaml "lithops:\n  log_level: WARNING\nlocalhost:\n  storage_dir: ${LITHOPS_TEST_TMP}/cli/storage\nceph:\n  endpoint: http://127.0.0.1:7480\n  access_key_id: AKTEST\n  secret_access_key: SKTEST\n  storage_bucket: lithops-test\nredis:\n  host: 127.0.0.1\n  port: 6390\n")
foreach(backend localhost ceph redis)
  add_test(NAME cli.storage.${backend} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_storage.sh $<TARGET_FILE:lithops_cli>
    ${LITHOPS_TEST_TMP}/cli/servers.yaml ${backend} ${LITHOPS_TEST_TMP}/cli/${backend})
  set_tests_properties(cli.storage.${backend} PROPERTIES TIMEOUT 120 LABELS cli PASS_REGULAR_EXPRESSION "all good"
    FIXTURES_REQUIRED servers)
endforeach()

# The same on Azure Blob Storage (Azurite): credentials from AZURE_STORAGE_CONNECTION_STRING.
add_test(NAME cli.storage.azure_storage COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_with_azurite.sh
  ${CMAKE_BINARY_DIR}/servers ${CMAKE_CURRENT_SOURCE_DIR}/cli_storage.sh $<TARGET_FILE:lithops_cli>
  ${LITHOPS_TEST_TMP}/cli/azure-config ${LITHOPS_TEST_TMP}/cli/azure_storage)
add_test(NAME cli.runtime.azure_storage COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_with_azurite.sh
  ${CMAKE_BINARY_DIR}/servers ${CMAKE_CURRENT_SOURCE_DIR}/cli_runtime.sh $<TARGET_FILE:lithops_cli>
  ${LITHOPS_TEST_TMP}/cli/azure-runtime-config)
# And on Google Cloud Storage (fake-gcs-server), found through STORAGE_EMULATOR_HOST.
add_test(NAME cli.storage.gcp_storage COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_with_gcs.sh
  ${CMAKE_BINARY_DIR}/servers ${CMAKE_CURRENT_SOURCE_DIR}/cli_storage.sh $<TARGET_FILE:lithops_cli>
  ${LITHOPS_TEST_TMP}/cli/gcs-config ${LITHOPS_TEST_TMP}/cli/gcp_storage)
add_test(NAME cli.runtime.gcp_storage COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_with_gcs.sh
  ${CMAKE_BINARY_DIR}/servers ${CMAKE_CURRENT_SOURCE_DIR}/cli_runtime.sh $<TARGET_FILE:lithops_cli>
  ${LITHOPS_TEST_TMP}/cli/gcs-runtime-config)
# And on OpenStack Swift, through Keystone v3.
add_test(NAME cli.storage.swift COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_with_swift.sh
  ${CMAKE_BINARY_DIR}/servers ${CMAKE_CURRENT_SOURCE_DIR}/cli_storage.sh $<TARGET_FILE:lithops_cli>
  ${LITHOPS_TEST_TMP}/cli/swift-config ${LITHOPS_TEST_TMP}/cli/swift)
add_test(NAME cli.runtime.swift COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_with_swift.sh
  ${CMAKE_BINARY_DIR}/servers ${CMAKE_CURRENT_SOURCE_DIR}/cli_runtime.sh $<TARGET_FILE:lithops_cli>
  ${LITHOPS_TEST_TMP}/cli/swift-runtime-config)
set_tests_properties(cli.storage.azure_storage cli.runtime.azure_storage cli.storage.gcp_storage
  cli.runtime.gcp_storage cli.storage.swift cli.runtime.swift PROPERTIES TIMEOUT 120 LABELS cli PASS_REGULAR_EXPRESSION "all good"
  FIXTURES_REQUIRED servers)

# `lithops runtime` against every backend, each on storage of its own (the listing must end empty).
file(WRITE ${LITHOPS_TEST_TMP}/cli/runtime.yaml "lithops:\n  log_level: WARNING\nlocalhost:\n  storage_dir: ${LITHOPS_TEST_TMP}/cli/runtime-storage\nceph:\n  endpoint: http://127.0.0.1:7480\n  access_key_id: AKTEST\n  secret_access_key: SKTEST\n  storage_bucket: lithops-cli-runtime\nredis:\n  host: 127.0.0.1\n  port: 6390\n  storage_bucket: cli-runtime\n")
foreach(backend localhost ceph redis)
  add_test(NAME cli.runtime.${backend} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_runtime.sh $<TARGET_FILE:lithops_cli>
    ${LITHOPS_TEST_TMP}/cli/runtime.yaml ${backend})
  set_tests_properties(cli.runtime.${backend} PROPERTIES TIMEOUT 120 LABELS cli PASS_REGULAR_EXPRESSION "all good"
    FIXTURES_REQUIRED servers)
endforeach()

# `lithops runtime|clean -b aws_lambda` against moto (its credentials are made when it starts).
add_test(NAME cli.lambda COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_lambda.sh $<TARGET_FILE:lithops_cli>
  ${CMAKE_BINARY_DIR}/servers ${LITHOPS_TEST_TMP}/cli/lambda)
set_tests_properties(cli.lambda PROPERTIES TIMEOUT 180 LABELS cli PASS_REGULAR_EXPRESSION "all good"
  FIXTURES_REQUIRED servers)
