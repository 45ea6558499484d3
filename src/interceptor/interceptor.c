/*
 * The interceptor's public API: the hook table, listeners, transactions and
 * the commit that patches code while the other threads are suspended.
 *
 * Hook and listener records come from mmap'ed pools and are never unmapped:
 * a thread may still be between a stub and the C side holding a hook pointer,
 * or return through the leave thunk to a detached hook, long after detach.
 * A hook whose listeners are all gone stays in the table with its code cell,
 * and is reused when the same function is hooked again (so 1,000
 * attach/detach cycles cost one cell), unless the code there is no longer
 * what its trampoline was built from (another library loaded where the
 * function's was): then it leaves the table and the function gets a new one.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_decode.h"
#include "arch/x86/x86_relocator.h"
#include "interceptor/code_arena.h"
#include "interceptor/interceptor_internal.h"
#include "interceptor/module_refs.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_read.h"
#include "os/linux/os_syscall.h"
#include "os/linux/os_thread.h"

#if defined(__x86_64__)
#define NATIVE_MODE OSPY_X86_MODE_64
#else
#define NATIVE_MODE OSPY_X86_MODE_32
#endif

#define TABLE_SIZE 4096
#define POOL_CHUNK 64

static ospy_hook *table[TABLE_SIZE];
static ospy_hook *free_hooks;
static ospy_hook *queue_head;
static unsigned transaction_depth;
static ospy_interceptor_status transaction_status;

/* A recursive lock on raw futexes (pthread_mutex_lock may be hooked). */
static volatile uint32_t lock_word;
static volatile pid_t lock_owner;
static unsigned lock_count;

static void lock(void) {
  pid_t self = ospy_os_gettid();
  if (lock_owner == self) {
    lock_count++;
    return;
  }
  for (;;) {
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&lock_word, &expected, 1, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
      break;
    ospy_os_futex_wait(&lock_word, 1, -1);
  }
  lock_owner = self;
  lock_count = 1;
}

static void unlock(void) {
  if (--lock_count > 0)
    return;
  lock_owner = 0;
  __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
  ospy_os_futex_wake(&lock_word, 1);
}

static void ignore_self(void) {
  ospy_thread_state *ts = ospy_thread_state_get();
  if (ts)
    ts->ignored++;
}

static void unignore_self(void) {
  ospy_thread_state *ts = ospy_thread_state_peek();
  if (ts && ts->ignored)
    ts->ignored--;
}

void ospy_interceptor_hold(void) { lock(); }
void ospy_interceptor_release(void) { unlock(); }
void ospy_interceptor_ignore_current_thread(void) { ignore_self(); }
void ospy_interceptor_unignore_current_thread(void) { unignore_self(); }

static size_t bucket(uintptr_t fn) { return (fn >> 4 ^ fn >> 16) % TABLE_SIZE; }

ospy_hook *ospy_hook_lookup(uintptr_t function) {
  for (ospy_hook *h = table[bucket(function)]; h; h = h->next_in_table)
    if (h->function == function)
      return h;
  return NULL;
}

static bool code_is(uintptr_t addr, const uint8_t *want, size_t n, bool *readable);

/* A hook in use by no one (no listener, nothing installed) whose function's
 * code is no longer what its trampoline was built from: its library was
 * unloaded and another one loaded at the same place, its function at the
 * same address (plugins loaded in turn). Reused, its jump went in when the
 * bytes it covers were alike, and the trampoline ran the other library's
 * instructions (a wrong result, or worse). */
static bool built_from_other_code(const ospy_hook *h) {
  if (h->kind != OSPY_HOOK_NONE || h->installed_kind != OSPY_HOOK_NONE)
    return false;
  for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS; i++)
    if (h->listeners[i])
      return false;
  bool readable;
  return !code_is(h->function, h->built_from, h->built_len, &readable);
}

/* The hook of function, as the table holds it, unless it was built from
 * other code: that one is taken out of the table (never freed: a thread may
 * still be in its cell) and the function gets a hook of its own. */
static ospy_hook *hook_of(uintptr_t function) {
  ospy_hook *h = ospy_hook_lookup(function);
  if (!h || !built_from_other_code(h))
    return h;
  ospy_hook **link = &table[bucket(function)];
  while (*link != h)
    link = &(*link)->next_in_table;
  *link = h->next_in_table; /* (h's own link stays: a walk standing on h goes on) */
  return NULL;
}

