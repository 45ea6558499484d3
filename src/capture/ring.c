/* Shared-memory MPSC ring; see ring.h for the protocol. */
#include "capture/ring.h"

#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/prefetch.h"
#include "capture/event.h"

#define SLOT_HDR 16u
#define SLOT_PAD 1u
#define SLOT_REC 0u
/* A reserved slot's commit word until the record is complete: the claim of
 * thread tid on position pos (its low 36 bits, which no other lap near it
 * shares), so that the consumer can pass a slot whose writer died while
 * other processes write on (ospy_ring_pass_dead_writers). Bit 63 never
 * appears in a commit word (a position + 1). */
#define SLOT_CLAIMED (1ull << 63)
#define SLOT_CLAIM_TID(c) ((uint32_t)((c) >> 32) & 0x7fffffffu)

static uint64_t slot_claim(uint64_t pos, uint32_t tid)
{
  return SLOT_CLAIMED | (uint64_t)(tid & 0x7fffffffu) << 32 | (uint32_t)(pos >> 4);
}
/* The control page is shared by 64-bit controllers and i386 agents: the
 * same layout on both (an i386 uint64_t alone would be 4-aligned). */
_Static_assert(sizeof(ospy_ring_lost) == 24 && _Alignof(ospy_ring_lost) == 8,
               "ospy_ring_lost: one layout for i386 and x86-64");
/* Pauses a producer spins on a full lane before it sleeps on the futex: a
 * short spin, as the consumer frees room a 1/16 of a lane at a time and
 * wakes sleepers then; with 2000 (~80 us) the producers of a two-thread
 * program spun on the CPUs the consumer needed (10 M calls from 2 threads,
 * under load: 4.9 s, 3.9 s with 100). */
#define SPIN_LIMIT 100
/* How far ahead of its record a producer asks for the lines it writes next. */
#define PREFETCH_AHEAD 2048u

static _Atomic uint64_t map_generation; /* agent: numbers ring mappings */

typedef struct slot_hdr {
  _Atomic uint64_t commit; /* absolute position + 1 once complete */
  uint32_t size;           /* whole slot, multiple of 16 */
  uint32_t kind;           /* SLOT_REC or SLOT_PAD */
} slot_hdr;

static long futex_op(_Atomic uint32_t *addr, int op, uint32_t val, int timeout_ms)
{
  struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
  return syscall(SYS_futex, (uint32_t *)addr, op, val, timeout_ms >= 0 ? &ts : NULL, NULL, 0);
}

static size_t page_round(size_t n)
{
  return (n + 4095u) & ~(size_t)4095u;
}

/* ---------------- controller ---------------- */

/* 4 lanes when each can hold OSPY_RING_LANE_MIN, else 2, else 1: a lane
 * must take the largest record (a quarter of it, ospy_ring_reserve). */
static uint32_t lanes_for(uint32_t data_size)
{
  uint32_t n = OSPY_RING_MAX_LANES;
  while (n > 1 && data_size / n < OSPY_RING_LANE_MIN)
    n /= 2;
  return n;
}

static void cursors_reset(ospy_ring *r)
{
  for (uint32_t i = 0; i < OSPY_RING_MAX_LANES; i++)
    r->cur[i] = (ospy_ring_cursor){ .limit = UINT64_MAX };
}

int ospy_ring_create(ospy_ring *r, uint32_t data_size, const void *plan, size_t plan_len,
                     uint32_t flags)
{
  memset(r, 0, sizeof *r);
  r->fd = -1;
  if (data_size < 65536 || (data_size & (data_size - 1)) || plan_len > (64u << 20))
    return -EINVAL;
  size_t plan_off = page_round(sizeof(ospy_ring_ctl));
  size_t data_off = plan_off + page_round(plan_len ? plan_len : 1);
  size_t total = data_off + data_size;
  int fd = memfd_create("ospy-ring", 0); /* inherited by the target on purpose */
  if (fd < 0)
    return -errno;
  if (ftruncate(fd, (off_t)total) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    int e = errno;
    close(fd);
    return -e;
  }
  r->ctl = m;
  r->data = (uint8_t *)m + data_off;
  r->lanes = lanes_for(data_size);
  r->mask = data_size / r->lanes - 1;
  r->map_len = total;
  r->fd = fd;
  r->data_size = data_size;
  cursors_reset(r);
  ospy_ring_ctl *c = r->ctl;
  c->version = OSPY_RING_VERSION;
  c->data_offset = (uint32_t)data_off;
  c->data_size = data_size;
  c->lanes = r->lanes;
  c->plan_offset = (uint32_t)plan_off;
  c->plan_len = (uint32_t)plan_len;
  c->flags = flags;
  c->controller_pid = (uint32_t)getpid();
  c->controller_fd = (uint32_t)fd;
  if (plan_len)
    memcpy((uint8_t *)m + plan_off, plan, plan_len);
  atomic_store(&c->magic, OSPY_RING_MAGIC);
  return 0;
}

