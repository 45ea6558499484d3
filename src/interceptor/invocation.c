/*
 * The C side of the enter and leave thunks, and the accessors callbacks use.
 *
 * on_enter pushes an entry on the thread's invocation stack only when a
 * listener wants on_leave, and then replaces the return address in the stack
 * slot by the leave thunk. on_leave finds its entry by that slot (so entries
 * left behind by longjmp, which are deeper on the same stack, are dropped),
 * writes the real return address back into the thunk's own return slot and
 * calls on_leave. Neither path calls libc except through __errno_location's
 * cached result, and both are guarded by the thread's busy flag so hooked
 * functions called from callbacks go straight to their originals.
 */
#include <signal.h>
#include <stddef.h>

#include "interceptor/interceptor_internal.h"
#include "os/linux/os_read.h"
#include "os/linux/os_syscall.h"

#define WORD sizeof(uintptr_t)
/* A frame deeper than this below the new one is on another stack (sigaltstack):
 * not a dead frame of ours. */
#define SAME_STACK_SPAN ((uintptr_t)256 * 1024)

/* Calls on_enter of the active listeners; records them in entered (if not
 * NULL) and returns how many entries it wrote. */
static unsigned run_enter(ospy_hook *hook, ospy_invocation *inv, ospy_listener **entered) {
  unsigned end = hook->listener_end;
  for (unsigned i = 0; i < end; i++) {
    ospy_listener *l = hook->listeners[i];
    if (l && !l->active)
      l = NULL;
    if (entered)
      entered[i] = l;
    if (l && l->on_enter) {
      inv->listener = l;
      l->on_enter(inv);
    }
  }
  return end;
}

/* on_leave of the listeners that saw the enter and are still attached, the
 * last attached first (nested as their enters were: the agent's own
 * sigaction listener, attached after a user's, hides its crash handler from
 * the oldact before the user's listener records it). */
static void run_leave(ospy_hook *hook, ospy_invocation *inv, ospy_listener *const *entered,
                      unsigned nentered) {
  for (unsigned i = nentered; i-- > 0;) {
    ospy_listener *l = entered[i];
    if (l && l == hook->listeners[i] && l->active && l->on_leave) {
      inv->listener = l;
      l->on_leave(inv);
    }
  }
}

static ospy_abandon_fn abandon_fn;

void ospy_interceptor_set_abandon_handler(ospy_abandon_fn fn) { abandon_fn = fn; }

/* Entry k will never see its on_leave: its listeners hear of it. */
void ospy_invocation_abandon(ospy_thread_state *ts, unsigned k, bool report) {
  ospy_abandon_fn fn = abandon_fn;
  ospy_invocation_entry *e = &ts->stack[k];
  if (e->flags & OSPY_ENTRY_ABANDONED)
    return; /* reported already */
  e->flags |= OSPY_ENTRY_ABANDONED;
  if (!fn || ts->ignored || !report)
    return;
  ospy_invocation inv = { NULL, e->hook, NULL, e->scratch, e->slot, e->ret, k, true, ts };
  for (unsigned i = 0; i < e->nentered; i++) {
    ospy_listener *l = e->entered[i];
    if (ospy_listener_of_client(l) && l == e->hook->listeners[i] && l->active) {
      inv.listener = l;
      fn(&inv);
    }
  }
}

/* Entry k, about to be dropped from the invocation stack as dead, is given
 * up; should its frame live on after all, its return finds its way in the
 * graveyard. (Entries given up but kept on the stack need no grave: their
 * return finds them there.) */
void ospy_invocation_give_up(ospy_thread_state *ts, unsigned k, bool report) {
  ospy_invocation_abandon(ts, k, report);
  ospy_grave_bury(ts, ts->stack[k].slot, ts->stack[k].ret);
}

/*
 * Entries on top whose frames are gone (longjmp) lie below sp, or at sp when
 * the slot no longer holds the leave thunk. A slot equal to sp that still
 * holds the leave thunk is a hooked function tail-calling another: both
 * entries stay, the callee returns to the leave thunk a second time.
 */
/* Whether sp is on the thread's signal stack and slot is not: a handler
 * running there (sigaltstack inside the main stack's frames) sees pending
 * calls of the interrupted code below it, alive. One system call, made only
 * for an entry that looks dead but still holds the leave thunk. */