/* Hooks whose jump is in the program's code: what overlay_original undoes.
 * None while the first transaction prepares its hooks (all of libc: the
 * walk over every hook for every read was a tenth of the start-up). */
static unsigned patched_hooks;

void ospy_hooks_overlay_original(uintptr_t addr, uint8_t *buf, size_t n) {
  if (!patched_hooks)
    return;
  for (size_t b = 0; b < TABLE_SIZE; b++) {
    for (ospy_hook *h = table[b]; h; h = h->next_in_table) {
      if (h->installed_kind == OSPY_HOOK_NONE || h->patch_at + h->patch_len <= addr ||
          h->patch_at >= addr + n)
        continue;
      for (size_t i = 0; i < h->patch_len; i++) {
        uintptr_t a = h->patch_at + i;
        if (a >= addr && a < addr + n)
          buf[a - addr] = h->original[i];
      }
    }
  }
}

static ospy_hook *hook_alloc(void) {
  if (!free_hooks) {
    ospy_hook *chunk = ospy_os_alloc(sizeof(ospy_hook) * POOL_CHUNK);
    if (!chunk)
      return NULL;
    for (unsigned i = 0; i < POOL_CHUNK; i++) {
      chunk[i].next_in_table = free_hooks;
      free_hooks = &chunk[i];
    }
  }
  ospy_hook *h = free_hooks;
  free_hooks = h->next_in_table;
  memset(h, 0, sizeof *h);
  return h;
}

static ospy_listener *listener_alloc(void) {
  static ospy_listener *pool;
  static unsigned pool_left;
  if (pool_left == 0) {
    pool = ospy_os_alloc(sizeof(ospy_listener) * POOL_CHUNK);
    if (!pool)
      return NULL;
    pool_left = POOL_CHUNK;
  }
  pool_left--;
  return pool++;
}

/* Through PLT stubs to the function they lead to. */
static uintptr_t stubs_of(uintptr_t fn) {
  return (uintptr_t)ospy_x86_resolve_stubs(fn, NATIVE_MODE, ospy_hook_read_original, NULL);
}

/* Whether a hook fits fn's own first bytes (planned, nothing written). */
static bool patchable(uintptr_t fn) {
  ospy_hook *h = hook_alloc();
  if (!h)
    return false;
  h->function = fn;
  bool ok = ospy_hook_prepare(h, NULL) == OSPY_INTERCEPTOR_OK;
  if (ok)
    ospy_code_arena_unalloc(h->cell);
  h->next_in_table = free_hooks;
  free_hooks = h;
  return ok;
}

/* Where a hook of fn goes: through PLT stubs to the function; a function
 * that is a direct jmp (a tail-call wrapper; operator new[], `jmp operator
 * new@plt`) at its own entry, its calls being its own (hooked at the jump's
 * target, it took every call of that function under its name), unless
 * that entry cannot hold the jump: then at the function it leads to. */
static uintptr_t resolve(uintptr_t fn) {
  if (hook_of(fn))
    return fn;
  uintptr_t entry = stubs_of(fn);
  if (hook_of(entry))
    return entry;
  uintptr_t target = (uintptr_t)ospy_x86_resolve_thunks(entry, NATIVE_MODE,
                                                        ospy_hook_read_original, NULL);
  return target == entry || patchable(entry) ? entry : target;
}

void *ospy_interceptor_resolve(void *function) {
  lock();
  uintptr_t r = resolve((uintptr_t)function);
  unlock();
  return (void *)r;
}

static ospy_interceptor_status set_error(ospy_interceptor_error *err, ospy_interceptor_status st,
                                         uintptr_t fn, const char *why) {
  if (err) {
    err->status = st;
    snprintf(err->why, sizeof err->why, "%#lx: %s", (unsigned long)fn, why);
  }
  return st;
}

/* Another hook whose moved bytes share an address with h's. */
static ospy_hook *overlapping(const ospy_hook *h) {
  uintptr_t a0 = h->function, a1 = h->patch_at + h->moved_len;
  for (size_t b = 0; b < TABLE_SIZE; b++)
    for (ospy_hook *o = table[b]; o; o = o->next_in_table)
      if (o != h && o->function < a1 && o->patch_at + o->moved_len > a0)
        return o;
  return NULL;
}

static bool nothrow_prologues;

