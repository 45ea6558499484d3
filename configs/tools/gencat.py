#!/usr/bin/env python3
"""Generate and check the constants and structure layouts of configs/*.xml.

The values come from the system's own headers: for every name listed in
catalogue_defs.py this script writes a C file whose inline assembly carries
the value as an immediate, compiles it with `gcc -S` for x86-64 (-m64) and
i386 (-m32), and reads the numbers back from the assembly. Nothing is run,
so i386 values are right even where i386 programs cannot execute.

  gencat.py print NAME            the <member>/<field> lines for NAME
  gencat.py update FILE...        rewrite the generated parts of FILEs in place
  gencat.py check FILE...         compare FILEs with the headers; exit 1 on any
                                  difference, naming file, line and value
"""
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalogue_defs import (ENUMS, STRUCTS, IOCTL_LEGACY_IN,  # noqa: E402
                            IOCTL_LEGACY_OUT, IOCTL_IFREQ)

ARCHES = {"x86-64": "-m64", "i386": "-m32"}
PTR = {"x86-64": 8, "i386": 4}
CC = os.environ.get("CC_FOR_CATALOGUE", "gcc")

# Width in bytes of the scalar config types, None for pointer width.
TYPE_WIDTH = {
    "UInt8": 1, "Int8": 1, "CPPBool": 1, "UInt16": 2, "Int16": 2,
    "UInt32": 4, "Int32": 4, "MSBool": 4, "Ipv4InAddr": 4, "Float": 4,
    "FileDescriptor": 4, "Errno": 4, "ProcessId": 4, "UInt64": 8, "Int64": 8, "Double": 8,
    "Pointer": None, "Size": None, "SSize": None,
}


def _c_name(text):
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _emit(tag, expr):
    return '  __asm__ volatile("# @@ %s|%%c0" :: "i"((int)(%s)));\n' % (tag, expr)


def _named(item):
    """(name, C expression) of a member or mask: a macro stands for itself."""
    return item if isinstance(item, tuple) else (item, item)


def _units(only=None):
    """C translation units, one per distinct include list and macro set."""
    units = {}
    for name, d in ENUMS.items():
        if only and name not in only:
            continue
        key = (tuple(d["inc"]), bool(d.get("only64")), ())
        body = units.setdefault(key, [])
        for m in d["members"]:
            mname, expr = _named(m)
            body.append(_emit("E|%s|%s" % (name, mname), expr))
        for mask, _ in d.get("masks", []):
            mname, expr = _named(mask)
            body.append(_emit("M|%s|%s" % (name, mname), expr))
    for name, d in STRUCTS.items():
        if only and name not in only:
            continue
        body = units.setdefault((tuple(d["inc"]), False, tuple(d.get("defs", ()))), [])
        ct = d["ctype"]
        for fname, member in d["fields"].items():
            body.append(_emit("O|%s|%s" % (name, fname),
                              "__builtin_offsetof(%s, %s)" % (ct, member)))
            body.append(_emit("W|%s|%s" % (name, fname),
                              "sizeof(((%s *)0)->%s)" % (ct, member)))
        body.append(_emit("S|%s|" % name, "sizeof(%s)" % ct))
    return units


class CompileError(Exception):
    pass


def _compile(arch, includes, defs, body):
    src = "".join("#define %s %s\n" % tuple(d.split("=", 1)) for d in defs)
    src += "".join("#include <%s>\n" % h for h in includes)
    src += "void ospy_catalogue(void);\nvoid ospy_catalogue(void)\n{\n"
    src += "".join(body) + "}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write(src)
        path = f.name
    try:
        r = subprocess.run([CC, ARCHES[arch], "-D_GNU_SOURCE", "-S", "-o", "-",
                            path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode != 0:
        raise CompileError("gencat: %s (%s) failed for <%s>:\n%s"
                           % (CC, arch, ">, <".join(includes), r.stderr))
    return re.findall(r"# @@ ([EMOWS])\|([^|]*)\|([^|]*)\|(-?\d+)", r.stdout)


def generate(only=None):
    """{arch: {"E": {enum: {member: value}}, "M": {enum: {mask: value}},
    "O"/"W": {struct: {field: n}}, "S": {struct: size}}}"""
    out = {arch: {"E": {}, "M": {}, "O": {}, "W": {}, "S": {}} for arch in ARCHES}
    jobs = [(arch, inc, defs, body) for arch in ARCHES
            for (inc, only64, defs), body in _units(only).items()
            if not (only64 and arch != "x86-64")]
    # compiler start-up dominates: run the units side by side
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda j: (j[0], _compile(*j)), jobs))
    for arch, found in results:
        res = out[arch]
        for kind, name, item, value in found:
            if kind == "S":
                res["S"][name] = int(value)
            else:
                res[kind].setdefault(name, {})[item] = int(value)
    for name, d in ENUMS.items():
        if d.get("only64") and name in out["x86-64"]["E"]:
            out["i386"]["E"][name] = out["x86-64"]["E"][name]
            out["i386"]["M"][name] = out["x86-64"]["M"].get(name, {})
    return out