static long consume_fail(ospy_ring *r, const char **why, const char *msg)
{
  r->corrupt = 1;
  *why = msg;
  return -1;
}

static uint8_t *lane_data(const ospy_ring *r, uint32_t lane)
{
  return r->data + (size_t)lane * (r->mask + 1);
}

/* Makes the consumed space of a lane available to its producers. */
static void publish_tail(ospy_ring *r, uint32_t lane)
{
  ospy_ring_cursor *k = &r->cur[lane];
  ospy_ring_lane *l = &r->ctl->lane[lane];
  if (k->published == k->ctail)
    return;
  k->published = k->ctail;
  atomic_store_explicit(&l->tail, k->ctail, memory_order_seq_cst);
  if (atomic_load(&l->producers_waiting)) {
    atomic_store(&l->producers_waiting, 0);
    atomic_fetch_add(&l->tail_futex, 1);
    futex_op(&l->tail_futex, FUTEX_WAKE, INT32_MAX, -1);
  }
}

/* Publishing tail per record would make every producer's next reservation
 * miss the line the consumer just wrote. */
static void advance(ospy_ring *r, uint32_t lane, uint64_t by)
{
  ospy_ring_cursor *k = &r->cur[lane];
  k->ctail += by;
  if (k->ctail - k->published >= (r->mask + 1) / 16)
    publish_tail(r, lane);
}

/* The merge key of a committed record: when it was produced (a call's
 * record is written at its leave). Read from shared memory, so only used to
 * order: whatever the target wrote there, the record is validated later. */
static uint64_t record_key(const uint8_t *rec, size_t len)
{
  const ospy_event_hdr *h = (const ospy_event_hdr *)rec;
  if (len >= sizeof(ospy_event_call) && h->type == OSPY_EV_CALL) {
    uint64_t leave = ((const ospy_event_call *)rec)->ts_leave;
    if (leave)
      return leave;
  }
  return len >= sizeof *h ? h->ts : 0;
}

/* The record ready at the head of a lane, after skipping padding: 1, its
 * key and its slot's size (checked: take uses it, never the shared word
 * again), 0 when none is ready, -1 when the lane holds garbage. */
static int lane_peek(ospy_ring *r, uint32_t lane, uint64_t *key, uint32_t *slot_size,
                     const char **why)
{
  ospy_ring_cursor *k = &r->cur[lane];
  uint32_t cap = (uint32_t)(r->mask + 1);
  if (k->ready && k->ctail < k->limit) {
    /* found by an earlier consume that took another lane's record: read
     * once, not once per record of the other lanes */
    *key = k->key;
    *slot_size = k->size;
    return 1;
  }
  for (;;) {
    if (k->ctail >= k->limit)
      return 0;
    uint64_t off = k->ctail & r->mask;
    slot_hdr *s = (slot_hdr *)(lane_data(r, lane) + off);
    if (atomic_load_explicit(&s->commit, memory_order_acquire) != k->ctail + 1)
      return 0;
    uint32_t size = s->size, kind = s->kind; /* read once: the target may change them */
    if (size < SLOT_HDR || size % SLOT_HDR || size > cap - off) {
      *why = "ring slot size out of bounds";
      return -1;
    }
    if (kind == SLOT_PAD) {
      if (off + size != cap) {
        *why = "ring padding not at the end of the ring";
        return -1;
      }
      advance(r, lane, size);
      continue;
    }
    if (kind != SLOT_REC) {
      *why = "unknown ring slot kind";
      return -1;
    }
    *key = k->key = record_key((const uint8_t *)(s + 1), size - SLOT_HDR);
    *slot_size = k->size = size;
    k->ready = 1;
    return 1;
  }
}

/* How far ahead of its read position the consumer asks for the lines of a
 * lane: the records there were written on another core, and each line
 * read in turn would wait for its transfer. */
#define CONSUMER_PREFETCH 1024u

/* Asks for the lines a few records ahead, when the bound (the head at the
 * start of the drain: written, or being written) says they are in use: a
 * line the producer has yet to write would be taken from it. */
