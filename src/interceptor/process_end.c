/*
 * The end of the process as the other threads meet it: exit_group (or the
 * fatal signal) stops them wherever they are, and the calls they have
 * pending never return. The thread that ends the process gives them up on
 * their behalf, so that their listeners can say so (a thread blocked in a
 * read at exit: `read(...) = ?`, as strace's "unfinished"). An exec ends
 * them as well, when it succeeds: the thread that execs shows them to its
 * listener first, without giving them up (the exec may fail, and they
 * return after all).
 *
 * Threads that ended already may have left calls pending too (left by
 * longjmp, the thread then returning from its start routine: no hook sees
 * that end). Their blocks keep them until a new thread takes the block
 * over and gives them up (thread_state.c); those no thread took over are
 * given up here, at the process's end, at an exec (for good: they can never
 * return, whether it succeeds or not) and at a detach, under the ended
 * thread's id.
 *
 * Another thread's state is borrowed by setting its busy flag to
 * OSPY_BUSY_LENT, atomically and only when clear: while it is lent, that
 * thread waits before it enters or leaves a hooked call (a read that
 * returns meanwhile has its leave run once the state is back, and sees
 * what the lender wrote into its scratch), so the two threads never run
 * callbacks on one state. (The owner sets the flag with a plain store
 * after testing it: in that two-instruction window both may run. The worst
 * outcome is one call reported twice.)
 */
#include <limits.h>

#include "interceptor/interceptor_internal.h"
#include "os/linux/os_syscall.h"
#include "os/linux/os_thread.h"

static bool borrow(ospy_thread_state *s) {
  uint32_t idle = 0;
  return !s->ignored && s->depth > 0 &&
         __atomic_compare_exchange_n(&s->busy, &idle, OSPY_BUSY_LENT, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED);
}

static void give_back(ospy_thread_state *s) {
  __atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
  (void)ospy_os_futex_wake(&s->busy, INT_MAX); /* its owner, if it waits */
}

static unsigned pending_depth(const ospy_thread_state *s) {
  return s->depth < OSPY_INVOCATION_MAX_DEPTH ? s->depth : OSPY_INVOCATION_MAX_DEPTH;
}

/* Gives up every call pending in s (borrowed), innermost first; how many. */
static int give_up_all(ospy_thread_state *s) {
  unsigned depth = pending_depth(s);
  for (unsigned k = depth; k-- > 0;)
    ospy_invocation_abandon(s, k, true);
  return (int)depth;
}

static void abandon_pending(ospy_thread_state *s, void *data) {
  int *n = data;
  if (!borrow(s))
    return;
  *n += give_up_all(s);
  give_back(s);
}

/* (the owner checked first: a live thread's block is not borrowed for
 * nothing; then its tid, stable once borrowed, which a new owner taking the
 * block over changes only after it gave them up) */
static void abandon_if_ended(ospy_thread_state *s, void *data) {
  int *n = data;
  if (ospy_os_task_alive(__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE)) || !borrow(s))
    return;
  if (ospy_thread_state_ended(s))
    *n += give_up_all(s);
  give_back(s);
}

typedef struct busy_tally {
  unsigned threads, pending;
} busy_tally;

/* A thread inside the interceptor or a callback (not lent, not ignored: the
 * agent's own threads are): the call it is recording may be cut short. */
static void count_busy(ospy_thread_state *s, void *data) {
  busy_tally *t = data;
  if (s->ignored || __atomic_load_n(&s->busy, __ATOMIC_ACQUIRE) != 1)
    return;
  t->threads++;
  t->pending += pending_depth(s);
}

unsigned ospy_interceptor_busy_other_threads(unsigned *pending) {
  busy_tally t = { 0, 0 };
  ospy_thread_states_foreach_other(count_busy, &t, false);
  *pending = t.pending;
  return t.threads;
}

int ospy_interceptor_abandon_other_threads(void) {
  int n = 0;
  ospy_thread_states_foreach_other(abandon_pending, &n, true);
  return n;
}

int ospy_interceptor_abandon_ended_threads(void) {
  int n = 0;
  ospy_thread_states_foreach_other(abandon_if_ended, &n, true);
  return n;
}

/* (as ospy_invocation_abandon reports it) */
void ospy_invocation_show_pending(ospy_thread_state *ts, unsigned k, ospy_pending_fn fn, void *data) {
  if (!(ts->stack[k].flags & OSPY_ENTRY_ABANDONED))
    ospy_invocation_show_entry(ts, k, fn, data);
}

void ospy_invocation_show_entry(ospy_thread_state *ts, unsigned k, ospy_pending_fn fn, void *data) {
  ospy_invocation_entry *e = &ts->stack[k];
  ospy_invocation inv = { NULL, e->hook, NULL, e->scratch, e->slot, e->ret, k, true, ts };
  for (unsigned i = 0; i < e->nentered && i < OSPY_HOOK_MAX_LISTENERS; i++) {
    ospy_listener *l = e->entered[i];
    if (ospy_listener_of_client(l) && l == e->hook->listeners[i] && l->active) {
      inv.listener = l;
      fn(&inv, data);
    }
  }
}

typedef struct pending_visit {
  ospy_pending_fn fn;
  void *data;
} pending_visit;

/* (a thread that ended: its calls are given up instead, they never return
 * whatever the exec does) */
static void show_other_thread(ospy_thread_state *s, void *data) {
  const pending_visit *v = data;
  if (!borrow(s))
    return;
  if (ospy_thread_state_ended(s))
    (void)give_up_all(s);
  else
    for (unsigned k = 0, depth = pending_depth(s); k < depth; k++)
      ospy_invocation_show_pending(s, k, v->fn, v->data);
  give_back(s);
}

void ospy_interceptor_show_pending_at_exec(ospy_invocation *inv, ospy_pending_fn fn, void *data) {
  ospy_thread_state *ts = inv->ts;
  unsigned outer = inv->depth < ts->depth ? inv->depth : ts->depth;
  for (unsigned k = 0; k < outer; k++)
    ospy_invocation_show_pending(ts, k, fn, data);
  pending_visit v = { fn, data };
  ospy_thread_states_foreach_other(show_other_thread, &v, true);
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
