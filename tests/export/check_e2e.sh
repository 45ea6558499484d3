#!/bin/sh
# End to end: ospy capture of a real program (cat; -f open,read decoded with
# the catalogue's definitions, a raw-argument function, backtraces),
# then ospy export to every format; jq, the independent Python reader and
# ospy import check what came out. (Suite noasan: it injects the agent.)
# usage: check_e2e.sh OSPY OUT_DIR PYTHON READ_OSD_PY
set -eu
ospy=$1 out=$2 py=$3 reader=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cd "$out"
printf 'hello export\n' > input.txt
cat_bin=$(command -v cat)
# through a pipe: with a regular file as stdout cat copies with
# copy_file_range and never calls read
{ "$ospy" capture -q -f open,read,posix_fadvise --backtrace 4 -o run.ospy -- "$cat_bin" input.txt
  echo $? > capture.status; } | cat > cat.out
[ "$(cat capture.status)" = 0 ] || fail "ospy capture failed"
cmp cat.out input.txt || fail "cat's output changed under capture"

"$ospy" export run.ospy -o run.jsonl 2> export.log || fail "export: $(cat export.log)"
"$ospy" export run.ospy -o run.xml 2>/dev/null
"$ospy" export run.ospy -o run.osd 2>/dev/null
jq -e . run.jsonl > /dev/null || fail "jq cannot parse the export"
q() { jq -e -s "$1" run.jsonl > /dev/null; }
q 'map(select(.type == "Info" and .pid == 0)) | length == 3' || fail "the -f notes"
q 'map(select(.pid != 0)) | .[0].type == "ProcessStart" and .[0].process == "cat"' ||
  fail "process start"
q '.[-1].type == "ProcessExit" and .[-1].message == "exited with status 0"' || fail "process exit"
q 'map(select(.type == "ModuleLoad" and (.message | test("libc.so.6 at 0x")))) | length == 1' ||
  fail "libc load"
# the read that returned the file: its 13 bytes from the descriptor open returned
q '(map(select(.name == "libc.so.6::open" and .args_in[0].children[0].value == "input.txt"))
    | last | .return.value) as $fd
   | map(select(.name == "libc.so.6::read" and .return.value == "13")) | length == 1
     and (.[0].args_in[0].value == $fd)
     and (.[0].args_out[0].children[0].base64 == "aGVsbG8gZXhwb3J0Cg==")' ||
  fail "read of the file: $(grep '"libc.so.6::read"' run.jsonl | head -2)"
# descriptors name what they referred to, as show writes read(fd=3</path>)
q 'map(select(.name == "libc.so.6::read" and .return.value == "13")) | length == 1
   and (.[0].args_in[0].fd_name == "input.txt")' ||
  fail "read's descriptor name: $(grep '"libc.so.6::read"' run.jsonl | head -2)"
q 'map(select(.name == "libc.so.6::open" and .args_in[0].children[0].value == "input.txt"))
   | last | .return.fd_name == "input.txt"' ||
  fail "open's returned descriptor name: $(grep '"libc.so.6::open"' run.jsonl | tail -1)"
# posix_fadvise has no definition: raw words (6 on x86-64), or its 4 parameters by
# name where libc's DWARF is installed (libc6-dbg: docs/catalogue.md, Arguments from DWARF)
q 'map(select(.name == "libc.so.6::posix_fadvise")) | length == 1 and
   ((.[0].args_in | length == 6) or (.[0].args_in | length == 4 and .[0].name == "fd"))' ||
  fail "raw posix_fadvise: $(grep fadvise run.jsonl | head -2)"
q 'map(select(.type == "FunctionCall")) | all(.backtrace[0].module == "cat" and .duration_ns > 0)' ||
  fail "backtraces / durations"
q 'map(.id) == [range(1; length + 1)]' || fail "ids are not 1..N"

