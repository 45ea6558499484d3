/* A call as comparable text, for `ospy diff`: what the call did, without what
 * changes from run to run (addresses, timestamps, ids, sequence numbers).
 *
 * The text is a list of NUL-terminated pieces:
 *   "libc.so.6::read" "fd=3" "count=4096" "buf=>\"abc\"" "=3"
 * the name, the in-arguments "name=value", the out-arguments
 * "name=>value", the return value "=value" and, for a call that returned a
 * negative value, "errno=N". Pointers show as "ptr" (or NULL), their
 * pointee as "&value" (a buffer or string as its content); strings and
 * byte arrays as show writes them (its formatter, plan/values.h), byte
 * arrays as a preview of 24 bytes plus "...[N bytes #HASH]" when longer (the
 * hash covers every recorded byte); a format string as the format and the
 * values it consumed, "fmt"("a", 7); memory that could not be read as
 * "<unreadable>", a string or buffer it ended as what was read and
 * "<unreadable after N bytes>".
 * Calls recorded without a
 * spec (raw words arg1..argN) show words above 0xffff as "ptr": they are
 * probably addresses. A positive ProcessId (a pid) shows as "pid". ospy's own environment entries (OSPY_RING_FD=, the
 * agent in LD_PRELOAD) are left out of string arrays. */
#ifndef OSPY_EXPORT_CALL_TEXT_H
#define OSPY_EXPORT_CALL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"

#define OSPY_CALL_TEXT_MAX 4096

/* Writes the pieces of a FunctionCall into out (cut at cap, always ending
 * with a NUL); returns the length used, the last NUL included. */
size_t ospy_call_text(const ospy_xevent *ev, char *out, size_t cap);
/* FNV-1a 64 of n bytes, chained from h (start with OSPY_FNV_INIT). */
#define OSPY_FNV_INIT 0xcbf29ce484222325ull
uint64_t ospy_fnv1a(uint64_t h, const void *p, size_t n);
/* The next piece after `piece` in a text of len bytes, or NULL. */
const char *ospy_call_text_next(const char *text, size_t len, const char *piece);

#endif
