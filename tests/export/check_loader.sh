#!/bin/sh
# The original oSpy loader must accept ospy's .osd: osd_loader.py reads an
# export as oSpy.SharpDumpLib does, its parsers of socket, connect, send and
# recv included (an exception in one event rejects the whole file). Captures:
# the demo with demo/demo.xml, the demo with --preset net, and net-edges
# (flags, descriptors of -1, a NULL buffer, addresses of each family and
# none, addresses cut short by addrlen, failed calls, a recv that never
# returns). (Suite noasan: it injects the agent.)
# usage: check_loader.sh OSPY DEMO DEMO_XML NET_EDGES PYTHON OSD_LOADER_PY OUT_DIR
set -eu
ospy=$1 demo=$2 demo_xml=$3 edges=$4 py=$5 loader=$6 out=$7
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# load NAME: exports NAME.ospy to NAME.osd, which the loader must accept;
# its parsed calls in NAME.txt
load() {
  "$ospy" export "$1.ospy" -o "$1.osd" 2>/dev/null || fail "export of $1"
  "$py" "$loader" -v "$1.osd" > "$1.txt" || fail "oSpy's loader rejects $1.osd: $(tail -n 1 "$1.txt")"
}
has() { grep -qx -- "$2" "$1.txt" || fail "$1: no line '$2' in: $(cat "$1.txt")"; }

"$ospy" capture -q -c "$demo_xml" -o demo.ospy -- "$demo" > /dev/null || fail "capture of the demo"
load demo
has demo 'connect s=4 family=AF_INET endpoint=127.0.0.1:[0-9]* result=Success'
has demo 'send s=4 bytes=22 flags=0x0 result=22'
has demo 'recv s=5 bytes=22 size=64 flags=0x0 result=22'
# dev_control's out, an out-only pointer whose logCondition (reg.eax != 0)
# fails in the second call: its address in both lists, as oSpy's agent wrote
# every parameter's (it was <argument name="out"></argument> in both)
tail -c +17 demo.osd | bzip2 -dc | sed 's/<event /\n<event /g' |
  grep '<name>ospy-demo::dev_control</name>' | sed -n 2p > devctl.xml
out_arg=$(grep -o '<argument name="out"><value type="Pointer" value="0x[0-9a-f]*"/></argument>' devctl.xml || true)
echo "the failed dev_control's out: $(echo "$out_arg" | tr '\n' ' ')"
[ "$(echo "$out_arg" | grep -c .)" = 2 ] && [ "$(echo "$out_arg" | sort -u | grep -c .)" = 1 ] &&
  grep -qF "<arguments direction=\"out\">$(echo "$out_arg" | head -n 1)" devctl.xml ||
  fail "the failed dev_control's out is not its address in both lists: $(cat devctl.xml)"

# Flags values read back from the .osd as the export wrote them: 0 is the
# member that names it (demo.xml's O_RDONLY, open's flags) or 0x0 when none
# does (net.xml's MsgFlags, send's and recv's)
flags() { jq -c '[.. | objects | select(.type == "Flags") | .value]' "$1" | tr '\n' ' '; }
flags_read_back() { # flags_read_back NAME ZERO
  "$ospy" export "$1.ospy" -o "$1.jsonl" 2>/dev/null || fail "export of $1 to jsonl"
  "$ospy" import "$1.osd" -o "$1-back.jsonl" 2>/dev/null || fail "import of $1.osd"
  [ "$(flags "$1.jsonl")" = "$(flags "$1-back.jsonl")" ] ||
    fail "Flags: exported $(flags "$1.jsonl"), imported $(flags "$1-back.jsonl")"
  flags "$1.jsonl" | grep -q "\"$2\"" || fail "Flags: no zero value $2 in $1: $(flags "$1.jsonl")"
}
flags_read_back demo O_RDONLY

