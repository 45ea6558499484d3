#!/bin/sh
# ospy import end to end, the bzip2 and jq command-line tools on the outputs.
# usage: check_cli.sh OSPY TEST_EXPORT GOLDEN_DIR OUT_DIR
set -eu
ospy=$1 tx=$2 golden=$3 out=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out"
"$tx" write "$out"
cd "$out"

# the header, byte for byte: "oSpy", version 2, compressed 1, 5 events
hdr=$(head -c 16 golden.osd | od -An -tx1 | tr -d ' \n')
[ "$hdr" = 6f53707902000000010000000500000000 ] && fail "header check is broken"
[ "$hdr" = 6f537079020000000100000005000000 ] || fail "header $hdr"

# the payload is a plain bzip2 stream holding exactly the XML export
tail -c +17 golden.osd | bzip2 -dc > payload.xml || fail "bzip2 -d rejects the payload"
cmp payload.xml "$golden/events.xml" || fail "payload differs from the XML"

# ospy import: to each format; by extension and by --format
"$ospy" import golden.osd -o imported.xml 2> import.log
grep -q "5 events from golden.osd (oSpy v2)" import.log || fail "import summary: $(cat import.log)"
cmp imported.xml "$golden/events.xml" || fail "import -> xml"
"$ospy" import golden.osd --format osd -o rt.out
cmp rt.out golden.osd || fail "import -> osd is not byte-identical"
"$ospy" import old.osd -o old.xml 2> old.log
grep -q "all-bzip2 variant" old.log || fail "old variant not recognised: $(cat old.log)"
cmp old.xml "$golden/events.xml" || fail "old variant -> xml"
"$ospy" import golden-plain.osd --format xml -o - > stdout.xml 2>/dev/null
cmp stdout.xml "$golden/events.xml" || fail "import to stdout"
"$ospy" import golden.osd -o imported.jsonl 2>/dev/null
# "--" ends the options: an input whose name starts with '-'
cp golden.osd ./-golden.osd
"$ospy" import -o dash.xml -- -golden.osd 2>/dev/null || fail "import -- -golden.osd"
cmp dash.xml "$golden/events.xml" || fail "import -- -golden.osd -> xml"

# jq reads every line, and the fields say what the events held.
# ev ID EXPR: EXPR must be true for the event with that id (slurped, so that
# jq -e judges exactly one output).
ev() { jq -e -s --argjson id "$1" ".[] | select(.id == \$id) | $2" golden.jsonl > /dev/null; }
jq -e . imported.jsonl > /dev/null || fail "jq cannot parse the import"
jq -e . golden.jsonl > /dev/null || fail "jq cannot parse the export"
[ "$(jq -s length golden.jsonl)" = 5 ] || fail "not 5 JSON lines"
ev 2 '.args_out[0].children[0].base64 == "R0VUIC8gSFRUUC8xLjENCg=="' || fail "recv buffer"
[ "$(jq -r 'select(.id == 2) | .args_out[0].children[0].base64 | @base64d' golden.jsonl)" = \
  "$(printf 'GET / HTTP/1.1\r')" ] || fail "base64 does not decode to the request"
ev 3 '.errno == 111 and .return.value == "-1"' ||
  fail "connect errno/return"
ev 3 '.args_in[1].children[0].children[1] == {"name":"sin_port","type":"UInt16","value":"80"}' || fail "struct field"
ev 3 '.args_in[6].value == "a<b & \"c\"\t\n\r\u0001\ufffd\u00e9"' || fail "escaped string"
ev 2 '.timestamp_ns == 1700000000123456789 and .duration_ns == 2500' || fail "timestamps"
# the same time as text, exact for readers whose numbers are doubles (jq 1.6)
ev 2 '.timestamp == "2023-11-14T22:13:20.123456789Z"' || fail "timestamp text"
jq -e -s '.[1].timestamp_ns == 1700000000123456700' imported.jsonl > /dev/null ||
  fail "imported timestamp should be FILETIME precision"
[ "$(jq -r 'select(.type == "Error") | .message' golden.jsonl)" = \
  "signature 'X' specified for function not found" ] || fail "message"