static void prefetch_committed(const ospy_ring *r, uint32_t lane)
{
  const ospy_ring_cursor *k = &r->cur[lane];
  uint64_t at = k->ctail + CONSUMER_PREFETCH;
  if (at + 128 <= k->limit) {
    const uint8_t *p = lane_data(r, lane) + (at & r->mask & ~(uint64_t)63);
    __builtin_prefetch(p);
    __builtin_prefetch(lane_data(r, lane) + ((at + 64) & r->mask & ~(uint64_t)63));
  }
}

/* Copies the record lane_peek found (slot of size bytes) out, validates the copy. */
static long take(ospy_ring *r, uint32_t lane, uint32_t size, void *buf, size_t cap,
                 const char **why)
{
  slot_hdr *s = (slot_hdr *)(lane_data(r, lane) + (r->cur[lane].ctail & r->mask));
  size_t rec_len = size - SLOT_HDR;
  if (rec_len > cap)
    return consume_fail(r, why, "ring record larger than the consumer buffer");
  memcpy(buf, s + 1, rec_len);
  if (ospy_event_validate(buf, rec_len, why) < 0)
    return consume_fail(r, why, *why);
  long n = (long)((const ospy_event_hdr *)buf)->size;
  r->cur[lane].ready = 0;
  r->taken_lane = lane;
  r->taken_at = r->cur[lane].ctail;
  r->taken_end = r->taken_at + size;
  advance(r, lane, size);
  prefetch_committed(r, lane);
  return n;
}

long ospy_ring_consume(ospy_ring *r, void *buf, size_t cap, const char **why)
{
  if (r->corrupt)
    return 0;
  int best = -1;
  uint64_t best_key = 0;
  uint32_t best_size = 0;
  for (uint32_t i = 0; i < r->lanes; i++) {
    uint64_t key;
    uint32_t size;
    int k = lane_peek(r, i, &key, &size, why);
    if (k < 0)
      return consume_fail(r, why, *why);
    if (k > 0 && (best < 0 || key < best_key)) {
      best = (int)i;
      best_key = key;
      best_size = size;
    }
  }
  if (best < 0) {
    for (uint32_t i = 0; i < r->lanes; i++)
      publish_tail(r, i); /* dry: whatever was read is free again */
    return 0;
  }
  return take(r, (uint32_t)best, best_size, buf, cap, why);
}

/* The first slot after the one at ctail that was committed (its commit
 * word is its own position + 1, which no older lap of the lane and no
 * unfinished slot holds), or head when none is. */
static uint64_t next_committed(const ospy_ring *r, uint32_t lane, uint64_t ctail, uint64_t head)
{
  for (uint64_t q = ctail + SLOT_HDR; q < head; q += SLOT_HDR) {
    const slot_hdr *s = (const slot_hdr *)(lane_data(r, lane) + (q & r->mask));
    if (atomic_load_explicit(&s->commit, memory_order_acquire) == q + 1)
      return q;
  }
  return head;
}

unsigned ospy_ring_skip_unfinished(ospy_ring *r)
{
  unsigned passed = 0;
  if (r->corrupt)
    return 0;
  for (uint32_t i = 0; i < r->lanes; i++) {
    ospy_ring_cursor *k = &r->cur[i];
    uint64_t head = atomic_load(&r->ctl->lane[i].head);
    /* (producers never reserve more than a lane ahead of the tail: a head
     * further on was written by the target, not reserved) */
    if (k->ready || k->ctail >= head || head - k->ctail > r->mask + 1)
      continue;
    const slot_hdr *s = (const slot_hdr *)(lane_data(r, i) + (k->ctail & r->mask));
    if (atomic_load_explicit(&s->commit, memory_order_acquire) == k->ctail + 1)
      continue; /* committed: consume takes it */
    /* (its size word may be a lap old: the thread can die before writing it) */
    advance(r, i, next_committed(r, i, k->ctail, head) - k->ctail);
    publish_tail(r, i);
    passed++;
  }
  return passed;
}

/* The thread that claimed the slot at ctail of lane i and has not
 * committed it, with the slot's size; 0 when there is none (nothing
 * reserved there, committed, or claimed by nobody yet: a writer that died
 * between its reservation and its claim is not known). */
