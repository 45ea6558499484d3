#!/usr/bin/env bash
# Fuzz the config loader with libFuzzer (clang): tests/fuzz/fuzz_config.sh [SECONDS] [config|values]
# (`values`: the reader's decoding of values blobs, tests/fuzz/fuzz_values.c)
# Builds build-fuzz/fuzz_config from the sources (no meson needed), then runs it
# on a copy of the committed corpus for SECONDS (default 60). New crashes are
# written as build-fuzz/crash-*; add interesting inputs to tests/fuzz/corpus/config/.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
which=${2:-config}
out=build-fuzz
mkdir -p "$out" "$out/corpus-$which"
[ -f "$out/ospy-config.h" ] || printf '#define OSPY_VERSION "fuzz"\n#define OSPY_ARCH_NAME "x86-64"\n' > "$out/ospy-config.h"
clang -g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
  -Isrc -I"$out" $(pkg-config --cflags libxml-2.0) \
  tests/fuzz/fuzz_$which.c src/config/*.c src/plan/plan.c src/plan/spec*.c src/plan/values*.c \
  src/agent/marshal_prepare.c src/expr/*.c src/arch/x86/x86_writer*.c \
  $(pkg-config --libs libxml-2.0) -o "$out/fuzz_$which"
cp -n tests/fuzz/corpus/$which/* "$out/corpus-$which/" 2>/dev/null || true
"$out/fuzz_$which" -max_total_time="$secs" -max_len=8192 -timeout=10 \
  -artifact_prefix="$out/" "$out/corpus-$which"
