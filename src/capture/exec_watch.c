/* Programs exec'd under -F, watched until their agent starts; see exec_watch.h. */
#include "capture/exec_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/array_grow.h"

static ospy_exec_wait *find(ospy_exec_watch *x, uint32_t pid)
{
  for (size_t i = 0; i < x->n; i++)
    if (x->w[i].pid == pid)
      return &x->w[i];
  return NULL;
}

static void drop(ospy_exec_watch *x, ospy_exec_wait *w)
{
  *w = x->w[--x->n];
}

void ospy_exec_watch_expect(ospy_exec_watch *x, uint32_t pid, uint32_t tid, uint32_t why,
                            const char *path, size_t len)
{
  ospy_exec_wait *w = find(x, pid);
  if (!w) {
    if (ospy_array_grow((void **)&x->w, &x->cap, x->n, sizeof *x->w) < 0)
      return; /* (out of memory: not watched) */
    w = &x->w[x->n++];
  }
  w->pid = pid;
  w->tid = tid;
  w->why = why;
  if (len >= sizeof w->path)
    len = sizeof w->path - 1;
  memcpy(w->path, path, len);
  w->path[len] = 0;
}

/* Whether rec shows that the exec w waits for returned: the thread that
 * exec'd goes on (its records but those written at the exec, the calls
 * pending then), or the old program ended by its own agent's word. */
static int exec_returned(const ospy_exec_wait *w, const ospy_event_hdr *rec)
{
  if (rec->type == OSPY_EV_EXEC || rec->type == OSPY_EV_PROCESS_EXIT)
    return 1;
  if (rec->type == OSPY_EV_CALL && (rec->flags & OSPY_CALL_F_TENTATIVE))
    return 0;
  return w->tid && rec->tid == w->tid;
}

void ospy_exec_watch_note(ospy_exec_watch *x, const ospy_event_hdr *rec)
{
  if (rec->type == OSPY_EV_EXEC && !(rec->flags & OSPY_EXEC_F_RETURNED)) {
    const ospy_event_exec *e = (const ospy_event_exec *)rec;
    ospy_exec_watch_expect(x, rec->pid, rec->tid, e->why, (const char *)(e + 1), e->path_len);
    return;
  }
  ospy_exec_wait *w = x->n ? find(x, rec->pid) : NULL;
  if (w && (rec->type == OSPY_EV_PROCESS_START || exec_returned(w, rec)))
    drop(x, w);
}

int ospy_exec_watch_take(ospy_exec_watch *x, uint32_t pid, ospy_exec_wait *out)
{
  ospy_exec_wait *w = x->n ? find(x, pid) : NULL;
  if (!w)
    return 0;
  *out = *w;
  drop(x, w);
  return 1;
}

/* What most likely kept the agent out, by what its agent saw before the
 * exec (the spawned program: by what ospy saw of its file). */
static const char *likely_reason(const ospy_exec_wait *w)
{
  if (w->why & OSPY_EXEC_WHY_SETID)
    return "it is set-user-ID, set-group-ID or has file capabilities: the dynamic loader "
           "ignores LD_PRELOAD in it";
  if (w->why & OSPY_EXEC_WHY_STATIC)
    return "it is statically linked: there is no dynamic loader to load the agent";
  if (w->why & OSPY_EXEC_WHY_RING_CLOSED)
    return "the event ring's descriptor was closed before the exec (close_range, closefrom) "
           "and the program could not get it back: ospy's /proc/PID/fd is closed to another "
           "user, and ospy's socket for it was not reached or refused it (another network "
           "namespace, not a descendant of the program ospy started)";
  return "not known (its environment may have lost LD_PRELOAD or OSPY_RING_FD, or it was "
         "killed before the dynamic loader ran the agent)";
}

void ospy_exec_watch_message(const ospy_exec_wait *w, int ended, char *out, size_t cap)
{
  snprintf(out, cap,
           "controller: process %u %s %s, but no agent started in it%s: what it ran is not "
           "recorded, nor how it ended. Likely: %s",
           w->pid, w->tid ? "exec'd" : "ran", w->path,
           ended ? " before it ended" : " by the end of the capture", likely_reason(w));
}

void ospy_exec_watch_free(ospy_exec_watch *x)
{
  free(x->w);
  *x = (ospy_exec_watch){ 0 };
}