void ospy_interceptor_set_nothrow_prologues(bool on) { nothrow_prologues = on; }

static bool maybe_no_entry;

void ospy_interceptor_set_maybe_no_entry(bool on) { maybe_no_entry = on; }

/* "0x...: reason" without its address. */
static const char *reason_of(const char *why) {
  const char *p = strstr(why, ": ");
  return p ? p + 2 : why;
}

/*
 * fn jumps to real (a jump thunk, or a function whose first instruction is a
 * jmp) and real cannot be patched (too short, a branch back...): h gets fn's
 * own first bytes instead, the jmp relocated into the trampoline, which sees
 * every call made through fn. When they cannot be patched either, err says
 * why for both and the status is real's.
 */
static ospy_interceptor_status prepare_entry_instead(ospy_hook *h, uintptr_t fn, uintptr_t real,
                                                     ospy_interceptor_status real_st,
                                                     ospy_interceptor_error *err) {
  static ospy_interceptor_error real_err, entry_err; /* under the lock */
  real_err = err ? *err : (ospy_interceptor_error){ 0 };
  h->function = fn;
  if (ospy_hook_prepare(h, &entry_err) == OSPY_INTERCEPTOR_OK)
    return OSPY_INTERCEPTOR_OK;
  h->function = real;
  if (err) {
    err->status = real_st;
    /* (a long pair of reasons loses the end of the second) */
    if (snprintf(err->why, sizeof err->why,
                 "%#lx: jumps to %s; its own first bytes cannot be patched either: %s",
                 (unsigned long)fn, real_err.why, reason_of(entry_err.why)) < 0)
      err->why[0] = '\0';
  }
  return real_st;
}

static bool is_refusal(ospy_interceptor_status st) {
  return st == OSPY_INTERCEPTOR_TOO_SHORT || st == OSPY_INTERCEPTOR_BRANCH_BACK ||
         st == OSPY_INTERCEPTOR_UNSUPPORTED;
}

static ospy_hook *find_or_create(uintptr_t fn, ospy_interceptor_error *err,
                                 ospy_interceptor_status *st) {
  uintptr_t real = resolve(fn);
  ospy_hook *h = hook_of(real);
  if (h)
    return h;
  h = hook_alloc();
  if (!h) {
    *st = set_error(err, OSPY_INTERCEPTOR_NO_MEMORY, fn, "no memory for a hook");
    return NULL;
  }
  h->function = real;
  h->calls_nothrow = nothrow_prologues;
  h->skip_red_zone = maybe_no_entry;
  *st = ospy_hook_prepare(h, err);
  uintptr_t entry = stubs_of(fn);
  if (real != fn && is_refusal(*st)) /* (said with both reasons) */
    *st = prepare_entry_instead(h, entry != real ? entry : fn, real, *st, err);
  ospy_hook *other = *st == OSPY_INTERCEPTOR_OK ? overlapping(h) : NULL;
  if (other) {
    char why[96];
    snprintf(why, sizeof why, "its prologue overlaps the hook at %#lx", (unsigned long)other->function);
    *st = set_error(err, OSPY_INTERCEPTOR_ALREADY, fn, why);
  }
  if (*st != OSPY_INTERCEPTOR_OK) {
    h->next_in_table = free_hooks;
    free_hooks = h;
    return NULL;
  }
  h->next_in_table = table[bucket(h->function)];
  table[bucket(h->function)] = h;
  return h;
}

static void enqueue(ospy_hook *h) {
  if (h->queued)
    return;
  h->queued = true;
  h->next_queued = queue_head;
  queue_head = h;
}

/* After any change of h's listeners. */
static void update_has_leave(ospy_hook *h) {
  bool any = false;
  unsigned end = 0;
  for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS; i++) {
    if (h->listeners[i] && h->listeners[i]->active && h->listeners[i]->on_leave)
      any = true;
    if (h->listeners[i])
      end = i + 1;
  }
  h->has_leave = any;
  h->listener_end = (uint8_t)end;
}

/* Calls go to the function's own code again after the listeners' enter. */
static void forget_replacement(ospy_hook *h) {
  h->replacement = 0;
  __atomic_store_n(&h->proceed, h->trampoline, __ATOMIC_RELEASE);
}

static bool has_listeners(const ospy_hook *h) {
  for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS; i++)
    if (h->listeners[i])
      return true;
  return false;
}

