# The side-by-side driver (bench/compare.py) against fake programs: its parsing, medians,
# ratios and failure reporting. The real comparison is a benchmark, run by hand
# (bench/compare.sh), not a test.
add_test(NAME bench.compare_driver COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/bench/compare_driver.sh
  ${LITHOPS_TEST_TMP}/bench/compare_driver)
set_tests_properties(bench.compare_driver PROPERTIES TIMEOUT 60 LABELS unit PASS_REGULAR_EXPRESSION "all good")