static uint32_t claimant(const ospy_ring *r, uint32_t i, uint64_t head, uint32_t *size)
{
  const ospy_ring_cursor *k = &r->cur[i];
  if (k->ready || k->ctail >= head || head - k->ctail > r->mask + 1)
    return 0;
  const slot_hdr *s = (const slot_hdr *)(lane_data(r, i) + (k->ctail & r->mask));
  uint64_t c = atomic_load_explicit(&s->commit, memory_order_acquire);
  if (c != slot_claim(k->ctail, SLOT_CLAIM_TID(c)))
    return 0;
  uint32_t sz = s->size; /* written before the claim; still checked */
  uint64_t room = (r->mask + 1) - (k->ctail & r->mask);
  if (sz < SLOT_HDR || sz % SLOT_HDR || sz > room || sz > head - k->ctail)
    return 0;
  *size = sz;
  return SLOT_CLAIM_TID(c);
}

/* The process of the claimant: its record's header, when written already
 * (its tid is the claimant's), else 0. */
static uint32_t claimant_pid(const ospy_ring *r, uint32_t i, uint32_t tid, uint32_t size)
{
  const ospy_ring_cursor *k = &r->cur[i];
  if (size < SLOT_HDR + sizeof(ospy_event_hdr))
    return 0;
  const ospy_event_hdr *h = (const ospy_event_hdr *)(lane_data(r, i) + (k->ctail & r->mask) + SLOT_HDR);
  return h->tid == tid ? h->pid : 0;
}

unsigned ospy_ring_pass_dead_writers(ospy_ring *r, uint64_t now_ms, uint32_t after_ms,
                                     int (*thread_gone)(uint32_t tid), ospy_ring_writer *passed_by)
{
  unsigned passed = 0;
  if (r->corrupt)
    return 0;
  for (uint32_t i = 0; i < r->lanes; i++) {
    ospy_ring_cursor *k = &r->cur[i];
    uint32_t size = 0;
    uint32_t tid = claimant(r, i, atomic_load(&r->ctl->lane[i].head), &size);
    if (!tid) {
      k->stuck_since = 0;
      continue;
    }
    if (!k->stuck_since || k->stuck_at != k->ctail) {
      k->stuck_at = k->ctail; /* a writer is busy here: give it time */
      k->stuck_since = now_ms ? now_ms : 1;
      continue;
    }
    if (now_ms - k->stuck_since < after_ms)
      continue;
    k->stuck_since = now_ms; /* asked again after as long, if alive */
    if (!thread_gone(tid))
      continue;
    passed_by[passed++] = (ospy_ring_writer){ claimant_pid(r, i, tid, size), tid };
    advance(r, i, size);
    publish_tail(r, i);
    k->stuck_since = 0;
  }
  return passed;
}

void ospy_ring_bound(ospy_ring *r)
{
  for (uint32_t i = 0; i < r->lanes; i++)
    r->cur[i].limit = atomic_load(&r->ctl->lane[i].head);
}

void ospy_ring_unbound(ospy_ring *r)
{
  for (uint32_t i = 0; i < r->lanes; i++)
    r->cur[i].limit = UINT64_MAX;
}

int ospy_ring_has_lost_probe(const ospy_ring *r, uint32_t pid, uint32_t tid)
{
  const ospy_ring_lost *t = r->ctl->lost;
  uint32_t h = tid % (OSPY_RING_LOST_SLOTS - 1);
  for (uint32_t i = 0; i < OSPY_RING_LOST_SLOTS - 1; i++) { /* ospy_ring_count_lost's probe */
    const ospy_ring_lost *e = &t[(h + i) % (OSPY_RING_LOST_SLOTS - 1)];
    uint32_t cur = atomic_load_explicit(&e->tid, memory_order_relaxed);
    if (cur == 0)
      return 0;
    if (cur == tid && atomic_load_explicit(&e->pid, memory_order_relaxed) == pid)
      return atomic_load_explicit(&e->count, memory_order_relaxed) != 0;
  }
  return atomic_load_explicit(&t[OSPY_RING_LOST_SLOTS - 1].count, memory_order_relaxed) != 0;
}

uint64_t ospy_ring_consumed(const ospy_ring *r)
{
  uint64_t n = 0;
  for (uint32_t i = 0; i < r->lanes; i++)
    n += r->cur[i].ctail;
  return n;
}

/* Whether a lane holds enough to be worth a drain: a consumer that reads
 * each record as soon as it lands shares the cache line the producer writes
 * next, and every store of the producer's next record then waits for the
 * line to come back (measured: the hooked call twice as slow). */
