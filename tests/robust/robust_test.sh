#!/bin/sh
# Robustness tests (docs/reliability.md): a hostile or busy target under
# `ospy capture`, faults, and a second uid. Each case asserts exact counts
# against what the target says it did; waits are bounded polls.
#   robust_test.sh CASE OSPY TARGET EXEC SRCDIR
# Loads (environment): OSPY_HAMMER_ITERS (per thread, default 12000: about
# 10 s under capture on 2 cores), OSPY_ATTACH_ROUNDS (default 40: about
# 1 s each on 2 cores; 100 pass too, docs/reliability.md).
set -u
case_name=$1 ospy=$2 target=$3 exec_prog=$4 src=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/ospy-robust-test.XXXXXX")
mnt=
cleanup() {
  [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cap=$work/c.ospy
cfg=$src/robust.xml

fail() { echo "FAIL ($case_name): $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }

# Waits (bounded, no fixed sleeps as synchronisation) until FILE holds PATTERN.
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 3000 ] && fail "timed out waiting for '$2' in $1"
    sleep 0.01
  done
}
said() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" "$1" | tail -n 1; }
# `timeout` bounds a capture that would hang: a deadlock fails instead of
# stalling the suite.
capture() { timeout 240 "$ospy" capture "$@"; }

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
need_root() {
  [ "$(id -u)" = 0 ] || skip "needs root (a second uid, mounts)"
  command -v setpriv > /dev/null || skip "no setpriv"
}

# The signals case with config $1: SIGUSR1 and SIGALRM handlers call robust_mix
# while the main thread runs the hooked robust_work.
signals_round() {
  capture -q -c "$1" -o "$cap" -- "$target" signals 2000 > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc = 0 ] || { cat "$work/out" "$work/err" >&2; fail "exit status $rc"; }
  cat "$work/out"
  "$ospy" show "$cap" > "$work/show" 2> "$work/showerr" || fail "show failed"
  [ "$(said "$work/out" usr1)" = 2000 ] || fail "not every SIGUSR1 was handled"
  work_n=$(grep -c 'robust_work(' "$work/show")
  [ "$work_n" = "$(said "$work/out" work)" ] || fail "robust_work: recorded $work_n, made $(said "$work/out" work)"
  python3 - "$work/show" "$(said "$work/out" usr1)" "$(said "$work/out" alrm)" <<'PY' || fail "handler calls"
import re, sys
usr1 = alrm = lost = 0
bad = []
def fnv(n):
    h = 2166136261
    for i in range(n):
        h = ((h ^ i) * 16777619) & 0xffffffff
    return h
cache = {}
for line in open(sys.argv[1]):
    m = re.search(r'robust_mix\(a=(-?\d+), b=(-?\d+)\) = (-?\d+)', line)
    if m:
        a, b, r = map(int, m.groups())
        if r != 3 * a + b:
            bad.append(line)
        if b == 7:
            usr1 += 1
        elif b == 11:
            alrm += 1
        continue
    m = re.search(r'robust_work\(n=(\d+)\) = (\d+)', line)
    if m:
        n, r = map(int, m.groups())
        if n not in cache:
            cache[n] = fnv(n)
        if r != cache[n]:
            bad.append(line)
        continue
    m = re.search(r'--- lost (\d+) events?', line)
    if m:
        lost += int(m.group(1))
print(f'recorded: usr1 {usr1}, alrm {alrm}, lost {lost}; wrong return values: {len(bad)}')
sys.stdout.writelines(bad[:5])
want = int(sys.argv[2]) + int(sys.argv[3])
sys.exit(0 if not bad and usr1 + alrm + lost == want else 1)
PY
}

