#!/bin/sh
# End-to-end capture tests: run the target under `ospy capture`, compare what
# it says it did with what `ospy show` finds in the capture.
#   capture_test.sh CASE OSPY TARGET BUILDDIR [AGENT32]
set -u
case_name=$1 ospy=$2 target=$3 builddir=$4 agent32=${5:-}
srcdir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ospy-capture-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cap=$work/c.ospy

fail() { echo "FAIL ($case_name): $*" >&2; exit 1; }
calls_in() { "$ospy" show "$1" 2>/dev/null | grep -c 'ospy_test_add(' ; }
said() { sed -n 's/^calls=//p' "$1"; }

# Three threads blocked in read() while the process ends: three reads "= ?",
# each in a thread of its own, none in the main thread, before the exit.
other_threads_end() { # target
  for end in return:0:'exited with 0' segv:139:'killed by SIGSEGV' abort:134:'killed by SIGABRT'; do
    how=${end%%:*} rest=${end#*:}
    want=${rest%%:*} last=${rest#*:}
    "$ospy" capture -q -f read -o "$cap" -- "$1" 3 0 blocked "$how" > "$work/out" 2> "$work/err"
    got=$?
    [ "$got" = "$want" ] || { cat "$work/err" >&2; fail "$how: ospy exited with $got, expected $want"; }
    grep -q '^blocked=3$' "$work/out" || fail "$how: the program did not run"
    "$ospy" show "$cap" > "$work/show"
    grep 'read(fd=3,' "$work/show" > "$work/reads" # (fd 5: its /proc reads)
    [ "$(grep -c ') = ?$' "$work/reads")" = 3 ] && [ "$(wc -l < "$work/reads")" = 3 ] ||
      { cat "$work/show" >&2; fail "$how: not three pending reads shown = ?"; }
    [ "$(sed -n 's/.*\[[0-9]*:\([0-9]*\)\].*/\1/p' "$work/reads" | sort -u | wc -l)" = 3 ] ||
      { cat "$work/reads" >&2; fail "$how: the reads are not in three threads of their own"; }
    tail -1 "$work/show" | grep -q "$last" || fail "$how: the capture does not end with $last"
  done
}

# Calls other threads have pending when the main thread execs: when the
# exec succeeds they never return (the kernel ends those threads where they
# are), each recorded "= ?" under its own thread, before the new image's
# start (-F) or the end; they were neither recorded nor counted. When it
# fails the threads go on: each read is recorded once, with its result (the
# record made at the exec is replaced).
other_threads_exec() { # target
  for follow in "" -F; do
    "$ospy" capture -q $follow -f read -o "$cap" -- "$1" 3 0 blocked exec > "$work/out" 2> "$work/err"
    got=$?
    [ "$got" = 0 ] || { cat "$work/err" >&2; fail "exec ${follow:-without -F}: ospy exited with $got"; }
    grep -q '^blocked=3$' "$work/out" || fail "exec ${follow:-without -F}: the program did not run"
    "$ospy" show "$cap" > "$work/show"
    grep 'read(fd=3,' "$work/show" > "$work/reads"
    [ "$(grep -c ') = ?$' "$work/reads")" = 3 ] && [ "$(wc -l < "$work/reads")" = 3 ] ||
      { cat "$work/show" >&2; fail "exec ${follow:-without -F}: not three pending reads shown = ?"; }
    [ "$(sed -n 's/.*\[[0-9]*:\([0-9]*\)\].*/\1/p' "$work/reads" | sort -u | wc -l)" = 3 ] ||
      { cat "$work/reads" >&2; fail "exec ${follow:-without -F}: the reads are not in three threads of their own"; }
    next='exited with 0'
    [ -n "$follow" ] && next='process started (parent [0-9]*, 64-bit): true'
    first_next=$(grep -n "$next" "$work/show" | head -1 | cut -d: -f1)
    last_read=$(grep -n 'read(fd=3,' "$work/show" | tail -1 | cut -d: -f1)
    [ -n "$first_next" ] && [ "$last_read" -lt "$first_next" ] ||
      { cat "$work/show" >&2; fail "exec ${follow:-without -F}: the reads are not before '$next'"; }
  done
  "$ospy" capture -q -F -f read,execl -o "$cap" -- "$1" 3 0 blocked execfail > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = 0 ] || { cat "$work/err" >&2; fail "failed exec: ospy exited with $got"; }
  grep -q '^returned=3$' "$work/out" || fail "failed exec: the readers did not all return: $(cat "$work/out")"
  "$ospy" show "$cap" > "$work/show"
  grep 'read(fd=3,' "$work/show" > "$work/reads"
  [ "$(grep -c ') = 1$' "$work/reads")" = 3 ] && [ "$(wc -l < "$work/reads")" = 3 ] ||
    { cat "$work/show" >&2; fail "failed exec: not three reads shown once each, = 1"; }
  [ "$(grep -c 'execl(.*) = -1 ENOENT' "$work/show")" = 1 ] ||
    { cat "$work/show" >&2; fail "failed exec: the execl is not there once, failed"; }
}

# Threads that leave calls of ospy_test_jump by longjmp and then return
# from their start routine, which no hook sees: every call is recorded
# "= ?" under its own thread (the program's pid, that thread's tid), once,
# none lost. A thread's last such call was dropped unsaid ("0 calls
# recorded, 0 lost" for threads of one call each). Given up where they can
# be: when a new thread takes over the ended one's interceptor block (64
# threads, more than the first 32 blocks), at the process's end, at an exec
# (-F or not), at a detach (-p, Ctrl-C).
#   jump_return_check LABEL PID: the program's "jumped TID X" lines in
#   $work/out against the capture's calls
jump_return_check() {
  sed -n 's/^jumped \([0-9]*\) \(0x[0-9a-f]*\)$/\1 \2/p' "$work/out" | sort > "$work/want"
  "$ospy" show "$cap" > "$work/show" || fail "$1: show failed"
  grep 'ospy_test_jump(' "$work/show" > "$work/jumps"
  # (raw words, or its arguments by their names from libospytest.so's DWARF
  # when it was built with -g: docs/catalogue.md, "Arguments from DWARF"; x
  # in hex, as the program says it)
  sed -n "s/^[^[]*\[$2:\([0-9]*\)\] [^ ]*ospy_test_jump(\(arg0\|jb\)=[^,]*, \(arg1\|x\)=\([0-9a-fx]*\)[,)].* = ?\$/\1 \4/p" \
    "$work/jumps" | while read -r tid x; do printf '%s 0x%x\n' "$tid" "$x"; done | sort > "$work/got"
  n=$(wc -l < "$work/want")
  echo "$1: $n calls left by longjmp, $(wc -l < "$work/got") recorded = ? under their threads, $(wc -l < "$work/jumps") in all"
  [ "$n" -gt 0 ] || fail "$1: the program made no call: $(cat "$work/out")"
  cmp -s "$work/want" "$work/got" && [ "$(wc -l < "$work/jumps")" = "$n" ] ||
    { diff "$work/want" "$work/got" | head -20 >&2; fail "$1: not each call once, = ?, under its own thread"; }
  grep -q -- '--- lost' "$work/show" && fail "$1: calls counted lost: $(grep -- '--- lost' "$work/show")"
  return 0
}

jump_return() { # target
  for jumps in 1 3; do
    "$ospy" capture -q -f ospy_test_jump -o "$cap" -- "$1" 4 0 jump-return 16 $jumps \
      > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; fail "$jumps a thread: ospy failed"; }
    jump_return_check "64 threads, $jumps a thread" "$(sed -n 's/^pid=//p' "$work/out")"
  done
  for follow in "" -F; do
    "$ospy" capture -q $follow -f ospy_test_jump -o "$cap" -- "$1" 3 0 jump-return 1 2 exec \
      > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; fail "exec: ospy failed"; }
    jump_return_check "3 threads, then an exec ${follow:-without -F}" "$(sed -n 's/^pid=//p' "$work/out")"
  done
  rm -f "$work/go" "$work/end" "$cap" # (the wait for the hooks reads it)
  "$1" 3 0 jump-return 1 2 attach "$work/go" "$work/end" > "$work/out" &
  tp=$!
  # (on a failure the program is let go: it waits for the files)
  attach_fail() { touch "$work/go" "$work/end"; fail "attach: $*"; }
  wait_for "$work/out" '^pid='
  # (a background job of sh starts with SIGINT ignored)
  env --default-signal=INT "$ospy" capture -q -f ospy_test_jump -o "$cap" -p $tp 2> "$work/err" &
  ctl=$!
  i=0
  while ! "$ospy" show "$cap" 2>/dev/null | grep -q 'hooks installed'; do
    i=$((i + 1)); [ $i -gt 3000 ] && attach_fail "the agent never installed its hooks"
    kill -0 $ctl 2>/dev/null || attach_fail "ospy ended early: $(cat "$work/err")"
    sleep 0.01
  done
  touch "$work/go"
  i=0
  while ! grep -q '^threads done$' "$work/out"; do
    i=$((i + 1)); [ $i -gt 3000 ] && attach_fail "the program's threads did not end"
    sleep 0.01
  done
  kill -INT $ctl
  wait $ctl
  rc=$?
  touch "$work/end" # (the program ends whatever follows)
  [ $rc = 0 ] || fail "attach: ospy exited $rc: $(cat "$work/err")"
  wait $tp || fail "attach: the program ended with $?"
  "$ospy" show "$cap" | grep -q 'agent: detached, hooks removed' || fail "attach: not detached"
  jump_return_check "3 threads, then a detach" $tp
}

# With -F, a program that drops to uid 65534 and forks a child that closes
# every inherited descriptor (close_range, the ring's too) before it execs:
# the exec'd program cannot reopen the ring through ospy's /proc/PID/fd
# (root's) and asks ospy's socket for it: followed, its calls and its exit
# status recorded (it was left out with no word, "0 agent errors"). In a
# network namespace of its own the socket is out of reach: a warning in the
# capture and on stderr names the process and the likely reason.
follow_lost_ring() { # target
  [ "$(id -u)" = 0 ] || { echo "follow-lost-ring: needs root (to become uid 65534): skipped"; return 0; }
  chmod 755 "$work" # (uid 65534 execs the target again: the i386 one is built in here)
  "$ospy" capture -q -F -f ospy_test_add -o "$cap" -- "$1" 1 7 dropexec > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = 0 ] || { cat "$work/err" >&2; fail "dropexec: ospy exited with $got"; }
  grep -qx 'child=12' "$work/out" || fail "dropexec: the child's status: $(cat "$work/out")"
  "$ospy" show "$cap" > "$work/show"
  child=$(sed -n 's/.*\[\([0-9]*\)\] +++ process started (parent [0-9]*, [0-9]*-bit): capture-target 1 7 dropped-child$/\1/p' "$work/show")
  [ -n "$child" ] || { cat "$work/show" >&2; fail "dropexec: the exec'd program (uid 65534, its ring closed) was not followed"; }
  [ "$(grep -c "\[$child[]:].*ospy_test_add(" "$work/show")" = 7 ] ||
    { cat "$work/show" >&2; fail "dropexec: not the 7 calls of the exec'd program under its pid $child"; }
  grep -q "\[$child\] +++ exited with 12 +++" "$work/show" || fail "dropexec: no exit status 12 for $child"
  grep -q 'no agent started' "$work/show" "$work/err" && fail "dropexec: a warning though it was followed"
  "$ospy" capture -q -F -f ospy_test_add -o "$cap" -- "$1" 1 7 dropexec netns > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = 0 ] || { cat "$work/err" >&2; fail "dropexec netns: ospy exited with $got"; }
  grep -qx 'child=12' "$work/out" || fail "dropexec netns: the child's status: $(cat "$work/out")"
  "$ospy" show "$cap" > "$work/show"
  child=$(grep '+++ process started' "$work/show" | sed -n '2s/.*\[\([0-9]*\)\] +++ process started.*/\1/p')
  want="warning: controller: process $child exec'd /proc/self/exe, but no agent started in it before it ended: what it ran is not recorded, nor how it ended. Likely: the event ring's descriptor was closed before the exec"
  grep -qF "$want" "$work/show" || { cat "$work/show" >&2; fail "dropexec netns: no warning in the capture naming $child"; }
  grep -qF "$want" "$work/err" || { cat "$work/err" >&2; fail "dropexec netns: no warning on stderr naming $child"; }
}

# The programs the agent cannot load into (set-user-ID for another user: the
# loader ignores LD_PRELOAD) are said, not left out silently: exec'd under
# -F, and started by ospy (which said "never started" on stderr only, and only
# when no agent at all started)
agent_never_started() {
  [ "$(id -u)" = 0 ] || { echo "agent-never-started: needs root (a set-user-ID program): skipped"; return 0; }
  cp /bin/true "$work/suid-true" && chown 65534:65534 "$work/suid-true" && chmod 4755 "$work/suid-true" ||
    fail "cannot make a set-user-ID program"
  "$ospy" capture -q -F -f ospy_test_add -o "$cap" -- sh -c "'$work/suid-true'; echo st=\$?" > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = 0 ] && grep -qx st=0 "$work/out" || { cat "$work/err" >&2; fail "suid under -F: ospy exited with $got"; }
  "$ospy" show "$cap" > "$work/show"
  want="exec'd $work/suid-true, but no agent started in it before it ended: what it ran is not recorded, nor how it ended. Likely: it is set-user-ID"
  grep -qF "$want" "$work/show" || { cat "$work/show" >&2; fail "suid under -F: no warning in the capture"; }
  grep -qF "$want" "$work/err" || { cat "$work/err" >&2; fail "suid under -F: no warning on stderr"; }
  "$ospy" capture -q -F -f ospy_test_add -o "$cap" -- "$work/suid-true" > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = 0 ] || { cat "$work/err" >&2; fail "suid started by ospy: exited with $got"; }
  want="ran $work/suid-true, but no agent started in it before it ended: what it ran is not recorded, nor how it ended. Likely: it is set-user-ID"
  grep -qF "$want" "$work/err" && "$ospy" show "$cap" | grep -qF "$want" ||
    { cat "$work/err" >&2; fail "suid started by ospy: no warning in the capture and on stderr"; }
}

# A hooked recursion that overflows the stack; the program's SIGSEGV handler
# (on an alternate stack) says how many calls it made and calls _exit(42).
overflow_accounted() { # compiler command (cc, or cc -m32)
  cat > "$work/so.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
volatile int made;
__attribute__((noinline, noipa)) int rec(int n) { volatile char pad[256]; pad[0] = (char)n; made = n + 1; return rec(n + 1) + pad[0]; }
static char altstack[65536];
static void on_segv(int s) { char m[64]; int k = snprintf(m, sizeof m, "made=%d\n", made); (void)s; (void)!write(1, m, (size_t)k); _exit(42); }
int main(void) { stack_t ss = { altstack, 0, sizeof altstack }; sigaltstack(&ss, 0);
  struct sigaction sa = { 0 }; sa.sa_handler = on_segv; sa.sa_flags = SA_ONSTACK; sigaction(SIGSEGV, &sa, 0);
  return rec(0); }
C
  $1 -O1 -o "$work/so" "$work/so.c" || fail "overflow: cannot build the program"
  "$ospy" capture -q -f rec -o "$cap" -- "$work/so" > "$work/out" 2> "$work/err"
  [ $? = 42 ] || { cat "$work/err" >&2; fail "overflow: the program did not end with its handler's _exit(42)"; }
  made=$(sed -n 's/^made=//p' "$work/out")
  rec=$("$ospy" show "$cap" | grep -c '!rec(')
  lost=$("$ospy" show "$cap" | sed -n 's/.*--- lost \([0-9]*\) events\?.*/\1/p' | awk '{s+=$1} END {print s+0}')
  [ -n "$made" ] && [ $((rec + lost)) = "$made" ] ||
    fail "overflow: recorded $rec + lost $lost != $made calls made"
}

# Runs target_mainloop (BITS, 3 s, optional MODE), attaches with -f busy_add
# and checks both the target and ospy ended with the target's status 3;
# leaves $tp, $work/out and $cap.
attach_mainloop() { # BITS LABEL [MODE]
  "$work/mainloop$1" 3 ${3:+"$3"} > "$work/out" &
  tp=$!
  wait_for "$work/out" '^pid='
  sleep 0.3
  timeout -k 5 30 "$ospy" capture -q -f busy_add -o "$cap" -p $tp 2> "$work/err"
  rc=$?
  wait $tp
  trc=$?
  [ $trc = 3 ] || fail "$2: the target ended with $trc, not 3: $(cat "$work/out")"
  [ $rc = 3 ] || { cat "$work/err" >&2; fail "$2: ospy exited $rc, not the target's 3"; }
}

run_capture() { # expected-status args... (target's stdout to $work/out)
  want=$1; shift
  "$ospy" capture -q -f ospy_test_add -o "$cap" "$@" > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = "$want" ] || { cat "$work/err" >&2; fail "ospy exited with $got, expected $want"; }
}

# The target's noreturn mode under --preset proc -f write: the calls made
# inside exit (atexit handler, stdio's flush) recorded after it, not its _exit.
exit_inside() {
  "$ospy" capture -q --preset proc -f write -o "$work/exit.ospy" -- "$1" 1 0 noreturn \
    > "$work/exit.out" 2> "$work/exit.err"
  [ $? = 3 ] || { cat "$work/exit.err" >&2; fail "exit inside: exit status"; }
  [ "$(grep -c '^bye [123]$\|^unflushed$' "$work/exit.out")" = 4 ] || fail "exit inside: the program's output changed"
  "$ospy" show "$work/exit.ospy" > "$work/exit.show"
  n=$(sed -n '/exit(status=3) = ?$/,$p' "$work/exit.show" |
    grep -c 'write(fd=1.*buf="\(bye [123]\|unflushed\)\\n", count=[0-9]*) = [0-9]*$')
  [ "$n" = 4 ] || { cat "$work/exit.show" >&2; fail "exit inside: $n of the 4 writes made while exiting recorded after exit"; }
  grep -q '_exit(' "$work/exit.show" && fail "exit inside: exit's own _exit is recorded"
  return 0
}