static int batch_ready(const ospy_ring *r)
{
  uint64_t batch = (r->mask + 1) / 32;
  for (uint32_t i = 0; i < r->lanes; i++) {
    uint64_t head = atomic_load_explicit(&r->ctl->lane[i].head, memory_order_relaxed);
    if (head - r->cur[i].ctail >= batch)
      return 1;
  }
  return 0;
}

void ospy_ring_wait(ospy_ring *r, int timeout_ms)
{
  ospy_ring_ctl *c = r->ctl;
  uint32_t v = atomic_load(&c->wake_futex);
  atomic_store(&c->consumer_sleeping, 1);
  if (r->corrupt || batch_ready(r)) {
    atomic_store(&c->consumer_sleeping, 0);
    return;
  }
  futex_op(&c->wake_futex, FUTEX_WAIT, v, timeout_ms);
  atomic_store(&c->consumer_sleeping, 0);
}

void ospy_ring_wake_producers(ospy_ring *r)
{
  for (uint32_t i = 0; i < r->lanes; i++) {
    ospy_ring_lane *l = &r->ctl->lane[i];
    atomic_fetch_add(&l->tail_futex, 1);
    futex_op(&l->tail_futex, FUTEX_WAKE, INT32_MAX, -1);
  }
}

void ospy_ring_close(ospy_ring *r)
{
  if (r->ctl)
    munmap(r->ctl, r->map_len);
  if (r->fd >= 0)
    close(r->fd);
  r->ctl = NULL;
  r->fd = -1;
}

/* ---------------- agent ---------------- */

/* A token is the slot's absolute position in its lane, the lane in the top byte. */
#define TOKEN_LANE_SHIFT 56

/* The ring's header as fd holds it, checked: 0, or -1 (not a ring of ours). */
static int read_head(int fd, ospy_ring_ctl *head)
{
  if (pread(fd, head, sizeof *head, 0) != (ssize_t)sizeof *head)
    return -1;
  if (head->magic != OSPY_RING_MAGIC || head->version != OSPY_RING_VERSION ||
      head->data_size < 65536 || (head->data_size & (head->data_size - 1)) ||
      (head->lanes != 1 && head->lanes != 2 && head->lanes != 4) ||
      head->data_offset < sizeof *head || head->data_offset % 4096 ||
      head->plan_offset < sizeof *head ||
      (uint64_t)head->plan_offset + head->plan_len > head->data_offset)
    return -1;
  return 0;
}

int ospy_ring_is_ring(int fd)
{
  ospy_ring_ctl head;
  return read_head(fd, &head) == 0;
}

int ospy_ring_map(ospy_ring *r, int fd)
{
  memset(r, 0, sizeof *r);
  r->fd = fd;
  ospy_ring_ctl head;
  if (read_head(fd, &head) < 0)
    return -1;
  size_t total = (size_t)head.data_offset + head.data_size;
  void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED)
    return -1;
  r->ctl = m;
  r->gen = atomic_fetch_add(&map_generation, 1) + 1;
  r->data = (uint8_t *)m + head.data_offset;
  r->lanes = head.lanes; /* the copy checked above, not the shared word */
  r->mask = head.data_size / head.lanes - 1;
  r->map_len = total;
  r->data_size = head.data_size;
  return 0;
}

static void wake_consumer(ospy_ring_ctl *c)
{
  atomic_store(&c->consumer_sleeping, 0);
  atomic_fetch_add(&c->wake_futex, 1);
  futex_op(&c->wake_futex, FUTEX_WAKE, 1, -1);
}

static int wait_for_room(ospy_ring *r, ospy_ring_lane *l, uint64_t need_tail, int *spins,
                         int (*alive)(void))
{
  ospy_ring_ctl *c = r->ctl;
  if (++*spins < SPIN_LIMIT) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause");
#endif
    return 0;
  }
  uint32_t v = atomic_load(&l->tail_futex);
  atomic_store(&l->producers_waiting, 1);
  if (atomic_load(&c->consumer_sleeping))
    wake_consumer(c); /* full: it must not sleep out its timeout */
  if (atomic_load(&l->tail) >= need_tail)
    return 0;
  if (alive && !alive())
    return -1; /* nobody will make room: do not wait for it */
  long rc = futex_op(&l->tail_futex, FUTEX_WAIT, v, 200);
  if (rc < 0 && errno == ETIMEDOUT && alive && !alive())
    return -1;
  return 0;
}

/* This thread's last read of its lane's tail: it only grows, so a stale copy
 * is merely pessimistic, and tail is re-read only when the copy says full. */
