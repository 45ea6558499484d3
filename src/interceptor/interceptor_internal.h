/* Internal structures of the interceptor, shared by its C files and checked
 * against the assembly thunks' offsets. */
#ifndef OSPY_INTERCEPTOR_INTERNAL_H
#define OSPY_INTERCEPTOR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/x86/x86_relocator.h"
#include "interceptor/interceptor.h"

#define OSPY_HOOK_MAX_LISTENERS 8
#define OSPY_INVOCATION_MAX_DEPTH 256 /* pending calls with on_leave per thread */
#define OSPY_GRAVE_SIZE 32 /* calls given up the graveyard holds in the thread state */
#define OSPY_GRAVE_MAX (1u << 18) /* ...and at most, in pages of its own (graveyard.c) */
/* Per hook code cell: the enter stub, then the relocated prologue. */
#define OSPY_HOOK_CELL_SIZE 384
/* Cell layout: the enter stub (attach), the jump to a replacement (replace),
 * then the trampoline. Each part keeps its place for the life of the cell, so
 * a thread stopped inside one never resumes in rewritten bytes. */
#define OSPY_CELL_ENTER_STUB 0
#define OSPY_CELL_REPLACE_STUB 40
#define OSPY_CELL_TRAMPOLINE 56
/* Bytes of a function's code a hook keeps as its trampoline was built from. */
#define OSPY_HOOK_BUILT_FROM 32

typedef enum ospy_hook_kind {
  OSPY_HOOK_NONE = 0,
  OSPY_HOOK_ATTACH,
  OSPY_HOOK_REPLACE,
} ospy_hook_kind;

typedef struct ospy_hook ospy_hook;

struct ospy_listener {
  ospy_hook *hook;
  ospy_hook_fn on_enter, on_leave;
  void *user_data;
  ospy_call_conv cc;
  volatile bool active;
  bool internal;        /* the interceptor's own (unwind.c), user_data NULL */
};

/* A listener of the client's: the abandon and reentry handlers and the
 * `counts` filters hear of these only (the interceptor's own listeners have
 * no user_data for them: the agent's on_abandon read through NULL when a
 * call of pthread_exit, hooked by the user, was given up). */
static inline bool ospy_listener_of_client(const ospy_listener *l) { return l && !l->internal; }

struct ospy_hook {
  /* Read by the thunks' C side on every call: keep first. */
  uintptr_t trampoline;              /* relocated prologue + jump back */
  /* Where a call goes once the listeners' on_enter ran: the trampoline, or
   * the replacement when the function is also replaced (its listeners see
   * the call, the replacement runs it: unwind.c's wrappers of the unwinder) */
  volatile uintptr_t proceed;
  volatile bool has_leave;           /* some active listener has on_leave */
  volatile uint8_t listener_end;     /* listeners[] beyond this are empty: calls look no further */
  ospy_listener *volatile listeners[OSPY_HOOK_MAX_LISTENERS];

  uintptr_t function;                /* resolved function address */
  bool calls_nothrow;                /* its prologue's calls never throw (unwind.c) */
  bool skip_red_zone;                /* x86-64: maybe no function entry, the red zone live */
  uintptr_t patch_at;                /* function + skip (after endbr) */
  uint8_t patch_len;                 /* bytes of the jump written there */
  uint8_t moved_len;                 /* bytes of prologue moved */
  uint8_t original[16];              /* bytes at patch_at before patching */
  uint8_t jump[16];                  /* jump to the stub or replacement */
  int prot;                          /* protection of the target page */
  uintptr_t cell;                    /* OSPY_HOOK_CELL_SIZE bytes of code */
  uint8_t code[OSPY_HOOK_CELL_SIZE]; /* what the cell must hold */
  bool code_written;                 /* cell holds code[] */
  ospy_x86_reloc_map map;
  ospy_hook_kind kind;               /* wanted (after the transaction) */
  ospy_hook_kind installed_kind;     /* in place now */
  uintptr_t replacement;             /* 0 unless replaced (kind REPLACE, or ATTACH around it) */
  bool queued;
  ospy_hook *next_in_table;
  ospy_hook *next_queued;
  /* The code at function the trampoline was built from (its first
   * built_len bytes: the skipped endbr and the moved instructions). */
  uint8_t built_from[OSPY_HOOK_BUILT_FROM];
  uint8_t built_len;
};

/* One pending call of a hook that has on_leave. */
typedef struct ospy_invocation_entry {
  ospy_hook *hook;
  uintptr_t ret;        /* the real return address */
  uintptr_t slot;       /* stack address it was read from (= sp at entry) */
  uint16_t flags;
  uint16_t nentered;    /* entries of entered[] written at enter */
  /* Listeners active when the call entered: only they get on_leave (a listener
   * attached meanwhile never saw the enter and its scratch). */
  ospy_listener *entered[OSPY_HOOK_MAX_LISTENERS];
  uint8_t scratch[OSPY_INVOCATION_SCRATCH_SIZE];
} ospy_invocation_entry;

