/*
 * C++ exceptions (and pthread_exit/cancel's forced unwind) through hooked
 * frames. The unwinder walks return addresses; ours point at the leave
 * thunk, which it cannot unwind through. So, as uftrace does: the unwinder's
 * entry points (_Unwind_RaiseException, _Unwind_Resume_or_Rethrow,
 * _Unwind_ForcedUnwind, and _Unwind_Resume, which goes on from a landing
 * pad) are replaced by wrappers that write the real return address of every
 * pending invocation back into its stack slot (entry marked RESTORED) before
 * they call the original. When a handler is reached (__cxa_begin_catch),
 * entries whose slot is now below the stack pointer were unwound and are
 * dropped; the others are live again and get the leave thunk back. A frame
 * unwound by the exception loses its on_leave (it never returned). When the
 * original returns instead (no handler: std::terminate follows; a forced
 * unwind given up), nothing was unwound: the entries get the leave thunk
 * back as well.
 *
 * Wrappers, not listeners: these functions start their walk from their own
 * frame (uw_init_context: their own return address and their caller's CFA).
 * A listener with on_leave on one of them (a user's -f _Unwind_RaiseException)
 * made that return address the leave thunk, armed after every listener's
 * enter: the walk ended at once (_URC_END_OF_STACK, std::terminate) or went
 * astray (SIGSEGV). Called from a wrapper, the original's return address is
 * the wrapper's code, which has unwind information, and the wrapper's own
 * return address is the pending entry of that listener, restored with the
 * others. Listeners and the wrapper share the function (interceptor.h:
 * replace): the listeners see the call, the wrapper runs it, and a call that
 * fails returns through the leave thunk with its value.
 *
 * _Unwind_Resume restores again: a catch inside a destructor the unwind runs
 * (its own throw, caught there) armed the entries that the outer unwind still
 * has to pass. Entries the outer unwind left dead meanwhile are not armed by
 * that catch: their slot no longer holds the address written there.
 *
 * A call that was among the moved prologue instructions returns into the
 * trampoline, where the unwinder finds no FDE: when an unwind starts the
 * stack above it is scanned for such trampoline return addresses, which are
 * replaced by the matching original ones (returning there is equivalent: the
 * original bytes after a call are never overwritten, the jump is shorter than
 * any prologue that ends with a call). _Unwind_Resume does not scan again:
 * the frames above a landing pad were all there when its unwind started.
 *
 * Stack walks the program makes (backtrace(3), _Unwind_Backtrace: a crash
 * reporter, a logger) meet the same return addresses: on i386 the walk
 * crashed, on x86-64 it stopped short. _Unwind_Backtrace, which walks from its
 * own frame too, is wrapped the same way: the real return addresses are
 * written back for the walk (entries marked WALKED) and armed again after
 * it, and the wrapper's frame is hidden from the program's callback. glibc's
 * backtrace() loads libgcc_s (and so _Unwind_Backtrace) at its first call,
 * unseen: an internal listener on it loads the library first and installs
 * the wrapper.
 *
 * These are installed with this interceptor itself, the first time a commit
 * finds the symbols loaded (libgcc_s / libstdc++ / libc).
 */
#include <dlfcn.h>
#include <unwind.h>

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

#define PAGE 4096u

static bool readable(uintptr_t addr) {
  uint8_t b;
  return ospy_os_read_memory(addr, &b, 1) == 1;
}

/* The end of the readable memory from page `from` up, at most to `limit`:
 * page by page (a probe that skipped pages could land past the guard page
 * between two thread stacks). */
static uintptr_t readable_end(uintptr_t from, uintptr_t limit) {
  uintptr_t at = from;
  while (at < limit && readable(at))
    at += PAGE;
  return at;
}

/* [ts->stack_lo, ts->stack_hi): stack known readable, found with system
 * calls once per stack and extended downwards as throws go deeper; the scan
 * itself is plain loads. */
static void known_stack(ospy_thread_state *ts, uintptr_t sp) {
  uintptr_t lo = sp & ~(uintptr_t)(PAGE - 1);
  if (sp >= ts->stack_lo && sp < ts->stack_hi)
    return;
  if (sp < ts->stack_lo && ts->stack_lo - lo <= STACK_SCAN_BYTES &&
      readable_end(lo, ts->stack_lo) == ts->stack_lo) {
    ts->stack_lo = lo; /* deeper on the same stack */
    return;
  }
  ts->stack_lo = lo; /* another stack (coroutine, sigaltstack), or the first throw */
  ts->stack_hi = readable_end(lo, lo + STACK_SCAN_BYTES + PAGE);
}

/* Rewrites trampoline return addresses found on the stack above sp. Each
 * throw used to read the 512 KiB above sp a page per system call: C++
 * programs that throw often ran 25-80 times slower under ospy. */
