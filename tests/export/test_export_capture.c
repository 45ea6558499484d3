/* Writes a small ospy capture file with one record of every kind, for the
 * `ospy export` test (check_export.sh):
 *   test-export-capture OUT.ospy
 * Process 100 (/usr/bin/demo) loads libc at 0x7f0000000000, calls a hooked
 * function twice (raw words; one with a backtrace into libc and the
 * program) and once with a spec (values blobs), calls a hook named without its
 * module, logs an error about a hook, loses events, and exits.
 *
 *   test-export-capture --order OUT.ospy
 * A capture whose records are where ospy puts them, calls where they
 * returned, for the start-order test (check_order.sh): nested calls (the
 * outer one recorded after the inner ones), a call that blocked while 5000
 * calls of another thread were recorded (more than the exporter's window),
 * events that began at the same nanosecond, a child process that a wait
 * entered before it started outlived. Each call's first word is its own
 * number (its seq), which says which call it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "capture/file.h"
#include "plan/plan.h"

static ospy_capfile_writer *w;
static char err[512];

static void append(void *rec, size_t len)
{
  ospy_event_hdr *h = rec;
  h->size = ospy_event_align(len);
  const char *why;
  if (ospy_event_validate(rec, h->size, &why) < 0) {
    fprintf(stderr, "bad test record: %s\n", why);
    exit(1);
  }
  if (ospy_capfile_append(w, rec, h->size, err, sizeof err) < 0) {
    fprintf(stderr, "append: %s\n", err);
    exit(1);
  }
}

static void hdr(void *rec, uint16_t type, uint64_t ts, uint32_t tid)
{
  ospy_event_hdr *h = rec;
  h->type = type;
  h->pid = 100;
  h->tid = tid;
  h->ts = 1700000000000000000ull + ts;
}

static void process_start(void)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_process_start *s = (void *)buf;
  /* a word with spaces and shell characters: the exports quote it as show does */
  static const char cmd[] = "demo\0--serve\0cat x >/dev/null; exec y\0", exe[] = "/usr/bin/demo";
  hdr(s, OSPY_EV_PROCESS_START, 0, 100);
  s->arch_bits = 64;
  s->cmd_len = sizeof cmd - 1;
  s->exe_len = sizeof exe - 1;
  memcpy(s + 1, cmd, s->cmd_len);
  memcpy((char *)(s + 1) + s->cmd_len, exe, s->exe_len);
  append(s, sizeof *s + s->cmd_len + s->exe_len);
}

static void module(uint16_t type, uint64_t ts, uint64_t base, uint64_t size, const char *path)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_module *m = (void *)buf;
  hdr(m, type, ts, 100);
  m->base = base;
  m->size = size;
  m->path_len = (uint32_t)strlen(path);
  memcpy(m + 1, path, m->path_len);
  append(m, sizeof *m + m->path_len);
}

static void call(uint64_t seq, uint64_t ts, uint32_t hook, const uint64_t *words, int nwords,
                 const uint64_t *bt, int nbt, uint64_t ret, int32_t e, uint16_t flags)
{
  _Alignas(8) uint8_t buf[512] = { 0 };
  ospy_event_call *c = (void *)buf;
  hdr(c, OSPY_EV_CALL, ts, 101);
  c->h.flags = flags;
  c->seq = seq;
  c->ts_leave = c->h.ts + 1500;
  c->ret_addr = 0x555555554abcull;
  c->retval = ret;
  c->hook = hook;
  c->err = e;
  c->nbt = (uint16_t)nbt;
  c->arch_bits = 64;
  c->enter_len = (uint32_t)nwords * 8;
  if (nbt) /* memcpy from NULL is undefined even for 0 bytes */
    memcpy(c + 1, bt, (size_t)nbt * 8);
  memcpy((uint8_t *)(c + 1) + nbt * 8, words, (size_t)nwords * 8);
  append(c, sizeof *c + (size_t)(nbt + nwords) * 8);
}

/* A call recorded with a spec: values blobs that only the values decoder
 * understands (exported undecoded without one). */
