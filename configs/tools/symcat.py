#!/usr/bin/env python3
"""Check that every hooked function of configs/*.xml is exported by its module.

  symcat.py FILE...

For each <module name> the library is looked up for x86-64 and i386 in the
multiarch directories (a hook with arch= for its architecture only); a library that is not installed for an architecture is
reported and skipped (the tests name the packages that install them). Uses
`nm -D --defined-only` (binutils). Exits 1 if a hooked name is missing from
an installed library.
"""
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

LIBDIRS = {
    "x86-64": ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
               "/usr/lib64"],
    "i386": ["/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib32",
             "/usr/lib32"],
}
# ELF machine of each architecture, as `readelf -h`-free check: e_machine.
MACHINE = {"x86-64": 62, "i386": 3}


def _machine(path):
    with open(path, "rb") as f:
        head = f.read(20)
    if head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little")


def find_library(name, arch):
    for d in LIBDIRS[arch]:
        p = os.path.join(d, name)
        if os.path.exists(p) and _machine(os.path.realpath(p)) == MACHINE[arch]:
            return p
    return None


def exported(path):
    r = subprocess.run(["nm", "-D", "--defined-only", path],
                       capture_output=True, text=True, check=True)
    names = set()
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "TtWiV":
            names.add(re.sub(r"@.*", "", parts[2]))
    return names


def expand(paths):
    """Directories stand for the *.xml files in them."""
    out = []
    for p in paths:
        out += sorted(glob.glob(os.path.join(p, "*.xml"))) if os.path.isdir(p) else [p]
    return out


def main(paths):
    if not paths:
        sys.exit(__doc__)
    problems, checked, cache = 0, 0, {}
    paths = expand(paths)
    for path in paths:
        root = ET.parse(path).getroot()
        for mod in root.iter():
            if mod.tag not in ("module", "dllModule"):
                continue
            libname = mod.get("name")
            for arch in LIBDIRS:
                lib = find_library(libname, arch)
                if lib is None:
                    print("symcat: %s: %s is not installed for %s, skipped"
                          % (path, libname, arch))
                    continue
                if lib not in cache:
                    cache[lib] = exported(lib)
                for fn in mod.iter("function"):
                    if fn.get("arch") not in (None, arch):
                        continue  # a hook for the other architecture
                    checked += 1
                    if fn.get("specId") not in cache[lib]:
                        problems += 1
                        print("%s: %s is not exported by %s (%s)"
                              % (path, fn.get("specId"), lib, arch),
                              file=sys.stderr)
    print("symcat: %d hook(s) checked, %d missing" % (checked, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