static void fix_trampoline_returns(ospy_thread_state *ts, uintptr_t sp) {
  unsigned n = __atomic_load_n(&n_call_returns, __ATOMIC_ACQUIRE);
  if (n == 0)
    return;
  sp &= ~(uintptr_t)(sizeof(uintptr_t) - 1);
  known_stack(ts, sp);
  uintptr_t end = ts->stack_hi - sp > STACK_SCAN_BYTES ? sp + STACK_SCAN_BYTES : ts->stack_hi;
  for (uintptr_t *w = (uintptr_t *)sp; (uintptr_t)w < end; w++) {
    uintptr_t orig = original_return(*w, n);
    if (orig)
      *w = orig;
  }
}

static bool raise_done, catch_done;

/* What restore_entries writes into entry e's slot: its real return address
 * (the original one for a return into a trampoline). */
static uintptr_t real_return(const ospy_invocation_entry *e, unsigned n_returns) {
  uintptr_t orig = original_return(e->ret, n_returns);
  return orig ? orig : e->ret;
}

/* Writes the real return address of every pending invocation not restored
 * yet back into its stack slot, marking it RESTORED and mark. */
static void restore_entries(ospy_thread_state *ts, unsigned mark) {
  unsigned n = __atomic_load_n(&n_call_returns, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if (!(e->flags & OSPY_ENTRY_RESTORED)) {
      *(uintptr_t *)e->slot = real_return(e, n);
      e->flags |= OSPY_ENTRY_RESTORED | mark;
    }
  }
}

/* The same, trampoline returns on the stack above sp included. */
static void restore_returns(ospy_thread_state *ts, uintptr_t sp, unsigned mark) {
  fix_trampoline_returns(ts, sp);
  restore_entries(ts, mark);
}

/* Restored entries whose frames are alive (slot at or above sp) get the
 * leave thunk back. One whose slot no longer holds the address restored
 * there is dead: an unwind went past its frame, and a call made since (a
 * destructor's) took that stack word; it stays as it is, to be dropped when
 * found dead (arming it would send that call's return to it). */
static void rearm_above(ospy_thread_state *ts, uintptr_t sp) {
  unsigned n = __atomic_load_n(&n_call_returns, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if ((e->flags & OSPY_ENTRY_RESTORED) && e->slot >= sp &&
        *(uintptr_t *)e->slot == real_return(e, n)) {
      *(uintptr_t *)e->slot = (uintptr_t)ospy_leave_thunk;
      e->flags &= ~(OSPY_ENTRY_RESTORED | OSPY_ENTRY_WALKED);
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
    ospy_invocation_give_up(ts, ts->depth - 1, true); /* unwound by the exception */
    ts->depth--;
  }
  rearm_above(ts, sp);
}

/* ---- the unwinder's entry points, wrapped ---- */

/* The calling thread's state, taken for the rewriting of its entries (busy:
 * a signal handler's hooked calls meanwhile are not followed); NULL inside
 * the interceptor's own callbacks (the stack is the agent's business then)
 * and in ignored threads. */
static ospy_thread_state *take_state(void) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  if (ts)
    (void)ospy_thread_state_wait_returned(ts); /* (lent for an exec or the process's end) */
  if (!ts || (ts->busy | ts->ignored))
    return NULL;
  ts->busy_sp = 0; /* (not a call's: never taken back, jump_out.c) */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  ts->busy = 1;
  return ts;
}

static void release_state(ospy_thread_state *ts) { ts->busy = 0; }

/* A wrapper's sp at its entry: the slot of its return address, which a
 * listener of the wrapped function armed (the function's entry sp). */
#define OWN_ENTRY_SP() ((uintptr_t)__builtin_frame_address(0) + sizeof(uintptr_t))

/* An unwind starts at sp (scan: trampoline returns above too) or goes on. */
static void before_unwind(uintptr_t sp, bool scan) {
  ospy_thread_state *ts = take_state();
  if (!ts)
    return;
  if (scan)
    restore_returns(ts, sp, 0);
  else
    restore_entries(ts, 0);
  release_state(ts);
}

/* The unwinder returned: nothing above sp was unwound, every call pending
 * there will return (the wrapper's own, through the leave thunk). */
static void after_failed_unwind(uintptr_t sp) {
  ospy_thread_state *ts = take_state();
  if (!ts)
    return;
  rearm_above(ts, sp);
  release_state(ts);
}

static _Unwind_Reason_Code (*raise_original)(struct _Unwind_Exception *);
static _Unwind_Reason_Code (*rethrow_original)(struct _Unwind_Exception *);
static _Unwind_Reason_Code (*forced_original)(struct _Unwind_Exception *, _Unwind_Stop_Fn, void *);
static void (*resume_original)(struct _Unwind_Exception *);