case $case_name in
hammer)
  # 16 threads: malloc, write to /dev/null, free, and a pthread_create (+join)
  # every 64 rounds. Only the calls made by the target's own code count
  # (return address in robust-target, recorded with --backtrace 1): libc and
  # ld.so call malloc and free themselves (thread exit, dtv) and those calls
  # are recorded too, but the target cannot count them.
  iters=${OSPY_HAMMER_ITERS:-12000}
  capture -q -c "$src/hammer.xml" --backtrace 1 -o "$cap" -- "$target" hammer 16 "$iters" \
    > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc = 0 ] || { cat "$work/err" >&2; fail "exit status $rc"; }
  "$ospy" show --backtrace "$cap" 2> "$work/showerr" |
    python3 "$src/count_calls.py" /robust-target > "$work/counts" || fail "show failed"
  [ -s "$work/showerr" ] && { cat "$work/showerr" >&2; fail "show complained"; }
  cat "$work/out" "$work/counts"
  [ "$(said "$work/out" bad)" = 0 ] || fail "the target saw wrong results"
  [ "$(said "$work/out" malloc)" = $((16 * iters)) ] || fail "the target did not finish its work"
  for f in malloc free pthread_create write; do
    [ "$(said "$work/counts" $f)" = "$(said "$work/out" $f)" ] ||
      fail "$f: recorded $(said "$work/counts" $f), made $(said "$work/out" $f)"
  done
  [ "$(said "$work/counts" lost)" = 0 ] || fail "events lost in lossless mode"
  ;;
signals)
  # SIGUSR1 from a second thread (2000, each after the last was handled) and
  # SIGALRM every ms land in the main thread, mostly inside the hooked
  # robust_work; the handlers call robust_mix. A handler call made while the
  # thread was inside ospy's own hook code cannot be recorded and is counted
  # as lost: recorded + lost = made, exactly; every recorded return value is
  # right; robust_work (never interrupted by a call) is exact. Twice: with
  # robust_mix logNested, and without: a handler's call is not nested in the
  # robust_work its signal interrupted (recorded; counted lost when it struck
  # inside ospy's hook code, where it was neither before)
  signals_round "$cfg"
  sed 's/ logNested="true"//' "$cfg" > "$work/nonested.xml"
  signals_round "$work/nonested.xml" ;;
forks)
  # 50 children at once, each 20 robust_mix calls with its own marker and its
  # own exit status; one child execs robust-exec from inside the hooked
  # robust_exec, one vforks and execs it; the parent calls too.
  capture -q -F -c "$cfg" -o "$cap" -- "$target" forks 50 20 "$exec_prog" > "$work/out" 2> "$work/err"
  rc=$?
  [ $rc = 0 ] || { cat "$work/out" "$work/err" >&2; fail "exit status $rc"; }
  "$ospy" show "$cap" > "$work/show" 2> "$work/showerr" || fail "show failed"
  [ "$(grep -c '^child ' "$work/out")" = 52 ] || fail "the target did not report 52 children"
  grep '^child \|^parent ' "$work/out" | while read -r _ pid _ marker _ _; do
    n=$(grep -c "\\[$pid\\] librobust.so!robust_mix(a=$marker, " "$work/show")
    [ "$n" = 20 ] || fail "process $pid (marker $marker): $n calls recorded, 20 made"
  done || exit 1
  total=$(grep -c 'robust_mix(' "$work/show")
  [ "$total" = $((52 * 20 + 20)) ] || fail "$total robust_mix calls recorded, $((52 * 20 + 20)) made"
  for m in 2000 3000; do
    grep -q "process started .*robust-exec $m 20 6" "$work/show" || fail "exec'd program (marker $m) not followed"
  done
  # the hooked call that execs never returns: recorded "= ?" once (it was
  # neither recorded nor counted)
  [ "$(grep -c 'robust_exec(.*) = ?$' "$work/show")" = 1 ] ||
    fail "the hooked robust_exec that exec'd is not recorded once, = ?: $(grep 'robust_exec(' "$work/show")"
  echo "forks: 52 children and the parent, 1060 calls, each under its pid; robust_exec = ?"
  ;;
