/*
 * The shared-memory event ring between the agent (producers, any number of
 * threads in any number of processes after fork) and the controller (one
 * consumer). One memfd holds a control page, the plan bytes and the data area.
 *
 * The data area is split into lanes (1, 2 or 4, by size), each a ring of its
 * own with its own head and tail lines: a thread always writes to lane
 * tid % lanes, so two threads on two cores do not fight over one head line
 * and one set of record lines (a third of all CPU time with a single ring).
 * Producers reserve space with a CAS on their lane's head (no lock, no
 * syscall); each slot starts with a commit word (absolute position + 1)
 * stored last, so the consumer sees only complete records. The consumer
 * merges the lanes: of the records ready at the head of each lane it takes
 * the earliest (leave time for calls, event time for the rest), so a thread's
 * records keep their order exactly and threads interleave by time; the
 * controller numbers FunctionCall records in that order. The consumer
 * publishes a lane's tail every RING_TAIL_BATCH of the lane (and whenever it
 * runs dry), producers re-read it only when their last copy says full. A full
 * lane makes the producer spin a little, then futex-wait on the lane's tail
 * (lossless), or drop and count (lossy). The consumer drains in batches: it
 * sleeps on a futex until a lane holds a 32nd of its size, or its timeout
 * (reading each record as it lands shares the lines the producer writes
 * next); producers wake it only when it announced that it sleeps, at a
 * quarter of a lane, and fetch the lines they will write a few records
 * ahead (prefetchw). A slot reserved and never committed (its thread died
 * writing it) holds back its lane: a reserving producer first stores its
 * claim (its tid) in the commit word, and the consumer passes a claimed slot
 * whose writer is gone (ospy_ring_pass_dead_writers), and any unfinished one
 * once no producer is left (ospy_ring_skip_unfinished). A live producer that
 * a signal handler took out of its reservation by a jump (siglongjmp) finds
 * it again from a note it keeps (ospy_ring_take_unfinished). Nothing
 * in the shared area is trusted by the controller: it copies each record out,
 * then validates the copy.
 */
#ifndef OSPY_CAPTURE_RING_H
#define OSPY_CAPTURE_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define OSPY_RING_MAGIC 0x474e4952u /* "RING" */
#define OSPY_RING_VERSION 9u /* 5: FdClosed carries its close's entry time; 6: lanes note where drops began; 7: control_threads, hooks_installed; 8: Exec records; 9: Void records */
#define OSPY_RING_MAX_LANES 4u
#define OSPY_RING_LOST_SLOTS 256u
#define OSPY_RING_ENV "OSPY_RING_FD" /* decimal fd number of the memfd */
/* -F: abstract unix socket name prefix + the controller's pid, where an
 * agent that lost the ring's descriptor asks for it (cli/ring_handover.h) */
#define OSPY_RING_HANDOVER_SOCK "ospy-ring-"
#define OSPY_RING_DEFAULT_SIZE (16u << 20) /* 4 lanes of 4 MiB: the largest record fits one */
#define OSPY_RING_LANE_MIN (4u << 20)      /* a ring smaller than 2 of these has 1 lane */

/* Control page flags (set by the controller). */
#define OSPY_RING_F_LOSSY 0x1u
#define OSPY_RING_F_FOLLOW_FORKS 0x2u
#define OSPY_RING_F_TSC 0x4u /* agent timestamps are raw TSC values: the controller converts */

/* A thread's dropped events, counted by its producers (ospy_ring_count_lost)
 * and taken by the controller, which writes them as Lost records. */
typedef struct ospy_ring_lost {
  _Atomic uint32_t tid;
  _Atomic uint32_t pid;
  _Atomic uint64_t count;
  /* the head of the thread's lane at the first drop counted since the
   * controller last took the count: every record reserved before the drops
   * starts below it, every one reserved after at or above (lost_track.h) */
  _Atomic uint64_t at;
} ospy_ring_lost;

/* One lane's shared words. Each line has one writer side, so a producer's
 * record costs one locked instruction (the head CAS) and no line the
 * consumer keeps writing. */
typedef struct ospy_ring_lane {
  _Atomic uint64_t head; /* producers */
  uint8_t pad1[56];
  _Atomic uint64_t tail;       /* consumer; published in batches */
  _Atomic uint32_t tail_futex; /* bumped when tail moves and producers wait */
  uint8_t pad2[52];
  _Atomic uint32_t producers_waiting; /* producers */
  uint8_t pad3[60];
} ospy_ring_lane;