static bool handler_above(uintptr_t sp, uintptr_t slot) {
  stack_t ss;
  if (ospy_os_sys3(SYS_sigaltstack, 0, (long)&ss, 0) != 0 || !(ss.ss_flags & SS_ONSTACK))
    return false;
  uintptr_t lo = (uintptr_t)ss.ss_sp;
  return sp - lo < ss.ss_size && slot - lo >= ss.ss_size;
}

static void prune_dead(ospy_thread_state *ts, uintptr_t sp) {
  while (ts->depth > 0) {
    uintptr_t slot = ts->stack[ts->depth - 1].slot;
    if (slot > sp || sp - slot > SAME_STACK_SPAN)
      break;
    uintptr_t held = 0; /* read safely: a coroutine's stack may be gone */
    bool armed = ospy_os_read_memory(slot, &held, sizeof held) == sizeof held &&
                 held == (uintptr_t)ospy_leave_thunk;
    if (slot == sp && armed)
      break;
    if (armed && handler_above(sp, slot))
      break;
    ospy_invocation_give_up(ts, ts->depth - 1, true);
    ts->depth--;
  }
}

void ospy_interceptor_forget(ospy_invocation *inv) {
  ospy_thread_state *ts = inv->ts;
  if (!inv->leave && ts->depth == inv->depth + 1 && ts->stack[inv->depth].slot == inv->entry_sp)
    ts->forget = 1;
}

/* Whether one of the listeners that saw entry e's enter is one `counts` takes. */
static bool entry_counts(const ospy_invocation_entry *e, bool (*counts)(void *user_data)) {
  if (!counts)
    return true;
  for (unsigned i = 0; i < e->nentered; i++)
    if (ospy_listener_of_client(e->entered[i]) && counts(e->entered[i]->user_data))
      return true;
  return false;
}

/* Nested in the innermost pending call of this stack that counts, unless a
 * signal frame lies between the two: a handler's calls are its own, not the
 * interrupted call's (a write in a SIGABRT handler ran inside raise); the
 * calls entered inside the handler still hide what they make. */
bool ospy_invocation_nested_in(ospy_invocation *inv, bool (*counts)(void *user_data)) {
  const ospy_thread_state *ts = inv->ts;
  uintptr_t innermost = 0;
  bool found = false;
  for (unsigned i = 0; i < inv->depth && i < ts->depth; i++) {
    uintptr_t slot = ts->stack[i].slot;
    /* (an equal slot: the pending call tail-called this one, as execv execve) */
    if (slot >= inv->entry_sp && slot - inv->entry_sp <= SAME_STACK_SPAN &&
        (!found || slot < innermost) && entry_counts(&ts->stack[i], counts)) {
      innermost = slot;
      found = true;
    }
  }
  return found && !ospy_signal_frame_between(inv->entry_sp, innermost);
}

bool ospy_invocation_nested(ospy_invocation *inv) {
  return ospy_invocation_nested_in(inv, NULL);
}

/* The entries stay (their return addresses are still on the stack), marked
 * so that their listeners hear nothing more of them. */
void ospy_interceptor_abandon_outer(ospy_invocation *inv) {
  ospy_thread_state *ts = inv->ts;
  unsigned outer = inv->depth < ts->depth ? inv->depth : ts->depth;
  for (unsigned k = outer; k-- > 0;)
    ospy_invocation_abandon(ts, k, true);
}

/* Entries stay (the thread will not run them again); busy keeps hooked
 * calls made by the abandon handler from being intercepted. */
int ospy_interceptor_abandon_thread(void) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  if (!ts)
    return 0;
  (void)ospy_thread_state_wait_returned(ts); /* (lent for an exec or the process's end) */
  if (ts->busy || ts->ignored)
    return -1;
  ts->busy_sp = 0; /* (not a call's: never taken back, jump_out.c) */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  ts->busy = 1;
  int saved_errno = *ts->errno_ptr;
  int n = 0;
  for (unsigned k = ts->depth; k-- > 0; n++)
    ospy_invocation_abandon(ts, k, true);
  *ts->errno_ptr = saved_errno;
  ts->busy = 0;
  return n;
}

static ospy_reentry_fn reentry_fn;

void ospy_interceptor_set_reentry_handler(ospy_reentry_fn fn) { reentry_fn = fn; }

/* A call this thread makes while busy (a signal handler that interrupted a
 * callback), or one nested deeper than the invocation stack: not
 * intercepted, but reported. */