static void spec_call(uint64_t ts)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_call *c = (void *)buf;
  static const uint8_t enter[] = { 'V', 1, 1, 0, 0, 1, 3 }, leave[] = { 'V', 1, 2, 0 };
  hdr(c, OSPY_EV_CALL, ts, 101);
  c->seq = 3;
  c->ts_leave = c->h.ts + 700;
  c->retval = 7;
  c->arch_bits = 64;
  c->enter_len = sizeof enter;
  c->leave_len = sizeof leave;
  memcpy(c + 1, enter, sizeof enter);
  memcpy((uint8_t *)(c + 1) + sizeof enter, leave, sizeof leave);
  append(c, sizeof *c + sizeof enter + sizeof leave);
}

static void message(uint64_t ts, uint32_t hook, const char *text)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_message *m = (void *)buf;
  hdr(m, OSPY_EV_ERROR, ts, 100);
  m->hook = hook;
  m->text_len = (uint32_t)strlen(text);
  memcpy(m + 1, text, m->text_len);
  append(m, sizeof *m + m->text_len);
}

static void tail_records(void)
{
  ospy_event_lost lost = { 0 };
  hdr(&lost, OSPY_EV_LOST, 4000, 101);
  lost.count = 7;
  append(&lost, sizeof lost);
  ospy_event_process_exit x = { 0 };
  hdr(&x, OSPY_EV_PROCESS_EXIT, 5000, 100);
  x.how = OSPY_EXIT_CODE;
  x.status = 3;
  append(&x, sizeof x);
}

static void *make_plan(size_t *len)
{
  ospy_plan_builder *b = ospy_plan_builder_new(64);
  ospy_plan_hook h = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                       .module = "libc.so.6", .symbol = "read", .display = "libc.so.6!read" };
  /* a hook named without its module, as captures made before -f showed
   * bare names with their module have them */
  ospy_plan_hook bare = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                          .module = "libc.so.6", .symbol = "getpid", .display = "getpid" };
  if (!b || ospy_plan_builder_add(b, &h) < 0 || ospy_plan_builder_add(b, &bare) < 0)
    return NULL;
  void *p = ospy_plan_builder_encode(b, len);
  ospy_plan_builder_free(b);
  return p;
}

/* A raw call of thread tid of process pid, entered at ts, returned at
 * leave: word 0 is its seq. */
static void call_of(uint32_t pid, uint32_t tid, uint64_t seq, uint64_t ts, uint64_t leave)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_call *c = (void *)buf;
  hdr(c, OSPY_EV_CALL, ts, tid);
  c->h.pid = pid;
  c->h.flags = OSPY_CALL_F_RAW;
  c->seq = seq;
  c->ts_leave = 1700000000000000000ull + leave;
  c->arch_bits = 64;
  c->enter_len = 8;
  memcpy(c + 1, &seq, 8);
  append(c, sizeof *c + 8);
}

static void start_of(uint32_t pid, uint32_t ppid, uint64_t ts)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_process_start *st = (void *)buf;
  static const char cmd[] = "demo", exe[] = "/usr/bin/demo";
  hdr(st, OSPY_EV_PROCESS_START, ts, pid);
  st->h.pid = pid;
  st->ppid = ppid;
  st->arch_bits = 64;
  st->cmd_len = sizeof cmd - 1;
  st->exe_len = sizeof exe - 1;
  memcpy(st + 1, cmd, st->cmd_len);
  memcpy((char *)(st + 1) + st->cmd_len, exe, st->exe_len);
  append(st, sizeof *st + st->cmd_len + st->exe_len);
}

static void exit_of(uint32_t pid, uint64_t ts)
{
  ospy_event_process_exit x = { 0 };
  hdr(&x, OSPY_EV_PROCESS_EXIT, ts, pid);
  x.h.pid = pid;
  x.how = OSPY_EXIT_CODE;
  append(&x, sizeof x);
}

