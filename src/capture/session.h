/*
 * The controller's side of a capture: drain the ring, validate each record,
 * show it live, append it to the capture file; turn the ring's lost counters
 * into Lost records as they grow, each placed where its drops happened
 * (lost_track.h).
 */
#ifndef OSPY_CAPTURE_SESSION_H
#define OSPY_CAPTURE_SESSION_H

#include <stdio.h>

#include "capture/event.h"
#include "capture/fdtrack.h"
#include "capture/file.h"
#include "capture/format.h"
#include "capture/lost_track.h"
#include "capture/replay.h"
#include "capture/ring.h"
#include "capture/tscclock.h"
#include "capture/exec_watch.h"
#include "plan/plan.h"

/* A call held back from the capture (ospy_session.held). */
typedef struct ospy_session_held {
  ospy_event_hdr *rec;
  ospy_fdtrack_times times; /* by the agent's clock */
} ospy_session_held;

/* The warnings and errors the live view prints before it only counts them. */
#define OSPY_LIVE_PROBLEMS_MAX 20

typedef struct ospy_session {
  ospy_ring ring;
  ospy_capfile_writer *file;
  ospy_plan *plan; /* the live view's: HookName records rename its hooks */
  FILE *live; /* NULL: no live view */
  int live_problems_only; /* -q: the live view shows warnings and errors only */
  ospy_format_opts live_opts;
  int live_muted;        /* stopping: the backlog goes to the file, not the screen */
  uint64_t live_skipped; /* calls recorded but not shown live (muted) */
  /* warnings and errors shown live, and those past OSPY_LIVE_PROBLEMS_MAX
   * only counted (a config naming 500 absent functions printed 1000 lines) */
  uint64_t live_problems, live_problems_hidden;
  ospy_fdtrack *fds;  /* names FileDescriptor values (FdName records), or NULL */
  ospy_tscclock *tsc; /* the ring carries TSC timestamps (OSPY_RING_F_TSC), or NULL */
  uint8_t *buf;
  uint64_t records, calls, lost, errors;
  uint64_t next_seq;       /* the next FunctionCall read from the ring gets this number */
  int write_failed;
  uint64_t forged;         /* FdName records found in the ring (dropped) */
  uint64_t unflushed;      /* records appended since the last chunk was written */
  uint64_t last_flush_ns;
  uint32_t agent_exits[64]; /* pids whose ProcessExit an agent wrote (most recent 64) */
  int32_t agent_exit_codes[64]; /* ... and how each ended: a shell's exit code */
  unsigned n_agent_exits;
  /* calls recorded tentatively (OSPY_CALL_F_TENTATIVE: an exec at its
   * entry, the calls pending in its process then), held until their thread
   * or process shows whether they returned; in the order they came */
  ospy_session_held *held;
  size_t held_cap;
  unsigned nheld;
  ospy_exec_watch execs; /* -F: programs exec'd whose agent has not started yet */
  uint64_t execs_checked_ns; /* when ospy_session_check_execs last looked at /proc */
  ospy_lost_track lost_track; /* drops found in the lost counters, waiting for their place */
  ospy_replay replay; /* the records a later chunk needs, repeated at its start (replay.h) */
} ospy_session;

/* buf is allocated here; file and ring are set up by the caller. 0 or -1. */
int ospy_session_init(ospy_session *s);
/* Consumes every record produced before the call (bounded: producers that
 * keep going are served by the next call), and flushes the live view.
 * Returns how many, or -1 when the file cannot
 * be written (message on stderr). A ring the target corrupted is reported
 * once and recorded as an Error event; the capture goes on without it. */
long ospy_session_drain(ospy_session *s);
/* The same for at most about max_ns of the controller's time (0: no limit):
 * a slow live view must not keep the capture loop from its deadline, from
 * Ctrl-C or from reaping. */
long ospy_session_drain_for(ospy_session *s, uint64_t max_ns);
/* The last drain, once no process records any more (every one that had
 * the ring ended): a record a thread left unfinished when it died (exit_group
 * kills threads in the middle of one) is passed, so the records after it in
 * its lane (another thread's, the process's own exit) are not lost with it;
 * a Warning says so. Returns what ospy_session_drain returns. */
long ospy_session_drain_last(ospy_session *s);
/* While processes still record (-F): a record whose thread died in the
 * middle of writing it (a followed process killed) and that has held back
 * its lane for a second is passed, counted as a lost event and said in a
 * Warning, so that the other processes' records flow on (and their hooked
 * calls, waiting for room in a lossless capture, do not wait for ever).
 * Cheap when nothing is held back: call it on every turn of the loop. */
void ospy_session_pass_dead_writers(ospy_session *s);
/* Whether task id (a process or a thread) has ended: gone, or a zombie its
 * parent has not reaped yet (kill(id, 0) still succeeds then). *wstatus: a
 * zombie's wait status (field 52 of /proc/ID/stat), else -1. */
int ospy_session_task_ended(uint32_t id, int *wstatus);
/* Whether an agent already recorded pid's exit (a followed child that
 * called _exit, later reparented to ospy and reaped by it). */
int ospy_session_exit_recorded(const ospy_session *s, uint32_t pid);
/* How an agent recorded pid's end, as a shell's exit status (the code, or
 * 128 + the signal); -1 when it did not. */
int ospy_session_exit_code(const ospy_session *s, uint32_t pid);
/* A record made by the controller (ProcessExit, Error...), or one drained
 * (a FunctionCall is numbered in place). */
int ospy_session_add(ospy_session *s, const ospy_event_hdr *rec);
void ospy_session_add_message(ospy_session *s, uint16_t type, const char *text);
void ospy_session_add_exit(ospy_session *s, uint32_t pid, uint32_t how, int32_t status);
/* The program ospy started (pid, from path) should start the agent: the
 * capture says so if it never does (exec_watch.h; why: OSPY_EXEC_WHY_*). */
void ospy_session_expect_agent(ospy_session *s, uint32_t pid, const char *path, uint32_t why);
/* While processes record: a process whose exec'd program (or the program
 * ospy started) never started its agent and that has ended is said in a
 * Warning, in the capture and on stderr (the ProcessExit ospy writes for a
 * process it reaps says it first). Looks at /proc a few times a second at
 * most, only while such a program is awaited: call it on every turn of
 * the loop. */
void ospy_session_check_execs(ospy_session *s);
/* The capture ends: the programs still awaited are said (by the end of the
 * capture, or ended). */
void ospy_session_end_execs(ospy_session *s);
/* The capture ends: held records, then the Lost records still waiting for
 * their place and what the ring's per-thread counters grew by since the last
 * drain (the drains write the others where their drops happened). */
void ospy_session_add_lost(ospy_session *s);
void ospy_session_free(ospy_session *s);

#endif
