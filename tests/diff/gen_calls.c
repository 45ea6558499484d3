/* Writes a synthetic capture of N calls of one thread, for the `ospy diff`
 * tests:  gen-calls OUT.ospy N SEED [CHANGE_AT [EXTRA_AT]]
 * Call i is read(3, <address>, 4096 + i % 7) = 220 recorded as raw words; the
 * addresses, pids, tids and timestamps depend on SEED (so two files differ
 * only in what diff must ignore). CHANGE_AT (1-based, 0: none) gets count
 * 4095 instead; EXTRA_AT (0: none) is followed by one extra call read(7, ...);
 * FAIL_AT (0: none) fails: -1, errno 5 (one piece more than the others).
 * THREADS 2 or 3 (default 1): a second thread (tid + 1) makes the same calls
 * with fd 4: 2 after all of the first thread's, 3 alternating with them (two
 * runs of a program whose threads the scheduler interleaved differently);
 * 4: as 2, in a process of pid 32767 whose second thread's id wrapped past
 * pid_max to 300; 5 or more: that many threads (tids pid..pid+THREADS-1),
 * each making N calls read(10 + its index, ...), and nothing else, one
 * thread's calls after another's when SEED is odd, round robin when even.
 * LOST_AT (0: none): calls LOST_AT..LOST_AT+9 are not written, a Lost record
 * counting 10 events in their place (a --lossy capture's dropped calls). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"

static uint64_t seq;

static void call_of(uint32_t pid, uint32_t tid, uint64_t ts, uint64_t fd, uint64_t addr,
                    uint64_t count, int failed)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_call *c = (void *)buf;
  uint64_t words[3] = { fd, addr, count };
  c->h.type = OSPY_EV_CALL;
  c->h.pid = pid;
  c->h.tid = tid;
  c->h.ts = ts;
  c->h.flags = OSPY_CALL_F_RAW;
  c->seq = ++seq;
  c->ts_leave = ts + 500;
  c->retval = failed ? (uint64_t)-1 : 220;
  c->err = failed ? 5 : 0;
  c->arch_bits = 64;
  c->enter_len = sizeof words;
  memcpy(c + 1, words, sizeof words);
  gen_append(c, sizeof *c + sizeof words);
}

static void lost_of(uint32_t pid, uint32_t tid, uint64_t ts, uint64_t count)
{
  ospy_event_lost l = { .h = { .type = OSPY_EV_LOST, .pid = pid, .tid = tid, .ts = ts },
                        .count = count };
  gen_append(&l, sizeof l);
}

/* THREADS >= 5: blocks of one thread's calls (odd seed) or round robin. */
static int many_threads(unsigned long n, unsigned long s, unsigned long threads)
{
  uint32_t pid = 1000 + (uint32_t)s;
  uint64_t ts = GEN_START_NS + s * 1000000, base = 0x7ffc00000000ull + s * 0x10000;
  for (unsigned long k = 0; k < n * threads; k++) {
    unsigned long t = s % 2 ? k / n : k % threads, i = s % 2 ? k % n : k / threads;
    call_of(pid, pid + (uint32_t)t, ts + k * 1000, 10 + t, base + (i % 64) * 0x1000,
            4096 + i % 7, 0);
  }
  return gen_close();
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: gen-calls OUT.ospy N SEED [CHANGE_AT [EXTRA_AT [FAIL_AT [THREADS [LOST_AT]]]]]\n");
    return 2;
  }
  unsigned long n = strtoul(argv[2], NULL, 10), s = strtoul(argv[3], NULL, 10);
  unsigned long change = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;
  unsigned long extra = argc > 5 ? strtoul(argv[5], NULL, 10) : 0;
  unsigned long failed = argc > 6 ? strtoul(argv[6], NULL, 10) : 0;
  unsigned long threads = argc > 7 ? strtoul(argv[7], NULL, 10) : 1;
  unsigned long lost = argc > 8 ? strtoul(argv[8], NULL, 10) : 0;
  gen_create(argv[1], "/usr/bin/reader", "attach");
  if (threads >= 5)
    return many_threads(n, s, threads);
  uint32_t pid = threads == 4 ? 32767 : 1000 + (uint32_t)s;
  uint32_t tid2 = threads == 4 ? 300 : pid + 1;
  uint64_t ts = GEN_START_NS + s * 1000000, base = 0x7ffc00000000ull + s * 0x10000;
  for (unsigned long i = 1; i <= n; i++) {
    if (lost && i >= lost && i < lost + 10) {
      if (i == lost)
        lost_of(pid, pid, ts + i * 1000, 10);
      continue;
    }
    call_of(pid, pid, ts + i * 1000, 3, base + (i % 64) * 0x1000, i == change ? 4095 : 4096 + i % 7,
            i == failed);
    if (i == extra)
      call_of(pid, pid, ts + i * 1000 + 1, 7, base, 4096, 0);
    if (threads == 3)
      call_of(pid, tid2, ts + i * 1000 + 2, 4, base, 4096 + i % 5, 0);
  }
  for (unsigned long i = 1; (threads == 2 || threads == 4) && i <= n; i++)
    call_of(pid, tid2, ts + (n + i) * 1000, 4, base, 4096 + i % 5, 0);
  return gen_close();
}
