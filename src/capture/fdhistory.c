/* Descriptor bindings over time; see fdhistory.h. */
#include "capture/fdhistory.h"
#include "capture/array_grow.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key_of(uint32_t pid, int32_t fd)
{
  return ospy_fdslots_key(pid, fd);
}

void ospy_fdhist_init(ospy_fdhist *h)
{
  memset(h, 0, sizeof *h);
  ospy_fdslots_init(&h->slots, sizeof(ospy_fdhist_entry));
}

static void binding_free(ospy_fdbinding *b)
{
  free(b->name);
  free(b->sock);
}

static void entry_free(ospy_fdhist_entry *e)
{
  for (unsigned i = 0; i < e->n; i++)
    binding_free(&e->b[i]);
  e->n = 0;
}

void ospy_fdhist_free(ospy_fdhist *h)
{
  for (uint32_t i = 0; i < h->slots.cap; i++) {
    ospy_fdhist_entry *e = ospy_fdslots_used(&h->slots, i);
    if (e)
      entry_free(e);
  }
  ospy_fdslots_free(&h->slots);
  h->latest = 0;
}

static ospy_fdhist_entry *find(const ospy_fdhist *h, uint64_t k)
{
  return ospy_fdslots_find(&h->slots, k);
}

static ospy_fdhist_entry *find_or_add(ospy_fdhist *h, uint64_t k)
{
  ospy_fdhist_entry *e = find(h, k);
  return e ? e : ospy_fdslots_add(&h->slots, k);
}

/* Whether a call entered at call->enter was made under b, b being the newest
   binding made before that: b was not closed yet, or the call is the
   closing thread's own record of that close (the agent's FdClosed and the
   hooked close() are two records of one call). */
static int still_bound(const ospy_fdbinding *b, const ospy_fdcall *call)
{
  return call->enter < b->end_enter ||
         (call->tid == b->end_tid && call->enter <= b->end_leave);
}

ospy_fdbinding *ospy_fdhist_at(const ospy_fdhist *h, uint32_t pid, int32_t fd,
                               const ospy_fdcall *call)
{
  ospy_fdhist_entry *e = find(h, key_of(pid, fd));
  if (!e)
    return NULL;
  for (unsigned i = 0; i < e->n; i++)
    if (e->b[i].from <= call->enter) /* (equal: one thread's next call, a coarse clock) */
      return still_bound(&e->b[i], call) ? &e->b[i] : NULL;
  return NULL; /* made before every binding kept: not known */
}

const ospy_fdbinding *ospy_fdhist_newest(const ospy_fdhist *h, uint32_t pid, int32_t fd)
{
  const ospy_fdhist_entry *e = find(h, key_of(pid, fd));
  return e && e->n && e->b[0].end_enter == OSPY_FDHIST_OPEN ? &e->b[0] : NULL;
}

static int set_text(char **slot, const char *text)
{
  char *copy = NULL;
  if (text && !(copy = strdup(text)))
    return -1;
  free(*slot);
  *slot = copy;
  return 0;
}

int ospy_fdbinding_set_name(ospy_fdbinding *b, const char *name)
{
  if (b->name && name && !strcmp(b->name, name))
    return 0; /* (the common rename: nothing new) */
  return set_text(&b->name, name);
}

int ospy_fdbinding_set_sock(ospy_fdbinding *b, const char *sock)
{
  if (b->sock && sock && !strcmp(b->sock, sock))
    return 0;
  return set_text(&b->sock, sock);
}

/* Whether b's close was drained (not only known to have happened). */
static int close_drained(const ospy_fdbinding *b)
{
  return b->end_enter != OSPY_FDHIST_OPEN && b->end_tid != 0;
}

/* A full entry makes room for a binding made at `from`: the oldest closed
   binding goes (its close is drained, and so, mostly, are the calls made
   under it). A binding still open though a newer one was made is kept: its
   close has not been drained yet, nor perhaps the calls of its thread before
   that close (a thread the system left stopped in the middle of writing a
   record holds back its records, seen for 100 ms). 0 when all are open and
   older than it: the new one then goes. */
static int make_room(ospy_fdhist_entry *e, uint64_t from)
{
  unsigned victim = e->n - 1;
  while (victim > 0 && !close_drained(&e->b[victim]))
    victim--;
  if (!close_drained(&e->b[victim])) {
    if (e->b[e->n - 1].from > from)
      return 0;
    victim = e->n - 1;
  }
  ospy_fdbinding *older = victim + 1 < e->n ? &e->b[victim + 1] : NULL;
  if (older && older->end_enter == OSPY_FDHIST_OPEN) {
    /* the number was taken again when the victim was made: the older one was
       closed by then (its close not drained yet: end_tid 0). Calls made
       after that are not named after it */
    older->end_enter = older->end_leave = e->b[victim].from;
    older->end_tid = 0;
  }
  binding_free(&e->b[victim]);
  memmove(&e->b[victim], &e->b[victim + 1], (e->n - victim - 1) * sizeof e->b[0]);
  e->n--;
  return 1;
}

