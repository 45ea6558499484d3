/* Return addresses of a hooked call's callers, taken at its entry. */
#ifndef OSPY_AGENT_BACKTRACE_H
#define OSPY_AGENT_BACKTRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "interceptor/interceptor.h"

/* Up to max addresses into out: the call's return address, then its callers'.
 * *scanned is set when they were found by scanning the stack (code without
 * frame pointers) rather than by following frame pointers. */
unsigned ospy_agent_backtrace(ospy_invocation *inv, uint64_t *out, unsigned max, bool *scanned);

/* Whether word is a return address: in a loaded module's code (not the
 * agent's), right after a call instruction. What a hook at a place not known
 * to be a function's start asks of the word at the stack's top. */
bool ospy_agent_is_return_address(uintptr_t word);

/* The loaded modules' executable ranges (from modules.c, on every change of
 * the module set: at start and after dlopen/dlclose, which ld.so serializes).
 * Unsorted; lo[i] < hi[i]. */
void ospy_agent_backtrace_set_text(const uintptr_t *lo, const uintptr_t *hi, uint32_t n);

#endif
