/* Which process and thread of recording A goes with which of B (see
 * diff_procs.h): the process trees, paired from their roots down, and the
 * processes left over, paired by name and occurrence. */
#include "export/diff_procs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_side(ospy_diff_side *s)
{
  for (size_t i = 0; i < s->nprocs; i++) {
    free(s->procs[i].name);
    free(s->procs[i].known);
    free(s->procs[i].tids);
  }
  free(s->procs);
  free(s->children);
}

void ospy_diff_procs_free(ospy_diff_procs *ps)
{
  free_side(&ps->side[0]);
  free_side(&ps->side[1]);
}

/* Where an id falls in creation order after `base` (a thread's after its
 * process's pid, a child's after its parent's): the kernel hands ids out
 * upwards and starts again low when they reach pid_max (32768 on many
 * systems): one handed out after the wrap sorts after those before it. */
static uint32_t creation_key(uint32_t base, uint32_t id)
{
  return id - base; /* modulo 2^32: a wrapped id, below base, comes last */
}

static long find_proc(const ospy_diff_side *s, uint32_t pid)
{
  for (size_t i = s->nprocs; i-- > 0;) /* the newest first: children call most */
    if (s->procs[i].pid == pid)
      return (long)i;
  return -1;
}

static long add_proc(ospy_diff_side *s, uint32_t pid, const char *name)
{
  ospy_diff_proc *p = realloc(s->procs, (s->nprocs + 1) * sizeof *p);
  if (!p)
    return -1;
  s->procs = p;
  p = &s->procs[s->nprocs];
  *p = (ospy_diff_proc){ .pid = pid, .name = strdup(name ? name : ""), .parent = -1 };
  if (!p->name)
    return -1;
  return (long)s->nprocs++;
}

static long proc_of(ospy_diff_side *s, const ospy_xevent *ev)
{
  long i = find_proc(s, ev->pid);
  return i >= 0 ? i : add_proc(s, ev->pid, ev->process_name);
}

/* A process's name is the one it had at its first call (a forked child's
 * until it execs is its parent's). */
static int note_first_call(ospy_diff_side *s, ospy_diff_proc *p, const char *name)
{
  char *copy = strdup(name ? name : "");
  if (!copy)
    return -1;
  free(p->name);
  p->name = copy;
  p->call_order = ++s->calls;
  return 0;
}

/* Threads that made calls, kept in creation order. */
static int note_thread(ospy_diff_proc *p, uint32_t tid)
{
  size_t i = 0;
  while (i < p->nknown && creation_key(p->pid, p->known[i]) < creation_key(p->pid, tid))
    i++;
  if (i < p->nknown && p->known[i] == tid)
    return 0;
  uint32_t *k = realloc(p->known, (p->nknown + 1) * sizeof *k);
  if (!k)
    return -1;
  memmove(k + i + 1, k + i, (p->nknown - i) * sizeof *k);
  k[i] = tid;
  p->known = k;
  p->nknown++;
  return 0;
}

int ospy_diff_procs_note(ospy_diff_procs *ps, int side, const ospy_xevent *ev)
{
  if (ev->type != OSPY_XEV_FUNCTION_CALL && ev->type != OSPY_XEV_PROCESS_START)
    return 0;
  ospy_diff_side *s = &ps->side[side];
  long i = proc_of(s, ev);
  if (i < 0)
    return -1;
  ospy_diff_proc *p = &s->procs[i];
  if (ev->type == OSPY_XEV_PROCESS_START) {
    if (!p->started) { /* the first: its fork (an exec's says who the parent is now) */
      p->started = 1;
      p->ppid = ev->ppid;
      p->start_order = ++s->starts;
    }
    return 0;
  }
  if (!p->call_order && note_first_call(s, p, ev->process_name) < 0)
    return -1;
  return note_thread(p, ev->tid);
}

/* ---- the process tree of one recording ---- */

typedef struct sort_item {
  uint64_t a, b; /* sort keys */
  const char *name;
  size_t idx;
} sort_item;

static int by_keys(const void *x, const void *y)
{
  const sort_item *p = x, *q = y;
  if (p->a != q->a)
    return p->a < q->a ? -1 : 1;
  if (p->b != q->b)
    return p->b < q->b ? -1 : 1;
  return p->idx < q->idx ? -1 : p->idx > q->idx;
}

static int by_pid_only(const void *x, const void *y)
{
  const sort_item *p = x, *q = y;
  return p->a < q->a ? -1 : p->a > q->a;
}

static int by_name_then_order(const void *x, const void *y)
{
  const sort_item *p = x, *q = y;
  int c = strcmp(p->name, q->name);
  return c ? c : by_keys(x, y);
}

