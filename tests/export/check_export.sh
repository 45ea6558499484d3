#!/bin/sh
# ospy export of a capture file holding every record kind (made by
# test-export-capture): exact XML, the .osd read by the independent Python
# reader and by ospy import, JSON Lines through jq, and damaged input.
# usage: check_export.sh OSPY TEST_EXPORT_CAPTURE GOLDEN_DIR OUT_DIR PYTHON READ_OSD_PY
set -eu
ospy=$1 mk=$2 golden=$3 out=$4 py=$5 reader=$6
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cd "$out"
"$mk" cap.ospy

"$ospy" export cap.ospy -o cap.xml 2> export.log || fail "export: $(cat export.log)"
grep -q "10 events to cap.xml" export.log || fail "summary: $(cat export.log)"
cmp cap.xml "$golden/capture.xml" || fail "XML differs from golden/capture.xml"
"$ospy" export cap.ospy --format=xml -o cap.eq 2>/dev/null || fail "export --format=xml"
cmp cap.eq "$golden/capture.xml" || fail "export --format=xml: XML differs"

# pcapng of calls without socket data: an empty capture file, said so
"$ospy" export cap.ospy -o cap.pcapng 2> pcap.log || fail "export pcapng: $(cat pcap.log)"
grep -qx "ospy export: 0 packets from 10 events to cap.pcapng" pcap.log || fail "pcapng summary: $(cat pcap.log)"
grep -q "warning: no socket data" pcap.log || fail "pcapng without packets: no warning: $(cat pcap.log)"

# "--" ends the options: a capture whose name starts with '-'
cp cap.ospy ./-cap.ospy
"$ospy" export -o dash.xml -- -cap.ospy 2>/dev/null || fail "export -- -cap.ospy"
cmp dash.xml "$golden/capture.xml" || fail "export -- -cap.ospy: XML differs"

# .osd: oSpy's container around the same XML; read back by two readers
"$ospy" export cap.ospy --format osd -o cap.osd 2>/dev/null
tail -c +17 cap.osd | bzip2 -dc | cmp - "$golden/capture.xml" || fail ".osd payload"
"$py" "$reader" cap.osd > py.txt || fail "read_osd.py rejects the export"
tail -n 1 py.txt | grep -qx "10 events" || fail "python reader: $(tail -n 1 py.txt)"
grep -qx "  name libc.so.6::read" py.txt || fail "python reader: no read call"
# module-canonical, as oSpy wrote them: libc (loaded at 0x7f0000000000) is a
# shared library, so its offset; an address in no module left out, as oSpy's
# agent left it out (JSON Lines keeps it, below)
grep -qx "  backtrace 0x12345@libc.so.6" py.txt || fail "python reader: backtrace: $(grep backtrace py.txt)"
# raw words are numbered from 1, as oSpy's agent named them (show: arg0..)
grep -qx "  in arg1 = UInt64 '3'" py.txt && grep -qx "  in arg2 = UInt64 '0x7ffc00001000'" py.txt ||
  fail "python reader: args"
# oSpy's loader takes the part after "::" as the function: a hook without a
# module (an older capture's bare -f name) is named ::getpid, not getpid
grep -qx "  name ::getpid" py.txt || fail "python reader: the bare-named hook"
"$ospy" import cap.osd -o back.xml 2>/dev/null
cmp back.xml "$golden/capture.xml" || fail "export -> osd -> import changed the events"

# JSON Lines
"$ospy" export cap.ospy -o cap.jsonl 2>/dev/null
[ "$(jq -s length cap.jsonl)" = 10 ] || fail "not 10 JSON lines"
ev() { jq -e -s --argjson id "$1" ".[] | select(.id == \$id) | $2" cap.jsonl > /dev/null; }
ev 3 '.name == "libc.so.6::read" and .duration_ns == 1500 and .return_address == "0x555555554abc"' ||
  fail "call fields"