/* Moves stopped threads whose pc is inside the bytes being replaced to the
 * same instruction in the trampoline. */
static void move_threads(const ospy_hook *h, ospy_os_suspension *s) {
  for (unsigned t = 0; t < s->n; t++) {
    ospy_os_thread_stop *th = &s->threads[t];
    if (th->state != OSPY_OS_THREAD_STOPPED || th->pc <= h->patch_at ||
        th->pc >= h->patch_at + h->moved_len)
      continue;
    for (unsigned i = 0; i < h->map.n; i++)
      if (h->function + h->map.from[i] == th->pc)
        th->new_pc = h->trampoline + h->map.to[i];
  }
}

static bool bytes_equal(const uint8_t *a, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

/* Whether an instruction of the function starts inside the bytes the jump
 * replaces (a thread could stand between two of them). */
static bool boundary_inside_patch(const ospy_hook *h) {
  for (unsigned i = 0; i < h->map.n; i++) {
    uintptr_t a = h->function + h->map.from[i];
    if (a > h->patch_at && a < h->patch_at + h->patch_len)
      return true;
  }
  return false;
}

/* Bytes of the system call instructions: x86-64 `syscall` (0f 05), i386
 * `int $0x80` (cd 80) and `sysenter` (0f 34). */
#define SYSCALL_INSN_LEN 2

/* Whether a thread asleep in a system call, pc being where the call returns
 * (/proc/self/task/TID/syscall), would run into the bytes h's jump covers:
 *  - pc strictly inside them (patch_at < pc < patch_at + patch_len): it
 *    would resume in the middle of the jump;
 *  - or the system call instruction itself in them (pc - 2 in [patch_at,
 *    patch_at + patch_len)): a call the kernel restarts (a ptrace stop, a
 *    SA_RESTART handler, SIGSTOP/SIGCONT; poll and nanosleep through
 *    restart_syscall) goes back 2 bytes and re-executes what is there.
 * Anything else runs intact code: the jump writes patch_len bytes only; the
 * rest of the moved instructions (up to moved_len) stay in place, so a pc
 * at or after patch_at + patch_len (beyond the restart reach) resumes in the
 * original instructions, which do what the trampoline's copies do. Such a
 * thread is not signalled: the signal would end its poll, select,
 * epoll_wait or nanosleep with EINTR (the kernel never restarts them after
 * a handler: `nc -l` asleep in poll, whose `syscall` is at +14 and returns
 * to +16, past the 5-byte jump, died of "polling error" when it was
 * signalled under an earlier, wider rule: span + 16 bytes).
 * i386: the C library makes its system calls through the vDSO
 * (`call *%gs:0x10` into __kernel_vsyscall), so pc is in the vDSO, which is
 * not patched unless one of its functions is hooked (then this rule holds
 * there as anywhere); the return address into the C library is on the
 * stack, after that 7-byte call: for it to lie strictly inside a 5-byte
 * jump the call would start before patch_at, outside the function. A
 * return address inside the patched bytes of any call made from them (not
 * only a system call) is not looked for; see docs/reliability.md.
 * Removing a hook: a thread asleep in a system call copied into the
 * trampoline returns there and jumps back to the function's code after the
 * moved bytes, which the removal leaves as they are; the trampoline is
 * never freed (hooks are kept for reuse). No thread can sleep inside the
 * jump itself. */
static bool returns_into_patch(const ospy_hook *h, uintptr_t pc) {
  bool inside = pc > h->patch_at && pc < h->patch_at + h->patch_len;
  bool restarts_inside = pc >= h->patch_at + SYSCALL_INSN_LEN &&
                         pc - SYSCALL_INSN_LEN < h->patch_at + h->patch_len;
  return inside || restarts_inside;
}

/* Whether a thread that could not be stopped may stand inside the bytes h
 * rewrites: one that blocks the stop signal and runs code we cannot see
 * (unknown pc), or sleeps in a system call that returns or restarts there
 * (returns_into_patch). Installing then could cut it between two
 * instructions: a crash. */
static bool unstopped_thread_inside(const ospy_hook *h, const ospy_os_suspension *s) {
  for (unsigned t = 0; t < s->n; t++) {
    const ospy_os_thread_stop *th = &s->threads[t];
    if (th->state != OSPY_OS_THREAD_RUNNING)
      continue;
    if (th->pc ? returns_into_patch(h, th->pc) : boundary_inside_patch(h))
      return true;
  }
  return false;
}

/* Whether the n bytes of code at addr are want. A safe read: the code may
 * be gone, its library unloaded by another thread (dlclose) since the hook
 * was prepared, or since it was installed. */
static bool code_is(uintptr_t addr, const uint8_t *want, size_t n, bool *readable) {
  uint8_t now[OSPY_HOOK_BUILT_FROM];
  *readable = n <= sizeof now && ospy_os_read_memory(addr, now, n) == n;
  return *readable && bytes_equal(now, want, n);
}

/* Runs with every other thread stopped: no libc, no allocation. The
 * target's bytes are read safely: code that is gone (unmapped by a
 * dlclose) fails an install with OSPY_INTERCEPTOR_NOT_READABLE and is
 * never written to; a hook in it is uninstalled without a write. */
static ospy_interceptor_status apply_one(ospy_hook *h, ospy_os_suspension *s) {
  bool readable;
  if (h->kind != OSPY_HOOK_NONE) {
    if (!h->code_written) {
      if (ospy_os_patch_code((void *)h->cell, h->code, OSPY_HOOK_CELL_SIZE, 1 | 4) != 0)
        return OSPY_INTERCEPTOR_PATCH_FAILED;
      h->code_written = true;
    }
    /* someone else rewrote the prologue since we read it, or it is gone */
    if (h->installed_kind == OSPY_HOOK_NONE &&
        !code_is(h->patch_at, h->original, h->patch_len, &readable))
      return readable ? OSPY_INTERCEPTOR_PATCH_FAILED : OSPY_INTERCEPTOR_NOT_READABLE;
    if (ospy_os_patch_code((void *)h->patch_at, h->jump, h->patch_len, h->prot) != 0)
      return OSPY_INTERCEPTOR_PATCH_FAILED;
    if (h->installed_kind == OSPY_HOOK_NONE) {
      move_threads(h, s);
      patched_hooks++;
    }
    h->installed_kind = h->kind;
  } else if (h->installed_kind != OSPY_HOOK_NONE) {
    /* the program may have rewritten the function since (a hot patch of its
     * own), or unloaded it: the original bytes go back only over our jump,
     * never over its code or into memory that may now hold another
     * library's; the hook is gone either way (nothing jumps to it any more) */
    if (code_is(h->patch_at, h->jump, h->patch_len, &readable) &&
        ospy_os_patch_code((void *)h->patch_at, h->original, h->patch_len, h->prot) != 0)
      return OSPY_INTERCEPTOR_PATCH_FAILED;
    h->installed_kind = OSPY_HOOK_NONE;
    patched_hooks--;
  }
  return OSPY_INTERCEPTOR_OK;
}

/* A thread asleep in a system call that returns to pc must be stopped (and
 * moved) when it would run into bytes a queued hook rewrites. */
static bool pc_in_patched_bytes(uintptr_t pc, void *data) {
  (void)data;
  for (ospy_hook *h = queue_head; h; h = h->next_queued)
    if (returns_into_patch(h, pc))
      return true;
  return false;
}

/* A hook that could not be installed keeps what was installed before. If
 * that is nothing, the listeners attached to it in this transaction (their
 * attach returned OK) are made inert: they must not wake up when a later
 * attach installs the function (their owners detach them). The first
 * failure's status is the one reported. */
static void settle_failed(ospy_hook *h, ospy_interceptor_status why,
                          ospy_interceptor_status *st) {
  h->kind = h->installed_kind;
  if (h->installed_kind == OSPY_HOOK_NONE) {
    forget_replacement(h);
    for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS; i++)
      if (h->listeners[i])
        h->listeners[i]->active = false;
    update_has_leave(h);
  }
  if (*st == OSPY_INTERCEPTOR_OK)
    *st = why;
}

