#!/bin/sh
# ospy diff on real captures: two runs of a deterministic program are
# equivalent; a run that makes one more call differs by that call.
#   check_diff_e2e.sh OSPY TARGET WORKDIR     (TARGET N exit 0 writes N bytes, one call each)
set -u
ospy=$1 target=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
cap() { # cap OUT N
  "$ospy" capture -q --preset files -o "$1" -- "$target" "$2" exit 0 >/dev/null 2>"$dir/cap.err" ||
    { cat "$dir/cap.err"; fail "capture of '$target $2' exited $?"; }
}
cap "$dir/a.ospy" 5
cap "$dir/b.ospy" 5
cap "$dir/c.ospy" 6
"$ospy" diff "$dir/a.ospy" "$dir/b.ospy" >"$dir/ab.out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$dir/ab.out"; fail "two runs of the same program: exit $rc"; }
echo "two runs of '$target 5': equivalent"
"$ospy" diff "$dir/a.ospy" "$dir/c.ospy" >"$dir/ac.out" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$dir/ac.out"; fail "one more call: exit $rc"; }
grep -qF '+ libc.so.6::write(fd=1, buf="x", count=1) = 1' "$dir/ac.out" ||
  { cat "$dir/ac.out"; fail "the extra write is not named"; }
[ "$(grep -c '^[-+~] ' "$dir/ac.out")" = 1 ] || { cat "$dir/ac.out"; fail "expected one difference"; }
echo "'$target 5' vs '$target 6': the extra write(fd=1, ...) is named"
# the same calls, but the program ends differently: not equivalent
"$ospy" capture -q --preset files -o "$dir/d.ospy" -- "$target" 5 exit 9 >/dev/null 2>"$dir/cap.err"
[ $? = 9 ] || { cat "$dir/cap.err"; fail "capture of '$target 5 exit 9' did not pass 9 through"; }
"$ospy" diff "$dir/a.ospy" "$dir/d.ospy" >"$dir/ad.out" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$dir/ad.out"; fail "a different exit status: exit $rc"; }
grep -qx -- '- exited with status 0' "$dir/ad.out" && grep -qx -- '+ exited with status 9' "$dir/ad.out" ||
  { cat "$dir/ad.out"; fail "the different end is not shown"; }
echo "'$target 5 exit 0' vs 'exit 9': the end differs"
# readv fills only what it returns: the rest of its buffers (here the pid,
# different in every run) is not part of the call, and two runs compare equal
cat > "$dir/rv.c" <<'C'
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
  (void)argv;
  char a[8], b[64];
  snprintf(b, sizeof b, "pid %d pid %d pid %d pid %d", getpid(), getpid(), getpid(), getpid());
  int p[2];
  if (pipe(p) < 0 || write(p[1], "hello world!", 12) != 12)
    return 2;
  struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };
  if (readv(p[0], iov, 2) != 12)
    return 1;
  if (argc < 2)
    return 0;
  /* recvmsg: the cap is the iovecs' data, not msg_name */
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t sl = sizeof sa;
  if (bind(u, (struct sockaddr *)&sa, sizeof sa) < 0 || getsockname(u, (struct sockaddr *)&sa, &sl) < 0 ||
      sendto(u, "HELLO", 5, 0, (struct sockaddr *)&sa, sizeof sa) != 5)
    return 3;
  struct sockaddr_in from;
  struct iovec riov[2] = { { a, 3 }, { b, 10 } };
  struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = riov, .msg_iovlen = 2 };
  return recvmsg(u, &m, 0) == 5 ? 0 : 4;
}
C
sed -i 's|#include <stdio.h>|#include <arpa/inet.h>\n#include <netinet/in.h>\n#include <stdio.h>\n#include <sys/socket.h>|' "$dir/rv.c"
cc -O1 -o "$dir/rv" "$dir/rv.c" || fail "cannot build rv"
for s in 1 2; do
  "$ospy" capture -q --preset files --preset net -o "$dir/rv$s.ospy" -- "$dir/rv" >/dev/null 2>&1 || fail "capture of rv"
