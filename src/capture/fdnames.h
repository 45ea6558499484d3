/*
 * What each file descriptor of each traced process refers to ("/etc/hosts",
 * "socket:[4711]", "pipe:[12]"), for showing FileDescriptor values as
 * strace -y does: fd=3</etc/hosts>. Controller and readers only.
 *
 * The controller resolves names outside the target, through /proc/PID/fd/N,
 * and writes them into the capture as FdName records just before the first
 * call that uses the descriptor (capture/fdtrack.h); readers replay those
 * records into a table of their own.
 */
#ifndef OSPY_CAPTURE_FDNAMES_H
#define OSPY_CAPTURE_FDNAMES_H

#include <stdint.h>

#include "capture/fdslots.h"

typedef struct ospy_fdnames_entry {
  ospy_fdslot slot;
  char *name; /* "" when known to be unresolvable */
} ospy_fdnames_entry;

typedef struct ospy_fdnames {
  ospy_fdslots slots; /* of ospy_fdnames_entry */
} ospy_fdnames;

void ospy_fdnames_init(ospy_fdnames *t);
void ospy_fdnames_free(ospy_fdnames *t);
/* The name recorded for (pid, fd), "" when known unresolvable, NULL when
   nothing is known. */
const char *ospy_fdnames_get(const ospy_fdnames *t, uint32_t pid, int32_t fd);
/* Records name ("" = unresolvable). 1 when this changed what was known,
   0 when it was already so, -1 out of memory. */
int ospy_fdnames_set(ospy_fdnames *t, uint32_t pid, int32_t fd, const char *name);
void ospy_fdnames_forget(ospy_fdnames *t, uint32_t pid, int32_t fd);
/* Drops every descriptor of pid (it exec'd or exited). */
void ospy_fdnames_forget_pid(ospy_fdnames *t, uint32_t pid);

/* One process's descriptors, for the value formatters' namer callbacks. */
typedef struct ospy_fdnames_of {
  const ospy_fdnames *names;
  uint32_t pid;
} ospy_fdnames_of;
/* ctx is an ospy_fdnames_of: the name of fd, NULL when none is known (or
   it is unresolvable, or fd is no descriptor number). */
const char *ospy_fdnames_namer(void *ctx, int64_t fd);

#endif
