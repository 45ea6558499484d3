#!/bin/sh
# End-to-end tests of `ospy capture` + `ospy show` as a user runs them.
#   e2e_test.sh CASE OSPY DEMO DEMO_XML TARGET_EXIT
# Each case prints what it checks; a mismatch prints both sides and fails.
set -u
case_name=$1 ospy=$2 demo=$3 demo_xml=$4 target=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_line() { # expect_line FILE FIXED-STRING
  grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "missing: $2"; }
}

case $case_name in
demo)
  "$ospy" capture -q -c "$demo_xml" -o "$tmp/c.ospy" -- "$demo" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "demo: dev_control succeeded 1, then failed 1"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  host=$(head -c 127 /etc/hostname | od -An -c | tr -d ' \n' | sed 's/\\n/\\\\n/g')
  expect_line "$tmp/show" 'libc.so.6!open(pathname="/etc/hostname", flags=0x0) = 3'
  expect_line "$tmp/show" 'libc.so.6!read(fd=3, buf="'
  expect_line "$tmp/show" 'libc.so.6!socket(domain=AF_INET, type=SOCK_STREAM, protocol=0) = 3'
  expect_line "$tmp/show" 'libc.so.6!connect(sockfd=4, addr={AF_INET, 127.0.0.1:'
  expect_line "$tmp/show" 'libc.so.6!send(sockfd=4, buf="GET /demo HTTP/1.0\r\n\r\n", len=22, flags=0x0) = 22'
  expect_line "$tmp/show" 'libc.so.6!recv(sockfd=5, buf="GET /demo HTTP/1.0\r\n\r\n", len=64, flags=0x0) = 22'
  # The seed's scenario: the successful call logs exactly out_len bytes at leave...
  expect_line "$tmp/show" '=> "HELLO", out_cap=16, out_len=[5]) = 1'
  # ...and the failed one logs no out-buffer at leave (no "=>"), never garbage.
  grep 'dev_control(fd=3, code=4660' "$tmp/show" | grep -q '=>' && fail "failed call logged an out-buffer"
  grep -q 'dev_control(fd=3, code=4660' "$tmp/show" || fail "failed call not recorded"
  n=$(grep -c 'libc.so.6!\|ospy-demo!' "$tmp/show")
  [ "$n" = 14 ] || { cat "$tmp/show"; fail "expected 14 calls, got $n"; }
  echo "demo: 14 decoded calls, seed scenario safe" ;;
raw)
  # -f: write takes the catalogue's definition (preset files), nanosleep has
  # none and is traced with raw register words, with a note saying so
  "$ospy" capture -q -f write,nanosleep -o "$tmp/c.ospy" -- "$target" 5 slow >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 5 ] || { cat "$tmp/err"; fail "capture exited $rc, want the target's 5"; }
  [ "$(cat "$tmp/out")" = xxxxx ] || fail "stdout not passed through: $(cat "$tmp/out")"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -cF '] libc.so.6!write(fd=1, buf="x", count=1) = 1' "$tmp/show")
  [ "$n" = 5 ] || { cat "$tmp/show"; fail "expected 5 decoded write calls, got $n"; }
  n=$(grep -c '\] nanosleep(arg0=0x[0-9a-f]*, arg1=0' "$tmp/show")
  [ "$n" = 5 ] || { cat "$tmp/show"; fail "expected 5 raw nanosleep calls, got $n"; }
  expect_line "$tmp/show" 'info: -f write: defined by the catalogue (preset files)'
  expect_line "$tmp/show" 'info: -f nanosleep: no definition in the catalogue: arguments are shown as raw'
  echo "raw: 5 write calls decoded by the catalogue, 5 nanosleep calls with raw arguments" ;;
status)
  "$ospy" capture -q -f write -o "$tmp/c.ospy" -- "$target" 1 exit 7 >/dev/null 2>&1
  rc=$?
  [ $rc = 7 ] || fail "exit status 7 expected, got $rc"
  echo "status: exit 7 passed through" ;;
segv)
  "$ospy" capture -q -f write -o "$tmp/c.ospy" -- "$target" 3 segv >/dev/null 2>&1
  rc=$?
  [ $rc = 139 ] || fail "128+SIGSEGV expected, got $rc"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c '\] libc.so.6!write(fd=1' "$tmp/show")
  [ "$n" = 3 ] || { cat "$tmp/show"; fail "expected the 3 calls before the crash, got $n"; }
  expect_line "$tmp/show" "+++ killed by SIGSEGV +++"
  echo "segv: 3 calls before the crash, then the signal" ;;
attach)
  "$target" 300 slow >"$tmp/out" &
  tpid=$!
  while [ ! -s "$tmp/out" ]; do sleep 0.05; done
  "$ospy" capture -q -f write --duration 1 -p $tpid -o "$tmp/c.ospy" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "attach exited $?"; }
  wait $tpid
  rc=$?
  [ $rc = 5 ] || fail "the target must finish normally after the detach (exit 5), got $rc"
  [ "$(wc -c <"$tmp/out")" = 300 ] || fail "the target's output is incomplete: $(wc -c <"$tmp/out") bytes"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -cF '] libc.so.6!write(fd=1, buf="x", count=1) = 1' "$tmp/show")
  [ "$n" -gt 10 ] || { cat "$tmp/show"; fail "expected write calls recorded while attached, got $n"; }
  expect_line "$tmp/show" "+++ detached +++"
  echo "attach: $n calls while attached, target finished unharmed" ;;
