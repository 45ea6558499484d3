#!/usr/bin/env python3
"""An independent oSpy .osd reader, written from the format description in
ORIGINAL-OSPY.md only (standard library: struct, bz2, xml.etree). It stands in
for "tools written for oSpy": the test compares what it prints with what the
events are known to hold.

    read_osd.py FILE.osd    prints one block per event; exit 1 on bad input
"""
import base64
import bz2
import datetime
import struct
import sys
import xml.etree.ElementTree as ET

FILETIME_EPOCH = datetime.datetime(1601, 1, 1)


def filetime_text(ft):
    secs, frac = divmod(ft, 10**7)
    when = FILETIME_EPOCH + datetime.timedelta(seconds=secs)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{frac:07d}Z"


def value_text(v):
    """One <value> (with its pointee, fields or elements) on one line."""
    t = v.get("type")
    out = t
    if v.get("subType") is not None:
        out += f"({v.get('subType')})"
    if t == "Array":
        out += f"<{v.get('elementType')}>[{v.get('elementCount')}]"
    if t == "ByteArray":
        data = base64.b64decode(v.text or "", validate=True)
        if int(v.get("size")) != len(data):
            raise ValueError(f"ByteArray size {v.get('size')} != {len(data)}")
        out += f"[{len(data)}] {data!r}"
        if v.get("totalSize") is not None:
            out += f" of {v.get('totalSize')}"
    if v.get("value") is not None:
        out += f" {v.get('value')!r}"
    if v.get("unreadable") is not None:
        out += f" unreadable@{v.get('unreadable')}"
    fields = [f"{f.get('name')} = {field_text(f)}" for f in v.findall("field")]
    inner = [value_text(c) for c in v.findall("value")]
    if fields:
        out += " {" + ", ".join(fields) + "}"
    if inner and t == "Array":
        out += " [" + ", ".join(inner) + "]"
    elif inner:
        out += " -> " + " -> ".join(inner)
    return out


def field_text(f):
    """A structure's field: its value, or none (its memory was unreadable)."""
    v = f.find("value")
    if v is not None:
        return value_text(v)
    return f"(no value) unreadable@{f.get('unreadable')}"


def print_event(ev):
    print(f"event {ev.get('id')} {ev.get('type')} {filetime_text(int(ev.get('timestamp')))} "
          f"{ev.get('processName')}[{ev.get('processId')}/{ev.get('threadId')}]")
    name = ev.find("name")
    if name is not None:
        print(f"  name {name.text}")
    bt = ev.find("backtrace")
    if bt is not None:
        frames = [f"{e.text.strip()}@{e.get('moduleName', '?')}" for e in bt.findall("entry")]
        print("  backtrace " + " ".join(frames))
    for args in ev.findall("arguments"):
        for a in args.findall("argument"):
            v = a.find("value")
            shown = value_text(v) if v is not None else "(no value)"
            print(f"  {args.get('direction')} {a.get('name')} = {shown}")
    rv = ev.find("returnValue")
    if rv is not None:
        print(f"  return {value_text(rv.find('value'))}")
    le = ev.find("lastError")
    if le is not None:
        print(f"  lastError {le.get('value')}")
    msg = ev.find("message")
    if msg is not None:
        print(f"  message {msg.text!r}")


def open_payload(f):
    """Returns (announced event count, a binary stream of the XML)."""
    head = f.read(16)
    if head[:4] == b"oSpy":
        if len(head) < 16:
            raise ValueError("truncated header")
        version, compressed, count = struct.unpack("<III", head[4:16])
        if version != 2:
            raise ValueError(f"unsupported version {version}")
        if compressed not in (0, 1):
            raise ValueError(f"bad isCompressed {compressed}")
        f.seek(16)
        return count, (bz2.BZ2File(f) if compressed else f)
    if head[:3] == b"BZh":  # the older variant: all of it bzip2
        f.seek(0)
        z = bz2.BZ2File(f)
        (count,) = struct.unpack("<I", z.read(4))
        return count, z  # then a BOM and the XML; expat handles the BOM
    raise ValueError("not an .osd file")


def main(path):
    with open(path, "rb") as f:
        count, stream = open_payload(f)
        seen = 0
        depth = 0
        for kind, el in ET.iterparse(stream, events=("start", "end")):
            depth += 1 if kind == "start" else -1
            if kind == "end" and el.tag == "event" and depth == 1:
                print_event(el)
                seen += 1
                el.clear()
    if seen != count:
        raise ValueError(f"header announces {count} events, found {seen}")
    print(f"{seen} events")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (ValueError, OSError, EOFError, ET.ParseError) as e:
        print(f"read_osd.py: {sys.argv[1]}: {e}", file=sys.stderr)
        sys.exit(1)
