#!/bin/sh
# Readers: ospy show filters, -x, colour; ospy stats; export --format perfetto;
# bounded memory on a large capture.
#   show_test.sh CASE OSPY MAKE_CAPTURE [DEMO DEMO_XML]
# Synthetic captures come from make_capture.c (contents listed there).
set -u
case_name=$1 ospy=$2 make=$3 demo=${4:-} demo_xml=${5:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ospy-show-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC
fail() { echo "FAIL ($case_name): $*"; exit 1; }
count() { # count WANT ARGS...: `ospy show ARGS` prints WANT lines
  want=$1; shift
  got=$("$ospy" show "$@" 2>"$tmp/err" | wc -l)
  [ "$got" = "$want" ] || { cat "$tmp/err"; fail "show $*: $got lines, expected $want"; }
}
bad() { # bad TEXT ARGS...: exit status 2 and TEXT on stderr
  text=$1; shift
  "$ospy" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 2 ] || fail "$*: exit $rc, expected 2"
  grep -qF -- "$text" "$tmp/err" || { cat "$tmp/err"; fail "$*: no '$text' in the error"; }
}
has() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "missing: $2"; }; }

synth() { "$make" "$tmp/s.ospy" "$1" || fail "make_capture failed"; cap=$tmp/s.ospy; }

case $case_name in
filters)
  synth 1000
  count 1004 "$cap"                          # start, 1000 calls, error, lost, exit
  count 502 -e fast "$cap"                   # 500 calls + the error + the lost count
  count 502 -e 'libsyn.so!sl*' "$cap"
  count 1002 --module 'libsyn*' "$cap"
  count 2 --module other "$cap"              # no call; the error and the lost count stay
  count 52 --failed "$cap"                   # 50 fast calls returned -1
  count 952 --successful "$cap"
  count 50 --failed -e fast --pid 100 --until +0.001 "$cap"
  count 251 --tid 101 -e '*' --filter 'tid == 101 && arg0 % 2 == 1' --pid 100 "$cap" # + lost
  count 2 --grep-hex '00' "$cap"              # raw words are no buffers: error + lost only
  count 501 --tid 101 "$cap"                 # 500 calls + the lost count of thread 101
  count 101 --since +0.0001 --until +0.0002 "$cap"
  count 101 --since 22:13:20.0001 --until 22:13:20.000200 "$cap"
  count 12 --filter 'arg0 < 10' "$cap"       # 10 calls + error + lost (call filter given)
  count 52 --filter 'retval == -1 && errno == 9' "$cap"
  count 102 --filter 'duration > 4000' "$cap"
  count 2 --filter 'pid != 100' "$cap"
  # filters that match no call say so on stderr (exit 0); one that matches says nothing
  for f in "--module other" "--filter pid!=100" "--pid 99999" "-e nosuch"; do
    "$ospy" show $f "$cap" >/dev/null 2>"$tmp/err" || fail "show $f: exit $?"
    echo "show $f: $(cat "$tmp/err")"
    grep -qx 'ospy show: no call matched the filters (1000 calls read)' "$tmp/err" ||
      fail "show $f: no note that nothing matched"
  done
  "$ospy" show -e fast "$cap" >/dev/null 2>"$tmp/err"
  [ ! -s "$tmp/err" ] || { cat "$tmp/err"; fail "show -e fast: a note though calls matched"; }
  "$ospy" show -e fast --failed "$cap" | head -1 >"$tmp/line"
  has "$tmp/line" '[100] libsyn.so!fast(arg0=0, arg1=0x1000, arg2=0, arg3=0, arg4=0, arg5=0) = -1 EBADF (Bad file descriptor)'
  "$ospy" show --color=always --failed "$cap" | head -1 >"$tmp/line"
  has "$tmp/line" "$(printf '\033[1mlibsyn.so!fast\033[0m(arg0=0, arg1=0x1000, arg2=0, arg3=0, arg4=0, arg5=0) \033[31m= -1 EBADF')"
  "$ospy" show --color=auto "$cap" >"$tmp/out" 2>"$tmp/err"
  grep -q "$(printf '\033')" "$tmp/out" && fail "colour when stdout is not a terminal"
  [ -s "$tmp/err" ] && fail "stderr not empty (a progress bar when stderr is not a terminal?)"
  "$ospy" show --color=never --until +0 "$cap" >"$tmp/out"
  has "$tmp/out" '+++ process started (parent 1, 64-bit): synth'
  # a directory is no capture: said as the system says it, by every reader
  for c in show stats streams; do
    "$ospy" $c "$tmp" >/dev/null 2>"$tmp/err" && fail "$c of a directory succeeded"
    has "$tmp/err" "$tmp: Is a directory"
  done
  bad "unknown option '--bogus' (a FILE that starts with '-' goes after '--')" show --bogus "$cap"
  bad "--function: unterminated '[' at column 3 in 'ab[c'" show -e 'ab[c' "$cap"
  bad "--filter: unknown name 'nosuch' at column 9 in 'arg0 == nosuch'" show --filter 'arg0 == nosuch' "$cap"
  bad "--since +1 is after --until +0.5: no record can be in between" show --since +1 --until +0.5 "$cap"
  bad "--filter: trailing input at column 6 in 'arg0 nosuch'" show --filter 'arg0 nosuch' "$cap"
  bad "--filter: unexpected end of input at column 8 in 'arg0 =='" show --filter 'arg0 ==' "$cap"
  bad "--filter: unknown name 'nosuch' at column 10 in 'arg0 ==  nosuch'" show --filter "$(printf 'arg0 ==\n\tnosuch')" "$cap"
  bad "--since: '25:00:00' is not HH:MM:SS[.ffffff] or +SECONDS" show --since 25:00:00 "$cap"
  bad "--until: '+1x' is not +SECONDS" show --until +1x "$cap"
  bad "--pid: 'abc' is not a process or thread id" show --pid abc "$cap"
  bad "--grep-hex: 'xyz' is not hex bytes" show --grep-hex xyz "$cap"
  # --color FILE: the file taken as the colour said "no capture file named"
  bad "--color takes auto, always or never (--color=WHEN), not '$cap'" show --color "$cap"
  bad "--color takes auto, always or never (--color=WHEN), not 'sometimes'" show --color=sometimes "$cap"
  "$ospy" show --color never --until +0 "$cap" >"$tmp/out" || fail "show --color never FILE"
  has "$tmp/out" '+++ process started (parent 1, 64-bit): synth'
  bad "cannot be combined with --successful" show --failed --successful "$cap"
  "$ospy" show /nonexistent 2>"$tmp/err" && fail "a missing file must fail"
  has "$tmp/err" "/nonexistent"
  echo "filters: counts, colour, errors as expected" ;;
stats)
  synth 1000
  "$ospy" stats "$cap" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "stats exited $?"; }
  # total 1.5 ms; min 1 us, lower median 3000 ns reported as its bucket's middle
  # (3008 ns, within 1/32), max 5 us
  has "$tmp/out" '       500        0     1.50ms     1.00us     3.01us     5.00us  libsyn.so!slow'
  # durations below 16 ns are exact: total 2994 ns, lower median 6 ns
  has "$tmp/out" '       500       50     2.99us        3ns        6ns        9ns  libsyn.so!fast'
  has "$tmp/out" '      1000       50  total'
  has "$tmp/out" '         7 events lost (dropped by --lossy, or calls that could not be recorded)'
  has "$tmp/out" 'libsyn.so!slow: 500 calls, latency (ns, K = 1024)'
  has "$tmp/out" '  [512, 1K)               100 |@@@@@@@@@@@@@@@@@@@@                    |'  # 1000 ns
  has "$tmp/out" '  [2K, 4K)                200 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|'
  [ "$(sed -n 2p "$tmp/out" | awk '{print $NF}')" = libsyn.so!slow ] || fail "not sorted by total"
  "$ospy" stats --sort errors --no-hist "$cap" >"$tmp/out"
  [ "$(sed -n 2p "$tmp/out" | awk '{print $NF}')" = libsyn.so!fast ] || fail "--sort errors"
  grep -q latency "$tmp/out" && fail "--no-hist printed histograms"
  "$ospy" stats -e fast --tid 101 --no-hist "$cap" >"$tmp/out"
  has "$tmp/out" '       250        0     1.50us        3ns        6ns        9ns  libsyn.so!fast'
  grep -q slow "$tmp/out" && fail "-e fast kept slow"
  bad "--sort: 'speed' is not total, calls, errors, max or name" stats --sort speed "$cap"
  bad "--filter: unknown name 'x' at column 1" stats --filter 'x' "$cap"
  echo "stats: exact counts, totals, median within its bound, histograms" ;;
