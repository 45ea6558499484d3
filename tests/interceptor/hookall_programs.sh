#!/bin/sh
# Hook everything, in real programs (issue #2):
#   hookall_programs.sh PRELOAD_LIB WORKLOAD
# PRELOAD_LIB (hookall_preload.c) attaches empty enter+leave callbacks to every
# hookable function of libc.so.6 before main. Each program below runs without
# it and with LD_PRELOAD=PRELOAD_LIB; stdout, stderr and the exit status must
# be the same bytes. The hooked run must also have reported its hooks (so a
# library that silently failed to load cannot pass). First the comparison
# itself is shown to catch a difference in each of the three, a missing
# report, and a sabotaged libc function.
#
# WORKLOAD (hookall_workload.c) is a program of ours built for the same arch.
# An i386 PRELOAD_LIB can only go into i386 programs, and Debian has no i386
# ls, sort or python3 that can be installed beside the amd64 ones
# (coreutils:i386 is Multi-Arch: foreign): the i386 build runs WORKLOAD alone,
# under qemu-i386 where the kernel has no IA32 emulation.
#
# Everything runs with a fixed environment (LC_ALL=C, TZ=UTC,
# PYTHONHASHSEED=0) on inputs this script creates with fixed contents and
# times, or on trees that do not change while the suite runs (/usr/bin,
# /usr/include). `ls -la /` is the exception: / holds /tmp, whose size, link
# count and time change whenever another test makes a directory there (and a
# wider link count realigns every line), and /proc, whose link count follows
# the number of processes, so both are left out of the listing (--ignore). What else may move is run unhooked just before and just
# after the hooked run and must equal one of the two; when / changed in
# between, all three are run again (3 tries). A real difference is in every
# try and still fails.
set -u
lib=$1 workload=$2
case $lib in /*) ;; *) lib=$PWD/$lib ;; esac
case $workload in /*) ;; *) workload=$PWD/$workload ;; esac
work=$(mktemp -d /tmp/ospy-hookall-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT PIPE TERM # meson's timeout: still clean up
runs=$work/runs fixed=$work/fixed
mkdir -p "$runs" "$fixed"
export LC_ALL=C TZ=UTC PYTHONHASHSEED=0
unset LD_PRELOAD OSPY_HOOKALL_SABOTAGE
failures=0 checked=0 skipped=''
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# brief CMD...: the command on one line, cut at 100 characters (the python3 script is long).
brief() { printf '%s' "$*" | tr '\n' ' ' | cut -c1-100; }

# The library's ELF class picks the programs: a 32-bit library can only be
# preloaded into i386 programs (into others ld.so prints an error).
i386=false limit=120
if [ "$(od -An -tx1 -j4 -N1 "$lib" | tr -d ' ')" = 01 ]; then
  i386=true limit=600 # qemu-i386 runs the hooking (Capstone) about 20 times slower
fi

# run DIR [hooked] CMD...: CMD's stdout, stderr and status into DIR (cwd $fixed,
# stdin /dev/null, $limit s at most: a hang shows as status 124). Hooked: preloaded
# into CMD (and the processes it starts), not into timeout.
run() {
  dir=$1; shift
  mkdir -p "$dir"
  rm -f "$dir/report"
  if [ "$1" = hooked ]; then
    shift
    (cd "$fixed" && timeout "$limit" env OSPY_HOOKALL_REPORT="$dir/report" LD_PRELOAD="$lib" \
      "$@" >"$dir/out" 2>"$dir/err" </dev/null)
  else
    (cd "$fixed" && timeout "$limit" "$@" >"$dir/out" 2>"$dir/err" </dev/null)
  fi
  echo $? >"$dir/status"
}

# same A B: the two runs are byte for byte the same (else says how, status 1).
same() {
  for f in status out err; do
    cmp -s "$1/$f" "$2/$f" || { echo "  $f differs:"; diff "$1/$f" "$2/$f" | head -n 20; return 1; }
  done
}

# hooks_reported DIR: the hooked run's processes each reported their hooks
# (more than 1000 libc functions, the transaction committed), and callbacks
# ran (the count written at exit by those that exit through exit()).
hooks_reported() {
  [ -s "$1/report" ] || { echo "  no report: the library did not run"; return 1; }
  grep -q 'transaction:' "$1/report" && { echo "  a transaction failed:"; cat "$1/report"; return 1; }
  awk '/: hooked / { n++; if ($4 <= 1000) bad++ } END { exit !(n > 0 && bad == 0) }' "$1/report" ||
    { echo "  fewer than 1000 hooks:"; cat "$1/report"; return 1; }
  awk '/: callbacks / && $4 > 0 { n++ } END { exit !n }' "$1/report" ||
    { echo "  no callbacks counted:"; cat "$1/report"; return 1; }
}

# check NAME CMD...: CMD unhooked and hooked gives the same bytes and status.
check() {
  name=$1; shift
  checked=$((checked + 1))
  run "$runs/$name.plain" "$@"
  run "$runs/$name.hooked" hooked "$@"
  if same "$runs/$name.plain" "$runs/$name.hooked" && hooks_reported "$runs/$name.hooked"; then
    echo "ok $name (status $(cat "$runs/$name.plain/status"), $(wc -c <"$runs/$name.plain/out") bytes out," \
      "$(wc -c <"$runs/$name.plain/err") err, $(grep -c ': hooked ' "$runs/$name.hooked/report") hooked processes)"
  else
    fail "$name: $(brief "$@")"
  fi
}

# check_moving NAME CMD...: for a CMD whose output may change on its own (ls -la /).
check_moving() {
  name=$1; shift
  checked=$((checked + 1))
  for try in 1 2 3; do
    run "$runs/$name.before" "$@"
    run "$runs/$name.hooked" hooked "$@"
    run "$runs/$name.after" "$@"
    if same "$runs/$name.before" "$runs/$name.hooked" >/dev/null ||
      same "$runs/$name.after" "$runs/$name.hooked" >/dev/null; then
      hooks_reported "$runs/$name.hooked" || break
      echo "ok $name (try $try, $(wc -c <"$runs/$name.hooked/out") bytes out)"
      return
    fi
    same "$runs/$name.before" "$runs/$name.after" >/dev/null || continue # it moved: again
    break
  done
  same "$runs/$name.before" "$runs/$name.hooked"
  fail "$name: $(brief "$@")"
}

# needs PROG...: all installed, else the case is skipped (and listed).
needs() {
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || { skipped="$skipped $p"; return 1; }
  done
}

# ---- the comparison can fail ----
must_differ() {
  what=$1; shift
  run "$runs/self.a" sh -c "$1"
  run "$runs/self.b" sh -c "$2"
  if same "$runs/self.a" "$runs/self.b" >/dev/null; then
    fail "self-check: a difference in $what was not caught"
  fi
}
must_differ stdout 'echo a' 'echo b'
must_differ stderr 'echo a >&2' 'echo b >&2'
must_differ status 'exit 1' 'exit 2'
run "$runs/self.c" sh -c 'echo a' # not preloaded: no report
hooks_reported "$runs/self.c" >/dev/null && fail "self-check: a run without the library passed as hooked"
echo "ok self-check: differences in stdout, stderr, status and a run without the library are caught"

# ---- inputs with fixed contents ----
tree=$fixed/tree
mkdir -p "$tree/sub/deeper" "$tree/empty"
printf 'hello\n' >"$tree/hello.txt"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%d %s\n", i * 7919 % 10007, "row" }' >"$tree/sub/numbers"
head -c 100000 /dev/zero | tr '\0' 'x' >"$tree/sub/deeper/xs"
printf '#!/bin/sh\necho run\n' >"$tree/script.sh"
chmod 755 "$tree/script.sh"
chmod 600 "$tree/hello.txt"
ln -s hello.txt "$tree/link"
mkfifo "$tree/fifo"
# ~20000 lines: words, numbers (some repeated, some negative, some decimals)
awk 'BEGIN { x = 12345
  for (i = 0; i < 20000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    w = sprintf("%c%c%c", 97 + x % 26, 97 + int(x / 26) % 26, 97 + int(x / 676) % 26)
    printf "%s %d %.2f %s\n", w, (x % 2001) - 1000, (x % 99991) / 100, (i % 50 ? "k" i % 977 : "dup")
  } }' >"$fixed/lines"
touch -h -d '2020-02-02 02:02:02' "$tree/link"
find "$fixed" -exec touch -h -d '2020-02-02 02:02:02' {} +

# ---- the programs ----
check workload "$workload"
echo "libc.so.6 hooked by the library (in the workload):"
grep -sE ': (hooked|refused)' "$runs/workload.hooked/report" | head -n 2 | cut -d: -f2- |
  fold -s -w 100 | sed 's/^ */  /'
