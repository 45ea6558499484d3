#!/bin/sh
# ospy diff on synthetic process trees (gen-forks): processes are paired by
# their place in the tree, whatever order their calls came in.
#   check_diff_forks.sh OSPY GEN_FORKS WORKDIR
set -u
ospy=$1 gen=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect FILE FIXED-STRING: a whole line
  grep -qxF -- "$2" "$1" || { echo "--- $1:"; head -40 "$1"; fail "missing: $2"; }
}
diffs() { grep -c '^[-+~] ' "$1"; }
for m in tree:1 tree:2 wrap:1 change:1 extra:1 nostart:1 nostart:2 nostart:4; do
  "$gen" "$dir/${m%:*}${m#*:}.ospy" "${m#*:}" "${m%:*}" || fail "gen $m"
done

# the children's calls (and a child's threads') in the other order: equivalent
"$ospy" diff "$dir/tree2.ospy" "$dir/tree1.ospy" >"$dir/t.out" 2>"$dir/t.err"
rc=$?
[ $rc = 0 ] || { head -20 "$dir/t.out"; cat "$dir/t.err"; fail "children scheduled otherwise: exit $rc"; }
grep -qF "equivalent (32 calls)" "$dir/t.err" || { cat "$dir/t.err"; fail "not all calls compared"; }
echo "children (and a child's threads) recorded in the other order: equivalent"

# the children's pids wrapped past pid_max: still in fork order
"$ospy" diff "$dir/tree2.ospy" "$dir/wrap1.ospy" >"$dir/w.out" 2>"$dir/w.err"
rc=$?
[ $rc = 0 ] || { head -20 "$dir/w.out"; cat "$dir/w.err"; fail "pids that wrapped: exit $rc"; }
echo "children whose pids wrapped past pid_max: paired by fork order, equivalent"

# one call changed in the 4th child and one in the grandchild: those two,
# named by their place in the tree
"$ospy" diff "$dir/tree2.ospy" "$dir/change1.ospy" >"$dir/c.out" 2>"$dir/c.err"
rc=$?
[ $rc = 1 ] || { cat "$dir/c.out" "$dir/c.err"; fail "two changed calls: exit $rc"; }
expect "$dir/c.out" "@@ forker (process 1.4), thread 1: call 2 in A, 2 in B @@"
expect "$dir/c.out" "@@ execd (process 1.2.1), thread 1: call 2 in A, 2 in B @@"
expect "$dir/c.out" "~ libc.so.6::read(arg0=103, arg1=ptr, arg2=4097) = 220"
expect "$dir/c.out" "~ libc.so.6::read(arg0=300, arg1=ptr, arg2=4097) = 220"
[ "$(diffs "$dir/c.out")" = 2 ] || { cat "$dir/c.out"; fail "expected exactly two changed calls"; }
echo "a changed call in the 4th child and in the grandchild: those two, named 1.4 and 1.2.1"

# a sixth child: its call is added, nothing else differs
"$ospy" diff "$dir/tree2.ospy" "$dir/extra1.ospy" >"$dir/e.out" 2>"$dir/e.err"
rc=$?
[ $rc = 1 ] || { cat "$dir/e.out" "$dir/e.err"; fail "an extra child: exit $rc"; }
expect "$dir/e.out" "@@ forker (process 1.6), thread 1: call 1 in A, 1 in B @@"
expect "$dir/e.out" "+ libc.so.6::read(arg0=105, arg1=ptr, arg2=4096) = 220"
[ "$(diffs "$dir/e.out")" = 1 ] || { cat "$dir/e.out"; fail "expected one added call"; }
echo "an extra child: its call added, named 1.6"

# no process starts recorded: paired by name and occurrence, in the order of
# their first call (which then has to be the same)
"$ospy" diff "$dir/nostart2.ospy" "$dir/nostart4.ospy" >"$dir/n.out" 2>"$dir/n.err"
rc=$?
[ $rc = 0 ] || { head -20 "$dir/n.out"; cat "$dir/n.err"; fail "no starts, same order: exit $rc"; }
"$ospy" diff "$dir/nostart2.ospy" "$dir/nostart1.ospy" >"$dir/n1.out" 2>"$dir/n1.err"
rc=$?
[ $rc = 1 ] || { head -20 "$dir/n1.out"; cat "$dir/n1.err"; fail "no starts, other order: exit $rc"; }
grep -q '^@@ forker #2, thread 1: ' "$dir/n1.out" || { head -20 "$dir/n1.out"; fail "no name#occurrence lane"; }
echo "without process starts: paired by name and occurrence"