perfetto)
  command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
  synth 1000
  "$ospy" export "$cap" --format perfetto -o "$tmp/t.json" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "export exited $?"; }
  jq -e . "$tmp/t.json" >/dev/null || fail "not JSON"
  [ "$(jq '[.traceEvents[] | select(.ph == "X")] | length' "$tmp/t.json")" = 1000 ] ||
    fail "expected 1000 slices"
  [ "$(jq -r '[.traceEvents[] | select(.ph == "M") | "\(.name)=\(.args.name)"] | sort | join(",")' "$tmp/t.json")" = \
    "process_name=synth,thread_name=main 100,thread_name=thread 101" ] || fail "metadata events"
  [ "$(jq -r '[.traceEvents[] | select(.ph == "i") | .name] | join(",")' "$tmp/t.json")" = \
    "error,events lost,process exit" ] || fail "instant events"
  jq -e '.traceEvents[] | select(.ph == "X" and .args.id == 2)
         | .name == "libsyn.so::fast" and .ts == 1 and .dur == 0.003
           and .tid == 100 and .args.return == "-1" and .args.errno == 9
           and .args.in.arg0 == "0" and .args.in.arg1 == "4096"' "$tmp/t.json" >/dev/null ||
    { jq -c '.traceEvents[] | select(.ph == "X")' "$tmp/t.json" | head -2; fail "first slice"; }
  # ts count from the capture's start (1700000000 s), written in otherData
  jq -e '.otherData.ts_origin_ns == "1700000000000000000"' "$tmp/t.json" >/dev/null ||
    fail "otherData: $(jq -c .otherData "$tmp/t.json")"
  [ "$(jq '[.traceEvents[] | select(.ph == "X" and .tid == 101)] | length' "$tmp/t.json")" = 500 ] ||
    fail "thread 101 should hold 500 slices"
  "$ospy" export "$cap" --format perfetto -o - 2>/dev/null | jq -e '.traceEvents | length == 1006' >/dev/null ||
    fail "stdout output"
  bad "unknown format 'perfeto'" export "$cap" --format perfeto -o "$tmp/x"
  echo "perfetto: 1000 slices, 2 threads named, 3 instants, valid JSON" ;;
bigmem)
  # 1,000,000 calls of 136 bytes (136 MB of records; the perfetto JSON is
  # about 300 MB): every reader runs in 128 MiB of address space, about 90 of
  # which are libraries, the 16 MiB chunk and 16 MiB compressed buffers.
  synth 1000000
  limit=131072
  (ulimit -v $limit && "$ospy" show "$cap" | tail -1 >"$tmp/out") 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "show under ulimit -v $limit"; }
  has "$tmp/out" '+++ exited with 0 +++'
  n=$( (ulimit -v $limit && "$ospy" show -x -e slow --filter 'arg0 % 1000 == 1' "$cap") | wc -l)
  [ "$n" = 1002 ] || fail "filtered show under ulimit: $n lines"
  (ulimit -v $limit && "$ospy" stats "$cap" >"$tmp/out") 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "stats under ulimit -v $limit"; }
  has "$tmp/out" '   1000000    50000  total'
  (ulimit -v $limit && "$ospy" export "$cap" --format perfetto -o "$tmp/t.json") 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "export under ulimit -v $limit"; }
  n=$(grep -c '"ph":"X"' "$tmp/t.json")
  [ "$n" = 1000000 ] || fail "perfetto: $n slices"
  if [ -x /usr/bin/time ]; then # for the log only: peak resident set sizes
    /usr/bin/time -f 'show: peak RSS %M KiB' "$ospy" show "$cap" >/dev/null
    /usr/bin/time -f 'stats: peak RSS %M KiB' "$ospy" stats "$cap" >/dev/null
  fi
  echo "bigmem: show, stats, export of 1M calls within $limit KiB" ;;
enum-sign)
  # An enumeration with a negative member is signed (docs/config.md): a value
  # that is none of its members (-123) is shown, filtered, judged failed and
  # exported as negative, one rule everywhere (show wrote 4294967173 while
  # --failed counted it negative and 'retval < 0' matched nothing). One
  # without a negative member is unsigned: never failed. Flags stay hex.
  # x86-64, and i386 when it builds and runs here (-O0: functions of a few
  # bytes cannot be hooked).
  cat >"$tmp/e.c" <<'C'
#include <stdio.h>
enum status { ST_ERR = -1, ST_OK = 0 };
enum color { RED = 1, GREEN = 2 };
__attribute__((noinline)) enum status op(enum status in, short sh) { return in == ST_OK ? ST_ERR : (enum status)(sh - 128); }
__attribute__((noinline)) enum color col(unsigned v) { return (enum color)v; }
__attribute__((noinline)) unsigned fl(unsigned v) { return v; }
int main(void) {
  volatile int r = op(ST_OK, 0) + op((enum status)-263, 5) + (int)col(2) + (int)col(0xfffffff0u) + (int)fl(0xfffffff0u);
  printf("%d\n", r);
  return 0;
}
C
  cat >"$tmp/e.xml" <<'X'
<hookManager>
  <types>
    <enumeration name="Status"><member name="ST_ERR" value="-1"/><member name="ST_OK" value="0"/></enumeration>
    <enumeration name="Color"><member name="RED" value="1"/><member name="GREEN" value="2"/></enumeration>
    <enumeration name="Bits" flags="true"><member name="B4" value="0x10"/></enumeration>
  </types>
  <specs><functions>
    <function name="op"><returnValue type="Status"/><arguments>
      <argument name="in" type="Status"/><argument name="sh" type="Color" marshalAs="Int16"/></arguments></function>
    <function name="col"><returnValue type="Color"/><arguments><argument name="v" type="UInt32"/></arguments></function>
    <function name="fl"><returnValue type="Bits"/><arguments><argument name="v" type="Bits"/></arguments></function>
  </functions></specs>
  <hooks><module name="e64"><function specId="op"/><function specId="col"/><function specId="fl"/></module>
    <module name="e32"><function specId="op"/><function specId="col"/><function specId="fl"/></module></hooks>
</hookManager>
X
  check_enum_sign() { # PROGRAM
    m=$(basename "$1")
    "$ospy" capture -q -c "$tmp/e.xml" -o "$tmp/$m.ospy" -- "$1" >/dev/null 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture of $m exited $?"; }
    cap=$tmp/$m.ospy
    "$ospy" show "$cap" >"$tmp/out" 2>&1
    has "$tmp/out" "$m!op(in=ST_OK, sh=0) = ST_ERR"
    has "$tmp/out" "$m!op(in=-263, sh=5) = -123"
    has "$tmp/out" "$m!col(v=2) = GREEN"
    has "$tmp/out" "$m!col(v=4294967280) = 4294967280"
    has "$tmp/out" "$m!fl(v=B4|0xffffffe0) = B4|0xffffffe0"
    "$ospy" show --failed "$cap" >"$tmp/failed" 2>&1
    grep "$m!" "$tmp/failed"
    [ "$(grep -c "$m!" "$tmp/failed")" = 2 ] || fail "$m: --failed: the two negative Status returns, no Color"
    "$ospy" show --filter 'retval < 0' "$cap" >"$tmp/neg" 2>&1
    cmp -s "$tmp/failed" "$tmp/neg" || { cat "$tmp/neg"; fail "$m: 'retval < 0' is not what --failed lists"; }
    count 1 --filter 'retval == -123' "$cap"
    count 1 --filter 'in < 0' "$cap"
    count 1 --filter 'in == -263 && sh == 5' "$cap"
    count 1 -e col --filter 'retval > 0x7fffffff' "$cap"     # Color is unsigned
    "$ospy" export "$cap" --format jsonl -o "$tmp/e.jsonl" 2>"$tmp/err" || { cat "$tmp/err"; fail "export jsonl"; }
    has "$tmp/e.jsonl" '{"name":"in","type":"Enum","subtype":"Status","value":"-263"}'
    has "$tmp/e.jsonl" '"return":{"type":"Enum","subtype":"Status","value":"-123"},"errno":0,"failed":true'
    # a value of an unsigned enumeration that is none of its members: as
    # show writes it in JSON Lines (it was 0xfffffff0), in hex in the XML
    has "$tmp/e.jsonl" '"return":{"type":"Enum","subtype":"Color","value":"4294967280"},"errno":0,"failed":false'
    "$ospy" export "$cap" --format xml -o "$tmp/e.xml.out" 2>"$tmp/err" || { cat "$tmp/err"; fail "export xml"; }
    has "$tmp/e.xml.out" '<returnValue><value type="Enum" subType="Status" value="0xffffff85"/></returnValue>'
    has "$tmp/e.xml.out" '<returnValue><value type="Enum" subType="Color" value="0xfffffff0"/></returnValue>'
    has "$tmp/e.jsonl" '{"name":"sh","type":"Enum","subtype":"Color","value":"5"}'
    has "$tmp/e.xml.out" '<argument name="sh"><value type="Enum" subType="Color" value="0x5"/></argument>'
    "$ospy" export "$cap" --format perfetto -o "$tmp/e.json" 2>"$tmp/err" || { cat "$tmp/err"; fail "export perfetto"; }
    has "$tmp/e.json" '"in":{"in":"-263","sh":"5"},"return":"-123"'
    has "$tmp/e.json" '"in":{"v":"4294967280"},"return":"4294967280"'
    echo "$m: -123 shown, failed, matched by 'retval < 0'; JSON -123, XML 0xffffff85; Color unsigned, JSON and Perfetto 4294967280, XML 0xfffffff0"
  }
  cc -O0 -o "$tmp/e64" "$tmp/e.c" || fail "cannot build the target"
  check_enum_sign "$tmp/e64"
  if cc -m32 -O0 -o "$tmp/e32" "$tmp/e.c" 2>/dev/null && "$tmp/e32" >/dev/null 2>&1; then
    check_enum_sign "$tmp/e32"
  else
    echo "i386: skipped (no 32-bit toolchain or runtime)"
  fi ;;