# Coroutines on 16 KiB stacks carved from one block: a suspended one's
# pending call lies just below the stack the next one runs on, as a call
# left by longjmp lies below the frame it jumped to, and is given up as dead.
# Two of them, the main context leaving a hooked call by longjmp 40 times
# after each turn; then 40 of them in turn. The program's output and exit
# status are unchanged, and each call is recorded once, with its own
# argument and result (`= ?` when it was given up). The program aborted
# ("return through the leave thunk without a pending call") once more than
# 32 calls were given up between a coroutine's call given up and its return.
coro_close() { # target
  for shape in 2:40 40:0; do
    coros=${shape%:*} jumps=${shape#*:}
    what="coro-close ($coros coroutines, $jumps jumps after each turn)"
    calls=$((coros * 3)) jumped=$((coros * 4 * jumps))
    "$ospy" capture -q -f ospy_test_yield,ospy_test_jump -o "$cap" -- "$1" 1 0 coro-close "$coros" "$jumps" \
      > "$work/out" 2> "$work/err"
    got=$?
    [ "$got" = 0 ] || { cat "$work/err" >&2; fail "$what: ospy exited with $got, expected 0"; }
    want="coro-close bad=0 yields=$calls jumps=$jumped"
    [ "$(cat "$work/out")" = "$want" ] || fail "$what: the program said '$(cat "$work/out")', expected '$want'"
    "$ospy" show "$cap" > "$work/show"
    grep 'ospy_test_yield(' "$work/show" | sed 's/.*\(arg2\|, v\)=\([0-9a-fx]*\)[,)].* = \([0-9?]*\)$/\2 \3/' > "$work/yields"
    [ "$(wc -l < "$work/yields")" = $calls ] ||
      { cat "$work/show" >&2; fail "$what: expected $calls calls of ospy_test_yield, found $(wc -l < "$work/yields")"; }
    while read -r v r; do # v = 100 c + r, r < 3
      [ $((v / 100)) -lt "$coros" ] && [ $((v % 100)) -lt 3 ] ||
        fail "$what: a call of ospy_test_yield with v=$v, no such call was made"
      [ "$r" = '?' ] || [ "$r" = $((v * 7)) ] ||
        { cat "$work/yields" >&2; fail "$what: the call with v=$v shows = $r, expected $((v * 7)) or ?"; }
    done < "$work/yields"
    [ "$(cut -d' ' -f1 "$work/yields" | sort -u | wc -l)" = $calls ] ||
      { cat "$work/yields" >&2; fail "$what: a call of ospy_test_yield recorded twice"; }
    [ "$(grep -c 'ospy_test_jump(' "$work/show")" = $jumped ] &&
      [ "$(grep -c 'ospy_test_jump(.*) = ?$' "$work/show")" = $jumped ] ||
      fail "$what: expected $jumped calls of ospy_test_jump, each = ?"
  done
}

# Waits (bounded, no fixed sleeps as synchronisation) until FILE holds PATTERN.
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 3000 ] && fail "timed out waiting for '$2' in $1"
    sleep 0.01
  done
}

# A fault on an instruction the hook moved into its trampoline: the warning
# names the program's pc (the load in ospy_test_load, at +LOAD_OFFSET), not
# the trampoline's (an anonymous page of ospy's, which it named before).
#   check_moved_fault TARGET LIBOSPYTEST LOAD_OFFSET
check_moved_fault() {
  "$ospy" capture -q -f ospy_test_load -o "$cap" -- "$1" 1 0 load-in > "$work/out" 2> "$work/err"
  got=$?
  [ "$got" = 139 ] || { cat "$work/err" >&2; fail "load-in: ospy exited with $got, expected 139"; }
  grep -q '^load=43$' "$work/out" || fail "load-in: target output: $(cat "$work/out")"
  "$ospy" show "$cap" > "$work/show" 2>&1 || fail "load-in: show failed"
  grep -q 'ospy_test_load(arg0=0[,)].* = ?$' "$work/show" ||
    fail "load-in: the crashing call is missing: $(cat "$work/show")"
  base=$(sed -n 's|.*--- loaded .*/libospytest\.so at \(0x[0-9a-f]*\) .*|\1|p' "$work/show" | head -n 1)
  sym=$(nm -D "$2" | sed -n 's/^\([0-9a-f]*\) T ospy_test_load$/\1/p')
  [ -n "$base" ] && [ -n "$sym" ] || fail "load-in: no base ($base) or symbol ($sym) for libospytest.so"
  pc=$(printf '%#x' $((base + 0x$sym + $3)))
  grep -q "SIGSEGV (address 0x0) at $pc (run in ospy's copy of the first instructions of ospy_test_load, at 0x[0-9a-f]*), 1 pending call of this thread recorded as not returning" "$work/show" ||
    fail "load-in: the warning does not name the load at $pc: $(grep SIGSEGV "$work/show")"
}

case $case_name in
spawn)
  run_capture 0 -- "$target" 1 1000
  [ "$(said "$work/out")" = 1000 ] || fail "target output not passed through"
  [ "$(calls_in "$cap")" = 1000 ] || fail "expected 1000 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" | grep -q 'ospy_test_add(a=0, b=999) = 999$' ||
    fail "last call's arguments or return value missing"
  # one function hooked twice with two definitions: recorded once, with the
  # first, and the capture says so
  cat > "$work/dup.xml" <<'X'
<hookManager><specs><functions>
<function name="add"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
<function name="add2"><returnValue type="UInt32" hex="true"/><arguments><argument name="x" type="Int32"/></arguments></function>
</functions></specs><hooks><dllModule name="libospytest.so">
<function specId="add" symbol="ospy_test_add"/><function specId="add2" symbol="ospy_test_add"/>
</dllModule></hooks></hookManager>
X
  "$ospy" capture -q -c "$work/dup.xml" -o "$work/dup.ospy" -- "$target" 1 3 > /dev/null ||
    fail "capture with a function hooked twice failed"
  "$ospy" show "$work/dup.ospy" > "$work/dup.show"
  [ "$(grep -c 'libospytest.so!add(a=0, b=[0-2]) = [0-2]$' "$work/dup.show")" = 3 ] ||
    fail "hooked twice: expected 3 calls decoded by the first definition: $(cat "$work/dup.show")"
  grep -q 'warning: libospytest.so!add2: the same function as libospytest.so!add, hooked already' "$work/dup.show" ||
    fail "hooked twice: no warning: $(cat "$work/dup.show")"
  # a shell's `> file`: open, dup2 onto 1, close; the write to 1 is named by
  # the file, not by the stdout the process started with
  "$ospy" capture -q --preset files -o "$work/redir.ospy" -- bash -c "echo hi > '$work/redir.txt'" ||
    fail "capture of a redirect failed"
  "$ospy" show "$work/redir.ospy" | grep -q "write(fd=1<$work/redir.txt>, buf=\"hi\\\\n\"" ||
    fail "dup2: fd 1 not named by the file: $("$ospy" show "$work/redir.ospy" | grep -E 'dup|write')"
  # a failed call whose return value is an enumeration member (EAI_NONAME):
  # that is the error; no errno name beside it (errno is left from before)
  cat > "$work/gai.c" <<'C'
#include <errno.h>
#include <netdb.h>
#include <string.h>
int main(void) { struct addrinfo h, *r; memset(&h, 0, sizeof h); h.ai_flags = AI_NUMERICHOST;
  errno = EINVAL; /* left from before: getaddrinfo does not set errno */
  return getaddrinfo("not a number", NULL, &h, &r) == EAI_NONAME ? 0 : 1; }
C
  cc -o "$work/gai" "$work/gai.c" || fail "cannot build gai"
  "$ospy" capture -q --preset net -o "$work/gai.ospy" -- "$work/gai" || fail "gai: exit $?"
  "$ospy" show "$work/gai.ospy" | grep -q 'getaddrinfo(.*) = EAI_NONAME$' ||
    fail "getaddrinfo: $("$ospy" show "$work/gai.ospy" | grep getaddrinfo)"
  # a function named in a stripped program: the message says why and what to do
  printf 'static __attribute__((noinline)) int inner(int x) { volatile int k = x; return k * 2; }\nint main(void) { return inner(3) == 6 ? 0 : 1; }\n' > "$work/st.c"
  cc -O1 -o "$work/st" "$work/st.c" && strip "$work/st" || fail "cannot build a stripped program"
  "$ospy" capture -q -f 'st!inner' -o "$work/st.ospy" -- "$work/st" 2> /dev/null || fail "stripped: exit $?"
  "$ospy" show "$work/st.ospy" | grep -q 'st!inner: function not found in st, whose file has no symbol table (stripped): hook it by offset= or by a signature' ||
    fail "stripped: $("$ospy" show "$work/st.ospy" | grep error)"
  # bash saves stdout with fcntl(F_DUPFD) and puts it back with dup2: the
  # write after the redirect is named by the stdout again
  "$ospy" capture -q --preset files -o "$work/redir.ospy" -- bash -c "echo hi > '$work/redir.txt'; echo there" > "$work/there.txt" ||
    fail "capture of a redirect and a restore failed"
  "$ospy" show "$work/redir.ospy" | grep -q "write(fd=1<$work/there.txt>, buf=\"there" ||
    fail "F_DUPFD: $("$ospy" show "$work/redir.ospy" | grep -E 'fcntl|dup|write')"
  # a signature that matches two functions: the first is hooked, and said,
  # naming both places
  printf '#include <stdio.h>\n__attribute__((noinline)) int one(int x) { return x + 1; }\n__attribute__((noinline)) int two(int x) { return x + 2; }\nint main(void) { printf("%%d\\n", one(1) + two(2)); return 0; }\n' > "$work/sg.c"
  cc -O0 -fno-pie -no-pie -fcf-protection=none -o "$work/sg" "$work/sg.c" || fail "cannot build sg"
  cat > "$work/sg.xml" <<'X'
<hookManager><specs><functions><function name="f"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function></functions></specs>
<signatures><signature name="prologue">55 48 89 e5 89 7d fc</signature></signatures>
<hooks><functions><function specId="f" sigId="prologue" moduleName="sg"/></functions></hooks></hookManager>
X
  "$ospy" capture -q -c "$work/sg.xml" -o "$work/sg.ospy" -- "$work/sg" > /dev/null 2>&1 || fail "sg: exit $?"
  one=$(nm "$work/sg" | awk '$3 == "one" { print $1 }' | sed 's/^0*//') two=$(nm "$work/sg" | awk '$3 == "two" { print $1 }' | sed 's/^0*//')
  "$ospy" show "$work/sg.ospy" | grep -qF "warning: sg!f: its signature matches 2 places, offset 0x$one (one) and offset 0x$two (two); the first is hooked" ||
    fail "ambiguous signature: $("$ospy" show "$work/sg.ospy" | grep -v loaded)"
  # without a moduleName the signature is looked for in the program, and its
  # calls are named after it (oSpy's module::function; they were a bare "f")
  sed 's/ moduleName="sg"//' "$work/sg.xml" > "$work/sg2.xml"
  "$ospy" capture -q -c "$work/sg2.xml" -o "$work/sg.ospy" -- "$work/sg" > /dev/null 2>&1 || fail "sg2: exit $?"
  "$ospy" show "$work/sg.ospy" | grep -q '\] sg!f(x=1) = 2$' ||
    fail "signature without module: $("$ospy" show "$work/sg.ospy" | grep -v loaded)"
  # one that matches nothing in the program is an error at once (the program
  # is loaded: it was a warning, then "never found ... loading a module")
  sed 's/55 48 89 e5 89 7d fc/55 48 89 e5 89 7d fc 90 90 90 cc cc/' "$work/sg2.xml" > "$work/sg3.xml"
  "$ospy" capture -q -c "$work/sg3.xml" -o "$work/sg.ospy" -- "$work/sg" > /dev/null 2>&1
  "$ospy" show "$work/sg.ospy" | grep -q 'error: sg!f: its signature (12 bytes) matches nothing in the program$' ||
    fail "signature matching nothing: $("$ospy" show "$work/sg.ospy" | grep -E 'error|warn')"
  "$ospy" show "$work/sg.ospy" | grep -q 'never found' && fail "signature matching nothing: also 'never found'"
  # a preset naming libraries the program never loads: one note per library,
  # no error per function
  "$ospy" capture --preset tls -o "$work/tls.ospy" -- "$target" 1 1 > /dev/null 2> "$work/tls.err" ||
    fail "capture --preset tls failed"
  grep -q ', 0 agent errors' "$work/tls.err" || fail "--preset tls: $(tail -1 "$work/tls.err")"
  "$ospy" show "$work/tls.ospy" | grep -q 'info: agent: libssl.so.3 is not loaded (yet): its [0-9]* functions are hooked when the program loads it' ||
    fail "--preset tls: no note for libssl: $("$ospy" show "$work/tls.ospy")"
  "$ospy" capture -q -f 'libssl.so.3!SSL_write' -o "$work/tls1.ospy" -- "$target" 1 1 > /dev/null 2>&1
  "$ospy" show "$work/tls1.ospy" | grep -q 'info: agent: libssl.so.3 is not loaded (yet): its 1 function is hooked when the program loads it' ||
    fail "one function of a library not loaded: $("$ospy" show "$work/tls1.ospy" | grep info)"
  # a module named by its path, as loaded or through a link to it (Debian's
  # /lib is /usr/lib): it never matched, only file names were compared
  libc=$(ldd "$(command -v cat)" | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
  for m in "$libc" "$(readlink -f "$libc")"; do
    "$ospy" capture -q -f "$m!open" -o "$work/path.ospy" -- cat "$work/gai.c" > /dev/null 2>&1 ||
      fail "-f '$m!open': exit $?"
    "$ospy" show "$work/path.ospy" | grep -q "$m!open(pathname=.*) = 3<$work/gai.c>" ||
      fail "-f '$m!open': $("$ospy" show "$work/path.ospy" | grep -E 'open|error|warn')"
  done
  # the program's own IFUNC, not exported: its .symtab symbol is the
  # resolver; the function hooked is the one ld.so chose (this resolver
  # would answer otherwise if asked again: USE_B is seen only later)
  cat > "$work/ifn.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) static int impl_a(int x) { volatile int r = x; return r + 1; }
__attribute__((noinline)) static int impl_b(int x) { volatile int r = x; return r + 2; }
static void *resolve_myf(void) { return getenv("USE_B") ? (void *)impl_b : (void *)impl_a; }
int myf(int x) __attribute__((ifunc("resolve_myf")));
int main(void) { long s = 0; for (int i = 0; i < 10; i++) s += myf(i); printf("s=%ld\n", s); return 0; }
C
  for pie in -pie -no-pie; do
    cc -O2 $pie -o "$work/ifn" "$work/ifn.c" || fail "cannot build ifn $pie"
    USE_B=1 "$ospy" capture -q -f myf -o "$work/ifn.ospy" -- "$work/ifn" > /dev/null 2>&1 || fail "ifn $pie: exit $?"
    n=$("$ospy" show "$work/ifn.ospy" | grep -c 'myf(')
    [ "$n" = 10 ] || fail "own IFUNC ($pie): $n of 10 calls recorded: $("$ospy" show "$work/ifn.ospy" | grep -E 'error|warn')"
  done
  # a function or a module named on the command line and never found: a
  # warning (or a note) at start, an error when the program ends without it;
  # one a library loaded later has (e2e-dlclose) is no error
  "$ospy" capture -f 'libnosuch.so.6!read' -f no_such_fn -o "$work/nf.ospy" -- "$target" 1 1 > /dev/null 2> "$work/nf.err" ||
    fail "capture of missing functions failed"
  grep -q ', 2 agent errors' "$work/nf.err" || fail "never found: $(tail -1 "$work/nf.err")"
  "$ospy" show "$work/nf.ospy" > "$work/nf.show"
  grep -q 'warning: no_such_fn: function not found in any loaded module (yet)' "$work/nf.show" &&
    grep -q 'error: no_such_fn: never found: the program ended without loading a module that has it' "$work/nf.show" &&
    grep -q 'error: agent: the program ended without loading libnosuch.so.6: its functions were never hooked' "$work/nf.show" ||
    fail "never found: $(cat "$work/nf.show")"
  # a -c config's module never loaded (a wrong file name): a warning at the
  # end, shown live (the capture was empty without a word); a preset's
  # modules are alternatives (libssl or libgnutls): no warning
  cat > "$work/nm.xml" <<'X'
<hookManager><specs><functions><function name="read"/></functions></specs>
<hooks><module name="libnosuch.so.6"><function specId="read"/></module></hooks></hookManager>
X
  "$ospy" capture -c "$work/nm.xml" -o "$work/nm.ospy" -- "$target" 1 1 > /dev/null 2> "$work/nm.err" ||
    fail "capture with a config's missing module failed"
  grep -q 'warning: agent: the program ended without loading libnosuch.so.6: the config.s functions in it were never hooked' "$work/nm.err" ||
    fail "config's module never loaded, live: $(cat "$work/nm.err")"
  "$ospy" show "$work/nm.ospy" | grep -q 'warning: agent: the program ended without loading libnosuch.so.6' ||
    fail "config's module never loaded: not in the capture"
  # a module name a typo from one the program loaded (a version left out,
  # a letter missing) names that one: it said only that it never loaded
  cat > "$work/nm2.xml" <<'X'
<hookManager><specs><functions><function name="read"/></functions></specs>
<hooks><module name="libc.so"><function specId="read"/></module>
<module name="libospytest.so.1"><function specId="read"/></module></hooks></hookManager>
X
  "$ospy" capture -c "$work/nm2.xml" -o "$work/nm2.ospy" -- "$target" 1 1 > /dev/null 2> "$work/nm2.err" ||
    fail "capture with a config's misspelt module failed"
  for want in 'the program ended without loading libc.so (did you mean libc.so.6? it was loaded): the config.s functions' \
              'the program ended without loading libospytest.so.1 (did you mean libospytest.so? it was loaded): the config.s functions'; do
    echo "expect: warning: agent: $want"
    grep -q "warning: agent: $want" "$work/nm2.err" || fail "misspelt module, live: $(cat "$work/nm2.err")"
    "$ospy" show "$work/nm2.ospy" | grep -q "warning: agent: $want" || fail "misspelt module: not in the capture"
  done
  "$ospy" capture -f 'libc.so!read' -o "$work/nm3.ospy" -- "$target" 1 1 > /dev/null 2> "$work/nm3.err" ||
    fail "capture of -f 'libc.so!read' failed"
  echo "expect: error: agent: the program ended without loading libc.so (did you mean libc.so.6? it was loaded): its functions were never hooked"
  grep -q 'error: agent: the program ended without loading libc.so (did you mean libc.so.6? it was loaded): its functions were never hooked' "$work/nm3.err" ||
    fail "-f 'libc.so!read': $(cat "$work/nm3.err")"
  "$ospy" capture --preset tls -o "$work/tls.ospy" -- "$target" 1 1 > /dev/null 2> "$work/tls.err" ||
    fail "capture with --preset tls failed"
  grep -q 'ended without loading' "$work/tls.err" && fail "a preset's module never loaded warned: $(cat "$work/tls.err")"
  # a module path in the capture that is now a FIFO must not hang the reader
  cp "$target" "$work/t-fifo"
  "$ospy" capture -q --backtrace 2 -f ospy_test_add -o "$work/bt.ospy" -- "$work/t-fifo" 1 3 > /dev/null 2>&1 ||
    fail "capture of the copied target failed"
  rm "$work/t-fifo" && mkfifo "$work/t-fifo"
  timeout 20 "$ospy" show --backtrace "$work/bt.ospy" > /dev/null 2>&1 ||
    fail "show --backtrace hung or failed on a module path that is now a FIFO"
  # the agent's own libc calls (strlen of its messages) are not the program's
  cat > "$work/strlen.xml" <<'X'
<hookManager><specs><functions><function name="strlen"><returnValue type="Size"/><arguments>
<argument name="s" direction="in" type="AsciiStringPtr"/></arguments></function></functions></specs>
<hooks><module name="libc.so.6"><function specId="strlen"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$work/strlen.xml" -f ospy_test_add -o "$cap" -- "$target" 1 10 > /dev/null 2>&1 ||
    fail "capture with strlen hooked failed"
  "$ospy" show "$cap" | grep -q 'strlen(s="agent' && fail "the agent's own strlen calls were recorded"
  [ "$(calls_in "$cap")" = 10 ] || fail "strlen hooked: expected 10 calls of ospy_test_add"
  ;;
threads)
  run_capture 0 -- "$target" 8 20000
  [ "$(calls_in "$cap")" = 160000 ] || fail "expected 160000 calls, found $(calls_in "$cap")"
  n=$("$ospy" show "$cap" | grep 'ospy_test_add(' | sed 's/.*\[\([0-9:]*\)\].*/\1/' | sort -u | wc -l)
  [ "$n" = 8 ] || fail "expected calls from 8 threads, found $n"
  ;;
