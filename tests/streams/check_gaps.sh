#!/bin/sh
# What the events say the capture lacks, told by the pcapng export (here
# `ospy import` of an .osd, whose Lost and Info events are the capture's):
# events lost while capturing (a Lost event, "7 events lost") and calls
# logNested="false" left out (the agent's Info about its hook). The pcapng
# presented such data as complete: no word on stderr, no mark in the file.
#   check_gaps.sh OSPY WORKDIR
set -u
ospy=$1 dir=$2
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$dir" && mkdir -p "$dir" || exit 1

ev() { # ID TIME TYPE FUNCTION-OR-MESSAGE ARGUMENTS RETURN
  if [ "$3" = FunctionCall ]; then
    printf '<event id="%s" type="FunctionCall" timestamp="%s" processName="client" processId="1200" threadId="1200"><name>libc.so.6::%s</name>%s<returnValue><value type="Int32" value="%s"/></returnValue><lastError value="0"/></event>' \
      "$1" "$2" "$4" "$5" "$6"
  else # TYPE is "Warning ospyType=Lost" or Info
    printf '<event id="%s" type="%s" timestamp="%s" processName="client" processId="1200" threadId="1200"><message>%s</message></event>' \
      "$1" "$3" "$2" "$4" | sed 's/type="Warning ospyType=Lost"/type="Warning" ospyType="Lost"/'
  fi
}
args() { printf '<arguments direction="in">%s</arguments>' "$1"; }
arg() { printf '<argument name="%s">%s</argument>' "$1" "$2"; }
int() { printf '<value type="Int32" value="%s"/>' "$1"; }
buf() { printf '<value type="Pointer" value="0x00A1B000"><value type="ByteArray" size="%s">%s</value></value>' "$1" "$2"; }
sa='<value type="Pointer" value="0x0012F5A0"><value type="Struct" subType="sockaddr_in"><field name="sin_family"><value type="Enum" value="AF_INET"/></field><field name="sin_port"><value type="UInt16" value="7000"/></field><field name="sin_addr"><value type="Ipv4InAddr" value="192.0.2.9"/></field></value></value>'
send() { # ID TIME TEXT
  ev "$1" "$2" FunctionCall send "$(args "$(arg sockfd "$(int 3)")$(arg buf "$(buf ${#3} "$(printf %s "$3" | base64)")")$(arg len "$(int ${#3})")$(arg flags "$(int 0)")")" ${#3}
}
note='libc.so.6!send: 2 calls made inside other hooked calls were left out (logNested="false", the default; logNested="true" records them)'
{
  printf '<?xml version="1.0" encoding="utf-8" standalone="yes"?><events>'
  ev 1 133444736000000000 FunctionCall socket "$(args "$(arg domain '<value type="Enum" value="AF_INET"/>')$(arg type '<value type="Enum" value="SOCK_STREAM"/>')$(arg protocol "$(int 0)")")" 3
  ev 2 133444736000000100 FunctionCall connect "$(args "$(arg sockfd "$(int 3)")$(arg addr "$sa")$(arg addrlen "$(int 16)")")" 0
  send 3 133444736000000200 one
  ev 4 133444736000000300 "Warning ospyType=Lost" "7 events lost"
  send 5 133444736000000400 three
  send 6 133444736000000500 four
  ev 7 133444736000000600 Info "[libc.so.6::send] $note"
  ev 8 133444736000000700 Info "[libc.so.6::fstatat] libc.so.6!fstatat: 5 calls made inside other hooked calls were left out (...)"
  printf '</events>'
} > "$dir/events.xml"
# the .osd: "oSpy", version 2, plain, 8 events, the XML
{ printf 'oSpy\002\000\000\000\000\000\000\000\010\000\000\000'; cat "$dir/events.xml"; } > "$dir/gaps.osd"
"$ospy" import "$dir/gaps.osd" -o "$dir/gaps.pcapng" 2> "$dir/import.err" ||
  { cat "$dir/import.err"; fail "import exited $?"; }
cat "$dir/import.err"
for want in 'ospy import: warning: 7 events were lost while capturing: the streams may miss data' \
            'ospy import: warning: 2 calls made inside other hooked calls were not recorded (logNested="false"): libc.so.6::send: the streams may miss data'; do
  echo "expect on stderr: $want"
  grep -qxF -- "$want" "$dir/import.err" || fail "not said"
done
grep -q fstatat "$dir/import.err" && fail "fstatat's calls carry no data: not streams' concern"
# the comment on the first packet after the loss (send "three"), none other
comment='ospy: events were lost while capturing before this packet: data of this connection may be missing'
n=$(grep -c -F -a -- "$comment" "$dir/gaps.pcapng")
echo "expect the comment once in the pcapng: $n"
[ "$n" = 1 ] || fail "the packet after the loss is not marked once"
if command -v tshark >/dev/null 2>&1; then
  got=$(tshark -r "$dir/gaps.pcapng" -Y 'frame.comment' -T fields -e tcp.payload 2>/dev/null | tr -d ':')
  echo "tshark: the commented packet's payload: $got (expected 7468726565, three)"
  [ "$got" = 7468726565 ] || fail "tshark: the comment is not on the packet of three"
fi
exit 0