n=$(jq -s length run.jsonl)
"$py" "$reader" run.osd > py.txt || fail "read_osd.py rejects the export"
tail -n 1 py.txt | grep -qx "$n events" || fail "python reader: $(tail -n 1 py.txt), want $n"
grep -q "^  name libc.so.6::read$" py.txt || fail "python reader: no read call"
grep -qF "out buf = Pointer '0x" py.txt && grep -qF "ByteArray[13] b'hello export\\n'" py.txt ||
  fail "python reader: the read's buffer"
"$ospy" import run.osd -o back.xml 2>/dev/null
cmp back.xml run.xml || fail "export -> osd -> import changed the events"
# capture_one PROG FUNC ARG TYPE [OPTION...]: builds PROG.c, captures PROG with
# FUNC(TYPE ARG) returning Int32 hooked, exports the capture to PROG.jsonl
capture_one() {
  cc -O1 -rdynamic -o "$1" "$1.c" || fail "cannot build $1"
  cat > "$1.xml" <<X
<hookManager><specs><functions><function name="$2"><returnValue type="Int32"/><arguments>
<argument name="$3" direction="in" type="$4"/></arguments></function>
</functions></specs><hooks><module name="$1"><function specId="$2"/></module></hooks></hookManager>
X
  prog=$1
  shift 4
  "$ospy" capture -q "$@" -c "$prog.xml" -o "$prog.ospy" -- "./$prog" || fail "capture of $prog"
  "$ospy" export "$prog.ospy" -o "$prog.jsonl" 2>/dev/null
}
# a format string's values are its children, not nameless arguments
cat > fmt.c <<'C'
#include <stdarg.h>
#include <stdio.h>
__attribute__((noinline)) int say(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  return n;
}
int main(void) { return say("%s=%d", "key", -7) == 6 ? 0 : 1; }
C
capture_one fmt say fmt AsciiFormatStringPtr
jq -e -s 'map(select(.name == "fmt::say")) | length == 1 and (.[0].args_in | length == 1)
  and (.[0].args_in[0].name == "fmt") and (.[0].args_in[0].children | length == 3)
  and (.[0].args_in[0].children[1].value == "key") and (.[0].args_in[0].children[2].value == "-7")' \
  fmt.jsonl > /dev/null || fail "format string export: $(grep say fmt.jsonl)"
# a string that runs into an unmapped page: exported with where it stopped
cat > cut.c <<'C'
#include <string.h>
#include <sys/mman.h>
__attribute__((noinline)) int peek(const char *s) { volatile char c = s[0]; return c; }
int main(void)
{
  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);
  memset(p + 4093, 'A', 3); /* no NUL before the end of the page */
  return peek(p + 4093) == 'A' ? 0 : 1;
}
C
capture_one cut peek s AsciiStringPtr
jq -e -s 'map(select(.name == "cut::peek")) | length == 1 and (.[0].args_in[0].children[0].value == "AAA")
  and (.[0].args_in[0].children[0].unreadable | test("000$"))' cut.jsonl > /dev/null ||
  fail "cut string export: $(grep peek cut.jsonl)"
# so does a format's %s value (it had no "unreadable": the agent did not
# record where the string was)
cat > fcut.c <<'C'
#include <string.h>
#include <sys/mman.h>
__attribute__((noinline)) int say(const char *fmt, ...) { volatile char c = fmt[0]; return c; }
int main(void)
{
  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);
  memset(p + 4093, 'z', 3);
  return say("%s", p + 4093) == '%' ? 0 : 1;
}
C
capture_one fcut say fmt AsciiFormatStringPtr
jq -e -s 'map(select(.name == "fcut::say")) | length == 1
  and (.[0].args_in[0].children[1].value == "zzz")
  and (.[0].args_in[0].children[1].unreadable | test("000$"))' fcut.jsonl > /dev/null ||
  fail "format's cut %s export: $(grep say fcut.jsonl)"