demo)
  "$ospy" capture -q -c "$demo_xml" -o "$tmp/c.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  cap=$tmp/c.ospy
  "$ospy" show -x -e send "$cap" >"$tmp/out"
  has "$tmp/out" 'libc.so.6!send(sockfd=4<TCP:[->127.0.0.1:'
  has "$tmp/out" ', buf="GET /demo HTTP/1.0\r\n\r\n", len=22, flags=0x0) = 22'
  has "$tmp/out" '    buf (in, 22 bytes):'
  has "$tmp/out" '    0000  47 45 54 20 2f 64 65 6d  6f 20 48 54 54 50 2f 31  |GET /demo HTTP/1|'
  has "$tmp/out" '    0010  2e 30 0d 0a 0d 0a                                 |.0....|'
  "$ospy" show -x -s 4 -e recv "$cap" >"$tmp/out"
  has "$tmp/out" '    buf (out, 22 bytes, first 4 shown):'
  has "$tmp/out" '    0000  47 45 54 20                                       |GET |'
  count 2 --filter 'sockfd == 4' "$cap"                        # connect, send
  # '*' on a bare name: what is wrong with it (it said "applies only to a
  # pointer argument" of out, a pointer)
  bad "--filter: cannot dereference 'out': pointed-to type has no integer width at column 2" \
    show --filter '*out == 1' "$cap"
  # a register: no capture records them (it crashed show and stats)
  bad "--filter: a capture records no registers: a filter reads arguments, retval, errno, tid, pid and duration at column 15 in 'retval > 0 && reg.eax == 0'" \
    show --filter 'retval > 0 && reg.eax == 0' "$cap"
  bad "--filter: a capture records no registers" stats --filter 'reg.rsp' "$cap"
  # a name only a floating-point argument has: one error, that one (it was
  # followed by "unknown name 'count'")
  sed 's/name="count" direction="in" type="Size"/name="count" direction="in" type="Double"/' \
    "$demo_xml" >"$tmp/float.xml"
  "$ospy" capture -q -c "$tmp/float.xml" -o "$tmp/f.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture with a Double count exited $?"; }
  bad "--filter: 'count' is floating-point: expressions compute with integers only at column 1 in 'count > 1'" \
    show --filter 'count > 1' "$tmp/f.ospy"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "--filter on a Double: more than one error"; }
  # a function whose float retval the filter names: said, its calls never
  # match; not when -e leaves it out (it was said for every such function
  # of the capture, whatever -e showed)
  sed '/<function name="send">/,/<\/function>/ s|<returnValue type="SSize"/>|<returnValue type="Double"/>|' \
    "$demo_xml" >"$tmp/fret.xml"
  "$ospy" capture -q -c "$tmp/fret.xml" -o "$tmp/fr.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture with a Double return exited $?"; }
  "$ospy" show --filter 'retval < 0' "$tmp/fr.ospy" >/dev/null 2>"$tmp/err" || fail "show --filter retval exited $?"
  has "$tmp/err" "ospy show: --filter: libc.so.6!send: retval is floating-point: expressions compute with integers only at column 1: its calls never match"
  "$ospy" show -e ioctl --filter 'retval < 0' "$tmp/fr.ospy" >"$tmp/out" 2>"$tmp/err" || fail "show -e ioctl exited $?"
  [ -s "$tmp/err" ] && { cat "$tmp/err"; fail "-e ioctl --filter 'retval < 0': a note about a function -e left out"; }
  has "$tmp/out" "libc.so.6!ioctl(fd=0</dev/null>, request=TIOCGWINSZ) = -1"
  # a name one function has as a pointer and another as an integer: the
  # one the filter does not compile for is said, its calls never match (it
  # was left out silently: "no call matched", as if no call had len 22);
  # not said of a function that lacks the name, nor of one -e leaves out
  sed '/<function name="recv">/,/<\/function>/ s|name="len" direction="in" type="Size"|name="len" direction="in" type="SizePtr"|' \
    "$demo_xml" >"$tmp/lenp.xml"
  "$ospy" capture -q -c "$tmp/lenp.xml" -o "$tmp/lp.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture with a SizePtr len exited $?"; }
  for cmd in show stats; do
    "$ospy" $cmd -e send --filter 'sockfd == 4 && *len == 22' "$tmp/lp.ospy" >/dev/null 2>"$tmp/err" ||
      fail "$cmd -e send --filter *len exited $?"
    echo "$cmd -e send --filter 'sockfd == 4 && *len == 22': $(cat "$tmp/err")"
    has "$tmp/err" "ospy $cmd: --filter: libc.so.6!send: cannot dereference 'len': not a pointer at column 17: its calls never match"
  done
  "$ospy" show --filter 'sockfd == 4 && *len == 22' "$tmp/lp.ospy" >/dev/null 2>"$tmp/err" ||
    fail "show --filter *len exited $?"
  # (connect has sockfd but no len: "'*' applies only to a pointer argument")
  [ "$(grep -c 'never match' "$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "more than send said"; }
  "$ospy" show -e recv --filter 'sockfd == 4 && *len == 22' "$tmp/lp.ospy" >/dev/null 2>"$tmp/err" ||
    fail "show -e recv exited $?"
  grep -q 'never match' "$tmp/err" && { cat "$tmp/err"; fail "-e recv: a note about send, which -e left out"; }
  count 1 --filter 'arg.sockfd == 5 && retval == 22' "$cap"    # recv
  count 1 --filter 'out_len == 5' "$cap"                       # a UInt32Ptr: the value
  count 1 --grep HELLO "$cap"   # the successful dev_control (the failed one matched
                                # too while out, in/out, logged the stack's bytes)
  count 2 --grep-hex '0d 0a 0d 0a' "$cap"
  count 1 --grep-hex '0d0a0d0a' -e recv "$cap"
  count 3 --filter 'fd == 3' -e close -e read "$cap"
  # names as show prints them: enumeration and flag members of the function's
  # own arguments, errno names ("unknown name" before)
  count 1 --filter 'code == IOCTL_KS_PROPERTY' "$cap"
  count 1 --filter 'code != IOCTL_KS_PROPERTY' "$cap"           # the other dev_control
  count 2 --filter 'domain == AF_INET && type == SOCK_STREAM' "$cap"
  count 1 --filter 'flags == O_RDONLY' -e open "$cap"
  count 1 --filter 'retval == -1 && errno == ENOTTY' "$cap"     # ioctl on /dev/null
  # one call is "1 call" ("libc.so.6!send: 1 calls", "ospy: 1 calls recorded")
  "$ospy" stats -e send "$cap" >"$tmp/out"
  has "$tmp/out" 'libc.so.6!send: 1 call, latency (ns, K = 1024)'
  "$ospy" capture -f 'libc.so.6!send' -o "$tmp/one.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture -f send exited $?"; }
  has "$tmp/err" "ospy: 1 call recorded, 0 lost, 0 agent errors -> $tmp/one.ospy"
  "$ospy" diff "$tmp/one.ospy" "$tmp/one.ospy" 2>"$tmp/err" || { cat "$tmp/err"; fail "diff of a capture with itself"; }
  has "$tmp/err" "ospy diff: equivalent (1 call)"
  # a time copied from a line (microseconds) names that whole microsecond:
  # --since T --until T keeps the line (--until T left it out)
  t=$("$ospy" show -e ioctl "$cap" | cut -d' ' -f1)
  "$ospy" show --since "$t" --until "$t" "$cap" | grep -q 'ioctl(' ||
    fail "--since $t --until $t: the ioctl line at $t left out"
  # JSON Lines say which calls failed, by show --failed's rule
  "$ospy" export "$cap" -o "$tmp/c.jsonl" 2>/dev/null || fail "export jsonl"
  [ "$(jq -s -c '[.[] | select(.failed) | .name]' "$tmp/c.jsonl")" = '["libc.so.6::ioctl"]' ] ||
    fail "jsonl failed: $(jq -s -c '[.[] | select(.failed) | .name]' "$tmp/c.jsonl")"
  [ "$(jq -s '[.[] | select(.type == "FunctionCall" and (has("failed") | not))] | length' "$tmp/c.jsonl")" = 0 ] ||
    fail "jsonl: calls without \"failed\""
  [ "$(jq -s '[.[] | select(.failed == false)] | length' "$tmp/c.jsonl")" = "$("$ospy" show --successful -e '*' "$cap" | grep -c '!')" ] ||
    fail "jsonl: successful calls differ from show --successful"
  bad "--filter: unknown name 'SOCK_STREAM' at column 9 in 'code == SOCK_STREAM'" \
    show --filter 'code == SOCK_STREAM' -e dev_control "$cap"
  # --grep finds non-ASCII text in UTF-16 and UTF-32 strings too
  cat > "$tmp/w.c" <<'C'
#include <uchar.h>
#include <wchar.h>
__attribute__((noinline)) int w32(const wchar_t *s) { volatile int n = (int)wcslen(s); return n; }
__attribute__((noinline)) int w16(const char16_t *s) { volatile int n = 0; while (s[n]) n++; return n; }
int main(void) { return w32(L"h\u00e9\u2713 ok") + w16(u"h\u20ac\U0001F600!") == 11 ? 0 : 1; }
C
  cc -O1 -rdynamic -o "$tmp/w" "$tmp/w.c" || fail "cannot build w"
  cat > "$tmp/w.xml" <<'X'
