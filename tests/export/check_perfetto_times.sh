#!/bin/sh
# The perfetto export's times as JSON readers hold them (doubles): calls of a
# thread 8 to 12 ns apart never overlap, which microseconds since the epoch
# (1.8e15, held to 0.25 us) made them do; ts count from the origin set (the
# capture's start, 10 ms before the first call), written exactly in
# otherData; and an `ospy export` of a capture counts from its start.
# usage: check_perfetto_times.sh PYTHON TEST_EXPORT OSPY TEST_EXPORT_CAPTURE OUT_DIR
set -eu
py=$1 tx=$2 ospy=$3 mk=$4 out=$5
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"
"$tx" perfetto-times "$out"
check() { # check JSON: pairs of consecutive calls per thread, overlapping, first ts, origin
  "$py" - "$1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
by = {}
for e in t["traceEvents"]:
    if e.get("ph") == "X":
        by.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["dur"]))
pairs = overlapping = 0
for v in by.values():
    v.sort()
    for a, b in zip(v, v[1:]):
        pairs += 1
        overlapping += a[0] + a[1] > b[0]
first = min(x[0] for v in by.values() for x in v)
o = t.get("otherData", {})
print("pairs %d overlapping %d first %.3f origin %s %s" % (pairs, overlapping, first,
      o.get("ts_origin_ns"), o.get("ts_origin")))
PY
}
got=$(check "$out/times.json")
want="pairs 2999 overlapping 0 first 10000.000 origin 1796677810162510731 2026-12-07T21:10:10.162510731Z"
echo "expect: $want"
echo "got:    $got"
[ "$got" = "$want" ] || fail "perfetto times"

# a capture: ts from the header's start (1700000000 s, test-export-capture)
"$mk" "$out/cap.ospy" >/dev/null
"$ospy" export "$out/cap.ospy" -o "$out/cap.json" 2>/dev/null || fail "export to perfetto"
got=$(check "$out/cap.json" | sed 's/.* origin /origin /')
echo "capture: $got"
case $got in
  "origin 1700000000000000000 2023-11-14T22:13:20.000000000Z") ;;
  *) fail "the capture's perfetto export does not count from its start" ;;
esac
echo "perfetto times: ok"