static void report_reentry(ospy_hook *hook, const ospy_thread_state *ts, unsigned depth,
                           uintptr_t ret) {
  ospy_reentry_fn fn = reentry_fn;
  if (!fn || ts->ignored)
    return;
  for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS; i++) {
    ospy_listener *l = hook->listeners[i];
    if (ospy_listener_of_client(l) && l->active && (l->on_enter || l->on_leave))
      fn(l->user_data, depth, ret);
  }
}

/* Whether ts, busy or ignored, is free for its owner after all: it was only
 * lent to another thread (process_end.c), which gave it back. */
static bool taken_back(ospy_thread_state *ts) {
  if (!ts)
    return false;
  while (ospy_thread_state_wait_returned(ts))
    if (!(__atomic_load_n(&ts->busy, __ATOMIC_ACQUIRE) | ts->ignored))
      return true;
  return false;
}

/* Marks ts busy for the hook code of a call of hook at sp (on_leave: its
 * slot | OSPY_BUSY_AT_LEAVE): who set it is written first, so that a signal
 * handler that leaves this code by a jump leaves both (jump_out.c). */
static inline void set_busy(ospy_thread_state *ts, ospy_hook *hook, uintptr_t sp) {
  ts->busy_hook = hook;
  ts->busy_sp = sp;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  ts->busy = 1;
}

uintptr_t ospy_interceptor_on_enter(ospy_hook *hook, ospy_cpu_context *ctx) {
  ospy_thread_state *ts = ospy_thread_state_get();
  uintptr_t sp = OSPY_CTX_SP(ctx);
  if (__builtin_expect(!ts || (ts->busy | ts->ignored), 0) && !taken_back(ts) &&
      !ospy_thread_state_left_by_jump(ts, hook, sp)) {
    if (ts)
      /* busy: made by a signal handler that interrupted a callback (or by a
       * callback), nested in none of the calls pending below the signal */
      report_reentry(hook, ts, 0, *(uintptr_t *)sp);
    return hook->proceed;
  }
  set_busy(ts, hook, sp);
  int saved_errno = *ts->errno_ptr;
  prune_dead(ts, sp);
  if (__builtin_expect(hook->has_leave && ts->depth >= OSPY_INVOCATION_MAX_DEPTH, 0)) {
    /* deeper than the invocation stack: the call cannot be followed to its
     * return, so its listeners see none of it (an on_enter without its
     * on_leave would leave them half done) and the reentry handler counts it */
    report_reentry(hook, ts, ts->depth, *(uintptr_t *)sp);
    *ts->errno_ptr = saved_errno;
    ts->busy = 0;
    return hook->proceed;
  }
  uint8_t local_scratch[OSPY_INVOCATION_SCRATCH_SIZE];
  ospy_invocation inv = { ctx, hook, NULL, local_scratch, sp, *(uintptr_t *)sp, ts->depth, false, ts };
  ospy_listener **entered = NULL;
  if (hook->has_leave) {
    ospy_invocation_entry *e = &ts->stack[ts->depth];
    e->hook = hook;
    e->ret = inv.ret;
    e->slot = sp;
    e->flags = 0;
    e->nentered = 0;
    inv.scratch = e->scratch;
    entered = e->entered;
    /* (a jump out of this code finds the entry whole, or not pushed) */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    ts->depth++;
  }
  OSPY_CTX_IP(ctx) = hook->function; /* reg.rip / reg.eip at enter: the function */
  ts->forget = 0;
  unsigned nentered = run_enter(hook, &inv, entered);
  if (entered && ts->forget) {
    ts->depth--; /* it will not return: no leave (ospy_interceptor_forget) */
  } else if (entered) {
    ts->stack[ts->depth - 1].nentered = (uint16_t)nentered;
    /* after the callbacks, which see the real return address at [sp] */
    *(uintptr_t *)sp = (uintptr_t)ospy_leave_thunk;
  }
  *ts->errno_ptr = saved_errno;
  ts->busy = 0;
  return hook->proceed;
}

/* The entry returning to the leave thunk with sp (after the return): the one
 * whose slot is sp - WORD. -1 when none. */
static int find_entry(const ospy_thread_state *ts, uintptr_t sp) {
  for (int i = (int)ts->depth - 1; i >= 0; i--)
    if (ts->stack[i].slot == sp - WORD)
      return i;
  return -1;
}

/* For callee-pop conventions (`ret imm16`, as i386 functions returning a
 * struct): the entry with the highest slot in its reach. -1 when none. */
