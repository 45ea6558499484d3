/*
 * Inline function hooks for the current process (x86-64 and i386 Linux).
 *
 * attach() redirects a function's first bytes to a per-hook stub that enters a
 * static assembly thunk: it saves every register and the flags (and xmm0-7 on
 * x86-64) into an ospy_cpu_context, calls the listeners' on_enter, and, when a
 * listener has on_leave, replaces the return address on the stack by the leave
 * thunk (the real one is kept on a per-thread invocation stack). replace()
 * sends calls to a replacement function instead, which can call the original
 * through the trampoline returned in *original.
 *
 * All calls are process-wide and thread-safe. Changes made between
 * ospy_interceptor_begin_transaction() and ospy_interceptor_end_transaction()
 * are installed together, in one round of thread suspension; outside a
 * transaction each call is its own transaction.
 *
 * Callbacks run with interception turned off for their thread: hooked
 * functions they call go straight to the original. errno is saved and
 * restored around them. Threads marked with
 * ospy_interceptor_ignore_current_thread() are never intercepted (attach
 * listeners only; a replacement applies to every thread).
 */
#ifndef OSPY_INTERCEPTOR_INTERCEPTOR_H
#define OSPY_INTERCEPTOR_INTERCEPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu_context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ospy_call_conv {
  OSPY_CC_DEFAULT = 0, /* SysV on x86-64, cdecl on i386 */
  OSPY_CC_SYSV,        /* x86-64: rdi rsi rdx rcx r8 r9, then the stack */
  OSPY_CC_CDECL,       /* i386: all on the stack, caller pops */
  OSPY_CC_STDCALL,     /* i386: all on the stack, callee pops */
  OSPY_CC_FASTCALL,    /* i386: ecx, edx, then the stack */
  OSPY_CC_THISCALL,    /* i386: this in ecx, the rest on the stack */
  OSPY_CC_REGPARM1,    /* i386 GCC regparm(1): eax, then the stack */
  OSPY_CC_REGPARM2,    /* i386 GCC regparm(2): eax, edx, then the stack */
  OSPY_CC_REGPARM3,    /* i386 GCC regparm(3): eax, edx, ecx, then the stack */
} ospy_call_conv;

typedef enum ospy_interceptor_status {
  OSPY_INTERCEPTOR_OK = 0,
  OSPY_INTERCEPTOR_TOO_SHORT,      /* not enough movable bytes before the function ends */
  OSPY_INTERCEPTOR_BRANCH_BACK,    /* the body jumps back into the bytes to overwrite */
  OSPY_INTERCEPTOR_UNSUPPORTED,    /* undecodable or unmovable prologue */
  OSPY_INTERCEPTOR_NOT_READABLE,   /* address not mapped / not readable code */
  OSPY_INTERCEPTOR_ALREADY,        /* hooked in an incompatible way (replace vs attach, twice replaced) */
  OSPY_INTERCEPTOR_NOT_FOUND,      /* detach/revert of something not installed */
  OSPY_INTERCEPTOR_NO_MEMORY,      /* no memory for trampolines / listeners */
  OSPY_INTERCEPTOR_PATCH_FAILED,   /* mprotect or thread suspension failed */
  OSPY_INTERCEPTOR_BAD_ARGUMENT,
  OSPY_INTERCEPTOR_THREAD_UNSTOPPED, /* a thread that could not be stopped may be inside the bytes */
} ospy_interceptor_status;

typedef struct ospy_interceptor_error {
  ospy_interceptor_status status;
  char why[320]; /* human-readable, names the address */
} ospy_interceptor_error;

#define OSPY_INVOCATION_SCRATCH_SIZE 64

typedef struct ospy_invocation ospy_invocation;
typedef struct ospy_listener ospy_listener;
typedef void (*ospy_hook_fn)(ospy_invocation *inv);

/*
 * Calls on_enter before and on_leave after every call of function (either may
 * be NULL). Several listeners may share a function: their on_enter run in the
 * order they were attached, their on_leave in the reverse. *out receives the
 * listener handle for detach. On failure nothing is changed, the code is
 * untouched and err (if not NULL) says why.
 *
 * on_leave works by replacing the call's return address with the leave
 * thunk. A function that returns twice or resumes on a saved context
 * (setjmp, _setjmp, sigsetjmp, __sigsetjmp, savectx, getcontext, vfork;
 * setcontext, swapcontext, makecontext) must be attached with on_enter only:
 * the saved context holds the leave thunk, and the second return through it
 * finds no pending call (the process is aborted with a message); a vfork
 * child's return would consume the parent's entry. tests/interceptor
 * (libc_exports.c) hooks these enter-only. The unwinder's entry points
 * (_Unwind_RaiseException, _Unwind_Resume, _Unwind_Backtrace...), which walk
 * from their own frame, may have on_leave: unwind.c runs them from wrappers.
 */