<hookManager><specs><functions>
<function name="w32"><returnValue type="Int32"/><arguments><argument name="s" direction="in" type="WideStringPtr"/></arguments></function>
<function name="w16"><returnValue type="Int32"/><arguments><argument name="s" direction="in" type="UnicodeStringPtr"/></arguments></function>
</functions></specs><hooks><module name="w"><function specId="w32"/><function specId="w16"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/w.xml" -o "$tmp/w.ospy" -- "$tmp/w" || fail "capture of w"
  count 1 --grep '✓ ok' "$tmp/w.ospy"
  count 1 --grep '€😀' "$tmp/w.ospy"
  count 2 --grep 'h' "$tmp/w.ospy"
  count 0 --grep 'é€' "$tmp/w.ospy"
  # a pointer to a scalar, shown as its pointee (out=[15]): arg.out, *arg.out
  # and a bare out or *out all read the pointee the capture recorded (a NULL
  # one has none: the read faults, the call does not match); &arg.out is the
  # pointer. (*arg.out said "unknown argument 'out' at column 6", the error
  # of put, which has no out.)
  cat > "$tmp/p.c" <<'C'
static volatile int seen;
__attribute__((noinline)) int get(int x, int *out)
{
  seen = x; /* long enough to be hooked */
  if (out)
    *out = x * 3;
  return seen;
}
__attribute__((noinline)) int put(int y) { seen = y; seen += y; return seen; }
int main(void)
{
  int v = 0, w = 0;
  return get(5, &v) + get(7, 0) + get(9, &w) + put(1) == 23 ? 0 : 1;
}
C
  cc -O1 -rdynamic -o "$tmp/p" "$tmp/p.c" || fail "cannot build p"
  cat > "$tmp/p.xml" <<'X'
<hookManager><specs><functions>
<function name="get"><returnValue type="Int32"/><arguments><argument name="x" direction="in" type="Int32"/>
<argument name="out" direction="out" type="Int32Ptr"/></arguments></function>
<function name="put"><returnValue type="Int32"/><arguments><argument name="y" direction="in" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="p"><function specId="get"/><function specId="put"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/p.xml" -o "$tmp/p.ospy" -- "$tmp/p" || fail "capture of p"
  "$ospy" show --filter '*arg.out == 15' "$tmp/p.ospy" >"$tmp/out"
  has "$tmp/out" 'p!get(x=5, out=[15]) = 5'
  count 1 --filter '*arg.out == 15' "$tmp/p.ospy"
  count 1 --filter 'arg.out == 15' "$tmp/p.ospy"
  count 1 --filter '*out == 27' "$tmp/p.ospy"
  count 1 --filter 'out == 27' "$tmp/p.ospy"
  count 1 --filter 'u32[&arg.out] == 27' "$tmp/p.ospy"
  count 2 --filter '&arg.out != 0' "$tmp/p.ospy"
  count 1 --filter '&out == 0' "$tmp/p.ospy"
  count 0 --filter '*arg.out == 0' "$tmp/p.ospy"                # NULL is no 0
  count 1 --filter '!(*arg.out == 15)' "$tmp/p.ospy"            # 27; not the NULL one
  # `*` on an integer: that function's error, not put's "unknown argument"
  bad "--filter: cannot dereference 'x': not a pointer at column 2 in '*arg.x == 5'" \
    show --filter '*arg.x == 5' "$tmp/p.ospy"
  # a format argument is the pointer to its format: its address, or NULL
  # (it read as 0 whatever it was, so `fmt == 0` matched every call)
  cat > "$tmp/fm.c" <<'C'
#include <stdarg.h>
static volatile int seen;
__attribute__((noinline)) int say(int lvl, const char *fmt, ...) { seen = lvl; return seen; }
int main(void) { return say(1, "%d-%s", 5, "five") + say(2, 0) + say(3, "plain") == 6 ? 0 : 1; }
C
  cc -O1 -rdynamic -o "$tmp/fm" "$tmp/fm.c" || fail "cannot build fm"
  cat > "$tmp/fm.xml" <<'X'
<hookManager><specs><functions>
<function name="say"><returnValue type="Int32"/><arguments><argument name="lvl" direction="in" type="Int32"/>
<argument name="fmt" direction="in" type="AsciiFormatStringPtr"/></arguments></function>
</functions></specs><hooks><module name="fm"><function specId="say"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/fm.xml" -o "$tmp/fm.ospy" -- "$tmp/fm" || fail "capture of fm"
  "$ospy" show --filter 'fmt == 0' "$tmp/fm.ospy" >"$tmp/out"
  has "$tmp/out" 'fm!say(lvl=2, fmt=NULL) = 2'
  count 1 --filter 'fmt == 0' "$tmp/fm.ospy"
  count 1 --filter '!arg.fmt' "$tmp/fm.ospy"
  count 2 --filter 'arg.fmt != 0' "$tmp/fm.ospy"
  count 2 --filter 'fmt && lvl != 2' "$tmp/fm.ospy"
  "$ospy" show --failed "$cap" >"$tmp/out"
  has "$tmp/out" 'libc.so.6!ioctl(fd=0</dev/null>, request=TIOCGWINSZ) = -1 ENOTTY (Inappropriate ioctl for device)'
  [ "$(wc -l <"$tmp/out")" = 1 ] || fail "--failed: only the ioctl fails"
  count 2 --module ospy-demo "$cap"
  "$ospy" stats --no-hist "$cap" >"$tmp/out"
  has "$tmp/out" '        14        1  total'
  grep -q ' 4 .* libc.so.6!close$' "$tmp/out" || fail "stats: 4 close calls"
  if command -v jq >/dev/null; then
    "$ospy" export "$cap" --format perfetto -o "$tmp/t.json" 2>/dev/null || fail "export"
    jq -e '[.traceEvents[] | select(.name == "libc.so.6::send")][0].args.in.buf == "GET /demo HTTP/1.0\\x0d\\x0a\\x0d\\x0a"' \
      "$tmp/t.json" >/dev/null || fail "perfetto: send's buffer"
    jq -e '[.traceEvents[] | select(.name == "ospy-demo::dev_control")][0]
           | .args.in.in == "hello" and .args.out.out == "HELLO" and .args.out.out_len == "5"' \
      "$tmp/t.json" >/dev/null || fail "perfetto: dev_control's in- and out-values"
    jq -e '[.traceEvents[] | select(.name == "libc.so.6::ioctl")][0]
           | .args.return == "-1" and .args.errno == 25' "$tmp/t.json" >/dev/null ||
      fail "perfetto: ioctl's return value and errno"
  fi
  echo "demo: -x dumps, argument filters, grep, failed, stats, perfetto on a real capture" ;;
names)
  # names a traced program chose (a file it created, its command line) reach
  # the terminal escaped: control bytes and bytes that are not UTF-8 as \xNN
  cat > "$tmp/nm.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
  char path[512];
  snprintf(path, sizeof path, "%s/na_\xff\xfe_\x1b[2J.txt", argc > 1 ? argv[1] : ".");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "x\n", 2) != 2)
    return 1;
  return close(fd);
}
C
  cc -O1 -o "$tmp/nm" "$tmp/nm.c" || fail "cannot build nm"
  "$ospy" capture -q --preset files -o "$tmp/nm.ospy" -- "$tmp/nm" "$tmp" "$(printf 'arg\377\033]0;x\007')" \
    'in put.txt' "it's" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of nm"; }
  "$ospy" show -e write "$tmp/nm.ospy" >"$tmp/out"
  has "$tmp/out" "write(fd=3<$tmp/na_\\xff\\xfe_\\x1b[2J.txt>, buf=\"x\\n\", count=2) = 2"
  "$ospy" show "$tmp/nm.ospy" >"$tmp/out"
  [ "$(LC_ALL=C tr -d '\n -~' <"$tmp/out" | wc -c)" = 0 ] ||
    { cat -v "$tmp/out"; fail "show: raw bytes that are not printable text"; }
  # the command line quoted as a shell reads it back
  argv="$tmp/nm $tmp \$'arg\\xff\\x1b]0;x\\x07' 'in put.txt' 'it'\\''s'"
  has "$tmp/out" "64-bit): $argv"
  # ospy streams (the file's conversation, also with --follow) and ospy diff (the command line)
  for args in "" "--follow 1"; do
    "$ospy" streams $args "$tmp/nm.ospy" >"$tmp/out" 2>&1
    has "$tmp/out" "$tmp/na_\\xff\\xfe_\\x1b[2J.txt"
    [ "$(LC_ALL=C tr -d '\n -~' <"$tmp/out" | wc -c)" = 0 ] ||
      { cat -v "$tmp/out"; fail "streams $args: raw bytes that are not printable text"; }
  done
  # an output that cannot be written is said (streams exited 0 without a word)
  if [ -w /dev/full ]; then
    for args in "" "--follow 1" "--follow 1 -x"; do
      # shellcheck disable=SC2086 # (the arguments are words)
      "$ospy" streams $args "$tmp/nm.ospy" >/dev/full 2>"$tmp/err"
      rc=$?
      echo "streams $args >/dev/full: exit $rc: $(cat "$tmp/err")"
      [ $rc = 1 ] || fail "streams $args >/dev/full: exit $rc, expected 1"
      has "$tmp/err" "ospy streams: stdout: No space left on device"
    done
  fi
  # (against a run that created its file elsewhere: equivalent runs print no header)
  mkdir "$tmp/d2" && "$ospy" capture -q --preset files -o "$tmp/nm2.ospy" -- "$tmp/nm" "$tmp/d2" >/dev/null 2>&1 ||
    fail "capture of nm in d2"
  "$ospy" diff "$tmp/nm.ospy" "$tmp/nm2.ospy" >"$tmp/out" 2>&1
  [ $? = 1 ] || { cat -v "$tmp/out"; fail "diff of two runs creating different files: not exit 1"; }
  has "$tmp/out" "($argv)"
  [ "$(LC_ALL=C tr -d '\n -~' <"$tmp/out" | wc -c)" = 0 ] ||
    { cat -v "$tmp/out"; fail "diff: raw bytes that are not printable text"; }
  echo "names: a descriptor's name and the command line escaped as a path argument is (show, streams, diff)" ;;