exit-status)
  run_capture 42 -- "$target" 1 10 exit 42
  "$ospy" show "$cap" | grep -q '+++ exited with 42 +++' || fail "no ProcessExit with 42"
  # a signal of the kernel's timers (alarm: SI_KERNEL) kills the program inside
  # a hooked call as it would without ospy (the agent's handler took it for a
  # fault and returned: recv failed with EINTR and the program exited 0)
  printf '%s\n' '#include <sys/socket.h>' '#include <unistd.h>' \
    'int main(void) { int sv[2]; char b[4]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);' \
    '  alarm(1); recv(sv[0], b, 4, 0); return 0; }' > "$work/alrm.c"
  cc -o "$work/alrm" "$work/alrm.c" || fail "cc alrm.c"
  "$ospy" capture -q --preset net -o "$work/alrm.ospy" -- "$work/alrm" 2> "$work/err"
  rc=$?
  [ $rc = 142 ] || { cat "$work/err"; fail "SIGALRM inside recv: ospy exited $rc, the program's death is 142"; }
  "$ospy" show "$work/alrm.ospy" | grep -q '+++ killed by SIGALRM +++' ||
    fail "no death by SIGALRM: $("$ospy" show "$work/alrm.ospy")"
  # a program that cannot start, or a process that does not exist, leaves the
  # capture already at the output path alone (it was truncated before)
  "$ospy" capture -q -f x -o "$cap" -- /nonexistent/program 2> "$work/err"
  [ $? = 127 ] || fail "a missing program should give 127"
  grep -q '/nonexistent/program: No such file or directory' "$work/err" || fail "message: $(cat "$work/err")"
  "$ospy" capture -q -f x -o "$cap" -- no-such-command-here 2> "$work/err"
  [ $? = 127 ] || fail "a command not in PATH should give 127"
  # -q hides the calls, not what went wrong: a function that cannot be found
  "$ospy" capture -q -f no_such_function_here -o "$work/q.ospy" -- true 2> "$work/err"
  grep -q '1 agent error ' "$work/err" || fail "-q: the hook error was not said: $(cat "$work/err")"
  "$ospy" capture -q -f x -o "$cap" -- "$work" 2> "$work/err"
  [ $? = 126 ] || fail "a directory should give 126"
  printf '#!/nonexistent/interpreter\n' > "$work/bad.sh" && chmod +x "$work/bad.sh"
  "$ospy" capture -q -f x -o "$cap" -- "$work/bad.sh" 2> "$work/err"
  [ $? = 126 ] || fail "a script with a missing interpreter should give 126"
  grep -q 'bad interpreter' "$work/err" || fail "bad interpreter: $(cat "$work/err")"
  "$ospy" capture -q -f x -o "$cap" -p 999999999 2> "$work/err"
  [ $? = 2 ] || fail "a missing pid should give 2"
  grep -q 'no such process' "$work/err" || fail "message: $(cat "$work/err")"
  "$ospy" show "$cap" | grep -q '+++ exited with 42 +++' || fail "the earlier capture was overwritten"
  # -o naming something that is not a regular file: refused, left as it was
  # (the file was made mode 0600: -o /dev/null broke /dev/null for others)
  mkfifo -m 666 "$work/fifo"
  timeout 20 "$ospy" capture -q -f x -o "$work/fifo" -- true 2> "$work/err"
  [ $? = 2 ] || fail "-o FIFO: expected exit 2 (124: it waited for a reader)"
  [ "$(stat -c %a "$work/fifo")" = 666 ] || fail "-o FIFO: its mode changed"
  if [ "$(id -u)" = 0 ] && mknod -m 666 "$work/null" c 1 3 2>/dev/null; then
    "$ospy" capture -q -f x -o "$work/null" -- true 2> "$work/err"
    [ $? = 2 ] || fail "-o device: expected exit 2"
    grep -q 'not a regular file' "$work/err" || fail "-o device: $(cat "$work/err")"
    [ "$(stat -c %a "$work/null")" = 666 ] || fail "-o device: its mode changed"
  fi
  ;;
offset)
  # module + offset on a PIE (from its load base) and on a program linked at
  # a fixed address (from the start of its image, or the absolute address)
  cat > "$work/off.c" <<'C'
__attribute__((noinline)) int hidden_fn(int x) { volatile int k = x; return k * 7 + 1; }
int main(int argc, char **argv) { (void)argv; return hidden_fn(argc) == 8 ? 0 : 1; }
C
  for kind in pie no-pie; do
    cc -O1 -$kind -o "$work/off-$kind" "$work/off.c" || fail "cannot build the $kind program"
    addr=$(nm "$work/off-$kind" | awk '$3 == "hidden_fn" { print $1 }')
    [ -n "$addr" ] || fail "no hidden_fn in the $kind program"
    first=$(readelf -lW "$work/off-$kind" | awk '$1 == "LOAD" { print $3; exit }')
    off=$(printf '0x%x' $((0x$addr - first)))
    for o in $off 0x$addr; do
      cat > "$work/off.xml" <<X
<hookManager><specs><functions><function name="h"><returnValue type="Int32"/><arguments>
<argument name="x" direction="in" type="Int32"/></arguments></function></functions></specs>
<hooks><module name="off-$kind"><function specId="h" offset="$o"/></module></hooks></hookManager>
X
      "$ospy" capture -q -c "$work/off.xml" -o "$cap" -- "$work/off-$kind" > /dev/null 2> "$work/err" ||
        { cat "$work/err" >&2; fail "$kind, offset $o: the program failed"; }
      "$ospy" show "$cap" | grep -q '!h(x=1) = 8$' || { "$ospy" show "$cap" >&2; fail "$kind: offset $o not hooked"; }
      [ $kind = pie ] && break # a PIE's addresses are offsets already
    done
  done
  # symbol= names a function by the name the module has for it (oSpy's spec
  # name closesocket onto libc's close): a library without a .symtab (libc
  # here, a stripped one) has its exported functions, and a version of one
  # that dlsym does not give (old_fn@VER_1 alone, for programs linked
  # against it) in its dynamic symbols; all three were "not found" ("check
  # the name (old_fn is close)": the name written)
  cat > "$work/sv.c" <<'C'
int api_fn(int x) { return x * 3; }
int old_fn_v1(int x) { return x + 100; }
__asm__(".symver old_fn_v1, old_fn@VER_1");
C
  printf 'VER_1 { local: old_fn_v1; };\nVER_2 { global: api_fn; } VER_1;\n' > "$work/sv.map"
  cat > "$work/svmain.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
int api_fn(int);
int main(void) {
  int (*old)(int) = (int (*)(int))dlvsym(RTLD_DEFAULT, "old_fn", "VER_1");
  close(99);
  printf("api=%d old=%d\n", api_fn(2), old ? old(1) : -1);
  return 0; }
C
  cc -shared -fPIC -Wl,--version-script="$work/sv.map" -o "$work/libsv.so" "$work/sv.c" &&
    strip "$work/libsv.so" &&
    cc -o "$work/svmain" "$work/svmain.c" -L"$work" -lsv -ldl -Wl,-rpath,"$work" ||
    fail "cannot build the stripped library with a versioned function"
  readelf -S "$work/libsv.so" | grep -q '\.symtab' && fail "libsv.so kept a .symtab"
  cat > "$work/sym.xml" <<'X'
<hookManager><specs><functions>
<function name="closesocket"><returnValue type="Int32"/><arguments><argument name="s" direction="in" type="UInt32" hex="true"/></arguments></function>
<function name="triple"><returnValue type="Int32"/><arguments><argument name="x" direction="in" type="Int32"/></arguments></function>
<function name="legacy"><returnValue type="Int32"/><arguments><argument name="x" direction="in" type="Int32"/></arguments></function>
</functions></specs><hooks>
<dllModule name="libc.so.6"><function specId="closesocket" symbol="close"/></dllModule>
<dllModule name="libsv.so"><function specId="triple" symbol="api_fn"/><function specId="legacy" symbol="old_fn"/></dllModule>
</hooks></hookManager>
X
  "$ospy" check "$work/sym.xml" > "$work/sym.check" || fail "check sym.xml"
  grep -q 'libc.so.6!closesocket: symbol close in libc.so.6 (its symbol table, else its exported symbols)' \
    "$work/sym.check" || fail "symbol=: the plan: $(cat "$work/sym.check")"
  "$ospy" capture -q -c "$work/sym.xml" -o "$cap" -- "$work/svmain" > "$work/out" 2> "$work/err" ||
    { cat "$work/err" >&2; fail "symbol=: the program failed"; }
  grep -q '^api=6 old=101$' "$work/out" || fail "symbol=: the program's results changed: $(cat "$work/out")"
  "$ospy" show "$cap" | grep -v -e '--- loaded' > "$work/sym.show"
  for want in 'libc.so.6!closesocket(s=0x63) = -1 EBADF' 'libsv.so!triple(x=2) = 6$' \
              'libsv.so!legacy(x=1) = 101$'; do
    echo "symbol=: expect $want"
    grep -q "$want" "$work/sym.show" || { cat "$work/sym.show" >&2; fail "symbol=: no $want"; }
  done
  grep -E 'error|warning' "$work/sym.show" && fail "symbol=: an error or a warning"
  # a name no table has: the hint never names the very name written
  sed 's/symbol="old_fn"/symbol="old_fm"/' "$work/sym.xml" > "$work/sym2.xml"
  "$ospy" capture -q -c "$work/sym2.xml" -o "$cap" -- "$work/svmain" > /dev/null 2>&1
  "$ospy" show "$cap" | grep 'legacy:' > "$work/sym2.show"
  echo "symbol=old_fm: $(cat "$work/sym2.show")"
  grep -q 'function old_fm not found in libsv.so: not among its exported (dynamic) symbols, and its file has no symbol table; check the name (old_fn is close)' \
    "$work/sym2.show" || fail "symbol=old_fm: not the close name old_fn"
  # a static function GCC renamed (secret_calc.constprop.0 without its
  # constant argument): the error names the copy, and the copy can be hooked
  cat > "$work/iso.c" <<'C'
#include <stdio.h>
static __attribute__((noinline)) int secret_calc(int a, int unused, int b) { return a * b + 3; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", secret_calc(argc, 99, 5)); return 0; }
C
  cc -O2 -o "$work/iso" "$work/iso.c" || fail "cannot build iso"
  clone=$(nm "$work/iso" | awk '$3 ~ /^secret_calc\./ { print $3 }')
  if [ -n "$clone" ]; then
    "$ospy" capture -f 'iso!secret_calc' -o "$cap" -- "$work/iso" > /dev/null 2> "$work/err"
    grep -qF "its module has $clone" "$work/err" || { cat "$work/err" >&2; fail "no hint at $clone"; }
    "$ospy" capture -q -f "iso!$clone" -o "$cap" -- "$work/iso" > /dev/null 2>&1 || fail "hooking $clone failed"
    [ "$("$ospy" show "$cap" | grep -c "iso!$clone(")" = 1 ] || fail "the call of $clone is missing"
    # a glob leaves clones out (docs/catalogue.md); matching nothing else, it
    # names the clone and how to hook it (it said only "no function matches")
    "$ospy" capture -q -f 'iso!secret_*' -o "$cap" -- "$work/iso" > /dev/null 2> "$work/err" &&
      fail "-f 'iso!secret_*' hooked a clone"
    grep -qF "no function matches, in the catalogue ('ospy definitions' lists it) or in the 1 file of that name; a glob leaves out compiler clones, copies whose parameters may differ from the function's; this one left out 1: iso!$clone (named in full, a clone is hooked: -f 'iso!$clone')" "$work/err" ||
      { cat "$work/err" >&2; fail "-f 'iso!secret_*': the clone it left out is not named"; }
  fi
  ;;
live-view-closed)
  # `ospy capture ... 2>&1 >/dev/null | head -1`: the live view's reader goes
  # away after one line; ospy must not die of SIGPIPE (the capture was cut and
  # held no calls), and the program keeps the SIGPIPE disposition it got
  { "$ospy" capture -f ospy_test_add -o "$cap" -- "$target" 1 3000 2>&1 >"$work/out"; echo "rc=$?" >"$work/rc"; } | head -n 1 >/dev/null
  [ "$(cat "$work/rc")" = rc=0 ] || fail "ospy ended with $(cat "$work/rc") once its stderr reader was gone"
  [ "$(calls_in "$cap")" = 3000 ] || fail "expected 3000 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" | grep -q '+++ exited with 0 +++' || fail "no ProcessExit"
  ;;
no-return)
  # Calls that never return are in the capture, shown "= ?" as strace does:
  # one left by longjmp (found at the next hooked call), exit and a successful
  # execv (recorded at entry); a failed execv is there once, with its error.
  "$ospy" capture -q --preset proc -f ospy_test_jump -o "$cap" -- "$target" 1 0 noreturn \
    > "$work/out" 2> "$work/err"
  [ $? = 3 ] || { cat "$work/err" >&2; fail "ospy did not pass the exit status 3 through"; }
  "$ospy" show "$cap" > "$work/show"
  grep -q '^jump=100$' "$work/out" || fail "the program's output changed"
  [ "$(grep -c 'ospy_test_jump(jb=0x[0-9a-f]*, x=1) = ?$' "$work/show")" = 1 ] ||
    fail "the call left by longjmp is not shown as not returning"
  [ "$(grep -c 'ospy_test_jump(jb=0x[0-9a-f]*, x=0) = 100$' "$work/show")" = 1 ] || fail "the returning call is missing"
  [ "$(grep -c 'execv(pathname="/nonexistent/program".*) = -1 ENOENT' "$work/show")" = 1 ] ||
    fail "the failed execv is not there exactly once with its error"
  [ "$(grep -c 'execv(' "$work/show")" = 1 ] || fail "the failed execv's record at entry was kept too"
  [ "$(grep -c 'exit(status=3) = ?$' "$work/show")" = 1 ] || fail "exit(3) is not recorded"
  # what runs inside exit is the program's: its atexit handler's writes and
  # stdio's flush are recorded after exit (they were hidden as nested in it);
  # exit's own _exit is not
  exit_inside "$target"
  # a function's logCondition holds for calls that do not return too, as far
  # as their arguments decide it: the call left by longjmp (x=1) and exit(3)
  # were recorded whatever the condition said
  for want in 0 1; do
    cat > "$work/cond.xml" <<X
<hookManager><specs><functions>
<function name="jump"><returnValue type="Int64"/><arguments><argument name="jb" type="Pointer"/><argument name="x" type="Int64"/></arguments><logCondition>arg.x == $want</logCondition></function>
<function name="exit"><returnValue type="Int32"/><arguments><argument name="status" type="Int32"/></arguments><logCondition>arg.status == 5</logCondition></function>
</functions></specs><hooks><module name="libospytest.so"><function specId="jump" symbol="ospy_test_jump"/></module>
<module name="libc.so.6"><function specId="exit"/></module></hooks></hookManager>
X
    "$ospy" capture -q -c "$work/cond.xml" -o "$cap" -- "$target" 1 0 noreturn > /dev/null 2>&1
    "$ospy" show "$cap" > "$work/show"
    [ "$want" = 0 ] && expected='!jump(jb=0x[0-9a-f]*, x=0) = 100$' ||
      expected='!jump(jb=0x[0-9a-f]*, x=1) = ?$'
    [ "$(grep -c '!jump(' "$work/show")" = 1 ] && grep -q "$expected" "$work/show" ||
      { cat "$work/show" >&2; fail "condition arg.x == $want: not exactly the call it selects"; }
    grep -q 'exit(' "$work/show" && fail "exit(3) recorded although its condition is arg.status == 5"
  done
  # functions that return twice (vfork, setjmp) are recorded at entry and
  # hooked without a replaced return address: the vfork parent returned into
  # its child's code (exit 127) or the process aborted
  "$ospy" capture -q -f vfork,_setjmp,setjmp,execl -o "$cap" -- "$target" 1 0 twice > "$work/out" 2> "$work/err" ||
    { cat "$work/err" >&2; fail "twice: ospy or the program failed"; }
  grep -q '^vfork child status 0, setjmp rounds 3$' "$work/out" || fail "twice: the program's results changed"
  [ "$("$ospy" show "$cap" | grep -c 'vfork(.*) = ?$')" = 1 ] || fail "twice: vfork is not recorded once"
  # logNested: the execve inside a failed execv is recorded too; each exec
  # still appears once, with its error (the record at entry is replaced)
  cat > "$work/ln.xml" <<'X'
