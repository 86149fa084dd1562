#!/usr/bin/env bash
# bench/compare.py against fake programs: it reads their FIGURE lines, takes medians over the
# rounds, orients each ratio as its target says, marks PASS / MISS, writes the JSON, and
# reports a program that fails (exit status 1) without stopping the others.
# usage: compare_driver.sh SCRATCH_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$1; rm -rf "$D"; mkdir -p "$D/bench"
fail() { echo "FAIL: $*"; exit 1; }

# Ours: each round prints a different value, so that the median is visible (1, 3, 2 -> 2).
cat > "$D/bench/core_bench" <<'SH'
#!/usr/bin/env bash
n=$(( $(cat "$(dirname "$0")/.n" 2>/dev/null || echo 0) + 1 )); echo $n > "$(dirname "$0")/.n"
v=$(( n % 3 == 1 ? 1 : (n % 3 == 2 ? 3 : 2) ))
case $1 in
  sleep) echo "FIGURE sleep8_s $v";;
  montecarlo) echo "FIGURE montecarlo_s 0.5"; echo "FIGURE montecarlo_eff 0.97";;
esac
SH
cat > "$D/bench/mp_bench" <<'SH'
#!/usr/bin/env bash
[ -f "$(dirname "$0")/.mp_fails" ] && { echo "no redis"; exit 1; }
echo "FIGURE lock_p50_us 100"; echo "FIGURE queue_p50_us 60"; echo "FIGURE ping_p50_us 50"
SH
# The Python Lithops peer: argv is lithops_peer.py WORKLOAD ...
cat > "$D/peer-python" <<'SH'
#!/usr/bin/env bash
case $2 in
  sleep) echo "FIGURE pylithops_sleep8_s 4";;
  montecarlo) echo "FIGURE pylithops_montecarlo_s 0.25";;
esac
SH
chmod +x "$D/bench/core_bench" "$D/bench/mp_bench" "$D/peer-python"

run() { /usr/bin/python3 "$ROOT/bench/compare.py" --bench-dir "$D/bench" --peer-python "$D/peer-python" "$@"; }

out=$(run --rounds 3 --json "$D/out.json" sleep montecarlo mp 2>/dev/null) || fail "exit status $? with every program working"
echo "$out"
row() { grep -F "$1" <<<"$out" || fail "no row '$1'"; }
# sleep: the median of ours (1, 3, 2) is 2; Python Lithops took 4: ratio 2, better.
row "vs Python Lithops: 8 x sleep(1) s" | grep -Eq '\b2\b.*PASS *$' || fail "sleep row: $(row 'x sleep')"
# Monte Carlo: ours 0.5 s, theirs 0.25 s: ratio 0.5, a miss.
row "vs Python Lithops: Monte Carlo" | grep -Eq '0\.5 .*MISS *$' || fail "montecarlo row"
# Lock 100 / PING 50 = 2 > 1.5: a miss; Queue 60 / 50 = 1.2: met.
row "Lock p50 / Redis PING p50" | grep -q 'MISS *$' || fail "lock row"
row "Queue p50 / Redis PING p50" | grep -q 'PASS *$' || fail "queue row"
/usr/bin/python3 - "$D/out.json" <<'PY' || fail "json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["medians"]["sleep8_s"] == 2, d["medians"]
assert sorted(d["samples"]["sleep8_s"]) == [1, 2, 3], d["samples"]
assert d["failures"] == [], d["failures"]
PY

# A program that fails: reported, its figures missing, the rest still measured, status 1.
touch "$D/bench/.mp_fails"
set +e
out=$(run --rounds 1 sleep mp 2>/dev/null); rc=$?
set -e
echo "$out"
[ "$rc" = 1 ] || fail "exit status $rc with a failing program"
grep -q 'mp_bench' <<<"$out" || fail "the failing program is not named"
grep -F "vs Python Lithops: 8 x sleep(1) s" <<<"$out" | grep -q 'PASS *$' || fail "the other workload was not measured"
echo "all good"
