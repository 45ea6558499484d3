#!/usr/bin/env python3
"""Static checks of configs/*.xml that need no ospy build.

  lintcat.py FILE...

Each file must be well-formed and self-contained: every type, spec, argument
and structure field it names is defined in it; every spec is hooked; flags
enumerations decode each of their members to that member alone (decoders
take, for each mask="...", the member whose value the masked bits equal,
then the other members in order, all bits set, then clear them); architecture-specific
structures come in x86-64/i386 pairs, a hook's arch names one of them; expressions name only arguments of
their own function and use retval only where the call has returned; an
out-value written back as a pointer-wide integer in hex (a handle) is typed
as a pointer; an enumeration returned as a signed integer (a count or an
error code) has negative members only.
Prints one line per problem (file:line: message) and exits 1 if any.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

BUILTIN = {
    "UInt8", "Int8", "UInt16", "Int16", "UInt32", "Int32", "UInt64", "Int64",
    "UInt8Ptr", "Int8Ptr", "UInt16Ptr", "Int16Ptr", "UInt32Ptr", "Int32Ptr",
    "UInt64Ptr", "Int64Ptr", "Size", "SSize", "SizePtr", "SSizePtr",
    "Pointer", "Boolean", "CPPBool", "MSBool", "Array", "ArrayPtr",
    "ByteArray", "ByteArrayPtr", "AsciiString", "AsciiStringPtr",
    "AsciiFormatString", "AsciiFormatStringPtr", "UnicodeString",
    "UnicodeStringPtr", "UnicodeFormatString", "UnicodeFormatStringPtr",
    "VaList", "WideString", "WideStringPtr", "Dynamic", "Ipv4InAddr",
    "SockAddr", "SockAddrPtr", "Errno", "FileDescriptor", "Float", "Double",
    "PointerPtr", "ProcessId", "ProcessIdPtr",
}
# Out-values that are pointer-wide integers: shown in hex, they are handles
# (sqlite3_open's ppDb, libusb_init's ctx) that must be typed as pointers.
ADDRESS_LIKE = {"SizePtr", "SSizePtr"}
SIGNED_INTEGERS = {"Int8", "Int16", "Int32", "Int64", "SSize"}
ARCHES = {"x86-64", "i386"}
ATTRS = {
    "hookManager": set(),
    "types": set(), "specs": set(), "functions": {"processName"},
    "hooks": set(), "arguments": set(), "signatures": set(),
    "enumeration": {"name", "flags"},
    "member": {"name", "value", "mask"},
    "structure": {"name", "arch", "size"},
    "field": {"name", "offset", "type", "marshalAs", "endian", "hex", "octal",
              "elementType", "size", "elementCount", "direction"},
    "bindTypeProperty": {"propertyName", "sourceField"},
    "function": {"name", "callingConvention", "logNested", "specId", "arch"},
    "returnValue": {"type", "hex", "octal", "marshalAs", "nullIsError", "errorValue",
                    "errorCondition", "setsErrno"},
    "argument": {"name", "direction", "type", "hex", "octal", "marshalAs", "size", "elementType",
                 "elementCount", "typeNameBase", "typeNameSuffix", "value",
                 "nullTerminated"},
    "logCondition": set(),
    "module": {"name"}, "dllModule": {"name"},
}
EXPR_TOKEN = re.compile(r"\s*(?:(arg\.[A-Za-z_]\w*)|(retval|errno|tid)|"
                        r"(reg\.[a-z0-9]+)|(\((?:i|u)(?:8|16|32|64)\))|"
                        r"(0[xX][0-9a-fA-F]+|\d+)|(&&|\|\||<<|>>|[<>=!]=|"
                        r"[-+*/%&|^~!<>?:()]))")


class Lint:
    def __init__(self, path):
        self.path = path
        self.errors = []
        with open(path, encoding="utf-8") as f:
            self.lines = f.read().split("\n")

    def err(self, msg, hint=None):
        line = self._find(hint) if hint else 0
        self.errors.append("%s:%s: %s" % (self.path, line or "?", msg))

    def _find(self, needle):
        for i, line in enumerate(self.lines, 1):
            if needle in line:
                return i
        return 0

    # ------------------------------------------------------------ types
    def collect_types(self, root):
        self.enums, self.structs = {}, {}
        for e in root.iter("enumeration"):
            name = e.get("name")
            if name in self.enums:
                self.err("enumeration %s defined twice" % name, 'name="%s"' % name)
            members = [(m.get("name"), m.get("value")) for m in e.iter("member")]
            masks = {m.get("name"): m.get("mask") for m in e.iter("member")
                     if m.get("mask") is not None}
            self.enums[name] = (e.get("flags") == "true", members)
            self.check_enum(name, e.get("flags") == "true", members, masks)
        for s in root.iter("structure"):
            name, arch = s.get("name"), s.get("arch")
            if arch is not None and arch not in ARCHES:
                self.err("structure %s: unknown arch %r" % (name, arch),
                         'name="%s"' % name)
            arches = self.structs.setdefault(name, {})
            key = arch or "*"
            if key in arches or (key == "*" and arches) or "*" in arches:
                self.err("structure %s defined twice for %s" % (name, key),
                         'name="%s"' % name)
            arches[key] = s
        for name, arches in self.structs.items():
            if "*" not in arches and set(arches) != ARCHES:
                self.err("structure %s is given for %s only"
                         % (name, ", ".join(sorted(arches))), 'name="%s"' % name)
            if name in self.enums or name in BUILTIN:
                self.err("type name %s is defined twice" % name, 'name="%s"' % name)

    def check_enum(self, name, flags, members, masks):
        seen_names, seen_values = set(), {}
        for mname, value in members:
            if mname in seen_names:
                self.err("%s.%s appears twice" % (name, mname), 'name="%s"' % mname)
            seen_names.add(mname)
            try:
                v = int(value, 0) & 0xffffffff
            except (TypeError, ValueError):
                self.err("%s.%s: value %r is not an integer" % (name, mname, value),
                         'name="%s"' % mname)
                continue
            if not flags and v in seen_values:
                self.err("%s: %s and %s share the value %s"
                         % (name, seen_values[v], mname, value), 'name="%s"' % mname)
            seen_values.setdefault(v, mname)
        if masks and not flags:
            self.err("enumeration %s: mask on %s, but only a flags enumeration has masks"
                     % (name, ", ".join(masks)), 'name="%s"' % name)
        if flags:
            vals = [(m, int(v, 0) & 0xffffffff, self.mask_of(name, m, masks.get(m)))
                    for m, v in members
                    if v is not None and re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)", v)]
            # (a mask's member 0, O_RDONLY, is named beside the others' bits)
            zero = {m for m, v, mask in vals if mask and not v}
            for m, v, mask in vals:
                got = [n for n in decode_flags(vals, v) if n == m or n not in zero]
                if (v or mask) and got != [m]:
                    self.err("flags %s: %s (0x%x) decodes as %s; put members "
                             "covering several bits first, give the members of a "
                             "field of values their mask" %
                             (name, m, v, "|".join(got)), 'name="%s"' % m)

    def mask_of(self, name, member, text):
        """A member's mask="..." as a number (0: none)."""
        if text is None:
            return 0
        if not re.fullmatch(r"0x[0-9a-fA-F]+|\d+", text) or not 0 < int(text, 0) <= 0xffffffff:
            self.err("%s.%s: mask %r is not a number of 1 to 32 bits" % (name, member, text),
                     'name="%s"' % member)
            return 0
        return int(text, 0)

    def type_ok(self, t):
        if t in BUILTIN or t in self.enums or t in self.structs:
            return True
        # every type T has TPtr (an enumeration's too: a sigset_t *), and TPtrPtr
        return t.endswith("Ptr") and self.type_ok(t[:-3])

    # ------------------------------------------------------------ specs
    def check_specs(self, root):
        self.specs = {}
        for fn in root.iter("function"):
            if fn.get("specId") is not None:
                continue
            name = fn.get("name")
            if not name:
                self.err("a spec <function> has no name")
                continue
            if name in self.specs:
                self.err("spec %s defined twice" % name, 'name="%s"' % name)
            self.specs[name] = fn
            self.check_function(name, fn)

    def check_function(self, fname, fn):
        hint = '<function name="%s"' % fname
        rv = fn.find("returnValue")
        if rv is not None and not self.type_ok(rv.get("type", "")):
            self.err("%s: unknown return type %r" % (fname, rv.get("type")), hint)
        if rv is not None:
            self.check_count_or_error(fname, rv, hint)
        args = fn.find("arguments")
        args = list(args) if args is not None else []
        names = {}
        for a in args:
            if a.get("name") in names:
                self.err("%s: argument %s twice" % (fname, a.get("name")), hint)
            names[a.get("name")] = a
        for a in args:
            self.check_argument(fname, a, names, hint)
        for cond in fn.findall("logCondition"):
            self.check_expr(fname, "function logCondition", cond.text or "",
                            names, True, hint)
        if rv is not None and rv.get("errorCondition") is not None:
            self.check_expr(fname, "errorCondition", rv.get("errorCondition"), names, True, hint)

    def check_count_or_error(self, fname, rv, hint):
        """An enumeration returned as a signed integer (marshalAs) is a count
        or a negative error code: a member 0 or above would name a count."""
        t, wide = rv.get("type"), rv.get("marshalAs")
        if t not in self.enums or wide not in SIGNED_INTEGERS:
            return
        for member, value in self.enums[t][1]:
            try:
                counts = int(value, 0) >= 0
            except (TypeError, ValueError):
                continue  # reported by check_enum
            if counts:
                self.err("%s: returns %s as %s, a count or an error code, but its member %s "
                         "(%s) would name the count %s: return an enumeration of the error "
                         "codes alone" % (fname, t, wide, member, value, value), hint)

    def check_argument(self, fname, a, names, hint):
        aname, t = a.get("name"), a.get("type", "")
        where = "%s.%s" % (fname, aname)
        if a.get("direction") not in ("in", "out", "in/out"):
            self.err("%s: direction %r" % (where, a.get("direction")), hint)
        if not self.type_ok(t):
            self.err("%s: unknown type %r" % (where, t), hint)
        out_only = a.get("direction") == "out"
        for attr in ("size", "elementCount", "value"):
            if a.get(attr) is not None:
                self.check_split(where, attr, a.get(attr), names, hint, out_only)
        for cond in a.findall("logCondition"):
            self.check_expr(where, "logCondition", cond.text or "", names,
                            a.get("direction") != "in", hint)
        if t in ("Array", "ArrayPtr"):
            if not self.type_ok(a.get("elementType", "")):
                self.err("%s: elementType %r" % (where, a.get("elementType")), hint)
            if a.get("elementCount") is None:
                self.err("%s: an array needs elementCount" % where, hint)
        if t == "ByteArrayPtr" and a.get("size") is None:
            self.err("%s: a byte array needs size" % where, hint)
        if t == "Dynamic":
            self.check_dynamic(where, a, names, hint)
        if t in ADDRESS_LIKE and a.get("hex") == "true":
            self.err("%s: %s shown in hex is a handle or an address written back: type it "
                     "PointerPtr (ospy diff compares integers, and leaves addresses out)"
                     % (where, t), hint)

    def check_dynamic(self, where, a, names, hint):
        base, suffix = a.get("typeNameBase", ""), a.get("typeNameSuffix", "")
        m = re.fullmatch(r"arg\.(\w+)", base)
        src = names.get(m.group(1)) if m else None
        if (src is None or src.get("type") not in self.enums
                or self.enums[src.get("type")][0]):
            self.err("%s: typeNameBase %r must name an enumeration argument "
                     "(not flags: the value names one member)"
                     % (where, base), hint)
            return
        resolved = [n + suffix for n, _ in self.enums[src.get("type")][1]
                    if self.type_ok(n + suffix)]
        if not resolved:
            self.err("%s: no member of %s + %r names a type"
                     % (where, src.get("type"), suffix), hint)

    def check_split(self, where, attr, text, names, hint, out_only):
        parts = split_outside_parens(text)
        if len(parts) > 2:
            self.err("%s: %s=%r has more than one '/'" % (where, attr, text), hint)
            return
        if len(parts) == 2:
            self.check_expr(where, attr + " (enter)", parts[0], names, False, hint)
            self.check_expr(where, attr + " (return)", parts[1], names, True, hint)
        else:
            self.check_expr(where, attr, text, names, out_only, hint)

    def check_expr(self, where, what, text, names, at_return, hint):
        pos, depth = 0, 0
        text = text.strip()
        if not text:
            self.err("%s: empty %s" % (where, what), hint)
        while pos < len(text):
            m = EXPR_TOKEN.match(text, pos)
            if not m or m.end() == pos:
                self.err("%s: %s %r: cannot read %r" % (where, what, text,
                                                        text[pos:]), hint)
                return
            pos = m.end()
            tok = m.group(0).strip()
            if m.group(1) and m.group(1)[4:] not in names:
                self.err("%s: %s names %s, not an argument" % (where, what, tok), hint)
            if m.group(2) == "retval" and not at_return:
                self.err("%s: %s uses retval before the call returns" % (where, what),
                         hint)
            depth += tok.count("(") - tok.count(")") if not m.group(4) else 0
            if depth < 0:
                break
        if depth != 0:
            self.err("%s: %s %r: unbalanced parentheses" % (where, what, text), hint)

    # ------------------------------------------------------------ structures
    def check_structs(self):
        for name, arches in self.structs.items():
            for arch, s in arches.items():
                fields = {f.get("name"): f for f in s.iter("field")}
                for f in s.iter("field"):
                    where = "%s.%s" % (name, f.get("name"))
                    hint = 'name="%s"' % f.get("name")
                    for attr in ("type", "marshalAs", "elementType"):
                        t = f.get(attr)
                        if t is not None and not self.type_ok(t):
                            self.err("%s: unknown %s %r" % (where, attr, t), hint)
                    if not re.fullmatch(r"\d+", f.get("offset", "")):
                        self.err("%s: offset %r" % (where, f.get("offset")), hint)
                    for b in f.iter("bindTypeProperty"):
                        if b.get("propertyName") not in ("size", "elementCount"):
                            self.err("%s: propertyName %r" % (where,
                                     b.get("propertyName")), hint)
                        if b.get("sourceField") not in fields:
                            self.err("%s: sourceField %r is not a field of %s"
                                     % (where, b.get("sourceField"), name), hint)
                    if f.get("type") == "ByteArrayPtr" and not list(f.iter(
                            "bindTypeProperty")) and f.get("size") is None:
                        self.err("%s: a byte array needs a size" % where, hint)

    # ------------------------------------------------------------ hooks
    def check_hooks(self, root):
        hooked = set()
        hooks = root.find("hooks")
        if hooks is None:
            self.err("no <hooks>")
            return
        for mod in list(hooks):
            if mod.tag not in ("module", "dllModule"):
                continue
            if not mod.get("name"):
                self.err("a <%s> has no name" % mod.tag)
            seen = set()
            for fn in mod.iter("function"):
                sid = fn.get("specId")
                if sid not in self.specs:
                    self.err("hook of %s: no spec %r" % (mod.get("name"), sid),
                             'specId="%s"' % sid)
                if sid in seen:
                    self.err("%s hooked twice in %s" % (sid, mod.get("name")),
                             'specId="%s"' % sid)
                if fn.get("arch") is not None and fn.get("arch") not in ARCHES:
                    self.err("hook of %s: unknown arch %r" % (sid, fn.get("arch")),
                             'specId="%s"' % sid)
                seen.add(sid)
                hooked.add(sid)
        for name in self.specs:
            if name not in hooked:
                self.err("spec %s is never hooked" % name, '<function name="%s"' % name)

    def check_attrs(self, root):
        for el in root.iter():
            allowed = ATTRS.get(el.tag)
            if allowed is None:
                self.err("unknown element <%s>" % el.tag, "<%s" % el.tag)
                continue
            for k in el.attrib:
                if k not in allowed:
                    self.err("<%s>: unknown attribute %s" % (el.tag, k), '%s="' % k)
            if el.tag == "function" and "arch" in el.attrib and el.get("specId") is None:
                # (a hook's: a spec holds for both architectures)
                self.err("<function name=\"%s\">: arch is for a hook, not a spec"
                         % el.get("name"), 'arch="')

    def run(self):
        try:
            root = ET.parse(self.path).getroot()
        except ET.ParseError as e:
            self.errors.append("%s:%d:%d: not well-formed XML: %s"
                               % (self.path, e.position[0], e.position[1], e))
            return self.errors
        if root.tag != "hookManager":
            self.err("the root element is <%s>, not <hookManager>" % root.tag)
            return self.errors
        self.check_attrs(root)
        self.collect_types(root)
        self.check_structs()
        self.check_specs(root)
        self.check_hooks(root)
        return self.errors


