/*
 * -F: the programs followed processes exec, watched until their agent
 * starts. An agent about to exec a program that should load the agent
 * says so (an Exec record, ring only); the program's agent then writes its
 * ProcessStart. A program that never reaches the ring (its descriptor of
 * the ring closed before the exec and no way to get it back; set-user-ID;
 * static) was left out of the capture with no word: its process started,
 * then nothing, "0 agent errors". The controller now waits for one of
 *   - the process's ProcessStart: the new program's agent started;
 *   - a record of the thread that exec'd, or an Exec record saying it
 *     returned, or the old program's own ProcessExit: the exec failed, the
 *     old program goes on;
 * and warns, naming the process, the program and the likely reason, when
 * the process ends first or the capture does. The program ospy starts is
 * watched the same way from its spawn.
 */
#ifndef OSPY_CAPTURE_EXEC_WATCH_H
#define OSPY_CAPTURE_EXEC_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "capture/event.h"

typedef struct ospy_exec_wait {
  uint32_t pid;
  uint32_t tid;  /* the thread that exec'd; 0: the program ospy spawned */
  uint32_t why;  /* OSPY_EXEC_WHY_* */
  char path[256];
} ospy_exec_wait;

typedef struct ospy_exec_watch {
  ospy_exec_wait *w;
  size_t n, cap;
} ospy_exec_watch;

/* pid is to start an agent in the program at path (not NUL-terminated,
 * len bytes); replaces an earlier wait of pid. */
void ospy_exec_watch_expect(ospy_exec_watch *x, uint32_t pid, uint32_t tid, uint32_t why,
                            const char *path, size_t len);
/* A record an agent wrote (any type, in ring order): an Exec record starts
 * or settles a wait, the others may settle one. */
void ospy_exec_watch_note(ospy_exec_watch *x, const ospy_event_hdr *rec);
/* The wait of pid taken out: 1 and *out, or 0 when there is none. */
int ospy_exec_watch_take(ospy_exec_watch *x, uint32_t pid, ospy_exec_wait *out);
/* The warning for a wait never settled: the process ended (ended) or the
 * capture did. */
void ospy_exec_watch_message(const ospy_exec_wait *w, int ended, char *out, size_t cap);
void ospy_exec_watch_free(ospy_exec_watch *x);

#endif
