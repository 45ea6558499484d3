/*
 * The end of the process as the other threads meet it: exit_group (or the
 * fatal signal) stops them wherever they are, and the calls they have
 * pending never return. The thread that ends the process gives them up on
 * their behalf, so that their listeners can say so (a thread blocked in a
 * read at exit: `read(...) = ?`, as strace's "unfinished").
 *
 * Another thread's state is taken by setting its busy flag, atomically and
 * only when clear: while it is set, that thread's hooked calls run their
 * originals unseen and its returns through the leave thunk only restore
 * the return address, so the two threads never run callbacks on one state.
 * (The owner sets the flag with a plain store after testing it: in that
 * two-instruction window both may run. The process is ending; the worst
 * outcome is one call reported twice.)
 */
#include "interceptor/interceptor_internal.h"

static void abandon_pending(ospy_thread_state *s, void *data) {
  int *n = data;
  uint32_t idle = 0;
  if (s->ignored || s->depth == 0 ||
      !__atomic_compare_exchange_n(&s->busy, &idle, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    return;
  unsigned depth = s->depth < OSPY_INVOCATION_MAX_DEPTH ? s->depth : OSPY_INVOCATION_MAX_DEPTH;
  for (unsigned k = depth; k-- > 0;)
    ospy_invocation_abandon(s, k, true);
  *n += (int)depth;
  __atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
}

int ospy_interceptor_abandon_other_threads(void) {
  int n = 0;
  ospy_thread_states_foreach_other(abandon_pending, &n);
  return n;
}

/* Whether one of the listeners that saw entry e's enter counts it. */
static bool entry_counted(const ospy_invocation_entry *e,
                          bool (*counts)(void *user_data, const void *scratch)) {
  for (unsigned i = 0; i < e->nentered && i < OSPY_HOOK_MAX_LISTENERS; i++)
    if (ospy_listener_of_client(e->entered[i]) && counts(e->entered[i]->user_data, e->scratch))
      return true;
  return false;
}

unsigned ospy_interceptor_count_pending_busy(bool (*counts)(void *user_data, const void *scratch)) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  if (!ts || !ts->busy)
    return 0;
  unsigned n = 0;
  unsigned depth = ts->depth < OSPY_INVOCATION_MAX_DEPTH ? ts->depth : OSPY_INVOCATION_MAX_DEPTH;
  for (unsigned k = depth; k-- > 0;) {
    ospy_invocation_entry *e = &ts->stack[k];
    if (!(e->flags & OSPY_ENTRY_ABANDONED) && entry_counted(e, counts))
      n++;
    e->flags |= OSPY_ENTRY_ABANDONED;
  }
  return n;
}