preset)
  "$ospy" capture -q --preset net -o "$tmp/c.ospy" -- "$demo" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture --preset net exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" 'libc.so.6!bind(sockfd=3, addr={AF_INET, 127.0.0.1:0}, addrlen=16) = 0'
  expect_line "$tmp/show" 'libc.so.6!send(sockfd=4, buf="GET /demo HTTP/1.0\r\n\r\n", len=22, flags=0x0) = 22'
  "$ospy" definitions 'SSL_read*' >"$tmp/defs" || fail "definitions exited $?"
  expect_line "$tmp/defs" 'libssl.so.3!SSL_read_ex'
  "$ospy" capture --preset nosuch -- true 2>"$tmp/err" && fail "an unknown preset must fail"
  expect_line "$tmp/err" "no preset named 'nosuch'"
  echo "preset: net preset decodes the demo's socket calls; definitions lists SSL_read*" ;;
funcs)
  # -f takes the catalogue's definitions: decoded exactly as with --preset files
  head_bin=$(command -v head) || { echo "skip: no head"; exit 77; }
  printf 'hello funcs\n' >"$tmp/in.txt"
  "$ospy" capture -q -f read,write -o "$tmp/f.ospy" -- "$head_bin" -c 100 "$tmp/in.txt" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f read,write exited $?"; }
  "$ospy" capture -q --preset files -o "$tmp/p.ospy" -- "$head_bin" -c 100 "$tmp/in.txt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture --preset files exited $?"; }
  "$ospy" show "$tmp/f.ospy" >"$tmp/fshow" || fail "show exited $?"
  "$ospy" show "$tmp/p.ospy" >"$tmp/pshow" || fail "show exited $?"
  expect_line "$tmp/fshow" '] libc.so.6!read(fd=3, buf="hello funcs\n", count=100) = 12'
  expect_line "$tmp/fshow" '] libc.so.6!write(fd=1, buf="hello funcs\n", count=12) = 12'
  expect_line "$tmp/fshow" 'info: -f read: defined by the catalogue (preset files)'
  sed -n 's/^[0-9:.]* \[[0-9]*\] \(libc.so.6!\(read\|write\)(.*\)/\1/p' "$tmp/fshow" >"$tmp/fcalls"
  sed -n 's/^[0-9:.]* \[[0-9]*\] \(libc.so.6!\(read\|write\)(.*\)/\1/p' "$tmp/pshow" >"$tmp/pcalls"
  [ -s "$tmp/fcalls" ] && cmp -s "$tmp/fcalls" "$tmp/pcalls" ||
    { diff "$tmp/fcalls" "$tmp/pcalls"; fail "-f read,write and --preset files differ"; }
  # MODULE!FUNC globs expand against the catalogue; mem is off unless asked for
  "$ospy" capture -q -f 'libc.so.*!mallo?' -f 'libc.so.6!fstat*' -o "$tmp/g.ospy" -- "$head_bin" -c 1 "$tmp/in.txt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with globs exited $?"; }
  "$ospy" show "$tmp/g.ospy" >"$tmp/gshow" || fail "show exited $?"
  expect_line "$tmp/gshow" '] libc.so.*!malloc(size='
  expect_line "$tmp/gshow" 'info: -f libc.so.*!mallo?: 1 function defined by the catalogue (preset mem)'
  expect_line "$tmp/gshow" 'info: -f libc.so.6!fstat*: 4 functions defined by the catalogue (preset files)'
  # a pattern that matches nothing in the catalogue is an error naming it
  "$ospy" capture -q -f 'nosuchfn_*' -o "$tmp/n.ospy" -- true 2>"$tmp/err" && fail "an unmatched glob must fail"
  expect_line "$tmp/err" "-f nosuchfn_*: no function of the catalogue matches"
  # -c and -f together: the config's definition wins (write), the catalogue
  # gives the others (open), whose OpenFlags is the catalogue's, not the config's
  cat >"$tmp/mine.xml" <<'XML'
<hookManager>
  <types><enumeration name="OpenFlags"><member name="MINE" value="1"/></enumeration></types>
  <specs><functions><function name="write"><returnValue type="Int32"/>
    <arguments><argument name="fd" type="OpenFlags"/></arguments></function></functions></specs>
  <hooks><module name="libc.so.6"><function specId="write"/></module></hooks>
</hookManager>
XML
  "$ospy" capture -q -c "$tmp/mine.xml" -f write,open -o "$tmp/m.ospy" -- "$head_bin" -c 100 "$tmp/in.txt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -c -f exited $?"; }
  "$ospy" show "$tmp/m.ospy" >"$tmp/mshow" || fail "show exited $?"
  expect_line "$tmp/mshow" '] libc.so.6!write(fd=MINE) = 12'
  expect_line "$tmp/mshow" "] libc.so.6!open(pathname=\"$tmp/in.txt\", flags=O_RDONLY) = 3"
  echo "funcs: -f decodes as the preset does, globs, unmatched glob rejected, config wins" ;;
badconfig)
  printf '<hookManager>\n  <types>\n    <enumeration name="E">\n      <member name="A" value="zz"/>\n' >"$tmp/bad.xml"
  "$ospy" capture -q -c "$tmp/bad.xml" -o "$tmp/c.ospy" -- "$target" 1 exit 0 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc != 0 ] || fail "a broken config must fail"
  grep -q "bad.xml:[0-9]*:[0-9]*: error" "$tmp/err" || { cat "$tmp/err"; fail "no file:line:col error"; }
  [ ! -s "$tmp/out" ] || fail "the program ran despite the broken config"
  echo "badconfig: rejected before the program ran" ;;
*) fail "unknown case $case_name" ;;
esac