attach-loop)
  # Attach, record 0.1 s, detach: again and again on 2 threads that check
  # every result of the hooked robust_mix and robust_work.
  rounds=${OSPY_ATTACH_ROUNDS:-40}
  "$target" busy 2 "$work/stop" > "$work/out" 2> "$work/terr" &
  tp=$!
  wait_for "$work/out" '^pid='
  i=0
  while [ $i -lt "$rounds" ]; do
    i=$((i + 1))
    capture -q -c "$cfg" --ring-size 1 -p $tp --duration 0.1 -o "$cap" > /dev/null 2> "$work/err" ||
      { cat "$work/err" >&2; kill $tp; fail "attach $i: ospy failed"; }
    "$ospy" show "$cap" > "$work/show" 2> "$work/showerr" ||
      { cat "$work/showerr" >&2; kill $tp; fail "attach $i: capture unreadable"; }
    grep -q 'agent: hooks installed' "$work/show" || { kill $tp; fail "attach $i: no agent"; }
    grep -q 'robust_mix(' "$work/show" || { kill $tp; fail "attach $i: no calls recorded"; }
    grep -q '+++ detached +++' "$work/show" || { kill $tp; fail "attach $i: not detached"; }
    grep -q 'corrupt' "$work/show" && { kill $tp; fail "attach $i: corrupt"; }
  done
  touch "$work/stop"
  wait $tp
  rc=$?
  cat "$work/out"
  [ $rc = 0 ] || { cat "$work/terr" >&2; fail "the target exited with $rc after $rounds attaches"; }
  grep -q '^busy done checks=[1-9][0-9]* bad=0$' "$work/out" || fail "the target's output is wrong"
  echo "attach-loop: $rounds attach/detach rounds"
  ;;
disk-full)
  # The capture file on a 4 MiB tmpfs; the target writes 3000 x 4 KiB of
  # random bytes (hooked write, 64 KiB value cap): about 12 MiB to record.
  need_root
  mnt=$work/small
  mkdir "$mnt"
  mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null || { mnt=; skip "cannot mount a tmpfs"; }
  capture -q -c "$cfg" -o "$mnt/c.ospy" -- "$target" spam 3000 7 > "$work/out" 2> "$work/err"
  rc=$?
  cat "$work/err"
  [ $rc = 7 ] || fail "ospy exited with $rc, expected the program's 7"
  grep -q '^spam done writes=3000 bad=0$' "$work/out" || fail "the target did not finish"
  grep -q "$mnt/c.ospy: write: No space left on device" "$work/err" || fail "no clear error"
  "$ospy" show "$mnt/c.ospy" > "$work/show" 2> "$work/showerr"
  rc=$?
  cat "$work/showerr"
  [ $rc = 0 ] || fail "show exited with $rc on a capture cut by a full disk"
  grep -q 'cut short' "$work/showerr" || fail "the cut is not reported"
  grep -q 'corrupt' "$work/showerr" && fail "a chunk is corrupt"
  n=$(grep -c 'libc.so.6!write(fd=3' "$work/show")
  [ "$n" -gt 100 ] && [ "$n" -lt 3000 ] || fail "$n writes read back"
  # the summary counts what the file holds (it counted calls of the chunk cut
  # off too), and says the error once (it was said twice)
  grep -q "^ospy: $n calls recorded (then the file could not be written" "$work/err" ||
    fail "summary: $(tail -1 "$work/err"), $n calls in the file"
  [ "$(grep -c 'No space left on device' "$work/err")" = 1 ] || fail "the error was said more than once"
  echo "disk-full: $n of 3000 calls in the complete chunks, as the summary says"
  # no room even for the header: refused, the program not run, and no empty
  # file left behind (a 0-byte one was)
  cat /dev/zero > "$mnt/fill" 2> /dev/null
  capture -q -c "$cfg" -o "$mnt/d.ospy" -- "$target" spam 1 7 > "$work/out" 2> "$work/err"
  rc=$?
  cat "$work/err"
  [ $rc = 2 ] || fail "a capture with no room for its header: exit $rc, expected 2"
  grep -q "$mnt/d.ospy: No space left on device" "$work/err" || fail "no room at start: no clear error"
  [ -s "$work/out" ] && fail "no room at start: the program ran"
  [ -e "$mnt/d.ospy" ] && fail "no room at start: $(wc -c < "$mnt/d.ospy")-byte file left behind"
  echo "disk-full at start: refused, no file left"
  ;;
