/* Writes a synthetic capture of a process tree, for the `ospy diff` tests:
 *   gen-forks OUT.ospy SEED MODE
 * The root "forker" (pid P) makes 3 calls and forks children 0..4 in that
 * order (pids ascending after P, with other programs' pids between them).
 * Child i makes 2 calls read(100+i, ...), execs "execd" (a second
 * ProcessStart, whose parent is then 1: the root has exited and the child
 * was adopted) and makes 3 calls read(200+i, ...). Child 1 forks a
 * grandchild that makes 2 calls read(300, ...); child 2 has a second thread
 * that makes 2 calls read(400, ...). All calls are raw words.
 * SEED changes the pids, addresses and timestamps, and the order in which
 * the children's records come, as the scheduler would: an odd SEED writes
 * the last child's first (and child 2's second thread before its first).
 * MODE:
 *   tree     as above
 *   wrap     the pids wrap past pid_max (32768) after child 2's
 *   nostart  no ProcessStart records (the parents are not known)
 *   change   child 3's and the grandchild's second calls read 4097 bytes, not 4096
 *   extra    the root forks a sixth child (read(105, ...), no exec) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"

#define CHILDREN 5

static uint64_t seq, ts, base;
static int with_starts = 1;

/* Records come 1 us apart. */
static void append(void *rec, size_t len)
{
  ((ospy_event_hdr *)rec)->ts = ts += 1000;
  gen_append(rec, len);
}

static void read_call(uint32_t pid, uint32_t tid, uint64_t fd, uint64_t count)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_call *c = (void *)buf;
  uint64_t words[3] = { fd, base + seq * 0x1000, count };
  c->h.type = OSPY_EV_CALL;
  c->h.pid = pid;
  c->h.tid = tid;
  c->h.flags = OSPY_CALL_F_RAW;
  c->seq = ++seq;
  c->ts_leave = ts + 500;
  c->retval = 220;
  c->arch_bits = 64;
  c->enter_len = sizeof words;
  memcpy(c + 1, words, sizeof words);
  append(c, sizeof *c + sizeof words);
}

/* cmdline: argv[0] only; exe: the path its name comes from */
static void process_start(uint32_t pid, uint32_t ppid, const char *exe)
{
  if (!with_starts)
    return;
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_process_start *s = (void *)buf;
  size_t len = strlen(exe) + 1;
  s->h.type = OSPY_EV_PROCESS_START;
  s->h.pid = s->h.tid = pid;
  s->ppid = ppid;
  s->arch_bits = 64;
  s->cmd_len = (uint32_t)len;
  s->exe_len = (uint32_t)len - 1;
  memcpy(s + 1, exe, len);
  memcpy((char *)(s + 1) + len, exe, len - 1);
  append(s, sizeof *s + 2 * len - 1);
}

/* Pids are handed out upwards from the root's, 3 apart (other programs
 * took the ones between); with wrap, from 300 again after child 2's. */
static uint32_t child_pid(uint32_t root, unsigned i, int wrap)
{
  uint32_t pid = root + 3 * (i + 1);
  return wrap && i > 2 ? 300 + 3 * i : pid;
}

static void child(uint32_t root, unsigned i, const char *mode, int odd)
{
  uint32_t pid = child_pid(root, i, !strcmp(mode, "wrap"));
  process_start(pid, root, "/usr/bin/forker");
  if (i == 5) { /* mode extra: no exec */
    read_call(pid, pid, 105, 4096);
    return;
  }
  read_call(pid, pid, 100 + i, 4096);
  read_call(pid, pid, 100 + i, i == 3 && !strcmp(mode, "change") ? 4097 : 4096);
  process_start(pid, 1, "/usr/bin/execd");
  uint32_t thread2 = pid + 1; /* created after the main one */
  if (i == 2 && odd)
    read_call(pid, thread2, 400, 4096), read_call(pid, thread2, 400, 4096);
  for (int k = 0; k < 3; k++)
    read_call(pid, pid, 200 + i, 4096);
  if (i == 2 && !odd)
    read_call(pid, thread2, 400, 4096), read_call(pid, thread2, 400, 4096);
  if (i == 1) { /* a grandchild: forked after all of its parent's siblings */
    uint32_t gpid = child_pid(root, CHILDREN + 1, !strcmp(mode, "wrap"));
    process_start(gpid, pid, "/usr/bin/execd");
    read_call(gpid, gpid, 300, 4096);
    read_call(gpid, gpid, 300, !strcmp(mode, "change") ? 4097 : 4096);
  }
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: gen-forks OUT.ospy SEED tree|wrap|nostart|change|extra\n");
    return 2;
  }
  unsigned long s = strtoul(argv[2], NULL, 10);
  const char *mode = argv[3];
  with_starts = strcmp(mode, "nostart") != 0;
  gen_create(argv[1], "/usr/bin/forker", "spawn");
  ts = GEN_START_NS + s * 1000000;
  base = 0x7ffc00000000ull + s * 0x10000;
  uint32_t root = !strcmp(mode, "wrap") ? 32760 - 10 : 2000 + 100 * (uint32_t)s;
  unsigned children = CHILDREN + !strcmp(mode, "extra");
  process_start(root, root - 1, "/usr/bin/forker");
  for (int k = 0; k < 3; k++)
    read_call(root, root, 0, 4096);
  for (unsigned k = 0; k < children; k++)
    child(root, s % 2 ? children - 1 - k : k, mode, s % 2);
  return gen_close();
}