static int find_callee_pop_entry(const ospy_thread_state *ts, uintptr_t sp) {
  int best = -1;
  for (int i = (int)ts->depth - 1; i >= 0; i--) {
    uintptr_t slot = ts->stack[i].slot;
    if (slot < sp && sp - slot <= WORD + 65535 && (best < 0 || slot > ts->stack[best].slot))
      best = i;
  }
  return best;
}

static void write_str(const char *msg) {
  size_t n = 0;
  while (msg[n])
    n++;
  (void)ospy_os_sys3(SYS_write, 2, (long)msg, (long)n);
}

static void write_hex(const char *label, uintptr_t v) {
  char buf[2 + 2 * sizeof v + 2];
  size_t n = 0;
  buf[n++] = '0';
  buf[n++] = 'x';
  for (int i = (int)(2 * sizeof v) - 1; i >= 0; i--)
    buf[n++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
  buf[n++] = ' ';
  buf[n] = '\0';
  write_str(label);
  write_str(buf);
}

/* Nothing sane is left to do: report what the stack looked like and abort. */
__attribute__((noreturn)) static void fatal(const char *msg, const ospy_thread_state *ts, uintptr_t sp) {
  write_str(msg);
  write_hex("sp", sp);
  if (ts) {
    write_hex("depth", ts->depth);
    for (unsigned i = 0; i < ts->depth; i++)
      write_hex("slot", ts->stack[i].slot);
  }
  write_str("\n");
  (void)ospy_os_sys3(SYS_kill, ospy_os_getpid(), 6 /* SIGABRT */, 0);
  for (;;)
    (void)ospy_os_sys3(SYS_exit_group, 134, 0, 0);
}

/*
 * A return through the leave thunk that matches no pending entry's slot.
 * When the word it popped, just below sp, still holds the leave thunk, it
 * came from that slot: a call given up as dead whose frame lived on (a
 * suspended coroutine's, on a stack just below another's), found in the
 * graveyard. Looking among the pending calls first, as before, sent it to
 * another coroutine's pending call in reach below (its return address, its
 * record). Else it is a callee-pop return from a lower slot; failing that,
 * the graveyard again (on i386 a signal may have written over that word
 * before the thunk ran). -1 when the return address is from the graveyard
 * (*buried), or the pending entry it found.
 */
static int find_unmatched(ospy_thread_state *ts, uintptr_t sp, uintptr_t popped, uintptr_t *buried) {
  *buried = 0;
  if (!ts)
    fatal("ospy interceptor: return through the leave thunk without a pending call: ", ts, sp);
  if (popped == (uintptr_t)ospy_leave_thunk && (*buried = ospy_grave_exhume(ts, sp - WORD)) != 0)
    return -1;
  int k = find_callee_pop_entry(ts, sp);
  if (k >= 0)
    return k;
  if ((*buried = ospy_grave_exhume(ts, sp - WORD)) != 0)
    return -1;
  fatal("ospy interceptor: return through the leave thunk without a pending call: ", ts, sp);
}

/* Entries above k when entry k returns: those on this stack below it were
 * left by longjmp or an exception (given up, reported when report is set);
 * those on another stack (a coroutine's, switched away from inside a hooked
 * call) are still pending and stay, moved down over k. */
static bool dead_below(uintptr_t slot, uintptr_t sp) {
  return slot < sp && sp - slot <= SAME_STACK_SPAN;
}

static void settle_above(ospy_thread_state *ts, unsigned k, uintptr_t sp, bool report) {
  for (unsigned i = ts->depth; i-- > k + 1;) /* reported innermost first */
    if (dead_below(ts->stack[i].slot, sp))
      ospy_invocation_give_up(ts, i, report);
  unsigned keep = k;
  for (unsigned i = k + 1; i < ts->depth; i++) {
    if (dead_below(ts->stack[i].slot, sp))
      continue;
    if (keep != i)
      ts->stack[keep] = ts->stack[i];
    keep++;
  }
  ts->depth = keep;
}

uintptr_t ospy_interceptor_on_leave(ospy_cpu_context *ctx, uintptr_t *slot) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  uintptr_t sp = OSPY_CTX_SP(ctx);
  int k = ts ? find_entry(ts, sp) : -1;
  if (__builtin_expect(k < 0, 0)) {
    uintptr_t buried;
    k = find_unmatched(ts, sp, *slot, &buried);
    if (k < 0) {
      *slot = buried;
      OSPY_CTX_IP(ctx) = buried;
      return buried;
    }
  }
  /* another thread reading our pending calls (an exec): the entry and its
   * scratch are ours again, and what it wrote there seen, once it is done */
  if (__builtin_expect(__atomic_load_n(&ts->busy, __ATOMIC_RELAXED) == OSPY_BUSY_LENT, 0))
    (void)ospy_thread_state_wait_returned(ts);
  ospy_invocation_entry *e = &ts->stack[k], moved;
  bool above = (unsigned)k + 1 < ts->depth; /* rare: longjmp, exception, coroutine */
  if (above) {
    moved = *e; /* settle_above may move entries over it */
    e = &moved;
  }
  *slot = e->ret; /* first: unwinders walking from a callback see the real caller */
  OSPY_CTX_IP(ctx) = e->ret;
  if (!(ts->busy | ts->ignored) ||
      ospy_thread_state_left_by_jump(ts, e->hook, e->slot | OSPY_BUSY_AT_LEAVE)) {
    set_busy(ts, e->hook, e->slot | OSPY_BUSY_AT_LEAVE);
    int saved_errno = *ts->errno_ptr;
    if (above)
      settle_above(ts, (unsigned)k, sp, true);
    else
      ts->depth = (unsigned)k;
    ospy_invocation inv = { ctx, e->hook, NULL, e->scratch, e->slot, e->ret, (unsigned)k, true, ts };
    if (!(e->flags & OSPY_ENTRY_ABANDONED))
      run_leave(e->hook, &inv, e->entered, e->nentered);
    *ts->errno_ptr = saved_errno;
    ts->busy = 0;
  } else if (above) {
    settle_above(ts, (unsigned)k, sp, false);
  } else {
    ts->depth = (unsigned)k;
  }
  return e->ret;
}