static bool fail_next_install;

void ospy_interceptor_fail_next_install_for_test(void) { fail_next_install = true; }

static ospy_interceptor_status commit(void) {
  ospy_unwind_support_install();
  ospy_interceptor_status st = OSPY_INTERCEPTOR_OK;
  bool work = false;
  for (ospy_hook *h = queue_head; h; h = h->next_queued) {
    if (h->kind != OSPY_HOOK_NONE && !ospy_hook_build_jump(h))
      settle_failed(h, OSPY_INTERCEPTOR_UNSUPPORTED, &st);
    work |= h->kind != h->installed_kind || (h->kind != OSPY_HOOK_NONE && !h->code_written);
  }
  if (work) {
    static ospy_os_suspension s;
    bool suspended = !fail_next_install && ospy_os_suspend_others(&s, pc_in_patched_bytes, NULL) == 0;
    fail_next_install = false;
    for (ospy_hook *h = queue_head; h; h = h->next_queued) {
      bool installing = h->kind != OSPY_HOOK_NONE && h->installed_kind == OSPY_HOOK_NONE;
      ospy_interceptor_status why = OSPY_INTERCEPTOR_PATCH_FAILED;
      if (suspended && installing && unstopped_thread_inside(h, &s))
        settle_failed(h, OSPY_INTERCEPTOR_THREAD_UNSTOPPED, &st);
      else if (!suspended || (why = apply_one(h, &s)) != OSPY_INTERCEPTOR_OK)
        if (h->kind != h->installed_kind || (h->kind != OSPY_HOOK_NONE && !h->code_written))
          settle_failed(h, why, &st);
    }
    if (suspended) {
      ospy_os_flush_code();
      ospy_os_resume_others(&s);
    }
  }
  for (ospy_hook *h = queue_head, *next; h; h = next) {
    next = h->next_queued;
    h->queued = false;
    h->next_queued = NULL;
  }
  queue_head = NULL;
  return st;
}