static __thread uint64_t seen_tail __attribute__((tls_model("initial-exec")));
/* ...of the ring mapped under this number (a later attach maps a new ring,
 * maybe at the same address) and of this lane (a forked child's thread has
 * a new id, maybe another lane) */
static __thread uint64_t seen_gen __attribute__((tls_model("initial-exec")));
static __thread uint32_t seen_lane __attribute__((tls_model("initial-exec")));
/* This thread's reservation until its commit (ospy_ring_take_unfinished):
 * the slot's size | its lane, and the head the reservation's CAS expects |
 * 1 (its low bits on i386: a signal may land between two halves of a
 * 64-bit store), stored before the CAS; 0 once committed. */
static __thread uint32_t reserving_slot __attribute__((tls_model("initial-exec")));
static __thread uintptr_t reserving_at __attribute__((tls_model("initial-exec")));

/* The consumer read the lines a producer writes next (one lap ago): a store
 * to one waits for the line to come back, and with the store buffer full
 * behind it the hooked call stalls (measured: twice as slow with the
 * consumer on another core). Asked for a few records ahead, the line is
 * ours by the time it is written. */
static void prefetch_ahead(uint8_t *data, uint64_t mask, uint64_t pos)
{
  uint8_t *p = data + ((pos + PREFETCH_AHEAD) & mask & ~(uint64_t)63);
  ospy_arch_prefetch_write(p);
  ospy_arch_prefetch_write(data + ((pos + PREFETCH_AHEAD + 64) & mask & ~(uint64_t)63));
}

uint32_t ospy_ring_max_record(const ospy_ring *r)
{
  return (uint32_t)((r->mask + 1) / 4 - SLOT_HDR);
}

void *ospy_ring_reserve(ospy_ring *r, uint32_t tid, uint32_t rec_size, int lossy,
                        uint64_t *token, int (*alive)(void))
{
  return ospy_ring_reserve_in(r, tid, tid, rec_size, lossy, token, alive);
}

void *ospy_ring_reserve_in(ospy_ring *r, uint32_t lane_tid, uint32_t tid, uint32_t rec_size,
                           int lossy, uint64_t *token, int (*alive)(void))
{
  uint32_t lane = lane_tid & (r->lanes - 1); /* lanes: 1, 2 or 4 */
  ospy_ring_lane *l = &r->ctl->lane[lane];
  uint8_t *data = r->data + (size_t)lane * (r->mask + 1);
  uint64_t slot = (SLOT_HDR + (uint64_t)rec_size + SLOT_HDR - 1) & ~(uint64_t)(SLOT_HDR - 1);
  uint64_t cap = r->mask + 1;
  int spins = 0;
  if (slot > cap / 4)
    return NULL;
  if (seen_gen != r->gen || seen_lane != lane) {
    seen_gen = r->gen;
    seen_lane = lane;
    seen_tail = atomic_load_explicit(&l->tail, memory_order_acquire);
  }
  reserving_slot = (uint32_t)slot | lane;
  for (;;) {
    uint64_t head = atomic_load_explicit(&l->head, memory_order_relaxed);
    uint64_t off = head & r->mask;
    uint64_t pad = off + slot > cap ? cap - off : 0;
    uint64_t tail = seen_tail;
    if (head + pad + slot - tail > cap) {
      seen_tail = tail = atomic_load_explicit(&l->tail, memory_order_acquire);
      if (head + pad + slot - tail <= cap)
        continue;
      if (lossy || wait_for_room(r, l, head + pad + slot - cap, &spins, alive) < 0) {
        reserving_at = 0;
        return NULL;
      }
      continue;
    }
    reserving_at = (uintptr_t)head | 1;
    if (!atomic_compare_exchange_weak(&l->head, &head, head + pad + slot))
      continue;
    if (pad) {
      slot_hdr *p = (slot_hdr *)(data + off);
      p->size = (uint32_t)pad;
      p->kind = SLOT_PAD;
      atomic_store_explicit(&p->commit, head + 1, memory_order_release);
      head += pad;
    }
    slot_hdr *s = (slot_hdr *)(data + (head & r->mask));
    prefetch_ahead(data, r->mask, head + slot);
    s->size = (uint32_t)slot;
    s->kind = SLOT_REC;
    atomic_store_explicit(&s->commit, slot_claim(head, tid), memory_order_release);
    *token = head | (uint64_t)lane << TOKEN_LANE_SHIFT;
    return (uint8_t *)s + SLOT_HDR;
  }
}

