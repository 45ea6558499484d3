/* ospy capture records -> ospy_xevent, for `ospy export`.
 *
 * Keeps what later records need: process names (from ProcessStart) and the
 * loaded modules per process (for backtrace module names). Argument values
 * of calls with a spec are decoded by a pluggable decoder that walks the
 * values blob into an ospy_xbuilder; without one, the blob is exported as one
 * ByteArray argument of subType "ospy.values" so nothing is lost (also for
 * a blob the decoder rejects). src/export/values_bridge.h is the decoder
 * for src/plan/values.h. Calls
 * recorded without a spec (raw words) are exported as arg0..argN. */
#ifndef OSPY_EXPORT_FROM_CAPTURE_H
#define OSPY_EXPORT_FROM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/event.h"
#include "export/export_event.h"
#include "export/xvalue_builder.h"
#include "plan/plan.h"

/* Decodes one values blob (leave = 0: enter values, 1: leave values) of a
 * call to plan hook `hook` into b: top-level values are arguments, the one
 * after ospy_xb_begin_return the return value. 0, or -1 with err. */
typedef int (*ospy_xvalues_decode_fn)(void *data, const ospy_plan *plan, uint32_t hook,
                                      int leave, const uint8_t *blob, size_t len,
                                      ospy_xbuilder *b, char *err, size_t errcap);

/* A function's parameters as its spec declares them, in order, with their
 * direction, and whether it returns a value: oSpy wrote every parameter on
 * entry (an out-only one as its address) and every out parameter at return,
 * even those a log condition left unrecorded (without a value), and no
 * returnValue for a function declared without one. */
#define OSPY_XSHAPE_MAX_ARGS 32
#define OSPY_XSHAPE_IN 1
#define OSPY_XSHAPE_OUT 2
/* a computed argument (value="EXPR", ospy's extension): no parameter of the
 * function, so after them in both lists, and in the in list only when it is
 * an in argument (oSpy's parsers read parameters by their place) */
#define OSPY_XSHAPE_COMPUTED 4
typedef struct ospy_xshape {
  size_t nargs;
  const char *names[OSPY_XSHAPE_MAX_ARGS];
  uint8_t dirs[OSPY_XSHAPE_MAX_ARGS]; /* OSPY_XSHAPE_IN | OSPY_XSHAPE_OUT | OSPY_XSHAPE_COMPUTED */
  int has_ret;
} ospy_xshape;
/* Fills the shape of plan hook `hook`: 0, or -1 when it has no spec. */
typedef int (*ospy_xshape_fn)(void *data, const ospy_plan *plan, uint32_t hook,
                              ospy_xshape *out);

typedef struct ospy_from_capture ospy_from_capture;

/* plan may be NULL (names become "hook#N"); default_process names events of
 * processes whose ProcessStart was not seen (attach mode). */
ospy_from_capture *ospy_from_capture_new(const ospy_plan *plan, const char *default_process);
void ospy_from_capture_set_decoder(ospy_from_capture *a, ospy_xvalues_decode_fn fn,
                                   ospy_xshape_fn shape, void *data);
/* 0: *ev holds the event (valid until the next call); 1: the record is not
 * exported (ring padding); -1: err says why (out of memory, decoder). */
int ospy_from_capture_convert(ospy_from_capture *a, const ospy_event_hdr *rec,
                              ospy_xevent *ev, char *err, size_t errcap);
/* Whether a record becomes an event (convert gives 0), without converting it. */
bool ospy_from_capture_is_event(const ospy_event_hdr *rec);
/* Takes in what a record says for the records after it (processes' names,
 * modules, descriptor names; an event's id) without converting an event
 * of it: the record of an event another pass writes (start_order.h); a
 * call's values are not decoded. 0, or -1 with err (out of memory). */
int ospy_from_capture_follow(ospy_from_capture *a, const ospy_event_hdr *rec, char *err,
                             size_t errcap);
/* Whether a call failed (OSPY_OUTCOME_* of capture/format.h), by its spec. */
typedef int (*ospy_xoutcome_fn)(void *data, const ospy_plan *plan, const ospy_event_call *c);
/* Calls with a spec get their outcome from fn (none set: unknown); raw calls
 * by the errno rule of raw words. */
void ospy_from_capture_set_outcome(ospy_from_capture *a, ospy_xoutcome_fn fn, void *data);
/* What descriptor fd of process pid referred to at the last record converted
 * (FdName records, as show follows them), or NULL. */
const char *ospy_from_capture_fd_name(const ospy_from_capture *a, uint32_t pid, int64_t fd);
/* Calls whose values the decoder rejected (exported undecoded instead), and
 * the first reason. */
uint64_t ospy_from_capture_decode_failures(const ospy_from_capture *a, const char **first);
void ospy_from_capture_free(ospy_from_capture *a);

#endif
