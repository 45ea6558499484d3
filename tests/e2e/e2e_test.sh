#!/bin/sh
# End-to-end tests of `ospy capture` + `ospy show` as a user runs them.
#   e2e_test.sh CASE OSPY DEMO DEMO_XML TARGET_EXIT [AGENT32]
# Each case prints what it checks; a mismatch prints both sides and fails.
set -u
case_name=$1 ospy=$2 demo=$3 demo_xml=$4 target=$5 agent32=${6:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_line() { # expect_line FILE FIXED-STRING
  grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "missing: $2"; }
}
expect_regex() { # expect_regex FILE EXTENDED-REGEX
  grep -qE -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "no line matches: $2"; }
}

# check_demo DEMO_BINARY OPEN_NAME: the bundled demo's calls, decoded.
check_demo() {
  "$ospy" capture -q -c "$demo_xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "demo: dev_control succeeded 1, then failed 1"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  # where the capture comes from, as its header says it (stats)
  "$ospy" stats --no-hist "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
  expect_regex "$tmp/stats" "^  recorded by ospy [0-9][^ ]* on .+, started [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(spawn\): .*$(basename "$1")\$"
  # FileDescriptor values carry what they refer to (strace -y), withdrawn at close.
  expect_line "$tmp/show" "libc.so.6!$2(pathname=\"/etc/hostname\", flags=O_RDONLY) = 3</etc/hostname>"
  expect_line "$tmp/show" 'libc.so.6!read(fd=3</etc/hostname>, buf="'
  expect_line "$tmp/show" 'libc.so.6!close(fd=3</etc/hostname>) = 0'
  # a socket is named from what its calls said (strace -yy's form), never from /proc
  expect_regex "$tmp/show" "libc.so.6!socket\(domain=AF_INET, type=SOCK_STREAM, protocol=0\) = 3<TCP>\$"
  expect_regex "$tmp/show" "libc.so.6!connect\(sockfd=4<TCP:\[->127.0.0.1:[0-9]+\]>, addr=\{AF_INET, 127.0.0.1:"
  expect_regex "$tmp/show" "libc.so.6!send\(sockfd=4<TCP:\[->127.0.0.1:[0-9]+\]>, buf=\"GET /demo HTTP/1.0.r.n.r.n\", len=22, flags=0x0\) = 22\$"
  expect_line "$tmp/show" 'libc.so.6!ioctl(fd=0</dev/null>, request=TIOCGWINSZ) = -1'
  # (accept is not in demo.xml: the descriptor it made stays a number)
  expect_line "$tmp/show" 'libc.so.6!recv(sockfd=5, buf="GET /demo HTTP/1.0\r\n\r\n", len=64, flags=0x0) = 22'
  # The seed's scenario: the successful call logs exactly out_len bytes at
  # leave, and out (which dev_control only writes) nothing at entry: it was
  # in/out, and its uninitialised bytes were logged...
  expect_line "$tmp/show" 'in="hello", in_len=5, out="HELLO", out_cap=16, out_len=[5]) = 1'
  # ...and the failed one logs no out-buffer, never garbage.
  grep 'dev_control(fd=3, code=4660' "$tmp/show" | grep -q 'out="' && fail "failed call logged an out-buffer"
  grep -q 'dev_control(fd=3, code=4660' "$tmp/show" || fail "failed call not recorded"
  n=$(grep -c 'libc.so.6!\|ospy-demo!' "$tmp/show")
  [ "$n" = 14 ] || { cat "$tmp/show"; fail "expected 14 calls, got $n"; }
}

# check_fd_threads PROGRAM: 4 threads each open, write and close a file of
# their own 2000 times; every write and close must show its own thread's file.
# A thread's close is often drained after another thread's open took the
# number (records are written when calls return): it was shown with that
# file's name, and withdrew it from the other thread's write.
check_fd_threads() {
  "$ospy" capture -q --preset files -o "$tmp/t.ospy" -- "$1" "$tmp" 4 2000 >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "fd-threads: 4 threads x 2000 open/write/close"
  "$ospy" show -s 0 "$tmp/t.ospy" >"$tmp/show" || fail "show exited $?"
  awk '
    !match($0, /\[[0-9]+:[0-9]+\]/) { next }
    { tid = substr($0, RSTART, RLENGTH) }
    /!open[0-9]*\(pathname="[^"]*\/fd_[0-9]+\.txt"/ {
      match($0, /fd_[0-9]+\.txt"/); own[tid] = substr($0, RSTART, RLENGTH - 1); opens++; next
    }
    !/!(write|close)\(fd=/ || !(tid in own) { next }
    { call = /!write\(/ ? "write" : "close" }
    match($0, /\(fd=[0-9]+[,)]/) { print "unnamed: " $0; bad++; next }
    match($0, /\(fd=[0-9]+<[^>]*>/) {
      name = substr($0, RSTART, RLENGTH); sub(/.*\//, "", name); sub(/>$/, "", name)
      if (name == own[tid]) { named[call]++; next }
    }
    { print "not its thread'"'"'s file (" own[tid] "): " $0; bad++ }
    END {
      printf "opens %d, writes named %d, closes named %d, wrong or unnamed %d\n",
        opens, named["write"], named["close"], bad
    }' "$tmp/show" >"$tmp/names"
  tail -n 1 "$tmp/names" | grep -qx "opens 8000, writes named 8000, closes named 8000, wrong or unnamed 0" ||
    { head -n 20 "$tmp/names"; tail -n 1 "$tmp/names"; fail "descriptor names crossed threads"; }
}

# check_struct_reads BITS (target_struct_reads.c, built with -mBITS): a
# structure or an array in heap memory is read with one system call (the
# agent's own count, OSPY_TEST_COUNT_READS), not one a field: 1000 more
# fstat (struct stat) and poll (8 pollfds, in/out: read at entry and at
# return) cost 3000 reads more, where they cost 74 000 (14 a stat, 60 a
# poll). A structure that runs into a PROT_NONE page keeps its readable
# fields and marks the others unreadable at their own addresses.
check_struct_reads() {
  cc -m"$1" -O1 -o "$tmp/sr$1" "$(dirname "$0")/target_struct_reads.c" ||
    fail "cannot build target_struct_reads.c"
  cat > "$tmp/sr.xml" <<X
<hookManager><types>
<structure name="Rec"><field name="a" offset="0" type="Int32"/><field name="b" offset="4" type="Int32"/><field name="c" offset="8" type="Int64"/><field name="d" offset="16" type="Int64"/><field name="e" offset="24" type="Int32"/><field name="f" offset="28" type="Int32"/></structure>
</types><specs><functions>
<function name="take"><returnValue type="Int32"/><arguments><argument name="r" type="RecPtr"/></arguments></function>
</functions></specs>
<hooks><module name="sr$1"><function specId="take"/></module></hooks></hookManager>
X
  for n in 100 1100; do
    OSPY_TEST_COUNT_READS=1 "$ospy" capture -q -c "$tmp/sr.xml" -f fstat,poll -o "$tmp/sr.ospy" -- \
      "$tmp/sr$1" $n >"$tmp/out" 2>"$tmp/err" </dev/null || { cat "$tmp/err"; fail "capture exited $?"; }
    "$ospy" show "$tmp/sr.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" 'libc\.so\.6!fstat\(fd=3[^,]*, statbuf=\{st_dev=.*, st_mode=S_IFIFO\|0600, .*st_ctime=[0-9]+\}\) = 0$'
    expect_regex "$tmp/show" 'libc\.so\.6!poll\(fds=\[(\{fd=3[^}]*, events=POLLIN\}, ){7}\{fd=3[^}]*, events=POLLIN\}\] => \[(\{fd=3[^}]*, events=POLLIN, revents=0x0\}, ){7}.*\], nfds=8, timeout=0\) = 0$'
    reads=$(sed -n 's/.*agent: \([0-9]*\) reads of the program.s memory through the kernel.*/\1/p' "$tmp/show")
    [ -n "$reads" ] || { cat "$tmp/show"; fail "no count of the agent's reads"; }
    eval "reads_$n=$reads"
  done
  more=$((reads_1100 - reads_100))
  echo "struct-reads ($1-bit): 1000 more fstat + poll calls on heap memory: $more more reads through the kernel (expected: at most 3000)"
  [ "$more" -le 3000 ] || fail "$more reads through the kernel for 1000 fstat + poll calls (one a field: 74 000)"
  guard=$(sed -n 's/^guard=0x\([0-9a-f]*\) take=3,15$/\1/p' "$tmp/out")
  [ -n "$guard" ] || { cat "$tmp/out"; fail "the program's output"; }
  at() { printf '0x%x' $((0x$guard + $1)); }
  expect_line "$tmp/show" "sr$1!take(r={a=1, b=2, c=3, d=4, e=5, f=6}) = 3"
  expect_line "$tmp/show" "sr$1!take(r={a=7, b=8, c=<unreadable at $(at 0)>, d=<unreadable at $(at 8)>, e=<unreadable at $(at 16)>, f=<unreadable at $(at 20)>}) = 15"
}

# same_as_alone BINARY: the program alone and under `ospy capture -f write`
# print the same and exit alike (docs/reliability.md); its calls in $tmp/show.
same_as_alone() {
  "$1" >"$tmp/alone.out" 2>/dev/null
  alone=$?
  "$ospy" capture -q -f write -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = $alone ] || { cat "$tmp/err"; fail "$1: exit $rc under ospy, $alone alone"; }
  cmp -s "$tmp/alone.out" "$tmp/out" ||
    { diff "$tmp/alone.out" "$tmp/out"; fail "$1: its output differs under ospy"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
}

# stack_case SOURCE CHECK: CHECK BINARY for the program built for x86-64,
# then for i386 where it builds and runs; says which in $i386.
stack_case() {
  cc -O1 -pthread -o "$tmp/p64" "$(dirname "$0")/$1" || fail "cannot build $1"
  $2 "$tmp/p64"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O1 -pthread -o "$tmp/p32" "$(dirname "$0")/$1" 2>/dev/null && "$tmp/p32" >/dev/null 2>&1; then
    $2 "$tmp/p32"
    i386=checked
  fi
}

# check_jump_out BINARY MODE (target_sigjump.c): a SIGALRM handler that
# leaves by siglongjmp while the thread is inside ospy's hook code, 20 times
# or more. The thread stayed busy for good: every later call of it was
# counted lost (197 326 of 200 000), and a record it had begun held back its
# lane of the ring, where other threads then waited for room for ever (the
# threads mode hung). Every call whose body ran is recorded or counted lost,
# none counted twice, and no more are lost than two a jump.
check_jump_out() {
  "$1" "$2" >"$tmp/alone.out" 2>/dev/null || fail "$1 $2 alone exited $?"
  "$ospy" capture -q -f work -o "$tmp/j.ospy" -- "$1" "$2" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  [ $rc = 0 ] || { cat "$tmp/err"; fail "$2: exit $rc under ospy (3: its threads waited for room in the ring for ever)"; }
  cmp -s "$tmp/alone.out" "$tmp/out" || { diff "$tmp/alone.out" "$tmp/out"; fail "$2: its output differs under ospy"; }
  counts=$(grep -o 'made=[0-9]* body=[0-9]* jumps=[0-9]*' "$tmp/err" | tail -n 1)
  made=$(echo "$counts" | sed 's/.*made=\([0-9]*\).*/\1/')
  body=$(echo "$counts" | sed 's/.*body=\([0-9]*\).*/\1/')
  jumps=$(echo "$counts" | sed 's/.*jumps=\([0-9]*\).*/\1/')
  [ -n "$counts" ] || { cat "$tmp/err"; fail "$2: no counts from the program"; }
  "$ospy" stats --no-hist "$tmp/j.ospy" >"$tmp/stats" || fail "stats exited $?"
  recorded=$(awk '$NF ~ /!work$/ { print $1 }' "$tmp/stats")
  lost=$(sed -n 's/^ *\([0-9]*\) events lost .*/\1/p' "$tmp/stats")
  recorded=${recorded:-0} lost=${lost:-0}
  echo "  $2: $made calls made, $body ran, $jumps jumps: $recorded recorded + $lost lost = $((recorded + lost))"
  [ "$jumps" -ge 20 ] || fail "$2: the handler jumped $jumps times, 20 expected"
  [ $((recorded + lost)) -ge "$body" ] || fail "$2: calls that ran are neither recorded nor counted lost"
  [ $((recorded + lost)) -le "$made" ] || fail "$2: calls both recorded and counted lost"
  [ "$lost" -le $((2 * jumps)) ] || fail "$2: $lost calls lost for $jumps jumps (the thread stayed busy)"
  "$ospy" show "$tmp/j.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "warning: agent: a signal handler left ospy's hook code by a jump \(siglongjmp\) [0-9]+ times?:"
}

# A config for libe2e-dlib.so, which the program opens later: one function it
# has and one it lacks (missing-later, missing-relative).
write_late_config() { # FILE
  cat > "$1" <<'X'
<hookManager><specs><functions>
<function name="ospy_dlib_mul"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
<function name="no_such_fn"><returnValue type="Int32"/><arguments/></function>
</functions></specs>
<hooks><module name="libe2e-dlib.so"><function specId="ospy_dlib_mul"/><function specId="no_such_fn"/></module></hooks></hookManager>
X
}

# Structures passed and returned by value (a structure type used without
# Ptr): 1 to 24 bytes, integer, float and mixed fields, a pointer field, an
# inline array; in registers, on the stack when the registers run out, through
# the hidden result pointer (struct-by-value, struct-by-value-i386).
write_by_value_program() { # DIR
  cat > "$1/bv.c" <<'C'
#include <stdio.h>
struct c1 { char c; };
struct pt { int x, y; };
struct i3 { int a, b, c; };
struct mix { int a; float f; double d; };
struct d2 { double a, b; };
struct f3 { float v[3]; };
struct big { long long a, b, c; };
struct named { const char *name; int len; };
struct dl { double d; long long l; };
struct l2 { long long a, b; };
#define F __attribute__((noinline, noipa))
F struct pt mk(int x, int y) { struct pt p = { x, y }; return p; }
F int take(struct pt p, int after) { return p.x + p.y + after; }
F double mixed(struct c1 c, struct mix m, struct i3 t, double z, struct named n, int last)
{ return c.c + m.a + m.f + m.d + t.a + t.b + t.c + z + n.len + last; }
F struct big mkbig(int a, struct big b, int k) { struct big r = { b.a + a, b.b + k, b.c + a + k }; return r; }
F struct d2 swap(struct d2 d, struct f3 f) { struct d2 r = { d.b, d.a + f.v[0] + f.v[1] + f.v[2] }; return r; }
F struct dl mkdl(double d, long long l) { volatile int k = 1; struct dl r = { d * k, l * k }; return r; }
F long long many(long long a, long long b, long long c, long long d, long long e, struct l2 s,
                 struct pt t, long long after)
{ return a + b + c + d + e + s.a + s.b + t.x + t.y + after; }
F struct c1 mkc(char c) { volatile int k = 1; struct c1 r = { (char)(c * k) }; return r; }
int main(void)
{
  struct pt p = mk(11, -22);
  struct c1 c = { 'A' };
  struct mix m = { 1, 1.5f, 2.25 };
  struct i3 t = { 7, 8, 9 };
  struct named n = { "hi", 2 };
  struct big b = { 10, 20, 30 }, rb = mkbig(1, b, 2);
  struct d2 d = { 0.5, -4 }, rd = swap(d, (struct f3){ { 1, 2, 3 } });
  struct dl l = mkdl(0.25, -7);
  struct l2 s = { 40, 41 };
  int other = take((struct pt){ 1, 2 }, 0);
  printf("take %d %d mixed %g big %lld %lld %lld swap %g %g dl %g %lld many %lld c %c\n",
         take(p, 5), other, mixed(c, m, t, 0.5, n, -3), rb.a, rb.b, rb.c, rd.a, rd.b, l.d, l.l,
         many(1, 2, 3, 4, 5, s, (struct pt){ 6, 7 }, 42), mkc('B').c);
  return 0;
}
C
  cat > "$1/bv.xml" <<'X'
<hookManager>
<types>
  <structure name="C1"><field name="c" offset="0" type="Int8"/></structure>
  <structure name="Pt"><field name="x" offset="0" type="Int32"/><field name="y" offset="4" type="Int32"/></structure>
  <structure name="I3"><field name="a" offset="0" type="Int32"/><field name="b" offset="4" type="Int32"/><field name="c" offset="8" type="Int32"/></structure>
  <structure name="Mix"><field name="a" offset="0" type="Int32"/><field name="f" offset="4" type="Float"/><field name="d" offset="8" type="Double"/></structure>
  <structure name="D2"><field name="a" offset="0" type="Double"/><field name="b" offset="8" type="Double"/></structure>
  <structure name="F3"><field name="v" offset="0" type="Array" elementType="Float" elementCount="3"/></structure>
  <structure name="Big"><field name="a" offset="0" type="Int64"/><field name="b" offset="8" type="Int64"/><field name="c" offset="16" type="Int64"/></structure>
  <structure name="Named" arch="x86-64"><field name="name" offset="0" type="AsciiStringPtr"/><field name="len" offset="8" type="Int32"/></structure>
  <structure name="Named" arch="i386"><field name="name" offset="0" type="AsciiStringPtr"/><field name="len" offset="4" type="Int32"/></structure>
  <structure name="DL"><field name="d" offset="0" type="Double"/><field name="l" offset="8" type="Int64"/></structure>
  <structure name="L2"><field name="a" offset="0" type="Int64"/><field name="b" offset="8" type="Int64"/></structure>
</types>
<specs><functions>
  <function name="mk"><returnValue type="Pt"/><arguments><argument name="x" type="Int32"/><argument name="y" type="Int32"/></arguments></function>
  <function name="take"><returnValue type="Int32"/><arguments><argument name="p" type="Pt"/><argument name="after" type="Int32"/></arguments>
    <logCondition>i32[arg.p] == 11</logCondition></function>
  <function name="mixed"><returnValue type="Double"/><arguments><argument name="c" type="C1"/><argument name="m" type="Mix"/><argument name="t" type="I3"/><argument name="z" type="Double"/><argument name="n" type="Named"/><argument name="last" type="Int32"/></arguments></function>
  <function name="mkbig"><returnValue type="Big"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Big"/><argument name="k" type="Int32"/></arguments></function>
  <function name="swap"><returnValue type="D2"/><arguments><argument name="d" type="D2"/><argument name="f" type="F3"/></arguments></function>
  <function name="mkdl"><returnValue type="DL"/><arguments><argument name="d" type="Double"/><argument name="l" type="Int64"/></arguments></function>
  <function name="many"><returnValue type="Int64"/><arguments><argument name="a" type="Int64"/><argument name="b" type="Int64"/><argument name="c" type="Int64"/><argument name="d" type="Int64"/><argument name="e" type="Int64"/><argument name="s" type="L2"/><argument name="t" type="Pt"/><argument name="after" type="Int64"/></arguments></function>
  <function name="mkc"><returnValue type="C1"/><arguments><argument name="c" type="Int8"/></arguments></function>
</functions></specs>
<hooks><module name="bv-*">
  <function specId="mk"/><function specId="take"/><function specId="mixed"/><function specId="mkbig"/>
  <function specId="swap"/><function specId="mkdl"/><function specId="many"/><function specId="mkc"/>
</module></hooks>
</hookManager>
X
}

# ELF aliases (alias-hooks, alias-hooks-i386): f_alias_a and f_alias_b
# are two names of one function of libalias.so. Hooked by both names, it is
# hooked once, under the first: the second was dropped without a word (a
# config with two definitions, -f f_alias_a -f f_alias_b), while
# docs/config.md promised a warning for two hooks of one function. The
# capture and `ospy check` warn now, naming both and the one kept; a shipped
# preset's own aliases (stat64 is stat in x86-64 glibc) and two names of
# alike definitions stay quiet; two structures of the same fields under two
# names are alike (-f fstat,fstat64 on x86-64: Stat and Stat64 warned).
check_aliases() { # BITS
  d="$tmp/a$1"
  mkdir -p "$d"
  cat > "$d/alias.c" <<'X'
int f_alias_a(int x, int y) { return x * y + 1; }
extern int f_alias_b(int x, int y) __attribute__((alias("f_alias_a")));
X
  cat > "$d/prog.c" <<'X'
#include <stdio.h>
int f_alias_a(int x, int y);
int f_alias_b(int x, int y);
int main(void) { printf("b %d a %d\n", f_alias_b(3, 4), f_alias_a(5, 6)); return 0; }
X
  cc -m"$1" -O0 -shared -fPIC -o "$d/libalias.so" "$d/alias.c" &&
    cc -m"$1" -O0 -o "$d/prog" "$d/prog.c" -L"$d" -lalias -Wl,-rpath,"$d" || fail "cannot build the alias program -m$1"
  cat > "$d/two.xml" <<X
<hookManager><specs><functions>
<function name="f_alias_b"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/><argument name="y" type="Int32"/></arguments></function>
<function name="f_alias_a"><returnValue type="Int32"/><arguments><argument name="p" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="$d/libalias.so"><function specId="f_alias_b"/><function specId="f_alias_a"/></module></hooks>
</hookManager>
X
  said="warning: $d/libalias.so!f_alias_a: the same function as $d/libalias.so!f_alias_b (two names of one address), hooked already: its calls are recorded under that name and definition"
  "$ospy" capture -q -c "$d/two.xml" -o "$tmp/c.ospy" -- "$d/prog" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture of two aliases exited $?"; }
  expect_line "$tmp/out" "b 13 a 31"
  expect_line "$tmp/err" "$said"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "$said"
  [ "$(grep -c 'libalias.so!f_alias_b(x=[35], y=[46]) = \(13\|31\)$' "$tmp/show")" = 2 ] ||
    { cat "$tmp/show"; fail "-m$1: expected both calls under f_alias_b's name and definition"; }
  # ospy check reads the library's file (a path) and says so too
  "$ospy" check --arch "$2" "$d/two.xml" >/dev/null 2>"$tmp/check" || fail "check exited $?"
  expect_line "$tmp/check" "two.xml:5:"
  expect_line "$tmp/check" "warning: $d/libalias.so!f_alias_a: the same function as $d/libalias.so!f_alias_b (line 5): f_alias_b and f_alias_a are two names of one address in $d/libalias.so, hooked once: its calls are recorded under $d/libalias.so!f_alias_b and its definition"
  # named with -f, both without a definition
  "$ospy" capture -q -f f_alias_a -f f_alias_b -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture -f f_alias_a -f f_alias_b exited $?"; }
  expect_line "$tmp/err" "warning: libalias.so!f_alias_b: the same function as libalias.so!f_alias_a (two names of one address), hooked already"
  # two definitions that show a call alike: nothing is lost, nothing said
  sed 's|name="p" type="Int32"/>|name="x" type="Int32"/><argument name="y" type="Int32"/>|' "$d/two.xml" >"$d/alike.xml"
  "$ospy" capture -q -c "$d/alike.xml" -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture of two alike aliases exited $?"; }
  grep 'same function' "$tmp/err" && fail "-m$1: two alike definitions of one function warned"
  "$ospy" check --arch "$2" "$d/alike.xml" >/dev/null 2>"$tmp/check" || fail "check exited $?"
  grep 'two names' "$tmp/check" && fail "-m$1: check warned of two alike definitions"
  # two structures of the same fields are one type under two names (Stat and
  # Stat64 of x86-64): alike, quiet; a field elsewhere makes them two
  struct_pair() { # OFFSET_OF_COUPLE_B
    cat <<X
<hookManager><types>
<structure name="Pair"><field name="a" offset="0" type="Int32"/><field name="b" offset="4" type="Int32"/></structure>
<structure name="Couple"><field name="a" offset="0" type="Int32"/><field name="b" offset="$1" type="Int32"/></structure>
</types><specs><functions>
<function name="f_alias_b"><returnValue type="Int32"/><arguments><argument name="x" type="PairPtr"/><argument name="y" type="Int32"/></arguments></function>
<function name="f_alias_a"><returnValue type="Int32"/><arguments><argument name="x" type="CouplePtr"/><argument name="y" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="$d/libalias.so"><function specId="f_alias_b"/><function specId="f_alias_a"/></module></hooks>
</hookManager>
X
  }
  struct_pair 4 >"$d/same-fields.xml"
  struct_pair 8 >"$d/other-fields.xml"
  "$ospy" capture -q -c "$d/same-fields.xml" -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture of two structures of the same fields exited $?"; }
  grep 'same function' "$tmp/err" && fail "-m$1: two structures of the same fields under two names warned"
  "$ospy" check --arch "$2" "$d/same-fields.xml" >/dev/null 2>"$tmp/check" || fail "check exited $?"
  grep 'two names' "$tmp/check" && fail "-m$1: check warned of two structures of the same fields"
  "$ospy" capture -q -c "$d/other-fields.xml" -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture of two structures of other fields exited $?"; }
  expect_line "$tmp/err" "$said"
  # two integer types of one width and signedness are one (SSize and Int64
  # on x86-64, SSize and Int32 on i386): alike, quiet; of another width or
  # signedness two. -f lseek,lseek64 warned on x86-64, where glibc's lseek64
  # is lseek and the catalogue's definitions differ by SSize and Int64 alone.
  int_pair() { # TYPE_OF_F_ALIAS_B_Y TYPE_OF_F_ALIAS_A_Y
    cat <<X
<hookManager><specs><functions>
<function name="f_alias_b"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/><argument name="y" type="$1"/></arguments></function>
<function name="f_alias_a"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/><argument name="y" type="$2"/></arguments></function>
</functions></specs>
<hooks><module name="$d/libalias.so"><function specId="f_alias_b"/><function specId="f_alias_a"/></module></hooks>
</hookManager>
X
  }
  if [ "$1" = 64 ]; then
    int_pair SSize Int64 >"$d/same-ints.xml"; int_pair SSize UInt64 >"$d/other-ints.xml"
  else
    int_pair SSize Int32 >"$d/same-ints.xml"; int_pair SSize Int64 >"$d/other-ints.xml"
  fi
  "$ospy" capture -q -c "$d/same-ints.xml" -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture of two integer types of one width exited $?"; }
  grep 'same function' "$tmp/err" && fail "-m$1: $(grep -o 'type="[A-Za-z0-9]*"/></arguments>' "$d/same-ints.xml" | tr '\n' ' '): two integer types of one width and signedness warned"
  "$ospy" check --arch "$2" "$d/same-ints.xml" >/dev/null 2>"$tmp/check" || fail "check exited $?"
  grep 'two names' "$tmp/check" && fail "-m$1: check warned of two integer types of one width and signedness"
  "$ospy" capture -q -c "$d/other-ints.xml" -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture of two integer types of other widths exited $?"; }
  expect_line "$tmp/err" "$said"
  # fstat64 is fstat in x86-64 glibc, and the catalogue's definitions differ
  # by their structure's name alone (Stat, Stat64): named both, quiet
  if [ "$1" = 64 ]; then
    cat > "$d/fst.c" <<'X'
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) { struct stat st; printf("fstat %d\n", fstat(0, &st)); return (int)lseek(0, 0, SEEK_CUR) < -1; }
X
    cc -O0 -o "$d/fst" "$d/fst.c" || fail "cannot build the fstat program"
    "$ospy" capture -q -f fstat,fstat64 -o "$tmp/c.ospy" -- "$d/fst" >"$tmp/out" 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture -f fstat,fstat64 exited $?"; }
    expect_line "$tmp/out" "fstat 0"
    grep 'same function' "$tmp/err" && fail "-f fstat,fstat64: the catalogue's alike definitions warned"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" 'libc\.so\.6!fstat\(fd=0</dev/null>, statbuf=\{st_dev=.*\}\) = 0$'
    echo "-m64: -f fstat,fstat64 (one function of x86-64 glibc, Stat and Stat64 alike): quiet"
    "$ospy" capture -q -f lseek,lseek64,pread,pread64,mmap,mmap64,truncate,truncate64,statfs,statfs64 \
      -o "$tmp/c.ospy" -- "$d/fst" >"$tmp/out" 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture -f lseek,lseek64,... exited $?"; }
    grep 'same function' "$tmp/err" && fail "-f lseek,lseek64,...: the catalogue's alike definitions (SSize, Int64) warned"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" 'libc\.so\.6!lseek\(fd=0</dev/null>, offset=0, whence=SEEK_CUR\) = '
    echo "-m64: -f lseek,lseek64 and four more such pairs (SSize and Int64 alike): quiet"
  fi
  # a shipped preset's own aliases stay quiet, given by name or by its path
  presets="$(dirname "$0")/../../configs"
  for how in "--preset files" "-c $presets/files.xml"; do
    "$ospy" capture -q $how -o "$tmp/c.ospy" -- "$d/prog" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "-m$1: capture $how exited $?"; }
    grep 'same function' "$tmp/err" && fail "-m$1: $how warned of its own aliases"
  done
  "$ospy" check --arch "$2" "$presets/files.xml" >/dev/null 2>"$tmp/check" || fail "check files.xml exited $?"
  grep 'two names' "$tmp/check" && fail "-m$1: check files.xml warned of its own aliases"
  echo "-m$1: f_alias_a and f_alias_b hooked once, under f_alias_b, and said by capture and check"
}

# C++ thunks (cxx-thunks, cxx-thunks-i386): a call through a base class's
# pointer under multiple (B *) or virtual (V *) inheritance enters the
# method's thunk. At -O0 the thunk adjusts `this` and jumps to the method,
# whose hook records the call; at -O2 g++ gives the thunk a copy of the
# method's code, and a hook of D::fb alone recorded none of them ("4
# functions match, each hooked", 0 calls). The thunks with code of their own
# are hooked too, under the method's name, `this` as the caller passed it (the
# B or V part of the object); those that go on into the method are not (each
# call would be recorded twice).
write_thunk_program() { # DIR
  cat > "$1/th.cc" <<'X'
#include <cstdio>
#define NI __attribute__((noinline))
struct A { virtual ~A() {} virtual int fa(int x) { return x + 1; } int a = 1; };
struct B { virtual ~B() {} virtual int fb(int x) { return x + 2; } int b = 2; };
struct D : A, B { int fa(int x) override { return x * 10 + a; } int fb(int x) override { return x * 100 + b; } };
struct V { virtual ~V() {} virtual int fv(int x) { return x; } int v = 3; };
struct E : virtual V { int fv(int x) override { return x * 7 + v; } };
NI int callb(B *p, int x) { return p->fb(x); }
NI int callv(V *p, int x) { return p->fv(x); }
int main()
{
  D *d = new D;
  E *e = new E;
  B *b = d;
  V *v = e;
  std::printf("D=%p B=%p E=%p V=%p\n", (void *)d, (void *)b, (void *)e, (void *)v);
  std::printf("fb %d fv %d\n", callb(b, 3), callv(v, 2));
  delete d;
  delete e;
  return 0;
}
X
}

# check_thunk_by_name BITS PROGRAM: at -O2, D::fb's thunk has code of
# its own. Named by its own name it was hooked (the agent found it) while the
# capture said "no function of that C++ name"; named with D::fb too, the
# warning said "two names of one address" of the thunk and D::fb(int), which
# are two addresses. Now: found, and said as what it is.
check_thunk_by_name() {
  thunk='non-virtual thunk to D::fb(int)' base=$(basename "$2")
  thunk_this() { sed -n 's/^D=.* B=\(0x[0-9a-f]*\) .*/\1/p' "$tmp/out"; } # (the thunk's this)
  "$ospy" capture -q -f "$thunk" -o "$tmp/c.ospy" -- "$2" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture -f '$thunk' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep 'no function of that C++ name' "$tmp/show" && fail "-m$1: the thunk's own name said not found"
  expect_regex "$tmp/show" "\] $base!non-virtual thunk to D::fb\(int\)\(arg0=$(thunk_this), arg1=0x3, .*\) = 302\$"
  # named both ways: hooked once, under the name given first, and said so
  "$ospy" capture -q -f D::fb -f "$thunk" -o "$tmp/c.ospy" -- "$2" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture -f D::fb -f '$thunk' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "info: -f $thunk: $thunk is hooked already, shown as D::fb(int): its calls are recorded under that name"
  grep 'two names of one address' "$tmp/show" && fail "-m$1: the thunk and D::fb said two names of one address"
  [ "$(grep -c "\] $base!D::fb(int)(arg0=$(thunk_this), arg1=0x3, .*= 302\$" "$tmp/show")" = 1 ] ||
    { cat "$tmp/show"; fail "-m$1: -f D::fb -f '$thunk': expected the call under D::fb(int)"; }
  "$ospy" capture -q -f "$thunk" -f D::fb -o "$tmp/c.ospy" -- "$2" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture -f '$thunk' -f D::fb exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "info: -f D::fb: $thunk has a copy of its method's code: hooked already, shown as $thunk: its calls are recorded under that name"
  grep 'hooked too' "$tmp/show" && fail "-m$1: the thunk said recorded under D::fb's name"
  expect_regex "$tmp/show" "\] $base!non-virtual thunk to D::fb\(int\)\(arg0=$(thunk_this), arg1=0x3, .*\) = 302\$"
  # with a module the agent finds the two hooks apart: it names the thunk
  "$ospy" capture -q -f "$base!D::fb" -f "$thunk" -o "$tmp/c.ospy" -- "$2" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture -f $base!D::fb -f '$thunk' exited $?"; }
  expect_line "$tmp/err" "warning: $thunk: the same function as the thunk hooked with $base!D::fb(int), hooked already: its calls are recorded under that name and definition"
  grep 'two names of one address' "$tmp/err" && fail "-m$1: the thunk and $base!D::fb said two names of one address"
  "$ospy" capture -q -f "$thunk" -f "$base!D::fb" -o "$tmp/c.ospy" -- "$2" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1: capture -f '$thunk' -f $base!D::fb exited $?"; }
  expect_line "$tmp/err" "warning: $base!D::fb(int)'s thunk (hooked with it): the same function as $thunk, hooked already"
  grep 'two names of one address' "$tmp/err" && fail "-m$1: $base!D::fb and the thunk said two names of one address"
  echo "-m$1 -O2: '$thunk' hooked by its own name; named with D::fb, hooked once and said as the thunk"
}

# check_thunks BITS OPT: the program built with -mBITS -OPT, captured by
# -f names, a glob and a config's symbol=.
check_thunks() {
  prog="$tmp/th$1$2"
  c++ -m"$1" -"$2" -o "$prog" "$tmp/th.cc" || fail "cannot build th.cc -m$1 -$2"
  "$ospy" capture -q -f 'D::fb' -f 'E::fv' -o "$tmp/c.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1 -$2: capture exited $?"; }
  expect_line "$tmp/out" "fb 302 fv 17"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  # `this` as the caller passed it: at -O2 the thunk's (the B and V parts),
  # at -O0 the method's own (the thunk adjusted it)
  if [ "$2" = O2 ]; then
    this_b=$(sed -n 's/^D=.* B=\(0x[0-9a-f]*\) .*/\1/p' "$tmp/out")
    this_v=$(sed -n 's/.* V=\(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
    expect_line "$tmp/show" "info: -f D::fb: non-virtual thunk to D::fb(int) has a copy of its method's code (calls through a base class's pointer run it): hooked too, its calls recorded under its method's name, with \`this\` as the caller passed it"
    expect_line "$tmp/show" "info: -f E::fv: virtual thunk to E::fv(int) has a copy of its method's code"
  else
    this_b=$(sed -n 's/^D=\(0x[0-9a-f]*\) .*/\1/p' "$tmp/out")
    this_v=$(sed -n 's/.* E=\(0x[0-9a-f]*\) .*/\1/p' "$tmp/out")
    grep 'thunk to' "$tmp/show" && fail "-m$1 -O0: a thunk that jumps to its method hooked"
  fi
  [ "$(grep -c '!D::fb(int)(' "$tmp/show")" = 1 ] && [ "$(grep -c '!E::fv(int)(' "$tmp/show")" = 1 ] ||
    { cat "$tmp/show"; fail "-m$1 -$2: expected one call of D::fb and one of E::fv"; }
  expect_regex "$tmp/show" "\] th$1$2!D::fb\(int\)\(arg0=$this_b, arg1=0x3, .*\) = 302\$"
  expect_regex "$tmp/show" "\] th$1$2!E::fv\(int\)\(arg0=$this_v, arg1=0x2, .*\) = 17\$"
  # a glob over the class: the thunks it hooks are said apart from its functions
  "$ospy" capture -q -f 'D::*' -o "$tmp/c.ospy" -- "$prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1 -$2: capture -f 'D::*' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  [ "$2" = O0 ] || expect_regex "$tmp/show" "info: -f D::\*: [0-9]+ thunks have a copy of their method's code .*: .*non-virtual thunk to D::fb\(int\)"
  [ "$(grep -c '!D::fb(int)(.*= 302$' "$tmp/show")" = 1 ] ||
    { cat "$tmp/show"; fail "-m$1 -$2 -f 'D::*': expected one call of D::fb"; }
  [ "$2" = O0 ] || check_thunk_by_name "$1" "$prog"
  # a config's C++ symbol=: its thunk takes its name and definition
  cat > "$tmp/th.xml" <<X
<hookManager><specs><functions>
<function name="fb"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="th$1$2"><function specId="fb" symbol="D::fb(int)"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/th.xml" -o "$tmp/c.ospy" -- "$prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-m$1 -$2: capture of a config's symbol=D::fb(int) exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  [ "$(grep -c "\] th$1$2!fb(" "$tmp/show")" = 1 ] ||
    { cat "$tmp/show"; fail "-m$1 -$2 symbol=D::fb(int): expected one call"; }
  echo "-m$1 -$2: D::fb through B* and E::fv through V* recorded once each, \`this\` $this_b and $this_v"
}

# A C++ program whose functions -f names without a definition: their
# arguments are decoded from their C++ names (cxx-args, cxx-args-i386).
write_cxx_args_program() { # DIR
  cat > "$1/cx.cc" <<'X'
#include <cstdio>
#include <string>
#include <unistd.h>
#define NI __attribute__((noinline))
struct Big { long a, b, c; };
namespace ns {
struct Codec {
  int k;
  NI Codec(int k_) : k(k_) {}
  NI int encode(const char *s, int n) { return s[0] + n + k; }
  NI long scale(long v) const { return v * k; }
  NI int emit(int fd) const { return (int)write(fd, "", 0) + k; }
  NI static int twice(int x) { return 2 * x; }
};
NI int helper(short a, unsigned char b) { return a + b; }
}
NI int work(int x) { return x + 1; }
NI int work(double x) { return (int)(x * 10); }
NI int flags(bool b, char c, unsigned short us, unsigned u, long l, unsigned long ul, long long ll,
             float f)
{ return b + c + us + (int)(u % 7) + (int)l + (int)(ul % 5) + (int)(ll % 3) + (int)(f * 4); }
NI size_t len(const std::string &s) { return s.size(); }
NI long sum(Big b) { return b.a + b.b + b.c; }
NI int wide(const wchar_t *w) { return (int)w[0]; }
int main() {
  ns::Codec c(3);
  std::string s = "hello";
  Big b = { 1, 2, 3 };
  std::printf("codec %p string %p\n", (void *)&c, (void *)&s);
  int w1 = work(5), w2 = work(1.5), e = c.encode("abc", 2);
  long sc = c.scale(7);
  int em = c.emit(1), tw = ns::Codec::twice(4), h = ns::helper(-3, 200);
  std::printf("work %d %d encode %d scale %ld emit %d twice %d helper %d\n", w1, w2, e, sc, em, tw, h);
  int f = flags(true, 'x', 65535, 4000000000u, -7, 3000000000ul, -(1LL << 40), 0.25f);
  std::printf("flags %d len %zu sum %ld wide %d\n", f, len(s), sum(b), wide(L"W\u00e9"));
}
X
}

# check_cxx_args BITS: cx.cc built with -mBITS, without and with -g, each
# call shown with the arguments the program passed (and the addresses it
# printed) as the types its C++ name gives; what the name cannot tell stays
# raw, and the note says why
check_cxx_args() {
  prog=$tmp/cx$1
  c++ -m"$1" -O0 -o "$prog" "$tmp/cx.cc" || fail "cannot build cx.cc -m$1"
  c++ -m"$1" -O0 -g -o "$prog-g" "$tmp/cx.cc" || fail "cannot build cx.cc -m$1 -g"
  # no DWARF: what a function returns (a class, through a hidden first
  # argument?) and whether a member is static are unknown: raw, said; a
  # constructor (`this` first) is decoded, with no return value (it showed
  # what the return register held: `= 0x7ffd...`)
  "$ospy" capture -f 'work,ns::Codec::Codec,ns::Codec::encode,ns::Codec::scale,ns::helper' \
    -o "$tmp/n.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of cx$1 (no DWARF) exited $?"; }
  codec=$(sed -n 's/^codec \(0x[0-9a-f]*\) string .*/\1/p' "$tmp/out")
  for fn in 'work' 'ns::Codec::encode' 'ns::Codec::scale' 'ns::helper'; do
    grep -F "ospy: note: -f $fn: " "$tmp/err" | grep -qF 'what it returns the name does not say, nor does the file (no DWARF: built without -g), and a class returned by value comes back through a hidden first argument before the others' ||
      { cat "$tmp/err"; fail "cx$1 without DWARF: -f $fn not kept raw with the reason"; }
  done
  "$ospy" show "$tmp/n.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "\] cx$1!ns::Codec::Codec\(int\)\(this=$codec, p1=3\)\$"
  expect_regex "$tmp/show" "\] cx$1!work\(int\)\(arg0=0x5, "
  # DWARF for other functions only (a source file built without -g linked
  # with one built with it): the note said "no DWARF: built without -g" of
  # the file
  echo 'namespace ns { __attribute__((noinline)) long nog(int k) { return 3L * k; } }' >"$tmp/nog.cc"
  printf '%s\n' '#include <cstdio>' 'namespace ns { long nog(int k); }' \
    'int main() { std::printf("nog %ld\n", ns::nog(4)); }' >"$tmp/withg.cc"
  c++ -m"$1" -O2 -c -o "$tmp/nog$1.o" "$tmp/nog.cc" &&
    c++ -m"$1" -O2 -g -o "$tmp/mixed$1" "$tmp/withg.cc" "$tmp/nog$1.o" || fail "cannot build mixed$1"
  "$ospy" capture -f ns::nog -o "$tmp/n.ospy" -- "$tmp/mixed$1" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of mixed$1 exited $?"; }
  expect_line "$tmp/out" "nog 12"
  expect_line "$tmp/err" "ospy: note: -f ns::nog: no definition in the catalogue: arguments are shown as raw register/stack words (ns::nog(int): what it returns the name does not say, nor does its DWARF (which describes no function starting there, or only through a supplementary file that was not found), and a class returned by value comes back through a hidden first argument before the others)"
  # with DWARF (the file's -g): each call decoded as its DWARF says (the
  # parameters by their names, the return value typed: docs/catalogue.md,
  # "Arguments from DWARF"), `this` as before
  prog=$prog-g
  "$ospy" capture -f 'work,ns::Codec::Codec,ns::Codec::encode,ns::Codec::scale,ns::Codec::emit' \
    -f 'flags,len,sum,wide,ns::helper' -f write -o "$tmp/c.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of cx$1 exited $?"; }
  expect_line "$tmp/out" "work 6 15 encode 102 scale 21 emit 3 twice 8 helper 197"
  expect_line "$tmp/out" "flags 65652 len 5 sum 6 wide 87"
  codec=$(sed -n 's/^codec \(0x[0-9a-f]*\) string .*/\1/p' "$tmp/out")
  str=$(sed -n 's/^codec .* string \(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
  [ -n "$codec" ] && [ -n "$str" ] || fail "cx$1 printed no addresses: $(cat "$tmp/out")"
  expect_line "$tmp/err" "ospy: note: -f work: 2 functions, arguments decoded from their DWARF"
  expect_line "$tmp/err" "ospy: note: -f sum: no definition in the catalogue: arguments are shown as raw register/stack words (sum(Big): a parameter b: struct Big passed by value (a structure, whose layout decides whether it travels in registers, on the stack or through a hidden pointer))"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -F "] cx$1-g!" "$tmp/show" | sed 's/^[^ ]* \[[0-9]*\] //; s/^\(cx[0-9]*-g!ns::Codec::Codec(int)(.*)\) = .*/\1/' | sort >"$tmp/calls"
  sort >"$tmp/want" <<W
cx$1-g!flags(bool, char, unsigned short, unsigned int, long, unsigned long, long long, float)(b=true, c=120, us=65535, u=4000000000, l=-7, ul=3000000000, ll=-1099511627776, f=0.25) = 65652
cx$1-g!len(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)(s=$str) = 5
cx$1-g!ns::Codec::Codec(int)(this=$codec, k_=3)
cx$1-g!ns::Codec::emit(int) const(this=$codec, fd=1) = 3
cx$1-g!ns::Codec::encode(char const*, int)(this=$codec, s="abc", n=2) = 102
cx$1-g!ns::Codec::scale(long) const(this=$codec, v=7) = 21
cx$1-g!ns::helper(short, unsigned char)(a=-3, b=200) = 197
cx$1-g!wide(wchar_t const*)(w="Wé") = 87
cx$1-g!work(double)(x=1.5) = 15
cx$1-g!work(int)(x=5) = 6
W
  grep -v '!sum(Big)' "$tmp/calls" >"$tmp/decoded"
  cmp -s "$tmp/want" "$tmp/decoded" ||
    { diff "$tmp/want" "$tmp/decoded"; cat "$tmp/show"; fail "cx$1: the decoded calls differ (< expected, > shown)"; }
  expect_regex "$tmp/calls" "^cx$1-g!sum\(Big\)\(arg0=0x[0-9a-f]+, .*\) = 6\$"
  # the write emit makes is recorded (a function decoded from its DWARF
  # hides no call made inside it, as one traced with raw words)
  expect_regex "$tmp/show" 'libc\.so\.6!write\(fd=1(<[^>]*>)?, buf="", count=0\) = 0$'
  # exported with those types; a filter reads them
  "$ospy" export --format jsonl -o "$tmp/c.jsonl" "$tmp/c.ospy" 2>/dev/null || fail "export exited $?"
  expect_line "$tmp/c.jsonl" '"name":"cx'"$1"'-g::work(int)","args_in":[{"name":"x","type":"Int32","value":"5"}],"return":{"type":"Int32","value":"6"}'
  expect_line "$tmp/c.jsonl" '{"name":"c","type":"Int8","value":"120"},{"name":"us","type":"UInt16","value":"65535"}'
  [ "$("$ospy" show --filter 'x == 5' "$tmp/c.ospy" 2>/dev/null | grep -c '!work')" = 1 ] || fail "--filter 'x == 5': $("$ospy" show --filter 'x == 5' "$tmp/c.ospy")"
  # with DWARF: a function of a namespace and a static member take no `this`
  "$ospy" capture -q -f 'ns::helper,ns::Codec::twice,ns::Codec::encode' -o "$tmp/c.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of cx$1-g exited $?"; }
  codec=$(sed -n 's/^codec \(0x[0-9a-f]*\) string .*/\1/p' "$tmp/out")
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "] cx$1-g!ns::helper(short, unsigned char)(a=-3, b=200) = 197"
  expect_line "$tmp/show" "] cx$1-g!ns::Codec::twice(int)(x=4) = 8"
  expect_line "$tmp/show" "] cx$1-g!ns::Codec::encode(char const*, int)(this=$codec, s=\"abc\", n=2) = 102"
  expect_line "$tmp/show" "info: -f ns::helper: 1 function, arguments decoded from its DWARF"
  # a glob over the mangled names: shown by them, decoded alike
  "$ospy" capture -q -f "cx$1-g!_Z*work*" -o "$tmp/c.ospy" -- "$prog" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture -f 'cx$1!_Z*work*' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "info: -f cx$1-g!_Z*work*: 2 functions, none in the catalogue: arguments decoded from their DWARF"
  expect_line "$tmp/show" "] cx$1-g!_Z4worki(x=5) = 6"
  expect_line "$tmp/show" "] cx$1-g!_Z4workd(x=1.5) = 15"
}

# A C program and a C++ one built with -g whose functions no config defines
# (dwarf-args): their parameters and return values are in the DWARF, by
# name and type (docs/catalogue.md, "Arguments from DWARF"). The values are
# read from volatile variables, so that -O2 neither folds nor clones them.
write_dwarf_args_programs() { # DIR
  cat > "$1/dw.c" <<'X'
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#define NI __attribute__((noinline))
struct pt { int x, y; };
enum color { RED, GREEN = 5, BLUE };
typedef size_t count_t;
volatile int vi = 3, vk = 1;
volatile double vd = 1.5;
NI double scale(const char *name, int n, double f, struct pt *p)
{ return (double)(strlen(name) + (size_t)n) * f + (p->x - p->x); }
NI int ints(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g, uint64_t h)
{ return a + b + c + d + e + (int)(f % 7) + (int)(g % 5) + (int)(h % 3); }
NI bool flip(bool b, enum color c) { return !b && c == BLUE; }
NI float halve(float x) { return x / 2; }
NI count_t fill(char *out, count_t cap) { snprintf(out, cap, "filled"); return strlen(out); }
NI void nothing(int k) { if (k < 0) puts("never"); }
NI enum color pick(int k) { return k ? BLUE : RED; }
NI const char *greet(unsigned short k) { return k ? "hi" : "yo"; }
NI unsigned char low(unsigned long long v) { return (unsigned char)v; }
NI long sum(struct pt p) { return p.x + p.y; }
NI struct pt make(int x) { struct pt p = { x, x + 1 }; return p; }
NI int vsum(int n, ...)
{ va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return s; }
NI long double twice(long double x) { return x * 2; }
static NI int local3(int a, short b, const char *s) { return a * 100 + b + (int)strlen(s); }
static NI int konst(int a, int b) { return a * b; } /* gcc -O2: konst.constprop.0 */
int main(void)
{
  struct pt p = { vk, 2 };
  char buf[16] = "";
  printf("pt %p\n", (void *)&p);
  double s = scale("hello", vi, vd, &p);
  int i = ints((int8_t)-vk, (uint8_t)(199 + vk), (int16_t)-300, 60000, -70000, 4000000000u,
               -(1LL << 40), 1ULL << 63);
  bool b = flip(!vk, vi == 3 ? BLUE : RED);
  float h = halve((float)(2 * vd));
  count_t n = fill(buf, sizeof buf);
  nothing(vk);
  enum color c = pick(vk);
  const char *g = greet((unsigned short)vk);
  unsigned l = low(0x1234567890abcdefULL + (unsigned)vk - 1);
  long sm = sum(p);
  struct pt m = make(vi);
  int v = vsum(2, vi, 4);
  long double t = twice(vd);
  int lc = local3(vi, (short)-vk, buf) + konst(vi, 7) - 21;
  printf("scale %g ints %d flip %d halve %g fill %zu %s pick %d greet %s low %u\n", s, i, b, h,
         (size_t)n, buf, c, g, l);
  printf("sum %ld make %d vsum %d twice %Lg local3 %d\n", sm, m.y, v, t, lc);
  return 0;
}
X
  cat > "$1/dwx.cc" <<'X'
#include <cstdio>
#include <string>
#define NI __attribute__((noinline))
namespace geo {
enum class Unit : short { mm = -1, cm = 10 };
enum Mode { FAST = 1, SLOW = 2 };
struct Box {
  int w, h;
  double area(double k) const;
  Box grow(int by) const;
  static bool wide(int w, Mode m);
};
/* (defined out of the class: not inline, so -O2 makes no local clone) */
NI double Box::area(double k) const { return w * h * k; }
NI Box Box::grow(int by) const { return Box{ w + by, h + by }; }
NI bool Box::wide(int w, Mode m) { return w > 2 && m == SLOW; }
NI long convert(long v, Unit u) { return v * (long)u; }
}
volatile int vi = 2;
int main()
{
  geo::Box b{ vi, 3 };
  std::printf("box %p\n", (void *)&b);
  double a = b.area(0.5);
  geo::Box g = b.grow(vi);
  bool w = geo::Box::wide(vi + 1, geo::SLOW);
  long c = geo::convert(vi + 5, vi ? geo::Unit::cm : geo::Unit::mm);
  std::printf("area %g grow %d wide %d convert %ld\n", a, g.w, w, c);
}
X
}

# check_dwarf_args BITS CC CXX OPT: dw.c and dwx.cc built -mBITS -OPT -g with
# CC and CXX (gcc/g++ or clang/clang++), each call shown with its parameters'
# names and values and its return value as the DWARF types them; a struct
# passed or returned by value, a variadic function and long double stay
# raw, the note saying why
check_dwarf_args() {
  prog=$tmp/dw$1-$2-$4
  "$2" -m"$1" -"$4" -g -o "$prog" "$tmp/dw.c" || fail "cannot build dw.c with $2 -m$1 -$4 -g"
  "$ospy" capture -f 'scale,ints,flip,halve,fill,nothing,pick,greet,low,local3' \
    -f 'sum,make,vsum,twice' -o "$tmp/d.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of $prog exited $?"; }
  expect_line "$tmp/out" "scale 12 ints -10097 flip 1 halve 1.5 fill 6 filled pick 6 greet hi low 239"
  expect_line "$tmp/out" "sum 3 make 4 vsum 7 twice 3 local3 305"
  pt=$(sed -n 's/^pt \(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
  [ -n "$pt" ] || fail "dw.c printed no address: $(cat "$tmp/out")"
  base=${prog##*/}
  expect_line "$tmp/err" "ospy: note: -f scale: 1 function, arguments decoded from its DWARF"
  expect_line "$tmp/err" "ospy: note: -f sum: no definition in the catalogue: arguments are shown as raw register/stack words (sum: a parameter p: struct pt passed by value (a structure, whose layout decides whether it travels in registers, on the stack or through a hidden pointer))"
  expect_line "$tmp/err" "ospy: note: -f make: no definition in the catalogue: arguments are shown as raw register/stack words (make: it returns struct pt by value, which may come back in registers or through a hidden first argument)"
  expect_line "$tmp/err" "ospy: note: -f vsum: no definition in the catalogue: arguments are shown as raw register/stack words (vsum: a variadic function (...): its other arguments' types are not in its DWARF)"
  expect_line "$tmp/err" "ospy: note: -f twice: no definition in the catalogue: arguments are shown as raw register/stack words (twice: a parameter x: long double, a type ospy does not map)"
  "$ospy" show "$tmp/d.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "info: -f fill: 1 function, arguments decoded from its DWARF"
  grep -F "] $base!" "$tmp/show" | sed 's/^[^ ]* \[[0-9]*\] //' | grep -v '!\(sum\|make\|vsum\|twice\)(' | sort >"$tmp/calls"
  sort >"$tmp/want" <<W
$base!fill(out="" => "filled", cap=16) = 6
$base!flip(b=false, c=BLUE) = true
$base!greet(k=1) = "hi"
$base!halve(x=3) = 1.5
$base!ints(a=-1, b=200, c=-300, d=60000, e=-70000, f=4000000000, g=-1099511627776, h=9223372036854775808) = -10097
$base!local3(a=3, b=-1, s="filled") = 305
$base!low(v=1311768467294899695) = 239
$base!nothing(k=1)
$base!pick(k=1) = BLUE
$base!scale(name="hello", n=3, f=1.5, p=$pt) = 12
W
  cmp -s "$tmp/want" "$tmp/calls" ||
    { diff "$tmp/want" "$tmp/calls"; cat "$tmp/show"; fail "$base: the decoded calls differ (< expected, > shown)"; }
  for fn in sum make vsum twice; do
    expect_regex "$tmp/show" "\] $base!$fn\(arg0=(0|0x[0-9a-f]+), "
  done
  # a static function at -O2 on i386: GCC's regparm(3), found by the agent
  # as for a raw one; clang's own convention (ecx, edx, then the stack),
  # which read as regparm showed local3(a=-2896200, b=-1, s=<unreadable at
  # 0x3>), from where its DWARF says the parameters start
  if [ "$1" = 32 ] && [ "$4" != O0 ] && [ "$2" = gcc ]; then
    expect_regex "$tmp/show" "info: $base!local3: .*(eax|register)"
  fi
  if nm "$prog" | grep -q ' konst\.constprop\.0$'; then # a clone named in full: raw, said
    "$ospy" capture -f "konst.constprop.0" -o "$tmp/k.ospy" -- "$prog" >/dev/null 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture -f konst.constprop.0 of $prog exited $?"; }
    expect_line "$tmp/err" "ospy: note: -f konst.constprop.0: no definition in the catalogue: arguments are shown as raw register/stack words (konst.constprop.0: konst.constprop.0 is a compiler clone (.constprop.0), whose parameters may differ from those its DWARF declares)"
  fi
  # an IFUNC (libc's strlen): its symbol's address is its resolver's, whose
  # DWARF (where libc's debug file is installed) was taken for the
  # function's: strlen() = 0x7, no argument, a pointer returned. Raw words.
  if [ "$2$4" = gccO0 ]; then
    "$ospy" capture -f strlen -o "$tmp/s.ospy" -- "$prog" >/dev/null 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture -f strlen of $prog exited $?"; }
    "$ospy" show "$tmp/s.ospy" >"$tmp/sshow" || fail "show exited $?"
    expect_regex "$tmp/sshow" '\] libc\.so\.6!strlen\(arg0=0x[0-9a-f]+, '
    grep -q 'info: -f strlen: .*decoded' "$tmp/sshow" && fail "-f strlen (an IFUNC) decoded: $(grep 'info: -f strlen' "$tmp/sshow")"
  fi
  # exported with those types, and a filter names them
  "$ospy" export --format jsonl -o "$tmp/d.jsonl" "$tmp/d.ospy" 2>/dev/null || fail "export exited $?"
  expect_line "$tmp/d.jsonl" '{"name":"n","type":"Int32","value":"3"},{"name":"f","type":"Double","value":"1.5"}'
  expect_line "$tmp/d.jsonl" '{"name":"c","type":"Enum","subtype":"color","value":"BLUE"}],"return":{"type":"CPPBool","value":"true"}'
  [ "$("$ospy" show --filter 'n == 3 && p != 0' "$tmp/d.ospy" | grep -c '!scale(')" = 1 ] ||
    fail "--filter 'n == 3 && p != 0': $("$ospy" show --filter 'n == 3 && p != 0' "$tmp/d.ospy")"
  # C++: DWARF's names, return types and enumerations; `this` as before
  prog=$tmp/dwx$1-$3-$4
  "$3" -m"$1" -"$4" -g -o "$prog" "$tmp/dwx.cc" || fail "cannot build dwx.cc with $3 -m$1 -$4 -g"
  "$ospy" capture -f 'geo::Box::area,geo::Box::wide,geo::convert,geo::Box::grow' \
    -o "$tmp/x.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of $prog exited $?"; }
  expect_line "$tmp/out" "area 3 grow 4 wide 1 convert 70"
  box=$(sed -n 's/^box \(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
  base=${prog##*/}
  expect_line "$tmp/err" "ospy: note: -f geo::Box::area: 1 function, arguments decoded from its DWARF"
  expect_regex "$tmp/err" "ospy: note: -f geo::Box::grow: no definition in the catalogue: arguments are shown as raw register/stack words \(geo::Box::grow\(int\) const: it returns (struct )?Box by value, which may come back in registers or through a hidden first argument\)"
  "$ospy" show "$tmp/x.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "] $base!geo::Box::area(double) const(this=$box, k=0.5) = 3"
  expect_line "$tmp/show" "] $base!geo::Box::wide(int, geo::Mode)(w=3, m=SLOW) = true"
  expect_line "$tmp/show" "] $base!geo::convert(long, geo::Unit)(v=7, u=10) = 70"
}

# check_fastcc_dwarf: clang -m32 -O2 passes a static function's integer
# words in ecx, edx (its fastcc), a 64-bit one in ecx:edx or split between
# edx and the stack; its DWARF says so (v in ecx and edx pieces; k in ecx,
# v in edx). Read as regparm or fastcall, which never fit a 64-bit integer
# in ecx, split(int, long long) was raw words (split(arg0=0x3,
# arg1=0x23456789, arg2=0x1, arg3=...) "a convention ospy does not read"),
# and pair(long long), whose DWARF was not read (pieces), was left to the
# agent's guess by its code: without a .comment naming clang, regparm(3),
# v from eax:edx (pair(v=...) wrong).
check_fastcc_dwarf() {
  cat > "$tmp/fcc.c" <<'X'
#include <stdio.h>
#define NI __attribute__((noinline))
volatile long long vl = 0x123456789LL;
volatile int vi = 3;
static NI int pair(long long v) { return (int)(v >> 3) + (int)v; }
static NI int split(int k, long long v) { return (int)(v / k); }
int main(void) { printf("pair %d split %d\n", pair(vl), split(vi, vl)); return 0; }
X
  clang -m32 -O2 -g -o "$tmp/fcc" "$tmp/fcc.c" || fail "cannot build fcc.c with clang -m32 -O2 -g"
  objcopy --remove-section .comment "$tmp/fcc" "$tmp/fcc-nocomment" || fail "objcopy exited $?"
  for prog in "$tmp/fcc" "$tmp/fcc-nocomment"; do
    "$ospy" capture -f pair,split -o "$tmp/f.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture of $prog exited $?"; }
    expect_line "$tmp/out" "pair 1202590842 split 1628906115"
    expect_line "$tmp/err" "ospy: note: -f split: 1 function, arguments decoded from its DWARF"
    "$ospy" show "$tmp/f.ospy" >"$tmp/show" || fail "show exited $?"
    base=${prog##*/}
    expect_line "$tmp/show" "] $base!pair(v=4886718345) = 1202590842"
    expect_line "$tmp/show" "] $base!split(k=3, v=4886718345) = 1628906115"
  done
}

# check_gcc_fastcall_dwarf: GCC's fastcall attribute (ecx, edx, then the
# stack, a double unaligned there), which its DWARF shows as clang's fastcc
# would (a in ecx, b in edx): read as fastcall, not fastcc (d from the
# second stack word, not the third)
check_gcc_fastcall_dwarf() {
  cat > "$tmp/gfc.c" <<'X'
#include <stdio.h>
volatile int vi = 3;
volatile double vd = 2.5;
__attribute__((fastcall, noinline)) int fc(int a, int b, int c, double d) { return a + b + c + (int)d; }
int main(void) { printf("fc %d\n", fc(vi, vi + 1, vi + 2, vd)); return 0; }
X
  gcc -m32 -O2 -g -o "$tmp/gfc" "$tmp/gfc.c" || fail "cannot build gfc.c with gcc -m32 -O2 -g"
  "$ospy" capture -f fc -o "$tmp/g.ospy" -- "$tmp/gfc" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of gfc exited $?"; }
  expect_line "$tmp/out" "fc 14"
  "$ospy" show "$tmp/g.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "] gfc!fc(a=3, b=4, c=5, d=2.5) = 14"
}

# A C++ program whose functions, built with -O2 -g, begin with an inlined
# call's code (cxx-args-inlined): a range-for over a std::vector begins
# with vector::begin's, a use of an inline function with its own. On i386
# ns::total and ns::Meter::tally load an argument first (their own code),
# the others begin with the inlined code there too. ns::checked is split in
# a hot and a cold part (its cold part, .text.unlikely, lies below its entry).
write_inlined_first_program() { # DIR
  cat > "$1/cxi.cc" <<'X'
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>
#ifdef __clang__
#define NI __attribute__((noinline))
#else
#define NI __attribute__((noipa))
#endif
struct Big { long a, b, c; };
namespace ns {
std::vector<int> values = {1, 2, 3, 40};
long base = 5;
inline long scaled(int k) { return base * k; }
NI long total(const std::vector<int> &v, int bias) { long s = bias; for (int x : v) s += x; return s; }
NI long tally(int k) { long s = 0; for (int x : values) s += x; return s + k; }
struct Meter {
  long bias;
  NI long tally(int k) { long s = bias; for (int x : values) s += x; return s + k; }
  NI long boost(int k) { return scaled(k) + bias; }
  NI static long twice(int k) { return 2 * scaled(k); }
};
NI Big spread(int k) { Big b = {0, 0, 0}; for (int x : values) { b.a += x * k; b.c++; } return b; }
NI long checked(int a, int bias) {
  if (__builtin_expect(a < 0, 0))
    throw std::runtime_error("negative " + std::to_string(a) + " with " + std::to_string(bias));
  return (long)a * bias;
}
}
int main() {
  ns::Meter m{100};
  std::printf("vector %p meter %p\n", (void *)&ns::values, (void *)&m);
  Big b = ns::spread(2);
  std::printf("total %ld tally %ld %ld boost %ld twice %ld spread %ld checked %ld\n", ns::total(ns::values, -7),
              ns::tally(1), m.tally(4), m.boost(3), ns::Meter::twice(2), b.a, ns::checked(6, 7));
}
X
}

# check_deep_lines PROG (deep_calls.c built with -O2 -g): the first strdup
# call's backtrace names the source line of every level of the program, and
# the function inlined into level3 with the line that called it.
check_deep_lines() {
  prog=$1 name=${1##*/} src="$(dirname "$0")/deep_calls.c"
  line_of() { grep -nF -- "$1" "$src" | cut -d: -f1; }
  "$ospy" capture -q --backtrace 8 -f strdup -o "$tmp/dl.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of $name exited $?"; }
  "$ospy" show --backtrace "$tmp/dl.ospy" >"$tmp/show" || fail "show exited $?"
  grep -A8 -m1 'strdup(' "$tmp/show" | grep '^    #' >"$tmp/bt"
  frame="^    #[0-9] 0x[0-9a-f]+ $name!"
  for want in "level3 (inlined copy_inlined at deep_calls.c:$(line_of 'deep_calls.c:COPY_LINE'), in level3 at deep_calls.c:$(line_of 'copy_inlined(s);'))" \
              "level2 (deep_calls.c:$(line_of 'level3(s);'))" \
              "level1 (deep_calls.c:$(line_of 'level2(s);'))" \
              "main (deep_calls.c:$(line_of 'level1("deep");'))"; do
    echo "expect: $name!${want%% *}+0x... ${want#* }"
    text=$(printf '%s' "${want#* }" | sed 's/[()]/\\&/g')
    expect_regex "$tmp/bt" "$frame${want%% *}[.a-z0-9]*\\+0x[0-9a-f]+ $text( \\(scanned\\))?\$"
  done
}

# check_inlined_first PROG (cxi.cc built with -g, named cxiBITS-...): each
# function -f names decoded as its DWARF says (`this` or not; the one that
# returns a class kept raw, and said so), none "without DWARF"
check_inlined_first() {
  prog=$1 name=${1##*/}
  "$ospy" capture -f 'ns::total,ns::tally,ns::Meter::tally,ns::Meter::boost,ns::Meter::twice,ns::checked' \
    -f ns::spread -o "$tmp/c.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture of $name exited $?"; }
  expect_line "$tmp/out" "total 39 tally 47 150 boost 115 twice 20 spread 92 checked 42"
  vec=$(sed -n 's/^vector \(0x[0-9a-f]*\) meter .*/\1/p' "$tmp/out")
  meter=$(sed -n 's/^vector .* meter \(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
  [ -n "$vec" ] && [ -n "$meter" ] || fail "$name printed no addresses: $(cat "$tmp/out")"
  grep -F 'no DWARF' "$tmp/err" && fail "$name (built with -g): a note says it has no DWARF"
  expect_line "$tmp/err" "ospy: note: -f ns::spread: no definition in the catalogue: arguments are shown as raw register/stack words (ns::spread(int): it returns struct Big by value, which may come back in registers or through a hidden first argument)"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -F "] $name!" "$tmp/show" | sed 's/^[^ ]* \[[0-9]*\] //' | sort >"$tmp/calls"
  sort >"$tmp/want" <<W
$name!ns::Meter::boost(int)(this=$meter, k=3) = 115
$name!ns::Meter::tally(int)(this=$meter, k=4) = 150
$name!ns::Meter::twice(int)(k=2) = 20
$name!ns::checked(int, int)(a=6, bias=7) = 42
$name!ns::tally(int)(k=1) = 47
$name!ns::total(std::vector<int, std::allocator<int> > const&, int)(v=$vec, bias=-7) = 39
W
  grep -v '!ns::spread(int)' "$tmp/calls" >"$tmp/decoded"
  cmp -s "$tmp/want" "$tmp/decoded" ||
    { diff "$tmp/want" "$tmp/decoded"; cat "$tmp/err"; fail "$name: the decoded calls differ (< expected, > shown)"; }
  expect_regex "$tmp/calls" "^$name!ns::spread\(int\)\(arg0=0x[0-9a-f]+, arg1=0x2, .*\)"
  echo "$name: $(wc -l <"$tmp/decoded") functions decoded as their DWARF says, ns::spread (returns a class) raw"
}

# check_by_value BITS OPT: bv.c built with -mBITS -OPT, captured, and each
# call shown as the program made it (the show lines without their time and pid)
check_by_value() {
  prog=$tmp/bv-$1-$2
  cc -m"$1" -"$2" -o "$prog" "$tmp/bv.c" || fail "cannot build bv.c -m$1 -$2"
  "$ospy" capture -q -c "$tmp/bv.xml" -o "$tmp/c.ospy" -- "$prog" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of bv-$1-$2 exited $?"; }
  expect_line "$tmp/out" "take -6 3 mixed 93.25 big 11 22 33 swap -4 6.5 dl 0.25 -7 many 151 c B"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep '!' "$tmp/show" | sed 's/^[^ ]* \[[0-9]*\] //' | sort >"$tmp/calls"
  sort >"$tmp/want" <<W
bv-$1-$2!mixed(c={c=65}, m={a=1, f=1.5, d=2.25}, t={a=7, b=8, c=9}, z=0.5, n={name="hi", len=2}, last=-3) = 93.25
bv-$1-$2!mk(x=11, y=-22) = {x=11, y=-22}
bv-$1-$2!mkbig(a=1, b={a=10, b=20, c=30}, k=2) = {a=11, b=22, c=33}
bv-$1-$2!mkc(c=66) = {c=66}
bv-$1-$2!mkdl(d=0.25, l=-7) = {d=0.25, l=-7}
bv-$1-$2!many(a=1, b=2, c=3, d=4, e=5, s={a=40, b=41}, t={x=6, y=7}, after=42) = 151
bv-$1-$2!swap(d={a=0.5, b=-4}, f={v=[1, 2, 3]}) = {a=-4, b=6.5}
bv-$1-$2!take(p={x=11, y=-22}, after=5) = -6
W
  # (take of {1, 2}: its logCondition, i32[arg.p] == 11, reads the structure
  # through its address and drops it)
  cmp -s "$tmp/want" "$tmp/calls" ||
    { diff "$tmp/want" "$tmp/calls"; cat "$tmp/show"; fail "bv-$1-$2: the calls differ (< expected, > shown)"; }
}

# ctor_signature FILE WORDSIZE: Rot13's constructor (target_vtable.cc) in
# FILE as a <vtable> signature, "BYTES OFFSET MAGIC": its bytes as objdump
# shows them with the 4 that hold the vtable's address as xx, their offset,
# and the offset of its 0x1234 immediate (magic = 0x1234). Which 4 bytes hold
# the address is found from what the file says it is, whatever instruction
# the compiler chose: the vtable's slot 0 (_ZTV5Rot13 + 2 words) as an
# immediate, rip-relative, or from _GLOBAL_OFFSET_TABLE_ (i386 @GOTOFF); the
# GOT slot holding _ZTV5Rot13 (its GLOB_DAT relocation) rip-relative or from
# _GLOBAL_OFFSET_TABLE_ (@GOTPCREL, i386 @GOT); or, where the linker made a
# lea of such a load (-fPIC code in a program), _ZTV5Rot13 itself.
ctor_signature() {
  set -- "$1" "$2" $(nm -S "$1" | awk '$4 == "_ZN5Rot13C1Ev" { print $1, $2; exit }')
  [ $# = 4 ] || fail "no Rot13::Rot13() in $1"
  ctor=$((0x$3))
  vt=$((0x$(nm "$1" | awk '$3 == "_ZTV5Rot13" { print $1; exit }') + 2 * $2))
  got=$(nm "$1" | awk '$3 == "_GLOBAL_OFFSET_TABLE_" { print "0x" $1; exit }')
  slot=$(objdump -R "$1" | awk '$2 ~ /GLOB_DAT$/ && $3 ~ /^_ZTV5Rot13(@|$)/ { print "0x" $1; exit }')
  objdump -d --start-address=$ctor --stop-address=$((ctor + 0x$4)) "$1" |
    awk -F'\t' '/^ *[0-9a-f]+:\t/ { printf "%s ", $2 } END { print "" }' |
    awk -v ctor=$ctor -v vt=$vt -v sym=$((vt - 2 * $2)) -v got=$((${got:-0})) -v slot=$((${slot:-0})) '
      function byte(x) { return (index("0123456789abcdef", substr(x, 1, 1)) - 1) * 16 + index("0123456789abcdef", substr(x, 2, 1)) - 1 }
      function le32(p) { return byte(b[p]) + byte(b[p + 1]) * 256 + byte(b[p + 2]) * 65536 + byte(b[p + 3]) * 16777216 }
      function u32(v) { v = v % 4294967296; return v < 0 ? v + 4294967296 : v }
      {
        n = split($0, b, " ")
        for (p = 1; p + 3 <= n; p++) {
          w = le32(p); end = ctor + p + 3
          if (w == 4660 && !magic) magic = p
          if (at) continue
          if (w == u32(vt) || w == u32(vt - end) || (got && w == u32(vt - got)) ||
              (slot && (w == u32(slot - end) || (got && w == u32(slot - got)))) ||
              w == u32(sym - end) || (got && w == u32(sym - got)))
            at = p
        }
        if (!at || !magic) exit 1
        for (p = 1; p <= n; p++) printf "%s%s", (p >= at && p < at + 4) ? "xx" : b[p], p < n ? "-" : ""
        print " " at - 1, magic - 1
      }' || fail "the vtable's address is not in Rot13::Rot13() of $1: $(objdump -d --start-address=$ctor --stop-address=$((ctor + 0x$4)) "$1")"
}

# ctor_config XML BYTES OFFSET MODULE: vtable.xml with its hook finding
# Rot13's vtable by the signature BYTES (-separated), ctorSigOffset OFFSET.
ctor_config() {
  sed -e "/<signature name=\"Rot13Ctor\">/,/<\/signature>/c\\
        <signature name=\"Rot13Ctor\">$(echo "$2" | tr - ' ')</signature>" \
    -e "s|name=\"Rot13\" vtableSymbol=\"_ZTV5Rot13\" moduleName=\"e2e-vtable\"|name=\"Rot13Sig\" ctorSigId=\"Rot13Ctor\" ctorSigOffset=\"$3\" moduleName=\"$4\"|" \
    "$1" > "$tmp/ctor.xml"
}

# check_ctor_signature WHAT XML FILE WORDSIZE MODULE PROGRAM: Rot13's methods
# hooked through the vtable its constructor's signature (from FILE, see
# ctor_signature) finds in MODULE, while PROGRAM runs; then the same
# signature's offset pointed at the constructor's 0x1234 immediate: refused,
# saying where it matched and what the word is (it was said to match
# nothing, or the word taken for a vtable address wherever it led).
check_ctor_signature() {
  sig=$(ctor_signature "$3" "$4") || { echo "$sig"; exit 1; }
  set -- "$@" $sig
  ctor_config "$2" "$7" "$8" "$5"
  "$ospy" capture -q -c "$tmp/ctor.xml" -o "$tmp/ctor.ospy" -- "$6" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "$1: capture exited $?"; }
  expect_line "$tmp/out" "encoded 5 bytes: uryyb, reset 42"
  "$ospy" show "$tmp/ctor.ospy" >"$tmp/show" 2>&1 || fail "$1: show exited $?"
  expect_line "$tmp/show" "$5!Rot13Sig::encode(in=\"hello\", len=5, out=\"uryyb\") = 5"
  expect_line "$tmp/show" "$5!Rot13Sig::reset(level=21) = 42"
  ctor_config "$2" "$7" "$9" "$5"
  "$ospy" capture -q -c "$tmp/ctor.xml" -o "$tmp/ctor.ospy" -- "$6" >"$tmp/out" 2>"$tmp/err"
  expect_line "$tmp/out" "encoded 5 bytes: uryyb, reset 42"
  "$ospy" show "$tmp/ctor.ospy" >"$tmp/show" 2>&1
  expect_regex "$tmp/show" "error: $5!Rot13Sig::encode: the constructor signature matched at 0x[0-9a-f]+ but the word at \\+$9 \\(0x[0-9a-f]+\\) is not a readable vtable address \\(the immediate of \`mov dword ptr \\[[a-z]+ \\+ [48]\\], 0x1234\`: 0x1234\\): not hooked"
  echo "  $1: $(echo "$7" | tr - ' ') at +$8: Rot13Sig::encode and ::reset recorded; at +$9 (0x1234): refused"
}

# check_ctor_signatures ARCH CXXFLAG WORDSIZE: Rot13's vtable found by its
# constructor's signature (check_ctor_signature) in target_vtable.cc built
# as a PIE and not, at -O0 and -O2, as a PIE of -fPIC code (the linker makes
# a lea of the GOT load: the address of _ZTV5Rot13, 2 words added after),
# and as a -fPIC shared library (whose constructor loads the vtable's
# address from the GOT): each compiler's encoding of the address
# (docs/config.md).
check_ctor_signatures() {
  src=$(dirname "$demo_xml")/../tests/e2e
  for o in -O0 -O2; do
    for pie in "PIE:-fpie -pie" "non-PIE:-fno-pie -no-pie" "PIC-PIE:-fPIC -pie"; do
      bin=$tmp/vt-${pie%%:*}$o
      c++ "$2" $o ${pie#*:} -fno-devirtualize -o "$bin" "$src/target_vtable.cc" ||
        fail "cannot build $1 ${pie%%:*} $o"
      check_ctor_signature "$1 ${pie%%:*} $o" "$src/vtable.xml" "$bin" "$3" "${bin##*/}" "$bin"
    done
    c++ "$2" $o -fPIC -shared -fno-devirtualize -Dmain=vtable_main -o "$tmp/libvt$o.so" \
      "$src/target_vtable.cc" || fail "cannot build the $1 library $o"
    printf 'int vtable_main();\nint main() { return vtable_main(); }\n' > "$tmp/vtmain.cc"
    c++ "$2" -o "$tmp/vtmain$o" "$tmp/vtmain.cc" "$tmp/libvt$o.so" -Wl,-rpath,"$tmp" ||
      fail "cannot build the $1 library's program"
    check_ctor_signature "$1 -fPIC library $o" "$src/vtable.xml" "$tmp/libvt$o.so" "$3" "libvt$o.so" \
      "$tmp/vtmain$o"
  done
}

# i386_or_skip: exits 77 (skip) where this build has no i386 agent, there is
# no -m32 toolchain, or this machine cannot run i386 programs.
# check_process_name PROGRAM: processName keeps hooks to the processes of
# that name (a glob over the file name of argv[0], case-sensitive); a
# process they are left out of says so once, naming both (a capture of a
# program of another name recorded nothing and said nothing).
check_process_name() {
  name=$(basename "$1")
  cat > "$tmp/p.xml" <<'X'
<hookManager><specs><functions><function name="write"><returnValue type="SSize"/><arguments>
<argument name="fd" type="Int32"/><argument name="buf" type="ByteArrayPtr" size="arg.count"/>
<argument name="count" type="Size"/></arguments></function></functions></specs>
<hooks><module name="libc.so.6" processName="PROCESS"><function specId="write"/></module>
<module name="libc.so.6" processName="other"><function specId="write"/></module></hooks></hookManager>
X
  for process in prog64O0 "$(echo "$name" | tr a-z A-Z)" "${name%?}?"; do
    sed "s/PROCESS/$process/" "$tmp/p.xml" > "$tmp/p1.xml"
    "$ospy" capture -c "$tmp/p1.xml" -o "$tmp/c.ospy" -- "$1" 3 exit 0 >/dev/null 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    case $process in
    *\?)
      want="info: agent: 1 hook left out of this process: processName=\"other\" (1 hook) does not match its name, '$name' (processName is a glob matched against the file name of the program's argv[0], case-sensitive)"
      calls=3 ;;
    *)
      want="warning: agent: 2 hooks left out of this process: processName=\"$process\" (1 hook), \"other\" (1 hook) does not match its name, '$name' (processName is a glob matched against the file name of the program's argv[0], case-sensitive)"
      calls=0 ;;
    esac
    echo "expect (processName=\"$process\", $calls calls): $want"
    expect_line "$tmp/show" "$want"
    [ $calls = 0 ] && expect_line "$tmp/err" "$want" # (a warning, said live as well)
    [ "$(grep -c 'left out of this process' "$tmp/show")" = 1 ] || fail "said more than once"
    [ "$(grep -c 'libc.so.6!write(' "$tmp/show")" = "$calls" ] ||
      { cat "$tmp/show"; fail "expected $calls write calls"; }
  done
}

# m: the word size a case's programs are built for, 32 for its -i386
# variant (which skips where i386 cannot run), else 64.
case_bits() {
  m=64
  case $case_name in
  *-i386) m=32; i386_or_skip ;;
  esac
}
i386_or_skip() {
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  echo 'int main(void){return 0;}' > "$tmp/probe32.c"
  cc -m32 -o "$tmp/probe32" "$tmp/probe32.c" 2>/dev/null || { echo "skip: no -m32 toolchain"; exit 77; }
  "$tmp/probe32" 2>/dev/null || { echo "skip: this machine cannot run i386 programs"; exit 77; }
}

# The signal ospy stops threads with (SIGRTMAX-3: 61 on x86 Linux) while it
# puts hooks in after the start (a library opened later, an attach):
# stop_build BITS builds target_stop_{blocked,sigfd,own}.c and stop_lib.c
# (libstopBITS.so) for x86-64 (64) or i386 (32) in $tmp.
stop_build() {
  m=
  [ "$1" = 32 ] && m=-m32
  cc $m -O1 -shared -fPIC -o "$tmp/libstop$1.so" "$(dirname "$0")/stop_lib.c" ||
    fail "cannot build stop_lib.c"
  for p in blocked sigfd own; do
    cc $m -O1 -pthread -o "$tmp/stop_$p$1" "$(dirname "$0")/target_stop_$p.c" -ldl ||
      fail "cannot build target_stop_$p.c"
  done
}

# check_stop_blocked BITS: -p to a program whose threads all block every
# signal (its workers spin in stop_work, its main thread sleeps). ospy sent
# them its signal all the same; it stayed pending ("worker 1: signal 61
# pending", exit 99). Now none is sent: the hook is refused, with the reason,
# and the detach gives the program its default action for it back.
check_stop_blocked() {
  stop_build "$1"
  rm -f "$tmp/end"
  "$tmp/stop_blocked$1" "$tmp/end" >"$tmp/out" &
  tp=$!
  i=0
  until grep -q '^ready$' "$tmp/out"; do
    i=$((i + 1)); [ $i -gt 500 ] && { kill $tp; fail "the target never got ready"; }
    sleep 0.01
  done
  timeout -k 5 60 "$ospy" capture -q -f "stop_blocked$1!stop_work" --duration 1 -o "$tmp/c.ospy" -p $tp 2>"$tmp/err"
  rc=$?
  # detached: the program's own action (the default) is back, no handler
  caught=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$tp/status")
  [ $(( (0x$caught >> 60) & 1 )) = 0 ] || { touch "$tmp/end"; fail "the detach left ospy's handler for signal 61 (SigCgt $caught)"; }
  touch "$tmp/end"
  wait $tp
  trc=$?
  [ $rc = 0 ] || { cat "$tmp/err"; fail "capture -p exited $rc"; }
  [ $trc = 0 ] || { cat "$tmp/out"; fail "the program exited $trc (a signal ospy sent was left pending)"; }
  expect_line "$tmp/out" "no signal pending"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "error: stop_blocked$1!stop_work: cannot hook: installing it failed: a thread that blocks the signal ospy stops threads with \(SIGRTMAX-3\) was running"
}

# check_stop_sigfd BITS: every thread blocks every signal, the main thread
# reads them from a signalfd and spins while another thread opens a library
# whose function is hooked. It read two signals 61 (exit 99); now only the
# SIGUSR1 it sends itself. The hook is refused, with the reason (the main
# thread cannot be stopped).
check_stop_sigfd() {
  stop_build "$1"
  "$tmp/stop_sigfd$1" "$tmp/libstop$1.so" >"$tmp/ref" 2>&1 ||
    { cat "$tmp/ref"; fail "the target alone exited $?"; }
  "$ospy" capture -q -f "libstop$1.so!stop_lib_triple" -o "$tmp/c.ospy" -- \
    "$tmp/stop_sigfd$1" "$tmp/libstop$1.so" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || { cat "$tmp/out" "$tmp/err"; fail "capture exited $rc: the program's signalfd read another signal"; }
  diff "$tmp/ref" "$tmp/out" >"$tmp/diff" || { cat "$tmp/diff"; fail "the program's output differs under ospy"; }
  expect_line "$tmp/out" "signalfd: SIGUSR1 1 time(s), 0 other signal(s)"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "error: libstop$1.so!stop_lib_triple: cannot hook: installing it failed: a thread that blocks the signal ospy stops threads with \(SIGRTMAX-3\) was running"
}

# check_stop_own BITS: a program with its own handler for that signal opens
# a library whose function is hooked, sends the signal to itself (raise
# twice, sigqueue once), sets SA_RESETHAND, SIG_IGN, and execs: the same
# output as alone (every sigaction answer, its handler called for its own
# signals only), started with the default and with SIG_IGN inherited; the
# hook goes in. Its handler got ospy's stops ("handler: 5 call(s)"), the
# hook was refused after 7 s, sigaction named ospy's handler and the
# inherited SIG_IGN was lost.
check_stop_own() {
  stop_build "$1"
  for start in default ignored; do
    run=
    [ $start = ignored ] && run="trap '' 61;"
    sh -c "$run exec \"\$@\"" sh "$tmp/stop_own$1" "$tmp/libstop$1.so" >"$tmp/ref" 2>&1 ||
      { cat "$tmp/ref"; fail "the target alone exited $? ($start at start)"; }
    sh -c "$run exec \"\$@\"" sh "$ospy" capture -q -f "libstop$1.so!stop_lib_triple" -o "$tmp/c.ospy" -- \
      "$tmp/stop_own$1" "$tmp/libstop$1.so" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || { cat "$tmp/out" "$tmp/err"; fail "capture exited $rc ($start at start)"; }
    diff "$tmp/ref" "$tmp/out" >"$tmp/diff" ||
      { cat "$tmp/diff"; fail "the program saw another answer under ospy ($start at start)"; }
    expect_line "$tmp/out" "handler: 3 call(s): raise raise sigqueue (value 42)"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" "libstop$1\.so!stop_lib_triple\(arg0=0x2.*\) = 7\$"
  done
  expect_line "$tmp/out" "start: SIG_IGN flags=0"
  expect_line "$tmp/out" "after exec: SIG_IGN"
}

# check_msg_trunc PROGRAM (target_msg_trunc.c): with --preset net a call that
# returns more than its buffer holds (recv & co. with MSG_TRUNC: the
# datagram's length; an address longer than its buffer) shows the bytes the
# buffer holds, never those after it (SECRET...), nor do streams and pcapng.
check_msg_trunc() {
  "$ospy" capture -q --preset net -o "$tmp/t.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "recv(len 4, MSG_TRUNC)=10 buf=ABCD"
  expect_line "$tmp/out" "recvfrom(addrlen 8)=4 addrlen=16"
  "$ospy" show -s 0 "$tmp/t.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" 'libc\.so\.6!recv\(sockfd=3<UDP:[^>]*>, buf="ABCD", len=4, flags=MSG_TRUNC\) = 10$'
  expect_regex "$tmp/show" 'libc\.so\.6!recvfrom\(sockfd=3<UDP:[^>]*>, buf="KLMN", len=4, flags=MSG_TRUNC, src_addr=NULL, addrlen=NULL => NULL\) = 10$'
  expect_regex "$tmp/show" 'libc\.so\.6!recvmsg\(sockfd=3<UDP:[^>]*>, msg=\{.*msg_iov=\[\{iov_base="0123", iov_len=4\}\], .*msg_flags=MSG_TRUNC\}, flags=MSG_TRUNC\) = 10$'
  # the address as its 8-byte buffer holds it: family, port and IPv4 address
  expect_regex "$tmp/show" 'libc\.so\.6!recvfrom\(sockfd=3<UDP:[^>]*>, buf="abcd", len=4, flags=0x0, src_addr=\{AF_INET, 127\.0\.0\.1:[0-9]+\}, addrlen=\[8\] => \[16\]\) = 4$'
  if grep -q "getsockname(addrlen 8)=0 addrlen=28" "$tmp/out"; then # (IPv6 here)
    expect_regex "$tmp/show" 'libc\.so\.6!getsockname\(sockfd=5<UDPv6>, addr=\{family=10, "[^"]*"\}, addrlen=\[8\] => \[28\]\) = 0$'
  fi
  grep -E 'SECR|ECRE|CRET|5345:' "$tmp/show" && fail "bytes after a buffer shown"
  # TCP: the data is discarded, the buffer left as it was, which the preset
  # cannot tell from a datagram's (docs/catalogue.md): shown, but no data
  expect_regex "$tmp/show" 'libc\.so\.6!recv\(sockfd=8<TCP:.*>, buf="garbage!", len=8, flags=MSG_TRUNC\|MSG_WAITALL\) = 8$'
  "$ospy" streams "$tmp/t.ospy" >"$tmp/streams" || fail "streams exited $?"
  expect_regex "$tmp/streams" ' udp +127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+  0 bytes out, 16 in$'
  expect_regex "$tmp/streams" ' tcp +\? -> 127\.0\.0\.1:[0-9]+  8 bytes out, 0 in$'
  n=$(grep -c ' tcp ' "$tmp/streams")
  [ "$n" = 1 ] || { cat "$tmp/streams"; fail "the discarded TCP data made a conversation"; }
  id=$(sed -n 's/^#\([0-9]*\) .* udp .* 16 in$/\1/p' "$tmp/streams")
  "$ospy" streams --follow "$id" "$tmp/t.ospy" >"$tmp/follow" || fail "streams --follow exited $?"
  expect_regex "$tmp/follow" '^<<< received 4 bytes \(recv\) at '
  expect_regex "$tmp/follow" '^<<< received 4 bytes \(recvmsg\) at '
  grep -q 'not recorded' "$tmp/follow" && { cat "$tmp/follow"; fail "bytes the buffer never held counted"; }
  "$ospy" export "$tmp/t.ospy" --format pcapng -o "$tmp/t.pcapng" >/dev/null 2>&1 || fail "export exited $?"
  grep -q ABCD "$tmp/t.pcapng" || fail "the pcapng lacks the received ABCD"
  grep -qE 'SECR|garbage' "$tmp/t.pcapng" && fail "the pcapng carries bytes no call received"
  return 0
}

# check_time64 PROGRAM FCNTL STAT RECVMSG WAIT4: target_time64.c's calls as
# the presets decode them, each with the values the program printed. The
# arguments are the names (extended regexes) the program's calls are
# recorded under; STAT's @ stands for fstat, fstatat, stat and lstat (on
# i386 sendmsg, ioctl and getsockopt are the same code as their __*64
# names: recorded under either).
check_time64() {
  mkdir -p "$tmp/w"
  "$ospy" capture -q --preset files,net,ioctl,proc -o "$tmp/t.ospy" -- "$1" "$tmp/w" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show -s 0 "$tmp/t.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "libc\\.so\\.6!$2\\(fd=4<t64\\.txt>, cmd=F_GETFD, arg=0x[0-9a-f]+\\) = 0\$"
  expect_regex "$tmp/show" "libc\\.so\\.6!$2\\(fd=4<t64\\.txt>, cmd=F_DUPFD_CLOEXEC, arg=0x28\\) = 40\$"
  expect_line "$tmp/show" "libc.so.6!close(fd=40<t64.txt>) = 0"
  for call in fstat fstatat stat lstat; do
    line=$(grep "^$call=0 " "$tmp/out") || { cat "$tmp/out"; fail "the program did not $call"; }
    ino=${line#* ino=}; ino=${ino%% *}
    mtime=${line#* mtime=}
    name=$(echo "$3" | sed "s/@/$call/")
    grep -E "libc\\.so\\.6!$name\\(" "$tmp/show" |
      grep -E "st_ino=$ino[,}]" | grep -F "st_mode=S_IFREG|0640," | grep -F "st_nlink=1," |
      grep -F "st_size=13," | grep -qF "st_mtime=$mtime," ||
      { cat "$tmp/show"; fail "$name with st_ino=$ino, st_size=13, st_mtime=$mtime"; }
  done
  expect_regex "$tmp/show" 'libc\.so\.6!(sendmsg|__sendmsg64)\(sockfd=5<UNIX-DGRAM>, msg=\{.*iov_base="time64 datagram", iov_len=15\}.*\) = 15$'
  expect_regex "$tmp/show" 'libc\.so\.6!(ioctl|__ioctl_time64)\(fd=6<UNIX-DGRAM>, request=FIONREAD, arg="" => "\\x0f\\x00\\x00\\x00", .*\) = 0$'
  expect_regex "$tmp/show" "libc\\.so\\.6!$4\\(sockfd=6<UNIX-DGRAM>, msg=\\{.*iov_base=\"time64 datagram\"\\.\\.\\.\\(15 of 32 bytes\\), iov_len=32\\}.*\\) = 15\$"
  expect_regex "$tmp/show" 'libc\.so\.6!(getsockopt|__getsockopt64)\(sockfd=6<UNIX-DGRAM>, level=SOL_SOCKET, optname=SO_TYPE, optval="\\x02\\x00\\x00\\x00", optlen=\[4\] => \[4\]\) = 0$'
  expect_regex "$tmp/show" "libc\\.so\\.6!$5\\(pid=[0-9]+, wstatus=\\[0x300\\], options=0x0, rusage=0x0\\) = [0-9]+\$"
  expect_line "$tmp/out" "recvmsg=15 buf=time64 datagram"
  expect_line "$tmp/out" "wait4=child status=0x300"
  # the status word only when a child was reaped (retval > 0): a failed call
  # and WNOHANG's 0 showed whatever it held, wstatus=[0x3]
  expect_line "$tmp/out" "wait4 again=-1 status=0x3"
  expect_regex "$tmp/show" "libc\\.so\\.6!$5\\(pid=-1, options=WNOHANG, rusage=0x0\\) = -1 ECHILD"
  expect_line "$tmp/out" "waitpid(WNOHANG)=0 status=0x3"
  expect_regex "$tmp/show" "libc\\.so\\.6!waitpid\\(pid=[0-9]+, options=WNOHANG\\) = 0\$"
  expect_line "$tmp/out" "waitpid=child status=0x400"
  expect_regex "$tmp/show" "libc\\.so\\.6!waitpid\\(pid=[0-9]+, wstatus=\\[0x400\\], options=0x0\\) = [0-9]+\$"
  grep -E '!(wait4|__wait4_time64|waitpid)\(' "$tmp/show" | sed 's/^[^!]*!//'
  "$ospy" streams "$tmp/t.ospy" >"$tmp/streams" || fail "streams exited $?"
  expect_regex "$tmp/streams" ' unix +\(unnamed\) -> \(unnamed\)  15 bytes out, 0 in$'
  expect_regex "$tmp/streams" ' unix +\(unnamed\) -> \(unnamed\)  0 bytes out, 15 in$'
}

# check_poll PROGRAM PPOLL SELECT PSELECT PWAIT2 V64 (target_poll.c): poll,
# epoll, select and preadv/pwritev as the net and files presets decode them,
# with the descriptors, events, data and bytes the program printed. The
# arguments name the calls the program makes (an i386 program built with
# _TIME_BITS=64 calls __ppoll64, __select64, __pselect64 and
# __epoll_pwait2_time64; with _FILE_OFFSET_BITS=64 preadv64, preadv64v2 &
# co.: V64 is 64).
check_poll() {
  "$ospy" capture -q --preset net,files -o "$tmp/p.ospy" -- "$1" "$tmp" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show -s 0 "$tmp/p.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/out" "poll=2 revents=0x1,0x4"
  expect_line "$tmp/out" "epoll_pwait2=1 events=0x1 data=0x7"
  r=$(sed -n 's/^pipe=\([0-9]*\),.*/\1/p' "$tmp/out") w=$(sed -n 's/^pipe=[0-9]*,\([0-9]*\)$/\1/p' "$tmp/out")
  ep=$(sed -n 's/^epoll=\([0-9]*\) .*/\1/p' "$tmp/out") f=$(sed -n 's/^file=\([0-9]*\) .*/\1/p' "$tmp/out")
  [ -n "$r" ] && [ -n "$w" ] && [ -n "$ep" ] && [ -n "$f" ] || { cat "$tmp/out"; fail "the program did not print its descriptors"; }
  rd="$r<pipe:[read]>" wr="$w<pipe:[write]>" file="$f<$tmp/pv.dat>"
  # fd_set words in hex: bit n is descriptor n
  rbits=$(printf '0x%x' $((1 << r))) wbits=$(printf '0x%x' $((1 << w)))
  # poll: what was asked at entry, revents at return only (the program left
  # garbage there, 0x5a28 and 0xffff, shown at entry as revents=POLLERR|...)
  expect_line "$tmp/show" "libc.so.6!poll(fds=[{fd=$rd, events=POLLIN|POLLPRI}, {fd=$wr, events=POLLOUT}] => [{fd=$rd, events=POLLIN|POLLPRI, revents=POLLIN}, {fd=$wr, events=POLLOUT, revents=POLLOUT}], nfds=2, timeout=5000) = 2"
  expect_line "$tmp/show" "libc.so.6!$2(fds=[{fd=$rd, events=POLLIN|POLLPRI}] => [{fd=$rd, events=POLLIN|POLLPRI, revents=POLLIN}], nfds=1, tmo_p={tv_sec=5, tv_nsec=0}, sigmask=[SIGUSR1]) = 1"
  # the .osd export (read back) leaves it out of the entry value as well
  "$ospy" export "$tmp/p.ospy" --format osd -o "$tmp/p.osd" 2>/dev/null || fail "export osd exited $?"
  "$ospy" import "$tmp/p.osd" --format jsonl -o "$tmp/p.osd.jsonl" 2>/dev/null || fail "import osd exited $?"
  line=$(grep -F '"name":"libc.so.6::poll"' "$tmp/p.osd.jsonl") || fail "no poll in the .osd export"
  at_entry=${line%%'"args_out"'*} at_return=${line#*'"args_out"'}
  case $at_entry in *revents*) fail "the .osd export shows revents at entry: $line" ;; esac
  [ "$(echo "$at_return" | grep -o '"name":"revents"' | wc -l)" = 2 ] ||
    fail "the .osd export lacks revents at return: $line"
  # epoll: struct epoll_event is 12 bytes on both (packed on x86-64), data at 4
  expect_line "$tmp/show" "libc.so.6!epoll_create1(flags=EPOLL_CLOEXEC) = $ep"
  expect_line "$tmp/show" "libc.so.6!epoll_ctl(epfd=$ep, op=EPOLL_CTL_ADD, fd=$rd, event={events=EPOLLIN|EPOLLET, data=0x1122334455667788}) = 0"
  expect_line "$tmp/show" "libc.so.6!epoll_wait(epfd=$ep, events=[{events=EPOLLIN, data=0x1122334455667788}], maxevents=4, timeout=5000) = 1"
  # no event: no events shown
  expect_line "$tmp/show" "libc.so.6!epoll_wait(epfd=$ep, maxevents=4, timeout=0) = 0"
  expect_line "$tmp/show" "libc.so.6!epoll_ctl(epfd=$ep, op=EPOLL_CTL_ADD, fd=$wr, event={events=EPOLLOUT|EPOLLONESHOT, data=$(printf '0x%x' "$w")}) = 0"
  expect_line "$tmp/show" "libc.so.6!epoll_pwait(epfd=$ep, events=[{events=EPOLLOUT, data=$(printf '0x%x' "$w")}], maxevents=4, timeout=5000, sigmask=[SIGUSR1]) = 1"
  expect_line "$tmp/show" "libc.so.6!epoll_ctl(epfd=$ep, op=EPOLL_CTL_DEL, fd=$wr, event=NULL) = 0"
  expect_line "$tmp/show" "libc.so.6!epoll_ctl(epfd=$ep, op=EPOLL_CTL_MOD, fd=$rd, event={events=EPOLLIN, data=0x7}) = 0"
  expect_line "$tmp/show" "libc.so.6!$5(epfd=$ep, events=[{events=EPOLLIN, data=0x7}], maxevents=4, timeout={tv_sec=5, tv_nsec=0}, sigmask=NULL) = 1"
  # select: the sets asked and the sets ready; the time left written back
  expect_regex "$tmp/show" "libc\\.so\\.6!$3\\(nfds=$((w + 1)), readfds=\\[$rbits\\] => \\[$rbits\\], writefds=\\[$wbits\\] => \\[$wbits\\], exceptfds=NULL => NULL, timeout=\\{tv_sec=5, tv_usec=0\\} => \\{tv_sec=[0-5], tv_usec=[0-9]+\\}\\) = 2\$"
  expect_line "$tmp/show" "libc.so.6!$3(nfds=$((r + 1)), readfds=[$rbits] => [0x0], writefds=NULL => NULL, exceptfds=NULL => NULL, timeout={tv_sec=0, tv_usec=1000} => {tv_sec=0, tv_usec=0}) = 0"
  expect_line "$tmp/show" "libc.so.6!$4(nfds=$((r + 1)), readfds=[$rbits] => [0x0], writefds=NULL => NULL, exceptfds=NULL => NULL, timeout={tv_sec=0, tv_nsec=1000}, sigmask=[SIGUSR1]) = 0"
  # preadv/pwritev: the offset, and the bytes read (at most what was returned)
  expect_line "$tmp/show" "libc.so.6!pwritev$6(fd=$file, iov=[{iov_base=\"hello \", iov_len=6}, {iov_base=\"world\", iov_len=5}], iovcnt=2, offset=100) = 11"
  expect_line "$tmp/show" "libc.so.6!preadv$6(fd=$file, iov=[{iov_base=\"llo \", iov_len=4}, {iov_base=\"world\"...(5 of 16 bytes), iov_len=16}], iovcnt=2, offset=102) = 9"
  expect_line "$tmp/show" "libc.so.6!pwritev${6:+${6}v}2(fd=$file, iov=[{iov_base=\"hello \", iov_len=6}], iovcnt=1, offset=0, flags=RWF_DSYNC) = 6"
  expect_line "$tmp/show" "libc.so.6!preadv${6:+${6}v}2(fd=$file, iov=[{iov_base=\"hell\", iov_len=4}], iovcnt=1, offset=-1, flags=0x0) = 4"
  expect_line "$tmp/out" "file=$f pwritev=11 preadv=9 llo world"
}

case $case_name in
demo)
  check_demo "$demo" open
  # two runs are equivalent for ospy diff: the demo's server has a fixed
  # port (47011; any free one when another demo holds it: then connect's
  # port may differ, nothing else); uninitialised out-buffers made both
  # dev_control calls differ, and the failed one's out_len showed stack bytes
  mv "$tmp/c.ospy" "$tmp/run1.ospy"
  "$ospy" show "$tmp/run1.ospy" >"$tmp/show1" || fail "show exited $?"
  check_demo "$demo" open
  "$ospy" diff "$tmp/run1.ospy" "$tmp/c.ospy" >"$tmp/diff" 2>&1
  rc=$?
  if grep -q 'connect(.*127\.0\.0\.1:47011}' "$tmp/show1" && grep -q 'connect(.*127\.0\.0\.1:47011}' "$tmp/show"; then
    [ $rc = 0 ] || { cat "$tmp/diff"; fail "two runs of the demo on port 47011: diff exited $rc, expected 0 (equivalent)"; }
  fi
  grep '^[-+~] ' "$tmp/diff" | grep -v '^~ libc.so.6::connect(' >"$tmp/diffs"
  [ -s "$tmp/diffs" ] && { cat "$tmp/diff"; fail "two runs of the demo differ by more than connect's port"; }
  expect_line "$tmp/show" 'ospy-demo!dev_control(fd=3, code=4660, in="hello", in_len=5, out_cap=16, out_len=[2147483647]) = 0'
  # the live view shows a failed call as show does: with its errno name
  "$ospy" capture -c "$demo_xml" -o "$tmp/live.ospy" -- "$demo" >/dev/null 2>"$tmp/live" </dev/null ||
    fail "capture with the live view exited $?"
  expect_regex "$tmp/live" 'libc\.so\.6!ioctl\(fd=0</dev/null>, request=TIOCGWINSZ\) = -1 ENOTTY \(Inappropriate ioctl for device\)$'
  echo "demo: 14 decoded calls, seed scenario safe, two runs equivalent (connect's port may differ when 47011 is taken)" ;;
demo-i386)
  # The same demo built for i386 (LFS: it calls open64) and captured with
  # the i386 agent; skipped where this build has none or i386 cannot run.
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  cc -m32 -O2 -fno-inline -fno-optimize-sibling-calls -D_FILE_OFFSET_BITS=64 \
    -o "$tmp/ospy-demo" "$(dirname "$demo_xml")/ospy-demo.c" 2>/dev/null ||
    { echo "skip: no -m32 toolchain"; exit 77; }
  echo 'int main(void){return 0;}' > "$tmp/t.c"
  cc -m32 -o "$tmp/t32" "$tmp/t.c" && "$tmp/t32" 2>/dev/null ||
    { echo "skip: this machine cannot run i386 programs"; exit 77; }
  check_demo "$tmp/ospy-demo" open64
  expect_line "$tmp/show" "32-bit"
  echo "demo-i386: 14 decoded calls from the i386 agent, seed scenario safe" ;;
vtable)
  # Virtual methods hooked through the vtable, found by its _ZTV symbol and by
  # the constructor's byte signature (x86-64, -O0 code; vtable.xml).
  vt=$(dirname "$target")/e2e-vtable xml=$(dirname "$demo_xml")/../tests/e2e/vtable.xml
  sed 's|name="Rot13" vtableSymbol="_ZTV5Rot13"|name="Rot13Sig" ctorSigId="Rot13Ctor" ctorSigOffset="3"|' \
    "$xml" > "$tmp/sig.xml"
  for cfg in "$xml:Rot13" "$tmp/sig.xml:Rot13Sig"; do
    "$ospy" capture -q -c "${cfg%:*}" -o "$tmp/c.ospy" -- "$vt" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture exited $?"; }
    expect_line "$tmp/out" "encoded 5 bytes: uryyb, reset 42"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "e2e-vtable!${cfg#*:}::encode(in=\"hello\", len=5, out=\"uryyb\") = 5"
    expect_line "$tmp/show" "e2e-vtable!${cfg#*:}::reset(level=21) = 42"
  done
  # by a signature derived from the constructor of each build: the vtable's
  # address rip-relative (PIE), an immediate (non-PIE), from the GOT (library),
  # the linker's lea of a GOT load (-fPIC code in a PIE)
  check_ctor_signatures x86-64 -m64 8
  # a method described by argsSize alone: its word recorded as oSpy's agent
  # logged it (arg1 in the XML), shown as a raw word (it recorded none)
  cat > "$tmp/argssize.xml" <<'X'
<hookManager><specs><vtables><vtable id="Codec" methodCount="4">
<method index="3" name="reset" argsSize="4"><returnValue type="Int32"/></method>
</vtable></vtables></specs>
<hooks><vtables><vtable specId="Codec" name="Rot13" vtableSymbol="_ZTV5Rot13" moduleName="e2e-vtable"/></vtables></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/argssize.xml" -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with argsSize exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "e2e-vtable!Rot13::reset(arg0=0x15) = 42"
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.xml" 2>/dev/null || fail "export to XML exited $?"
  expect_line "$tmp/c.xml" '<arguments direction="in"><argument name="arg1"><value type="UInt64" value="21"/></argument></arguments>'
  # -O0 keeps frame pointers: a backtrace of two frames, C++ names demangled
  "$ospy" capture -q --backtrace 2 -c "$xml" -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>&1 ||
    fail "capture --backtrace exited $?"
  "$ospy" show --backtrace "$tmp/c.ospy" | grep -A2 'Rot13::encode(' >"$tmp/bt"
  # (source line: the -O0 vtable target is built with -g by meson's debugoptimized default)
  expect_regex "$tmp/bt" '^    #0 0x[0-9a-f]+ e2e-vtable!run_codec\(Codec\*, char\*, int\*\)\+0x[0-9a-f]+( \(target_vtable.cc:[0-9]+\))?$'
  expect_regex "$tmp/bt" '^    #1 0x[0-9a-f]+ e2e-vtable!main\+0x[0-9a-f]+( \(target_vtable.cc:[0-9]+\))?$'
  # the .osd/XML <name> holds one "::" (oSpy's loader takes what follows it,
  # up to the next, as the function), ospy's name beside it; import reads it back
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.xml" 2>/dev/null || fail "export to XML exited $?"
  grep -q '<name ospyName="e2e-vtable::Rot13::encode">e2e-vtable::Rot13.encode</name>' "$tmp/c.xml" ||
    fail "C++ name in the XML: $(grep -o '<name[^/]*/name>' "$tmp/c.xml" | sort -u)"
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.osd" 2>/dev/null && "$ospy" import "$tmp/c.osd" -o "$tmp/c.jsonl" 2>/dev/null ||
    fail "export/import of the .osd"
  grep -q '"name":"e2e-vtable::Rot13::encode"' "$tmp/c.jsonl" || fail "C++ name imported: $(grep -o '"name":"e2e[^"]*"' "$tmp/c.jsonl" | sort -u)"
  # -f with C++ names as nm -C prints them: exact, or every overload by name
  "$ospy" capture -q -f 'run_codec(Codec*, char*, int*),Rot13::reset' -o "$tmp/c.ospy" -- "$vt" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f C++ names exited $?"; }
  expect_line "$tmp/out" "encoded 5 bytes: uryyb, reset 42"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  # (their arguments decoded from their DWARF, the program being built with
  # -g, by their names: docs/catalogue.md)
  # (a char* not const: read at entry and at return, the buffer it filled)
  expect_regex "$tmp/show" 'e2e-vtable!run_codec\(Codec\*, char\*, int\*\)\(c=0x[0-9a-f]+, out="" => "uryyb", r=0x[0-9a-f]+\) = 5$'
  expect_regex "$tmp/show" 'Rot13::reset\(int\)\(this=0x[0-9a-f]+, level=21\) = 42$'
  # a glob over a C++ name matches the demangled names (without their
  # parameter lists): every overload of reset, shown and decoded as a whole name is
  "$ospy" capture -q -f 'Rot13::res*' -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'Rot13::res*' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" 'e2e-vtable!Rot13::reset\(int\)\(this=0x[0-9a-f]+, level=21\) = 42$'
  grep -q 'encode' "$tmp/show" && fail "Rot13::res* took encode: $(grep encode "$tmp/show")"
  # a mangled glob works too (a symbol glob, shown by the mangled name)
  "$ospy" capture -q -f '_ZN5Rot13*res*' -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "the mangled glob exited $?"; }
  "$ospy" show "$tmp/c.ospy" | grep -q '_ZN5Rot135resetEi(this=0x[0-9a-f]*, level=21) = 42$' || fail "the mangled glob hooked no reset: $("$ospy" show "$tmp/c.ospy")"
  # every function of a class, and one method of every class of the program
  "$ospy" capture -q -f 'Rot13::*' -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'Rot13::*' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '!Rot13::reset\(int\)\(this=0x[0-9a-f]+, level=21\) = 42$'
  expect_regex "$tmp/show" '!Rot13::encode\('
  "$ospy" capture -q -f '*::reset' -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f '*::reset' exited $?"; }
  "$ospy" show "$tmp/c.ospy" | grep -q '!Rot13::reset(int)(this=0x' || fail "-f '*::reset' hooked no Rot13::reset"
  # a glob over a class of an anonymous namespace (its '(' is no parameter
  # list: the pattern went to the agent as a name and matched nothing), and
  # the note of a glob names no overloads
  cat > "$tmp/anon.cc" <<'X'
#include <cstdio>
namespace { struct Hidden { __attribute__((noinline)) int work(int x) { return x * 7; }
                            __attribute__((noinline)) int rest(int x) { return x + 1; } }; }
int main() { Hidden h; std::printf("%d\n", h.work(6) + h.rest(1)); }
X
  c++ -O0 -g -o "$tmp/anon" "$tmp/anon.cc" || fail "cannot build anon.cc"
  "$ospy" capture -f '(anonymous namespace)::Hidden::*' -o "$tmp/c.ospy" -- "$tmp/anon" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f '(anonymous namespace)::Hidden::*' exited $?"; }
  expect_line "$tmp/out" "44"
  expect_line "$tmp/err" "-f (anonymous namespace)::Hidden::*: 2 functions match, each hooked: (anonymous namespace)::Hidden::"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '!\(anonymous namespace\)::Hidden::work\(int\)\(this=0x[0-9a-f]+, x=6\) = 42$'
  # a C++ glob that matches nothing says where it looked and how it matches
  "$ospy" capture -q -f 'Rot13::nothing*' -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" &&
    fail "a C++ glob matching nothing was accepted"
  expect_line "$tmp/err" "ospy capture: -f Rot13::nothing*: no C++ function matches Rot13::nothing* in the program or the libraries it loads at start (a glob over a C++ name is matched against the demangled names of the symbol tables, without their parameter lists, as nm -C prints them; a library the program opens later is not searched by a glob: name its function in full)"
  # a scope without a function name: refused up front (it ran a capture that recorded nothing)
  "$ospy" capture -q -f 'Rot13::' -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" &&
    fail "-f Rot13:: (a scope) was accepted"
  expect_line "$tmp/err" "ospy capture: -f Rot13::: 'Rot13::' names a scope, not a function: name the function (Rot13::NAME); -f 'Rot13::*' hooks every function of it"
  # a plain name that only C++ functions carry (make_codec() is _ZL10make_codecv)
  "$ospy" capture -q -f make_codec -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f make_codec exited $?"; }
  "$ospy" show "$tmp/c.ospy" | grep -q 'make_codec()() = 0x' || fail "-f make_codec: $("$ospy" show "$tmp/c.ospy")"
  # a plain name does not take the compiler's clones: g++ -O2 splits the
  # throwing path of thrower() into "thrower(int) [clone .cold]", which is no
  # function entry (hooked, every exception ended in std::terminate)
  cat > "$tmp/cold.cc" <<'X'
#include <cstdio>
#include <stdexcept>
__attribute__((noinline)) int thrower(int i) { if (i % 3 == 0) throw std::runtime_error("x"); return i * 2; }
int main() {
  long s = 0; int caught = 0;
  for (int i = 0; i < 30; i++) { try { s += thrower(i); } catch (const std::exception &) { caught++; } }
  std::printf("s=%ld caught=%d\n", s, caught);
}
X
  c++ -O2 -o "$tmp/cold" "$tmp/cold.cc" || fail "cannot build the .cold target"
  if nm -C "$tmp/cold" | grep -q 'thrower(int) \[clone \.cold\]'; then
    "$ospy" capture -q -f thrower -o "$tmp/c.ospy" -- "$tmp/cold" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f thrower (a .cold clone beside it) exited $?"; }
    expect_line "$tmp/out" "s=600 caught=10"
    [ "$("$ospy" show "$tmp/c.ospy" | grep -c 'thrower(int)(')" = 30 ] ||
      fail "-f thrower: $("$ospy" show "$tmp/c.ospy" | grep -c 'thrower') calls, expected 30"
    "$ospy" show "$tmp/c.ospy" | grep -q '\[clone' && fail "-f thrower hooked the compiler's clone"
  fi
  # and a config's symbol="..." by C++ name
  cat > "$tmp/cxx.xml" <<'X'
<hookManager><specs><functions>
<function name="reset"><returnValue type="Int32"/><arguments><argument name="self" type="Pointer"/><argument name="level" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="e2e-vtable"><function specId="reset" symbol="Rot13::reset(int)"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/cxx.xml" -o "$tmp/c.ospy" -- "$vt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with a C++ symbol= exited $?"; }
  "$ospy" show "$tmp/c.ospy" | grep -q 'e2e-vtable!reset(self=0x[0-9a-f]*, level=21) = 42$' || fail "config symbol by C++ name: $("$ospy" show "$tmp/c.ospy")"
  echo "vtable: methods hooked by _ZTV symbol and by constructor signature (PIE, non-PIE, -fPIC PIE, library; -O0 and -O2); demangled backtrace; -f and symbol= by C++ name" ;;
vtable-i386)
  # The same on i386, where `this` is the first stack word.
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  src=$(dirname "$demo_xml")/../tests/e2e
  c++ -m32 -O0 -o "$tmp/e2e-vtable" "$src/target_vtable.cc" 2>/dev/null ||
    { echo "skip: no -m32 C++ toolchain"; exit 77; }
  "$tmp/e2e-vtable" >/dev/null 2>&1 || { echo "skip: this machine cannot run i386 programs"; exit 77; }
  # by a signature derived from the constructor of each build: the vtable's
  # address an immediate (non-PIE), from the GOT register (PIE: @GOTOFF,
  # library: a GOT slot's, @GOT; -fPIC code in a PIE: the linker's lea of it)
  check_ctor_signatures i386 -m32 4
  "$ospy" capture -q -c "$src/vtable.xml" -o "$tmp/c.ospy" -- "$tmp/e2e-vtable" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" '32-bit'
  expect_line "$tmp/show" 'e2e-vtable!Rot13::encode(in="hello", len=5, out="uryyb") = 5'
  expect_line "$tmp/show" 'e2e-vtable!Rot13::reset(level=21) = 42'
  # each convention's `this`: stdcall's on the stack, thiscall's and g++'s
  # fastcall's in ecx (a fastcall method's arguments then take edx and the
  # stack: they were shown shifted, a=this); a member function hooked by its
  # C++ name lists `this` itself
  cat > "$tmp/cconv.cc" <<'X'
#include <cstdio>
struct IFoo {
  virtual int __attribute__((stdcall)) Q(int a, int b) = 0;
  virtual int __attribute__((thiscall)) Tc(int a, long long b) = 0;
  virtual int __attribute__((fastcall)) Fc(int a, int b) = 0;
};
struct Foo : IFoo {
  int base = 1000;
  int __attribute__((stdcall, noinline)) Q(int a, int b) override { return base + a * 10 + b; }
  int __attribute__((thiscall, noinline)) Tc(int a, long long b) override { return base + a + (int)(b >> 32); }
  int __attribute__((fastcall, noinline)) Fc(int a, int b) override { return base + a - b; }
};
int main() {
  Foo f; IFoo *p = &f; long s = 0;
  for (int i = 0; i < 2; i++) s += p->Q(i, 2) + p->Tc(i, 0x500000000LL) + p->Fc(i, 1);
  std::printf("s=%ld\n", s);
}
X
  c++ -m32 -O2 -o "$tmp/cconv" "$tmp/cconv.cc" || fail "cannot build the i386 conventions target"
  cat > "$tmp/cconv.xml" <<'X'
<hookManager><specs><vtables><vtable id="IFoo" methodCount="3">
<method index="0" name="Q" callingConvention="stdcall"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></method>
<method index="1" name="Tc" callingConvention="thiscall"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int64" hex="true"/></arguments></method>
<method index="2" name="Fc" callingConvention="fastcall"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></method>
</vtable></vtables></specs>
<hooks><vtables><vtable specId="IFoo" name="Foo" vtableSymbol="_ZTV3Foo" moduleName="cconv"/></vtables></hooks></hookManager>
X
  cat > "$tmp/cconv-fn.xml" <<'X'
<hookManager><specs><functions>
<function name="Fc" callingConvention="fastcall"><returnValue type="Int32"/><arguments><argument name="self" type="Pointer"/><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="cconv"><function specId="Fc" symbol="Foo::Fc(int, int)"/></module></hooks></hookManager>
X
  for cfg in cconv cconv-fn; do
    "$ospy" capture -q -c "$tmp/$cfg.xml" -o "$tmp/$cfg.ospy" -- "$tmp/cconv" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of the conventions target ($cfg.xml) exited $?"; }
    expect_line "$tmp/out" "s=6024"
    "$ospy" show "$tmp/$cfg.ospy" >"$tmp/$cfg.show" || fail "show exited $?"
  done
  expect_line "$tmp/cconv.show" 'cconv!Foo::Q(a=1, b=2) = 1012'
  expect_line "$tmp/cconv.show" 'cconv!Foo::Tc(a=1, b=0x500000000) = 1006'
  expect_line "$tmp/cconv.show" 'cconv!Foo::Fc(a=1, b=1) = 1000'
  expect_regex "$tmp/cconv-fn.show" 'cconv!Fc\(self=0x[0-9a-f]+, a=1, b=1\) = 1000$'
  # described by argsSize alone (thiscall: the 12 bytes of stack it pops, a
  # and b's two words), as oSpy's agent logged them: arg1.. in the XML
  sed 's|<method index="1" name="Tc" callingConvention="thiscall">.*</method>|<method index="1" name="Tc" callingConvention="thiscall" argsSize="12"><returnValue type="Int32"/></method>|' \
    "$tmp/cconv.xml" > "$tmp/cconv-size.xml"
  "$ospy" capture -q -c "$tmp/cconv-size.xml" -o "$tmp/cconv-size.ospy" -- "$tmp/cconv" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of the conventions target (argsSize) exited $?"; }
  "$ospy" show "$tmp/cconv-size.ospy" >"$tmp/cconv-size.show" || fail "show exited $?"
  expect_line "$tmp/cconv-size.show" 'cconv!Foo::Tc(arg0=0x1, arg1=0, arg2=0x5) = 1006'
  "$ospy" export "$tmp/cconv-size.ospy" -o "$tmp/cconv-size.xml" 2>/dev/null || fail "export to XML exited $?"
  expect_line "$tmp/cconv-size.xml" '<argument name="arg1"><value type="UInt32" value="1"/></argument><argument name="arg2"><value type="UInt32" value="0"/></argument><argument name="arg3"><value type="UInt32" value="5"/></argument>'
  echo "vtable-i386: methods hooked by _ZTV symbol and by constructor signature (PIE, non-PIE, -fPIC PIE, library; -O0 and -O2); stdcall, thiscall and fastcall methods' this skipped" ;;
cxx-names)
  # C++ names as nm -C prints them (docs/catalogue.md, -f step 5; a config's
  # symbol=), in a program built here with the system's g++
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  # libacc.so: linked (loaded at start); liblate.so: the same code in another
  # namespace, opened later by its path from a directory of its own
  cat > "$tmp/acc.cc" <<'X'
namespace lib {
struct Acc { int v = 0; __attribute__((noinline)) int add(int x); };
int Acc::add(int x) { v += x; return v; }
}
extern "C" int acc_run(int n) { lib::Acc a; int r = 0; for (int i = 1; i <= n; i++) r = a.add(i); return r; }
X
  mkdir "$tmp/lib" "$tmp/late"
  c++ -O0 -shared -fPIC -o "$tmp/lib/libacc.so" "$tmp/acc.cc" &&
    c++ -O0 -shared -fPIC -Dlib=late -o "$tmp/late/liblate.so" "$tmp/acc.cc" ||
    fail "cannot build the C++ libraries"
  cat > "$tmp/prog.cc" <<'X'
#include <cstdio>
#include <dlfcn.h>
#include <string>
extern "C" int acc_run(int n);
namespace ns {
struct Codec {
  int k;
  __attribute__((noinline)) std::string name() const { return "codec" + std::to_string(k); }
};
}
int main(int argc, char **argv) {
  ns::Codec c{7};
  std::printf("%s %d", c.name().c_str(), acc_run(3));
  void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : nullptr;
  int (*late)(int) = h ? (int (*)(int))dlsym(h, "acc_run") : nullptr;
  std::printf(" %d\n", late ? late(4) : -1);
}
X
  c++ -O0 -o "$tmp/prog" "$tmp/prog.cc" -L"$tmp/lib" -lacc -Wl,-rpath,"$tmp/lib" -ldl ||
    fail "cannot build the C++ target"
  # g++ tags a function returning std::string: ns::Codec::name[abi:cxx11]() const.
  # The name without the tag takes it, as the source spells it; with the tag,
  # its brackets are no glob pattern
  for f in 'ns::Codec::name' 'ns::Codec::name[abi:cxx11]' 'ns::Codec::name() const'; do
    "$ospy" capture -q -f "$f" -o "$tmp/c.ospy" -- "$tmp/prog" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f '$f' exited $?"; }
    expect_line "$tmp/out" "codec7 6 -1"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" '] prog!ns::Codec::name[abi:cxx11]() const(arg0=0x' # (the module it was found in)
  done
  cat > "$tmp/abi.xml" <<'X'
<hookManager><specs><functions>
<function name="cname"><returnValue type="Pointer"/><arguments><argument name="result" type="Pointer"/><argument name="self" type="Pointer"/></arguments></function>
</functions></specs><hooks><module name="prog"><function specId="cname" symbol="ns::Codec::name() const"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/abi.xml" -o "$tmp/c.ospy" -- "$tmp/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with symbol= without the ABI tag exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] prog!cname\(result=0x[0-9a-f]+, self=0x[0-9a-f]+\) = 0x'
  # a library named by its file name (or a glob designating one file) is looked
  # up in the file the program loads: the C++ name was kept as the symbol and
  # never found. Named by its path, one it opens later is found too
  cat > "$tmp/lib.xml" <<X
<hookManager><specs><functions>
<function name="add"><returnValue type="Int32"/><arguments><argument name="self" type="Pointer"/><argument name="x" type="Int32"/></arguments></function>
</functions></specs><hooks>
<module name="libacc.so"><function specId="add" symbol="lib::Acc::add(int)"/></module>
<module name="$tmp/late/liblate.so"><function specId="add" symbol="late::Acc::add"/></module>
</hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/lib.xml" -o "$tmp/c.ospy" -- "$tmp/prog" "$tmp/late/liblate.so" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with a library's C++ symbol= exited $?"; }
  expect_line "$tmp/out" "codec7 6 10"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] libacc.so!add\(self=0x[0-9a-f]+, x=3\) = 6$'
  expect_regex "$tmp/show" '/late/liblate.so!add\(self=0x[0-9a-f]+, x=4\) = 10$'
  grep -E -- '--- (error|warning)' "$tmp/show" && fail "a library's C++ symbol=: errors or warnings"
  for m in libacc.so 'libacc*'; do
    "$ospy" capture -q -f "$m!lib::Acc::add" -o "$tmp/c.ospy" -- "$tmp/prog" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f '$m!lib::Acc::add' exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "] libacc.so!lib::Acc::add(int)(arg0=0x" # (a glob: the file it names)
  done
  # a library opened later from elsewhere, named by its file name: nothing can
  # be looked up before the program runs; the agent looks the name up by the
  # demangled names of the library when the program loads it (it was refused:
  # "name the library it opens by its path")
  sed "s|$tmp/late/liblate.so|liblate.so|" "$tmp/lib.xml" >"$tmp/late.xml"
  "$ospy" capture -q -c "$tmp/late.xml" -o "$tmp/c.ospy" -- "$tmp/prog" "$tmp/late/liblate.so" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "a C++ symbol= in a library opened later exited $?"; }
  expect_line "$tmp/out" "codec7 6 10"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "info: hook liblate.so!add: the program loads no file named liblate.so at start: late::Acc::add is looked up by that name in each library the program loads later"
  expect_regex "$tmp/show" '\] liblate.so!add\(self=0x[0-9a-f]+, x=4\) = 10$'
  grep -E -- '--- (error|warning)' "$tmp/show" && fail "a library's C++ symbol= opened later: errors or warnings"
  "$ospy" capture -q -f 'liblate.so!late::Acc::add' -o "$tmp/c.ospy" -- "$tmp/prog" "$tmp/late/liblate.so" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "-f of a C++ name in a library opened later exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] liblate.so!late::Acc::add\(arg0=0x[0-9a-f]+, arg1=0x4, .*\) = 10$'
  # ospy check knows no program: it says where the name will be looked up
  "$ospy" check "$tmp/late.xml" >"$tmp/check" || fail "check exited $?"
  expect_line "$tmp/check" "liblate.so!add: symbol late::Acc::add in liblate.so (a C++ name: looked up in that module's file when captured)"
  # a signature hook: its length, and its sigOffset apart from it
  cat > "$tmp/sig.xml" <<'X'
<hookManager><specs><functions>
<function name="by_sig"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
</functions></specs>
<signatures><signature name="SIG1">B8 68 24 57 13 90 90 xx 90</signature></signatures>
<hooks><functions processName="prog"><function specId="by_sig" sigId="SIG1" sigOffset="-18" moduleName="prog"/></functions></hooks>
</hookManager>
X
  "$ospy" check "$tmp/sig.xml" >"$tmp/check" || fail "check of a signature hook exited $?"
  expect_line "$tmp/check" "prog!by_sig: signature of 9 bytes, the function at -18 from the match, in prog, process prog (line 5)"
  # without moduleName: the program's code is scanned, as the agent does (it
  # said "in any module", and the agent then that it matched nothing in the program)
  sed 's/ moduleName="prog"//' "$tmp/sig.xml" >"$tmp/sig-nomod.xml"
  "$ospy" check "$tmp/sig-nomod.xml" >"$tmp/check" || fail "check of a signature hook without module exited $?"
  expect_line "$tmp/check" "by_sig: signature of 9 bytes, the function at -18 from the match, in the program, process prog (line 5)"
  # a function g++ -O2 left only as a clone (scale(int) [clone .isra.0]: `this`
  # replaced by this->k) is an error at once, as a C function's clone is
  # (work.constprop.0): the C++ name was "not found (yet)", then "never found"
  cat > "$tmp/clone.cc" <<'X'
#include <cstdio>
namespace ns {
struct Codec {
  int k;
  __attribute__((noinline)) int scale(int x) { return x * k; }
};
}
int main(int argc, char **) {
  ns::Codec c{argc + 2};
  std::printf("%d\n", c.scale(5));
}
X
  c++ -O2 -o "$tmp/clone" "$tmp/clone.cc" || fail "cannot build the clone target"
  if nm -C "$tmp/clone" | grep -q 'ns::Codec::scale(int) \[clone \.isra\.0\]'; then
    cat > "$tmp/clone.xml" <<'X'
<hookManager><specs><functions>
<function name="scale"><returnValue type="Int32"/><arguments><argument name="self" type="Pointer"/><argument name="x" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="clone"><function specId="scale" symbol="ns::Codec::scale(int)"/></module></hooks></hookManager>
X
    "$ospy" capture -q -c "$tmp/clone.xml" -o "$tmp/c.ospy" -- "$tmp/clone" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of a C++ name that has only a clone exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "--- error: clone!scale: function _ZN2ns5Codec5scaleEi not found; its module has _ZN2ns5Codec5scaleEi.isra.0, a copy the compiler specialised"
    "$ospy" capture -q -f 'ns::Codec::scale' -o "$tmp/c.ospy" -- "$tmp/clone" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f of a C++ name that has only a clone exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/fshow" || fail "show exited $?"
    expect_line "$tmp/fshow" "--- error: ns::Codec::scale(int): function not found; its module has _ZN2ns5Codec5scaleEi.isra.0, a copy the compiler specialised"
    expect_line "$tmp/fshow" "info: -f ns::Codec::scale: only a compiler clone has that name, ns::Codec::scale(int) [clone .isra.0]"
    grep -E -- 'never found|\(yet\)|warning' "$tmp/show" "$tmp/fshow" && fail "a C++ name's clone: reported as maybe later"
  fi
  echo "cxx-names: ABI-tagged names matched without their tags; a library's C++ names by its file name, refused plainly when it cannot be found; a name left only as a clone is an error at once" ;;
dlclose)
  # A library loaded and unloaded 20 times: hooked at each load, its hooks
  # dropped after each unload (without a write: its code is gone); every
  # call recorded, each unload seen.
  d=$(dirname "$target")
  "$ospy" capture -q -f ospy_dlib_mul -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" "$d/libe2e-dlib.so" 20 50 \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "calls=1000 sum="
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c 'ospy_dlib_mul(' "$tmp/show")
  [ "$n" = 1000 ] || fail "expected 1000 calls over 20 loads, got $n"
  expect_line "$tmp/show" 'ospy_dlib_mul(arg0=0x13, arg1=0x31'
  u=$(grep -c -- '--- unloaded .*libe2e-dlib.so' "$tmp/show")
  [ "$u" = 20 ] || fail "expected 20 ModuleUnload events, got $u"
  # the hook is named with its module when the library loads (a HookName
  # record): stats -e sees that name, as show does
  "$ospy" stats -e 'libe2e-dlib.so!ospy_dlib_mul' "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
  expect_regex "$tmp/stats" "^libe2e-dlib.so!ospy_dlib_mul: 1000 calls"
  # a module glob searches every module it matches, also those opened
  # RTLD_LOCAL ('*' matched the program first and stopped there); a plain
  # name finds a library's static function in its .symtab. Calls are shown
  # with the module the function is in (they were `*!ospy_dlib_mul`, and
  # plain `ospy_dlib_add_one`), in show and in the exports
  "$ospy" capture -q -f '*!ospy_dlib_mul' -f ospy_dlib_add_one -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" \
    "$d/libe2e-dlib.so" 3 10 >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture -f '*!ospy_dlib_mul' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c '\] libe2e-dlib.so!ospy_dlib_mul(' "$tmp/show")
  [ "$n" = 30 ] || fail "-f '*!ospy_dlib_mul': expected 30 calls over 3 RTLD_LOCAL loads, got $n"
  n=$(grep -c '\] libe2e-dlib.so!ospy_dlib_add_one(' "$tmp/show")
  [ "$n" = 30 ] || fail "-f ospy_dlib_add_one (static, in a library): expected 30 calls, got $n"
  grep -q -- '--- info: libe2e-dlib.so!ospy_dlib_mul: found and hooked now' "$tmp/show" ||
    fail "the note names the glob: $(grep 'hooked now' "$tmp/show")"
  "$ospy" show -e 'libe2e-dlib.so!*' "$tmp/c.ospy" >"$tmp/filtered" || fail "show -e exited $?"
  [ "$(grep -c '^[0-9]' "$tmp/filtered")" = 60 ] || fail "show -e by the module found: $(head -3 "$tmp/filtered")"
  "$ospy" export --format jsonl -o "$tmp/c.jsonl" "$tmp/c.ospy" 2>/dev/null || fail "export jsonl exited $?"
  grep '"type":"FunctionCall"' "$tmp/c.jsonl" >"$tmp/calls.jsonl"
  n=$(grep -c '"name":"libe2e-dlib.so::ospy_dlib_mul"' "$tmp/calls.jsonl")
  [ "$n" = 30 ] || fail "export jsonl: expected 30 calls named libe2e-dlib.so::ospy_dlib_mul, got $n"
  grep -q '"name":"\*::' "$tmp/calls.jsonl" && fail "export jsonl: a glob as the module"
  "$ospy" export --format xml -o "$tmp/c.xml" "$tmp/c.ospy" 2>/dev/null || fail "export xml exited $?"
  n=$(grep -o '<name>libe2e-dlib.so::ospy_dlib_mul</name>' "$tmp/c.xml" | wc -l)
  [ "$n" = 30 ] || fail "export xml: expected 30 calls named libe2e-dlib.so::ospy_dlib_mul, got $n"
  # the same for a config's <module name="*">, and for a config's spec that
  # only -f hooks (it was a plain `ospy_dlib_mul(...)`)
  cat > "$tmp/any.xml" <<'X'
<hookManager><specs><functions>
<function name="ospy_dlib_mul"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="*"><function specId="ospy_dlib_mul"/></module></hooks></hookManager>
X
  sed 's|<hooks>.*</hooks>||' "$tmp/any.xml" >"$tmp/spec.xml"
  for how in "-c $tmp/any.xml" "-c $tmp/spec.xml -f ospy_dlib_mul"; do
    "$ospy" capture -q $how -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" "$d/libe2e-dlib.so" 2 2 \
      >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture $how exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    n=$(grep -c '\] libe2e-dlib.so!ospy_dlib_mul(a=1, b=[01]) = ' "$tmp/show")
    [ "$n" = 2 ] || fail "$how: calls not named by their module: $(grep 'ospy_dlib_mul(' "$tmp/show")"
  done
  # a glob in a library the program opens later, named by its path: its
  # exported and its static (.symtab) functions
  "$ospy" capture -q -f "$d/libe2e-dlib.so!ospy_dlib_*" -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" \
    "$d/libe2e-dlib.so" 3 10 >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture -f 'PATH!ospy_dlib_*' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c '\] libe2e-dlib.so!ospy_dlib_mul(' "$tmp/show")
  [ "$n" = 30 ] || fail "-f 'PATH!ospy_dlib_*': expected 30 ospy_dlib_mul calls, got $n"
  n=$(grep -c '\] libe2e-dlib.so!ospy_dlib_add_one(' "$tmp/show")
  [ "$n" = 30 ] || fail "-f 'PATH!ospy_dlib_*': expected 30 ospy_dlib_add_one calls, got $n"
  grep -q -- '--- error' "$tmp/show" && fail "errors: $(grep -- '--- error' "$tmp/show")"
  # opened with RTLD_GLOBAL, the hooked library is unloaded at each dlclose
  # too (the agent's lookups kept it loaded: a dependency of the agent)
  "$ospy" capture -q -f ospy_dlib_mul -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" "$d/libe2e-dlib.so" 5 10 global \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture of RTLD_GLOBAL loads exited $?"; }
  expect_line "$tmp/out" "calls=50 sum="
  # the same with dlopen and dlclose hooked by the user too (preset proc): the
  # agent's own module tracking is a listener beside theirs (it was dropped
  # as an "alias", and no dlopen'ed library was hooked), and their calls are
  # recorded as well
  "$ospy" capture -q --preset proc -f ospy_dlib_mul -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" \
    "$d/libe2e-dlib.so" 5 10 >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c 'ospy_dlib_mul(' "$tmp/show")
  [ "$n" = 50 ] || fail "preset proc: expected 50 calls over 5 loads, got $n"
  # (each round: the dlopen, and the RTLD_NOLOAD check that it was unloaded)
  n=$(grep -c 'libc.so.6!dlopen(filename="' "$tmp/show")
  [ "$n" = 10 ] || fail "preset proc: expected 10 recorded dlopen calls, got $n"
  echo "dlclose: 1000 calls over 20 load/unload rounds, 20 unloads; RTLD_GLOBAL loads unloaded too; with dlopen hooked too: 50 calls, 10 dlopen" ;;
dlclose-threads|dlclose-threads-i386)
  # Two threads each open a library whose function is hooked, call it and
  # close it again, 200 rounds each, at once: the library is unloaded by
  # whichever thread closes it last, often while the other one is between
  # its own dlclose and the agent's work after it. The agent read the code of
  # a library the other thread had just unloaded (a SIGSEGV in 30-60 % of
  # runs), deadlocked with the loader (a dlopen inside a dl_iterate_phdr
  # callback, against a dlclose waiting for that walk: timeout), and took
  # the hooks out before every dlclose, so the other thread's calls went
  # unrecorded meanwhile. Every call made must be recorded, with its result,
  # three captures in a row; x86-64 and i386.
  case_bits
  cat > "$tmp/lib.c" <<'C'
#include <stdlib.h>
__attribute__((noinline)) int lib_f(int x) { void *p = malloc(6666); free(p); return 3 * x + 1; }
C
  cat > "$tmp/dlt.c" <<'C'
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
/* dlt LIBRARY THREADS ROUNDS CALLS PIDFILE: each thread opens LIBRARY, calls
 * lib_f CALLS times, checking each result, and closes it, ROUNDS times */
static const char *lib;
static int rounds, calls;
static long made[16], bad[16];
static void *worker(void *arg) {
  long t = (long)arg;
  for (int r = 0; r < rounds; r++) {
    void *h = dlopen(lib, RTLD_NOW);
    int (*f)(int) = h ? (int (*)(int))dlsym(h, "lib_f") : NULL;
    if (!f) { bad[t]++; continue; }
    for (int i = 0; i < calls; i++, made[t]++)
      bad[t] += f(i) != 3 * i + 1;
    bad[t] += dlclose(h) != 0;
  }
  return NULL;
}
int main(int argc, char **argv) {
  if (argc != 6) return 2;
  FILE *pf = fopen(argv[5], "w");
  if (!pf || fprintf(pf, "%d\n", (int)getpid()) < 0 || fclose(pf)) return 2;
  lib = argv[1];
  int n = atoi(argv[2]);
  rounds = atoi(argv[3]), calls = atoi(argv[4]);
  pthread_t th[16];
  if (n < 1 || n > 16) return 2;
  for (long t = 0; t < n; t++)
    if (pthread_create(&th[t], NULL, worker, (void *)t)) return 2;
  long m = 0, b = 0;
  for (int t = 0; t < n; t++) {
    pthread_join(th[t], NULL);
    m += made[t], b += bad[t];
  }
  printf("threads=%d rounds=%d calls=%ld bad=%ld\n", n, rounds, m, b);
  return b != 0;
}
C
  cc -m$m -O2 -shared -fPIC -o "$tmp/libdlt.so" "$tmp/lib.c" &&
    cc -m$m -O2 -pthread -o "$tmp/dlt" "$tmp/dlt.c" -ldl || fail "cannot build the target"
  rounds=200 calls=20
  made=$((2 * rounds * calls))
  for run in 1 2 3; do
    rm -f "$tmp/pid"
    timeout 60 "$ospy" capture -q -f "$tmp/libdlt.so!lib_f" -o "$tmp/c.ospy" -- "$tmp/dlt" "$tmp/libdlt.so" 2 \
      $rounds $calls "$tmp/pid" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = 124 ]; then # (ospy stopped; the program, deadlocked, is ended here)
      [ -s "$tmp/pid" ] && kill -KILL "$(cat "$tmp/pid")" 2>/dev/null
      fail "run $run: no end in 60 s (deadlocked)"
    fi
    [ $rc = 0 ] || { cat "$tmp/err"; fail "run $run: capture exited $rc"; }
    expect_line "$tmp/out" "threads=2 rounds=$rounds calls=$made bad=0"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    n=$(grep -cE "\\] $tmp/libdlt.so!lib_f\\(arg0=(0|0x[0-9a-f]+), .*\\) = [0-9]+\$" "$tmp/show")
    [ "$n" = $made ] || fail "run $run: $made calls of lib_f made, $n recorded"
    expect_regex "$tmp/show" "\\] $tmp/libdlt.so!lib_f\\(arg0=0x13, .*\\) = 58\$"
    grep -qE -- '--- (lost|error|warning)' "$tmp/show" &&
      fail "run $run: $(grep -E -- '--- (lost|error|warning)' "$tmp/show" | head -3)"
    echo "run $run: threads=2 rounds=$rounds calls=$made bad=0, $n calls of lib_f recorded"
  done
  echo "$case_name: two threads loading and unloading a hooked library at once: no crash, no deadlock, every call recorded" ;;
dlclose-same-place|dlclose-same-place-i386)
  # Two plugins loaded in turn, each unloaded before the other is loaded:
  # the loader puts the second where the first was, its run at the same
  # address, starting with the same bytes, the instructions after them
  # differing. The interceptor reused the first one's hook for it: its jump
  # went in over bytes alike, and its trampoline ran the first plugin's
  # instructions (x86-64: pb.so's run returned 7 for 3*x+7), or the
  # install failed and run was never hooked again (i386). Each plugin's run
  # must compute its own result, every call recorded; x86-64 and i386.
  case_bits
  echo 'int run(int x) { return x * 2 + 1; }' > "$tmp/pa.c"
  echo 'int run(int x) { volatile int a[4]; a[1] = x; return a[1] * 3 + 7; }' > "$tmp/pb.c"
  cat > "$tmp/turns.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
/* turns A B: loads A, calls its run, unloads it, then B, three times each;
 * says whether every run was at one address */
int main(int argc, char **argv) {
  void *first = NULL;
  int places = 1;
  if (argc != 3) return 2;
  for (int r = 0; r < 6; r++) {
    void *h = dlopen(argv[1 + r % 2], RTLD_NOW);
    int (*run)(int) = h ? (int (*)(int))dlsym(h, "run") : NULL;
    if (!run) return 1;
    places += first && (void *)run != first;
    first = first ? first : (void *)run;
    printf("%s run(%d) = %d\n", r % 2 ? "pb" : "pa", r, run(r));
    if (dlclose(h)) return 1;
  }
  printf("places=%d\n", places);
  return 0;
}
C
  # (-O0: the two runs start alike, push and mov, and differ next)
  cc -m$m -O0 -shared -fPIC -o "$tmp/pa.so" "$tmp/pa.c" &&
    cc -m$m -O0 -shared -fPIC -o "$tmp/pb.so" "$tmp/pb.c" &&
    cc -m$m -O0 -o "$tmp/turns" "$tmp/turns.c" -ldl || fail "cannot build the target"
  "$tmp/turns" "$tmp/pa.so" "$tmp/pb.so" >"$tmp/expected" || fail "the target failed without ospy"
  grep -qx 'places=1' "$tmp/expected" ||
    { echo "skip: the loader put the two plugins at different places: nothing to reuse"; exit 77; }
  "$ospy" capture -q -f '*!run' -o "$tmp/c.ospy" -- "$tmp/turns" "$tmp/pa.so" "$tmp/pb.so" \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  cmp -s "$tmp/expected" "$tmp/out" || { diff "$tmp/expected" "$tmp/out"; fail "the plugins computed otherwise under ospy"; }
  cat "$tmp/out"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  for r in 0 2 4; do
    expect_regex "$tmp/show" "\\] pa.so!run\\(arg0=(0|0x$r), .*\\) = $((2 * r + 1))\$"
    expect_regex "$tmp/show" "\\] pb.so!run\\(arg0=0x$((r + 1)), .*\\) = $((3 * (r + 1) + 7))\$"
  done
  [ "$(grep -c '!run(' "$tmp/show")" = 6 ] || fail "expected 6 calls of run: $(grep '!run(' "$tmp/show")"
  grep -q -- '--- error' "$tmp/show" && fail "$(grep -- '--- error' "$tmp/show")"
  echo "$case_name: two plugins loaded in turn at one place: each run hooked with its own code, 6 of 6 recorded" ;;
dlopen-glob-both|dlopen-glob-both-i386)
  # A library a module glob matches, loaded while another it matches is
  # still loaded, is hooked too, each shown under its own name: the glob's
  # hook stayed in the first (libplug2.so) and plug_fn(3) of libplug.so,
  # reloaded beside it, went unrecorded without a word. A name without a
  # module hooks one definition: the other is said, once, in an Info.
  case_bits
  echo 'int plug_fn(int x) { return x * 1000 + 1; }' > "$tmp/p1.c"
  echo 'int plug_fn(int x) { return x * 1000 + 2; }' > "$tmp/p2.c"
  cat > "$tmp/both.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
static void *h[2];
static int call(int which, const char *path, int x) {
  if (!h[which] && !(h[which] = dlopen(path, RTLD_NOW | RTLD_LOCAL))) return 1;
  int (*f)(int) = (int (*)(int))dlsym(h[which], "plug_fn");
  printf("plug_fn(%d) = %d\n", x, f(x));
  return 0;
}
/* both DIR: libplug.so, closed; libplug2.so, kept; libplug.so again beside it */
int main(int argc, char **argv) {
  char p1[4096], p2[4096];
  if (argc != 2) return 2;
  snprintf(p1, sizeof p1, "%s/libplug.so", argv[1]);
  snprintf(p2, sizeof p2, "%s/libplug2.so", argv[1]);
  if (call(0, p1, 1) || dlclose(h[0])) return 1;
  h[0] = NULL;
  if (call(1, p2, 2) || call(0, p1, 3)) return 1;
  return dlclose(h[0]) || dlclose(h[1]);
}
C
  cc -m$m -O0 -shared -fPIC -o "$tmp/libplug.so" "$tmp/p1.c" &&
    cc -m$m -O0 -shared -fPIC -o "$tmp/libplug2.so" "$tmp/p2.c" &&
    cc -m$m -O0 -o "$tmp/both" "$tmp/both.c" -ldl || fail "cannot build the target"
  for f in 'libplug*.so!plug_fn' 'plug_fn'; do
    "$ospy" capture -q -f "$f" -o "$tmp/c.ospy" -- "$tmp/both" "$tmp" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f $f exited $?"; }
    expect_line "$tmp/out" 'plug_fn(3) = 3001'
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" '\] libplug.so!plug_fn\(arg0=(0x)?1, .*\) = 1001$'
    expect_regex "$tmp/show" '\] libplug2.so!plug_fn\(arg0=(0x)?2, .*\) = 2002$'
    if [ "$f" = plug_fn ]; then
      # one definition: libplug2.so's, loaded first; the other said once
      expect_line "$tmp/show" "--- info: libplug.so also defines plug_fn: not hooked (plug_fn hooks one definition, the first found: libplug2.so's; -f 'libplug.so!plug_fn' hooks this one)"
      grep -q '!plug_fn(arg0=0x3' "$tmp/show" && fail "plug_fn: the second definition hooked"
      echo "-f plug_fn: libplug2.so's hooked, libplug.so's said: not hooked"
    else
      expect_regex "$tmp/show" '\] libplug.so!plug_fn\(arg0=(0x)?3, .*\) = 3001$'
      [ "$(grep -c '!plug_fn(' "$tmp/show")" = 3 ] || fail "expected 3 calls: $(grep '!plug_fn(' "$tmp/show")"
      echo "-f 'libplug*.so!plug_fn': libplug.so!plug_fn(3) = 3001 recorded beside libplug2.so"
    fi
    grep -q -- '--- error' "$tmp/show" && fail "$(grep -- '--- error' "$tmp/show")"
  done
  echo "$case_name: both libraries a glob matches hooked at once, each under its own name" ;;
glob-refused-once|glob-refused-once-i386)
  # A function a module glob matches that cannot be hooked (3 bytes, the
  # last of .text: no padding after it) is refused once: each spare copy of
  # the glob's hook tried it again and said the same error (4 errors), and
  # none was left for a library the glob matches loaded later. Now the one
  # error, and the library's function of that name hooked by a spare.
  case_bits
  cat > "$tmp/lib.c" <<'C'
__attribute__((noipa)) int tiny(void) { return 7; }
int after_tiny(int x) { return x + 1; } /* (tiny is not the last: padding after it) */
C
  cat > "$tmp/tp.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
__attribute__((noipa)) int tiny(void) { return 0; }
int main(int argc, char **argv) {
  void *h = argc == 2 ? dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) : NULL;
  int (*lib_tiny)(void) = h ? (int (*)(void))dlsym(h, "tiny") : NULL;
  if (!lib_tiny) return 1;
  printf("tiny %d, tplib.so's %d\n", tiny(), lib_tiny());
  return 0;
}
C
  cc -m$m -O2 -shared -fPIC -o "$tmp/tplib.so" "$tmp/lib.c" &&
    cc -m$m -O2 -o "$tmp/tp" "$tmp/tp.c" -ldl || fail "cannot build the target"
  "$ospy" capture -q -f 'tp*!tiny' -o "$tmp/c.ospy" -- "$tmp/tp" "$tmp/tplib.so" >"$tmp/out" 2>"$tmp/err"
  expect_line "$tmp/out" "tiny 0, tplib.so's 7"
  expect_line "$tmp/err" "1 call recorded, 0 lost, 1 agent error"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "error: tp\*!tiny: cannot hook: 0x[0-9a-f]+: 'ret' at \+0x[0-9a-f]+ ends the function after [0-9] of the 5 bytes needed"
  n=$(grep -c 'cannot hook' "$tmp/show")
  [ "$n" = 1 ] || { cat "$tmp/show"; fail "expected the refusal said once, got $n times"; }
  expect_regex "$tmp/show" '\] tplib.so!tiny\(.*\) = (0x)?7$'
  echo "$case_name: tp!tiny refused once (1 agent error); tplib.so!tiny, loaded later, hooked by the glob's spare" ;;
module-suffix-hint)
  # A module named without the end of its library's file name (libhint for
  # libhint.so.1.2, libhint.so for it too: more than a typo or two away)
  # that the program never loaded names the one it did load; it said only
  # that the program ended without loading it. By -f (an error) and in a
  # config (a warning).
  echo 'int hint_fn(int x) { return x + 1; }' > "$tmp/hint.c"
  printf '#include <stdio.h>\nint hint_fn(int);\nint main(void) { printf("%%d\\n", hint_fn(1)); return 0; }\n' \
    > "$tmp/hmain.c"
  cc -shared -fPIC -Wl,-soname,libhint.so.1.2 -o "$tmp/libhint.so.1.2" "$tmp/hint.c" &&
    ln -s libhint.so.1.2 "$tmp/libhint.so" &&
    cc -o "$tmp/hmain" "$tmp/hmain.c" -L"$tmp" -lhint -Wl,-rpath,"$tmp" || fail "cannot build the target"
  for mod in libhint libhint.so; do
    "$ospy" capture -q -f "$mod!hint_fn" -o "$tmp/c.ospy" -- "$tmp/hmain" >"$tmp/out" 2>"$tmp/err"
    expect_line "$tmp/out" "2"
    echo "expect: error: agent: the program ended without loading $mod (did you mean libhint.so.1.2? it was loaded): its functions were never hooked"
    expect_line "$tmp/err" "error: agent: the program ended without loading $mod (did you mean libhint.so.1.2? it was loaded): its functions were never hooked"
  done
  cat > "$tmp/hint.xml" <<'X'
<hookManager><specs><functions><function name="hint_fn"/></functions></specs>
<hooks><module name="libhint"><function specId="hint_fn"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/hint.xml" -o "$tmp/c.ospy" -- "$tmp/hmain" >"$tmp/out" 2>"$tmp/err"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  echo "expect: warning: agent: the program ended without loading libhint (did you mean libhint.so.1.2? it was loaded): ..."
  expect_line "$tmp/show" "warning: agent: the program ended without loading libhint (did you mean libhint.so.1.2? it was loaded): the config's functions in it were never hooked"
  # the C library by its stem: libc for libc.so.6 (libcrypt's name is no suffix of it)
  "$ospy" capture -q -f 'libc!read' -o "$tmp/c.ospy" -- "$tmp/hmain" >"$tmp/out" 2>"$tmp/err"
  expect_line "$tmp/err" "the program ended without loading libc (did you mean libc.so.6? it was loaded)"
  echo "module-suffix-hint: libhint, libhint.so (-f and a config) and libc named the libraries loaded" ;;
backtrace)
  # --backtrace N records return addresses; show --backtrace names them from
  # the capture's module map and the modules' symbol tables.
  "$ospy" capture -q --backtrace 4 -c "$demo_xml" -o "$tmp/c.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show --backtrace "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -A1 'libc.so.6!read(fd=3' "$tmp/show" > "$tmp/read"
  expect_regex "$tmp/read" '^    #0 0x[0-9a-f]{16} ospy-demo!read_a_file[.a-z0-9]*\+0x[0-9a-f]+( \(ospy-demo.c:[0-9]+\))?$'
  grep -A1 'libc.so.6!send(' "$tmp/show" > "$tmp/send"
  expect_regex "$tmp/send" '^    #0 0x[0-9a-f]{16} ospy-demo!talk_over_loopback[.a-z0-9]*\+0x[0-9a-f]+( \(ospy-demo.c:[0-9]+\))?$'
  "$ospy" show "$tmp/c.ospy" | grep -q '^    #' && fail "backtraces shown without --backtrace"
  # records left out by a filter (FdName, ModuleLoad) still name what is shown
  "$ospy" show -e read --backtrace "$tmp/c.ospy" >"$tmp/filtered" || fail "show -e exited $?"
  expect_line "$tmp/filtered" 'libc.so.6!read(fd=3</etc/hostname>, buf="'
  expect_regex "$tmp/filtered" '^    #0 0x[0-9a-f]{16} ospy-demo!read_a_file'
  [ "$(grep -c '^[0-9]' "$tmp/filtered")" = 1 ] || fail "-e read: only the read call"
  # -O0 code with frame pointers whose frames hold stale return addresses
  # (an uninitialised local after printf): the frame-pointer chain, exact
  cat > "$tmp/fp.c" <<'C'
#include <stdio.h>
#include <unistd.h>
__attribute__((noinline)) int c3(int x) { char junk[64]; junk[0] = 0; return (int)write(-1, junk, (size_t)x); }
__attribute__((noinline)) int c2(int x) { return c3(x) + 1; }
__attribute__((noinline)) int c1(int x) { return c2(x) + 1; }
int main(void) { char big[256]; snprintf(big, sizeof big, "%d", 5); printf("%s\n", big); return c1(1) == 1 ? 0 : 1; }
C
  # Each a PIE and a program linked at a fixed address (-no-pie, ET_EXEC: load bias 0).
  for exe in fp64 fp32 fp64np fp32np; do
    m=${exe#fp}; m=${m%np}
    case $exe in *np) pie=-no-pie ;; *) pie= ;; esac
    cc -m$m -O0 -fno-omit-frame-pointer $pie -o "$tmp/$exe" "$tmp/fp.c" 2>/dev/null && "$tmp/$exe" >/dev/null 2>&1 || continue
    "$ospy" capture -q --backtrace 6 -f write -o "$tmp/fp.ospy" -- "$tmp/$exe" >/dev/null 2>&1 ||
      fail "$exe: capture failed"
    "$ospy" show --backtrace -e write "$tmp/fp.ospy" | grep -A4 'write(fd=-1' > "$tmp/fpbt"
    for f in 0:c3 1:c2 2:c1 3:main; do
      # addresses as wide as the program's pointers: 16 digits, 8 for i386
      expect_regex "$tmp/fpbt" "^    #${f%%:*} 0x[0-9a-f]{$((m / 4))} $exe!${f#*:}\\+0x[0-9a-f]+( \\(.*\\))?\$"
    done
    [ -n "$pie" ] || continue
    # the image where it is, as the program's segments say: it was "at 0",
    # its end address for a size
    readelf -lW "$tmp/$exe" | awk '$1 == "LOAD" { print $3, $6 }' > "$tmp/loads"
    first=$(head -n 1 "$tmp/loads" | cut -d' ' -f1)
    end=$(while read -r v n; do echo $((v + n)); done < "$tmp/loads" | sort -n | tail -n 1)
    "$ospy" show "$tmp/fp.ospy" > "$tmp/fpshow"
    expect_line "$tmp/fpshow" "--- loaded $tmp/$exe at $(printf '%#x' $((first))) ($(printf '%#x' $((end - first))) bytes)"
    # the exports name its return addresses as they are (oSpy's agent: the
    # preferred address plus the offset from where it was loaded)
    "$ospy" export "$tmp/fp.ospy" --format xml -o "$tmp/fp.xml" 2>/dev/null || fail "$exe: export failed"
    c3=$(sed -n 's/^    #0 \(0x[0-9a-f]*\) .*/\1/p' "$tmp/fpbt")
    expect_line "$tmp/fp.xml" "<backtrace><entry moduleName=\"$exe\">$(printf '%#x' $((c3)))</entry>"
  done
  # issue 5 spells it "--backtrace, or per function in the config": a bare
  # --backtrace (followed by another option or --; it was refused, "'-f' is
  # not a depth") records as many return addresses as a config's
  # backtrace="true", 16; --backtrace N and --backtrace=N, N
  cat > "$tmp/rec.c" <<'C'
#include <unistd.h>
__attribute__((noinline)) int down(int n) { return n ? down(n - 1) + 1 : (int)write(-1, "", 0); }
int main(void) { return down(40) == 39 ? 0 : 1; }
C
  cat > "$tmp/bt.xml" <<'X'
<hookManager><specs><functions>
<function name="write"><returnValue type="Int64"/><arguments><argument name="fd" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="libc.so.6"><function specId="write" backtrace="true"/></module></hooks></hookManager>
X
  cc -O0 -fno-omit-frame-pointer -o "$tmp/rec" "$tmp/rec.c" || fail "cannot build the target"
  frames_with() { # WANT OPTION...: the frames under the write(fd=-1) call
    want=$1
    shift
    "$ospy" capture -q "$@" -o "$tmp/rec.ospy" -- "$tmp/rec" >/dev/null 2>"$tmp/err" ||
      { rc=$?; cat "$tmp/err"; fail "capture $* exited $rc"; }
    "$ospy" show --backtrace "$tmp/rec.ospy" >"$tmp/recbt" || fail "show exited $?"
    got=$(awk '/write\(fd=-1/ { on = 1; next } on && /^    #/ { n++; next } { on = 0 } END { print n + 0 }' "$tmp/recbt")
    [ "$got" = "$want" ] || { cat "$tmp/recbt"; fail "capture $*: $got frames, want $want"; }
    echo "capture $(echo "$*" | sed "s,$tmp/,,"): $got frames"
  }
  frames_with 16 -c "$tmp/bt.xml"
  frames_with 16 --backtrace -f write
  frames_with 16 -f write --backtrace
  frames_with 5 --backtrace 5 -f write
  frames_with 3 --backtrace=3 -f write
  # 64 records the 41 frames of down and main's (the agent stopped at 32)
  "$ospy" capture -q --backtrace 64 -f write -o "$tmp/rec.ospy" -- "$tmp/rec" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture --backtrace 64 exited $?"; }
  "$ospy" show --backtrace "$tmp/rec.ospy" >"$tmp/recbt" || fail "show exited $?"
  got=$(awk '/write\(fd=-1/ { on = 1; next } on && /^    #/ { n++; next } { on = 0 } END { print n + 0 }' "$tmp/recbt")
  [ "$got" -ge 42 ] && [ "$got" -le 64 ] || { cat "$tmp/recbt"; fail "--backtrace 64: $got frames, want 42..64"; }
  "$ospy" capture --backtrace 65 -f write -- "$tmp/rec" 2>"$tmp/err" && fail "--backtrace 65 must fail"
  expect_line "$tmp/err" "ospy capture: --backtrace: '65' is not a depth in 0..64"
  # a mistyped depth is refused, not taken for the program
  for bad in 5x 0x10 +5; do
    "$ospy" capture -q -f write --backtrace "$bad" -- "$tmp/rec" 2>"$tmp/err" && fail "--backtrace $bad must fail"
    expect_line "$tmp/err" "ospy capture: --backtrace: '$bad' is not a depth in 0..64"
  done
  echo "backtrace: return addresses symbolized from the capture's module map; a bare --backtrace records 16" ;;
deep-backtrace)
  # -O2 code without frame pointers (Debian's libc, most programs): the agent
  # scans the stack for return addresses, so every level is named, and the
  # frames found that way are marked. Both architectures where they run.
  src="$(dirname "$0")/deep_calls.c"
  cc -O2 -g -fomit-frame-pointer -o "$tmp/deep64" "$src" || fail "cannot build the target"
  copy_line=$(grep -n 'deep_calls.c:COPY_LINE' "$src" | cut -d: -f1)
  archs=64
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O2 -g -fomit-frame-pointer -o "$tmp/deep32" "$src" 2>/dev/null && "$tmp/deep32" >/dev/null 2>&1; then
    archs="64 32"
  else
    echo "(i386 part skipped: no i386 agent, toolchain or emulation)"
  fi
  for bits in $archs; do
    "$ospy" capture -q --backtrace 8 -f strdup -o "$tmp/d$bits.ospy" -- "$tmp/deep$bits" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture ($bits-bit) exited $?"; }
    [ "$(grep -c '^deep$' "$tmp/out")" = 3 ] || fail "the program's output changed ($bits-bit)"
    "$ospy" show --backtrace "$tmp/d$bits.ospy" >"$tmp/show" || fail "show exited $?"
    [ "$(grep -c 'strdup(' "$tmp/show")" = 3 ] || { cat "$tmp/show"; fail "expected 3 strdup calls ($bits-bit)"; }
    grep -A8 -m1 'strdup(' "$tmp/show" | grep '^    #' | sed 's/ (scanned)$//' |
      sed -n 's/^    #\([0-9]*\) 0x[0-9a-f]* deep[0-9]*!\([a-z0-9_]*\)[.a-z0-9]*+0x[0-9a-f]*\( (.*)\)\{0,1\}$/\1 \2/p' >"$tmp/frames"
    order=$(awk '{print $2}' "$tmp/frames" | paste -sd' ')
    case "$order" in "level3 level2 level1 main" | "level3 level2 level1 main _start") ;; *)
      grep -A8 -m1 'strdup(' "$tmp/show"; fail "$bits-bit: frames in the program are '$order', want 'level3 level2 level1 main'" ;; esac
    [ "$(awk 'NR==1{print $1}' "$tmp/frames")" = 0 ] || fail "$bits-bit: frame #0 is not level3"
    w=$((bits / 4))
    expect_regex "$tmp/show" "^    #1 0x[0-9a-f]{$w} deep[0-9]*!level2.* \\(scanned\\)\$"
    # -g: the source line of each frame, and the function inlined into level3
    expect_regex "$tmp/show" "^    #0 0x[0-9a-f]{$w} deep[0-9]*!level3[.a-z0-9]*\\+0x[0-9a-f]+ \\(inlined copy_inlined at deep_calls.c:$copy_line, in level3 at deep_calls.c:[0-9]+\\)\$"
    expect_regex "$tmp/show" "^    #1 0x[0-9a-f]{$w} deep[0-9]*!level2[.a-z0-9]*\\+0x[0-9a-f]+ \\(deep_calls.c:[0-9]+\\) \\(scanned\\)\$"
  done
  echo "deep-backtrace: level3 level2 level1 main through -O2 code without frame pointers, source lines and the inlined function ($archs-bit)" ;;
backtrace-no-aranges|backtrace-no-aranges-i386)
  # A program without .debug_aranges (clang writes none by default, and
  # objcopy removes gcc's), by which libdw finds the unit of an address: show
  # --backtrace printed its frames without a source line or inlined function.
  # Now each unit's own ranges are asked. gcc, and clang where it builds.
  case_bits
  command -v objcopy >/dev/null || { echo "skip: no objcopy"; exit 77; }
  src="$(dirname "$0")/deep_calls.c"
  cc -m$m -O2 -g -fomit-frame-pointer -o "$tmp/deep$m-gcc" "$src" || fail "cannot build the target"
  objcopy --remove-section=.debug_aranges "$tmp/deep$m-gcc" "$tmp/deep$m-noaranges" ||
    fail "objcopy --remove-section=.debug_aranges exited $?"
  readelf -SW "$tmp/deep$m-noaranges" | grep -q '\.debug_aranges' && fail "objcopy left .debug_aranges"
  check_deep_lines "$tmp/deep$m-noaranges"
  clang=skipped
  if command -v clang >/dev/null && clang -m$m -O2 -g -fomit-frame-pointer -o "$tmp/deep$m-clang" "$src" 2>/dev/null &&
     "$tmp/deep$m-clang" >/dev/null 2>&1; then
    check_deep_lines "$tmp/deep$m-clang"
    clang=checked
  fi
  echo "$case_name: source lines and the inlined function in the backtraces of a gcc -O2 -g program without .debug_aranges (clang: $clang)" ;;
clock)
  # Call timestamps are wall time within the run, whichever clock the agent
  # used (TSC ticks converted by ospy, or CLOCK_REALTIME).
  command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
  for clk in auto tsc realtime; do
    t0=$(date +%s%N)
    "$ospy" capture -q --clock $clk -c "$demo_xml" -o "$tmp/c.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture --clock $clk exited $?"; }
    t1=$(date +%s%N)
    "$ospy" export "$tmp/c.ospy" --format jsonl -o "$tmp/c.jsonl" || fail "export exited $?"
    bad=$(jq -c --argjson t0 "$t0" --argjson t1 "$t1" 'select(.type == "FunctionCall") |
      select(.timestamp_ns < $t0 or .timestamp_ns > $t1 or .duration_ns < 0 or
             .timestamp_ns + .duration_ns > $t1) | .name' "$tmp/c.jsonl")
    [ -z "$bad" ] || fail "--clock $clk: calls stamped outside the run: $bad"
    n=$(jq -c 'select(.type == "FunctionCall")' "$tmp/c.jsonl" | wc -l)
    [ "$n" = 14 ] || fail "--clock $clk: expected 14 calls, got $n"
  done
  "$ospy" capture --clock sundial -f x -- true 2>"$tmp/err" && fail "a bad --clock must fail"
  expect_line "$tmp/err" "--clock: 'sundial' is not auto, tsc or realtime"
  echo "clock: auto, tsc and realtime stamps inside the run's wall-clock window" ;;
raw)
  # -f: write takes the catalogue's definition (preset files), nanosleep has
  # none and is traced with raw register words, with a note saying so
  "$ospy" capture -q -f write,nanosleep -o "$tmp/c.ospy" -- "$target" 5 slow >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 5 ] || { cat "$tmp/err"; fail "capture exited $rc, want the target's 5"; }
  [ "$(cat "$tmp/out")" = xxxxx ] || fail "stdout not passed through: $(cat "$tmp/out")"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -cF "] libc.so.6!write(fd=1<$tmp/out>, buf=\"x\", count=1) = 1" "$tmp/show")
  [ "$n" = 5 ] || { cat "$tmp/show"; fail "expected 5 decoded write calls, got $n"; }
  expect_line "$tmp/show" 'info: -f write: defined by the catalogue (preset files)'
  if grep -qF 'info: -f nanosleep: 1 function, arguments decoded from its DWARF' "$tmp/show"; then
    # libc's debug file is installed (libc6-dbg): nanosleep decoded from it
    # (docs/catalogue.md, "Arguments from DWARF")
    n=$(grep -c '\] libc.so.6!nanosleep(req=0x[0-9a-f]*, rem=0x0) = 0$' "$tmp/show")
    how="decoded from libc's DWARF"
  else
    n=$(grep -c '\] libc.so.6!nanosleep(arg0=0x[0-9a-f]*, arg1=0' "$tmp/show")
    expect_line "$tmp/show" 'info: -f nanosleep: no definition in the catalogue: arguments are shown as raw'
    how="with raw arguments"
  fi
  [ "$n" = 5 ] || { cat "$tmp/show"; fail "expected 5 nanosleep calls $how, got $n"; }
  echo "raw: 5 write calls decoded by the catalogue, 5 nanosleep calls $how" ;;
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
  # attached: every descriptor the process had is named (stdout: the file)
  n=$(grep -cF "] libc.so.6!write(fd=1<$tmp/out>, buf=\"x\", count=1) = 1" "$tmp/show")
  [ "$n" -gt 10 ] || { cat "$tmp/show"; fail "expected write calls recorded while attached, got $n"; }
  expect_line "$tmp/show" "+++ detached +++"
  # a process ospy did not start is attached, not started, in show and the
  # exports (the .osd still an Info event; ospy import reads it back)
  expect_regex "$tmp/show" "\[$tpid\] \+\+\+ attached to process \(parent [0-9]+, 64-bit\): $target 300 slow ?\$"
  grep -q 'process started' "$tmp/show" && fail "attached: $(grep 'process started' "$tmp/show")"
  "$ospy" export -o "$tmp/c.xml" "$tmp/c.ospy" 2>/dev/null || fail "export xml exited $?"
  expect_line "$tmp/c.xml" "ospyType=\"ProcessStart\" "
  expect_line "$tmp/c.xml" "<message>attached to process: $target 300 slow</message>"
  "$ospy" export -o "$tmp/c.osd" "$tmp/c.ospy" 2>/dev/null && "$ospy" import -o "$tmp/c.jsonl" "$tmp/c.osd" 2>/dev/null ||
    fail "export to .osd and import back failed"
  if command -v python3 >/dev/null; then
    python3 "$(dirname "$0")/../export/osd_loader.py" "$tmp/c.osd" >"$tmp/loader" 2>&1 ||
      fail "oSpy's loader rejects the attach's .osd: $(tail -n 1 "$tmp/loader")"
  fi
  expect_line "$tmp/c.jsonl" "\"type\":\"ProcessStart\""
  jq -e -s "map(select(.type == \"ProcessStart\")) | .[0].attached == true and .[0].message == \"$target 300 slow\"" \
    "$tmp/c.jsonl" >/dev/null || fail "import of an attach: $(grep ProcessStart "$tmp/c.jsonl")"
  # an i386 program: attached and traced the same way when the kernel runs it
  # (IA-32 emulation); under qemu-i386 refused with a reason (it would hook
  # the emulator's own libc)
  i386="no -m32 toolchain"
  if cc -m32 -o "$tmp/t32" "$(dirname "$0")/target_exit.c" 2>/dev/null; then
    "$tmp/t32" 300 slow >"$tmp/out32" &
    tpid=$!
    while [ ! -s "$tmp/out32" ]; do sleep 0.05; done
    case $(readlink "/proc/$tpid/exe") in
    */qemu-*)
      "$ospy" capture -q -f write --duration 1 -p $tpid -o "$tmp/s.ospy" 2>"$tmp/err" &&
        { kill $tpid; fail "attaching to an emulated i386 program must be refused"; }
      kill $tpid; wait $tpid 2>/dev/null
      expect_regex "$tmp/err" "is run by qemu-i386"
      i386="refused under qemu-i386 with a reason" ;;
    *)
      "$ospy" capture -q -f write --duration 1 -p $tpid -o "$tmp/c32.ospy" 2>"$tmp/err" ||
        { cat "$tmp/err"; kill $tpid; fail "i386 attach exited $?"; }
      wait $tpid
      rc=$?
      [ $rc = 5 ] || fail "the i386 target must finish normally after the detach (exit 5), got $rc"
      [ "$(wc -c <"$tmp/out32")" = 300 ] || fail "the i386 target's output is incomplete"
      "$ospy" show "$tmp/c32.ospy" >"$tmp/show32" || fail "show exited $?"
      n32=$(grep -cF "] libc.so.6!write(fd=1<$tmp/out32>, buf=\"x\", count=1) = 1" "$tmp/show32")
      [ "$n32" -gt 10 ] || { cat "$tmp/show32"; fail "expected i386 write calls while attached, got $n32"; }
      expect_regex "$tmp/show32" "attached to process .*32-bit"
      expect_line "$tmp/show32" "+++ detached +++"
      i386="$n32 calls from an i386 target" ;;
    esac
  fi
  # a process someone else already traces: refused, naming the tracer
  cat > "$tmp/tracer.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
  pid_t c = fork();
  if (c == 0) { pause(); _exit(0); }
  if (ptrace(PTRACE_SEIZE, c, 0, 0) < 0) return 1;
  printf("%d\n", (int)c);
  fflush(stdout);
  sleep(20);
  kill(c, SIGKILL);
  return 0;
}
C
  cc -o "$tmp/tracer" "$tmp/tracer.c" || fail "cannot build the tracer"
  "$tmp/tracer" > "$tmp/traced" &
  trpid=$!
  while [ ! -s "$tmp/traced" ]; do sleep 0.05; done
  traced=$(cat "$tmp/traced")
  "$ospy" capture -q -f write --duration 1 -p "$traced" -o "$tmp/t.ospy" 2>"$tmp/err"
  rc=$?
  kill "$traced" $trpid 2>/dev/null; wait $trpid 2>/dev/null
  [ $rc = 2 ] || { cat "$tmp/err"; fail "attaching to a traced process: exit $rc, expected 2"; }
  expect_regex "$tmp/err" "is already traced by process $trpid"
  # a process another ospy captures: refused with the reason
  "$target" 150 slow >"$tmp/out2" &
  tpid=$!
  while [ ! -s "$tmp/out2" ]; do sleep 0.05; done
  "$ospy" capture -q -f write --duration 3 -p $tpid -o "$tmp/a1.ospy" 2>/dev/null &
  first=$!
  i=0
  until grep -q "memfd:ospy-ring" "/proc/$tpid/maps" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "the first attach never mapped its ring"; sleep 0.01
  done
  "$ospy" capture -q -f write --duration 1 -p $tpid -o "$tmp/a2.ospy" 2>"$tmp/err"
  rc=$?
  wait $first; wait $tpid
  trc=$?
  [ $rc = 2 ] || { cat "$tmp/err"; fail "a second attach: exit $rc, expected 2"; }
  [ $trc = 5 ] || fail "the target captured twice ended with $trc, expected 5"
  expect_regex "$tmp/err" "already being captured"
  echo "attach: $n calls while attached, target finished unharmed; i386: $i386" ;;
fd-limit)
  # ospy under a small descriptor limit. `ulimit -Sn 6`: ospy exited 2 and
  # said nothing (its pipe to the program failed with EMFILE). ospy now
  # raises its own soft limit to the hard one and gives the program the one
  # it had, the ring just above the program's descriptors: under `ulimit -Sn
  # 7` the program opens as many files as alone, its first one 3, with and
  # without -F (with -F, which keeps the ring open in the program, the ring
  # took its last number: one fewer), x86-64 and i386. A hard limit too
  # small for ospy's own descriptors is refused with what failed and why
  # (exit 2).
  cat > "$tmp/nofile.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) { /* opens /dev/null until it cannot */
  int first = -1, n = 0, fd;
  while ((fd = open("/dev/null", O_RDONLY)) >= 0) { if (first < 0) first = fd; n++; }
  printf("first=%d opened=%d then %s\n", first, n, strerror(errno));
  return 0;
}
C
  cc -O1 -o "$tmp/nofile64" "$tmp/nofile.c" || fail "cc"
  arches=64
  cc -m32 -O1 -o "$tmp/nofile32" "$tmp/nofile.c" 2>/dev/null && [ -n "$agent32" ] && [ -f "$agent32" ] &&
    "$tmp/nofile32" > /dev/null && arches="64 32"
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] || [ "$hard" -gt 8 ] || { echo "skip: hard descriptor limit $hard"; exit 77; }
  for bits in $arches; do
    prog=$tmp/nofile$bits
    alone=$(sh -c 'ulimit -Sn 7; exec "$1"' sh "$prog")
    echo "fd-limit: $bits-bit, ulimit -Sn 7, alone: $alone"
    case $alone in "first=3 opened="*" then Too many open files") ;; *) fail "alone: $alone" ;; esac
    for follow in "" -F; do
      sh -c 'ulimit -Sn 7; exec "$@"' sh "$ospy" capture -q $follow -f open -o "$tmp/c.ospy" -- "$prog" \
        > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; fail "$bits-bit ${follow:-(no -F)}: ospy exited $?"; }
      [ "$(cat "$tmp/out")" = "$alone" ] ||
        fail "$bits-bit ${follow:-(no -F)}: under ospy '$(cat "$tmp/out")', alone '$alone'"
      "$ospy" show "$tmp/c.ospy" > "$tmp/show" || fail "show exited $?"
      n=${alone#*opened=} n=${n%% *}
      [ "$(grep -c 'open(pathname="/dev/null", flags=O_RDONLY) = [0-9]' "$tmp/show")" = "$n" ] &&
        expect_regex "$tmp/show" 'open\(pathname="/dev/null", flags=O_RDONLY\) = -1 EMFILE'
      echo "fd-limit: $bits-bit ${follow:-(no -F)}: the same under ospy, $n opens and the failed one recorded"
    done
  done
  # 6: ospy exited 2 without a word
  sh -c 'ulimit -Sn 6; exec "$@"' sh "$ospy" capture -q -f open -o "$tmp/c.ospy" -- "$tmp/nofile64" \
    > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; fail "ulimit -Sn 6: ospy exited $?"; }
  expect_line "$tmp/out" "first=3 opened=3 then Too many open files"
  echo "fd-limit: ulimit -Sn 6: $(cat "$tmp/out")"
  # a hard limit of 5: too few for ospy; it says what failed
  sh -c 'ulimit -n 5; exec "$@"' sh "$ospy" capture -q -f open -o "$tmp/c.ospy" -- "$tmp/nofile64" \
    > "$tmp/out" 2> "$tmp/err"
  rc=$?
  [ $rc = 2 ] && grep -q 'Too many open files' "$tmp/err" ||
    { cat "$tmp/err"; fail "ulimit -n 5: ospy exited $rc, expected 2 with the reason"; }
  echo "fd-limit: ulimit -n 5: exit 2, $(cat "$tmp/err")"
  # hard = soft = 7: with -F the ring can only take the program's last number
  sh -c 'ulimit -n 7; exec "$@"' sh "$ospy" capture -q -F -f open -o "$tmp/c.ospy" -- "$tmp/nofile64" \
    > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; fail "ulimit -n 7: ospy exited $?"; }
  expect_line "$tmp/out" "first=3 opened="
  echo "fd-limit: ulimit -n 7 (hard too), -F: $(cat "$tmp/out") (the ring takes its last number)" ;;
rlimit-as)
  # A program that limits its own address space (RLIMIT_AS: its size + 6
  # MiB) and runs 8 threads at once: the agent reserved a 4 MiB frame area
  # per thread (kept for the next thread once one ends), out of the
  # program's 6 MiB: the threads' calls were lost (counted) and its 4 MiB
  # malloc after them failed. The area now starts at 16 KiB and grows with
  # the calls that need it: every call is recorded, the program's malloc
  # succeeds as alone; x86-64 and i386.
  cat > "$tmp/as.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
__attribute__((noinline)) unsigned work(const char *buf, int n, int i)
{
  unsigned h = 2166136261u;
  for (int k = 0; k < n; k++) h = (h ^ (unsigned char)buf[k]) * 16777619u;
  __asm__ volatile("" ::: "memory");
  return h ^ (unsigned)i;
}
static pthread_barrier_t all_started;
static void *thread(void *arg)
{
  char buf[100]; /* (no malloc in the threads: glibc's arenas take address space as it pleases) */
  memset(buf, 'a' + (int)(long)arg, sizeof buf);
  pthread_barrier_wait(&all_started); /* all 8 alive at once: no area passes to another */
  unsigned acc = 0;
  for (int i = 0; i < 50; i++) acc += work(buf, sizeof buf, i);
  return (void *)(unsigned long)acc;
}
int main(void)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f)) if (!strncmp(line, "VmSize:", 7)) kib = atol(line + 7);
  if (f) fclose(f);
  struct rlimit rl = { (rlim_t)(kib + 6 * 1024) * 1024, (rlim_t)(kib + 6 * 1024) * 1024 };
  if (kib < 0 || setrlimit(RLIMIT_AS, &rl) != 0) return 2;
  unsigned acc = 0;
  char m[20] = "main";
  for (int i = 0; i < 20; i++) acc += work(m, 4, i);
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setstacksize(&at, 128 * 1024);
  pthread_barrier_init(&all_started, NULL, 8);
  pthread_t t[8];
  for (long i = 0; i < 8; i++)
    if (pthread_create(&t[i], &at, thread, (void *)i) != 0) { printf("pthread_create failed\n"); return 1; }
  for (int i = 0; i < 8; i++) { void *r; pthread_join(t[i], &r); acc += (unsigned)(unsigned long)r; }
  char *big = malloc(4 << 20);
  printf("calls=%d acc=%08x malloc(4 MiB) %s\n", 20 + 8 * 50, acc, big ? "ok" : "failed");
  return 0;
}
C
  cat > "$tmp/as.xml" <<'X'
<hookManager>
<specs><functions>
  <function name="work"><returnValue type="UInt32" hex="true"/><arguments>
    <argument name="buf" type="ByteArrayPtr" size="arg.n"/><argument name="n" type="Int32"/><argument name="i" type="Int32"/>
  </arguments></function>
</functions></specs>
<hooks><module name="*"><function specId="work"/></module></hooks>
</hookManager>
X
  cc -O1 -pthread -o "$tmp/as64" "$tmp/as.c" || fail "cc"
  arches=64
  cc -m32 -O1 -pthread -o "$tmp/as32" "$tmp/as.c" 2>/dev/null && [ -n "$agent32" ] && [ -f "$agent32" ] &&
    "$tmp/as32" > /dev/null && arches="64 32"
  for bits in $arches; do
    "$tmp/as$bits" > "$tmp/alone" || fail "$bits-bit: the program alone exited $?"
    expect_line "$tmp/alone" "calls=420 "
    expect_line "$tmp/alone" "malloc(4 MiB) ok"
    "$ospy" capture -q -c "$tmp/as.xml" -o "$tmp/c.ospy" -- "$tmp/as$bits" > "$tmp/out" 2> "$tmp/err" ||
      { cat "$tmp/err"; fail "$bits-bit: ospy exited $?"; }
    [ "$(cat "$tmp/out")" = "$(cat "$tmp/alone")" ] ||
      fail "$bits-bit: under ospy '$(cat "$tmp/out")', alone '$(cat "$tmp/alone")'"
    "$ospy" show "$tmp/c.ospy" > "$tmp/show" || fail "show exited $?"
    n=$(grep -c '!work(buf=' "$tmp/show")
    grep -- '--- lost' "$tmp/show" && fail "$bits-bit: calls lost"
    [ "$n" = 420 ] || fail "$bits-bit: $n calls of 420 recorded"
    echo "rlimit-as: $bits-bit: RLIMIT_AS = its size + 6 MiB, 8 threads at once: 420 of 420 calls recorded, $(sed 's/.*\(malloc.*\)/\1/' "$tmp/out") as alone"
  done ;;
frame-area-grows)
  # The frame area grows (and moves) while calls are pending in it: keep's
  # structure passed in registers (x86-64) is copied into its frame, and its
  # logCondition (retval: decided at return) reads it there when keep returns, after big's 200000-byte
  # buffer made the area grow from 16 KiB (mremap moved it); big's buffer is
  # recorded whole (--value-cap 256K), the small call after it too. Without
  # the copy following the area, keep's condition read freed memory and keep
  # was not recorded. x86-64 and i386 (where structures travel on the stack).
  cat > "$tmp/grow.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct l2 { long long a, b; };
#define F __attribute__((noinline, noipa))
F unsigned big(const unsigned char *buf, int n)
{ unsigned h = 2166136261u; for (int i = 0; i < n; i++) h = (h ^ buf[i]) * 16777619u; return h; }
F long long keep(struct l2 s, int n)
{ unsigned char *b = malloc(n); memset(b, (int)s.a, n); unsigned h = big(b, n); free(b); return s.a + s.b + (h & 1); }
int main(void)
{ long long r = keep((struct l2){ 7, 35 }, 200000); r += keep((struct l2){ 8, 35 }, 100); printf("r=%lld\n", r); return 0; }
C
  cat > "$tmp/grow.xml" <<'X'
<hookManager>
<types>
  <structure name="L2"><field name="a" offset="0" type="Int64"/><field name="b" offset="8" type="Int64"/></structure>
</types>
<specs><functions>
  <function name="keep"><returnValue type="Int64"/><arguments><argument name="s" type="L2"/><argument name="n" type="Int32"/></arguments>
    <logCondition>retval &gt; 0 &amp;&amp; i64[arg.s] == 7</logCondition></function>
  <function name="big" logNested="true"><returnValue type="UInt32" hex="true"/><arguments>
    <argument name="buf" type="ByteArrayPtr" size="arg.n"/><argument name="n" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="*"><function specId="keep"/><function specId="big"/></module></hooks>
</hookManager>
X
  cc -O1 -o "$tmp/grow64" "$tmp/grow.c" || fail "cc"
  arches=64
  cc -m32 -O1 -o "$tmp/grow32" "$tmp/grow.c" 2>/dev/null && [ -n "$agent32" ] && [ -f "$agent32" ] &&
    "$tmp/grow32" > /dev/null && arches="64 32"
  for bits in $arches; do
    "$ospy" capture -q -c "$tmp/grow.xml" --value-cap 256K -o "$tmp/c.ospy" -- "$tmp/grow$bits" > "$tmp/out" 2> "$tmp/err" ||
      { cat "$tmp/err"; fail "$bits-bit: ospy exited $?"; }
    expect_line "$tmp/out" "r=87"
    "$ospy" show "$tmp/c.ospy" > "$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "!keep(s={a=7, b=35}, n=200000) = 43"
    [ "$(grep -c '!keep(' "$tmp/show")" = 1 ] || fail "$bits-bit: keep(8, ...) recorded: its condition says a == 7"
    grep '!big(' "$tmp/show" | grep -q 'n=200000) = 0x556e3a05$' || fail "$bits-bit: big(200000) not recorded"
    grep '!big(' "$tmp/show" | grep 'of 200000 bytes' && fail "$bits-bit: big's buffer was cut"
    expect_line "$tmp/show" ", n=100) = 0xe24efb95"
    echo "frame-area-grows: $bits-bit: keep's structure read at its return after the area grew for big's 200000 bytes, recorded whole"
  done ;;
fd-threads)
  # descriptor names follow each call's own time, not the order records are
  # drained in (docs/reliability.md); x86-64, then i386 where it can run
  check_fd_threads "$(dirname "$target")/e2e-target-fd-threads"
  note=", i386 too"
  if [ -z "$agent32" ] || [ ! -f "$agent32" ]; then
    note=" (i386 skipped: built without an i386 agent)"
  elif ! cc -m32 -O2 -pthread -o "$tmp/fd-threads32" \
         "$(dirname "$demo_xml")/../tests/e2e/target_fd_threads.c" 2>/dev/null; then
    note=" (i386 skipped: no -m32 toolchain)"
  elif ! "$tmp/fd-threads32" "$tmp" 1 1 >/dev/null 2>&1; then
    note=" (i386 skipped: this machine cannot run i386 programs)"
  else
    check_fd_threads "$tmp/fd-threads32"
  fi
  echo "fd-threads: 4 threads x 2000 open/write/close, every write and close shows its own thread's file$note" ;;
fd-reuse)
  # a name is withdrawn by closefrom and close_range; a pipe's ends are named
  # as such, not after the file that had the number before
  fds=$(dirname "$target")/e2e-target-fds
  "$ospy" capture -q --preset files --preset net -o "$tmp/c.ospy" -- "$fds" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "fds 3 3 5 6 7 7"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" 'libc.so.6!read(fd=3</etc/hostname>, buf="'
  expect_line "$tmp/show" 'libc.so.6!closefrom(lowfd=3)'
  expect_line "$tmp/show" 'libc.so.6!pipe(pipefd=[3<pipe:[read]>, 4<pipe:[write]>]) = 0'
  expect_line "$tmp/show" 'libc.so.6!read(fd=3<pipe:[read]>, buf="through the pipe", count=64) = 16'
  expect_line "$tmp/show" 'libc.so.6!open(pathname="/etc/hostname", flags=O_RDONLY) = 5</etc/hostname>'
  expect_line "$tmp/show" 'libc.so.6!close_range(first=5, last=5, flags=0x0) = 0'
  expect_line "$tmp/show" 'libc.so.6!pipe2(pipefd=[5<pipe:[read]>, 6<pipe:[write]>], flags=O_CLOEXEC) = 0'
  expect_line "$tmp/show" 'libc.so.6!write(fd=6<pipe:[write]>, buf="second", count=6) = 6'
  grep -q 'hostname>, buf="through' "$tmp/show" && fail "the pipe took the file's name"
  expect_line "$tmp/show" 'libc.so.6!socket(domain=AF_INET, type=SOCK_STREAM, protocol=IPPROTO_IP) = 7<TCP>'
  expect_line "$tmp/show" 'libc.so.6!read(fd=7, buf="'
  expect_line "$tmp/show" 'libc.so.6!pipe2(pipefd=[8<pipe:[read]>, 9<pipe:[write]>], flags=0x0) = 0'
  grep -q 'read(fd=7<TCP>' "$tmp/show" && fail "the file libc reopened took the socket's name"
  echo "fd-reuse: closefrom and close_range withdraw names, pipe ends named" ;;
vfork-child)
  # a vfork child and posix_spawn's run on their parent's memory until they
  # exec: their dup2 calls are recorded under their own pids, and the
  # parent's stdout keeps its name
  vf=$(dirname "$target")/e2e-target-vfork
  "$ospy" capture -q --preset files -o "$tmp/c.ospy" -- "$vf" "$tmp/redirected" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "parent still writes to its own stdout"
  expect_line "$tmp/redirected" "from the vfork child"
  expect_line "$tmp/redirected" "from the spawned child"
  "$ospy" show -s 0 "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  parent=$(sed -n 's/.*\[\([0-9]*\)\] libc.so.6!open(pathname=.*redirected.*/\1/p' "$tmp/show")
  [ -n "$parent" ] || { cat "$tmp/show"; fail "no open of the file"; }
  expect_line "$tmp/show" "[$parent] libc.so.6!write(fd=1<$tmp/out>, buf=\"parent still writes to its own stdout\\n\", count=38) = 38"
  n=$(grep -c 'libc.so.6!dup2(oldfd=3, newfd=1) = 1$' "$tmp/show")
  [ "$n" = 2 ] || { cat "$tmp/show"; fail "expected the two children's dup2, without the parent's names: $n"; }
  grep 'dup2(' "$tmp/show" | grep -q "\[$parent\]" && { cat "$tmp/show"; fail "a child's dup2 recorded as the parent's"; }
  # the proc preset records vfork (at entry: it returns twice) and the wait for the child
  "$ospy" capture -q --preset proc -o "$tmp/p.ospy" -- "$vf" "$tmp/redirected" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture --preset proc exited $?"; }
  expect_line "$tmp/redirected" "from the spawned child"
  "$ospy" show "$tmp/p.ospy" >"$tmp/pshow" || fail "show exited $?"
  expect_regex "$tmp/pshow" '\] libc.so.6!vfork\(\) = \?$'
  expect_regex "$tmp/pshow" 'libc.so.6!waitpid\(pid=([0-9]+), wstatus=\[0x0\], options=0x0\) = [0-9]+$'
  echo "vfork-child: the children's dup2 under their own pids, the parent's stdout named; proc records vfork and waitpid" ;;
clone-child|clone-child-i386)
  # A process the program makes with glibc's clone() (no CLONE_THREAD) is a
  # process of its own, as a fork or vfork child is. clone runs no atfork
  # handler: its calls were recorded under its parent's pid, also without
  # -F, with no start or end, and its close and open renamed the parent's
  # descriptor 3 (the parent's later reads of its own file showed the
  # child's). Clone 1 and 2 (copies of the parent's memory; 2 with
  # CLONE_VFORK) are followed with -F, their start and exit status
  # recorded (1's function returns 5, 2 calls _exit(6)), and not recorded
  # without -F; clone 3 (CLONE_VM | CLONE_VFORK: on the parent's memory
  # until it ends, a vfork child by another name) is recorded under its own
  # pid with and without -F, as a vfork child is; so is clone 4, whose
  # function is a call of close(3), made at the very top of its stack: the
  # stacks come from mmap with an inaccessible page above them (clone(2)'s
  # way, the guard added), and the agent read 10 (i386: 16) words above a
  # call's return address for its arguments, past the top: SIGSEGV in the
  # agent (clone 3 on x86-64, clone 4 on i386). main is hooked (-f main):
  # a clone child runs on a stack of its own, never inside main, so the
  # copy of the parent's pending main is no call of clone 2's (given up at
  # its _exit, it was recorded = ? under clone 2's pid).
  m=64
  if [ "$case_name" = clone-child-i386 ]; then
    m=32
    [ -n "$agent32" ] && [ -f "$agent32" ] ||
      { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  fi
  cc -m$m -O2 -o "$tmp/clone" "$(dirname "$0")/target_clone.c" 2>"$tmp/cc" ||
    { [ $m = 32 ] && { echo "skip: no -m32 toolchain"; exit 77; }; cat "$tmp/cc"; fail "cc"; }
  printf 'AAAA (the parent)\n' >"$tmp/a"
  printf 'BBBB (the children)\n' >"$tmp/b"
  "$tmp/clone" "$tmp/a" "$tmp/b" >"$tmp/plain" 2>/dev/null
  plain_status=$?
  [ $plain_status = 4 ] || { [ $m = 32 ] && { echo "skip: this machine cannot run i386 programs"; exit 77; }; fail "the program alone exited $plain_status"; }
  for follow in -F ""; do
    "$ospy" capture -q $follow --preset files -f main -o "$tmp/c.ospy" -- "$tmp/clone" "$tmp/a" "$tmp/b" >"$tmp/out" 2>"$tmp/err"
    st=$?
    [ $st = $plain_status ] || { cat "$tmp/err"; fail "capture $follow exited $st, the program alone $plain_status"; }
    cmp -s "$tmp/plain" "$tmp/out" || { diff "$tmp/plain" "$tmp/out"; fail "the program's output differs under ospy $follow"; }
    "$ospy" show -s 0 "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    parent=$(grep -F "libc.so.6!open(pathname=\"$tmp/a\", flags=O_RDONLY) = 3<" "$tmp/show" |
      sed -n 's/^[0-9:.]* \[\([0-9]*\)\] .*/\1/p')
    [ -n "$parent" ] || { cat "$tmp/show"; fail "no open of the parent's file"; }
    for n in 1 2 3 4; do
      eval "child$n=\$(sed -n 's/^clone $n pid //p' \"\$tmp/err\")"
    done
    # the parent's descriptor 3 keeps its file's name through the children's close and open
    n=$(grep -cF "[$parent] libc.so.6!pread(fd=3<$tmp/a>, buf=\"AAAA\", count=4, offset=0) = 4" "$tmp/show")
    [ "$n" = 4 ] || { cat "$tmp/show"; fail "$follow: the parent's 3 preads named $tmp/a: $n, not 4"; }
    expect_line "$tmp/show" "[$parent] libc.so.6!read(fd=3<$tmp/a>, buf=\"AAAA\", count=4) = 4"
    grep -F "[$parent] libc.so.6!" "$tmp/show" | grep -F "$tmp/b" && fail "$follow: a child's call recorded as the parent's"
    # (clone 1 and 2 with -F close their copy of the parent's 3: named after its file,
    # fork-fd-names; clone 3 and 4 share the parent's memory, no start of their own)
    grep -F 'close(fd=3<' "$tmp/show" | grep -vF -e "[$child1] libc.so.6!close(fd=3<$tmp/a>) = 0" \
      -e "[$child2] libc.so.6!close(fd=3<$tmp/a>) = 0" && fail "$follow: a child's close named after the parent's file"
    expect_regex "$tmp/show" "\[$parent\] clone!main\(.*\) = 4\$"
    grep -F '!main(' "$tmp/show" | grep -vF "[$parent]" && fail "$follow: the parent's main recorded in a child"
    # clone 3 runs on the parent's memory: its calls under its own pid, with or without -F
    expect_line "$tmp/show" "[$child3] libc.so.6!close(fd=3) = 0"
    expect_line "$tmp/show" "[$child3] libc.so.6!open(pathname=\"$tmp/b\", flags=O_RDONLY) = 3<$tmp/b>"
    expect_line "$tmp/show" "[$child3] libc.so.6!read(fd=3<$tmp/b>, buf=\"BBBB\", count=4) = 4"
    expect_line "$tmp/show" "[$child4] libc.so.6!close(fd=3) = 0"
    if [ -n "$follow" ]; then
      for n in 1 2; do
        eval "child=\$child$n"
        expect_line "$tmp/show" "[$child] +++ process started (parent $parent, $m-bit): $tmp/clone"
        # its copy of the parent's descriptor 3, named after the parent's file
        expect_line "$tmp/show" "[$child] libc.so.6!close(fd=3<$tmp/a>) = 0"
        expect_line "$tmp/show" "[$child] libc.so.6!open(pathname=\"$tmp/b\", flags=O_RDONLY) = 3<$tmp/b>"
        expect_line "$tmp/show" "[$child] libc.so.6!read(fd=3<$tmp/b>, buf=\"BBBB\", count=4) = 4"
        expect_line "$tmp/show" "[$child] +++ exited with $((n + 4)) +++"
      done
    else
      n=$(grep -c '+++ process started' "$tmp/show")
      [ "$n" = 1 ] || { cat "$tmp/show"; fail "without -F: $n processes started, not 1"; }
      grep -F -e "[$child1]" -e "[$child2]" "$tmp/show" && fail "without -F: clone 1 or 2 recorded"
    fi
  done
  echo "clone-child ($m-bit): clone children's calls under their own pids, with their start and exit status with -F, none of clone 1 and 2 without it; the parent's descriptor 3 keeps its name; a call at the very top of a guarded stack; output and status (4) unchanged" ;;
preset)
  "$ospy" capture -q --preset net -o "$tmp/c.ospy" -- "$demo" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture --preset net exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  # the listening socket takes the port getsockname() answered; the accepted
  # one its listener's address and the peer accept() returned
  # (a name is announced before the call that gave it: bind shows its own address)
  # (the demo binds its fixed port 47011, or any, port 0, when another demo holds it)
  expect_line "$tmp/show" "libc.so.6!setsockopt(sockfd=3<TCP>, level=SOL_SOCKET, optname=SO_REUSEADDR, optval=\"\\x01\\x00\\x00\\x00\", optlen=4) = 0"
  bound=$(sed -n 's/.*libc\.so\.6!bind(sockfd=3<TCP:\[127\.0\.0\.1:\([0-9]*\)\]>, addr={AF_INET, 127\.0\.0\.1:\1}, addrlen=16) = 0$/\1/p' "$tmp/show")
  [ "$bound" = 47011 ] || [ "$bound" = 0 ] || { cat "$tmp/show"; fail "bind of the listening socket to 47011 or 0: '$bound'"; }
  port=$(sed -n 's/.*getsockname(sockfd=3<TCP:\[127.0.0.1:\([0-9]*\)\]>, addr={AF_INET, 127.0.0.1:[0-9]*}.*/\1/p' "$tmp/show")
  [ -n "$port" ] || { cat "$tmp/show"; fail "getsockname of the listening socket"; }
  expect_line "$tmp/show" "getsockname(sockfd=3<TCP:[127.0.0.1:$port]>, addr={AF_INET, 127.0.0.1:$port}"
  expect_line "$tmp/show" "libc.so.6!listen(sockfd=3<TCP:[127.0.0.1:$bound]>, backlog=1) = 0"
  expect_line "$tmp/show" "libc.so.6!connect(sockfd=4<TCP:[->127.0.0.1:$port]>, addr={AF_INET, 127.0.0.1:$port}, addrlen=16) = 0"
  expect_line "$tmp/show" "libc.so.6!send(sockfd=4<TCP:[->127.0.0.1:$port]>, buf=\"GET /demo HTTP/1.0\\r\\n\\r\\n\", len=22, flags=0x0) = 22"
  expect_line "$tmp/show" "= 5<TCP:[127.0.0.1:$port->?]>"
  expect_line "$tmp/show" "libc.so.6!recv(sockfd=5<TCP:[127.0.0.1:$port->?]>, buf="
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
  # fd 3 comes from an open that -f read,write does not hook: a number only
  expect_line "$tmp/fshow" '] libc.so.6!read(fd=3, buf="hello funcs\n", count=100) = 12'
  expect_line "$tmp/fshow" "] libc.so.6!write(fd=1<$tmp/out>, buf=\"hello funcs\\n\", count=12) = 12"
  expect_line "$tmp/fshow" 'info: -f read: defined by the catalogue (preset files)'
  # (descriptor names aside: the preset also hooks open, and stdout differs)
  sed -n 's/^[0-9:.]* \[[0-9]*\] \(libc.so.6!\(read\|write\)(.*\)/\1/p' "$tmp/fshow" |
    sed -E 's/(fd=[0-9]+)<[^>]*>/\1/' >"$tmp/fcalls"
  sed -n 's/^[0-9:.]* \[[0-9]*\] \(libc.so.6!\(read\|write\)(.*\)/\1/p' "$tmp/pshow" |
    sed -E 's/(fd=[0-9]+)<[^>]*>/\1/' >"$tmp/pcalls"
  [ -s "$tmp/fcalls" ] && cmp -s "$tmp/fcalls" "$tmp/pcalls" ||
    { diff "$tmp/fcalls" "$tmp/pcalls"; fail "-f read,write and --preset files differ"; }
  # MODULE!FUNC globs expand against the catalogue; mem is off unless asked for
  "$ospy" capture -q -f 'libc.so.*!mallo?' -f 'libc.so.6!fstat*' -o "$tmp/g.ospy" -- "$head_bin" -c 1 "$tmp/in.txt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with globs exited $?"; }
  "$ospy" show "$tmp/g.ospy" >"$tmp/gshow" || fail "show exited $?"
  expect_line "$tmp/gshow" '] libc.so.6!malloc(size='
  expect_line "$tmp/gshow" 'info: -f libc.so.*!mallo?: 1 function defined by the catalogue (preset mem)'
  # the catalogue's four fstat* are decoded, libc's other fstat* exports traced
  # raw, or decoded from libc's DWARF where its debug file is installed
  # (libc6-dbg: docs/catalogue.md, "Arguments from DWARF")
  expect_regex "$tmp/gshow" 'info: -f libc.so.6!fstat\*: [0-9]+ functions: 4 defined by the catalogue \(preset files\), [0-9]+ more in the program.s files( traced with raw|: arguments decoded from their DWARF|: [0-9]+ with arguments decoded from their DWARF)'
  # a pattern that matches nothing, in the catalogue or the program's files, is
  # an error naming it
  "$ospy" capture -q -f 'nosuchfn_*' -o "$tmp/n.ospy" -- true 2>"$tmp/err" && fail "an unmatched glob must fail"
  expect_line "$tmp/err" "-f nosuchfn_*: no function matches, in the catalogue ('ospy definitions' lists it) or in the"
  # libgcc_s exports only names that start with '_', which plain globs leave out: said
  libgcc=$(ldconfig -p | sed -n 's/.*libgcc_s.so.1 (libc6,x86-64) => //p' | head -1)
  if [ -n "$libgcc" ]; then
    "$ospy" capture -q -f "$libgcc!*" -o "$tmp/n.ospy" -- true 2>"$tmp/err" && fail "a glob of libgcc_s matched"
    expect_line "$tmp/err" "(names that start with '_' are matched only by a pattern that starts with '_': -f 'MODULE!_*')"
  fi
  "$ospy" capture -q -f 'libnosuch.so!x*' -o "$tmp/n.ospy" -- true 2>"$tmp/err" && fail "a glob in a missing module must fail"
  expect_line "$tmp/err" "-f libnosuch.so!x*: no function of the catalogue matches, and the program loads no file named libnosuch.so"
  # globs the catalogue does not know expand against the program's files
  # (ltrace -e 'str*'): every strto* head calls is traced, with raw words (or
  # as libc's DWARF describes it, where its debug file is installed)
  "$ospy" capture -q -f 'libc.so.6!strto*' -o "$tmp/s.ospy" -- "$head_bin" -n 3 "$tmp/in.txt" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'libc.so.6!strto*' exited $?"; }
  "$ospy" show "$tmp/s.ospy" >"$tmp/sshow" || fail "show exited $?"
  expect_regex "$tmp/sshow" 'info: -f libc.so.6!strto\*: [0-9]+ functions, none in the catalogue'
  expect_regex "$tmp/sshow" '\] libc.so.6!strto[a-z]+\((arg0=0x[0-9a-f]+, arg1=0x[0-9a-f]+, arg2=0xa,.*|nptr="3", endptr=0x[0-9a-f]+, base=10)\) = 3$'
  # a function that only jumps to another (freeifaddrs is `jmp free`): the
  # pattern leaves it out, and named beside its target it is that function's
  # alias (two listeners of free shared one call's scratch: <not a values blob>)
  cat > "$tmp/fr.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) { for (int i = 0; i < 5; i++) free(malloc(100)); puts("done"); return 0; }
C
  cc -O0 -o "$tmp/fr" "$tmp/fr.c" || fail "cannot build fr"
  for f in 'libc.so.6!free*' 'libc.so.6!free,libc.so.6!freeifaddrs'; do
    "$ospy" capture -q -f "$f" -o "$tmp/fr.ospy" -- "$tmp/fr" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f '$f' exited $?"; }
    "$ospy" show "$tmp/fr.ospy" >"$tmp/frshow" || fail "show exited $?"
    n=$(grep -c '\] libc.so.6!free(ptr=0x' "$tmp/frshow")
    [ "$n" -ge 5 ] || { cat "$tmp/frshow"; fail "-f '$f': $n free calls, expected 5 or more"; }
    grep -E 'freeifaddrs\(|not a values blob' "$tmp/frshow" && fail "-f '$f': free's calls taken by freeifaddrs"
  done
  # a pattern that matches main traces it with raw words: a raw call hides no
  # described call made inside it (-f 'm*' recorded main and none of its 5 mallocs)
  "$ospy" capture -q -f 'm*' -o "$tmp/m.ospy" -- "$tmp/fr" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'm*' exited $?"; }
  "$ospy" show "$tmp/m.ospy" >"$tmp/mshow" || fail "show exited $?"
  expect_regex "$tmp/mshow" '\] fr!main\(arg0=0x1,'
  n=$(grep -c '\] libc.so.6!malloc(size=100) = 0x' "$tmp/mshow")
  [ "$n" = 5 ] || { cat "$tmp/mshow"; fail "-f 'm*': $n malloc(100) calls inside main, expected 5"; }
  # libc's gettimeofday leads into the vDSO: named with its module, the refusal
  # says so (it blamed a stripped libc). An IFUNC: its resolver chooses the
  # vDSO's code when the program's first call binds it, and ospy runs no
  # resolver itself (docs/catalogue.md): a program that calls it
  cat >"$tmp/tm.c" <<'C'
#include <stdio.h>
#include <sys/time.h>
int main(void) { struct timeval tv; printf("%d\n", gettimeofday(&tv, NULL)); return 0; }
C
  cc -O0 -o "$tmp/tm" "$tmp/tm.c" || fail "cannot build tm"
  "$ospy" capture -q -f 'libc.so.6!gettimeofday' -o "$tmp/tm.ospy" -- "$tmp/tm" >/dev/null 2>&1
  "$ospy" show "$tmp/tm.ospy" >"$tmp/tmshow" || fail "show exited $?"
  expect_regex "$tmp/tmshow" 'libc.so.6!gettimeofday: cannot hook: 0x[0-9a-f]+: in a kernel mapping \(\[vdso\]\)'
  # a pattern without a module, for a script: expanded against its interpreter's files
  printf '#!/bin/sh\necho hi | tr h H\n' >"$tmp/s.sh"; chmod +x "$tmp/s.sh"
  "$ospy" capture -q -f 'str*' -o "$tmp/sh.ospy" -- "$tmp/s.sh" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'str*' of a script exited $?"; }
  expect_line "$tmp/out" "Hi"
  "$ospy" show "$tmp/sh.ospy" >"$tmp/shshow" || fail "show exited $?"
  # (raw words, or its parameters by name where libc's DWARF is installed)
  expect_regex "$tmp/shshow" '\] libc.so.6!str[a-z]+\((arg0=0x|[a-z_]+=)'
  # every function libc exports, hooked while head runs: what the interceptor
  # refuses is a note, not an error, and head's output is unchanged
  seq 1 500 >"$tmp/nums.txt"
  "$ospy" capture -q -f 'libc.so.6!*' -o "$tmp/all.ospy" -- "$head_bin" -n 300 "$tmp/nums.txt" >"$tmp/allout" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'libc.so.6!*' exited $?"; }
  seq 1 300 | cmp -s - "$tmp/allout" || fail "head's output changed under -f 'libc.so.6!*'"
  "$ospy" show "$tmp/all.ospy" >"$tmp/allshow" || fail "show exited $?"
  expect_regex "$tmp/allshow" 'info: -f libc.so.6!\*: [0-9]{4} functions: [0-9]+ defined by the catalogue'
  expect_regex "$tmp/allshow" 'info: libc.so.6![a-z_]+: cannot hook: '
  expect_regex "$tmp/allshow" '\] libc.so.6!read\(fd=3<[^>]*nums.txt>, buf="1\\n2\\n3'
  ! grep -E -- '--- (error|warning)' "$tmp/allshow" || fail "-f 'libc.so.6!*': errors or warnings"
  # every function of every file, presets of libraries never loaded included:
  # the hooked calls libc makes for the agent itself (its fnmatch calls
  # strnlen) are no calls of the program, and no Lost record counts them
  # (there were thousands, and a few more at every exec under -F)
  "$ospy" capture -q -F -f '*' -o "$tmp/star.ospy" -- sh -c "$head_bin -n 300 $tmp/nums.txt | sort -n" >"$tmp/starout" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -F -f '*' exited $?"; }
  seq 1 300 | cmp -s - "$tmp/starout" || fail "output changed under -F -f '*'"
  "$ospy" show "$tmp/star.ospy" >"$tmp/starshow" || fail "show exited $?"
  ! grep -- '--- lost' "$tmp/starshow" || fail "-F -f '*': Lost records for calls the program never made"
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
  expect_line "$tmp/mshow" "] libc.so.6!open(pathname=\"$tmp/in.txt\", flags=O_RDONLY) = 3<$tmp/in.txt>"
  # a pattern that matches what the config hooks leaves it to the config, and
  # counts only what it adds (each was hooked twice: a warning per function)
  "$ospy" capture -q -c "$demo_xml" -f 'dev_*' -f 'libc.so.6!rec*' -o "$tmp/d.ospy" -- "$demo" \
    >/dev/null 2>"$tmp/err" </dev/null || { cat "$tmp/err"; fail "capture -c demo.xml -f dev_* exited $?"; }
  "$ospy" show "$tmp/d.ospy" >"$tmp/dshow" || fail "show exited $?"
  grep -q 'hooked already' "$tmp/dshow" && fail "-f over the config: $(grep 'hooked already' "$tmp/dshow")"
  expect_line "$tmp/dshow" 'info: -f dev_*: the config hooks every function it matches already (1)'
  expect_regex "$tmp/dshow" 'info: -f libc.so.6!rec\*: [0-9]+ functions: 2 defined by the catalogue \(preset net\)'
  expect_line "$tmp/dshow" '] ospy-demo!dev_control(fd=3, code=IOCTL_KS_PROPERTY, in="hello"'
  # a pattern over a library named by a path that does not exist yet (the
  # program writes it later): it cannot be expanded, and the message says so
  "$ospy" capture -q -f "$tmp/later/libplug.so!plugin_*" -o "$tmp/d.ospy" -- "$demo" >/dev/null 2>"$tmp/err" </dev/null &&
    fail "a pattern over a file that does not exist must be refused"
  expect_line "$tmp/err" "-f $tmp/later/libplug.so!plugin_*: $tmp/later/libplug.so does not exist (yet), so the pattern plugin_* cannot be expanded against its functions: name them exactly (-f '$tmp/later/libplug.so!FUNCTION'), and they are hooked when the program loads it"
  # the per-value cap (issue 4: default 64 KiB, configurable): the rest counted
  dd_bin=$(command -v dd) || fail "no dd"
  for cap in "" 100K 16; do
    "$ospy" capture -q ${cap:+--value-cap $cap} -f write -o "$tmp/v.ospy" -- "$dd_bin" if=/dev/zero bs=200000 count=1 \
      of=/dev/null status=none 2>"$tmp/err" || { cat "$tmp/err"; fail "capture --value-cap '$cap' exited $?"; }
    want=$(case $cap in "") echo 65536 ;; 100K) echo 102400 ;; *) echo 16 ;; esac)
    "$ospy" show "$tmp/v.ospy" | grep -q "libc.so.6!write(.*($want of 200000 bytes)" ||
      fail "--value-cap '$cap': $("$ospy" show "$tmp/v.ospy" | grep -o 'write(.\{0,40\}' | head -1) ..., expected $want of 200000 bytes"
  done
  # a small ring takes smaller records (1 MiB: 256 KiB): a call's values are cut to
  # fit it, the arguments after a big buffer kept; the call was lost, in a lossless capture
  "$ospy" capture -q --ring-size 1 --value-cap 448K -f write -o "$tmp/v.ospy" -- "$dd_bin" \
    if=/dev/zero bs=300000 count=1 of=/dev/null status=none 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture --ring-size 1 --value-cap 448K exited $?"; }
  "$ospy" show "$tmp/v.ospy" >"$tmp/vshow"
  expect_regex "$tmp/vshow" 'libc.so.6!write\(fd=1<?[^,]*, buf=.*\(1[0-9]{5} of 300000 bytes\), count=300000\) = 300000'
  grep -q -- '--- lost' "$tmp/vshow" && fail "--ring-size 1: the big call was lost: $(grep -- '--- lost' "$tmp/vshow")"
  "$ospy" capture --value-cap 1G -f write -- true 2>"$tmp/err" && fail "--value-cap 1G must be refused"
  expect_line "$tmp/err" "--value-cap: '1G' is not a size in 1..458752 bytes"
  echo "funcs: -f decodes as the preset does, globs, unmatched glob rejected, config wins, value cap" ;;
badconfig)
  printf '<hookManager>\n  <types>\n    <enumeration name="E">\n      <member name="A" value="zz"/>\n' >"$tmp/bad.xml"
  "$ospy" capture -q -c "$tmp/bad.xml" -o "$tmp/c.ospy" -- "$target" 1 exit 0 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc != 0 ] || fail "a broken config must fail"
  grep -q "bad.xml:[0-9]*:[0-9]*: error" "$tmp/err" || { cat "$tmp/err"; fail "no file:line:col error"; }
  [ ! -s "$tmp/out" ] || fail "the program ran despite the broken config"
  # a config that is not there: the file and the reason, no made-up position
  "$ospy" capture -q -c "$tmp/nonexistent.xml" -- "$target" 1 exit 0 >"$tmp/out" 2>"$tmp/err" &&
    fail "a missing config must fail"
  grep -qx "$tmp/nonexistent.xml: error: cannot open: No such file or directory" "$tmp/err" ||
    { cat "$tmp/err"; fail "missing config: unclear error"; }
  # an empty function name is an error, not a capture with nothing hooked
  for f in '' 'read,,write' 'read,'; do
    "$ospy" capture -q -f "$f" -- "$target" 1 exit 0 >"$tmp/out" 2>"$tmp/err" && fail "-f '$f' must fail"
    grep -qF "an empty function name" "$tmp/err" || { cat "$tmp/err"; fail "-f '$f': unclear error"; }
  done
  echo "badconfig: rejected before the program ran" ;;
unwind-late)
  # The unwinder's libraries loaded late: by glibc itself for pthread_exit and
  # cancellation (libgcc_s, out of sight of the dlopen hook), or as a C
  # program's C++ plugin's dependencies (RTLD_LOCAL). Unwinding through hooked
  # frames must work as without ospy (i386: the thread crashed; both: the
  # plugin's exception ended in std::terminate).
  cat > "$tmp/pexit.c" <<'C'
#include <stdio.h>
#include <pthread.h>
#include <unistd.h>
#define NI __attribute__((noinline, noipa, used))
static void cleanup(void *p) { (*(int *)p)++; }
NI int inner(int x) { if (x == 2) pthread_exit((void *)42); return x; }
NI int work(int x, int *flag) { int r; pthread_cleanup_push(cleanup, flag); r = inner(x) + 1; pthread_cleanup_pop(0); return r; }
static void *thr(void *a) { static int flag; long s = 0; for (int i = 0; i < 5; i++) s += work(i, &flag); return (void *)s; }
static void *blocked(void *a) { char b[8]; return (void *)(long)read(*(int *)a, b, sizeof b); }
int main(void) {
  pthread_t t; void *r, *c; int p[2];
  pthread_create(&t, 0, thr, 0); pthread_join(t, &r);
  if (pipe(p)) return 1;
  pthread_create(&t, 0, blocked, p); usleep(100000); pthread_cancel(t); pthread_join(t, &c);
  printf("ret=%ld cancelled=%d\n", (long)r, c == PTHREAD_CANCELED);
  return 0;
}
C
  cat > "$tmp/plug.cc" <<'C'
#include <stdexcept>
namespace lib { struct Acc { int v = 0; __attribute__((noinline)) int add(int x); }; }
int lib::Acc::add(int x) { if (x < 0) throw std::invalid_argument("neg"); v += x; return v; }
extern "C" int plug_run(void) {
  lib::Acc a; int neg = 0;
  for (int i = -1; i < 3; i++) try { a.add(i); } catch (const std::invalid_argument &) { neg++; }
  return a.v * 10 + neg;
}
C
  cat > "$tmp/host.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW);
  int (*run)(void) = h ? (int (*)(void))dlsym(h, "plug_run") : 0;
  if (!run) { printf("dlopen: %s\n", dlerror()); return 1; }
  printf("plug=%d\n", run());
  return 0;
}
C
  archs=64
  cc -m32 -o "$tmp/t32" "$(dirname "$0")/target_exit.c" 2>/dev/null && "$tmp/t32" 1 exit 0 >/dev/null 2>&1 &&
    [ -n "$agent32" ] && [ -f "$agent32" ] && archs="64 32"
  for m in $archs; do
    cc -m$m -O2 -pthread -o "$tmp/pexit$m" "$tmp/pexit.c" || fail "cannot build pexit$m"
    c++ -m$m -O2 -shared -fPIC -o "$tmp/libplug$m.so" "$tmp/plug.cc" || fail "cannot build libplug$m"
    cc -m$m -O2 -o "$tmp/host$m" "$tmp/host.c" -ldl || fail "cannot build host$m"
    ldd "$tmp/pexit$m" | grep -q libgcc_s && fail "pexit$m links libgcc_s: the case needs it loaded late"
    "$ospy" capture -q -f work,read -o "$tmp/p.ospy" -- "$tmp/pexit$m" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err" "$tmp/out"; fail "$m-bit: pthread_exit/cancel through hooked calls: exit $?"; }
    expect_line "$tmp/out" "ret=42 cancelled=1"
    "$ospy" show "$tmp/p.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" '\] pexit(64|32)!work\(arg0=0x2, .*\) = \?$'
    "$ospy" capture -q -f "$tmp/libplug$m.so!lib::Acc::add" -o "$tmp/c.ospy" -- "$tmp/host$m" "$tmp/libplug$m.so" \
      >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" "$tmp/out"; fail "$m-bit: exception in a dlopen'ed C++ plugin: exit $?"; }
    expect_line "$tmp/out" "plug=31"
  done
  echo "unwind-late: pthread_exit, cancellation and a plugin's exceptions through hooked frames ($archs-bit)" ;;
fork-fd-names|fork-fd-names-i386)
  # A child forked with -F starts with a copy of its parent's descriptors,
  # and shows them by its parent's names as they were at the fork: a
  # fork-per-connection server's handler (tests/e2e/target_fork_fds.c) shows
  # the listener, the log, the pipe's ends and the accepted connection it
  # inherited (they were numbers: only stdio was named, from /proc); the
  # parent's close of the connection and its open that takes the number
  # again right after the fork (often drained before the child's start) are
  # the parent's alone; the handler's close and reopen of 4 rename its 4
  # only, the parent's later write to 4 keeps the log's name; `ospy streams`
  # lists the handler's connection with its addresses (it was `socket ? -> ?`)
  # and its log by path
  m=64
  if [ "$case_name" = fork-fd-names-i386 ]; then
    m=32
    [ -n "$agent32" ] && [ -f "$agent32" ] ||
      { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  fi
  cc -m$m -O2 -o "$tmp/ff" "$(dirname "$0")/target_fork_fds.c" 2>"$tmp/cc" ||
    { [ $m = 32 ] && { echo "skip: no -m32 toolchain"; exit 77; }; cat "$tmp/cc"; fail "cc"; }
  "$tmp/ff" "$tmp" >"$tmp/plain" 2>/dev/null ||
    { [ $m = 32 ] && { echo "skip: this machine cannot run i386 programs"; exit 77; }; fail "the program alone exited $?"; }
  "$ospy" capture -q -F --preset net,files -o "$tmp/c.ospy" -- "$tmp/ff" "$tmp" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "piped 16 'through the pipe', handler 0, client 0"
  h=$(sed -n 's/^handler //p' "$tmp/err")
  "$ospy" show -s 0 "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  parent=$(sed -n 's/^[0-9:.]* \[\([0-9]*\)\] libc.so.6!listen(.*/\1/p' "$tmp/show")
  [ -n "$h" ] && [ -n "$parent" ] || { cat "$tmp/err" "$tmp/show"; fail "no handler or parent pid"; }
  port=$(sed -n 's/.*getsockname(sockfd=3<TCP:\[127.0.0.1:\([0-9]*\)\]>.*/\1/p' "$tmp/show")
  conn="TCP:\\[127\\.0\\.0\\.1:$port->127\\.0\\.0\\.1:[0-9]+\\]"
  expect_line "$tmp/show" "[$h] +++ process started (parent $parent, $m-bit): $tmp/ff $tmp"
  expect_regex "$tmp/show" "^\\S+ \\[$h\\] libc\\.so\\.6!recv\\(sockfd=7<$conn>, buf=\"ping\", len=7, flags=0x0\\) = 4\$"
  expect_line "$tmp/show" "[$h] libc.so.6!write(fd=4<$tmp/log>, buf=\"ping\", count=4) = 4"
  expect_regex "$tmp/show" "^\\S+ \\[$h\\] libc\\.so\\.6!send\\(sockfd=7<$conn>, buf=\"pong\", len=4, flags=0x0\\) = 4\$"
  expect_line "$tmp/show" "[$h] libc.so.6!close(fd=4<$tmp/log>) = 0"
  expect_line "$tmp/show" "[$h] libc.so.6!open(pathname=\"$tmp/child-own\", flags=O_WRONLY|O_CREAT|O_TRUNC, mode=0644) = 4<$tmp/child-own>"
  expect_line "$tmp/show" "[$h] libc.so.6!write(fd=4<$tmp/child-own>, buf=\"the handler's own\\n\", count=18) = 18"
  expect_line "$tmp/show" "[$h] libc.so.6!close(fd=3<TCP:[127.0.0.1:$port]>) = 0"
  expect_line "$tmp/show" "[$h] libc.so.6!close(fd=5<pipe:[read]>) = 0"
  expect_line "$tmp/show" "[$h] libc.so.6!dup2(oldfd=6<pipe:[write]>, newfd=1<pipe:[write]>) = 1<pipe:[write]>"
  expect_line "$tmp/show" "[$h] libc.so.6!write(fd=1<pipe:[write]>, buf=\"through the pipe\", count=16) = 16"
  expect_regex "$tmp/show" "^\\S+ \\[$h\\] libc\\.so\\.6!close\\(fd=7<$conn>\\) = 0\$"
  # the parent's own: the connection closed and its number taken by a file after the fork
  expect_regex "$tmp/show" "^\\S+ \\[$parent\\] libc\\.so\\.6!close\\(fd=7<$conn>\\) = 0\$"
  expect_line "$tmp/show" "[$parent] libc.so.6!open(pathname=\"$tmp/parent-new\", flags=O_WRONLY|O_CREAT|O_TRUNC, mode=0644) = 7<$tmp/parent-new>"
  expect_line "$tmp/show" "[$parent] libc.so.6!read(fd=5<pipe:[read]>, buf=\"through the pipe\", count=31) = 16"
  expect_line "$tmp/show" "[$parent] libc.so.6!write(fd=4<$tmp/log>, buf=\"the parent's log\\n\", count=17) = 17"
  grep -F "[$h] " "$tmp/show" | grep -F "parent-new" && fail "the parent's file after the fork named in the handler"
  "$ospy" streams "$tmp/c.ospy" >"$tmp/streams" || fail "streams exited $?"
  expect_regex "$tmp/streams" "^#[0-9]+ +$h +fd=7 +tcp +127\\.0\\.0\\.1:$port -> 127\\.0\\.0\\.1:[0-9]+ +4 bytes out, 4 in\$"
  expect_regex "$tmp/streams" "^#[0-9]+ +$h +fd=4 +fd +$tmp/log +4 bytes out, 0 in\$"
  expect_regex "$tmp/streams" "^#[0-9]+ +$h +fd=1 +fd +pipe:\\[write\\] +16 bytes out, 0 in\$"
  # the exports name them too (the capture's FdName records)
  "$ospy" export "$tmp/c.ospy" --format jsonl -o "$tmp/c.jsonl" 2>/dev/null || fail "export exited $?"
  grep -F "\"pid\":$h," "$tmp/c.jsonl" | grep -F '"name":"libc.so.6::recv"' |
    grep -qE "\"fd_name\":\"$conn\"" || { grep -F "\"pid\":$h," "$tmp/c.jsonl"; fail "the handler's recv has no fd_name in the export"; }
  # and the pcapng export: the handler's connection with its real addresses
  # (it had 10.0.0.1 -> 10.0.0.2), its SYN from the peer (the parent accepted it)
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.pcapng" 2>/dev/null || fail "pcapng export exited $?"
  if command -v python3 >/dev/null; then
    python3 - "$tmp/c.pcapng" >"$tmp/packets" <<'PY' || fail "cannot read the pcapng"
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 0
while off + 12 <= len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    if btype == 6:  # Enhanced Packet Block: IPv4 TCP, "SRC:PORT > DST:PORT FLAGS LEN"
        caplen = struct.unpack_from("<I", data, off + 20)[0]
        pkt = data[off + 28:off + 28 + caplen]
        ihl = (pkt[0] & 15) * 4
        sport, dport = struct.unpack_from(">HH", pkt, ihl)
        fl = pkt[ihl + 13]
        flags = "".join(c for c, b in (("S", 2), ("F", 1), ("P", 8), ("A", 16)) if fl & b)
        head = ihl + (pkt[ihl + 12] >> 4) * 4
        print("%s:%d > %s:%d %s %d" % (".".join(map(str, pkt[12:16])), sport,
                                       ".".join(map(str, pkt[16:20])), dport, flags, len(pkt) - head))
    off += max(blen, 12)
PY
    echo "pcapng packets:"; cat "$tmp/packets"
    expect_regex "$tmp/packets" "^127\\.0\\.0\\.1:[0-9]+ > 127\\.0\\.0\\.1:$port S 0\$"
    expect_regex "$tmp/packets" "^127\\.0\\.0\\.1:[0-9]+ > 127\\.0\\.0\\.1:$port PA 4\$"
    expect_regex "$tmp/packets" "^127\\.0\\.0\\.1:$port > 127\\.0\\.0\\.1:[0-9]+ PA 4\$"
    grep -q "^127\\.0\\.0\\.1:$port > .* S 0\$" "$tmp/packets" && fail "a SYN from the handler's (accepted) end"
    grep -q "10\\.0\\.0\\.2" "$tmp/packets" && fail "the handler's connection has made-up addresses"
  fi
  echo "fork-fd-names ($m-bit): the handler shows the listener, log, pipe ends and connection it inherited; the parent's close and reopen after the fork and the handler's own reopen stay each its own; streams and the pcapng export show the handler's connection with its addresses" ;;
fds)
  # ospy started with stderr closed: the ring took descriptor 2 and the live
  # view wrote into it (the program died of SIGSEGV); the program gets its
  # descriptors as ospy got them: 2 closed
  # (it depended on timing: about half the runs died)
  for i in 1 2 3 4 5 6 7 8 9 10; do
    "$ospy" capture --preset files -o "$tmp/c.ospy" -- "$target" 1 exit 0 >/dev/null 2>&-
    rc=$?
    [ $rc = 0 ] || fail "stderr closed: exit $rc, expected 0"
  done
  "$ospy" capture --preset files -o "$tmp/c.ospy" -- sh -c 'if echo x >&2; then echo open; else echo closed; fi' \
    >"$tmp/out" 2>&- || fail "stderr closed: capture exited $?"
  expect_line "$tmp/out" "closed"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "+++ exited with 0 +++"
  # a descriptor the program inherits at the ring's usual number stays its own
  bash -c 'exec 1023>"$1"; "$2" capture -q -F -f write -o "$3" -- bash -c "echo via-1023 >&1023"' sh \
    "$tmp/fd1023" "$ospy" "$tmp/f.ospy" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture with fd 1023 inherited exited $?"; }
  expect_line "$tmp/fd1023" "via-1023"
  "$ospy" show "$tmp/f.ospy" >"$tmp/show" || fail "show exited $?"
  grep -q -- "--- lost" "$tmp/show" && fail "fd 1023: lost events: $(grep -- '--- lost' "$tmp/show")"
  # a descriptor ospy was started without is not named (it was "/dev/null",
  # ospy's own stand-in: the program's EBADF, and the file that later took
  # the number, shown under that name)
  printf '%s\n' '#include <unistd.h>' \
    'int main(void) { char b[4]; return read(0, b, 4) < 0 && write(1, "x", 1) < 0 ? 0 : 1; }' \
    > "$tmp/badfd.c"
  cc -o "$tmp/badfd" "$tmp/badfd.c" || fail "cc badfd.c"
  "$ospy" capture -q -f read,write -o "$tmp/b.ospy" -- "$tmp/badfd" <&- >&- ||
    fail "stdin and stdout closed: the program did not see them closed (exit $?)"
  "$ospy" show "$tmp/b.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "read(fd=0, count=4) = -1 EBADF"
  expect_line "$tmp/show" "write(fd=1, buf=\"x\", count=1) = -1 EBADF"
  echo "fds: stderr closed for ospy and its program; an inherited fd 1023 kept; closed ones unnamed" ;;
live-stop)
  # --duration with the live view on, attached to threads that call a hooked
  # function as fast as they can: the live view cannot keep up. The stop must
  # still come (the drain is cut in slices, the backlog goes to the file
  # unshown), and the agent's "detached, hooks removed" must be in the
  # capture (the drain overran its 2 s after the detach request).
  cat > "$tmp/busy.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <time.h>
__attribute__((noinline)) int tick(int x) { volatile int v = x; return v + 1; }
static void *spin(void *a) { long s = 0; time_t end = time(0) + 30; while (time(0) < end) for (int i = 0; i < 100000; i++) s += tick(i); return (void *)s; }
int main(void) { pthread_t t[3]; for (int i = 0; i < 3; i++) pthread_create(&t[i], 0, spin, 0); puts("go"); fflush(stdout); spin(0); return 0; }
C
  cc -O1 -pthread -o "$tmp/busy" "$tmp/busy.c" || fail "cannot build the busy target"
  "$tmp/busy" >"$tmp/busy.out" &
  bpid=$!
  while [ ! -s "$tmp/busy.out" ]; do sleep 0.05; done
  "$ospy" capture -f tick -p $bpid --duration 1 -o "$tmp/b.ospy" 2>"$tmp/live"
  rc=$?
  kill $bpid; wait $bpid 2>/dev/null
  [ $rc = 0 ] || { tail -3 "$tmp/live"; fail "attach --duration 1 exited $rc"; }
  "$ospy" show "$tmp/b.ospy" | grep -v '!tick(' >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "info: agent: detached, hooks removed"
  expect_line "$tmp/show" "+++ detached +++"
  grep -q '!tick(' "$tmp/live" || fail "the live view showed no call"
  echo "live-stop: --duration stops with the live view behind; the agent's detach is recorded" ;;
sigaction-record)
  # sigaction as recorded: the mask by signal names (glibc's sigset_t is 128
  # bytes, of which the kernel reads 8: the rest was uninitialised stack,
  # compared by diff), the agent's crash handler never seen in oldact (its
  # leave runs before the user's listener records), and a handler's address
  # not a difference between two runs
  cat > "$tmp/sa.c" <<'C'
#include <signal.h>
#include <stddef.h>
static void h(int s) { (void)s; }
int main(void) {
  struct sigaction sa = { 0 }, old;
  sa.sa_handler = h;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGQUIT, NULL, &old);
  return old.sa_handler == SIG_DFL ? 0 : 1;
}
C
  cc -o "$tmp/sa" "$tmp/sa.c" || fail "cc sa.c"
  for run in 1 2; do
    "$ospy" capture -q --preset proc -o "$tmp/sa$run.ospy" -- "$tmp/sa" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture run $run exited $?"; }
  done
  "$ospy" show "$tmp/sa1.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" 'libc\.so\.6!sigaction\(signum=SIGUSR1, act=\{sa_handler=0x[0-9a-f]+, sa_mask=SIGINT\|SIGTERM, sa_flags=0x0\}, oldact=NULL\) = 0$'
  expect_line "$tmp/show" 'libc.so.6!sigaction(signum=SIGQUIT, act=NULL, oldact={sa_handler=SIG_DFL, sa_mask=0x0, sa_flags=0x0}) = 0'
  "$ospy" diff "$tmp/sa1.ospy" "$tmp/sa2.ospy" >"$tmp/diff" 2>&1 || { cat "$tmp/diff"; fail "two runs differ"; }
  echo "sigaction-record: mask by names, crash handler hidden, handler addresses not compared" ;;
follow-env)
  # with -F a program's environment is its own: ospy's entries are taken out
  # at its start and given back only to the programs it execs, which are
  # followed (and see a clean environment in turn)
  "$ospy" capture -q -F -f write -o "$tmp/c.ospy" -- /bin/sh -c 'env; /usr/bin/env; echo done' \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "done"
  grep -E 'OSPY_RING_FD|libospy-agent' "$tmp/out" && fail "the program saw ospy's environment"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c '+++ process started' "$tmp/show")
  [ "$n" = 3 ] || { cat "$tmp/show"; fail "expected sh and its two env followed, got $n"; }
  expect_regex "$tmp/show" 'libc\.so\.6!write\(fd=1.*buf="done'
  echo "follow-env: $n processes followed, none saw ospy's environment" ;;
follow-stop)
  # -F stopped by --duration while the program's background job runs on: the
  # job's later execs still find the agent its LD_PRELOAD names (the
  # directory was removed: a loader error at each exec)
  "$ospy" capture -q -F --duration 1 -f write -o "$tmp/c.ospy" -- \
    sh -c "(sleep 2; ls /etc/hostname) >$tmp/bg.log 2>&1 &" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/err" "it is left in place"
  i=0
  until grep -q hostname "$tmp/bg.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the background job never ran ls"; sleep 0.1
  done
  sleep 0.2
  expect_line "$tmp/bg.log" "/etc/hostname"
  grep -q "cannot be preloaded" "$tmp/bg.log" && fail "the job lost its agent: $(cat "$tmp/bg.log")"
  dir=$(sed -n 's/.*still use \([^ ]*\) .*/\1/p' "$tmp/err")
  case $dir in /tmp/ospy-agents.*|"${TMPDIR:-/tmp}"/ospy-agents.*) rm -rf "$dir" ;; esac
  echo "follow-stop: a job left running keeps its agent directory" ;;
exec-hint)
  # without -F, a wrapper that execs the real program (a pyenv shim, a
  # launcher script): the capture says the program it runs is not recorded;
  # children a shell forks and execs are no such case
  "$ospy" capture -f write -o "$tmp/c.ospy" -- sh -c "exec $target 2 exit 0" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "xx"
  expect_line "$tmp/err" "warning: agent: the program execs $target: what it runs is not recorded without -F"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "the program execs $target"
  # -q hides calls, not the warning (a pyenv shim captured silently)
  "$ospy" capture -q -f write -o "$tmp/c.ospy" -- sh -c "exec $target 2 exit 0" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -q exited $?"; }
  expect_line "$tmp/err" "warning: agent: the program execs $target: what it runs is not recorded without -F"
  grep -q 'write(' "$tmp/err" && fail "-q showed calls: $(cat "$tmp/err")"
  "$ospy" capture -q -f write -o "$tmp/d.ospy" -- sh -c "$target 1 exit 0; $target 1 exit 0" >/dev/null 2>&1 ||
    fail "capture of a shell running two commands exited $?"
  "$ospy" show "$tmp/d.ospy" | grep -q "the program execs" && fail "a shell's forked commands taken for an exec of the program"
  echo "exec-hint: an exec without -F is said, a shell's commands are not" ;;
null-answers)
  # NULL as an answer, not a failure (<returnValue nullIsError="false">):
  # getenv of an unset variable, readdir at the end of a directory; a NULL
  # from opendir of a missing directory still fails, with its errno
  cat > "$tmp/na.c" <<'C'
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  int n = 0;
  DIR *d = opendir("/");
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  printf("%s %d %p\n", getenv("OSPY_SURELY_UNSET") ? "set" : "unset", n > 2, (void *)opendir("/nonexistent"));
  return 0;
}
C
  cc -O1 -o "$tmp/na" "$tmp/na.c" || fail "cannot build the target"
  "$ospy" capture -q --preset proc --preset files -o "$tmp/c.ospy" -- "$tmp/na" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "unset 1"
  "$ospy" show --failed "$tmp/c.ospy" >"$tmp/failed" || fail "show --failed exited $?"
  grep -E 'getenv|readdir' "$tmp/failed" && fail "a NULL answer shown as a failure"
  expect_regex "$tmp/failed" 'opendir\(name="/nonexistent"\) = (NULL|0x0) ENOENT'
  "$ospy" show "$tmp/c.ospy" | grep -q 'getenv(name="OSPY_SURELY_UNSET") = NULL$' ||
    fail "getenv: $("$ospy" show "$tmp/c.ospy" | grep getenv)"
  "$ospy" check "$(dirname "$demo_xml")/../configs/proc.xml" >"$tmp/check" || fail "check proc.xml exited $?"
  expect_line "$tmp/check" "spec getenv: default, returns AsciiStringPtr (NULL is no error)"
  echo "null-answers: getenv and readdir's NULL are answers, opendir's a failure" ;;
error-values)
  # (void *)-1 is the failure, NULL an answer (<returnValue errorValue="-1">):
  # mmap's MAP_FAILED and signal's SIG_ERR; SIG_DFL (0) returned is a success.
  # Both architectures: -1 at the pointer's width. A handler is shown as
  # SIG_DFL, SIG_IGN or SIG_ERR, else as its address (an enumeration read as
  # Size: marshalAs), in signal's arguments and return and in sigaction's.
  # realloc's NULL fails only for a size that is not 0 (<returnValue
  # errorCondition>): realloc(p, 0) and reallocarray(p, 0, n) free p.
  cat > "$tmp/ev.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
static void on_usr2(int s) { (void)s; }
static volatile size_t huge = (size_t)-1 / 2, none = 0;
int main(void) {
  void *p = malloc(32), *q = malloc(32);
  void *too_big = realloc(p, huge);
  void *freed = realloc(p, none), *freed_array = reallocarray(q, none, 16);
  void *bad = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 77, 0);
  void *good = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void (*dfl)(int) = signal(SIGUSR1, SIG_IGN);
  void (*ign)(int) = signal(SIGUSR1, SIG_DFL);
  void (*err)(int) = signal(99, SIG_IGN);
  signal(SIGUSR2, on_usr2);
  struct sigaction old;
  sigaction(SIGUSR2, NULL, &old);
  printf("%d %d %d %d %d %d %p\n", bad == MAP_FAILED, good != MAP_FAILED, dfl == SIG_DFL, ign == SIG_IGN,
         err == SIG_ERR, !too_big && !freed && !freed_array, (void *)old.sa_handler);
  return 0;
}
C
  check_error_values() { # BINARY ALL-ONES
    "$ospy" capture -q --preset mem --preset proc -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $1 exited $?"; }
    expect_regex "$tmp/out" "^1 1 1 1 1 1 0x[0-9a-f]+\$"
    handler=$(cut -d' ' -f7 "$tmp/out")
    "$ospy" show --failed "$tmp/c.ospy" >"$tmp/failed" || fail "show --failed exited $?"
    expect_line "$tmp/failed" "libc.so.6!mmap(addr=0x0, length=4096, prot=PROT_READ, flags=MAP_PRIVATE, fd=77, offset=0) = $2 EBADF (Bad file descriptor)"
    expect_line "$tmp/failed" "libc.so.6!signal(signum=99, handler=SIG_IGN) = SIG_ERR EINVAL (Invalid argument)"
    expect_regex "$tmp/failed" "libc\.so\.6!realloc\(ptr=0x[0-9a-f]+, size=[1-9][0-9]*\) = 0x0 ENOMEM \(Cannot allocate memory\)\$"
    [ "$(grep -c 'libc.so.6!' "$tmp/failed")" = 3 ] ||
      fail "$1: only the two (void *)-1 calls and realloc's ENOMEM fail: $(cat "$tmp/failed")"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" "libc\.so\.6!realloc\(ptr=0x[0-9a-f]+, size=0\) = 0x0\$"
    expect_regex "$tmp/show" "libc\.so\.6!reallocarray\(ptr=0x[0-9a-f]+, nmemb=0, size=16\) = 0x0\$"
    expect_line "$tmp/show" "libc.so.6!signal(signum=SIGUSR1, handler=SIG_IGN) = SIG_DFL"
    expect_line "$tmp/show" "libc.so.6!signal(signum=SIGUSR1, handler=SIG_DFL) = SIG_IGN"
    expect_line "$tmp/show" "libc.so.6!signal(signum=SIGUSR2, handler=$handler) = SIG_DFL"
    expect_line "$tmp/show" "libc.so.6!sigaction(signum=SIGUSR2, act=NULL, oldact={sa_handler=$handler, "
    "$ospy" stats --no-hist -e mmap -e signal "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
    expect_regex "$tmp/stats" '^ +2 +1 .* libc\.so\.6!mmap$'
    expect_regex "$tmp/stats" '^ +4 +1 .* libc\.so\.6!signal$'
    "$ospy" stats --no-hist -e 'realloc*' "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
    expect_regex "$tmp/stats" '^ +2 +1 .* libc\.so\.6!realloc$'
    expect_regex "$tmp/stats" '^ +1 +0 .* libc\.so\.6!reallocarray$'
  }
  cc -O1 -o "$tmp/ev" "$tmp/ev.c" || fail "cannot build the target"
  check_error_values "$tmp/ev" 0xffffffffffffffff
  configs="$(dirname "$demo_xml")/../configs"
  "$ospy" check "$configs/mem.xml" >"$tmp/check" || fail "check mem.xml exited $?"
  expect_line "$tmp/check" "spec mmap: default, returns Pointer hex (-1 is the error)"
  expect_line "$tmp/check" "spec realloc: default, returns Pointer hex (failed when retval == 0 && arg.size != 0)"
  "$ospy" check "$configs/proc.xml" >"$tmp/check" || fail "check proc.xml exited $?"
  expect_line "$tmp/check" "spec signal: default, returns SigHandler as Size hex (-1 is the error)"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 -O1 -o "$tmp/ev32" "$tmp/ev.c" 2>/dev/null &&
     "$tmp/ev32" >/dev/null 2>&1; then
    check_error_values "$tmp/ev32" 0xffffffff
    i386=checked
  fi
  echo "error-values: MAP_FAILED and SIG_ERR fail, NULL and SIG_DFL do not, realloc's NULL for size 0 neither; handlers by name (i386 $i386)" ;;
thiscall-gcc-i386)
  # callingConvention="thiscall" (MSVC's `this` in ecx) on a g++ method, whose
  # `this` g++ passes on the stack: its arguments were read one word off,
  # silently; now a Warning says so. A real thiscall method (one g++ was told
  # to build so) reads ecx: no Warning.
  [ -n "$agent32" ] || { echo "(no i386 agent: skipped)"; exit 0; }
  cat > "$tmp/tc.cc" <<'X'
#include <cstdio>
struct Obj {
  int base = 100;
  virtual int __attribute__((noinline)) plain(int a, int b) { return base + a * b; }
  virtual int __attribute__((thiscall, noinline)) real(int a, int b) { return base - a - b; }
};
int main() {
  Obj o; Obj *p = &o; int s = 0;
  for (int i = 0; i < 2; i++) s += p->plain(i, 3) + p->real(i, 1);
  std::printf("s=%d\n", s);
}
X
  c++ -m32 -O2 -o "$tmp/tc" "$tmp/tc.cc" 2>"$tmp/ccerr" || { echo "(no g++ -m32: skipped)"; exit 0; }
  cat > "$tmp/tc.xml" <<'X'
<hookManager><specs><vtables><vtable id="Obj" methodCount="2">
<method index="0" name="plain" callingConvention="thiscall"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></method>
<method index="1" name="real" callingConvention="thiscall"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></method>
</vtable></vtables></specs>
<hooks><vtables><vtable specId="Obj" name="Obj" vtableSymbol="_ZTV3Obj" moduleName="tc"/></vtables></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/tc.xml" -o "$tmp/tc.ospy" -- "$tmp/tc" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of tc exited $?"; }
  expect_line "$tmp/out" "s=400"
  "$ospy" show "$tmp/tc.ospy" >"$tmp/show" || fail "show tc exited $?"
  expect_regex "$tmp/show" 'warning: tc!Obj::plain: declared callingConvention="thiscall" .* GCC and clang pass `this` on the stack'
  grep 'warning: tc!Obj::real' "$tmp/show" && fail "a real thiscall method was warned of"
  expect_line "$tmp/show" 'tc!Obj::real(a=1, b=1) = 98'
  echo "a g++ method declared thiscall is warned of; a thiscall one is not"
  ;;
own-noreturn-names)
  # a program's own functions named as libc's that never return or return
  # twice (err, errx, vfork) are ordinary functions: they return, and show
  # their values; libc's exit still ends its call at entry (= ?)
  cat > "$tmp/own.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) int err(int e) { return e + 1; }
__attribute__((noinline)) int errx(int e, int f) { return e * f; }
__attribute__((noinline)) int vfork(void) { return 42; }
int main(void) {
  printf("%d %d %d\n", err(2), errx(3, 4), vfork());
  fflush(stdout);
  exit(0);
}
C
  for arch in 64 32; do
    [ $arch = 32 ] && [ -z "$agent32" ] && { echo "(no i386 agent: i386 part skipped)"; continue; }
    cc -m$arch -O0 -o "$tmp/own$arch" "$tmp/own.c" 2>"$tmp/ccerr" ||
      { [ $arch = 32 ] && { echo "(no gcc -m32: skipped)"; continue; }; cat "$tmp/ccerr"; fail "cannot build own.c"; }
    "$ospy" capture -q -f "own$arch!err,own$arch!errx,own$arch!vfork,exit" -o "$tmp/own.ospy" -- \
      "$tmp/own$arch" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture of own$arch exited $?"; }
    expect_line "$tmp/out" "3 12 42"
    "$ospy" show "$tmp/own.ospy" >"$tmp/show" || fail "show own$arch exited $?"
    expect_regex "$tmp/show" "own$arch!err\(arg0=0x2.*\) = 3\$"
    expect_regex "$tmp/show" "own$arch!errx\(arg0=0x3, arg1=0x4.*\) = 12\$"
    expect_regex "$tmp/show" "own$arch!vfork\(.*\) = 42\$"
    expect_regex "$tmp/show" "libc.so.6!exit\(status=0\) = \?\$"
    echo "own$arch: err, errx, vfork return; libc's exit does not"
  done
  ;;
sets-errno)
  # a function returning the error number itself (Errno: posix_memalign) shows
  # it alone, not beside the errno an earlier call left
  cat > "$tmp/pm.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  void *p = NULL;
  errno = ENOTDIR;
  int rc = posix_memalign(&p, 3, 16); /* not a power of two: EINVAL, errno untouched */
  printf("%d %d\n", rc, errno);
  return 0;
}
C
  cc -o "$tmp/pm" "$tmp/pm.c" || fail "cannot build pm.c"
  "$ospy" capture -q -f posix_memalign -o "$tmp/pm.ospy" -- "$tmp/pm" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of pm exited $?"; }
  expect_line "$tmp/out" "22 20"
  "$ospy" show -e posix_memalign "$tmp/pm.ospy" >"$tmp/pmshow" || fail "show pm exited $?"
  expect_regex "$tmp/pmshow" 'posix_memalign\(.*alignment=3, size=16\) = EINVAL$'
  # dlopen and dlsym report a failure by dlerror(), not errno: a dlopen
  # RTLD_NOLOAD of a library not loaded showed "= 0x0 EINVAL (Invalid
  # argument)", the errno the program had left
  cat > "$tmp/dl.c" <<'C'
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
int main(void) {
  errno = EINVAL;
  void *h = dlopen("libospy-never-loaded.so", RTLD_NOW | RTLD_NOLOAD);
  errno = ENOTDIR;
  void *s = dlsym(RTLD_DEFAULT, "ospy_no_such_symbol");
  printf("%p %p\n", h, s);
  return 0;
}
C
  cc -o "$tmp/dl" "$tmp/dl.c" || fail "cannot build dl.c"
  "$ospy" capture -q -f dlopen,dlsym -o "$tmp/dl.ospy" -- "$tmp/dl" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of dl exited $?"; }
  "$ospy" show --failed "$tmp/dl.ospy" >"$tmp/dlshow" || fail "show dl exited $?"
  expect_regex "$tmp/dlshow" '!dlopen\(filename="libospy-never-loaded.so", flags=RTLD_NOW\|RTLD_NOLOAD\) = 0x0$'
  expect_regex "$tmp/dlshow" '!dlsym\(handle=0x0, symbol="ospy_no_such_symbol"\) = 0x0$'
  configs="$(dirname "$demo_xml")/../configs"
  "$ospy" check "$configs/proc.xml" >"$tmp/check" || fail "check proc.xml exited $?"
  expect_line "$tmp/check" "spec dlclose: default, returns Int32 (does not set errno)"
  # libraries that report through codes of their own (<returnValue
  # setsErrno="false">: GnuTLS, libusb...): a failed call shows no errno text,
  # errno being what an earlier call left (here set by the program)
  cat > "$tmp/gt.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
  gnutls_session_t s;
  gnutls_certificate_credentials_t x;
  int sv[2];
  char buf[64];
  if (gnutls_global_init() < 0 || gnutls_init(&s, GNUTLS_CLIENT) < 0 ||
      socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
    return 1;
  gnutls_set_default_priority(s);
  gnutls_certificate_allocate_credentials(&x);
  gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, x);
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  gnutls_transport_set_int(s, sv[0]);
  int again = gnutls_handshake(s); /* no peer yet */
  errno = ENOENT;
  ssize_t early = gnutls_record_recv(s, buf, sizeof buf); /* during the handshake */
  printf("%d %zd\n", again, early);
  return 0;
}
C
  cc -o "$tmp/gt" "$tmp/gt.c" -lgnutls 2>/dev/null || { echo "skip: no GnuTLS headers"; exit 77; }
  "$ospy" capture -q --preset tls -o "$tmp/c.ospy" -- "$tmp/gt" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "-28 -408"
  "$ospy" show --failed "$tmp/c.ospy" >"$tmp/failed" || fail "show --failed exited $?"
  expect_regex "$tmp/failed" 'libgnutls\.so\.30!gnutls_record_recv\(session=0x[0-9a-f]+, data_size=64\) = [-A-Z_0-9]+$'
  grep -q ENOENT "$tmp/failed" && fail "errno text beside a GnuTLS failure: $(cat "$tmp/failed")"
  "$ospy" check "$configs/usb.xml" >"$tmp/check" || fail "check usb.xml exited $?"
  expect_line "$tmp/check" "spec libusb_open_device_with_vid_pid: default, returns Pointer hex (does not set errno)"
  usb=skipped
  cat > "$tmp/usb.c" <<'C'
#include <errno.h>
#include <libusb-1.0/libusb.h>
#include <stdio.h>
int main(void) {
  libusb_context *ctx = NULL;
  libusb_device **list;
  if (libusb_init(&ctx) != 0) { puts("no usb"); return 0; }
  ssize_t n = libusb_get_device_list(ctx, &list); /* 0 on a machine without USB */
  if (n >= 0)
    libusb_free_device_list(list, 1);
  errno = EAGAIN;
  libusb_device_handle *h = libusb_open_device_with_vid_pid(ctx, 0xfffe, 0xfffd); /* none such */
  printf("%s\n%zd\n", h ? "found" : "none", n);
  libusb_exit(ctx);
  return 0;
}
C
  if cc -o "$tmp/usb" "$tmp/usb.c" -lusb-1.0 2>/dev/null; then
    "$ospy" capture -q --preset usb -o "$tmp/u.ospy" -- "$tmp/usb" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of the libusb program exited $?"; }
    if grep -qx none "$tmp/out"; then
      "$ospy" show --failed "$tmp/u.ospy" >"$tmp/failed" || fail "show --failed exited $?"
      expect_line "$tmp/failed" "libusb_open_device_with_vid_pid(ctx=0x"
      expect_regex "$tmp/failed" "product_id=0xfffd\) = 0x0\$"
      # a count, 0 too, is a number (LibusbCountOrError: not LIBUSB_SUCCESS)
      count=$(sed -n 2p "$tmp/out")
      "$ospy" show -e libusb_get_device_list "$tmp/u.ospy" >"$tmp/list" || fail "show exited $?"
      expect_regex "$tmp/list" "libusb_get_device_list\(ctx=0x[0-9a-f]+, list=\[0x[0-9a-f]+\]\) = $count\$"
      usb="checked (device count $count)"
    fi
  fi
  echo "sets-errno: posix_memalign's EINVAL alone; dlopen, dlsym failures and GnuTLS's without errno text; libusb $usb" ;;
tls-codes)
  # gnutls_record_recv/send return a byte count or a GNUTLS_E_* code
  # (GnutlsCountOrError read as SSize): the count as a number, 0 too (the
  # peer's close_notify, with `bye`), the error by name and failed; a TLS
  # session between two threads over a socketpair
  cat > "$tmp/gt.c" <<'C'
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#define PRIO "NORMAL:-VERS-TLS1.3:+ANON-ECDH"
static int sv[2], bye;
static void *serve(void *unused) {
  gnutls_session_t s;
  gnutls_anon_server_credentials_t a;
  (void)unused;
  gnutls_anon_allocate_server_credentials(&a);
  gnutls_init(&s, GNUTLS_SERVER);
  gnutls_priority_set_direct(s, PRIO, NULL);
  gnutls_credentials_set(s, GNUTLS_CRD_ANON, a);
  gnutls_transport_set_int(s, sv[1]);
  int r;
  do r = gnutls_handshake(s); while (r < 0 && !gnutls_error_is_fatal(r));
  if (r == 0)
    gnutls_record_send(s, "hello", 5);
  if (bye)
    gnutls_bye(s, GNUTLS_SHUT_WR); /* close_notify: the client's next read returns 0 */
  close(sv[1]); /* else none: the client's next read ends prematurely */
  return NULL;
}
int main(int argc, char **argv) {
  gnutls_session_t s;
  gnutls_anon_client_credentials_t a;
  pthread_t t;
  char buf[64];
  bye = argc > 1;
  (void)argv;
  gnutls_global_init();
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pthread_create(&t, NULL, serve, NULL))
    return 1;
  gnutls_anon_allocate_client_credentials(&a);
  gnutls_init(&s, GNUTLS_CLIENT);
  gnutls_priority_set_direct(s, PRIO, NULL);
  gnutls_credentials_set(s, GNUTLS_CRD_ANON, a);
  gnutls_transport_set_int(s, sv[0]);
  int r;
  do r = gnutls_handshake(s); while (r < 0 && !gnutls_error_is_fatal(r));
  ssize_t n = gnutls_record_recv(s, buf, sizeof buf);
  pthread_join(t, NULL);
  ssize_t end = gnutls_record_recv(s, buf, sizeof buf);
  printf("%d %zd %zd\n", r, n, end);
  return 0;
}
C
  cc -o "$tmp/gt" "$tmp/gt.c" -lgnutls -lpthread 2>/dev/null || { echo "skip: no GnuTLS headers"; exit 77; }
  "$ospy" capture -q --preset tls -o "$tmp/c.ospy" -- "$tmp/gt" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "0 5 -110"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" 'gnutls_record_recv\(session=0x[0-9a-f]+, data="hello", data_size=64\) = 5$'
  expect_regex "$tmp/show" 'gnutls_record_send\(session=0x[0-9a-f]+, data="hello", data_size=5\) = 5$'
  "$ospy" show --failed -e 'gnutls_record_*' "$tmp/c.ospy" >"$tmp/failed" || fail "show --failed exited $?"
  expect_regex "$tmp/failed" 'gnutls_record_recv\(session=0x[0-9a-f]+, data_size=64\) = GNUTLS_E_PREMATURE_TERMINATION$'
  [ "$(grep -c 'gnutls_record' "$tmp/failed")" = 1 ] || fail "only the premature end fails: $(cat "$tmp/failed")"
  "$ospy" capture -q --preset tls -o "$tmp/bye.ospy" -- "$tmp/gt" bye >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture (bye) exited $?"; }
  expect_line "$tmp/out" "0 5 0"
  "$ospy" show -e gnutls_record_recv "$tmp/bye.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" 'gnutls_record_recv\(session=0x[0-9a-f]+, data_size=64\) = 0$'
  "$ospy" show --failed "$tmp/bye.ospy" | grep -q gnutls_record && fail "the peer's close_notify (0) is a failure"
  configs="$(dirname "$demo_xml")/../configs"
  "$ospy" check "$configs/usb.xml" >"$tmp/check" || fail "check usb.xml exited $?"
  expect_line "$tmp/check" "spec libusb_control_transfer: default, returns LibusbCountOrError as Int32 (does not set errno)"
  echo "tls-codes: gnutls record counts as numbers (0 too), GNUTLS_E_PREMATURE_TERMINATION by name" ;;
catalogue-display)
  # values of the presets shown as strace shows them
  mkdir "$tmp/w"
  cat > "$tmp/cd.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open("/dev/null", O_RDONLY);
  int unknown = ioctl(fd, _IOR('x', 0x42, int), &fd); /* no name: in hex */
  int named = ioctl(fd, FIONREAD, &fd);
  struct stat st;
  if (argc < 2 || chdir(argv[1]) < 0)
    return 1;
  close(open("f", O_WRONLY | O_CREAT, 0640));
  close(openat(AT_FDCWD, "f", O_RDONLY));
  mkdir("d", 01777);
  chmod("d", 01777);
  stat("f", &st);
  stat("d", &st);
  printf("%d %d\n", unknown, named);
  return 0;
}
C
  cc -O1 -o "$tmp/cd" "$tmp/cd.c" || fail "cannot build the target"
  "$ospy" capture -q --preset ioctl --preset files -o "$tmp/c.ospy" -- "$tmp/cd" "$tmp/w" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "libc.so.6!ioctl(fd=3</dev/null>, request=0x80047842, arg=\"\" => \"\", ioc_dir=_IOC_READ, ioc_type=0x78, ioc_nr=0x42, ioc_size=4) = -1 ENOTTY"
  expect_line "$tmp/show" "libc.so.6!ioctl(fd=3</dev/null>, request=FIONREAD, "
  # modes in octal, st_mode as its file type and permissions, AT_FDCWD by name
  expect_line "$tmp/show" "libc.so.6!open(pathname=\"f\", flags=O_WRONLY|O_CREAT, mode=0640) = 4<f>"
  expect_line "$tmp/show" "libc.so.6!openat(dirfd=AT_FDCWD, pathname=\"f\", flags=O_RDONLY) = 4<f>"
  expect_line "$tmp/show" "libc.so.6!mkdir(pathname=\"d\", mode=01777) = 0"
  expect_regex "$tmp/show" 'libc\.so\.6!stat\(pathname="f", statbuf=\{.*st_mode=S_IFREG\|0640, '
  expect_regex "$tmp/show" 'libc\.so\.6!stat\(pathname="d", statbuf=\{.*st_mode=S_IFDIR\|S_ISVTX\|0777, '
  # z_stream's data_type: a number (after inflate a bit count and flags, not Z_TEXT)
  cat > "$tmp/z.c" <<'C'
#include <string.h>
#include <zlib.h>
int main(void) {
  unsigned char in[] = "hello hello hello hello", packed[128], out[128];
  uLongf n = sizeof packed;
  z_stream s;
  if (compress(packed, &n, in, sizeof in) != Z_OK)
    return 1;
  memset(&s, 0, sizeof s);
  inflateInit(&s);
  s.next_in = packed, s.avail_in = (uInt)n, s.next_out = out, s.avail_out = sizeof out;
  int r = inflate(&s, Z_FINISH);
  inflateEnd(&s);
  return r == Z_STREAM_END ? 0 : 1;
}
C
  if cc -o "$tmp/z" "$tmp/z.c" -lz 2>/dev/null; then
    "$ospy" capture -q --preset zlib -o "$tmp/z.ospy" -- "$tmp/z" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of the zlib program exited $?"; }
    "$ospy" show -e inflate "$tmp/z.ospy" >"$tmp/zshow" || fail "show exited $?"
    expect_regex "$tmp/zshow" 'inflate\(strm=\{.*, data_type=0, .* => \{.*, data_type=[0-9]+, .*\) = Z_STREAM_END$'
    grep -q 'data_type=Z_' "$tmp/zshow" && fail "data_type named: $(cat "$tmp/zshow")"
  fi
  # getaddrinfo's ai_protocol by the names socket() shows
  cat > "$tmp/gai.c" <<'C'
#include <netdb.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  struct addrinfo h, *r;
  memset(&h, 0, sizeof h);
  h.ai_family = AF_INET6;
  h.ai_socktype = SOCK_DGRAM;
  h.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  if (getaddrinfo("::1", "53", &h, &r) != 0)
    return 1;
  printf("%d\n", r->ai_protocol);
  freeaddrinfo(r);
  return 0;
}
C
  cc -o "$tmp/gai" "$tmp/gai.c" || fail "cannot build the getaddrinfo program"
  "$ospy" capture -q --preset net -o "$tmp/g.ospy" -- "$tmp/gai" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of the getaddrinfo program exited $?"; }
  expect_line "$tmp/out" "17"
  "$ospy" show -e getaddrinfo "$tmp/g.ospy" >"$tmp/gshow" || fail "show exited $?"
  expect_line "$tmp/gshow" "res={addrinfo={ai_flags=AI_NUMERICHOST|AI_NUMERICSERV, ai_family=AF_INET6, ai_socktype=SOCK_DGRAM, ai_protocol=IPPROTO_UDP, "
  echo "catalogue-display: ioctl requests by name, else in hex; modes in octal, AT_FDCWD; data_type a number; ai_protocol named" ;;
missing-later)
  # A library the program opens later that lacks a function the config names
  # for it: said when it is loaded (it was said nowhere), and at the end by
  # what happened, also after its dlclose (it was silent, or blamed a module
  # never loaded). Loaded three times: said once.
  d=$(dirname "$target")
  write_late_config "$tmp/late.xml"
  "$ospy" capture -q -c "$tmp/late.xml" -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" "$d/libe2e-dlib.so" 3 2 \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/err" "6 calls recorded, 0 lost, 1 agent error"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "--- warning: libe2e-dlib.so!no_such_fn: not found in $d/libe2e-dlib.so, loaded at 0x[0-9a-f]+: neither among its exported \(dynamic\) symbols nor in its symbol table: check the name"
  [ "$(grep -c 'not found in' "$tmp/show")" = 1 ] || fail "said more than once: $(grep 'not found in' "$tmp/show")"
  expect_line "$tmp/show" "--- error: libe2e-dlib.so!no_such_fn: never found: $d/libe2e-dlib.so was loaded without it"
  # a static function the compiler left nothing of, and a misspelt one
  # (a close name is offered), in a glob's library
  sed -e 's/name="libe2e-dlib.so"/name="libe2e-*.so"/' -e 's/specId="no_such_fn"/specId="no_such_fn" symbol="ospy_dlib_mull"/' \
    "$tmp/late.xml" >"$tmp/late2.xml"
  "$ospy" capture -q -c "$tmp/late2.xml" -o "$tmp/c.ospy" -- "$d/e2e-target-dlopen" "$d/libe2e-dlib.so" 1 1 \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture (glob) exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" "--- warning: libe2e-\*.so!no_such_fn: not found in $d/libe2e-dlib.so, loaded at 0x[0-9a-f]+: .*; check the name \(ospy_dlib_mul is close\)$"
  expect_line "$tmp/show" "--- error: libe2e-*.so!no_such_fn: never found: $d/libe2e-dlib.so was loaded without it"
  # a glob's module loaded at the start (here the program) without the
  # function: that another file the glob names may have it is said in words
  # (it ended "... no code of its own to hook) (yet)")
  "$ospy" capture -q -f 'e2e-target-ex*!no_such_fn' -o "$tmp/c.ospy" -- "$target" 0 exit 0 \
    >/dev/null 2>&1
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "--- warning: e2e-target-ex*!no_such_fn: function not found in e2e-target-exit: neither among its exported (dynamic) symbols nor in its symbol table: check the name (a static function the compiler inlined into all its callers has no code of its own to hook); a module matching e2e-target-ex* that the program loads later may have it"
  # a library in the C library's place, loaded at the start: a misspelt or
  # unknown exported name is not blamed on a missing symbol table
  "$ospy" capture -q -f 'libc.so.6!strln' -f 'libc.so.6!nosuchlibc' -o "$tmp/c.ospy" -- "$target" 0 exit 0 \
    >/dev/null 2>&1
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  # (Debian's libc has no .symtab: "not among its exported ... symbols, and its file has none")
  expect_regex "$tmp/show" "--- (error|warning): libc.so.6!strln: function not found in libc.so.6: (not|neither) among its exported \(dynamic\) symbols.*; check the name \(strlen is close\)$"
  expect_regex "$tmp/show" "--- (error|warning): libc.so.6!nosuchlibc: function not found in libc.so.6: (not|neither) among its exported \(dynamic\) symbols.*: check the name"
  # ("(stripped)": the message's word, not a build directory's name)
  grep -q '(stripped)' "$tmp/show" && fail "an exported name blamed on stripping: $(grep stripped "$tmp/show")"
  echo "missing-later: a library loaded without a function is said at its load and at the end; misspelt names get a close one" ;;
va-list-unreadable)
  # a vprintf-like function handed a va_list that cannot be read (a garbage
  # word, NULL): its first value is shown unreadable at that address and ends
  # the values, and the export marks the format truncated; a valid va_list
  # still decodes in full. On both architectures: x86-64's va_list points at
  # a structure, i386's at the values themselves.
  command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
  cat > "$tmp/va.c" <<'C'
#include <stdarg.h>
#include <stdint.h>
static volatile int sink;
__attribute__((noinline)) int vfn(const char *f, va_list ap)
{
  sink = f[0]; /* long enough to be hooked; ap is not touched */
  return 1;
}
__attribute__((noinline)) int fn(const char *f, ...)
{
  va_list ap;
  va_start(ap, f);
  int r = vfn(f, ap);
  va_end(ap);
  return r;
}
int main(void)
{
  /* vfn's va_list parameter is passed as a word (i386: the pointer itself,
   * x86-64: the structure's address) */
  int (*raw)(const char *, uintptr_t) = (int (*)(const char *, uintptr_t))(void (*)(void))vfn;
  raw("%d %d", 3);
  raw("%s %d", 0);
  return fn("%s %d %x %c", "str", -5, 0xbeef, 'Q') - 1;
}
C
  cat > "$tmp/va.xml" <<'X'
<hookManager><specs><functions><function name="vfn"><returnValue type="Int32"/><arguments>
<argument name="f" type="AsciiFormatStringPtr" vaList="arg.ap"/><argument name="ap" type="VaList"/>
</arguments></function></functions></specs>
<hooks><module name="*"><function specId="vfn"/></module></hooks></hookManager>
X
  check_va() { # BINARY
    "$ospy" capture -q -c "$tmp/va.xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $1 exited $?"; }
    "$ospy" show -e vfn "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" '!vfn(f="%d %d"(<unreadable at 0x3>)) = 1'
    expect_line "$tmp/show" '!vfn(f="%s %d"(<unreadable at 0x0>)) = 1'
    expect_line "$tmp/show" "!vfn(f=\"%s %d %x %c\"(\"str\", -5, 0xbeef, 'Q')) = 1"
    "$ospy" export "$tmp/c.ospy" -o "$tmp/c.jsonl" 2>/dev/null || fail "export exited $?"
    jq -e -s 'map(select(.type == "FunctionCall") | .args_in[0])
      | length == 3 and (map(.truncated == true) == [true, true, false])
      and (.[0].children[1].unreadable == "0x3") and (.[1].children[1].unreadable == "0x0")
      and (.[0].children | length == 2) and (.[2].children | length == 5)' "$tmp/c.jsonl" >/dev/null ||
      fail "$1: export: $(grep FunctionCall "$tmp/c.jsonl")"
  }
  cc -O0 -o "$tmp/va" "$tmp/va.c" || fail "cannot build the target"
  check_va "$tmp/va"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 -O0 -o "$tmp/va32" "$tmp/va.c" 2>/dev/null &&
     "$tmp/va32" >/dev/null 2>&1; then
    check_va "$tmp/va32"
    i386=checked
  fi
  echo "va-list-unreadable: an unreadable va_list is an unreadable last value, the format truncated (i386 $i386)" ;;
signal-handler)
  # logNested: a signal handler's calls are its own, not nested in the hooked
  # call its signal interrupted (raise, a blocking read, abort's raise: they
  # were hidden); a call nested in a hooked call inside the handler (signal's
  # sigaction) is still hidden. A plain and an SA_SIGINFO handler (the i386
  # kernel builds two kinds of signal frame).
  cat > "$tmp/sh.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void say(const char *s) { (void)!write(1, s, strlen(s)); }
static void on_usr1(int s) { (void)s; say("usr1 handler\n"); signal(SIGUSR2, SIG_IGN); }
static void on_alrm(int s, siginfo_t *si, void *uc) { (void)s; (void)si; (void)uc; say("alrm handler\n"); }
static void on_abrt(int s) { (void)s; say("abrt handler\n"); }
/* the parent's state in /proc: 'S' once it blocks in read */
static char state_of(pid_t pid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return p && p[1] ? p[2] : 0;
}
int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_sigaction = on_alrm;
  sa.sa_flags = SA_RESTART | SA_SIGINFO;
  sigaction(SIGALRM, &sa, NULL);
  raise(SIGUSR1);
  int p[2];
  if (pipe(p)) return 1;
  pid_t parent = getpid();
  if (fork() == 0) {
    for (int i = 0; i < 500 && state_of(parent) != 'S'; i++) usleep(10000);
    usleep(100000);
    kill(parent, SIGALRM);
    usleep(100000);
    (void)!write(p[1], "x", 1);
    _exit(0);
  }
  char c;
  if (read(p[0], &c, 1) != 1) return 1;
  signal(SIGABRT, on_abrt);
  abort();
}
C
  check_handlers() { # BINARY
    "$ospy" capture -q --preset proc --preset files -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 134 ] || { cat "$tmp/err"; fail "$1: capture exited $rc, expected 134 (SIGABRT)"; }
    expect_line "$tmp/out" "abrt handler"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    for h in usr1 alrm abrt; do
      expect_regex "$tmp/show" "libc\\.so\\.6!write\\(fd=1.*, buf=\"$h handler\\\\n\", count=[0-9]+\\) = [0-9]+\$"
    done
    expect_line "$tmp/show" "libc.so.6!signal(signum=SIGUSR2, handler=SIG_IGN) = SIG_DFL"
    grep -q 'sigaction(signum=SIGUSR2' "$tmp/show" && fail "$1: signal's own sigaction is recorded"
    expect_line "$tmp/show" "libc.so.6!raise(sig=SIGUSR1) = 0"
    expect_regex "$tmp/show" 'libc\.so\.6!read\(fd=[0-9]+<pipe:\[read\]>, buf="x", count=1\) = 1$'
  }
  cc -O0 -o "$tmp/sh" "$tmp/sh.c" || fail "cannot build the target"
  check_handlers "$tmp/sh"
  # i386: where the kernel runs it (qemu-i386, registered with binfmt_misc,
  # builds signal frames of its own: docs/reliability.md)
  emulated_i386() {
    for f in /proc/sys/fs/binfmt_misc/*i386*; do
      [ -f "$f" ] && grep -qx enabled "$f" && return 0
    done
    return 1
  }
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 -O0 -o "$tmp/sh32" "$tmp/sh.c" 2>/dev/null &&
     ! emulated_i386; then
    check_handlers "$tmp/sh32"
    i386=checked
  fi
  echo "signal-handler: a handler's calls recorded inside raise, read and abort; nested ones in it hidden (i386 $i386)" ;;
missing-relative)
  # A library the program opens by a relative path (dlopen("./libe2e-dlib.so"))
  # that lacks a function the config names for it: said at its load and at the
  # end, by the file's absolute path, as for one opened by its absolute path
  # (missing-later). The loader keeps the relative name, which the agent took
  # for the vDSO's: nothing was said at the load, and at the end it blamed a
  # module never loaded, or, after the program's dlclose, said nothing at all.
  # Loaded twice (dlopen, call, dlclose): said once. x86-64 and i386.
  # The library whose function is hooked is not said to define it "not
  # hooked" (the hook's module was told by the loader's "./libe2e-dlib.so",
  # the library loaded by its absolute path: taken for two files), whether
  # the config, -f MODULE!FUNC, -f FUNC or a module glob names the function.
  src=$(dirname "$0")
  check_hooked_here() { # DIR FUNC: -f FUNC, the library loaded once
    (cd "$1" && "$ospy" capture -q -f "$2" -o "$tmp/f.ospy" -- ./e2e-target-dlopen ./libe2e-dlib.so 1 1) \
      >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture -f $2 in $1 exited $?"; }
    "$ospy" show "$tmp/f.ospy" >"$tmp/fshow" || fail "show exited $?"
    expect_regex "$tmp/fshow" "libe2e-dlib.so!ospy_dlib_mul\(arg0=0, arg1=0[,)].* = 1\$"
    grep -F 'also defines' "$tmp/fshow" && fail "-f $2: the library it hooks said not hooked there"
    return 0
  }
  write_late_config "$tmp/late.xml"
  check_relative() { # DIR holding e2e-target-dlopen and libe2e-dlib.so
    dir=$(cd "$1" && pwd -P)
    (cd "$dir" && "$ospy" capture -q -c "$tmp/late.xml" -o "$tmp/c.ospy" -- ./e2e-target-dlopen ./libe2e-dlib.so 2 1) \
      >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture in $dir exited $?"; }
    expect_line "$tmp/out" "calls=2 sum=2"
    expect_line "$tmp/err" "2 calls recorded, 0 lost, 1 agent error"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" "--- loaded $dir/libe2e-dlib.so at 0x[0-9a-f]+ "
    expect_regex "$tmp/show" "libe2e-dlib.so!ospy_dlib_mul\(a=1, b=0\) = 1\$"
    expect_regex "$tmp/show" "--- warning: libe2e-dlib.so!no_such_fn: not found in $dir/libe2e-dlib.so, loaded at 0x[0-9a-f]+: neither among its exported \(dynamic\) symbols nor in its symbol table: check the name"
    [ "$(grep -c 'not found in' "$tmp/show")" = 1 ] || fail "said more than once: $(grep 'not found in' "$tmp/show")"
    expect_line "$tmp/show" "--- error: libe2e-dlib.so!no_such_fn: never found: $dir/libe2e-dlib.so was loaded without it"
    grep -F 'without loading' "$tmp/show" && fail "a library loaded by a relative path taken for one never loaded"
    grep -F 'also defines' "$tmp/show" && fail "the library the config hooks said not hooked there"
    for f in 'libe2e-dlib.so!ospy_dlib_mul' ospy_dlib_mul 'libe2e-*!ospy_dlib_mul'; do
      check_hooked_here "$dir" "$f"
    done
  }
  mkdir "$tmp/x86-64" "$tmp/i386"
  cp "$(dirname "$target")/e2e-target-dlopen" "$(dirname "$target")/libe2e-dlib.so" "$tmp/x86-64/" ||
    fail "cannot copy the dlopen target"
  check_relative "$tmp/x86-64"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O0 -shared -fPIC -o "$tmp/i386/libe2e-dlib.so" "$src/dlib.c" 2>/dev/null &&
     cc -m32 -O0 -o "$tmp/i386/e2e-target-dlopen" "$src/target_dlopen.c" -ldl 2>/dev/null &&
     (cd "$tmp/i386" && ./e2e-target-dlopen ./libe2e-dlib.so 1 1) >/dev/null 2>&1; then
    check_relative "$tmp/i386"
    expect_line "$tmp/show" "32-bit"
    i386=checked
  fi
  echo "missing-relative: a library opened by a relative path without a function: said at its load and at the end, by its absolute path; its hooked function not said unhooked there (config, -f, glob) (i386 $i386)" ;;
cxx-plain-symbol)
  # A config's symbol= written plainly, as -f takes it (docs/catalogue.md, -f
  # step 5): a name only C++ functions carry is theirs, a static one
  # (hidden(int), _ZL6hiddeni) too, also a spec's own name without symbol=;
  # an overloaded one is an error naming one of its forms. They were looked
  # up as C names only ("function not found ... check the name", then "never
  # found"). A C function keeps its name when a C++ overload shares it.
  # x86-64 and i386.
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  cat > "$tmp/prog.cc" <<'X'
#include <cstdio>
struct Job { int id; };
int run(Job *j, int n) { return j->id + n; }
int run(Job *j, long n) { return j->id - (int)n; }
int twice(int x) { return 2 * x; }
static int hidden(int x) { return x * 3; }
extern "C" int tick(int x) { return x + 1; }
int tick(double x) { return (int)x - 1; }
int main(int argc, char **) {
  Job j{7};
  std::printf("%d %d %d %d %d %d\n", run(&j, argc), run(&j, 2L), twice(21), hidden(argc + 1), tick(argc + 4),
              tick(9.0));
}
X
  cat > "$tmp/plain.xml" <<'X'
<hookManager><specs><functions>
<function name="hid"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="twice"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="tk"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="r"><returnValue type="Int32"/><arguments><argument name="j" type="Pointer"/><argument name="n" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="prog">
<function specId="hid" symbol="hidden"/><function specId="twice"/><function specId="tk" symbol="tick"/>
</module></hooks></hookManager>
X
  sed 's|<function specId="hid".*|<function specId="r" symbol="run"/>|' "$tmp/plain.xml" >"$tmp/overloaded.xml"
  sed 's|<function specId="hid".*|<function specId="r" symbol="run(Job*, long)"/>|' "$tmp/plain.xml" >"$tmp/one.xml"
  check_plain() { # PROGRAM (named prog)
    "$ospy" capture -q -c "$tmp/plain.xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of plain C++ names exited $?"; }
    expect_line "$tmp/out" "8 5 42 6 6 8"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" '\] prog!hid\(x=2\) = 6$'
    expect_regex "$tmp/show" '\] prog!twice\(x=21\) = 42$'
    expect_regex "$tmp/show" '\] prog!tk\(x=5\) = 6$'
    [ "$(grep -c 'prog!tk(' "$tmp/show")" = 1 ] || fail "tick(double) hooked too: $(grep 'prog!tk(' "$tmp/show")"
    grep -E -- '--- (error|warning)' "$tmp/show" && fail "plain C++ names: errors or warnings"
    "$ospy" capture -q -c "$tmp/overloaded.xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" &&
      fail "an overloaded plain name in symbol= must be refused"
    expect_regex "$tmp/err" '^ospy capture: hook prog!r: 2 functions have that C\+\+ name \(overloads\); give its parameter list, as nm -C prints it: run\(Job\*, (int|long)\), run\(Job\*, (int|long)\)$'
    "$ospy" capture -q -c "$tmp/one.xml" -o "$tmp/c.ospy" -- "$1" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of one overload exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" '\] prog!r\(j=0x[0-9a-f]+, n=2\) = 5$'
  }
  mkdir "$tmp/x86-64" "$tmp/i386"
  c++ -O0 -o "$tmp/x86-64/prog" "$tmp/prog.cc" || fail "cannot build the C++ target"
  check_plain "$tmp/x86-64/prog"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && c++ -m32 -O0 -o "$tmp/i386/prog" "$tmp/prog.cc" 2>/dev/null &&
     "$tmp/i386/prog" >/dev/null 2>&1; then
    check_plain "$tmp/i386/prog"
    expect_line "$tmp/show" "32-bit"
    i386=checked
  fi
  echo "cxx-plain-symbol: symbol= without C++ syntax hooks the C++ function of that name, refuses an overloaded one, leaves a C function's (i386 $i386)" ;;
cxx-args)
  # A C++ function named with -f and no definition: its arguments were shown
  # as raw words (work(int)(arg0=0x5, ...)) though its C++ name gives their
  # types (docs/catalogue.md, "Arguments from a C++ name")
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  write_cxx_args_program "$tmp"
  check_cxx_args 64
  echo "cxx-args: free and member functions (this), overloads, a std::string const& (Pointer), strings, integers, float and double decoded from their C++ names without DWARF, from their DWARF with it; a class by value, and a scope the name leaves open without DWARF, stay raw" ;;
cxx-args-i386)
  # The same on i386, where every argument is a stack word (long long two,
  # `this` the first under g++'s default convention)
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  write_cxx_args_program "$tmp"
  c++ -m32 -O0 -o "$tmp/probe" "$tmp/cx.cc" 2>/dev/null || { echo "skip: no -m32 C++ toolchain"; exit 77; }
  "$tmp/probe" >/dev/null 2>&1 || { echo "skip: this machine cannot run i386 programs"; exit 77; }
  check_cxx_args 32
  echo "cxx-args-i386: the same decoded from the C++ names on i386 (stack words, long long in two)" ;;
dwarf-args|dwarf-args-i386)
  # A function named with -f that no config defines, in a file built with
  # -g: its arguments were raw register words (scale(arg0=0x556c..., arg1=0x3,
  # ...) = 6, a double's return taken from rax) though its DWARF names and
  # types them (docs/catalogue.md, "Arguments from DWARF"). gcc -O0 and -O2,
  # clang where it builds; C and C++; x86-64 and i386.
  case_bits
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  write_dwarf_args_programs "$tmp"
  g++ -m$m -O0 -o "$tmp/probe" "$tmp/dwx.cc" 2>/dev/null || { echo "skip: no -m$m g++ toolchain"; exit 77; }
  for opt in O0 O2; do
    check_dwarf_args $m gcc g++ $opt
  done
  clang=skipped
  if command -v clang >/dev/null && command -v clang++ >/dev/null &&
     clang++ -m$m -O0 -o "$tmp/probe" "$tmp/dwx.cc" 2>/dev/null; then
    for opt in O0 O2; do
      check_dwarf_args $m clang clang++ $opt
    done
    clang=checked
    [ $m = 32 ] && check_fastcc_dwarf && clang="$clang, its fastcc with 64-bit integers"
  fi
  [ $m = 32 ] && check_gcc_fastcall_dwarf && clang="$clang; GCC's fastcall with a double"
  echo "$case_name: C and C++ functions decoded by their DWARF's names and types (integers of each size, bool, enumerations, float and double, strings in and in/out, a size_t typedef, pointers, void, returns), struct by value, variadic and long double kept raw with the reason, gcc -O0/-O2 (clang: $clang)" ;;
dwarf-conventions-i386)
  # A global i386 function declared regparm(N) or fastcall takes its first
  # arguments in registers, which its DWARF says (a in eax, b in edx:ecx, c
  # at the CFA) and its name does not. -f read such an exported function as
  # cdecl: g_rp(a=6, b=6221552001348534399, c=-2420540), garbage without a
  # word (the regparm its DWARF showed was left to the agent, which looks at
  # static functions only). Now the convention that puts each parameter
  # where the DWARF says is read, explicitly; one whose places several
  # conventions fit, each elsewhere (-O0: regparm(2) or fastcall), stays raw
  # with the reason, and a config that declares no convention gets a
  # Warning naming the registers the function reads (gcc -O0 and -O2,
  # clang -O2 where it builds).
  i386_or_skip
  cat > "$tmp/gc.c" <<'X'
#include <stdio.h>
#define NI __attribute__((noinline))
volatile int v1 = 1, v5 = 5;
volatile long long vl = 0x900000000LL;
NI int __attribute__((regparm(3))) g_rp(int a, long long b, int c) { return a + (int)(b >> 32) + c; }
NI int __attribute__((regparm(2))) g_rp2(int a, int b, int c) { return a * 100 + b * 10 + c; }
NI int __attribute__((fastcall)) g_fast(int a, int b, int c, long long d) { return a * 100 + b * 10 + c + (int)d; }
NI int __attribute__((stdcall)) g_std(int a, int b, long long c) { return a - b + (int)(c >> 32); }
NI int g_cdecl(int a, long long b, int c) { return a + (int)(b >> 32) + c; }
int main(void)
{
  printf("%d %d %d %d %d\n", g_rp(v5, vl, v5 + 1), g_rp2(v1, v1 + 1, v1 + 2),
         g_fast(v1, v1 + 1, v1 + 2, vl + 4), g_std(50, 8, vl - 0x200000000LL), g_cdecl(v5, vl, v5 + 1));
  return 0;
}
X
  rp='g_rp(a=5, b=38654705664, c=6) = 20' rp2='g_rp2(a=1, b=2, c=3) = 123'
  fast='g_fast(a=1, b=2, c=3, d=38654705668) = 127' std='g_std(a=50, b=8, c=30064771072) = 49'
  cdecl='g_cdecl(a=5, b=38654705664, c=6) = 20'
  raw() { # raw FUNCTION CONVENTIONS: the note of a function several conventions fit
    echo "ospy: note: -f $1: no definition in the catalogue: arguments are shown as raw register/stack words ($1: its DWARF says where its parameters are when it starts, which both $2 fit: callingConvention in a config says which)"
  }
  warned() { # warned PROG FUNCTION REGISTERS CONVENTION
    case $4 in
    fastcall) echo "--- warning: $1!$2: reads $3 before writing them, where __attribute__((fastcall)) passes a function's first two arguments on i386 (ecx, edx): a global function is called by cdecl unless its declaration says otherwise, and no callingConvention was given: read as cdecl, its arguments may be wrong (callingConvention=\"fastcall\" reads them there)" ;;
    *) echo "--- warning: $1!$2: reads $3 before writing them, where __attribute__((regparm(N))) passes a function's first arguments on i386 (eax, edx, ecx): a global function is called by cdecl unless its declaration says otherwise, and no callingConvention was given: read as cdecl, its arguments may be wrong (callingConvention=\"regparm\" reads them there, or \"regparm(2)\", \"regparm(1)\" as it is declared)" ;;
    esac
  }
  capture_f() { # capture_f PROG: -f of the five, shown into $tmp/show, notes in $tmp/err
    "$ospy" capture -f g_rp,g_rp2,g_fast,g_std,g_cdecl -o "$tmp/f.ospy" -- "$tmp/$1" >"$tmp/out" 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture -f of $1 exited $?"; }
    expect_line "$tmp/out" "20 123 127 49 20"
    "$ospy" show "$tmp/f.ospy" >"$tmp/show" || fail "show exited $?"
  }
  gcc -m32 -O2 -g -o "$tmp/gcc-O2" "$tmp/gc.c" || fail "cannot build gc.c with gcc -m32 -O2 -g"
  gcc -m32 -O0 -g -o "$tmp/gcc-O0" "$tmp/gc.c" || fail "cannot build gc.c with gcc -m32 -O0 -g"
  capture_f gcc-O2
  for line in "$rp" "$rp2" "$fast" "$std" "$cdecl"; do
    expect_line "$tmp/show" "] gcc-O2!$line"
    echo "gcc -O2, -f: gcc-O2!$line"
  done
  ! grep -- '--- warning' "$tmp/show" || fail "gcc -O2, -f: a warning"
  capture_f gcc-O0
  for line in "$rp" "$std" "$cdecl"; do
    expect_line "$tmp/show" "] gcc-O0!$line"
    echo "gcc -O0, -f: gcc-O0!$line"
  done
  for fn in g_rp2 g_fast; do
    expect_line "$tmp/err" "$(raw $fn 'regparm(2) and fastcall')"
    echo "gcc -O0, -f: $(raw $fn 'regparm(2) and fastcall')"
  done
  expect_line "$tmp/show" "$(warned gcc-O0 g_fast 'ecx, edx' fastcall)"
  expect_line "$tmp/show" "$(warned gcc-O0 g_rp2 'eax, edx' regparm)"
  echo "gcc -O0, -f: $(warned gcc-O0 g_fast 'ecx, edx' fastcall)"
  # gcc -O0 whose DWARF says no parameter's entry place (a in ecx, b in edx
  # copied into the frame, d copied too): cdecl fit, and -f read it so,
  # fcd(a=0, d=5.3e-315, b=0) for fcd(2, 3.0, 0) beside the agent's warning.
  # Now raw with the reason; a cdecl one whose char and short gcc copies
  # the same way is still decoded.
  cat > "$tmp/fd.c" <<'X'
#include <stdio.h>
#define NI __attribute__((noinline))
volatile int v2 = 2;
NI double __attribute__((fastcall)) g_fcd(int a, double d, int b) { return a * d + b; }
NI int g_chr(char c, short s, int x) { return c + s + x; }
int main(void) { printf("%g %d\n", g_fcd(v2, v2 + 1.0, v2 - 2), g_chr('A', 7, v2)); return 0; }
X
  gcc -m32 -O0 -g -o "$tmp/fd-O0" "$tmp/fd.c" || fail "cannot build fd.c with gcc -m32 -O0 -g"
  "$ospy" capture -f g_fcd,g_chr -o "$tmp/fd.ospy" -- "$tmp/fd-O0" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture -f of fd-O0 exited $?"; }
  expect_line "$tmp/out" "6 74"
  fcd_raw="ospy: note: -f g_fcd: no definition in the catalogue: arguments are shown as raw register/stack words (g_fcd: its DWARF puts parameter 1 (a) in the function's own frame, as gcc -O0 does with one that arrives in a register (regparm, fastcall), without saying which: callingConvention in a config says how it is called)"
  expect_line "$tmp/err" "$fcd_raw"
  "$ospy" show "$tmp/fd.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] fd-O0!g_fcd\(arg0='
  expect_regex "$tmp/show" '\] fd-O0!g_chr\(c=.*, s=7, x=2\) = 74'
  ! grep -F 'g_fcd(a=' "$tmp/show" || fail "gcc -O0 fastcall g_fcd decoded as cdecl"
  echo "gcc -O0, -f: $fcd_raw"
  # a config that declares no convention: read as cdecl, with a Warning
  cat > "$tmp/gc.xml" <<'X'
<hookManager><specs><functions>
<function name="g_rp"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int64"/><argument name="c" type="Int32"/></arguments></function>
<function name="g_fast"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/><argument name="c" type="Int32"/><argument name="d" type="Int64"/></arguments></function>
<function name="g_cdecl"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int64"/><argument name="c" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="gcc-O2"><function specId="g_rp"/><function specId="g_fast"/><function specId="g_cdecl"/></module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/gc.xml" -o "$tmp/c.ospy" -- "$tmp/gcc-O2" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture -c of gcc-O2 exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "$(warned gcc-O2 g_rp 'eax, ecx' regparm)"
  expect_line "$tmp/show" "$(warned gcc-O2 g_fast 'ecx, edx' fastcall)"
  expect_line "$tmp/show" "] gcc-O2!$cdecl"
  ! grep -F 'g_cdecl: reads' "$tmp/show" || fail "a cdecl function warned of"
  echo "gcc -O2, config without callingConvention: $(warned gcc-O2 g_rp 'eax, ecx' regparm)"
  clang=skipped
  if command -v clang >/dev/null && clang -m32 -O2 -g -o "$tmp/clang-O2" "$tmp/gc.c" 2>/dev/null; then
    # clang's DWARF: b's low word optimized out (only its high word, in
    # ecx, said), c at an esp the function moves (not said); fastcall and
    # stdcall named by its DW_AT_calling_convention
    capture_f clang-O2
    for line in "$rp" "$fast" "$std" "$cdecl"; do
      expect_line "$tmp/show" "] clang-O2!$line"
      echo "clang -O2, -f: clang-O2!$line"
    done
    expect_line "$tmp/err" "$(raw g_rp2 'regparm(3) and regparm(2)')"
    echo "clang -O2, -f: $(raw g_rp2 'regparm(3) and regparm(2)')"
    clang=checked
  fi
  echo "$case_name: global regparm(3), fastcall and stdcall functions read by the convention their DWARF shows (gcc -O2; gcc -O0 where it tells; clang -O2: $clang), the others raw with the reason, and a config without callingConvention warned of" ;;
dwarf-constants|dwarf-constants-i386)
  # clang (-O1 and above) drops a static function's parameter that every
  # call passes the same constant, without renaming the function (GCC makes
  # a .constprop copy): its DWARF gives the parameter a constant value, no
  # place (DW_AT_const_value, or a location that is the constant). -f read
  # it as passed, and every argument after it from the wrong place
  # (blend(a=1.5, k=2, b=3.04e-310), true b = -0.25; kint(a=3, k=4, b=...)).
  # Now an integer one is shown as the constant it is, the others read where
  # they are; a double keeps the function raw with the reason. x86-64, i386.
  case_bits
  command -v clang >/dev/null || { echo "skip: no clang"; exit 77; }
  cat > "$tmp/kc.c" <<'X'
#include <stdio.h>
#define NI __attribute__((noinline))
volatile int vi = 3;
volatile double vd = 1.5;
static NI int kint(int a, int k, int b) { return a * k + b; }
static NI int kll(int a, long long b) { return a + (int)(b >> 32) + (int)b; }
static NI double kdbl(double a, int k, double b) { return a * k + b; }
int main(void)
{
  printf("%d %d %d %g\n", kint(vi, 7, vi + 1), kint(vi + 2, 7, vi), kll(vi, 0x500000006LL),
         kdbl(vd, vi, -0.25));
  return 0;
}
X
  clang -m$m -O2 -g -o "$tmp/kc" "$tmp/kc.c" 2>/dev/null || { echo "skip: no -m$m clang toolchain"; exit 77; }
  "$ospy" capture -f kint,kll,kdbl -o "$tmp/k.ospy" -- "$tmp/kc" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture -f exited $?"; }
  expect_line "$tmp/out" "25 38 14 4.25"
  "$ospy" show "$tmp/k.ospy" >"$tmp/show" || fail "show exited $?"
  for line in 'kc!kint(a=3, k=7, b=4) = 25' 'kc!kint(a=5, k=7, b=3) = 38' 'kc!kll(a=3, b=21474836486) = 14'; do
    expect_line "$tmp/show" "] $line"
    echo "$line"
  done
  note='ospy: note: -f kdbl: no definition in the catalogue: arguments are shown as raw register/stack words (kdbl: a parameter b: clang dropped it from the calls, all of which passed -0.25 (its DWARF'"'"'s constant value), and a double constant is not shown as an argument)'
  expect_line "$tmp/err" "$note"
  echo "$note"
  echo "$case_name: parameters clang dropped from a static function's calls shown as their DWARF's constants (integers), or the function raw with the reason (a double); the arguments after them read where they are" ;;
sse-locals-i386)
  # An i386 program built with SSE2 math (gcc -O2 -msse2 -mfpmath=sse,
  # clang -O2 -msse2) passes a local function's float and double arguments
  # in xmm0-2 and takes its return from xmm0. The hook code kept no xmm
  # register across the agent's own code, whose libc calls (memcpy) use
  # them: the program computed another result under ospy (-3.19e+130, alone
  # 2677.5). And the arguments were read as if on the stack, where compilers
  # pass them without SSE2: idi(a=3, b=2.05e-314, c=9), true b = 7.5, and
  # clang's fff(..., e=12), true 15 (its floats took no stack words). The
  # agent now sees the function read xmm0-2 before writing them and reads
  # its first three Float and Double arguments there, its return from xmm0.
  i386_or_skip
  cat > "$tmp/sl.c" <<'X'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define NI __attribute__((noinline))
volatile int sink;
volatile double dsink;
static NI int idi(int a, double b, int c) { sink = a; dsink = b; return a + (int)b + c; }
static NI int fff(float a, int b, float c, int d, int e) { dsink = a + c; return (int)a + b + (int)c + d + e; }
static NI double retd(int a, double b) { sink = a; return a * b; }
static NI double named(const char *s, double a, double b, double c) { return a * 3 + b * 5 + c * 7 + (double)strlen(s); }
int main(int argc, char **argv)
{
  int k = argc > 1 ? atoi(argv[1]) : 3;
  char buf[200];
  memset(buf, 'x', sizeof buf - 1);
  buf[199] = 0;
  double t = 0;
  for (int i = 0; i < 20; i++) {
    buf[100 + i] = 0;
    t += named(buf + i, 1.25 + i, 1.25 * i, 1.25 - i);
    buf[100 + i] = 'x';
  }
  printf("idi=%d fff=%d retd=%g named=%.17g\n", idi(k, 2.5 * k, 3 * k),
         fff(1.5f * k, 2 * k, 3.25f * k, 4 * k, 5 * k), retd(3 * k, 0.5 * k), t);
  return 0;
}
X
  cat > "$tmp/sl.xml" <<'X'
<hookManager><specs><functions>
<function name="idi"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Double"/><argument name="c" type="Int32"/></arguments></function>
<function name="fff"><returnValue type="Int32"/><arguments><argument name="a" type="Float"/><argument name="b" type="Int32"/><argument name="c" type="Float"/><argument name="d" type="Int32"/><argument name="e" type="Int32"/></arguments></function>
<function name="retd"><returnValue type="Double"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Double"/></arguments></function>
<function name="named"><returnValue type="Double"/><arguments><argument name="s" type="AsciiStringPtr"/><argument name="a" type="Double"/><argument name="b" type="Double"/><argument name="c" type="Double"/></arguments></function>
</functions></specs><hooks><module name="sl-*"><function specId="idi"/><function specId="fff"/><function specId="retd"/><function specId="named"/></module></hooks></hookManager>
X
  gcc -m32 -O2 -msse2 -mfpmath=sse -o "$tmp/sl-gcc" "$tmp/sl.c" || fail "cannot build sl.c with gcc -m32 -O2 -msse2 -mfpmath=sse"
  progs=sl-gcc
  if command -v clang >/dev/null && clang -m32 -O2 -msse2 -o "$tmp/sl-clang" "$tmp/sl.c" 2>/dev/null; then
    progs="$progs sl-clang"
  fi
  for prog in $progs; do
    "$tmp/$prog" 3 >"$tmp/alone" || fail "$prog exited $?"
    "$ospy" capture -q -c "$tmp/sl.xml" -o "$tmp/c.ospy" -- "$tmp/$prog" 3 >"$tmp/out" 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture of $prog exited $?"; }
    cmp -s "$tmp/alone" "$tmp/out" || { echo "alone: $(cat "$tmp/alone")"; echo "under ospy: $(cat "$tmp/out")"; fail "$prog: its output differs under ospy"; }
    echo "$prog: $(cat "$tmp/out") (as alone)"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    for line in 'idi(a=3, b=7.5, c=9) = 19' 'fff(a=4.5, b=6, c=9.75, d=12, e=15) = 46' \
                'retd(a=9, b=1.5) = 13.5' 'named(s="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., a=1.25, b=0, c=1.25) = 112.5'; do
      expect_line "$tmp/show" "] $prog!$line"
      echo "  $prog!$line"
    done
    expect_regex "$tmp/show" "--- info: sl-\\*!fff: reads [a-z, ]*xmm0, xmm1 before writing them[:,] .* \\(its Float and Double arguments in xmm0, xmm1, xmm2, as compilers pass a local function's first three with SSE2 math\\)\$"
    echo "  $(grep -o 'sl-\*!fff: reads.*' "$tmp/show")"
  done
  # -f with DWARF (-g): its float parameters in xmm0-2 when the function
  # starts, which fit no convention read with floats on the stack: the
  # functions were raw ("a convention ospy does not read")
  gcc -m32 -O2 -msse2 -mfpmath=sse -g -o "$tmp/slg-gcc" "$tmp/sl.c" || fail "cannot build sl.c with -g"
  progs=slg-gcc
  [ -x "$tmp/sl-clang" ] && clang -m32 -O2 -msse2 -g -o "$tmp/slg-clang" "$tmp/sl.c" && progs="$progs slg-clang"
  for prog in $progs; do
    "$ospy" capture -f idi,fff,retd -o "$tmp/f.ospy" -- "$tmp/$prog" 3 >"$tmp/out" 2>"$tmp/err" </dev/null ||
      { cat "$tmp/err"; fail "capture -f of $prog exited $?"; }
    expect_line "$tmp/err" "ospy: note: -f fff: 1 function, arguments decoded from its DWARF"
    "$ospy" show "$tmp/f.ospy" >"$tmp/show" || fail "show exited $?"
    for line in 'idi(a=3, b=7.5, c=9) = 19' 'fff(a=4.5, b=6, c=9.75, d=12, e=15) = 46' 'retd(a=9, b=1.5) = 13.5'; do
      expect_line "$tmp/show" "] $prog!$line"
      echo "  -f: $prog!$line"
    done
  done
  echo "$case_name: local functions that take doubles in xmm registers compute as alone, their arguments and returns read from xmm0-2, with a config and with -f from DWARF (gcc and clang where it builds)" ;;
cxx-args-inlined|cxx-args-inlined-i386)
  # A C++ function built with -O2 -g whose first instruction is an inlined
  # call's (a range-for over a std::vector) was shown with raw words and the
  # note "what it returns the name does not say, nor does the file (no
  # DWARF: built without -g)": the DWARF lookup took the scopes at its entry,
  # which past the inlined copy lead into the inlined function's own
  # definition (vector::begin's class), never out to the function it sits
  # in. A function split in hot and cold parts (ranges only, the cold part
  # lowest) was not found either. -O0 and -O2, x86-64 and i386.
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  case_bits
  write_inlined_first_program "$tmp"
  if [ $m = 32 ]; then
    c++ -m32 -O0 -o "$tmp/probe" "$tmp/cxi.cc" 2>/dev/null || { echo "skip: no -m32 C++ toolchain"; exit 77; }
  fi
  for opt in O0 O2; do
    c++ -m$m -$opt -g -o "$tmp/cxi$m-$opt" "$tmp/cxi.cc" || fail "cannot build cxi.cc -m$m -$opt -g"
    check_inlined_first "$tmp/cxi$m-$opt"
  done
  # without .debug_aranges (clang writes none), by which libdw finds the
  # unit of an address: each unit's own ranges are asked
  if command -v objcopy >/dev/null; then
    objcopy --remove-section=.debug_aranges "$tmp/cxi$m-O2" "$tmp/cxi$m-O2-noaranges" ||
      fail "objcopy --remove-section=.debug_aranges exited $?"
    check_inlined_first "$tmp/cxi$m-O2-noaranges"
  fi
  # clang, where it builds: no .debug_aranges, and the definition of a
  # namespace's function inside the namespace's DIE
  clang=skipped
  if command -v clang++ >/dev/null && clang++ -m$m -O0 -o "$tmp/probe" "$tmp/cxi.cc" 2>/dev/null; then
    for opt in O0 O2; do
      clang++ -m$m -$opt -g -o "$tmp/cxi$m-$opt-clang" "$tmp/cxi.cc" || fail "cannot build cxi.cc with clang++ -m$m -$opt -g"
      check_inlined_first "$tmp/cxi$m-$opt-clang"
    done
    clang=checked
  fi
  echo "$case_name: C++ functions whose code begins with an inlined call's, or is split hot and cold, decoded as their DWARF says at -O0 and -O2, also without .debug_aranges (clang++: $clang)" ;;
alias-hooks)
  check_aliases 64 x86-64
  echo "alias-hooks: two names of one function hooked apart are said (x86-64)" ;;
alias-hooks-i386)
  i386_or_skip
  check_aliases 32 i386
  echo "alias-hooks-i386: the same on i386" ;;
cxx-thunks)
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  write_thunk_program "$tmp"
  check_thunks 64 O0
  check_thunks 64 O2
  echo "cxx-thunks: calls through base-class pointers recorded under the method's name at -O0 and -O2 (x86-64)" ;;
cxx-thunks-i386)
  i386_or_skip
  write_thunk_program "$tmp"
  c++ -m32 -O0 -o "$tmp/probe" "$tmp/th.cc" 2>/dev/null || { echo "skip: no -m32 C++ toolchain (g++-multilib)"; exit 77; }
  check_thunks 32 O0
  check_thunks 32 O2
  echo "cxx-thunks-i386: the same on i386 (this on the stack)" ;;
cxx-forms)
  # A constructor or destructor named as nm -C prints it, a template
  # function without the return type the demangler prints, an operator of
  # the global namespace (docs/catalogue.md, -f step 5). P::P(int)'s C1 and
  # C2 symbols are one function (one address): "2 functions have that C++
  # name (overloads)" refused the name nm -C gives. geo::Rect::~Rect() is two:
  # the deleting destructor (D0, run by delete) and the complete one (D1, run
  # for an object on the stack; D0 calls it), both printed alike: each is
  # hooked, the deleting one shown as such. ns::twice<int> was found only as
  # "int ns::twice<int>(int)"; 'operator new' was "not a function name".
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  cat > "$tmp/prog.cc" <<'X'
#include <cstdio>
#define NI __attribute__((noinline))
struct P { int v; NI P(int x) : v(x * 2) {} NI ~P() { std::printf("~P %d\n", v); } };
namespace geo {
struct Shape { virtual ~Shape() {} };
struct Rect : Shape { int w; NI Rect(int w_) : w(w_) {} NI ~Rect() override { std::printf("~Rect %d\n", w); } };
}
namespace ns {
template <typename T> NI T twice(T x) { return x + x; }
template int twice<int>(int);
template double twice<double>(double);
}
int main(int argc, char **) {
  P p(21);
  geo::Shape *s = new geo::Rect(argc + 2);
  delete s;
  { geo::Rect r(7); }
  std::printf("%d %g %d\n", ns::twice<int>(argc + 2), ns::twice<double>(1.25), p.v);
}
X
  c++ -O0 -o "$tmp/prog" "$tmp/prog.cc" || fail "cannot build the C++ target"
  nm "$tmp/prog" | grep -q '_ZN3geo4RectD0Ev' || { echo "skip: no deleting destructor symbol"; exit 77; }
  cat > "$tmp/forms.xml" <<'X'
<hookManager><specs><functions>
<function name="ctor"><arguments><argument name="this" type="Pointer"/><argument name="x" type="Int32"/></arguments></function>
<function name="dtor"><arguments><argument name="this" type="Pointer"/></arguments></function>
<function name="tw"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="prog">
<function specId="ctor" symbol="P::P(int)"/><function specId="dtor" symbol="geo::Rect::~Rect()"/>
<function specId="tw" symbol="ns::twice&lt;int&gt;(int)"/>
</module></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/forms.xml" -o "$tmp/c.ospy" -- "$tmp/prog" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of a constructor, a destructor and a template by their C++ names exited $?"; }
  expect_line "$tmp/out" "6 2.5 42"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] prog!ctor\(this=0x[0-9a-f]+, x=21\)$'
  # delete: the deleting destructor (the complete one it calls is nested in it)
  expect_regex "$tmp/show" '\] prog!dtor \[deleting\]\(this=0x[0-9a-f]+\)$'
  # the object on the stack: the complete destructor
  expect_regex "$tmp/show" '\] prog!dtor\(this=0x[0-9a-f]+\)$'
  [ "$(grep -c '\] prog!dtor' "$tmp/show")" = 2 ] || fail "expected 2 destructor calls: $(grep 'prog!dtor' "$tmp/show")"
  expect_regex "$tmp/show" '\] prog!tw\(x=3\) = 6$'
  expect_regex "$tmp/show" 'info: hook prog!dtor: geo::Rect::~Rect\(\) names 2 functions, each hooked: _ZN3geo4RectD[01]Ev as prog!dtor( \[deleting\])?, _ZN3geo4RectD[01]Ev as prog!dtor( \[deleting\])?$'
  grep -E -- '--- (error|warning)' "$tmp/show" && fail "C++ constructors, destructors, templates: errors or warnings"
  # -f: the same, shown by their names; C1 and C2 are one function, no note of two
  "$ospy" capture -f 'geo::Rect::~Rect' -f 'geo::Rect::Rect' -o "$tmp/c.ospy" -- "$tmp/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f of a constructor and a destructor exited $?"; }
  expect_regex "$tmp/err" '^ospy: note: -f geo::Rect::~Rect: 2 functions of that name, each hooked: geo::Rect::~Rect\(\)( \[deleting\])?, geo::Rect::~Rect\(\)( \[deleting\])?$'
  grep -F 'note: -f geo::Rect::Rect: ' "$tmp/err" | grep -F 'functions of that name' &&
    fail "C1 and C2 at one address counted as two functions"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  # (`this` first: a constructor's and a destructor's arguments decoded from their names)
  [ "$(grep -c '\] prog!geo::Rect::Rect(int)(this=0x[0-9a-f]*, p1=[37])' "$tmp/show")" = 2 ] || fail "expected 2 constructor calls"
  expect_line "$tmp/show" '] prog!geo::Rect::~Rect() [deleting](this=0x'
  expect_line "$tmp/show" '] prog!geo::Rect::~Rect()(this=0x'
  # a template function by its name without the return type, with or without
  # its template arguments and parameter list
  for f in 'ns::twice<int>' 'ns::twice<int>(int)' 'int ns::twice<int>(int)' 'ns::twice'; do
    "$ospy" capture -q -f "$f" -o "$tmp/c.ospy" -- "$tmp/prog" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f '$f' exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    # (raw: without DWARF, whether ns is a class or a namespace is not known)
    expect_regex "$tmp/show" '\] prog!int ns::twice<int>\(int\)\(arg0=0x3, .*\) = 6$'
    grep -E -- '--- (error|warning)' "$tmp/show" && fail "-f '$f': errors or warnings"
  done
  expect_line "$tmp/show" '] prog!double ns::twice<double>(double)(arg0=' # (ns::twice: both)
  # a glob over the name matches it without the return type, as the name does
  "$ospy" capture -q -f 'ns::tw*' -o "$tmp/c.ospy" -- "$tmp/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'ns::tw*' exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] prog!int ns::twice<int>\(int\)\(arg0=0x3, .*\) = 6$'
  expect_line "$tmp/show" '] prog!double ns::twice<double>(double)(arg0='
  # an operator of the global namespace: every overload, each where the
  # program's calls bind (libstdc++'s)
  "$ospy" capture -f 'operator new' -o "$tmp/c.ospy" -- "$tmp/prog" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f 'operator new' exited $?"; }
  expect_regex "$tmp/err" "^ospy: note: -f operator new: [0-9]+ functions of that name \(overloads\), each hooked: .*operator new\(unsigned long\)"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] libstdc\+\+\.so\.6!operator new\(unsigned long\)\(arg0=0x(10|c), '
  echo "cxx-forms: constructors, destructors (the deleting one told apart), templates without their return type, operator new, by their C++ names" ;;
needed-by-path|needed-by-path-i386)
  # A library the program was linked with by a path (g++ p.cc ./libq.so:
  # DT_NEEDED ./libq.so), which `ld.so --list` shows without "=>": it was
  # left out of the program's files, so a C++ name in it was "not found in
  # libq.so ... never found" and a glob took unrelated libraries of
  # /usr/lib. x86-64 and i386.
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  case_bits
  mkdir -p "$tmp/run"
  echo 'namespace q { int f(int x) { return x + 1; } }' > "$tmp/q.cc"
  printf '%s\n' '#include <cstdio>' 'namespace q { int f(int); }' \
    'int main(int argc, char **) { std::printf("%d\n", q::f(40 + argc)); }' > "$tmp/p.cc"
  (cd "$tmp/run" && c++ -m$m -g -shared -fPIC -o libq.so ../q.cc && c++ -m$m -o p ../p.cc ./libq.so) ||
    fail "build"
  for pattern in 'libq.so!q::f' 'libq*!q::f' 'q::f'; do
    (cd "$tmp/run" && "$ospy" capture -q -f "$pattern" -o "$tmp/c.ospy" -- ./p) >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f $pattern exited $?"; }
    expect_line "$tmp/out" "42"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" 'libq\.so!q::f\(int\)\(x=41\) = 42$'
    grep -q "not found\|never found\|several" "$tmp/show" && fail "-f $pattern: $(grep 'not found\|never found\|several' "$tmp/show")"
  done
  echo "ok: -f finds q::f in a library linked by its path ($m-bit)"
  ;;
cxx-late)
  # A C++ name without a module, of a library the program opens later
  # (dlopen): no file has it before the program runs; the agent looks it up
  # by the demangled names of each library loaded later (it was hooked by
  # that name as a symbol, never found, and the capture ended with "never
  # found: the program ended without loading a module that has it" though
  # the plugin had it). x86-64 and i386.
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  cat > "$tmp/plug.cc" <<'X'
namespace plug {
struct Engine {
  int base;
  Engine(int b) : base(b) {}
  virtual ~Engine() {}
  virtual int run(int x) { return base * x + 1; }
};
__attribute__((noinline)) int compute(int a, int b) { return a * a + b; }
__attribute__((noinline)) int compute(int a) { return a * 2; }
}
extern "C" plug::Engine *make_engine(int b) { return new plug::Engine(b); }
extern "C" int plug_work(int x) { return plug::compute(x) + plug::compute(x, 1); }
X
  cat > "$tmp/host.cc" <<'X'
#include <cstdio>
#include <dlfcn.h>
struct Engine { virtual ~Engine() {} virtual int run(int) = 0; };
namespace app { __attribute__((noinline)) int scale(int x) { return 3 * x; } }
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { std::printf("dlopen: %s\n", dlerror()); return 1; }
  auto mk = (Engine *(*)(int))dlsym(h, "make_engine");
  auto pw = (int (*)(int))dlsym(h, "plug_work");
  Engine *e = mk(3);
  std::printf("%d %d %d\n", e->run(4), pw(5), app::scale(argc + 3));
  delete e;
  return 0;
}
X
  check_late() { # DIR (host and plug/libplug.so built there)
    for f in 'plug::Engine::run(int)' 'plug::Engine::run'; do
      "$ospy" capture -f "$f" -o "$tmp/c.ospy" -- "$1/host" "$1/plug/libplug.so" >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "capture -f '$f' exited $?"; }
      expect_line "$tmp/out" "13 36 15"
      expect_line "$tmp/err" "ospy: note: -f $f: no function of that C++ name in the program or the libraries it loads at start (the demangled names of their symbol tables are searched): looked up by that name in each library the program loads later"
      "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
      expect_line "$tmp/show" "info: libplug.so!$f: found and hooked now"
      expect_regex "$tmp/show" "\] libplug\.so!plug::Engine::run(\(int\))?\(arg0=0x[0-9a-f]+, arg1=0x4, .*\) = 13\$"
      grep -F -- '--- error' "$tmp/show" && fail "-f '$f' of a library opened later: errors"
    done
    # overloads: each hooked, a note names them
    "$ospy" capture -q -f 'plug::compute' -o "$tmp/c.ospy" -- "$1/host" "$1/plug/libplug.so" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f plug::compute exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" 'info: plug::compute: 2 functions of that name \(plug::compute\(int(, int)?\) at 0x[0-9a-f]+, plug::compute\(int(, int)?\) at 0x[0-9a-f]+\), each hooked'
    expect_regex "$tmp/show" '\] libplug\.so!plug::compute\(arg0=0x5, .*\) = 10$'
    expect_regex "$tmp/show" '\] libplug\.so!plug::compute\(arg0=0x5, arg1=0x1, .*\) = 26$'
    # the destructor's deleting form named in the note
    "$ospy" capture -q -f 'plug::Engine::~Engine' -o "$tmp/c.ospy" -- "$1/host" "$1/plug/libplug.so" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f plug::Engine::~Engine exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "plug::Engine::~Engine() [deleting] at 0x"
    expect_regex "$tmp/show" '\] libplug\.so!plug::Engine::~Engine\(arg0=0x'
    # what the plugin lacks is never found, said truly
    "$ospy" capture -q -f 'plug::absent(int)' -o "$tmp/c.ospy" -- "$1/host" "$1/plug/libplug.so" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f plug::absent(int) exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "error: plug::absent(int): never found: the program ended without loading a module that has it"
  }
  mkdir -p "$tmp/x86-64/plug" "$tmp/i386/plug"
  c++ -O0 -shared -fPIC -o "$tmp/x86-64/plug/libplug.so" "$tmp/plug.cc" &&
    c++ -O0 -o "$tmp/x86-64/host" "$tmp/host.cc" -ldl || fail "cannot build the C++ plugin and host"
  check_late "$tmp/x86-64"
  # with -F, a program the started one runs (sh -c): no file of it was read
  # before it ran; its agent looks the name up in its modules at its start
  "$ospy" capture -F -f 'app::scale(int)' -o "$tmp/c.ospy" -- sh -c "'$tmp/x86-64/host' '$tmp/x86-64/plug/libplug.so'" \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture -F of a C++ name in the program sh runs exited $?"; }
  expect_line "$tmp/out" "13 36 15"
  expect_line "$tmp/err" "looked up by that name in each library the program loads later and in each program it runs"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\] host!app::scale\(int\)\(arg0=0x5, .*\) = 15$'
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && c++ -m32 -O0 -shared -fPIC -o "$tmp/i386/plug/libplug.so" "$tmp/plug.cc" 2>/dev/null &&
     c++ -m32 -O0 -o "$tmp/i386/host" "$tmp/host.cc" -ldl 2>/dev/null && "$tmp/i386/host" "$tmp/i386/plug/libplug.so" >/dev/null 2>&1; then
    check_late "$tmp/i386"
    expect_line "$tmp/show" "32-bit"
    i386=checked
  fi
  echo "cxx-late: a C++ name without a module hooked in a library loaded later by its demangled names, and with -F in a program run later; overloads and the deleting destructor told apart (i386 $i386)" ;;
value-room)
  # A call whose values do not all fit its record: the arguments after the big
  # values keep theirs (they were dropped without a trace, show printing the
  # call as if it had fewer arguments); a pointer that found no room is its
  # address marked <no room>, at entry and at return. A structure whose next
  # points to itself is cut at the depth limit, marked <depth limit> (it was
  # `?`, a faulted read). show, JSON Lines and XML; x86-64 and i386.
  command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
  cat > "$tmp/room.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct inner { int x; };
struct node { const char *name; struct inner in; struct node *next; };
__attribute__((noipa)) int f3(void *a, void *b, long n, int tag) { return 3; }
__attribute__((noipa)) int many(void *a, void *b, void *c, void *d, void *e, void *f, void *g,
                                void *h, void *i, void *j, long long n) { return 3; }
__attribute__((noipa)) int rd(char *a, char *b, int *count, int n)
{
  memset(a, 'o', n);
  memset(b, 'o', n);
  *count = 5;
  return 3;
}
__attribute__((noipa)) int walk(struct node *n) { return n->in.x > 0; }
int main(void)
{
  size_t sz = 1 << 20;
  char *big = malloc(sz), *out = malloc(sz);
  int count = 0;
  static struct node loop = { "a", { 7 }, &loop };
  memset(big, 'z', sz);
  int s = f3(big, big, 300000, 77);
  s += many(big, big + 1, big + 2, big + 3, big + 4, big + 5, big + 6, big + 7, big + 8, big + 9,
            1LL << 40);
  s += rd(out, out, &count, 300000);
  s += walk(&loop);
  printf("%d %d\n", s, count);
  return 0;
}
C
  cat > "$tmp/room.xml" <<'X'
<hookManager><types>
<structure name="Inner"><field name="x" offset="0" type="Int32"/></structure>
<structure name="Node"><field name="name" offset="0" type="AsciiStringPtr"/>
<field name="in" offset="PTR" type="Inner"/><field name="next" offset="NEXT" type="NodePtr"/></structure>
</types><specs><functions>
<function name="f3"><returnValue type="Int32"/><arguments>
<argument name="a" type="ByteArrayPtr" size="arg.n"/><argument name="b" type="ByteArrayPtr" size="arg.n"/>
<argument name="n" type="Int32"/><argument name="tag" type="Int32"/></arguments></function>
<function name="many"><returnValue type="Int32"/><arguments>
<argument name="a" type="ByteArrayPtr" size="arg.n"/><argument name="b" type="ByteArrayPtr" size="arg.n"/>
<argument name="c" type="ByteArrayPtr" size="arg.n"/><argument name="d" type="ByteArrayPtr" size="arg.n"/>
<argument name="e" type="ByteArrayPtr" size="arg.n"/><argument name="f" type="ByteArrayPtr" size="arg.n"/>
<argument name="g" type="ByteArrayPtr" size="arg.n"/><argument name="h" type="ByteArrayPtr" size="arg.n"/>
<argument name="i" type="ByteArrayPtr" size="arg.n"/><argument name="j" type="ByteArrayPtr" size="arg.n"/>
<argument name="n" type="Int64"/></arguments></function>
<function name="rd"><returnValue type="Int32"/><arguments>
<argument name="a" direction="out" type="ByteArrayPtr" size="arg.n"/>
<argument name="b" direction="out" type="ByteArrayPtr" size="arg.n"/>
<argument name="count" direction="out" type="Int32Ptr"/><argument name="n" type="Int32"/></arguments></function>
<function name="walk"><returnValue type="Int32"/><arguments><argument name="n" type="NodePtr"/></arguments></function>
</functions></specs>
<hooks><module name="*"><function specId="f3"/><function specId="many"/><function specId="rd"/><function specId="walk"/></module></hooks>
</hookManager>
X
  check_room() { # BINARY POINTER-SIZE
    sed "s/offset=\"PTR\"/offset=\"$2\"/; s/offset=\"NEXT\"/offset=\"$(($2 * 2))\"/" "$tmp/room.xml" > "$tmp/r.xml"
    for opts in "--value-cap 448K" "" "--ring-size 1"; do
      "$ospy" capture -q $opts -c "$tmp/r.xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "$1 $opts: capture exited $?"; }
      expect_line "$tmp/out" "10 5"
      "$ospy" show -s 4 "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
      echo "$1 ${opts:-(defaults)}:"
      grep -o '!\(f3\|many\|rd\|walk\)(.*' "$tmp/show" | sed 's/0x[0-9a-f]*</0xADDR</g'
      # the arguments after the big buffers, whatever room they left
      expect_regex "$tmp/show" '!f3\(a="zzzz"\.\.\.[^,]*, b="zzzz"\.\.\.\([0-9]+ of 300000 bytes\), n=300000, tag=77\) = 3$'
      expect_regex "$tmp/show" '!many\(a="zzzz"\.\.\..*, i=0x[0-9a-f]+<no room>, j=0x[0-9a-f]+<no room>, n=1099511627776\) = 3$'
      expect_regex "$tmp/show" '!rd\(a="oooo"\.\.\.[^,]*, b="oooo"\.\.\.\([0-9]+ of 300000 bytes\), count=\[5\], n=300000\) = 3$'
      expect_regex "$tmp/show" '!walk\(n=\{name="a", in=\{x=7\}, next=\{name="a", in=\{x=7\}, next=\{name="a", in=\{x=7\}, next=\{name=0x[0-9a-f]+<depth limit>, in=0x[0-9a-f]+<depth limit>, next=0x[0-9a-f]+<depth limit>\}\}\}\}\) = 1$'
      grep -q -- '--- lost' "$tmp/show" && fail "$1 $opts: a call was lost: $(grep -- '--- lost' "$tmp/show")"
      "$ospy" export "$tmp/c.ospy" -o "$tmp/c.jsonl" 2>/dev/null || fail "export exited $?"
      jq -e -s 'map(select(.type == "FunctionCall") | {key: (.name | sub(".*::"; "")), value: .}) | from_entries
        | (.f3.args_in | map(.value) | .[2:]) == ["300000", "77"]
        and (.many.args_in[9] | .not_recorded == "no room" and (.value | startswith("0x")))
        and .many.args_in[10].value == "1099511627776"
        and (.rd.args_out | .[2].children[0].value == "5" and .[1].children[0].total_size == 300000)
        and (.walk.args_in[0].children[0].children[2].children[0].children[2].children[0]
             .children[2].children[0].children[2] | .not_recorded == "depth limit" and .type == "NodePtr")' \
        "$tmp/c.jsonl" >/dev/null || fail "$1 $opts: JSON Lines: $(grep FunctionCall "$tmp/c.jsonl" | sed 's/"base64":"[^"]*"/"base64":.../g')"
      "$ospy" export "$tmp/c.ospy" --format xml -o "$tmp/c.xml" 2>/dev/null || fail "export xml exited $?"
      grep -q '<argument name="j"><value type="Pointer" value="0x[0-9a-f]*" notRecorded="no room">' "$tmp/c.xml" ||
        fail "$1 $opts: XML: no notRecorded=\"no room\" on many's j"
      grep -q '<field name="next"><value type="NodePtr" value="0x[0-9a-f]*" notRecorded="depth limit"/></field>' "$tmp/c.xml" ||
        fail "$1 $opts: XML: no notRecorded=\"depth limit\" on walk's last next"
    done
  }
  cc -O2 -o "$tmp/room" "$tmp/room.c" || fail "cannot build the target"
  check_room "$tmp/room" 8
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 -O2 -o "$tmp/room32" "$tmp/room.c" 2>/dev/null &&
     "$tmp/room32" >/dev/null 2>&1; then
    check_room "$tmp/room32" 4
    i386=checked
  fi
  echo "value-room: the arguments after big values kept, <no room> and <depth limit> marked (i386 $i386)" ;;
clone-note)
  # A function hooked by name whose module has compiler copies of it (GCC's
  # buf_fn.constprop.0, which its callers call instead): the hook records
  # nothing of those calls, and a note at hook time names the copies and how
  # to hook one (they are not hooked for the user: their parameters may
  # differ). The note's advice works. A function without copies gets none.
  cat > "$tmp/clone.c" <<'C'
#include <stdio.h>
#include <string.h>
int buf_fn(const char *buf, int n, int mode)
{
  int s = 0;
  for (int i = 0; i < n; i++) {
    if (mode == 2)
      s += buf[i] * i;
    else if (mode > 7)
      s ^= buf[i] << (mode & 7);
    else
      s += buf[i] + mode;
  }
  return s;
}
int other_fn(int n) { return n + 1; }
int main(int argc, char **argv)
{
  char b[64];
  memset(b, argc, sizeof b);
  int s = 0;
  for (int i = 0; i < 3; i++)
    s += buf_fn(b, 60 + argc, 2);
  printf("%d %d\n", s, other_fn(argc));
  return 0;
}
C
  cat > "$tmp/clone.xml" <<'X'
<hookManager><specs><functions><function name="buf_fn"><returnValue type="Int32"/><arguments>
<argument name="buf" type="ByteArrayPtr" size="arg.n"/><argument name="n" type="Int32"/>
<argument name="mode" type="Int32"/></arguments></function></functions></specs>
<hooks><module name="*"><function specId="buf_fn"/></module></hooks></hookManager>
X
  # (-O2 clones when it pays; these flags make GCC clone this small function)
  clone_flags="-O2 -fno-inline -fipa-cp-clone --param ipa-cp-eval-threshold=1"
  check_clone() { # BINARY
    b=$(basename "$1")
    nm "$1" | grep -q ' buf_fn\.constprop\.0$' || { echo "skip: the compiler made no clone"; exit 77; }
    for how in "-f buf_fn -f other_fn" "-c $tmp/clone.xml"; do
      "$ospy" capture -q $how -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "$b $how: capture exited $?"; }
      "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
      echo "$b $how:"
      grep 'compiler made' "$tmp/show" | sed 's/^[^]]*] //'
      expect_line "$tmp/show" "--- info: $b!buf_fn: the compiler made 1 copy of it in $b, buf_fn.constprop.0, which calls may reach instead of it, unseen by this hook (a copy's parameters may differ from the source's): -f '$b!buf_fn.constprop.0' hooks it"
      [ "$(grep -c 'compiler made' "$tmp/show")" = 1 ] || fail "$b $how: a note for a function without copies"
    done
    # the advice: the copy hooked by its name records the call
    "$ospy" capture -q -f "$b!buf_fn.constprop.0" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "$b: capture of the copy exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" "\] $b!buf_fn\.constprop\.0\(arg0=0x[0-9a-f]+, .*\) = [0-9]+\$"
  }
  cc $clone_flags -o "$tmp/clone" "$tmp/clone.c" || fail "cannot build the target"
  check_clone "$tmp/clone"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 $clone_flags -o "$tmp/clone32" "$tmp/clone.c" 2>/dev/null &&
     "$tmp/clone32" >/dev/null 2>&1; then
    check_clone "$tmp/clone32"
    i386=checked
  fi
  echo "clone-note: a hooked function's compiler copies named at hook time, with how to hook one (i386 $i386)" ;;
same-name-statics)
  # Two source files' `static int helper(int)` in one program: each is hooked,
  # under that name and definition, and an Info note says how many and where
  # (one was hooked, the other's calls went unrecorded without a word): -f
  # NAME, -f PROG!NAME and a config's symbol=, x86-64 and i386
  cat > "$tmp/tu1.c" <<'C'
static __attribute__((noinline)) int helper(int x) { volatile int k = 1; return x + k; }
int tu1(int x) { return helper(x); }
C
  cat > "$tmp/tu2.c" <<'C'
#include <stdio.h>
static __attribute__((noinline)) int helper(int x) { volatile int k = 1000; return x + k; }
int tu1(int);
int main(void) { int s = 0; for (int i = 0; i < 5; i++) s += tu1(i) + helper(i); printf("s=%d\n", s); return 0; }
C
  cat > "$tmp/twotu.xml" <<'X'
<hookManager><specs><functions><function name="helper"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function></functions></specs>
<hooks><module name="twotu"><function specId="helper" symbol="helper"/></module></hooks></hookManager>
X
  check_twotu() { # BINARY
    for f in helper 'twotu!helper' config; do
      if [ "$f" = config ]; then set -- "$1" -c "$tmp/twotu.xml"; else set -- "$1" -f "$f"; fi
      "$ospy" capture -q "$2" "$3" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "capture $2 $3 exited $?"; }
      expect_line "$tmp/out" "s=5025"
      "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
      expect_regex "$tmp/show" 'info: twotu!helper: 2 functions of that name \((tu[12]\.c at 0x[0-9a-f]+, ){1}tu[12]\.c at 0x[0-9a-f]+\), each hooked: calls of each are recorded under that name$'
      n=$(grep -c 'twotu!helper(' "$tmp/show")
      [ "$n" = 10 ] || { cat "$tmp/show"; fail "$1 $2 $3: $n calls of helper recorded, expected 10"; }
      set -- "$1"
    done
    # the config's spec on each: both definitions' results
    expect_line "$tmp/show" 'twotu!helper(x=4) = 5'
    expect_line "$tmp/show" 'twotu!helper(x=4) = 1004'
  }
  mkdir "$tmp/64" "$tmp/32"
  cc -O0 -o "$tmp/64/twotu" "$tmp/tu1.c" "$tmp/tu2.c" || fail "cannot build the target"
  check_twotu "$tmp/64/twotu"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O0 -o "$tmp/32/twotu" "$tmp/tu1.c" "$tmp/tu2.c" 2>/dev/null && "$tmp/32/twotu" >/dev/null 2>&1; then
    check_twotu "$tmp/32/twotu"
    i386=checked
  fi
  echo "same-name-statics: two static helper() of two source files both hooked, a note naming them (i386 $i386)" ;;
vtable-bounds)
  # A vtable method's slot is checked against the vtable its _ZTV symbol's
  # size gives: a slot past its end (it held whatever followed: another
  # class's method hooked under this name, or nothing, reported as a symbol
  # not found) and an empty one (g++'s abstract class's destructors) are each
  # an Error that says so, as is one holding no code address (the next base
  # class's vtable's offset-to-top and typeinfo words in a symbol with two:
  # said as a symbol not found, then never found); a methodCount past it a
  # Warning; x86-64 and i386
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  cat > "$tmp/vtb.cc" <<'X'
#include <cstdio>
struct Base { virtual ~Base(); virtual int area(int s) const = 0; virtual int twice(int x) const; };
Base::~Base() {}
int Base::twice(int x) const { volatile int k = 2; return x * k; }
struct Rect : Base { int w = 3; int area(int s) const override { volatile int k = w; return k * s; } };
struct Circle : Base { int r = 2; int area(int s) const override { volatile int k = r; return 3 * k * k * s; } };
struct Other { virtual int other() const { return 1; } };
struct Both : Rect, Other { int other() const override { return 2; } };
int main() {
  Base *volatile s[2] = { new Rect, new Circle };
  long sum = 0;
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++) sum += s[k]->area(i) + s[k]->twice(i);
  delete s[0];
  delete s[1];
  Other *volatile b = new Both;
  sum += b->other();
  std::printf("sum=%ld\n", sum);
}
X
  cat > "$tmp/vtb.xml" <<'X'
<hookManager><specs><vtables>
 <vtable id="Shape" methodCount="9">
  <method index="2" name="area"><returnValue type="Int32"/><arguments><argument name="s" type="Int32"/></arguments></method>
  <method index="6" name="mix"><returnValue type="Int32"/><arguments/></method>
 </vtable>
 <vtable id="B" methodCount="4">
  <method index="1" name="dtor"><arguments/></method>
  <method index="3" name="twice"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></method>
 </vtable>
 <vtable id="BothV" methodCount="7">
  <method index="4" name="other"><returnValue type="Int32"/><arguments/></method>
  <method index="5" name="ott"><returnValue type="Int32"/><arguments/></method>
  <method index="6" name="rtti"><returnValue type="Int32"/><arguments/></method>
 </vtable>
</vtables></specs>
<hooks><vtables>
 <vtable specId="Shape" name="Rect" vtableSymbol="_ZTV4Rect" moduleName="vtb"/>
 <vtable specId="B" name="Base" vtableSymbol="_ZTV4Base" moduleName="vtb"/>
 <vtable specId="BothV" name="Both" vtableSymbol="_ZTV4Both" moduleName="vtb"/>
</vtables></hooks></hookManager>
X
  check_vtb() { # BINARY SYMBOL_BYTES OFFSET_TO_TOP
    "$ospy" capture -q -c "$tmp/vtb.xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $1 exited $?"; }
    expect_line "$tmp/out" "sum=59"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "error: vtb!Rect::mix: slot 6 is past the end of vtable _ZTV4Rect, which holds 4 methods (slots 0-3, from its symbol's size, $2 bytes): not hooked (check the method's index)"
    expect_line "$tmp/show" "warning: agent: vtable spec Shape says methodCount 9, but vtable _ZTV4Rect holds 4 methods (from its symbol's size)"
    expect_line "$tmp/show" "error: vtb!Base::dtor: slot 1 of vtable _ZTV4Base is empty (NULL): no method there to hook"
    expect_line "$tmp/show" "error: vtb!Both::ott: slot 5 of vtable _ZTV4Both holds $3, not a code address: no method there to hook"
    expect_regex "$tmp/show" "error: vtb!Both::rtti: slot 6 of vtable _ZTV4Both holds 0x[0-9a-f]+ \\(_ZTI4Both\\), not a code address: no method there to hook"
    expect_line "$tmp/show" 'vtb!Both::other() = 2'
    grep -q 'not found\|never found\|Rect::mix(' "$tmp/show" && { cat "$tmp/show"; fail "$1: a vtable found was said not found, or slot 6 hooked"; }
    expect_line "$tmp/show" 'vtb!Rect::area(s=2) = 6'
    n=$(grep -c 'vtb!Base::twice(x=' "$tmp/show")
    [ "$n" = 6 ] || { cat "$tmp/show"; fail "$1: $n calls of Base::twice, expected 6"; }
  }
  mkdir "$tmp/64" "$tmp/32"
  c++ -O0 -o "$tmp/64/vtb" "$tmp/vtb.cc" || fail "cannot build the target"
  check_vtb "$tmp/64/vtb" 48 0xfffffffffffffff0
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     c++ -m32 -O0 -o "$tmp/32/vtb" "$tmp/vtb.cc" 2>/dev/null && "$tmp/32/vtb" >/dev/null 2>&1; then
    check_vtb "$tmp/32/vtb" 24 0xfffffff8
    i386=checked
  fi
  echo "vtable-bounds: a slot past the vtable's end and an empty slot and one holding no code refused with their reasons (i386 $i386)" ;;
offset-boundary)
  # offset= inside an instruction of a function the module's symbols describe
  # is refused, naming function+offset and the function's start (the hook
  # patched the middle of the instruction: SIGSEGV, or garbage; the message
  # suggested the next instruction, inside the function too); one at another
  # instruction of it is refused as well; the place a signature gives
  # (sigOffset) is checked alike (it was not checked: SIGSEGV, SIGILL); an
  # offset past the module's end says so (it was "not found (yet)", then
  # "never found" in a module that was loaded); one at the start is hooked;
  # x86-64 and i386
  cat > "$tmp/off.c" <<'C'
#include <stdio.h>
int n_add;
__attribute__((noinline)) int api_add(int a, int b) { n_add++; return a + b; }
int main(void) { int s = 0; for (int i = 0; i < 4; i++) s += api_add(i, 1); printf("s=%d n=%d\n", s, n_add); return 0; }
C
  check_offset() { # BINARY
    start=$(nm "$1" | awk '$3 == "api_add" { print $1 }')
    # the first instruction of api_add longer than a byte: one byte into it
    objdump -d --no-show-raw-insn "$1" |
      awk '/<api_add>:/ { f = 1; next } f && !NF { exit } f { sub(":", "", $1); print $1 }' >"$tmp/insns"
    # api_add's first 12 bytes, as a signature
    sig=$(objdump -d "$1" | awk '/<api_add>:/ { f = 1; next } f && !NF { exit }
      f { for (i = 2; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) printf "%s ", $i }' | cut -d' ' -f1-12)
    set -- "$1" $(prev=; while read -r a; do
        v=$((0x$a))
        if [ -n "$prev" ] && [ $((v - prev)) -ge 2 ]; then
          echo $((prev + 1 - 0x$start)) $((prev - 0x$start)) $((v - prev))
          break
        fi
        prev=$v
      done <"$tmp/insns")
    [ $# = 4 ] || fail "$1: no instruction of api_add is longer than a byte: $(cat "$tmp/insns")"
    mid=$(printf '0x%x' $((0x$start + $2))) at=$(printf '0x%x' $((0x$start)))
    next=$(printf '0x%x' $((0x$start + $3 + $4)))
    cat > "$tmp/off.xml" <<X
<hookManager><specs><functions>
<function name="add_mid"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
<function name="add_next"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
<function name="add_sig"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
<function name="add_sig_next"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
<function name="past"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
<function name="api_add"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
</functions></specs>
<signatures><signature name="add">$sig</signature></signatures>
<hooks><module name="off"><function specId="add_mid" offset="$mid"/><function specId="add_next" offset="$next"/>
<function specId="past" offset="0x5000000"/><function specId="api_add" offset="$at"/></module>
<functions><function specId="add_sig" sigId="add" sigOffset="$2" moduleName="off"/>
<function specId="add_sig_next" sigId="add" sigOffset="$(($3 + $4))"/></functions></hooks></hookManager>
X
    "$ospy" capture -q -c "$tmp/off.xml" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $1 exited $?"; }
    expect_line "$tmp/out" "s=10 n=4"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    start_hex=$(printf '0x%x' $((0x$start)))
    expect_line "$tmp/show" "error: off!add_mid: offset $mid is api_add+$2, inside the instruction at api_add+$3 ($4 bytes): a hook must be placed at a function's start; api_add starts at offset $start_hex: hook that, or name it: symbol=\"api_add\"; not hooked"
    expect_line "$tmp/show" "error: off!add_next: offset $next is api_add+$(($3 + $4)), not the start of a function: inside api_add the stack's top may hold what it pushed, not the return address a hook replaces (its return would crash the program); api_add starts at offset $start_hex: hook that, or name it: symbol=\"api_add\"; not hooked"
    expect_line "$tmp/show" "error: off!add_sig: the place its signature gives (sigOffset +$2), offset $mid is api_add+$2, inside the instruction at api_add+$3 ($4 bytes): a hook must be placed at a function's start; api_add starts at offset $start_hex (sigOffset 0): hook that"
    # (no moduleName: the program's code)
    expect_line "$tmp/show" "error: off!add_sig_next: the place its signature gives (sigOffset +$(($3 + $4))), offset $next is api_add+$(($3 + $4)), not the start of a function"
    size=$(sed -n "s|.*--- loaded $1 at 0x[0-9a-f]* (\(0x[0-9a-f]*\) bytes)\$|\1|p" "$tmp/show")
    expect_line "$tmp/show" "error: off!past: offset 0x5000000 is past the end of off ($size bytes): not hooked"
    grep -E 'add_mid\(|add_next\(|add_sig\(|add_sig_next\(|not found|never found' "$tmp/show" &&
      fail "$1: a place inside a function was hooked, or one refused said not found"
    expect_line "$tmp/show" 'off!api_add(a=3, b=1) = 4'
  }
  mkdir "$tmp/64" "$tmp/32"
  cc -O2 -o "$tmp/64/off" "$tmp/off.c" || fail "cannot build the target"
  check_offset "$tmp/64/off"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O2 -o "$tmp/32/off" "$tmp/off.c" 2>/dev/null && "$tmp/32/off" >/dev/null 2>&1; then
    check_offset "$tmp/32/off"
    i386=checked
  fi
  echo "offset-boundary: an offset or a signature's place inside an instruction or a function refused, naming the function's start; past the module's end said (i386 $i386)" ;;
offset-mid-function)
  # offset= one instruction into a function (after its push): the hook took
  # the pushed frame pointer for the return address and the program died of
  # SIGSEGV when the call ended, nothing recorded. Where the symbols show it,
  # it is refused; in a stripped file each call's stack top is checked: no
  # return address there, the call is recorded at its entry (= ?) and left
  # to return by itself; the function's start in the stripped file is hooked
  # as usual, return value and all; x86-64 and i386
  cat > "$tmp/off.c" <<'C'
#include <stdio.h>
int n_add;
__attribute__((noinline)) int api_add(int a, int b) { n_add++; return a + b; }
int main(void) { int s = 0; for (int i = 0; i < 4; i++) s += api_add(i, 1); printf("s=%d n=%d\n", s, n_add); return 0; }
C
  check_mid() { # DIR
    start=$(nm "$1/off" | awk '$3 == "api_add" { print $1 }')
    objdump -d "$1/off" | awk '/<api_add>:/ { getline; print $2 }' | grep -qx 55 ||
      fail "$1/off: api_add does not start with push: $(objdump -d "$1/off" | grep -A2 '<api_add>:')"
    plus1=$(printf '0x%x' $((0x$start + 1))) at=$(printf '0x%x' $((0x$start)))
    cat > "$tmp/mid.xml" <<X
<hookManager><specs><functions>
<function name="api_add"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="off"><function specId="api_add" offset="$plus1"/></module></hooks></hookManager>
X
    sed "s/offset=\"$plus1\"/offset=\"$at\"/" "$tmp/mid.xml" >"$tmp/start.xml"
    "$ospy" capture -q -c "$tmp/mid.xml" -o "$tmp/c.ospy" -- "$1/off" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $1/off exited $?"; }
    expect_line "$tmp/out" "s=10 n=4"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "error: off!api_add: offset $plus1 is api_add+1, not the start of a function: inside api_add the stack's top may hold what it pushed, not the return address a hook replaces (its return would crash the program); api_add starts at offset $at: hook that, or name it: symbol=\"api_add\"; not hooked"
    mkdir "$1/s" && cp "$1/off" "$1/s/off" && strip "$1/s/off" || fail "cannot strip $1/off"
    "$ospy" capture -q -c "$tmp/mid.xml" -o "$tmp/c.ospy" -- "$1/s/off" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of the stripped $1/s/off exited $?"; }
    expect_line "$tmp/out" "s=10 n=4"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "info: off!api_add: the stack's top holds no return address there (not a function's start?): such calls are recorded at their entry, their return not followed (= ?)"
    n=$(grep -cE 'off!api_add\(a=.*\) = \?$' "$tmp/show")
    [ "$n" = 4 ] || { cat "$tmp/show"; fail "$1/s/off: $n calls of api_add recorded at entry, expected 4"; }
    "$ospy" capture -q -c "$tmp/start.xml" -o "$tmp/c.ospy" -- "$1/s/off" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of the stripped $1/s/off at api_add's start exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" 'off!api_add(a=3, b=1) = 4'
    grep -q 'no return address' "$tmp/show" && fail "$1/s/off: the function's start taken for a place inside it"
  }
  mkdir "$tmp/64" "$tmp/32"
  cc -O0 -fno-omit-frame-pointer -o "$tmp/64/off" "$tmp/off.c" || fail "cannot build the target"
  check_mid "$tmp/64"
  # x86-64: inside a leaf function its locals live below rsp (the red zone),
  # which the hook's stub and context frame overwrote: leaf() returned
  # garbage (43971) with a stripped file's hook after its first store
  cat > "$tmp/rz.c" <<'C'
#include <stdio.h>
__attribute__((noinline)) int leaf(int a) { volatile int x = a * 3; volatile int y = x + 1; return x + y; }
int main(void) { printf("leaf=%d\n", leaf(2)); return 0; }
C
  cc -O0 -fno-omit-frame-pointer -o "$tmp/64/rz" "$tmp/rz.c" && strip "$tmp/64/rz" ||
    fail "cannot build rz.c"
  at=$(objdump -d "$tmp/64/rz" | awk '/mov +-0x4\(%rbp\),%eax/ { sub(":", "", $1); print $1; exit }')
  [ -n "$at" ] || fail "rz: no load of the first local: $(objdump -d "$tmp/64/rz" | grep -- '-0x4(%rbp)')"
  sed "s/module name=\"off\"/module name=\"rz\"/; s/offset=\"[^\"]*\"/offset=\"0x$at\"/" "$tmp/mid.xml" >"$tmp/rz.xml"
  "$ospy" capture -q -c "$tmp/rz.xml" -o "$tmp/c.ospy" -- "$tmp/64/rz" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of rz exited $?"; }
  expect_line "$tmp/out" "leaf=13"
  "$ospy" show "$tmp/c.ospy" | grep -qE 'rz!api_add\(.*\) = \?$' || fail "rz: the call at 0x$at was not recorded"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] &&
     cc -m32 -O0 -fno-omit-frame-pointer -o "$tmp/32/off" "$tmp/off.c" 2>/dev/null && "$tmp/32/off" >/dev/null 2>&1; then
    check_mid "$tmp/32"
    i386=checked
  fi
  echo "offset-mid-function: an offset after a function's push refused where symbols show it; in a stripped file its calls recorded at entry, no crash (i386 $i386)" ;;
offset-stripped|offset-stripped-i386)
  # A stripped file (strip --strip-all: no symbol table) keeps its .eh_frame,
  # whose entry (FDE) gives a function's range: an offset= or a signature's
  # place inside an instruction of it is refused, naming the range and the
  # instruction's bounds. It was patched as given and the program died at
  # its first call there (SIGSEGV, SIGILL). PIE and, on x86-64, non-PIE (the
  # absolute address). Where neither a symbol nor an FDE covers the place
  # (hand-written assembly without CFI), it is hooked as given with a
  # Warning that it could not be checked; a crash next to its jump says so.
  m=-m64
  if [ "$case_name" = offset-stripped-i386 ]; then i386_or_skip; m=-m32; fi
  cat > "$tmp/ck.c" <<'C'
#include <stdio.h>
#include <string.h>
__attribute__((noinline)) int check_key(const char *k, int len)
{
  int s = 0;
  for (int i = 0; i < len; i++)
    s = s * 7 + k[i];
  return s ^ 0x5a5a;
}
int main(int argc, char **argv)
{
  const char *k = argc > 1 ? argv[1] : "secret";
  printf("%d\n", check_key(k, (int)strlen(k)));
  return 0;
}
C
  check_fde() { # DIR (ck built there)
    set -- "$1" $(nm -S "$1/ck" | awk '$4 == "check_key" { print $1, $2 }')
    [ $# = 3 ] || fail "$1/ck: no check_key in nm -S"
    dir=$1 start=$((0x$2)) hi=$((0x$2 + 0x$3))
    # the first instruction of check_key longer than a byte: one byte into it
    objdump -d --no-show-raw-insn "$dir/ck" |
      awk '/<check_key>:/ { f = 1; next } f && !NF { exit } f { sub(":", "", $1); print $1 }' >"$tmp/insns"
    sig=$(objdump -d "$dir/ck" | awk '/<check_key>:/ { f = 1; next } f && !NF { exit }
      f { for (i = 2; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) printf "%s ", $i }' | cut -d' ' -f1-12)
    set -- $(prev=; while read -r a; do
        v=$((0x$a))
        if [ -n "$prev" ] && [ $((v - prev)) -ge 2 ]; then echo "$prev $v"; break; fi
        prev=$v
      done <"$tmp/insns")
    [ $# = 2 ] || fail "$dir/ck: no instruction of check_key is longer than a byte"
    ins=$1 next=$2 len=$(($2 - $1)) mid=$(($1 + 1))
    h() { printf '0x%x' "$1"; }
    mkdir "$dir/s" && cp "$dir/ck" "$dir/s/ck" && strip --strip-all "$dir/s/ck" || fail "cannot strip $dir/ck"
    cat > "$tmp/ck.xml" <<X
<hookManager><specs><functions>
<function name="ck_mid"><returnValue type="Int32"/><arguments><argument name="k" type="AsciiStringPtr"/></arguments></function>
<function name="ck_sig"><returnValue type="Int32"/><arguments><argument name="k" type="AsciiStringPtr"/></arguments></function>
</functions></specs>
<signatures><signature name="ck">$sig</signature></signatures>
<hooks><module name="ck"><function specId="ck_mid" offset="$(h $mid)"/></module>
<functions><function specId="ck_sig" sigId="ck" sigOffset="$((mid - start))"/></functions></hooks></hookManager>
X
    "$dir/s/ck" >"$tmp/alone.out" || fail "$dir/s/ck alone exited $?"
    "$ospy" capture -q -c "$tmp/ck.xml" -o "$tmp/c.ospy" -- "$dir/s/ck" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || { cat "$tmp/err"; fail "capture of the stripped $dir/s/ck exited $rc"; }
    cmp -s "$tmp/alone.out" "$tmp/out" || { diff "$tmp/alone.out" "$tmp/out"; fail "$dir/s/ck: its output differs under ospy"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    first=", the function's start,"
    [ "$ins" = "$start" ] || first=
    rest="inside the instruction at $(h $ins) ($len bytes) of the function at $(h $start)..$(h $hi) (its .eh_frame entry: no symbol covers it): a hook must be placed at an instruction's start, a function's to see its calls return; the nearest are"
    expect_line "$tmp/show" "error: ck!ck_mid: offset $(h $mid) is $rest $(h $ins)$first and $(h $next); not hooked"
    expect_line "$tmp/show" "error: ck!ck_sig: the place its signature gives (sigOffset +$((mid - start))), offset $(h $mid) is $rest $(h $ins) (sigOffset $((ins - start)))$first and $(h $next) (sigOffset $((next - start))); not hooked"
    grep -E 'ck_mid\(|ck_sig\(|SIG' "$tmp/show" && fail "$dir/s/ck: a place inside an instruction was hooked"
    # no section headers either (e_shoff, e_shnum, e_shstrndx zeroed): the
    # .eh_frame found through the PT_GNU_EH_FRAME segment's .eh_frame_hdr
    mkdir "$dir/n" && cp "$dir/s/ck" "$dir/n/ck" || fail "cannot copy $dir/s/ck"
    if [ $m = -m64 ]; then at=40 n=8 num=60; else at=32 n=4 num=48; fi
    { dd if=/dev/zero of="$dir/n/ck" bs=1 seek=$at count=$n conv=notrunc &&
      dd if=/dev/zero of="$dir/n/ck" bs=1 seek=$num count=4 conv=notrunc; } 2>/dev/null ||
      fail "cannot zero the section headers of $dir/n/ck"
    readelf -h "$dir/n/ck" | grep -q 'Number of section headers: *0$' || fail "$dir/n/ck has section headers"
    "$ospy" capture -q -c "$tmp/ck.xml" -o "$tmp/c.ospy" -- "$dir/n/ck" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || { cat "$tmp/err"; fail "capture of $dir/n/ck (no section headers) exited $rc"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "error: ck!ck_mid: offset $(h $mid) is $rest $(h $ins)$first and $(h $next); not hooked"
  }
  mkdir "$tmp/pie"
  cc $m -O2 -o "$tmp/pie/ck" "$tmp/ck.c" || fail "cannot build ck.c"
  check_fde "$tmp/pie"
  if [ $m = -m64 ]; then
    mkdir "$tmp/nopie"
    cc -O2 -no-pie -fno-pie -o "$tmp/nopie/ck" "$tmp/ck.c" || fail "cannot build ck.c -no-pie"
    check_fde "$tmp/nopie"
  fi
  # no FDE: an assembly function whose first instruction is a lea (8d): a
  # jump patched in one byte into it makes that lea's operand a register,
  # an invalid instruction (SIGILL at the lea, just before the jump)
  cat > "$tmp/nt.c" <<'C'
#include <stdio.h>
int nt_add(int a, int b);
#if defined(__x86_64__)
__asm__(".text\n.globl nt_add\nnt_add:\n leal (%rdi,%rsi),%eax\n addl $1,%eax\n ret\n");
#else
__asm__(".text\n.globl nt_add\nnt_add:\n leal 4(%esp),%eax\n movl (%eax),%ecx\n"
        " movl 4(%eax),%eax\n leal 1(%eax,%ecx),%eax\n ret\n");
#endif
int main(void) { printf("nt_add=%d\n", nt_add(2, 3)); return 0; }
C
  cc $m -O2 -o "$tmp/nt" "$tmp/nt.c" && mkdir "$tmp/s" && cp "$tmp/nt" "$tmp/s/nt" &&
    strip --strip-all "$tmp/s/nt" || fail "cannot build nt.c"
  at=$((0x$(nm "$tmp/nt" | awk '$3 == "nt_add" { print $1 }')))
  for place in $at $((at + 1)); do
    cat > "$tmp/nt.xml" <<X
<hookManager><specs><functions>
<function name="nt_add"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="nt"><function specId="nt_add" offset="$(printf '0x%x' $place)"/></module></hooks></hookManager>
X
    "$ospy" capture -q -c "$tmp/nt.xml" -o "$tmp/c.ospy" -- "$tmp/s/nt" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "warning: nt!nt_add: offset $(printf '0x%x' $place) could not be checked (neither a symbol nor an .eh_frame entry of its file covers it): hooked as given; a place inside an instruction crashes the program at its first call there"
    if [ $place = $at ]; then # (the function's start: hooked as usual)
      [ $rc = 0 ] || { cat "$tmp/err"; fail "nt_add's start: exit $rc"; }
      expect_line "$tmp/out" "nt_add=6"
      expect_line "$tmp/show" "nt!nt_add(a=2, b=3) = 6"
    fi
  done
  [ $rc = 132 ] || { cat "$tmp/err"; fail "nt_add+1: exit $rc, expected 132 (SIGILL)"; }
  base=$(sed -n "s|.*--- loaded $tmp/s/nt at \(0x[0-9a-f]*\) .*|\1|p" "$tmp/show")
  [ $((base)) = 0 ] || at=$((base + at))
  expect_line "$tmp/show" "SIGILL at $(printf '0x%x' $at) (just before the jump ospy patched in at $(printf '0x%x' $((at + 1))) for nt_add, a place that could not be checked: likely inside the instruction there)"
  echo "$case_name: offset= and sigOffset inside an instruction of a stripped file refused by its .eh_frame; without one hooked with a Warning, its crash said to be next to ospy's jump" ;;
untyped-function|untyped-function-i386)
  # A global function of hand-written assembly without `.type` (STT_NOTYPE,
  # nm shows it T) is hooked by name: -f, a config's <function>, a -f glob
  # over the program and over a stripped library's dynamic symbols. It was
  # "never found: the program ended without loading a module that has it",
  # and the globs matched nothing
  m=-m64
  if [ "$case_name" = untyped-function-i386 ]; then i386_or_skip; m=-m32; fi
  cat > "$tmp/ntasm.h" <<'C'
#if defined(__x86_64__)
#define NT_ASM(name) __asm__(".text\n.globl " #name "\n" #name ":\n leal 1(%rdi,%rsi),%eax\n ret\n")
#else
#define NT_ASM(name) __asm__(".text\n.globl " #name "\n" #name ":\n movl 4(%esp),%eax\n" \
                             " addl 8(%esp),%eax\n addl $1,%eax\n ret\n")
#endif
C
  printf '#include "ntasm.h"\nNT_ASM(nt_lib);\n' >"$tmp/ntlib.c"
  cat > "$tmp/nt.c" <<'C'
#include <stdio.h>
#include "ntasm.h"
int nt_add(int a, int b);
int nt_lib(int a, int b);
NT_ASM(nt_add);
int main(void) { printf("nt_add=%d nt_lib=%d\n", nt_add(2, 3), nt_lib(4, 5)); return 0; }
C
  cc $m -O2 -shared -fPIC -o "$tmp/libnt.so" "$tmp/ntlib.c" && strip --strip-all "$tmp/libnt.so" &&
    cc $m -O2 -o "$tmp/nt" "$tmp/nt.c" -L"$tmp" -lnt -Wl,-rpath,"$tmp" || fail "cannot build nt.c"
  nm "$tmp/nt" | grep -q ' T nt_add$' || fail "nt_add is not a T symbol: $(nm "$tmp/nt" | grep nt_add)"
  readelf -sW "$tmp/nt" | grep -E 'NOTYPE +GLOBAL +DEFAULT +[0-9]+ nt_add$' >/dev/null ||
    fail "nt_add has a type: $(readelf -sW "$tmp/nt" | grep nt_add)"
  run_nt() { # what a capture of nt with these options must record
    "$ospy" capture -q "$@" -o "$tmp/c.ospy" -- "$tmp/nt" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || { cat "$tmp/err"; fail "capture $* exited $rc"; }
    expect_line "$tmp/out" "nt_add=6 nt_lib=10"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    grep -E 'error|never found|not found' "$tmp/show" && fail "$*: a function not found"
  }
  run_nt -f nt_add
  expect_regex "$tmp/show" 'nt!nt_add\((arg0=)?0x2, (arg1=)?0x3.*\) = 6$'
  cat > "$tmp/nt.xml" <<'X'
<hookManager><specs><functions>
<function name="nt_add"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
<function name="nt_lib"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="nt"><function specId="nt_add"/></module><module name="libnt.so"><function specId="nt_lib"/></module></hooks></hookManager>
X
  run_nt -c "$tmp/nt.xml"
  expect_line "$tmp/show" "nt!nt_add(a=2, b=3) = 6"
  expect_line "$tmp/show" "libnt.so!nt_lib(a=4, b=5) = 10"
  run_nt -f 'nt!nt_*' -f 'libnt.so!nt_*'
  expect_regex "$tmp/show" 'nt!nt_add\(.*\) = 6$'
  expect_regex "$tmp/show" 'libnt.so!nt_lib\(.*\) = 10$'
  echo "$case_name: a global assembly function without .type hooked by -f, a config and -f globs (program's symbol table, stripped library's dynamic symbols)" ;;
not-a-function|not-a-function-i386)
  # -f naming a variable said "never found: the program ended without
  # loading a module that has it"; now that it is a data object, not a
  # function (its own, a static one, one a library exports, one of a named
  # module). A data label of hand-written assembly without .type (STT_NOTYPE
  # in .data, the program's or one a library exports) is one too: it was
  # "never found" as well, and the library's "not in executable memory". A
  # signature that matches two places names both (it said only "matches 2
  # places; the first is hooked")
  m=-m64
  if [ "$case_name" = not-a-function-i386 ]; then i386_or_skip; m=-m32; fi
  cat > "$tmp/dv.c" <<'C'
#include <stdio.h>
int counter_var = 12345;
static volatile long priv_arr[4] = {1, 2, 3, 4};
__asm__(".data\n.globl asm_label\nasm_label:\n.long 5\n.text\n"); /* no .type: NOTYPE */
extern int asm_label;
__attribute__((noinline)) int twin_a(int x) { return x * 1234567 + 89; }
__attribute__((noinline)) int twin_b(int x) { return x * 1234567 + 89; }
int main(void)
{
  printf("%d %ld %d %d %d\n", counter_var, priv_arr[0] + priv_arr[3], twin_a(1), twin_b(2),
         asm_label);
  return 0;
}
C
  # (the program does not read lib_label: a copy relocation would take it into the program)
  printf '__asm__(".data\\n.globl lib_label\\nlib_label:\\n.long 7\\n.text\\n");\n' >"$tmp/dvl.c"
  # (-O1: the twins' code the same bytes, no i386 PIC thunk call in it)
  cc $m -shared -fPIC -o "$tmp/libdvl.so" "$tmp/dvl.c" &&
    cc $m -O1 -o "$tmp/dv" "$tmp/dv.c" -L"$tmp" -Wl,--no-as-needed -ldvl -Wl,-rpath,"$tmp" ||
    fail "cannot build dv.c"
  for label in "$tmp/dv asm_label" "$tmp/libdvl.so lib_label"; do
    readelf -sW "${label% *}" | grep -E "NOTYPE +GLOBAL +DEFAULT +[0-9]+ ${label#* }\$" >/dev/null ||
      fail "${label#* } has a type: $(readelf -sW "${label% *}" | grep "${label#* }")"
  done
  for f in counter_var priv_arr dv!counter_var environ asm_label dv!asm_label lib_label; do
    "$ospy" capture -q -f "$f" -o "$tmp/c.ospy" -- "$tmp/dv" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || { cat "$tmp/err"; fail "capture -f $f exited $rc"; }
    expect_line "$tmp/out" "12345 5 1234656 2469223 5"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    case $f in
    dv!*) expect_line "$tmp/show" "error: $f: function not found in dv: ${f#dv!} is a data object there (a variable), not a function: only functions are hooked" ;;
    environ) expect_regex "$tmp/show" "error: environ: a data object of /.*libc\\.so\\.6 \\(a variable\\), not a function: only functions are hooked\$" ;;
    lib_label) expect_line "$tmp/show" "error: $f: a data object of $tmp/libdvl.so (a variable), not a function: only functions are hooked" ;;
    *) expect_line "$tmp/show" "error: $f: a data object of $tmp/dv (a variable), not a function: only functions are hooked" ;;
    esac
    grep -E 'never found|not in executable memory' "$tmp/show" && fail "-f $f: not said to be a variable"
  done
  a=$(nm "$tmp/dv" | awk '$3 == "twin_a" { print $1 }') b=$(nm "$tmp/dv" | awk '$3 == "twin_b" { print $1 }')
  sig=$(objdump -d "$tmp/dv" | awk '/<twin_a>:/ { f = 1; next } f && !NF { exit }
    f { for (i = 2; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) printf "%s ", $i }')
  cat > "$tmp/tw.xml" <<X
<hookManager><specs><functions>
<function name="twin"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
</functions></specs>
<signatures><signature name="tw">$sig</signature></signatures>
<hooks><functions><function specId="twin" sigId="tw"/></functions></hooks></hookManager>
X
  "$ospy" capture -q -c "$tmp/tw.xml" -o "$tmp/c.ospy" -- "$tmp/dv" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 0 ] || { cat "$tmp/err"; fail "capture of the signature exited $rc"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "warning: dv!twin: its signature matches 2 places, offset $(printf '0x%x' $((0x$a))) (twin_a) and offset $(printf '0x%x' $((0x$b))) (twin_b); the first is hooked (a longer signature tells them apart)"
  expect_line "$tmp/show" "dv!twin(x=1) = 1234656"
  echo "$case_name: -f naming a variable said to be one (an untyped assembly data label too); an ambiguous signature's places named" ;;
regparm-i386)
  # GCC passes an i386 -O2 local function's arguments in eax, edx, ecx
  # (regparm(3)), as __attribute__((regparm(3))) does: callingConvention=
  # "regparm" reads them there (the stack's garbage was shown); a computed
  # argument's value="reg.eax" is eax at entry (it was refused: "retval is
  # not available here")
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  cat > "$tmp/rc.c" <<'C'
#include <stdio.h>
static __attribute__((noinline, noclone)) int helper(int x) { volatile int k = 7; return x * k + 1; }
__attribute__((noinline, regparm(3))) long long rp(int a, long long d, int c) { volatile int k = 1; return a * k + d + c; }
int main(void) {
  long long s = 0;
  for (int i = 0; i < 3; i++) s += helper(i + 40) + rp(i, 0x500000000LL + i, 9);
  printf("s=%lld\n", s);
  return 0;
}
C
  cc -m32 -O2 -o "$tmp/rc" "$tmp/rc.c" 2>/dev/null || { echo "skip: no -m32 toolchain"; exit 77; }
  "$tmp/rc" >/dev/null 2>&1 || { echo "skip: this machine cannot run i386 programs"; exit 77; }
  cat > "$tmp/rc.xml" <<'X'
<hookManager><specs><functions>
<function name="helper" callingConvention="regparm"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="rp" callingConvention="regparm"><returnValue type="Int64" hex="true"/><arguments><argument name="a" type="Int32"/><argument name="d" type="Int64" hex="true"/><argument name="c" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="rc"><function specId="helper" symbol="helper"/><function specId="rp"/></module></hooks></hookManager>
X
  sed -e 's/ callingConvention="regparm"><returnValue type="Int32"\/><arguments><argument name="x" type="Int32"\/>/><returnValue type="Int32"\/><arguments><argument name="x" type="Int32" value="reg.eax"\/>/' \
    "$tmp/rc.xml" > "$tmp/rc-eax.xml"
  grep -q 'value="reg.eax"' "$tmp/rc-eax.xml" || fail "sed did not make rc-eax.xml"
  "$ospy" check --arch i386 "$tmp/rc.xml" >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "check exited $?"; }
  expect_line "$tmp/check" "spec helper: regparm, returns Int32"
  for cfg in rc rc-eax; do
    "$ospy" capture -q -c "$tmp/$cfg.xml" -o "$tmp/c.ospy" -- "$tmp/rc" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture with $cfg.xml exited $?"; }
    expect_line "$tmp/out" "s=64424510337"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" 'rc!helper(x=40) = 281'
    expect_line "$tmp/show" 'rc!helper(x=42) = 295'
    expect_line "$tmp/show" 'rc!rp(a=1, d=0x500000001, c=9) = 0x50000000b'
  done
  echo "regparm-i386: regparm(3) arguments from eax, edx, ecx and the stack; value=\"reg.eax\" at entry" ;;
regparm-local-i386)
  # GCC (-O1 and above) passes the first three integer arguments of an i386
  # function local to its source file in eax, edx, ecx, and nothing but the
  # code says so: read as cdecl, `-f four` showed four(arg0=0x6, ...)
  # (the stack's words: its fourth argument, then garbage), and a config
  # without callingConvention the same. The agent finds the registers a
  # static function reads before writing them and reads it as regparm(N),
  # with a note; at -O0 (cdecl) and for a global function (exported, or
  # hidden: local in the .symtab, after the linker's empty STT_FILE) nothing
  # changes, and a declared callingConvention="cdecl" is kept, with a warning
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  cat > "$tmp/rl.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#define LOCAL static __attribute__((noinline))
LOCAL int one(int a) { return a * 7 + 1; }
LOCAL int two(int a, int b) { return a * 10 + b; }
LOCAL int three(int a, int b, int c) { return a * 100 + b * 10 + c; }
LOCAL int four(int a, int b, int c, int d) { return a * 1000 + b * 100 + c * 10 + d; }
LOCAL void report(int a, int b) { printf("report %d %d\n", a, b); }
/* a 64-bit second argument in edx:ecx whose high half the code never reads:
 * still regparm(3) (read as regparm(2), its high half came from the stack) */
LOCAL int mix(int a, long long b) { volatile int k = 1; return a * k + (int)b; }
__attribute__((noinline)) int exported4(int a, int b, int c, int d) { return a * 4000 + b * 300 + c * 20 + d; }
/* a global the linker makes local (hidden), cdecl, that pushes ecx for
 * room before a call: as a static function it would look like regparm(3) */
__attribute__((noinline)) void noargs(void) { __asm__ volatile(""); }
__asm__(".globl hid\n.hidden hid\n.type hid,@function\nhid:\n push %ecx\n call noargs\n"
        " pop %ecx\n mov 4(%esp),%eax\n add 8(%esp),%eax\n ret\n.size hid,.-hid\n");
int hid(int a, int b);
int main(int argc, char **argv) {
  int x = argc > 1 ? atoi(argv[1]) : 3;
  printf("%d %d %d %d %d %d\n", one(x), two(x, x + 1), three(x, x + 1, x + 2),
         four(x, x + 1, x + 2, x + 3), exported4(x, x + 1, x + 2, x + 3), hid(x, x + 1));
  report(x, x + 1);
  printf("mix %d\n", mix(x, 0x500000007LL + x));
  return 0;
}
C
  fns='<function name="one"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
<function name="two"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
<function name="three"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/><argument name="c" type="Int32"/></arguments></function>
<function name="four"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/><argument name="c" type="Int32"/><argument name="d" type="Int32"/></arguments></function>
<function name="report"><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
<function name="exported4"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/><argument name="c" type="Int32"/><argument name="d" type="Int32"/></arguments></function>
<function name="hid"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/></arguments></function>
<function name="mix"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int64"/></arguments></function>'
  hooks='<hooks><module name="rl"><function specId="one"/><function specId="two"/><function specId="three"/><function specId="four"/><function specId="report"/><function specId="exported4"/><function specId="hid"/><function specId="mix"/></module></hooks>'
  printf '<hookManager><specs><functions>\n%s\n</functions></specs>\n%s</hookManager>\n' "$fns" "$hooks" > "$tmp/rl.xml"
  sed -e 's/<function name="four">/<function name="four" callingConvention="cdecl">/' "$tmp/rl.xml" > "$tmp/rl-cdecl.xml"
  grep -q 'name="four" callingConvention="cdecl"' "$tmp/rl-cdecl.xml" || fail "sed did not make rl-cdecl.xml"
  note() { # note FUNCTION REGISTERS-READ
    echo "rl!$1: reads $2 before writing them: arguments in registers, as GCC passes a local function's first three on i386 (eax, edx, ecx): read as regparm(3)"
  }
  # -O2 -flto: the LTO partition's static functions follow an STT_FILE of
  # no name, as the globals the linker made local do after its own: they
  # were taken for those, read as cdecl without a word (hid still is one)
  for opt in O2 Os O0 O2-flto; do
    mkdir -p "$tmp/$opt"
    cc -m32 $(echo "-$opt" | sed 's/-flto/ -flto/') -rdynamic -o "$tmp/$opt/rl" "$tmp/rl.c" 2>/dev/null ||
      { echo "skip: no -m32 toolchain"; exit 77; }
    "$tmp/$opt/rl" 3 >"$tmp/out" 2>&1 || { echo "skip: this machine cannot run i386 programs"; exit 77; }
    # raw words: the arguments by the function's convention
    "$ospy" capture -q -f one,two,three,four,report,exported4,hid -o "$tmp/f.ospy" -- "$tmp/$opt/rl" 3 >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "-$opt: capture -f exited $?"; }
    expect_line "$tmp/out" "22 34 345 3456 13306 7"
    "$ospy" show "$tmp/f.ospy" >"$tmp/show" || fail "show exited $?"
    echo "-$opt, -f:"
    for line in 'rl!one(arg0=0x3, ' 'rl!two(arg0=0x3, arg1=0x4, ' 'rl!three(arg0=0x3, arg1=0x4, arg2=0x5, ' \
                'rl!four(arg0=0x3, arg1=0x4, arg2=0x5, arg3=0x6) = 3456' 'rl!report(arg0=0x3, arg1=0x4, ' \
                'rl!exported4(arg0=0x3, arg1=0x4, arg2=0x5, arg3=0x6) = 13306' 'rl!hid(arg0=0x3, arg1=0x4, '; do
      expect_line "$tmp/show" "$line"
      echo "  $line"
    done
    if [ $opt = O0 ]; then
      ! grep -q 'read as regparm' "$tmp/show" || { cat "$tmp/show"; fail "-O0 (cdecl) read as regparm"; }
      echo "  (no function read as regparm: -O0 calls them by cdecl)"
    else
      for fn in one:eax two:'eax, edx' three:'eax, edx, ecx' four:'eax, edx, ecx' report:'eax, edx'; do
        expect_line "$tmp/show" "$(note "${fn%%:*}" "${fn#*:}")"
        echo "  $(note "${fn%%:*}" "${fn#*:}")"
      done
      ! grep -qE '(exported4|hid): reads' "$tmp/show" || { cat "$tmp/show"; fail "a global function (cdecl) read as regparm"; }
    fi
    # a config without callingConvention
    "$ospy" capture -q -c "$tmp/rl.xml" -o "$tmp/c.ospy" -- "$tmp/$opt/rl" 3 >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "-$opt: capture -c exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    echo "-$opt, config:"
    for line in 'rl!one(a=3) = 22' 'rl!two(a=3, b=4) = 34' 'rl!three(a=3, b=4, c=5) = 345' \
                'rl!four(a=3, b=4, c=5, d=6) = 3456' 'rl!report(a=3, b=4)' \
                'rl!exported4(a=3, b=4, c=5, d=6) = 13306' 'rl!hid(a=3, b=4) = 7' \
                'rl!mix(a=3, b=21474836490) = 13'; do
      expect_line "$tmp/show" "$line"
      echo "  $line"
    done
  done
  # callingConvention="cdecl" declared is kept (read from the stack), and said
  "$ospy" capture -q -c "$tmp/rl-cdecl.xml" -o "$tmp/c.ospy" -- "$tmp/O2/rl" 3 >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with rl-cdecl.xml exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  line='rl!four: callingConvention="cdecl", but it reads eax, edx, ecx before writing them, where GCC passes a local function'"'"'s first arguments on i386: read as cdecl, its arguments may be wrong (callingConvention="regparm" reads them there)'
  expect_line "$tmp/show" "$line"
  ! grep -qF 'rl!four(a=3, b=4, c=5, d=6)' "$tmp/show" || { cat "$tmp/show"; fail "a declared cdecl was overridden"; }
  echo "-O2, four declared cdecl: $line"
  echo "regparm-local-i386: static functions read by the registers they read (-O2, -Os, -O2 -flto), cdecl at -O0, when global (exported, or hidden) or declared" ;;
local-conventions|local-conventions-i386)
  # The conventions compilers call a local (static) function by, beside
  # GCC's regparm(3) (regparm-local-i386). clang -O1 and above passes an
  # i386 local function's integer argument words in ecx, edx (LLVM's
  # fastcc): it was read by regparm(3), with an Info calling it GCC's
  # convention, two(x=<garbage from eax>, y=8). Now a static function that
  # reads ecx or edx and no eax, in a file whose .comment names clang, is
  # read as fastcc: a 64-bit integer in ecx:edx, or split between edx and
  # the stack, a Double 8-byte aligned on the stack; clang's `push %eax`
  # making room (say) is no argument. The same program from gcc -O2 -flto
  # (read as cdecl, garbage, before: regparm-local-i386) by regparm(3).
  # x86-64: nothing changes, both read as SysV.
  case_bits
  command -v clang >/dev/null || { echo "skip: no clang (scripts/setup.sh installs it)"; exit 77; }
  cat > "$tmp/lc.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#define LOCAL static __attribute__((noinline))
LOCAL int two(int x, int y) { return x * 100 + y; }
LOCAL int three(int a, int b, int c) { return a * 100 + b * 10 + c; }
LOCAL long long wide(long long v) { return v * 3; }
LOCAL long long split(int a, long long v, int b) { return v * 3 + a + b; }
LOCAL double late(int a, int b, int c, double d) { return a + b + c + d; }
LOCAL int say(int a) { printf("say %d\n", a); return a * 2; }
int main(int argc, char **argv) {
  int x = argc > 1 ? atoi(argv[1]) : 5;
  printf("%d %d %lld %lld %g %d\n", two(x, x + 3), three(x, x + 1, x + 2), wide(0x500000000LL + x),
         split(x, 0x500000000LL + x, x + 1), late(x, x + 1, x + 2, x / 2.0), say(x));
  return 0;
}
C
  cat > "$tmp/lc.xml" <<'X'
<hookManager><specs><functions>
<function name="two"><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/><argument name="y" type="Int32"/></arguments></function>
<function name="three"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/><argument name="c" type="Int32"/></arguments></function>
<function name="wide"><returnValue type="Int64"/><arguments><argument name="v" type="Int64"/></arguments></function>
<function name="split"><returnValue type="Int64"/><arguments><argument name="a" type="Int32"/><argument name="v" type="Int64"/><argument name="b" type="Int32"/></arguments></function>
<function name="late"><returnValue type="Double"/><arguments><argument name="a" type="Int32"/><argument name="b" type="Int32"/><argument name="c" type="Int32"/><argument name="d" type="Double"/></arguments></function>
<function name="say"><returnValue type="Int32"/><arguments><argument name="a" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="lc"><function specId="two"/><function specId="three"/><function specId="wide"/><function specId="split"/><function specId="late"/><function specId="say"/></module></hooks></hookManager>
X
  calls='lc!two(x=5, y=8) = 508
lc!three(a=5, b=6, c=7) = 567
lc!wide(v=21474836485) = 64424509455
lc!split(a=5, v=21474836485, b=6) = 64424509466
lc!late(a=5, b=6, c=7, d=2.5) = 20.5
lc!say(a=5) = 10'
  clang_note='lc!two: reads ecx, edx before writing them, not eax, and clang built some of its file (its .comment): arguments in registers, as clang passes a local function'"'"'s first two on i386 (ecx, edx): read as fastcc'
  gcc_note='lc!two: reads eax, edx before writing them: arguments in registers, as GCC passes a local function'"'"'s first three on i386 (eax, edx, ecx): read as regparm(3)'
  # build_lc NAME COMPILER FLAGS...: lc built, run alone, captured with
  # lc.xml; its calls in $tmp/show
  build_lc() {
    name=$1; shift
    mkdir -p "$tmp/$name"
    "$@" -m$m -o "$tmp/$name/lc" "$tmp/lc.c" || fail "$name: cannot build lc.c ($*)"
    "$tmp/$name/lc" >"$tmp/alone" || fail "$name: lc alone exited $?"
    expect_line "$tmp/alone" "508 567 64424509455 64424509466 20.5 10"
    "$ospy" capture -q -c "$tmp/lc.xml" -o "$tmp/c.ospy" -- "$tmp/$name/lc" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "$name: capture exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    echo "$name ($*):"
    echo "$calls" | while IFS= read -r line; do
      expect_line "$tmp/show" "$line"
      echo "  $line"
    done || exit 1
  }
  # no_i386_convention: x86-64 has one convention, SysV
  no_i386_convention() {
    ! grep -q 'read as \(regparm\|fastcc\)' "$tmp/show" || { cat "$tmp/show"; fail "an x86-64 function read by an i386 convention"; }
  }
  build_lc clang clang -O2
  if [ $m = 64 ]; then
    no_i386_convention
    build_lc gcc-lto gcc -O2 -flto
    no_i386_convention
    echo "$case_name: clang -O2 and gcc -O2 -flto, local functions read as SysV (as ever)"
    exit 0
  fi
  expect_line "$tmp/show" "$clang_note"
  echo "  $clang_note"
  late_note='lc!late: reads ecx, edx before writing them, not eax, and clang built some of its file (its .comment): arguments in registers, as clang passes a local function'"'"'s first two on i386 (ecx, edx): read as fastcc (its Float and Double arguments from the stack, where clang passes them without SSE2)'
  expect_line "$tmp/show" "$late_note"
  echo "  $late_note"
  ! grep -q 'GCC' "$tmp/show" || { cat "$tmp/show"; fail "clang's functions said to be GCC's"; }
  # raw words: ecx, edx, then the stack
  "$ospy" capture -q -f two,three,say -o "$tmp/f.ospy" -- "$tmp/clang/lc" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture -f exited $?"; }
  "$ospy" show "$tmp/f.ospy" >"$tmp/show" || fail "show exited $?"
  echo "clang, -f:"
  for line in 'lc!two(arg0=0x5, arg1=0x8, ' 'lc!three(arg0=0x5, arg1=0x6, arg2=0x7, ' 'lc!say(arg0=0x5, '; do
    expect_line "$tmp/show" "$line"
    echo "  $line"
  done
  # declared: cdecl kept, with a warning naming clang's; fastcc read so, unsaid
  sed -e 's/<function name="two">/<function name="two" callingConvention="cdecl">/' \
      -e 's/<function name="wide">/<function name="wide" callingConvention="fastcc">/' "$tmp/lc.xml" > "$tmp/lc-declared.xml"
  grep -q 'name="wide" callingConvention="fastcc"' "$tmp/lc-declared.xml" || fail "sed did not make lc-declared.xml"
  "$ospy" capture -q -c "$tmp/lc-declared.xml" -o "$tmp/c.ospy" -- "$tmp/clang/lc" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with lc-declared.xml exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  line='lc!two: callingConvention="cdecl", but it reads ecx, edx before writing them, not eax, where clang (which built some of its file) passes a local function'"'"'s first arguments on i386: read as cdecl, its arguments may be wrong (callingConvention="fastcc" reads them there)'
  expect_line "$tmp/show" "$line"
  echo "clang, two declared cdecl: $line"
  expect_line "$tmp/show" 'lc!wide(v=21474836485) = 64424509455'
  ! grep -q 'lc!wide: ' "$tmp/show" || { cat "$tmp/show"; fail "a declared fastcc said"; }
  echo "clang, wide declared fastcc: lc!wide(v=21474836485) = 64424509455"
  build_lc gcc-lto gcc -O2 -flto
  expect_line "$tmp/show" "$gcc_note"
  echo "  $gcc_note"
  echo "$case_name: clang's local functions read as fastcc (ecx, edx), gcc -flto's as regparm(3)" ;;
fork-agent-calls)
  # the agent's own work in a fork child (its pid, its start record) is not
  # the program's: getpid hooked, each child calls it once, the parent never
  cat > "$tmp/fk.c" <<'C'
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  for (int i = 0; i < 2; i++) {
    pid_t p = fork();
    if (p == 0)
      _exit(getpid() > 0 ? 7 : 1);
    int st;
    waitpid(p, &st, 0);
  }
  return 0;
}
C
  cc -O2 -o "$tmp/fk" "$tmp/fk.c" || fail "cc"
  "$ospy" capture -q -F -f getpid -o "$tmp/c.ospy" -- "$tmp/fk" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c 'libc.so.6!getpid(' "$tmp/show")
  [ "$n" = 2 ] || { cat "$tmp/show"; fail "expected the two children's getpid, got $n"; }
  grep -E '^\S+ \[([0-9]+)\] libc.so.6!getpid\(.*\) = ([0-9]+)$' "$tmp/show" | sed -E 's/^\S+ \[([0-9]+)\].* = ([0-9]+)$/\1 \2/' |
    while read -r pid ret; do [ "$pid" = "$ret" ] || { cat "$tmp/show"; fail "getpid of $ret recorded under pid $pid"; }; done
  n=$(grep -c '+++ exited with 7 +++' "$tmp/show")
  [ "$n" = 2 ] || { cat "$tmp/show"; fail "expected two children exiting with 7, got $n"; }
  echo "fork-agent-calls: $n children, each getpid its own; none of the agent's" ;;
attach-follow-exec)
  # -p -F: the attached process's children are followed, and so are the
  # programs they exec (with their exit status); a program of the other
  # architecture is left alone with a warning (no loader error in its output)
  cat > "$tmp/sp.c" <<'C'
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  for (int i = 0;; i++) {
    pid_t p = fork();
    if (p == 0) {
      const char *prog = argv[1 + i % (argc - 1)];
      execl(prog, prog, "1", "exit", "4", (char *)0);
      _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child %d\n", WEXITSTATUS(st));
    fflush(stdout);
    usleep(100000);
  }
}
C
  cc -O2 -o "$tmp/sp" "$tmp/sp.c" || fail "cc"
  progs=$target
  if cc -m32 -o "$tmp/t32" "$(dirname "$0")/target_exit.c" 2>/dev/null && "$tmp/t32" 1 exit 0 >/dev/null 2>&1; then
    progs="$target $tmp/t32"
  fi
  # shellcheck disable=SC2086
  "$tmp/sp" $progs >"$tmp/out" 2>"$tmp/perr" &
  tpid=$!
  while [ ! -s "$tmp/out" ]; do sleep 0.05; done
  "$ospy" capture -q -F -f write --duration 1.5 -p $tpid -o "$tmp/c.ospy" 2>"$tmp/err" ||
    { kill $tpid; cat "$tmp/err"; fail "attach exited $?"; }
  sleep 0.3
  kill $tpid
  wait $tpid 2>/dev/null
  # (the last line may be cut by the kill)
  sed '$d' "$tmp/out" | grep -v '^xchild 4$' && fail "a child's status changed: $(sort "$tmp/out" | uniq -c)"
  [ -s "$tmp/perr" ] && fail "the children wrote to stderr: $(head -3 "$tmp/perr")"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -cE "\+\+\+ process started \(parent $tpid, 64-bit\): $target 1 exit 4\$" "$tmp/show")
  [ "$n" -ge 2 ] || { cat "$tmp/show"; fail "expected the exec'd programs followed, got $n"; }
  n=$(grep -cF '+++ exited with 4 +++' "$tmp/show")
  [ "$n" -ge 2 ] || { cat "$tmp/show"; fail "expected the exec'd programs' exit status, got $n"; }
  # (named when the short-lived child is still there to be asked)
  expect_regex "$tmp/show" "\] libc.so.6!write\(fd=1(<[^>]*>)?, buf=\"x\", count=1\) = 1\$"
  case $progs in *t32*)
    expect_line "$tmp/show" "agent: $tmp/t32 is a 32-bit program: not followed from this 64-bit process"
    grep -q '32-bit): ' "$tmp/show" && fail "an i386 program recorded in a 64-bit capture" ;;
  esac
  echo "attach-follow-exec: exec'd programs followed and their exits recorded; $(echo $progs | wc -w) kinds of program" ;;
tiny-functions)
  # functions shorter than the 5-byte jump (`lea eax, [rdi+rsi]; ret` at -O2)
  # are hooked over the alignment padding after them, on both architectures;
  # the last one before another section's code is still refused, with why
  cat > "$tmp/tiny.c" <<'C'
int add(int a, int b) { return a + b; }
int twice(int a) { return a * 2; }
long ident(long a) { return a; }
int last(int a) { return a - 1; }
C
  cat > "$tmp/tmain.c" <<'C'
#include <stdio.h>
int add(int, int); int twice(int); long ident(long);
int main(void) { printf("%d %d %ld\n", add(2, 3), twice(4), ident(5)); return 0; }
C
  done_arches=
  for m in 64 32; do
    cc -m$m -O2 -shared -fPIC -o "$tmp/libtiny$m.so" "$tmp/tiny.c" 2>/dev/null &&
      cc -m$m -O2 -o "$tmp/tmain$m" "$tmp/tmain.c" -L"$tmp" -ltiny$m -Wl,-rpath,"$tmp" 2>/dev/null &&
      "$tmp/tmain$m" >/dev/null 2>&1 || { [ $m = 32 ] && continue; fail "cc -m$m"; }
    "$ospy" capture -q -f "libtiny$m.so!*" -o "$tmp/c$m.ospy" -- "$tmp/tmain$m" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -m$m exited $?"; }
    expect_line "$tmp/out" "5 8 5"
    "$ospy" show "$tmp/c$m.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" "libtiny$m.so!add\(arg0=0x2, arg1=0x3(, .*)?\) = 5\$"
    expect_regex "$tmp/show" "libtiny$m.so!twice\(arg0=0x4(, .*)?\) = 8\$"
    expect_regex "$tmp/show" "libtiny$m.so!ident\(arg0=0x5(, .*)?\) = 5\$"
    # the last function of .text (4 bytes on x86-64, 8 on i386): the next
    # section's code follows at once
    [ $m = 32 ] || expect_regex "$tmp/show" "libtiny$m.so!last: cannot hook: 0x[0-9a-f]+: 'ret' at \+0x[0-9a-f]+ ends the function after [0-9] of the 5 bytes needed; '.*' after it is not padding"
    n=$(grep 'cannot hook' "$tmp/show" | grep -vc '!last: ')
    [ "$n" = 0 ] || { cat "$tmp/show"; fail "-m$m: expected only last refused, got $n other refusals"; }
    done_arches="$done_arches -m$m"
  done
  # nops right after a function that are the next (static) function's
  # patchable entry, not padding: refused, the next function intact
  cat > "$tmp/pfe.c" <<'C'
#include <stdio.h>
#define NI __attribute__((noinline, noclone))
NI int p_add(int a, int b) { return a + b; }
__attribute__((patchable_function_entry(8, 0))) NI static int p_next(int a) { return a * 3 + 1; }
int (*volatile pn)(int) = p_next;
int main(void) {
  long bad = 0;
  for (int i = 0; i < 1000; i++)
    bad += (p_add(i, 2) != i + 2) + (pn(i) != i * 3 + 1);
  printf("bad=%ld\n", bad);
  return bad != 0;
}
C
  cc -O2 -fno-toplevel-reorder -falign-functions=1 -o "$tmp/pfe" "$tmp/pfe.c" || fail "cc pfe"
  "$ospy" capture -q -f p_add -o "$tmp/p.ospy" -- "$tmp/pfe" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of pfe exited $?"; }
  expect_line "$tmp/out" "bad=0"
  "$ospy" show "$tmp/p.ospy" >"$tmp/show" || fail "show exited $?"
  if ! grep -q 'pfe!p_add(' "$tmp/show"; then # (hooked only if the compiler aligned p_next)
    expect_regex "$tmp/show" "pfe!p_add: cannot hook: .*padding after it ends off a 16-byte boundary, at \\+0x[0-9a-f]+ \\('"
  fi
  echo "tiny-functions: 4-byte functions hooked over their padding ($done_arches); a next function's nops are not padding" ;;
jump-into-patch|jump-into-patch-i386)
  # A function that code or data elsewhere in its program enters inside the
  # bytes a hook's jump covers (fn+1..fn+4) is refused, saying what leads
  # there, and the program runs to its normal end. The hook builder looked
  # 4 KiB before the function and 512 bytes after it only: a gcc -O2 `.cold`
  # fragment's `jmp with_retry+3` from .text.unlikely 36 KiB away (SIGSEGV
  # every run), a far rel32 jmp (SIGILL), `lea rcx, [rip+fn+2]; jmp rcx`
  # and a jump table's entry (SIGSEGV at fn+2) went through the hook's jump.
  # Code no dynamic symbol covers (the program's own, not exported; a
  # stripped file's) is named by its address in the file, "no symbol": a
  # branch back inside the function was said to come from outside it.
  case_bits
  # the same forms by hand, in a PIE: each target returns 2n+7 and its
  # jumper comes in at +3 (x86-64) or +4 (i386) with the argument in eax
  if [ $m = 64 ]; then
    cat > "$tmp/ways.S" <<'S'
#define FUNC(n) .globl n; .type n, @function; .p2align 4; n:
#define END(n) .size n, .-n
#define TARGET(n, mid) FUNC(n) mov %rdi, %rax; mid: add %eax, %eax; add $7, %eax; ret; END(n)
	.text
TARGET(far_target, .Lfar_mid)
TARGET(lea_target, .Llea_mid)
TARGET(table_target, .Ltable_mid)
FUNC(plain)
	lea 7(%rdi, %rdi), %eax
	ret
END(plain)
	.fill 70000, 1, 0xcc
FUNC(far_jumper)
	mov %edi, %eax
	jmp .Lfar_mid
END(far_jumper)
FUNC(lea_jumper)
	mov %edi, %eax
	lea .Llea_mid(%rip), %rcx
	jmp *%rcx
END(lea_jumper)
FUNC(table_jumper)
	mov %edi, %eax
	jmp *table(%rip)
END(table_jumper)
	.section .data.rel.ro, "aw"
	.p2align 3
table:	.quad .Ltable_mid
	.section .note.GNU-stack, "", @progbits
S
    ways="far lea table"
  else
    cat > "$tmp/ways.S" <<'S'
#define FUNC(n) .globl n; .type n, @function; .p2align 4; n:
#define END(n) .size n, .-n
#define TARGET(n, mid) FUNC(n) mov 4(%esp), %eax; mid: add %eax, %eax; add $7, %eax; ret; END(n)
/* ebx = the GOT (_GLOBAL_OFFSET_TABLE_), as GCC's PIC code has it */
#define GOT_IN_EBX push %ebx; call .Lpc; add $_GLOBAL_OFFSET_TABLE_, %ebx
	.text
TARGET(far_target, .Lfar_mid)
TARGET(lea_target, .Llea_mid)
TARGET(table_target, .Ltable_mid)
FUNC(plain)
	mov 4(%esp), %eax
	lea 7(%eax, %eax), %eax
	ret
END(plain)
	.fill 70000, 1, 0xcc
.Lpc:	mov (%esp), %ebx
	ret
FUNC(far_jumper)
	mov 4(%esp), %eax
	jmp .Lfar_mid
END(far_jumper)
FUNC(lea_jumper)
	GOT_IN_EBX
	lea .Llea_mid@GOTOFF(%ebx), %ecx
	mov 8(%esp), %eax
	pop %ebx
	jmp *%ecx
END(lea_jumper)
FUNC(table_jumper)
	GOT_IN_EBX
	mov table@GOTOFF(%ebx), %ecx
	mov 8(%esp), %eax
	pop %ebx
	jmp *%ecx
END(table_jumper)
	.section .data.rel.ro, "aw"
	.p2align 2
table:	.long .Ltable_mid
	.section .note.GNU-stack, "", @progbits
S
    ways="far lea table"
  fi
  {
    printf '#include <stdio.h>\nint plain(int);\n'
    for w in $ways; do printf 'int %s_target(int), %s_jumper(int);\n' $w $w; done
    printf 'int main(void) {\n  printf("plain %%d\\n", plain(5));\n'
    for w in $ways; do printf '  printf("%s %%d %%d\\n", %s_target(5), %s_jumper(5));\n' $w $w $w; done
    printf '  return 0;\n}\n'
  } > "$tmp/ways.c"
  cc -m$m -fPIE -pie -o "$tmp/ways" "$tmp/ways.c" "$tmp/ways.S" || fail "cc -m$m ways"
  "$tmp/ways" >"$tmp/alone" || fail "ways alone exited $?"
  hooks="-f plain"
  for w in $ways; do hooks="$hooks -f ${w}_target"; done
  # shellcheck disable=SC2086
  "$ospy" capture -q $hooks -o "$tmp/w.ospy" -- "$tmp/ways" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of ways exited $?"; }
  cmp -s "$tmp/alone" "$tmp/out" || { cat "$tmp/alone" "$tmp/out"; fail "ways printed otherwise under ospy"; }
  "$ospy" show "$tmp/w.ospy" >"$tmp/show" || fail "show exited $?"
  for w in $ways; do
    case $w in
    far) says="code at 0x[0-9a-f]+ \(ways\+0x[0-9a-f]+, no symbol\) jumps into the bytes to patch" ;;
    lea) says="code at 0x[0-9a-f]+ \(ways\+0x[0-9a-f]+, no symbol\) takes an address inside the bytes to patch, for a jump there" ;;
    *) says="a pointer at 0x[0-9a-f]+ \(ways\+0x[0-9a-f]+\) leads into the bytes to patch \(a jump table's entry\)" ;;
    esac
    echo "expect: ways!${w}_target: cannot hook: 0x...: $says"
    expect_regex "$tmp/show" "error: ways!${w}_target: cannot hook: 0x[0-9a-f]+: $says\$"
  done
  expect_regex "$tmp/show" "\] ways!plain\(arg0=0x5(, .*)?\) = 17\$"
  n=$(grep -c 'cannot hook' "$tmp/show")
  [ "$n" = "$(echo $ways | wc -w)" ] || { cat "$tmp/show"; fail "expected $(echo $ways | wc -w) refusals, got $n"; }
  done_ways=$ways
  # a branch back inside the function, from code no dynamic symbol covers (a
  # program's own functions, a stripped file's): it was said to come from
  # "outside the function"; now named by the file's address of it, no symbol
  if [ $m = 64 ]; then
    loop_body='2: cmp %rdi, %rax; jae 3f; loopy_branch: jmp 4f; 1: xor %eax, %eax; 4: add $1, %rax; jmp 2b; 3: ret'
  else
    loop_body='2: cmp 4(%esp), %eax; jae 3f; loopy_branch: jmp 4f; 1: xor %eax, %eax; 4: inc %eax; jmp 2b; 3: ret'
  fi
  mkdir "$tmp/lp" "$tmp/lp/s"
  printf '\t.text\n\t.globl loopy\n\t.type loopy, @function\nloopy: jmp 1f; %s\n\t.size loopy, .-loopy\n\t.section .note.GNU-stack, "", @progbits\n' \
    "$loop_body" >"$tmp/lp/lp.S"
  printf '#include <stdio.h>\nint loopy(int);\nint main(void) { printf("loopy %%d\\n", loopy(5)); return 0; }\n' >"$tmp/lp/lp.c"
  cc -m$m -o "$tmp/lp/lp" "$tmp/lp/lp.c" "$tmp/lp/lp.S" && cp "$tmp/lp/lp" "$tmp/lp/s/lp" &&
    strip --strip-all "$tmp/lp/s/lp" || fail "cc -m$m lp"
  loopy=$(nm "$tmp/lp/lp" | awk '$3 == "loopy" { print $1 }')
  branch=$(nm "$tmp/lp/lp" | awk '$3 == "loopy_branch" { print $1 }')
  cat > "$tmp/lp/lp.xml" <<X
<hookManager><specs><functions>
<function name="loopy"><returnValue type="Int32"/><arguments><argument name="n" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="lp"><function specId="loopy" offset="$(printf '0x%x' $((0x$loopy)))"/></module></hooks></hookManager>
X
  for how in "-f loopy -- $tmp/lp/lp" "-c $tmp/lp/lp.xml -- $tmp/lp/s/lp"; do
    # shellcheck disable=SC2086
    "$ospy" capture -q -o "$tmp/c.ospy" $how >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture $how exited $?"; }
    expect_line "$tmp/out" "loopy 5"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    at=$(printf '0x%x' $((0x$branch)))
    echo "expect: lp!loopy: cannot hook: 0x...: jumps to 0x...: code at 0x... (lp+$at, no symbol) jumps into the bytes to patch"
    expect_regex "$tmp/show" "error: lp!loopy: cannot hook: 0x[0-9a-f]+: jumps to 0x[0-9a-f]+: code at 0x[0-9a-f]+ \(lp\+$at, no symbol\) jumps into the bytes to patch"
    grep 'outside the function' "$tmp/show" && fail "$how: a branch inside loopy said to be outside it"
  done
  # gcc -O2's own: the unlikely part of with_retry, moved to .text.unlikely
  # (a big function between them), jumps back to with_retry+3
  cat > "$tmp/cold.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#define NI __attribute__((noinline))
NI int try_fast(int a) { return a < 3 ? -1 : a * 2; }
__attribute__((cold)) NI void slow_fixup(void) { static int n; if (++n > 100) abort(); }
#define B(i) v = v * 31 + (i) + (v >> 3) + ((v & 7) ? v / 7 : v / 3);
#define B10(i) B(i##0) B(i##1) B(i##2) B(i##3) B(i##4) B(i##5) B(i##6) B(i##7) B(i##8) B(i##9)
#define B100(i) B10(i##0) B10(i##1) B10(i##2) B10(i##3) B10(i##4) B10(i##5) B10(i##6) B10(i##7) B10(i##8) B10(i##9)
NI long big(long v) { B100(1) B100(2) B100(3) B100(4) return v; }
NI int with_retry(int a) {
retry:;
  int x = try_fast(a);
  if (__builtin_expect(x < 0, 0)) { slow_fixup(); a++; goto retry; }
  return x;
}
int main(int argc, char **argv) {
  (void)argv;
  printf("%d %d %ld\n", with_retry(5), with_retry(argc - 1), big(argc) & 0xff);
  return 0;
}
C
  cc -m$m -O2 -o "$tmp/cold" "$tmp/cold.c" || fail "cc -m$m -O2 cold.c"
  # the jump there, and how far it is from with_retry (objdump's view)
  jump=$(objdump -d --no-show-raw-insn "$tmp/cold" 2>/dev/null |
    awk '/<with_retry\.cold>:$/ { in_cold = 1; next } /^$/ { in_cold = 0 }
         in_cold && /jmp +[0-9a-f]+ <with_retry\+0x[1-4]>/ { sub(":", "", $1); print $1, $NF }' | head -n 1)
  fn=$(nm "$tmp/cold" 2>/dev/null | awk '$3 == "with_retry" { print $1 }')
  gcc_case=
  if [ -z "$jump" ] || [ -z "$fn" ]; then
    echo "skip (gcc part): this compiler's with_retry.cold does not jump into with_retry+1..+4 (objdump shows no such jmp)"
  elif [ $((0x$fn - 0x${jump% *})) -lt 4608 ]; then
    echo "skip (gcc part): with_retry.cold's jump is $((0x$fn - 0x${jump% *})) bytes before with_retry: not far"
  else
    echo "gcc -O2 -m$m: with_retry.cold at 0x${jump% *} jumps to ${jump#* } ($((0x$fn - 0x${jump% *})) bytes before it)"
    "$tmp/cold" 1 >"$tmp/alone" || fail "cold alone exited $?"
    "$ospy" capture -q -f with_retry -o "$tmp/c.ospy" -- "$tmp/cold" 1 >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of cold exited $?"; }
    cmp -s "$tmp/alone" "$tmp/out" || { cat "$tmp/alone" "$tmp/out"; fail "cold printed otherwise under ospy"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    expect_regex "$tmp/show" "error: cold!with_retry: cannot hook: 0x[0-9a-f]+: code at 0x[0-9a-f]+ \(cold\+0x${jump% *}, no symbol\) jumps into the bytes to patch\$"
    gcc_case="; gcc -O2's with_retry.cold too"
  fi
  echo "jump-into-patch: -m$m, functions entered inside the bytes to patch ($done_ways; a loop of its own, no symbol) refused, the programs unharmed$gcc_case" ;;
crash-after-default)
  # A program that sets a fatal signal back to SIG_DFL (signal(SIGSEGV,
  # SIG_DFL); sort's SIGPIPE handler before it raises the signal again) keeps
  # the agent's crash handler: the call it dies in is recorded "= ?" with the
  # warning, as for a signal it never touched (nothing at all was, the
  # handler gone). Every sigaction it makes still reports what it would
  # without ospy (the default, with the flags and mask it gave: compared with
  # a run without ospy), SIG_IGN stays ignored and its own handler its own.
  # Attached (-p): the handler stands through the program's SIG_DFL, and the
  # detach takes it away. x86-64 and i386.
  cat > "$tmp/dfl.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((noinline)) int crash(int *p) { return *p + 1; }
static void own(int s) { (void)s; static const char m[] = "own handler ran\n"; write(1, m, sizeof m - 1); }
static const char *name(void (*h)(int)) {
  return h == SIG_DFL ? "SIG_DFL" : h == SIG_IGN ? "SIG_IGN" : h == own ? "own" : "another handler";
}
/* the restorer by its offset in its file: the same in every run */
static void print_action(const char *what, const struct sigaction *sa) {
  char restorer[128] = "none";
  Dl_info di;
  if (sa->sa_restorer && dladdr((void *)(uintptr_t)sa->sa_restorer, &di))
    snprintf(restorer, sizeof restorer, "%s+%#lx", strrchr(di.dli_fname, '/') + 1,
             (unsigned long)((uintptr_t)sa->sa_restorer - (uintptr_t)di.dli_fbase));
  unsigned long long mask;
  memcpy(&mask, &sa->sa_mask, sizeof mask);
  printf("%s: %s flags=%#x mask=%#llx restorer=%s\n", what, name(sa->sa_handler), (unsigned)sa->sa_flags,
         mask, restorer);
  fflush(stdout);
}
static void print_current(const char *what, int sig) {
  struct sigaction o;
  memset(&o, 0, sizeof o);
  sigaction(sig, NULL, &o);
  print_action(what, &o);
}
static void set_default(int sig, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGKILL); /* (the kernel keeps no SIGKILL in a mask) */
  sigaction(sig, &sa, &sa);        /* the old action into the same struct */
  print_action("before", &sa);
}
static int closed_pipe(void) {
  int fd[2];
  if (pipe(fd) != 0 || close(fd[0]) != 0) return -1;
  return fd[1];
}
int main(int argc, char **argv) {
  int *volatile nowhere = 0;
  if (argc > 1 && !strcmp(argv[1], "segv")) {
    printf("signal: %s\n", name(signal(SIGSEGV, SIG_DFL)));
    print_current("SIGSEGV", SIGSEGV);
    return crash(nowhere);
  }
  if (argc > 1 && !strcmp(argv[1], "pipe")) {
    set_default(SIGPIPE, SA_RESTART);
    set_default(SIGPIPE, SA_RESETHAND); /* (its "before": the SA_RESTART one) */
    print_current("SIGPIPE", SIGPIPE);
    write(closed_pipe(), "x", 1);
    printf("write returned\n");
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "ignore")) {
    printf("signal: %s\n", name(signal(SIGPIPE, SIG_IGN)));
    print_current("SIGPIPE", SIGPIPE);
    int n = (int)write(closed_pipe(), "x", 1);
    printf("write: %d %s\n", n, strerror(errno));
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "own")) {
    printf("signal: %s\n", name(signal(SIGUSR1, own)));
    printf("signal: %s\n", name(signal(SIGUSR1, SIG_DFL)));
    printf("signal: %s\n", name(signal(SIGUSR1, own)));
    print_current("SIGUSR1", SIGUSR1);
    raise(SIGUSR1);
    return 0;
  }
  if (argc > 2 && !strcmp(argv[1], "attached")) { /* until argv[2] exists */
    while (access(argv[2], F_OK) != 0) {
      signal(SIGSEGV, SIG_DFL);
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = SIG_DFL;
      sigaction(SIGPIPE, &sa, NULL);
      write(1, "x\n", 2);
      usleep(20000);
    }
    return 0;
  }
  return 2;
}
C
  # capture_mode BINARY MODE STATUS FUNCTION: run alone, then under ospy;
  # the same output and status
  capture_mode() {
    "$1" "$2" >"$tmp/ref" 2>"$tmp/referr"
    rc=$?
    [ $rc = "$3" ] || { cat "$tmp/ref"; fail "$1 $2 without ospy exited $rc, expected $3"; }
    "$ospy" capture -q -f "$4" -o "$tmp/c.ospy" -- "$1" "$2" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = "$3" ] || { cat "$tmp/err"; fail "$1 $2: capture exited $rc, expected $3"; }
    diff "$tmp/ref" "$tmp/out" >"$tmp/diff" || { cat "$tmp/diff"; fail "$1 $2: the program saw another answer under ospy"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  }
  check_defaults() { # BINARY
    capture_mode "$1" segv 139 crash
    expect_line "$tmp/out" "signal: SIG_DFL"
    expect_regex "$tmp/out" "^SIGSEGV: SIG_DFL flags="
    expect_regex "$tmp/show" "!crash\(arg0=0,.*\) = \?\$"
    expect_regex "$tmp/show" "warning: agent: thread [0-9]+: SIGSEGV \(address 0x0\) at 0x[0-9a-f]+, 1 pending call of this thread recorded as not returning\$"
    expect_line "$tmp/show" "+++ killed by SIGSEGV +++"
    capture_mode "$1" pipe 141 write
    expect_regex "$tmp/out" "^before: SIG_DFL flags=0 mask=0 restorer=none\$"
    expect_regex "$tmp/out" "^before: SIG_DFL flags=0x1[0-9a-f]* mask=0x2 restorer="
    expect_regex "$tmp/out" "^SIGPIPE: SIG_DFL flags=0x8[0-9a-f]* mask=0x2 restorer="
    expect_regex "$tmp/show" "libc\\.so\\.6!write\\(fd=[0-9]+[^,]*, buf=\"x\", count=1\\) = \\?\$"
    expect_regex "$tmp/show" "warning: agent: thread [0-9]+: SIGPIPE \(sent by pid [0-9]+\) at 0x[0-9a-f]+, 1 pending call of this thread recorded as not returning\$"
    expect_line "$tmp/show" "+++ killed by SIGPIPE +++"
    capture_mode "$1" ignore 0 write
    expect_line "$tmp/out" "SIGPIPE: SIG_IGN flags="
    expect_line "$tmp/out" "write: -1 Broken pipe"
    expect_regex "$tmp/show" "libc\\.so\\.6!write\\(fd=[0-9]+[^,]*, buf=\"x\", count=1\\) = -1 EPIPE"
    capture_mode "$1" own 0 write
    expect_line "$tmp/out" "SIGUSR1: own flags="
    expect_line "$tmp/out" "own handler ran"
    grep -q 'pending call' "$tmp/show" && fail "$1 own: the program's handler was taken over"
  }
  cc -O0 -o "$tmp/dfl" "$tmp/dfl.c" || fail "cannot build the target"
  check_defaults "$tmp/dfl"
  i386=skipped
  if [ -n "$agent32" ] && [ -f "$agent32" ] && cc -m32 -O0 -o "$tmp/dfl32" "$tmp/dfl.c" 2>/dev/null; then
    check_defaults "$tmp/dfl32"
    i386=checked
  fi
  # attached: bits 11 (SIGSEGV), 13 (SIGPIPE) of the process's caught signals
  caught() { # SIGNAL: 1 when the process has a handler for it
    mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$tp/status")
    mask=${mask#????????} # (signals 1-32)
    echo $(((0x$mask >> ($1 - 1)) & 1))
  }
  "$tmp/dfl" attached "$tmp/end" >"$tmp/aout" &
  tp=$!
  while [ ! -s "$tmp/aout" ]; do sleep 0.05; done
  "$ospy" capture -q -f write -o "$tmp/a.ospy" -p $tp 2>"$tmp/aerr" &
  ctl=$!
  i=0 # three writes recorded: the SIG_DFLs before the last were made attached
  until [ "$("$ospy" show "$tmp/a.ospy" 2>/dev/null | grep -c 'libc.so.6!write(')" -ge 3 ]; do
    i=$((i + 1)); [ $i -gt 3000 ] && { touch "$tmp/end"; cat "$tmp/aerr"; fail "no calls recorded attached"; }
    kill -0 $ctl 2>/dev/null || { touch "$tmp/end"; cat "$tmp/aerr"; fail "ospy capture -p ended early"; }
    sleep 0.01
  done
  [ "$(caught 11)$(caught 13)" = 11 ] || { touch "$tmp/end"; kill -INT $ctl; fail "attached: SIG_DFL took the crash handler away (SigCgt bits $(caught 11)$(caught 13))"; }
  kill -INT $ctl
  wait $ctl || { touch "$tmp/end"; cat "$tmp/aerr"; fail "ospy capture -p exited $?"; }
  [ "$(caught 11)$(caught 13)$(caught 15)" = 000 ] || { touch "$tmp/end"; fail "the detach left a handler (SigCgt bits $(caught 11)$(caught 13)$(caught 15))"; }
  touch "$tmp/end"
  wait $tp || fail "the attached program exited $?"
  "$ospy" show "$tmp/a.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "+++ detached +++"
  echo "crash-after-default: after SIG_DFL the crashing call is '= ?' with its warning (SIGSEGV, SIGPIPE), SIG_IGN and own handlers kept, sigaction answers as without ospy, the detach removes the handler (i386 $i386)" ;;
struct-by-value)
  # x86-64 SysV: rdi.. and xmm0.. by the classes of each structure's
  # eightbytes (a structure in rsi+xmm0, one in rdx+rcx, one in r8+r9 and the
  # int after them on the stack; a 16-byte one on the stack when one register
  # is left, the next in that register), 24 bytes on the stack, returns in
  # rax/rdx/xmm0/xmm1 or through the hidden pointer in rdi (every argument
  # one register on). The old agent: take(p=<unreadable at 0xffffffea0000000b>)
  write_by_value_program "$tmp"
  "$ospy" check "$tmp/bv.xml" >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "check exited $?"; }
  expect_line "$tmp/check" "      arg 2 t: in I3 (by value: rdx, rcx)"
  expect_line "$tmp/check" "      arg 5 s: in L2 (by value: 16 bytes on the stack at rsp+8)"
  expect_line "$tmp/check" "    spec mkbig: default, returns Big (by value: 24 bytes in the caller's memory, its address passed in rdi, before the arguments, and returned in rax)"
  for opt in O0 O2; do check_by_value 64 $opt; done
  # what cannot be read is refused at its line:column, never shown as garbage
  sed 's|<structure name="Pt">|<structure name="Pt" size="16">|' "$tmp/bv.xml" >"$tmp/bad.xml"
  "$ospy" check "$tmp/bad.xml" >"$tmp/check" 2>&1 && fail "check of a structure with undescribed bytes passed"
  expect_line "$tmp/check" "bad.xml:16:42: error: the return value of function 'mk': structure 'Pt' passed by value (16 bytes) travels on x86-64 in registers chosen by the types of its fields, and no field describes its bytes 8-15"
  "$ospy" capture -q -c "$tmp/bad.xml" -o "$tmp/c.ospy" -- "$tmp/bv-64-O0" >/dev/null 2>"$tmp/err" &&
    fail "capture with a structure with undescribed bytes ran"
  expect_line "$tmp/err" "bad.xml:17:88: error: argument 'p' of function 'take': structure 'Pt' passed by value (16 bytes)"
  echo "struct-by-value: by-value arguments and returns of 1 to 24 bytes, -O0 and -O2, the arguments after them; undescribed bytes refused" ;;
struct-by-value-i386)
  # i386 cdecl: every structure copied to the stack (ceil(size/4) words),
  # every structure returned through the hidden first stack word. The old
  # agent: mk(x=-3778872, y=11) (one word off), take(p=<unreadable at 0xb>)
  [ -n "$agent32" ] && [ -f "$agent32" ] ||
    { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  write_by_value_program "$tmp"
  cc -m32 -o "$tmp/bv-probe" "$tmp/bv.c" 2>/dev/null || { echo "skip: no -m32 toolchain"; exit 77; }
  "$tmp/bv-probe" >/dev/null 2>&1 || { echo "skip: this machine cannot run i386 programs"; exit 77; }
  "$ospy" check --arch i386 "$tmp/bv.xml" >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "check exited $?"; }
  expect_line "$tmp/check" "      arg 1 m: in Mix (by value: 16 bytes on the stack at esp+8)"
  expect_line "$tmp/check" "    spec mk: default, returns Pt (by value: 8 bytes in the caller's memory, its address passed as the first stack word, before the arguments, and returned in eax)"
  for opt in O0 O2; do check_by_value 32 $opt; done
  # fastcall, thiscall and regparm pass structures otherwise: refused
  sed 's|<function name="take">|<function name="take" callingConvention="regparm">|' "$tmp/bv.xml" >"$tmp/bad.xml"
  "$ospy" check --arch i386 "$tmp/bad.xml" >"$tmp/check" 2>&1 && fail "check of a regparm structure passed"
  expect_line "$tmp/check" "bad.xml:17:116: error: argument 'p' of function 'take': structure 'Pt' passed by value under callingConvention=\"regparm\" is not decoded"
  echo "struct-by-value-i386: by-value arguments and returns of 1 to 24 bytes, -O0 and -O2, the arguments after them; regparm refused" ;;
inline-string-size)
  # size="16" on an inline AsciiString field (char name[16] filled to its last
  # byte, no NUL): the name is those 16 bytes; the size was dropped with a
  # warning and the name ran on into the next fields ("0123456789abcdefAAAAAAAA\x03")
  cat > "$tmp/st.xml" <<'X'
<hookManager><types>
<structure name="Rec"><field name="id" offset="0" type="Int32"/><field name="name" offset="4" type="AsciiString" size="16"/><field name="n" offset="28" type="UInt32"/></structure>
</types><specs><functions>
<function name="take"><returnValue type="Int32"/><arguments><argument name="r" type="RecPtr"/></arguments></function>
</functions></specs>
<hooks><module name="p64"><function specId="take"/></module></hooks></hookManager>
X
  "$ospy" check "$tmp/st.xml" >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "check exited $?"; }
  grep -q warning "$tmp/check" && { cat "$tmp/check"; fail "size on an inline string warned as unused"; }
  check_inline_string() {
    sed "s|module name=\"p64\"|module name=\"$(basename "$1")\"|" "$tmp/st.xml" >"$tmp/st-b.xml"
    "$ospy" capture -q -c "$tmp/st-b.xml" -o "$tmp/st.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $1 exited $?"; }
    expect_line "$tmp/out" "11"
    "$ospy" show -e take "$tmp/st.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" 'take(r={id=5, name="0123456789abcdef", n=3}) = 5'
    expect_line "$tmp/show" 'take(r={id=6, name="short", n=3}) = 6'
  }
  stack_case target_inline_string.c check_inline_string
  echo "inline-string-size: a char name[16] without its NUL read as its 16 bytes (i386 $i386)" ;;
nested-hidden|nested-hidden-i386)
  # A described function called inside another hooked call is left out
  # (logNested="false", oSpy's default): a callback sq that a hooked apply
  # calls was never seen, without a word. Now the capture says, once per
  # function, how many calls were left out: at the process's end (in the
  # live view too) and when ospy detaches from it (-p). logNested="true"
  # records them, and the note goes. down(300) recurses past the 256 calls
  # a thread may have pending: the deepest are left out on another path, and
  # counted the same. exit's own _exit (-f exit,_exit) is the end of exit,
  # recorded with it (= ?): no note.
  case_bits
  cat > "$tmp/nest.c" <<'C'
int sq(int x) { return x * x; }
int apply(int (*f)(int), int v) { return f(v) + 1; }
int down(int n) { return n ? down(n - 1) + 1 : 0; }
C
  cat > "$tmp/nestmain.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int sq(int x);
int apply(int (*f)(int), int v);
int down(int n);
int main(int argc, char **argv) {
  int s = 0;
  if (argc > 1) { /* attached to: apply(sq, i) until killed */
    puts("up");
    fflush(stdout);
    for (int i = 0;; i++) { apply(sq, i); usleep(10000); }
  }
  for (int i = 0; i < 12; i++)
    s += apply(sq, i);
  printf("s=%d down=%d\n", s + sq(3), down(300));
  return 0;
}
C
  # (-O0: down stays a recursion)
  cc -m$m -O0 -shared -fPIC -o "$tmp/libnest.so" "$tmp/nest.c" &&
    cc -m$m -O0 -o "$tmp/nest" "$tmp/nestmain.c" -L"$tmp" -lnest -Wl,-rpath,"$tmp" ||
    fail "cannot build the target"
  write_nest_config() { # FILE SQ_ATTRIBUTES
    cat > "$1" <<X
<hookManager><specs><functions>
<function name="sq"$2><returnValue type="Int32"/><arguments><argument name="x" type="Int32"/></arguments></function>
<function name="apply"><returnValue type="Int32"/><arguments><argument name="f" type="Pointer"/><argument name="v" type="Int32"/></arguments></function>
<function name="down"><returnValue type="Int32"/><arguments><argument name="n" type="Int32"/></arguments></function>
</functions></specs>
<hooks><module name="libnest.so"><function specId="sq"/><function specId="apply"/><function specId="down"/></module></hooks></hookManager>
X
  }
  write_nest_config "$tmp/nest.xml" ""
  write_nest_config "$tmp/nested.xml" ' logNested="true"'
  note='calls made inside other hooked calls were left out (logNested="false", the default; logNested="true" records them)'
  count_of() { grep -c -- "$1" "$tmp/show"; }
  "$ospy" capture -c "$tmp/nest.xml" -f exit,_exit -o "$tmp/c.ospy" -- "$tmp/nest" >"$tmp/out" 2>"$tmp/live" ||
    { cat "$tmp/live"; fail "capture exited $?"; }
  expect_line "$tmp/out" "s=527 down=300"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -F 'left out' "$tmp/show" | sed 's/^[^]]*] //'
  expect_line "$tmp/show" "] --- info: libnest.so!sq: 12 $note"
  expect_line "$tmp/show" "] --- info: libnest.so!down: 300 $note"
  [ "$(count_of 'left out')" = 2 ] || fail "expected one note for sq and one for down"
  expect_line "$tmp/show" '] libc.so.6!exit(status=0) = ?'
  # stats counts exit as a call without a duration, and says so
  "$ospy" stats "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
  expect_line "$tmp/stats" '         1 call did not return (= ? in show: the thread or process ended, longjmp, exception)'
  expect_regex "$tmp/stats" '^ +1 +0 +- +- +- +-  libc\.so\.6!exit$'
  [ "$(count_of 'libnest.so!sq(')" = 1 ] || fail "expected the one sq called by main"
  [ "$(count_of 'libnest.so!apply(')" = 12 ] || fail "expected 12 apply"
  [ "$(count_of 'libnest.so!down(')" = 1 ] || fail "expected the outer down"
  # the live view, which shows no other note, shows these
  expect_line "$tmp/live" "] --- info: libnest.so!sq: 12 $note"
  # logNested="true" on sq: its 13 calls recorded, no note for it (down's stays)
  "$ospy" capture -q -c "$tmp/nested.xml" -o "$tmp/c.ospy" -- "$tmp/nest" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture with logNested=\"true\" exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  [ "$(count_of 'libnest.so!sq(')" = 13 ] || { cat "$tmp/show"; fail "logNested=\"true\": expected 13 sq"; }
  expect_line "$tmp/show" 'libnest.so!sq(x=11) = 121'
  grep -F 'libnest.so!sq:' "$tmp/show" && fail "logNested=\"true\": a note for sq"
  expect_line "$tmp/show" "] --- info: libnest.so!down: 300 $note"
  echo "logNested=\"true\": 13 sq recorded, no note for sq"
  # -p: said when ospy detaches; one sq left out per apply recorded (one
  # more if the detach came while an apply was pending: it is not recorded)
  "$tmp/nest" loop >"$tmp/loop.out" &
  lpid=$!
  while [ ! -s "$tmp/loop.out" ]; do sleep 0.05; done
  "$ospy" capture -q -c "$tmp/nest.xml" -p $lpid --duration 1 -o "$tmp/p.ospy" 2>"$tmp/err"
  rc=$?
  kill $lpid; wait $lpid 2>/dev/null
  [ $rc = 0 ] || { cat "$tmp/err"; fail "attach exited $rc"; }
  "$ospy" show "$tmp/p.ospy" >"$tmp/show" || fail "show exited $?"
  applies=$(count_of 'libnest.so!apply(')
  hidden=$(sed -n "s/.* --- info: libnest.so!sq: \([0-9]*\) calls made inside .*/\1/p" "$tmp/show")
  [ "$applies" -gt 0 ] && { [ "$hidden" = "$applies" ] || [ "$hidden" = $((applies + 1)) ]; } ||
    { cat "$tmp/show"; fail "attached: $applies apply recorded, note says '$hidden' sq left out"; }
  echo "attached: $applies apply recorded, $hidden sq left out, said at the detach"
  echo "$case_name: the calls logNested=\"false\" left out are counted and said, once per function" ;;
computed-out|computed-out-i386)
  # An out computed argument (value="retval" direction="out") is computed
  # when the call returns, before what reads it there: the function's
  # logCondition, an out buffer's size, errorCondition. They read its value
  # at entry, 0: every twice recorded (rv2 == 0 held), fill's buffer "" and
  # no fill failed. At entry it has no value: an in size reading it is an
  # error at its line:column (it read 0).
  m=64 arch=
  if [ "$case_name" = computed-out-i386 ]; then
    m=32 arch="--arch i386"
    i386_or_skip
  fi
  cat > "$tmp/cv.c" <<'C'
#include <string.h>
#define NI __attribute__((noinline, noipa))
NI int twice(int v) { volatile int z = v; return z; }
NI int fill(char *b, int n) { if (n < 0) return -1; memcpy(b, "abcdef", n); return n; }
int main(void) {
  char b[8];
  for (int i = 0; i < 4; i++)
    twice(i);
  fill(b, 3);
  fill(b, 5);
  fill(b, -1);
  return 0;
}
C
  cat > "$tmp/cv.xml" <<'X'
<hookManager><specs><functions>
<function name="twice"><returnValue type="Int32"/><arguments><argument name="v" type="Int32"/>
  <argument name="rv2" direction="out" type="Int32" value="retval * 2"/></arguments>
  <logCondition>arg.rv2 == 0</logCondition></function>
<function name="fill"><returnValue type="Int32" errorCondition="arg.got &lt; 0"/><arguments>
  <argument name="b" direction="out" type="ByteArrayPtr" size="arg.got"/><argument name="n" type="Int32"/>
  <argument name="got" direction="out" type="Int32" value="retval"/></arguments></function>
</functions></specs>
<hooks><module name="cv"><function specId="twice"/><function specId="fill"/></module></hooks></hookManager>
X
  cc -m$m -O2 -o "$tmp/cv" "$tmp/cv.c" || fail "cannot build the target"
  "$ospy" capture -q -c "$tmp/cv.xml" -o "$tmp/c.ospy" -- "$tmp/cv" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -o 'cv!.*' "$tmp/show"
  expect_line "$tmp/show" '] cv!twice(v=0, rv2=0) = 0'
  [ "$(grep -c 'cv!twice(' "$tmp/show")" = 1 ] || fail "expected the one twice whose rv2 is 0"
  expect_line "$tmp/show" '] cv!fill(b="abc", n=3, got=3) = 3'
  expect_line "$tmp/show" '] cv!fill(b="abcde", n=5, got=5) = 5'
  expect_line "$tmp/show" '] cv!fill(b="", n=-1, got=-1) = -1'
  "$ospy" show --failed "$tmp/c.ospy" >"$tmp/failed" || fail "show --failed exited $?"
  echo "failed:"
  grep -o 'cv!.*' "$tmp/failed"
  [ "$(grep -c 'cv!' "$tmp/failed")" = 1 ] && expect_line "$tmp/failed" '] cv!fill(b="", n=-1, got=-1) = -1' ||
    fail "expected fill(-1) alone failed (arg.got < 0)"
  # b in/out: its size is also taken at entry, where got has no value
  sed 's|name="b" direction="out"|name="b" direction="in/out"|' "$tmp/cv.xml" >"$tmp/bad.xml"
  "$ospy" check $arch "$tmp/bad.xml" >"$tmp/check" 2>&1 && fail "check of an in size reading got passed"
  cat "$tmp/check"
  want="bad.xml:6:67: error: bad expression 'arg.got' in size: 'got' is a computed out argument, whose value is taken when the call returns, and an in value is taken when the call enters: use size=\"ENTER/RETURN\" or direction=\"out\""
  expect_line "$tmp/check" "$want"
  "$ospy" capture -q -c "$tmp/bad.xml" -o "$tmp/b.ospy" -- "$tmp/cv" >/dev/null 2>"$tmp/err" &&
    fail "capture with an in size reading got ran"
  expect_line "$tmp/err" "$want"
  echo "$case_name: out computed values read at return by logCondition, size and errorCondition; read at entry refused" ;;
condition-at-entry|condition-at-entry-i386)
  # A function's logCondition or errorCondition that reads only what the
  # call entered with (*arg.out of an in Int32Ptr) is decided at entry, on
  # the memory the record shows: it read the memory as the call returned,
  # and fill(n=3, out=[-5]) was recorded (out held 6 then) while the call
  # shown with out=[6] was not; a leap that longjmps out was recorded `= ?`
  # by the flag when given up (flipped since), not the flag it entered with.
  # Calls dropped at entry are neither recorded nor lost.
  case_bits
  cat > "$tmp/ce.c" <<'C'
#include <setjmp.h>
#define NI __attribute__((noinline, noipa))
static jmp_buf jb;
NI int fill(int n, int *out) { if (out) *out = n * 2; return n; }
NI int leap(int n, int *flag) { *flag = !*flag; if (n) longjmp(jb, 1); return n; }
int main(void) {
  int o = -5, f = 0;
  fill(3, &o);
  fill(10, &o);
  fill(4, 0);
  for (int i = 0; i < 4; i++)
    if (!setjmp(jb))
      leap(i + 1, &f);
  return 0;
}
C
  cat > "$tmp/ce.xml" <<'X'
<hookManager><specs><functions>
<function name="fill"><returnValue type="Int32"/><arguments>
  <argument name="n" direction="in" type="Int32"/><argument name="out" direction="in" type="Int32Ptr"/></arguments>
  <logCondition>*arg.out == 6</logCondition></function>
<function name="leap"><returnValue type="Int32"/><arguments>
  <argument name="n" direction="in" type="Int32"/><argument name="flag" direction="in" type="Int32Ptr"/></arguments>
  <logCondition>arg.flag == 1</logCondition></function>
</functions></specs>
<hooks><module name="ce"><function specId="fill"/><function specId="leap"/></module></hooks></hookManager>
X
  cc -m$m -O2 -o "$tmp/ce" "$tmp/ce.c" || fail "cannot build the target"
  "$ospy" capture -c "$tmp/ce.xml" -o "$tmp/c.ospy" -- "$tmp/ce" >"$tmp/out" 2>"$tmp/err" </dev/null ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -o 'ce!.*' "$tmp/show"
  expect_line "$tmp/show" '] ce!fill(n=10, out=[6]) = 10'
  expect_line "$tmp/show" '] ce!leap(n=2, flag=[1]) = ?'
  expect_line "$tmp/show" '] ce!leap(n=4, flag=[1]) = ?'
  [ "$(grep -c 'ce!' "$tmp/show")" = 3 ] || fail "expected fill(10) and leap(2), leap(4) alone"
  expect_line "$tmp/err" "3 calls recorded, 0 lost"
  # the same condition as errorCondition: fill(3) entered with -5
  sed -e 's|<logCondition>\*arg.out == 6</logCondition>||' \
      -e 's|<function name="fill"><returnValue type="Int32"/>|<function name="fill"><returnValue type="Int32" errorCondition="*arg.out \&lt; 0"/>|' \
      "$tmp/ce.xml" >"$tmp/err.xml"
  "$ospy" capture -q -c "$tmp/err.xml" -o "$tmp/e.ospy" -- "$tmp/ce" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show --failed -e 'ce!fill' "$tmp/e.ospy" >"$tmp/failed" || fail "show --failed exited $?"
  echo "failed:"
  grep -o 'ce!.*' "$tmp/failed"
  [ "$(grep -c 'ce!' "$tmp/failed")" = 1 ] && expect_line "$tmp/failed" '] ce!fill(n=3, out=[-5]) = 3' ||
    fail "expected fill(3), out=[-5] at entry, alone failed"
  arch=; [ $m = 32 ] && arch="--arch i386"
  "$ospy" check $arch "$tmp/ce.xml" >"$tmp/check" || fail "check exited $?"
  "$ospy" check $arch "$tmp/err.xml" >>"$tmp/check" || fail "check exited $?"
  grep -E 'logCondition|failed when' "$tmp/check"
  expect_line "$tmp/check" "      logCondition: *arg.out == 6 (decided at entry)"
  expect_line "$tmp/check" "(failed when *arg.out < 0, decided at entry)"
  echo "$case_name: a condition on what the call entered with is decided at entry, on the values recorded" ;;
attach-other-agent)
  # a process holding an agent from another file (an earlier attach by an
  # ospy rebuilt since: its mapping is "(deleted)") is refused up front with
  # why, not "the agent never started"
  agent=$(dirname "$ospy")/../agent/libospy-agent.so
  cp "$agent" "$tmp/libospy-agent.so" || fail "cp agent"
  LD_PRELOAD="$tmp/libospy-agent.so" "$target" 300 slow >"$tmp/out" &
  tpid=$!
  while [ ! -s "$tmp/out" ]; do sleep 0.05; done
  rm "$tmp/libospy-agent.so"
  "$ospy" capture -q -f write --duration 1 -p $tpid -o "$tmp/c.ospy" 2>"$tmp/err" && { kill $tpid; fail "attach succeeded"; }
  rc=$?
  kill $tpid; wait $tpid 2>/dev/null
  [ $rc = 2 ] || { cat "$tmp/err"; fail "expected exit 2, got $rc"; }
  expect_line "$tmp/err" "ospy capture: -p $tpid: the process holds an ospy agent an earlier attach loaded from another file ($tmp/libospy-agent.so (deleted); this ospy's is "
  expect_line "$tmp/err" "restart the program to capture it"
  echo "attach-other-agent: refused with the agent's file named" ;;
thunk-own-calls)
  # a function that is a direct jmp (a tail-call wrapper; libstdc++'s
  # operator new[], `jmp operator new@plt`) is hooked at its own entry: its
  # calls are its own, not every call of the function it jumps to
  cat > "$tmp/t.c" <<'C'
#include <stdio.h>
#define NI __attribute__((noinline, noclone))
NI int g(int x) { printf("g %d\n", x); return x * 2; }
NI int f(int x) { return g(x); }
NI int h(int x) { return g(x + 1); } /* (f is not .text's last function: padding after it) */
int (*volatile pf)(int) = f, (*volatile pg)(int) = g, (*volatile ph)(int) = h;
int main(void) { pf(1); pg(2); pg(3); pf(4); return 0; }
C
  for m in 64 32; do
    cc -m$m -O2 -o "$tmp/t$m" "$tmp/t.c" 2>/dev/null && "$tmp/t$m" >/dev/null 2>&1 ||
      { [ $m = 32 ] && continue; fail "cc -m$m"; }
    "$ospy" capture -q -f f -f g -o "$tmp/t$m.ospy" -- "$tmp/t$m" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -m$m exited $?"; }
    "$ospy" show "$tmp/t$m.ospy" >"$tmp/show" || fail "show exited $?"
    n=$(grep -cE "t$m!f\(arg0=0x[14][,)]" "$tmp/show")
    [ "$n" = 2 ] || { cat "$tmp/show"; fail "-m$m: expected f(1) and f(4), got $n"; }
    n=$(grep -cE "t$m!g\(arg0=0x[1-4][,)]" "$tmp/show")
    [ "$n" = 4 ] || { cat "$tmp/show"; fail "-m$m: expected g's 4 calls (2 direct, 2 through f), got $n"; }
    grep -qE "t$m!f\(arg0=0x[23][,)]" "$tmp/show" && { cat "$tmp/show"; fail "-m$m: g's direct calls taken by f"; }
  done
  if command -v c++ >/dev/null; then
    cat > "$tmp/n.cc" <<'C'
#include <cstdio>
int main() {
  long s = 0;
  for (int i = 0; i < 10; i++) {
    int *a = new int[16];
    int *b = new int(i);
    s += a[0] = *b;
    delete b;
    delete[] a;
  }
  std::printf("%ld\n", s);
}
C
    c++ -O0 -o "$tmp/n" "$tmp/n.cc" || fail "c++"
    # bound at start (as after an attach, or with full RELRO)
    LD_BIND_NOW=1 "$ospy" capture -q -f 'libstdc++.so.6!operator new[](unsigned long)' -o "$tmp/n.ospy" -- "$tmp/n" \
      >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "capture of n exited $?"; }
    "$ospy" show "$tmp/n.ospy" >"$tmp/show" || fail "show exited $?"
    n=$(grep -c 'operator new\[\](unsigned long)(arg0=0x40' "$tmp/show")
    [ "$n" = 10 ] || { cat "$tmp/show"; fail "expected 10 new[] calls, got $n"; }
    grep -q 'operator new\[\](unsigned long)(arg0=0x4,' "$tmp/show" && fail "new int recorded as new[]"
  fi
  echo "thunk-own-calls: a tail-call wrapper and operator new[] record their own calls" ;;
module-name-chars)
  # A -f function found in the program, whose file name holds a space or a
  # '!' (characters of C++ names too): shown once with that file name. The
  # agent took "my prog!f" for a C++ name and put the file name before it
  # again ("my prog!my prog!f"), and "a!b!f" for module "a" ("a!b!b!f").
  mkdir "$tmp/wdir"
  printf '%s\n' '__attribute__((noinline)) int f(int a) { return a - 5; }' \
    'int main(int argc, char **argv) { (void)argv; volatile int r = f(argc); return r == -4 ? 0 : 1; }' \
    >"$tmp/wn.c"
  for name in 'my prog' 'a!b' 'c(x):<y>,z'; do
    cc -o "$tmp/wdir/$name" "$tmp/wn.c" || fail "cc $name"
    "$ospy" capture -q -f f -o "$tmp/w.ospy" -- "$tmp/wdir/$name" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture of $name exited $?"; }
    "$ospy" show "$tmp/w.ospy" >"$tmp/show" || fail "show exited $?"
    expect_line "$tmp/show" "] $name!f(arg0=0x1, "
    n=$(grep -c '!f(' "$tmp/show")
    [ "$n" = 1 ] || { cat "$tmp/show"; fail "expected 1 call of f, got $n"; }
    "$ospy" export "$tmp/w.ospy" --format xml -o - >"$tmp/xml" 2>/dev/null || fail "export exited $?"
    xml_name=$(printf '%s' "$name" | sed 's/</\&lt;/g; s/>/\&gt;/g')
    expect_line "$tmp/xml" "<name>$xml_name::f</name>"
    echo "module-name-chars: -f f in \"$name\" is shown as $name!f(arg0=0x1, ...), exported as $name::f"
  done ;;
module-name-escaped)
  # A module whose file name holds control bytes (an ESC sequence): its
  # name in a call, a backtrace frame, stats and diff is escaped as the
  # command line is ($'...\x1b...'), never written to the terminal raw.
  esc=$(printf '\033')
  name="e$esc[7mX"
  mkdir "$tmp/wdir"
  printf '%s\n' '__attribute__((noinline)) int f(int a) { return a - 5; }' \
    'int main(int argc, char **argv) { (void)argv; volatile int r = f(argc); return r > 0; }' \
    >"$tmp/wn.c"
  cc -o "$tmp/wdir/$name" "$tmp/wn.c" || fail "cc"
  "$ospy" capture --backtrace 4 -f f -o "$tmp/a.ospy" -- "$tmp/wdir/$name" >/dev/null 2>"$tmp/live" ||
    { cat "$tmp/live"; fail "capture exited $?"; }
  "$ospy" capture -q -f f -o "$tmp/b.ospy" -- "$tmp/wdir/$name" x y >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture of b exited $?"; }
  "$ospy" show --backtrace "$tmp/a.ospy" >"$tmp/show" || fail "show exited $?"
  "$ospy" stats "$tmp/a.ospy" >"$tmp/stats" || fail "stats exited $?"
  "$ospy" diff "$tmp/a.ospy" "$tmp/b.ospy" >"$tmp/diff" 2>/dev/null
  [ $? = 1 ] || { cat "$tmp/diff"; fail "diff did not find the difference"; }
  for out in live show stats diff; do
    if grep -q "$esc" "$tmp/$out"; then
      sed -n l "$tmp/$out"; fail "a raw ESC in the $out output"
    fi
  done
  expect_line "$tmp/live" '] e\x1b[7mX!f(arg0=0x1, '
  expect_line "$tmp/show" '] e\x1b[7mX!f(arg0=0x1, '
  expect_regex "$tmp/show" '^    #0 0x[0-9a-f]+ e\\x1b\[7mX!main\+0x'
  expect_regex "$tmp/stats" ' e\\x1b\[7mX!f$'
  expect_regex "$tmp/diff" '^~ e\\x1b\[7mX(!|::)f\(arg0=3, '
  echo 'module-name-escaped: a module named e<ESC>[7mX is shown as e\x1b[7mX!f(...) in the live view, show, its backtrace, stats and diff'
  ;;
unwinder-hooked|unwinder-hooked-i386)
  # The unwinder's entry points hooked themselves (-f _Unwind_RaiseException,
  # 'libgcc_s.so.1!_*'). They start their walk from their own frame, whose
  # return address the hook had made the leave thunk: every throw ended in
  # std::terminate (the call recorded = 5, _URC_END_OF_STACK), _Unwind_Resume
  # and _Unwind_Resume_or_Rethrow aborted, pthread_exit's forced unwind
  # crashed (x86-64) or skipped the destructors unrecorded (i386), walks
  # stopped at the first frame. The program must run as it does alone: the
  # same output (destructors included) and status, with and without pending
  # hooked frames of its own (mid is unwound, outer catches), and a throw
  # caught inside a destructor while another unwinds (the outer unwind's
  # _Unwind_Resume found the entries armed again by the inner catch: abort).
  # And -f pthread_exit with a function the thread's destructor calls: the
  # given-up pthread_exit call was reported for the interceptor's own
  # listener too, with no hook behind it (SIGSEGV).
  m=64
  command -v c++ >/dev/null || { echo "skip: no C++ compiler"; exit 77; }
  if [ "$case_name" = unwinder-hooked-i386 ]; then
    m=32
    [ -n "$agent32" ] && [ -f "$agent32" ] ||
      { echo "skip: built without an i386 agent (-Dagent32_path)"; exit 77; }
  fi
  cat > "$tmp/unw.cc" <<'C'
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <execinfo.h>
#include <pthread.h>
#include <unwind.h>
#define NI __attribute__((noinline, noipa))
struct D { const char *n; ~D() { std::printf("dtor %s\n", n); } };
struct Inner { ~Inner() { try { throw std::logic_error("inner"); } catch (const std::exception &e) { std::printf("caught %s in a destructor\n", e.what()); } } };
static _Unwind_Reason_Code count(struct _Unwind_Context *, void *a) { ++*(int *)a; return _URC_NO_REASON; }
NI int depth() { void *b[64]; return backtrace(b, 64); }
NI int walk() { int k = 0; _Unwind_Backtrace(count, &k); return k; }
NI void thrower(int i) { D d{"thrower"}; if (i) throw std::runtime_error("x" + std::to_string(i)); }
NI void mid(int i) { D d{"mid"}; Inner in; thrower(i); std::printf("mid %d: depth %d, walk %d\n", i, depth(), walk()); }
NI int outer(int i) { try { mid(i); } catch (const std::exception &e) { std::printf("caught %s\n", e.what()); return 1; } return 0; }
NI int rethrower(int i) {
  try { try { mid(i); } catch (...) { std::puts("rethrow"); throw; } } catch (const std::exception &e) { std::printf("caught again %s\n", e.what()); return 1; }
  return 0;
}
static void *exits(void *) { D d{"thread"}; pthread_exit((void *)7); return nullptr; }
int main(int argc, char **argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  if (argc > 1 && !std::strcmp(argv[1], "uncaught")) { mid(3); return 0; }
  std::printf("outer %d\n", outer(0));
  std::printf("outer %d\n", outer(1));
  std::printf("rethrower %d\n", rethrower(2));
  pthread_t t; void *r;
  pthread_create(&t, nullptr, exits, nullptr); pthread_join(t, &r);
  std::printf("thread returned %ld\n", (long)r);
  return 0;
}
C
  c++ -m$m -O2 -pthread -o "$tmp/unw" "$tmp/unw.cc" 2>"$tmp/err" ||
    { [ $m = 32 ] && { echo "skip: no -m32 C++ toolchain"; exit 77; }; cat "$tmp/err"; fail "cannot build the target"; }
  "$tmp/unw" >"$tmp/base" 2>&1
  base_rc=$?
  [ $m = 32 ] && [ $base_rc = 126 -o $base_rc = 127 ] && { echo "skip: this machine cannot run i386 programs"; exit 77; }
  [ $base_rc = 0 ] || { cat "$tmp/base"; fail "the target alone exited $base_rc"; }
  expect_line "$tmp/base" "dtor thread"
  # (in the background: the shell's word on a job killed by SIGABRT goes to its
  # own stderr, not into the file as for a command in the foreground)
  { "$tmp/unw" uncaught >"$tmp/base-uncaught" 2>&1 & wait $!; } 2>/dev/null
  uncaught_rc=$?
  expect_line "$tmp/base-uncaught" "terminate called after throwing an instance of 'std::runtime_error'"
  # run_as_alone MODE_ARG BASE_FILE BASE_RC -f ARGS...: output and status as alone
  run_as_alone() {
    arg=$1 base=$2 want=$3
    shift 3
    "$ospy" capture -q -o "$tmp/c.ospy" "$@" -- "$tmp/unw" $arg >"$tmp/out.all" 2>&1
    rc=$?
    # (-q still shows ospy's warnings: the abort's pending calls)
    grep -v '^[0-9:.]* \[[0-9]*\] --- warning: agent: ' "$tmp/out.all" >"$tmp/out"
    cmp -s "$base" "$tmp/out" && [ $rc = "$want" ] ||
      { echo "--- alone (exit $want):"; cat "$base"; echo "--- captured with $* (exit $rc):"; cat "$tmp/out"; fail "$m-bit: not as alone with $*"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  }
  expect_calls() { # FUNC RESULT MIN [MAX]: how many records of FUNC end in "= RESULT"
    n=$(grep -F -- "!$1(" "$tmp/show" | grep -c -- " = $2\$")
    all=$(grep -cF -- "!$1(" "$tmp/show")
    [ "$n" = "$all" ] && [ "$n" -ge "$3" ] && [ "$n" -le "${4:-$n}" ] ||
      { grep -F -- "!$1(" "$tmp/show"; fail "$m-bit: $all calls of $1, $n of them = $2 (expected $3..${4:-})"; }
  }
  own="-f thrower -f mid -f outer -f rethrower -f depth -f walk"
  for fn in _Unwind_RaiseException _Unwind_Resume _Unwind_Resume_or_Rethrow _Unwind_ForcedUnwind _Unwind_Backtrace; do
    for with in "" "$own"; do
      run_as_alone "" "$tmp/base" 0 -f $fn $with
      case $fn in
        _Unwind_RaiseException) expect_calls $fn '?' 5 ;;      # two throws, three in destructors (caught: unwound)
        _Unwind_Resume) expect_calls $fn '?' 1 ;;              # from the landing pads (never returns)
        _Unwind_Resume_or_Rethrow) expect_calls $fn '?' 1 1 ;; # the rethrow (caught)
        _Unwind_ForcedUnwind) expect_calls $fn '?' 1 1          # pthread_exit's (the thread ends in it)
          expect_regex "$tmp/show" "\[[0-9]+:[0-9]+\] libgcc_s\.so\.1!_Unwind_ForcedUnwind\(" ;;
        _Unwind_Backtrace) expect_calls $fn 5 2 2 ;;           # walk's and backtrace's, to their end
      esac
    done
  done
  # the unwound calls of the program are given up, those that catch return
  expect_regex "$tmp/show" "!mid\(int\)\(arg0=0x1, .*\) = \?\$"
  expect_regex "$tmp/show" "!outer\(int\)\(arg0=0x1, .*\) = 1\$"
  expect_regex "$tmp/show" "!rethrower\(int\)\(arg0=0x2, .*\) = 1\$"
  run_as_alone "" "$tmp/base" 0 -f 'libgcc_s.so.1!_*' $own
  for fn in _Unwind_RaiseException _Unwind_Resume _Unwind_Resume_or_Rethrow _Unwind_ForcedUnwind _Unwind_Backtrace; do
    grep -qF -- "libgcc_s.so.1!$fn(" "$tmp/show" || fail "$m-bit: libgcc_s.so.1!_*: no call of $fn recorded"
  done
  # no handler: std::terminate after the raise returned (= 5), as alone
  run_as_alone uncaught "$tmp/base-uncaught" $uncaught_rc -f _Unwind_RaiseException -f mid
  expect_regex "$tmp/show" "libgcc_s\.so\.1!_Unwind_RaiseException\(.*\) = 5\$"
  run_as_alone "" "$tmp/base" 0 -f pthread_exit -f printf
  expect_regex "$tmp/show" "\[[0-9]+:[0-9]+\] libc\.so\.6!pthread_exit\(.*\) = \?\$"
  expect_regex "$tmp/show" "\[[0-9]+:[0-9]+\] libc\.so\.6!printf\(.*\) = 12\$" # dtor thread
  echo "$case_name: the unwinder's entry points hooked: throws, rethrows, a throw caught in a destructor, pthread_exit and walks as alone, their calls recorded" ;;
static-program)
  # a statically linked program cannot load the agent: refused before it
  # runs (it ran, then "the agent never started"); with -F its children may
  # be dynamic: a warning, and the program runs
  printf '#include <stdio.h>\nint main(void) { puts("ran"); return 3; }\n' > "$tmp/st.c"
  cc -static -o "$tmp/st" "$tmp/st.c" 2>/dev/null || { echo "static-program: no static libc: skipped"; exit 77; }
  "$ospy" capture -q -f puts -o "$tmp/st.ospy" -- "$tmp/st" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 1 ] || { cat "$tmp/err"; fail "static program: exit $rc, expected 1"; }
  [ -s "$tmp/out" ] && fail "the static program ran: $(cat "$tmp/out")"
  [ -e "$tmp/st.ospy" ] && fail "a capture file was left"
  expect_line "$tmp/err" "ospy capture: $tmp/st is statically linked: the agent cannot be loaded into it"
  "$ospy" capture -q -F -f puts -o "$tmp/st.ospy" -- "$tmp/st" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc = 3 ] && [ "$(cat "$tmp/out")" = ran ] || { cat "$tmp/err"; fail "-F static program: exit $rc"; }
  expect_line "$tmp/err" "ospy capture: warning: $tmp/st is statically linked"
  echo "static-program: refused up front (exit 1, not run); with -F a warning and it runs" ;;
stats-glob-libs)
  # a module glob's hook moves from one library to the next (each loaded
  # after the other is closed, at the same address): stats counts each
  # library's function apart, as show names them (it counted all under the
  # first library's name)
  for n in a b; do
    echo "int sfn(int x) { return x + $([ $n = a ] && echo 1 || echo 2); }" > "$tmp/s$n.c"
    cc -shared -fPIC -o "$tmp/libs$n.so" "$tmp/s$n.c" || fail "cannot build libs$n.so"
  done
  cat > "$tmp/alt.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
static int use(const char *lib, int times)
{
  void *h = dlopen(lib, RTLD_NOW);
  int (*f)(int) = h ? (int (*)(int))dlsym(h, "sfn") : 0;
  int sum = 0;
  for (int i = 0; f && i < times; i++)
    sum += f(i);
  if (h)
    dlclose(h);
  return sum;
}
int main(int argc, char **argv)
{
  (void)argc;
  printf("%d\n", use(argv[1], 2) + use(argv[2], 3) + use(argv[1], 1));
  return 0;
}
C
  cc -o "$tmp/alt" "$tmp/alt.c" -ldl || fail "cannot build the target"
  "$ospy" capture -q -f 'libs?.so!sfn' -o "$tmp/c.ospy" -- "$tmp/alt" "$tmp/libsa.so" "$tmp/libsb.so" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" stats --no-hist "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
  cat "$tmp/stats"
  expect_regex "$tmp/stats" '^ +3 +0 .*  libsa\.so!sfn$'
  expect_regex "$tmp/stats" '^ +3 +0 .*  libsb\.so!sfn$'
  expect_regex "$tmp/stats" '^ +6 +0  total$'
  echo "stats-glob-libs: one glob hook over two libraries in turn: stats counts each apart (3 and 3)" ;;
dlmopen|dlmopen-i386)
  # A library loaded with dlmopen(LM_ID_NEWLM) into a namespace of its own,
  # which dl_iterate_phdr does not list: it was never hooked nor recorded
  # (no ModuleLoad), and the capture ended with a false error "the program
  # ended without loading libplug.so". Now hooked each time it is loaded,
  # under its own name, its loads and unloads recorded; the second libc
  # that namespace gets is said in an Info, not hooked.
  case_bits
  cat > "$tmp/p.c" <<'C'
#include <unistd.h>
__attribute__((noinline)) int plug_fn(int x) { volatile int k = 7; return x * k + 1; }
__attribute__((constructor)) static void init(void) { write(1, "plug ctor\n", 10); }
C
  cat > "$tmp/ns.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
/* ns LIB N: dlmopen into a new namespace, call plug_fn, dlclose; N times */
int main(int argc, char **argv) {
  if (argc != 3) return 2;
  for (int i = 0; i < atoi(argv[2]); i++) {
    void *h = dlmopen(LM_ID_NEWLM, argv[1], RTLD_NOW);
    if (!h) { printf("dlmopen: %s\n", dlerror()); return 3; }
    int (*f)(int) = (int (*)(int))dlsym(h, "plug_fn");
    printf("plug_fn(%d) = %d\n", i, f(i));
    fflush(stdout);
    if (dlclose(h)) return 4;
  }
  return 0;
}
C
  cc -m$m -O0 -shared -fPIC -o "$tmp/libplug.so" "$tmp/p.c" &&
    cc -m$m -O0 -o "$tmp/ns" "$tmp/ns.c" -ldl || fail "cannot build the target"
  for f in 'libplug.so!plug_fn' 'plug_fn'; do
    "$ospy" capture -q -f "$f" -f write -o "$tmp/c.ospy" -- "$tmp/ns" "$tmp/libplug.so" 3 >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f $f exited $?"; }
    expect_line "$tmp/out" 'plug_fn(2) = 15'
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    for x in 0 1 2; do
      expect_regex "$tmp/show" "\] libplug.so!plug_fn\(arg0=(0x)?$x, .*\) = $((x * 7 + 1))\$"
    done
    [ "$(grep -c '!plug_fn(' "$tmp/show")" = 3 ] || fail "expected 3 calls: $(grep '!plug_fn(' "$tmp/show")"
    [ "$(grep -c -- "--- loaded $tmp/libplug.so at" "$tmp/show")" = 3 ] ||
      fail "expected 3 ModuleLoad of libplug.so: $(grep -- '--- loaded' "$tmp/show")"
    [ "$(grep -c -- "--- unloaded $tmp/libplug.so at" "$tmp/show")" = 3 ] ||
      fail "expected 3 ModuleUnload of libplug.so: $(grep -- '--- unloaded' "$tmp/show")"
    # the namespace's own libc: its write (the constructor's) not hooked, said
    expect_line "$tmp/show" "--- info: libc.so.6 (a second copy: dlmopen loaded it into another namespace) also defines write: not hooked (libc.so.6!write hooks the file's first copy, the one loaded first: ospy hooks no second copy of a library in another namespace of the loader, its calls are not recorded)"
    grep -q 'buf="plug ctor' "$tmp/show" && fail "the second libc's write recorded under the first's hook"
    # (a bare name not loaded at the start is warned of, as with dlopen)
    grep -v -- '--- warning: plug_fn: function not found in any loaded module (yet)' "$tmp/show" |
      grep -- '--- error\|--- warning' && fail "an error or warning"
    echo "-f $f: libplug.so!plug_fn(0..2) recorded, 3 loads and unloads of libplug.so"
  done
  echo "$case_name: a library dlmopen loads into a new namespace is hooked and its loads recorded" ;;
dlopen-caller|dlopen-caller-i386)
  # glibc's dlopen, dlmopen, dlsym and dlvsym hand their return address to
  # the loader, which takes the library that called them from it: its
  # RUNPATH, its $ORIGIN, what RTLD_NEXT comes after. dlopen and dlmopen are
  # always hooked (the agent's module tracking), and a hooked call's return
  # address is ospy's leave thunk: under any capture the caller was taken to
  # be the agent, and a library's dlopen by its RUNPATH or by $ORIGIN failed;
  # with dlsym or dlvsym hooked, RTLD_NEXT found the calling library's own
  # definition. The program prints the same with and without ospy, x86-64
  # and i386; the user's hooks of those functions still record each call
  # with what it returned. The last capture also hooks the C library's
  # calls on the way down (_dl_catch_error, _dl_catch_exception), pending
  # around the loader's lookup with return addresses of their own: not the
  # caller. (RTLD_NEXT and dlopen from the program itself: the same.)
  case_bits
  mkdir -p "$tmp/sub" "$tmp/osub" "$tmp/msub"
  echo 'int plug_val(void) { return 42; }' > "$tmp/plug.c"
  echo 'int plug_val(void) { return 43; }' > "$tmp/plugo.c"
  echo 'int plug_val(void) { return 44; }' > "$tmp/plugm.c"
  cat > "$tmp/loader.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
static int call_plug(void *h) {
  if (!h) { printf("failed: %s\n", dlerror()); return -1; }
  int (*f)(void) = (int (*)(void))dlsym(h, "plug_val");
  return f ? f() : -2;
}
int load_runpath(void) { return call_plug(dlopen("libplug.so", RTLD_NOW)); }
int load_origin(void) { return call_plug(dlopen("$ORIGIN/osub/libplugo.so", RTLD_NOW)); }
int load_new_namespace(void) { return call_plug(dlmopen(LM_ID_NEWLM, "libplug.so", RTLD_NOW)); }
C
  cat > "$tmp/wrap.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
const char *whoami(void) { return "wrap"; }
const char *next_whoami(void) {
  const char *(*f)(void) = (const char *(*)(void))dlsym(RTLD_NEXT, "whoami");
  return f ? f() : "none";
}
const char *next_whoami_v1(void) {
  const char *(*f)(void) = (const char *(*)(void))dlvsym(RTLD_NEXT, "whoami", "V1");
  return f ? f() : "none";
}
C
  echo 'const char *whoami(void) { return "other"; }' > "$tmp/other.c"
  echo 'V1 { global: *; };' > "$tmp/v1.map" # (both whoami are whoami@@V1)
  cat > "$tmp/dlc.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
int load_runpath(void), load_origin(void), load_new_namespace(void);
const char *next_whoami(void), *next_whoami_v1(void);
int main(void) {
  printf("libloader, by its RUNPATH: %d\n", load_runpath());
  printf("libloader, by $ORIGIN: %d\n", load_origin());
  printf("libloader, dlmopen by its RUNPATH: %d\n", load_new_namespace());
  printf("RTLD_NEXT from libwrap: %s\n", next_whoami());
  printf("RTLD_NEXT V1 from libwrap: %s\n", next_whoami_v1());
  const char *(*f)(void) = (const char *(*)(void))dlsym(RTLD_NEXT, "whoami");
  printf("RTLD_NEXT from the program: %s\n", f ? f() : dlerror());
  void *h = dlopen("libplugm.so", RTLD_NOW);
  int (*v)(void) = h ? (int (*)(void))dlsym(h, "plug_val") : NULL;
  printf("the program, by its RUNPATH: %d\n", v ? v() : -1);
  return 0;
}
C
  cc -m$m -shared -fPIC -o "$tmp/sub/libplug.so" "$tmp/plug.c" &&
    cc -m$m -shared -fPIC -o "$tmp/osub/libplugo.so" "$tmp/plugo.c" &&
    cc -m$m -shared -fPIC -o "$tmp/msub/libplugm.so" "$tmp/plugm.c" &&
    cc -m$m -shared -fPIC -o "$tmp/libloader.so" "$tmp/loader.c" -Wl,--enable-new-dtags,-rpath,"$tmp/sub" -ldl &&
    cc -m$m -shared -fPIC -o "$tmp/libwrap.so" "$tmp/wrap.c" -Wl,--version-script,"$tmp/v1.map" -ldl &&
    cc -m$m -shared -fPIC -o "$tmp/libother.so" "$tmp/other.c" -Wl,--version-script,"$tmp/v1.map" &&
    cc -m$m -o "$tmp/dlc" "$tmp/dlc.c" -Wl,--no-as-needed -L"$tmp" -lloader -lwrap -lother \
      -Wl,--enable-new-dtags,-rpath,"$tmp:$tmp/msub" -ldl || fail "cannot build the target"
  "$tmp/dlc" >"$tmp/alone.out" 2>&1 || { cat "$tmp/alone.out"; fail "the program alone exited $?"; }
  cat > "$tmp/want" <<'W'
libloader, by its RUNPATH: 42
libloader, by $ORIGIN: 43
libloader, dlmopen by its RUNPATH: 42
RTLD_NEXT from libwrap: other
RTLD_NEXT V1 from libwrap: other
RTLD_NEXT from the program: wrap
the program, by its RUNPATH: 44
W
  cmp -s "$tmp/want" "$tmp/alone.out" || { diff "$tmp/want" "$tmp/alone.out"; fail "the program alone"; }
  for f in write dlopen,dlmopen,dlsym,dlvsym 'dlopen,dlmopen,dlsym,dlvsym,*!_dl_catch_*'; do
    echo "expect under -f $f, as alone:"
    sed 's/^/  /' "$tmp/want"
    "$ospy" capture -q -f "$f" -o "$tmp/c.ospy" -- "$tmp/dlc" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f $f exited $?"; }
    cmp -s "$tmp/want" "$tmp/out" || { diff "$tmp/want" "$tmp/out"; fail "-f $f: the output differs under ospy"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    grep -- '--- error' "$tmp/show" && fail "an error"
    [ "$f" = write ] && continue
    # each call recorded with its result: a handle, a function (none NULL)
    for call in 'dlopen(filename="libplug.so"' 'dlopen(filename="$ORIGIN/osub/libplugo.so"' \
                'dlmopen(' 'dlopen(filename="libplugm.so"'; do
      expect_regex "$tmp/show" "!$(echo "$call" | sed 's/[($]/\\&/g').*\) = 0x[0-9a-f]*[1-9a-f][0-9a-f]*\$"
    done
    [ "$(grep -c '!dlsym(.*symbol="whoami".*) = 0x[0-9a-f]*[1-9a-f]' "$tmp/show")" = 2 ] ||
      { grep '!dlsym(' "$tmp/show"; fail "expected 2 dlsym(RTLD_NEXT, \"whoami\") recorded with a function"; }
    expect_regex "$tmp/show" '!dlvsym\(.*\) = (0x)?[0-9a-f]*[1-9a-f]'
    echo "  recorded: dlopen, dlmopen, dlsym and dlvsym, each with its result"
  done
  echo "$case_name: dlopen by the caller's RUNPATH and \$ORIGIN, dlmopen, RTLD_NEXT (dlsym, dlvsym) as without ospy" ;;
same-basename-hint)
  # two files of the same name (a/libsame.so, b/libsame.so) both loaded:
  # -f sfn hooks the first; the Info about the second named it by its file
  # name, which hooks the first again: it names its path
  mkdir -p "$tmp/a" "$tmp/b"
  for d in a b; do
    echo "int sfn(int x) { return x + 1; }" > "$tmp/$d/s.c"
    cc -shared -fPIC -o "$tmp/$d/libsame.so" "$tmp/$d/s.c" || fail "cannot build $d/libsame.so"
  done
  cat > "$tmp/two.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
  int sum = 0;
  for (int i = 1; i < argc; i++) {
    void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    int (*f)(int) = h ? (int (*)(int))dlsym(h, "sfn") : 0;
    sum += f ? f(i) : -100;
  }
  printf("%d\n", sum);
  return 0;
}
C
  cc -o "$tmp/two" "$tmp/two.c" -ldl || fail "cannot build the target"
  "$ospy" capture -q -f sfn -o "$tmp/c.ospy" -- "$tmp/two" "$tmp/a/libsame.so" "$tmp/b/libsame.so" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "5"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_line "$tmp/show" "--- info: libsame.so also defines sfn: not hooked (sfn hooks one definition, the first found: libsame.so's; -f '$tmp/b/libsame.so!sfn' hooks this one)"
  echo "same-basename-hint: a second file of the same name is named by its path in the Info" ;;
signal-dispositions)
  # SIGINT and SIGQUIT ignored when ospy starts (a script's background job,
  # trap '' INT) stay ignored for the program, as SIGPIPE does and as under
  # strace (they were set back to the default: a Ctrl-C killed it)
  # SIGHUP and SIGTERM too (`nohup ospy capture -- prog`: the program got
  # SIG_DFL and died of the hangup), and ospy, ignoring SIGHUP, records on
  ign=$(sh -c "trap '' INT QUIT HUP TERM; exec \"$ospy\" capture -q -f read -o \"$tmp/s.ospy\" -- grep SigIgn /proc/self/status" 2>"$tmp/err") ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  mask=$(echo "$ign" | awk '{print $2}')
  [ $(( 0x$mask & 6 )) = 6 ] || fail "SIGINT/SIGQUIT ignored by ospy's caller, not by the program: SigIgn $mask"
  [ $(( 0x$mask & 0x4001 )) = $(( 0x4001 )) ] || fail "SIGHUP/SIGTERM ignored by ospy's caller, not by the program: SigIgn $mask"
  dfl=$("$ospy" capture -q -f read -o "$tmp/s.ospy" -- grep SigIgn /proc/self/status 2>"$tmp/err") || fail "capture exited $?"
  mask=$(echo "$dfl" | awk '{print $2}')
  [ $(( 0x$mask & 6 )) = 0 ] || fail "SIGINT/SIGQUIT ignored for the program though not for ospy: SigIgn $mask"
  [ $(( 0x$mask & 0x4001 )) = 0 ] || fail "SIGHUP/SIGTERM ignored for the program though not for ospy: SigIgn $mask"
  # a hangup sent to ospy under nohup: the capture goes on to the program's end
  sh -c "trap '' HUP; exec \"$ospy\" capture -q -f nanosleep,clock_nanosleep -o \"$tmp/h.ospy\" -- sh -c 'sleep 1; echo done'" >"$tmp/out" 2>"$tmp/err" &
  hp=$!
  sleep 0.3
  kill -HUP $hp
  wait $hp || { cat "$tmp/err"; fail "capture under nohup exited $? after a SIGHUP"; }
  expect_line "$tmp/out" "done"
  "$ospy" show "$tmp/h.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" '\+\+\+ exited with 0 \+\+\+'
  grep -q 'detached' "$tmp/show" && fail "a SIGHUP ospy's caller ignores stopped the capture"
  echo "signal-dispositions: SIGINT, SIGQUIT, SIGHUP and SIGTERM as ospy got them (ignored stays ignored, default stays default); a hangup under nohup stops nothing" ;;
stop-signal-blocked)
  check_stop_blocked 64
  echo "stop-signal-blocked: -p to a program whose threads all block every signal: none left pending for it (exit 0), the hook refused with the reason" ;;
stop-signal-blocked-i386)
  i386_or_skip
  check_stop_blocked 32
  echo "stop-signal-blocked-i386: the same, i386" ;;
stop-signal-signalfd)
  check_stop_sigfd 64
  echo "stop-signal-signalfd: a library opened while the signalfd thread spins: the signalfd reads only the program's SIGUSR1, the hook refused with the reason" ;;
stop-signal-signalfd-i386)
  i386_or_skip
  check_stop_sigfd 32
  echo "stop-signal-signalfd-i386: the same, i386" ;;
stop-signal-own)
  check_stop_own 64
  echo "stop-signal-own: a program's own handler for SIGRTMAX-3 gets its 3 signals, sigaction answers as alone (default and SIG_IGN at start, SA_RESETHAND, SIG_IGN, after exec), the hook goes in" ;;
stop-signal-own-i386)
  i386_or_skip
  check_stop_own 32
  echo "stop-signal-own-i386: the same, i386" ;;
signal-jump-out)
  check_jump_out_one() { check_jump_out "$1" one; }
  stack_case target_sigjump.c check_jump_out_one
  echo "signal-jump-out: a handler's siglongjmp out of ospy's hook code: the thread's later calls recorded (i386 $i386)" ;;
signal-jump-out-threads)
  cc -O1 -pthread -o "$tmp/sj" "$(dirname "$0")/target_sigjump.c" || fail "cannot build target_sigjump.c"
  check_jump_out "$tmp/sj" threads
  echo "signal-jump-out-threads: then 4 threads' calls: no wait for a lane held back, all recorded" ;;
signal-jump-out-threads-i386)
  i386_or_skip
  cc -m32 -O1 -pthread -o "$tmp/sj" "$(dirname "$0")/target_sigjump.c" || fail "cannot build target_sigjump.c"
  check_jump_out "$tmp/sj" threads
  echo "signal-jump-out-threads-i386: the same from the i386 agent" ;;
small-sigaltstack)
  # a hooked call in a signal handler on an 8 KiB sigaltstack (guard page
  # below): the agent read /proc/self/maps into an 8 KiB buffer on it (SIGSEGV)
  check_small_altstack() {
    same_as_alone "$1"
    expect_line "$tmp/out" "done"
    expect_regex "$tmp/show" 'libc\.so\.6!write\(fd=1[^,]*, buf="sig\\n", count=4\) = 4$'
  }
  stack_case stack_altstack.c check_small_altstack
  echo "small-sigaltstack: a handler's write on an 8 KiB alternate stack: output and status as alone, recorded (i386 $i386)" ;;
small-thread-stack)
  # a PTHREAD_STACK_MIN thread with 4 KiB of locals: its first hooked call
  # took 11 KiB of its stack (SIGSEGV)
  check_small_thread() {
    same_as_alone "$1"
    expect_line "$tmp/out" "done"
    expect_regex "$tmp/show" 'libc\.so\.6!write\(fd=1[^,]*, buf="ok\\n", count=3\) = 3$'
  }
  stack_case stack_thread.c check_small_thread
  echo "small-thread-stack: a 16 KiB thread's write from its stack: output and status as alone, recorded (i386 $i386)" ;;
stale-stack-page)
  # a page of a coroutine's arena below its stack made PROT_NONE after a
  # write from it: the second write's buffer was copied from the range the
  # agent kept (SIGSEGV); now unreadable, and the call fails with EFAULT as alone
  check_stale_page() {
    same_as_alone "$1"
    expect_line "$tmp/out" "r1=6 r2=-1 errno=Bad address"
    expect_regex "$tmp/show" 'libc\.so\.6!write\(fd=1[^,]*, buf="hello\\n", count=6\) = 6$'
    expect_regex "$tmp/show" 'libc\.so\.6!write\(fd=1[^,]*, buf=<unreadable at 0x[0-9a-f]+>, count=6\) = -1 EFAULT'
  }
  stack_case stack_coroutine.c check_stale_page
  echo "stale-stack-page: a coroutine's write from a page of its arena made PROT_NONE: EFAULT as alone, recorded (i386 $i386)" ;;
preset-msg-trunc)
  cc -O1 -o "$tmp/mt" "$(dirname "$0")/target_msg_trunc.c" || fail "cannot build target_msg_trunc.c"
  check_msg_trunc "$tmp/mt"
  echo "preset-msg-trunc: MSG_TRUNC and cut addresses show what the buffers hold; streams and pcapng count what was received" ;;
preset-msg-trunc-i386)
  i386_or_skip
  cc -m32 -O1 -o "$tmp/mt" "$(dirname "$0")/target_msg_trunc.c" || fail "cannot build target_msg_trunc.c"
  check_msg_trunc "$tmp/mt"
  expect_line "$tmp/show" "32-bit"
  echo "preset-msg-trunc-i386: the same from the i386 agent" ;;
preset-time64)
  # x86-64 has one struct stat and one fcntl: the same program built with
  # -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 calls fcntl64, stat64... (aliases,
  # recorded under the first names), as before i386's names were added
  cc -O1 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -o "$tmp/t64" "$(dirname "$0")/target_time64.c" ||
    fail "cannot build target_time64.c"
  check_time64 "$tmp/t64" fcntl @ recvmsg wait4
  expect_line "$tmp/out" "fstat=0 ino="
  grep -E '!(__[a-z0-9_]*64|fcntl64)\(' "$tmp/show" && fail "an i386 name on x86-64"
  "$ospy" definitions '*fcntl*' >"$tmp/defs" || fail "definitions exited $?"
  expect_line "$tmp/defs" "files    libc.so.6!fcntl64"
  expect_line "$tmp/defs" "files    libc.so.6!__fcntl_time64 (i386 only)"
  "$ospy" check --arch x86-64 "$(dirname "$demo_xml")/../configs/files.xml" >"$tmp/check" 2>&1 ||
    { cat "$tmp/check"; fail "check exited $?"; }
  grep -q '__stat64_time64' "$tmp/check" && fail "an i386-only hook in the x86-64 plan"
  echo "preset-time64: x86-64 unchanged (fcntl, fstat...); definitions lists the i386-only names" ;;
preset-time64-i386)
  # i386 programs built with -D_FILE_OFFSET_BITS=64 call fcntl64 (its fcntl
  # calls were not recorded), with -D_TIME_BITS=64 too __fcntl_time64 (the
  # same code as fcntl64), __fstat64_time64 & co. (struct __stat64_t64:
  # 64-bit times, a layout of its own), __recvmsg64 and __wait4_time64
  i386_or_skip
  src="$(dirname "$0")/target_time64.c"
  cc -m32 -O1 -D_FILE_OFFSET_BITS=64 -o "$tmp/lfs" "$src" || fail "cannot build target_time64.c (LFS)"
  check_time64 "$tmp/lfs" fcntl64 @64 recvmsg wait4
  cc -m32 -O1 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -o "$tmp/t64" "$src" ||
    fail "cannot build target_time64.c (time64)"
  check_time64 "$tmp/t64" '(fcntl64|__fcntl_time64)' __@64_time64 __recvmsg64 __wait4_time64
  expect_line "$tmp/out" "mtime=4102444800"
  expect_line "$tmp/show" "st_mtime=4102444800,"
  expect_line "$tmp/show" "32-bit"
  echo "preset-time64-i386: fcntl64, __fcntl_time64, __*stat64_time64 (64-bit times), __recvmsg64, __wait4_time64 decoded with the program's values" ;;
buffer-at-top-i386)
  # an i386 buffer near the top of the address space whose size runs past
  # 4 GiB (a stack array with ASLR off): its readable start is recorded,
  # then marked (it was all <unreadable at ...>)
  i386_or_skip
  cat > "$tmp/top.c" <<'X'
__attribute__((noipa)) int f_buf(const char *buf, int n) { return n; }
int main(void) { char text[] = "hello world"; return f_buf(text, 100000) != 100000; }
X
  cat > "$tmp/top.xml" <<'X'
<hookManager><specs><functions>
<function name="f_buf"><returnValue type="Int32"/><arguments>
<argument name="buf" type="ByteArrayPtr" size="arg.n"/><argument name="n" type="Int32"/>
</arguments></function></functions></specs>
<hooks><module name="top"><function specId="f_buf"/></module></hooks></hookManager>
X
  cc -m32 -O0 -o "$tmp/top" "$tmp/top.c" || fail "cannot build top.c"
  setarch x86_64 -R "$ospy" capture -q -c "$tmp/top.xml" -o "$tmp/c.ospy" -- "$tmp/top" ||
    fail "capture exited $?"
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  expect_regex "$tmp/show" 'top!f_buf\(buf="hello world\\x00.*<unreadable after [0-9]+ bytes>\([0-9]+ of 100000 bytes\), n=100000\) = 100000$'
  echo "buffer-at-top-i386: a buffer running past 4 GiB shows its readable start" ;;
perfetto-exec-name)
  # a process that execs another program: its Perfetto track is named again
  # (it kept the first name, sh, for cat's calls)
  "$ospy" capture -q -F -f read -o "$tmp/c.ospy" -- sh -c 'exec cat /etc/hostname' >/dev/null ||
    fail "capture exited $?"
  "$ospy" export "$tmp/c.ospy" --format perfetto -o "$tmp/t.json" 2>/dev/null || fail "export exited $?"
  grep -o '"process_name"[^}]*"name":"[^"]*"' "$tmp/t.json" | sed 's/.*"name":"//; s/"$//' >"$tmp/names"
  [ "$(tr '\n' ' ' <"$tmp/names")" = "dash cat " ] || [ "$(tr '\n' ' ' <"$tmp/names")" = "sh cat " ] ||
    fail "process names: $(cat "$tmp/names")"
  echo "perfetto-exec-name: the track of a process that execs cat is named cat last" ;;
preset-poll)
  cc -O1 -o "$tmp/tp" "$(dirname "$0")/target_poll.c" || fail "cannot build target_poll.c"
  check_poll "$tmp/tp" ppoll select pselect epoll_pwait2 ""
  "$ospy" definitions '*epoll_pwait2*' >"$tmp/defs" || fail "definitions exited $?"
  expect_line "$tmp/defs" "net      libc.so.6!epoll_pwait2"
  expect_line "$tmp/defs" "net      libc.so.6!__epoll_pwait2_time64 (i386 only)"
  echo "preset-poll: poll, ppoll, epoll, select, pselect, preadv/pwritev (and v2) decoded with the program's descriptors, events and bytes; poll's revents (garbage at entry) shown at return only, in show and the .osd export" ;;
preset-open-flags|preset-open-flags-i386)
  # open's access mode is a value under O_ACCMODE (files.xml: mask="0x3"),
  # named first as strace names it: O_RDONLY (0) beside the other flags (it
  # was hidden, O_RDONLY|O_CLOEXEC shown as O_CLOEXEC); an access mode no
  # member names (3) and a bit no flag has are the rest. The socket type
  # likewise under 0xf (7 was SOCK_DCCP|SOCK_STREAM). show and every export
  # write the same names; the .osd reads back unchanged.
  case_bits
  cc -m$m -O1 -o "$tmp/of" "$(dirname "$0")/target_open_flags.c" || fail "cannot build target_open_flags.c"
  mkdir "$tmp/w"
  want='O_WRONLY|O_CREAT|O_TRUNC
O_RDONLY|O_CLOEXEC
O_RDWR
O_RDONLY
O_RDONLY|0x10000000
0x3'
  for how in "--preset files,net" "-f open,open64,socket"; do
    # shellcheck disable=SC2086 # (two options each)
    "$ospy" capture -q $how -o "$tmp/c.ospy" -- "$tmp/of" "$tmp/w" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture ($how) exited $?"; }
    expect_line "$tmp/out" "open-flags: 6 opens, 2 sockets"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    grep -E '!open(64)?\(pathname="f"' "$tmp/show" | sed 's/^[^!]*!//'
    sed -n 's/.*!open\(64\)\{0,1\}(pathname="f", flags=\([^,)]*\).*/\2/p' "$tmp/show" >"$tmp/show.flags"
    [ "$(cat "$tmp/show.flags")" = "$want" ] ||
      { cat "$tmp/show"; fail "show ($how): open's flags $(tr '\n' ' ' <"$tmp/show.flags"), want $(echo "$want" | tr '\n' ' ')"; }
    expect_line "$tmp/show" 'flags=O_WRONLY|O_CREAT|O_TRUNC, mode=0600) = 3<'
    expect_line "$tmp/show" 'socket(domain=AF_UNIX, type=SOCK_STREAM|SOCK_CLOEXEC, protocol=0) = 3'
    expect_regex "$tmp/show" '!socket\(domain=AF_UNIX, type=SOCK_NONBLOCK\|0x7, protocol=0\) = -1 E[A-Z]+ '
    echo "show ($how): open's flags $(tr '\n' ' ' <"$tmp/show.flags"), socket types SOCK_STREAM|SOCK_CLOEXEC, SOCK_NONBLOCK|0x7"
  done
  # the exports of the last capture: JSON Lines' value and Perfetto's argument
  # are show's text; the XML and .osd the number with the names beside it
  # (none for 0x3, as for any value that names no member)
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.jsonl" 2>/dev/null || fail "export jsonl exited $?"
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.json" 2>/dev/null || fail "export perfetto exited $?"
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.xml" 2>/dev/null || fail "export xml exited $?"
  "$ospy" export "$tmp/c.ospy" -o "$tmp/c.osd" 2>/dev/null || fail "export osd exited $?"
  jq -r 'select((.name // "") | test("::open(64)?$")) | select(.args_in[0].children[0].value == "f")
    | .args_in[1].value' "$tmp/c.jsonl" >"$tmp/jsonl.flags"
  [ "$(cat "$tmp/jsonl.flags")" = "$want" ] || fail "jsonl: open's flags $(tr '\n' ' ' <"$tmp/jsonl.flags")"
  jq -r '.traceEvents[] | select((.name // "") | test("::open(64)?$")) | select(.args.in.pathname? == "f")
    | .args.in.flags' "$tmp/c.json" >"$tmp/perfetto.flags"
  [ "$(cat "$tmp/perfetto.flags")" = "$want" ] || fail "perfetto: open's flags $(tr '\n' ' ' <"$tmp/perfetto.flags")"
  xml_flags() { # the names (or, naming none, the number) of open's flags in an XML export
    grep -o '<argument name="flags"><value type="Flags" subType="OpenFlags" [^>]*>' "$1" |
      sed -n 's/.* names="\([^"]*\)".*/\1/p; /names=/!s/.* value="\([^"]*\)".*/\1/p'
  }
  xml_flags "$tmp/c.xml" >"$tmp/xml.flags"
  [ "$(cat "$tmp/xml.flags")" = "$want" ] || fail "xml: open's flags $(tr '\n' ' ' <"$tmp/xml.flags")"
  expect_line "$tmp/c.xml" '<value type="Flags" subType="OpenFlags" value="0x80000" names="O_RDONLY|O_CLOEXEC"/>'
  expect_line "$tmp/c.xml" '<value type="Flags" subType="OpenFlags" value="0" names="O_RDONLY"/>'
  expect_line "$tmp/c.xml" '<value type="Flags" subType="OpenFlags" value="0x3"/>'
  "$ospy" import "$tmp/c.osd" -o "$tmp/back.xml" 2>/dev/null || fail "import osd exited $?"
  cmp "$tmp/back.xml" "$tmp/c.xml" || fail "export -> osd -> import changed the events"
  if command -v python3 >/dev/null; then # oSpy's loader reads the flags' number
    python3 "$(dirname "$0")/../export/osd_loader.py" "$tmp/c.osd" -v >"$tmp/loader" 2>&1 ||
      { cat "$tmp/loader"; fail "the original loader rejects the .osd"; }
    expect_regex "$tmp/loader" '^described open\(0x[0-9a-f]+, 0x80000\) => 3$'
    expect_regex "$tmp/loader" '^described open\(0x[0-9a-f]+, 0\) => 3$'
  fi
  echo "jsonl, perfetto, xml, osd: open's flags $(tr '\n' ' ' <"$tmp/xml.flags")(the .osd read back as exported)"
  echo "$case_name: the access mode shown as strace shows it, in show and every export" ;;
preset-poll-i386)
  # epoll_event is 12 bytes on i386 too, data at 4; a _TIME_BITS=64 program
  # calls __ppoll64, __select64 (a 64-bit struct timeval), __pselect64 and
  # __epoll_pwait2_time64, with _FILE_OFFSET_BITS=64 preadv64 & co.
  i386_or_skip
  src="$(dirname "$0")/target_poll.c"
  cc -m32 -O1 -o "$tmp/tp" "$src" || fail "cannot build target_poll.c"
  check_poll "$tmp/tp" ppoll select pselect epoll_pwait2 ""
  expect_line "$tmp/show" "32-bit"
  cc -m32 -O1 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -o "$tmp/tp64" "$src" || fail "cannot build target_poll.c (time64)"
  check_poll "$tmp/tp64" __ppoll64 __select64 __pselect64 __epoll_pwait2_time64 64
  echo "preset-poll-i386: the same from the i386 agent, plain and built with _TIME_BITS=64 (__ppoll64, __select64, __pselect64, __epoll_pwait2_time64, preadv64...)" ;;
streams-dup)
  # a socket dup2'd onto stdout (its stdout saved with dup), a file dup2'd
  # onto it, stdout put back and copied with fcntl(F_DUPFD_CLOEXEC): streams
  # said "fd=1 fd <stdout>" for all of it (the banner and the HTTP exchange
  # in one conversation), the pcapng held no packet
  cc -O1 -o "$tmp/sd" "$(dirname "$0")/target_streams_dup.c" || fail "cannot build target_streams_dup.c"
  "$ospy" capture -q --preset net,files -o "$tmp/t.ospy" -- "$tmp/sd" "$tmp" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  expect_line "$tmp/out" "hito-stdout"
  "$ospy" streams "$tmp/t.ospy" >"$tmp/streams" 2>"$tmp/streams.err" || { cat "$tmp/streams.err"; fail "streams exited $?"; }
  cat "$tmp/streams"
  # stdout: banner (7), the answer relayed (21), to-stdout (10), via-fcntl (10)
  expect_regex "$tmp/streams" "^#[0-9]+ +[0-9]+ +fd=1 +fd +$tmp/out  48 bytes out, 0 in\$"
  # (each listed with the descriptor of its first data: the client's is 1)
  expect_regex "$tmp/streams" '^#[0-9]+ +[0-9]+ +fd=1 +tcp +\? -> 127\.0\.0\.1:[0-9]+  18 bytes out, 21 in$'
  expect_regex "$tmp/streams" '^#[0-9]+ +[0-9]+ +fd=[0-9]+ +tcp +127\.0\.0\.1:[0-9]+ -> \?  21 bytes out, 18 in$'
  expect_regex "$tmp/streams" "^#[0-9]+ +[0-9]+ +fd=1 +file +$tmp/dup\\.out  8 bytes out, 0 in\$"
  [ "$(wc -l <"$tmp/streams")" = 4 ] || fail "expected 4 conversations"
  id=$(sed -n 's/^#\([0-9]*\) .* tcp .*18 bytes out, 21 in$/\1/p' "$tmp/streams")
  "$ospy" streams --follow "$id" "$tmp/t.ospy" >"$tmp/follow" || fail "streams --follow exited $?"
  expect_regex "$tmp/follow" '^>>> sent 18 bytes \(write\) at '
  expect_regex "$tmp/follow" '^<<< received 21 bytes \(read\) at '
  # stdout's: the answer relayed through its dup, the last line through fcntl's copy
  "$ospy" streams --follow 1 "$tmp/t.ospy" >"$tmp/follow1" || fail "streams --follow 1 exited $?"
  cat "$tmp/follow1"
  expect_regex "$tmp/follow1" '^>>> sent 7 bytes \(write\) at '
  expect_regex "$tmp/follow1" '^>>> sent 21 bytes \(write on fd [0-9]+\) at '
  expect_regex "$tmp/follow1" '^>>> sent 10 bytes \(write on fd [1-9][0-9]+\) at '
  "$ospy" export "$tmp/t.ospy" --format pcapng -o "$tmp/t.pcapng" 2>"$tmp/exp.err" ||
    { cat "$tmp/exp.err"; fail "export exited $?"; }
  grep -q warning "$tmp/exp.err" && { cat "$tmp/exp.err"; fail "export warned"; }
  grep -qaF 'GET / HTTP/1.0' "$tmp/t.pcapng" || fail "the pcapng lacks the request written through fd 1"
  echo "streams-dup: the socket's and the file's data through fd 1 are theirs; stdout's copies are stdout's; the pcapng has the exchange" ;;
streams-gaps)
  # the write fclose makes is left out (logNested="false"): streams said
  # "7 bytes out" of the 21 the file got, and nothing else
  cat > "$tmp/fl.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void) { write(1, "direct\n", 7); printf("buffered line\n"); fclose(stdout); return 0; }
C
  cc -O1 -o "$tmp/fl" "$tmp/fl.c" || fail "cannot build fl"
  "$ospy" capture -q --preset files -o "$tmp/f.ospy" -- "$tmp/fl" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" streams "$tmp/f.ospy" >"$tmp/streams" 2>"$tmp/streams.err" || fail "streams exited $?"
  cat "$tmp/streams" "$tmp/streams.err"
  expect_regex "$tmp/streams" "fd=1 +fd +$tmp/out  7 bytes out, 0 in\$"
  expect_line "$tmp/streams.err" 'ospy streams: warning: 1 call made inside another hooked call was not recorded (logNested="false"): libc.so.6::write: the streams may miss data'
  # events lost (--lossy, a ring of 1 MiB): told with the count stats gives,
  # when this run lost any
  "$ospy" capture -q --lossy --ring-size 1 --preset files -o "$tmp/l.ospy" -- "$target" 100000 exit 0 >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "lossy capture exited $?"; }
  lost=$("$ospy" stats "$tmp/l.ospy" | sed -n 's/^ *\([0-9]*\) events lost .*/\1/p')
  "$ospy" streams "$tmp/l.ospy" >/dev/null 2>"$tmp/lstreams.err" || fail "streams exited $?"
  "$ospy" export "$tmp/l.ospy" --format pcapng -o "$tmp/l.pcapng" 2>"$tmp/lexp.err" || fail "export exited $?"
  if [ -n "$lost" ]; then
    expect_line "$tmp/lstreams.err" "ospy streams: warning: $lost events were lost while capturing: the streams may miss data"
    expect_line "$tmp/lexp.err" "ospy export: warning: $lost events were lost while capturing: the streams may miss data"
    echo "streams-gaps: $lost events lost: said by streams and the pcapng export"
  else
    grep -q lost "$tmp/lstreams.err" "$tmp/lexp.err" && fail "lost events said where stats counts none"
    echo "streams-gaps: no event lost this run: none said"
  fi
  echo "streams-gaps: the write inside fclose, left out, is said" ;;
export-signal-cleanup)
  # export writes a hidden temporary file beside OUT, renamed at the end: a
  # SIGTERM, SIGINT or SIGHUP mid-way removes it (it stayed, up to GBs) and
  # still ends the export by that signal (exit 128+sig); import as well
  "$ospy" capture -q --preset files -o "$tmp/big.ospy" -- "$target" 300000 exit 0 >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  # (import's input: osd-plain, made 40 times as fast as a compressed one)
  "$ospy" export "$tmp/big.ospy" --format osd-plain -o "$tmp/big.osd" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "export to .osd exited $?"; }
  for sn in TERM:15 INT:2 HUP:1 import-TERM:15; do
    sig=${sn%:*} cmd="export $tmp/big.ospy"
    [ "$sig" = import-TERM ] && sig=TERM cmd="import $tmp/big.osd" sn=import-$sig:15
    mkdir "$tmp/o$sn"
    # (env: an sh without job control starts background commands with SIGINT ignored)
    env --default-signal=INT "$ospy" $cmd -o "$tmp/o$sn/out.xml" 2>"$tmp/err$sig" &
    p=$!
    n=0
    until ls -A "$tmp/o$sn" | grep -q '^\.out\.xml\.'; do
      kill -0 $p 2>/dev/null || fail "${cmd%% *} ended before its temporary file was seen"
      n=$((n + 1)); [ $n -lt 100000 ] || fail "no temporary file seen"
    done
    kill -$sig $p
    wait $p
    rc=$?
    want=$((128 + ${sn#*:}))
    left=$(ls -A "$tmp/o$sn")
    echo "export-signal-cleanup: ${cmd%% *} killed by SIG$sig mid-way: exit $rc (want $want), left in the directory: [$left]"
    [ $rc = $want ] || fail "${cmd%% *} killed by SIG$sig exited $rc"
    [ -z "$left" ] || fail "left behind: $left"
  done ;;
live-problems-cap)
  # a config naming 30 functions libc lacks: the live view prints the first
  # 20 errors, then how many more there are (500 printed 1000 lines)
  {
    echo '<hookManager><specs><functions>'
    for i in $(seq 0 29); do echo "<function name=\"nope_$i\"><returnValue type=\"Int32\"/></function>"; done
    echo '</functions></specs><hooks><module name="libc.so.6">'
    for i in $(seq 0 29); do echo "<function specId=\"nope_$i\"/>"; done
    echo '</module></hooks></hookManager>'
  } >"$tmp/many.xml"
  "$ospy" capture -q -c "$tmp/many.xml" -o "$tmp/c.ospy" -- "$target" 0 >/dev/null 2>"$tmp/err"
  rc=$?
  [ $rc = 2 ] || fail "capture exited $rc, expected 2 (agent errors)"
  [ "$(grep -c -- '--- error: libc.so.6!nope_' "$tmp/err")" = 20 ] || fail "errors shown: $(cat "$tmp/err")"
  expect_line "$tmp/err" "ospy: 10 more warnings or errors not shown above, after the first 20 (ospy show $tmp/c.ospy lists them all)"
  expect_line "$tmp/err" "30 agent errors"
  [ "$("$ospy" show "$tmp/c.ospy" | grep -c -- '--- error: libc.so.6!nope_')" = 30 ] || fail "show lists not all 30"
  # a hook by symbol= names the symbol it looked for (it named only the spec)
  sed 's/<function specId="nope_0"\/>/<function specId="nope_0" symbol="nofn_x"\/>/' "$tmp/many.xml" >"$tmp/sym.xml"
  "$ospy" capture -q -c "$tmp/sym.xml" -o "$tmp/c.ospy" -- "$target" 0 >/dev/null 2>&1
  "$ospy" show "$tmp/c.ospy" | grep -q -- '--- error: libc.so.6!nope_0: function nofn_x not found in libc.so.6' ||
    fail "symbol= not named: $("$ospy" show "$tmp/c.ospy" | grep nope_0)"
  echo "live-problems-cap: 20 errors shown live, the other 10 counted; show lists all 30" ;;
process-name)
  check_process_name "$target"
  echo "process-name: hooks left out by processName said once per process, naming both names" ;;
process-name-i386)
  i386_or_skip
  cc -m32 -O1 -o "$tmp/e2e-target-exit" "$(dirname "$0")/target_exit.c" ||
    fail "cannot build target_exit.c"
  check_process_name "$tmp/e2e-target-exit"
  expect_line "$tmp/show" "32-bit"
  echo "process-name-i386: hooks left out by processName said once per process, naming both names" ;;
pthread-exit-together|pthread-exit-together-i386)
  # 8 threads calling pthread_exit at once, the first of the process: each
  # run has one chance to hit the race (the unwinder's wrappers queued, not
  # yet in): 12 runs, every one must end as alone (sum=36, status 0)
  m=-m64
  if [ "$case_name" = pthread-exit-together-i386 ]; then i386_or_skip; m=-m32; fi
  cc $m -O1 -pthread -o "$tmp/px" "$(dirname "$0")/target_pexit_together.c" ||
    fail "cannot build target_pexit_together.c"
  for i in $(seq 1 12); do
    "$ospy" capture -q -f pthread_exit,finish -o "$tmp/c.ospy" -- "$tmp/px" 8 >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "run $i: capture exited $?"; }
    expect_line "$tmp/out" "sum=36"
  done
  [ "$("$ospy" show "$tmp/c.ospy" | grep -c 'pthread_exit(')" = 8 ] || fail "not 8 pthread_exit calls recorded"
  echo "$case_name: 12 runs of 8 threads calling pthread_exit at once, each as alone" ;;
struct-reads)
  check_struct_reads 64
  echo "struct-reads: a struct stat and an array of pollfd in heap memory, one system call each; a structure cut by a PROT_NONE page keeps its first fields" ;;
struct-reads-i386)
  i386_or_skip
  check_struct_reads 32
  echo "struct-reads-i386: the same from the i386 agent" ;;
symbol-version|symbol-version-i386)
  # A library that keeps vfn@VER_1 for the programs linked against its old
  # release beside its default vfn@@VER_2 (.symver and a version script). A
  # program linked against the old release calls vfn@VER_1: -f vfn hooked the
  # default one, dlsym's, and recorded 0 calls without a word. Now the
  # version the program's calls bind to (its .gnu.version_r) is hooked, and
  # a note names both; a program linked against the new one has its
  # vfn@@VER_2 hooked, no note. A name given with its version hooks that
  # one, from the dynamic symbols (also in a stripped library; vfn@VER_2,
  # as a program's reference, takes the default VER_2); a version the
  # library lacks is an error naming those it has (the hint named
  # vfn@VER_1 for vfn@VER_2). x86-64 and i386.
  case_bits
  mkdir -p "$tmp/old" "$tmp/lib" "$tmp/stripped"
  echo 'int vfn(int x) { return x + 1000; }' > "$tmp/v1.c"
  echo 'VER_1 { global: vfn; local: *; };' > "$tmp/v1.map"
  cat > "$tmp/v2.c" <<'C'
__attribute__((noinline)) int vfn_old(int x) { return x + 1000; }
__attribute__((noinline)) int vfn_new(int x, int y) { return x * 10 + y + 2000; }
__asm__(".symver vfn_old,vfn@VER_1");
__asm__(".symver vfn_new,vfn@@VER_2");
C
  printf 'VER_1 { global: vfn; local: *; };\nVER_2 { global: vfn; } VER_1;\n' > "$tmp/v2.map"
  cat > "$tmp/pold.c" <<'C'
#include <stdio.h>
int vfn(int);
int main(void) { printf("old vfn(5)=%d\n", vfn(5)); return 0; }
C
  cat > "$tmp/pnew.c" <<'C'
#include <stdio.h>
int vfn(int, int);
int main(void) { printf("new vfn(5,6)=%d\n", vfn(5, 6)); return 0; }
C
  cc -m$m -O2 -fPIC -shared -Wl,--version-script="$tmp/v1.map" -o "$tmp/old/libver.so" "$tmp/v1.c" &&
    cc -m$m -O2 -fPIC -shared -Wl,--version-script="$tmp/v2.map" -o "$tmp/lib/libver.so" "$tmp/v2.c" &&
    cc -m$m -O2 -o "$tmp/pold" "$tmp/pold.c" -L"$tmp/old" -lver -Wl,-rpath,"$tmp/lib" &&
    cc -m$m -O2 -o "$tmp/pnew" "$tmp/pnew.c" -L"$tmp/lib" -lver -Wl,-rpath,"$tmp/lib" &&
    cc -m$m -O2 -o "$tmp/pold_stripped" "$tmp/pold.c" -L"$tmp/old" -lver -Wl,-rpath,"$tmp/stripped" &&
    cp "$tmp/lib/libver.so" "$tmp/stripped/libver.so" && strip "$tmp/stripped/libver.so" ||
    fail "cannot build the library and programs"
  capture_ver() { # PROGRAM FUNC: -f FUNC, its show in $tmp/show
    "$ospy" capture -q -f "$2" -o "$tmp/c.ospy" -- "$1" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "capture -f $2 -- $1 exited $?"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  }
  calls() { grep -c "libver.so!$1(" "$tmp/show"; }
  capture_ver "$tmp/pold" vfn
  expect_line "$tmp/out" "old vfn(5)=1005"
  expect_regex "$tmp/show" '\] libver\.so!vfn\(arg0=(0x)?5[,)].* = 1005$'
  [ "$(calls vfn)" = 1 ] || { cat "$tmp/show"; fail "-f vfn, pold: expected 1 call of vfn@VER_1"; }
  expect_line "$tmp/show" "--- info: libver.so!vfn: libver.so defines 2 versions of vfn: hooked vfn@VER_1, the one pold's calls bind to; its default, vfn@@VER_2, is not (name it so to hook it)"
  echo "-f vfn, pold (linked against VER_1): libver.so!vfn(5) = 1005 recorded, a note names vfn@VER_1 and vfn@@VER_2"
  capture_ver "$tmp/pnew" vfn
  expect_line "$tmp/out" "new vfn(5,6)=2056"
  expect_regex "$tmp/show" '\] libver\.so!vfn\(arg0=(0x)?5, arg1=(0x)?6[,)].* = 2056$'
  [ "$(calls vfn)" = 1 ] || { cat "$tmp/show"; fail "-f vfn, pnew: expected 1 call of vfn@@VER_2"; }
  grep -F 'versions of vfn' "$tmp/show" && fail "-f vfn, pnew: a note, though the default version was hooked"
  echo "-f vfn, pnew (linked against VER_2): libver.so!vfn(5, 6) = 2056 recorded, no note"
  capture_ver "$tmp/pnew" 'libver.so!vfn@VER_2'
  expect_regex "$tmp/show" '\] libver\.so!vfn@VER_2\(arg0=(0x)?5, arg1=(0x)?6[,)].* = 2056$'
  echo "-f 'libver.so!vfn@VER_2', pnew: the default VER_2 hooked, as a reference to vfn@VER_2 binds it"
  capture_ver "$tmp/pold_stripped" 'vfn@VER_1'
  expect_line "$tmp/out" "old vfn(5)=1005"
  expect_regex "$tmp/show" '\] libver\.so!vfn@VER_1\(arg0=(0x)?5[,)].* = 1005$'
  echo "-f 'vfn@VER_1', a stripped libver.so (no .symtab): found among its dynamic symbols"
  capture_ver "$tmp/pnew" 'libver.so!vfn@VER_3'
  expect_line "$tmp/show" "--- error: libver.so!vfn@VER_3: function not found in libver.so: not among the versions its exported (dynamic) symbols define: vfn@VER_1, vfn@@VER_2: check the version"
  echo "-f 'libver.so!vfn@VER_3': an error naming vfn@VER_1, vfn@@VER_2"
  echo "$case_name: -f vfn hooks the version the program's calls bind to" ;;
ifunc-chosen|ifunc-chosen-i386)
  # An exported IFUNC whose resolver chooses by the program's state: the
  # program sets ifs_mode=1 before its first call (bound lazily: the
  # resolver runs then and chooses add_special), calls it 5 times, then sets
  # ifs_mode=0 and takes it by dlsym (the resolver runs again: add_generic)
  # for 2 calls. ospy looked it up by dlsym at the start, which ran the
  # resolver (ifs_mode=0: add_generic): the 5 calls went unrecorded, and
  # the resolver, which writes a line, ran twice more under ospy than
  # alone. Now ospy never runs it: it watches it, and hooks each function
  # it returns before the call that had it chosen runs: 7 calls recorded,
  # the program's output (stdout and the resolver's stderr lines) as alone.
  # With LD_BIND_NOW the program's GOT slot is bound at its load: the
  # function there is hooked at the start, no note. x86-64 and i386.
  case_bits
  cat > "$tmp/libifs.c" <<'C'
#include <unistd.h>
int ifs_mode = 0; /* set by the program before its first call */
static int add_generic(int a, int b) { return a + b + 0 * ifs_mode; }
static int add_special(int a, int b) { volatile int r = a; return r + b; }
/* a resolver with an effect of its own: ospy must not run it */
static void *resolve_add(void)
{
  write(2, "resolver ran\n", 13);
  return ifs_mode ? (void *)add_special : (void *)add_generic;
}
int ifs_add(int a, int b) __attribute__((ifunc("resolve_add")));
C
  cat > "$tmp/pifs.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
extern int ifs_mode;
int ifs_add(int, int);
int main(void)
{
  ifs_mode = 1;
  int s = 0;
  for (int i = 0; i < 5; i++)
    s += ifs_add(i, 10);
  ifs_mode = 0;
  int (*f)(int, int) = (int (*)(int, int))dlsym(RTLD_DEFAULT, "ifs_add");
  for (int i = 0; i < 2; i++)
    s += f(i, 100);
  printf("s=%d\n", s);
  return 0;
}
C
  cc -m$m -O2 -fPIC -shared -o "$tmp/libifs.so" "$tmp/libifs.c" &&
    cc -m$m -O2 -o "$tmp/pifs" "$tmp/pifs.c" -L"$tmp" -lifs -Wl,-rpath,"$tmp" -ldl ||
    fail "cannot build the library and program"
  for bind in lazy now; do
    now=
    [ $bind = now ] && now=1
    LD_BIND_NOW=$now "$tmp/pifs" >"$tmp/alone.out" 2>"$tmp/alone.err" || fail "pifs alone exited $?"
    LD_BIND_NOW=$now "$ospy" capture -q -f ifs_add -o "$tmp/c.ospy" -- "$tmp/pifs" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "$bind: capture exited $?"; }
    cmp -s "$tmp/alone.out" "$tmp/out" || { diff "$tmp/alone.out" "$tmp/out"; fail "$bind: stdout differs"; }
    alone=$(grep -c '^resolver ran$' "$tmp/alone.err") under=$(grep -c '^resolver ran$' "$tmp/err")
    echo "$bind binding: the resolver ran $under times under ospy, $alone alone (expected: the same)"
    [ "$under" = "$alone" ] || fail "$bind: ospy ran the resolver itself"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    n=0
    if [ $bind = lazy ]; then first=add_special; else first=add_generic; fi
    for i in 0 1 2 3 4; do
      expect_regex "$tmp/show" "\] libifs\.so!ifs_add\(arg0=(0x)?$i, arg1=(0xa|10)[,)].* = $((i + 10))\$"
    done
    for i in 0 1; do
      expect_regex "$tmp/show" "\] libifs\.so!ifs_add\(arg0=(0x)?$i, arg1=(0x64|100)[,)].* = $((i + 100))\$"
    done
    n=$(grep -c '\] libifs\.so!ifs_add(' "$tmp/show")
    [ "$n" = 7 ] || { cat "$tmp/show"; fail "$bind: $n calls recorded, expected 7"; }
    if [ $bind = lazy ]; then
      expect_regex "$tmp/show" "--- info: libifs\.so!ifs_add: an IFUNC the program has not bound yet: the function its resolver, resolve_add \(libifs\.so\+0x[0-9a-f]+\), chooses at the program's first call is hooked then \(ospy never runs a resolver itself\)"
      expect_regex "$tmp/show" '--- info: libifs\.so!ifs_add: its resolver chose add_special \(libifs\.so\+0x[0-9a-f]+\): hooked now$'
      expect_regex "$tmp/show" '--- info: libifs\.so!ifs_add: its resolver \(an IFUNC.s\) chose another function as well, add_generic \(libifs\.so\+0x[0-9a-f]+\): hooked too, its calls recorded under that name$'
    else
      grep -F -- '--- info: libifs.so!ifs_add' "$tmp/show" && fail "now: a note, though the function was bound at the start"
    fi
    grep -- '--- warning\|--- error' "$tmp/show" && fail "$bind: a warning or an error"
    echo "$bind binding: ifs_add's 7 calls recorded ($first first), the program's output as alone"
  done
  # a module glob's hook has spare copies (for other libraries it matches),
  # which all found the IFUNC: the note came once per copy (4 times)
  "$ospy" capture -q -f 'libif*.so!ifs_add' -o "$tmp/g.ospy" -- "$tmp/pifs" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "glob: capture exited $?"; }
  "$ospy" show "$tmp/g.ospy" >"$tmp/show" || fail "show exited $?"
  n=$(grep -c "an IFUNC the program has not bound yet" "$tmp/show")
  calls=$(grep -c '\] libifs\.so!ifs_add(' "$tmp/show")
  echo "-f 'libif*.so!ifs_add': the note that it is not bound yet said $n times (expected: 1), $calls calls recorded (expected: 7)"
  [ "$n" = 1 ] || { grep -- '--- info' "$tmp/show"; fail "glob: the note said $n times"; }
  [ "$calls" = 7 ] || fail "glob: $calls calls recorded"
  echo "$case_name: an IFUNC's functions hooked as its resolver chooses them, the resolver never run by ospy" ;;
ifunc-race|ifunc-race-i386)
  # 4 threads make their first calls of a lazily bound IFUNC at once (a
  # barrier): each call's PLT slot runs the resolver in _dl_fixup, the first
  # thread whose run returns hooks the chosen function (ms: its lookup, the
  # threads stopped). A second thread whose run returned meanwhile returned
  # at once, the loader bound the GOT slot to the function still unhooked,
  # and every thread ran it unhooked until the hook was in: 1 or 2 threads'
  # calls of 4 recorded, none counted lost. Now a thread waits for the hook
  # before its resolver returns: every call recorded, 3 rounds. x86-64 and
  # i386.
  case_bits
  cat > "$tmp/libifr.c" <<'C'
int ifr_resolver_runs;
static int add_fast(int a, int b) { return a + b; }
static int (*resolve_add(void))(int, int)
{
  __atomic_add_fetch(&ifr_resolver_runs, 1, __ATOMIC_SEQ_CST);
  return add_fast;
}
int ifr_add(int a, int b) __attribute__((ifunc("resolve_add")));
C
  cat > "$tmp/race.c" <<'C'
#include <pthread.h>
#include <stdio.h>
int ifr_add(int, int);
extern int ifr_resolver_runs;
static pthread_barrier_t bar;
static void *w(void *a)
{
  long s = 0;
  pthread_barrier_wait(&bar);
  for (int i = 0; i < 20000; i++)
    s += ifr_add(i, 1);
  return (void *)s;
}
int main(void)
{
  pthread_t t[4];
  pthread_barrier_init(&bar, 0, 4);
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], 0, w, 0);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], 0);
  printf("calls=%d resolver_runs=%d\n", 4 * 20000, ifr_resolver_runs);
  return 0;
}
C
  cc -m$m -O2 -fPIC -shared -o "$tmp/libifr.so" "$tmp/libifr.c" &&
    cc -m$m -O2 -o "$tmp/race" "$tmp/race.c" -L"$tmp" -lifr -Wl,-rpath,"$tmp" -Wl,-z,lazy -pthread ||
    fail "cannot build the library and program"
  for round in 1 2 3; do
    LD_BIND_NOW= "$ospy" capture -q -f ifr_add -o "$tmp/c.ospy" -- "$tmp/race" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "round $round: capture exited $?"; }
    made=$(sed -n 's/^calls=\([0-9]*\) .*/\1/p' "$tmp/out")
    runs=$(sed -n 's/.* resolver_runs=\([0-9]*\)$/\1/p' "$tmp/out")
    [ "$made" = 80000 ] || { cat "$tmp/out" "$tmp/err"; fail "round $round: the program's output"; }
    "$ospy" stats --no-hist "$tmp/c.ospy" >"$tmp/stats" || fail "stats exited $?"
    recorded=$(awk '$NF ~ /!ifr_add$/ { print $1 }' "$tmp/stats")
    lost=$(sed -n 's/^ *\([0-9]*\) events lost .*/\1/p' "$tmp/stats")
    recorded=${recorded:-0} lost=${lost:-0}
    echo "round $round: $made calls made (the resolver ran $runs times, in as many threads): $recorded recorded + $lost lost (expected: $made + 0)"
    [ $((recorded + lost)) = "$made" ] || fail "round $round: calls neither recorded nor counted lost"
    [ "$recorded" = "$made" ] || fail "round $round: $lost calls lost"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    grep -- '--- warning\|--- error' "$tmp/show" && fail "round $round: a warning or an error"
    expect_regex "$tmp/show" '--- info: libifr\.so!ifr_add: its resolver chose add_fast \(libifr\.so\+0x[0-9a-f]+\): hooked now$'
  done
  echo "$case_name: every call of an IFUNC whose first calls 4 threads race to bind is recorded" ;;
attach-module-in-flux)
  # -p while another thread is in dlclose of the library a hook names (its
  # destructor sleeps 2 s), which the program opens again (at once, or 10 ms
  # later) and calls 3 times: the agent's module list had the library, its
  # lookup waited for the loader's lock and came after the dlclose, and
  # the hook was said "function not found in libplug.so: ... check the
  # name" (when the lookup came before the new load; about every other
  # round), then hooked at that load, or never when that load came before
  # the agent's dlopen hook was in ("never found ... loaded without it", 0
  # calls). Now it is looked for again once the hooks are in, and when
  # still not found, its module being loaded or unloaded is an Info: no
  # warning, the 3 calls recorded, 4 rounds.
  cat > "$tmp/libplug.c" <<C
#include <fcntl.h>
#include <unistd.h>
int plug_fn(int k) { return k + 1; }
__attribute__((destructor)) static void bye(void)
{
  int fd = open("$tmp/closing", O_CREAT | O_WRONLY, 0644); /* the attach comes now */
  if (fd >= 0)
    close(fd);
  sleep(2);
}
C
  cat > "$tmp/flux.c" <<C
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
  void *h = dlopen("$tmp/libplug.so", RTLD_NOW);
  int (*f)(int) = (int (*)(int))dlsym(h, "plug_fn");
  int s = f(1);
  dlclose(h);
  usleep(atoi(argv[1])); /* before it is opened again */
  h = dlopen("$tmp/libplug.so", RTLD_NOW);
  f = (int (*)(int))dlsym(h, "plug_fn");
  sleep(1);
  for (int i = 0; i < 3; i++)
    s += f(i);
  printf("s=%d\n", s);
  return 0;
}
C
  cc -O0 -fPIC -shared -o "$tmp/libplug.so" "$tmp/libplug.c" && cc -O0 -o "$tmp/flux" "$tmp/flux.c" -ldl ||
    fail "cannot build the library and program"
  for gap in ${FLUX_GAPS:-0 10000 0 10000}; do
    rm -f "$tmp/closing"
    "$tmp/flux" $gap >"$tmp/out" &
    tpid=$!
    i=0
    while [ ! -e "$tmp/closing" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    [ -e "$tmp/closing" ] || fail "the program never reached its dlclose"
    "$ospy" capture -q -f 'libplug.so!plug_fn' --duration 6 -p $tpid -o "$tmp/c.ospy" 2>"$tmp/err" ||
      { cat "$tmp/err"; fail "gap $gap: capture -p exited $?"; }
    wait $tpid || fail "gap $gap: the program exited $?"
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
    grep -- '--- warning\|--- error' "$tmp/show" && fail "gap $gap: a warning or an error"
    n=$(grep -c '\] libplug\.so!plug_fn(' "$tmp/show")
    echo "opened again $gap us after the dlclose: $n calls of plug_fn recorded (expected: 3), no warning"
    [ "$n" = 3 ] || { cat "$tmp/show"; fail "gap $gap: $n calls recorded"; }
  done
  echo "attach-module-in-flux: a library another thread unloads and loads again at -p: hooked, not said missing" ;;
show-wide-cut)
  # show -x -s N cuts a wide string's dump at N characters, as its line
  # (it cut at N bytes: "first 4 shown" held one wchar_t of the four shown)
  cat > "$tmp/w.c" <<'X'
#include <wchar.h>
volatile int sink;
__attribute__((noinline)) int wide(const wchar_t *w) { int n = 0; while (w[n]) n++; sink = n; return n; }
int main(void) { return wide(L"abcd\u00e9fgh") == 8 ? 0 : 1; }
X
  cc -g -O0 -o "$tmp/w" "$tmp/w.c" || fail "cc"
  "$ospy" capture -q -f wide -o "$tmp/c.ospy" -- "$tmp/w" 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show -x -s 4 -e wide "$tmp/c.ospy" | sed 's/^[0-9:.]* \[[0-9]*\] //' >"$tmp/show" || fail "show exited $?"
  cat >"$tmp/want" <<'X'
w!wide(w="abcd"...) = 8
    w (in, 32 bytes, first 16 shown):
    0000  61 00 00 00 62 00 00 00  63 00 00 00 64 00 00 00  |a...b...c...d...|
X
  echo "expect:"; cat "$tmp/want"
  diff "$tmp/want" "$tmp/show" || fail "show -x -s 4: the wide string's dump"
  "$ospy" show -x -s 0 -e wide "$tmp/c.ospy" | grep -c '^    00[0-9]0  ' >"$tmp/n"
  [ "$(cat "$tmp/n")" = 2 ] || fail "show -x -s 0: not the whole 32 bytes"
  echo "show-wide-cut: -x -s 4 dumps the four wide characters the line shows" ;;
streams-follow-text)
  # streams --follow's text: printable ASCII, LF and TAB as they are, CR LF
  # as a newline, other control bytes (a lone CR, 0x01, DEL) and bytes past
  # ASCII as '.' (docs/diff-and-streams.md)
  cat > "$tmp/ft.c" <<'C'
#include <unistd.h>
int main(void) { return write(1, "key\tvalue\r\nc\001d\re\177\303\251\n", 19) == 19 ? 0 : 1; }
C
  cc -O1 -o "$tmp/ft" "$tmp/ft.c" || fail "cannot build ft"
  "$ospy" capture -q --preset files -o "$tmp/f.ospy" -- "$tmp/ft" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" streams --follow 1 "$tmp/f.ospy" >"$tmp/follow" || fail "streams --follow exited $?"
  sed -n '/^>>> sent 19 bytes (write)/,/^==> /p' "$tmp/follow" | sed '1d;$d' >"$tmp/text"
  printf 'key\tvalue\nc.d.e...\n' >"$tmp/want"
  echo "expect:"; cat -A "$tmp/want"
  echo "got:"; cat -A "$tmp/text"
  cmp -s "$tmp/want" "$tmp/text" || { cat "$tmp/follow"; fail "streams --follow: the text"; }
  echo "streams-follow-text: TAB and LF kept, CR LF a newline, other control bytes and non-ASCII as '.'" ;;
backtrace-debug-names)
  # a backtrace frame in a function no symbol names (a stripped program,
  # its DWARF in a separate file found by its .gnu_debuglink; libc's and
  # ld.so's local functions with libc6-dbg) is named by the DWARF: it was
  # `bt+0x1149 (bt.c:2)`, the line without the function
  cat > "$tmp/bt.c" <<'C'
#include <unistd.h>
__attribute__((noinline)) static int step(int n) { int r = (int)getpid(); return r + n; }
int main(void) { return step(1) > 0 ? 0 : 1; }
C
  cc -g -O1 -fno-omit-frame-pointer -o "$tmp/bt" "$tmp/bt.c" || fail "cc"
  objcopy --only-keep-debug "$tmp/bt" "$tmp/bt.debug" && strip --strip-unneeded "$tmp/bt" &&
    objcopy --add-gnu-debuglink="$tmp/bt.debug" "$tmp/bt" || fail "cannot split the debug file"
  nm "$tmp/bt" 2>&1 | grep -w step && fail "the stripped program still names step"
  "$ospy" capture -q --backtrace 4 -f getpid -o "$tmp/c.ospy" -- "$tmp/bt" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show --backtrace "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  grep -A3 'getpid(' "$tmp/show"
  expect_regex "$tmp/show" '^    #0 0x[0-9a-f]+ bt!step\+0x[0-9a-f]+ \(bt\.c:2\)$'
  expect_regex "$tmp/show" '^    #1 0x[0-9a-f]+ bt!main\+0x[0-9a-f]+ \(bt\.c:3\)$'
  echo "backtrace-debug-names: step and main, which no symbol names, named from the DWARF" ;;
attach-fork-early)
  # -p -F: a child forked while the agent is in the process but its hooks
  # are not in yet (the control thread puts them in; it is not in the
  # child) had its start recorded, then nothing (no exec, no exit) and no
  # word why (busybox sh's loop, about 1 attach in 3). Now a warning says it
  # is not followed. OSPY_TEST_INSTALL_DELAY_MS holds the hooks back 3 s.
  cat > "$tmp/fe.c" <<'C'
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
__attribute__((noinline)) int tick(int n) { volatile int r = n; return r + 1; }
int main(int argc, char **argv) {
  int i = 0;
  printf("pid=%d\n", getpid()); fflush(stdout);
  while (access(argv[1], F_OK) != 0) { tick(i++); usleep(10000); }
  pid_t c = fork();
  if (c == 0) { tick(-1); printf("child=%d\n", getpid()); fflush(stdout); _exit(0); }
  int st;
  waitpid(c, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st)); fflush(stdout);
  while (access(argv[2], F_OK) != 0) { tick(i++); usleep(10000); }
  return 0;
}
C
  cc -O1 -o "$tmp/fe" "$tmp/fe.c" || fail "cannot build fe.c"
  OSPY_TEST_INSTALL_DELAY_MS=3000 "$tmp/fe" "$tmp/fork" "$tmp/stop" >"$tmp/out" &
  fe=$!
  until grep -q '^pid=' "$tmp/out"; do sleep 0.01; done
  "$ospy" capture -q -F -f tick -p $fe -o "$tmp/c.ospy" 2>"$tmp/err" &
  ctl=$!
  i=0
  until "$ospy" show "$tmp/c.ospy" 2>/dev/null | grep -q '+++ attached to process'; do
    i=$((i + 1)); [ $i -gt 1000 ] && { kill $fe $ctl; fail "the agent never started"; }
    sleep 0.01
  done
  sleep 0.5 # (the agent's fork handler goes in just after its start)
  touch "$tmp/fork"
  until grep -q '^child status' "$tmp/out"; do sleep 0.01; done
  "$ospy" show "$tmp/c.ospy" 2>/dev/null | grep -q 'hooks installed' &&
    { kill $fe $ctl; fail "the hooks went in before the fork: the check proves nothing"; }
  kid=$(sed -n 's/^child=//p' "$tmp/out")
  until "$ospy" show "$tmp/c.ospy" 2>/dev/null | grep -q 'hooks installed'; do sleep 0.05; done
  touch "$tmp/stop"
  wait $fe || fail "fe exited $?"
  wait $ctl || { cat "$tmp/err"; fail "capture exited $?"; }
  "$ospy" show "$tmp/c.ospy" >"$tmp/show" || fail "show exited $?"
  echo "expect: [$kid] +++ process started (parent $fe, ...), then a warning: forked while ospy was still putting its hooks into process $fe (-p): not followed"
  grep "\[$kid\]" "$tmp/show"
  expect_regex "$tmp/show" "\[$kid\] \+\+\+ process started \(parent $fe, 64-bit\)"
  expect_line "$tmp/show" "[$kid] --- warning: agent: forked while ospy was still putting its hooks into process $fe (-p): not followed, its calls, execs and exit are not recorded"
  expect_line "$tmp/err" "forked while ospy was still putting its hooks into process $fe"
  echo "attach-fork-early: a child forked before an attach's hooks went in is said not followed (it had a start, then nothing)" ;;
never-loaded-live)
  # functions never hooked because their module was never loaded are said
  # live, at the end: -f deflate (no module written: the catalogue's
  # libz.so.1) as -f 'libz.so.1!deflate' is, an error naming the function;
  # a preset's, one count line. Both ended with "0 calls recorded" and no
  # word why (ospy show's notes at the start said it)
  "$ospy" capture -q -f deflate -o "$tmp/c.ospy" -- true 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  echo "expect: error: agent: the program ended without loading libz.so.1: its functions were never hooked (deflate)"
  expect_line "$tmp/err" "error: agent: the program ended without loading libz.so.1: its functions were never hooked (deflate)"
  expect_line "$tmp/err" "0 calls recorded, 0 lost, 1 agent error"
  "$ospy" capture --preset zlib -o "$tmp/c.ospy" -- true 2>"$tmp/err" || { cat "$tmp/err"; fail "capture exited $?"; }
  echo "expect: info: agent: N functions of the presets never hooked: libz.so.1 was never loaded"
  expect_regex "$tmp/err" 'info: agent: [0-9]+ functions of the presets never hooked: libz\.so\.1 was never loaded$'
  grep -q 'ended without loading\|--- error' "$tmp/err" && { cat "$tmp/err"; fail "a preset's module never loaded: more than the count"; }
  # a module name is close to a loaded one by its stem (libz for libz.so.1):
  # libz.so.1 was "did you mean libc.so.6?" (two edits away); another
  # version of a loaded library still is
  "$ospy" capture -q -f 'libz.so.1!deflate' -o "$tmp/c.ospy" -- true 2>"$tmp/err"
  echo "expect: no 'did you mean' for libz.so.1 (libc.so.6 is loaded)"
  grep 'did you mean' "$tmp/err" && fail "libz.so.1 taken for a loaded module"
  expect_line "$tmp/err" "the program ended without loading libz.so.1: its functions were never hooked (deflate)"
  echo 'int hint_fn(int x) { return x + 1; }' > "$tmp/hint.c"
  printf '#include <stdio.h>\nint hint_fn(int);\nint main(void) { printf("%%d\\n", hint_fn(1)); return 0; }\n' \
    > "$tmp/hmain.c"
  cc -shared -fPIC -Wl,-soname,libhint.so.1 -o "$tmp/libhint.so.1" "$tmp/hint.c" &&
    ln -s libhint.so.1 "$tmp/libhint.so" &&
    cc -o "$tmp/hmain" "$tmp/hmain.c" -L"$tmp" -lhint -Wl,-rpath,"$tmp" || fail "cannot build the target"
  "$ospy" capture -q -f 'libhint.so.2!hint_fn' -o "$tmp/c.ospy" -- "$tmp/hmain" >"$tmp/out" 2>"$tmp/err"
  echo "expect: error: agent: the program ended without loading libhint.so.2 (did you mean libhint.so.1? it was loaded): ..."
  expect_line "$tmp/err" "the program ended without loading libhint.so.2 (did you mean libhint.so.1? it was loaded): its functions were never hooked (hint_fn)"
  echo "never-loaded-live: -f deflate's module never loaded is an error naming it, a preset's a count line; libz.so.1 not taken for libc.so.6" ;;
attach-poll|attach-poll-i386)
  # -p to a single-threaded program asleep in poll(fds, 1, -1) on a pipe,
  # with poll hooked (-f poll, then --preset net): the program must sleep on
  # through the attach and the detach and get its data afterwards (it was
  # signalled to install the hook, though poll's `syscall` is past the 5
  # bytes the jump covers, and the kernel ended poll with EINTR: nc -l died)
  case_bits
  cat > "$tmp/ap.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDWR); /* (a FIFO: no wait for a writer) */
  if (fd < 0) { perror("open"); return 2; }
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  struct pollfd p = { fd, POLLIN, 0 };
  int r = poll(&p, 1, -1);
  if (r < 0) { printf("poll=-1 errno=%s\n", strerror(errno)); return 1; }
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = '\0';
  printf("poll=%d revents=0x%x read=%s", r, (unsigned)p.revents, buf);
  return 0;
}
C
  cc -m$m -O1 -o "$tmp/ap" "$tmp/ap.c" || fail "cannot build ap.c"
  mkfifo "$tmp/fifo" || fail "mkfifo"
  "$tmp/ap" "$tmp/fifo" >"$tmp/out" 2>&1 &
  ap=$!
  i=0 # (asleep: state S in a system call; poll is the only one that waits)
  until grep -q '^pid=' "$tmp/out" && [ "$(sed 's/.*) //; s/ .*//' /proc/$ap/stat)" = S ] &&
    grep -q '^[0-9]' /proc/$ap/syscall; do
    i=$((i + 1)); [ $i -gt 500 ] && { kill $ap; fail "ap did not start: $(cat "$tmp/out")"; }
    sleep 0.01
  done
  echo "expect: ap asleep in poll (system call $(cut -d' ' -f1 /proc/$ap/syscall)) through 2 attaches and detaches, then poll=1 revents=0x1 read=data, exit 0"
  for how in "-f poll" "--preset net"; do
    # shellcheck disable=SC2086 # (two words each)
    "$ospy" capture -q $how -p $ap --duration 0.5 -o "$tmp/c.ospy" 2>"$tmp/err"
    rc=$?
    [ $rc = 0 ] || { kill $ap 2>/dev/null; cat "$tmp/err" "$tmp/out"; fail "attach ($how) exited $rc"; }
    "$ospy" show "$tmp/c.ospy" >"$tmp/show" || { kill $ap; fail "show exited $?"; }
    grep -q 'hooks installed' "$tmp/show" || { kill $ap; cat "$tmp/show"; fail "attach ($how): no 'hooks installed'"; }
    grep -- '--- error\|cannot hook.*poll' "$tmp/show" && { kill $ap; fail "attach ($how): poll not hooked"; }
    kill -0 $ap 2>/dev/null || { cat "$tmp/out"; fail "attach ($how): ap ended: $(tail -1 "$tmp/out")"; }
    echo "attach ($how): ap still asleep (system call $(cut -d' ' -f1 /proc/$ap/syscall))"
  done
  echo data >"$tmp/fifo"
  wait $ap
  rc=$?
  tail -1 "$tmp/out"; echo
  [ $rc = 0 ] && [ "$(tail -1 "$tmp/out")" = "poll=1 revents=0x1 read=data" ] ||
    fail "ap exited $rc: $(tail -1 "$tmp/out")"
  # a system call instruction inside the bytes the jump covers (sc: three
  # nops, then syscall or int $0x80 at +3, returning to +5, just past them):
  # that thread is stopped and moved to the trampoline's copy, or a restart
  # of its read (a SIGUSR1 with SA_RESTART while hooked) would go back 2
  # bytes into the jump
  cat > "$tmp/sc.c" <<'C'
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __x86_64__
#define SC_INSN "syscall"
#else
#define SC_INSN "int $0x80"
#endif
__asm__(".text\n.globl sc\n.type sc,@function\nsc:\n nop\n nop\n nop\n " SC_INSN "\n ret\n.size sc,.-sc\n");
static volatile sig_atomic_t usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }
static long sc_read(int fd, char *buf, long n) {
  long r;
#ifdef __x86_64__
  __asm__ volatile("call sc" : "=a"(r) : "a"(0L), "D"((long)fd), "S"(buf), "d"(n) : "rcx", "r11", "memory");
#else
  __asm__ volatile("call sc" : "=a"(r) : "a"(3L), "b"(fd), "c"(buf), "d"(n) : "memory");
#endif
  return r;
}
int main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  int fd = open(argv[1], O_RDWR);
  if (fd < 0) { perror("open"); return 2; }
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  char buf[64];
  long n = sc_read(fd, buf, sizeof buf - 1);
  buf[n > 0 ? n - 1 : 0] = '\0'; /* (without its newline) */
  printf("read=%ld %s usr1=%d\n", n, buf, (int)usr1);
  return n == 5 ? 0 : 1;
}
C
  cc -m$m -O1 -mno-red-zone -o "$tmp/sc" "$tmp/sc.c" 2>/dev/null || cc -m$m -O1 -o "$tmp/sc" "$tmp/sc.c" ||
    fail "cannot build sc.c"
  rm -f "$tmp/fifo" && mkfifo "$tmp/fifo" || fail "mkfifo"
  "$tmp/sc" "$tmp/fifo" >"$tmp/out" 2>&1 &
  sp=$!
  i=0
  until grep -q '^pid=' "$tmp/out" && [ "$(sed 's/.*) //; s/ .*//' /proc/$sp/stat)" = S ]; do
    i=$((i + 1)); [ $i -gt 500 ] && { kill $sp; fail "sc did not start: $(cat "$tmp/out")"; }
    sleep 0.01
  done
  echo "expect: sc asleep in read (its system call instruction at sc+3, in the jump's 5 bytes); a SIGUSR1 while hooked restarts it; then read=5 data usr1=1, exit 0"
  "$ospy" capture -q -f sc -p $sp --duration 1.5 -o "$tmp/sc.ospy" 2>"$tmp/err" &
  ctl=$!
  i=0
  until "$ospy" show "$tmp/sc.ospy" 2>/dev/null | grep -q 'hooks installed'; do
    i=$((i + 1)); [ $i -gt 1000 ] && { kill $sp; cat "$tmp/err"; fail "sc: the hook never went in"; }
    sleep 0.01
  done
  "$ospy" show "$tmp/sc.ospy" 2>/dev/null | grep -- '--- error\|cannot hook' && { kill $sp; fail "sc not hooked"; }
  kill -USR1 $sp
  wait $ctl
  rc=$?
  [ $rc = 0 ] || { kill $sp 2>/dev/null; cat "$tmp/err" "$tmp/out"; fail "attach (-f sc) exited $rc"; }
  echo data >"$tmp/fifo"
  wait $sp
  rc=$?
  tail -1 "$tmp/out"
  [ $rc = 0 ] && [ "$(tail -1 "$tmp/out")" = "read=5 data usr1=1" ] ||
    fail "sc exited $rc: $(cat "$tmp/out")"
  echo "$case_name: a program asleep in poll with poll hooked sleeps through -p attaches and detaches, then gets its data (no EINTR); one asleep in a system call inside the patched bytes restarts it in ospy's copy" ;;
*) fail "unknown case $case_name" ;;
esac
