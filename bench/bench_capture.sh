#!/usr/bin/env bash
# ns added per recorded call of add(int, int) (a library function called
# through the PLT), then per recorded read() of 64 bytes, for ospy and the
# tracers a user could pick instead, all measured in one run: median of RUNS
# runs each, per-call slope minus the untraced call.
#   bench/bench_capture.sh [CALLS] [RUNS]      (needs build/ and uftrace, ltrace, strace;
#                                               bpftrace rows when it is installed and works;
#                                               scripts/setup.sh --bench installs them all)
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-1000000}
runs=${2:-5}
ltrace_calls=$((calls / 50))
bpf_calls=$((calls / 10))
ospy=$PWD/build/src/cli/ospy
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
src=bench/capture
gcc -O2 -shared -fPIC -o "$out/libbenchadd.so" $src/add.c
gcc -O2 -o "$out/target" $src/target.c -L"$out" -lbenchadd -pthread -Wl,-rpath,"$out"
gcc -O2 -pg -o "$out/target-pg" $src/target.c -L"$out" -lbenchadd -pthread -Wl,-rpath,"$out"
gcc -O2 -shared -fPIC -o "$out/preload.so" $src/preload.c -ldl
gcc -O2 -o "$out/read_target" $src/read_target.c
gcc -O2 -pg -o "$out/read_target-pg" $src/read_target.c
gcc -O2 -shared -fPIC -o "$out/preload_read.so" $src/preload_read.c -ldl

libc=$(ldd "$out/read_target" | awk '/libc.so.6/ { print $3 }')
# bpftrace with the call count last, as slope() passes it: uprobe + uretprobe
# printing what the other tools record (arguments, return value, the bytes)
printf '%s\n' '#!/bin/sh' \
  "exec bpftrace -o '$out/bpf-add.out' -e 'uprobe:$out/libbenchadd.so:add { printf(\"add(%d, %d)\", arg0, arg1); } uretprobe:$out/libbenchadd.so:add { printf(\" = %d\\n\", retval); }' -c \"$out/target \$1\"" \
  >"$out/bpf_add.sh"
printf '%s\n' '#!/bin/sh' \
  "exec bpftrace -o '$out/bpf-read.out' -e 'uprobe:$libc:read /comm == \"read_target\"/ { @buf[tid] = arg1; @fd[tid] = arg0; } uretprobe:$libc:read /@buf[tid]/ { printf(\"read(%d, %r) = %d\\n\", @fd[tid], buf(@buf[tid], 64), retval); delete(@buf[tid]); delete(@fd[tid]); }' -c \"$out/read_target \$1\"" \
  >"$out/bpf_read.sh"
chmod +x "$out/bpf_add.sh" "$out/bpf_read.sh"
have_bpf=0
if command -v bpftrace >/dev/null 2>&1 && "$out/bpf_add.sh" 10 >/dev/null 2>&1 &&
   [ "$(grep -c '^add(.* = ' "$out/bpf-add.out")" = 10 ]; then
  have_bpf=1
fi

