#!/usr/bin/env python3
"""Whether an .osd (or its XML) has a capture's events in the order they
began, as oSpy's agent numbered them: ids 1..N in document order, and the
events those of the capture's JSON Lines export (its records' order, its
ids the record ordinals) sorted by start time (timestamp_ns), ties in the
order recorded. Every event once. Standard library only.

    check_start_order.py FILE.osd|FILE.xml FILE.jsonl [--list]
prints "N events, M of them not where the capture has them: in start order"
or what is wrong (exit 1); with --list, instead of that line, one line per
event in document order: "ID PID TID TYPE NAME FIRST-IN-ARGUMENT" ("-":
none).
"""
import bz2
import json
import struct
import sys
import xml.etree.ElementTree as ET

FILETIME_UNIX = 116444736000000000


def xml_of(path):
    data = open(path, 'rb').read()
    if data[:4] != b'oSpy':
        return data
    version, compressed, count = struct.unpack('<III', data[4:16])
    payload = bz2.decompress(data[16:]) if compressed else data[16:]
    return payload, count


def first_in_value(args):
    return args[0].get('value') if args else None


def xml_signature(ev):
    """(pid, tid, FILETIME, type, name, first in-argument's value)"""
    name = ev.find('name')
    args = ev.findall("arguments[@direction='in']/argument/value")
    return (int(ev.get('processId')), int(ev.get('threadId')), int(ev.get('timestamp')),
            ev.get('ospyType') or ev.get('type'),
            (name.get('ospyName') or name.text) if name is not None else None,
            first_in_value(args))


def json_signature(o):
    args = [a for a in o.get('args_in', []) if 'value' in a]
    return (o['pid'], o['tid'], o['timestamp_ns'] // 100 + FILETIME_UNIX, o['type'],
            o.get('name'), args[0]['value'] if args else None)


def fail(msg):
    print('FAIL:', msg)
    sys.exit(1)


def main():
    got = xml_of(sys.argv[1])
    count = None
    if isinstance(got, tuple):
        got, count = got
    events = ET.fromstring(got).findall('event')
    records = [json.loads(line) for line in open(sys.argv[2])]
    if [o['id'] for o in records] != list(range(1, len(records) + 1)):
        fail('the JSON Lines ids are not the record ordinals')
    ids = [int(e.get('id')) for e in events]
    if ids != list(range(1, len(events) + 1)):
        bad = next(i for i, v in enumerate(ids) if v != i + 1)
        fail('ids are not 1..N in document order: id %d is event %d' % (ids[bad], bad + 1))
    if count is not None and count != len(events):
        fail('the header says %d events, the XML has %d' % (count, len(events)))
    if len(events) != len(records):
        fail('%d events, the capture has %d' % (len(events), len(records)))
    want = sorted(records, key=lambda o: (o['timestamp_ns'], o['id']))
    for i, (e, o) in enumerate(zip(events, want)):
        if xml_signature(e) != json_signature(o):
            fail('event %d is %s, expected the capture\'s event %d %s'
                 % (i + 1, xml_signature(e), o['id'], json_signature(o)))
    stamps = [int(e.get('timestamp')) for e in events]
    if any(b < a for a, b in zip(stamps, stamps[1:])):
        fail('a timestamp earlier than the one before it')
    if '--list' in sys.argv:
        for e in events:
            pid, tid, _, typ, name, arg = xml_signature(e)
            print(e.get('id'), pid, tid, typ, name or '-', arg or '-')
        return
    moved = sum(1 for i, o in enumerate(want) if o['id'] != i + 1)
    print('%d events, %d of them not where the capture has them: in start order'
          % (len(events), moved))


main()
