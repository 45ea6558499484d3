#!/bin/sh
# The socket address of connect, sendto and recvfrom found by what the
# value is (a socket address: ospy's sockaddr bytes, or a structure with an
# address family field, behind a pointer of any type), not by the
# argument's name. oSpy's Winsock specs name connect's `name`, typed
# Ipv4SockaddrPtr (a pointer to its config's Ipv4Sockaddr structure), and
# sendto's and recvfrom's `to` and `from`: streams and the pcapng export
# found none of them (the peer was the made-up 10.0.0.2:20001).
#   check_names.sh import OSPY PYTHON3 WORKDIR    an oSpy-style .osd imported to pcapng
#   check_names.sh capture OSPY PYTHON3 WORKDIR   a capture with oSpy-style names
set -u
mode=$1 ospy=$2 python=$3 dir=$4
fail() { echo "FAIL ($mode): $*"; exit 1; }
rm -rf "$dir" && mkdir -p "$dir" || exit 1

# The IPv4 packets of a pcapng, one line each: PROTO SRC:PORT > DST:PORT LEN
packets() {
  "$python" - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 0
while off + 12 <= len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    if btype == 6:  # Enhanced Packet Block: the packet after 28 bytes
        caplen = struct.unpack_from("<I", data, off + 20)[0]
        pkt = data[off + 28:off + 28 + caplen]
        if pkt and pkt[0] >> 4 == 4:
            ihl, proto = (pkt[0] & 15) * 4, pkt[9]
            src, dst = ".".join(map(str, pkt[12:16])), ".".join(map(str, pkt[16:20]))
            sport, dport = struct.unpack_from(">HH", pkt, ihl)
            head = ihl + (((pkt[ihl + 12] >> 4) * 4) if proto == 6 else 8)
            name = {6: "TCP", 17: "UDP"}.get(proto, str(proto))
            print("%s %s:%d > %s:%d %d" % (name, src, sport, dst, dport, len(pkt) - head))
    if blen < 12:
        break
    off += blen
PY
}