scribble)
  # The target writes a committed slot with a lying record into the ring,
  # then makes 200000 calls (a 1 MiB ring fills many times over).
  capture -q -c "$cfg" --ring-size 1 -o "$cap" -- "$target" scribble 200000 > "$work/out" 2> "$work/err"
  rc=$?
  cat "$work/err"
  [ $rc = 0 ] || fail "exit status $rc"
  grep -q '^scribble done calls=200100 bad=0$' "$work/out" || fail "the target did not finish"
  grep -q 'the event ring was corrupted by the target' "$work/err" || fail "not reported"
  "$ospy" show "$cap" > "$work/show" 2> "$work/showerr" || fail "show failed"
  grep -q -- '--- error: controller: the event ring was corrupted by the target (' \
    "$work/show" || fail "no Error event in the capture"
  n=$(grep -c 'robust_mix(a=[0-9]*, b=1)' "$work/show")
  [ "$n" = 100 ] || fail "the 100 calls before the scribble: $n recorded"
  ;;
file-mode)
  umask 022
  capture -q -c "$cfg" -o "$cap" -- "$target" spam 1 0 > /dev/null 2>&1 || fail "capture failed"
  [ "$(stat -c %a "$cap")" = 600 ] || fail "new capture file has mode $(stat -c %a "$cap")"
  chmod 644 "$cap"
  capture -q -c "$cfg" -o "$cap" -- "$target" spam 1 0 > /dev/null 2>&1 || fail "capture failed"
  [ "$(stat -c %a "$cap")" = 600 ] || fail "overwritten capture file has mode $(stat -c %a "$cap")"
  ;;
