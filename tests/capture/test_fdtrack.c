/* The controller's descriptor names (capture/fdtrack.h) with records drained
 * out of order, as threads make them: a record is written when its call
 * returns, so thread A's close(3), done in the kernel before thread B's open
 * returned 3, can be drained after B's open. Each record goes through the
 * tracker (before, the record, after) and is shown as `ospy show` shows it,
 * from the FdName records the tracker wrote; the lines are compared with
 * what each call really referred to. A forked child starts with its
 * parent's names as of the fork, whatever the parent did after it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "capture/fdtrack.h"
#include "capture/format.h"
#include "config/config.h"
#include "plan/values_format.h"
#include "check.h"

static const char config_xml[] =
  "<hookManager><specs><functions>"
  "<function name=\"open\"><returnValue type=\"FileDescriptor\"/><arguments>"
  "<argument name=\"pathname\" direction=\"in\" type=\"AsciiStringPtr\"/>"
  "<argument name=\"flags\" direction=\"in\" type=\"Int32\"/></arguments></function>"
  "<function name=\"write\"><returnValue type=\"Int64\"/><arguments>"
  "<argument name=\"fd\" direction=\"in\" type=\"FileDescriptor\"/>"
  "<argument name=\"count\" direction=\"in\" type=\"UInt64\"/></arguments></function>"
  "<function name=\"close\"><returnValue type=\"Int32\"/><arguments>"
  "<argument name=\"fd\" direction=\"in\" type=\"FileDescriptor\"/></arguments></function>"
  "<function name=\"socket\"><returnValue type=\"FileDescriptor\"/><arguments>"
  "<argument name=\"domain\" direction=\"in\" type=\"Int32\"/>"
  "<argument name=\"type\" direction=\"in\" type=\"Int32\"/>"
  "<argument name=\"protocol\" direction=\"in\" type=\"Int32\"/></arguments></function>"
  "<function name=\"wait_any\"><returnValue type=\"Int32\"/><arguments>"
  "<argument name=\"fds\" direction=\"in\" type=\"ArrayPtr\" elementType=\"FileDescriptor\" "
  "elementCount=\"2\"/></arguments></function>"
  "</functions></specs>"
  "<hooks><dllModule name=\"libc.so.6\"><function specId=\"open\"/><function specId=\"write\"/>"
  "<function specId=\"close\"/><function specId=\"socket\"/><function specId=\"wait_any\"/>"
  "</dllModule></hooks>"
  "</hookManager>";
enum { HOOK_OPEN, HOOK_WRITE, HOOK_CLOSE, HOOK_SOCKET, HOOK_WAIT_ANY };

#define PID 100u
#define THREAD_A 101u
#define THREAD_B 102u
#define THREAD_C 103u
#define THREAD_D 104u
#define CHILD 4194399u /* (above any pid_max: no /proc entry of the machine's) */

static ospy_plan *plan;
static ospy_spec_table *specs;
static ospy_fdtrack tracker;
static ospy_fdnames shown_names; /* the reader's, fed by the FdName records */
static ospy_format_opts show_opts;
static char lines[64][160];
static unsigned nlines;
static int times_apart; /* records carry no usable wall time: the agent's clock is passed */
static uint32_t pid_now = PID; /* the process whose records are made */

static void load_plan(void)
{
  ospy_config *cfg = NULL;
  ospy_diag diag;
  ospy_diag_init(&diag);
  if (ospy_config_load_buffer("fdtrack.xml", config_xml, sizeof config_xml - 1, 64, &cfg,
                              &diag) < 0)
    ospy_diag_print(&diag, stderr);
  ospy_diag_free(&diag);
  CHECK(cfg);
  ospy_plan_builder *b = ospy_plan_builder_new(64);
  size_t len = 0;
  void *bytes = b && ospy_config_to_plan(cfg, b) == 0 ? ospy_plan_builder_encode(b, &len) : NULL;
  char err[256];
  CHECK(bytes && ospy_plan_decode(bytes, len, &plan, err, sizeof err) == 0);
  free(bytes);
  ospy_plan_builder_free(b);
  ospy_config_free(cfg);
  CHECK((specs = ospy_format_specs_of(plan, err, sizeof err)));
}