#define OSPY_ENTRY_RESTORED 1u /* real return address written back for an unwinder */
#define OSPY_ENTRY_ABANDONED 2u /* reported to the abandon handler: no on_leave */
#define OSPY_ENTRY_WALKED 4u /* restored for a stack walk (backtrace), armed again after it */

/* A call given up as dead whose frame may live on (graveyard.c). */
typedef struct ospy_grave {
  uintptr_t slot, ret;
} ospy_grave;

/* A thread state's busy word: 0, 1 (its owner is inside the interceptor or
 * a callback), or OSPY_BUSY_LENT: another thread reads its pending calls
 * (process_end.c), and the owner waits for it to give the state back before
 * it enters or leaves a hooked call (ospy_thread_state_wait_returned). */
#define OSPY_BUSY_LENT 2u
/* busy_sp's low bit: busy was set by on_leave (slots are word-aligned). */
#define OSPY_BUSY_AT_LEAVE ((uintptr_t)1)

typedef struct ospy_thread_state {
  volatile pid_t owner;  /* tid of the owning thread, 0 when free */
  /* The thread whose calls stack[] holds: the owner's, set by the owner
   * once it holds busy. While a new owner takes over the block of a thread
   * that ended (thread_state.c), still the ended thread's: its pending
   * calls are given up under its id, by whoever holds busy first. */
  pid_t tid;
  uint32_t busy;         /* inside the interceptor or a callback; OSPY_BUSY_LENT */
  uint32_t ignored;      /* ospy_interceptor_ignore_current_thread nesting */
  int *errno_ptr;
  unsigned depth;
  uint32_t forget;       /* ospy_interceptor_forget during this on_enter */
  /* Who set busy to 1, stored before it: on_enter (the hooked call's entry
   * sp) or on_leave (the returning call's slot, | OSPY_BUSY_AT_LEAVE), with
   * the call's hook; 0 when anything else did. A signal handler that leaves
   * that code by a jump (siglongjmp) leaves busy set: the thread's next
   * hooked call above that sp proves the code gone (jump_out.c). */
  uintptr_t busy_sp;
  ospy_hook *busy_hook;
  void *user[OSPY_THREAD_SLOTS]; /* kept across owners (ospy_interceptor_thread_slot) */
  /* Entries given up as dead (longjmp...) that may still return, oldest
   * first: should one return after all (its frame was alive on another
   * stack: a coroutine, a sigaltstack), its return address is found here
   * instead of aborting (graveyard.c). grave: NULL while grave_inline holds
   * them, else pages of grave_cap entries. */
  ospy_grave grave_inline[OSPY_GRAVE_SIZE];
  ospy_grave *grave;
  unsigned grave_len, grave_cap;
  ospy_invocation_entry stack[OSPY_INVOCATION_MAX_DEPTH];
  /* The readable stack above the last throw's sp, [stack_lo, stack_hi):
   * found with system calls once, then scanned with plain loads (unwind.c). */
  uintptr_t stack_lo, stack_hi;
} ospy_thread_state;

struct ospy_invocation {
  ospy_cpu_context *cpu;
  ospy_hook *hook;
  ospy_listener *listener;
  void *scratch;
  uintptr_t entry_sp;   /* sp at the function's first instruction */
  uintptr_t ret;
  unsigned depth;
  bool leave;
  ospy_thread_state *ts;
};

/* thread_state.c */
/* The calling thread's state: one fs-relative load on every hooked call. */
extern __thread ospy_thread_state *ospy_tls_state __attribute__((tls_model("initial-exec")))
    __attribute__((visibility("hidden")));
ospy_thread_state *ospy_thread_state_claim(void);     /* the first time; NULL if none left */
static inline ospy_thread_state *ospy_thread_state_get(void) { /* claims one if needed */
  ospy_thread_state *s = ospy_tls_state;
  return __builtin_expect(s != NULL, 1) ? s : ospy_thread_state_claim();
}
static inline ospy_thread_state *ospy_thread_state_peek(void) { return ospy_tls_state; } /* NULL if none */
void ospy_thread_state_after_fork(void);
/* Calls fn for the state of every other thread of the process that exists,
 * and, with_ended, for the blocks of threads that ended and that no thread
 * took over yet (the calls they left pending, if any, were never given up). */
void ospy_thread_states_foreach_other(void (*fn)(ospy_thread_state *s, void *data), void *data,
                                      bool with_ended);
/* Whether the thread whose calls ts holds has ended (ts borrowed or owned:
 * ts->tid is stable). */
bool ospy_thread_state_ended(const ospy_thread_state *ts);
/* The owner's side of OSPY_BUSY_LENT: sleeps while another thread holds ts;
 * whether it had to. */
bool ospy_thread_state_wait_returned(ospy_thread_state *ts);

/* invocation.c: entry k of ts will never reach on_leave (longjmp, exception,
 * abandon_outer): tells the abandon handler once (when report is set). */
void ospy_invocation_abandon(ospy_thread_state *ts, unsigned k, bool report);
/* The same for an entry about to be dropped from the stack as dead: it is
 * buried too (graveyard.c), in case its frame lives on. */
void ospy_invocation_give_up(ospy_thread_state *ts, unsigned k, bool report);

