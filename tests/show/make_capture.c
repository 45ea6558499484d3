/* Writes a synthetic capture with known contents for the reader tests:
 *   make_capture OUT N
 * Process 100 (threads 100 and 101), N raw calls at start + (i+1) us:
 *   even i: libsyn.so!fast, duration 3 + (i/2 % 7) ns, returns -1 (errno 9)
 *           when i/2 % 10 == 0, else 0;
 *   odd i:  libsyn.so!slow, duration 1000 * (1 + i/2 % 5) ns, returns i;
 *   thread 101 when i % 4 >= 2; six argument words: arg0 = i, arg1 = 0x1000,
 *   the others 0 (a record is 136 bytes).
 * Then an Error record, a Lost record (7 events) and the exit (status 0).
 * The capture starts at 1700000000 s (22:13:20 UTC).
 *   make_capture OUT returns64|returns32
 * Raw calls of libsyn.so!fast (process 100) whose return registers are
 * listed in raw_returns64/32 below, in a capture of a 64-bit or a 32-bit
 * program; each call's arg0 is its index in the list.
 *   make_capture OUT badplan
 * The 10 calls of `make_capture OUT 10`, with a plan in the header that does
 * not decode (its magic changed; the header's CRC covers it, so it checks).
 *   make_capture OUT N CHUNK
 * As `make_capture OUT N`, in chunks of CHUNK bytes of records (default 1
 * MiB): many chunks in a small file.
 *   make_capture OUT N noise
 * As `make_capture OUT N`, each call followed by an Info record of 1000
 * pseudo-random letters (seeded: the same every run), which neither the
 * packing nor zstd shrink much: a chunk of such records spans several zstd
 * blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "capture/file.h"
#include "plan/plan.h"

#define START_NS 1700000000000000000ull

static ospy_capfile_writer *w;
static char err[512];

static void put(const void *rec, size_t len)
{
  if (ospy_capfile_append(w, rec, len, err, sizeof err) < 0) {
    fprintf(stderr, "make_capture: %s\n", err);
    exit(1);
  }
}

static void *plan_bytes(size_t *len, unsigned bits)
{
  ospy_plan_builder *b = ospy_plan_builder_new(bits);
  ospy_plan_hook fast = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                          .module = "libsyn.so", .symbol = "fast", .display = "libsyn.so!fast" };
  ospy_plan_hook slow = fast;
  slow.symbol = "slow";
  slow.display = "libsyn.so!slow";
  if (!b || ospy_plan_builder_add(b, &fast) < 0 || ospy_plan_builder_add(b, &slow) < 0)
    exit(1);
  void *p = ospy_plan_builder_encode(b, len);
  ospy_plan_builder_free(b);
  return p;
}

static void put_start(void)
{
  struct {
    ospy_event_process_start s;
    char text[24];
  } r = { { { sizeof r, OSPY_EV_PROCESS_START, 0, 100, 100, START_NS }, 1, 64, 6, 14 }, "synth" };
  memcpy(r.text + 6, "/usr/bin/synth", 14);
  put(&r, sizeof r);
}

static void put_call(uint64_t i)
{
  struct {
    ospy_event_call c;
    uint64_t words[6];
  } r;
  memset(&r, 0, sizeof r);
  uint64_t k = i / 2, ts = START_NS + (i + 1) * 1000;
  int fast = !(i & 1);
  r.c.h = (ospy_event_hdr){ sizeof r, OSPY_EV_CALL, OSPY_CALL_F_RAW, 100,
                            i % 4 >= 2 ? 101 : 100, ts };
  r.c.seq = i;
  r.c.ts_leave = ts + (fast ? 3 + k % 7 : 1000 * (1 + k % 5));
  r.c.retval = fast ? (k % 10 == 0 ? (uint64_t)-1 : 0) : i;
  r.c.err = fast && k % 10 == 0 ? 9 : 0;
  r.c.hook = fast ? 0 : 1;
  r.c.arch_bits = 64;
  r.c.enter_len = sizeof r.words;
  r.words[0] = i;
  r.words[1] = 0x1000;
  put(&r, sizeof r);
}

/* Return registers around the rules of docs/reading.md (raw return values):
 * small numbers, errno-style values, negative numbers no address can be
 * (64-bit: all; 32-bit: -8192..-1), and what can be an address. */