<hookManager><specs><functions>
<function name="execv" logNested="true"><returnValue type="Int32"/><arguments><argument name="pathname" direction="in" type="AsciiStringPtr"/></arguments></function>
<function name="execve" logNested="true"><returnValue type="Int32"/><arguments><argument name="pathname" direction="in" type="AsciiStringPtr"/></arguments></function>
</functions></specs><hooks><module name="libc.so.6"><function specId="execv"/><function specId="execve"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$work/ln.xml" -o "$cap" -- "$target" 1 0 noreturn > /dev/null 2>&1
  "$ospy" show "$cap" > "$work/show"
  [ "$(grep -c 'execv(pathname="/nonexistent/program") = -1 ENOENT' "$work/show")" = 1 ] &&
    [ "$(grep -c 'execve(pathname="/nonexistent/program") = -1 ENOENT' "$work/show")" = 1 ] &&
    [ "$(grep -c '!exec[a-z]*(' "$work/show")" = 2 ] || { cat "$work/show" >&2; fail "nested execs: not once each"; }
  # a thread ending with pthread_exit inside a hooked call: that call is
  # recorded as not returning
  "$ospy" capture -q -f ospy_test_thread_exit -o "$cap" -- "$target" 1 0 texit > "$work/out" 2>&1 ||
    fail "texit: ospy failed"
  [ "$("$ospy" show "$cap" | grep -c 'ospy_test_thread_exit(.*) = ?$')" = 3 ] ||
    { "$ospy" show "$cap" >&2; fail "texit: the 3 calls ended by pthread_exit are not recorded"; }
  # posix_spawn and system() children share the parent's memory until they
  # exec: what they leave pending must not make the parent's later calls look
  # nested (they went unrecorded, uncounted, after the first spawn)
  "$ospy" capture -q --preset proc -f ospy_test_add -o "$cap" -- "$target" 1 0 spawns > "$work/out" 2> "$work/err" ||
    { cat "$work/err" >&2; fail "spawns: ospy failed"; }
  grep -q '^calls=5 sum=20$' "$work/out" || fail "spawns: the program's output changed"
  [ "$(calls_in "$cap")" = 5 ] || fail "spawns: expected 5 calls of ospy_test_add, found $(calls_in "$cap")"
  [ "$("$ospy" show "$cap" | grep -c 'posix_spawn(')" = 10 ] || fail "spawns: expected 10 posix_spawn calls (5 direct, 5 by system)"
  # coroutines switching inside a hooked call: each call keeps its own
  # arguments and return value
  "$ospy" capture -q -f ospy_test_yield -o "$cap" -- "$target" 1 0 coro > "$work/out" 2> "$work/err" ||
    { cat "$work/err" >&2; fail "coro: ospy failed"; }
  grep -q '^coro bad=0$' "$work/out" || fail "coro: the program's results changed"
  "$ospy" show "$cap" | grep 'ospy_test_yield(' > "$work/yields"
  [ "$(wc -l < "$work/yields")" = 50 ] || fail "coro: expected 50 calls, found $(wc -l < "$work/yields")"
  sed 's/.*\(arg2\|, v\)=\([0-9a-fx]*\)[,)].* = \([0-9?]*\)$/\2 \3/' "$work/yields" | while read -r v r; do
    [ "$r" = $((v * 7)) ] || { cat "$work/yields" >&2; fail "coro: a call shows another call's argument or result ($v, $r)"; }
  done || exit 1
  coro_close "$target"
  "$ospy" capture -q -F --preset proc -o "$cap" -- "$target" 1 0 noreturn exec > "$work/out" 2> "$work/err" ||
    fail "exec: ospy failed"
  "$ospy" show "$cap" > "$work/show"
  [ "$(grep -c 'execv(pathname="/bin/true".*) = ?$' "$work/show")" = 1 ] || fail "the successful execv is missing"
  grep -q 'process started.*: /bin/true' "$work/show" || fail "the exec'd program was not followed"
  ;;
thread-churn)
  # 2000 short-lived threads: each thread's agent memory is reused by the
  # next one (it leaked 4 MiB of address space per thread: i386 programs ran
  # out after ~1000 threads and their calls went unrecorded, uncounted)
  run_capture 0 -- "$target" 8 3 churn 250
  [ "$(said "$work/out")" = 6000 ] || fail "target did not finish"
  [ "$(calls_in "$cap")" = 6000 ] || fail "thread churn: expected 6000 calls, found $(calls_in "$cap")"
  vm=$(sed -n 's/^vmsize_kb=//p' "$work/out")
  [ -n "$vm" ] && [ "$vm" -lt 1048576 ] || fail "thread churn: ${vm:-?} KiB of address space in use after 2000 threads"
  ;;
deep-recursion)
  # a hooked function recursing 1000 deep: the interceptor follows 256 pending
  # calls per thread; the deeper ones are counted as lost, never dropped unsaid
  "$ospy" capture -q -f ospy_test_recurse -o "$cap" -- "$target" 1 1 recurse 1000 > "$work/out" ||
    fail "capture failed"
  grep -q '^recurse=1000 calls=1001$' "$work/out" || fail "target output: $(cat "$work/out")"
  rec=$("$ospy" show "$cap" | grep -c 'ospy_test_recurse(')
  lost=$("$ospy" show "$cap" | sed -n 's/.*--- lost \([0-9]*\) events\?.*/\1/p' | awk '{s+=$1} END {print s+0}')
  [ "$rec" -ge 256 ] || fail "only $rec of the first 256 nested calls recorded"
  [ $((rec + lost)) = 1001 ] || fail "recorded $rec + lost $lost != 1001 calls"
  "$ospy" capture -q -f ospy_test_recurse -o "$cap" -- "$target" 1 1 recurse 200 > "$work/out"
  [ "$("$ospy" show "$cap" | grep -c 'ospy_test_recurse(')" = 201 ] || fail "recursion 200 deep: not all 201 calls recorded"
  "$ospy" show "$cap" | grep -q 'ospy_test_recurse(n=200) = 200$' || fail "outermost call's return value"
  # recursion until the stack overflows, caught by the program's handler on an
  # alternate stack, which calls _exit: the overflow strikes inside ospy's
  # hook code, yet recorded + lost = made (the 256 calls pending in the
  # interceptor's stack were neither)
  overflow_accounted cc
  ;;
other-threads-end)
  # Calls other threads have pending when the process ends (a return from
  # main, a fault, abort) never return: each is recorded "= ?" under its own
  # thread, as strace's "unfinished" (they were neither recorded nor counted)
  other_threads_end "$target"
  other_threads_exec "$target"
  ;;
thread-return)
  jump_return "$target"
  ;;
abort)
  run_capture 134 -- "$target" 1 10 abort
  "$ospy" show "$cap" | tail -1 | grep -q 'killed by SIGABRT' || fail "no ProcessExit with SIGABRT"
  ;;
segv)
  run_capture 139 -- "$target" 2 5000 segv
  [ "$(calls_in "$cap")" = 10000 ] || fail "calls before the crash lost: $(calls_in "$cap")"
  "$ospy" show "$cap" | tail -1 | grep -q 'killed by SIGSEGV' || fail "no ProcessExit with SIGSEGV last"
  ;;
crash-in-call)
  # the agent's handler is invisible: a program asking what handles a signal
  # it never set is told SIG_DFL (python saves and restores handlers by it)
  cat > "$work/sa.c" <<'C'
#include <signal.h>
#include <stdio.h>
int main(void) { struct sigaction o; int sigs[] = { SIGSEGV, SIGTERM, SIGHUP, SIGPIPE, SIGABRT };
  for (int i = 0; i < 5; i++) { sigaction(sigs[i], NULL, &o); printf("%s ", o.sa_handler == SIG_DFL ? "DFL" : "SET"); }
  printf("%s\n", signal(SIGTERM, SIG_IGN) == SIG_DFL ? "DFL" : "SET"); return 0; }
C
  cc -o "$work/sa" "$work/sa.c" || fail "cannot build sa"
  "$ospy" capture -q -f write -o "$cap" -- "$work/sa" > "$work/out" || fail "sa: ospy exited $?"
  grep -qx 'DFL DFL DFL DFL DFL DFL' "$work/out" || fail "the crash handler shows: $(cat "$work/out")"
  if command -v python3 > /dev/null; then
    "$ospy" capture -q -f write -o "$cap" -- python3 -c 'import signal
prev = signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGHUP, prev)
print(signal.getsignal(signal.SIGTERM))' > "$work/out" 2> "$work/err" || fail "python3 save/restore: $(cat "$work/err")"
    grep -qx 0 "$work/out" || fail "python3 getsignal: $(cat "$work/out")"
  fi
  # the call a program dies in is recorded (not returning), after the calls
  # before it, with the signal's address; then the program's death
  for how in segv-in:139:SIGSEGV fpe-in:136:SIGFPE; do
    mode=${how%%:*}; rest=${how#*:}; want=${rest%%:*}; sig=${rest#*:}
    "$ospy" capture -q -f ospy_test_add,ospy_test_store -o "$cap" -- "$target" 1 3 "$mode" \
      > "$work/out" 2> "$work/err"
    got=$?
    [ "$got" = "$want" ] || fail "$mode: ospy exited with $got, expected $want"
    grep -q '^store=41$' "$work/out" || fail "$mode: target output: $(cat "$work/out")"
    "$ospy" show "$cap" > "$work/show" 2>&1 || fail "$mode: show failed"
    grep -q 'ospy_test_store(.*) = 41$' "$work/show" || fail "$mode: the returning call: $(cat "$work/show")"
    case $mode in
      segv-in) grep -q 'ospy_test_store(p=0x0, v=42) = ?$' "$work/show" ||
                 fail "$mode: the crashing call is missing: $(cat "$work/show")"
               grep -q "SIGSEGV (address 0x0) at 0x.*, 1 pending call of this thread recorded as not returning" "$work/show" ||
                 fail "$mode: no crash message: $(cat "$work/show")" ;;
      fpe-in)  grep -q 'ospy_test_store(p=0x0, v=-8) = ?$' "$work/show" ||
                 fail "$mode: the crashing call is missing: $(cat "$work/show")"
               grep -q "SIGFPE (sent by pid [0-9]*) at 0x" "$work/show" ||
                 fail "$mode: no signal message: $(cat "$work/show")" ;;
    esac
    tail -1 "$work/show" | grep -q "killed by $sig" || fail "$mode: no ProcessExit with $sig last"
    [ "$(calls_in "$cap")" = 3 ] || fail "$mode: calls before the crash: $(calls_in "$cap")"
  done
  check_moved_fault "$target" "$builddir/libospytest.so" 3 # after mov %rdi,%rax
  ;;
controller-killed)
  # The target waits for a go file; the controller is killed before it goes.
  "$ospy" capture -q -f ospy_test_add --ring-size 1 -o "$cap" -- \
    "$target" 2 200000 sleep "$work/go" > "$work/out" 2> "$work/err" &
  ctl=$!
  wait_for "$work/out" '^pid='
  kill -9 $ctl
  wait $ctl 2>/dev/null
  touch "$work/go"
  wait_for "$work/out" '^calls=400000'
  "$ospy" show "$cap" > "$work/show" 2> "$work/showerr" || fail "capture unreadable after the controller died"
  grep -q 'process started' "$work/show" || fail "records before the kill are missing"
  grep -q 'cut short' "$work/showerr" || fail "the cut-short capture is not reported"
  ;;
burst)
  run_capture 0 -- "$target" 2 500000
  [ "$(calls_in "$cap")" = 1000000 ] || fail "lossless burst lost events: $(calls_in "$cap")"
  ;;
lossy)
  run_capture 0 --lossy --ring-size 1 -- "$target" 4 250000
  rec=$(calls_in "$cap")
  lost=$("$ospy" show "$cap" | sed -n 's/.*--- lost \([0-9]*\) events\?.*/\1/p' | awk '{s+=$1} END {print s+0}')
  [ $((rec + lost)) = 1000000 ] || fail "recorded $rec + lost $lost != 1000000"
  # each gap in a thread's calls is counted where it is, not at the end
  # (they came after the program's exit, stamped at the end)
  "$ospy" show "$cap" > "$work/show"
  awk -f "$srcdir/lost_cover.awk" "$work/show" > "$work/cover" ||
    fail "gaps not counted by Lost records before them: $(head -5 "$work/cover")"
  sed -n '/+++ exited/,$p' "$work/show" | grep -q -- '--- lost' && fail "Lost records after the exit"
  echo "lossy: $(tail -1 "$work/cover"), each before its gap"
  # with -F: only calls are dropped, never a process's start or end (they
  # were, and counted as lost calls)
  run_capture 0 -F --lossy --ring-size 1 -- "$target" 1 50000 forks 16
  rec=$(calls_in "$cap")
  lost=$("$ospy" show "$cap" | sed -n 's/.*--- lost \([0-9]*\) events\?.*/\1/p' | awk '{s+=$1} END {print s+0}')
  [ $((rec + lost)) = 850000 ] || fail "-F: recorded $rec + lost $lost != 850000"
  [ "$("$ospy" show "$cap" | grep -c '+++ process started')" = 17 ] || fail "-F --lossy: a ProcessStart was dropped"
  [ "$("$ospy" show "$cap" | grep -c '+++ exited with')" = 17 ] || fail "-F --lossy: a ProcessExit was dropped"
  echo "lossy: recorded $rec, lost $lost"
  ;;
lossy-killed)
  # --lossy, the controller stopped for a second (its ring fills: calls are
  # dropped), then killed with SIGKILL once the calls after the gap are in
  # the file: the Lost records written while it ran count every gap before
  # the file's last call (it wrote them only at its end: a killed controller
  # left gaps of hundreds of thousands of calls counted nowhere)
  "$ospy" capture -q --lossy --ring-size 1 -f ospy_test_add -o "$cap" -- \
    "$target" 2 0 paced "$work/stop" > "$work/out" 2> "$work/err" &
  ctl=$!
  wait_for "$work/out" '^pid='
  sleep 0.3
  kill -STOP $ctl
  sleep 1
  kill -CONT $ctl
  i=0 # until the file holds calls made after the gap
  until "$ospy" show "$cap" 2>/dev/null | awk -f "$srcdir/lost_cover.awk" | grep -q '^gaps [1-9]'; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "no gap in the calls after a second without a controller"
    sleep 0.1
  done
  kill -KILL $ctl
  wait $ctl 2>/dev/null
  touch "$work/stop"
  wait_for "$work/out" '^calls='
  made=$(sed -n 's/^calls=//p' "$work/out")
  "$ospy" show "$cap" > "$work/show" 2> "$work/showerr" || fail "capture unreadable after the controller died"
  grep -q 'cut short' "$work/showerr" || fail "the cut-short capture is not reported"
  awk -f "$srcdir/lost_cover.awk" "$work/show" > "$work/cover" ||
    fail "gaps before the last call not counted by the Lost records before them: $(head -5 "$work/cover")"
  rec=$(grep -c 'ospy_test_add(' "$work/show")
  lost=$(sed -n 's/^gaps [0-9]* lost //p' "$work/cover")
  [ $((rec + lost)) -le "$made" ] || fail "recorded $rec + lost $lost > $made calls made"
  echo "lossy, controller killed: $(tail -1 "$work/cover"), $rec recorded of $made made"
  ;;
follow-lost-ring)
  [ "$(id -u)" = 0 ] || { echo "skip: needs root (to become uid 65534)"; exit 77; }
  follow_lost_ring "$target"
  agent_never_started
  ;;
fork)
  run_capture 0 -F -- "$target" 1 100 fork
  [ "$(calls_in "$cap")" = 200 ] || fail "-F: expected 200 calls, found $(calls_in "$cap")"
  n=$("$ospy" show "$cap" | grep 'ospy_test_add(' | sed 's/.*\[\([0-9]*\).*/\1/' | sort -u | wc -l)
  [ "$n" = 2 ] || fail "-F: expected 2 processes, found $n"
  # the child's exit status, though its parent (not ospy) reaps it: from the agent
  child=$("$ospy" show "$cap" | sed -n 's/.*\[\([0-9]*\)\] +++ process started (parent [0-9]*, .*/\1/p' | sed -n 2p)
  "$ospy" show "$cap" | grep -q "\[$child\] +++ exited with 5 +++" || fail "-F: no ProcessExit 5 for child $child"
  [ "$("$ospy" show "$cap" | grep -c '+++ exited with')" = 2 ] || fail "-F: expected 2 ProcessExit records"
  # a child that exited (its agent recorded it) and was then orphaned and
  # reaped by ospy, the subreaper: one ProcessExit, not two
  run_capture 0 -F -- "$target" 1 10 orphan
  [ "$("$ospy" show "$cap" | grep -c '+++ exited with 7 +++')" = 1 ] ||
    fail "-F orphan: expected one ProcessExit 7, found $("$ospy" show "$cap" | grep -c '+++ exited with 7 +++')"
  # a program gets the ring out of the way of its own descriptors (its first
  # open returns 3, with -F too), and a program whose parent closed every
  # inherited descriptor before exec (python's subprocess does) is still
  # followed: its agent reopens the ring through ospy's /proc/PID/fd
  echo hello > "$work/h.txt"
  for follow in "" -F; do
    "$ospy" capture -q $follow -f open -o "$cap" -- cat "$work/h.txt" > /dev/null ||
      fail "cat ${follow:-without -F}: ospy exited $?"
    "$ospy" show "$cap" | grep -q "open(.*) = 3<$work/h.txt>" ||
      fail "cat ${follow:-without -F}: its first open is not 3: $("$ospy" show "$cap" | grep 'open(')"
  done
  "$ospy" capture -q -F -f open -o "$cap" -- bash -c \
    'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"; done; cat "$1"; true' \
    sh "$work/h.txt" > "$work/out" || fail "-F with closed descriptors: ospy exited $?"
  grep -qx hello "$work/out" || fail "-F with closed descriptors: cat's output: $(cat "$work/out")"
  "$ospy" show "$cap" | grep -q "open(.*) = 3<$work/h.txt>" ||
    fail "-F: cat, exec'd after its parent closed the ring, was not recorded: $("$ospy" show "$cap")"
  # programs exec'd with an environment of their own (env -i; python's
  # subprocess.run(env=...)) are followed too: the agent's exec hooks give a
  # copy of that environment LD_PRELOAD (the agent first, then the program's
  # own) and the ring; without -F nothing is added
  "$ospy" capture -q -F -f open -o "$cap" -- sh -c \
    'env -i /bin/cat "$1"; env -i LD_PRELOAD=libm.so.6 X=1 /usr/bin/env' sh "$work/h.txt" > "$work/out" ||
    fail "-F env -i: ospy exited $?"
  grep -qx hello "$work/out" || fail "-F env -i: cat's output: $(cat "$work/out")"
  "$ospy" show "$cap" | grep -q "open(.*) = 3<$work/h.txt>" ||
    fail "-F: cat, exec'd by env -i, was not recorded: $("$ospy" show "$cap")"
  # (the followed env sees its environment as given: the agent takes its own
  # entries out again at start, keeping the program's own preload)
  grep -qx 'X=1' "$work/out" && grep -qx 'LD_PRELOAD=libm.so.6' "$work/out" ||
    fail "-F env -i: the environment env printed: $(cat "$work/out")"
  [ "$(grep -c = "$work/out")" = 2 ] || fail "-F env -i: more than X and LD_PRELOAD: $(cat "$work/out")"
  "$ospy" show "$cap" | grep -q "process started (parent [0-9]*, 64-bit): /usr/bin/env" ||
    fail "-F: env, exec'd by env -i with a preload of its own, was not followed: $("$ospy" show "$cap")"
  "$ospy" capture -q -f open -o "$cap" -- env -i X=1 /usr/bin/env > "$work/out" || fail "env -i: ospy exited $?"
  [ "$(cat "$work/out")" = X=1 ] || fail "without -F the exec'd program's environment changed: $(cat "$work/out")"
  # a forked child's agent reads /proc/self/cmdline for its ProcessStart:
  # not a call of the program
  "$ospy" capture -q -F --preset files -o "$cap" -- bash -c 'cat "$1" > /dev/null; true' sh "$work/h.txt" ||
    fail "-F bash: ospy exited $?"
  "$ospy" show "$cap" | grep -q 'cmdline' && fail "-F: the agent's own reads of /proc/self/cmdline were recorded"
  "$ospy" show "$cap" | grep -q "open(.*) = 3<$work/h.txt>" || fail "-F bash: cat's open missing"
  # with -F, as strace -f: processes the program left running (a daemon) are
  # recorded until they end; ospy exits with the program's status
  "$ospy" capture -q -F -f ospy_test_add -o "$cap" -- sh -c "(sleep 0.3; '$target' 1 10 > /dev/null) & exit 3" \
    2> "$work/err"
  rc=$?
  [ $rc = 3 ] || fail "-F leftovers: ospy exited $rc, expected the program's 3"
  [ "$(calls_in "$cap")" = 10 ] || fail "-F leftovers: the background child's calls: $(calls_in "$cap") of 10"
  grep -q 'recording the processes it left running' "$work/err" || fail "-F leftovers: no note: $(cat "$work/err")"
  # the forked subshell names sh as its parent, though sh exited before it
  # started (getppid then gives ospy, which adopted it)
  main=$("$ospy" show "$cap" | sed -n 's/.*\[\([0-9]*\)\] +++ process started (parent [0-9]*, .*/\1/p' | head -1)
  "$ospy" show "$cap" | grep '+++ process started' | sed -n 2p | grep -q "(parent $main," ||
    fail "-F leftovers: the subshell's parent: $("$ospy" show "$cap" | grep 'process started')"
  # children killed by signals: their deaths come from their agents too
  "$ospy" capture -q -F -f ospy_test_store -o "$cap" -- "$target" 1 0 kids > "$work/out" 2> "$work/err" ||
    fail "-F kids: ospy exited $?"
  grep -q '^kid0=11$' "$work/out" && grep -q '^kid1=15$' "$work/out" && grep -q '^kid2=13$' "$work/out" ||
    fail "-F kids: target output: $(cat "$work/out")"
  "$ospy" show "$cap" > "$work/show"
  for sig in SIGSEGV SIGTERM SIGPIPE; do
    grep -q "+++ killed by $sig +++" "$work/show" || fail "-F kids: no ProcessExit for the child killed by $sig: $(cat "$work/show")"
  done
  [ "$(grep -c 'ospy_test_store(.*) = ?$' "$work/show")" = 2 ] || fail "-F kids: the two calls the children died in"
  run_capture 0 -- "$target" 1 100 fork
  [ "$(calls_in "$cap")" = 100 ] || fail "without -F the child must not be captured"
  # bash defines getenv/setenv/unsetenv of its own: the agent takes itself out
  # of the environment in environ itself, so bash's children do not load it
  "$ospy" capture -q -f getpid -o "$cap" -- bash -c 'echo "[$LD_PRELOAD]"; grep -c libospy-agent /proc/self/maps; true' \
    > "$work/out" || fail "bash without -F: ospy exited $?"
  [ "$(cat "$work/out")" = "$(printf '[]\n0')" ] || fail "bash without -F passed the agent on: $(cat "$work/out")"
  # ... and the user's own preloads stay (all of LD_PRELOAD went)
  libm=$(ldd "$(command -v bash)" | sed -n 's/.*libc\.so\.6 => \([^ ]*\)libc\.so\.6.*/\1/p')libm.so.6
  [ -f "$libm" ] || fail "no libm beside libc: $libm"
  LD_PRELOAD="$libm" "$ospy" capture -q -f getpid -o "$cap" -- bash -c \
    'echo "[$LD_PRELOAD]"; grep -c libospy-agent /proc/self/maps; true' > "$work/out" || fail "bash with LD_PRELOAD: exit $?"
  [ "$(cat "$work/out")" = "$(printf '[%s]\n0' "$libm")" ] || fail "the user's LD_PRELOAD: $(cat "$work/out")"
  # a bare -f (strace's spelling): follows forks; -f NAME still names a function
  "$ospy" capture -q -f ospy_test_add -f -o "$cap" -- "$target" 1 100 fork > "$work/out" ||
    fail "capture with a bare -f failed"
  [ "$(calls_in "$cap")" = 200 ] || fail "bare -f: expected 200 calls, found $(calls_in "$cap")"
  "$ospy" capture -q -c "$srcdir/../../demo/demo.xml" -o "$cap" -f -- "$target" 1 1 fork > "$work/out" 2>&1 ||
    fail "capture -c CONFIG -f -- PROGRAM failed: $(cat "$work/out")"
  [ "$("$ospy" show "$cap" | grep -c 'process started')" = 2 ] || fail "-c CONFIG -f --: the child was not followed"
  ;;