/* A sleeping consumer is woken only once a quarter of the lane is in use:
 * it wakes by itself every few milliseconds anyway (ospy_ring_wait's
 * timeout), and a wake per record would cost a futex system call on every
 * hooked call of a program that calls slower than the consumer drains (one
 * read() at a time: 1-2 us each on a VM). */
void ospy_ring_commit(ospy_ring *r, uint64_t token)
{
  ospy_ring_ctl *c = r->ctl;
  uint32_t lane = (uint32_t)(token >> TOKEN_LANE_SHIFT);
  uint64_t pos = token & (((uint64_t)1 << TOKEN_LANE_SHIFT) - 1);
  slot_hdr *s = (slot_hdr *)(r->data + (size_t)lane * (r->mask + 1) + (pos & r->mask));
  /* release, not seq_cst (a locked instruction per record): a consumer that
   * goes to sleep just as this lands sees it at its timeout at the latest */
  atomic_store_explicit(&s->commit, pos + 1, memory_order_release);
  atomic_signal_fence(memory_order_seq_cst); /* (after the commit: a jump between finds it) */
  reserving_at = 0;
  if (atomic_load_explicit(&c->consumer_sleeping, memory_order_relaxed) &&
      pos - atomic_load_explicit(&c->lane[lane].tail, memory_order_relaxed) >= (r->mask + 1) / 4)
    wake_consumer(c);
}

/* Whether commit word c shows the slot at pos finished or taken by another
 * writer: committed (never by us: ours would not be noted any more), or
 * claimed by another thread. */
static int taken_by_other(uint64_t c, uint64_t pos, uint32_t tid)
{
  uint32_t claimant_tid = SLOT_CLAIM_TID(c);
  return c == pos + 1 || (c == slot_claim(pos, claimant_tid) && claimant_tid != (tid & 0x7fffffffu));
}

/* How long an unclaimed slot where our reservation would start is left to
 * another writer whose CAS may have taken that head (it claims the slot a
 * few instructions later) before it is taken for ours. */
#define UNCLAIMED_WAIT_NS 10000000ull

/* Since when (CLOCK_MONOTONIC ns) the slot at unclaimed_pos was seen
 * unclaimed: kept across a wait cut short by another jump. */
static __thread uint64_t unclaimed_pos __attribute__((tls_model("initial-exec")));
static __thread uint64_t unclaimed_since __attribute__((tls_model("initial-exec")));

static uint64_t monotonic_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* While the wait below runs, the thread's signals are held (hold 1; hold
 * 0 with held set: the mask *was put back): the program's handler that
 * jumped out of the hook code jumps again at its next signal, and with
 * signals faster than the wait (a 50 us timer) the thread made no progress
 * in its hooked calls for as long as they came (93 of 20 000 calls ran).
 * So the wait costs the thread one stall of UNCLAIMED_WAIT_NS at most, its
 * signals delivered after it. ospy's own stop signal (SIGRTMAX-3) stays
 * open: another thread may be installing hooks. Returns 1 when held. */
static uint64_t hold_signals(uint64_t hold, uint64_t *was, int on)
{
  if (on) {
    uint64_t all = ~0ull & ~(1ull << (SIGRTMAX - 3 - 1));
    return syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, was, sizeof all) == 0;
  }
  if (hold)
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, was, NULL, sizeof *was);
  return 0;
}

/* Whether the slot at pos is ours: 1 claimed by us; 2 claimed by nobody
 * for UNCLAIMED_WAIT_NS (counted from the first look, also one before a
 * jump), and our claim put in now (not over another writer's, which may
 * come at the last moment); 0 another writer's. */
static int claimed_as_ours(slot_hdr *s, uint64_t pos, uint32_t tid)
{
  uint64_t mine = slot_claim(pos, tid);
  uint64_t held = 0, was = 0; /* (the thread's signal mask, once held) */
  for (;;) {
    uint64_t c = atomic_load_explicit(&s->commit, memory_order_acquire);
    if (c == mine || taken_by_other(c, pos, tid)) {
      hold_signals(held, &was, 0);
      return c == mine;
    }
    if (!held)
      held = hold_signals(1, &was, 1);
    if (unclaimed_pos != pos + 1) {
      unclaimed_pos = pos + 1;
      unclaimed_since = monotonic_ns();
    }
    if (monotonic_ns() - unclaimed_since >= UNCLAIMED_WAIT_NS) {
      if (atomic_compare_exchange_strong(&s->commit, &c, mine)) {
        hold_signals(held, &was, 0);
        return 2;
      }
      continue;
    }
    _Atomic uint32_t never = 0;
    (void)futex_op(&never, FUTEX_WAIT_PRIVATE, 0, 1); /* 1 ms */
  }
}