ospy_fdbinding *ospy_fdhist_bind(ospy_fdhist *h, uint32_t pid, int32_t fd, uint64_t from,
                                 const char *name)
{
  ospy_fdhist_entry *e = find_or_add(h, key_of(pid, fd));
  if (!e)
    return NULL;
  char *copy = NULL;
  if (name && !(copy = strdup(name)))
    return NULL;
  if (e->n == OSPY_FDHIST_DEPTH && !make_room(e, from)) {
    free(copy);
    return NULL;
  }
  unsigned at = 0; /* its place: after those made later (drained early) */
  while (at < e->n && e->b[at].from > from)
    at++;
  memmove(&e->b[at + 1], &e->b[at], (e->n - at) * sizeof e->b[0]);
  e->n++;
  e->b[at] = (ospy_fdbinding){ from, OSPY_FDHIST_OPEN, OSPY_FDHIST_OPEN, 0, copy, NULL };
  if (from > h->latest)
    h->latest = from;
  return &e->b[at];
}

void ospy_fdhist_close(ospy_fdhist *h, uint32_t pid, int32_t fd, const ospy_fdcall *call)
{
  ospy_fdbinding *b = ospy_fdhist_at(h, pid, fd, call);
  if (!b)
    return;
  if (call->enter < b->end_enter) { /* open, or this close began first (FdClosed's record
                                       of a hooked close: its listener is entered first) */
    b->end_enter = call->enter;
    b->end_leave = call->leave > call->enter ? call->leave : call->enter;
    b->end_tid = call->tid;
  } else if (call->leave > b->end_leave) {
    b->end_leave = call->leave; /* the same thread's other record of it */
  }
  if (b->end_leave > h->latest)
    h->latest = b->end_leave;
}

void ospy_fdhist_each(const ospy_fdhist *h, uint32_t pid, uint32_t lo, uint32_t hi,
                      void (*fn)(int32_t fd, void *data), void *data)
{
  for (uint32_t i = 0; i < h->slots.cap; i++) {
    const ospy_fdhist_entry *e = ospy_fdslots_used(&h->slots, i);
    uint32_t fd = e ? (uint32_t)e->slot.key : 0;
    if (e && (uint32_t)(e->slot.key >> 32) == pid && fd >= lo && fd <= hi)
      fn((int32_t)fd, data);
  }
}

void ospy_fdhist_forget_pid(ospy_fdhist *h, uint32_t pid)
{
  for (uint32_t i = 0; i < h->slots.cap; i++) {
    ospy_fdhist_entry *e = ospy_fdslots_used(&h->slots, i);
    if (e && (uint32_t)(e->slot.key >> 32) == pid) {
      entry_free(e);
      ospy_fdslots_remove(&h->slots, e);
    }
  }
}

/* pid's descriptor numbers that have bindings, into *fds (malloc'd). */
static long fds_of(const ospy_fdhist *h, uint32_t pid, int32_t **fds)
{
  size_t n = 0, cap = 0;
  *fds = NULL;
  for (uint32_t i = 0; i < h->slots.cap; i++) {
    const ospy_fdhist_entry *e = ospy_fdslots_used(&h->slots, i);
    if (!e || (uint32_t)(e->slot.key >> 32) != pid)
      continue;
    if (ospy_array_grow((void **)fds, &cap, n, sizeof **fds) < 0) {
      free(*fds);
      *fds = NULL;
      return -1;
    }
    (*fds)[n++] = (int32_t)(uint32_t)e->slot.key;
  }
  return (long)n;
}

/* Child's copy of the binding of parent's fd that held at `at`, if one did.
   0, or -1 out of memory. */
static int inherit_one(ospy_fdhist *h, uint32_t parent, uint32_t child, int32_t fd, uint64_t at,
                       void (*fn)(int32_t fd, const ospy_fdbinding *b, void *data), void *data)
{
  /* (no thread's call: a close drained or not ends the binding at its entry) */
  const ospy_fdcall fork_call = { at, at, UINT32_MAX };
  const ospy_fdbinding *was = ospy_fdhist_at(h, parent, fd, &fork_call);
  if (!was)
    return 0;
  /* (copies: binding the child's number may move the parent's entry) */
  char *name = was->name ? strdup(was->name) : NULL;
  char *sock = was->sock ? strdup(was->sock) : NULL;
  int r = -1;
  if ((name || !was->name) && (sock || !was->sock)) {
    ospy_fdbinding *b = ospy_fdhist_bind(h, child, fd, 0, name);
    if (b && ospy_fdbinding_set_sock(b, sock) == 0) {
      fn(fd, b, data);
      r = 0;
    }
  }
  free(name);
  free(sock);
  return r;
}

long ospy_fdhist_inherit(ospy_fdhist *h, uint32_t parent, uint32_t child, uint64_t at,
                         void (*fn)(int32_t fd, const ospy_fdbinding *b, void *data),
                         void *data)
{
  int32_t *fds;
  long n = fds_of(h, parent, &fds);
  for (long i = 0; i < n; i++)
    if (inherit_one(h, parent, child, fds[i], at, fn, data) < 0) {
      n = -1;
      break;
    }
  free(fds);
  return n;
}
