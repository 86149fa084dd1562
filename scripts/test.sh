#!/usr/bin/env bash
# The README's second command (and CI's): install, build, run the whole test suite — then the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer
# (a multi-process, multi-threaded runtime: cheap insurance). `--quick` skips the sanitizers.
# ctest starts the servers the tests talk to (Redis, Ceph RGW: tests/servers/) and stops them.
# Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
bash scripts/install-deps.sh --servers  # Redis and Ceph RGW: the tests run against real servers
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@")
[ "$quick" = 1 ] && exit 0
for preset in asan tsan; do
  echo "== test suite under the $preset preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$(nproc)"
  # The consumer test builds an installed copy, and compile_fail only compiles snippets: once,
  # above, is enough. The examples and benchmarks are not built here (CMakePresets.json): the
  # e2e tests cover the same paths. The shared e2e suites' remote instantiations (Remote/,
  # SshRedis/) repeat on SSH and Slurm what the localhost ones check under the sanitizers
  # already, at a second per test; the remote code itself (scheduler, agent, launchers) stays
  # covered by e2e_remote's own tests. Keeps CI within its 45 minutes.
  # The e2e suites' repeats over the REST stores (Azure, GCS, Swift) run the same client and
  # worker code as over the others; the stores' own code stays here in their unit suites.
  skip='^consumer|^compile_fail|^Remote/|^SshRedis/|_2workers_(azure|gcs|swift)'
  # The storage contract runs each store twice: built directly and from a configuration
  # (retries and all). Under the sanitizers the direct one is enough: the wrapper's code is
  # the same for every store and runs in the Configured localhost, S3 and Redis suites.
  skip="$skip|StorageContract/Configured(Azure|Gcs|Swift|MotoS3)\\."
  # The e2e suites at 1 and 4 workers repeat the 2-worker ones over the same code paths.
  skip="$skip|^Pools/.*_(1|4)workers"
  # Shipping, streaming and hashing the program itself (a 5-10 times bigger binary under the
  # sanitizers) takes 1-2 minutes a test and checks file transfer, not memory or threads: the
  # main phase runs them, and the runtime store's and build id's own tests stay here.
  skip="$skip|^BuildIdOfFile\\.WithoutANote|^Remote\\.TheProgramShipsItself|^Remote\\.WithRedisStorageTheRuntimeIsStreamed|^cli\\.lambda$"
  # The REST stores' large transfers and Swift's long listing take 10-30 s each here; the same
  # streaming code runs over localhost, Ceph and Redis storage, which stay.
  skip="$skip|LargeObjectsStreamBothWays.*(Swift|Gcs|Azure|MotoS3)|ListingGoesPastOnePage<StorageContract/Swift"
  # Under TSan, the tests that mostly move or hash hundreds of MiB take half a minute to a
  # minute and a half each (every memory access is instrumented): ASan, above, covers them.
  # So does the Lambda emulators' suite, whose 1.5 minutes are the instrumented binary
  # starting in each emulator.
  if [ "$preset" = tsan ]; then
    skip="$skip|LargeObjectsStreamBothWays|UploadAndDownloadLargeFilesInParts|^e2e_lambda$"
  fi
  ctest --preset "$preset" -j"$(nproc)" --timeout 600 -E "$skip" "$@"
done