show-corrupt)
  run_capture 0 -- "$target" 1 100000
  # read from a pipe ("-") and a FIFO: as from the file (it was "empty file")
  "$ospy" show "$cap" > "$work/show-file" || fail "show of the capture failed"
  cat "$cap" | "$ospy" show - > "$work/show-pipe" 2> "$work/err" ||
    fail "show - (a pipe): $(cat "$work/err")"
  cmp -s "$work/show-file" "$work/show-pipe" || fail "show - (a pipe) differs from show FILE"
  mkfifo "$work/fifo" && { cat "$cap" > "$work/fifo" & }
  "$ospy" stats "$work/fifo" > "$work/stats-fifo" 2> "$work/err" || fail "stats FIFO: $(cat "$work/err")"
  "$ospy" stats "$cap" | cmp -s - "$work/stats-fifo" || fail "stats FIFO differs from stats FILE"
  # (export --format xml reads it twice, diff once each side: one copy)
  "$ospy" export "$cap" --format xml -o "$work/file.xml" 2> /dev/null || fail "export of the file"
  cat "$cap" | "$ospy" export - --format xml -o "$work/pipe.xml" 2> "$work/err" ||
    fail "export - (a pipe): $(cat "$work/err")"
  cmp -s "$work/file.xml" "$work/pipe.xml" || fail "export - (a pipe) differs from export FILE"
  cat "$cap" | "$ospy" diff - "$cap" > /dev/null 2> "$work/err" || fail "diff - FILE: $(cat "$work/err")"
  head -c $(($(stat -c %s "$cap") / 2)) "$cap" | "$ospy" show - > /dev/null 2> "$work/err"
  grep -q 'cut short' "$work/err" || fail "a pipe cut short: $(cat "$work/err")"
  size=$(stat -c %s "$cap")
  python3 - "$cap" "$work/bad.ospy" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[len(d) // 2] ^= 0x40
open(sys.argv[2], 'wb').write(d[: len(d) - 100])
PY
  "$ospy" show "$work/bad.ospy" > "$work/show" 2> "$work/err" && fail "corruption not reported"
  grep -q 'corrupt chunk at offset [0-9]' "$work/err" || { cat "$work/err"; fail "no offset in the error"; }
  grep -q 'cut short' "$work/err" || fail "truncated tail not reported"
  # streams names the file once (the reader's message starts with it)
  "$ospy" streams "$work/bad.ospy" > /dev/null 2> "$work/serr" && fail "streams: corruption not reported"
  grep -qx "ospy streams: $work/bad.ospy: corrupt chunk at offset [0-9]*: .*" "$work/serr" ||
    { cat "$work/serr"; fail "streams: the corrupt chunk is not reported with the file named once"; }
  n=$(grep -c 'ospy_test_add(' "$work/show")
  [ "$n" -gt 50000 ] && [ "$n" -lt 100000 ] || fail "intact chunks not read ($n calls)"
  printf 'not a capture' > "$work/x"
  "$ospy" show "$work/x" 2>&1 | grep -q 'not an ospy capture' || fail "bad magic not reported"
  # an oSpy dump given to show, an ospy capture given to import: each says which command reads it
  "$ospy" export "$cap" --format osd -o "$work/c.osd" 2>/dev/null || fail "export osd failed"
  "$ospy" show "$work/c.osd" > /dev/null 2> "$work/err" && fail "show took an .osd"
  echo "show c.osd: $(cat "$work/err")"
  grep -q 'it is an oSpy .osd dump: read it with `ospy import`' "$work/err" || fail "show: no hint for an .osd"
  "$ospy" import "$cap" --format jsonl -o "$work/c.jsonl" 2> "$work/err" && fail "import took a capture"
  echo "import capture: $(cat "$work/err")"
  grep -qF "it is an ospy capture: read it with \`ospy show $cap\`, or convert it with \`ospy export $cap -o OUT.osd\`" "$work/err" ||
    fail "import: no hint for an ospy capture"
  # cut inside the header (the magic intact: it said "bad magic")
  for n in 8 15 16 40; do
    head -c $n "$cap" > "$work/x"
    "$ospy" show "$work/x" > /dev/null 2> "$work/err" && fail "a header cut at $n bytes is not an error"
    echo "head -c $n: $(cat "$work/err")"
    grep -qx "ospy show: $work/x: capture cut short in its header: $n bytes.*" "$work/err" ||
      fail "a header cut at $n bytes is not reported as cut short"
  done
  ;;
no-start)
  # A capture that cannot start leaves no file of its own behind (a
  # header-only one was), and never removes one it did not create.
  # No agent next to this ospy: refused before the output is touched.
  mkdir "$work/bin" && cp "$ospy" "$work/bin/ospy" || fail "no-start: cannot copy ospy"
  printf 'keep me' > "$work/keep.ospy"
  for out in "$work/new.ospy" "$work/keep.ospy"; do
    "$work/bin/ospy" capture -q -f ospy_test_add -o "$out" -- "$target" 1 10 > "$work/out" 2> "$work/err"
    rc=$?
    cat "$work/err"
    [ $rc = 2 ] || fail "no agent: exit $rc, expected 2"
    grep -q 'agent library .*: No such file or directory' "$work/err" || fail "no agent: not said"
    [ -s "$work/out" ] && fail "no agent: the program ran"
  done
  [ -e "$work/new.ospy" ] && fail "no agent: a $(wc -c < "$work/new.ospy")-byte file left behind"
  [ "$(cat "$work/keep.ospy")" = 'keep me' ] || fail "no agent: the file that was there was changed"
  # The program cannot be run (its file is open for writing: exec fails with
  # ETXTBSY, after the output was created): the file goes, unless it was there.
  cp "$target" "$work/busy" && exec 9>> "$work/busy"
  for out in "$work/new.ospy" "$work/keep.ospy"; do
    "$ospy" capture -q -f ospy_test_add -o "$out" -- "$work/busy" 1 10 > "$work/out" 2> "$work/err"
    rc=$?
    cat "$work/err"
    [ $rc = 126 ] || fail "exec fails: exit $rc, expected 126"
    grep -q 'cannot run .*busy: Text file busy' "$work/err" || fail "exec fails: not said"
  done
  exec 9>&-
  [ -e "$work/new.ospy" ] && fail "exec fails: a $(wc -c < "$work/new.ospy")-byte file left behind"
  [ "$(cat "$work/keep.ospy")" = 'keep me' ] ||
    fail "exec fails: the file that was there was changed (it was emptied to a header)"
  # A statically linked program is refused after the output was opened: the
  # file that was there stays as it was (it was replaced by a header), no
  # file is left beside it
  printf 'int main(void) { return 7; }\n' > "$work/st.c"
  if cc -static -o "$work/st" "$work/st.c" 2>/dev/null; then
    "$ospy" capture -q -f open -o "$work/keep.ospy" -- "$work/st" > /dev/null 2> "$work/err"
    rc=$?
    [ $rc = 1 ] || { cat "$work/err"; fail "static: exit $rc, expected 1"; }
    [ "$(cat "$work/keep.ospy")" = 'keep me' ] || fail "static: the file that was there was changed"
    ls "$work"/keep.ospy.*.tmp 2>/dev/null && fail "static: a file left beside it"
  fi
  # A capture that runs replaces it
  "$ospy" capture -q -f ospy_test_add -o "$work/keep.ospy" -- "$target" 1 10 > /dev/null 2>&1 ||
    fail "the capture over an existing file exited $?"
  "$ospy" show "$work/keep.ospy" | grep -c 'ospy_test_add(' | grep -qx 10 || fail "the capture did not replace the file"
  ls "$work"/keep.ospy.*.tmp 2>/dev/null && fail "a file left beside the capture"
  ;;
chunk-lost)
  # What the first chunks say once (the hooks' module names, the modules,
  # the descriptors' names) survives the loss of any one chunk: the
  # controller repeats it at the start of the chunk after one that changed
  # it. Before, a lost first chunk took the names of every later call with
  # it (qa_add for libqa.so!qa_add: show -e 'libqa.so!qa_add' matched none).
  # A chunk removed whole is a loss too: the next chunk says its place in
  # the capture, so the reader says the gap and takes the repeats (it said
  # nothing and skipped them: a removed first chunk took the names along).
  "$ospy" capture -q --backtrace 1 -f ospy_test_add -f write -o "$cap" -- "$target" 1 200000 \
    > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; fail "chunk-lost: capture failed"; }
  "$ospy" show --backtrace "$cap" | tail -3 > "$work/want"
  grep -q "write(fd=1<$work/out>, " "$work/want" && grep -q 'libc.so.6!' "$work/want" ||
    fail "chunk-lost: the intact capture's last write is not named: $(cat "$work/want")"
  n=$(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); o=16+struct.unpack_from('<I',d,12)[0]+4; k=0
while o+32<=len(d): o+=32+struct.unpack_from('<I',d,o+8)[0]; k+=1
print(k)" "$cap")
  [ "$n" -gt 4 ] || fail "chunk-lost: only $n chunks"
  for k in 0 1 2 rm0 rm1; do
    python3 - "$cap" "$work/z.ospy" $k <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off, k = 16 + struct.unpack_from('<I', d, 12)[0] + 4, sys.argv[3]
for _ in range(int(k.lstrip('rm'))):
    off += 32 + struct.unpack_from('<I', d, off + 8)[0]
end = off + 32 + struct.unpack_from('<I', d, off + 8)[0]
if k.startswith('rm'):
    del d[off:end]                  # removed
else:
    d[off:end] = bytes(end - off)   # zeroed
open(sys.argv[2], 'wb').write(d)
PY
    "$ospy" show --backtrace "$work/z.ospy" > "$work/show" 2> "$work/serr" && fail "chunk $k: the lost chunk is not reported"
    case $k in
    rm*) grep -q "a chunk is missing before offset [0-9]* (chunk ${k#rm} of the capture): " "$work/serr" ||
           { cat "$work/serr"; fail "chunk $k: the removed chunk is not said"; } ;;
    *)   grep -q "the damage before offset [0-9]* cost 1 chunk of the capture: " "$work/serr" ||
           { cat "$work/serr"; fail "chunk $k: what the damage cost is not said"; } ;;
    esac
    calls=$(grep -c 'ospy_test_add(' "$work/show")
    named=$("$ospy" show -e 'libospytest.so!ospy_test_add' "$work/z.ospy" 2> /dev/null | grep -c 'ospy_test_add(')
    echo "chunk $k lost: $named of $calls calls named libospytest.so!ospy_test_add; $(tail -1 "$work/serr")"
    [ "$calls" -gt 100000 ] && [ "$named" = "$calls" ] ||
      fail "chunk $k lost: $named of the $calls calls left named by their module"
    tail -3 "$work/show" | cmp -s - "$work/want" ||
      fail "chunk $k lost: the last write's descriptor or backtrace lost its name: $(tail -3 "$work/show")"
    # repeats are not shown: no second process start, no module loaded twice
    [ "$(grep -c '+++ process started' "$work/show")" -le 1 ] || fail "chunk $k lost: a repeat was shown"
  done
  # an intact capture shows each once
  "$ospy" show "$cap" > "$work/show"
  [ "$(grep -c '+++ process started' "$work/show")" = 1 ] &&
    [ "$(grep -c -- '--- loaded .*libc.so.6' "$work/show")" = 1 ] || fail "chunk-lost: repeats shown in an intact capture"
  ;;