static void install_fork_handler(void) {
  static bool done;
  if (!done) {
    done = true;
    pthread_atfork(NULL, NULL, ospy_thread_state_after_fork);
  }
}

static ospy_interceptor_status begin_op(void) {
  lock();
  ignore_self();
  install_fork_handler();
  transaction_depth++;
  return OSPY_INTERCEPTOR_OK;
}

static ospy_interceptor_status end_op(ospy_interceptor_status st) {
  if (--transaction_depth == 0) {
    ospy_interceptor_status c = commit();
    ospy_module_refs_forget(); /* the batch's module scans (hook_code.c) */
    if (st == OSPY_INTERCEPTOR_OK)
      st = c;
    if (transaction_status == OSPY_INTERCEPTOR_OK)
      transaction_status = c;
  }
  unignore_self();
  unlock();
  return st;
}

void ospy_interceptor_begin_transaction(void) {
  begin_op();
  if (transaction_depth == 1)
    transaction_status = OSPY_INTERCEPTOR_OK;
}

ospy_interceptor_status ospy_interceptor_end_transaction(void) {
  bool outer = transaction_depth == 1;
  ospy_interceptor_status st = end_op(OSPY_INTERCEPTOR_OK);
  return outer ? transaction_status : st;
}

ospy_interceptor_status ospy_interceptor_attach_locked(void *function, ospy_call_conv cc,
                                                       ospy_hook_fn on_enter, ospy_hook_fn on_leave,
                                                       void *user_data, bool internal,
                                                       ospy_listener **out,
                                                       ospy_interceptor_error *err) {
  ospy_interceptor_status st = OSPY_INTERCEPTOR_OK;
  uintptr_t fn = (uintptr_t)function;
  if (!function)
    return set_error(err, OSPY_INTERCEPTOR_BAD_ARGUMENT, fn, "null function");
  ospy_hook *h = find_or_create(fn, err, &st);
  if (!h)
    return st;
  unsigned slot = OSPY_HOOK_MAX_LISTENERS;
  for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS && slot == OSPY_HOOK_MAX_LISTENERS; i++)
    if (!h->listeners[i])
      slot = i;
  if (slot == OSPY_HOOK_MAX_LISTENERS)
    return set_error(err, OSPY_INTERCEPTOR_ALREADY, fn, "too many listeners on this function");
  ospy_listener *l = listener_alloc();
  if (!l)
    return set_error(err, OSPY_INTERCEPTOR_NO_MEMORY, fn, "no memory for a listener");
  l->hook = h;
  l->on_enter = on_enter;
  l->on_leave = on_leave;
  l->user_data = user_data;
  l->cc = cc;
  l->internal = internal;
  l->active = true;
  h->listeners[slot] = l;
  update_has_leave(h);
  h->kind = OSPY_HOOK_ATTACH; /* (a replacement stays: it runs after the listeners' enter) */
  enqueue(h);
  if (out)
    *out = l;
  return OSPY_INTERCEPTOR_OK;
}

