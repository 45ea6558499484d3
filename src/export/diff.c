/* Call-by-call comparison of two recordings (see diff.h): lanes, the
 * identical-prefix fast path, windowed LCS alignment, changed-call pairing. */
#include "export/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/call_text.h"
#include "export/diff_procs.h"

#define PENDING_WINDOWS 16 /* calls waiting in all lanes, in windows */

typedef struct dqueue {
  ospy_diff_call *v;
  size_t head, n, cap;
} dqueue;

typedef struct lane {
  char *label;
  uint32_t group; /* the processes' pairing (diff_procs.h) */
  long thread;    /* the thread's ordinal in them */
  dqueue q[2];
  uint64_t count[2];  /* calls seen per side */
  uint64_t done[2];   /* calls aligned per side */
  ospy_diff_call ctx; /* the last call both sides made (text owned) */
  int in_hunk;
} lane;

struct ospy_diff {
  size_t window;
  ospy_diff_emit_fn emit;
  void *data;
  lane *lanes;
  size_t nlanes;
  ospy_diff_procs procs;
  int procs_paired;    /* ospy_diff_plan_lanes paired the processes */
  size_t pending;      /* calls queued in all lanes */
  uint16_t *table;     /* (window+1)^2 LCS lengths */
  char *ops;           /* 2 * window alignment steps */
  size_t *runs;        /* 2 * window: removed then added positions of a run */
  char *paired;        /* window: added calls of a run paired with a removed one */
  char text[OSPY_CALL_TEXT_MAX];
  ospy_diff_counts counts;
  int failed;
  long only_first, only_end; /* ospy_diff_only_lanes: the lanes fed, -1: every lane */
  int ended[2]; /* ospy_diff_side_ended in this pass */
};

/* ---- queues ---- */

static ospy_diff_call *q_at(dqueue *q, size_t i)
{
  return &q->v[q->head + i];
}

static int q_push(dqueue *q, const ospy_diff_call *c)
{
  if (q->head && q->head + q->n == q->cap) {
    memmove(q->v, q->v + q->head, q->n * sizeof *q->v);
    q->head = 0;
  }
  if (q->n == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 64;
    ospy_diff_call *v = realloc(q->v, cap * sizeof *v);
    if (!v)
      return -1;
    q->v = v;
    q->cap = cap;
  }
  q->v[q->head + q->n++] = *c;
  return 0;
}

static void q_drop(dqueue *q, size_t k)
{
  for (size_t i = 0; i < k; i++)
    free(q_at(q, i)->text);
  q->head += k;
  q->n -= k;
  if (!q->n)
    q->head = 0;
}

/* ---- setup ---- */

ospy_diff *ospy_diff_new(size_t window, ospy_diff_emit_fn emit, void *data)
{
  if (window < 2 || window > 65535)
    return NULL;
  ospy_diff *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->window = window;
  d->only_first = d->only_end = -1;
  d->emit = emit;
  d->data = data;
  d->table = malloc((window + 1) * (window + 1) * sizeof *d->table);
  d->ops = malloc(2 * window);
  d->runs = malloc(2 * window * sizeof *d->runs);
  d->paired = malloc(window);
  if (!d->table || !d->ops || !d->runs || !d->paired) {
    ospy_diff_free(d);
    return NULL;
  }
  return d;
}

void ospy_diff_free(ospy_diff *d)
{
  if (!d)
    return;
  for (size_t i = 0; i < d->nlanes; i++) {
    lane *l = &d->lanes[i];
    for (int s = 0; s < 2; s++) {
      q_drop(&l->q[s], l->q[s].n);
      free(l->q[s].v);
    }
    free(l->ctx.text);
    free(l->label);
  }
  ospy_diff_procs_free(&d->procs);
  free(d->lanes);
  free(d->table);
  free(d->ops);
  free(d->runs);
  free(d->paired);
  free(d);
}

ospy_diff_counts ospy_diff_get_counts(const ospy_diff *d)
{
  return d->counts;
}

/* ---- lanes ---- */

int ospy_diff_note(ospy_diff *d, int side, const ospy_xevent *ev)
{
  return ospy_diff_procs_note(&d->procs, side, ev);
}

/* The lane of thread `thread` of process `proc` of recording `side`: the
 * same for its counterpart in the other recording. */
static lane *find_lane(ospy_diff *d, int side, size_t proc, long thread)
{
  uint32_t group = d->procs.side[side].procs[proc].group;
  for (size_t i = 0; i < d->nlanes; i++)
    if (d->lanes[i].group == group && d->lanes[i].thread == thread)
      return &d->lanes[i];
  char label[512];
  ospy_diff_lane_label(&d->procs, side, proc, thread, label, sizeof label);
  lane *l = realloc(d->lanes, (d->nlanes + 1) * sizeof *l);
  if (!l)
    return NULL;
  d->lanes = l;
  l = &d->lanes[d->nlanes];
  *l = (lane){ .label = strdup(label), .group = group, .thread = thread };
  if (!l->label)
    return NULL;
  d->nlanes++;
  return l;
}

