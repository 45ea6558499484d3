#!/bin/sh
# The .osd and its XML have the events in the order they began, ids 1..N in
# that order, as oSpy's agent numbered them (it took a call's id when the
# call was entered; oSpy lists events by id); ospy records a call when it
# returns. check_start_order.py compares them with the capture's records
# (JSON Lines, in the order recorded) sorted by start time, ties in the
# order recorded; every event once.
#   check_order.sh synthetic OSPY TEST_EXPORT_CAPTURE OUT_DIR PYTHON CHECK_PY LOADER_PY
#     a capture with nested calls, ties, a call that blocked while more
#     events than the exporter's window were recorded, a wait for a child
#   check_order.sh capture OSPY ORDER_PROG OUT_DIR PYTHON CHECK_PY LOADER_PY
#     a real capture of order-prog: nested hooked calls, threads working
#     while another blocks, a parent waiting for its child (injects the agent)
set -eu
mode=$1 ospy=$2 prog=$3 out=$4 py=$5 check=$6 loader=$7
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# exports CAPTURE to .osd, osd-plain, xml and jsonl; checks the order of each;
# the .osd loads in oSpy's loader and reads back through import unchanged
export_all() {
  for f in osd osd-plain xml jsonl; do
    "$ospy" export "$1.ospy" --format "$f" -o "$1.$f" 2>> export.log || fail "export $f: $(cat export.log)"
  done
  for f in osd osd-plain xml; do
    "$py" "$check" "$1.$f" "$1.jsonl" > "$1.$f.check" || fail "$f: $(cat "$1.$f.check")"
  done
  echo "$1.osd: $(cat "$1.osd.check")"
  "$py" "$check" "$1.osd" "$1.jsonl" --list > "$1.list"
  "$py" "$loader" "$1.osd" > "$1.loader" || fail "oSpy's loader rejects $1.osd: $(cat "$1.loader")"
  "$ospy" import "$1.osd" -o "$1.back.xml" 2>/dev/null || fail "import $1.osd"
  cmp "$1.back.xml" "$1.xml" || fail "$1: export -> osd -> import changed the events"
}
# the first words (calls) or types of the events listed on stdin, as a line
words() { awk '{ printf "%s%s", sep, ($6 != "-" ? $6 : $4); sep = " " }'; }
expect_words() { # WHICH EXPECTED (stdin: the events)
  got=$(words)
  echo "$1: $got"
  [ "$got" = "$2" ] || fail "$1: expected '$2'"
}

case $mode in
synthetic)
  "$prog" --order order.ospy || fail "cannot write the capture"
  export_all order
  # outer 1 before its inner 2 and 3, 4 before 5 before 6; 7 and 8 began at
  # the same nanosecond (in the order recorded); 10 blocked from when 9 and 11
  # began, while calls 100.. were made; it was recorded after 5000 of them
  head -n 16 order.list | expect_words "the first 16 events" \
    "ProcessStart ModuleLoad 1 2 3 4 5 6 7 8 9 10 11 100 101 102"
  # 12 waited for process 200 from before it started
  tail -n 8 order.list | expect_words "the last 8" "5099 12 ProcessStart 13 14 ProcessExit Error ProcessExit"
  ;;
capture)
  cat > order.xml <<X
<hookManager><specs><functions>
<function name="inner" logNested="true"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="outer"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="wait_for"><returnValue type="Int32"/><arguments><argument name="fd" type="Int32"/><argument name="ready" type="Int32"/></arguments></function>
<function name="reap"><returnValue type="Int32"/><arguments><argument name="pid" type="Int32"/><argument name="ready" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="$(basename "$prog")"><function specId="inner"/><function specId="outer"/>
<function specId="wait_for"/><function specId="reap"/></module></hooks></hookManager>
X
  "$ospy" capture -q -F -c order.xml -o run.ospy -- "$prog" 40 3 2> capture.log ||
    fail "capture: $(cat capture.log)"
  export_all run
  calls() { awk -v n="$1" '$4 == "FunctionCall" && $5 ~ ("::" n "$")' run.list; }
  [ "$(calls outer | wc -l)" = 160 ] && [ "$(calls inner | wc -l)" = 320 ] ||
    fail "expected 160 outer and 320 inner calls: $(cut -d' ' -f5 run.list | sort | uniq -c)"
  # each outer call before the two inner calls it made, in every thread
  for tid in $(calls outer | awk '{ print $3 }' | sort -u); do
    seq=$(awk -v t="$tid" '$3 == t && $4 == "FunctionCall" { sub(/.*::/, "", $5); printf "%s ", $5 }' run.list)
    rest=$(echo "$seq" | sed 's/outer inner inner //g')
    [ -z "$rest" ] || fail "thread $tid: '$seq' is not (outer inner inner)*"
  done
  echo "every thread: outer inner inner, $(calls outer | wc -l) times"
  # the blocked wait_for and reap came before all the calls made meanwhile
  first_of() { awk -v n="$1" '$5 ~ ("::" n "$") { print $1; exit }' run.list; }
  wait_id=$(first_of wait_for) reap_id=$(first_of reap)
  parent=$(awk '$5 ~ /::wait_for$/ { print $2 }' run.list)
  workers_first=$(calls outer | awk -v p="$parent" '$2 == p { print $1; exit }')
  child_first=$(calls outer | awk -v p="$parent" '$2 != p { print $1; exit }')
  echo "wait_for $wait_id, first worker call $workers_first; reap $reap_id, first call of the child $child_first"
  [ "$wait_id" -lt "$workers_first" ] || fail "wait_for after the calls made while it blocked"
  [ "$reap_id" -lt "$child_first" ] || fail "reap after the child's calls"
  ;;
*) fail "mode $mode" ;;
esac
echo "start order: ok"