ospy_interceptor_status ospy_interceptor_attach_cc(void *function, ospy_call_conv cc,
                                                   ospy_hook_fn on_enter, ospy_hook_fn on_leave,
                                                   void *user_data, ospy_listener **out,
                                                   ospy_interceptor_error *err) {
  ospy_listener *l = NULL;
  begin_op();
  ospy_interceptor_status st =
      ospy_interceptor_attach_locked(function, cc, on_enter, on_leave, user_data, false, &l, err);
  bool outer = transaction_depth == 1;
  st = end_op(st);
  if (st == OSPY_INTERCEPTOR_OK && outer && l && l->hook->installed_kind != OSPY_HOOK_ATTACH)
    st = set_error(err, OSPY_INTERCEPTOR_PATCH_FAILED, (uintptr_t)function, "patching failed");
  if (st != OSPY_INTERCEPTOR_OK && l && outer && l->hook->installed_kind != OSPY_HOOK_ATTACH) {
    ospy_interceptor_detach(l);
    l = NULL;
  }
  if (out)
    *out = st == OSPY_INTERCEPTOR_OK ? l : NULL;
  return st;
}

ospy_interceptor_status ospy_interceptor_attach(void *function, ospy_hook_fn on_enter,
                                                ospy_hook_fn on_leave, void *user_data,
                                                ospy_listener **out,
                                                ospy_interceptor_error *err) {
  return ospy_interceptor_attach_cc(function, OSPY_CC_DEFAULT, on_enter, on_leave, user_data, out,
                                    err);
}

ospy_interceptor_status ospy_interceptor_detach(ospy_listener *l) {
  if (!l)
    return OSPY_INTERCEPTOR_BAD_ARGUMENT;
  begin_op();
  ospy_interceptor_status st = OSPY_INTERCEPTOR_NOT_FOUND;
  ospy_hook *h = l->hook;
  for (unsigned i = 0; i < OSPY_HOOK_MAX_LISTENERS; i++) {
    if (h->listeners[i] == l) {
      l->active = false;
      h->listeners[i] = NULL;
      st = OSPY_INTERCEPTOR_OK;
    }
  }
  if (st == OSPY_INTERCEPTOR_OK) {
    update_has_leave(h);
    if (!has_listeners(h) && h->kind == OSPY_HOOK_ATTACH) {
      h->kind = h->replacement ? OSPY_HOOK_REPLACE : OSPY_HOOK_NONE;
      enqueue(h);
    }
  }
  return end_op(st);
}

bool ospy_interceptor_listener_installed(const ospy_listener *l) {
  return l && l->active && l->hook->installed_kind == OSPY_HOOK_ATTACH;
}

bool ospy_interceptor_listener_in_place(const ospy_listener *l) {
  lock();
  bool readable, in_place = ospy_interceptor_listener_installed(l) &&
                            code_is(l->hook->patch_at, l->hook->jump, l->hook->patch_len, &readable);
  unlock();
  return in_place;
}

/* The replace, queued in the current operation; *hook is set when queued. */
ospy_interceptor_status ospy_interceptor_replace_locked(void *function, void *replacement,
                                                        void **original, ospy_hook **hook,
                                                        ospy_interceptor_error *err) {
  ospy_interceptor_status st = OSPY_INTERCEPTOR_OK;
  ospy_hook *h = find_or_create((uintptr_t)function, err, &st);
  if (!h)
    return st;
  if (h->replacement)
    return set_error(err, OSPY_INTERCEPTOR_ALREADY, (uintptr_t)function, "already replaced");
  if (original) /* before the patch (or proceed) can send calls to the replacement */
    *original = (void *)h->trampoline;
  h->replacement = (uintptr_t)replacement;
  /* attached too: the listeners see each call, then the replacement runs it */
  __atomic_store_n(&h->proceed, h->replacement, __ATOMIC_RELEASE);
  if (h->kind != OSPY_HOOK_ATTACH)
    h->kind = OSPY_HOOK_REPLACE;
  enqueue(h);
  if (hook)
    *hook = h;
  return OSPY_INTERCEPTOR_OK;
}

