/*
 * A signal handler that leaves the interceptor or a callback by a jump
 * (siglongjmp) instead of returning: the thread's busy flag, which on_enter
 * and on_leave set while their code runs, stays set, and every later call
 * of the thread would be taken for a signal handler's (a lost re-entry).
 *
 * on_enter and on_leave note who set the flag (busy_sp: the hooked call's
 * entry sp, or the returning call's slot; busy_hook). Code that runs while
 * that code is alive runs below it on its stack (its callbacks, a signal
 * handler on the same stack) or on another stack (a handler on a sigaltstack).
 * So a hooked call or return of the thread at or above busy_sp, on the same
 * stack, proves that code gone: the state is taken back there, and the
 * client hears which call's hook code was left (its ring reservation, its
 * frames). Kept apart from invocation.c: only its rare path comes here.
 */
#include <signal.h>

#include "interceptor/interceptor_internal.h"
#include "os/linux/os_syscall.h"

/* As invocation.c's: a frame farther than this from the new one is taken for
 * another stack's. A jump over more than this leaves the state set, as before. */
#define SAME_STACK_SPAN ((uintptr_t)256 * 1024)

static ospy_jump_fn jump_fn;

void ospy_interceptor_set_jump_handler(ospy_jump_fn fn) { jump_fn = fn; }

/* Whether the code that set busy at busy_at is gone for the call at sp: sp
 * is above it on the same stack. Not when sp runs on the thread's signal
 * stack and busy_at does not (a handler there may have interrupted that
 * code), nor when the kernel cannot say (the safe side). A signal stack the
 * kernel disarmed while a handler runs on it (SS_AUTODISARM) is not
 * reported: the handler's signal frame above sp tells it. */
static bool busy_code_gone(uintptr_t sp, uintptr_t busy_at) {
  if (sp < busy_at || sp - busy_at > SAME_STACK_SPAN)
    return false; /* below it (its callbacks, a handler on its stack), or elsewhere */
  stack_t ss;
  if (ospy_os_sys3(SYS_sigaltstack, 0, (long)&ss, 0) != 0)
    return false;
  uintptr_t lo = (uintptr_t)ss.ss_sp, size = ss.ss_size;
  if ((ss.ss_flags & SS_ONSTACK) ||
      ((ss.ss_flags & SS_DISABLE) && ospy_signal_stack_disarmed(sp, &lo, &size)))
    return busy_at - lo < size; /* (sp is on it) */
  return true;
}

/* Calls the jump handler for each listener of the client's of the call:
 * those that saw its enter (by_entered: its on_leave was left), else those
 * the hook has (its on_enter was left, maybe before they ran). */
static void tell_listeners(ospy_thread_state *ts, ospy_hook *hook, ospy_invocation_entry *e,
                           bool by_entered, ospy_jump_at at) {
  ospy_invocation inv = { NULL, hook, NULL, e ? e->scratch : NULL, e ? e->slot : 0,
                          e ? e->ret : 0, ts->depth, at == OSPY_JUMP_AT_LEAVE, ts };
  unsigned n = by_entered ? e->nentered : hook->listener_end;
  for (unsigned i = 0; i < n && i < OSPY_HOOK_MAX_LISTENERS; i++) {
    ospy_listener *l = by_entered ? e->entered[i] : hook->listeners[i];
    if (ospy_listener_of_client(l) && l == hook->listeners[i] && l->active) {
      inv.listener = l;
      jump_fn(&inv, at);
    }
  }
}

/* The call whose on_enter was left: its entry, pushed whole (fields before
 * depth), is the top one at its sp, and its listeners all ran their on_enter
 * once nentered is set. Such an entry is left to the next call's pruning,
 * which gives it up as left by longjmp (the abandon handler hears of it);
 * one whose on_enter was cut short is given up here, unreported, and its
 * listeners hear of it as left at enter (scratch: the entry's, as far as
 * on_enter wrote it; NULL when it was not pushed, or has no leave). */
static void enter_left(ospy_thread_state *ts, ospy_hook *hook, uintptr_t at) {
  ospy_invocation_entry *e = ts->depth ? &ts->stack[ts->depth - 1] : NULL;
  if (e && (e->slot != at || e->hook != hook || (e->flags & OSPY_ENTRY_ABANDONED)))
    e = NULL;
  bool seen = e && e->nentered;
  if (e && !seen)
    ospy_invocation_abandon(ts, ts->depth - 1, false);
  if (!jump_fn)
    return;
  jump_fn(NULL, OSPY_JUMP_AT_ENTER);
  if (!seen)
    tell_listeners(ts, hook, e, false, OSPY_JUMP_AT_ENTER);
}

/* The call whose on_leave was left: its entry popped already (just above
 * depth), or still on top (left before on_leave popped it: popped now, as
 * it would have been); NULL for the listeners when neither is found (left
 * in the middle of on_leave's settling of the entries above it). */
static void leave_left(ospy_thread_state *ts, ospy_hook *hook, uintptr_t at) {
  ospy_invocation_entry *e = NULL;
  unsigned d = ts->depth;
  bool on_top = false;
  if (d < OSPY_INVOCATION_MAX_DEPTH && ts->stack[d].slot == at && ts->stack[d].hook == hook) {
    e = &ts->stack[d];
  } else if (d && ts->stack[d - 1].slot == at && ts->stack[d - 1].hook == hook) {
    e = &ts->stack[d - 1];
    on_top = true;
  }
  bool given_up = e && (e->flags & OSPY_ENTRY_ABANDONED); /* (its on_leave ran no listener) */
  if (on_top)
    ts->depth = d - 1; /* (it returned) */
  if (!jump_fn)
    return;
  jump_fn(NULL, OSPY_JUMP_AT_LEAVE);
  if (!given_up)
    tell_listeners(ts, hook, e, e != NULL, OSPY_JUMP_AT_LEAVE);
}

void ospy_interceptor_show_own_pending(ospy_pending_fn fn, void *data, bool given_up) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  if (!ts)
    return;
  unsigned depth = ts->depth < OSPY_INVOCATION_MAX_DEPTH ? ts->depth : OSPY_INVOCATION_MAX_DEPTH;
  for (unsigned k = 0; k < depth; k++)
    if (!(ts->stack[k].flags & OSPY_ENTRY_ABANDONED) != given_up)
      ospy_invocation_show_entry(ts, k, fn, data);
}

bool ospy_thread_state_left_by_jump(ospy_thread_state *ts, ospy_hook *hook, uintptr_t busy_sp) {
  if (!ts || __atomic_load_n(&ts->busy, __ATOMIC_ACQUIRE) != 1 || !ts->busy_sp)
    return false;
  uintptr_t left_sp = ts->busy_sp;
  ospy_hook *left_hook = ts->busy_hook;
  uintptr_t at = left_sp & ~OSPY_BUSY_AT_LEAVE;
  if (!busy_code_gone(busy_sp & ~OSPY_BUSY_AT_LEAVE, at))
    return false;
  /* From here on busy is this call's (hooked calls made meanwhile, below
   * it, are re-entries): a jump out of what follows is found as one out of
   * this call's hook code */
  ts->busy_hook = hook;
  ts->busy_sp = busy_sp;
  int saved_errno = *ts->errno_ptr;
  if (left_sp & OSPY_BUSY_AT_LEAVE)
    leave_left(ts, left_hook, at);
  else
    enter_left(ts, left_hook, at);
  /* (ignore_current_thread nesting begun in that code: it only runs with
   * ignored 0) */
  ts->ignored = 0;
  *ts->errno_ptr = saved_errno;
  return true; /* (busy stays set: the caller goes on as after setting it) */
}