uintptr_t ospy_interceptor_leave_thunk(void) { return (uintptr_t)ospy_leave_thunk; }

uintptr_t ospy_interceptor_real_return(uintptr_t slot, uintptr_t value) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  if (value != (uintptr_t)ospy_leave_thunk || !ts)
    return value;
  for (unsigned i = ts->depth; i-- > 0;)
    if (ts->stack[i].slot == slot)
      return ts->stack[i].ret;
  return value;
}

/* Whether entry e (on the stack of a call entered at sp, outside it) is a
 * call whose return address the code at sp may have read as the leave
 * thunk: on that stack, its slot holding the thunk (read safely: a
 * coroutine's stack may be gone), its own return address a real one (not
 * the second of a tail call, which found the thunk in the slot). */
static bool holds_thunk(const ospy_invocation_entry *e, uintptr_t sp) {
  uintptr_t held = 0;
  return e->slot > sp && e->slot - sp <= SAME_STACK_SPAN &&
         e->ret != (uintptr_t)ospy_leave_thunk &&
         ospy_os_read_memory(e->slot, &held, sizeof held) == sizeof held &&
         held == (uintptr_t)ospy_leave_thunk;
}

uintptr_t ospy_invocation_passed_return(ospy_invocation *inv, uintptr_t value,
                                        bool (*pass_over)(uintptr_t ret)) {
  if (value != (uintptr_t)ospy_leave_thunk)
    return value;
  const ospy_thread_state *ts = inv->ts;
  const ospy_invocation_entry *innermost = NULL, *chosen = NULL;
  /* innermost: the lowest slot (an equal one: a tail call's second entry,
   * the first kept) */
  for (unsigned i = 0; i < inv->depth && i < ts->depth; i++) {
    const ospy_invocation_entry *e = &ts->stack[i];
    if (!holds_thunk(e, inv->entry_sp))
      continue;
    if (!innermost || e->slot < innermost->slot)
      innermost = e;
    if ((!pass_over || !pass_over(e->ret)) && (!chosen || e->slot < chosen->slot))
      chosen = e;
  }
  if (!chosen)
    chosen = innermost;
  return chosen ? chosen->ret : value;
}

/* ---- accessors ---- */

ospy_cpu_context *ospy_invocation_cpu(ospy_invocation *inv) { return inv->cpu; }

static ospy_call_conv conv(const ospy_invocation *inv) {
  ospy_call_conv cc = inv->listener ? inv->listener->cc : OSPY_CC_DEFAULT;
#if defined(__x86_64__)
  (void)cc;
  return OSPY_CC_SYSV;
#else
  return cc == OSPY_CC_DEFAULT || cc == OSPY_CC_SYSV ? OSPY_CC_CDECL : cc;
#endif
}

