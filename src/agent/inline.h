/* Inline hook backend (interceptor) and hook target resolution. */
#ifndef OSPY_AGENT_INLINE_H
#define OSPY_AGENT_INLINE_H

#include "plan/plan.h"

/* Builds the hook table from the plan (agent init; may allocate). */
int ospy_inline_init(void);
/* Attaches every hook whose target is resolvable and not yet attached, in one
 * transaction; failures become Error events. */
void ospy_inline_attach_pending(void);
/* Hooks not found at start: a Warning each (an Error when they cannot
 * appear later), or one Info per library not loaded yet. */
void ospy_inline_report_missing(void);
/* At the program's end: an Error for what was never found. */
void ospy_inline_report_never_found(void);
void ospy_inline_detach_all(void);

/* resolve.c: the address a plan hook names in the loaded modules, or NULL. */
void *ospy_agent_resolve_hook(const ospy_plan_hook *ph);
/* A hook by symbol name that was not found: whether its module has a copy of
 * the function GCC specialised (name.isra.0, name.constprop.0, name.part.0),
 * whose name goes to out. */
int ospy_agent_clone_hint(const ospy_plan_hook *ph, char *out, size_t cap);
/* Whether ph's module is loaded but its file has no .symtab (stripped): a
 * function it does not export cannot be found by name there. */
int ospy_agent_module_stripped(const ospy_plan_hook *ph);
/* How many places ph's signature (or vtable constructor signature) matches
 * in its module's code, up to 100; 0 for other hooks. */
unsigned ospy_agent_signature_matches(const ospy_plan_hook *ph);
/* Whether a loaded module's file name matches glob ("" : the program). */
int ospy_agent_module_present(const char *glob);
int ospy_agent_glob_match(const char *glob, const char *name);

#endif