"$ospy" capture -q --preset net -o net.ospy -- "$demo" > /dev/null || fail "capture of the demo, net"
load net
flags_read_back net 0x0
has net 'socket af=AF_INET type=0x1 protocol=IPPROTO_IP result=4'
port=$("$ospy" show net.ospy | sed -n 's/.*connect(sockfd=4<[^,]*, addr={AF_INET, 127.0.0.1:\([0-9]*\)}.*/\1/p')
has net "connect s=4 family=AF_INET endpoint=127.0.0.1:$port result=Success"
has net 'send s=4 bytes=22 flags=0x0 result=22'

"$ospy" capture -q --preset net -o edges.ospy -- "$edges" > /dev/null 2>&1 || true
load edges
# accept(srv, NULL, NULL): a NULL address is NULL, though its size (*addrlen) cannot be read
"$ospy" show edges.ospy | grep -qE 'accept\(sockfd=[0-9]+<[^>]*>, addr=NULL, addrlen=NULL => NULL\) = ' ||
  fail "edges: accept's NULL address: $("$ospy" show edges.ospy | grep accept)"
has edges 'send s=4 bytes=5 flags=0x4000 result=5'          # MSG_NOSIGNAL, a number
has edges 'send s=4 bytes=0 flags=0x4000 result=0'          # a NULL buffer
has edges 'recv s=5 bytes=1 size=1 flags=0x2 result=1'
has edges 'recv s=5 bytes=null size=64 flags=0x40 result=-1' # buf not recorded
has edges 'socket af=0x3039 type=0x1 protocol=0 result=4294967295' # -1 as 0xffffffff
has edges 'send s=4294967295 bytes=1 flags=0x0 result=-1'
has edges 'recv s=4294967295 bytes=null size=8 flags=0x0 result=-1'
has edges 'connect s=3 family=AF_INET endpoint=127.0.0.1:1 result=error 111'
# addrlen 4, 2, 6: every field the parser reads, stand-ins (unrecorded="true") for the rest
has edges 'connect s=3 family=AF_INET endpoint=0.0.0.0:1 result=error 22'
has edges 'connect s=3 family=AF_INET endpoint=0.0.0.0:0 result=error 22'
[ "$(grep -c 'family=AF_INET endpoint=0.0.0.0:1 result=error 22' edges.txt)" = 2 ] ||
  fail "edges: connects with addrlen 4 and 6: $(grep 'error 22' edges.txt)"
tail -c +17 edges.osd | bzip2 -dc | grep -q '<field name="sin_addr"><value type="Ipv4InAddr" value="0.0.0.0" unrecorded="true"/>' ||
  fail "edges: the short address's sin_addr is not marked unrecorded"
has edges 'connect s=3 family=AF_INET6 endpoint=None result=error 111'
has edges 'connect s=3 family=AF_UNSPEC endpoint=None result=error 22' # a NULL address
has edges 'connect s=3 family=AF_UNIX endpoint=None result=error 2'
# the recv SIGALRM ended the program in: an Info event, read back as the call
tail -c +17 edges.osd | bzip2 -dc | grep -q '<event id="[0-9]*" type="Info" ospyType="FunctionCall"' ||
  fail "the unfinished recv is not an Info event"
"$ospy" import edges.osd -o edges.jsonl 2>/dev/null || fail "import of edges.osd"
jq -e -s 'map(select(.name == "libc.so.6::recv" and (has("return") | not))) | length == 1' \
  edges.jsonl > /dev/null || fail "the unfinished recv: $(grep recv edges.jsonl | tail -1)"
# ospy import reads back what the .osd has: flags' names, -1, the addresses
jq -e -s 'map(select(.name == "libc.so.6::send")) | .[0].args_in[3].value == "MSG_NOSIGNAL"
  and .[2].args_in[0].value == "-1"' edges.jsonl > /dev/null ||
  fail "import: send's flags and descriptor: $(grep '::send' edges.jsonl | head -3)"
