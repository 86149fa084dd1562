#!/usr/bin/python3
"""Side by side: our C++ bench against Python multiprocessing and Python Lithops (issue 13).

Run through bench/compare.sh, which makes the peers' venv and starts the Redis of the `mp`
workload. For N rounds, each workload runs our program and its peers, ours first in even rounds
and the peers first in odd ones (so neither side always gets the warmer caches); every program
prints `FIGURE <name> <value>` lines. The table shows the median of each figure over the rounds.

usage: compare.py [--rounds N] [--json FILE] [--redis HOST:PORT] [--bench-dir DIR] [--peer-python PATH]
                  [workload ...]
Exit status: 0 when every program ran (even if targets are missed: this is a report), 1 if any
program failed, timed out or printed no FIGURE.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "build", "bench")
PEERS = os.path.join(ROOT, "bench", "peers")
LOGS = os.path.join(ROOT, "build", "compare-logs")
TIMEOUT_S = 600  # one program; every peer workload takes well under this on 2 cores
# Python Lithops' localhost v2 starts a new interpreter per call (~4 calls/s here): 200 calls
# give its calls/s in under a minute; 1,000 would take ~4 minutes a round for the same figure.
PYLITHOPS_NOOP_CALLS = 200
WORKLOADS = ["w1", "first", "roundtrip", "sleep", "montecarlo", "wordcount", "mp"]


def commands(args):
    """workload -> (our commands, peer commands); each command is an argv list."""
    ours = lambda prog, *a: [os.path.join(args.bench_dir, prog), *a]  # noqa: E731
    mp = lambda *a: ["/usr/bin/python3", os.path.join(PEERS, "mp_peer.py"), *a]  # noqa: E731
    pyl = lambda *a: [args.peer_python, os.path.join(PEERS, "lithops_peer.py"), *a]  # noqa: E731
    return {
        "w1": ([ours("core_bench", "throughput")],
               [mp("w1"), pyl("noop", str(PYLITHOPS_NOOP_CALLS)), pyl("noop-v1", "1000")]),
        "first": ([ours("core_bench", "first")], [mp("first")]),
        "roundtrip": ([ours("core_bench", "roundtrip")], [mp("roundtrip"), pyl("roundtrip")]),
        "sleep": ([ours("core_bench", "sleep")], [pyl("sleep")]),
        "montecarlo": ([ours("core_bench", "montecarlo")], [pyl("montecarlo")]),
        "wordcount": ([ours("storage_bench", "wordcount", "--rounds", "1")], [pyl("wordcount")]),
        "mp": ([ours("mp_bench", "lock", "queue", "ping", "--redis", args.redis)], []),
    }


# The table. Each row: workload, goal, the figures shown as ours and peer, the ratio computed from
# the medians m, then target text and check(ratio), or None for a row shown only as context.
# Unless the target reads "<=", a ratio above 1 means we are better.
def higher(t): return (f">= {t:g}", lambda r: r >= t)                # noqa: E704
def lower(t, unit=""): return (f"<= {t:g}{unit}", lambda r: r <= t)  # noqa: E704
def info(): return ("(context)", None)                                  # noqa: E704


def over(a, b): return lambda m: m[a] / m[b]  # noqa: E704


ROWS = [
    ("w1", "W1 map 100k noop vs Pool(2).map default chunks", "w1_calls_per_s", "pool_map_default_calls_per_s",
     over("w1_calls_per_s", "pool_map_default_calls_per_s"), *higher(2)),
    ("w1", "W1 vs Pool(2).map chunksize=1", "w1_calls_per_s", "pool_map_chunk1_calls_per_s",
     over("w1_calls_per_s", "pool_map_chunk1_calls_per_s"), *higher(30)),
    ("first", "first result, absolute ms (ratio = ours)", "first_ms", None, lambda m: m["first_ms"], *lower(5, " ms")),
    ("first", "first result vs Pool(2) + first apply", "first_ms", "pool_first_ms",
     over("pool_first_ms", "first_ms"), *higher(1)),
    ("roundtrip", "round trip p50 us / socket floor (lower)", "roundtrip_p50_us", "socket_floor_p50_us",
     over("roundtrip_p50_us", "socket_floor_p50_us"), *lower(2, "x floor")),
    ("roundtrip", "round trip vs pool.apply p50", "roundtrip_p50_us", "pool_apply_p50_us",
     over("pool_apply_p50_us", "roundtrip_p50_us"), *info()),
    # storage_bench times both in the same run and prints their ratio: that one is the figure
    ("wordcount", "word count vs plain 2-thread read (same run)", "wordcount_s", "wordcount_plain_s",
     lambda m: m["wordcount_ratio"], *higher(0.95)),
    ("mp", "Lock p50 / Redis PING p50 (lower)", "lock_p50_us", "ping_p50_us",
     over("lock_p50_us", "ping_p50_us"), *lower(1.5)),
    ("mp", "Queue p50 / Redis PING p50 (lower)", "queue_p50_us", "ping_p50_us",
     over("queue_p50_us", "ping_p50_us"), *lower(1.5)),
    ("w1", "vs Python Lithops: noop map calls/s", "w1_calls_per_s", "pylithops_noop_calls_per_s",
     over("w1_calls_per_s", "pylithops_noop_calls_per_s"), *higher(1)),
    ("w1", "  (its localhost v1: one process per job)", "w1_calls_per_s", "pylithops_v1_noop_calls_per_s",
     over("w1_calls_per_s", "pylithops_v1_noop_calls_per_s"), *info()),
    ("roundtrip", "vs Python Lithops: round trip p50 us", "roundtrip_p50_us", "pylithops_roundtrip_p50_us",
     over("pylithops_roundtrip_p50_us", "roundtrip_p50_us"), *higher(1)),
    ("sleep", "vs Python Lithops: 8 x sleep(1) s", "sleep8_s", "pylithops_sleep8_s",
     over("pylithops_sleep8_s", "sleep8_s"), *higher(1)),
    ("montecarlo", "vs Python Lithops: Monte Carlo 2 x 10^8 s", "montecarlo_s", "pylithops_montecarlo_s",
     over("pylithops_montecarlo_s", "montecarlo_s"), *higher(1)),
    ("montecarlo", "  our parallel efficiency (ratio = ours)", "montecarlo_eff", None,
     lambda m: m["montecarlo_eff"], *info()),
    ("wordcount", "vs Python Lithops: word count 1 GiB s", "wordcount_s", "pylithops_wordcount_s",
     over("pylithops_wordcount_s", "wordcount_s"), *higher(1)),
    ("wordcount", "  same word count (ratio = ours / peer)", "words", "pylithops_words",
     over("words", "pylithops_words"), "== 1", lambda r: r == 1),
]


def label(argv):
    """'core_bench throughput', 'lithops_peer.py noop 200': the program, not its interpreter."""
    i = 1 if "python" in os.path.basename(argv[0]) else 0
    return " ".join([os.path.basename(argv[i]), *argv[i + 1:]])


def run(argv, log_name):
    """Runs one program; returns (figures dict, error text or None). Never raises."""
    t0 = time.perf_counter()
    try:
        # Its own session, so that a timeout ends the program and every process it started.
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True, cwd=ROOT)
    except OSError as e:
        return {}, f"cannot start: {e}"
    try:
        out, _ = p.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        out += f"\n[compare.py: killed after {TIMEOUT_S} s]\n"
    dt = time.perf_counter() - t0
    with open(os.path.join(LOGS, log_name), "w") as f:
        f.write(" ".join(argv) + "\n" + out)
    figures, bad = {}, []
    for line in out.splitlines():
        if line.startswith("FIGURE "):
            parts = line.split()
            try:
                figures[parts[1]] = float(parts[2])
            except (IndexError, ValueError):
                bad.append(line)
    error = None
    if p.returncode != 0:
        error = f"exit status {p.returncode}"
    elif not figures:
        error = "printed no FIGURE line"
    elif bad:
        error = f"unreadable FIGURE line(s): {bad}"
    status = f"{len(figures)} figure(s)" + (f", FAILED: {error}" if error else "")
    print(f"    {label(argv)}: {dt:.1f} s, {status}", file=sys.stderr, flush=True)
    return figures, error


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), platform.machine())
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "cpu": model,
            "nproc": len(os.sched_getaffinity(0)), "kernel": platform.release(), "load_at_start": load}


def fmt(x):
    if x is None:
        return "missing"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.4g}" if abs(x) < 10 else f"{x:,.1f}"


def table(rows, medians):
    results, lines = [], []
    head = ("goal", "ours", "peer", "ratio", "target", "")
    for wl, goal, of, pf, ratio_fn, target, check in rows:
        o, p = medians.get(of), medians.get(pf) if pf else None
        try:
            r = ratio_fn(medians)
        except (KeyError, ZeroDivisionError):
            r = None
        status = "info" if check is None else "missing" if r is None else "PASS" if check(r) else "MISS"
        results.append({"workload": wl, "goal": goal.strip(), "ours": o, "ours_figure": of, "peer": p,
                        "peer_figure": pf, "ratio": r, "target": target, "status": status})
        lines.append((goal, fmt(o), "" if pf is None else fmt(p), fmt(r), target, status))
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    for i, line in enumerate([head, *lines]):
        print("  ".join(c.ljust(w) if j in (0, 4, 5) else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--redis", default="127.0.0.1:6395", help="the Redis of the mp workload")
    ap.add_argument("--bench-dir", default=BENCH, help="where our programs are (a fake one for testing)")
    ap.add_argument("--peer-python", default=os.path.join(ROOT, "build", "peers-venv", "bin", "python"))
    ap.add_argument("workloads", nargs="*", metavar="workload", help=" ".join(WORKLOADS) + " (default: all)")
    args = ap.parse_args()
    chosen = args.workloads or WORKLOADS
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; choose from {WORKLOADS}")
    os.makedirs(LOGS, exist_ok=True)

    m = machine()
    print(f"compare: {m['date']}  {m['cpu']}, nproc {m['nproc']}, kernel {m['kernel']}, "
          f"load average at start {m['load_at_start']}")
    if os.getloadavg()[0] > 0.5 * m["nproc"]:
        print("note: the machine is busy at start; the figures will be noisy (a build running?)")
    print(f"rounds {args.rounds}, workloads {' '.join(chosen)}; program output in {os.path.relpath(LOGS, ROOT)}/",
          flush=True)

    cmds = commands(args)
    samples, failures = {}, []
    for rnd in range(args.rounds):
        for wl in chosen:
            ours, peers = cmds[wl]
            sides = [("ours", ours), ("peer", peers)]
            order = sides if rnd % 2 == 0 else sides[::-1]
            print(f"  round {rnd + 1}/{args.rounds} {wl} ({order[0][0]} first)", file=sys.stderr, flush=True)
            for side, argvs in order:
                for i, argv in enumerate(argvs):
                    figures, error = run(argv, f"r{rnd + 1}-{wl}-{side}{i}.log")
                    if error:
                        failures.append(f"round {rnd + 1} {wl} {side}: {label(argv)}: {error}")
                    for k, v in figures.items():
                        samples.setdefault(k, []).append(v)

    medians = {k: statistics.median(v) for k, v in samples.items()}
    print("\npeer = Python multiprocessing or Python Lithops, or the floor or reference the goal names;"
          "\nratio > 1 means we are better, unless the target reads <=")
    rows = table([r for r in ROWS if r[0] in chosen], medians)
    if failures:
        print("\nfailed programs (their figures are missing or from fewer rounds; logs in build/compare-logs/):")
        for f in failures:
            print(f"  {f}")
    counts = {s: sum(r["status"] == s for r in rows) for s in ("PASS", "MISS", "missing")}
    print(f"\n{counts['PASS']} PASS, {counts['MISS']} MISS, {counts['missing']} missing")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": m, "rounds": args.rounds, "workloads": chosen, "medians": medians,
                       "samples": samples, "rows": rows, "failures": failures}, f, indent=2)
        print(f"wrote {args.json}")
    print("re-run: bash bench/compare.sh")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
