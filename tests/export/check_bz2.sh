#!/bin/sh
# The .osd's bzip2 stream, blocks compressed on worker threads and joined
# (src/export/bz2_parallel.h): test-bz2 compares it with libbz2's own stream
# in process; here with the bzip2 tool's, and ospy import reads back an .osd
# of several blocks.
# usage: check_bz2.sh TEST_BZ2 OSPY OUT_DIR
set -eu
tb=$1 ospy=$2 out=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
"$tb" "$out"
cd "$out"
command -v bzip2 > /dev/null || { echo "SKIP: no bzip2 tool"; exit 77; }
for f in *.in; do
  n=${f%.in}
  bzip2 -9 -c "$f" > "$n.tool" || fail "bzip2 -9 -c $f"
  cmp "$n.bz2" "$n.tool" || fail "$n: not what bzip2 -9 -c writes"
  echo "$n: identical to bzip2 -9 -c ($(wc -c < "$n.tool") bytes)"
done
# the .osd's payload is bzip2 -9 of the XML that ospy import reads from it
"$ospy" import big.osd -o big.xml 2> import.log || fail "import: $(cat import.log)"
grep -q "4000 events from big.osd" import.log || fail "import summary: $(cat import.log)"
blocks=$(($(wc -c < big.xml) / 899981 + 1))
[ "$blocks" -ge 3 ] || fail "big.xml is $(wc -c < big.xml) bytes: want several blocks"
tail -c +17 big.osd > big.payload
bzip2 -9 -c big.xml | cmp - big.payload || fail "big.osd: the payload is not bzip2 -9 of its XML"
echo "big.osd: 4000 events read back; its payload is bzip2 -9 -c of their XML ($(wc -c < big.xml) bytes)"
"$ospy" import big.osd --format osd -o rt.osd 2> /dev/null || fail "import -> osd"
cmp rt.osd big.osd || fail "import -> osd is not byte-identical"
echo "big.osd: imported to .osd again, byte-identical"
# a write that fails while workers compress: the error, exit 1, no file left
if sh -c 'trap "" XFSZ; ulimit -f 8; exec "$0" import big.osd -o fsz.osd' "$ospy" 2> fsz.log; then
  fail "an .osd larger than the file size limit was written"
fi
grep -qx "ospy import: fsz.osd: File too large" fsz.log || fail "write error: $(cat fsz.log)"
[ ! -e fsz.osd ] || fail "fsz.osd left behind"
echo "big.osd past the file size limit: $(cat fsz.log), exit 1, no file"
