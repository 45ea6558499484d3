/* The shared ring in one process: threads produce, the main thread consumes.
 * Lossless: every record arrives, per-thread order kept, with 1 lane and
 * with 4. Lossy: recorded + lost == produced, exactly. Lanes merge by time.
 * Scribbled ring: the consumer reports it and stops reading, never crashes
 * or loops. Slots left unfinished by producers that died are passed. */
#include <stdio.h>
#include <sys/syscall.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "capture/event.h"
#include "capture/ring.h"
#include "check.h"

#define THREADS 4
#define PER_THREAD 200000

static ospy_ring ring;
static int lossy;
static _Atomic int producers_done;

static void *producer(void *arg)
{
  uint32_t tid = (uint32_t)(uintptr_t)arg;
  for (uint32_t i = 0; i < PER_THREAD; i++) {
    uint64_t tok;
    ospy_event_lost *e = ospy_ring_reserve(&ring, tid, sizeof *e, lossy, &tok, NULL);
    if (!e) {
      CHECK(lossy);
      ospy_ring_count_lost(&ring, 1, tid);
      continue;
    }
    e->h = (ospy_event_hdr){ sizeof *e, OSPY_EV_LOST, 0, 1, tid, 0 };
    e->count = i;
    ospy_ring_commit(&ring, tok);
  }
  atomic_fetch_add(&producers_done, 1);
  return NULL;
}