done
"$ospy" show "$dir/rv1.ospy" | grep -qF 'readv(fd=3<pipe:[read]>, iov=[{iov_base="hello wo", iov_len=8}, {iov_base="rld!"...(4 of 64 bytes), iov_len=64}], iovcnt=2) = 12' ||
  { "$ospy" show "$dir/rv1.ospy" | grep readv; fail "readv's buffers are not cut at what it returned"; }
"$ospy" capture -q --preset files --preset net -o "$dir/rvu.ospy" -- "$dir/rv" udp >/dev/null 2>&1 ||
  fail "capture of rv udp"
"$ospy" show "$dir/rvu.ospy" | grep -q 'recvmsg(.*msg_name={AF_INET, 127.0.0.1:[0-9]*}.*msg_iov=\[{iov_base="HEL", iov_len=3}, {iov_base="LO"\.\.\.(2 of 10 bytes), iov_len=10}\].* = 5$' ||
  { "$ospy" show "$dir/rvu.ospy" | grep recvmsg; fail "recvmsg: the cap must apply to the iovecs only"; }
"$ospy" diff "$dir/rv1.ospy" "$dir/rv2.ospy" >"$dir/rv.out" 2>&1 ||
  { cat "$dir/rv.out"; fail "two runs of a readv program differ"; }
echo "readv: only the bytes it returned are recorded and compared"
# a va_list's word (the export keeps it in its place) is an address, a new
# one every run: two runs compare equal
cat > "$dir/vl.c" <<'C'
#include <stdarg.h>
volatile int sink;
__attribute__((noinline)) void logv(const char *fmt, va_list ap, int level) { sink = level + va_arg(ap, int); }
__attribute__((noinline)) void logf_(int level, const char *fmt, ...)
{ va_list ap; va_start(ap, fmt); logv(fmt, ap, level); va_end(ap); }
int main(void) { logf_(7, "x=%d", 5); return 0; }
C
cat > "$dir/vl.xml" <<'X'
<hookManager><specs><functions><function name="logv"><arguments>
<argument name="fmt" direction="in" type="AsciiFormatStringPtr" vaList="arg.ap"/>
<argument name="ap" direction="in" type="VaList"/><argument name="level" direction="in" type="Int32"/>
</arguments></function></functions></specs><hooks><module name="vl"><function specId="logv"/></module></hooks></hookManager>
X
cc -O1 -o "$dir/vl" "$dir/vl.c" || fail "cannot build vl"
for s in 1 2; do
  "$ospy" capture -q -c "$dir/vl.xml" -o "$dir/vl$s.ospy" -- "$dir/vl" >/dev/null 2>&1 || fail "capture of vl"
done
"$ospy" diff "$dir/vl1.ospy" "$dir/vl2.ospy" >"$dir/vl.out" 2>&1 ||
  { cat "$dir/vl.out"; fail "two runs of a program handing a va_list differ"; }
echo "a va_list's address: runs compare equal"
# a pointer to a structure of the config (exported as its PtPtr, as oSpy
# named it) compares by what it points to, not by its address (a stack
# address, a new one every run)
cat > "$dir/pt.c" <<'C'
struct pt { int x, y; };
__attribute__((noinline)) int area(const struct pt *p) { return p->x * p->y; }
int main(void) { struct pt p = { 3, 4 }; return area(&p) == 12 ? 0 : 1; }
C
cat > "$dir/pt.xml" <<'X'
<hookManager><types><structure name="Pt"><field name="x" offset="0" type="Int32"/>
<field name="y" offset="4" type="Int32"/></structure></types><specs><functions>
<function name="area"><returnValue type="Int32"/><arguments><argument name="p" type="PtPtr"/></arguments></function>
</functions></specs><hooks><module name="pt"><function specId="area"/></module></hooks></hookManager>
X
cc -O1 -o "$dir/pt" "$dir/pt.c" || fail "cannot build pt"
for s in 1 2; do
  "$ospy" capture -q -c "$dir/pt.xml" -o "$dir/pt$s.ospy" -- "$dir/pt" >/dev/null 2>&1 || fail "capture of pt"
