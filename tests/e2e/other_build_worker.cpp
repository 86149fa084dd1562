// A program of another build: a worker started from it must refuse every job of the tests'
// build (their functions travel as code offsets, valid only in the same build).
#include <lithops/lithops.hpp>

int main(int argc, char** argv) {
  lithops::init(argc, argv);
  return 0;
}
