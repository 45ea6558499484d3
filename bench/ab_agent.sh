#!/usr/bin/env bash
# The program thread's CPU per call under two agents, runs interleaved (old,
# new, old, ...), medians: a change to the agent's hot path measured on a
# host whose load moves wall times.
#   bench/ab_agent.sh OLD_AGENT.so NEW_AGENT.so ROUNDS [read]
# e.g. an agent built from main at build-main/src/agent/libospy-agent.so
# against build/src/agent/libospy-agent.so; add(), or read() of 64 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 rounds=$3 mode=${4:-add}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O2 -shared -fPIC -o "$out/libbenchadd.so" bench/capture/add.c
gcc -O2 -o "$out/thread_cpu" bench/capture/thread_cpu.c -L"$out" -lbenchadd -pthread \
  -Wl,-rpath,"$out"
# ospy takes its agent from beside itself (build tree layout): one tree each
for v in old new; do
  mkdir -p "$out/$v/src/cli" "$out/$v/src/agent"
  cp build/src/cli/ospy "$out/$v/src/cli/"
done
cp "$old" "$out/old/src/agent/libospy-agent.so"
cp "$new" "$out/new/src/agent/libospy-agent.so"
if [ "$mode" = read ]; then
  hook=(-f read) args=(1000000 1 read)
else
  hook=(-f 'libbenchadd.so!add') args=(2000000 2)
fi
for _ in $(seq "$rounds"); do
  for v in old new; do
    "$out/$v/src/cli/ospy" capture -q "${hook[@]}" -o "$out/c.ospy" -- "$out/thread_cpu" \
      "${args[@]}" 2>&1 >/dev/null | awk -v v=$v '/^cpu / { print v, $2 }'
  done
done | sort -k1,1 -k2n | awk '
  { n[$1]++; v[$1, n[$1]] = $2; all[$1] = all[$1] " " $2 }
  END { for (k in n) printf "%s: median %s ns a call (%s )\n", k, v[k, int((n[k] + 1) / 2)], all[k] }'