static uint64_t run(int is_lossy, uint32_t size, uint32_t lanes)
{
  lossy = is_lossy;
  producers_done = 0;
  CHECK(ospy_ring_create(&ring, size, "plan", 4, 0) == 0);
  CHECK(ring.lanes == lanes && ring.ctl->lanes == lanes);
  pthread_t t[THREADS];
  for (uintptr_t i = 0; i < THREADS; i++)
    CHECK(pthread_create(&t[i], NULL, producer, (void *)(i + 1)) == 0);
  static uint8_t buf[OSPY_EVENT_MAX_SIZE];
  int64_t next[THREADS + 1] = { 0 };
  uint64_t got = 0;
  for (;;) {
    const char *why;
    /* read before the consume: done then, and nothing to consume, is the end
     * (a record taken by a second consume in the end test went uncounted) */
    int all_done = atomic_load(&producers_done) == THREADS;
    long n = ospy_ring_consume(&ring, buf, sizeof buf, &why);
    CHECK(n >= 0);
    if (n == 0) {
      if (all_done)
        break;
      ospy_ring_wait(&ring, 10);
      continue;
    }
    const ospy_event_lost *e = (const void *)buf;
    CHECK(e->h.tid >= 1 && e->h.tid <= THREADS);
    if (!is_lossy)
      CHECK((int64_t)e->count == next[e->h.tid]); /* per-thread order, nothing missing */
    CHECK((int64_t)e->count >= next[e->h.tid]);
    next[e->h.tid] = (int64_t)e->count + 1;
    got++;
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  uint64_t lost = 0;
  for (unsigned i = 0; i < OSPY_RING_LOST_SLOTS; i++)
    lost += atomic_load(&ring.ctl->lost[i].count);
  if (!is_lossy)
    CHECK(lost == 0 && got == (uint64_t)THREADS * PER_THREAD);
  else
    CHECK(got + lost == (uint64_t)THREADS * PER_THREAD);
  ospy_ring_close(&ring);
  return lost;
}

/* Records committed in all four lanes come out in time order (a call by its
 * leave time), whatever lane holds them; bounded reads stop at the bound. */
static void merge_order(void)
{
  static uint8_t buf[OSPY_EVENT_MAX_SIZE];
  const char *why;
  CHECK(ospy_ring_create(&ring, 16u << 20, "", 0, 0) == 0);
  CHECK(ring.lanes == 4);
  uint32_t x = 777;
  for (uint64_t t = 1; t <= 1000; t++) {
    x = x * 1103515245u + 12345u;
    uint32_t tid = (x >> 16) % 4; /* lane tid % 4; each lane's times still grow */
    uint64_t tok;
    if (t % 3 == 0) {
      ospy_event_call *c = ospy_ring_reserve(&ring, tid, sizeof *c, 0, &tok, NULL);
      memset(c, 0, sizeof *c);
      c->h = (ospy_event_hdr){ sizeof *c, OSPY_EV_CALL, 0, 1, tid, 0 /* enter: earlier */ };
      c->ts_leave = t;
      c->arch_bits = 64;
    } else {
      ospy_event_lost *e = ospy_ring_reserve(&ring, tid, sizeof *e, 0, &tok, NULL);
      e->h = (ospy_event_hdr){ sizeof *e, OSPY_EV_LOST, 0, 1, tid, t };
      e->count = t;
    }
    ospy_ring_commit(&ring, tok);
    if (t == 500)
      ospy_ring_bound(&ring);
  }
  uint64_t want = 1;
  long n;
  while ((n = ospy_ring_consume(&ring, buf, sizeof buf, &why)) > 0) {
    const ospy_event_hdr *h = (const void *)buf;
    uint64_t t = h->type == OSPY_EV_CALL ? ((const ospy_event_call *)buf)->ts_leave : h->ts;
    CHECK(t == want);
    want++;
  }
  CHECK(n == 0 && want == 501); /* the bound: what was reserved when it was set */
  ospy_ring_unbound(&ring);
  while ((n = ospy_ring_consume(&ring, buf, sizeof buf, &why)) > 0)
    want++;
  CHECK(n == 0 && want == 1001);
  ospy_ring_close(&ring);
}

static void scribble(void)
{
  static uint8_t buf[OSPY_EVENT_MAX_SIZE];
  const char *why = NULL;
  /* a slot whose commit word looks right but whose size is absurd */
  CHECK(ospy_ring_create(&ring, 1u << 16, "", 0, 0) == 0);
  uint64_t *slot = (uint64_t *)ring.data;
  slot[0] = 1;
  slot[1] = 0xfffffff0u;
  CHECK(ospy_ring_consume(&ring, buf, sizeof buf, &why) == -1 && why);
  CHECK(ospy_ring_consume(&ring, buf, sizeof buf, &why) == 0); /* stays stopped */
  ospy_ring_close(&ring);

  /* a record with a valid slot but a lying record header */
  CHECK(ospy_ring_create(&ring, 1u << 16, "", 0, 0) == 0);
  uint64_t tok;
  ospy_event_call *c = ospy_ring_reserve(&ring, 0, sizeof *c, 0, &tok, NULL);
  memset(c, 0, sizeof *c);
  c->h = (ospy_event_hdr){ sizeof *c, OSPY_EV_CALL, 0, 1, 1, 0 };
  c->arch_bits = 64;
  c->enter_len = 1u << 30; /* overruns the record */
  ospy_ring_commit(&ring, tok);
  CHECK(ospy_ring_consume(&ring, buf, sizeof buf, &why) == -1);
  CHECK(strstr(why, "overrun") != NULL);
  ospy_ring_close(&ring);

  /* random garbage everywhere: bounded work, no crash */
  CHECK(ospy_ring_create(&ring, 1u << 16, "", 0, 0) == 0);
  uint32_t x = 12345;
  for (size_t i = 0; i < (1u << 16) / 4; i++) {
    x = x * 1103515245u + 12345u;
    ((uint32_t *)ring.data)[i] = x;
  }
  slot = (uint64_t *)ring.data;
  slot[0] = 1; /* make the first slot look committed */
  for (int i = 0; i < 100; i++)
    CHECK(ospy_ring_consume(&ring, buf, sizeof buf, &why) <= 0 || ring.cur[0].ctail <= (1u << 16) * 2);
  ospy_ring_close(&ring);
}

/* A Lost record of tid 1 with count n, committed or (commit 0) left
 * unfinished, as by a thread that died writing it. */
static void put(uint32_t size, uint64_t n, int commit)
{
  uint64_t tok;
  ospy_event_lost *e = ospy_ring_reserve(&ring, 1, size, 0, &tok, NULL);
  CHECK(e != NULL);
  memset(e, 0, size);
  e->h = (ospy_event_hdr){ size, OSPY_EV_LOST, 0, 1, 1, n };
  e->count = n;
  if (commit)
    ospy_ring_commit(&ring, tok);
}

/* The count of the next record, 0 when none is ready. */
static uint64_t next_count(void)
{
  static uint8_t buf[OSPY_EVENT_MAX_SIZE];
  const char *why;
  long n = ospy_ring_consume(&ring, buf, sizeof buf, &why);
  CHECK(n >= 0);
  return n ? ((const ospy_event_lost *)buf)->count : 0;
}

/* Slots reserved and never committed (their threads died) are passed once
 * the producers are gone, one or several in a row, before the lane's end
 * padding and after it (the stale words of the last lap there name an older
 * position), and at the head; committed records are all read. */
static void unfinished(void)
{
  CHECK(ospy_ring_create(&ring, 1u << 16, "", 0, 0) == 0);
  CHECK(ospy_ring_skip_unfinished(&ring) == 0); /* empty */
  put(sizeof(ospy_event_lost), 1, 1);
  put(sizeof(ospy_event_lost), 0, 0);
  put(96, 0, 0);
  put(sizeof(ospy_event_lost), 2, 1);
  CHECK(next_count() == 1 && next_count() == 0); /* held back by the unfinished ones */
  CHECK(ospy_ring_skip_unfinished(&ring) == 1);
  CHECK(next_count() == 2 && next_count() == 0);
  CHECK(ospy_ring_skip_unfinished(&ring) == 0); /* nothing held back */
  put(sizeof(ospy_event_lost), 0, 0); /* the last one reserved */
  CHECK(ospy_ring_skip_unfinished(&ring) == 1 && next_count() == 0);
  CHECK(ring.cur[0].ctail == atomic_load(&ring.ctl->lane[0].head));
  /* up to the end of the lane, then one that needs padding, unfinished */
  uint64_t n = 3;
  while (((atomic_load(&ring.ctl->lane[0].head) + 256) & ring.mask) > 200) {
    put(sizeof(ospy_event_lost), n, 1);
    CHECK(next_count() == n++);
  }
  put(256, 0, 0);
  put(sizeof(ospy_event_lost), n, 1);
  CHECK(next_count() == 0); /* (the padding passed) */
  CHECK(ospy_ring_skip_unfinished(&ring) == 1);
  CHECK(next_count() == n && next_count() == 0);
  CHECK(ring.cur[0].ctail > ring.mask + 1); /* on the lane's second lap */
  ospy_ring_close(&ring);
}

static int gone_answer;
static unsigned gone_asked;
static int gone(uint32_t tid)
{
  CHECK(tid == 1);
  gone_asked++;
  return gone_answer;
}

/* While producers still run: a slot its writer claimed and left is passed
 * only once it has waited the time given and its writer is gone; one
 * nobody claimed (its writer died before the claim) is never passed. */
static void dead_writers(void)
{
  ospy_ring_writer by[OSPY_RING_MAX_LANES];
  CHECK(ospy_ring_create(&ring, 1u << 16, "", 0, 0) == 0);
  CHECK(ospy_ring_pass_dead_writers(&ring, 5, 1000, gone, by) == 0); /* empty */
  put(sizeof(ospy_event_lost), 1, 1);
  put(sizeof(ospy_event_lost), 0, 0);
  put(sizeof(ospy_event_lost), 2, 1);
  CHECK(next_count() == 1 && next_count() == 0);
  CHECK(ospy_ring_pass_dead_writers(&ring, 1000, 1000, gone, by) == 0); /* its clock starts */
  CHECK(ospy_ring_pass_dead_writers(&ring, 1999, 1000, gone, by) == 0 && gone_asked == 0);
  CHECK(ospy_ring_pass_dead_writers(&ring, 2000, 1000, gone, by) == 0 && gone_asked == 1);
  CHECK(ospy_ring_pass_dead_writers(&ring, 2500, 1000, gone, by) == 0 && gone_asked == 1);
  gone_answer = 1;
  CHECK(ospy_ring_pass_dead_writers(&ring, 3000, 1000, gone, by) == 1 && gone_asked == 2);
  CHECK(by[0].pid == 1 && by[0].tid == 1); /* (put wrote the header) */
  CHECK(next_count() == 2 && next_count() == 0);
  /* reserved, not claimed: the commit word still holds an older lap's */
  put(sizeof(ospy_event_lost), 0, 0);
  put(sizeof(ospy_event_lost), 3, 1);
  uint64_t at = ring.cur[0].ctail;
  atomic_store((_Atomic uint64_t *)(ring.data + (at & ring.mask)), 0);
  for (uint64_t t = 4000; t < 10000; t += 1000)
    CHECK(ospy_ring_pass_dead_writers(&ring, t, 1000, gone, by) == 0);
  CHECK(next_count() == 0);
  CHECK(ospy_ring_skip_unfinished(&ring) == 1 && next_count() == 3); /* at the end, still */
  ospy_ring_close(&ring);
}

/* The type of the next record (its count in *n), 0 when none is ready. */
static uint16_t next_record(uint64_t *n)
{
  static uint8_t buf[OSPY_EVENT_MAX_SIZE];
  const char *why;
  long len = ospy_ring_consume(&ring, buf, sizeof buf, &why);
  CHECK(len >= 0);
  const ospy_event_hdr *h = (const ospy_event_hdr *)buf;
  if (len && h->type == OSPY_EV_LOST)
    *n = ((const ospy_event_lost *)buf)->count;
  return len ? h->type : 0;
}

/* What the agent writes in a slot its thread left unfinished. */
static void put_void(void *rec)
{
  *(ospy_event_hdr *)rec = (ospy_event_hdr){ sizeof(ospy_event_hdr), OSPY_EV_VOID, 0, 1, 1, 0 };
}

/* A committed Lost record of count n written by another thread (tid 2),
 * in the same lane (the ring has one): a writer after ours. */
static void *put_other(void *n)
{
  uint64_t tok;
  ospy_event_lost *e = ospy_ring_reserve(&ring, 2, sizeof *e, 0, &tok, NULL);
  CHECK(e != NULL);
  e->h = (ospy_event_hdr){ sizeof *e, OSPY_EV_LOST, 0, 1, 2, (uint64_t)(uintptr_t)n };
  e->count = (uint64_t)(uintptr_t)n;
  ospy_ring_commit(&ring, tok);
  return NULL;
}

static void put_by_other(uint64_t n)
{
  pthread_t t;
  CHECK(pthread_create(&t, NULL, put_other, (void *)(uintptr_t)n) == 0);
  CHECK(pthread_join(t, NULL) == 0);
}

/* Whether the watched thread was seen with SIGUSR1 (and SIGALRM) blocked
 * while watching was set (its /proc status, polled). */
static pid_t watch_tid;
static _Atomic int watching;
static int saw_held;

static void *watch_mask(void *arg)
{
  (void)arg;
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)watch_tid);
  while (atomic_load(&watching) && !saw_held) {
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) {
      unsigned long long blk;
      if (sscanf(line, "SigBlk: %llx", &blk) == 1)
        saw_held = (blk >> (SIGUSR1 - 1) & 1) && (blk >> (SIGALRM - 1) & 1);
    }
    if (f)
      fclose(f);
    usleep(100);
  }
  return NULL;
}