ospy_interceptor_status ospy_interceptor_replace(void *function, void *replacement,
                                                 void **original,
                                                 ospy_interceptor_error *err) {
  if (!function || !replacement)
    return set_error(err, OSPY_INTERCEPTOR_BAD_ARGUMENT, (uintptr_t)function, "null argument");
  begin_op();
  ospy_hook *h = NULL;
  ospy_interceptor_status st = ospy_interceptor_replace_locked(function, replacement, original, &h, err);
  bool outer = transaction_depth == 1;
  st = end_op(st);
  /* (installed as REPLACE, or as ATTACH when listeners came first) */
  if (st == OSPY_INTERCEPTOR_OK && h && outer && h->installed_kind == OSPY_HOOK_NONE)
    st = set_error(err, OSPY_INTERCEPTOR_PATCH_FAILED, (uintptr_t)function, "patching failed");
  return st;
}

ospy_interceptor_status ospy_interceptor_revert(void *function) {
  begin_op();
  ospy_hook *h = ospy_hook_lookup(resolve((uintptr_t)function));
  ospy_interceptor_status st = OSPY_INTERCEPTOR_NOT_FOUND;
  if (h && h->replacement) {
    forget_replacement(h);
    if (h->kind == OSPY_HOOK_REPLACE)
      h->kind = OSPY_HOOK_NONE;
    enqueue(h);
    st = OSPY_INTERCEPTOR_OK;
  }
  return end_op(st);
}

/* The original address of a pc inside h's cell: the stubs stand for the
 * patched entry; the trampoline's instruction i for moved instruction i; its
 * jump back (and the padding after it) for the first byte not moved. */
static uintptr_t original_in_cell(const ospy_hook *h, uintptr_t pc) {
  if (pc < h->trampoline)
    return h->patch_at;
  uintptr_t off = pc - h->trampoline;
  if (off >= h->map.end)
    return h->patch_at + h->moved_len;
  for (unsigned i = h->map.n; i-- > 0;)
    if (off >= h->map.to[i])
      return h->function + h->map.from[i];
  return h->patch_at;
}

/* No lock: called from a fatal signal's handler, maybe on a thread that holds
 * it. Hooks are linked into the table only once complete and never freed. */
uintptr_t ospy_interceptor_original_address(uintptr_t pc, uintptr_t *function, bool *moved) {
  for (size_t b = 0; b < TABLE_SIZE; b++)
    for (const ospy_hook *h = table[b]; h; h = h->next_in_table)
      if (h->cell && pc >= h->cell && pc - h->cell < OSPY_HOOK_CELL_SIZE) {
        if (function)
          *function = h->function;
        if (moved)
          *moved = pc >= h->trampoline;
        return original_in_cell(h, pc);
      }
  return 0;
}

uintptr_t ospy_interceptor_patch_near(uintptr_t pc, uintptr_t *at, bool *inside) {
  for (size_t b = 0; b < TABLE_SIZE; b++)
    for (const ospy_hook *h = table[b]; h; h = h->next_in_table) {
      if (h->installed_kind == OSPY_HOOK_NONE)
        continue;
      bool in = pc >= h->patch_at && pc - h->patch_at < h->patch_len;
      if (in || (pc < h->patch_at && h->patch_at - pc < OSPY_X86_MAX_INSN_BYTES)) {
        *at = h->patch_at;
        *inside = in;
        return h->function;
      }
    }
  return 0;
}

const char *ospy_interceptor_status_name(ospy_interceptor_status status) {
  switch (status) {
  case OSPY_INTERCEPTOR_OK: return "ok";
  case OSPY_INTERCEPTOR_TOO_SHORT: return "too short";
  case OSPY_INTERCEPTOR_BRANCH_BACK: return "branch back into the prologue";
  case OSPY_INTERCEPTOR_UNSUPPORTED: return "unsupported prologue";
  case OSPY_INTERCEPTOR_NOT_READABLE: return "not readable code";
  case OSPY_INTERCEPTOR_ALREADY: return "already hooked incompatibly";
  case OSPY_INTERCEPTOR_NOT_FOUND: return "not hooked";
  case OSPY_INTERCEPTOR_NO_MEMORY: return "out of memory";
  case OSPY_INTERCEPTOR_PATCH_FAILED: return "patching failed";
  case OSPY_INTERCEPTOR_BAD_ARGUMENT: return "bad argument";
  case OSPY_INTERCEPTOR_THREAD_UNSTOPPED:
    return "a thread that blocks the signal ospy stops threads with (SIGRTMAX-3) was running, "
           "and the jump would cover more than the function's first instruction: that thread "
           "could be between two of them, and crash";
  }
  return "unknown";
}