if $i386; then
  echo "i386: only the workload (no i386 ls, sort, python3 beside the amd64 ones)"
  echo "$checked programs compared, $failures failures"
  [ "$failures" = 0 ]
  exit
fi

if needs ls; then
  check ls-la-tree ls -la --time-style=full-iso "$tree"
  check ls-laR-tree ls -laRi --time-style=full-iso "$tree"
  check ls-la-usr-bin ls -la --time-style=full-iso /usr/bin
  check ls-missing ls -la "$tree/no-such-file"
  check_moving ls-la-root ls -la --ignore=tmp --ignore=proc /
fi

if needs sort; then
  check sort sort lines
  check sort-n sort -n -k2 lines
  check sort-u sort -u -k4,4 lines
  check sort-tmpfiles sort -S 64K -T "$work" -t ' ' -k3,3g -k1,1r lines
  check sort-missing sort no-such-file
fi

needs sha256sum && check sha256sum sha256sum lines tree/sub/numbers tree/sub/deeper/xs
needs tar && check tar-c-t sh -c 'tar cf - --owner=0 --group=0 tree | tar tvf -'
needs gzip && check gzip-roundtrip sh -c 'gzip -9 <lines | tee "$1" | gzip -dc | cmp - lines && sha256sum <"$1"' sh "$work/lines.gz"
needs find && check find find tree -printf '%p %y %s %m %TY\n'
needs awk && check awk awk '{ n[$4]++; s += $2 } END { for (k in n) if (n[k] > 25) print k, n[k]; print "sum", s }' lines
needs sed && check sed sed -n -e 's/^\(a[a-c]\)\([a-z]*\) /\2<\1> /p' -e '/dup$/{=;}' lines
needs grep && check grep-r grep -rn -E 'define +(EOF|BUFSIZ)\b' /usr/include/stdio.h /usr/include/x86_64-linux-gnu/bits
needs grep && check grep-missing grep -r x no-such-dir

