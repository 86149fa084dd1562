"""Python Lithops (PyPI lithops==3.8.0) on the workloads of our C++ bench, for bench/compare.py.

usage: build/peers-venv/bin/python bench/peers/lithops_peer.py [noop [N]] [noop-v1 [N]] [roundtrip]
                                                   [sleep] [montecarlo] [wordcount [DIR]]
(default: all; N defaults to 1000, DIR to where storage_bench writes its text). Prints a human line per workload and machine lines `FIGURE <name> <float>`.

Lithops runs on its localhost compute backend and localhost storage, configured by the dict
below. Everything it writes goes to a directory this script creates and removes: Lithops
derives its temp dir (jobs, logs, localhost storage objects) from TMPDIR and its config/cache
dir from HOME, both read when lithops is imported, so we point them there first.
"""
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time

WORK = tempfile.mkdtemp(prefix="lithops-peer-")
atexit.register(shutil.rmtree, WORK, True)  # registered first, so it runs after Lithops' own hooks
os.environ["TMPDIR"] = WORK
os.environ["HOME"] = WORK  # no ~/.lithops/config of the user changes what we measure
tempfile.tempdir = None  # forget the cached /tmp

import lithops  # noqa: E402  (after TMPDIR/HOME on purpose)
from lithops.constants import LITHOPS_TEMP_DIR  # noqa: E402

WC_DIR = "/tmp/lithops-bench-storage/storage/wc"  # written by build/bench/storage_bench wordcount
WC_BUCKET = "bench"
MC_SAMPLES = 10**8
MC_BLOCK = 10**6
MiB = 1024 * 1024


def config(worker_processes=None, version=None):
    localhost = {
        # Lithops defaults to the *name* of our interpreter ("python"), looked up on PATH by each
        # task; the absolute path makes the tasks run in this venv, where lithops and numpy are.
        "runtime": sys.executable,
    }
    if version:
        # 2 is the default. 1 runs a whole job in one process instead of one process per call.
        localhost["version"] = version
    if worker_processes:
        # Localhost v2 (the default) starts one new Python process per call and runs at most
        # `worker_processes` of them at once (one consumer thread each); default os.cpu_count().
        localhost["worker_processes"] = worker_processes
    return {
        "lithops": {"backend": "localhost", "storage": "localhost", "log_level": "WARNING",
                    # The whole temp dir goes at exit; no detached cleaner process racing with that.
                    "data_cleaner": False},
        "localhost": localhost,
    }


def executor(worker_processes=None, version=None):
    return lithops.FunctionExecutor(config=config(worker_processes, version), log_level="WARNING")


def figure(name, value):
    print(f"FIGURE {name} {value:.4f}", flush=True)


def noop(x):
    return x + 1


def sleep1(_):
    time.sleep(1)
    return 1