# bad input: clean error, non-zero exit, no output left behind
head -c 200 golden.osd > cut.osd
if "$ospy" import cut.osd -o cut.xml 2> cut.log; then fail "truncated file imported"; fi
grep -q "cut.osd: truncated" cut.log || fail "truncation message: $(cat cut.log)"
[ ! -e cut.xml ] || fail "partial output left behind"
printf 'hello' > text.osd
if "$ospy" import text.osd -o t.xml 2> text.log; then fail "text file imported"; fi
grep -q "offset 0: not an oSpy capture" text.log || fail "magic message: $(cat text.log)"
if "$ospy" import golden.osd -o out.unknown 2> ext.log; then fail "unknown extension accepted"; fi
grep -q "give --format" ext.log || fail "extension message: $(cat ext.log)"
grep -q "none of .osd .osd-plain .xml .jsonl .perfetto .json (perfetto) .pcapng" ext.log || fail "the extensions known are not listed: $(cat ext.log)"
if "$ospy" import golden.osd --format osd -o - 2> osdout.log; then fail ".osd to stdout"; else st=$?; fi
[ "$st" = 2 ] || fail ".osd to stdout: exit $st, expected 2 (a usage error, as the refusals below)"
# nor to a FIFO: refused before anything is written (its count is patched
# last, which a pipe cannot take); fd 3 holds the FIFO open for reading so
# that opening it does not block, and shows what was written into it
rm -f out.fifo && mkfifo out.fifo
exec 3<>out.fifo
if "$ospy" import golden.osd --format osd -o out.fifo 2> fifo.log; then fail ".osd to a FIFO"; else st=$?; fi
[ "$st" = 2 ] || fail ".osd to a FIFO: exit $st, expected 2"
grep -q "out.fifo: an .osd must be written to a regular file, not a FIFO" fifo.log ||
  fail "FIFO message: $(cat fifo.log)"
printf 'end' > out.fifo
[ "$(dd bs=64 count=1 <&3 2>/dev/null)" = end ] || fail "bytes written to the FIFO before the refusal"
exec 3<&-
mkdir -p adir.osd
if "$ospy" import adir.osd -o d.xml 2> dir.log; then fail "a directory imported"; fi
grep -q "adir.osd: Is a directory" dir.log || fail "directory message: $(cat dir.log)"
if "$ospy" import missing.osd -o m.xml 2> missing.log; then fail "missing file"; fi
grep -q "missing.osd: No such file" missing.log || fail "missing message: $(cat missing.log)"

# the output is never the input, and a failed import leaves an existing OUT as it was
cp golden.osd same.osd
if "$ospy" import same.osd -o same.osd 2> same.log; then fail "import onto its own input"; else st=$?; fi
[ "$st" = 2 ] || fail "import onto its input: exit $st"
grep -q "same.osd is the input file itself" same.log || fail "same-file message: $(cat same.log)"
cmp same.osd golden.osd || fail "import onto its own input changed it"
ln -s same.osd same-link.osd
if "$ospy" import same.osd --format osd -o same-link.osd 2>/dev/null; then fail "import onto a link to its input"; fi
cmp same.osd golden.osd || fail "import onto a link to its input changed it"
echo precious > keep.jsonl
chmod 640 keep.jsonl
if "$ospy" import cut.osd -o keep.jsonl 2>/dev/null; then fail "truncated file imported over keep.jsonl"; fi
[ "$(cat keep.jsonl)" = precious ] || fail "a failed import destroyed the existing output"
"$ospy" import golden.osd -o keep.jsonl 2>/dev/null || fail "import over an existing file"
cmp keep.jsonl imported.jsonl || fail "import over an existing file: content"
[ "$(stat -c %a keep.jsonl)" = 640 ] || fail "the replaced output lost its mode"
# a new one is its owner's only, as the capture it comes from (it was 0644)
(umask 022 && "$ospy" import golden.osd -o fresh.jsonl 2>/dev/null) || fail "import to a new file"
[ "$(stat -c %a fresh.jsonl)" = 600 ] || fail "a new output is mode $(stat -c %a fresh.jsonl), not 600"
ls -a | grep -q '^\.keep' && fail "temporary file left behind"
# a symlink OUT: the file it names is replaced, the link stays
echo old > target.xml
ln -s target.xml link.xml
"$ospy" import golden.osd -o link.xml 2>/dev/null || fail "import to a symlink"
[ -L link.xml ] || fail "the symlink OUT was replaced by a file"
cmp target.xml "$golden/events.xml" || fail "import to a symlink: content"
# every export format, as --help says: perfetto and pcapng too
"$ospy" import --help > help.txt
grep -q 'xml|jsonl|osd|osd-plain|perfetto|pcapng' help.txt || fail "import --help: $(head -1 help.txt)"
"$ospy" import golden.osd --format perfetto -o golden.json 2>/dev/null || fail "import -> perfetto"
jq -e '[.traceEvents[] | select(.ph == "X")] | length > 0' golden.json > /dev/null ||
  fail "import -> perfetto: no slices"