done
"$ospy" diff "$dir/pt1.ospy" "$dir/pt2.ospy" >"$dir/pt.out" 2>&1 ||
  { cat "$dir/pt.out"; fail "two runs of a program passing a structure's address differ"; }
echo "a pointer to a structure: runs compare equal"
# an enumeration's value that is none of its members is written as show
# writes it, in decimal (docs/diff-and-streams.md): it was in hex (e=0x62,
# e: 0x63 -> 0x62) where show wrote e=98
cat > "$dir/en.c" <<'C'
#include <stdlib.h>
enum color { RED = 1, GREEN = 2 };
__attribute__((noinline)) int paint(enum color e) { volatile int v = (int)e; return v > 0; }
int main(int argc, char **argv) { return argc > 1 && paint((enum color)atoi(argv[1])) ? 0 : 1; }
C
cat > "$dir/en.xml" <<'X'
<hookManager><types><enumeration name="Color"><member name="RED" value="1"/><member name="GREEN" value="2"/></enumeration></types>
<specs><functions><function name="paint"><returnValue type="Int32"/><arguments><argument name="e" type="Color"/></arguments></function>
</functions></specs><hooks><module name="en"><function specId="paint"/></module></hooks></hookManager>
X
cc -O0 -o "$dir/en" "$dir/en.c" || fail "cannot build en"
for v in 99 98; do
  "$ospy" capture -q -c "$dir/en.xml" -o "$dir/en$v.ospy" -- "$dir/en" $v >/dev/null 2>&1 || fail "capture of en $v"
done
"$ospy" show "$dir/en98.ospy" | grep -q 'en!paint(e=98) = 1$' ||
  { "$ospy" show "$dir/en98.ospy"; fail "show: paint(e=98)"; }
"$ospy" diff "$dir/en99.ospy" "$dir/en98.ospy" >"$dir/en.out" 2>&1
[ $? = 1 ] || { cat "$dir/en.out"; fail "a different enumeration value: not a difference"; }
grep -qxF '~ en::paint(e=98) = 1' "$dir/en.out" && grep -qxF '    e: 99 -> 98' "$dir/en.out" ||
  { cat "$dir/en.out"; fail "the enumeration's values are not written as show writes them"; }
echo "an enumeration's value none of its members: '~ en::paint(e=98) = 1', 'e: 99 -> 98', as show writes them"
# threads are paired by creation order: threads that make their first call in
# a different order in each run (random delays) still compare equal
cat > "$dir/mt.c" <<'C'
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static void *worker(void *arg)
{
  long i = (long)arg;
  struct timespec ts = { 0, (rand() % 20) * 1000000L };
  nanosleep(&ts, NULL);
  for (int k = 0; k < 50; k++)
    if (write(-1, "abcdefgh", (size_t)i + 1) != -1)
      return (void *)1;
  return NULL;
}
int main(void)
{
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  pthread_t t[6];
  for (long i = 0; i < 6; i++)
    pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < 6; i++)
    pthread_join(t[i], NULL);
  return 0;
}
C
cc -O1 -pthread -o "$dir/mt" "$dir/mt.c" || fail "cannot build mt"
for s in 1 2 3; do
  "$ospy" capture -q -f write -o "$dir/mt$s.ospy" -- "$dir/mt" >/dev/null 2>&1 || fail "capture of mt"
done
for s in 2 3; do
  "$ospy" diff "$dir/mt1.ospy" "$dir/mt$s.ospy" >"$dir/mt.out" 2>&1 ||
    { tail -3 "$dir/mt.out"; fail "two runs of a multi-threaded program differ"; }