/* Each started process's parent, when the parent is in the recording. */
static int find_parents(ospy_diff_side *s)
{
  sort_item *by_pid = malloc((s->nprocs + 1) * sizeof *by_pid);
  if (!by_pid)
    return -1;
  for (size_t i = 0; i < s->nprocs; i++)
    by_pid[i] = (sort_item){ .a = s->procs[i].pid, .idx = i };
  qsort(by_pid, s->nprocs, sizeof *by_pid, by_keys);
  for (size_t i = 0; i < s->nprocs; i++) {
    ospy_diff_proc *p = &s->procs[i];
    sort_item key = { .a = p->ppid };
    const sort_item *q = p->started ? bsearch(&key, by_pid, s->nprocs, sizeof *by_pid, by_pid_only)
                                    : NULL;
    if (q && q->idx != i)
      p->parent = (long)q->idx;
  }
  free(by_pid);
  return 0;
}

/* Children grouped by parent, each group in fork order (pid order after
 * the parent's): a child's rank is its place in the group. */
static int order_children(ospy_diff_side *s)
{
  size_t n = 0;
  sort_item *items = malloc((s->nprocs + 1) * sizeof *items);
  s->children = malloc((s->nprocs + 1) * sizeof *s->children);
  if (!items || !s->children) {
    free(items);
    return -1;
  }
  for (size_t i = 0; i < s->nprocs; i++) {
    const ospy_diff_proc *p = &s->procs[i];
    if (p->parent >= 0)
      items[n++] = (sort_item){ .a = (uint64_t)p->parent,
                                .b = creation_key(s->procs[p->parent].pid, p->pid), .idx = i };
  }
  qsort(items, n, sizeof *items, by_keys);
  for (size_t k = 0; k < n; k++) {
    ospy_diff_proc *parent = &s->procs[items[k].a];
    if (!parent->nchildren)
      parent->first_child = k;
    s->procs[items[k].idx].rank = (unsigned)(++parent->nchildren);
    s->children[k] = items[k].idx;
  }
  free(items);
  return 0;
}

/* The root: the first process started whose parent is not in the
 * recording (the program ospy started or attached to); -1 when no
 * process start was recorded. */
static long find_root(const ospy_diff_side *s)
{
  long root = -1;
  for (size_t i = 0; i < s->nprocs; i++) {
    const ospy_diff_proc *p = &s->procs[i];
    if (p->started && p->parent < 0 && (root < 0 || p->start_order < s->procs[root].start_order))
      root = (long)i;
  }
  return root;
}

/* The root and its descendants, breadth first: in_tree. */
static int mark_tree(ospy_diff_side *s)
{
  long root = find_root(s);
  if (root < 0)
    return 0;
  size_t *queue = malloc(s->nprocs * sizeof *queue), head = 0, tail = 0;
  if (!queue)
    return -1;
  queue[tail++] = (size_t)root;
  while (head < tail) { /* each process is one parent's child: met once */
    ospy_diff_proc *p = &s->procs[queue[head++]];
    p->in_tree = 1;
    for (size_t k = 0; k < p->nchildren; k++)
      queue[tail++] = s->children[p->first_child + k];
  }
  free(queue);
  return 0;
}

/* ---- pairing ---- */

/* The roots, then the children of each pair at the same rank, breadth
 * first. A process whose counterpart made no calls while it did (a shell
 * that ran the program as its child in one run, and was the program in the
 * other: sh -c 'prog' forks or execs) is left to the pairing by name. */
static int pair_trees(ospy_diff_procs *ps)
{
  ospy_diff_side *sa = &ps->side[0], *sb = &ps->side[1];
  long ra = find_root(sa), rb = find_root(sb);
  if (ra < 0 || rb < 0)
    return 0;
  size_t cap = (sa->nprocs < sb->nprocs ? sa->nprocs : sb->nprocs) + 1, head = 0, tail = 0;
  size_t *qa = malloc(cap * sizeof *qa), *qb = malloc(cap * sizeof *qb);
  if (!qa || !qb) {
    free(qa), free(qb);
    return -1;
  }
  qa[tail] = (size_t)ra, qb[tail++] = (size_t)rb;
  while (head < tail) {
    ospy_diff_proc *a = &sa->procs[qa[head]], *b = &sb->procs[qb[head++]];
    if (!a->call_order == !b->call_order)
      a->group = b->group = ++ps->groups;
    for (size_t k = 0; k < a->nchildren && k < b->nchildren; k++) {
      qa[tail] = sa->children[a->first_child + k];
      qb[tail++] = sb->children[b->first_child + k];
    }
  }
  free(qa), free(qb);
  return 0;
}

/* The processes not paired by the tree, in one recording: numbered by
 * occurrence of their name in the order of their first call (those that
 * made none after), sorted by name and occurrence into *out. */
static int name_order(ospy_diff_side *s, sort_item **out, size_t *nout)
{
  size_t n = 0;
  sort_item *v = malloc((s->nprocs + 1) * sizeof *v);
  if (!v)
    return -1;
  for (size_t i = 0; i < s->nprocs; i++) {
    ospy_diff_proc *p = &s->procs[i];
    if (p->group)
      continue;
    p->by_name = 1;
    v[n++] = (sort_item){ .name = p->name, .idx = i,
                          .a = p->call_order ? p->call_order : (1ull << 63) + p->start_order };
  }
  qsort(v, n, sizeof *v, by_name_then_order);
  for (size_t k = 0; k < n; k++) {
    unsigned occ = k && !strcmp(v[k - 1].name, v[k].name) ? s->procs[v[k - 1].idx].occ + 1 : 0;
    s->procs[v[k].idx].occ = occ;
  }
  *out = v;
  *nout = n;
  return 0;
}