raw-returns)
  # a raw return register (a call recorded without a spec) is written by one
  # rule in show and in the exports (docs/reading.md): signed at the target's
  # width, in decimal unless it can be an address (-5000 was 0xffff...ec78
  # in show while -2 was -2, and the exports had a third threshold)
  command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
  # (an int function's error return on x86-64 leaves rax's upper half zero:
  # 0xfffffffd is -3, as -4095..-1 are; beyond that it stays a word)
  want64="2 -2 -4095 -4096 -5000 -2147483747 69999 1048575 0x100000 0x7fff12345678 -9223372036854775808 -3 0xffffefff"
  want32="-2 -5000 -8192 0xffffdfff 0xf7edb7d0 0x7fffff9d 69999"
  for bits in 64 32; do
    "$make" "$tmp/r$bits.ospy" returns$bits || fail "make_capture returns$bits failed"
    want=$want64; [ $bits = 32 ] && want=$want32
    got=$("$ospy" show -e fast "$tmp/r$bits.ospy" | grep -F 'libsyn.so!fast(' | sed 's/.*) = //' |
          tr '\n' ' ' | sed 's/ $//')
    echo "show, $bits-bit: $got"
    [ "$got" = "$want" ] || fail "show, $bits-bit: expected $want"
    "$ospy" export "$tmp/r$bits.ospy" -o "$tmp/r$bits.jsonl" 2>/dev/null || fail "export to jsonl"
    got=$(jq -r 'select(.type == "FunctionCall") | .return.value' "$tmp/r$bits.jsonl" |
          tr '\n' ' ' | sed 's/ $//')
    echo "jsonl, $bits-bit: $got"
    [ "$got" = "$want" ] || fail "jsonl, $bits-bit: expected $want"
    count 3 --filter 'retval == -5000' "$tmp/r$bits.ospy" # the call, the error and the lost count
  done
  count 3 --filter 'retval == -3' "$tmp/r64.ospy"
  count 3 --failed -e fast --filter 'arg0 == 11' "$tmp/r64.ospy"   # -3: failed (+ error, lost)
  echo "raw-returns: show and the exports write raw return values alike" ;;
bad-plan)
  # a plan in the header that does not decode (the header's CRC checks) is
  # damage, as a corrupt chunk is: said, the rest read with hook#N, exit 1
  # (show, stats and export said it and exited 0)
  "$make" "$tmp/bp.ospy" badplan || fail "make_capture badplan failed"
  for cmd in show stats "export -o $tmp/bp.jsonl" "export -o $tmp/bp.osd" streams; do
    "$ospy" $cmd "$tmp/bp.ospy" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    echo "$cmd: exit $rc: $(head -1 "$tmp/err")"
    [ $rc = 1 ] || fail "$cmd: exit $rc, expected 1"
    has "$tmp/err" "the plan in the header is invalid"
  done
  [ "$("$ospy" show "$tmp/bp.ospy" 2>/dev/null | grep -c 'hook#[01](')" = 10 ] ||
    fail "show: the calls are not shown as hook#N"
  "$ospy" diff "$tmp/bp.ospy" "$tmp/bp.ospy" > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc = 2 ] || fail "diff: exit $rc, expected 2 (an error, as a corrupt chunk)"
  has "$tmp/err" "the plan in the header is invalid"
  ;;
bit-flips)
  # Every single bit of a small capture's first 4 KiB flipped, one at a time
  # (in-process: flip_sweep reads each copy as show does): never a crash or
  # a hang, and each damage named where it is: a bit of the header at its
  # own offset, mended, every record read as written (a flipped bit of the
  # header made the capture unreadable: "header checksum mismatch", "bad
  # magic", "unsupported capture version"); a bit of a chunk as that chunk,
  # the others read. Then a real capture's (the demo's plan and specs), all
  # of it. Then the readers themselves on some of those flips: each says the
  # damage first and exits as for a corrupt chunk, with the records read.
  sweep=${OSPY_FLIP_SWEEP:?}
  corpus=$(dirname "$0")/../fuzz/corpus/capture/demo-packed.ospy
  "$make" "$tmp/s.ospy" 400 2048 || fail "make_capture failed"
  [ "$(wc -c <"$tmp/s.ospy")" -gt 4096 ] || fail "the capture is not larger than the 4 KiB flipped"
  "$sweep" "$tmp/s.ospy" 4096 || fail "a flipped bit of the synthetic capture"
  "$sweep" "$corpus" 1000000 || fail "a flipped bit of the demo's capture"
  cap=$tmp/s.ospy
  "$ospy" show "$cap" >"$tmp/intact" 2>"$tmp/err" || { cat "$tmp/err"; fail "the intact capture"; }
  flip() { # flip OUT BIT...: the capture with those bits flipped
    out=$1; shift
    python3 - "$cap" "$out" "$@" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for b in sys.argv[3:]:
    d[int(b) // 8] ^= 1 << (int(b) % 8)
open(sys.argv[2], 'wb').write(d)
PY
  }
  # one bit of the magic, the version, the length, the plan, the checksum;
  # the first chunk's header and payload; the end marker's chunk
  size=$(wc -c <"$cap")
  for bits in 3 70 100 1000 2555 2565 3300 $(((size - 32) * 8 + 20)) "1000 2000"; do
    flip "$tmp/f.ospy" $bits
    "$ospy" show "$tmp/f.ospy" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    echo "bit $bits: show: exit $rc: $(head -1 "$tmp/err")"
    [ $rc = 1 ] || fail "bit $bits: show exit $rc, expected 1 (damaged)"
    case $bits in
    *' '*) has "$tmp/err" "ospy show: $tmp/f.ospy: damaged header: its checksum (offset 316) does not match, and no one flipped bit explains it: "
          has "$tmp/err" "the plan in the header is invalid"
          [ "$(wc -l <"$tmp/out")" = "$(wc -l <"$tmp/intact")" ] || fail "bits $bits: records lost"
          grep -q 'hook#0(' "$tmp/out" || fail "bits $bits: the calls are not named hook#N" ;;
    2565|3300|$(((size - 32) * 8 + 20)))
          grep -q "^ospy show: $tmp/f.ospy: corrupt chunk at offset [0-9]*: " "$tmp/err" ||
            fail "bit $bits: the chunk is not named" ;;
    *)    head -1 "$tmp/err" | grep -qx "ospy show: $tmp/f.ospy: damaged header: one bit flipped at offset $((bits / 8)) (in .*); mended: its checksum matches now" ||
            fail "bit $bits: the damage is not named at offset $((bits / 8)), mended"
          cmp -s "$tmp/out" "$tmp/intact" || fail "bit $bits: show's output differs from the intact capture's" ;;
    esac
    # the other readers say it too, first, and exit as for a corrupt chunk
    for cmd in "stats:1" "export -o $tmp/f.jsonl:1" "export -o $tmp/f.osd:1" "streams:1" "diff $cap:2"; do
      args=${cmd%:*} want=${cmd##*:}
      # shellcheck disable=SC2086 # (the arguments are words)
      "$ospy" $args "$tmp/f.ospy" >/dev/null 2>"$tmp/err2"
      rc=$?
      [ $rc = "$want" ] || { cat "$tmp/err2"; fail "bit $bits: $args: exit $rc, expected $want"; }
      what=$(sed -n 's/^ospy show: //p' "$tmp/err" | head -1)
      [ "$(grep -cF -- "$what" "$tmp/err2")" = 1 ] ||
        { cat "$tmp/err2"; fail "bit $bits: $args does not say the damage once, as show does"; }
    done
  done
  echo "stats, export (jsonl, osd), streams and diff: the damage said once, as show says it, exit 1 (diff 2)"
  ;;
cut-chunk)
  # The last chunk cut part-way (its writer killed mid-write, or still
  # writing it): the whole records of what it has are read, each checked as
  # any chunk's, and the cut said with what was recovered (the whole chunk
  # was dropped: "incomplete chunk at offset N ignored"). A chunk of these
  # records (a call, then an Info of 1000 letters zstd cannot shrink much)
  # spans several zstd blocks; zstd decodes a block once all of it is in.
  "$make" "$tmp/n.ospy" 2000 noise || fail "make_capture noise failed"
  "$ospy" show "$tmp/n.ospy" >"$tmp/intact" 2>"$tmp/err" || { cat "$tmp/err"; fail "the intact capture"; }
  chunks=$(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); o=16+struct.unpack_from('<I',d,12)[0]+4
