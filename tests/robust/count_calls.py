#!/usr/bin/env python3
"""Reads `ospy show --backtrace` on stdin and prints, per hooked function,
the number of calls made from MODULE (their return address, backtrace
entry #0, lies in the module's ModuleLoad range): NAME=COUNT, sorted.
Also prints lost=N (events reported lost) and other=N (calls from elsewhere).
    count_calls.py MODULE_PATH_SUFFIX"""
import re
import sys

suffix = sys.argv[1]
mod = re.compile(r'--- loaded (.*) at (0x[0-9a-f]+) \((0x[0-9a-f]+) bytes\)$')
call = re.compile(r'^\S+ \[[0-9:]+\] (?:[^ ]*!)?([A-Za-z_][A-Za-z0-9_]*)\(')
bt0 = re.compile(r'^    #0 (0x[0-9a-f]+)\b')
lost = re.compile(r'--- lost ([0-9]+) events?')
ranges = []
counts = {}
other = 0
nlost = 0
pending = None
for line in sys.stdin:
    line = line.rstrip('\n')
    if pending is not None:
        m = bt0.match(line)
        name, pending = pending, None
        if m:
            a = int(m.group(1), 16)
            if any(lo <= a < hi for lo, hi in ranges):
                counts[name] = counts.get(name, 0) + 1
            else:
                other += 1
            continue
        other += 1
    m = mod.search(line)
    if m:
        if m.group(1).endswith(suffix):
            lo = int(m.group(2), 16)
            ranges.append((lo, lo + int(m.group(3), 16)))
        continue
    m = lost.search(line)
    if m:
        nlost += int(m.group(1))
        continue
    m = call.match(line)
    if m:
        pending = m.group(1)
if pending is not None:
    other += 1
for k in sorted(counts):
    print(f'{k}={counts[k]}')
print(f'lost={nlost}')
print(f'other={other}')