done
echo "6 threads starting in random order: runs compare equal"
# a program that execs, followed with -F: the environment it passes on holds
# ospy's own OSPY_RING_FD and LD_PRELOAD entries (a new ring and agent
# directory every run); they are not the program's and two runs compare equal.
# A variable that differs is shown alone, not the whole environment.
cat > "$dir/ex.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void)
{
  FILE *f = fopen("/etc/hostname", "r");
  char b[64];
  if (f && fgets(b, sizeof b, f))
    fclose(f);
  execlp("true", "true", (char *)0);
  return 1;
}
C
cc -O1 -o "$dir/ex" "$dir/ex.c" || fail "cannot build ex"
pad=$(printf '%0100d' 0)
libm=$(cc -print-file-name=libm.so.6) # a preload of the program's own: kept beside the agent's
for s in 1 2 3; do
  env -i PATH="$PATH" PAD="$pad" FOO=$((s / 3)) LD_PRELOAD="$libm" "$ospy" capture -q -F --preset files --preset proc \
    -o "$dir/ex$s.ospy" -- "$dir/ex" >/dev/null 2>&1 || fail "capture of ex"
done
"$ospy" diff "$dir/ex1.ospy" "$dir/ex2.ospy" >"$dir/ex.out" 2>&1 ||
  { cat "$dir/ex.out"; fail "two -F runs of a program that execs differ (ospy's own environment?)"; }
"$ospy" diff "$dir/ex1.ospy" "$dir/ex3.ospy" >"$dir/ex3.out" 2>&1
[ $? = 1 ] || { cat "$dir/ex3.out"; fail "a different environment variable: not a difference"; }
grep -qx '    envp\[2\]: "FOO=0" -> "FOO=1"' "$dir/ex3.out" ||
  { cat "$dir/ex3.out"; fail "the variable that differs is not shown alone"; }
grep -q "envp=&\[4 elements\]" "$dir/ex3.out" && ! grep -q "PAD=" "$dir/ex3.out" ||
  { cat "$dir/ex3.out"; fail "the whole environment was printed for one variable"; }
echo "-F runs of a program that execs: ospy's environment ignored, one variable shown alone"
# process ids and thread handles are run-time ids: fork's pid (ProcessId),
# pthread_create's pthread_t and posix_memalign's memory (pointers written
# back, PointerPtr: it was a hex SizePtr, compared as a number) differ every
# run and are not compared
cat > "$dir/fk.c" <<'C'
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void *worker(void *arg) { return arg; }
int main(void)
{
  pthread_t t;
  void *m;
  if (posix_memalign(&m, 64, 100000) == 0)
    free(m);
  pthread_create(&t, 0, worker, 0);
  pthread_join(t, 0);
  pid_t p = fork();
  if (p == 0)
    _exit(0);
  waitpid(p, 0, 0);
  return 0;
}
C
cc -O1 -pthread -o "$dir/fk" "$dir/fk.c" || fail "cannot build fk"
for s in 1 2; do
  "$ospy" capture -q --preset proc -f posix_memalign -o "$dir/fk$s.ospy" -- "$dir/fk" >/dev/null 2>&1 || fail "capture of fk"
done
"$ospy" show "$dir/fk1.ospy" | grep -q 'fork() = [1-9][0-9]*$' || { "$ospy" show "$dir/fk1.ospy"; fail "fork's pid is not shown"; }
"$ospy" show "$dir/fk1.ospy" | grep -q 'posix_memalign(memptr=\[0x[0-9a-f]*\], alignment=64, size=100000) = 0$' ||
  { "$ospy" show "$dir/fk1.ospy"; fail "posix_memalign's pointer is not shown"; }
"$ospy" diff "$dir/fk1.ospy" "$dir/fk2.ospy" >"$dir/fk.out" 2>&1 ||
  { cat "$dir/fk.out"; fail "two runs differ by fork's pid, pthread_create's thread or posix_memalign's memory"; }