static lane *lane_of(ospy_diff *d, int side, const ospy_xevent *ev)
{
  long i = ospy_diff_procs_of(&d->procs, side, ev);
  long t = i < 0 ? -1 : ospy_diff_thread_ordinal(&d->procs.side[side].procs[i], ev->tid);
  return t < 0 ? NULL : find_lane(d, side, (size_t)i, t);
}

long ospy_diff_plan_lanes(ospy_diff *d)
{
  if (!d->procs_paired && ospy_diff_procs_pair(&d->procs) < 0)
    return -1;
  d->procs_paired = 1;
  for (int s = 0; s < 2; s++)
    for (size_t i = 0; i < d->procs.side[s].nprocs; i++)
      for (size_t t = 0; t < d->procs.side[s].procs[i].nknown; t++)
        if (!find_lane(d, s, i, (long)t))
          return -1;
  return (long)d->nlanes;
}

void ospy_diff_only_lanes(ospy_diff *d, long first, long end)
{
  d->only_first = first;
  d->only_end = end;
  d->ended[0] = d->ended[1] = 0;
}

void ospy_diff_side_ended(ospy_diff *d, int side)
{
  d->ended[side] = 1;
}

static int lane_fed_now(const ospy_diff *d, const lane *l)
{
  long k = l - d->lanes;
  return d->only_first < 0 || (k >= d->only_first && k < d->only_end);
}

/* ---- emitting ---- */

static void open_hunk(ospy_diff *d, lane *l)
{
  if (l->in_hunk)
    return;
  l->in_hunk = 1;
  ospy_diff_lane_info li = { l->label, l->ctx.text ? &l->ctx : NULL, l->done[0] + 1,
                             l->done[1] + 1 };
  d->emit(d->data, OSPY_DIFF_HUNK, &li, NULL, NULL);
}

static void emit_op(ospy_diff *d, lane *l, int op, const ospy_diff_call *a,
                    const ospy_diff_call *b)
{
  ospy_diff_lane_info li = { l->label, NULL, 0, 0 };
  d->emit(d->data, op, &li, a, b);
  if (op == OSPY_DIFF_REMOVED)
    d->counts.removed++;
  else if (op == OSPY_DIFF_ADDED)
    d->counts.added++;
  else
    d->counts.changed++;
}

/* The first call of both queues is the same: keep A's as context. */
static void keep_context(ospy_diff *d, lane *l, size_t ia)
{
  free(l->ctx.text);
  l->ctx = *q_at(&l->q[0], ia);
  q_at(&l->q[0], ia)->text = NULL;
  l->in_hunk = 0;
  l->done[0]++;
  l->done[1]++;
  d->counts.same++;
}

static void take_same(ospy_diff *d, lane *l)
{
  keep_context(d, l, 0);
  q_drop(&l->q[0], 1);
  q_drop(&l->q[1], 1);
  d->pending -= 2;
}

static void strip_prefix(ospy_diff *d, lane *l)
{
  while (l->q[0].n && l->q[1].n && q_at(&l->q[0], 0)->key == q_at(&l->q[1], 0)->key)
    take_same(d, l);
}

/* ---- alignment of one window ---- */

/* table[i][j]: LCS length of a[i..wa) and b[j..wb). */
static void lcs_table(ospy_diff *d, lane *l, size_t wa, size_t wb)
{
  size_t w = wb + 1;
  uint16_t *t = d->table;
  for (size_t j = 0; j <= wb; j++)
    t[wa * w + j] = 0;
  for (size_t i = wa; i-- > 0;) {
    t[i * w + wb] = 0;
    uint64_t ka = q_at(&l->q[0], i)->key;
    for (size_t j = wb; j-- > 0;) {
      if (ka == q_at(&l->q[1], j)->key)
        t[i * w + j] = (uint16_t)(t[(i + 1) * w + j + 1] + 1);
      else {
        uint16_t down = t[(i + 1) * w + j], right = t[i * w + j + 1];
        t[i * w + j] = down >= right ? down : right;
      }
    }
  }
}

/* Alignment steps ('=', '-', '+') for the window; returns their number. */
static size_t lcs_ops(ospy_diff *d, lane *l, size_t wa, size_t wb)
{
  lcs_table(d, l, wa, wb);
  size_t i = 0, j = 0, n = 0, w = wb + 1;
  while (i < wa || j < wb) {
    if (i < wa && j < wb && q_at(&l->q[0], i)->key == q_at(&l->q[1], j)->key) {
      d->ops[n++] = '=';
      i++, j++;
    } else if (j == wb || (i < wa && d->table[(i + 1) * w + j] >= d->table[i * w + j + 1])) {
      d->ops[n++] = '-';
      i++;
    } else {
      d->ops[n++] = '+';
      j++;
    }
  }
  return n;
}

/* Reports the run of nr removed and na added calls (queue positions in
 * d->runs, added ones from d->runs[window]), pairing same-function calls. */