"$ospy" import edges.osd -o back.osd 2>/dev/null && cmp back.osd edges.osd ||
  fail "edges.osd -> import -> .osd changed"
# a process killed by a signal: named as show names it (killed by SIGSEGV),
# in the .osd the loader accepts and in what ospy import reads back
if "$ospy" capture -q --preset net -o kill.ospy -- sh -c 'kill -SEGV $$' 2>/dev/null; then
  fail "sh killed by SIGSEGV exited 0"
fi
load kill
tail -c +17 kill.osd | bzip2 -dc | grep -q '<message>process killed by SIGSEGV</message>' ||
  fail "the end by SIGSEGV is not named: $(tail -c +17 kill.osd | bzip2 -dc | grep -o '<message>process [^<]*')"
"$ospy" import kill.osd -o kill.jsonl 2>/dev/null || fail "import of kill.osd"
jq -e -s 'map(select(.type == "ProcessExit")) | .[0].message == "killed by SIGSEGV"' kill.jsonl > /dev/null ||
  fail "import: the end by SIGSEGV: $(grep ProcessExit kill.jsonl)"
# a program's own send, connect and socket traced without a definition (-f):
# raw words, which oSpy's socket parsers cannot read (the loader rejected the
# whole file): Info events, read back as the calls they were
if command -v cc >/dev/null; then
  cat > raw.c <<'C'
#include <stdio.h>
#define NI __attribute__((noinline))
NI int socket(int a, int b, int c) { return a + b + c - 100; }
NI int connect(int s, const void *a, long n) { return a ? s + (int)n : -1; }
NI long send(int s, const void *b, unsigned long n, int f) { return b ? (long)n + f + s : -1; }
int main(void) { printf("%d %d %ld\n", socket(2, 1, 0), connect(3, 0, -5), send(3, "hi", 2, 0)); return 0; }
C
  cc -O0 -o rawsock raw.c || fail "cc raw.c"
  "$ospy" capture -q -f 'rawsock!socket,rawsock!connect,rawsock!send' -o raw.ospy -- ./rawsock > /dev/null ||
    fail "capture of rawsock"
  load raw
  "$ospy" import raw.osd -o raw.jsonl 2>/dev/null || fail "import of raw.osd"
  jq -e -s '[.[] | select(.type == "FunctionCall")] | map(.name) | sort == ["rawsock::connect", "rawsock::send", "rawsock::socket"]' \
    raw.jsonl > /dev/null || fail "import: the raw calls: $(grep rawsock:: raw.jsonl)"
  jq -e -s '[.[] | select(.name == "rawsock::send") | .return.value] == ["5"]' raw.jsonl > /dev/null ||
    fail "import: the raw send's return value: $(grep rawsock:: raw.jsonl)"
  "$ospy" import raw.osd -o raw-back.osd 2>/dev/null && cmp raw-back.osd raw.osd ||
    fail "raw.osd -> import -> .osd changed"
fi
# a program's own send, connect and socket described by its config, with
# arguments that are not the Winsock call's: oSpy's parsers run on them
# whatever the module and could not read them (send's msg an address past
# 32 bits, no argument 2 or 4: the loader rejected the whole file). Info
# events that say why, read back as the calls they were
if command -v cc >/dev/null; then
  cat > own.c <<'C'
#include <string.h>
#define NI __attribute__((noinline))
NI int send(const char *msg) { return (int)strlen(msg); }
NI int connect(const char *host, int port) { return host ? port : -1; }
NI int socket(int kind) { return kind + 2; }
int main(void) { return send("hello") + connect("example.org", 80) + socket(1) == 88 ? 0 : 1; }
C
  cc -O0 -o own own.c || fail "cc own.c"
  cat > own.xml <<'X'
