#!/bin/sh
# ospy diff on synthetic captures (gen-calls) and on bad input.
#   check_diff.sh OSPY GEN_CALLS WORKDIR
set -u
ospy=$1 gen=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect FILE FIXED-STRING
  grep -qF -- "$2" "$1" || { echo "--- $1:"; head -40 "$1"; fail "missing: $2"; }
}
n=100000
"$gen" "$dir/a.ospy" $n 1 || fail "gen a"
"$gen" "$dir/b.ospy" $n 2 || fail "gen b"
"$gen" "$dir/changed.ospy" $n 3 54321 || fail "gen changed"
"$gen" "$dir/extra.ospy" $n 4 0 70000 || fail "gen extra"

# two runs that differ only in addresses, pids, tids, timestamps
"$ospy" diff "$dir/a.ospy" "$dir/b.ospy" >"$dir/ab.out" 2>"$dir/ab.err"
rc=$?
[ $rc = 0 ] || { cat "$dir/ab.out" "$dir/ab.err"; fail "equivalent runs: exit $rc"; }
expect "$dir/ab.err" "equivalent ($n calls)"
[ -s "$dir/ab.out" ] && { cat "$dir/ab.out"; fail "equivalent runs printed something (diff -u prints nothing)"; }
echo "equivalent: $n calls, exit 0"

# two threads: one run made all of the first thread's calls before the
# second's, the other alternated them (read in step through the whole
# files, nearly every call came out as a difference)
"$gen" "$dir/t2.ospy" $n 5 0 0 0 2 || fail "gen t2"
"$gen" "$dir/t3.ospy" $n 6 0 0 0 3 || fail "gen t3"
"$ospy" diff "$dir/t2.ospy" "$dir/t3.ospy" >"$dir/tt.out" 2>"$dir/tt.err"
rc=$?
[ $rc = 0 ] || { head -5 "$dir/tt.out"; cat "$dir/tt.err"; fail "threads interleaved otherwise: exit $rc"; }
expect "$dir/tt.err" "equivalent ($((2 * n)) calls)"
echo "two threads interleaved otherwise: equivalent, exit 0"
# the second thread's id wrapped past pid_max (300 < the pid 32767): still the
# second thread created, paired with the other run's second
"$gen" "$dir/tw.ospy" $n 7 0 0 0 4 || fail "gen tw"
"$ospy" diff "$dir/t2.ospy" "$dir/tw.ospy" >"$dir/tw.out" 2>"$dir/tw.err"
rc=$?
[ $rc = 0 ] || { head -5 "$dir/tw.out"; cat "$dir/tw.err"; fail "a wrapped thread id: exit $rc"; }
expect "$dir/tw.err" "equivalent ($((2 * n)) calls)"
echo "a thread id that wrapped past pid_max: paired by creation order, equivalent"

# 65 threads (more lanes than passes), 1000 calls each: one run made them
# thread after thread, the other round robin. Every lane in one pass (as past
# 64 lanes it was), the calls waiting outgrew the bound and 46 000 of them
# came out as differences, without a word; now 64 passes, equivalent
"$gen" "$dir/m1.ospy" 1000 1 0 0 0 65 || fail "gen m1"
"$gen" "$dir/m2.ospy" 1000 2 0 0 0 65 || fail "gen m2"
"$ospy" diff "$dir/m1.ospy" "$dir/m2.ospy" >"$dir/mm.out" 2>"$dir/mm.err"
rc=$?
echo "65 threads, blocks against round robin: exit $rc: $(cat "$dir/mm.err")"
[ $rc = 0 ] || { head -5 "$dir/mm.out"; cat "$dir/mm.err"; fail "65 threads interleaved otherwise: exit $rc"; }
expect "$dir/mm.err" "equivalent (65000 calls)"
# with a window too small for it, the early alignment is said (the result is
# approximate) and a larger window suggested
"$ospy" diff -w 16 "$dir/m1.ospy" "$dir/m2.ospy" >"$dir/mw.out" 2>"$dir/mw.err"
rc=$?
echo "the same with -w 16: exit $rc: $(tail -1 "$dir/mw.err")"
[ $rc = 1 ] || { cat "$dir/mw.err"; fail "65 threads, -w 16: exit $rc, expected 1"; }
expect "$dir/mw.err" "so some of the differences may not be real; a larger window compares more at once (-w 64)"
grep -q warning "$dir/ab.err" "$dir/tt.err" && fail "a warning about early alignment where none happened"

