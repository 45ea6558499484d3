/*
 * What each descriptor of each traced process referred to over time, for the
 * controller's descriptor names (capture/fdtrack.h). Controller only.
 *
 * Records reach the controller roughly in the order calls return, not in the
 * order they were made: thread A's close(3) is done in the kernel, thread B's
 * open returns 3 and is drained, then A's close record comes. So a
 * descriptor keeps its last few bindings (what one number referred to, one
 * open after another), each with when it surely held: from the return of the
 * call that made it until the entry of the close that ended it. A call is
 * named after the binding it was made under, by its entry time; a close ends
 * that binding only, never a newer one another thread made meanwhile.
 *
 * Times are the agent's clock (TSC ticks or ns, as the ring carries them):
 * two calls of one thread, a few hundred ns apart, must compare in order.
 */
#ifndef OSPY_CAPTURE_FDHISTORY_H
#define OSPY_CAPTURE_FDHISTORY_H

#include <stdint.h>

#include "capture/fdslots.h"

#define OSPY_FDHIST_DEPTH 4 /* bindings kept per descriptor (older ones: no name) */
#define OSPY_FDHIST_OPEN UINT64_MAX

/* When a call was made and returned, by the agent's clock, and by which thread. */
typedef struct ospy_fdcall {
  uint64_t enter, leave;
  uint32_t tid;
} ospy_fdcall;

typedef struct ospy_fdbinding {
  uint64_t from;      /* the making call returned here: bound for sure from then on */
  uint64_t end_enter; /* the close that ended it was entered here (OSPY_FDHIST_OPEN: open) */
  uint64_t end_leave; /* ... and returned here */
  uint32_t end_tid;   /* ... in this thread (0: not drained yet, but it was closed by
                         end_enter: a newer binding made then is no longer kept) */
  char *name;         /* what the descriptor is shown as; NULL when not known */
  char *sock;         /* socknames.c's fields for a socket, else NULL */
} ospy_fdbinding;

typedef struct ospy_fdhist_entry {
  ospy_fdslot slot;
  uint8_t n; /* bindings in b, newest (latest from) first */
  ospy_fdbinding b[OSPY_FDHIST_DEPTH];
} ospy_fdhist_entry;

typedef struct ospy_fdhist {
  ospy_fdslots slots; /* of ospy_fdhist_entry */
  /* the latest time a binding began or ended: a call entered after it is made
     under the newest bindings (what ospy_fdhist_newest gives) */
  uint64_t latest;
} ospy_fdhist;

void ospy_fdhist_init(ospy_fdhist *h);
void ospy_fdhist_free(ospy_fdhist *h);

/* The binding a call refers to when it passes (pid, fd): the newest made
   before the call was entered, unless a close had been entered before it
   (the closing thread's own records of that close still refer to it). NULL
   when none is known. */
ospy_fdbinding *ospy_fdhist_at(const ospy_fdhist *h, uint32_t pid, int32_t fd,
                               const ospy_fdcall *call);
/* What a call made now would refer to: the newest binding, unless it was
   closed. */
const ospy_fdbinding *ospy_fdhist_newest(const ospy_fdhist *h, uint32_t pid, int32_t fd);
/* A binding made by a call that returned at `from`, named `name` (NULL: not
   known), put among the others by time. NULL when out of memory, or when it
   is older than the bindings kept (it then names no call). */
ospy_fdbinding *ospy_fdhist_bind(ospy_fdhist *h, uint32_t pid, int32_t fd, uint64_t from,
                                 const char *name);
/* Replaces a binding's name or socket fields (NULL: none). 0, -1 out of memory. */
int ospy_fdbinding_set_name(ospy_fdbinding *b, const char *name);
int ospy_fdbinding_set_sock(ospy_fdbinding *b, const char *sock);
/* A successful close of (pid, fd) made as `call`: ends the binding it
   referred to, and only that one. */
void ospy_fdhist_close(ospy_fdhist *h, uint32_t pid, int32_t fd, const ospy_fdcall *call);
/* Calls fn for each descriptor lo..hi of pid that has bindings. */
void ospy_fdhist_each(const ospy_fdhist *h, uint32_t pid, uint32_t lo, uint32_t hi,
                      void (*fn)(int32_t fd, void *data), void *data);
/* Drops every descriptor of pid (it exec'd or exited). */
void ospy_fdhist_forget_pid(ospy_fdhist *h, uint32_t pid);
/* A forked child's descriptors: each binding of parent's that held at `at`
   (the fork, by the agent's clock; the parent's opens and closes after it
   are its own) becomes a binding of child's, bound since the child began,
   with its name and socket fields. fn is called for each. Returns how many
   descriptors of parent the history knows (0: the parent is not known), -1
   out of memory. */
long ospy_fdhist_inherit(ospy_fdhist *h, uint32_t parent, uint32_t child, uint64_t at,
                         void (*fn)(int32_t fd, const ospy_fdbinding *b, void *data),
                         void *data);

#endif