while o+32<=len(d): print(o, 32+struct.unpack_from('<I',d,o+8)[0], struct.unpack_from('<I',d,o+16)[0]); o+=32+struct.unpack_from('<I',d,o+8)[0]" "$tmp/n.ospy")
  echo "chunks (offset, bytes, records): $(echo "$chunks" | tr '\n' ' ')"
  set -- $(echo "$chunks" | sed -n 2p) # the second chunk, cut
  at=$1 len=$2 nrec=$3
  prev=0
  for part in 1 3 5 7 8; do
    have=$((len * part / 8 - 1))
    head -c $((at + have)) "$tmp/n.ospy" >"$tmp/c.ospy"
    "$ospy" show "$tmp/c.ospy" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    echo "cut at byte $have of the chunk's $len: show: exit $rc: $(cat "$tmp/err")"
    [ $rc = 0 ] || fail "a cut chunk: exit $rc, expected 0 (cut short is no damage)"
    got=$(sed -n "s/.*is cut at byte $have of $len: \([0-9]*\) of its $nrec records recovered from it\$/\1/p" "$tmp/err")
    [ -n "$got" ] || fail "the cut is not said with what was recovered"
    head -n "$(wc -l <"$tmp/out")" "$tmp/intact" | cmp -s - "$tmp/out" ||
      fail "the records read are not the intact capture's first ones"
    [ "$(wc -l <"$tmp/out")" -gt "$prev" ] || [ "$got" = 0 ] || fail "fewer records with more of the chunk"
    prev=$(wc -l <"$tmp/out")
    [ "$part" -lt 5 ] || [ "$got" -gt $((nrec * (part - 3) / 8)) ] ||
      fail "only $got of $nrec records recovered from $part/8 of the chunk"
  done
  # the other readers say the same
  for cmd in stats "export -o $tmp/c.jsonl" streams; do
    "$ospy" $cmd "$tmp/c.ospy" >/dev/null 2>"$tmp/err2" || { cat "$tmp/err2"; fail "$cmd: exit $?"; }
    has "$tmp/err2" "$(sed -n 's/^ospy show: warning: //p' "$tmp/err")"
  done
  # A chunk of call records alone, which pack to ~10 bytes each: zstd made
  # one block of up to 128 KiB of them, and a cut anywhere in the chunk gave
  # back none (0 of 7710 at 7/8). The writer ends a block every 16 KiB.
  "$make" "$tmp/k.ospy" 20000 || fail "make_capture failed"
  "$ospy" show "$tmp/k.ospy" >"$tmp/intact" 2>"$tmp/err" || { cat "$tmp/err"; fail "the intact capture"; }
  set -- $(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); o=16+struct.unpack_from('<I',d,12)[0]+4