/* graveyard.c: keeps what a return needs of a call given up as dead (its
 * slot and real return address) for as long as it may still return. */
void ospy_grave_bury(ospy_thread_state *ts, uintptr_t slot, uintptr_t ret);
/* The real return address of the buried call returning from slot, which
 * leaves the graveyard; 0 when none. */
uintptr_t ospy_grave_exhume(ospy_thread_state *ts, uintptr_t slot);
/* Empties it, for a new owner of the thread state (the pages stay). */
void ospy_grave_clear(ospy_thread_state *ts);

/* signal_frames.c: whether a signal frame lies in [sp, end) of this thread's
 * stack (the code at sp runs in a handler that interrupted what is at end);
 * false while no restorer is known (ospy_interceptor_note_signal_return). */
bool ospy_signal_frame_between(uintptr_t sp, uintptr_t end);
/* Whether the code at sp runs in a signal handler on a signal stack the
 * kernel disarmed for it (SS_AUTODISARM: sigaltstack then reports none),
 * [*lo, *lo + *size): its signal frame, in the 64 KiB above sp, saved that
 * stack. False while no restorer is known. */
bool ospy_signal_stack_disarmed(uintptr_t sp, uintptr_t *lo, uintptr_t *size);

/* jump_out.c: whether busy, set by on_enter or on_leave, was left set by a
 * signal handler that jumped out of that code (siglongjmp): the hooked call
 * of hook at busy_sp (on_leave: its slot | OSPY_BUSY_AT_LEAVE) is above it on
 * the same stack, and no handler running now interrupted it. If so the
 * state is taken back for that call (busy stays set, as the call's own; the
 * client's jump handler told) and true is returned. The rare path of both. */
bool ospy_thread_state_left_by_jump(ospy_thread_state *ts, ospy_hook *hook, uintptr_t busy_sp);
/* process_end.c: entry k of ts shown to fn, once per listener of the
 * client's that saw its enter; show_pending: only when it was not given up. */
void ospy_invocation_show_pending(ospy_thread_state *ts, unsigned k, ospy_pending_fn fn, void *data);
void ospy_invocation_show_entry(ospy_thread_state *ts, unsigned k, ospy_pending_fn fn, void *data);

/* Assembly thunks. */
extern const uint8_t ospy_enter_thunk[] __attribute__((visibility("hidden")));
extern const uint8_t ospy_enter_thunk_end[] __attribute__((visibility("hidden")));
#if defined(__x86_64__)
extern const uint8_t ospy_enter_thunk_rz[] __attribute__((visibility("hidden")));
#endif
extern const uint8_t ospy_leave_thunk[] __attribute__((visibility("hidden")));
extern const uint8_t ospy_leave_thunk_end[] __attribute__((visibility("hidden")));
__attribute__((visibility("hidden"))) uintptr_t ospy_interceptor_on_enter(ospy_hook *hook,
                                                                         ospy_cpu_context *ctx);
__attribute__((visibility("hidden"))) uintptr_t ospy_interceptor_on_leave(ospy_cpu_context *ctx,
                                                                         uintptr_t *slot);

/* hook_code.c: builds a hook's code (no patching). */
ospy_interceptor_status ospy_hook_prepare(ospy_hook *hook, ospy_interceptor_error *err);
/* Fills hook->jump (and the replace stub) for hook->kind; false if it cannot be encoded. */
bool ospy_hook_build_jump(ospy_hook *hook);
/* Bytes of the function as they were before any hook of ours (for reads). */
bool ospy_hook_read_original(uint64_t addr, void *out, size_t n, void *data);

/* unwind.c */
void ospy_unwind_support_install(void);
/* A call relocated into a trampoline returns there (tramp_ret); an unwinder
 * must see the original return address (orig_ret) instead. */
void ospy_unwind_note_call_return(uintptr_t tramp_ret, uintptr_t orig_ret);

/* interceptor.c */
/* Adds a listener, queued in the open transaction (lock held). */
ospy_interceptor_status ospy_interceptor_attach_locked(void *function, ospy_call_conv cc,
                                                       ospy_hook_fn on_enter, ospy_hook_fn on_leave,
                                                       void *user_data, bool internal,
                                                       ospy_listener **out,
                                                       ospy_interceptor_error *err);
/* Replaces function, queued in the open transaction (lock held). */
ospy_interceptor_status ospy_interceptor_replace_locked(void *function, void *replacement,
                                                        void **original, ospy_hook **hook,
                                                        ospy_interceptor_error *err);
ospy_hook *ospy_hook_lookup(uintptr_t function);
/* Puts back the original bytes of installed hooks overlapping [addr, addr+n). */
void ospy_hooks_overlay_original(uintptr_t addr, uint8_t *buf, size_t n);

#if defined(__x86_64__)
#define OSPY_CTX_SP(c) ((c)->rsp)
#define OSPY_CTX_IP(c) ((c)->rip)
#else
#define OSPY_CTX_SP(c) ((c)->esp)
#define OSPY_CTX_IP(c) ((c)->eip)
#endif

#endif
