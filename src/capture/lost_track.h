/*
 * The ring's per-thread lost counters turned into Lost records while the
 * capture runs (controller), each placed in the stream where its events
 * were dropped.
 *
 * Why while it runs: a controller killed with SIGKILL writes nothing at its
 * end, and the calls --lossy dropped left a gap in the file that no record
 * counted. Why placed: a Lost record written when the controller noticed the
 * drops (or at the end) says nothing of where the gap is.
 *
 * Where: the producer that counts a drop notes, for the first drop since the
 * controller last took the thread's count, the head of the thread's lane
 * (ospy_ring_count_lost): every record reserved before the drop starts below
 * that position, every record reserved after it at or above. The controller
 * reads that place, then takes the count, and writes the Lost record just
 * before the first record of the lane that starts at or past the place, or
 * once it has read the lane up to it. Read in that order, the place is the
 * first drop's, or (when the producer had not stored it yet) an earlier
 * drop's, never a later one's: a Lost record may come a little early. The
 * session looks at the counters before each record of a thread that has
 * drops counted (the count was made before that record was committed), so
 * the Lost record never comes after a record its thread made after the
 * drops; and whenever it made room in a lane (published its tail), so that
 * other threads' later records mostly follow it too. A capture cut short
 * anywhere holds the count of every gap before its thread's last record.
 *
 * Its time is that of the last record read from its lane before it (the
 * drops came after it), or the time of the look when none was.
 */
#ifndef OSPY_CAPTURE_LOST_TRACK_H
#define OSPY_CAPTURE_LOST_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "capture/ring.h"

/* Drops of thread (pid, tid) waiting for their place. */
typedef struct ospy_lost_pending {
  uint32_t pid, tid;
  uint32_t lane; /* UINT32_MAX: none (the counter of threads past the table) */
  uint64_t count;
  uint64_t at;      /* written before the first record of the lane starting here or later */
  uint64_t seen_ns; /* when the look found them */
} ospy_lost_pending;

typedef struct ospy_lost_track {
  ospy_lost_pending *v;
  size_t n, cap;
  uint64_t published[OSPY_RING_MAX_LANES]; /* each lane's published tail at the last look */
  uint64_t last_ts[OSPY_RING_MAX_LANES];   /* time of the last record read from each lane (0: none) */
} ospy_lost_track;

/* Writes one Lost record: count events of (pid, tid) dropped, at time ts. */
typedef void (*ospy_lost_emit_fn)(void *ctx, uint32_t pid, uint32_t tid, uint64_t count,
                                  uint64_t ts);

void ospy_lost_track_free(ospy_lost_track *t);
/* Whether the consumer published a lane's tail since the last look (room
 * made: producers write again, after what they dropped): look now, before
 * the next record is written. */
static inline int ospy_lost_track_due(const ospy_lost_track *t, const ospy_ring *r)
{
  for (uint32_t i = 0; i < r->lanes; i++)
    if (r->cur[i].published != t->published[i])
      return 1;
  return 0;
}
/* Takes what the ring's lost counters grew by since the last look (and
 * zeroes them): each thread's drops wait for their place. now_ns stamps
 * those that have no lane. When no memory is left to hold them, they are
 * written at once. */
void ospy_lost_track_look(ospy_lost_track *t, ospy_ring *r, uint64_t now_ns,
                          ospy_lost_emit_fn emit, void *ctx);
/* Before writing the record the last consume returned (r->taken_*): the
 * Lost records due before it. Then ospy_lost_track_taken with its time (a
 * call's leave, as the lanes merge by), in ns. */
void ospy_lost_track_emit_before(ospy_lost_track *t, const ospy_ring *r, ospy_lost_emit_fn emit,
                                 void *ctx);
static inline void ospy_lost_track_before(ospy_lost_track *t, const ospy_ring *r,
                                          ospy_lost_emit_fn emit, void *ctx)
{
  if (t->n) /* (inline: asked before every record drained) */
    ospy_lost_track_emit_before(t, r, emit, ctx);
}
static inline void ospy_lost_track_taken(ospy_lost_track *t, const ospy_ring *r, uint64_t ts)
{
  if (r->taken_lane < OSPY_RING_MAX_LANES)
    t->last_ts[r->taken_lane] = ts;
}
/* The ring read as far as the consumer could: the Lost records of lanes read
 * up to their places. */
void ospy_lost_track_caught_up(ospy_lost_track *t, const ospy_ring *r, ospy_lost_emit_fn emit,
                               void *ctx);
/* Every pending one, now, in the order found (the capture ends). */
void ospy_lost_track_flush(ospy_lost_track *t, ospy_lost_emit_fn emit, void *ctx);

#endif
