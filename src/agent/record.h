/* Per-hook state of the GOT backend and the enter/leave callbacks that turn a
 * call into a FunctionCall record. */
#ifndef OSPY_AGENT_RECORD_H
#define OSPY_AGENT_RECORD_H

#include <stdint.h>

#include "agent/got_frame.h"
#include "plan/plan.h"

typedef struct ospy_got_hook {
  uint32_t index;              /* plan hook index; UINT32_MAX for internal hooks */
  int internal;                /* 1 dlopen, 2 dlclose (module tracking) */
  const ospy_plan_hook *plan;
  const char *symbol;
  void *orig;                  /* the function calls continue to */
  uint8_t *stub;
  uint32_t patched;            /* GOT slots pointing at the stub */
  int reported;
} ospy_got_hook;

/* Called by the trampoline (hidden, never exported). */
void ospy_got_on_enter(ospy_got_frame *f) __attribute__((visibility("hidden")));
void ospy_got_on_leave(ospy_got_frame *f) __attribute__((visibility("hidden")));

void ospy_got_report_missing(void);

#endif