/* Register holding argument n, or NULL when it is on the stack at *stack_index. */
static uintptr_t *arg_register(ospy_invocation *inv, unsigned n, unsigned *stack_index) {
  ospy_cpu_context *c = inv->cpu;
#if defined(__x86_64__)
  uint64_t *regs[6] = { &c->rdi, &c->rsi, &c->rdx, &c->rcx, &c->r8, &c->r9 };
  if (n < 6)
    return (uintptr_t *)regs[n];
  *stack_index = n - 6;
#else
  switch (conv(inv)) {
  case OSPY_CC_FASTCALL:
    if (n == 0)
      return (uintptr_t *)&c->ecx;
    if (n == 1)
      return (uintptr_t *)&c->edx;
    *stack_index = n - 2;
    break;
  case OSPY_CC_THISCALL:
    if (n == 0)
      return (uintptr_t *)&c->ecx;
    *stack_index = n - 1;
    break;
  case OSPY_CC_REGPARM1:
  case OSPY_CC_REGPARM2:
  case OSPY_CC_REGPARM3: {
    uintptr_t *regs[3] = { (uintptr_t *)&c->eax, (uintptr_t *)&c->edx, (uintptr_t *)&c->ecx };
    unsigned nreg = (unsigned)(conv(inv) - OSPY_CC_REGPARM1) + 1;
    if (n < nreg)
      return regs[n];
    *stack_index = n - nreg;
    break;
  }
  default:
    *stack_index = n;
    break;
  }
#endif
  (void)conv;
  return NULL;
}

void *ospy_invocation_arg_address(ospy_invocation *inv, unsigned n) {
  unsigned idx = 0;
  if (arg_register(inv, n, &idx))
    return NULL;
  return (void *)(inv->entry_sp + WORD + WORD * idx);
}

uintptr_t ospy_invocation_get_arg(ospy_invocation *inv, unsigned n) {
  unsigned idx = 0;
  uintptr_t *reg = arg_register(inv, n, &idx);
  if (reg)
    return *reg;
  return *(uintptr_t *)(inv->entry_sp + WORD + WORD * idx);
}

void ospy_invocation_get_args(ospy_invocation *inv, uint64_t *out, unsigned n) {
  unsigned i = 0;
#if defined(__x86_64__)
  /* field by field: gathered into an array first, gcc built it with vector
   * loads of what the thunk had just stored as words (a forwarding stall) */
  const ospy_cpu_context *c = inv->cpu;
  switch (n < 6 ? n : 6) {
  case 6: out[5] = c->r9; /* fall through */
  case 5: out[4] = c->r8; /* fall through */
  case 4: out[3] = c->rcx; /* fall through */
  case 3: out[2] = c->rdx; /* fall through */
  case 2: out[1] = c->rsi; /* fall through */
  case 1: out[0] = c->rdi; /* fall through */
  default: break;
  }
  for (i = 6; i < n; i++)
    out[i] = *(const uint64_t *)(inv->entry_sp + WORD + WORD * (i - 6));
#else
  for (; i < n; i++)
    out[i] = ospy_invocation_get_arg(inv, i);
#endif
}

void ospy_invocation_set_arg(ospy_invocation *inv, unsigned n, uintptr_t value) {
  unsigned idx = 0;
  uintptr_t *reg = arg_register(inv, n, &idx);
  if (reg)
    *reg = value;
  else
    *(uintptr_t *)(inv->entry_sp + WORD + WORD * idx) = value;
}

uintptr_t ospy_invocation_get_return(ospy_invocation *inv) {
#if defined(__x86_64__)
  return inv->cpu->rax;
#else
  return inv->cpu->eax;
#endif
}

void ospy_invocation_set_return(ospy_invocation *inv, uintptr_t value) {
#if defined(__x86_64__)
  inv->cpu->rax = value;
#else
  inv->cpu->eax = value;
#endif
}

uintptr_t ospy_invocation_return_address(ospy_invocation *inv) { return inv->ret; }
void *ospy_invocation_function(ospy_invocation *inv) { return (void *)inv->hook->function; }
uint32_t ospy_invocation_thread_id(ospy_invocation *inv) { return (uint32_t)inv->ts->tid; }
void *ospy_invocation_scratch(ospy_invocation *inv) { return inv->scratch; }
void *ospy_invocation_user_data(ospy_invocation *inv) {
  return inv->listener ? inv->listener->user_data : NULL;
}
unsigned ospy_invocation_depth(ospy_invocation *inv) { return inv->depth; }
bool ospy_invocation_is_leave(ospy_invocation *inv) { return inv->leave; }