/* `ospy show`'s text of a record, without its time and [pid:tid] prefix. */
static int show(void *ctx, const ospy_event_hdr *rec)
{
  (void)ctx;
  char *text = NULL;
  size_t n = 0;
  FILE *out = open_memstream(&text, &n);
  CHECK(out);
  ospy_format_event(out, rec, plan, &show_opts);
  fclose(out);
  const char *call = strstr(text, "] ");
  if (call && nlines < sizeof lines / sizeof lines[0]) {
    snprintf(lines[nlines], sizeof lines[0], "%s", call + 2);
    lines[nlines][strcspn(lines[nlines], "\n")] = 0;
    nlines++;
  }
  free(text);
  return 0;
}

/* As the session writes a drained record: tracker, record, tracker. */
static void drain(const ospy_event_hdr *rec, uint64_t enter, uint64_t leave)
{
  ospy_fdtrack_times times = { enter, leave };
  const ospy_fdtrack_times *t = times_apart ? &times : NULL;
  ospy_fdtrack_before(&tracker, rec, t, show, NULL);
  if (rec->type != OSPY_EV_FD_CLOSED)
    show(NULL, rec);
  ospy_fdtrack_after(&tracker, rec, t, show, NULL);
}

/* A call of hook made by thread tid from enter to leave (ns), its values
 * blobs given, returning retval. */
static void call(unsigned hook, uint32_t tid, uint64_t enter, uint64_t leave,
                 const uint8_t *in, size_t in_len, int64_t retval)
{
  struct {
    ospy_event_call c;
    uint8_t blobs[256];
  } r;
  memset(&r, 0, sizeof r);
  uint8_t out[16] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
                      OSPY_VB_RETVAL, OSPY_VB_INT_S,
                      (uint8_t)(retval < 0 ? -2 * retval - 1 : 2 * retval) };
  size_t out_len = 7;
  CHECK(in_len + out_len <= sizeof r.blobs);
  memcpy(r.blobs, in, in_len);
  memcpy(r.blobs + in_len, out, out_len);
  uint32_t size = ospy_event_align(sizeof r.c + in_len + out_len);
  /* (times_apart: wall times that say nothing, as records converted from TSC
     ticks at different drains may) */
  uint64_t wall = times_apart ? 1700000000000000000ull : enter;
  r.c.h = (ospy_event_hdr){ size, OSPY_EV_CALL, 0, pid_now, tid, wall };
  r.c.ts_leave = times_apart ? wall : leave;
  r.c.retval = (uint64_t)retval;
  r.c.hook = hook;
  r.c.arch_bits = 64;
  r.c.enter_len = (uint32_t)in_len;
  r.c.leave_len = (uint32_t)out_len;
  drain(&r.c.h, enter, leave);
}

static void call_open(uint32_t tid, uint64_t enter, uint64_t leave, const char *path, int fd)
{
  uint8_t in[64] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
                     0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_STR, 0, 1, (uint8_t)strlen(path) };
  size_t n = 12;
  memcpy(in + n, path, strlen(path));
  n += strlen(path);
  in[n++] = 1;
  in[n++] = OSPY_VB_INT_S;
  in[n++] = 2; /* flags = 1 */
  call(HOOK_OPEN, tid, enter, leave, in, n, fd);
}

static void call_fd(unsigned hook, uint32_t tid, uint64_t enter, uint64_t leave, int fd,
                    int64_t retval)
{
  uint8_t in[] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
                   0, OSPY_VB_INT_S, (uint8_t)(2 * fd), 1, OSPY_VB_INT_U, 3 };
  call(hook, tid, enter, leave, in, hook == HOOK_WRITE ? sizeof in : 7, retval);
}