attach)
  "$target" 3 1000 sleep "$work/go" > "$work/out" &
  tp=$!
  wait_for "$work/out" '^pid='
  # a stopped process, or one another tracer holds, is refused before the
  # output is touched (an existing capture was emptied, then the attach
  # failed; a stopped one was "attached" with nothing recorded)
  printf 'keep me' > "$work/keep.ospy"
  kill -STOP $tp
  # (the stop lands when the target next runs: on a loaded machine, later
  # than ospy's look at its state; wait until every thread shows it)
  for _ in $(seq 100); do
    stopped=1
    for t in /proc/$tp/task/*; do
      case $(sed 's/.*) //' "$t/stat" 2>/dev/null) in T*) ;; *) stopped=0 ;; esac
    done
    [ $stopped = 1 ] && break
    sleep 0.05
  done
  timeout -k 5 20 "$ospy" capture -q -f ospy_test_add -o "$work/keep.ospy" -p $tp 2> "$work/err"
  rc=$?
  kill -CONT $tp
  [ $rc = 2 ] && grep -q "is stopped" "$work/err" || { cat "$work/err" >&2; fail "a stopped process was not refused"; }
  python3 -c 'import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(0x4206, int(sys.argv[1]), 0, 0) != 0: sys.exit("PTRACE_SEIZE: " + os.strerror(ctypes.get_errno()))
print("seized", flush=True); time.sleep(3)' $tp > "$work/tracer" &
  tracer=$!
  wait_for "$work/tracer" '^seized'
  timeout -k 5 20 "$ospy" capture -q -f ospy_test_add -o "$work/keep.ospy" -p $tp 2> "$work/err"
  rc=$?
  kill $tracer; wait $tracer 2>/dev/null
  [ $rc = 2 ] && grep -q "already traced by process $tracer" "$work/err" ||
    { cat "$work/err" >&2; fail "a traced process was not refused"; }
  [ "$(cat "$work/keep.ospy")" = 'keep me' ] || fail "a refused attach touched the output file"
  "$ospy" capture -q -f ospy_test_add -o "$cap" -p $tp > "$work/cout" 2> "$work/err" &
  ctl=$!
  wait_for "$cap" 'ospy_test_add'
  i=0
  while ! "$ospy" show "$cap" 2>/dev/null | grep -q 'hooks installed'; do
    i=$((i + 1)); [ $i -gt 3000 ] && { cat "$work/err" >&2; fail "agent never reported ready"; }
    kill -0 $ctl 2>/dev/null || { cat "$work/err" >&2; fail "ospy capture -p ended early"; }
    sleep 0.01
  done
  # a second capture of the same process is refused before its -o file is
  # touched (it was truncated: the file of the capture running)
  echo keep > "$work/keep.ospy"
  "$ospy" capture -q -f ospy_test_add -o "$work/keep.ospy" -p $tp 2> "$work/err2"
  rc=$?
  touch "$work/go" # (the target ends whatever follows)
  [ $rc = 2 ] || fail "a second attach was not refused"
  grep -q "already being captured (by ospy, process $ctl)" "$work/err2" || fail "second attach: $(cat "$work/err2")"
  [ "$(cat "$work/keep.ospy")" = keep ] || fail "a refused attach changed its -o file"
  touch "$work/go"
  wait $tp || fail "the attached target did not exit normally"
  wait $ctl
  [ "$(said "$work/out")" = 3000 ] || fail "target did not finish"
  [ "$(calls_in "$cap")" = 3000 ] || fail "attach: expected 3000 calls, found $(calls_in "$cap")"
  # attaching and detaching while the process sleeps in nanosleep and poll
  # must not cut those short: threads asleep in a system call are not
  # signalled to install or remove hooks (poll would return EINTR)
  "$target" 1 0 sleepers > "$work/out2" &
  tp=$!
  wait_for "$work/out2" '^pid='
  "$ospy" capture -q -f ospy_test_add --duration 0.3 -o "$cap" -p $tp 2> "$work/err" ||
    { cat "$work/err" >&2; fail "attach to the sleepers failed"; }
  wait $tp
  grep -q '^nanosleep=0 poll=0$' "$work/out2" || fail "sleeps cut short by the attach: $(tail -1 "$work/out2")"
  # an attached process that ends while recorded: ospy exits with its status,
  # as for a program it started, and at once, though its parent has not
  # reaped it yet (a zombie: kill(pid, 0) still succeeded, for seconds)
  cat > "$work/die.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((noinline)) int work(int x) { volatile int r = x; return r + 1; }
int main(int argc, char **argv) {
  for (int i = 0; access(argv[2], F_OK) != 0; i++) { work(i); usleep(5000); }
  if (!strcmp(argv[1], "abort")) abort();
  if (!strcmp(argv[1], "kill")) raise(SIGKILL); /* unseen by its agent */
  return 7;
}
C
  cc -O1 -o "$work/die" "$work/die.c" || fail "cannot build die"
  for how in exit abort kill; do
    rm -f "$work/die-go" "$work/die.ospy"
    sh -c "'$work/die' $how '$work/die-go' & exec sleep 3" &
    sh_pid=$!
    i=0
    while ! dp=$(pgrep -n -x die -P $sh_pid); do
      i=$((i + 1)); [ $i -gt 500 ] && fail "die did not start"; sleep 0.01
    done
    "$ospy" capture -q -f work -o "$work/die.ospy" -p $dp 2> "$work/err" &
    ctl=$!
    i=0
    while ! "$ospy" show "$work/die.ospy" 2>/dev/null | grep -q 'work('; do
      i=$((i + 1)); [ $i -gt 3000 ] && { touch "$work/die-go"; fail "die: no call recorded"; }
      sleep 0.01
    done
    touch "$work/die-go"
    wait $ctl
    rc=$?
    want=7; [ $how = abort ] && want=134; [ $how = kill ] && want=137
    [ $rc = $want ] || fail "-p, the process ended ($how): ospy exited $rc, expected $want: $(cat "$work/err")"
    grep -q Z "/proc/$dp/stat" 2>/dev/null || fail "die ($how) was reaped before ospy noticed: the check proves nothing"
    [ $how != kill ] || "$ospy" show "$work/die.ospy" | grep -q '+++ killed by SIGKILL +++' ||
      fail "-p, SIGKILL: no ProcessExit from the zombie's status"
    wait $sh_pid
  done
  # an attach while another is still injecting (the handover socket named
  # after the pid is taken: held here by python) says so
  sleep 30 &
  sp=$!
  python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind("\0ospy-attach-" + sys.argv[1]); print("bound", flush=True); time.sleep(30)' $sp \
    > "$work/bound" &
  py=$!
  wait_for "$work/bound" bound
  "$ospy" capture -q -f nanosleep -o "$work/other.ospy" -p $sp 2> "$work/err3"
  rc=$?
  kill $py $sp
  [ $rc = 2 ] && grep -q 'another ospy is attaching to this process right now' "$work/err3" ||
    fail "attach during another's injection: exit $rc: $(cat "$work/err3")"
  # a process whose C library and executable were deleted since it started
  # (a libc6 upgrade under a running daemon): attached through the mapping's
  # /proc/PID/map_files entry, and its module still has its name
  libc=$(ldd "$target" | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
  mkdir -p "$work/lib" && cp "$libc" "$work/lib/" && cp "$target" "$work/tdel" || fail "cannot copy libc"
  rm -f "$work/go"
  LD_LIBRARY_PATH="$work/lib:${LD_LIBRARY_PATH:-}" "$work/tdel" 2 500 sleep "$work/go" > "$work/out3" &
  tp=$!
  wait_for "$work/out3" '^pid='
  rm "$work/lib/libc.so.6" "$work/tdel"
  grep -q 'libc.so.6 (deleted)' /proc/$tp/maps || fail "the copied libc is not the one mapped"
  "$ospy" capture -q -f ospy_test_add -f 'tdel!worker' -o "$work/del.ospy" -p $tp > /dev/null 2> "$work/err" &
  ctl=$!
  i=0
  while ! "$ospy" show "$work/del.ospy" 2>/dev/null | grep -q 'hooks installed'; do
    i=$((i + 1)); [ $i -gt 3000 ] && { cat "$work/err" >&2; kill $tp; fail "deleted libc: agent never reported ready"; }
    kill -0 $ctl 2>/dev/null || { cat "$work/err" >&2; kill $tp; fail "deleted libc: ospy capture -p ended early"; }
    sleep 0.01
  done
  touch "$work/go"
  wait $tp || fail "the target with a deleted libc did not exit normally"
  wait $ctl
  [ "$(calls_in "$work/del.ospy")" = 1000 ] ||
    fail "deleted libc and executable: $(calls_in "$work/del.ospy") of 1000 calls: $(cat "$work/err")"
  [ "$("$ospy" show "$work/del.ospy" | grep -c 'tdel!worker(')" = 2 ] ||
    fail "deleted executable: its worker threads: $("$ospy" show "$work/del.ospy" | grep -E 'worker|error')"
  ;;
attach-busy)
  # attach to 16 threads that call the hooked function without pause, through a
  # 1 MiB ring: the ring fills as soon as the hooks go live, and the controller
  # must drain at once (when the hooks went live inside the injected dlopen,
  # it did not drain while injecting: ospy and the target hung). Three rounds.
  for round in 1 2 3; do
    rm -f "$work/stop"
    "$target" 16 0 spin "$work/stop" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^pid='
    timeout -k 5 60 "$ospy" capture -q -f ospy_test_add --ring-size 1 --duration 0.5 -o "$cap" \
      -p $tp 2> "$work/err"
    rc=$?
    touch "$work/stop"
    wait $tp || fail "round $round: the target did not exit normally"
    [ $rc = 0 ] || { cat "$work/err" >&2; fail "round $round: ospy capture -p exited $rc (124: hung)"; }
    grep -q '^spun=[1-9]' "$work/out" || fail "round $round: target output: $(cat "$work/out")"
    [ "$(calls_in "$cap")" -gt 0 ] || fail "round $round: no call recorded"
    "$ospy" show "$cap" | grep -q 'hooks installed' || fail "round $round: no 'hooks installed'"
  done
  ;;
attach-before-hooks)
  # A capture shorter than the installation of its hooks (1640 libc hooks
  # into 8 busy threads on 2 CPUs take 3-12 s; here OSPY_TEST_INSTALL_DELAY_MS
  # holds the agent's first control thread before it installs). The
  # controller used to leave after 2 s, saying nothing, the agent still at
  # its hooks, and the next attaches exited 2 with "the agent was loaded but
  # never asked for the event ring" until it was through. Now the controller
  # says it stopped before the hooks were in and waits for the agent to put
  # them in and take them out; an attach right after it succeeds. A
  # controller killed while it waits: the next attach waits for the agent.
  tp= ctl=
  trap 'kill $tp $ctl 2>/dev/null; rm -rf "$work"' EXIT # (a spinning target outlives a failure)
  for how in waited killed; do
    rm -f "$work/stop" "$work/err1" "$work/err2"
    OSPY_TEST_INSTALL_DELAY_MS=4000 "$target" 1 0 spin "$work/stop" > "$work/out" &
    tp=$!
    give_up() { touch "$work/stop"; wait $tp; fail "$how: $*"; }
    wait_for "$work/out" '^pid='
    echo "$how: ospy capture -f ospy_test_add --duration 0.2 -p PID (the agent installs 4 s late)"
    "$ospy" capture -q -f ospy_test_add --duration 0.2 -o "$work/first.ospy" -p $tp \
      2> "$work/err1" &
    ctl=$! # (itself, not a timeout: killed below)
    said='stopped before the agent had installed its hooks: waiting for it'
    i=0
    while ! grep -q "$said" "$work/err1" && kill -0 $ctl 2>/dev/null && [ $i -lt 3000 ]; do
      i=$((i + 1)); sleep 0.01
    done
    grep -q "$said" "$work/err1" ||
      give_up "the first attach did not say it stopped before the hooks: $(cat "$work/err1")"
    if [ $how = killed ]; then
      kill -9 $ctl
      wait $ctl 2> /dev/null
    else
      wait $ctl || give_up "the first attach exited $?: $(cat "$work/err1")"
      "$ospy" show "$work/first.ospy" > "$work/show1"
      grep -q 'warning: controller: the capture stopped before the agent had installed its hooks' \
        "$work/show1" || { cat "$work/show1" >&2; give_up "no Warning in the capture"; }
      grep -q 'agent: detached, hooks removed' "$work/show1" ||
        { cat "$work/show1" >&2; give_up "the first capture ended before the hooks were removed"; }
    fi
    echo "$how: at once, a second attach"
    timeout -k 5 60 "$ospy" capture -q -f ospy_test_add --duration 0.5 -o "$cap" -p $tp 2> "$work/err2"
    rc=$?
    [ $rc = 0 ] || give_up "the second attach exited $rc: $(cat "$work/err2")"
    if [ $how = killed ]; then
      grep -q 'the agent of the previous capture is still [a-z]* its hooks: waiting for it' \
        "$work/err2" || give_up "the second attach did not say it waited: $(cat "$work/err2")"
    fi
    # (grep -q: not the whole `ospy show` of the millions of calls a spinning thread makes)
    "$ospy" show "$cap" 2> /dev/null | grep -q 'ospy_test_add(' ||
      give_up "the second attach recorded no call"
    "$ospy" show "$cap" | grep -q 'hooks installed' || give_up "second attach: no 'hooks installed'"
    touch "$work/stop"
    wait $tp || fail "$how: the target did not exit normally"
    grep -q '^spun=[1-9]' "$work/out" || fail "$how: target output: $(cat "$work/out")"
  done
  echo "attach-before-hooks: the first capture waited for its agent and said so; the second attach succeeded (also after the first was killed)" ;;
stop-group-signal)
  # `timeout` (like a closed terminal, or kill -- -PGID) signals ospy and the
  # program it started alike: the program's death by that signal is
  # recorded, not "detached" (ospy stopped recording first, and the capture
  # ended as if it had left the program running). A SIGTERM to ospy alone
  # still leaves the program running, detached, and passes its status on.
  echo "timeout -s TERM 1 ospy capture -- target (spinning)"
  timeout -s TERM 1 "$ospy" capture -q -f ospy_test_add -o "$cap" -- "$target" 1 0 spin \
    "$work/stop" > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc = 124 ] || { cat "$work/err" >&2; fail "timeout: exit $rc, expected timeout's 124"; }
  "$ospy" show "$cap" 2> /dev/null | tail -1 > "$work/last"
  grep -q '+++ killed by SIGTERM +++' "$work/last" ||
    fail "timeout: the capture does not end with the program's death: $(cat "$work/last")"
  echo "kill -TERM (ospy alone), then the program ends by itself"
  rm -f "$work/stop"
  "$ospy" capture -q -f ospy_test_add -o "$cap" -- "$target" 1 0 spin "$work/stop" \
    > "$work/out" 2> "$work/err" &
  ctl=$!
  wait_for "$work/out" '^pid='
  kill -TERM $ctl
  i=0
  while ! "$ospy" show "$cap" 2> /dev/null | grep -q '+++ detached +++' && [ $i -lt 500 ]; do
    i=$((i + 1)); sleep 0.02
  done
  kill -0 $ctl 2> /dev/null || fail "ospy did not wait for the program it left running"
  touch "$work/stop"
  wait $ctl
  rc=$?
  [ $rc = 0 ] || { cat "$work/err" >&2; fail "SIGTERM to ospy alone: exit $rc, expected the program's 0"; }
  "$ospy" show "$cap" 2> /dev/null | tail -1 | grep -q '+++ detached +++' ||
    fail "SIGTERM to ospy alone: not detached: $("$ospy" show "$cap" 2>&1 | tail -1)"
  grep -q '^spun=[1-9]' "$work/out" || fail "the program did not run on: $(cat "$work/out")"
  echo "stop-group-signal: a death by the group's SIGTERM recorded; a SIGTERM to ospy alone detaches" ;;
attach-fp)
  # The thread ptrace interrupts to inject the agent gets its vector
  # registers back: a loop keeping doubles in xmm registers computed a wrong
  # block (inf, or a pointer's bits) across the attach. x86-64 and i386 (SSE
  # math); three attaches each.
  cat > "$work/fp.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
__attribute__((noinline)) long fp_tick(long n) { __asm__ volatile(""); return n * 3 + 1; }
__attribute__((noinline, noipa)) static double block(long n) {
  double a0 = 1.0, a1 = 1.1, a2 = 1.2, a3 = 1.3, a4 = 1.4, a5 = 1.5, a6 = 1.6, a7 = 1.7;
  for (long i = 0; i < n; i++) {
    a0 = a0 * 0.9999999 + a1 * 1e-7; a1 = a1 * 0.9999998 + a2 * 2e-7; a2 = a2 * 0.9999997 + a3 * 3e-7;
    a3 = a3 * 0.9999996 + a4 * 4e-7; a4 = a4 * 0.9999995 + a5 * 5e-7; a5 = a5 * 0.9999994 + a6 * 6e-7;
    a6 = a6 * 0.9999993 + a7 * 7e-7; a7 = a7 * 0.9999992 + a0 * 8e-7;
  }
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}
int main(int argc, char **argv) {
  volatile long n = 200000;
  volatile double ref = block(n);
  long blocks = 0, bad = 0;
  printf("pid=%d\n", 0); fflush(stdout);
  time_t t0 = time(NULL);
  /* until the test says stop (argv[2] exists), or argv[1] seconds */
  while (time(NULL) - t0 < atoi(argv[1]) && (argc < 3 || access(argv[2], F_OK) != 0)) {
    volatile double r = block(n);
    bad += r != ref;
    fp_tick(++blocks);
  }
  printf("blocks=%ld bad=%ld\n", blocks, bad);
  return bad != 0;
}
C
  cc -O2 -o "$work/fp64" "$work/fp.c" || fail "cc"
  arches=64
  cc -m32 -O2 -msse2 -mfpmath=sse -o "$work/fp32" "$work/fp.c" 2>/dev/null && [ -n "$agent32" ] &&
    [ -f "$agent32" ] && "$work/fp32" 0 > /dev/null && arches="64 32"
  for bits in $arches; do
    # (runs until the attaches are done: a fixed 5 s ended it before the
    # third attach on a loaded machine)
    rm -f "$work/fp-stop"
    "$work/fp$bits" 120 "$work/fp-stop" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^pid='
    for round in 1 2 3; do
      sleep 0.3
      "$ospy" capture -q -f fp_tick --duration 0.3 -o "$cap" -p $tp 2> "$work/err" ||
        { cat "$work/err" >&2; touch "$work/fp-stop"; fail "$bits-bit: attach $round failed"; }
    done
    sleep 0.3
    touch "$work/fp-stop"
    wait $tp
    trc=$?
    grep -q '^blocks=[1-9][0-9]* bad=0$' "$work/out" && [ $trc = 0 ] ||
      fail "$bits-bit: blocks computed wrong across the attaches: $(tail -1 "$work/out")"
  done
  echo "attach-fp: $arches-bit, three attaches, every block right" ;;
attach-main-busy)
  # attach while the main thread (the one ptrace stops to inject the agent)
  # calls the function without pause: hooks installed from inside the
  # injected call covered the bytes it had been stopped in, and its restored
  # registers sent it into the middle of the jump (i386: it ran another
  # function's code, or hung). x86-64 and, when it runs, i386; 4 rounds each.
  cc -O1 -pthread -o "$work/mainloop64" "$srcdir/target_mainloop.c" || fail "cc"
  arches=64
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O1 -pthread -o "$work/mainloop32" "$srcdir/target_mainloop.c" 2>/dev/null &&
     "$work/mainloop32" 0 > /dev/null; [ $? = 3 ]; then
    arches="64 32"
  fi
  for bits in $arches; do
    for round in 1 2 3 4; do
      # 3 s: the attach must be done (exit hooked) before the target exits,
      # or its status is lost to the shell, which reaps it. (Two CI runs lost
      # it though the hooks were in: the exit record waited in the ring
      # behind a record a worker the exit killed never finished; see
      # e2e-unfinished-record.)
      attach_mainloop "$bits" "$bits-bit round $round"
      grep -q '^main made [1-9]' "$work/out" || fail "$bits-bit round $round: $(cat "$work/out")"
      "$ospy" show "$cap" | grep -q "^[0-9:.]* \[$tp\] mainloop$bits!busy_add(" ||
        fail "$bits-bit round $round: no call of the main thread recorded"
    done
  done
  # workers that block every signal (the one ospy stops threads with too)
  # cannot be stopped: a hook whose jump covers two of busy_add's
  # instructions is refused with the reason, not installed over a thread
  # that may stand between them (i386 programs crashed)
  for bits in $arches; do
    attach_mainloop "$bits" "$bits-bit masked" masked
    "$ospy" show "$cap" | grep -q "error: mainloop$bits!busy_add: cannot hook: .*a thread that blocks the signal ospy stops threads with" ||
      { "$ospy" show "$cap" | grep -E 'error|busy_add' | head -5 >&2; fail "$bits-bit masked: no refusal naming the unstoppable thread"; }
  done
  echo "attach-main-busy: $arches-bit, 4 rounds each, the main thread unharmed; unstoppable workers refused" ;;