def _fmt(name, value):
    if ENUMS[name].get("hex"):
        return "0x%x" % (value & 0xffffffff)
    return str(value)


def enum_members(gen, name):
    """[(member, value)] in definition order; values must agree by arch."""
    a, b = gen["x86-64"]["E"][name], gen["i386"]["E"][name]
    if a != b:
        diff = sorted(k for k in a if a[k] != b.get(k))
        sys.exit("gencat: enumeration %s differs between x86-64 and i386: %s"
                 % (name, ", ".join(diff)))
    order = [m[0] if isinstance(m, tuple) else m for m in ENUMS[name]["members"]]
    return [(m, a[m]) for m in order]


def member_masks(gen, name):
    """{member: (mask name, mask value)} for the members of a mask; the
    values must agree by arch."""
    a, b = gen["x86-64"]["M"].get(name, {}), gen["i386"]["M"].get(name, {})
    if a != b:
        sys.exit("gencat: the masks of %s differ between x86-64 and i386" % name)
    out = {}
    for mask, members in ENUMS[name].get("masks", []):
        mname = _named(mask)[0]
        for m in members:
            out[m] = (mname, a[mname])
    return out


def member_lines(gen, name, indent):
    masks = member_masks(gen, name)
    return ["%s<member name=\"%s\" value=\"%s\"%s/>"
            % (indent, m, _fmt(name, v),
               ' mask="%s"' % _fmt(name, masks[m][1]) if m in masks else "")
            for m, v in enum_members(gen, name)]


# ---------------------------------------------------------------- ioctl

def _any_of(values):
    """`arg.request` equal to one of values, consecutive runs as ranges."""
    values = sorted(set(v & 0xffffffff for v in values))
    runs, terms = [], []
    for v in values:
        if runs and runs[-1][1] == v - 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    for lo, hi in runs:
        if lo == hi:
            terms.append("arg.request == 0x%x" % lo)
        else:
            terms.append("(arg.request >= 0x%x && arg.request <= 0x%x)" % (lo, hi))
    return " || ".join(terms)


def ioctl_size_expr(gen):
    """size="enter/return" of ioctl()'s arg: the _IOC size in the _IOC
    direction (write: in at entry, read: out at return), else the legacy
    tables; nothing comes out of a failed call."""
    req = dict(enum_members(gen, "IoctlRequest"))
    size = dict(enum_members(gen, "IoctlArgSize"))
    ioc_size = "(arg.request >> 16) & 0x3fff"

    def legacy(table):
        chain = ""
        for kind, names in table + [("ifreq_head", IOCTL_IFREQ)]:
            chain += "(%s) ? %d : " % (_any_of(req[n] for n in names), size[kind])
        return chain + "0"
    enter = "(arg.request >> 30) & 1 ? %s : %s" % (ioc_size, legacy(IOCTL_LEGACY_IN))
    leave = "(i32)retval == -1 ? 0 : (arg.request >> 30) & 2 ? %s : %s" % (
        ioc_size, legacy(IOCTL_LEGACY_OUT))
    # (in parentheses: a '?' outside them keeps the '/' from splitting)
    return "(" + enter + ")/(" + leave + ")"


IOCTL_ARG_RE = re.compile(r'(<argument\s+name="arg"[^>]*?\ssize=")([^"]*)(")')

# Fields the catalogue reads a prefix of, on purpose: glibc's sigset_t is 1024
# bits, the kernel reads its first 64, and sigemptyset writes no more (the rest
# is whatever the stack held).
READS_A_PREFIX = {("Sigaction", "sa_mask")}


def _xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ---------------------------------------------------------------- update

ENUM_RE = re.compile(r'(?P<open>^(?P<ind>[ \t]*)<enumeration\s+name="(?P<name>[^"]+)"'
                     r'[^>]*?(?<!/)>)(?P<body>.*?)(?P<close>^[ \t]*</enumeration>)',
                     re.S | re.M)
