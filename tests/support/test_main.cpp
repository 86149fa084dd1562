// Every test binary is also its own worker executable: lithops::init must come first, as in
// any Lithops program.
#include <gtest/gtest.h>
#include <lithops/lithops.hpp>

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