ospy_interceptor_status ospy_interceptor_attach(void *function, ospy_hook_fn on_enter,
                                                ospy_hook_fn on_leave, void *user_data,
                                                ospy_listener **out,
                                                ospy_interceptor_error *err);
/* Same, with the calling convention used by the argument accessors. */
ospy_interceptor_status ospy_interceptor_attach_cc(void *function, ospy_call_conv cc,
                                                   ospy_hook_fn on_enter, ospy_hook_fn on_leave,
                                                   void *user_data, ospy_listener **out,
                                                   ospy_interceptor_error *err);
/* Removes a listener. Calls already inside the function still return through
 * the leave thunk (their on_leave is skipped); hook memory is never unmapped
 * while a call may be pending (it is cached and reused for the same address). */
ospy_interceptor_status ospy_interceptor_detach(ospy_listener *listener);
/* Whether the function of listener is hooked for it now. After an
 * end_transaction that did not return OK, a listener of a hook it could not
 * install is inert for good: detach it (and attach again to retry). */
bool ospy_interceptor_listener_installed(const ospy_listener *listener);
/* Installed, and its jump still in the function's code (read safely): false
 * once the code is gone, its library unloaded (or unloaded and loaded again,
 * without the jump). Detaching such a listener writes nothing there. */
bool ospy_interceptor_listener_in_place(const ospy_listener *listener);
/* Tests only: the next commit that patches code fails as if the other
 * threads could not be stopped (PATCH_FAILED). */
void ospy_interceptor_fail_next_install_for_test(void);

/* Calls replacement instead of function; *original calls the original code.
 * A function both attached and replaced (in either order) has its listeners
 * see each call as usual, and the replacement run it in place of the original
 * code: the leave thunk, if armed, is the replacement's return address. A
 * second replace is refused; revert takes the replacement away and leaves
 * the listeners. */
ospy_interceptor_status ospy_interceptor_replace(void *function, void *replacement,
                                                 void **original,
                                                 ospy_interceptor_error *err);
ospy_interceptor_status ospy_interceptor_revert(void *function);

void ospy_interceptor_begin_transaction(void);
/* Installs / removes everything queued since begin (transactions nest: the
 * outermost end does it). Returns OK when all of it was installed or removed,
 * else the status of the first failed installation (PATCH_FAILED,
 * NOT_READABLE when the function's code is gone, unmapped since, ...:
 * nothing of that hook is installed, the others are; the listeners attached
 * to it in the transaction never run, even once a later attach installs the
 * function: detach them). An attach or replace refused when
 * it was called (too short, branch back, ...) returned its error then and
 * queued nothing: it is not reported again here. So a caller hooking what it
 * can tells the refusals (each call's result) from a failed installation. */
ospy_interceptor_status ospy_interceptor_end_transaction(void);

/* Holds the interceptor's lock (recursive; no hook is installed or removed
 * meanwhile, no thread is stopped for it): for a change that must not
 * happen while the threads are stopped (the stop signal's action). */
void ospy_interceptor_hold(void);
void ospy_interceptor_release(void);

/* The calling thread's calls are not intercepted (nesting counts). */
void ospy_interceptor_ignore_current_thread(void);
void ospy_interceptor_unignore_current_thread(void);

/* Per-thread pointers for a client's own per-thread memory. They live in the
 * interceptor's block of the calling thread, which passes to a new thread
 * once its owner has exited: memory hung here is inherited and reused, where
 * a __thread pointer would leak it with every thread a program starts (a new
 * owner finds the old thread's pointer and must treat what it points to as
 * left over). Slot k < OSPY_THREAD_SLOTS; NULL outside a callback or when the
 * thread has no block. */
#define OSPY_THREAD_SLOTS 4
void **ospy_interceptor_thread_slot(unsigned k);

/* Called instead of the callbacks when a hooked function is entered by a
 * thread that is inside the interceptor or a callback (busy, not ignored): a
 * signal handler that interrupted a callback, or a callback calling a hooked
 * function; or, for a hook with on_leave, by a thread that already has 256
 * such calls pending (recursion deeper than the invocation stack). Such a
 * call runs the original unseen; this lets the user count it. Once per
 * active listener, with its user_data, the depth the call is nested at (the
 * thread's invocation depth when it is too deep; 0 when the thread was busy:
 * a signal handler's call is nested in none of the calls its signal
 * interrupted, ospy_invocation_nested_in) and the call's return address.
 * Runs in that context: async-signal-safe code only. */