void *ospy_ring_take_unfinished(ospy_ring *r, uint32_t tid, uint32_t *room, uint64_t *token)
{
  uintptr_t noted = reserving_at; /* (kept until done: a jump meanwhile comes back here) */
  uint32_t lane = reserving_slot & (SLOT_HDR - 1);
  uint64_t slot = reserving_slot & ~(uint32_t)(SLOT_HDR - 1);
  uint64_t cap = r->mask + 1;
  if (!noted || seen_gen != r->gen || lane >= r->lanes || slot < SLOT_HDR || slot > cap / 4) {
    reserving_at = 0;
    return NULL;
  }
  ospy_ring_lane *l = &r->ctl->lane[lane];
  uint8_t *data = r->data + (size_t)lane * cap;
  uint64_t head = atomic_load_explicit(&l->head, memory_order_acquire);
  /* the full position: the latest one at or below head with those low
   * bits (a reservation of ours holds its lane's tail back: the head is
   * less than a lane past it) */
  uint64_t at = head - (uintptr_t)((uintptr_t)head - (noted & ~(uintptr_t)1));
  uint64_t off = at & r->mask;
  uint64_t pad = off + slot > cap ? cap - off : 0;
  uint64_t pos = at + pad; /* where our record's slot starts if the CAS was ours: a slot
                            * starts there whoever's it was (none crosses a lap's end) */
  slot_hdr *s = (slot_hdr *)(data + (pos & r->mask));
  /* not reserved by us (the CAS did not run, or failed: the head moved
   * less), consumed (committed), or taken by another writer */
  int ours = head < pos + slot || head - at > cap ||
                 atomic_load_explicit(&l->tail, memory_order_acquire) > pos
               ? 0
               : claimed_as_ours(s, pos, tid);
  if (!ours) {
    reserving_at = 0;
    return NULL;
  }
  /* the jump came before the claim (ours 2): the padding and the size too;
   * and again when ours (1) only because a jump (a signal the wait held,
   * delivered as it ended) came after a claim of ours here and before these */
  slot_hdr *p = (slot_hdr *)(data + off);
  if (pad && atomic_load_explicit(&p->commit, memory_order_acquire) != at + 1) {
    p->size = (uint32_t)pad;
    p->kind = SLOT_PAD;
    atomic_store_explicit(&p->commit, at + 1, memory_order_release);
  }
  s->size = (uint32_t)slot;
  s->kind = SLOT_REC;
  *room = (uint32_t)(slot - SLOT_HDR);
  *token = pos | (uint64_t)lane << TOKEN_LANE_SHIFT;
  return (uint8_t *)s + SLOT_HDR; /* (its commit clears the note) */
}

void ospy_ring_wake(ospy_ring *r)
{
  if (atomic_load(&r->ctl->consumer_sleeping))
    wake_consumer(r->ctl);
}

/* The first drop since the controller took the count (it zeroes it) says
 * where the drops start. Stored after the count: a controller that reads
 * `at` before taking the count gets this drop's place or an earlier one
 * (lost_track.c), never a later drop's. */
static void count_at(ospy_ring_lost *e, uint64_t at)
{
  if (atomic_fetch_add(&e->count, 1) == 0)
    atomic_store(&e->at, at);
}

void ospy_ring_count_lost(ospy_ring *r, uint32_t pid, uint32_t tid)
{
  ospy_ring_lost *t = r->ctl->lost;
  uint64_t at = atomic_load_explicit(&r->ctl->lane[tid & (r->lanes - 1)].head, memory_order_acquire);
  uint32_t h = tid % (OSPY_RING_LOST_SLOTS - 1);
  for (uint32_t i = 0; i < OSPY_RING_LOST_SLOTS - 1; i++) {
    ospy_ring_lost *e = &t[(h + i) % (OSPY_RING_LOST_SLOTS - 1)];
    uint32_t cur = atomic_load(&e->tid);
    if (cur == 0) {
      uint32_t zero = 0;
      if (atomic_compare_exchange_strong(&e->tid, &zero, tid)) {
        atomic_store(&e->pid, pid);
        cur = tid;
      } else {
        cur = zero;
      }
    }
    if (cur == tid && atomic_load(&e->pid) == pid) {
      count_at(e, at);
      return;
    }
  }
  count_at(&t[OSPY_RING_LOST_SLOTS - 1], at); /* table full: anonymous */
}
