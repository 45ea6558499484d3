/* Lost records placed where their drops happened; see lost_track.h. */
#include "capture/lost_track.h"

#include <stdlib.h>

void ospy_lost_track_free(ospy_lost_track *t)
{
  free(t->v);
  t->v = NULL;
  t->n = t->cap = 0;
}

static void emit_one(const ospy_lost_track *t, const ospy_lost_pending *p, ospy_lost_emit_fn emit,
                     void *ctx)
{
  uint64_t ts = p->lane < OSPY_RING_MAX_LANES && t->last_ts[p->lane] ? t->last_ts[p->lane]
                                                                      : p->seen_ns;
  emit(ctx, p->pid, p->tid, p->count, ts);
}

/* Adds drops to the pending ones: to the thread's last one when it waits for
 * the same place (its lane stayed full: one gap), else as a new one. 0, or
 * -1 (no memory). */
static int add_pending(ospy_lost_track *t, const ospy_lost_pending *p)
{
  for (size_t i = t->n; i-- > 0;) {
    ospy_lost_pending *q = &t->v[i];
    if (q->pid != p->pid || q->tid != p->tid)
      continue;
    if (q->lane != p->lane || q->at != p->at)
      break;
    q->count += p->count;
    return 0;
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 16;
    ospy_lost_pending *v = realloc(t->v, cap * sizeof *v);
    if (!v)
      return -1;
    t->v = v;
    t->cap = cap;
  }
  t->v[t->n++] = *p;
  return 0;
}

void ospy_lost_track_look(ospy_lost_track *t, ospy_ring *r, uint64_t now_ns,
                          ospy_lost_emit_fn emit, void *ctx)
{
  for (uint32_t i = 0; i < r->lanes; i++)
    t->published[i] = r->cur[i].published;
  for (unsigned i = 0; i < OSPY_RING_LOST_SLOTS; i++) {
    ospy_ring_lost *e = &r->ctl->lost[i];
    if (!atomic_load_explicit(&e->count, memory_order_relaxed))
      continue; /* (read before written: most slots never count anything) */
    /* the place first, then the count: the place of these drops' first or
     * of an earlier one, never of a drop counted after the exchange */
    uint64_t at = atomic_load(&e->at);
    uint64_t n = atomic_exchange(&e->count, 0);
    if (!n)
      continue;
    uint32_t tid = atomic_load(&e->tid);
    ospy_lost_pending p = { atomic_load(&e->pid), tid, UINT32_MAX, n, at, now_ns };
    if (tid && i < OSPY_RING_LOST_SLOTS - 1)
      p.lane = tid & (r->lanes - 1); /* as ospy_ring_reserve picks it */
    if (p.lane == UINT32_MAX || add_pending(t, &p) < 0)
      emit_one(t, &p, emit, ctx); /* no place, or no memory: here rather than not at all */
  }
}

/* Writes and removes, in order, the pending ones due() says are due. */
static void emit_due(ospy_lost_track *t, const ospy_ring *r,
                     int (*due)(const ospy_lost_pending *, const ospy_ring *),
                     ospy_lost_emit_fn emit, void *ctx)
{
  size_t kept = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (due(&t->v[i], r))
      emit_one(t, &t->v[i], emit, ctx);
    else
      t->v[kept++] = t->v[i];
  }
  t->n = kept;
}

/* The record just taken was reserved after the drops. */
static int due_before_taken(const ospy_lost_pending *p, const ospy_ring *r)
{
  return p->lane == r->taken_lane && r->taken_at >= p->at;
}

void ospy_lost_track_emit_before(ospy_lost_track *t, const ospy_ring *r, ospy_lost_emit_fn emit,
                                 void *ctx)
{
  emit_due(t, r, due_before_taken, emit, ctx);
}

/* Every record reserved before the drops has been read. */
static int due_caught_up(const ospy_lost_pending *p, const ospy_ring *r)
{
  return p->lane >= r->lanes || r->cur[p->lane].ctail >= p->at;
}

void ospy_lost_track_caught_up(ospy_lost_track *t, const ospy_ring *r, ospy_lost_emit_fn emit,
                               void *ctx)
{
  if (t->n)
    emit_due(t, r, due_caught_up, emit, ctx);
}

static int due_always(const ospy_lost_pending *p, const ospy_ring *r)
{
  (void)p;
  (void)r;
  return 1;
}

void ospy_lost_track_flush(ospy_lost_track *t, ospy_lost_emit_fn emit, void *ctx)
{
  emit_due(t, NULL, due_always, emit, ctx);
}
