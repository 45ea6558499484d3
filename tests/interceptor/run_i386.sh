#!/bin/sh
# Runs an i386 test binary natively; on a kernel without IA32 emulation
# (exec fails with status 126) runs it under qemu-i386 when installed, else
# reports the test as skipped (77).
"$@"
rc=$?
[ "$rc" -ne 126 ] && exit "$rc"
if command -v qemu-i386 >/dev/null 2>&1; then
  echo "run_i386: kernel cannot exec i386 binaries, running under qemu-i386" >&2
  OSPY_UNDER_QEMU_I386=1 exec qemu-i386 "$@"
fi
echo "run_i386: kernel cannot exec i386 binaries and qemu-i386 is missing: skipped" >&2
exit 77