typedef void (*ospy_reentry_fn)(void *user_data, unsigned depth, uintptr_t ret);
void ospy_interceptor_set_reentry_handler(ospy_reentry_fn fn);

/* Called for a pending call (a hook with on_leave) that will never reach its
 * on_leave: the thread left it by longjmp or a C++ exception (found at the
 * thread's next hooked call or return, deeper entries first), or
 * ospy_interceptor_abandon_outer gave it up (its on_leave then never runs).
 * Also for the calls a thread left so and that it never gave up because it
 * ended (it returned from its start routine, which no hook sees): when a
 * new thread takes over its interceptor block, at that new thread's first
 * hooked call (or ospy_interceptor_ignore_current_thread), before that
 * call; those no thread took over at the process's end, an exec or
 * ospy_interceptor_abandon_ended_threads. Those are the ended thread's
 * invocations (ospy_invocation_thread_id names it,
 * ospy_invocation_on_current_thread is false). Once per listener that saw its
 * enter, with the call's scratch, user data, depth and return address; there
 * is no CPU context (ospy_invocation_cpu is NULL, no arguments or return
 * value can be read). Runs with the thread busy, like a callback. */
typedef void (*ospy_abandon_fn)(ospy_invocation *inv);
void ospy_interceptor_set_abandon_handler(ospy_abandon_fn fn);
/* A signal handler that left the interceptor or a callback by a jump
 * (siglongjmp) instead of returning: found at the thread's next hooked call
 * or return above that code on its stack, which takes the thread's state
 * back (it stayed busy: every later call was a lost re-entry). The handler
 * hears of it first with inv NULL, for the thread: what that code had begun
 * (the listener's per-thread memory) can be set right; the pending calls
 * below are still there (ospy_interceptor_show_own_pending), and so are
 * those whose giving up (abandon handler) the jump cut short. Then once per
 * listener of the client's of the call whose hook code was left (inv: its
 * hook and listener, no CPU context), at OSPY_JUMP_AT_LEAVE (its on_leave
 * was cut short: the scratch is the call's) or OSPY_JUMP_AT_ENTER (its
 * on_enter was cut short: its scratch as far as on_enter wrote it, or NULL
 * when the call kept none; no on_leave or abandon follows). A call whose
 * listeners all ran their on_enter is not told: it is given up as left by
 * longjmp (abandon handler). Runs with the thread busy, like a callback. */
typedef enum ospy_jump_at { OSPY_JUMP_AT_ENTER = 0, OSPY_JUMP_AT_LEAVE = 1 } ospy_jump_at;
typedef void (*ospy_jump_fn)(ospy_invocation *inv, ospy_jump_at at);
void ospy_interceptor_set_jump_handler(ospy_jump_fn fn);
/* From a callback: gives up the thread's pending calls outside this one
 * (the process is about to end inside it: _exit), reporting each to the
 * abandon handler, innermost first. Should one return after all, its
 * listeners' on_leave is not called. */
void ospy_interceptor_abandon_outer(ospy_invocation *inv);
/* From a fatal signal's handler: the calling thread is about to die with the
 * process, so every call it has pending is given up and reported to the
 * abandon handler, innermost first. Returns how many; -1, reporting nothing,
 * when the thread's state is in use (the signal interrupted the interceptor
 * or a callback) or the thread is ignored. Async-signal-safe. */
int ospy_interceptor_abandon_thread(void);
/* From the thread that ends the process (_exit, a fatal signal's handler):
 * the calls every other thread has pending will never return (exit_group
 * ends those threads where they are, a thread blocked in a read included),
 * nor will those threads that ended already left pending. Each is given up
 * and reported to the abandon handler, innermost first, with that thread's
 * invocation (ospy_invocation_thread_id names it,
 * ospy_invocation_on_current_thread is false). A thread that is inside the
 * interceptor or a callback at that moment is left alone. Its owner still
 * runs: should one of the calls return before the end after all, its
 * listeners' on_leave is not called. Returns how many calls were given up. */
int ospy_interceptor_abandon_other_threads(void);
/* The calls threads that ended left pending (see the abandon handler), given
 * up and reported now, as at the process's end: before the listeners are
 * detached (a capture that ends while the process runs on). Returns how
 * many. */
int ospy_interceptor_abandon_ended_threads(void);
/* The other threads inside the interceptor or a callback right now (those
 * ospy_interceptor_abandon_other_threads leaves alone), and in *pending
 * the calls they have pending: at the process's end, the call each was
 * recording may never reach its listener. */