echo "fork's pid, pthread_create's thread and posix_memalign's memory: not compared"
# values written as show writes them (its formatter): a format string with
# the values it consumed (compared: a changed value is a changed call), wide
# strings quoted, a string that ran into unreadable memory with what was read
# (-O0: the functions are long enough to hook)
cat > "$dir/fw.c" <<'C'
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <uchar.h>
#include <unistd.h>
#include <wchar.h>
__attribute__((noinline, used)) int logf_(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  return r;
}
__attribute__((noinline, used)) int wide(const wchar_t *w) { return (int)wcslen(w); }
__attribute__((noinline, used)) int u16(const char16_t *u) { return u[0]; }
__attribute__((noinline, used)) int str(const char *s) { return s[0]; }
__attribute__((noinline, used)) int hx(const char *b, int n) { return b[0] + n; }
int main(int argc, char **argv)
{
  (void)argv;
  int b = argc > 1;
  logf_("user=%s id=%d %c", b ? "carol" : "alice", 7, '\'');
  wide(b ? L"\u2713ok" : L"");
  u16(b ? u"b\U0001F600" : u"a\U0001F600");
  long pg = sysconf(_SC_PAGESIZE);
  char *p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || munmap(p + pg, (size_t)pg) < 0)
    return 1;
  memcpy(p + pg - 3, b ? "yyy" : "xxx", 3); /* no NUL before the unmapped page */
  hx(p + pg - 3, 5);
  return str(p + pg - 3) == 0;
}
C
cat > "$dir/fw.xml" <<'X'
<hookManager><specs><functions>
<function name="logf_"><returnValue type="Int32"/><arguments><argument name="fmt" type="AsciiFormatStringPtr"/></arguments></function>
<function name="wide"><returnValue type="Int32"/><arguments><argument name="w" type="WideStringPtr"/></arguments></function>
<function name="u16"><returnValue type="Int32"/><arguments><argument name="u" type="UnicodeStringPtr"/></arguments></function>
<function name="str"><returnValue type="Int32"/><arguments><argument name="s" type="AsciiStringPtr"/></arguments></function>
<function name="hx"><returnValue type="Int32"/><arguments><argument name="b" type="ByteArrayPtr" size="arg.n" hex="true"/><argument name="n" type="Int32"/></arguments></function>
</functions></specs><hooks><module name="fw"><function specId="logf_"/><function specId="wide"/>
<function specId="u16"/><function specId="str"/><function specId="hx"/></module></hooks></hookManager>
X
cc -O0 -o "$dir/fw" "$dir/fw.c" || fail "cannot build fw"
"$ospy" capture -q -c "$dir/fw.xml" -o "$dir/fwa.ospy" -- "$dir/fw" >/dev/null 2>&1 || fail "capture of fw"
"$ospy" capture -q -c "$dir/fw.xml" -o "$dir/fwb.ospy" -- "$dir/fw" b >/dev/null 2>&1 || fail "capture of fw b"
"$ospy" diff "$dir/fwa.ospy" "$dir/fwb.ospy" >"$dir/fw.out" 2>&1
[ $? = 1 ] || { cat "$dir/fw.out"; fail "runs with other format values, strings: not different"; }
for line in \
  "~ fw::logf_(fmt=\"user=%s id=%d %c\"(\"carol\", 7, '\\x27')) = 17" \
  "    fmt: \"user=%s id=%d %c\"(\"alice\", 7, '\\x27') -> \"user=%s id=%d %c\"(\"carol\", 7, '\\x27')" \
  '    w: "" -> "✓ok"' \
  '    u: "a😀" -> "b😀"' \
  '    s: "xxx"<unreadable after 3 bytes> -> "yyy"<unreadable after 3 bytes>' \
  '    b: <78 78 78><unreadable after 3 bytes>(3 of 5 bytes) -> <79 79 79><unreadable after 3 bytes>(3 of 5 bytes)'; do
  grep -qxF -- "$line" "$dir/fw.out" || { cat "$dir/fw.out"; fail "not in the diff: $line"; }