static void call_socket(uint32_t tid, uint64_t enter, uint64_t leave, int domain, int type, int fd)
{
  uint8_t in[] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
                   0, OSPY_VB_INT_S, (uint8_t)(2 * domain), 1, OSPY_VB_INT_S, (uint8_t)(2 * type),
                   2, OSPY_VB_INT_S, 0 };
  call(HOOK_SOCKET, tid, enter, leave, in, sizeof in, fd);
}

/* wait_any(fds = [a, b]): descriptors in an array. */
static void call_wait_any(uint32_t tid, uint64_t enter, uint64_t leave, int a, int b)
{
  uint8_t in[] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
                   0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_ARRAY, 2, 2,
                   OSPY_VB_INT_S, (uint8_t)(2 * a), OSPY_VB_INT_S, (uint8_t)(2 * b) };
  call(HOOK_WAIT_ANY, tid, enter, leave, in, sizeof in, 1);
}

/* The agent's own record of a close (FdClosed), written after the hooked
   close's: its listener is entered before the user's and left after it. */
static void fd_closed(uint32_t tid, uint64_t enter, uint64_t leave, int fd)
{
  ospy_event_fd_closed r = { { sizeof r, OSPY_EV_FD_CLOSED, 0, PID, tid, leave }, fd, 0, enter };
  if (times_apart)
    r.h.ts = r.ts_enter = 1700000000000000000ull;
  drain(&r.h, enter, leave);
}

/* The ProcessStart of CHILD, forked by PID at `at` (the agent's stamp). */
static void forked(uint64_t at)
{
  struct {
    ospy_event_process_start s;
    char cmd[8];
  } r;
  memset(&r, 0, sizeof r);
  r.s.h = (ospy_event_hdr){ sizeof r, OSPY_EV_PROCESS_START, OSPY_START_F_FORKED, CHILD, CHILD,
                            times_apart ? 1700000000000000000ull : at };
  r.s.ppid = PID;
  r.s.arch_bits = 64;
  r.s.cmd_len = 5;
  memcpy(r.cmd, "child", 5);
  drain(&r.s.h, at, at);
}

static void begin(const char *what)
{
  printf("-- %s%s\n", what, times_apart ? " (wall times all alike: the agent's clock orders)" : "");
  CHECK(ospy_fdtrack_init(&tracker, plan, specs) == 0);
  ospy_fdnames_init(&shown_names);
  show_opts = (ospy_format_opts){ .specs = specs, .fdnames = &shown_names };
  nlines = 0;
}

/* The lines shown, each as expected. */
static void expect(const char *const *want, unsigned n)
{
  for (unsigned i = 0; i < n || i < nlines; i++) {
    const char *got = i < nlines ? lines[i] : "(nothing)";
    printf("  %s\n", got);
    if (i >= n || strcmp(got, want[i])) {
      fprintf(stderr, "line %u: expected: %s\n", i + 1, i < n ? want[i] : "(nothing)");
      exit(1);
    }
  }
  ospy_fdtrack_free(&tracker);
  ospy_fdnames_free(&shown_names);
}

/* A's close(3) was entered (50) before B's open returned 3 (60), but is
 * drained after it: the close is A's file's, and B's file keeps its name for
 * B's write (it was named after B's file, and B's file lost its name). */
static void close_drained_after_reuse(void)
{
  begin("A's close drained after B's open took the number");
  call_open(THREAD_A, 10, 20, "/a", 3);
  call_fd(HOOK_WRITE, THREAD_A, 30, 40, 3, 3);
  call_open(THREAD_B, 45, 60, "/b", 3);
  call_fd(HOOK_CLOSE, THREAD_A, 50, 70, 3, 0);
  fd_closed(THREAD_A, 49, 71, 3);
  call_fd(HOOK_WRITE, THREAD_B, 80, 90, 3, 3);
  call_fd(HOOK_CLOSE, THREAD_B, 100, 110, 3, 0);
  fd_closed(THREAD_B, 99, 111, 3);
  call_fd(HOOK_WRITE, THREAD_C, 120, 130, 3, -1); /* closed: a number */
  static const char *const want[] = {
    "libc.so.6!open(pathname=\"/a\", flags=1) = 3</a>",
    "libc.so.6!write(fd=3</a>, count=3) = 3",
    "libc.so.6!open(pathname=\"/b\", flags=1) = 3</b>",
    "libc.so.6!close(fd=3</a>) = 0",
    "libc.so.6!write(fd=3</b>, count=3) = 3",
    "libc.so.6!close(fd=3</b>) = 0",
    "libc.so.6!write(fd=3, count=3) = -1",
  };
  expect(want, sizeof want / sizeof *want);
}