/* (noinline: each wrapper's frame is its own, OWN_ENTRY_SP is its entry) */
__attribute__((noinline)) static _Unwind_Reason_Code
raise_replacement(struct _Unwind_Exception *exc) {
  uintptr_t sp = OWN_ENTRY_SP();
  before_unwind(sp, true);
  _Unwind_Reason_Code r = raise_original(exc);
  after_failed_unwind(sp);
  return r;
}

__attribute__((noinline)) static _Unwind_Reason_Code
rethrow_replacement(struct _Unwind_Exception *exc) {
  uintptr_t sp = OWN_ENTRY_SP();
  before_unwind(sp, true);
  _Unwind_Reason_Code r = rethrow_original(exc);
  after_failed_unwind(sp);
  return r;
}

__attribute__((noinline)) static _Unwind_Reason_Code
forced_replacement(struct _Unwind_Exception *exc, _Unwind_Stop_Fn stop, void *stop_arg) {
  uintptr_t sp = OWN_ENTRY_SP();
  before_unwind(sp, true);
  _Unwind_Reason_Code r = forced_original(exc, stop, stop_arg);
  after_failed_unwind(sp);
  return r;
}

/* (never returns: libgcc aborts when the unwind cannot go on) */
__attribute__((noinline)) static void resume_replacement(struct _Unwind_Exception *exc) {
  before_unwind(OWN_ENTRY_SP(), false);
  resume_original(exc);
}

/* ---- stack walks: _Unwind_Backtrace ---- */

typedef _Unwind_Reason_Code (*trace_fn)(struct _Unwind_Context *, void *);
static _Unwind_Reason_Code (*unwind_backtrace_original)(trace_fn, void *);

typedef struct trace_forward {
  trace_fn fn;
  void *arg;
  bool skipped;
} trace_forward;

/* The walk's first frame is the caller of the original: our replacement,
 * which the program must not see (backtrace() would list it). */
static _Unwind_Reason_Code trace_callers(struct _Unwind_Context *ctx, void *data) {
  trace_forward *f = data;
  if (!f->skipped) {
    f->skipped = true;
    return _URC_NO_REASON;
  }
  return f->fn(ctx, f->arg);
}

/* Only the entries this walk restored are armed again: a walk made by a
 * destructor while an exception unwinds must leave that unwind's alone. */
static void rearm_walked(ospy_thread_state *ts) {
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if (e->flags & OSPY_ENTRY_WALKED) {
      *(uintptr_t *)e->slot = (uintptr_t)ospy_leave_thunk;
      e->flags &= ~(OSPY_ENTRY_RESTORED | OSPY_ENTRY_WALKED);
    }
  }
}

__attribute__((noinline)) static _Unwind_Reason_Code
unwind_backtrace_replacement(trace_fn fn, void *arg) {
  ospy_thread_state *ts = take_state();
  if (ts) {
    restore_returns(ts, OWN_ENTRY_SP(), OSPY_ENTRY_WALKED);
    release_state(ts);
  }
  trace_forward f = { fn, arg, false };
  _Unwind_Reason_Code r = unwind_backtrace_original(trace_callers, &f);
  if (ts && (ts = take_state()) != NULL) {
    rearm_walked(ts);
    release_state(ts);
  }
  return r;
}

/* Replaces an unwinder function by its wrapper, inside the open
 * transaction; listeners attached to it stay (and are welcome later). */
static bool replace_unwinder(void *sym, void *replacement, void **original) {
  ospy_interceptor_error err;
  /* (their prologue calls, __x86.get_pc_thunk..., never throw) */
  ospy_interceptor_set_nothrow_prologues(true);
  bool ok = ospy_interceptor_replace_locked(sym, replacement, original, NULL, &err) ==
            OSPY_INTERCEPTOR_OK;
  ospy_interceptor_set_nothrow_prologues(false);
  return ok;
}

static bool walk_tried, walk_trigger_done;

/* Tried once. */
static void replace_unwind_backtrace(void *sym) {
  walk_tried = true;
  (void)replace_unwinder(sym, (void *)unwind_backtrace_replacement,
                         (void **)&unwind_backtrace_original);
}

/* backtrace(3)'s entry: libgcc_s loaded and its walk replaced before glibc
 * loads it (the same library: glibc opens it by this name) and walks. */
static void before_backtrace(ospy_invocation *inv) {
  (void)inv;
  if (__atomic_load_n(&walk_tried, __ATOMIC_ACQUIRE))
    return;
  void *lib = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
  void *sym = lib ? dlsym(lib, "_Unwind_Backtrace") : NULL;
  if (!sym)
    return;
  ospy_interceptor_begin_transaction();
  if (!walk_tried)
    replace_unwind_backtrace(sym);
  ospy_interceptor_end_transaction();
}