unsigned ospy_interceptor_busy_other_threads(unsigned *pending);
/* From the callback of an exec (the program image is about to be replaced):
 * the calls pending outside it, this thread's and every other thread's,
 * end with the image if the exec succeeds (the kernel ends the other
 * threads). Each is shown to fn, outermost first, once per listener that
 * saw its enter, with its scratch and that thread's invocation (as the
 * abandon handler gets it: no CPU context); none is given up: if the exec
 * fails they return as usual, their on_leave runs. Another thread waits
 * meanwhile before it enters or leaves a hooked call; one that is inside
 * the interceptor or a callback at that moment is left alone. The calls
 * threads that ended left pending are given up instead (the abandon
 * handler hears of them): they never return, whatever the exec does. */
typedef void (*ospy_pending_fn)(ospy_invocation *inv, void *data);
void ospy_interceptor_show_pending_at_exec(ospy_invocation *inv, ospy_pending_fn fn, void *data);
/* The calling thread's pending calls, outermost first, each shown to fn
 * once per listener of the client's that saw its enter: those not given
 * up, or (given_up) those given up that are still on its stack (their
 * frames live on: the abandon handler was left by a jump while it
 * reported them, or the thread will not run them again). */
void ospy_interceptor_show_own_pending(ospy_pending_fn fn, void *data, bool given_up);
/* From the reentry handler, for a call that ends the process made while the
 * calling thread was busy (a stack overflow inside a callback, caught by the
 * program's handler on an alternate stack, which calls _exit): the thread's
 * own pending calls can be neither followed nor reported (its state is in
 * use). Returns how many of them `counts` takes (given each listener's
 * user_data and the call's scratch, which the interrupted callback may have
 * left half written), and marks them all given up. */
unsigned ospy_interceptor_count_pending_busy(bool (*counts)(void *user_data, const void *scratch));
/* From on_enter: this call will not return (exit, exec in a vfork child...):
 * no leave is arranged for it, and its pending entry is dropped. A vfork or
 * posix_spawn child shares its parent's memory and thread state: an entry it
 * left behind stayed pending in the parent for good. */
void ospy_interceptor_forget(ospy_invocation *inv);
/* In a child clone() started with a copy of its parent's memory, on a stack
 * of its own, before its function: its only thread has a new id (as after
 * fork), and the calls the copy has pending are the parent's, on a stack
 * this process never returns to: dropped, unreported (at its _exit they
 * were given up as the child's own calls). */
void ospy_interceptor_after_clone_child(void);
/* Whether a call of this thread is pending on the same stack below this one
 * (the call is nested in it); pending calls of other stacks (coroutines
 * switched away) do not count, nor do those a signal interrupted when this
 * call is made by its handler (a signal frame with a restorer noted by
 * ospy_interceptor_note_signal_return lies between them). */
bool ospy_invocation_nested(ospy_invocation *inv);
/* The same, counting only pending calls one of whose listeners' user_data
 * `counts` takes (the agent: calls its specs describe). */
bool ospy_invocation_nested_in(ospy_invocation *inv, bool (*counts)(void *user_data));
/* A restorer signal handlers return to (sa_restorer as the kernel holds it:
 * glibc's __restore_rt, on i386 also __restore), which the kernel puts at the
 * bottom of each signal frame: how ospy_invocation_nested tells a handler's
 * calls from the interrupted call's. A small fixed set (more are ignored);
 * async-signal-safe. */
void ospy_interceptor_note_signal_return(uintptr_t restorer);

/* Hooks created while on: the calls their relocated prologue makes are
 * taken never to throw a C++ exception, so their return addresses in the
 * trampoline are not looked for on the stack at each throw (a scan of up to
 * 512 KiB: for hooks of C functions that call no C++ code in their first
 * bytes, such as the agent's own hooks of libc). */
void ospy_interceptor_set_nothrow_prologues(bool on);
/* While on, attach takes the address for a place that may not be a
 * function's first instruction (a stripped file's offset): on x86-64 its
 * enter path leaves the 128 bytes below the stack pointer (the red zone,
 * where the function may keep live locals) untouched. */
void ospy_interceptor_set_maybe_no_entry(bool on);

/* Where attach would patch: the function PLT stubs and jump thunks lead to.
 * (When that function cannot be patched, attach patches the thunk's own first
 * bytes if it can, a jmp padded to 5 bytes: calls made through the thunk are
 * seen. Once it is hooked so, resolve returns the thunk itself.) */