"$ospy" import golden.osd -o by-ext.json 2>/dev/null || fail "import -> .json"
cmp by-ext.json golden.json || fail "import -> .json is not the perfetto export"
# --format=NAME, as getopt_long takes it in show, stats, capture
"$ospy" import golden.osd --format=perfetto -o eq.out 2>/dev/null || fail "import --format=perfetto"
cmp eq.out golden.json || fail "import --format=perfetto: not the perfetto export"
"$ospy" import golden.osd --formats=xml -o eq.out 2>err.txt && fail "import --formats=xml accepted"
grep -q "unknown option '--formats=xml'" err.txt || fail "import --formats=xml: $(cat err.txt)"
"$ospy" import golden.osd -o golden.pcapng 2>/dev/null || fail "import -> pcapng"
[ "$(head -c 4 golden.pcapng | od -An -tx1 | tr -d ' \n')" = 0a0d0d0a ] || fail "import -> pcapng: not a pcapng"

# .osd timestamps beyond what 64-bit nanoseconds since 1970 hold (before
# 1677-09-21, after 2262-04-11): timestamp="0" (1601-01-01) was clamped, so
# JSON Lines said 1677-09-21T00:12:43.145224192Z and an .osd read and written
# again had timestamp="24211015631452242"; now the FILETIME is kept
{
  printf 'oSpy\002\000\000\000\000\000\000\000\002\000\000\000'
  printf '%s' '<?xml version="1.0" encoding="utf-8" standalone="yes"?><events>'
  printf '%s' '<event id="1" type="Info" timestamp="0" processName="p" processId="1" threadId="1"><message>first</message></event>'
  printf '%s' '<event id="2" type="Info" timestamp="18446744073709551615" processName="p" processId="1" threadId="1"><message>last</message></event>'
  printf '%s' '</events>'
} > ts.osd
"$ospy" import ts.osd --format osd-plain -o ts-again.osd 2>/dev/null || fail "import ts.osd"
cmp ts.osd ts-again.osd || fail "timestamps 0 and 2^64-1 not written again as read: $(grep -ao 'timestamp="[0-9]*"' ts-again.osd | tr '\n' ' ')"
"$ospy" import ts.osd --format jsonl -o - 2>/dev/null | jq -r .timestamp > ts.txt
[ "$(cat ts.txt)" = "1601-01-01T00:00:00.000000000Z
60056-05-28T05:36:10.955161500Z" ] || fail "JSON Lines timestamps: $(cat ts.txt)"
# one event is "1 event" ("1 events from ts1.osd", "1 events to")
head -c 12 ts.osd > ts1.osd
printf '\001\000\000\000<events><event id="1" type="Info" timestamp="0" processName="p" processId="1" threadId="1"><message>hi</message></event></events>' >> ts1.osd
"$ospy" import ts1.osd -o ts1.xml 2> ts1.log || fail "import ts1.osd: $(cat ts1.log)"
grep -qx "ospy import: 1 event from ts1.osd (oSpy v2, uncompressed)" ts1.log || fail "import of one event: $(cat ts1.log)"
echo "cli: $(cat ts1.log)"
echo "cli: timestamps 0 and 2^64-1 kept by import -> .osd; JSON Lines: $(cat ts.txt | tr '\n' ' ')"
echo "cli: ok"