# one changed argument in 100 000 calls
"$ospy" diff "$dir/a.ospy" "$dir/changed.ospy" >"$dir/ac.out" 2>"$dir/ac.err"
rc=$?
[ $rc = 1 ] || { cat "$dir/ac.err"; fail "a changed argument: exit $rc"; }
expect "$dir/ac.out" "@@ reader #1, thread 1: call 54321 in A, 54321 in B @@"
[ "$(head -c 4 "$dir/ac.out")" = "--- " ] || { cat "$dir/ac.out"; fail "the files' names do not come first"; }
expect "$dir/ac.out" "+++ B $dir/changed.ospy ("
expect "$dir/ac.out" "~ libc.so.6::read(arg0=3, arg1=ptr, arg2=4095) = 220"
expect "$dir/ac.out" "    arg2: 4097 -> 4095"
[ "$(grep -c '^[-+~] ' "$dir/ac.out")" = 1 ] || { cat "$dir/ac.out"; fail "expected exactly one difference"; }
echo "changed: call 54321's arg2 found, exit 1"

# one extra call, with the default and with a small window
for w in 1024 16; do
  "$ospy" diff -w $w "$dir/a.ospy" "$dir/extra.ospy" >"$dir/ae.out" 2>"$dir/ae.err"
  rc=$?
  [ $rc = 1 ] || { cat "$dir/ae.err"; fail "an extra call (-w $w): exit $rc"; }
  expect "$dir/ae.out" "+ libc.so.6::read(arg0=7, arg1=ptr, arg2=4096) = 220"
  expect "$dir/ae.out" "call 70001 in A, 70001 in B"
  [ "$(grep -c '^[-+~] ' "$dir/ae.out")" = 1 ] || { cat "$dir/ae.out"; fail "expected one added call (-w $w)"; }
done
echo "extra: the added call is named, exit 1 (windows 1024 and 16)"

# both, in the other direction: removed
"$ospy" diff -w 16 "$dir/extra.ospy" "$dir/changed.ospy" >"$dir/ec.out" 2>"$dir/ec.err"
[ $? = 1 ] || fail "changed + removed: exit status"
expect "$dir/ec.out" "- libc.so.6::read(arg0=7, arg1=ptr, arg2=4096) = 220"
expect "$dir/ec.out" "    arg2: 4097 -> 4095"
echo "removed + changed in one comparison"

# a call that failed in one run: it has one piece more (errno=); both directions
"$gen" "$dir/failed.ospy" $n 5 0 0 777 || fail "gen failed"
"$ospy" diff "$dir/a.ospy" "$dir/failed.ospy" >"$dir/af.out" 2>"$dir/af.err"
rc=$?
[ $rc = 1 ] || { cat "$dir/af.err"; fail "a failed call: exit $rc"; }
expect "$dir/af.out" "~ libc.so.6::read(arg0=3, arg1=ptr, arg2=4096) = -1 errno=EIO"
expect "$dir/af.out" "    return value: 220 -> -1"
expect "$dir/af.out" "    errno: (absent) -> EIO"
"$ospy" diff "$dir/failed.ospy" "$dir/a.ospy" >"$dir/fa.out" 2>"$dir/fa.err"
rc=$?
[ $rc = 1 ] || { cat "$dir/fa.err"; fail "a failed call, reversed: exit $rc"; }
expect "$dir/fa.out" "    errno: EIO -> (absent)"
echo "failed: the extra errno piece compared both ways, exit 1"