typedef struct ospy_ring_ctl {
  uint32_t magic, version;
  uint32_t data_offset, data_size; /* data_size: power of two */
  uint32_t plan_offset, plan_len;
  uint32_t flags;
  uint32_t controller_pid;
  _Atomic uint32_t detach;     /* controller asks agents to unhook */
  _Atomic uint32_t heartbeat;  /* bumped by the controller while it runs */
  _Atomic uint32_t agents;     /* agents that started (one per process) */
  _Atomic uint32_t detached;   /* attached agents that unhooked after a detach request */
  uint32_t lanes;              /* 1, 2 or 4: lane i is data_size / lanes bytes at i * that */
  uint32_t controller_fd;      /* the ring's fd in the controller (/proc/PID/fd/N) */
  /* Attached agents whose control thread started, and those of them whose
   * hooks went in: while control_threads > detached, an agent is still
   * installing or removing its hooks (also after its controller is gone:
   * the next attach waits for it, cmd_capture_attach.c). */
  _Atomic uint32_t control_threads;
  _Atomic uint32_t hooks_installed;
  uint8_t pad1[64];
  ospy_ring_lane lane[OSPY_RING_MAX_LANES];
  _Atomic uint32_t consumer_sleeping; /* consumer */
  _Atomic uint32_t wake_futex;
  uint8_t pad5[56];
  ospy_ring_lost lost[OSPY_RING_LOST_SLOTS];
} ospy_ring_ctl;

/* Consumer side of one lane: private copies, never read back from shared memory. */
typedef struct ospy_ring_cursor {
  uint64_t ctail;
  uint64_t published; /* tail last stored in the lane's tail */
  uint64_t limit;     /* ospy_ring_bound: read nothing at or past this */
  uint64_t key;       /* when ready: the merge key of the record at ctail... */
  uint32_t size;      /* ...and its slot's size, checked */
  uint32_t ready;     /* the two above are valid (until that record is taken) */
  uint64_t stuck_at;    /* a slot claimed and not committed at this position... */
  uint64_t stuck_since; /* ...since then (ms, the caller's clock; 0: none) */
} ospy_ring_cursor;

/* A mapped ring, either side. */
typedef struct ospy_ring {
  ospy_ring_ctl *ctl;
  uint8_t *data;
  uint64_t mask; /* of one lane */
  size_t map_len;
  int fd;
  uint32_t lanes;
  uint64_t gen; /* agent side: which mapping this is (producers cache tail per mapping) */
  ospy_ring_cursor cur[OSPY_RING_MAX_LANES]; /* consumer side */
  /* consumer side: where the record the last consume returned lay, its
   * lane and its slot's [start, end) (lost_track.h places Lost records by them) */
  uint32_t taken_lane;
  uint64_t taken_at, taken_end;
  uint32_t data_size;
  int corrupt;
} ospy_ring;

/* ---- controller ---- */
/* Creates a memfd (not CLOEXEC, so a spawned target inherits it), sized for
 * data_size (power of two) plus the plan. 0 or -errno. */
int ospy_ring_create(ospy_ring *r, uint32_t data_size, const void *plan, size_t plan_len,
                     uint32_t flags);
/* Copies the next complete record into buf (cap >= OSPY_EVENT_MAX_SIZE): the
 * earliest of those ready at the lanes' heads. Returns its size, 0 when none
 * is ready (or all lanes reached their bound), -1 when the ring content is
 * invalid (the ring is then marked corrupt and yields nothing more; *why
 * says why). */
long ospy_ring_consume(ospy_ring *r, void *buf, size_t cap, const char **why);
/* Limits consume to what producers had reserved by now (bounded drains:
 * busy producers cannot keep the consumer reading forever), or lifts it. */
void ospy_ring_bound(ospy_ring *r);
void ospy_ring_unbound(ospy_ring *r);
/* Call only once no producer is left (every process that had the ring
 * ended): a slot whose room was reserved and never committed (its thread
 * died writing it: exit_group kills threads mid-record) holds back every
 * record after it in its lane. Each such slot at the head of a lane is
 * passed, to the next committed one (found by its commit word, which names
 * its own position) or to the lane's head. Returns how many were passed;
 * consume again after it. */
unsigned ospy_ring_skip_unfinished(ospy_ring *r);
/* A slot at the head of a lane that its writer claimed (ospy_ring_reserve
 * stores its tid there) and did not commit for after_ms: passed when
 * thread_gone(tid) says the writer no longer exists (a followed process
 * killed while its thread wrote), so that the lane does not stay blocked,
 * and full, while other processes write on. Who wrote the passed slots goes
 * to passed_by (room for OSPY_RING_MAX_LANES; pid 0 when its record's header
 * was not written yet); returns how many. Call it often: the first call
 * that sees a slot starts its clock. */