done
"$ospy" show "$dir/fwa.ospy" | grep -qF "(fmt=\"user=%s id=%d %c\"(\"alice\", 7, '\\x27')) = 17" ||
  { "$ospy" show "$dir/fwa.ospy"; fail "show writes the format otherwise than diff"; }
echo "format strings compared with their values; strings and hex buffers written as show writes them"
# a program that forks children that exec, followed with -F: the children
# start in a different order in each run (FK_ORDER: delays), and are paired
# by their place in the process tree (fork order), not by that of their
# first calls (each child writes its index: paired otherwise, every call differed)
cat > "$dir/fo.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static void say(const char *what, int i)
{
  char b[32];
  int n = snprintf(b, sizeof b, "%s%d\n", what, i);
  for (int k = 0; k < 3; k++)
    if (write(2, b, (size_t)n) != n)
      _exit(1);
}
int main(int argc, char **argv)
{
  if (argc == 3) { /* the child, exec'd: "fo exec I" */
    say("EXEC", atoi(argv[2]));
    return 3;
  }
  const char *order = getenv("FK_ORDER");
  int reverse = order && !strcmp(order, "reverse");
  for (int i = 0; i < 5; i++)
    if (fork() == 0) {
      usleep((useconds_t)(reverse ? 4 - i : i) * 30000);
      const char *odd = getenv("FK_ODD");
      say(odd && atoi(odd) == i ? "ODD" : "CHILD", i);
      char a[16];
      snprintf(a, sizeof a, "%d", i);
      execl(argv[0], "fo", "exec", a, (char *)0);
      _exit(127);
    }
  say("PARENT", 0);
  int st, bad = 0;
  while (wait(&st) > 0)
    bad += !WIFEXITED(st) || WEXITSTATUS(st) != 3;
  return bad;
}
C
cc -O1 -o "$dir/fo" "$dir/fo.c" || fail "cannot build fo"
for o in forward reverse; do
  FK_ORDER=$o "$ospy" capture -q -F -f write -o "$dir/fo_$o.ospy" -- "$dir/fo" >/dev/null 2>&1 ||
    fail "capture of fo ($o)"
done
"$ospy" show "$dir/fo_reverse.ospy" | grep -F 'buf="CHILD' | head -1 | grep -qF 'buf="CHILD4\n"' ||
  { "$ospy" show "$dir/fo_reverse.ospy" | grep CHILD | head -3; fail "the children did not start in reverse order"; }
"$ospy" diff "$dir/fo_forward.ospy" "$dir/fo_reverse.ospy" >"$dir/fo.out" 2>&1 ||
  { head -20 "$dir/fo.out"; tail -1 "$dir/fo.out"; fail "two runs of a forking program differ"; }
grep -qF "equivalent (33 calls)" "$dir/fo.out" || { cat "$dir/fo.out"; fail "not all calls compared"; }
echo "5 children started in the other order, each exec'd: paired by fork order, runs compare equal"
# the 4th child forked writes otherwise: its 3 calls, named by its place
FK_ORDER=reverse FK_ODD=3 "$ospy" capture -q -F -f write -o "$dir/fo_odd.ospy" -- "$dir/fo" >/dev/null 2>&1 ||
  fail "capture of fo (FK_ODD)"
"$ospy" diff "$dir/fo_forward.ospy" "$dir/fo_odd.ospy" >"$dir/fodd.out" 2>&1
[ $? = 1 ] || { cat "$dir/fodd.out"; fail "a child that writes otherwise: not different"; }
grep -qxF '@@ fo (process 1.4), thread 1: call 1 in A, 1 in B @@' "$dir/fodd.out" &&
  grep -qxF '    buf: "CHILD3\n" -> "ODD3\n"' "$dir/fodd.out" &&
  [ "$(grep -c '^[-+~] ' "$dir/fodd.out")" = 3 ] || { cat "$dir/fodd.out"; fail "the 4th child's 3 writes are not the difference"; }
