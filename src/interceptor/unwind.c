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
 * Stack walks the program makes (backtrace(3), _Unwind_Backtrace: a crash
 * reporter, a logger) meet the same return addresses: on i386 the walk
 * crashed, on x86-64 it stopped short. _Unwind_Backtrace is replaced by a
 * function that writes the real return addresses back for the walk (entries
 * marked WALKED), arms them again after it, and hides its own frame from the
 * program's callback. glibc's backtrace() loads libgcc_s (and so
 * _Unwind_Backtrace) at its first call, unseen: an internal listener on it
 * loads the library first and installs the replacement.
 *
 * These are attached with this interceptor itself, the first time a commit
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

/* Writes the real return address of every pending invocation not restored
 * yet back into its stack slot, marking it RESTORED and mark. */
static void restore_returns(ospy_thread_state *ts, uintptr_t sp, unsigned mark) {
  fix_trampoline_returns(ts, sp);
  unsigned n = __atomic_load_n(&n_call_returns, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < ts->depth; i++) {
    ospy_invocation_entry *e = &ts->stack[i];
    if (!(e->flags & OSPY_ENTRY_RESTORED)) {
      uintptr_t orig = original_return(e->ret, n);
      *(uintptr_t *)e->slot = orig ? orig : e->ret;
      e->flags |= OSPY_ENTRY_RESTORED | mark;
    }
  }
}

static void restore_real_returns(ospy_invocation *inv) {
  restore_returns(inv->ts, inv->entry_sp, 0);
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
      e->flags &= ~(OSPY_ENTRY_RESTORED | OSPY_ENTRY_WALKED);
    }
  }
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

static _Unwind_Reason_Code unwind_backtrace_replacement(trace_fn fn, void *arg) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  uintptr_t here = (uintptr_t)&ts;
  /* (inside our own callbacks the stack is the agent's business) */
  bool fix = ts && !(ts->busy | ts->ignored);
  if (fix)
    restore_returns(ts, here, OSPY_ENTRY_WALKED);
  trace_forward f = { fn, arg, false };
  _Unwind_Reason_Code r = unwind_backtrace_original(trace_callers, &f);
  if (fix)
    rearm_walked(ts);
  return r;
}

static bool walk_tried, walk_trigger_done;

/* Tried once: a replace refused (a user's hook of _Unwind_Backtrace itself)
 * leaves walks as they were. */
static void replace_unwind_backtrace(void *sym) {
  ospy_interceptor_error err;
  walk_tried = true;
  ospy_interceptor_set_nothrow_prologues(true);
  (void)ospy_interceptor_replace_locked(sym, (void *)unwind_backtrace_replacement,
                                        (void **)&unwind_backtrace_original, NULL, &err);
  ospy_interceptor_set_nothrow_prologues(false);
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

/* pthread_exit's and pthread_cancel's entry: glibc loads libgcc_s for the
 * forced unwind out of sight of the agent's dlopen hook, then unwinds
 * through the hooked frames (on i386 the thread crashed): loaded here first,
 * the unwinder's hooks installed. */
static void before_forced_unwind(ospy_invocation *inv) {
  (void)inv;
  if (__atomic_load_n(&raise_done, __ATOMIC_ACQUIRE))
    return;
  if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL))
    return;
  ospy_interceptor_begin_transaction();
  ospy_interceptor_end_transaction(); /* its commit installs the unwinder's hooks */
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

void ospy_unwind_support_install(void) {
  walk_support_install();
  if (!forced_trigger_done && !raise_done && dlsym(RTLD_DEFAULT, "pthread_exit")) {
    forced_trigger_done = true;
    attach_internal("pthread_exit", before_forced_unwind);
    attach_internal("pthread_cancel", before_forced_unwind);
  }
  if (!raise_done && unwinder_symbol("_Unwind_RaiseException")) {
    raise_done = true;
    attach_internal("_Unwind_RaiseException", restore_real_returns);
    attach_internal("_Unwind_Resume_or_Rethrow", restore_real_returns);
    attach_internal("_Unwind_ForcedUnwind", restore_real_returns);
  }
  if (!catch_done && unwinder_symbol("__cxa_begin_catch")) {
    catch_done = true;
    attach_internal("__cxa_begin_catch", rearm_live);
  }
}
