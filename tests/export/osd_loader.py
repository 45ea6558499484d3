#!/usr/bin/env python3
"""What the original oSpy loader reads of an .osd, read the same way
(standard library only). Modelled on oleavr/ospy's oSpy.SharpDumpLib:

  DumpLoader.cs   the header, bzip2, one <event> at a time, the event count
  EventFactory.cs the event's attributes; a FunctionCall's <name> split on
                  "::", element [1] choosing a parser
  Dump.cs         no id twice
  Socket/CreateEvent.cs, ConnectEvent.cs, SendEvent.cs, ReceiveEvent.cs,
  CloseEvent.cs and Xml/FunctionCallDataElement.cs: the parsers of socket,
                  connect, send, recv and closesocket, with their XPath reads
                  and .NET conversions
and oSpy's GUI (oSpy/MainForm.cs), which describes each loaded event:

  CreateEventDescription  a FunctionCall's in-argument values and its return
                  value's value attribute, read unchecked (a returned
                  structure without one threw: the dump was closed)

Any exception there makes the original reject the whole file; this script
then prints why and exits 1.

    osd_loader.py FILE.osd [-v]   -v: one line per parsed socket call, and
                                  "described " and the GUI's text of each call
"""
import base64
import bz2
import re
import struct
import sys
import xml.etree.ElementTree as ET

EVENT_TYPES = ("Debug", "Info", "Warning", "Error", "FunctionCall", "AsyncResult",
               "IOCTL_INTERNAL_USB_SUBMIT_URB")
FILETIME_MAX = 2650467743999999999  # DateTime.FromFileTimeUtc's limit


class Rejected(Exception):
    pass


def net_integer(s, lo, hi, what):
    """Convert.ToInt32/ToUInt32/ToInt64(string): NumberStyles.Integer."""
    if s is None:
        raise Rejected("%s: NullReferenceException (no such node)" % what)
    if not re.fullmatch(r"\s*[+-]?[0-9]+\s*", s):
        raise Rejected("%s: FormatException for %r" % (what, s))
    v = int(s)
    if not lo <= v <= hi:
        raise Rejected("%s: OverflowException for %r" % (what, s))
    return v


def enum_parse(s, names, what):
    """Enum.Parse(typeof(EventType), s): surrounding blanks ignored; a
    decimal number is taken as the value whatever it is; else names
    (case-sensitive) separated by commas, OR'ed together."""
    t = s.strip() if s is not None else None
    if not t:
        raise Rejected("%s %r: Enum.Parse throws" % (what, s))
    if t[0].isdigit() or t[0] in "+-":
        if not re.fullmatch(r"[+-]?[0-9]+", t):
            raise Rejected("%s %r: Enum.Parse throws" % (what, s))
        return int(t)
    value = 0
    for part in t.split(","):
        if part.strip() not in names:
            raise Rejected("%s %r: Enum.Parse throws" % (what, s))
        value |= names.index(part.strip())
    return value


def net_hex(s, signed, what):
    """Convert.ToInt32(s, 16) / Convert.ToUInt32(s, 16): 0x prefix allowed,
    at most 32 bits, the Int32 form two's complement."""
    body = s[2:] if s[:2] in ("0x", "0X") else s
    if not re.fullmatch(r"[0-9a-fA-F]{1,8}", body):
        raise Rejected("%s: Convert.To%s(%r, 16) throws" % (what, "Int32" if signed else "UInt32", s))
    v = int(body, 16)
    return v - (1 << 32) if signed and v >= 1 << 31 else v


def convert_string(s, signed, what):
    """FunctionCallDataElement.ConvertStringToInt / ConvertStringToUInt."""
    if s.startswith("0x"):
        return net_hex(s, signed, what)
    if signed:
        return net_integer(s, -(1 << 31), (1 << 31) - 1, what)
    return net_integer(s, 0, (1 << 32) - 1, what)


