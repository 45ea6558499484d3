/* Between read_filter.c and read_filter_call.c. */
#ifndef OSPY_CLI_READ_FILTER_INTERNAL_H
#define OSPY_CLI_READ_FILTER_INTERNAL_H

#include "cli/read_filter.h"

/* Argument slots of a filter expression: the function's arguments, then
 * the event's pid and duration at fixed slots. */
#define READ_SLOT_PID OSPY_SPEC_MAX_ARGS
#define READ_SLOT_DURATION (OSPY_SPEC_MAX_ARGS + 1)
#define READ_NSLOTS (OSPY_SPEC_MAX_ARGS + 2)

int read_grep_parse(read_grep *g, const char *arg, int hex);
int read_filter_prepare_expr(read_filter *f);
int read_filter_eval(read_filter *f, const ospy_event_call *c);
int read_filter_grep(read_filter *f, const ospy_event_call *c);
void read_filter_free_expr(read_filter *f);

#endif