case $mode in
import)
  # socket, connect (WSAEWOULDBLOCK), send, recv, closesocket; a UDP socket's
  # sendto and recvfrom: oSpy's Winsock specs' names and types, its agent's
  # values (TestEventXml.cs has such a connect)
  sa() { # ADDR PORT: an Ipv4SockaddrPtr as oSpy's agent wrote it
    printf '<value type="Ipv4SockaddrPtr" value="0x0012F5A0"><value type="Struct" subType="Ipv4Sockaddr"><field name="sin_family"><value type="Enum" subType="SockAddrFamily" value="AF_INET"/></field><field name="sin_port"><value type="UInt16" value="%s"/></field><field name="sin_addr"><value type="Ipv4InAddr" value="%s"/></field></value></value>' "$2" "$1"
  }
  ev() { # ID TIME FUNCTION ARGUMENTS RETURN
    printf '<event id="%s" type="FunctionCall" timestamp="%s" processName="client.exe" processId="1200" threadId="1300"><name>WS2_32.dll::%s</name>%s<returnValue><value type="Int32" value="%s"/></returnValue><lastError value="%s"/></event>' \
      "$1" "$2" "$3" "$4" "$5" "${6:-0}"
  }
  arg() { printf '<argument name="%s">%s</argument>' "$1" "$2"; }
  int() { printf '<value type="%s" value="%s"/>' "$1" "$2"; }
  buf() { printf '<value type="Pointer" value="0x00A1B000"><value type="ByteArray" size="%s">%s</value></value>' "$1" "$2"; }
  hello=$(printf 'HELO client\r\n' | base64) reply=$(printf 'OK ready\r\n' | base64)
  query=$(printf 'QUERY' | base64) answer=$(printf 'ANSWER!' | base64)
  {
    printf '<?xml version="1.0" encoding="utf-8" standalone="yes"?><events>'
    ev 1 128837553521454336 socket "<arguments direction=\"in\">$(arg af '<value type="Enum" subType="SockAddrFamily" value="AF_INET"/>')$(arg type '<value type="Enum" subType="SockType" value="SOCK_STREAM"/>')$(arg protocol '<value type="Enum" subType="AF_INET_Protocol" value="IPPROTO_IP"/>')</arguments>" 0x8ac
    ev 2 128837553521454400 connect "<arguments direction=\"in\">$(arg s "$(int UInt32 0x8ac)")$(arg name "$(sa 65.54.239.20 1863)")$(arg namelen "$(int Int32 16)")</arguments>" -1 10035
    ev 3 128837553523557360 send "<arguments direction=\"in\">$(arg s "$(int UInt32 0x8ac)")$(arg buf "$(buf 13 "$hello")")$(arg len "$(int Int32 13)")$(arg flags "$(int Int32 0)")</arguments>" 13
    ev 4 128837553525259808 recv "<arguments direction=\"in\">$(arg s "$(int UInt32 0x8ac)")$(arg buf "$(int Pointer 0x00A1B000)")$(arg len "$(int Int32 512)")$(arg flags "$(int Int32 0)")</arguments><arguments direction=\"out\">$(arg buf "$(buf 10 "$reply")")</arguments>" 10
    ev 5 128837553527062400 closesocket "<arguments direction=\"in\">$(arg s "$(int UInt32 0x8ac)")</arguments>" 0
    ev 6 128837553527462976 socket "<arguments direction=\"in\">$(arg af '<value type="Enum" subType="SockAddrFamily" value="AF_INET"/>')$(arg type '<value type="Enum" subType="SockType" value="SOCK_DGRAM"/>')$(arg protocol '<value type="Enum" subType="AF_INET_Protocol" value="IPPROTO_UDP"/>')</arguments>" 0x900
    ev 7 128837553527500000 sendto "<arguments direction=\"in\">$(arg s "$(int UInt32 0x900)")$(arg buf "$(buf 5 "$query")")$(arg len "$(int Int32 5)")$(arg flags "$(int Int32 0)")$(arg to "$(sa 192.0.2.53 53)")$(arg tolen "$(int Int32 16)")</arguments>" 5
    ev 8 128837553527600000 recvfrom "<arguments direction=\"in\">$(arg s "$(int UInt32 0x900)")$(arg buf "$(int Pointer 0x00A1B000)")$(arg len "$(int Int32 512)")$(arg flags "$(int Int32 0)")</arguments><arguments direction=\"out\">$(arg buf "$(buf 7 "$answer")")$(arg from "$(sa 192.0.2.53 53)")</arguments>" 7
    printf '</events>'
  } > "$dir/events.xml"
  # the .osd: "oSpy", version 2, compressed, 8 events, the XML in bzip2
  { printf 'oSpy\002\000\000\000\001\000\000\000\010\000\000\000'; bzip2 -c "$dir/events.xml"; } > "$dir/winsock.osd"
  "$ospy" import "$dir/winsock.osd" -o "$dir/winsock.pcapng" 2> "$dir/import.err" ||
    { cat "$dir/import.err"; fail "import exited $?"; }
  packets "$dir/winsock.pcapng" > "$dir/packets" || fail "cannot read the pcapng"
  cat "$dir/packets"
  grep -F '10.0.0.2' "$dir/packets" && fail "a made-up peer (10.0.0.2) instead of the address connect named"
  grep -qE '^TCP [0-9.]+:[0-9]+ > 65\.54\.239\.20:1863 13$' "$dir/packets" ||
    fail "send's 13 bytes do not go to 65.54.239.20:1863, connect's name"
  grep -qE '^TCP 65\.54\.239\.20:1863 > [0-9.]+:[0-9]+ 10$' "$dir/packets" ||
    fail "recv's 10 bytes do not come from 65.54.239.20:1863"
  grep -qE '^UDP [0-9.]+:[0-9]+ > 192\.0\.2\.53:53 5$' "$dir/packets" ||
    fail "sendto's datagram does not go to 192.0.2.53:53, its to"
  grep -qE '^UDP 192\.0\.2\.53:53 > [0-9.]+:[0-9]+ 7$' "$dir/packets" ||
    fail "recvfrom's datagram does not come from 192.0.2.53:53, its from"
  echo "import: connect's name, sendto's to and recvfrom's from are the peers"
  ;;
capture)
  # oSpy's Winsock names on Linux: connect(s, name, namelen) with name a
  # pointer to a config's Ipv4Sockaddr, sendto's to and recvfrom's from as
  # ospy's SockAddr
  cat > "$dir/net.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
  struct sockaddr_in a = { .sin_family = AF_INET }, u = a, f;
  a.sin_addr.s_addr = u.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof a, fl = sizeof f;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 1) || getsockname(ls, (void *)&a, &l))
    return 1;
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (void *)&a, sizeof a))
    return 2;
  int s = accept(ls, NULL, NULL);
  char buf[64];
  send(c, "HELO\r\n", 6, 0);
  recv(s, buf, sizeof buf, 0);
  int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
  l = sizeof u;
  if (bind(u1, (void *)&u, sizeof u) || getsockname(u1, (void *)&u, &l))
    return 3;
  sendto(u2, "QUERY", 5, 0, (void *)&u, sizeof u);
  recvfrom(u1, buf, sizeof buf, 0, (void *)&f, &fl);
  printf("tcp=%u udp=%u from=%u\n", ntohs(a.sin_port), ntohs(u.sin_port), ntohs(f.sin_port));
  close(c); close(s); close(ls); close(u1); close(u2);
  return 0;
}
C
  cc -o "$dir/net" "$dir/net.c" || fail "cannot build the program"
  cat > "$dir/winsock.xml" <<'X'