/* The records in the order ospy writes them: a call when it returned. */
static void order_records(void)
{
  start_of(100, 1, 0);
  module(OSPY_EV_MODULE_LOAD, 100, 0x7f0000000000ull, 0x200000, "/lib/x86_64-linux-gnu/libc.so.6");
  /* thread 101: outer 1 calls inner 2 and inner 3; outer 4 calls middle 5,
   * which calls inner 6 */
  call_of(100, 101, 2, 1000, 1100);
  call_of(100, 101, 3, 1200, 1300);
  call_of(100, 101, 1, 900, 1400);
  call_of(100, 101, 6, 1700, 1750);
  call_of(100, 101, 5, 1600, 1800);
  call_of(100, 101, 4, 1500, 1900);
  /* the same nanosecond: in the order recorded */
  call_of(100, 102, 7, 5000, 5100);
  call_of(100, 103, 8, 5000, 5050);
  /* thread 104 blocks in call 10 from 7000 while thread 105 makes 5000
   * calls; call 9 began at the same nanosecond, recorded before it */
  call_of(100, 105, 9, 7000, 7001);
  for (uint64_t i = 0; i < 5000; i++)
    call_of(100, 105, 100 + i, 7001 + 2 * i, 7002 + 2 * i);
  ospy_event_lost lost = { 0 };
  hdr(&lost, OSPY_EV_LOST, 8000, 105);
  lost.count = 2;
  append(&lost, sizeof lost);
  call_of(100, 104, 10, 7000, 17100);
  call_of(100, 105, 11, 7000, 17200); /* recorded after call 10: after it */
  /* call 12 waits from 19000 for child 200, which starts at 19500 */
  start_of(200, 100, 19500);
  call_of(200, 200, 13, 19600, 19700);
  call_of(200, 200, 14, 19800, 19900);
  exit_of(200, 20000);
  call_of(100, 101, 12, 19000, 20100);
  message(20200, 0, "hook failed");
  exit_of(100, 20300);
}

int main(int argc, char **argv)
{
  int order = argc == 3 && !strcmp(argv[1], "--order");
  if (argc != 2 && !order) {
    fprintf(stderr, "usage: test-export-capture [--order] OUT.ospy\n");
    return 2;
  }
  size_t plan_len = 0;
  void *plan = make_plan(&plan_len);
  static const char cmdline[] = "/usr/bin/demo\0--serve";
  ospy_capfile_meta m = { .version = "test", .host = "test-host", .start_ns = 1700000000000000000ull,
                          .cmdline = cmdline, .cmdline_len = sizeof cmdline, .plan = plan,
                          .plan_len = plan_len, .mode = "spawn" };
  if (!plan || !(w = ospy_capfile_create(argv[argc - 1], &m, err, sizeof err))) {
    fprintf(stderr, "create: %s\n", plan ? err : "plan");
    return 1;
  }
  if (order) {
    order_records();
    free(plan);
    if (ospy_capfile_close(w, err, sizeof err) < 0) {
      fprintf(stderr, "close: %s\n", err);
      return 1;
    }
    return 0;
  }
  process_start();
  module(OSPY_EV_MODULE_LOAD, 100, 0x7f0000000000ull, 0x200000, "/lib/x86_64-linux-gnu/libc.so.6");
  static const uint64_t args1[] = { 3, 0x7ffc00001000ull, 4096 };
  static const uint64_t bt[] = { 0x7f0000012345ull, 0x401000ull };
  /* the caller from the frame pointer, the frame above found by scanning */
  call(1, 1000, 0, args1, 3, bt, 2, 220, 0, OSPY_CALL_F_RAW | OSPY_CALL_F_BT_SCANNED);
  static const uint64_t args2[] = { 99, 0, 1 };
  call(2, 2000, 0, args2, 3, NULL, 0, (uint64_t)-1, 9, OSPY_CALL_F_RAW);
  spec_call(2500);
  static const uint64_t no_args[1] = { 0 };
  call(4, 2700, 1, no_args, 0, NULL, 0, 100, 0, OSPY_CALL_F_RAW);
  message(3000, 0, "hook failed: <symbol> & \"quotes\"");
  module(OSPY_EV_MODULE_UNLOAD, 3500, 0x7f0000000000ull, 0x200000, "/lib/x86_64-linux-gnu/libc.so.6");
  tail_records();
  free(plan);
  if (ospy_capfile_close(w, err, sizeof err) < 0) {
    fprintf(stderr, "close: %s\n", err);
    return 1;
  }
  return 0;
}