# a structure pointer to garbage is unreadable at its address, in show and
# every export alike (not a structure of unreadable fields); one that runs
# into an unmapped page keeps its readable fields, a field inline in it of
# which nothing could be read is unreadable at its own address
cat > unr.c <<'C'
#include <string.h>
#include <sys/mman.h>
struct rec { int id; char name[8]; int vals[4]; };
static volatile long seen;
__attribute__((noinline)) int rec(const struct rec *r)
{
  seen = (long)r; /* long enough to be hooked */
  seen += 1;
  return (int)(seen & 1);
}
int main(void)
{
  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);
  memset(p, 'x', 4096);
  rec((const struct rec *)0xdeadbeef);
  rec((const struct rec *)(p + 4096 - 4)); /* id readable, the rest unmapped */
  return 0;
}
C
cc -O1 -rdynamic -o unr unr.c || fail "cannot build unr"
cat > unr.xml <<'X'
<hookManager><types><structure name="Rec">
<field name="id" offset="0" type="Int32"/><field name="name" offset="4" type="AsciiString"/>
<field name="vals" offset="12" type="Array" elementType="Int32" elementCount="4"/>
</structure></types><specs><functions><function name="rec"><returnValue type="Int32"/>
<arguments><argument name="r" direction="in" type="RecPtr"/></arguments></function>
</functions></specs><hooks><module name="unr"><function specId="rec"/></module></hooks></hookManager>
X
"$ospy" capture -q -c unr.xml -o unr.ospy -- ./unr || fail "capture of unr"
"$ospy" show unr.ospy > unr.txt
grep -qF 'unr!rec(r=<unreadable at 0xdeadbeef>) = ' unr.txt ||
  fail "show: garbage structure pointer: $(grep rec unr.txt)"
grep -qE 'unr!rec\(r=\{id=2021161080, name=<unreadable at 0x[0-9a-f]+000>, vals=<unreadable at 0x[0-9a-f]+008>\}\) = ' \
  unr.txt || fail "show: structure into an unmapped page: $(grep rec unr.txt)"
"$ospy" export unr.ospy -o unr.jsonl 2>/dev/null
"$ospy" export unr.ospy -o unr.xml 2>/dev/null
"$ospy" export unr.ospy -o unr.osd 2>/dev/null
jq -e -s 'map(select(.name == "unr::rec") | .args_in[0]) |
  length == 2 and .[0] == {name: "r", type: "RecPtr", value: "0xdeadbeef", unreadable: "0xdeadbeef"}
  and (.[1].children[0].children | length == 3 and .[0].value == "2021161080"
       and (.[1] | keys == ["name", "unreadable"] and (.unreadable | test("000$")))
       and (.[2] | keys == ["name", "unreadable"] and (.unreadable | test("008$"))))' \
  unr.jsonl > /dev/null || fail "jsonl: unreadable structure: $(grep rec unr.jsonl)"
# (a pointer to a structure of the config is its XPtr, as oSpy named it)
grep -qF '<argument name="r"><value type="RecPtr" value="0xdeadbeef" unreadable="0xdeadbeef"/></argument>' unr.xml ||
  fail "xml: garbage structure pointer: $(grep -o '<argument name="r">.*</argument>' unr.xml)"
grep -qE '<field name="name" unreadable="0x[0-9a-f]+000"></field><field name="vals" unreadable="0x[0-9a-f]+008"></field>' \
  unr.xml || fail "xml: structure into an unmapped page: $(grep -o '<argument name="r">.*</argument>' unr.xml)"
"$ospy" import unr.osd -o unr-back.xml 2>/dev/null
cmp unr-back.xml unr.xml || fail "osd: the unreadable structure changed through export and import"
"$py" "$reader" unr.osd > unr-py.txt || fail "read_osd.py rejects the unreadable structure"
grep -qF "in r = RecPtr '0xdeadbeef' unreadable@0xdeadbeef" unr-py.txt ||
  fail "python reader: garbage structure pointer: $(grep 'in r' unr-py.txt)"
