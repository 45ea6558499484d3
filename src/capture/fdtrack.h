/*
 * Controller side of descriptor names (capture/fdnames.h), resolved outside
 * the target. A name is only given when it is certain enough:
 *   - when a process starts, its stdin/stdout/stderr from /proc/PID/fd
 *     (all its descriptors when ospy attaches to it);
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
 */
#ifndef OSPY_CAPTURE_FDTRACK_H
#define OSPY_CAPTURE_FDTRACK_H

#include "capture/event.h"
#include "capture/fdnames.h"
#include "plan/plan.h"
#include "plan/spec.h"

typedef struct ospy_fdtrack {
  ospy_fdnames known;       /* what the capture has said so far */
  ospy_fdnames sockets;     /* what the calls said of sockets (capture/socknames.h) */
  const ospy_plan *plan;
  const ospy_spec_table *specs;
  uint8_t *fn_role;         /* per spec function: what it does to names (fdtrack.c) */
  uint32_t nfns;
  int snapshot_all;         /* attach: name every descriptor a process has at start */
  uint32_t stdio_of_controller; /* a spawned pid whose stdio is the controller's (it may
                                   have exited before its ProcessStart is drained) */
} ospy_fdtrack;

/* Emits one record (an FdName) into the capture; 0 or -1. */
typedef int (*ospy_fdtrack_emit)(void *ctx, const ospy_event_hdr *rec);

int ospy_fdtrack_init(ospy_fdtrack *t, const ospy_plan *plan, const ospy_spec_table *specs);
void ospy_fdtrack_free(ospy_fdtrack *t);
/* Before a record is written: FdName records for the descriptors a call uses
   or returns. After it: a closed descriptor's name is withdrawn. */
void ospy_fdtrack_before(ospy_fdtrack *t, const ospy_event_hdr *rec, ospy_fdtrack_emit emit,
                         void *ctx);
/* For socknames.c: names (pid, fd), announcing it unless the capture says
   so already. */
void ospy_fdtrack_name(ospy_fdtrack *t, uint32_t pid, int32_t fd, uint64_t ts, const char *name,
                       ospy_fdtrack_emit emit, void *ctx);
void ospy_fdtrack_after(ospy_fdtrack *t, const ospy_event_hdr *rec, ospy_fdtrack_emit emit,
                        void *ctx);

#endif