now() { date +%s%N; }
# median wall ns of RUNS runs of the command
median_ns() {
  local ts=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    ts+=($((t1 - t0)))
  done
  printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

# Each tool's cost per call is the slope between a run of CALLS calls and a run
# of 1 call of the same command: start-up and tear-down (ospy: ~80 ms of
# injection, hooking and the final flush) fall out, as they do for the others.
slope() { # label-less: slope CALLS CMD... (the last argument is replaced by the call count)
  local n=$1; shift
  local big small
  big=$(median_ns "$@" "$n")
  small=$(median_ns "$@" 1)
  awk -v b="$big" -v s="$small" -v n="$n" 'BEGIN { printf "%.1f", (b - s) / (n - 1) }'
}
bare=$(slope "$calls" "$out/target")
bare_pg=$(slope "$calls" "$out/target-pg")
o_raw=$(slope "$calls" "$ospy" capture -q -f 'libbenchadd.so!add' -o "$out/c1" -- "$out/target")
o_spec=$(slope "$calls" "$ospy" capture -q -c $src/add.xml -o "$out/c2" -- "$out/target")
o_bt=$(slope "$calls" "$ospy" capture -q --backtrace 8 -f 'libbenchadd.so!add' -o "$out/c4" -- "$out/target")
o_rt=$(slope "$calls" "$ospy" capture -q --clock tsc -f 'libbenchadd.so!add' -o "$out/c3" -- "$out/target")
pre=$(slope "$calls" env LD_PRELOAD="$out/preload.so" "$out/target")
uft=$(slope "$calls" uftrace record -d "$out/uftrace.data" -A 'add@arg1/i32,arg2/i32' \
  -R 'add@retval/i32' "$out/target-pg")
ltr=$(slope "$ltrace_calls" ltrace -f -o "$out/ltrace.out" -e add "$out/target")
bpf=-; r_bpf=-; n_bpf=-; n_rbpf=-
if [ $have_bpf = 1 ]; then
  bpf=$(slope "$bpf_calls" "$out/bpf_add.sh")
  "$out/bpf_add.sh" "$bpf_calls" >/dev/null 2>&1
  n_bpf=$(grep -c '^add(.* = ' "$out/bpf-add.out" || true)
fi
# the runs above end with 1-call runs: record CALLS once more to count what each tool saw
"$ospy" capture -q -f 'libbenchadd.so!add' -o "$out/c1" -- "$out/target" "$calls" >/dev/null
"$ospy" capture -q -c $src/add.xml -o "$out/c2" -- "$out/target" "$calls" >/dev/null
uftrace record -d "$out/uftrace.data" -A 'add@arg1/i32,arg2/i32' -R 'add@retval/i32' \
  "$out/target-pg" "$calls" >/dev/null
ltrace -f -o "$out/ltrace.out" -e add "$out/target" "$ltrace_calls" >/dev/null
added() { [ "$1" = - ] && { echo -; return; }; awk -v t="$1" -v b="$2" 'BEGIN { printf "%.1f", t - b }'; }

# every tool really recorded the calls (arguments included)
n_raw=$("$ospy" show "$out/c1" | grep -c 'add(arg0=')
n_spec=$("$ospy" show "$out/c2" | grep -c 'add(a=')
n_uft=$(uftrace replay -d "$out/uftrace.data" 2>/dev/null | grep -c 'add(' || true)
n_ltr=$(grep -c 'add(' "$out/ltrace.out" || true)

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "calls: $calls (ltrace: $ltrace_calls), median of $runs runs, ns added per call"
echo "untraced call: $bare ns (-pg build: $bare_pg ns)"
printf '%-34s %10s %12s\n' tool "ns added" "calls seen"
printf '%-34s %10s %12s\n' "LD_PRELOAD wrapper (lower bound)" "$(added "$pre" "$bare")" "-"
printf '%-34s %10s %12s\n' "ospy -f (raw words)" "$(added "$o_raw" "$bare")" "$n_raw"
printf '%-34s %10s %12s\n' "ospy -c (decoded Int32 a, b, ret)" "$(added "$o_spec" "$bare")" "$n_spec"
printf '%-34s %10s %12s\n' "ospy -f --clock tsc" "$(added "$o_rt" "$bare")" "-"
printf '%-34s %10s %12s\n' "ospy -f --backtrace 8" "$(added "$o_bt" "$bare")" "-"
printf '%-34s %10s %12s\n' "uftrace record -A/-R" "$(added "$uft" "$bare_pg")" "$n_uft"
printf '%-34s %10s %12s\n' "ltrace -f -e add" "$(added "$ltr" "$bare")" "$n_ltr"
printf '%-34s %10s %12s\n' "bpftrace uprobe+uretprobe" "$(added "$bpf" "$bare")" "$n_bpf/$bpf_calls"

# read(fd, buf, 64) from /dev/zero: the buffer's 64 bytes recorded at return
r_bare=$(slope "$calls" "$out/read_target")
r_bare_pg=$(slope "$calls" "$out/read_target-pg")
r_pre=$(slope "$calls" env LD_PRELOAD="$out/preload_read.so" "$out/read_target")
r_ospy=$(slope "$calls" "$ospy" capture -q -f read -o "$out/r1" -- "$out/read_target")
r_uft=$(slope "$calls" uftrace record -d "$out/uftrace-read.data" -A 'read@arg1/i32,arg3/u64' \
  -R 'read@retval/i64' "$out/read_target-pg")
r_str=$(slope "$calls" strace -f -e trace=read -s 64 -o "$out/strace.out" "$out/read_target")
r_ltr=$(slope "$ltrace_calls" ltrace -f -o "$out/ltrace-read.out" -e read "$out/read_target")
if [ $have_bpf = 1 ]; then
  r_bpf=$(slope "$bpf_calls" "$out/bpf_read.sh")
  "$out/bpf_read.sh" "$bpf_calls" >/dev/null 2>&1
  n_rbpf=$(grep -c '^read(.*) = 64$' "$out/bpf-read.out" || true)
fi
"$ospy" capture -q -f read -o "$out/r1" -- "$out/read_target" "$calls" >/dev/null
n_rospy=$("$ospy" show "$out/r1" | grep -c 'read(fd=3, buf="\\x00\\x00.*, count=64) = 64' || true)
echo
echo "read(fd, buf, 64) from /dev/zero: untraced call $r_bare ns (-pg build: $r_bare_pg ns)"
printf '%-34s %10s %12s\n' tool "ns added" "calls seen"
printf '%-34s %10s %12s\n' "LD_PRELOAD wrapper (lower bound)" "$(added "$r_pre" "$r_bare")" "-"
printf '%-34s %10s %12s\n' "ospy -f read (64 bytes decoded)" "$(added "$r_ospy" "$r_bare")" "$n_rospy"
printf '%-34s %10s %12s\n' "uftrace record -A/-R (no bytes)" "$(added "$r_uft" "$r_bare_pg")" "-"
printf '%-34s %10s %12s\n' "strace -e read -s 64" "$(added "$r_str" "$r_bare")" "-"
printf '%-34s %10s %12s\n' "ltrace -e read" "$(added "$r_ltr" "$r_bare")" "-"
printf '%-34s %10s %12s\n' "bpftrace uprobe+uretprobe (bytes)" "$(added "$r_bpf" "$r_bare")" "$n_rbpf/$bpf_calls"

# throughput: 10 x CALLS calls from 2 threads into a compressed capture, lossless
tp=$(median_ns "$ospy" capture -q -f 'libbenchadd.so!add' -o "$out/t1" -- "$out/target" $((calls * 5)) 2)
n_tp=$("$ospy" stats "$out/t1" | awk '/libbenchadd.so!add$/ { print $1 }')
lost=$("$ospy" show "$out/t1" | grep -c -- '--- lost' || true)
echo
awk -v t="$tp" -v n=$((calls * 10)) -v seen="$n_tp" -v lost="$lost" 'BEGIN {
  printf "throughput: %d calls from 2 threads in %.2f s wall, start-up included: %.2f M calls/s (%s recorded, %s Lost records)\n",
    n, t / 1e9, n / t * 1e3, seen, lost }'