class Call:
    """FunctionCallDataElement: XPath reads of one <event>. SelectSingleNode
    returns the first match in document order, or null."""

    def __init__(self, ev):
        self.ev = ev

    def _args(self, direction):
        return [a for a in self.ev.findall("arguments") if a.get("direction") == direction]

    def arg_values(self, direction, n):
        """/event/arguments[@direction=D]/argument[n]/value"""
        out = []
        for args in self._args(direction):
            argv = args.findall("argument")
            if len(argv) >= n:
                out += argv[n - 1].findall("value")
        return out

    def arg_value_attr(self, n):
        """GetSimpleArgumentValueAsString(n): .../argument[n]/value/@value InnerText.Trim()"""
        for v in self.arg_values("in", n):
            if v.get("value") is not None:
                return v.get("value").strip()
        raise Rejected("in argument[%d]/value/@value: NullReferenceException" % n)

    def arg_value_value(self, direction, n):
        """.../argument[n]/value/value, or None"""
        for v in self.arg_values(direction, n):
            inner = v.findall("value")
            if inner:
                return inner[0]
        return None

    def arg_int(self, n, signed):
        return convert_string(self.arg_value_attr(n), signed, "in argument[%d]" % n)

    def return_value(self, signed):
        for rv in self.ev.findall("returnValue"):
            for v in rv.findall("value"):
                if v.get("value") is not None:
                    return convert_string(v.get("value").strip(), signed, "returnValue")
        raise Rejected("/event/returnValue/value/@value: NullReferenceException")

    def last_error(self):
        for le in self.ev.findall("lastError"):
            if le.get("value") is not None:
                return net_integer(le.get("value"), -(1 << 31), (1 << 31) - 1, "lastError")
        raise Rejected("/event/lastError/@value: NullReferenceException")


def inner_text(node):
    return "".join(node.itertext())


def from_base64(text, what):
    """Convert.FromBase64String: whitespace ignored, padding required."""
    t = re.sub(r"\s", "", text)
    try:
        return base64.b64decode(t, validate=True)
    except ValueError:
        raise Rejected("%s: Convert.FromBase64String throws for %r" % (what, text[:60]))


def field_value(sa, name):
    """saNode.SelectSingleNode("field[@name=NAME]/value/@value").Value"""
    for f in sa.findall("field"):
        if f.get("name") == name:
            for v in f.findall("value"):
                if v.get("value") is not None:
                    return v.get("value")
    raise Rejected("sockaddr field[@name='%s']/value/@value: NullReferenceException" % name)


def parse_socket(c):
    fam, typ, proto = c.arg_value_attr(1), c.arg_value_attr(2), c.arg_value_attr(3)
    return "socket af=%s type=%s protocol=%s result=%d" % (fam, typ, proto, c.return_value(False))


def parse_connect(c):
    s = c.arg_int(1, False)
    sa = c.arg_value_value("in", 2)
    if sa is None:
        raise Rejected("in argument[2]/value/value (the address): NullReferenceException")
    family = field_value(sa, "sin_family")
    ep = None
    if family == "AF_INET":
        addr = field_value(sa, "sin_addr")
        if not re.fullmatch(r"(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}", addr):
            raise Rejected("sin_addr: IPAddress.Parse(%r) throws" % addr)
        port = net_integer(field_value(sa, "sin_port"), -(1 << 31), (1 << 31) - 1, "sin_port")
        if not 0 <= port <= 65535:
            raise Rejected("sin_port %d: IPEndPoint throws" % port)
        ep = "%s:%d" % (addr, port)
    result = "Success" if c.return_value(True) == 0 else "error %d" % c.last_error()
    return "connect s=%d family=%s endpoint=%s result=%s" % (s, family, ep, result)


def parse_send(c):
    s = c.arg_int(1, False)
    buf = c.arg_value_value("in", 2)
    if buf is None:
        raise Rejected("in argument[2]/value/value (the buffer): NullReferenceException")
    data = from_base64(inner_text(buf).strip(), "send buffer")
    flags = c.arg_int(4, True)
    return "send s=%d bytes=%d flags=%#x result=%d" % (s, len(data), flags, c.return_value(True))


def parse_recv(c):
    s = c.arg_int(1, False)
    buf = c.arg_value_value("out", 1)
    data = from_base64(inner_text(buf).strip(), "recv buffer") if buf is not None else None
    size = c.arg_int(3, True)
    flags = c.arg_int(4, True)
    return "recv s=%d bytes=%s size=%d flags=%#x result=%d" % (
        s, "null" if data is None else len(data), size, flags, c.return_value(True))


def parse_closesocket(c):
    return "closesocket s=%d result=%d" % (c.arg_int(1, False), c.return_value(True))