attach-restart)
  # Attach after attach while the main thread (the one ptrace interrupts to
  # inject the agent) sleeps in poll or clock_nanosleep, calls the kernel
  # restarts when the thread resumes with no handler to run: let go at once,
  # the thread took the agent's signal (it stops the threads not asleep in a
  # system call, to install the hooks) on its way back into the call, and
  # the kernel ended the call with EINTR instead (from the second or third
  # attach on, every time). The program installs no signal handler: each
  # call of both threads must time out. 8 attaches, each begun and ended
  # inside one poll of the main thread, then 8 inside one clock_nanosleep,
  # begun as the call begins (6 s each): none while a call ends (a poll
  # whose timeout runs out as the hooks go in or out can still end with
  # EINTR: docs/reliability.md). x86-64 and, when it runs, i386.
  cc -O1 -pthread -o "$work/restart64" "$srcdir/target_restart.c" || fail "cc"
  arches=64
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O1 -pthread -o "$work/restart32" "$srcdir/target_restart.c" 2>/dev/null &&
     "$work/restart32" 1 / > /dev/null; then
    arches="64 32"
  fi
  main_calls() { grep -c '^\[main\]' "$work/out"; }
  cut_short() { grep 'resumed>.*) = [^0]' "$work/out" | head -n 1; }
  give_up() { kill $tp 2>/dev/null; fail "$@"; }
  for bits in $arches; do
    rm -f "$work/stop"
    "$work/restart$bits" 6000 "$work/stop" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^\[main\] poll('
    round=0 in_poll=0 in_sleep=0
    while [ $in_poll -lt 8 ] || [ $in_sleep -lt 8 ]; do
      calls=$(main_calls)
      case $(grep '^\[main\]' "$work/out" | tail -n 1) in
        '[main] poll('*) kind=poll inside=$in_poll ;;
        '[main] clock_nanosleep('*) kind=sleep inside=$in_sleep ;;
        *) sleep 0.01; continue ;; # (between two calls)
      esac
      while [ $inside -lt 8 ] && [ "$(main_calls)" = "$calls" ]; do
        round=$((round + 1))
        [ $round -le 100 ] || give_up "$bits-bit: 100 attaches, only $in_poll inside one poll and $in_sleep inside one clock_nanosleep"
        timeout -k 5 30 "$ospy" capture -q -f tick --duration 0.1 -o "$cap" -p $tp 2> "$work/err" ||
          { cat "$work/err" >&2; give_up "$bits-bit: attach $round failed"; }
        [ -z "$(cut_short)" ] || give_up "$bits-bit, attach $round: $(cut_short)"
        "$ospy" show "$cap" | grep -q 'agent: hooks installed' ||
          give_up "$bits-bit, attach $round: no 'hooks installed'"
        [ "$(main_calls)" = "$calls" ] && inside=$((inside + 1)) # (else the call ended meanwhile)
      done
      if [ $kind = poll ]; then in_poll=$inside; else in_sleep=$inside; fi
      while [ "$(main_calls)" = "$calls" ]; do sleep 0.05; done # the call's end, unattached
    done
    touch "$work/stop"
    wait $tp
    trc=$?
    [ -z "$(cut_short)" ] || fail "$bits-bit, after the attaches: $(cut_short)"
    [ $trc = 0 ] && tail -n 1 "$work/out" | grep -q '^+++ exited with 0 +++$' ||
      fail "$bits-bit: the program ended with $trc: $(tail -n 1 "$work/out")"
    echo "attach-restart: $bits-bit: $round attaches, $in_poll inside one poll of the main thread and $in_sleep inside one clock_nanosleep; all $(grep -c 'resumed>' "$work/out") calls of both threads timed out"
  done ;;
attach-forked)
  # A process that forks after an attach, its child living on: the next
  # attach to it was refused ("already being captured (by ospy, process
  # CHILD)"): the agent kept the ring mapped and open after the detach, the
  # child inherited it, and any process holding the ring counted as the
  # capture running. Likewise after a -F capture during which it forked:
  # parent and child each named the other. Now the ring is given back at
  # the detach and only an ospy controller holding it counts: both attach
  # again, and the child of the -F capture (its copy of the hooks still in)
  # is recorded with its arguments decoded.
  cat > "$work/forker.c" <<'C'
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
__attribute__((noinline)) int tick(int n) { volatile int r = n; return r + 1; }
int main(int argc, char **argv) {
  int i = 0;
  printf("pid=%d\n", getpid()); fflush(stdout);
  while (access(argv[1], F_OK) != 0) { tick(i++); usleep(10000); }
  pid_t c = fork();
  if (c == 0) { printf("child=%d\n", getpid()); fflush(stdout); }
  while (access(argv[2], F_OK) != 0) { tick(i++); usleep(10000); }
  if (c > 0) waitpid(c, NULL, 0);
  return 0;
}
C
  cc -O1 -o "$work/forker" "$work/forker.c" || fail "cc"
  tp= kid=
  trap 'kill $tp $kid 2>/dev/null; rm -rf "$work"' EXIT
  # attach: the capture (one pid) records tick calls of pid $1, decoded
  attach_records() { # PID LABEL
    timeout -k 5 30 "$ospy" capture -q -f tick --duration 0.3 -o "$cap" -p $1 2> "$work/err" ||
      fail "$2: attach to $1 failed: $(cat "$work/err")"
    "$ospy" show "$cap" > "$work/show"
    grep -q "^[0-9:.]* \[$1\] forker!tick(" "$work/show" ||
      { cat "$work/show" >&2; fail "$2: no call of $1 recorded"; }
    grep -q 'not a values blob' "$work/show" && { cat "$work/show" >&2; fail "$2: calls recorded undecoded"; }
    echo "$2: attached to $1: $(grep -c 'tick(' "$work/show") calls"
  }
  for follow in "" -F; do
    rm -f "$work/fork" "$work/stop"
    "$work/forker" "$work/fork" "$work/stop" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^pid='
    label="fork ${follow:-after} the capture"
    if [ -z "$follow" ]; then
      attach_records $tp "$label"
      touch "$work/fork"
      wait_for "$work/out" '^child='
    else
      label="fork during a -F capture"
      "$ospy" capture -q -F -f tick -o "$work/f.ospy" -p $tp 2> "$work/ferr" &
      ctl=$!
      i=0
      while ! "$ospy" show "$work/f.ospy" 2>/dev/null | grep -q 'hooks installed'; do
        i=$((i + 1)); [ $i -gt 3000 ] && fail "$label: the agent never installed its hooks"
        sleep 0.01
      done
      touch "$work/fork"
      wait_for "$work/out" '^child='
      kid=$(sed -n 's/^child=//p' "$work/out")
      i=0
      while ! "$ospy" show "$work/f.ospy" 2>/dev/null | grep -q "\[$kid\] forker!tick("; do
        i=$((i + 1)); [ $i -gt 3000 ] && fail "$label: the child's calls were not recorded"
        sleep 0.01
      done
      kill -INT $ctl
      wait $ctl || fail "$label: the -F capture exited $?: $(cat "$work/ferr")"
    fi
    kid=$(sed -n 's/^child=//p' "$work/out")
    attach_records $tp "$label: the parent"
    attach_records $kid "$label: the child"
    attach_records $kid "$label: the child again"
    attach_records $tp "$label: the parent again"
    touch "$work/stop"
    wait $tp || fail "$label: the program ended with $?"
  done ;;
attach-memory)
  # Each attach left megabytes in the process: 5.7 MiB per attach of
  # --preset files,net on x86-64 (each of some 200 compiled expressions
  # kept a 32 KiB node array), and every spec table stayed. Now expressions
  # keep their own size, and a spec table is freed at the attach after next
  # (the hook tables stay: a thread asleep in a call a detached hook saw
  # still points at them): 6 attaches to a process that sleeps; from the
  # 2nd attach to the 6th, its resident size grows by at most 256 KiB per
  # attach (measured: under 100 KiB, the hook tables and plan's hooks the
  # agent keeps, and the heap they fragment). x86-64 and i386.
  printf '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n' > "$work/sleeper.c"
  cc -O1 -o "$work/sleeper64" "$work/sleeper.c" || fail "cc"
  arches=64
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 -O1 -o "$work/sleeper32" "$work/sleeper.c" 2>/dev/null &&
     timeout 1 "$work/sleeper32"; [ $? = 124 ]; then
    arches="64 32"
  fi
  tp=
  trap 'kill $tp 2>/dev/null; rm -rf "$work"' EXIT
  rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$tp/status; }
  for bits in $arches; do
    "$work/sleeper$bits" &
    tp=$!
    sizes=
    for round in 1 2 3 4 5 6; do
      timeout -k 5 60 "$ospy" capture -q --preset files,net --duration 0.2 -o "$cap" -p $tp 2> "$work/err" ||
        fail "$bits-bit: attach $round failed: $(cat "$work/err")"
      sizes="$sizes $(rss)"
    done
    kill $tp
    set -- $sizes
    per=$(( ($6 - $2) / 4 ))
    echo "attach-memory: $bits-bit: VmRSS after each attach (KiB):$sizes: $per KiB per attach from the 2nd on"
    [ $per -le 256 ] || fail "$bits-bit: the process grew $per KiB per attach (at most 256)"
  done ;;
attach-refused)
  # Processes the agent cannot go into are refused with the reason, exit 2,
  # before anything is injected: a kernel thread and a zombie ("cannot read
  # /proc/N/exe: No such file or directory" before), a process in another
  # PID namespace (the agent named its socket by the pid it sees itself by,
  # 1) or network namespace (abstract sockets are per namespace): injected,
  # both were said "the agent was loaded but never asked for the event
  # ring", the agent left loaded.
  refused() { # PID LABEL WANTED-TEXT
    printf 'keep' > "$work/keep.ospy"
    timeout -k 5 30 "$ospy" capture -q -f read --duration 0.3 -o "$work/keep.ospy" -p $1 2> "$work/err"
    rc=$?
    echo "$2: exit $rc: $(cat "$work/err")"
    [ $rc = 2 ] && grep -qF -- "$3" "$work/err" || fail "$2: not refused saying '$3'"
    [ "$(cat "$work/keep.ospy")" = keep ] || fail "$2: the output file was touched"
    ! grep -q libospy-agent /proc/$1/maps 2>/dev/null || fail "$2: the agent was loaded"
  }
  kthread=$(for p in /proc/[0-9]*; do
    [ "$(sed 's/.*) //' $p/stat 2>/dev/null | cut -d' ' -f7)" ] && [ $(( $(sed 's/.*) //' $p/stat | cut -d' ' -f7) & 0x200000 )) != 0 ] &&
      echo ${p#/proc/} && break
  done)
  if [ -n "$kthread" ]; then
    refused $kthread "kernel thread" "process $kthread is a kernel thread"
  else
    echo "no kernel thread visible here: that part skipped"
  fi
  sh -c 'sleep 0.01 & echo $! > "$1"; exec sleep 30' sh "$work/zpid" &
  parent=$!
  wait_for "$work/zpid" .
  z=$(cat "$work/zpid")
  i=0
  until grep -q '^State:.*Z' /proc/$z/status 2>/dev/null; do
    i=$((i + 1)); [ $i -le 500 ] || fail "the zombie never came"; sleep 0.01
  done
  refused $z zombie "process $z has exited (a zombie, not yet reaped by its parent)"
  kill $parent
  if [ "$(id -u)" = 0 ] && unshare --pid --fork true 2>/dev/null && unshare --net true 2>/dev/null; then
    unshare --pid --fork sleep 30 &
    ns=$!
    i=0
    while ! inner=$(pgrep -x sleep -P $ns); do
      i=$((i + 1)); [ $i -le 500 ] || fail "no process in the PID namespace"; sleep 0.01
    done
    refused $inner "another PID namespace" "process $inner runs in another PID namespace (where it is process 1)"
    kill -9 $inner; wait $ns
    unshare --net sleep 30 &
    net=$!
    i=0
    until [ "$(readlink /proc/$net/exe)" = "$(command -v sleep | xargs readlink -f)" ]; do
      i=$((i + 1)); [ $i -le 500 ] || fail "no process in the network namespace"; sleep 0.01
    done
    refused $net "another network namespace" "process $net runs in another network namespace"
    kill $net; wait $net
  else
    echo "not root, or no unshare: the namespace parts skipped"
  fi ;;
attach-stopped)
  # Ctrl-\ (SIGQUIT) killed ospy -p with a core, the agent left to find its
  # controller gone: it detaches, as Ctrl-C does. A process stopped
  # (SIGSTOP) when the capture ends cannot take its hooks out: ospy waited
  # up to 30 s saying only "waiting for the agent to remove its hooks"; it
  # says the process is stopped, and ends once it is continued.
  printf '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n' > "$work/sleeper.c"
  cc -O1 -o "$work/sleeper" "$work/sleeper.c" || fail "cc"
  "$work/sleeper" &
  tp=$!
  trap 'kill -CONT $tp 2>/dev/null; kill $tp 2>/dev/null; rm -rf "$work"' EXIT
  hooks_in() { # CTL
    i=0
    while ! "$ospy" show "$cap" 2>/dev/null | grep -q 'hooks installed'; do
      i=$((i + 1)); [ $i -gt 3000 ] && fail "the agent never installed its hooks"
      kill -0 $1 2>/dev/null || fail "ospy ended early: $(cat "$work/err")"
      sleep 0.01
    done
  }
  # (a background job of sh starts with SIGINT and SIGQUIT ignored: as from a terminal here)
  env --default-signal=INT,QUIT "$ospy" capture -q -f pause -o "$cap" -p $tp 2> "$work/err" &
  ctl=$!
  hooks_in $ctl
  kill -QUIT $ctl
  wait $ctl
  rc=$?
  [ $rc = 0 ] || fail "SIGQUIT: ospy exited $rc: $(cat "$work/err")"
  "$ospy" show "$cap" | grep -q '+++ detached +++' || fail "SIGQUIT: not detached"
  echo "attach-stopped: SIGQUIT to ospy -p: detached, exit 0"
  rm -f "$cap" # (hooks_in reads it)
  env --default-signal=INT,QUIT "$ospy" capture -q -f pause -o "$cap" -p $tp 2> "$work/err" &
  ctl=$!
  hooks_in $ctl
  kill -STOP $tp
  kill -INT $ctl
  wait_for "$work/err" 'waiting for the agent to remove its hooks'
  grep -q 'the process is stopped (SIGSTOP or a terminal.s Ctrl-Z): it removes them once it is continued' "$work/err" ||
    fail "stopped: not said: $(cat "$work/err")"
  kill -CONT $tp
  wait $ctl
  rc=$?
  [ $rc = 0 ] || fail "stopped: ospy exited $rc: $(cat "$work/err")"
  "$ospy" show "$cap" | grep -q 'agent: detached, hooks removed' || fail "stopped: the hooks were not removed once continued"
  echo "attach-stopped: $(cat "$work/err")" ;;
attach-main-exited)
  # -p on a process whose main thread ended with pthread_exit while two
  # others run on calling mix(): its /proc/PID/exe, maps and fd are empty or
  # gone (the main thread is a zombie), and so is /proc/self/... inside it.
  # ospy said "cannot read /proc/PID/exe" and exited 2. Now the agent goes in
  # through a live thread, every call is recorded with its tag read from the
  # heap, a --duration detaches; attached again until the threads end, the
  # process ends (its last thread's exit(0), which the agent's own thread
  # would have kept from ending it) and ospy exits with its status 0, each
  # thread's calls recorded without a gap up to its last. x86-64 and, when it
  # runs, i386.
  cc -O1 -pthread -o "$work/mainexit64" "$srcdir/target_mainexit.c" || fail "cc"
  arches=64
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O1 -pthread -o "$work/mainexit32" "$srcdir/target_mainexit.c" 2>/dev/null &&
     "$work/mainexit32" / > /dev/null; then
    arches="64 32"
  fi
  cat > "$work/mix.xml" <<'X'
<?xml version="1.0"?>
<hookManager>
  <specs><functions>
    <function name="mix">
      <returnValue type="UInt32" hex="true"/>
      <arguments>
        <argument name="tag" direction="in" type="AsciiStringPtr"/>
        <argument name="i" direction="in" type="Int32"/>
      </arguments>
    </function>
  </functions></specs>
  <hooks><module name="*"><function specId="mix"/></module></hooks>
</hookManager>
X
  give_up() { touch "$work/stop"; kill $tp 2>/dev/null; fail "$@"; }
  # each thread's recorded i: one a line, for thread tag $1
  indices() { grep "mix(tag=\"$1\"" "$work/show" | sed 's/.*, i=\([0-9]*\)).*/\1/'; }
  for bits in $arches; do
    rm -f "$work/stop"
    "$work/mainexit$bits" "$work/stop" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^pid='
    i=0
    until grep -q '^State:.*Z' /proc/$tp/status 2>/dev/null; do
      i=$((i + 1)); [ $i -le 500 ] || give_up "$bits-bit: the main thread did not end"; sleep 0.01
    done
    echo "attach-main-exited: $bits-bit: process $tp, main thread a zombie, threads $(ls /proc/$tp/task | tr '\n' ' ')"
    timeout -k 5 30 "$ospy" capture -q -c "$work/mix.xml" -p $tp --duration 1 -o "$cap" 2> "$work/err"
    rc=$?
    [ $rc = 0 ] || { cat "$work/err" >&2; give_up "$bits-bit: ospy -p with --duration exited $rc"; }
    "$ospy" show "$cap" > "$work/show"
    grep -q 'agent: hooks installed' "$work/show" && grep -q 'agent: detached, hooks removed' "$work/show" ||
      { cat "$work/show" >&2; give_up "$bits-bit: no 'hooks installed' and 'detached, hooks removed'"; }
    for t in t0-heap t1-heap; do
      [ "$(indices $t | wc -l)" -gt 0 ] || { cat "$work/show" >&2; give_up "$bits-bit: no call of $t recorded with its tag"; }
    done
    ! grep 'mix(' "$work/show" | grep -v 'mix(tag="t[01]-heap", i=' | grep -q . ||
      give_up "$bits-bit: a call without its tag: $(grep 'mix(' "$work/show" | grep -v 'tag="t' | head -n 1)"
    ! grep -q "\[$tp:$tp\] .*mix(" "$work/show" || give_up "$bits-bit: a call in the ended main thread"
    echo "attach-main-exited: $bits-bit: --duration 1: $(grep -c 'mix(' "$work/show") calls of both threads recorded with their tags, detached"
    # attached until the process ends
    "$ospy" capture -c "$work/mix.xml" -p $tp -o "$cap" 2> "$work/err" &
    op=$!
    wait_for "$work/err" 'mix(tag="t1-heap"'
    wait_for "$work/err" 'mix(tag="t0-heap"'
    touch "$work/stop"
    wait_for "$work/out" '^thread 1 calls='
    wait_for "$work/out" '^thread 0 calls='
    # (the threads have said their last; alone, the process ends at once)
    i=0
    while [ "$(ls /proc/$tp/task 2>/dev/null | wc -l)" -gt 1 ] || kill -0 $op 2>/dev/null; do
      i=$((i + 1))
      [ $i -le 3000 ] || { kill $op; give_up "$bits-bit: 30 s after its threads ended, the process has threads $(ls /proc/$tp/task | tr '\n' ' ')and ospy is $(kill -0 $op 2>/dev/null && echo still attached || echo gone)"; }
      sleep 0.01
    done
    wait $tp
    trc=$?
    wait $op
    rc=$?
    [ $trc = 0 ] && [ $rc = 0 ] || { tail -n 5 "$work/err" >&2; fail "$bits-bit: the process ended with $trc, ospy with $rc (both 0 expected)"; }
    [ "$(grep -c 'calls=[0-9]* bad=0$' "$work/out")" = 2 ] || fail "$bits-bit: the threads said $(cat "$work/out")"
    "$ospy" show "$cap" > "$work/show"
    tail -n 1 "$work/show" | grep -q "\[$tp\] +++ exited with 0 +++" ||
      { tail -n 3 "$work/show" >&2; fail "$bits-bit: the capture does not end with the process's exit 0"; }
    for id in 0 1; do
      made=$(sed -n "s/^thread $id calls=\([0-9]*\) .*/\1/p" "$work/out")
      first=$(indices t$id-heap | head -n 1) last=$(indices t$id-heap | tail -n 1) n=$(indices t$id-heap | wc -l)
      [ -n "$first" ] && [ "$last" = $((made - 1)) ] && [ "$n" = $((last - first + 1)) ] ||
        fail "$bits-bit: thread $id made calls 0..$((made - 1)); recorded $n, i=$first..$last"
      echo "attach-main-exited: $bits-bit: thread $id: calls $first..$last of its $made recorded, none missing, the last included"
    done
  done ;;
