#!/bin/sh
# ospy streams and the pcapng export on a real capture: curl fetching a file
# from a local python3 http.server, captured with --preset net.
#   check_net.sh OSPY PYTHON3 WORKDIR
# Skips (77) when curl or tshark is missing (scripts/setup.sh installs both).
set -u
ospy=$1 python=$2 dir=$3
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect FILE FIXED-STRING
  grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "missing: $2"; }
}
for tool in curl tshark; do
  command -v $tool >/dev/null 2>&1 ||
    { echo "SKIP: $tool is not installed (scripts/setup.sh installs it)"; exit 77; }
done
rm -rf "$dir" && mkdir -p "$dir/www" || exit 1
printf 'hello from ospy streams\n' >"$dir/www/hello.txt"
"$python" -c '
import http.server, os, sys
os.chdir(sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()' "$dir/www" "$dir/port" 2>"$dir/server.log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s "$dir/port" ]; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "the http server did not start"; sleep 0.1
done
port=$(cat "$dir/port")
url="http://127.0.0.1:$port/hello.txt"

"$ospy" capture -q --preset net -o "$dir/c.ospy" -- curl -s -o "$dir/got" "$url" 2>"$dir/cap.err" ||
  { cat "$dir/cap.err"; fail "capture of curl exited $?"; }
cmp -s "$dir/got" "$dir/www/hello.txt" || fail "curl did not fetch the file under ospy"

# the conversation list
"$ospy" streams "$dir/c.ospy" >"$dir/list" 2>"$dir/list.err" || { cat "$dir/list.err"; fail "streams exited $?"; }
line=$(grep -F -- "-> 127.0.0.1:$port" "$dir/list") || { cat "$dir/list"; fail "no conversation to port $port"; }
echo "$line" | grep -q ' tcp .*127\.0\.0\.1:[0-9]* -> ' || fail "not a tcp conversation with both addresses: $line"
n=$(echo "$line" | sed 's/^#\([0-9]*\).*/\1/')
echo "$line" | grep -q ' [1-9][0-9]* bytes out, [1-9][0-9]* in' || fail "unexpected byte counts: $line"
echo "streams: $line"

# following it, as text and as hex
"$ospy" streams --follow "$n" "$dir/c.ospy" >"$dir/follow" || fail "--follow $n exited $?"
expect "$dir/follow" ">>> sent"
expect "$dir/follow" "GET /hello.txt HTTP/1.1"
expect "$dir/follow" "<<< received"
expect "$dir/follow" "HTTP/1.0 200 OK"
expect "$dir/follow" "hello from ospy streams"
"$ospy" streams --follow "$n" -x "$dir/c.ospy" >"$dir/hex" || fail "--follow $n -x exited $?"
expect "$dir/hex" "00000000  47 45 54 20 2f 68 65 6c  6c 6f 2e 74 78 74 20 48"
echo "follow: request and response, as text and hex"

# pcapng: tshark dissects the HTTP exchange
"$ospy" export "$dir/c.ospy" --format pcapng -o "$dir/c.pcapng" 2>"$dir/exp.err" ||
  { cat "$dir/exp.err"; fail "export --format pcapng exited $?"; }
grep -Eq '^ospy export: [1-9][0-9]* packets from [0-9]+ events to ' "$dir/exp.err" &&
  ! grep -q warning "$dir/exp.err" || { cat "$dir/exp.err"; fail "export pcapng: summary"; }
tshark -r "$dir/c.pcapng" -Y http.request -T fields -e http.request.uri >"$dir/uri" 2>"$dir/tshark.err" ||
  { cat "$dir/tshark.err"; fail "tshark cannot read the pcapng"; }
[ "$(cat "$dir/uri")" = /hello.txt ] || { cat "$dir/uri" "$dir/tshark.err"; fail "tshark: request URI"; }
tshark -r "$dir/c.pcapng" -Y http.response -T fields -e http.response.code -e tcp.srcport \
  >"$dir/resp" 2>/dev/null
[ "$(cat "$dir/resp")" = "$(printf '200\t%s' "$port")" ] || { cat "$dir/resp"; fail "tshark: response status and port"; }
tshark -r "$dir/c.pcapng" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
  -Y 'ip.checksum.status != 1 || tcp.checksum.status != 1 || tcp.analysis.flags' >"$dir/bad" 2>/dev/null
[ ! -s "$dir/bad" ] || { cat "$dir/bad"; fail "tshark: bad checksums or TCP analysis warnings"; }
# the response is stamped when curl's recv returned, after the request went out
req=$(tshark -r "$dir/c.pcapng" -Y http.request -T fields -e frame.time_epoch 2>/dev/null)
resp=$(tshark -r "$dir/c.pcapng" -Y http.response -T fields -e frame.time_epoch 2>/dev/null)
awk -v a="$req" -v b="$resp" 'BEGIN { exit !(b + 0 > a + 0) }' ||
  fail "tshark: the response ($resp) is stamped before the request ($req)"
tshark -r "$dir/c.pcapng" -Y 'tcp.flags.syn == 1' >"$dir/syn" 2>/dev/null
[ "$(wc -l <"$dir/syn")" = 2 ] || { cat "$dir/syn"; fail "expected SYN and SYN/ACK"; }
echo "pcapng: tshark sees GET /hello.txt and 200 from port $port, checksums good, handshake"

# a descriptor no open() named (stdout, sent to a file) is named as show
# names it, from the capture's FdName records
"$ospy" capture -q --preset files -o "$dir/echo.ospy" -- /bin/echo hello >"$dir/echo out.txt" ||
  fail "capture of echo"
"$ospy" streams "$dir/echo.ospy" >"$dir/echo.list" 2>&1
grep -q "fd=1 *fd *$dir/echo out.txt  6 bytes out, 0 in" "$dir/echo.list" ||
  { cat "$dir/echo.list"; "$ospy" show "$dir/echo.ospy" | grep write; fail "streams: stdout is not named"; }
echo "streams: stdout named as show names it"

# bad input
printf 'not a capture\n' >"$dir/bad.ospy"
"$ospy" streams "$dir/bad.ospy" >/dev/null 2>"$dir/e1" && fail "streams on a non-capture must fail"
expect "$dir/e1" "bad.ospy"
"$ospy" streams --follow 0 "$dir/c.ospy" >/dev/null 2>"$dir/e2"; [ $? = 2 ] || fail "--follow 0 must exit 2"
expect "$dir/e2" "not a conversation number"
"$ospy" streams --follow x1 "$dir/c.ospy" >/dev/null 2>&1; [ $? = 2 ] || fail "--follow x1 must exit 2"
"$ospy" streams --follow 999 "$dir/c.ospy" >/dev/null 2>"$dir/e3"; [ $? = 1 ] || fail "--follow 999 must exit 1"
expect "$dir/e3" "no conversation #999"
"$ospy" streams >/dev/null 2>&1; [ $? = 2 ] || fail "streams without a file must exit 2"
"$ospy" export "$dir/bad.ospy" --format pcapng -o "$dir/bad.pcapng" >/dev/null 2>"$dir/e4" &&
  fail "export of a non-capture must fail"
[ ! -e "$dir/bad.pcapng" ] || fail "a failed export left its output"
echo "bad input: clear errors, non-zero exit"

# a connection accepted in a forked child, on the listener it inherited
# (no call of the child's made it), once with the peer's address asked for
# and once without: the listener's address from its descriptor's name, as
# show names it (the server side was "? -> 127.0.0.1:PEER", or "? -> ?";
# without the peer's address asked for no call says it: "127.0.0.1:P -> ?")
for peer in '(void *)&p, &pl' '0, 0'; do
  want='127\.0\.0\.1:[0-9]+'
  [ "$peer" = '0, 0' ] && want='\?'
  cat >"$dir/forkacc.c" <<C
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { 0 }, p;
  socklen_t al = sizeof a, pl = sizeof p;
  a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 4) || getsockname(ls, (void *)&a, &al)) return 1;
  if (fork() == 0) { char b[16]; int c = accept(ls, $peer); recv(c, b, 16, 0); _exit(0); }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(s, (void *)&a, sizeof a)) return 1;
  send(s, "ping\n", 5, 0); wait(0); return 0;
}
C
  cc -o "$dir/forkacc" "$dir/forkacc.c" || fail "cc forkacc.c"
  "$ospy" capture -q -F --preset net -o "$dir/fa.ospy" -- "$dir/forkacc" 2>"$dir/fa.err" ||
    { cat "$dir/fa.err"; fail "capture of forkacc exited $?"; }
  "$ospy" streams "$dir/fa.ospy" >"$dir/fa.list" || fail "streams of forkacc exited $?"
  grep -q ' 0 bytes out, 5 in' "$dir/fa.list" || { cat "$dir/fa.list"; fail "no server side"; }
  grep ' 0 bytes out, 5 in' "$dir/fa.list" |
    grep -Eq " tcp +127\.0\.0\.1:[0-9]+ -> $want " ||
    { cat "$dir/fa.list"; fail "accept($peer) in a forked child: the server side's ends unknown"; }
  echo "accept($peer) in a forked child: $(grep ' 0 bytes out, 5 in' "$dir/fa.list")"
done