/* Only the agent's FdClosed says A closed (close not hooked by the user):
 * it carries the close's entry time, and ends A's binding, not B's. */
static void fd_closed_drained_after_reuse(void)
{
  begin("A's FdClosed drained after B's open took the number");
  call_open(THREAD_A, 10, 20, "/a", 3);
  call_open(THREAD_B, 45, 60, "/b", 3);
  fd_closed(THREAD_A, 50, 70, 3);
  call_fd(HOOK_WRITE, THREAD_B, 80, 90, 3, 3);
  static const char *const want[] = {
    "libc.so.6!open(pathname=\"/a\", flags=1) = 3</a>",
    "libc.so.6!open(pathname=\"/b\", flags=1) = 3</b>",
    "libc.so.6!write(fd=3</b>, count=3) = 3",
  };
  expect(want, sizeof want / sizeof *want);
}

/* A's write on 5 is under way (entered 40) when thread C closes 5 (42) and
 * B's open returns 5 again (60): the write, drained after both, is A's
 * file's (the kernel's write holds the file it started on). */
static void write_drained_after_reuse(void)
{
  begin("a call entered before another thread closed its descriptor and another opened it");
  call_open(THREAD_A, 10, 20, "/a", 5);
  call_fd(HOOK_CLOSE, THREAD_C, 42, 44, 5, 0);
  call_open(THREAD_B, 50, 60, "/b", 5);
  call_fd(HOOK_WRITE, THREAD_A, 40, 65, 5, 3);
  call_fd(HOOK_WRITE, THREAD_B, 70, 75, 5, 3);
  call_fd(HOOK_WRITE, THREAD_D, 43, 80, 5, -1); /* entered while C's close ran: no name */
  static const char *const want[] = {
    "libc.so.6!open(pathname=\"/a\", flags=1) = 5</a>",
    "libc.so.6!close(fd=5</a>) = 0",
    "libc.so.6!open(pathname=\"/b\", flags=1) = 5</b>",
    "libc.so.6!write(fd=5</a>, count=3) = 3",
    "libc.so.6!write(fd=5</b>, count=3) = 3",
    "libc.so.6!write(fd=5, count=3) = -1",
  };
  expect(want, sizeof want / sizeof *want);
}

/* A waits on 3 and 7 (an array) from 30 to 90; meanwhile C closes 3 and B's
 * open takes it: the wait, drained last, is shown with A's file. */
static void array_drained_after_reuse(void)
{
  begin("descriptors in an array, drained after another thread's open took one");
  call_open(THREAD_A, 10, 20, "/a", 3);
  call_fd(HOOK_CLOSE, THREAD_C, 40, 45, 3, 0);
  call_open(THREAD_B, 50, 60, "/b", 3);
  call_wait_any(THREAD_A, 30, 90, 3, 7);
  call_fd(HOOK_WRITE, THREAD_B, 95, 99, 3, 3);
  static const char *const want[] = {
    "libc.so.6!open(pathname=\"/a\", flags=1) = 3</a>",
    "libc.so.6!close(fd=3</a>) = 0",
    "libc.so.6!open(pathname=\"/b\", flags=1) = 3</b>",
    "libc.so.6!wait_any(fds=[3</a>, 7]) = 1",
    "libc.so.6!write(fd=3</b>, count=3) = 3",
  };
  expect(want, sizeof want / sizeof *want);
}

/* Thread A stopped by the system for long with its write and close not yet
 * drained, while B and C open and close the same number four times: A's
 * binding is kept (its close is pending), the closed ones make room. */