STRUCT_RE = re.compile(r'<structure\s+name="(?P<name>[^"]+)"(?P<attrs>[^>]*)>'
                       r'(?P<body>.*?)</structure>', re.S)
FIELD_RE = re.compile(r'<field\s+name="(?P<name>[^"]+)"\s+offset="(?P<off>[^"]+)"')
ARCH_RE = re.compile(r'\barch="([^"]+)"')


def update_text(gen, text):
    def enum_sub(m):
        name = m.group("name")
        if name not in ENUMS:
            return m.group(0)
        lines = member_lines(gen, name, m.group("ind") + "    ")
        return m.group("open") + "\n" + "\n".join(lines) + "\n" + m.group("close")

    def struct_sub(m):
        name = m.group("name")
        if name not in STRUCTS:
            return m.group(0)
        am = ARCH_RE.search(m.group("attrs"))
        arch = am.group(1) if am else "x86-64"
        offs = gen[arch]["O"][name]

        def field_sub(f):
            if f.group("name") not in offs:
                return f.group(0)
            return f.group(0).replace('offset="%s"' % f.group("off"),
                                      'offset="%d"' % offs[f.group("name")])
        return m.group(0).replace(m.group("body"),
                                  FIELD_RE.sub(field_sub, m.group("body")))

    text = STRUCT_RE.sub(struct_sub, ENUM_RE.sub(enum_sub, text))
    if '<function name="ioctl">' in text:
        expr = _xml_escape(ioctl_size_expr(gen))
        text = IOCTL_ARG_RE.sub(lambda m: m.group(1) + expr + m.group(3), text)
    return text


# ---------------------------------------------------------------- check

def _line(text, pos):
    return text.count("\n", 0, pos) + 1


def _int(text):
    return int(text, 0) if not re.fullmatch(r"-?0\d+", text) else int(text, 8)


def _type_width(type_name, arch, enums):
    if type_name in TYPE_WIDTH:
        return TYPE_WIDTH[type_name] or PTR[arch]
    if type_name.endswith("Ptr"):
        return PTR[arch]
    if type_name in enums:
        return 4
    return 0  # inline arrays, nested structures: not checked by width


def _check_struct_size(gen, path, line, name, attrs, arches):
    """A structure's size="N" (a packed one: the stride of an array of them)
    is the C type's size; STRUCTS' `size: True` says the config must give it
    (ospy would otherwise round the fields up to their alignment)."""
    sm = re.search(r'\bsize="([^"]*)"', attrs)
    if not sm:
        if STRUCTS[name].get("size"):
            return ["%s:%d: structure %s needs size=\"%d\" (the C type's size: "
                    "packed, ospy would round it up)"
                    % (path, line, name, gen[arches[0]]["S"][name])]
        return []
    return ["%s:%d: structure %s has size %s, the headers say %d (%s)"
            % (path, line, name, sm.group(1), gen[a]["S"][name], a)
            for a in arches if _int(sm.group(1)) != gen[a]["S"][name]]


def _check_mask(path, name, member, got, want):
    """A member's mask="..." against the headers' (want: (mask name, value)
    or None for a member that has no mask)."""
    _, line, text = got
    if want is None and text is not None:
        return ["%s:%d: %s.%s has mask=\"%s\", the headers give it none"
                % (path, line, name, member, text)]
    if want is None:
        return []
    if text is None:
        return ["%s:%d: %s.%s lacks its mask=\"%s\" (%s)"
                % (path, line, name, member, _fmt(name, want[1]), want[0])]
    if not re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)", text) or \
            (_int(text) & 0xffffffff) != (want[1] & 0xffffffff):
        return ["%s:%d: %s.%s has mask %s in the file, %s (%s) in the headers"
                % (path, line, name, member, text, _fmt(name, want[1]), want[0])]
    return []


