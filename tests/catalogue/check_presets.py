#!/usr/bin/env python3
"""`ospy check` must accept every shipped preset, for x86-64 and for i386.

  check_presets.py OSPY CONFIGS_DIR

The presets are checked exactly as shipped: every format extension they use
(docs/catalogue.md, "Format extensions") is supported by the loader, so
nothing is taken out first. Prints one line per preset and architecture, the
loader's diagnostics for a failure, and "N passed, N failed".
"""
import glob
import os
import subprocess
import sys

ARCHES = ("x86-64", "i386")


def main(argv):
    argv = [a for a in argv if a != "--strict"]  # the only mode; kept for old callers
    if len(argv) != 2:
        sys.exit(__doc__)
    ospy, configs = argv
    presets = sorted(glob.glob(os.path.join(configs, "*.xml")))
    if not presets:
        print("no presets in %s" % configs)
        return 1
    failures = 0
    for path in presets:
        for arch in ARCHES:
            r = subprocess.run([ospy, "check", "-q", "--arch", arch, path],
                               capture_output=True, text=True)
            status = "ok" if r.returncode == 0 else "FAILED"
            print("%-10s %-6s %s" % (os.path.basename(path), arch, status))
            if r.returncode != 0:
                failures += 1
                sys.stdout.write(r.stdout + r.stderr)
    print("%d passed, %d failed" % (2 * len(presets) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