# a forked child's backtraces name its modules: it has its parent's (its agent
# records no ModuleLoad of its own) until it execs; so does show --backtrace
cat > forked.c <<'C'
#include <sys/wait.h>
#include <unistd.h>
static volatile int seen;
__attribute__((noinline)) int work(int x)
{
  seen = x; /* long enough to be hooked */
  seen += x;
  return seen - x + 1;
}
int main(void)
{
  work(1);
  pid_t p = fork();
  if (p == 0)
    _exit(work(2) == 3 ? 0 : 1);
  int st = 1;
  waitpid(p, &st, 0);
  return st;
}
C
capture_one forked work x Int32 -F --backtrace 2
jq -e -s '(map(select(.type == "ProcessStart")) | length == 2) and
  (map(select(.name == "forked::work")) | length == 2 and
   all(.backtrace[0].module == "forked" and .backtrace[1].module == "libc.so.6"))' \
  forked.jsonl > /dev/null || fail "forked child's backtrace modules: $(grep work forked.jsonl)"
child=$(jq -s -r 'map(select(.type == "ProcessStart")) | .[1].pid' forked.jsonl)
"$ospy" show --backtrace forked.ospy > forked.txt
grep -A1 "\[$child\] forked!work(x=2)" forked.txt | grep -q "#0 0x[0-9a-f]* forked!main+0x" ||
  fail "show --backtrace: the forked child's frame: $(cat forked.txt)"
# a value its definition marks octal="true" (open's mode) is written as show
# writes it, 0666, in every export (they wrote 438, the XML value="438");
# one not recorded (open without O_CREAT: its logCondition) has no value
# (perfetto wrote "mode":"")
"$ospy" capture -q --preset files -o mode.ospy -- sh -c ': > created; exec 3< created' ||
  fail "capture of sh creating a file"
"$ospy" show -e open mode.ospy > mode.txt
grep -qF 'open(pathname="created", flags=O_WRONLY|O_CREAT|O_TRUNC, mode=0666) = 3' mode.txt &&
  grep -qF 'open(pathname="created", flags=O_RDONLY) = 3' mode.txt || fail "show: modes: $(cat mode.txt)"
"$ospy" export mode.ospy -o mode.jsonl 2>/dev/null
"$ospy" export mode.ospy -o mode.json 2>/dev/null
"$ospy" export mode.ospy -o mode.xml 2>/dev/null
jq -c 'select(.name == "libc.so.6::open") | .args_in[2]' mode.jsonl > mode.jsonl.txt
echo "jsonl modes: $(tr '\n' ' ' < mode.jsonl.txt)"
[ "$(cat mode.jsonl.txt)" = "$(printf '%s\n' '{"name":"mode","type":"UInt32","value":"0666"}' '{"name":"mode"}')" ] ||
  fail "jsonl: open's modes"
jq -c '.traceEvents[] | select(.name == "libc.so.6::open") | .args.in' mode.json > mode.json.txt
echo "perfetto modes: $(tr '\n' ' ' < mode.json.txt)"
[ "$(cat mode.json.txt)" = "$(printf '%s\n' '{"pathname":"created","flags":"O_WRONLY|O_CREAT|O_TRUNC","mode":"0666"}' \
   '{"pathname":"created","flags":"O_RDONLY"}')" ] || fail "perfetto: open's modes"
grep -qF '<argument name="mode"><value type="UInt32" value="0666"/></argument>' mode.xml ||
  fail "xml: open's mode: $(grep -o '<argument name="mode">[^/]*' mode.xml)"