static void stalled_thread(void)
{
  begin("a thread's records drained after four other files took its number");
  call_open(THREAD_A, 10, 20, "/a", 5);
  const char *paths[] = { "/b1", "/c1", "/b2", "/c2", "/b3" };
  uint64_t t = 50;
  for (int i = 0; i < 5; i++, t += 10) {
    uint32_t tid = i % 2 ? THREAD_C : THREAD_B;
    call_open(tid, t, t + 2, paths[i], 5);
    if (i < 4)
      call_fd(HOOK_CLOSE, tid, t + 4, t + 6, 5, 0);
  }
  call_fd(HOOK_WRITE, THREAD_A, 30, 32, 5, 3);
  call_fd(HOOK_CLOSE, THREAD_A, 34, 40, 5, 0);
  call_fd(HOOK_WRITE, THREAD_B, 200, 210, 5, 3);
  static const char *const want[] = {
    "libc.so.6!open(pathname=\"/a\", flags=1) = 5</a>",
    "libc.so.6!open(pathname=\"/b1\", flags=1) = 5</b1>",
    "libc.so.6!close(fd=5</b1>) = 0",
    "libc.so.6!open(pathname=\"/c1\", flags=1) = 5</c1>",
    "libc.so.6!close(fd=5</c1>) = 0",
    "libc.so.6!open(pathname=\"/b2\", flags=1) = 5</b2>",
    "libc.so.6!close(fd=5</b2>) = 0",
    "libc.so.6!open(pathname=\"/c2\", flags=1) = 5</c2>",
    "libc.so.6!close(fd=5</c2>) = 0",
    "libc.so.6!open(pathname=\"/b3\", flags=1) = 5</b3>",
    "libc.so.6!write(fd=5</a>, count=3) = 3",
    "libc.so.6!close(fd=5</a>) = 0",
    "libc.so.6!write(fd=5</b3>, count=3) = 3",
  };
  expect(want, sizeof want / sizeof *want);
}

/* Sockets are named by the same bindings: A's TCP socket closed late does
 * not take B's UDP socket's name away, nor show it. */
static void socket_drained_after_reuse(void)
{
  begin("sockets: A's close drained after B's socket took the number");
  call_socket(THREAD_A, 10, 20, 2, 1, 4);
  call_socket(THREAD_B, 45, 60, 10, 2, 4);
  call_fd(HOOK_CLOSE, THREAD_A, 50, 70, 4, 0);
  call_fd(HOOK_WRITE, THREAD_B, 80, 90, 4, 3);
  static const char *const want[] = {
    "libc.so.6!socket(domain=2, type=1, protocol=0) = 4<TCP>",
    "libc.so.6!socket(domain=10, type=2, protocol=0) = 4<UDPv6>",
    "libc.so.6!close(fd=4<TCP>) = 0",
    "libc.so.6!write(fd=4<UDPv6>, count=3) = 3",
  };
  expect(want, sizeof want / sizeof *want);
}

/* A child forked at 30 starts with a copy of its parent's descriptors: it
 * shows them by the names they had then, though the parent closed 7, opened
 * /new as 7 and closed 4 right after the fork, drained before the child's
 * start (a child is slow to run); the child's close and open of 4 rename
 * its own 4 only. */
