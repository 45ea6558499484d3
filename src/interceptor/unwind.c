/*
 * C++ exceptions (and pthread_exit/cancel's forced unwind) through hooked
 * frames. The unwinder walks return addresses; ours point at the leave
 * thunk, which it cannot unwind through. So, as uftrace does: when this thread
 * enters _Unwind_RaiseException, _Unwind_Resume_or_Rethrow or
 * _Unwind_ForcedUnwind, the real return address of every pending invocation
 * is written back into its stack slot (entry marked RESTORED). When a handler
 * is reached (__cxa_begin_catch), entries whose slot is now below the stack
 * pointer were unwound and are dropped; the others are live again and get
 * the leave thunk back. A frame unwound by the exception loses its on_leave
 * (it never returned).
 *
 * These are attached with this interceptor itself, the first time a commit
 * finds the symbols loaded (libgcc_s / libstdc++).
 */
#include <dlfcn.h>

#include "interceptor/interceptor_internal.h"

static bool raise_done, catch_done;

static void restore_real_returns(ospy_invocation *inv) {
  ospy_thread_state *ts = inv->ts;
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if (!(e->flags & OSPY_ENTRY_RESTORED)) {
      *(uintptr_t *)e->slot = e->ret;
      e->flags |= OSPY_ENTRY_RESTORED;
    }
  }
}

static void rearm_live(ospy_invocation *inv) {
  ospy_thread_state *ts = inv->ts;
  uintptr_t sp = inv->entry_sp;
  while (ts->depth > 0) {
    ospy_invocation_entry *top = &ts->stack[ts->depth - 1];
    if (!(top->flags & OSPY_ENTRY_RESTORED) || top->slot >= sp)
      break;
    ts->depth--;
  }
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if ((e->flags & OSPY_ENTRY_RESTORED) && e->slot >= sp) {
      *(uintptr_t *)e->slot = (uintptr_t)ospy_leave_thunk;
      e->flags &= ~OSPY_ENTRY_RESTORED;
    }
  }
}

static bool attach_internal(const char *name, ospy_hook_fn fn) {
  void *sym = dlsym(RTLD_DEFAULT, name);
  if (!sym)
    return false;
  ospy_interceptor_error err;
  return ospy_interceptor_attach_locked(sym, OSPY_CC_DEFAULT, fn, NULL, NULL, true, NULL, &err) ==
         OSPY_INTERCEPTOR_OK;
}

void ospy_unwind_support_install(void) {
  if (!raise_done && dlsym(RTLD_DEFAULT, "_Unwind_RaiseException")) {
    raise_done = true;
    attach_internal("_Unwind_RaiseException", restore_real_returns);
    attach_internal("_Unwind_Resume_or_Rethrow", restore_real_returns);
    attach_internal("_Unwind_ForcedUnwind", restore_real_returns);
  }
  if (!catch_done && dlsym(RTLD_DEFAULT, "__cxa_begin_catch")) {
    catch_done = true;
    attach_internal("__cxa_begin_catch", rearm_live);
  }
}