ev 3 '.backtrace[0].module == "libc.so.6" and (.backtrace[1] | has("module") | not)' ||
  fail "backtrace modules"
# a frame found by scanning the stack says so, as show --backtrace does
ev 3 '(.backtrace[0] | has("scanned") | not) and .backtrace[1].scanned == true' ||
  fail "scanned frame: $(jq -c 'select(.id == 3) | .backtrace' cap.jsonl)"
ev 4 '.return.value == "-1" and .errno == 9' || fail "failed call"
ev 5 '.args_in[0].subtype == "ospy.values" and .args_in[0].base64 == "VgEBAAABAw==" and .args_out[0].size == 4' ||
  fail "undecoded values"
ev 7 '.message == "[libc.so.6::read] hook failed: <symbol> & \"quotes\""' || fail "message"
ev 6 '.name == "::getpid"' || fail "a hook without its module"
ev 9 '.type == "Lost" and .message == "7 events lost" and .count == 7' ||
  fail "lost: $(jq -c 'select(.id == 9)' cap.jsonl)"
# ... and from the .osd, where it is only the message oSpy's format has room for
"$ospy" import cap.osd -o back.jsonl 2>/dev/null
jq -e -s '.[] | select(.id == 9) | .type == "Lost" and .count == 7' back.jsonl > /dev/null ||
  fail "imported lost: $(jq -c 'select(.id == 9)' back.jsonl)"
# the type is the XML's ospyType where it has one, else its type (docs/export-formats.md)
xml_types=$(grep -o '<event [^>]*>' cap.xml | sed -E 's/.* type="([A-Za-z]*)"( ospyType="([A-Za-z]*)")?.*/\1 \3/' |
  awk '{ print $NF }' | tr '\n' ' ')
jsonl_types=$(jq -r .type cap.jsonl | tr '\n' ' ')
[ "$xml_types" = "$jsonl_types" ] || fail "JSON Lines types '$jsonl_types', the XML's '$xml_types'"
# argv quoted as show quotes it: its words can be told apart
ev 1 '.type == "ProcessStart" and .message == "demo --serve '"'cat x >/dev/null; exec y'"'"' ||
  fail "ProcessStart: $(jq -c 'select(.id == 1) | .message' cap.jsonl)"
ev 10 '.type == "ProcessExit" and .message == "exited with status 3"' || fail "ProcessExit"

# damaged input: clear error, exit 1
printf 'not a capture' > junk.ospy
if "$ospy" export junk.ospy -o junk.xml 2> junk.log; then fail "junk exported"; fi
grep -q "junk.ospy" junk.log || fail "junk message: $(cat junk.log)"
[ ! -e junk.xml ] || fail "output left for junk input"
size=$(wc -c < cap.ospy)
head -c $((size - 40)) cap.ospy > cut.ospy
"$ospy" export cut.ospy -o cut.xml 2> cut.log && st=0 || st=$?
grep -q "cut.ospy" cut.log || fail "truncated capture not reported: $(cat cut.log)"
if "$ospy" export cap.ospy --format pcap -o x.pcap 2>/dev/null; then fail "unknown format"; fi
# the format from OUT's extension: .json is perfetto's (it said it could not
# tell); an extension it does not know: the error lists those it does
"$ospy" export cap.ospy -o cap.json 2> json.log || fail "export to .json: $(cat json.log)"
jq -e '.traceEvents | length > 0' cap.json > /dev/null || fail ".json is not the perfetto export"
"$ospy" export cap.ospy --format perfetto -o cap-perfetto.json 2>/dev/null
cmp cap.json cap-perfetto.json || fail ".json differs from --format perfetto"
if "$ospy" export cap.ospy -o x.pcap 2> ext.log; then fail "unknown extension accepted"; else rc=$?; fi
[ "$rc" = 2 ] || fail "unknown extension: exit $rc, expected 2"
echo "export -o x.pcap: $(cat ext.log)"
grep -qx "ospy export: cannot tell the format from 'x.pcap': its extension is none of .osd .osd-plain .xml .jsonl .perfetto .json (perfetto) .pcapng; give --format" ext.log ||
  fail "unknown extension message: $(cat ext.log)"
