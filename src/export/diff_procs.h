/* The processes and threads of the two recordings `ospy diff` compares, and
 * which of A's goes with which of B's (internal to export/diff.c;
 * docs/diff-and-streams.md).
 *
 * Processes are paired by their place in the process tree: the first process
 * recorded (the root) with the other recording's root, and a child with the
 * child of the paired parent that was forked at the same position in that
 * parent's fork order (children's pids are handed out upwards in the order
 * they were forked, so their order is the same in two runs however the
 * scheduler ran them). A process whose place is not known (its ProcessStart
 * was not recorded, nor its parent's) or has no counterpart in the other
 * recording's tree is paired by name and occurrence instead: the 2nd process
 * named "worker" among those with the 2nd in B, in the order of their first
 * call. A process's threads are paired by the order they were created in
 * (their thread ids' order), else of their first call. */
#ifndef OSPY_EXPORT_DIFF_PROCS_H
#define OSPY_EXPORT_DIFF_PROCS_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"

typedef struct ospy_diff_proc {
  uint32_t pid;
  uint32_t ppid;       /* from its first ProcessStart (the fork's parent) */
  char *name;          /* at its first call, else at its start */
  int started;         /* a ProcessStart was noted */
  uint64_t start_order; /* 1-based order of its first ProcessStart, 0: none */
  uint64_t call_order;  /* 1-based order of its first call, 0: none */
  long parent;         /* the process that forked it (index in its recording), -1 */
  unsigned rank;       /* 1-based: its place in its parent's fork order */
  size_t first_child, nchildren; /* its children, in ospy_diff_side.children */
  int in_tree;         /* the root or a descendant: named by its place (1.3) */
  int by_name;         /* paired by name and occurrence (occ, 0-based) */
  unsigned occ;
  uint32_t group;      /* the same for a process and its counterpart; 0: not yet */
  uint32_t *known;     /* threads noted making calls, in creation order */
  size_t nknown;
  uint32_t *tids;      /* threads not noted, in the order of their first call */
  size_t ntids;
} ospy_diff_proc;

typedef struct ospy_diff_side {
  ospy_diff_proc *procs;
  size_t nprocs;
  size_t *children;    /* process indices, grouped by parent, each group in fork order */
  uint64_t starts, calls; /* ProcessStart records and calls noted */
} ospy_diff_side;

typedef struct ospy_diff_procs {
  ospy_diff_side side[2];
  uint32_t groups;     /* pairing groups handed out */
} ospy_diff_procs;

void ospy_diff_procs_free(ospy_diff_procs *ps);
/* The first pass, every event of recording `side`: processes' starts and
 * parents, the threads that make calls. 0, or -1 when out of memory. */
int ospy_diff_procs_note(ospy_diff_procs *ps, int side, const ospy_xevent *ev);
/* After the first pass over both recordings: pairs their processes (gives
 * each a group). 0, or -1 when out of memory. */
int ospy_diff_procs_pair(ospy_diff_procs *ps);
/* The index of the process of a call in recording `side`; one the first pass
 * did not see is added and paired by name and occurrence. -1 when out of
 * memory. */
long ospy_diff_procs_of(ospy_diff_procs *ps, int side, const ospy_xevent *ev);
/* The thread's ordinal in its process (0-based): its creation rank among the
 * threads noted, else after them in the order of first call. -1 when out of
 * memory. */
long ospy_diff_thread_ordinal(ospy_diff_proc *p, uint32_t tid);
/* "forker (process 1.3), thread 2": the 3rd child the root forked; a process
 * whose place is not known: "worker #2, thread 1". */
void ospy_diff_lane_label(const ospy_diff_procs *ps, int side, size_t proc, long thread,
                          char *buf, size_t cap);

#endif