unfinished-record)
  # A thread the process's exit kills in the middle of writing a record
  # (OSPY_TEST_STALL_RECORD keeps one there until the exit) left its room in
  # the ring reserved and never committed; the controller stopped at it, and
  # every record after it in its lane was lost: the main thread's calls and,
  # attached, the process's exit (ospy could not tell its status once the
  # shell reaped it). --ring-size 4: one lane, shared by both threads.
  OSPY_TEST_STALL_RECORD=ospy_test_add "$ospy" capture -q --ring-size 4 -f ospy_test_add \
    -o "$cap" -- "$target" 1 500 unfinished > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc = 3 ] || { cat "$work/err" >&2; fail "spawned: ospy exited $rc, not the program's 3"; }
  [ "$(said "$work/out")" = 500 ] || fail "spawned: the program did not finish: $(cat "$work/out")"
  [ "$(calls_in "$cap")" = 500 ] ||
    fail "spawned: expected the main thread's 500 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" > "$work/show"
  grep -q 'warning: controller: threads ended .* in the middle of writing records' "$work/show" ||
    fail "spawned: no warning about the unfinished record"
  tail -n 1 "$work/show" | grep -q '+++ exited with 3 +++' || fail "spawned: the exit is not last"
  cap=$work/attached.ospy # (not the file above, which says "hooks installed" already)
  OSPY_TEST_STALL_RECORD=ospy_test_add "$target" 1 500 unfinished "$work/go" > "$work/out" &
  tp=$!
  wait_for "$work/out" '^pid='
  "$ospy" capture -q --ring-size 4 -f ospy_test_add -o "$cap" -p $tp 2> "$work/err" &
  ctl=$!
  i=0
  while ! "$ospy" show "$cap" 2>/dev/null | grep -q 'hooks installed'; do
    i=$((i + 1)); [ $i -gt 3000 ] && { kill $tp; cat "$work/err" >&2; fail "attached: agent never reported ready"; }
    kill -0 $ctl 2>/dev/null || { kill $tp; cat "$work/err" >&2; fail "attached: ospy ended early"; }
    sleep 0.01
  done
  touch "$work/go"
  wait $tp
  trc=$?
  wait $ctl
  rc=$?
  [ $trc = 3 ] || fail "attached: the program ended with $trc, not 3: $(cat "$work/out")"
  [ $rc = 3 ] || { cat "$work/err" >&2; fail "attached: ospy exited $rc, not the program's 3"; }
  [ "$(calls_in "$cap")" = 500 ] ||
    fail "attached: expected the main thread's 500 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" | grep -q '+++ exited with 3 +++' || fail "attached: no ProcessExit with 3"
  # -F: a followed child killed while its thread wrote a record leaves that
  # slot unfinished while the parent records on, more than the lane holds:
  # the controller passes the slot once its writer is gone (the parent's
  # calls waited for room for ever before), and counts it lost
  cap=$work/child.ospy
  OSPY_TEST_STALL_RECORD=ospy_test_store timeout -k 5 120 "$ospy" capture -q -F --ring-size 4 \
    -f ospy_test_add,ospy_test_store -o "$cap" -- "$target" 1 200000 unfinished-child > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc = 0 ] || { cat "$work/err" >&2; fail "-F child: ospy exited $rc (124: it hung), not 0"; }
  grep -q '^child 3, calls=200000$' "$work/out" || fail "-F child: the program said $(cat "$work/out")"
  [ "$(calls_in "$cap")" = 200000 ] ||
    fail "-F child: expected the parent's 200000 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" > "$work/show"
  grep -q 'warning: controller: thread [0-9]* died in the middle of writing a record' "$work/show" ||
    fail "-F child: no warning about the passed record"
  grep -q -- '--- lost 1 event' "$work/show" || fail "-F child: the passed record is not counted lost"
  grep -- '--- lost' "$work/show" | grep -q -- '--lossy' && fail "-F child: a lossless capture's lost line names --lossy"
  echo "unfinished-record: spawned and attached, the records after the unfinished one kept; -F: a dead child's record passed" ;;
failed-install)
  # Installing the hooks fails once (OSPY_TEST_FAIL_INSTALL=1: as when a
  # thread of the program cannot be stopped): tried again, the calls are all
  # recorded; it fails twice: an Error names the hook, and the program runs
  # on unharmed. The agent used to ignore the failure: its listeners stayed
  # inert, nothing was recorded and nothing said so.
  OSPY_TEST_FAIL_INSTALL=1 run_capture 0 -- "$target" 1 100
  [ "$(said "$work/out")" = 100 ] || fail "once: the program said $(cat "$work/out")"
  [ "$(calls_in "$cap")" = 100 ] || fail "once: expected 100 calls, found $(calls_in "$cap")"
  OSPY_TEST_FAIL_INSTALL=2 run_capture 0 -- "$target" 1 100
  [ "$(said "$work/out")" = 100 ] || fail "twice: the program said $(cat "$work/out")"
  [ "$(calls_in "$cap")" = 0 ] || fail "twice: expected no call, found $(calls_in "$cap")"
  "$ospy" show "$cap" | grep -q 'error: [^ ]*ospy_test_add: cannot hook: installing it failed: ' ||
    { "$ospy" show "$cap" >&2; fail "twice: no error names the hook"; }
  echo "failed-install: retried once, then reported" ;;
i386)
  [ -n "$agent32" ] || { echo "skip: built without -Dagent32_path (no i386 agent)"; exit 77; }
  [ -f "$agent32" ] || { echo "skip: i386 agent $agent32 not built"; exit 77; }
  mkdir -p "$work/lib32"
  cc -m32 -shared -fPIC -o "$work/lib32/libospytest.so" "$srcdir/testlib.c" 2>/dev/null &&
    cc -m32 -o "$work/target32" "$srcdir/target.c" -L"$work/lib32" -lospytest -pthread \
      -Wl,-rpath,"$work/lib32" 2>/dev/null || { echo "skip: no -m32 toolchain"; exit 77; }
  "$work/target32" 1 1 > /dev/null 2>&1 || { echo "skip: this kernel cannot run i386 programs"; exit 77; }
  run_capture 0 -- "$work/target32" 2 1000
  [ "$(calls_in "$cap")" = 2000 ] || fail "i386: expected 2000 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" | grep -q '32-bit' || fail "i386: ProcessStart does not say 32-bit"
  run_capture 0 -F -- "$work/target32" 1 10 fork
  [ "$(calls_in "$cap")" = 20 ] || fail "i386 -F: expected 20 calls, found $(calls_in "$cap")"
  "$ospy" show "$cap" | grep -q '+++ exited with 5 +++' || fail "i386 -F: no ProcessExit 5 for the child"
  # -F from a 64-bit shell into an i386 program: each ld.so loads the agent
  # of its architecture (no "wrong ELF class" in the program's stderr); the
  # i386 one says why it does not record with the 64-bit definitions
  TMPDIR=$work "$ospy" capture -q -F -f ospy_test_add -o "$cap" -- sh -c "'$work/target32' 1 10; echo st=\$?" \
    > "$work/out" 2> "$work/err" || fail "i386 under -F: ospy failed"
  grep -q '^st=0$' "$work/out" || fail "i386 under -F: the program did not run"
  # (-q shows warnings only: the i386 agent's, no loader error)
  grep -v 'warning: agent: this 32-bit program is not recorded: the capture.s definitions are for 64-bit programs' \
    "$work/err" | grep -q . && { cat "$work/err" >&2; fail "i386 under -F: something else wrote to stderr"; }
  "$ospy" show "$cap" | grep -q 'this 32-bit program is not recorded' ||
    fail "i386 under -F: no warning that the program is not recorded"
  ls -d "$work"/ospy-agents.* 2>/dev/null | grep -q . && fail "the -F agent directory was left behind"
  "$ospy" capture -q --preset proc -f ospy_test_jump -o "$cap" -- "$work/target32" 1 0 noreturn \
    > /dev/null 2>&1
  [ $? = 3 ] || fail "i386 no-return: exit status"
  "$ospy" show "$cap" > "$work/show"
  [ "$(grep -c 'ospy_test_jump(.*) = ?$' "$work/show")" = 1 ] || fail "i386: the call left by longjmp is missing"
  [ "$(grep -c 'execv(' "$work/show")" = 1 ] || fail "i386: the failed execv is not there once"
  grep -q 'exit(status=3) = ?$' "$work/show" || fail "i386: exit(3) is not recorded"
  exit_inside "$work/target32"
  coro_close "$work/target32"
  other_threads_end "$work/target32"
  other_threads_exec "$work/target32"
  jump_return "$work/target32"
  follow_lost_ring "$work/target32"
  overflow_accounted "cc -m32"
  # a 64-bit result is edx:eax: filters see all of it, not eax alone
  "$ospy" capture -q -f lseek64 -o "$cap" -- "$work/target32" 1 1 seek > "$work/out" 2> "$work/err" ||
    fail "i386 seek: ospy failed"
  grep -q '^seek=-1,4294967301$' "$work/out" || fail "i386 seek: the program's results changed"
  [ "$("$ospy" show --failed "$cap" | grep -c 'lseek64(fd=-1')" = 1 ] ||
    fail "i386: --failed does not see lseek64's -1 (edx:eax)"
  [ "$("$ospy" show --filter 'retval == 0x100000005' "$cap" | grep -c 'lseek64(')" = 1 ] ||
    fail "i386: retval of lseek64 is not the 64-bit value"
  check_moved_fault "$work/target32" "$work/lib32/libospytest.so" 4 # after mov 4(%esp),%eax
  run_capture 0 -- "$work/target32" 8 1 churn 250
  [ "$(calls_in "$cap")" = 2000 ] ||
    fail "i386 thread churn: expected 2000 calls from 2000 threads, found $(calls_in "$cap")"
  ;;
attach-malloc-busy)
  # Attach after attach while the main thread allocates and frees without
  # pause (64 live blocks, sizes past the thread cache: most calls take the
  # arena's lock). The injector stopped that thread wherever it was and made
  # it call dlopen, which allocates: in the middle of malloc, holding the
  # lock, it waited for itself for ever (the process hung, and so did ospy,
  # deaf to Ctrl-C), or, before any other thread existed (malloc takes no
  # lock then), corrupted the heap and crashed. Now it waits for a moment
  # the thread is outside the C library. 12 attaches, each must install the
  # hooks and detach; the program must run on, every block intact, and exit
  # 0 once told. x86-64 and, when it runs, i386.
  cc -O2 -o "$work/mbusy64" "$srcdir/target_mallocbusy.c" || fail "cc"
  arches=64
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O2 -o "$work/mbusy32" "$srcdir/target_mallocbusy.c" 2>/dev/null &&
     touch "$work/stop" && "$work/mbusy32" "$work/stop" > /dev/null; then
    arches="64 32"
  fi
  give_up() { kill -9 $tp 2>/dev/null; fail "$@"; }
  for bits in $arches; do
    rm -f "$work/stop"
    "$work/mbusy$bits" "$work/stop" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^pid='
    for round in 1 2 3 4 5 6 7 8 9 10 11 12; do
      timeout -k 5 30 "$ospy" capture -q -f write --duration 0.2 -o "$cap" -p $tp 2> "$work/err"
      rc=$?
      kill -0 $tp 2>/dev/null || { cat "$work/err" >&2; fail "$bits-bit, attach $round: the program died (ospy exited $rc): $(cat "$work/out")"; }
      [ $rc = 0 ] || { cat "$work/err" >&2; give_up "$bits-bit, attach $round: ospy exited $rc (124, 137: it hung)"; }
      "$ospy" show "$cap" | grep -q 'agent: detached, hooks removed' ||
        give_up "$bits-bit, attach $round: no 'detached, hooks removed'"
    done
    touch "$work/stop"
    i=0
    while kill -0 $tp 2>/dev/null && ! grep -q '^rounds=' "$work/out"; do
      i=$((i + 1)); [ $i -le 3000 ] || give_up "$bits-bit: the program hung (it did not end 30 s after being told)"
      sleep 0.01
    done
    wait $tp
    trc=$?
    [ $trc = 0 ] && grep -q '^rounds=[0-9]* OK$' "$work/out" ||
      fail "$bits-bit: the program ended with $trc: $(cat "$work/out")"
    echo "attach-malloc-busy: $bits-bit: 12 attaches into a main thread busy in malloc and free, each installed and removed its hooks; the program ran on: $(tail -n 1 "$work/out")"
  done ;;
attach-give-up)
  # An injection that must not, or cannot, go on ends with ospy's exit 2 and
  # the process left running:
  #  - the program's only thread spins inside the C library (never in a
  #    system call, never in its own code): no moment to load the agent
  #    safely comes; after 3 s ospy says so. Stopped by Ctrl-C while it
  #    waits for that moment, it ends at once and says so.
  #  - Ctrl-C while the injected dlopen cannot finish (another thread holds
  #    the dynamic loader's lock, in a library constructor that waits): 2 s
  #    later the call is cut short, the thread put back where it was (it
  #    spins on in the program's code), and ospy says the process may be
  #    stuck. ospy ignored SIGINT and SIGTERM there and had to be killed.
  # Each time the program is not traced any more and ends normally once let
  # go. x86-64 and, when it runs, i386.
  arches=64
  cc -O1 -pthread -o "$work/spin64" "$srcdir/target_libcspin.c" &&
    cc -O1 -pthread -o "$work/dlheld64" "$srcdir/target_dlheld.c" -ldl &&
    cc -O1 -shared -fPIC -o "$work/libheld64.so" "$srcdir/target_dlheld_lib.c" || fail "cc"
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O1 -pthread -o "$work/spin32" "$srcdir/target_libcspin.c" 2>/dev/null &&
     cc -m32 -O1 -pthread -o "$work/dlheld32" "$srcdir/target_dlheld.c" -ldl 2>/dev/null &&
     cc -m32 -O1 -shared -fPIC -o "$work/libheld32.so" "$srcdir/target_dlheld_lib.c" 2>/dev/null; then
    arches="64 32"
  fi
  give_up() { kill -9 $tp $op 2>/dev/null; fail "$@"; }
  untraced() { grep -q 'TracerPid:[[:space:]]*0$' /proc/$tp/status || give_up "$bits-bit, $1: the program is still traced"; }
  # waits (bounded) for process $1 to end; its status in $ended
  wait_end() {
    i=0
    while kill -0 $1 2>/dev/null && [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" != Z ]; do
      i=$((i + 1)); [ $i -le 3000 ] || give_up "$bits-bit, $2: process $1 did not end within 30 s"
      sleep 0.01
    done
    wait $1
    ended=$?
  }
  for bits in $arches; do
    op=
    "$work/spin$bits" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^pid='
    timeout -k 5 30 "$ospy" capture -q -f write --duration 0.2 -o "$cap" -p $tp 2> "$work/err"
    rc=$?
    [ $rc = 2 ] && grep -q "no thread of process $tp came to a point where it could load the agent safely" "$work/err" ||
      { cat "$work/err" >&2; give_up "$bits-bit, in the C library: ospy exited $rc, not 2 with 'no thread ... could load the agent safely'"; }
    untraced "in the C library"
    # Ctrl-C while ospy waits for a safe moment: its socket for the agent is
    # open from just before the injection on
    "$ospy" capture -q -f write -o "$cap" -p $tp 2> "$work/err" &
    op=$!
    i=0
    until grep -q "@ospy-attach-$tp\$" /proc/net/unix 2>/dev/null; do
      i=$((i + 1)); [ $i -le 3000 ] || give_up "$bits-bit: ospy never listened for the agent"
      sleep 0.001
    done
    kill -INT $op
    wait_end $op "Ctrl-C while waiting"
    [ $ended = 2 ] && grep -q 'interrupted before the agent was loaded' "$work/err" ||
      { cat "$work/err" >&2; give_up "$bits-bit, Ctrl-C while waiting: ospy exited $ended, not 2 with 'interrupted before the agent was loaded'"; }
    untraced "Ctrl-C while waiting"
    kill -USR1 $tp
    wait_end $tp "in the C library"
    [ $ended = 0 ] && grep -q '^let go OK$' "$work/out" || fail "$bits-bit, in the C library: the program ended with $ended: $(cat "$work/out")"
    echo "attach-give-up: $bits-bit: a thread always inside the C library: no agent loaded, exit 2; Ctrl-C while waiting: exit 2 at once; the program ran on and ended with 0"

    rm -f "$work/release"
    "$work/dlheld$bits" "$work/libheld$bits.so" "$work/release" > "$work/out" &
    tp=$!
    wait_for "$work/out" '^held$'
    "$ospy" capture -q -f write -o "$cap" -p $tp 2> "$work/err" &
    op=$!
    # the injected dlopen waits for the loader's lock: the main thread traced
    # and asleep (it spins otherwise)
    i=0
    until grep -q 'TracerPid:[[:space:]]*[1-9]' /proc/$tp/task/$tp/status 2>/dev/null &&
          [ "$(awk '{print $3}' /proc/$tp/task/$tp/stat)" = S ]; do
      i=$((i + 1)); [ $i -le 3000 ] || give_up "$bits-bit: the injected call never waited"
      sleep 0.01
    done
    kill -INT $op
    wait_end $op "Ctrl-C during the call"
    [ $ended = 2 ] && grep -q 'interrupted while the injected call ran in thread .*the process may be stuck' "$work/err" ||
      { cat "$work/err" >&2; give_up "$bits-bit, Ctrl-C during the call: ospy exited $ended, not 2 with 'interrupted while the injected call ran'"; }
    untraced "Ctrl-C during the call"
    touch "$work/release"
    wait_end $tp "after the library was released"
    [ $ended = 0 ] && grep -q '^loaded after some spins OK$' "$work/out" ||
      fail "$bits-bit, Ctrl-C during the call: the program ended with $ended: $(cat "$work/out")"
    echo "attach-give-up: $bits-bit: Ctrl-C while the injected dlopen waited for the loader's lock: exit 2, the thread put back; the program ran on and ended with 0"
  done ;;
*) fail "unknown case" ;;
esac
exit 0