# the list is every extension export takes: each one listed is taken, and
# each format's own name (--format) is listed (.perfetto and .osd-plain,
# taken, were missing from it and from export --help)
list=$(sed -n 's/.*is none of \(.*\); give --format$/\1/p' ext.log)
listed=$(printf '%s\n' "$list" | tr ' ' '\n' | grep '^\.')
"$ospy" export --help | grep -qxF "    $list" || fail "export --help does not list the extensions [$list]: $("$ospy" export --help)"
for ext in $listed; do
  "$ospy" export cap.ospy -o "every$ext" 2> every.log || fail "export -o every$ext, an extension the error lists: $(cat every.log)"
done
for f in $("$ospy" export --help | sed -n 's/.*--format \([a-z|-]*\)\].*/\1/p' | tr '|' ' '); do
  printf '%s\n' "$listed" | grep -qxF ".$f" || fail "extension .$f (taken: format $f) is not listed: $(cat ext.log)"
done
echo "export: extensions listed and taken: $(echo $listed)"
# the output is never the input: refused (exit 2), the capture kept
cp cap.ospy same.ospy
if "$ospy" export same.ospy --format jsonl -o same.ospy 2> same.log; then fail "export onto its input"; else rc=$?; fi
[ "$rc" = 2 ] || fail "export onto its input: exit $rc"
grep -q "same.ospy is the input file itself" same.log || fail "same-file message: $(cat same.log)"
cmp same.ospy cap.ospy || fail "export onto its own input changed it"
# an .osd that cannot go where OUT says (stdout, a device): refused up front
# as a usage error, exit 2 like the refusals above (it was 1)
for o in - /dev/null; do
  if "$ospy" export cap.ospy --format osd -o "$o" > osd.out 2> osd.log; then fail ".osd to $o"; else rc=$?; fi
  [ "$rc" = 2 ] || fail ".osd to $o: exit $rc, expected 2 ($(cat osd.log))"
  grep -q "an .osd must be written to a" osd.log || fail ".osd to $o: message $(cat osd.log)"
  [ ! -s osd.out ] || fail ".osd to $o: bytes written"
done
# -o -: stdout named "stdout" when it fails, as show names it (it was "-:
# No space left on device"); a pcapng goes to a pipe, not onto a terminal
if "$ospy" export cap.ospy --format jsonl -o - > /dev/full 2> full.log; then fail "export to /dev/full"; else rc=$?; fi
[ "$rc" = 1 ] || fail "export to /dev/full: exit $rc, expected 1"
grep -qx "ospy export: stdout: No space left on device" full.log || fail "export to /dev/full: $(cat full.log)"
echo "export -o - >/dev/full: exit 1, $(cat full.log)"
"$ospy" export cap.ospy --format pcapng -o - 2>/dev/null | cmp - cap.pcapng || fail "pcapng to stdout differs from -o cap.pcapng"
"$py" - "$ospy" > tty.log <<'PY' || fail "pcapng onto a terminal: $(cat tty.log)"
import os, pty, select, subprocess, sys
master, slave = pty.openpty()
p = subprocess.run([sys.argv[1], "export", "cap.ospy", "--format", "pcapng", "-o", "-"],
                   stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
shown = b""
while select.select([master], [], [], 0.2)[0]:
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    shown += data
print("exit %d, %d bytes on the terminal, %s" % (p.returncode, len(shown), p.stderr.decode().strip()))
sys.exit(0 if p.returncode == 2 and not shown else 1)
PY
grep -qF "a pcapng is binary: not written to a terminal" tty.log || fail "pcapng onto a terminal: $(cat tty.log)"
echo "export pcapng -o - on a terminal: $(cat tty.log)"
echo "export: ok (truncated capture: exit $st)"
