#!/bin/sh
# test-streams, then tshark on the pcapng it wrote (when tshark is there).
#   check_unit.sh TEST_STREAMS WORKDIR
set -u
prog=$1 dir=$2
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$dir" && mkdir -p "$dir" || exit 1
"$prog" "$dir/t.pcapng" "$dir/both.pcapng" "$dir/gap.pcapng" "$dir/order.pcapng" || fail "test-streams"
command -v tshark >/dev/null 2>&1 ||
  { echo "SKIP: tshark is not installed (scripts/setup.sh installs it); the pcapng was not dissected"; exit 77; }
ts() { tshark -r "$dir/t.pcapng" "$@" 2>/dev/null; }
[ "$(ts -Y http.request -T fields -e http.request.uri | tr '\n' ' ')" = "/v6 /secret " ] ||
  { ts; fail "request URIs"; }
[ "$(ts -Y http.response -T fields -e http.response.code | tr '\n' ' ')" = "200 404 " ] ||
  { ts; fail "response codes"; }
[ "$(ts -Y 'http.request.uri == "/v6"' -T fields -e ipv6.dst -e tcp.dstport)" = "$(printf '::1\t8080')" ] ||
  fail "the IPv6 request's destination"
[ "$(ts -Y 'http.request.uri == "/secret"' -T fields -e ip.dst -e tcp.dstport)" = "$(printf '198.51.100.7\t80')" ] ||
  fail "the TLS plaintext goes to the server's address, port 80"
[ "$(ts -Y udp -T fields -e ip.src -e udp.srcport -e ip.dst -e udp.dstport | tail -1)" = \
  "$(printf '192.0.2.1\t5353\t10.0.0.1\t40003')" ] || { ts -Y udp; fail "the UDP reply"; }
ts -Y 'tcp.analysis.lost_segment' -T fields -e tcp.seq >"$dir/lost"
[ -s "$dir/lost" ] || fail "the 9 bytes not recorded must show as a gap"
ts -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
   -Y 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0' >"$dir/bad"
[ ! -s "$dir/bad" ] || { cat "$dir/bad"; fail "bad checksums"; }
echo "pcapng: HTTP over IPv6 and over TLS plaintext, UDP, a gap, good checksums"

# events lost while capturing: the connection's first packet after the loss
# says so in its comment (frame.comment; pkt_comment before Wireshark 4)
gap=$(tshark -r "$dir/gap.pcapng" -Y 'frame.comment || pkt_comment' -T fields -e tcp.len 2>/dev/null ||
      tshark -r "$dir/gap.pcapng" -Y 'pkt_comment' -T fields -e tcp.len 2>/dev/null)
echo "pcapng: packets commented on lost events (payload lengths): $gap (expected 5)"
[ "$gap" = 5 ] || { tshark -r "$dir/gap.pcapng" -V 2>/dev/null | grep -i comment; fail "the comment on the packet after the loss"; }

# both ends of each connection in the capture: each connection once, one
# handshake, each byte once (the two ends' views made two handshakes with one
# 4-tuple, and tshark mixed them)
both() { tshark -r "$dir/both.pcapng" "$@" 2>/dev/null; }
expect() { # WHAT EXPECTED ACTUAL
  echo "$1: $3"
  [ "$3" = "$2" ] || { both; fail "$1: expected $2"; }
}
expect "SYNs (client port > server port)" "43001>5001 43002>5002 43001>5001" \
  "$(both -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.srcport -e tcp.dstport |
     tr '\t\n' '> ' | sed 's/ $//')"
# ping, pong!, hello, bye, again: in hex, as tshark prints payloads
expect "payloads (source port:bytes)" \
  "43001:70696e67 5001:706f6e6721 5002:68656c6c6f 43002:627965 43001:616761696e" \
  "$(both -Y 'tcp.len > 0' -T fields -e tcp.srcport -e tcp.payload | tr -d ':' | tr '\t\n' ': ' |
     sed 's/ $//')"
expect "FINs" "6" "$(both -Y 'tcp.flags.fin == 1' | wc -l)"
expect "TCP analysis warnings other than the reused 4-tuple" "" \
  "$(both -Y 'tcp.analysis.flags && !tcp.analysis.reused_ports' | tr '\n' ' ')"
expect "follow of the first connection" "ping pong!" \
  "$(both -q -z follow,tcp,ascii,0 | sed -n '/^Node 1/,/^====/p' | grep -v -e '^Node' -e '^====' -e '^[[:space:]]*[0-9]*$' |
     sed 's/^[[:space:]]*//' | tr '\n' ' ' | sed 's/ $//')"
echo "pcapng: both ends of a connection in one process written once, IPv4 and IPv6"
