/*
 * The per-thread graveyard: pending calls given up as dead and dropped from
 * the invocation stack (their frames left by longjmp or an exception, as
 * the stack pointer says) whose frames may live on after all: a suspended
 * coroutine's call on a stack just below another coroutine's looks exactly
 * like one left by longjmp. Should such a call return through the leave
 * thunk, its real return address is found here instead of aborting.
 *
 * So the graveyard never lets go of a call that may still return. One is
 * known dead once its return slot no longer holds the leave thunk's address
 * (its frame was unwound and a later call took that word, it returned
 * already: the leave thunk wrote its real return address back there, or its
 * stack is unmapped), or once a newer call, pending or buried, has its slot.
 * The graveyard starts in the thread state (OSPY_GRAVE_SIZE calls); full, it
 * drops the calls known dead, and when more than half of it may still
 * return it moves to pages of its own twice as large (mmap: malloc may be
 * hooked). Only at OSPY_GRAVE_MAX, or when no memory is left, is the oldest
 * dropped. Everything here runs on the rare paths (a call given up, a
 * return that matches no pending call), on the owner thread.
 */
#include "interceptor/interceptor_internal.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_read.h"

static ospy_grave *graves(ospy_thread_state *ts) {
  return ts->grave ? ts->grave : ts->grave_inline;
}

static unsigned capacity(const ospy_thread_state *ts) {
  return ts->grave ? ts->grave_cap : OSPY_GRAVE_SIZE;
}

/* Index of the buried call with this slot (there is at most one), or the
 * graveyard's length when none; the newest first. */
static unsigned find_slot(ospy_thread_state *ts, uintptr_t slot) {
  const ospy_grave *g = graves(ts);
  for (unsigned i = ts->grave_len; i-- > 0;)
    if (g[i].slot == slot)
      return i;
  return ts->grave_len;
}

/* Drops entry i, keeping the others in the order they were buried. */
static void remove_at(ospy_thread_state *ts, unsigned i) {
  ospy_grave *g = graves(ts);
  for (unsigned j = i + 1; j < ts->grave_len; j++)
    g[j - 1] = g[j];
  ts->grave_len--;
}

/* Whether a call pending on this thread has the slot (a tail call's, which
 * returns to the leave thunk again, to the call beneath it, does not count). */
static bool slot_pending(const ospy_thread_state *ts, uintptr_t slot) {
  for (unsigned i = 0; i < ts->depth && i < OSPY_INVOCATION_MAX_DEPTH; i++)
    if (ts->stack[i].slot == slot && ts->stack[i].ret != (uintptr_t)ospy_leave_thunk)
      return true;
  return false;
}

/* Whether the buried call may still return through the leave thunk: its slot
 * still holds the thunk's address (read safely: a coroutine's stack may be
 * unmapped) and no pending call took it. */
static bool may_return(const ospy_thread_state *ts, const ospy_grave *g) {
  uintptr_t held = 0;
  return ospy_os_read_memory(g->slot, &held, sizeof held) == sizeof held &&
         held == (uintptr_t)ospy_leave_thunk && !slot_pending(ts, g->slot);
}

static void drop_dead(ospy_thread_state *ts) {
  ospy_grave *g = graves(ts);
  unsigned keep = 0;
  for (unsigned i = 0; i < ts->grave_len; i++)
    if (may_return(ts, &g[i]))
      g[keep++] = g[i];
  ts->grave_len = keep;
}

/* Pages twice as large, the calls copied over; false when none are to be had. */
static bool grow(ospy_thread_state *ts) {
  unsigned cap = capacity(ts);
  if (cap >= OSPY_GRAVE_MAX)
    return false;
  ospy_grave *bigger = ospy_os_alloc(2 * (size_t)cap * sizeof *bigger);
  if (!bigger)
    return false;
  const ospy_grave *g = graves(ts);
  for (unsigned i = 0; i < ts->grave_len; i++)
    bigger[i] = g[i];
  if (ts->grave)
    ospy_os_free(ts->grave, (size_t)cap * sizeof *bigger);
  ts->grave = bigger;
  ts->grave_cap = 2 * cap;
  return true;
}

/* Room for one more: the dead dropped, then more room when over half of it
 * is still taken (each look at every slot then pays for as many burials). */
static void make_room(ospy_thread_state *ts) {
  drop_dead(ts);
  if (ts->grave_len > capacity(ts) / 2)
    (void)grow(ts);
  if (ts->grave_len == capacity(ts))
    remove_at(ts, 0); /* no room to be had: the oldest goes after all */
}

void ospy_grave_bury(ospy_thread_state *ts, uintptr_t slot, uintptr_t ret) {
  /* a tail call's return comes back to the leave thunk, for the call beneath
   * with the same slot: that one is what a return needs */
  if (ret == (uintptr_t)ospy_leave_thunk || !ret)
    return;
  unsigned older = find_slot(ts, slot);
  if (older < ts->grave_len)
    remove_at(ts, older); /* this call took its slot: that frame is gone */
  if (ts->grave_len == capacity(ts))
    make_room(ts);
  graves(ts)[ts->grave_len++] = (ospy_grave){ slot, ret };
}

uintptr_t ospy_grave_exhume(ospy_thread_state *ts, uintptr_t slot) {
  unsigned i = find_slot(ts, slot);
  if (i == ts->grave_len)
    return 0;
  uintptr_t ret = graves(ts)[i].ret;
  remove_at(ts, i); /* it returned: its slot gets the real return address back */
  return ret;
}

void ospy_grave_clear(ospy_thread_state *ts) { ts->grave_len = 0; }