/* Pairs the processes left over by name and occurrence: both lists sorted
 * by (name, occurrence), merged. */
static int pair_by_name(ospy_diff_procs *ps)
{
  sort_item *v[2] = { NULL, NULL };
  size_t n[2] = { 0, 0 }, i = 0, j = 0;
  if (name_order(&ps->side[0], &v[0], &n[0]) < 0 || name_order(&ps->side[1], &v[1], &n[1]) < 0) {
    free(v[0]);
    return -1;
  }
  ospy_diff_proc *pa = ps->side[0].procs, *pb = ps->side[1].procs;
  while (i < n[0] || j < n[1]) {
    ospy_diff_proc *a = i < n[0] ? &pa[v[0][i].idx] : NULL, *b = j < n[1] ? &pb[v[1][j].idx] : NULL;
    int c = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);
    if (!c)
      c = a->occ < b->occ ? -1 : a->occ > b->occ;
    uint32_t g = ++ps->groups;
    if (c <= 0)
      a->group = g, i++;
    if (c >= 0)
      b->group = g, j++;
  }
  free(v[0]), free(v[1]);
  return 0;
}

int ospy_diff_procs_pair(ospy_diff_procs *ps)
{
  for (int s = 0; s < 2; s++)
    if (find_parents(&ps->side[s]) < 0 || order_children(&ps->side[s]) < 0 ||
        mark_tree(&ps->side[s]) < 0)
      return -1;
  if (pair_trees(ps) < 0)
    return -1;
  return pair_by_name(ps);
}

/* A process the first pass did not see (no ospy_diff_procs_note): paired by
 * name and occurrence with one of the other recording's, if it has one. */
static void pair_late(ospy_diff_procs *ps, int side, ospy_diff_proc *p)
{
  const ospy_diff_side *s = &ps->side[side], *o = &ps->side[!side];
  p->by_name = 1;
  for (size_t i = 0; i < s->nprocs; i++)
    p->occ += &s->procs[i] != p && s->procs[i].by_name && s->procs[i].group &&
              !strcmp(s->procs[i].name, p->name);
  for (size_t i = 0; i < o->nprocs; i++) {
    const ospy_diff_proc *q = &o->procs[i];
    if (q->by_name && q->group && q->occ == p->occ && !strcmp(q->name, p->name)) {
      p->group = q->group;
      return;
    }
  }
  p->group = ++ps->groups;
}

long ospy_diff_procs_of(ospy_diff_procs *ps, int side, const ospy_xevent *ev)
{
  ospy_diff_side *s = &ps->side[side];
  long i = proc_of(s, ev);
  if (i < 0)
    return -1;
  ospy_diff_proc *p = &s->procs[i];
  if (!p->group) {
    if (!p->call_order && note_first_call(s, p, ev->process_name) < 0)
      return -1;
    pair_late(ps, side, p);
  }
  return i;
}

long ospy_diff_thread_ordinal(ospy_diff_proc *p, uint32_t tid)
{
  for (size_t i = 0; i < p->nknown; i++)
    if (p->known[i] == tid)
      return (long)i;
  for (size_t i = 0; i < p->ntids; i++) /* after the noted ones */
    if (p->tids[i] == tid)
      return (long)(p->nknown + i);
  uint32_t *t = realloc(p->tids, (p->ntids + 1) * sizeof *t);
  if (!t)
    return -1;
  p->tids = t;
  t[p->ntids] = tid;
  return (long)(p->nknown + p->ntids++);
}

/* "1.3.2": the ranks from the root down; the middle of a long one elided. */
static void tree_path(const ospy_diff_side *s, size_t proc, char *buf, size_t cap)
{
  char tmp[96];
  size_t at = sizeof tmp - 1;
  tmp[at] = '\0';
  for (const ospy_diff_proc *p = &s->procs[proc]; p->parent >= 0; p = &s->procs[p->parent]) {
    char rank[16];
    int n = snprintf(rank, sizeof rank, ".%u", p->rank);
    if (at < (size_t)n + 8) { /* room kept for "1.…" */
      memcpy(tmp + (at -= 4), ".\xe2\x80\xa6", 4);
      break;
    }
    memcpy(tmp + (at -= (size_t)n), rank, (size_t)n);
  }
  snprintf(buf, cap, "1%s", tmp + at);
}

void ospy_diff_lane_label(const ospy_diff_procs *ps, int side, size_t proc, long thread,
                          char *buf, size_t cap)
{
  const ospy_diff_proc *p = &ps->side[side].procs[proc];
  if (!p->in_tree) {
    snprintf(buf, cap, "%s #%u, thread %ld", p->name, p->occ + 1, thread + 1);
    return;
  }
  char path[128];
  tree_path(&ps->side[side], proc, path, sizeof path);
  snprintf(buf, cap, "%s (process %s), thread %ld", p->name, path, thread + 1);
}