def describe_call(ev):
    """MainForm.CreateEventDescription of a FunctionCall: "name(args) => ret"."""
    name = inner_text(ev.find("name")).split("::", 1)[-1]
    args = []
    for a in ev.findall("arguments"):
        if a.get("direction") == "in":
            for arg in a.findall("argument"):
                for v in arg.findall("value"):
                    args.append(v.get("value") if v.get("value") is not None else "<FIXME>")
    ret = ""
    node = ev.find("returnValue/value")  # SelectSingleNode("/event/returnValue/value")
    if node is not None:
        if node.get("value") is None:
            raise Rejected("MainForm.CreateEventDescription: /event/returnValue/value/@value "
                           "(a %s): NullReferenceException" % node.get("type"))
        ret = " => " + node.get("value")
    return "%s(%s)%s" % (name, ", ".join(args), ret)


PARSERS = {"socket": parse_socket, "connect": parse_connect, "send": parse_send,
           "recv": parse_recv, "closesocket": parse_closesocket}


def create_event(ev, seen_ids):
    """EventFactory.CreateEvent + Dump.AddEvent, and the GUI's description of
    a FunctionCall: its name, the parser's line or None, the description."""
    eid = net_integer(ev.get("id"), 0, (1 << 32) - 1, "id")
    etype = enum_parse(ev.get("type"), EVENT_TYPES, "type")
    ts = net_integer(ev.get("timestamp"), -(1 << 63), (1 << 63) - 1, "timestamp")
    if not 0 <= ts <= FILETIME_MAX:
        raise Rejected("timestamp %d: DateTime.FromFileTimeUtc throws" % ts)
    if ev.get("processName") is None:
        raise Rejected("processName: NullReferenceException")
    net_integer(ev.get("processId"), 0, (1 << 32) - 1, "processId")
    net_integer(ev.get("threadId"), 0, (1 << 32) - 1, "threadId")
    if eid in seen_ids:
        raise Rejected("id %d is already in the dump" % eid)
    seen_ids.add(eid)
    if etype != EVENT_TYPES.index("FunctionCall"):
        return None, None, None
    name = ev.find("name")
    if name is None:
        raise Rejected("/event/name: NullReferenceException")
    parts = inner_text(name).strip().split("::")
    if len(parts) < 2:
        raise Rejected("<name>%s</name>: Split(\"::\")[1] IndexOutOfRangeException" % inner_text(name))
    parser = PARSERS.get(parts[1])
    line = parser(Call(ev)) if parser else None
    return parts[1], line, describe_call(ev)  # the GUI, once the dump is loaded


def events(path):
    data = open(path, "rb").read()
    if len(data) < 16:
        raise Rejected("header: EndOfStreamException")
    magic = data[:4].decode("ascii", "replace")
    version, compressed, count = struct.unpack("<III", data[4:16])
    if magic != "oSpy":
        raise Rejected("invalid signature '%s'" % magic)
    if version != 2:
        raise Rejected("unsupported version %d" % version)
    if compressed not in (0, 1):
        raise Rejected("invalid value for isCompressed")
    body = data[16:]
    if compressed:
        body = bz2.BZ2Decompressor().decompress(body)  # the first stream only
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise Rejected("XmlTextReader: %s" % e)
    evs = list(root.iter("event"))
    if len(evs) < count:
        raise Rejected("expected %d events, read %d" % (count, len(evs)))
    return evs[:count]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("-")]
    if len(args) != 1:
        print(__doc__)
        return 2
    seen, parsed, prev = set(), {}, 0
    try:
        evs = events(args[0])
        for ev in evs:
            try:
                fname, line, description = create_event(ev, seen)
            except Rejected as e:
                raise Rejected("Error processing event following id %d: %s" % (prev, e))
            prev = int(ev.get("id"))
            if line:
                parsed[fname] = parsed.get(fname, 0) + 1
                if "-v" in argv:
                    print(line)
            if description and "-v" in argv:
                print("described " + description)
    except Rejected as e:
        print("%s: rejected: %s" % (args[0], e))
        return 1
    print("%d events; parsed: %s" % (len(evs), " ".join(
        "%s=%d" % (k, parsed[k]) for k in sorted(parsed)) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