o+=32+struct.unpack_from('<I',d,o+8)[0]; print(o, 32+struct.unpack_from('<I',d,o+8)[0], struct.unpack_from('<I',d,o+16)[0])" "$tmp/k.ospy")
  at=$1 len=$2 nrec=$3
  for cut in 2:16 4:8 7:2; do # the chunk's part cut, 1/N of its records recovered at least
    part=${cut%:*} least=$((nrec / ${cut#*:}))
    have=$((len * part / 8))
    head -c $((at + have)) "$tmp/k.ospy" >"$tmp/c.ospy"
    "$ospy" show "$tmp/c.ospy" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    echo "calls: cut at byte $have of the chunk's $len: show: exit $rc: $(cat "$tmp/err")"
    [ $rc = 0 ] || fail "a cut chunk of calls: exit $rc, expected 0"
    got=$(sed -n "s/.*is cut at byte $have of $len: \([0-9]*\) of its $nrec records recovered from it\$/\1/p" "$tmp/err")
    [ -n "$got" ] || fail "the cut is not said with what was recovered"
    head -n "$(wc -l <"$tmp/out")" "$tmp/intact" | cmp -s - "$tmp/out" ||
      fail "the records read are not the intact capture's first ones"
    [ "$got" -ge "$least" ] ||
      fail "only $got of $nrec call records recovered from $part/8 of the chunk"
  done
  ;;
chunk-seq)
  # Whole chunks removed or copied (a file put together from pieces, a copy
  # gone wrong): every chunk says its place in the capture, so each reader
  # says what is missing, with its records and calls, exits as for a
  # corrupt chunk (1; diff 2), and reads a copied chunk once. (Nothing was
  # said: a removed chunk's calls were simply not there, a copied chunk's
  # shown twice.)
  "$make" "$tmp/s.ospy" 400 2048 || fail "make_capture failed"
  "$ospy" show "$tmp/s.ospy" >"$tmp/intact" 2>"$tmp/err" || { cat "$tmp/err"; fail "the intact capture"; }
  # splice IN OUT ORDER: the header of IN, then its chunks in ORDER (a
  # Python expression over the list c of chunk numbers)
  splice() {
    python3 - "$@" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
o = 16 + struct.unpack_from('<I', d, 12)[0] + 4
head, chunks = d[:o], []
while o + 32 <= len(d):
    n = 32 + struct.unpack_from('<I', d, o + 8)[0]
    chunks.append(d[o:o + n])
    o += n
c = list(range(len(chunks)))
order = eval(sys.argv[3])
open(sys.argv[2], 'wb').write(head + b''.join(chunks[i] for i in order))
print(len(chunks), sum(len(chunks[i]) for i in c[:5]) + len(head),
      struct.unpack_from('<I', chunks[5], 16)[0])
PY
  }
  set -- $(splice "$tmp/s.ospy" "$tmp/rm.ospy" 'c[:5] + c[6:]')
  nchunks=$1 at5=$2 nrec5=$3
  echo "$nchunks chunks; chunk 5 (at offset $at5, $nrec5 records) removed:"
  for cmd in "show:1" "stats:1" "export -o $tmp/rm.jsonl:1" "export -o $tmp/rm.osd:1" "streams:1" \
             "diff $tmp/s.ospy:2"; do
    args=${cmd%:*} want=${cmd##*:}
    # shellcheck disable=SC2086 # (the arguments are words)
    "$ospy" $args "$tmp/rm.ospy" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    echo "  ${args%% *}: exit $rc: $(grep -v '^ospy diff: .*differ' "$tmp/err" | head -1)"
    [ $rc = "$want" ] || { cat "$tmp/err"; fail "${args%% *}: exit $rc, expected $want"; }
    grep -q "$tmp/rm.ospy: a chunk is missing before offset $at5 (chunk 5 of the capture): $nrec5 records, $nrec5 calls\$" "$tmp/err" ||
      { cat "$tmp/err"; fail "${args%% *}: the missing chunk is not said with its records"; }
    [ "$(grep -c 'is missing' "$tmp/err")" = 1 ] || fail "${args%% *}: said more than once"
  done
  "$ospy" show "$tmp/rm.ospy" 2>/dev/null | wc -l >"$tmp/n"
  [ "$(cat "$tmp/n")" = $(($(wc -l <"$tmp/intact") - nrec5)) ] ||
    fail "show: $(cat "$tmp/n") lines, expected the intact capture's less the chunk's calls"
  splice "$tmp/s.ospy" "$tmp/dup.ospy" 'c[:6] + [5] + c[6:]' >/dev/null
  "$ospy" show "$tmp/dup.ospy" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  echo "chunk 5 copied after itself: show: exit $rc: $(cat "$tmp/err")"
  [ $rc = 1 ] || fail "a copied chunk: exit $rc, expected 1"
  has "$tmp/err" "repeats chunk 5 of the capture, read before it: its $nrec5 records are skipped"
  cmp -s "$tmp/out" "$tmp/intact" || fail "a copied chunk: show's output differs from the intact capture's"
  "$ospy" stats "$tmp/dup.ospy" 2>/dev/null | head -3 >"$tmp/out"
  "$ospy" stats "$tmp/s.ospy" 2>/dev/null | head -3 | cmp -s - "$tmp/out" ||
    fail "a copied chunk: stats count its calls twice"
  ;;
hexdump)
  # show -x: the dump of a 70001-byte buffer, every byte value, offsets past
  # 0xffff, a short last line, byte for byte as the format says (an
  # independent writer below), and written without a printf a byte: the
  # ospy show being read is itself captured, with -f printf,putchar,vsnprintf
  # (a printf a dumped byte and a vsnprintf a byte of the quoted string made
  # show -x -s 0 cost ~350 ns a byte: 493856 calls for these 70001 bytes)
  command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
  cat >"$tmp/hx.c" <<'C'
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
enum { N = 70001 };
int main(void)
{
  unsigned char *buf = malloc(N);
  for (unsigned i = 0; buf && i < N; i++)
    buf[i] = (unsigned char)(i * 7 + i / 256);
  int fd = open("/dev/null", O_WRONLY);
  return !buf || fd < 0 || write(fd, buf, N) != N;
}
C
  cc -O1 -o "$tmp/hx" "$tmp/hx.c" || fail "cannot build hx"
  # (--preset takes a comma list, as -f does: "files,mem" was no preset's name)
  "$ospy" capture -q --value-cap 100K --preset files,mem -o "$tmp/hx.ospy" -- "$tmp/hx" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of hx"; }
  "$ospy" show -e malloc "$tmp/hx.ospy" >"$tmp/out"
  has "$tmp/out" "libc.so.6!malloc(size=70001) = 0x"
  echo "--preset files,mem: $(grep -c 'malloc(' "$tmp/out") malloc calls recorded beside the write"
  "$ospy" show -x -s 0 -e write "$tmp/hx.ospy" >"$tmp/out" || fail "show -x"
  has "$tmp/out" "    buf (in, 70001 bytes):"
  grep '^    [0-9a-f]\{4,\}  ' "$tmp/out" >"$tmp/dump"
  python3 - "$tmp/want" <<'PY'
import sys
data = bytes((i * 7 + i // 256) & 255 for i in range(70001))
with open(sys.argv[1], "w") as out:
    for off in range(0, len(data), 16):
        row = data[off:off + 16]
        cells = "".join((" " if i == 8 else "") + (" %02x" % row[i] if i < len(row) else "   ")
                        for i in range(16))
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        out.write("    %04x %s  |%s|\n" % (off, cells, text))
PY
  cmp "$tmp/dump" "$tmp/want" || { diff "$tmp/dump" "$tmp/want" | head; fail "show -x: the dump differs"; }
  echo "show -x: $(wc -l <"$tmp/dump") dump lines as the format says, last: $(tail -1 "$tmp/dump")"
  "$ospy" capture -q -f printf,putchar,vsnprintf -o "$tmp/pc.ospy" -- "$ospy" show -x -s 0 -e write "$tmp/hx.ospy" \
    >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "capture of ospy show -x"; }
  calls=$("$ospy" show "$tmp/pc.ospy" | grep -c '!printf(\|!putchar(\|!vsnprintf(')
  echo "ospy show -x -s 0 of 70001 bytes: $calls calls of printf, putchar and vsnprintf"
  [ "$calls" -lt 100 ] || fail "show -x -s 0: $calls calls of printf, putchar and vsnprintf (one a byte?)"
  ;;
write-errors)
  # an output that cannot be written (/dev/full) is said, with the error
  # status, and nothing else is blamed on the input
  [ -w /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
  synth 5000
  # export stopped by its output: the capture was not "cut short" (it said
  # so, as the reader had not reached the end marker yet)
  for out in /dev/full -; do
    "$ospy" export "$cap" --format jsonl -o $out >/dev/full 2>"$tmp/err"
    rc=$?
    echo "export --format jsonl -o $out >/dev/full: exit $rc: $(tr '\n' ' ' <"$tmp/err")"
    [ $rc = 1 ] || fail "export -o $out: exit $rc, expected 1"
    name=$out; [ "$out" = - ] && name=stdout   # named as show names it (it said "-: ...")
    has "$tmp/err" "ospy export: $name: No space left on device"
    grep -q "cut short" "$tmp/err" && fail "export -o $out: the complete capture called cut short"
  done
  # show, stats, diff: the error said once at the end, with the command's
  # error status (they exited 0, or 1 with no word, and diff's 1 said "differ")
  "$make" "$tmp/s2.ospy" 4000 || fail "make_capture failed"
  for c in "show $cap:1" "show -x $cap:1" "stats $cap:1" "diff $cap $tmp/s2.ospy:2"; do
    args=${c%:*} want=${c##*:}
    # shellcheck disable=SC2086 # (the arguments are words)
    "$ospy" $args >/dev/full 2>"$tmp/err"
    rc=$?
    echo "${args%% *} >/dev/full: exit $rc: $(tail -1 "$tmp/err")"
    [ $rc = "$want" ] || fail "$args >/dev/full: exit $rc, expected $want"
    has "$tmp/err" "ospy ${args%% *}: stdout: No space left on device"
    [ "$(grep -c 'stdout:' "$tmp/err")" = 1 ] || fail "$args >/dev/full: said more than once"
  done
  # nothing to print, nothing lost: equivalent recordings diff to /dev/full fine
  "$ospy" diff "$cap" "$cap" >/dev/full 2>"$tmp/err" || { cat "$tmp/err"; fail "diff of equal runs >/dev/full"; }
  # a reader that goes away is no error worth a message, SIGPIPE at its
  # default action or ignored (then EPIPE)
  "$ospy" show "$cap" 2>"$tmp/err" | head -1 >/dev/null
  [ -s "$tmp/err" ] && { cat "$tmp/err"; fail "show | head -1: a message"; }
  (trap '' PIPE; "$ospy" show "$cap" 2>"$tmp/err" | head -1 >/dev/null)
  [ -s "$tmp/err" ] && { cat "$tmp/err"; fail "show | head -1, SIGPIPE ignored: a message"; }
  echo "show | head -1: quiet (SIGPIPE default and ignored)"
  echo "write-errors: each reader says its output's error" ;;
filter-floats)
  # --filter and functions whose floating-point values it reads: named only
  # when those alone keep the filter from them (`retval < 0` of a function
  # returning double), once, in one line for several; a filter that could
  # not read a function anyway (an enumeration member its types lack) is
  # quiet about it (it said "retval is floating-point" for each such
  # function, whatever the filter was plainly meant for)
  cat > "$tmp/fl.c" <<'C'
static volatile int seen;
__attribute__((noinline)) int status(int code) { seen = code; return code ? -16 : 0; }
__attribute__((noinline)) double scale(double v, int n) { seen = n; return v * n; }
__attribute__((noinline)) double half(double v) { seen = 2; return v / 2; }
__attribute__((noinline)) float third(float v) { seen = 3; return v / 3; }
__attribute__((noinline)) double quarter(double v) { seen = 4; return v / 4; }
__attribute__((noinline)) double fifth(double v) { seen = 5; return v / 5; }
int main(void)
{
  return status(0) + status(1) + scale(1.5, -3) + half(-4) + third(-9) + quarter(-8) +
         fifth(-10) == -29.5 ? 0 : 1;
}
C
  cc -O1 -rdynamic -o "$tmp/fl" "$tmp/fl.c" || fail "cannot build fl"
  cat > "$tmp/fl.xml" <<'X'
<hookManager><types><enumeration name="Status"><member name="ST_OK" value="0"/>
<member name="ST_BUSY" value="-16"/></enumeration></types>
<specs><functions>
<function name="status"><returnValue type="Status"/><arguments><argument name="code" direction="in" type="Int32"/></arguments></function>
<function name="scale"><returnValue type="Double"/><arguments><argument name="v" direction="in" type="Double"/>
<argument name="n" direction="in" type="Int32"/></arguments></function>
<function name="half"><returnValue type="Double"/><arguments><argument name="v" direction="in" type="Double"/></arguments></function>
<function name="third"><returnValue type="Float"/><arguments><argument name="v" direction="in" type="Float"/></arguments></function>
<function name="quarter"><returnValue type="Double"/><arguments><argument name="v" direction="in" type="Double"/></arguments></function>
<function name="fifth"><returnValue type="Double"/><arguments><argument name="v" direction="in" type="Double"/></arguments></function>
</functions></specs><hooks><module name="fl"><function specId="status"/><function specId="scale"/>
<function specId="half"/><function specId="third"/><function specId="quarter"/>
<function specId="fifth"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/fl.xml" -o "$tmp/fl.ospy" -- "$tmp/fl" || fail "capture of fl"
  cap=$tmp/fl.ospy
  quiet() { # quiet WANT ARGS...: WANT lines and nothing on stderr
    count "$@"
    [ -s "$tmp/err" ] && { cat "$tmp/err"; fail "show ${*#* }: said something on stderr"; }
    echo "show ${*#* }: $1 line(s), stderr quiet"
  }
  quiet 1 --filter 'retval == ST_BUSY' "$cap"        # only status has ST_BUSY
  quiet 1 --filter 'retval < 0 && code == 1' "$cap"  # only status has code
  quiet 1 --filter 'n < 0' "$cap"                    # scale's n; the others have none
  count 1 --filter 'retval < 0' "$cap"
  has "$tmp/err" "ospy show: --filter: the calls of 5 functions never match, a value it reads being floating-point there (expressions compute with integers only): fl!scale, fl!half, fl!third, fl!quarter and 1 more"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "retval < 0: more than one line"; }
  cat "$tmp/err"
  count 1 --module fl -e scale -e half -e status --filter 'retval < 0' "$cap"  # (-e: those only)
  has "$tmp/err" "ospy show: --filter: the calls of 2 functions never match, a value it reads being floating-point there (expressions compute with integers only): fl!scale, fl!half"
  count 0 -e scale --filter 'retval < 0' "$cap"
  has "$tmp/err" "ospy show: --filter: fl!scale: retval is floating-point: expressions compute with integers only at column 1: its calls never match"
  cat "$tmp/err"
  # hooks of one function under one name (a module glob hooked twice) are
  # one function to say (a line each before)
  sed 's|<module name="fl">|<module name="f*"><function specId="half"/></module><module name="f*">|' \
    "$tmp/fl.xml" >"$tmp/fl2.xml"
  "$ospy" capture -q -c "$tmp/fl2.xml" -o "$tmp/fl2.ospy" -- "$tmp/fl" 2>/dev/null || fail "capture of fl, f*!half twice"
  count 1 -e status -e half --filter 'retval < 0' "$tmp/fl2.ospy"
  has "$tmp/err" "ospy show: --filter: f*!half: retval is floating-point: expressions compute with integers only at column 1: its calls never match"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "f*!half hooked twice: said more than once"; }
  "$ospy" stats --no-hist --filter 'retval < 0 && v < 0' "$cap" >/dev/null 2>"$tmp/err"
  [ $? = 2 ] || fail "stats --filter 'retval < 0 && v < 0': not refused"
  has "$tmp/err" "ospy stats: --filter: retval is floating-point: expressions compute with integers only at column 1 in 'retval < 0 && v < 0'"
  echo "filter-floats: floating-point values said once, only where they alone keep a function out" ;;
filter-fields)
  # --filter on structure fields, as show prints them (req={id=7, ...}):
  # req.id and arg.req.id, through a pointer or of a structure passed or
  # returned by value, nested (req.h.err, req.ph.ver), a pointer to a
  # scalar as its value (req.pv), the pointer itself as &req.pv (it said
  # "trailing input at column 5", and a NULL pv could not be selected),
  # enumeration members of a field's type; a NULL structure has no fields
  # (a use of one is unknown: the call does not match, nor its negation,
  # unless the other side of || or && decides). It said "trailing input at
  # column 4" of 'req.id == 7'.
  cat > "$tmp/sf.c" <<'C'
