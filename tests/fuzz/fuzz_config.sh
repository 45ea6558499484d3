#!/usr/bin/env bash
# Fuzz the config loader with libFuzzer (clang):
#   tests/fuzz/fuzz_config.sh [SECONDS] [config|values|capture|osd]
# (`values`: the reader's decoding of values blobs, tests/fuzz/fuzz_values.c;
# `capture`: the capture reader, fuzz_capture.c; `osd`: the .osd importer,
# fuzz_osd.c)
# Builds build-fuzz/fuzz_config from the sources (no meson needed), then runs it
# on a copy of the committed corpus for SECONDS (default 60). New crashes are
# written as build-fuzz/crash-*; add interesting inputs to tests/fuzz/corpus/WHICH/.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
which=${2:-config}
out=build-fuzz
mkdir -p "$out" "$out/corpus-$which"
[ -f "$out/ospy-config.h" ] || printf '#define OSPY_VERSION "fuzz"\n#define OSPY_ARCH_NAME "x86-64"\n' > "$out/ospy-config.h"
case $which in
capture) # the capture reader and the text of its records
  srcs="src/capture/reader.c src/capture/reader_header.c src/capture/crc32c.c src/capture/event.c src/capture/format.c
        src/capture/fdnames.c src/capture/fdslots.c src/capture/symbolize.c src/capture/symbolize_dwarf.c
        src/capture/chunk_pack.c src/capture/procmap.c"
  libs="-lzstd -ldw -lelf -lstdc++" ;;
osd) # the .osd importer, events written as JSON Lines
  srcs="src/export/osd_reader.c src/export/osd_input.c src/export/osd_charrefs.c src/export/arena.c src/export/export_event.c
        src/export/sink.c src/export/bz2_block.c src/export/bz2_parallel.c src/export/text.c src/export/jsonl_writer.c src/export/xvalue_builder.c
        src/export/values_bridge.c src/export/printf_text.c src/export/xml_writer.c src/export/osd_sockaddr.c src/export/osd_parsers.c
        src/capture/format.c src/capture/event.c src/capture/fdnames.c src/capture/fdslots.c
        src/capture/symbolize.c src/capture/symbolize_dwarf.c src/capture/procmap.c"
  libs="-lbz2 -ldw -lelf -lstdc++ -lpthread" ;;
*) srcs= libs= ;;
esac
clang -g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
  -Isrc -I"$out" $(pkg-config --cflags libxml-2.0) \
  tests/fuzz/fuzz_$which.c $srcs src/config/*.c src/plan/plan.c src/plan/spec*.c src/plan/values*.c src/plan/cxx_match.c \
  src/agent/marshal_prepare.c src/expr/*.c src/arch/x86/x86_writer*.c \
  $(pkg-config --libs libxml-2.0) $libs -o "$out/fuzz_$which"
cp -n tests/fuzz/corpus/$which/* "$out/corpus-$which/" 2>/dev/null || true
"$out/fuzz_$which" -max_total_time="$secs" -max_len=8192 -timeout=10 \
  -artifact_prefix="$out/" "$out/corpus-$which"
