/* The records a later chunk needs, kept and repeated; see replay.h. */
#include "capture/replay.h"

#include <stdlib.h>
#include <string.h>

#include "capture/array_grow.h"

static ospy_event_hdr *copy_of(const ospy_event_hdr *rec)
{
  ospy_event_hdr *c = malloc(rec->size);
  if (c)
    memcpy(c, rec, rec->size);
  return c;
}

static void records_clear(ospy_replay_records *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->v[i]);
  r->n = 0;
}

static void records_free(ospy_replay_records *r)
{
  records_clear(r);
  free(r->v);
  r->v = NULL;
  r->cap = 0;
}

static void records_remove(ospy_replay_records *r, size_t i)
{
  free(r->v[i]);
  memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof *r->v);
  r->n--;
}

/* Replaces the record same() matches, or appends a copy. */
static void records_put(ospy_replay_records *r, const ospy_event_hdr *rec,
                        int (*same)(const ospy_event_hdr *, const ospy_event_hdr *))
{
  ospy_event_hdr *c = copy_of(rec);
  if (!c)
    return;
  for (size_t i = 0; i < r->n; i++)
    if (same(r->v[i], rec)) {
      free(r->v[i]);
      r->v[i] = c;
      return;
    }
  if (ospy_array_grow((void **)&r->v, &r->cap, r->n, sizeof *r->v) < 0) {
    free(c);
    return;
  }
  r->v[r->n++] = c;
}

static int same_hook(const ospy_event_hdr *a, const ospy_event_hdr *b)
{
  return ((const ospy_event_hook_name *)a)->hook == ((const ospy_event_hook_name *)b)->hook;
}

static int same_fd(const ospy_event_hdr *a, const ospy_event_hdr *b)
{
  return ((const ospy_event_fd_name *)a)->fd == ((const ospy_event_fd_name *)b)->fd;
}

static int same_base(const ospy_event_hdr *a, const ospy_event_hdr *b)
{
  return ((const ospy_event_module *)a)->base == ((const ospy_event_module *)b)->base;
}

static ospy_replay_process *process_of(ospy_replay *rp, uint32_t pid, int create)
{
  for (size_t i = 0; i < rp->nprocs; i++)
    if (rp->procs[i].pid == pid)
      return &rp->procs[i];
  if (!create ||
      ospy_array_grow((void **)&rp->procs, &rp->capprocs, rp->nprocs, sizeof *rp->procs) < 0)
    return NULL;
  rp->procs[rp->nprocs] = (ospy_replay_process){ .pid = pid };
  return &rp->procs[rp->nprocs++];
}

static void process_free(ospy_replay_process *p)
{
  free(p->start);
  records_free(&p->modules);
  records_free(&p->fds);
}

/* A new image (exec) or a new process (fork): readers start its module map
 * and its descriptor names afresh at a ProcessStart (the controller names
 * the descriptors again after it), and so does the repeat. */
static void process_started(ospy_replay *rp, const ospy_event_hdr *rec)
{
  ospy_replay_process *p = process_of(rp, rec->pid, 1);
  if (!p)
    return;
  free(p->start);
  p->start = copy_of(rec);
  records_clear(&p->modules);
  records_clear(&p->fds);
}

static void process_ended(ospy_replay *rp, uint32_t pid)
{
  ospy_replay_process *p = process_of(rp, pid, 0);
  if (!p)
    return;
  process_free(p);
  size_t i = (size_t)(p - rp->procs);
  memmove(p, p + 1, (rp->nprocs - i - 1) * sizeof *p);
  rp->nprocs--;
}

static void fd_named(ospy_replay *rp, const ospy_event_hdr *rec)
{
  const ospy_event_fd_name *f = (const ospy_event_fd_name *)rec;
  ospy_replay_process *p = process_of(rp, rec->pid, f->name_len != 0);
  if (!p)
    return;
  if (f->name_len) {
    records_put(&p->fds, rec, same_fd);
    return;
  }
  for (size_t i = 0; i < p->fds.n; i++) /* withdrawn: closed */
    if (same_fd(p->fds.v[i], rec))
      records_remove(&p->fds, i--);
}

static void module_unloaded(ospy_replay *rp, const ospy_event_hdr *rec)
{
  ospy_replay_process *p = process_of(rp, rec->pid, 0);
  for (size_t i = 0; p && i < p->modules.n; i++)
    if (same_base(p->modules.v[i], rec))
      records_remove(&p->modules, i--);
}

void ospy_replay_note(ospy_replay *rp, const ospy_event_hdr *rec)
{
  ospy_replay_process *p;
  switch (rec->type) {
  case OSPY_EV_HOOK_NAME:
    records_put(&rp->hook_names, rec, same_hook);
    break;
  case OSPY_EV_PROCESS_START:
    process_started(rp, rec);
    break;
  case OSPY_EV_MODULE_LOAD:
    if ((p = process_of(rp, rec->pid, 1)))
      records_put(&p->modules, rec, same_base);
    break;
  case OSPY_EV_MODULE_UNLOAD:
    module_unloaded(rp, rec);
    break;
  case OSPY_EV_FD_NAME:
    fd_named(rp, rec);
    break;
  case OSPY_EV_PROCESS_EXIT:
    process_ended(rp, rec->pid);
    return; /* (what readers hold of it after a lost chunk does no harm) */
  default:
    return;
  }
  rp->changed = 1;
}

static int write_records(ospy_replay_records *r, int (*add)(void *, const ospy_event_hdr *),
                         void *ctx)
{
  for (size_t i = 0; i < r->n; i++) {
    r->v[i]->flags |= OSPY_EVENT_F_REPEATED;
    int rc = add(ctx, r->v[i]);
    r->v[i]->flags &= (uint16_t)~OSPY_EVENT_F_REPEATED;
    if (rc < 0)
      return -1;
  }
  return 0;
}

int ospy_replay_write(ospy_replay *rp, int (*add)(void *ctx, const ospy_event_hdr *rec), void *ctx)
{
  rp->changed = 0;
  if (write_records(&rp->hook_names, add, ctx) < 0)
    return -1;
  for (size_t i = 0; i < rp->nprocs; i++) {
    ospy_replay_process *p = &rp->procs[i];
    if (p->start) {
      p->start->flags |= OSPY_EVENT_F_REPEATED;
      int rc = add(ctx, p->start);
      p->start->flags &= (uint16_t)~OSPY_EVENT_F_REPEATED;
      if (rc < 0)
        return -1;
    }
    if (write_records(&p->modules, add, ctx) < 0 || write_records(&p->fds, add, ctx) < 0)
      return -1;
  }
  return 0;
}

void ospy_replay_free(ospy_replay *rp)
{
  records_free(&rp->hook_names);
  for (size_t i = 0; i < rp->nprocs; i++)
    process_free(&rp->procs[i]);
  free(rp->procs);
  memset(rp, 0, sizeof *rp);
}