void *ospy_interceptor_resolve(void *function);

/* The program's address of a pc inside the code a hook runs in its place (for
 * a crash report: the pc of a fault in a moved instruction is the
 * trampoline's): in a trampoline, the moved instruction that pc belongs to
 * (the first byte after the moved ones for its jump back), and *moved is set;
 * in a hook's stubs, the patched entry of the function, *moved cleared.
 * *function gets the hooked function's address. 0 (outs untouched) when pc
 * is not in a hook's code cell. Takes no lock: async-signal-safe. */
uintptr_t ospy_interceptor_original_address(uintptr_t pc, uintptr_t *function, bool *moved);

/* The hooked function whose jump, patched in at *at, holds pc (*inside set:
 * the program ran into the middle of it), or starts less than an
 * instruction's longest after pc (*inside cleared: an instruction at pc may
 * have been cut by it); 0 when none (for a crash report). Takes no lock:
 * async-signal-safe. */
uintptr_t ospy_interceptor_patch_near(uintptr_t pc, uintptr_t *at, bool *inside);

const char *ospy_interceptor_status_name(ospy_interceptor_status status);

/* ---- inside a callback ---- */

/* The live register state: at enter the registers at the function's first
 * instruction (ip is the function, sp points at the return address, still
 * the real one); at leave the registers after the return (return-value
 * registers, sp after the return, ip the return address). Writes to it are
 * applied when the callback returns (except sp and ip). */
ospy_cpu_context *ospy_invocation_cpu(ospy_invocation *inv);
/* Argument n (0-based) by the listener's calling convention, as a machine word.
 * At leave, register arguments have been clobbered; stack arguments are read
 * from the entry stack. */
uintptr_t ospy_invocation_get_arg(ospy_invocation *inv, unsigned n);
/* Arguments 0..n-1 widened to 64 bits, in one call (the per-argument calls
 * were a measurable part of a recorded call). */
void ospy_invocation_get_args(ospy_invocation *inv, uint64_t *out, unsigned n);
/* For unwinders walking this thread's stack from a callback: value read from
 * the return-address slot at address slot, or, when it is the leave thunk
 * that replaced a pending hooked call's return address, that address. */
uintptr_t ospy_interceptor_real_return(uintptr_t slot, uintptr_t value);
/* The address that replaces return addresses of pending calls. */
uintptr_t ospy_interceptor_leave_thunk(void);
/* From on_enter: value, a return address code handed down as an argument
 * (glibc's dlopen, dlsym... pass __builtin_return_address(0) to the loader,
 * which finds the calling library by it), as that code would have read it
 * without ospy. When value is the leave thunk, it was read from the return
 * slot of a call pending outside this one: the real return address of the
 * innermost such call on this stack whose slot holds the thunk, passing over
 * those whose real return address pass_over takes (calls made on the way
 * down, inside the C library; NULL: none), or the innermost's when it takes
 * them all. Any other value, or no such call: value. */
uintptr_t ospy_invocation_passed_return(ospy_invocation *inv, uintptr_t value,
                                        bool (*pass_over)(uintptr_t ret));
void ospy_invocation_set_arg(ospy_invocation *inv, unsigned n, uintptr_t value);
/* Address of the stack slot of argument n (NULL when it is in a register). */
void *ospy_invocation_arg_address(ospy_invocation *inv, unsigned n);
uintptr_t ospy_invocation_get_return(ospy_invocation *inv);
void ospy_invocation_set_return(ospy_invocation *inv, uintptr_t value);
uintptr_t ospy_invocation_return_address(ospy_invocation *inv);
void *ospy_invocation_function(ospy_invocation *inv);
uint32_t ospy_invocation_thread_id(ospy_invocation *inv);
/* Whether the invocation is the calling thread's (false: one the abandon
 * handler hears of from ospy_interceptor_abandon_other_threads). */
bool ospy_invocation_on_current_thread(ospy_invocation *inv);
/* ospy_interceptor_thread_slot of the invocation's thread. */
void **ospy_invocation_thread_slot(ospy_invocation *inv, unsigned k);
/* OSPY_INVOCATION_SCRATCH_SIZE bytes shared by on_enter and on_leave of one call. */
void *ospy_invocation_scratch(ospy_invocation *inv);
void *ospy_invocation_user_data(ospy_invocation *inv);
/* Number of intercepted calls of this thread below this one (0 outermost). */
unsigned ospy_invocation_depth(ospy_invocation *inv);
bool ospy_invocation_is_leave(ospy_invocation *inv);

#ifdef __cplusplus
}
#endif

#endif