# a recording that lost events (--lossy): 10 calls dropped, a Lost record of
# 10 in their place; the 10 "- read" lines come after a warning, on stderr
# before the result, naming the side that lost them (none was given)
"$gen" "$dir/lost.ospy" $n 8 0 0 0 1 50000 || fail "gen lost"
"$ospy" diff "$dir/a.ospy" "$dir/lost.ospy" >"$dir/al.out" 2>"$dir/al.err"
rc=$?
cat "$dir/al.err"
[ $rc = 1 ] || fail "a lossy recording: exit $rc"
[ "$(grep -c '^- libc.so.6::read' "$dir/al.out")" = 10 ] || { cat "$dir/al.out"; fail "not 10 removed calls"; }
expect "$dir/al.err" "ospy diff: warning: B ($dir/lost.ospy): 10 events were lost while capturing: differences may be these losses, not the program's doing"
[ "$(sed -n 1p "$dir/al.err" | cut -c1-19)" = "ospy diff: warning:" ] || fail "the warning is not before the result"
grep -q "A (" "$dir/al.err" && fail "A, which lost nothing, is said to have lost events"
"$ospy" diff "$dir/lost.ospy" "$dir/a.ospy" >/dev/null 2>"$dir/la.err"
expect "$dir/la.err" "ospy diff: warning: A ($dir/lost.ospy): 10 events were lost while capturing"
grep -q lost "$dir/ab.err" && fail "losses said of captures that lost nothing"
echo "lost events: said per side before the result (B, then A), not of lossless captures"

# warnings about a file come once, naming it once: an intact capture without
# calls has none, one cut short says so once (the first pass reads it)
"$gen" "$dir/zero.ospy" 0 1 || fail "gen zero"
"$ospy" diff "$dir/zero.ospy" "$dir/zero.ospy" >/dev/null 2>"$dir/zz.err"
[ $? = 0 ] || { cat "$dir/zz.err"; fail "two captures without calls: not equivalent"; }
grep -q warning "$dir/zz.err" && { cat "$dir/zz.err"; fail "a warning about an intact capture without calls"; }
size=$(wc -c <"$dir/a.ospy")
head -c $((size - 40)) "$dir/a.ospy" >"$dir/cut.ospy"
"$ospy" diff "$dir/cut.ospy" "$dir/a.ospy" >/dev/null 2>"$dir/cut.err"
[ "$(grep -c 'capture cut short' "$dir/cut.err")" = 1 ] || { cat "$dir/cut.err"; fail "the cut-short warning is not given once"; }
[ "$(grep -o 'cut\.ospy' "$dir/cut.err" | wc -l)" = 1 ] || { cat "$dir/cut.err"; fail "the cut-short warning names the file more than once"; }
echo "warnings: none for an intact capture without calls, once for a cut one"

# bad input
printf 'not a capture at all\n' >"$dir/bad.ospy"
"$ospy" diff "$dir/a.ospy" "$dir/bad.ospy" >/dev/null 2>"$dir/bad.err"
[ $? = 2 ] || fail "a non-capture file must exit 2"
expect "$dir/bad.err" "bad.ospy"
"$ospy" diff "$dir/a.ospy" >/dev/null 2>&1
[ $? = 2 ] || fail "one file only must exit 2"
"$ospy" diff -w 1 "$dir/a.ospy" "$dir/b.ospy" >/dev/null 2>"$dir/w.err"
[ $? = 2 ] || fail "-w 1 must exit 2"
expect "$dir/w.err" "-w: '1'"
"$ospy" diff "$dir/a.ospy" "$dir/missing.ospy" >/dev/null 2>&1
[ $? = 2 ] || fail "a missing file must exit 2"
echo "bad input: exit 2 with a message"