# Debian's python3 (the one on PATH may be a shell shim, pyenv's, that runs
# dozens of processes): json, re, hashlib, zlib, sorting, threads, a
# subprocess, a signal handler, libc's qsort calling back into python, fork.
python=/usr/bin/python3
if [ -x "$python" ]; then
  check python3 "$python" -c '
import ctypes, hashlib, json, os, re, signal, subprocess, sys, threading, zlib
rows = [line.split() for line in open("lines")]
data = {"n": len(rows), "top": sorted(rows, key=lambda r: (int(r[1]), r[0]))[:5],
        "words": sorted({r[0] for r in rows if re.fullmatch(r"[a-f][aeiou].", r[0])})}
text = json.dumps(data, sort_keys=True, indent=1)
print(hashlib.sha256(text.encode()).hexdigest(), len(zlib.compress(text.encode(), 9)))
print(json.loads(text)["top"][0], len(data["words"]))
sums = {}
def work(k):
    sums[k] = sum(hashlib.md5(("%d:%d" % (k, i)).encode()).digest()[0] for i in range(20000))
threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(sums.items()))
print(subprocess.run(["/bin/echo", "from", "echo"], capture_output=True, text=True).stdout, end="")
got = []
signal.signal(signal.SIGUSR1, lambda sig, frame: got.append(sig))
os.kill(os.getpid(), signal.SIGUSR1)
cmp = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
arr = (ctypes.c_int * 6)(5, 3, 9, 1, 7, 2)
ctypes.CDLL("libc.so.6").qsort(arr, 6, 4, cmp(lambda a, b: a[0] - b[0]))  # libc calls back into python
pid = os.fork()
if pid == 0:
    os._exit(len(got) + 6)
print("signals", got, "qsort", list(arr), "child", os.waitpid(pid, 0)[1] >> 8)
print("to stderr", file=sys.stderr)
sys.exit(3)
'
else
  skipped="$skipped $python"
fi

# ---- a sabotaged libc function shows in the output ----
# sort (LC_ALL=C) orders lines with memcmp; +1 on its results reorders them.
if needs sort; then
  run "$runs/sabotage.plain" sort lines
  run "$runs/sabotage.hooked" hooked env OSPY_HOOKALL_SABOTAGE=memcmp sort lines
  grep -q sabotaged "$runs/sabotage.hooked/report" || fail "self-check: memcmp could not be sabotaged"
  if same "$runs/sabotage.plain" "$runs/sabotage.hooked" >/dev/null; then
    fail "self-check: sort with a sabotaged memcmp gave the same output"
  else
    echo "ok self-check: sort with memcmp's results off by one (a hook gone wrong) is caught"
  fi
fi

[ -n "$skipped" ] && echo "not installed, skipped:$skipped"
echo "$checked programs compared, $failures failures"
[ "$failures" = 0 ]