static void forked_child(void)
{
  begin("a forked child's descriptors, its parent's as they were at the fork");
  call_open(THREAD_A, 10, 20, "/log", 4);
  call_socket(THREAD_A, 22, 24, 2, 1, 7);
  call_fd(HOOK_CLOSE, THREAD_A, 40, 42, 7, 0);
  call_open(THREAD_A, 44, 46, "/new", 7);
  call_fd(HOOK_CLOSE, THREAD_A, 48, 50, 4, 0);
  forked(30);
  pid_now = CHILD;
  call_fd(HOOK_WRITE, CHILD, 60, 61, 7, 3);
  call_fd(HOOK_WRITE, CHILD, 62, 63, 4, 3);
  call_fd(HOOK_CLOSE, CHILD, 64, 66, 4, 0);
  call_open(CHILD, 68, 70, "/own", 4);
  call_fd(HOOK_WRITE, CHILD, 72, 74, 4, 3);
  pid_now = PID;
  call_fd(HOOK_WRITE, THREAD_A, 80, 81, 7, 3);
  call_fd(HOOK_WRITE, THREAD_A, 82, 83, 4, -1);
  static const char *const want[] = {
    "libc.so.6!open(pathname=\"/log\", flags=1) = 4</log>",
    "libc.so.6!socket(domain=2, type=1, protocol=0) = 7<TCP>",
    "libc.so.6!close(fd=7<TCP>) = 0",
    "libc.so.6!open(pathname=\"/new\", flags=1) = 7</new>",
    "libc.so.6!close(fd=4</log>) = 0",
    "+++ process started (parent 100, 64-bit): child",
    "libc.so.6!write(fd=7<TCP>, count=3) = 3",
    "libc.so.6!write(fd=4</log>, count=3) = 3",
    "libc.so.6!close(fd=4</log>) = 0",
    "libc.so.6!open(pathname=\"/own\", flags=1) = 4</own>",
    "libc.so.6!write(fd=4</own>, count=3) = 3",
    "libc.so.6!write(fd=7</new>, count=3) = 3",
    "libc.so.6!write(fd=4, count=3) = -1",
  };
  expect(want, sizeof want / sizeof *want);
}

/* The history table itself: many descriptors of many processes, a process
 * forgotten, its slots reused; each descriptor keeps its last bindings. */
static void table_growth(void)
{
  ospy_fdhist h;
  char name[32];
  ospy_fdhist_init(&h);
  for (uint32_t pid = 100; pid < 110; pid++)
    for (int fd = 0; fd < 1000; fd++) {
      snprintf(name, sizeof name, "%u/%d", pid, fd);
      CHECK(ospy_fdhist_bind(&h, pid, fd, 10, name));
    }
  ospy_fdhist_forget_pid(&h, 105);
  ospy_fdcall later = { 20, 30, 1 };
  for (uint32_t pid = 100; pid < 110; pid++)
    for (int fd = 0; fd < 1000; fd++) {
      const ospy_fdbinding *b = ospy_fdhist_at(&h, pid, fd, &later);
      snprintf(name, sizeof name, "%u/%d", pid, fd);
      CHECK(pid == 105 ? b == NULL : b && !strcmp(b->name, name));
    }
  for (uint64_t round = 1; round <= 20; round++) /* more bindings than are kept */
    for (int fd = 0; fd < 1000; fd++) {
      ospy_fdcall close = { 100 * round + 5, 100 * round + 6, 7 };
      CHECK(ospy_fdhist_bind(&h, 105, fd, 100 * round, "x"));
      ospy_fdhist_close(&h, 105, fd, &close);
    }
  ospy_fdcall in_round_20 = { 2001, 2002, 1 }, in_round_1 = { 101, 102, 1 };
  CHECK(ospy_fdhist_at(&h, 105, 999, &in_round_20));
  CHECK(!ospy_fdhist_at(&h, 105, 999, &in_round_1)); /* (no longer kept: no name) */
  CHECK(!ospy_fdhist_newest(&h, 105, 999));          /* closed */
  CHECK(h.slots.live == 10000);
  ospy_fdhist_free(&h);
  printf("-- history table: 10000 descriptors, a process forgotten, 20 bindings each: ok\n");
}

static void all(void)
{
  close_drained_after_reuse();
  fd_closed_drained_after_reuse();
  write_drained_after_reuse();
  array_drained_after_reuse();
  stalled_thread();
  socket_drained_after_reuse();
  forked_child();
}

int main(void)
{
  load_plan();
  table_growth();
  all();
  times_apart = 1;
  all();
  ospy_spec_table_free(specs);
  ospy_plan_free(plan);
  printf("ok descriptor names follow the calls' times, not the order they are drained\n");
  return 0;
}
