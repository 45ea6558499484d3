/* Compares two recordings of the same program call by call (`ospy diff`).
 *
 * Calls are grouped into lanes: a lane is one thread of one process, and the
 * two recordings' lanes are matched by the process's place in the process
 * tree (the root with the root, a child with the child its paired parent
 * forked at the same position), else by process name and its occurrence
 * (the 2nd process named "worker" in A with the 2nd in B), then by the order
 * in which the process's threads were created (their thread ids' order);
 * export/diff_procs.h, from a first pass: ospy_diff_note. Pids, tids,
 * timestamps, sequence numbers and addresses never take part
 * (export/call_text.h says what a call is compared by).
 *
 * Within a lane the two call sequences are aligned by a longest common
 * subsequence: the identical prefix is consumed as it arrives; after a
 * difference the next `window` calls of each side (or what is left at the
 * end) are aligned by dynamic programming (2 bytes a cell: window^2 * 2
 * bytes) and the first half of that alignment is reported. Removed and added
 * calls between two common ones are paired into "changed" calls when they
 * call the same function, in order. Memory: the DP table plus the calls
 * waiting to be aligned, at most 16 windows of them in all (a call's text is
 * at most OSPY_CALL_TEXT_MAX bytes): when more wait, the lane holding the
 * most is aligned with what the other recording has so far. So an inserted
 * or removed block longer than the window (or, fed many lanes at once,
 * recordings whose threads progress very differently: ospy_diff_only_lanes)
 * can be reported as more changes than a full diff would show (counted in
 * ospy_diff_counts.forced); they are never reported as equivalent. */
#ifndef OSPY_EXPORT_DIFF_H
#define OSPY_EXPORT_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"

#define OSPY_DIFF_DEFAULT_WINDOW 1024

typedef struct ospy_diff_call {
  uint64_t key;   /* hash of the whole text */
  uint64_t fkey;  /* hash of the function name */
  uint64_t index; /* 1-based position of the call in its thread */
  char *text;     /* call_text pieces */
  size_t len;
} ospy_diff_call;

enum { OSPY_DIFF_HUNK, OSPY_DIFF_REMOVED, OSPY_DIFF_ADDED, OSPY_DIFF_CHANGED };

typedef struct ospy_diff_lane_info {
  const char *label;             /* "curl (process 1.2), thread 2", "curl #1, thread 2" */
  const ospy_diff_call *context; /* HUNK: the last call both made before it, or NULL */
  uint64_t first_a, first_b;     /* HUNK: index of its first call on each side */
} ospy_diff_lane_info;

/* HUNK opens a run of differences (a and b NULL); REMOVED has a, ADDED b,
 * CHANGED both. */
typedef void (*ospy_diff_emit_fn)(void *data, int op, const ospy_diff_lane_info *lane,
                                  const ospy_diff_call *a, const ospy_diff_call *b);

typedef struct ospy_diff_counts {
  uint64_t same, removed, added, changed;
  uint64_t forced; /* windows aligned early to keep the calls waiting within
                      the memory bound: the differences are approximate */
} ospy_diff_counts;

typedef struct ospy_diff ospy_diff;

/* window: calls aligned at once (2..65535). NULL when out of memory. */
ospy_diff *ospy_diff_new(size_t window, ospy_diff_emit_fn emit, void *data);
/* Optional first pass over both recordings, every event: the processes'
 * parents and the threads that make calls, so that processes are paired by
 * their place in the process tree and a process's threads by creation order
 * (without it: by name and occurrence, and by the order of their first call).
 * 0, or -1 when out of memory. */
int ospy_diff_note(ospy_diff *d, int side, const ospy_xevent *ev);
/* After ospy_diff_note over both recordings: pairs their processes; the
 * lanes they hold, A's in order, then those only B has. -1 when out of
 * memory, else their count. */
long ospy_diff_plan_lanes(ospy_diff *d);
/* From now on ospy_diff_feed takes only the calls of lanes first..end-1 (of
 * ospy_diff_plan_lanes), or of every lane when first < 0: a few lanes at a
 * time, a pass over both recordings each, so that threads interleaved
 * differently in the two runs need few calls kept waiting (each pass's
 * lanes' at most). */
void ospy_diff_only_lanes(ospy_diff *d, long first, long end);
/* Recording `side` has no more calls in this pass: from now on a lane
 * aligned early for the memory bound has all of that side's calls (not
 * counted as forced). */
void ospy_diff_side_ended(ospy_diff *d, int side);
/* One event of recording `side` (0: A, 1: B): 1 when taken, 0 when ignored
 * (not a call, or another lane's), -1 when out of memory. */
int ospy_diff_feed(ospy_diff *d, int side, const ospy_xevent *ev);
/* Aligns everything still waiting (both recordings ended). 0 or -1. */
int ospy_diff_finish(ospy_diff *d);
ospy_diff_counts ospy_diff_get_counts(const ospy_diff *d);
void ospy_diff_free(ospy_diff *d);

#endif