def check_text(gen, path, text):
    errors = []
    enums_here = set()
    for m in ENUM_RE.finditer(text):
        name = m.group("name")
        enums_here.add(name)
        if name not in ENUMS:
            continue
        want = dict(enum_members(gen, name))
        want_mask = member_masks(gen, name)
        got = {}
        for mm in re.finditer(r'<member\s+name="([^"]+)"\s+value="([^"]+)"(?:\s+mask="([^"]*)")?',
                              m.group("body")):
            got[mm.group(1)] = (_int(mm.group(2)),
                                _line(text, m.start("body") + mm.start()), mm.group(3))
        line = _line(text, m.start())
        for k, v in want.items():
            if k not in got:
                errors.append("%s:%d: enumeration %s lacks %s (%s)"
                              % (path, line, name, k, _fmt(name, v)))
                continue
            if (got[k][0] & 0xffffffff) != (v & 0xffffffff):
                errors.append("%s:%d: %s.%s is %s in the file, %s in the headers"
                              % (path, got[k][1], name, k,
                                 _fmt(name, got[k][0]), _fmt(name, v)))
            errors += _check_mask(path, name, k, got[k], want_mask.get(k))
        for k in got:
            if k not in want:
                errors.append("%s:%d: %s.%s is not generated from the headers"
                              % (path, got[k][1], name, k))
    seen_arch = {}
    for m in STRUCT_RE.finditer(text):
        name = m.group("name")
        if name not in STRUCTS:
            continue
        am = ARCH_RE.search(m.group("attrs"))
        line = _line(text, m.start())
        if STRUCTS[name].get("arch") and not am:
            errors.append("%s:%d: structure %s differs by architecture and needs "
                          "arch=\"x86-64\" and arch=\"i386\" variants"
                          % (path, line, name))
            continue
        arches = [am.group(1)] if am else list(ARCHES)
        for a in arches:
            seen_arch.setdefault(name, set()).add(a)
        errors += _check_struct_size(gen, path, line, name, m.group("attrs"), arches)
        for f in re.finditer(r'<field\s+([^>]*)>', m.group("body")):
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', f.group(1)))
            fline = _line(text, m.start("body") + f.start())
            fname = attrs.get("name")
            for a in arches:
                offs = gen[a]["O"][name]
                if fname not in offs:
                    errors.append("%s:%d: %s.%s is not a member of %s"
                                  % (path, fline, name, fname,
                                     STRUCTS[name]["ctype"]))
                    break
                if _int(attrs.get("offset", "-1")) != offs[fname]:
                    errors.append("%s:%d: %s.%s offset %s, the headers say %d (%s)"
                                  % (path, fline, name, fname,
                                     attrs.get("offset"), offs[fname], a))
                t = attrs.get("marshalAs") or attrs.get("type", "")
                w = _type_width(t, a, enums_here)
                if w and w != gen[a]["W"][name][fname] and \
                        not (w < gen[a]["W"][name][fname] and (name, fname) in READS_A_PREFIX):
                    errors.append("%s:%d: %s.%s is %d bytes (%s), type %s reads %d"
                                  % (path, fline, name, fname,
                                     gen[a]["W"][name][fname], a, t, w))
    if '<function name="ioctl">' in text:
        # (ioctl's and its i386 time64 copy's)
        found = list(IOCTL_ARG_RE.finditer(text))
        if not found:
            errors.append("%s:0: ioctl's arg has no size (run gencat.py update)" % path)
        for m in found:
            if _xml_unescape(m.group(2)) != ioctl_size_expr(gen):
                errors.append("%s:%d: ioctl's arg size is not the one generated from "
                              "the headers (run gencat.py update)"
                              % (path, _line(text, m.start())))
    for name, arches in seen_arch.items():
        if STRUCTS[name].get("arch") and arches != set(ARCHES):
            errors.append("%s: structure %s is given for %s only"
                          % (path, name, ", ".join(sorted(arches))))
    return errors


def expand(paths):
    """Directories stand for the *.xml files in them."""
    out = []
    for p in paths:
        out += sorted(glob.glob(os.path.join(p, "*.xml"))) if os.path.isdir(p) else [p]
    return out


def main(argv):
    if len(argv) < 2 or argv[0] not in ("print", "update", "check"):
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd != "print":
        args = expand(args)
    if cmd == "print":
        gen = generate(set(args))
        for name in args:
            if name in ENUMS:
                print("\n".join(member_lines(gen, name, "    ")))
            elif name in STRUCTS:
                for a in ARCHES:
                    print("%s (%s, size %d):" % (name, a, gen[a]["S"][name]))
                    for f, o in gen[a]["O"][name].items():
                        print("    %-16s offset %3d size %d"
                              % (f, o, gen[a]["W"][name][f]))
            else:
                sys.exit("gencat: nothing known as %s" % name)
        return 0
    gen = generate()
    errors = []
    for path in args:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if cmd == "update":
            new = update_text(gen, text)
            if new != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
                print("gencat: updated %s" % path)
        else:
            errors += check_text(gen, path, text)
    for e in errors:
        print(e, file=sys.stderr)
    if cmd == "check":
        print("gencat: %d file(s), %d difference(s)" % (len(args), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except CompileError as e:
        sys.exit(str(e))