/* A record this thread reserved and left unfinished (a signal handler
 * jumped out of the code between reserve and commit) is found again by
 * ospy_ring_take_unfinished and made whole by its caller, so that its lane
 * moves on: one claimed; one the jump left right after the reservation's
 * CAS, before its claim (taken for ours when nobody claims it for 10 ms);
 * one of those that needed the lane's end padded first. None once
 * committed, nor when the slot is another writer's (our CAS failed). */
static void left_by_jump(void)
{
  uint32_t room;
  uint64_t tok, n = 0;
  CHECK(ospy_ring_create(&ring, 1u << 16, "", 0, 0) == 0);
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == NULL); /* nothing reserved */
  put(sizeof(ospy_event_lost), 1, 1);
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == NULL); /* committed */
  CHECK(next_count() == 1);
  /* claimed; its size word not written (a second jump, at a signal the
   * recovery's wait held, came between its claim and its size) */
  void *rec = ospy_ring_reserve(&ring, 1, sizeof(ospy_event_lost), 0, &tok, NULL);
  ((uint32_t *)(ring.data + (tok & ring.mask)))[2] = 0; /* (slot_hdr's size) */
  put_by_other(2);
  CHECK(next_count() == 0); /* held back */
  uint64_t want = tok;
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == rec);
  CHECK(tok == want && room >= sizeof(ospy_event_lost));
  put_void(rec);
  ospy_ring_commit(&ring, tok);
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == NULL); /* done */
  CHECK(next_record(&n) == OSPY_EV_VOID && next_count() == 2 && next_count() == 0);
  /* no claim yet: the slot's commit word is an older lap's; the wait holds
   * the thread's signals (a handler that jumps out again at each signal cut
   * it short, and the thread stalled as long as signals came), and gives
   * the mask back */
  rec = ospy_ring_reserve(&ring, 1, sizeof(ospy_event_lost), 0, &tok, NULL);
  atomic_store((_Atomic uint64_t *)(ring.data + (tok & ring.mask)), 0);
  put_by_other(3);
  sigset_t before, after;
  CHECK(pthread_sigmask(SIG_SETMASK, NULL, &before) == 0);
  watch_tid = (pid_t)syscall(SYS_gettid);
  atomic_store(&watching, 1);
  pthread_t w;
  CHECK(pthread_create(&w, NULL, watch_mask, NULL) == 0);
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == rec);
  atomic_store(&watching, 0);
  CHECK(pthread_join(w, NULL) == 0);
  CHECK(saw_held); /* (SIGUSR1 blocked while it waited) */
  CHECK(pthread_sigmask(SIG_SETMASK, NULL, &after) == 0);
  CHECK(sigismember(&after, SIGUSR1) == sigismember(&before, SIGUSR1));
  CHECK(sigismember(&after, SIGALRM) == sigismember(&before, SIGALRM));
  put_void(rec);
  ospy_ring_commit(&ring, tok);
  CHECK(next_record(&n) == OSPY_EV_VOID && next_count() == 3 && next_count() == 0);
  /* another writer's slot where ours would have been: committed */
  rec = ospy_ring_reserve(&ring, 1, sizeof(ospy_event_lost), 0, &tok, NULL);
  atomic_store((_Atomic uint64_t *)(ring.data + (tok & ring.mask)), tok + 1); /* (lane 0: the position) */
  ((ospy_event_lost *)rec)->h = (ospy_event_hdr){ sizeof(ospy_event_lost), OSPY_EV_LOST, 0, 1, 2, 0 };
  ((ospy_event_lost *)rec)->count = 4;
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == NULL);
  CHECK(next_count() == 4 && next_count() == 0);
  /* one that needed padding, left before its padding and its claim */
  while (((atomic_load(&ring.ctl->lane[0].head) + 256) & ring.mask) > 200) {
    put(sizeof(ospy_event_lost), 5, 1);
    CHECK(next_count() == 5);
  }
  uint64_t at = atomic_load(&ring.ctl->lane[0].head);
  rec = ospy_ring_reserve(&ring, 1, 256, 0, &tok, NULL);
  CHECK(tok > at && (tok & ring.mask) == 0); /* (after the padding) */
  atomic_store((_Atomic uint64_t *)(ring.data + (at & ring.mask)), 0);
  atomic_store((_Atomic uint64_t *)(ring.data + (tok & ring.mask)), 0);
  put_by_other(6);
  CHECK(next_count() == 0);
  CHECK(ospy_ring_take_unfinished(&ring, 1, &room, &tok) == rec && room >= 256);
  put_void(rec);
  ospy_ring_commit(&ring, tok);
  CHECK(next_record(&n) == OSPY_EV_VOID && next_count() == 6 && next_count() == 0);
  ospy_ring_close(&ring);
}

int main(void)
{
  run(0, 1u << 16, 1);
  run(0, 16u << 20, 4);
  uint64_t lost = run(1, 1u << 16, 1);
  printf("lossy run dropped %llu\n", (unsigned long long)lost);
  run(1, 8u << 20, 2);
  merge_order();
  scribble();
  unfinished();
  dead_writers();
  left_by_jump();
  printf("ring tests passed\n");
  return 0;
}
