/* Event filters shared by `ospy show` and `ospy stats` (docs/reading.md).
 *
 * All given filters must hold (AND). Call filters (-e/--function, --module,
 * --failed/--successful, --filter, --grep/--grep-hex) select calls; when any
 * of them is given, the only other records kept are errors and lost-event
 * counts. --pid, --tid, --since and --until apply to every record. */
#ifndef OSPY_CLI_READ_FILTER_H
#define OSPY_CLI_READ_FILTER_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/format.h"
#include "cli/read_common.h"

enum {
  RF_OPT_MODULE = 0x300, RF_OPT_PID, RF_OPT_TID, RF_OPT_SINCE, RF_OPT_UNTIL, RF_OPT_FAILED,
  RF_OPT_SUCCESSFUL, RF_OPT_FILTER, RF_OPT_GREP, RF_OPT_GREP_HEX,
};

/* getopt_long entries of the filter options ('e' is -e/--function). */
#define READ_FILTER_LONGOPTS \
  { "function", required_argument, 0, 'e' }, { "module", required_argument, 0, RF_OPT_MODULE }, \
  { "pid", required_argument, 0, RF_OPT_PID }, { "tid", required_argument, 0, RF_OPT_TID }, \
  { "since", required_argument, 0, RF_OPT_SINCE }, { "until", required_argument, 0, RF_OPT_UNTIL }, \
  { "failed", no_argument, 0, RF_OPT_FAILED }, { "successful", no_argument, 0, RF_OPT_SUCCESSFUL }, \
  { "filter", required_argument, 0, RF_OPT_FILTER }, { "grep", required_argument, 0, RF_OPT_GREP }, \
  { "grep-hex", required_argument, 0, RF_OPT_GREP_HEX }

#define READ_FILTER_USAGE \
  "filters (all must hold):\n" \
  "  -e, --function GLOB  function name or module!function (repeatable: any)\n" \
  "  --module GLOB        module name (repeatable: any)\n" \
  "  --pid N, --tid N     one process / thread\n" \
  "  --since T, --until T HH:MM:SS[.ffffff] on the capture's day, or +SECONDS\n" \
  "                       from the capture's start (e.g. +1.5)\n" \
  "  --failed, --successful  by the return value (docs/reading.md)\n" \
  "  --filter EXPR        expression over a call: its arguments (fd or arg.fd)\n" \
  "                       and their fields (req.id), retval, errno, tid, pid,\n" \
  "                       duration (ns)\n" \
  "  --grep TEXT, --grep-hex 'de ad be ef'  a string or buffer contains the bytes\n"

#define READ_FILTER_MAX_GLOBS 32
#define READ_FILTER_MAX_GREPS 16

/* Outcome of a call (read_call_outcome). */
enum { READ_OUTCOME_UNKNOWN = OSPY_OUTCOME_UNKNOWN, READ_OUTCOME_FAILED = OSPY_OUTCOME_FAILED,
       READ_OUTCOME_SUCCESSFUL = OSPY_OUTCOME_SUCCESSFUL };

typedef struct read_grep {
  uint8_t *bytes;
  size_t len;
  int text; /* also matched as UTF-16/UTF-32 code units */
  uint8_t *wide[2]; /* text: the pattern in UTF-16LE and UTF-32LE */
  size_t wide_len[2];
} read_grep;

typedef struct read_hook_expr read_hook_expr;

typedef struct read_filter {
  const char *fn_globs[READ_FILTER_MAX_GLOBS];
  size_t nfn;
  const char *mod_globs[READ_FILTER_MAX_GLOBS];
  size_t nmod;
  int has_pid, has_tid;
  uint32_t pid, tid;
  const char *since_arg, *until_arg;
  uint64_t since_ns, until_ns;
  int outcome; /* 0: any, else READ_OUTCOME_* */
  const char *expr_src;
  read_grep grep[READ_FILTER_MAX_GREPS];
  size_t ngrep;
  /* prepared by read_filter_prepare */
  const read_session *s;
  uint32_t nhooks;
  uint8_t *hook_pass;     /* per hook: the name and module globs hold */
  read_hook_expr *exprs;  /* per hook, then one for calls the plan does not name */
} read_filter;

/* Handles one getopt result: 1 when it was a filter option, 0 when not,
 * -1 after printing an error (`ospy CMD: --pid: ...`). */
int read_filter_option(read_filter *f, const char *cmd, int opt, const char *arg);
/* Resolves times and compiles --filter for every hook of the capture's plan.
 * 0, or -1 after printing an error naming the option (and the column). */
int read_filter_prepare(read_filter *f, const read_session *s);
/* 1 when the record passes every filter. */
int read_filter_match(read_filter *f, const ospy_event_hdr *rec);
/* Whether any call filter is given (then non-call records other than errors
 * and lost counts are dropped). */
int read_filter_has_call_filters(const read_filter *f);
/* Whether any filter at all is given (--pid, --since... included). */
int read_filter_any(const read_filter *f);
void read_filter_free(read_filter *f);

/* Failed / successful by the return value (docs/reading.md, "Failed calls"). */
int read_call_outcome(const read_session *s, const ospy_event_call *c);

#endif
