#!/usr/bin/env python3
"""`ospy check` must accept every shipped preset, for x86-64 and for i386.

  check_presets.py [--strict] OSPY CONFIGS_DIR

The presets use a few things the config loader may not support yet (see
docs/catalogue.md, "Format extensions"). Unless --strict is given, each of
them is taken out of a copy first, keeping line numbers, and every
adaptation made is printed, so the log is the list of what is still
missing; everything else must pass exactly as written. With --strict the
files are checked as shipped.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

ARCHES = ("x86-64", "i386")
CAST = re.compile(r"\((?:i|u)(?:8|16|32|64)\)")


def _blank(m):
    return "\n" * m.group(0).count("\n")


def adapt(text, arch, notes):
    """The preset for one architecture, in the subset the loader reads."""
    other = [a for a in ARCHES if a != arch][0]
    out = re.sub(r'<structure\s+name="[^"]+"\s+arch="%s">.*?</structure>' % other,
                 _blank, text, flags=re.S)
    out = out.replace(' arch="%s"' % arch, "")
    if out != text:
        notes.add('<structure arch="..."> (one variant per architecture)')
    new = re.sub(r'<argument\s[^>]*\svalue="[^"]*"\s*/>', "", out)
    if new != out:
        notes.add('<argument value="EXPR"> (computed arguments)')
    out = new
    new = out.replace(' nullTerminated="true"', "")
    if new != out:
        notes.add('<argument nullTerminated="true">')
    out = new

    def expr_sub(m):
        parts = []
        for part in m.group(2).split("/"):
            if "?" in part:
                notes.add("'?:' in expressions")
                part = "0"
            if CAST.search(part):
                notes.add("casts such as (i32) in expressions")
                part = CAST.sub("", part)
            parts.append(part)
        return m.group(1) + "/".join(parts) + m.group(3)
    out = re.sub(r'(\s(?:size|elementCount)=")([^"]*)(")', expr_sub, out)

    def cond_sub(m):
        body = m.group(2)
        if CAST.search(body):
            notes.add("casts such as (i32) in expressions")
            body = CAST.sub("", body)
        return m.group(1) + body + m.group(3)
    return re.sub(r"(<logCondition>)(.*?)(</logCondition>)", cond_sub, out, flags=re.S)


def main(argv):
    strict = "--strict" in argv
    argv = [a for a in argv if a != "--strict"]
    if len(argv) != 2:
        sys.exit(__doc__)
    ospy, configs = argv
    presets = sorted(glob.glob(os.path.join(configs, "*.xml")))
    failures, notes = 0, set()
    with tempfile.TemporaryDirectory(prefix="ospy-presets-") as tmp:
        for path in presets:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for arch in ARCHES:
                target = path
                if not strict:
                    target = os.path.join(tmp, "%s-%s" % (arch, os.path.basename(path)))
                    with open(target, "w", encoding="utf-8") as f:
                        f.write(adapt(text, arch, notes))
                r = subprocess.run([ospy, "check", "-q", "--arch", arch, target],
                                   capture_output=True, text=True)
                status = "ok" if r.returncode == 0 else "FAILED"
                print("%-10s %-6s %s" % (os.path.basename(path), arch, status))
                if r.returncode != 0:
                    failures += 1
                    sys.stdout.write(r.stdout + r.stderr)
    for n in sorted(notes):
        print("adapted for the loader: %s" % n)
    print("%d passed, %d failed" % (2 * len(presets) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
