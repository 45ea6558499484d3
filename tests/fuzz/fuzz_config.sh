#!/usr/bin/env bash
# Fuzz the config loader with libFuzzer (clang): tests/fuzz/fuzz_config.sh [SECONDS]
# Builds build-fuzz/fuzz_config from the sources (no meson needed), then runs it
# on a copy of the committed corpus for SECONDS (default 60). New crashes are
# written as build-fuzz/crash-*; add interesting inputs to tests/fuzz/corpus/config/.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out" "$out/corpus-config"
[ -f "$out/ospy-config.h" ] || printf '#define OSPY_VERSION "fuzz"\n#define OSPY_ARCH_NAME "x86-64"\n' > "$out/ospy-config.h"
clang -g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
  -Isrc -I"$out" $(pkg-config --cflags libxml-2.0) \
  tests/fuzz/fuzz_config.c src/config/*.c src/plan/plan.c src/plan/spec*.c \
  src/agent/marshal_prepare.c \
  $(pkg-config --libs libxml-2.0) -o "$out/fuzz_config"
cp -n tests/fuzz/corpus/config/* "$out/corpus-config/" 2>/dev/null || true
"$out/fuzz_config" -max_total_time="$secs" -max_len=8192 -timeout=10 \
  -artifact_prefix="$out/" "$out/corpus-config"