typedef struct ospy_ring_writer {
  uint32_t pid, tid;
} ospy_ring_writer;
unsigned ospy_ring_pass_dead_writers(ospy_ring *r, uint64_t now_ms, uint32_t after_ms,
                                     int (*thread_gone)(uint32_t tid), ospy_ring_writer *passed_by);
/* Whether drops of thread (pid, tid) were counted that the controller has not
 * taken yet: one or two loads, cheap enough to ask before each of its records. */
int ospy_ring_has_lost_probe(const ospy_ring *r, uint32_t pid, uint32_t tid);
static inline int ospy_ring_has_lost(const ospy_ring *r, uint32_t pid, uint32_t tid)
{
  /* the first slot ospy_ring_count_lost would try, here; the rest of its
   * probe, when that slot is another thread's, out of line */
  const ospy_ring_lost *e = &r->ctl->lost[tid % (OSPY_RING_LOST_SLOTS - 1)];
  uint32_t cur = atomic_load_explicit(&e->tid, memory_order_relaxed);
  if (cur == 0)
    return 0;
  if (cur == tid && atomic_load_explicit(&e->pid, memory_order_relaxed) == pid)
    return atomic_load_explicit(&e->count, memory_order_relaxed) != 0;
  return ospy_ring_has_lost_probe(r, pid, tid);
}
/* Absolute read position summed over lanes (what was consumed, in bytes). */
uint64_t ospy_ring_consumed(const ospy_ring *r);
/* Sleeps until a lane holds a batch worth draining (a 32nd of it; a producer
 * wakes the consumer at a quarter, or when it waits for room) or timeout_ms
 * passes: what less was committed waits for the timeout. */
void ospy_ring_wait(ospy_ring *r, int timeout_ms);
/* Wakes producers waiting for room (they then see a detach request). */
void ospy_ring_wake_producers(ospy_ring *r);
void ospy_ring_close(ospy_ring *r);

/* ---- agent ---- */
/* Maps an inherited ring fd and checks its control page. 0 or -1. */
int ospy_ring_map(ospy_ring *r, int fd);
/* Whether fd holds a ring ospy_ring_map would map (its header, checked). */
int ospy_ring_is_ring(int fd);
/* The largest record ospy_ring_reserve takes: a quarter of a lane, less the
 * slot header (256 KiB for a 1 MiB ring, 1 MiB from a 4 MiB lane on). */
uint32_t ospy_ring_max_record(const ospy_ring *r);
/* Reserves room for a record of rec_size bytes (multiple of 8) in the lane
 * of thread tid. Returns the record's address or NULL (lossy and full, or
 * the consumer is gone); *token is passed to ospy_ring_commit. alive() is
 * called while waiting for room: returning 0 makes the wait give up. */
void *ospy_ring_reserve(ospy_ring *r, uint32_t tid, uint32_t rec_size, int lossy,
                        uint64_t *token, int (*alive)(void));
/* The same in the lane of thread lane_tid, for a record about that thread
 * written by thread tid (the writer its claim names): it comes before
 * whatever lane_tid writes after it, as the lanes keep their order. */
void *ospy_ring_reserve_in(ospy_ring *r, uint32_t lane_tid, uint32_t tid, uint32_t rec_size,
                           int lossy, uint64_t *token, int (*alive)(void));
void ospy_ring_commit(ospy_ring *r, uint64_t token);
/* The reservation of thread tid (the calling thread) that was not
 * committed: a signal handler left the code between ospy_ring_reserve and
 * ospy_ring_commit by a jump (siglongjmp), and its slot would hold back its
 * lane for good (and, full, every producer of the lane). Returns the room of
 * that record (*room bytes) and its *token, for the caller to write a record
 * there and commit it, or NULL when the thread has none. A jump that came
 * right after the reservation's CAS, before its claim, leaves a slot no
 * writer claims: it is taken for ours after waiting 10 ms for another
 * writer's claim (a reservation of another thread may have taken that
 * head). Agent side, rare path. */
void *ospy_ring_take_unfinished(ospy_ring *r, uint32_t tid, uint32_t *room, uint64_t *token);
/* Wakes a sleeping consumer now (commit alone wakes it at a quarter full). */
void ospy_ring_wake(ospy_ring *r);
/* Counts one dropped event for (pid, tid), noting where in the thread's
 * lane it would have been (its head now) when it is the first since the
 * controller took the count. */
void ospy_ring_count_lost(ospy_ring *r, uint32_t pid, uint32_t tid);

#endif
