/* What the capture readers (show, stats) share: opening a capture with its
 * plan and specs, walking the values of one call, and the progress bar.
 * Everything streams: one record at a time (the capture reader holds one
 * chunk, at most 16 MiB). */
#ifndef OSPY_CLI_READ_COMMON_H
#define OSPY_CLI_READ_COMMON_H

#include <stdint.h>
#include <time.h>

#include "capture/event.h"
#include "capture/reader.h"
#include "plan/plan.h"
#include "plan/spec.h"
#include "plan/values.h"

typedef struct read_session {
  const char *path;
  const char *cmd; /* "show", "stats": prefixes messages */
  ospy_capfile_reader *r;
  const ospy_capfile_info *info;
  ospy_plan *plan;         /* NULL: none or invalid (said on stderr) */
  ospy_spec_table *specs;  /* NULL: none or invalid (said on stderr) */
  int header_damaged;      /* the header's checksum did not match (mended or not), or the plan
                              or its specs in it do not decode: exit 1, as for a corrupt
                              chunk (what is read is shown, with hook#N for a lost plan) */
} read_session;

/* 0, or -1 after printing why the file cannot be read. A damaged header
 * (ospy_capfile_header_damage), and a plan or spec table in the header that
 * does not decode, are said and set header_damaged. */
int read_session_open(read_session *s, const char *cmd, const char *path);
void read_session_close(read_session *s);

/* The hook of a call (NULL when the plan does not name it) and its spec
 * (NULL: raw words, or no usable spec table). */
const ospy_plan_hook *read_call_hook(const read_session *s, const ospy_event_call *c);
const ospy_spec_fn *read_call_spec(const read_session *s, const ospy_event_call *c);
/* The enter and leave blobs of a call. */
const uint8_t *read_call_enter(const ospy_event_call *c);
const uint8_t *read_call_leave(const ospy_event_call *c);
/* Walks the enter blob, then the leave blob; 0 when there is no spec, else
 * the decoder's result (-1: a blob does not match its spec). */
int read_call_walk(const read_session *s, const ospy_event_call *c,
                   const ospy_value_visitor *v, void *data);

/* "libc.so.6!read", or "hook#N" into buf when the plan does not name it. */
const char *read_call_name(const read_session *s, const ospy_event_call *c, char *buf,
                           size_t cap);

/* A progress bar on stderr: drawn only when enabled (the caller decides:
 * stderr is a terminal) and the work has taken more than a second; erased
 * at the end. */
typedef struct read_progress {
  int enabled, drawn;
  uint64_t ticks;
  struct timespec start, last;
  unsigned pass, passes; /* a work that reads the file more than once */
} read_progress;

/* At the end of a reading command: stdout flushed and checked. 0 when all
 * that was printed was written; else -1 after "ospy CMD: stdout: <why>" on
 * stderr (said once, at the end: a full disk, a closed file), and the
 * command exits with its error status. A reader that went away (EPIPE, when
 * SIGPIPE is ignored) is not an error worth a message, as under SIGPIPE's
 * default action, but still -1. */
int read_stdout_finish(const char *cmd);

void read_progress_init(read_progress *p, int enabled);
/* The work reads the file `passes` times (default 1): the bar counts them
 * all; read_progress_next_pass when one read ends. */
void read_progress_set_passes(read_progress *p, unsigned passes);
void read_progress_next_pass(read_progress *p);
void read_progress_tick(read_progress *p, const ospy_capfile_reader *r);
void read_progress_done(read_progress *p);

#endif