#include <stdint.h>
#include <string.h>
struct hdr { uint16_t ver; int16_t err; };
struct req { uint32_t id; int32_t cmd; int64_t off; struct hdr h; const char *tag; int *pv; struct hdr *ph; };
struct pt { int x; short y; };
struct big { int64_t a; double b; char tag[8]; };
static volatile int seen;
__attribute__((noinline)) int submit(const struct req *r, int flags) { seen = r ? (int)r->id : flags; return seen; }
__attribute__((noinline)) int place(struct pt p) { seen = p.x; return p.x + p.y; }
__attribute__((noinline)) struct big mkbig(int64_t a, double b)
{
  struct big r = { a, b, "tagged" };
  seen = (int)a;
  return r;
}
int main(void)
{
  int v = -9;
  struct hdr outer = { 3, -1 };
  struct req a = { 7, 2, -1234567890123, { 1, -5 }, "first", &v, &outer };
  struct req b = { 8, 1, 1099511627776, { 2, 0 }, 0, 0, 0 };
  struct pt p = { -5, 7 };
  int sum = submit(&a, 1) + submit(&b, 2) + submit(0, 3) + place(p);
  return sum + (int)mkbig(1LL << 40, 0.5).a == 20 ? 0 : 1;
}
C
  cc -O1 -rdynamic -o "$tmp/sf64" "$tmp/sf.c" || fail "cannot build sf"
  cat > "$tmp/sf.xml" <<'X'
<hookManager><types>
<enumeration name="Cmd"><member name="CMD_RESET" value="1"/><member name="CMD_READ" value="2"/></enumeration>
<structure name="Hdr"><field name="ver" offset="0" type="UInt16"/><field name="err" offset="2" type="Int16"/></structure>
<structure name="Req" arch="x86-64"><field name="id" offset="0" type="UInt32"/><field name="cmd" offset="4" type="Cmd"/>
<field name="off" offset="8" type="Int64"/><field name="h" offset="16" type="Hdr"/><field name="tag" offset="24" type="AsciiStringPtr"/>
<field name="pv" offset="32" type="Int32Ptr"/><field name="ph" offset="40" type="HdrPtr"/></structure>
<structure name="Req" arch="i386"><field name="id" offset="0" type="UInt32"/><field name="cmd" offset="4" type="Cmd"/>
<field name="off" offset="8" type="Int64"/><field name="h" offset="16" type="Hdr"/><field name="tag" offset="20" type="AsciiStringPtr"/>
<field name="pv" offset="24" type="Int32Ptr"/><field name="ph" offset="28" type="HdrPtr"/></structure>
<structure name="Pt"><field name="x" offset="0" type="Int32"/><field name="y" offset="4" type="Int16"/></structure>
<structure name="Big"><field name="a" offset="0" type="Int64"/><field name="b" offset="8" type="Double"/>
<field name="tag" offset="16" type="AsciiString" size="8"/></structure>
</types><specs><functions>
<function name="submit"><returnValue type="Int32"/><arguments><argument name="req" direction="in" type="ReqPtr"/>
<argument name="flags" direction="in" type="Int32"/></arguments></function>
<function name="place"><returnValue type="Int32"/><arguments><argument name="p" direction="in" type="Pt"/></arguments></function>
<function name="mkbig"><returnValue type="Big"/><arguments><argument name="a" direction="in" type="Int64"/>
<argument name="b" direction="in" type="Double"/></arguments></function>
</functions></specs><hooks><module name="sf*"><function specId="submit"/><function specId="place"/>
<function specId="mkbig"/></module></hooks></hookManager>
X
  check_fields() { # check_fields PROGRAM: its capture filtered by fields
    "$ospy" capture -q -c "$tmp/sf.xml" -o "$tmp/sf.ospy" -- "$1" || fail "capture of $1"
    cap=$tmp/sf.ospy
    "$ospy" show --filter 'req.id == 7' "$cap" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "req.id == 7"; }
    has "$tmp/out" 'req={id=7, cmd=CMD_READ, off=-1234567890123, h={ver=1, err=-5}, tag="first", pv=[-9], ph={ver=3, err=-1}}, flags=1) = 7'
    [ "$(wc -l <"$tmp/out")" = 1 ] || fail "req.id == 7: not one line"
    count 1 --filter 'arg.req.id == 8' "$cap"
    count 2 --filter 'req.id > 0' "$cap"                 # not the NULL one
    count 1 --filter '!(req.id == 7)' "$cap"             # nor here: its id faults
    count 1 --filter 'req.off < 0' "$cap"                # Int64, signed
    count 1 --filter 'req.off == 1099511627776' "$cap"
    count 1 --filter 'req.cmd == CMD_READ' "$cap"        # a field's enumeration
    count 1 --filter 'req.h.err == -5' "$cap"            # a structure inside one
    count 1 --filter 'req.ph.ver == 3' "$cap"            # through a pointer field
    count 1 --filter 'req.pv == -9' "$cap"               # a pointer to a scalar: its value
    count 1 --filter '*req.pv == -9' "$cap"              # the same
    count 1 --filter '&req.pv == 0' "$cap"               # the pointer itself: NULL
    count 1 --filter '!&req.pv' "$cap"
    count 2 --filter '&req.pv != 0 || flags == 2' "$cap"
    count 0 --filter 'req.pv == 0' "$cap"                # a NULL one's value is unknown
    count 1 --filter 'req.pv == 0 || flags == 2' "$cap"  # the other side decides
    count 1 --filter 'req.tag == 0' "$cap"               # a string pointer: its address
    # a field missing (req NULL) is unknown where it is used, not the end of
    # the filter: || is true when its other side is, && false when its
    # other side is; else the call does not match. The first two matched
    # 1 call (the fault ended them) and so did 'req.id == 7 || flags == 3'.
    count 2 --filter 'req.tag != 0 || flags == 3' "$cap"
    count 2 --filter 'flags == 3 || req.tag != 0' "$cap"
    count 2 --filter 'req.id == 7 || flags == 3' "$cap"
    count 0 --filter 'req.id == 7 && flags == 3' "$cap"
    count 2 --filter '!(req.id == 7 && flags == 1)' "$cap" # (the NULL one's: false, flags decides)
    count 1 --filter '!(req.id == 7 || flags == 1)' "$cap" # (the NULL one's: unknown)
    count 1 --filter 'p.x == -5 && p.y == 7' "$cap"      # passed by value
    count 1 --filter 'retval.a == 1099511627776' "$cap"  # returned by value
    count 2 --filter 'req.id == 7 || flags == 2' "$cap"
    bad "--filter: unknown field 'idd' in structure 'Req' (did you mean id?) at column 5 in 'req.idd == 7'" \
      show --filter 'req.idd == 7' "$cap"
    bad "--filter: 'flags' has no fields: it is no structure at column 7 in 'flags.x'" \
      show --filter 'flags.x' "$cap"
    bad "--filter: '&' needs a pointer, 'req.id' is not one at column 2 in '&req.id == 0'" \
      show --filter '&req.id == 0' "$cap"
    bad "--filter: cannot dereference 'req.ph': pointed-to type has no integer width at column 2 in '*req.ph'" \
      show --filter '*req.ph' "$cap"
    bad "--filter: 'req.h' is a structure: name one of its fields (req.h.NAME) at column 5 in 'req.h == 1'" \
      show --filter 'req.h == 1' "$cap"
    bad "--filter: 'retval.tag' has no integer value (a string, buffer or array: find its bytes with --grep) at column 8 in 'retval.tag'" \
      show --filter 'retval.tag' "$cap"
    bad "--filter: 'retval.b' is floating-point: expressions compute with integers only at column 1 in 'retval.b > 0'" \
      show --filter 'retval.b > 0' "$cap"
    bad "--filter: unexpected '==' at column 10 in 'arg.req. == 7'" show --filter 'arg.req. == 7' "$cap"
    echo "$1: req.id, nested, pointer, by-value and returned fields filtered"
  }
  check_fields "$tmp/sf64"
  if cc -m32 -O1 -rdynamic -o "$tmp/sf32" "$tmp/sf.c" 2>/dev/null && "$tmp/sf32" >/dev/null 2>&1; then
    check_fields "$tmp/sf32"
  else
    echo "i386: skipped (no 32-bit toolchain or runtime)"
  fi
  echo "filter-fields: structure fields by name" ;;
*) fail "unknown case" ;;
esac