def split_outside_parens(text):
    """size="ENTER/RETURN" is split on a '/' outside parentheses and
    brackets, as ospy splits it: a division is written inside them,
    ((arg.n + 63) / 64); a '?' outside them keeps it whole (C reads each '/'
    of c ? a / b : d as a division)."""
    parts, depth, start, top_q = [], 0, 0, False
    for i, c in enumerate(text):
        depth += (c in "([") - (c in ")]")
        if c == "/" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        top_q = top_q or (c == "?" and depth == 0)
    return [text] if top_q else parts + [text[start:]]


def decode_flags(members, value):
    """The decoding the config format documents for flags enumerations:
    members are (name, value) or (name, value, mask); for each mask the first
    member whose value the masked bits equal, then the members without a mask
    whose bits are all set, then the rest."""
    members = [m if len(m) == 3 else (m[0], m[1], 0) for m in members]
    names, rest, done = [], value, 0
    for name, v, mask in members:
        if mask and not done & mask and value & mask == v:
            names.append(name)
            done |= mask
            rest &= ~mask
    for name, v, mask in members:
        if not mask and v and value & v == v and rest & v:
            names.append(name)
            rest &= ~v
    if rest or (not names and value):
        names.append("0x%x" % rest)
    return names


def cross_check(lints):
    """Presets may be loaded together: a function belongs to one preset, and
    a type defined by several presets is defined the same way in each."""
    errors, spec_home, type_text = [], {}, {}
    for lint in lints:
        for name in getattr(lint, "specs", {}):
            if name in spec_home:
                errors.append("%s: spec %s is also defined in %s"
                              % (lint.path, name, spec_home[name]))
            spec_home.setdefault(name, lint.path)
        root = ET.parse(lint.path).getroot()
        for el in list(root.iter("enumeration")) + list(root.iter("structure")):
            key = (el.get("name"), el.get("arch"))
            tail, el.tail = el.tail, None
            text = re.sub(r"\s+", " ", ET.tostring(el, encoding="unicode")).strip()
            el.tail = tail
            prev = type_text.setdefault(key, (lint.path, text))
            if prev[1] != text:
                errors.append("%s: type %s differs from its definition in %s"
                              % (lint.path, key[0], prev[0]))
    return errors


def expand(paths):
    """Directories stand for the *.xml files in them."""
    out = []
    for p in paths:
        out += sorted(glob.glob(os.path.join(p, "*.xml"))) if os.path.isdir(p) else [p]
    return out


def main(paths):
    if not paths:
        sys.exit(__doc__)
    errors, lints = [], []
    paths = expand(paths)
    for p in paths:
        lints.append(Lint(p))
        errors += lints[-1].run()
    if not errors:
        errors += cross_check(lints)
    for e in errors:
        print(e, file=sys.stderr)
    print("lintcat: %d file(s), %d problem(s)" % (len(paths), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
