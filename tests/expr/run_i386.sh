#!/bin/sh
# Runs an i386 test program. Where the kernel cannot run i386 programs (exec
# fails, status 126) it runs under qemu-i386 user emulation if installed;
# otherwise the test is reported as skipped (77).
"$@"
status=$?
[ "$status" -ne 126 ] && exit "$status"
if command -v qemu-i386 >/dev/null 2>&1; then
  echo "run_i386: no native i386 support, using qemu-i386" >&2
  exec qemu-i386 "$@"
fi
echo "run_i386: no native i386 support and no qemu-i386: skipped" >&2
exit 77
