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
 * A call that was among the moved prologue instructions returns into the
 * trampoline, where the unwinder finds no FDE: at the same moment the stack
 * above the throw is scanned for such trampoline return addresses, which are
 * replaced by the matching original ones (returning there is equivalent: the
 * original bytes after a call are never overwritten, the jump is shorter than
 * any prologue that ends with a call).
 *
 * These are attached with this interceptor itself, the first time a commit
 * finds the symbols loaded (libgcc_s / libstdc++).
 */
#include <dlfcn.h>

#include "interceptor/interceptor_internal.h"
#include "os/linux/os_read.h"

#define MAX_CALL_RETURNS 4096
#define STACK_SCAN_BYTES (512 * 1024)

static uintptr_t call_tramp_ret[MAX_CALL_RETURNS], call_orig_ret[MAX_CALL_RETURNS];
static unsigned n_call_returns;

void ospy_unwind_note_call_return(uintptr_t tramp_ret, uintptr_t orig_ret) {
  unsigned n = n_call_returns;
  if (n == MAX_CALL_RETURNS)
    return;
  call_tramp_ret[n] = tramp_ret;
  call_orig_ret[n] = orig_ret;
  __atomic_store_n(&n_call_returns, n + 1, __ATOMIC_RELEASE);
}

static uintptr_t original_return(uintptr_t word, unsigned n) {
  for (unsigned i = 0; i < n; i++)
    if (call_tramp_ret[i] == word)
      return call_orig_ret[i];
  return 0;
}

/* Rewrites trampoline return addresses found on the stack above sp. */
static void fix_trampoline_returns(uintptr_t sp) {
  unsigned n = __atomic_load_n(&n_call_returns, __ATOMIC_ACQUIRE);
  if (n == 0)
    return;
  uintptr_t buf[512]; /* one page at most per read: stop at the stack's end */
  sp &= ~(uintptr_t)(sizeof(uintptr_t) - 1);
  for (uintptr_t at = sp; at - sp < STACK_SCAN_BYTES;) {
    size_t want = sizeof buf - (at & (sizeof buf - 1));
    size_t got = ospy_os_read_memory(at, buf, want);
    for (size_t i = 0; i < got / sizeof(uintptr_t); i++) {
      uintptr_t orig = original_return(buf[i], n);
      if (orig)
        *(uintptr_t *)(at + i * sizeof(uintptr_t)) = orig;
    }
    if (got < want)
      break; /* the top of the stack */
    at += want;
  }
}

static bool raise_done, catch_done;

static void restore_real_returns(ospy_invocation *inv) {
  ospy_thread_state *ts = inv->ts;
  fix_trampoline_returns(inv->entry_sp);
  unsigned n = __atomic_load_n(&n_call_returns, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if (!(e->flags & OSPY_ENTRY_RESTORED)) {
      uintptr_t orig = original_return(e->ret, n);
      *(uintptr_t *)e->slot = orig ? orig : e->ret;
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
    ospy_invocation_abandon(ts, ts->depth - 1, true); /* unwound by the exception */
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
