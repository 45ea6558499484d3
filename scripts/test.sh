#!/usr/bin/env bash
# Runs the whole ospy test suite: x86-64, i386 (-m32) and an ASan/UBSan build,
# then bounded fuzzing runs. Installs what it needs first (scripts/setup.sh --deps).
# Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps || exit 1

fail_setup() { echo "test: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

[ -d build32 ] || meson setup build32 --cross-file scripts/i386-cross.ini -Dcontroller=false >/dev/null ||
  fail_setup "meson setup build32 failed"
[ -d build ] || meson setup build -Dagent32_path="$PWD/build32/src/agent/libospy-agent.so" \
    -Dexpr32_path="$PWD/build32/src/ospy-expr32" >/dev/null ||
  fail_setup "meson setup build failed"
[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
  -Dagent32_path="$PWD/build32/src/agent/libospy-agent.so" -Dexpr32_path="$PWD/build32/src/ospy-expr32" \
  >/dev/null || fail_setup "meson setup build-asan failed"

status=0
for b in build32 build build-asan; do
  echo "== $b =="
  ninja -C "$b" || fail_setup "build in $b failed"
  # The suite "noasan" holds tests that inject into other processes; they are
  # not run under ASan (an injected ASan agent needs the ASan runtime first).
  extra=()
  [ "$b" = build-asan ] && extra=(--no-suite noasan)
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$b" --num-processes 2 --print-errorlogs "${extra[@]}" || status=1
done

# Bounded fuzzing (libFuzzer): each harness is one more test in the summary.
fuzz_secs=${OSPY_FUZZ_SECONDS:-60}
fuzz_passed=0 fuzz_failed=0
fuzz_n=0
run_fuzz() {
  fuzz_n=$((fuzz_n + 1))
  local log="build/fuzz-$fuzz_n.log"
  echo "== fuzz: $* =="
  if "$@" >"$log" 2>&1; then
    fuzz_passed=$((fuzz_passed + 1))
    grep -E '^Done|^#[0-9]+.*DONE' "$log" | tail -n 1
  else
    fuzz_failed=$((fuzz_failed + 1))
    status=1
    tail -n 30 "$log"
  fi
}
if [ "$fuzz_secs" -gt 0 ]; then
  run_fuzz scripts/fuzz.sh "$fuzz_secs"
  run_fuzz tests/fuzz/fuzz_config.sh "$fuzz_secs" config
  run_fuzz tests/fuzz/fuzz_config.sh "$((fuzz_secs / 2))" values
  # the capture reader and the .osd importer (docs/reliability.md)
  run_fuzz tests/fuzz/fuzz_config.sh "$((fuzz_secs / 2))" capture
  run_fuzz tests/fuzz/fuzz_config.sh "$((fuzz_secs / 2))" osd
fi

FUZZ_PASSED=$fuzz_passed FUZZ_FAILED=$fuzz_failed python3 - <<'PY'
import json, os
passed = int(os.environ["FUZZ_PASSED"])
failed = int(os.environ["FUZZ_FAILED"])
skipped = 0
for b in ("build32", "build", "build-asan"):
    p = os.path.join(b, "meson-logs", "testlog.json")
    if not os.path.exists(p):
        continue
    for line in open(p):
        r = json.loads(line)
        res = r.get("result")
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