# a va_list parameter keeps its place among the arguments (oSpy's parsers
# read them by position), written as oSpy's VaList marshaller wrote it, its
# word: logv(fmt, ap, level)'s level is argument 3 (it was 2, ap dropped)
cat > vl.c <<'C'
#include <stdarg.h>
volatile int sink;
__attribute__((noinline)) void logv(const char *fmt, va_list ap, int level) { sink = level + va_arg(ap, int); }
__attribute__((noinline)) void logf_(int level, const char *fmt, ...)
{ va_list ap; va_start(ap, fmt); logv(fmt, ap, level); va_end(ap); }
int main(void) { logf_(7, "x=%d", 5); return sink == 12 ? 0 : 1; }
C
cc -O1 -o vl vl.c || fail "cannot build vl"
cat > vl.xml <<'X'
<hookManager><specs><functions><function name="logv"><arguments>
<argument name="fmt" direction="in" type="AsciiFormatStringPtr" vaList="arg.ap"/>
<argument name="ap" direction="in" type="VaList"/><argument name="level" direction="in" type="Int32"/>
</arguments></function></functions></specs><hooks><module name="vl"><function specId="logv"/></module></hooks></hookManager>
X
"$ospy" capture -q -c vl.xml -o vl.ospy -- ./vl || fail "capture of vl"
"$ospy" show vl.ospy | grep -qF 'vl!logv(fmt="x=%d"(5), level=7)' || fail "show: logv: $("$ospy" show vl.ospy | grep logv)"
"$ospy" export vl.ospy -o vl.xml.out --format xml 2>/dev/null
"$ospy" export vl.ospy -o vl.jsonl 2>/dev/null
"$ospy" export vl.ospy -o vl.osd 2>/dev/null
args=$(grep -o '<name>vl::logv</name><arguments direction="in">.*</arguments>' vl.xml.out)
echo "va_list in place: $args"
echo "$args" | grep -qE '^<name>vl::logv</name><arguments direction="in"><argument name="fmt"><value type="Pointer" value="0x[0-9a-f]+"><value type="AsciiFormatString" value="x=5"/></value></argument><argument name="ap"><value type="VaList" value="0x[0-9a-f]+"/></argument><argument name="level"><value type="Int32" value="7"/></argument></arguments>$' ||
  fail "xml: logv's arguments in their places"
jq -e -s 'map(select(.name == "vl::logv")) | length == 1 and ([.[0].args_in[].name] == ["fmt", "ap", "level"])
  and (.[0].args_in[1].type == "VaList") and (.[0].args_in[1].value | test("^0x[0-9a-f]+$"))
  and (.[0].args_in[2].value == "7")' vl.jsonl > /dev/null || fail "jsonl: logv: $(grep logv vl.jsonl)"
"$ospy" import vl.osd -o vl.back.xml 2>/dev/null
cmp vl.back.xml vl.xml.out || fail "export -> osd -> import changed logv's va_list"
# computed arguments (value="EXPR") are no parameters: after them in both
# lists, an out-only one in the out list only (it took a place in the in
# list, shifting the parameters oSpy's parsers read by place)
cat > cv.c <<'C'
volatile int sink;
__attribute__((noinline)) int fill(int *out, int n) { *out = n * 2; sink = n; return n + 1; }
int main(void) { int x; return fill(&x, 20) == 21 && x == 40 ? 0 : 1; }
C
cc -O1 -o cv cv.c || fail "cannot build cv"
cat > cv.xml <<'X'
<hookManager><specs><functions><function name="fill"><returnValue type="Int32"/><arguments>
<argument name="got" direction="out" type="Int32" value="retval"/>
<argument name="half" direction="in" type="Int32" value="arg.n / 2"/>
<argument name="out" direction="out" type="Int32Ptr"/><argument name="n" direction="in" type="Int32"/>
</arguments></function></functions></specs><hooks><module name="cv"><function specId="fill"/></module></hooks></hookManager>
X
"$ospy" capture -q -c cv.xml -o cv.ospy -- ./cv || fail "capture of cv"
"$ospy" export cv.ospy -o cv.xml.out --format xml 2>/dev/null
grep -qE '<name>cv::fill</name><arguments direction="in"><argument name="out"><value type="Pointer" value="0x[0-9a-f]+"/></argument><argument name="n"><value type="Int32" value="20"/></argument><argument name="half"><value type="Int32" value="10"/></argument></arguments><arguments direction="out"><argument name="out"><value type="Pointer" value="0x[0-9a-f]+"><value type="Int32" value="40"/></value></argument><argument name="got"><value type="Int32" value="21"/></argument></arguments>' cv.xml.out ||
  fail "xml: computed arguments after the parameters: $(grep -o '<name>cv::fill</name>.*</arguments>' cv.xml.out)"
echo "e2e: ok ($n events)"
