/*
 * Controller side of descriptor names (capture/fdnames.h), resolved outside
 * the target. A name is only given when it is certain enough:
 *   - when a process starts, its stdin/stdout/stderr from /proc/PID/fd
 *     (all its descriptors when ospy attaches to it); a child forked with
 *     -F (ProcessStart flagged FORKED, stamped with the fork) takes a copy
 *     of its parent's names as they were at the fork instead, from then on
 *     its own (an exec drops them: /proc's stdio again);
 *   - a descriptor returned by a hooked call (FileDescriptor return type)
 *     takes the call's path argument (open, openat, creat); dup's copy
 *     takes the original's name;
 *   - a socket is named from what socket, bind, connect, accept,
 *     getsockname and getpeername said of it (capture/socknames.h);
 *   - a successful close withdraws the name: a hooked close() call, or the
 *     agent's FdClosed record (close, libc's own __close_nocancel).
 * Descriptors opened by code that is not hooked (glibc's internal
 * open_nocancel, for one) stay numbers: /proc, read milliseconds after the
 * call, could name a later file that reused the number.
 *
 * Records come roughly in the order calls return, so what a number refers
 * to is kept over time (capture/fdhistory.h): each call is shown with the
 * binding it was made under, by its entry time, though another thread's
 * open of the same number was drained first; a close ends that binding
 * only. The capture's FdName records say before each call what its
 * descriptors refer to (readers keep one name per descriptor), and after
 * it, again what they refer to now.
 */
#ifndef OSPY_CAPTURE_FDTRACK_H
#define OSPY_CAPTURE_FDTRACK_H

#include "capture/event.h"
#include "capture/fdhistory.h"
#include "capture/fdnames.h"
#include "plan/plan.h"
#include "plan/spec.h"

typedef struct ospy_fdtrack {
  ospy_fdnames known;       /* what the capture has said so far (as its readers see it) */
  ospy_fdhist bindings;     /* what each descriptor referred to, over time */
  const ospy_plan *plan;
  const ospy_spec_table *specs;
  uint8_t *fn_role;         /* per spec function: what it does to names (fdtrack.c) */
  uint32_t nfns;
  int snapshot_all;         /* attach: name every descriptor a process has at start */
  uint32_t stdio_of_controller; /* a spawned pid whose stdio is the controller's (it may
                                   have exited before its ProcessStart is drained) */
  unsigned stdio_closed;    /* of those, the ones ospy was started without (bit fd): the
                               program starts without them too (ospy's own are /dev/null) */
  /* the record being handled: its process, its call's times (agent's clock)
     and thread, and the wall time FdName records for it are stamped with */
  uint32_t pid;
  ospy_fdcall call;
  uint64_t ts;
  /* descriptors named for its record, perhaps not as they are now: told
     again after it */
  int32_t shown[12];
  unsigned nshown;
  /* the call before_call looked up, for after_call on the same record */
  const void *looked_up;
  int role; /* its role (fdtrack.c), ROLE_NONE without a spec */
  const struct ospy_spec_fn *fn;
  /* per plan hook: 1 when its calls pass, return and close no descriptor
   * (found at its first decoded call), so that the tracker is not called
   * for them at all (ospy_fdtrack_ignores: two calls a record were a tenth
   * of the drain loop's time); 0 not known yet, 2 it has a part */
  uint8_t *hook_quiet;
  uint32_t nhooks;
} ospy_fdtrack;

/* A record's times by the agent's own clock, before the controller turned TSC
   ticks into wall time (records converted at different drains can be off by
   more than two calls of one thread are apart): a call's entry and return; an
   FdClosed's close's entry and return. */
typedef struct ospy_fdtrack_times {
  uint64_t enter, leave;
} ospy_fdtrack_times;

/* Emits one record (an FdName) into the capture; 0 or -1. */
typedef int (*ospy_fdtrack_emit)(void *ctx, const ospy_event_hdr *rec);

int ospy_fdtrack_init(ospy_fdtrack *t, const ospy_plan *plan, const ospy_spec_table *specs);
void ospy_fdtrack_free(ospy_fdtrack *t);
/* Before a record is written: FdName records for the descriptors a call uses
   or returns. After it: a closed descriptor's name is withdrawn, and the
   descriptors named for the call alone are told what they are now. times:
   the record's times by the agent's clock (NULL: the record's own). */
/* Whether before and after have nothing to do for call c: a raw call (no
   spec: no value is known to be a descriptor), or one of a hook found
   without a part in descriptor names. Cheap: ask before each call. */
static inline int ospy_fdtrack_ignores(const ospy_fdtrack *t, const ospy_event_call *c)
{
  return (c->h.flags & OSPY_CALL_F_RAW) || (c->hook < t->nhooks && t->hook_quiet[c->hook] == 1);
}
void ospy_fdtrack_before(ospy_fdtrack *t, const ospy_event_hdr *rec,
                         const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx);
void ospy_fdtrack_after(ospy_fdtrack *t, const ospy_event_hdr *rec,
                        const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx);

/* For socknames.c, during a call: the socket fields of the descriptor the
   call passed (NULL when not known as a socket)... */
const char *ospy_fdtrack_sock(const ospy_fdtrack *t, int32_t fd);
/* ...and what the call said of it: made (socket, accept: a new descriptor,
   from the call's return on) or not (bind, connect: the one it was made
   under), its fields and its name, shown with the call. */
void ospy_fdtrack_sock_said(ospy_fdtrack *t, int32_t fd, int made, const char *sock,
                            const char *name, ospy_fdtrack_emit emit, void *ctx);

#endif