static const uint64_t raw_returns64[] = {
  2, (uint64_t)-2, (uint64_t)-4095, (uint64_t)-4096, (uint64_t)-5000,
  0xffffffff7fffff9dull /* -2147483747 */, 69999, 0xfffff, 0x100000, 0x7fff12345678ull,
  0x8000000000000000ull,
  0xfffffffdull /* an int's -3: the upper half of rax zero */, 0xffffefffull /* an int's -4097 */,
};
static const uint32_t raw_returns32[] = {
  (uint32_t)-2, (uint32_t)-5000, (uint32_t)-8192, (uint32_t)-8193, 0xf7edb7d0u, 0x7fffff9du, 69999,
};

static void put_raw_return(unsigned bits, uint64_t i, uint64_t retval)
{
  struct {
    ospy_event_call c;
    uint64_t words[1];
  } r;
  memset(&r, 0, sizeof r);
  uint64_t ts = START_NS + (i + 1) * 1000;
  r.c.h = (ospy_event_hdr){ sizeof r, OSPY_EV_CALL, OSPY_CALL_F_RAW, 100, 100, ts };
  r.c.seq = i;
  r.c.ts_leave = ts + 10;
  r.c.retval = retval;
  r.c.arch_bits = (uint16_t)bits;
  r.c.enter_len = sizeof r.words;
  r.words[0] = i;
  put(&r, sizeof r);
}

static void put_raw_returns(unsigned bits)
{
  size_t n = bits == 64 ? sizeof raw_returns64 / sizeof *raw_returns64
                        : sizeof raw_returns32 / sizeof *raw_returns32;
  for (size_t i = 0; i < n; i++)
    put_raw_return(bits, i, bits == 64 ? raw_returns64[i] : raw_returns32[i]);
}

/* An Info record of 1000 letters that follow no pattern zstd finds. */
static void put_noise(uint64_t i)
{
  static uint64_t seed = 88172645463325252ull;
  struct {
    ospy_event_message m;
    char text[1000];
  } e;
  uint64_t ts = START_NS + (i + 1) * 1000 + 1;
  e.m = (ospy_event_message){ { sizeof e, OSPY_EV_INFO, 0, 100, 100, ts }, UINT32_MAX, sizeof e.text };
  for (size_t k = 0; k < sizeof e.text; k++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    e.text[k] = (char)('a' + seed % 26);
  }
  put(&e, sizeof e);
}

static void put_tail(uint64_t n)
{
  uint64_t ts = START_NS + (n + 1) * 1000;
  struct {
    ospy_event_message m;
    char text[16];
  } e = { { { sizeof e, OSPY_EV_ERROR, 0, 100, 100, ts }, UINT32_MAX, 15 }, "synthetic error" };
  put(&e, sizeof e);
  ospy_event_lost l = { { sizeof l, OSPY_EV_LOST, 0, 100, 101, ts + 1 }, 7 };
  put(&l, sizeof l);
  ospy_event_process_exit x = { { sizeof x, OSPY_EV_PROCESS_EXIT, 0, 100, 100, ts + 2 },
                                OSPY_EXIT_CODE, 0 };
  put(&x, sizeof x);
}

int main(int argc, char **argv)
{
  if (argc != 3 && argc != 4)
    return 2;
  int noise = argc == 4 && !strcmp(argv[3], "noise");
  size_t chunk = argc == 4 && !noise ? strtoull(argv[3], NULL, 10) : 0;
  unsigned returns = !strcmp(argv[2], "returns64") ? 64 : !strcmp(argv[2], "returns32") ? 32 : 0;
  int bad_plan = !strcmp(argv[2], "badplan");
  uint64_t n = returns ? 0 : bad_plan ? 10 : strtoull(argv[2], NULL, 10);
  size_t plen;
  void *plan = plan_bytes(&plen, returns ? returns : 64);
  if (plan && bad_plan)
    ((char *)plan)[7] = 'X'; /* "OSPYPLAN" -> "OSPYPLAX" */
  ospy_capfile_meta m = { "test", "host x86_64", START_NS, "synth", 6, plan, plen, "spawn" };
  if (!plan || !(w = ospy_capfile_create(argv[1], &m, err, sizeof err))) {
    fprintf(stderr, "make_capture: %s\n", err);
    return 1;
  }
  if (chunk)
    ospy_capfile_set_chunk_size(w, chunk);
  put_start();
  if (returns)
    put_raw_returns(returns);
  for (uint64_t i = 0; i < n; i++) {
    put_call(i);
    if (noise)
      put_noise(i);
  }
  put_tail(n);
  if (ospy_capfile_close(w, err, sizeof err) < 0) {
    fprintf(stderr, "make_capture: %s\n", err);
    return 1;
  }
  free(plan);
  return 0;
}
