#!/usr/bin/python3
"""Python multiprocessing on the workloads of our core_bench, for bench/compare.py.

usage: /usr/bin/python3 bench/peers/mp_peer.py [w1] [first] [roundtrip]   (default: all)

Prints one human line per workload and one machine line per figure:
    FIGURE <name> <float>
Standard library only, so that Debian's python3 runs it without a venv.
"""
import multiprocessing as mp
import statistics
import sys
import time

W1_CALLS = 100_000
WARMUP_APPLIES = 200
TIMED_APPLIES = 1_000
WORKERS = 2  # our executor's worker count on the 2-core bench machine


def noop(x):
    # Module level, so that the workers find it by name whatever the start method.
    return x + 1


def figure(name, value):
    print(f"FIGURE {name} {value:.4f}", flush=True)


def w1():
    # Pool creation is inside the timing: our figure runs from executor creation
    # to the last result, and so pays for starting its workers too.
    for label, name, chunksize in (("default chunking", "pool_map_default_calls_per_s", None),
                                   ("chunksize=1", "pool_map_chunk1_calls_per_s", 1)):
        t0 = time.perf_counter()
        with mp.Pool(WORKERS) as pool:
            out = pool.map(noop, range(W1_CALLS), chunksize=chunksize)
            pool.close()
            pool.join()
        dt = time.perf_counter() - t0
        assert out[-1] == W1_CALLS
        print(f"w1 Pool({WORKERS}).map({W1_CALLS:,} noop, {label}): {dt:.3f} s, {W1_CALLS / dt:,.0f} calls/s")
        figure(name, W1_CALLS / dt)


def first():
    t0 = time.perf_counter()
    with mp.Pool(WORKERS) as pool:
        pool.apply(noop, (1,))
        dt = time.perf_counter() - t0
        pool.close()
        pool.join()
    print(f"first Pool({WORKERS}) creation + first apply: {dt * 1e3:.2f} ms")
    figure("pool_first_ms", dt * 1e3)


def roundtrip():
    with mp.Pool(WORKERS) as pool:
        for i in range(WARMUP_APPLIES):
            pool.apply(noop, (i,))
        samples = []
        for i in range(TIMED_APPLIES):
            t0 = time.perf_counter()
            pool.apply(noop, (i,))
            samples.append((time.perf_counter() - t0) * 1e6)
        pool.close()
        pool.join()
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"roundtrip pool.apply ({TIMED_APPLIES} after {WARMUP_APPLIES} warm-up): p50 {p50:.1f} us, p99 {p99:.1f} us")
    figure("pool_apply_p50_us", p50)


WORKLOADS = {"w1": w1, "first": first, "roundtrip": roundtrip}


def main(argv):
    names = argv or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        sys.exit(f"mp_peer: unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    print(f"mp_peer: Python {sys.version.split()[0]}, start method {mp.get_start_method()}, Pool({WORKERS})")
    for n in names:
        WORKLOADS[n]()


if __name__ == "__main__":
    main(sys.argv[1:])