<hookManager><types>
  <enumeration name="SockAddrFamily"><member name="AF_INET" value="2"/></enumeration>
  <enumeration name="SockType"><member name="SOCK_STREAM" value="1"/><member name="SOCK_DGRAM" value="2"/></enumeration>
  <structure name="Ipv4Sockaddr">
    <field name="sin_family" offset="0" type="SockAddrFamily" marshalAs="Int16"/>
    <field name="sin_port" offset="2" type="UInt16" endian="big"/>
    <field name="sin_addr" offset="4" type="Ipv4InAddr"/>
  </structure>
</types><specs><functions>
  <function name="socket"><returnValue type="Int32"/><arguments>
    <argument name="af" direction="in" type="SockAddrFamily"/>
    <argument name="type" direction="in" type="SockType"/>
    <argument name="protocol" direction="in" type="Int32"/></arguments></function>
  <function name="connect"><returnValue type="Int32"/><arguments>
    <argument name="s" direction="in" type="UInt32" hex="true"/>
    <argument name="name" direction="in" type="Ipv4SockaddrPtr"/>
    <argument name="namelen" direction="in" type="Int32"/></arguments></function>
  <function name="send"><returnValue type="Int32"/><arguments>
    <argument name="s" direction="in" type="UInt32" hex="true"/>
    <argument name="buf" direction="in" type="ByteArrayPtr" size="arg.len"/>
    <argument name="len" direction="in" type="Int32"/>
    <argument name="flags" direction="in" type="Int32" hex="true"/></arguments></function>
  <function name="sendto"><returnValue type="Int32"/><arguments>
    <argument name="s" direction="in" type="UInt32" hex="true"/>
    <argument name="buf" direction="in" type="ByteArrayPtr" size="arg.len"/>
    <argument name="len" direction="in" type="Int32"/>
    <argument name="flags" direction="in" type="Int32" hex="true"/>
    <argument name="to" direction="in" type="SockAddrPtr" size="arg.tolen"/>
    <argument name="tolen" direction="in" type="Int32"/></arguments></function>
  <function name="recvfrom"><returnValue type="Int32"/><arguments>
    <argument name="s" direction="in" type="UInt32" hex="true"/>
    <argument name="buf" direction="out" type="ByteArrayPtr" size="reg.eax"/>
    <argument name="len" direction="in" type="Int32"/>
    <argument name="flags" direction="in" type="Int32" hex="true"/>
    <argument name="from" direction="out" type="SockAddrPtr"/>
    <argument name="fromlen" direction="in" type="Pointer"/></arguments></function>
</functions></specs><hooks><dllModule name="libc.so.6">
  <function specId="socket"/><function specId="connect"/><function specId="send"/>
  <function specId="sendto"/><function specId="recvfrom"/>
</dllModule></hooks></hookManager>
X
  "$ospy" capture -q -c "$dir/winsock.xml" -o "$dir/c.ospy" -- "$dir/net" > "$dir/out" 2> "$dir/cap.err" ||
    { cat "$dir/cap.err"; fail "the capture exited $?"; }
  tcp=$(sed -n 's/^tcp=\([0-9]*\) .*/\1/p' "$dir/out") udp=$(sed -n 's/.* udp=\([0-9]*\) .*/\1/p' "$dir/out")
  from=$(sed -n 's/.* from=\([0-9]*\)$/\1/p' "$dir/out")
  [ -n "$tcp" ] && [ -n "$udp" ] && [ -n "$from" ] || fail "the program did not run: $(cat "$dir/out")"
  "$ospy" streams "$dir/c.ospy" > "$dir/list" 2>&1 || { cat "$dir/list"; fail "streams exited $?"; }
  cat "$dir/list"
  for want in " tcp .* -> 127.0.0.1:$tcp  6 bytes out, 0 in" " udp .* -> 127.0.0.1:$udp  5 bytes out, 0 in" \
              " udp .* -> 127.0.0.1:$from  0 bytes out, 5 in"; do
    echo "expect:$want"
    grep -q -- "$want" "$dir/list" || fail "no conversation$want"
  done
  "$ospy" export "$dir/c.ospy" --format pcapng -o "$dir/c.pcapng" 2>/dev/null || fail "pcapng export"
  packets "$dir/c.pcapng" > "$dir/packets" || fail "cannot read the pcapng"
  grep -qE "^TCP [0-9.]+:[0-9]+ > 127\.0\.0\.1:$tcp 6$" "$dir/packets" ||
    { cat "$dir/packets"; fail "pcapng: send's 6 bytes do not go to 127.0.0.1:$tcp"; }
  echo "capture: connect's name, sendto's to and recvfrom's from are the peers"
  ;;
*) fail "unknown mode" ;;
esac
exit 0