static void flush_run(ospy_diff *d, lane *l, size_t nr, size_t na)
{
  size_t *rem = d->runs, *add = d->runs + d->window, next_add = 0;
  if (!nr && !na)
    return;
  memset(d->paired, 0, na);
  open_hunk(d, l);
  for (size_t r = 0; r < nr; r++) {
    const ospy_diff_call *a = q_at(&l->q[0], rem[r]);
    size_t k = next_add;
    while (k < na && q_at(&l->q[1], add[k])->fkey != a->fkey)
      k++;
    if (k < na) {
      d->paired[k] = 1;
      next_add = k + 1;
      emit_op(d, l, OSPY_DIFF_CHANGED, a, q_at(&l->q[1], add[k]));
    } else
      emit_op(d, l, OSPY_DIFF_REMOVED, a, NULL);
  }
  for (size_t k = 0; k < na; k++)
    if (!d->paired[k])
      emit_op(d, l, OSPY_DIFF_ADDED, NULL, q_at(&l->q[1], add[k]));
  l->done[0] += nr;
  l->done[1] += na;
}

/* Reports the first nops steps and drops the calls they consumed. */
static void commit(ospy_diff *d, lane *l, size_t nops)
{
  size_t i = 0, j = 0, nr = 0, na = 0;
  for (size_t k = 0; k < nops; k++) {
    if (d->ops[k] == '-')
      d->runs[nr++] = i++;
    else if (d->ops[k] == '+')
      d->runs[d->window + na++] = j++;
    else {
      flush_run(d, l, nr, na);
      nr = na = 0;
      keep_context(d, l, i);
      i++, j++;
    }
  }
  flush_run(d, l, nr, na);
  q_drop(&l->q[0], i);
  q_drop(&l->q[1], j);
  d->pending -= i + j;
}

/* Aligns one window; `all`: the window holds everything left (commit all). */
static void align_window(ospy_diff *d, lane *l, int all)
{
  size_t wa = l->q[0].n < d->window ? l->q[0].n : d->window;
  size_t wb = l->q[1].n < d->window ? l->q[1].n : d->window;
  size_t nops = lcs_ops(d, l, wa, wb);
  all = all && wa == l->q[0].n && wb == l->q[1].n;
  if (!all) { /* report the first half, align the rest with what follows */
    size_t k = 0, i = 0, j = 0;
    while (k < nops && i < (wa + 1) / 2 && j < (wb + 1) / 2) {
      i += d->ops[k] != '+';
      j += d->ops[k] != '-';
      k++;
    }
    nops = k ? k : 1;
  }
  commit(d, l, nops);
}

enum { STEP_WAIT, STEP_FORCE, STEP_FINAL };

static void lane_step(ospy_diff *d, lane *l, int mode)
{
  for (;;) {
    strip_prefix(d, l);
    if (!l->q[0].n && !l->q[1].n)
      return;
    if (mode == STEP_WAIT && (l->q[0].n < d->window || l->q[1].n < d->window))
      return;
    align_window(d, l, mode == STEP_FINAL);
    if (mode == STEP_FORCE)
      return;
  }
}

static void relieve_memory(ospy_diff *d)
{
  while (d->pending > PENDING_WINDOWS * d->window) {
    lane *big = &d->lanes[0];
    for (size_t i = 1; i < d->nlanes; i++)
      if (d->lanes[i].q[0].n + d->lanes[i].q[1].n > big->q[0].n + big->q[1].n)
        big = &d->lanes[i];
    lane_step(d, big, STEP_FORCE);
    /* aligned before the other side's calls came: approximate, unless that
     * side has no more to come (one recording longer than the other) */
    d->counts.forced += !d->ended[0] && !d->ended[1];
  }
}

/* ---- input ---- */

static int make_call(ospy_diff *d, const ospy_xevent *ev, ospy_diff_call *c)
{
  char *buf = d->text;
  size_t len = ospy_call_text(ev, buf, sizeof d->text);
  *c = (ospy_diff_call){ .len = len };
  c->key = ospy_fnv1a(OSPY_FNV_INIT, buf, len);
  c->fkey = ospy_fnv1a(OSPY_FNV_INIT, buf, strlen(buf));
  if (!(c->text = malloc(len)))
    return -1;
  memcpy(c->text, buf, len);
  return 0;
}

int ospy_diff_feed(ospy_diff *d, int side, const ospy_xevent *ev)
{
  if (d->failed)
    return -1;
  if (ev->type != OSPY_XEV_FUNCTION_CALL)
    return 0;
  lane *l = lane_of(d, side, ev);
  if (l && !lane_fed_now(d, l))
    return 0; /* another pass's */
  ospy_diff_call c;
  if (!l || make_call(d, ev, &c) < 0) {
    d->failed = 1;
    return -1;
  }
  c.index = ++l->count[side];
  if (q_push(&l->q[side], &c) < 0) {
    free(c.text);
    d->failed = 1;
    return -1;
  }
  d->pending++;
  lane_step(d, l, STEP_WAIT);
  relieve_memory(d);
  return 1;
}

int ospy_diff_finish(ospy_diff *d)
{
  if (d->failed)
    return -1;
  for (size_t i = 0; i < d->nlanes; i++)
    lane_step(d, &d->lanes[i], STEP_FINAL);
  return 0;
}