def pi_inside(seed):
    # As a Python user writes it: numpy, vectorised in blocks, own generator per call.
    import numpy as np
    rng = np.random.default_rng(seed)
    inside = 0
    for _ in range(MC_SAMPLES // MC_BLOCK):
        x = rng.random(MC_BLOCK)
        y = rng.random(MC_BLOCK)
        inside += int(np.count_nonzero(x * x + y * y <= 1.0))
    return inside


def count_words(obj):
    # obj.data_stream is Lithops' newline-aligned view of the chunk: a line cut by the chunk
    # boundary belongs to the chunk where it starts.
    return len(obj.data_stream.read().split())


def add(results):
    return sum(results)


def prime():
    # A user who ran Lithops once has its package copy and runner in the temp dir already; ours is
    # new, so pay that one-time setup here, outside every timing.
    t0 = time.perf_counter()
    with executor() as fexec:
        fexec.get_result(fexec.call_async(noop, 0), show_progressbar=False)
    print(f"lithops_peer: Lithops {lithops.__version__}, localhost v2, temp dir {LITHOPS_TEMP_DIR}; "
          f"first-ever executor + call (setup, untimed) {time.perf_counter() - t0:.2f} s", flush=True)


def w_noop(n=1000, version=None):
    t0 = time.perf_counter()
    with executor(version=version) as fexec:
        out = fexec.get_result(fexec.map(noop, range(n)), show_progressbar=False)
        dt = time.perf_counter() - t0
    assert out[-1] == n
    tag = "" if version is None else f"_v{version}"
    print(f"noop{tag}: FunctionExecutor() + map({n} noop) + get_result: {dt:.2f} s, {n / dt:.1f} calls/s")
    figure(f"pylithops{tag}_noop_calls", n)
    figure(f"pylithops{tag}_noop_calls_per_s", n / dt)


def w_noop_v1(n=1000):
    w_noop(n, version=1)


def p50_us(samples):
    return statistics.median(samples) * 1e6


def w_roundtrip(warmup=2, timed=10):
    # Two ways to wait for one call. future.result() polls storage once a second (its
    # wait_dur_sec=1), so it measures that interval; fexec.get_result() waits through the job
    # monitor, which localhost storage polls every 0.1 s. The figure is the faster one.
    with executor() as fexec:
        ways = {"get_result": lambda i: fexec.get_result(fexec.call_async(noop, i), show_progressbar=False),
                "result": lambda i: fexec.call_async(noop, i).result()}
        p50 = {}
        for name, call in ways.items():
            for i in range(warmup):
                call(i)
            samples = []
            for i in range(timed):
                t0 = time.perf_counter()
                call(i)
                samples.append(time.perf_counter() - t0)
            p50[name] = p50_us(samples)
            print(f"roundtrip: call_async(noop) + {name}() x{timed}: p50 {p50[name] / 1e3:.1f} ms, "
                  f"min {min(samples) * 1e3:.1f} ms, max {max(samples) * 1e3:.1f} ms")
    figure("pylithops_roundtrip_p50_us", p50["get_result"])
    figure("pylithops_roundtrip_result_p50_us", p50["result"])


def w_sleep(calls=8):
    with executor(worker_processes=calls) as fexec:
        fexec.get_result(fexec.call_async(sleep1, 0), show_progressbar=False)  # warm
        t0 = time.perf_counter()
        fexec.get_result(fexec.map(sleep1, range(calls)), show_progressbar=False)
        dt = time.perf_counter() - t0
    print(f"sleep: map({calls} x time.sleep(1)) with worker_processes={calls}: {dt:.2f} s")
    figure("pylithops_sleep8_s", dt)


def w_montecarlo(calls=2):
    with executor() as fexec:
        fexec.get_result(fexec.call_async(noop, 0), show_progressbar=False)  # warm
        t0 = time.perf_counter()
        inside = fexec.get_result(fexec.map(pi_inside, range(calls)), show_progressbar=False)
        dt = time.perf_counter() - t0
    pi = 4 * sum(inside) / (calls * MC_SAMPLES)
    print(f"montecarlo: {calls} calls x {MC_SAMPLES:.0e} samples (numpy, blocks of {MC_BLOCK:.0e}): "
          f"{dt:.2f} s, pi ~ {pi:.6f}")
    figure("pylithops_montecarlo_s", dt)


def link_wordcount_data(src_dir):
    # Localhost storage keeps object BUCKET/KEY as the file LITHOPS_TEMP_DIR/BUCKET/KEY and follows
    # symlinks when it lists, heads and reads, so links stand in for a 1 GiB copy.
    names = sorted(f for f in os.listdir(src_dir) if f.endswith(".txt"))
    if not names:
        sys.exit(f"lithops_peer: no .txt under {src_dir}; run ./build/bench/storage_bench wordcount --rounds 1")
    dst = os.path.join(LITHOPS_TEMP_DIR, WC_BUCKET, "wc")
    os.makedirs(dst, exist_ok=True)
    for f in names:
        link = os.path.join(dst, f)
        if not os.path.islink(link):
            os.symlink(os.path.abspath(os.path.join(src_dir, f)), link)
    return len(names)


def w_wordcount(src_dir=WC_DIR):
    files = link_wordcount_data(src_dir)
    t0 = time.perf_counter()
    with executor() as fexec:
        fs = fexec.map_reduce(count_words, f"localhost://{WC_BUCKET}/wc/", add, obj_chunk_size=64 * MiB)
        words = fexec.get_result(fs, show_progressbar=False)
        dt = time.perf_counter() - t0
    print(f"wordcount: map_reduce over {files} files, 64 MiB chunks: {dt:.2f} s, words {words}")
    figure("pylithops_wordcount_s", dt)
    figure("pylithops_words", words)


def main(argv):
    runners = {"noop": w_noop, "noop-v1": w_noop_v1, "roundtrip": w_roundtrip, "sleep": w_sleep,
               "montecarlo": w_montecarlo, "wordcount": w_wordcount}
    plan = []  # (name, args): a workload name, then its optional argument
    for a in argv:
        if a in runners:
            plan.append((a, []))
        elif plan and plan[-1][0] in ("noop", "noop-v1", "wordcount") and not plan[-1][1]:
            plan[-1][1].append(a if plan[-1][0] == "wordcount" else int(a))
        else:
            sys.exit(f"lithops_peer: unexpected argument {a!r}; workloads are {list(runners)}")
    prime()
    for name, args in plan or [(n, []) for n in runners]:
        t0 = time.perf_counter()
        runners[name](*args)
        print(f"({name} took {time.perf_counter() - t0:.1f} s in all)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