<hookManager><specs><functions>
<function name="send"><returnValue type="Int32"/><arguments><argument name="msg" type="AsciiStringPtr"/></arguments></function>
<function name="connect"><returnValue type="Int32"/><arguments><argument name="host" type="AsciiStringPtr"/><argument name="port" type="Int32"/></arguments></function>
<function name="socket"><returnValue type="Int32"/><arguments><argument name="kind" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="own"><function specId="send"/><function specId="connect"/><function specId="socket"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c own.xml -o own.ospy -- ./own > /dev/null || fail "capture of own"
  load own
  for f in send connect socket; do
    tail -c +17 own.osd | bzip2 -dc | grep -q "<event id=\"[0-9]*\" type=\"Info\" ospyType=\"FunctionCall\"[^>]*><name>own::$f</name>.*<message>call not in the form oSpy's socket parsers read: own::$f</message>" ||
      fail "own::$f is not an Info event saying why: $(tail -c +17 own.osd | bzip2 -dc | grep -o "<event[^>]*><name>own::$f</name>")"
  done
  "$ospy" import own.osd -o own.jsonl 2>/dev/null || fail "import of own.osd"
  jq -e -s '[.[] | select(.type == "FunctionCall") | "\(.name)=\(.return.value)"] | sort == ["own::connect=80", "own::send=5", "own::socket=3"]' \
    own.jsonl > /dev/null || fail "import: own's calls: $(grep own:: own.jsonl)"
  "$ospy" import own.osd -o own-back.osd 2>/dev/null && cmp own-back.osd own.osd ||
    fail "own.osd -> import -> .osd changed"
  echo "a program's own socket functions: $(tail -n 1 own.txt)"
fi
# a structure returned by value: oSpy's GUI reads every return value's
# value attribute unchecked (MainForm.CreateEventDescription), which a
# Struct had not (a NullReferenceException); it is "[Structure]", the text
# oSpy's Structure marshaller gave, and ospy import drops it again
if command -v cc >/dev/null; then
  cat > sret.c <<'C'
typedef struct { int x, y; } Pt;
__attribute__((noinline)) Pt mk(int x) { Pt p = { x, x * 2 }; return p; }
int main(void) { return mk(3).y == 6 ? 0 : 1; }
C
  cc -O1 -o sret sret.c || fail "cc sret.c"
  cat > sret.xml <<'X'
<hookManager><types><structure name="Pt"><field name="x" offset="0" type="Int32"/>
<field name="y" offset="4" type="Int32"/></structure></types>
<specs><functions><function name="mk"><returnValue type="Pt"/><arguments>
<argument name="x" direction="in" type="Int32"/></arguments></function></functions></specs>
<hooks><module name="sret"><function specId="mk"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c sret.xml -o sret.ospy -- ./sret > /dev/null || fail "capture of sret"
  load sret
  has sret 'described mk(3) => \[Structure\]'
  tail -c +17 sret.osd | bzip2 -dc | grep -qF '<returnValue><value type="Struct" subType="Pt" value="[Structure]"><field name="x"><value type="Int32" value="3"/></field><field name="y"><value type="Int32" value="6"/></field></value></returnValue>' ||
    fail "the returned structure: $(tail -c +17 sret.osd | bzip2 -dc | grep -o '<returnValue>.*</returnValue>')"
  "$ospy" import sret.osd -o sret-back.osd 2>/dev/null && cmp sret-back.osd sret.osd ||
    fail "sret.osd -> import -> .osd changed"
  "$ospy" import sret.osd -o sret.jsonl 2>/dev/null || fail "import of sret.osd"
  jq -e -s 'map(select(.name == "sret::mk")) | .[0].return | (has("value") | not) and .children[1].value == "6"' \
    sret.jsonl > /dev/null || fail "import: the returned structure: $(grep sret::mk sret.jsonl)"
  echo "a returned structure: $(grep described sret.txt)"
fi
echo "loader: ok ($(tail -n 1 demo.txt); $(tail -n 1 net.txt); $(tail -n 1 edges.txt))"
