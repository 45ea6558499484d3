#!/usr/bin/env bash
# Differential fuzzing of the expression JIT against the interpreter with
# libFuzzer (clang). Builds tests/fuzz/fuzz_expr.c with ASan/UBSan, runs it
# for SECONDS (default 60) on a copy of the committed seed corpus, and fails
# on the first mismatch or crash (the reproducer is left in build-fuzz/).
#   scripts/fuzz.sh [SECONDS] [--m32]
# --m32 fuzzes the i386 JIT (needs clang's i386 runtime and a kernel that
# runs i386 programs).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=60
m32=()
for a in "$@"; do
  case "$a" in
    --m32) m32=(-m32) ;;
    *) secs=$a ;;
  esac
done
out=build-fuzz${m32:+32}
mkdir -p "$out/corpus"
cp tests/fuzz/corpus/expr/* "$out/corpus/"
clang "${m32[@]}" -std=c17 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -Isrc -Itests/expr \
  tests/fuzz/fuzz_expr.c tests/expr/expr_test_util.c tests/expr/expr_gen.c \
  src/expr/*.c src/arch/x86/x86_writer*.c -o "$out/fuzz_expr"
cd "$out"
./fuzz_expr -max_total_time="$secs" -max_len=512 -timeout=10 \
  -artifact_prefix=./ corpus 2>&1 | tail -n 5
