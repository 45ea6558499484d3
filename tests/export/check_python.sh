#!/bin/sh
# An independent reader (read_osd.py, Python standard library only) reads the
# .osd files ospy writes: v2 compressed, v2 uncompressed, the older variant.
# usage: check_python.sh PYTHON TEST_EXPORT GOLDEN_DIR OUT_DIR READ_OSD_PY
set -eu
py=$1 tx=$2 golden=$3 out=$4 reader=$5
"$tx" write "$out"
for f in golden.osd golden-plain.osd old.osd; do
  "$py" "$reader" "$out/$f" > "$out/$f.txt"
  diff -u "$golden/read_osd.expected" "$out/$f.txt"
done
# and it rejects what it should: a damaged file must not read as valid
head -c 300 "$out/golden.osd" > "$out/cut.osd"
if "$py" "$reader" "$out/cut.osd" > /dev/null 2>&1; then
  echo "read_osd.py accepted a truncated file" >&2
  exit 1
fi
echo "python reader: ok"