ring-other-uid)
  # The ring is a memfd: no name in /dev/shm; another uid can reach it only
  # through /proc/PID/fd or the mapping, and the kernel refuses both.
  need_root
  chmod 755 "$work"
  ls /dev/shm > "$work/shm-before"
  "$ospy" capture -q -F -c "$cfg" -o "$cap" -- "$target" after "$work/go" 10 > "$work/out" 2> "$work/err" &
  ctl=$!
  wait_for "$work/out" '^pid='
  tp=$(said "$work/out" pid)
  found=0
  for p in $ctl $tp; do
    for fd in /proc/$p/fd/*; do
      case $(readlink "$fd") in
      *memfd:ospy-ring*)
        found=$((found + 1))
        head -c 16 "$fd" > /dev/null || fail "root cannot read $fd (test broken)"
        as_nobody head -c 16 "$fd" > /dev/null 2> "$work/nerr" && fail "uid 65534 read the ring through $fd"
        grep -q 'Permission denied' "$work/nerr" || { cat "$work/nerr"; fail "unexpected error for $fd"; }
        ;;
      esac
    done
  done
  [ $found = 2 ] || fail "expected the ring in the controller and in the target (-F), found $found"
  as_nobody head -c 16 /proc/$tp/mem > /dev/null 2>&1 && fail "uid 65534 opened /proc/$tp/mem"
  ls /proc/$tp/map_files > /dev/null 2>&1 || fail "root cannot list map_files (test broken)"
  as_nobody ls /proc/$tp/map_files > /dev/null 2>&1 && fail "uid 65534 listed /proc/$tp/map_files"
  ls /dev/shm > "$work/shm-during"
  cmp -s "$work/shm-before" "$work/shm-during" || fail "the ring has a name in /dev/shm"
  # nor through ospy's socket for followed programs that lost their
  # descriptor: it hands the ring only to the processes of the capture (the
  # program ospy started and its descendants), not to uid 65534 nor to root
  # from outside; the socket is there (the connection succeeds)
  cat > "$work/ask.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int n = snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "ospy-ring-%s", argc > 1 ? argv[1] : "");
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
    perror("connect");
    return 1;
  }
  char byte, ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { &byte, 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  puts(recvmsg(s, &m, 0) > 0 && CMSG_FIRSTHDR(&m) ? "got a descriptor" : "refused");
  return 0;
}
C
  cc -o "$work/ask" "$work/ask.c" || fail "cannot build the socket client"
  as_nobody "$work/ask" $ctl > "$work/asked" 2>&1 || { cat "$work/asked"; fail "uid 65534 could not reach ospy's socket (test broken)"; }
  [ "$(cat "$work/asked")" = refused ] || fail "uid 65534 asked ospy's socket for the ring: $(cat "$work/asked")"
  "$work/ask" $ctl > "$work/asked" 2>&1 || { cat "$work/asked"; fail "root could not reach ospy's socket (test broken)"; }
  [ "$(cat "$work/asked")" = refused ] || fail "root, outside the capture, asked ospy's socket for the ring: $(cat "$work/asked")"
  touch "$work/go"
  wait $ctl || fail "capture failed"
  grep -q '^after done calls=10 bad=0$' "$work/out" || fail "target did not finish"
  ;;
attach-other-uid)
  # root attaches to a process of uid 65534: the agent took the ring only
  # from a controller of its own uid, and root's was refused ("the agent was
  # loaded but never asked for the event ring", the agent left loaded). Root
  # may trace it anyway (and -F hands root's ring to such processes): its
  # calls are recorded, and ospy ends with its status.
  need_root
  chmod 755 "$work"
  as_nobody "$target" after "$work/go" 10 > "$work/out" 2>&1 &
  sub=$! # (a subshell: as_nobody is a function)
  wait_for "$work/out" '^pid='
  tp=$(said "$work/out" pid)
  [ "$(stat -c %u /proc/$tp)" = 65534 ] || fail "the target does not run as uid 65534 (test broken)"
  echo "ospy capture -c robust.xml -p $tp (uid $(stat -c %u /proc/$tp)), as root"
  capture -q -c "$cfg" -p $tp -o "$cap" > /dev/null 2> "$work/err" &
  ctl=$!
  i=0
  while ! "$ospy" show "$cap" 2>/dev/null | grep -q 'hooks installed'; do
    i=$((i + 1))
    kill -0 $ctl 2>/dev/null && [ $i -lt 3000 ] ||
      { cat "$work/err" >&2; touch "$work/go"; kill $tp; fail "the agent never installed its hooks"; }
    sleep 0.01
  done
  touch "$work/go"
  wait $ctl
  rc=$?
  wait $sub
  [ $rc = 0 ] || { cat "$work/err" >&2; fail "ospy exited with $rc"; }
  grep -q '^after done calls=10 bad=0$' "$work/out" || fail "the target did not finish: $(cat "$work/out")"
  n=$("$ospy" show "$cap" | grep -c 'robust_mix(')
  [ "$n" = 10 ] || fail "$n of the 10 calls of uid 65534's process recorded"
  echo "attach-other-uid: the 10 calls of uid 65534's process recorded by root's ospy"
  ;;
ptrace-denied)
  # ospy as uid 65534 against a root process: the kernel refuses ptrace, ospy
  # says so and fails cleanly; the target is unharmed.
  need_root
  chmod 755 "$work"
  mkdir "$work/nobody" && chmod 777 "$work/nobody"
  "$target" after "$work/go" 10 > "$work/out" 2>&1 &
  tp=$!
  wait_for "$work/out" '^pid='
  as_nobody "$ospy" capture -q -c "$cfg" -p $tp -o "$work/nobody/c.ospy" > "$work/cout" 2> "$work/err"
  rc=$?
  cat "$work/err"
  touch "$work/go"
  wait $tp || fail "the target was harmed"
  [ $rc = 1 ] || [ $rc = 2 ] || fail "ospy exited with $rc"
  grep -q "Operation not permitted\|Permission denied" "$work/err" || fail "the kernel's reason is not given"
  grep -q "$tp" "$work/err" || fail "the error does not name the process"
  grep -q '^after done calls=10 bad=0$' "$work/out" || fail "target did not finish"
  ;;
stop-early)
  # --duration ends the recording of a spawned program that then makes
  # 200000 more calls through a 1 MiB ring nobody reads: the agents stop
  # recording, the program finishes and its status is passed through.
  "$ospy" capture -q -c "$cfg" --ring-size 1 --duration 0.2 -o "$cap" -- \
    "$target" after "$work/go" 200000 > "$work/out" 2> "$work/err" &
  ctl=$!
  i=0
  while ! "$ospy" show "$cap" 2>/dev/null | grep -q '+++ detached +++'; do
    i=$((i + 1)); [ $i -gt 3000 ] && fail "ospy never stopped recording"
    sleep 0.01
  done
  touch "$work/go"
  wait $ctl
  rc=$?
  [ $rc = 0 ] || { cat "$work/err"; fail "exit status $rc"; }
  grep -q '^after done calls=200000 bad=0$' "$work/out" || fail "target did not finish"
  ;;
*) fail "unknown case" ;;
esac
exit 0