/* The unwinder's libraries may be loaded where RTLD_DEFAULT does not look: as
 * dependencies of a plugin opened RTLD_LOCAL (a C program's C++ plugin), or
 * by glibc itself for pthread_exit and cancellation (its private dlopen of
 * libgcc_s). Their handles are kept: the hooks patch their code, which must
 * not be unmapped under them (glibc never unloads libgcc_s either). */
static void *unwinder_symbol(const char *name) {
  static const char *const libs[] = { "libgcc_s.so.1", "libstdc++.so.6" };
  static void *handles[2];
  void *sym = dlsym(RTLD_DEFAULT, name);
  for (unsigned i = 0; !sym && i < 2; i++) {
    if (!handles[i])
      handles[i] = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    sym = handles[i] ? dlsym(handles[i], name) : NULL;
  }
  return sym;
}

static bool attach_internal(const char *name, ospy_hook_fn fn) {
  void *sym = unwinder_symbol(name);
  if (!sym)
    return false;
  ospy_interceptor_error err;
  /* (their prologue calls, __cxa_get_globals..., never throw) */
  ospy_interceptor_set_nothrow_prologues(true);
  bool ok = ospy_interceptor_attach_locked(sym, OSPY_CC_DEFAULT, fn, NULL, NULL, true, NULL,
                                           &err) == OSPY_INTERCEPTOR_OK;
  ospy_interceptor_set_nothrow_prologues(false);
  return ok;
}

static bool forced_trigger_done;
/* The unwinder's wrappers are in its code (raise_done is set when they are
 * queued, in a commit that has yet to patch them in). */
static bool wrappers_live;

/* pthread_exit's and pthread_cancel's entry: glibc loads libgcc_s for the
 * forced unwind out of sight of the agent's dlopen hook, then unwinds
 * through the hooked frames (on i386 the thread crashed): loaded here first,
 * the unwinder's wrappers installed. A thread that comes while another's
 * commit installs them waits for that commit (the transaction's lock):
 * returning as soon as they were queued let threads that called
 * pthread_exit at once unwind through the unwrapped unwinder, which took a
 * leave thunk's frame for a return to pthread_exit's argument (SIGSEGV). */
static void before_forced_unwind(ospy_invocation *inv) {
  (void)inv;
  if (__atomic_load_n(&wrappers_live, __ATOMIC_ACQUIRE))
    return;
  if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL))
    return;
  ospy_interceptor_begin_transaction();
  ospy_interceptor_end_transaction(); /* its commit installs the unwinder's wrappers */
  if (__atomic_load_n(&raise_done, __ATOMIC_ACQUIRE))
    __atomic_store_n(&wrappers_live, true, __ATOMIC_RELEASE);
}

static void walk_support_install(void) {
  if (!walk_tried) {
    void *sym = unwinder_symbol("_Unwind_Backtrace");
    if (sym)
      replace_unwind_backtrace(sym);
  }
  if (!walk_trigger_done && !walk_tried && dlsym(RTLD_DEFAULT, "backtrace")) {
    walk_trigger_done = true;
    attach_internal("backtrace", before_backtrace);
  }
}

/* Each entry point found wrapped (an unwinder without _Unwind_Resume_or_Rethrow
 * keeps the others). */
static void unwind_entries_install(void) {
  static const struct {
    const char *name;
    void *wrapper;
    void **original;
  } entries[] = {
    { "_Unwind_RaiseException", (void *)raise_replacement, (void **)&raise_original },
    { "_Unwind_Resume_or_Rethrow", (void *)rethrow_replacement, (void **)&rethrow_original },
    { "_Unwind_ForcedUnwind", (void *)forced_replacement, (void **)&forced_original },
    { "_Unwind_Resume", (void *)resume_replacement, (void **)&resume_original },
  };
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
    void *sym = unwinder_symbol(entries[i].name);
    if (sym)
      (void)replace_unwinder(sym, entries[i].wrapper, entries[i].original);
  }
}

void ospy_unwind_support_install(void) {
  walk_support_install();
  if (!forced_trigger_done && !raise_done && dlsym(RTLD_DEFAULT, "pthread_exit")) {
    forced_trigger_done = true;
    attach_internal("pthread_exit", before_forced_unwind);
    attach_internal("pthread_cancel", before_forced_unwind);
  }
  if (!raise_done && unwinder_symbol("_Unwind_RaiseException")) {
    __atomic_store_n(&raise_done, true, __ATOMIC_RELEASE);
    unwind_entries_install();
  }
  if (!catch_done && unwinder_symbol("__cxa_begin_catch")) {
    catch_done = true;
    attach_internal("__cxa_begin_catch", rearm_live);
  }
}
