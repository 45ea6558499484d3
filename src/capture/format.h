/*
 * Text for one record, strace-like (`ospy show` and the live view of
 * `ospy capture`):
 *   12:00:01.123456 [4711] libc.so.6!read(arg0=0x3, ...) = 220
 */
#ifndef OSPY_CAPTURE_FORMAT_H
#define OSPY_CAPTURE_FORMAT_H

#include <stdio.h>

#include "capture/event.h"
#include "capture/fdnames.h"
#include "capture/symbolize.h"
#include "plan/plan.h"
#include "plan/spec.h"

typedef struct ospy_format_opts {
  int show_tid;      /* [pid:tid] instead of [pid] */
  int show_duration; /* <0.000012> after the call */
  int show_backtrace;
  const ospy_spec_table *specs; /* decodes values blobs; NULL: sizes only */
  ospy_fdnames *fdnames;        /* kept up to date from FdName records; NULL: numbers only */
  ospy_symbolizer *symbols;     /* backtraces as module!function+0x..; NULL: addresses */
  int color;         /* ANSI colours: function names, failures, messages */
  int failed;        /* set per call by the caller: the call failed (return
                        value in red, errno name added for spec'd calls) */
  int failed_auto;   /* decide `failed` from each call (ospy_call_outcome): the live view */
  int errno_hidden;  /* (set per call by the formatter: errno does not say why it failed,
                        <returnValue setsErrno>) */
} ospy_format_opts;

/* The return register of a call recorded without a spec (raw words), as
 * `show` and the exports write it (docs/reading.md): taken as signed at the
 * target's width (most C functions return int or ssize_t), in decimal
 * unless it could be an address, then in hex: 0 up to 1 MiB (nothing is
 * mapped below), and a negative value on x86-64 (user addresses are never
 * negative there) or in -8192..-1 on i386 (a 32-bit process's addresses
 * reach 0xffffdfff) are numbers. Returns the text's length. */
#define OSPY_RAW_RETURN_TEXT_MAX 24

/* A raw return register as a signed value: at the target's width, and on
 * x86-64 a 32-bit -4095..-1 (an int function's error return: the upper half
 * of rax is zero) as that negative number. show, the exports, --failed and
 * --filter's retval read raw returns through it. */
int64_t ospy_raw_return_value(uint64_t retval, unsigned arch_bits);

size_t ospy_format_raw_return(char out[OSPY_RAW_RETURN_TEXT_MAX], uint64_t retval,
                              unsigned arch_bits);

/* Whether a call failed, by the rule of its return type (docs/reading.md):
 * errno style (-1..-4095) for signed integers and raw words, NULL for
 * pointers, non-zero for Errno, a negative enumeration member; the spec's
 * errorValue instead when it has one. fn may be NULL (raw words). */
enum { OSPY_OUTCOME_UNKNOWN = 0, OSPY_OUTCOME_FAILED = 1, OSPY_OUTCOME_SUCCESSFUL = 2 };
int ospy_call_outcome(const ospy_spec_table *specs, const ospy_spec_fn *fn,
                      const ospy_event_call *c);

/* A signal by its name, "SIGSEGV", or "signal 40" for one without a name
 * (the real-time signals): what killed a process, as show, the exports and
 * diff say it. Written into buf (OSPY_SIGNAL_TEXT_MAX bytes), returned. */
#define OSPY_SIGNAL_TEXT_MAX 24
const char *ospy_signal_text(int sig, char *buf);

/* The spec table carried in plan's spec blob, or NULL (none, or invalid:
 * then err says why). Free with ospy_spec_table_free. */
ospy_spec_table *ospy_format_specs_of(const ospy_plan *plan, char *err, size_t errcap);

/* What later records are shown with: descriptor names (FdName records,
   ProcessStart) and the module map (ModuleLoad/Unload). ospy_format_event
   does it itself; a reader that leaves a record out calls this instead. */
void ospy_format_follow(const ospy_event_hdr *rec, const ospy_format_opts *o);

/* Writes one line (or a few, for backtraces) for rec. plan may be NULL.
   FdName records print nothing: they update o->fdnames. */
void ospy_format_event(FILE *out, const ospy_event_hdr *rec, const ospy_plan *plan,
                       const ospy_format_opts *o);

#endif