echo "the 4th child writes otherwise: its 3 calls, in 'fo (process 1.4)'"
# a value its definition marks octal="true" (open's mode) is written as show
# writes it, in the call and in the change (diff wrote mode=420, 420 -> 384);
# an open without O_CREAT records no mode and shows none
cat > "$dir/md.c" <<'C'
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
  (void)argv;
  int fd = open("md.out", O_WRONLY | O_CREAT | O_TRUNC, argc > 1 ? 0600 : 0644);
  close(fd);
  close(open("md.out", O_RDONLY));
  return 0;
}
C
cc -O1 -o "$dir/md" "$dir/md.c" || fail "cannot build md"
(cd "$dir" && "$ospy" capture -q --preset files -o md1.ospy -- ./md && "$ospy" capture -q --preset files -o md2.ospy -- ./md x) ||
  fail "capture of md"
"$ospy" diff "$dir/md1.ospy" "$dir/md2.ospy" >"$dir/md.out" 2>&1
[ $? = 1 ] || { cat "$dir/md.out"; fail "another mode: not a difference"; }
cat "$dir/md.out"
grep -qxF '~ libc.so.6::open(pathname="md.out", flags=O_WRONLY|O_CREAT|O_TRUNC, mode=0600) = 3' "$dir/md.out" &&
  grep -qxF '    mode: 0644 -> 0600' "$dir/md.out" &&
  [ "$(grep -c '^[-+~] ' "$dir/md.out")" = 1 ] || fail "the mode is not shown in octal, or not the one difference"
echo "open's mode differs: shown in octal, as show writes it"
# arguments not recorded at all (a logCondition that did not hold: open's
# mode without O_CREAT, accept's computed helper addrcap) are left out, as
# show leaves them out (diff wrote mode=? and addrcap=?, and `?` says a read
# faulted); the accepted peer's port differs from run to run
cat > "$dir/nr.c" <<'C'
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, p;
  socklen_t l = sizeof a, pl = sizeof p;
  close(open(argc > 1 ? argv[1] : "/dev/null", O_RDONLY));
  int ls = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) || getsockname(ls, (struct sockaddr *)&a, &l) ||
      connect(c, (struct sockaddr *)&a, sizeof a))
    return 1;
  return accept(ls, (struct sockaddr *)&p, &pl) < 0;
}
C
cc -O1 -o "$dir/nr" "$dir/nr.c" || fail "cannot build nr"
"$ospy" capture -q --preset files,net -o "$dir/nr1.ospy" -- "$dir/nr" >/dev/null 2>&1 &&
  "$ospy" capture -q --preset files,net -o "$dir/nr2.ospy" -- "$dir/nr" /dev/zero >/dev/null 2>&1 || fail "capture of nr"
"$ospy" diff "$dir/nr1.ospy" "$dir/nr2.ospy" >"$dir/nr.out" 2>&1
[ $? = 1 ] || { cat "$dir/nr.out"; fail "another path and peer port: not a difference"; }
grep -E '^~ .*!?(open|accept)' "$dir/nr.out"
grep -qxF '~ libc.so.6::open(pathname="/dev/zero", flags=O_RDONLY) = 3' "$dir/nr.out" &&
  grep -qE '^~ libc\.so\.6::accept\(sockfd=3, addr=ptr, addrlen=&16, addr=>\{AF_INET, 127\.0\.0\.1:[0-9]+\}, addrlen=>&16\) = 5$' "$dir/nr.out" &&
  ! grep -qF '=?' "$dir/nr.out" || { cat "$dir/nr.out"; fail "an argument not recorded is shown (as ?)"; }
echo "open's mode without O_CREAT and accept's addrcap, not recorded: left out, as show does"
