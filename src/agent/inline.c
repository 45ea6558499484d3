/*
 * Hook backend: inline hooks through the interceptor (src/interceptor). Every
 * plan hook is resolved to an address (export, module + offset, signature
 * scan, .symtab symbol, vtable slot) and attached; on_enter marshals the
 * in-values into a per-thread frame stack, on_leave marshals the out-values
 * and writes one FunctionCall record with both blobs. Calls between and
 * inside modules are seen alike (a PLT/GOT hook would miss the latter).
 * dlopen, dlmopen and dlclose are hooked too: new modules get their pending hooks;
 * hooks whose module was unloaded are dropped without a write (their code is
 * gone) and wait for the module to come back.
 *
 * Hot path rules: no malloc (per-thread frames live in an mmap'ed area found
 * through an initial-exec TLS pointer), no stdio, no locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/backtrace.h"
#include "agent/copy.h"
#include "agent/follow_env.h"
#include "agent/ifunc_choices.h"
#include "agent/inline.h"
#include "agent/loader_locks.h"
#include "agent/marshal.h"
#include "arch/x86/x86_reg_args.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_read.h"
#include "os/linux/os_stop_signal.h"
#include "os/linux/os_syscall.h"
#include "interceptor/interceptor.h"
#include "plan/spec_abi.h"

#if defined(__x86_64__)
#define RAW_ARGS 6
#else
#define RAW_ARGS 4
#endif
#define ARG_WORDS 16
#define MAX_BT OSPY_PLAN_MAX_BACKTRACE /* (--backtrace's limit: 64 frames) */
/* A thread's frame stack: AREA_FIRST, grown (doubling) when a call needs
 * more, up to AREA_MAX. A fixed 4 MiB per thread (kept after the thread's
 * end for the next one) counted against RLIMIT_AS: a program that limits
 * its address space ran out of it under ospy and its calls went
 * unrecorded. */
#define AREA_FIRST (16u << 10)
#define AREA_MAX (4u << 20)
/* What a frame needs at least before its blob is written: its state, a
 * backtrace and a small blob (a larger one makes room and is written again). */
#define FRAME_LEAST_BLOB 256u
#define BLOB_CAP (480u << 10)    /* per blob: enter + leave fit one ring record */

typedef struct inline_hook {
  uint32_t index;              /* plan hook index; UINT32_MAX for internal ones */
  int internal;                /* INTERNAL_*: module tracking, process exit */
  const ospy_plan_hook *ph;
  const ospy_spec_fn *fn;      /* NULL: raw argument words; declared, or in_registers */
  const ospy_spec_fn *declared; /* the spec the plan gives it (NULL: none) */
  ospy_spec_fn in_registers;   /* declared, read by the convention its compiler called it by
                                  (GCC's regparm(3), clang's fastcc) */
  int convention_said;         /* the note (or warning) on its register arguments was sent */
  void *addr;
  void *patched;               /* where the interceptor patches: addr past jump thunks */
  ospy_listener *listener;
  int reported;                /* a message about this hook was sent */
  int failed;                  /* the interceptor refused it: not retried */
  void *refused_at;            /* ... at this function, while its module is loaded: the other
                                * hooks of its module glob pass over that module */
  int missing;                 /* reported as not found: say so when it appears */
  int missing_final;           /* ... and it cannot appear (stripped module, clone) */
  uint8_t lacking;             /* a module it names was loaded without it: lacking_paths[lacking - 1] */
  int alias;                   /* same address as another hook (open64 is open): not attached twice */
  int noreturn;                /* NORETURN_*: recorded at entry */
  int entry_unknown;           /* at a place (offset, signature) no symbol shows to be a
                                * function's start: a call whose stack top holds no return
                                * address is recorded at entry, its return not followed */
  int entry_only_said;         /* ... and the note that says so was sent */
  int place_unchecked;         /* at a place (offset, signature) that could not be checked to
                                * start an instruction: a crash next to its jump is said so */
  unsigned same_name;          /* 0, or k: the kth function of its plan hook's name in one file
                                * (static functions of several source files), hooked under
                                * that plan hook: never reported missing */
  unsigned same_named_added;   /* (the first) hooks added for the others */
  int method_count_said;       /* a vtable's methodCount past its end was said */
  uint8_t unhooked_said;       /* a module loaded later also defining it, left unhooked, was
                                * said: lacking_paths[unhooked_said - 1] (the last) */
  uintptr_t ifunc_resolver;    /* an IFUNC's hook: its resolver, whose choices it hooks (each
                                * same_name entry one of them); INTERNAL_IFUNC_WATCH: the
                                * resolver it watches */
  uint8_t ifunc_waiting;       /* an IFUNC's resolver had chosen nothing for the program: hooked
                                * when it does (said so), never reported missing */
  /* calls left out as nested (logNested off), not said yet; 8-aligned on
   * i386 too: a locked add across a cache line is a split lock */
  _Alignas(8) uint64_t nested_hidden;
} inline_hook;

/* Functions recorded at their entry, flagged NO_RETURN: those that never
 * return (the process or thread ends, or control jumps elsewhere); the
 * exec family, which returns only when it fails: its record at entry is
 * tentative (the controller drops it when the call returns after all and
 * its ordinary record follows); and those that return twice (vfork, the
 * setjmp family, getcontext), hooked without on_leave: a replaced return
 * address would be used by both returns (a vfork child's return popped it,
 * and the parent returned into the child's code or aborted). */
enum { NORETURN_NO = 0, NORETURN_ALWAYS, NORETURN_UNLESS_FAILED, NORETURN_TWICE };

static int noreturn_kind(const char *name)
{
  static const char *const never[] = {
    "exit", "_exit", "_Exit", "quick_exit", "abort", "pthread_exit", "thrd_exit",
    "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "__assert_fail",
    "__assert_perror_fail", "__stack_chk_fail", "__fortify_fail", "__chk_fail",
    "err", "errx", "verr", "verrx", "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume",
    "_Unwind_ForcedUnwind", /* (pthread_exit's, cancellation's: glibc aborts if it returns) */
  };
  static const char *const twice[] = {
    "vfork", "__vfork", "setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp", "getcontext",
    "__getcontext",
  };
  static const char *const exec[] = {
    "execve", "execv", "execvp", "execvpe", "execl", "execlp", "execle", "fexecve", "execveat",
  };
  if (!name || !*name)
    return NORETURN_NO;
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
    if (!strcmp(name, never[i]))
      return NORETURN_ALWAYS;
  for (size_t i = 0; i < sizeof twice / sizeof twice[0]; i++)
    if (!strcmp(name, twice[i]))
      return NORETURN_TWICE;
  for (size_t i = 0; i < sizeof exec / sizeof exec[0]; i++)
    if (!strcmp(name, exec[i]))
      return NORETURN_UNLESS_FAILED;
  return NORETURN_NO;
}

enum { INTERNAL_DLOPEN = 1, INTERNAL_DLCLOSE = 2, INTERNAL_EXIT = 3, INTERNAL_THREAD_EXIT = 4,
       INTERNAL_SIGACTION = 5, INTERNAL_VFORK = 6, INTERNAL_SPAWN = 7, INTERNAL_SPAWNP = 8,
       INTERNAL_CLOSE = 9, INTERNAL_CLOSE_NOCANCEL = 10, INTERNAL_CLONE = 11,
       INTERNAL_EXECVE = 12, INTERNAL_EXECVEAT = 13, INTERNAL_FEXECVE = 14, INTERNAL_DLMOPEN = 15,
       INTERNAL_FIND_CALLER = 16,
       /* not in internal_hooks: one per resolver of an IFUNC a hook designates, at the
        * resolver's address (ifunc_watch) */
       INTERNAL_IFUNC_WATCH = 17 };

/* Whether an internal hook is one of the exec family's. */
static int is_exec_hook(int internal)
{
  return internal >= INTERNAL_EXECVE && internal <= INTERNAL_FEXECVE;
}

/* Whether an internal hook is a module event: dlopen, dlmopen (a library
 * loaded into another namespace of the loader, which dl_iterate_phdr does
 * not list: namespaces.c) or dlclose. */
static int is_module_hook(int internal)
{
  return internal == INTERNAL_DLOPEN || internal == INTERNAL_DLMOPEN ||
         internal == INTERNAL_DLCLOSE;
}

/* The agent's own hooks, in INTERNAL_* order: module tracking, process and
 * thread ends, sigaction (its crash handler kept out of sight), vfork and
 * posix_spawn (whose children run on this thread's state), close and the C
 * library's own __close_nocancel (a descriptor's name must go with it, also
 * when the program's close is not recorded or libc closed it itself: an
 * NSS lookup's socket, fclose), clone (a new process that runs no atfork
 * handler: clone.c), and the exec
 * family's system calls (with -F: follow_env.c, posix_spawn, system and the
 * exec wrappers all end in execve's code; without: a warning), dlmopen
 * (module tracking again), and the loader's lookup of the library that
 * called dlopen or dlsym (caller_lookup_enter; absent from another C
 * library: nothing said, nothing done). */
static const ospy_plan_hook internal_hooks[] = {
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "",
    .symbol = "dlopen", .process = "", .display = "dlopen" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "",
    .symbol = "dlclose", .process = "", .display = "dlclose" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "_exit", .process = "", .display = "_exit" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "pthread_exit", .process = "", .display = "pthread_exit" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "sigaction", .process = "", .display = "sigaction" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "vfork", .process = "", .display = "vfork" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "posix_spawn", .process = "", .display = "posix_spawn" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "posix_spawnp", .process = "", .display = "posix_spawnp" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "close", .process = "", .display = "close" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "__close_nocancel", .process = "", .display = "__close_nocancel" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "clone", .process = "", .display = "clone" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "execve", .process = "", .display = "execve" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "execveat", .process = "", .display = "execveat" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "libc.so.6",
    .symbol = "fexecve", .process = "", .display = "fexecve" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "",
    .symbol = "dlmopen", .process = "", .display = "dlmopen" },
  { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC, .module = "",
    .symbol = "_dl_find_dso_for_object", .process = "", .display = "_dl_find_dso_for_object" },
};
#define NINTERNAL (sizeof internal_hooks / sizeof internal_hooks[0])
_Static_assert(NINTERNAL == INTERNAL_FIND_CALLER, "one table entry per INTERNAL_*");

/* sigaction(sig, act, oldact) in flight on this thread, by invocation depth:
 * its oldact is read at return, and whether its act was replaced by the
 * crash handler, or kept aside for the stop signal. (Not the call's scratch:
 * a user's hook of sigaction shares it.) */
typedef struct sigaction_call {
  unsigned depth;
  int sig;
  void *oldact;
  bool crash_handler;
  ospy_crash_request request;
  ospy_os_stop_sigaction stop;
} sigaction_call;
static __thread sigaction_call sigaction_calls[8] __attribute__((tls_model("initial-exec")));

/* close and __close_nocancel in flight on this thread, by invocation depth:
 * when each was called, for its FdClosed record (the controller ends the
 * binding the close was made under, not one another thread's open made
 * while it ran). (Not the call's scratch: a user's hook of close shares it.) */
typedef struct close_call {
  unsigned depth;
  uint64_t ts;
} close_call;
static __thread close_call close_calls[8] __attribute__((tls_model("initial-exec")));

static void close_enter(ospy_invocation *inv)
{
  unsigned d = ospy_invocation_depth(inv);
  close_calls[d % 8] = (close_call){ d, ospy_agent_g.active ? ospy_agent_clock() : 0 };
}

/* When the returning close was called; 0 when not known. */
static uint64_t close_entered(ospy_invocation *inv)
{
  unsigned d = ospy_invocation_depth(inv);
  close_call *cc = &close_calls[d % 8];
  uint64_t ts = cc->depth == d ? cc->ts : 0;
  cc->ts = 0;
  return ts;
}

/* The agent's crash handler is its own business: a program that asks what
 * handles a signal it never set is told SIG_DFL, as without ospy (python's
 * signal.signal() returned None for it, and restoring that failed). One that
 * sets SIG_DFL gets the crash handler in its place, the default action with
 * a trace: signal(SIGSEGV, SIG_DFL) left the agent's handler out, and a
 * crash inside a call after it recorded nothing. (The user's listeners of
 * sigaction, entered before this one, have recorded the program's act.) */
static void sigaction_enter(ospy_invocation *inv)
{
  unsigned d = ospy_invocation_depth(inv);
  sigaction_call *sc = &sigaction_calls[d % 8];
  *sc = (sigaction_call){ d, (int)ospy_invocation_get_arg(inv, 0),
                          (void *)(uintptr_t)ospy_invocation_get_arg(inv, 2), false, { 0, 0 },
                          { 0 } };
  uintptr_t act = ospy_invocation_get_arg(inv, 1);
  const void *instead = ospy_agent_crash_instead(sc->sig, act, &sc->request);
  if (instead) {
    ospy_invocation_set_arg(inv, 1, (uintptr_t)instead);
    sc->crash_handler = true;
  }
  /* the signal ospy stops threads with: ospy's handler stays, the call
   * only asks, and the program's action is kept beside it (os_stop_signal.h):
   * a program using that signal got ospy's stops in its handler, and
   * sigaction named ospy's handler */
  if (ospy_os_stop_signal_sigaction_enter(sc->sig, act, &sc->stop))
    ospy_invocation_set_arg(inv, 1, 0);
}

/* The program's action for the stop signal: its new one kept, its old one
 * told (no thread is stopped meanwhile). */
static void stop_signal_sigaction_leave(sigaction_call *sc)
{
  if (!sc->stop.applies)
    return;
  ospy_interceptor_hold();
  ospy_os_stop_signal_sigaction_leave(&sc->stop, sc->oldact);
  ospy_interceptor_release();
  sc->stop.applies = false;
}

static void sigaction_leave(ospy_invocation *inv)
{
  unsigned d = ospy_invocation_depth(inv);
  sigaction_call *sc = &sigaction_calls[d % 8];
  if (sc->depth != d || ospy_invocation_get_return(inv) != 0)
    return;
  /* the handler it may have set returns to its libc's restorer */
  ospy_agent_note_signal_return(sc->sig);
  stop_signal_sigaction_leave(sc);
  /* (the action before this call's: hidden before the new one is noted) */
  if (sc->oldact)
    ospy_agent_crash_hide(sc->sig, sc->oldact);
  if (sc->crash_handler)
    ospy_agent_crash_rearmed(sc->sig, &sc->request);
  sc->oldact = NULL;
  sc->crash_handler = false;
}

/* Without -F the program that replaces this one is not recorded: a wrapper
 * (a pyenv shim, a launcher script) left the user with the wrapper's calls
 * and no word why. Said when the recorded process itself execs a file it
 * may run (execvp tries every PATH directory: only the one that exists). */
static void exec_not_followed(ospy_invocation *inv, int internal)
{
  char path[256] = "a program";
  if (!ospy_agent_g.active || (uint32_t)ospy_os_getpid() != ospy_agent_g.pid)
    return; /* (a vfork child's exec is its own) */
  if (internal == INTERNAL_EXECVE) {
    uintptr_t p = ospy_invocation_get_arg(inv, 0);
    size_t n = ospy_os_read_memory(p, path, sizeof path - 1);
    path[n] = 0;
    if (!memchr(path, 0, n) && n == sizeof path - 1)
      path[n - 1] = 0;
    if (!path[0] || ospy_os_syscall(SYS_faccessat, AT_FDCWD, (long)path, X_OK, 0, 0, 0) != 0)
      return;
  }
  ospy_agent_messagef2(OSPY_EV_WARNING, UINT32_MAX, "agent: the program execs ", path,
                       ": what it runs is not recorded without -F (-F follows exec'd programs)");
}

/* The file an exec call runs, from its arguments. */
static ospy_exec_file exec_file_of(ospy_invocation *inv, int internal)
{
  if (internal == INTERNAL_EXECVEAT)
    return (ospy_exec_file){ (int)ospy_invocation_get_arg(inv, 0), ospy_invocation_get_arg(inv, 1) };
  if (internal == INTERNAL_FEXECVE)
    return (ospy_exec_file){ (int)ospy_invocation_get_arg(inv, 0), 0 };
  return (ospy_exec_file){ AT_FDCWD, ospy_invocation_get_arg(inv, 0) }; /* execve */
}

/* An exec. Without -F: the warning above. With -F: one with an environment
 * of its own gets the agent and the ring back in a copy of it (its envp
 * argument: execveat's fourth, the others' third). Whether the program it
 * runs should start the agent. */
static int exec_enter(ospy_invocation *inv, int internal)
{
  if (!ospy_agent_g.follow_forks) {
    exec_not_followed(inv, internal);
    return 0;
  }
  unsigned k = internal == INTERNAL_EXECVEAT ? 3 : 2;
  uintptr_t envp = ospy_invocation_get_arg(inv, k);
  ospy_exec_file file = exec_file_of(inv, internal);
  int followed;
  uintptr_t fixed = ospy_follow_env_fix(envp, &file, &followed);
  if (fixed != envp)
    ospy_invocation_set_arg(inv, k, fixed);
  return followed;
}

/* An exec while the program ignores the stop signal: SIG_IGN goes back
 * in for the program it runs (ospy's handler would be reset to the default
 * action, which ends a process). No thread is stopped meanwhile: the
 * interceptor's lock is held until the exec fails (and ospy's handler is
 * back) or the process is another program. Not in a vfork child: its
 * actions are its own, no round stops it, and its exec would never give
 * the lock back. */
static __thread uint8_t exec_holds_lock __attribute__((tls_model("initial-exec")));

static void stop_signal_exec_enter(int vfork_child)
{
  if (!ospy_os_stop_signal_ignored())
    return;
  if (vfork_child) {
    (void)ospy_os_stop_signal_exec_enter();
    return;
  }
  ospy_interceptor_hold();
  if (ospy_os_stop_signal_exec_enter())
    exec_holds_lock = 1;
  else
    ospy_interceptor_release();
}

static void stop_signal_exec_failed(void)
{
  if (!exec_holds_lock)
    return;
  exec_holds_lock = 0;
  ospy_os_stop_signal_exec_failed();
  ospy_interceptor_release();
}

/* With -F, the controller is told that this process (a vfork child: its
 * own pid) execs a program that should start the agent, and what may keep
 * it out, so that a program that never reaches the ring is said, not left
 * out silently (capture/exec_watch.h). Last of the exec's records: any
 * later one of this thread means the exec returned. */
static void announce_exec(ospy_invocation *inv, int internal)
{
  ospy_exec_file file = exec_file_of(inv, internal);
  char path[1024];
  ospy_follow_env_describe(&file, path, sizeof path);
  uint32_t why = ospy_follow_env_obstacles(&file, ospy_agent_g.ring.fd);
  ospy_agent_emit_exec((uint32_t)ospy_os_getpid(), 0, why, path);
}

/* A vfork child, or posix_spawn's or the program's own clone with
 * CLONE_VM | CLONE_VFORK, runs on its parent's thread state until it execs
 * or exits, the parent suspended meanwhile: its calls (a shell's dup2 and
 * close before exec) are its own, and recorded under its pid, or they would
 * rename its parent's descriptors. While one may be running, a record costs
 * a getpid: the window opens at vfork or clone (closed by the parent's next
 * record) and lasts for the whole of posix_spawn (the parent's own calls
 * before the clone keep it open). */
static __thread uint8_t vfork_window __attribute__((tls_model("initial-exec")));
static __thread uint8_t spawn_depth __attribute__((tls_model("initial-exec")));

/* The pid of a vfork-style child making this call, or 0 when it is ours. */
static uint32_t vfork_child_pid(void)
{
  if (__builtin_expect(!(vfork_window | spawn_depth), 1))
    return 0;
  uint32_t pid = (uint32_t)ospy_os_getpid();
  if (pid != ospy_agent_g.pid)
    return pid;
  if (!spawn_depth)
    vfork_window = 0; /* the parent runs again: the child exec'd or exited */
  return 0;
}

/* What on_enter leaves for on_leave, in the interceptor's scratch. */
typedef struct enter_note {
  uint64_t ts;
  uint32_t frame_off;          /* offset of this call's frame in the thread area */
  uint32_t frame_len;
  uint32_t enter_len;
  uint32_t nbt;
  uint16_t skip;
  uint8_t bt_scanned; /* the backtrace was found by scanning the stack */
  uint8_t tentative;  /* recorded at entry already, as not returning (exec) */
} enter_note;
_Static_assert(sizeof(enter_note) <= OSPY_INVOCATION_SCRATCH_SIZE, "scratch too small");

/* Frame: marshal state | backtrace[nbt] | enter blob | footer. Frames are
 * pushed at the top of the thread's area and freed in any order (a coroutine
 * switched away inside a hooked call keeps its frame while calls of another
 * stack return); the top comes down over freed frames only. */
#define STATE_BYTES ((OSPY_MARSHAL_STATE_SIZE + 7u) & ~7u)

typedef struct frame_footer {
  uint32_t len;  /* of the whole frame, footer included */
  uint32_t live;
} frame_footer;

typedef struct thread_area {
  uint32_t top;
  uint32_t size; /* of the mapping, this header included */
  uint8_t data[];
} thread_area;

static __thread thread_area *tls_area __attribute__((tls_model("initial-exec")));

static uint32_t area_room(const thread_area *a)
{
  return a->size - (uint32_t)sizeof *a - a->top;
}

/* The area moved (by delta bytes): the thread finds it again, and so does
 * the next thread once this one ends; the states of its frames, which may
 * point into themselves (a structure passed in registers), follow it. The
 * frames tile [0, top), each ending with its footer. */
static void area_moved(thread_area *a, intptr_t delta)
{
  tls_area = a;
  void **slot = ospy_interceptor_thread_slot(OSPY_AGENT_SLOT_FRAMES);
  if (slot)
    *slot = a;
  for (uint32_t end = a->top; end >= sizeof(frame_footer);) {
    const frame_footer *f = (const frame_footer *)(a->data + end - sizeof(frame_footer));
    if (f->len > end || f->len < sizeof(frame_footer))
      break;
    end -= f->len;
    ospy_marshal_state_moved(a->data + end, STATE_BYTES, delta);
  }
}

/* The area with `need` bytes of room above its top: grown (doubling, up to
 * AREA_MAX; its bytes above the top too), maybe moved. NULL when it cannot
 * grow (AREA_MAX, or the address space is full: RLIMIT_AS). */
static thread_area *area_make_room(thread_area *a, uint32_t need)
{
  if (area_room(a) >= need)
    return a;
  uint64_t want = (uint64_t)sizeof *a + a->top + need;
  if (want > AREA_MAX)
    return NULL;
  uint32_t size = a->size;
  while (size < want)
    size *= 2;
  if (size > AREA_MAX)
    size = AREA_MAX;
  thread_area *grown = ospy_os_resize(a, a->size, size);
  if (!grown)
    return NULL;
  grown->size = size;
  if (grown != a)
    area_moved(grown, (intptr_t)((uintptr_t)grown - (uintptr_t)a));
  return grown;
}

/* Frees the frame at off (frame_len bytes) and brings the top down over the
 * freed frames at the top. */
static void frame_free(thread_area *a, uint32_t off, uint32_t len)
{
  if (off + len > a->top)
    return; /* gone already */
  ((frame_footer *)(a->data + off + len - sizeof(frame_footer)))->live = 0;
  while (a->top >= sizeof(frame_footer)) {
    const frame_footer *f = (const frame_footer *)(a->data + a->top - sizeof(frame_footer));
    if (f->live || f->len > a->top || f->len < sizeof(frame_footer))
      break;
    a->top -= f->len;
  }
}
static void record_at_entry(inline_hook *h, ospy_invocation *inv, enter_note *note,
                            thread_area *a);
static inline_hook *hooks;
static uint32_t nhooks, hooks_cap;

/* Module events (a dlopen or dlclose returning, the hooks installed at the
 * start or by -p) are handled one at a time: threads loading and unloading
 * libraries at once share the module table, the hook table and resolve.c's
 * work areas. A recursive lock on a raw futex (pthread_mutex_lock may be
 * hooked). Its holder may wait for the loader's lock (resolve.c's lookups
 * call dlsym), so a thread that may hold that one never waits for this:
 * not in a dl_iterate_phdr callback, and not in a dlopen or dlclose made
 * inside another (is_module_call), which only tries it. */
static volatile uint32_t events_word;
static volatile pid_t events_owner;
static unsigned events_depth;

/* Takes the lock: at once (!may_wait), or waiting for it, at most patience
 * waits of 10 ms that time out (0: for as long as it takes). */
static bool module_events_take_within(bool may_wait, unsigned patience)
{
  pid_t self = ospy_os_gettid();
  if (events_owner == self) {
    events_depth++;
    return true;
  }
  for (unsigned timeouts = 0;;) {
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&events_word, &expected, 1, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
      break;
    if (!may_wait || (patience && timeouts == patience))
      return false;
    if (ospy_os_futex_wait(&events_word, 1, patience ? 10 * 1000 * 1000 : -1) == -ETIMEDOUT)
      timeouts++;
  }
  events_owner = self;
  events_depth = 1;
  return true;
}

static bool module_events_take(bool may_wait)
{
  return module_events_take_within(may_wait, 0);
}

static void module_events_lock(void)
{
  (void)module_events_take(true);
}

/* Set when a resolver chose a function a hook is to take (ifunc_chose)
 * while another pass held the lock: the holder hooks it before it lets go
 * (a pass under way may have passed that hook already). */
static volatile uint32_t ifunc_choices_pending;
static void attach_ifunc_choices_locked(void);

static void release_module_events(void)
{
  events_owner = 0;
  __atomic_store_n(&events_word, 0, __ATOMIC_RELEASE);
  ospy_os_futex_wake(&events_word, 1);
}

static void module_events_unlock(void)
{
  if (--events_depth > 0)
    return;
  events_depth = 1; /* (held while the choices made meanwhile are hooked) */
  for (;;) {
    attach_ifunc_choices_locked();
    events_depth = 0;
    release_module_events();
    /* a choice said between the last look and the release: hooked by this
     * thread, unless another took the lock (it hooks it) */
    if (!__atomic_load_n(&ifunc_choices_pending, __ATOMIC_ACQUIRE) || !module_events_take(false))
      return;
  }
}

void ospy_inline_after_fork(void)
{
  /* the child's only thread: a holder in the parent does not exist here */
  events_owner = 0;
  events_depth = 0;
  events_word = 0;
}

void ospy_inline_after_clone_child(void)
{
  ospy_inline_after_fork();
  if (tls_area) /* (the frames of the parent's pending calls, dropped with them) */
    tls_area->top = 0;
}

static ospy_spec_table *specs;
/* The spec table of the attach before this one (-p again): its hooks are
 * detached, but a thread that was inside one of their callbacks at the
 * detach may still read it; freed at the attach after (a whole capture and
 * an injection later), so that an agent attached again and again keeps at
 * most two. */
static ospy_spec_table *retired_specs;
static uint32_t value_cap;
/* What one blob (a call's enter values, or its leave values) may take:
 * BLOB_CAP, less in a small ring (--ring-size 1: records of at most 256 KiB),
 * so that a call's record always fits it; values beyond are marked cut, as
 * at BLOB_CAP. A record the ring could not take was dropped as lost, in a
 * lossless capture. The marshaler shares the room out: each argument keeps
 * room for the ones after it (marshal.c, entry). */
static uint32_t blob_room = BLOB_CAP;

static void blob_room_set(void)
{
  uint32_t max = ospy_ring_max_record(&ospy_agent_g.ring);
  uint32_t fixed = (uint32_t)sizeof(ospy_event_call) + MAX_BT * 8 + 16;
  uint32_t half = max > fixed ? (max - fixed) / 2 / 8 * 8 : 0;
  blob_room = half < BLOB_CAP ? half : BLOB_CAP;
}

/* Room for a blob `below` bytes above the area's top, the frame's footer
 * and its rounding to 8 bytes kept; at most blob_room. */
static uint32_t blob_fits(const thread_area *a, uint32_t below)
{
  uint32_t keep = below + 7 + (uint32_t)sizeof(frame_footer);
  uint32_t room = area_room(a) > keep ? area_room(a) - keep : 0;
  return room < blob_room ? room : blob_room;
}

/* Makes the blob's room (cap, below bytes above the top) twice as large (4
 * KiB at least) or blob_room: the area grows, and may move. NULL when it
 * cannot. */
static thread_area *blob_more_room(thread_area *a, uint32_t below, uint32_t cap)
{
  uint32_t want = cap < 2048 ? 4096 : cap * 2;
  if (want > blob_room)
    want = blob_room;
  return area_make_room(a, below + want + 7 + (uint32_t)sizeof(frame_footer));
}

/* The thread's frame area: inherited from an exited thread through the
 * interceptor's thread block when there is one (as large as that thread
 * made it), else mapped. A __thread pointer alone leaked the area per
 * thread: an i386 program that had started ~1000 threads could not map
 * more, and its calls went unrecorded. */
static thread_area *area_get(void)
{
  if (tls_area)
    return tls_area;
  void **slot = ospy_interceptor_thread_slot(OSPY_AGENT_SLOT_FRAMES);
  thread_area *a = slot ? *slot : NULL;
  if (!a) {
    a = ospy_os_alloc(AREA_FIRST); /* (raw: the program's mmap may be hooked) */
    if (!a)
      return NULL;
    a->size = AREA_FIRST;
    if (slot)
      *slot = a;
  }
  a->top = 0; /* an exited thread's frames are void */
  tls_area = a;
  return a;
}

#define ARG_PAGE 4096u /* (the smallest page: a bound is all that is needed) */

/* The stack pointer at the function's entry: it points at the return
 * address, the stack words of the arguments above it. */
static uintptr_t entry_sp(ospy_invocation *inv)
{
  const ospy_cpu_context *c = ospy_invocation_cpu(inv);
#if defined(__x86_64__)
  return (uintptr_t)c->rsp;
#else
  return (uintptr_t)c->esp;
#endif
}

/* fill_args for words that may lie past the page of the return address:
 * those are copied with one safe read (0 where not readable), the others
 * read as usual. */
static void fill_args_past_page(ospy_invocation *inv, uint64_t *args, unsigned n,
                                uintptr_t page_end, uintptr_t end)
{
  uintptr_t beyond[ARG_WORDS + 1] = { 0 }; /* the words from page_end on */
  size_t want = end - page_end < sizeof beyond ? end - page_end : sizeof beyond;
  (void)ospy_os_read_memory(page_end, beyond, want);
  for (unsigned i = 0; i < n; i++) {
    uintptr_t at = (uintptr_t)ospy_invocation_arg_address(inv, i);
    size_t k = at >= page_end ? (at - page_end) / sizeof(uintptr_t) : 0;
    if (!at || at < page_end)
      args[i] = ospy_invocation_get_arg(inv, i); /* a register, or in the page */
    else
      args[i] = k < sizeof beyond / sizeof beyond[0] ? beyond[k] : 0;
  }
}

/* Argument words 0..n-1 (marshal.h): registers, then the stack words above
 * the return address, more than the function may have. Those in the
 * return address's page, or in the rest of the stack mapping the thread
 * runs on, are read with plain loads; past it, safely: a call
 * made at the top of a stack that ends its mapping (the first call of a
 * clone child or of a coroutine on a stack from mmap, with a guard page
 * above) read past the end and died of SIGSEGV in the agent. */
static inline __attribute__((always_inline)) unsigned fill_args(ospy_invocation *inv,
                                                                 uint64_t *args, unsigned n)
{
#if defined(__x86_64__)
  unsigned on_stack = n > 6 ? n - 6 : 0; /* (after rdi, rsi, rdx, rcx, r8 and r9) */
#else
  unsigned on_stack = n; /* (at most: regparm and fastcall pass some in registers) */
#endif
  uintptr_t sp = entry_sp(inv);
  uintptr_t end = sp + sizeof(uintptr_t) * (on_stack + 1u);
  uintptr_t page_end = (sp | (ARG_PAGE - 1)) + 1;
  uintptr_t lo, hi;
  if (__builtin_expect(end <= page_end, 1) ||
      (ospy_os_own_stack(&lo, &hi) && sp >= lo && end <= hi))
    ospy_invocation_get_args(inv, args, n); /* (the thread's own stack goes on past the page) */
  else
    fill_args_past_page(inv, args, n, page_end, end);
  return n;
}

/* The argument words a call's values are read from: those its plain
 * integers travel in, else those its arguments take (ospy_marshal_prepare),
 * else ARG_WORDS. */
static unsigned arg_words_of(const ospy_spec_fn *fn)
{
  if (fn->ints_words)
    return fn->ints_words;
  return fn->arg_words && fn->arg_words <= ARG_WORDS ? fn->arg_words : ARG_WORDS;
}

static unsigned backtrace_depth(const inline_hook *h)
{
  unsigned d = ospy_agent_g.backtrace;
  if (!d && (h->ph->flags & OSPY_HOOK_F_BACKTRACE))
    d = OSPY_PLAN_DEFAULT_BACKTRACE;
  return d > MAX_BT ? MAX_BT : d;
}

/* Whether a pending call is a dlopen, dlmopen or dlclose: one made inside it (a
 * library's constructor loading another, a destructor closing one) runs with
 * the loader's lock held, and only tries the lock of module events. */
static bool is_module_call(void *user_data)
{
  const inline_hook *h = user_data;
  return h && is_module_hook(h->internal);
}

/* Whether a pending call hides a call that never returns made inside it
 * (oSpy's logNested off): when a spec describes it. A function traced with
 * raw words (a -f pattern that matched main), or decoded from its C++ name
 * only (OSPY_HOOK_F_HIDES_NONE), hides nothing; nor do the agent's own hooks
 * (dlopen). exit's _exit, err's exit are their own end. */
static bool hides_ending_call(void *user_data)
{
  const inline_hook *h = user_data;
  return h && !h->internal && h->fn && !(h->ph->flags & OSPY_HOOK_F_HIDES_NONE);
}

/* Whether a pending call hides a call that returns: only when it returns
 * itself (the exec family too: it returns when it fails, and what it calls
 * is its own work). A call that never returns hands the thread over to the
 * program's code: exit runs the atexit handlers, destructors and stdio's
 * flush, pthread_exit the cleanup handlers, abort a SIGABRT handler,
 * __cxa_throw the destructors on the way to the catch. */
static bool hides_call(void *user_data)
{
  const inline_hook *h = user_data;
  return hides_ending_call(user_data) && h->noreturn != NORETURN_ALWAYS;
}

static void report_nested_hidden(bool name_modules, bool at_exec);
static void record_pending_at_exec(ospy_invocation *inv, void *unused);
static void caller_lookup_enter(ospy_invocation *inv);

/* A call left out by its function's logNested="false": counted (one
 * increment, atomic: threads share the hook), so that the end of the
 * process can say how many (ospy_inline_report_nested_hidden). */
static void count_nested_hidden(inline_hook *h)
{
  __atomic_fetch_add(&h->nested_hidden, 1, __ATOMIC_RELAXED);
}

/* Whether logNested="false" hides this call: nested in a described call
 * that returns, and counted; or, for a call that never returns, nested
 * only in calls that never return either (exit's own _exit, err's exit):
 * the end of that call, which is recorded (= ?), not counted as left out
 * (every process that ends in a hooked exit would have a note for it). */
static bool hidden_as_nested(inline_hook *h, ospy_invocation *inv)
{
  if (ospy_invocation_nested_in(inv, hides_call)) {
    count_nested_hidden(h);
    return true;
  }
  return h->noreturn == NORETURN_ALWAYS && ospy_invocation_nested_in(inv, hides_ending_call);
}

/* Whether the word at the stack's top is a return address (right after a
 * call instruction), as at a function's first instruction. */
static int returns_to_caller(ospy_invocation *inv)
{
  ospy_cpu_context *cpu = ospy_invocation_cpu(inv);
#if defined(__x86_64__)
  uintptr_t sp = cpu->rsp;
#else
  uintptr_t sp = cpu->esp;
#endif
  uintptr_t word;
  return ospy_os_read_memory(sp, &word, sizeof word) == sizeof word &&
         ospy_agent_is_return_address(word);
}

/* A call its function's logCondition dropped at its entry: nothing of it
 * was taken, nor is at its leave (skip). One that does not return, made in
 * a vfork child, leaves no entry in its parent's thread state (as
 * drop_entry_record). Not counted: calls a condition leaves out are not
 * lost calls. */
static void dropped_at_entry(const inline_hook *h, ospy_invocation *inv)
{
  if (h->noreturn && h->noreturn != NORETURN_TWICE &&
      (uint32_t)ospy_os_getpid() != ospy_agent_g.pid)
    ospy_interceptor_forget(inv);
}

static void on_enter(ospy_invocation *inv)
{
  inline_hook *h = ospy_invocation_user_data(inv);
  enter_note *note = ospy_invocation_scratch(inv);
  if (h->internal) {
    /* the call's scratch is shared by every listener of the function: an
     * internal listener beside a user's hook of it (dlopen with preset proc)
     * must leave the user's note alone */
    if (h->internal == INTERNAL_SIGACTION)
      sigaction_enter(inv);
    if (h->internal == INTERNAL_CLOSE || h->internal == INTERNAL_CLOSE_NOCANCEL)
      close_enter(inv);
    if (h->internal == INTERNAL_VFORK)
      vfork_window = 1;
    if (h->internal == INTERNAL_SPAWN || h->internal == INTERNAL_SPAWNP)
      spawn_depth++;
    if (h->internal == INTERNAL_CLONE && ospy_agent_clone_enter(inv))
      vfork_window = 1; /* (a vfork child by another name) */
    if (h->internal == INTERNAL_FIND_CALLER)
      caller_lookup_enter(inv);
    if (is_exec_hook(h->internal)) {
      report_nested_hidden(true, true); /* (a successful exec ends this program's counts) */
      int followed = exec_enter(inv, h->internal);
      int vfork_child = (uint32_t)ospy_os_getpid() != ospy_agent_g.pid;
      /* (not in a vfork child: its parent's calls go on) */
      if (ospy_agent_g.active && !vfork_child)
        ospy_interceptor_show_pending_at_exec(inv, record_pending_at_exec, NULL);
      if (ospy_agent_g.active && followed)
        announce_exec(inv, h->internal);
      stop_signal_exec_enter(vfork_child);
      if (vfork_child) /* no leave: its entry would stay in the parent's thread state */
        ospy_interceptor_forget(inv);
    }
    if (h->internal == INTERNAL_EXIT || h->internal == INTERNAL_THREAD_EXIT) {
      /* the calls this thread has pending will never return: recorded now
       * (not in a vfork child: they are its parent's, and will return) */
      if ((uint32_t)ospy_os_getpid() == ospy_agent_g.pid) {
        ospy_interceptor_abandon_outer(inv);
        if (h->internal == INTERNAL_EXIT) { /* the other threads end with the process */
          ospy_interceptor_abandon_other_threads();
          ospy_inline_report_busy_at_end();
        }
      }
    }
    if (h->internal == INTERNAL_EXIT && (uint32_t)ospy_os_getpid() == ospy_agent_g.pid) {
      ospy_inline_report_never_found();
      ospy_inline_report_nested_hidden(0);
      ospy_agent_report_test_reads();
    }
    if (h->internal == INTERNAL_EXIT) /* a followed child's exit status: its parent reaps it */
      ospy_agent_emit_process_exit((int)ospy_invocation_get_arg(inv, 0));
    if (h->internal == INTERNAL_EXIT && ospy_agent_g.active && ospy_agent_g.follow_forks &&
        (uint32_t)ospy_os_getpid() != ospy_agent_g.pid) /* a vfork child whose exec failed */
      ospy_agent_emit_exec((uint32_t)ospy_os_getpid(), OSPY_EXEC_F_RETURNED, 0, "");
    return;
  }
  note->skip = 1;
  /* a hook inside a function (a stripped file's offset= after its push):
   * the word at the stack's top is what the function pushed, and replacing
   * it by the leave thunk corrupted the stack; such a call is recorded now
   * and left to return by itself (before any return below: the interceptor
   * would replace it for an unrecorded call too) */
  int at_entry_only = h->entry_unknown && !returns_to_caller(inv);
  if (at_entry_only)
    ospy_interceptor_forget(inv);
  if (!ospy_agent_g.active)
    return;
  if (at_entry_only && !__atomic_exchange_n(&h->entry_only_said, 1, __ATOMIC_RELAXED))
    ospy_agent_messagef2(OSPY_EV_INFO, h->index, h->ph->display,
                         ": the stack's top holds no return address there (not a function's "
                         "start?): such calls are recorded at their entry, their return not "
                         "followed (= ?)", NULL);
  /* oSpy's logNested: a configured function called from inside another
   * hooked call is recorded only when it asks for it. */
  /* (a call at entry only is no nested call: a loop's head inside a pending
   * call of the same hook, which its earlier pass armed) */
  if (h->fn && !(h->ph->flags & OSPY_HOOK_F_LOG_NESTED) && !at_entry_only &&
      hidden_as_nested(h, inv))
    return;
  thread_area *a = area_get();
  if (a)
    a = area_make_room(a, STATE_BYTES + MAX_BT * 8 + FRAME_LEAST_BLOB + 8 + sizeof(frame_footer));
  if (!a) {
    /* no memory, or too deep (the area is at its largest): not recorded,
     * and counted, so that recorded + lost still equals the calls made */
    ospy_ring_count_lost(&ospy_agent_g.ring, ospy_agent_g.pid, ospy_agent_tid());
    return;
  }
  note->frame_off = a->top;
  uint8_t *frame = a->data + a->top;
  uint64_t args[ARG_WORDS];
  ospy_marshal_call c = { 0 };
  if (h->fn) {
    c = (ospy_marshal_call){
      .ctx = ospy_invocation_cpu(inv), .args = args,
      .nargs = fill_args(inv, args, arg_words_of(h->fn)), .tid = ospy_invocation_thread_id(inv),
      .state = frame, .state_size = STATE_BYTES,
    };
    /* a condition on what the call entered with, before anything else is
     * taken: the memory is as the call entered (the values recorded) */
    if (!ospy_marshal_should_log_at_entry(h->fn, &c)) {
      dropped_at_entry(h, inv);
      return;
    }
  }
  note->ts = ospy_agent_clock();
  uint64_t *bt = (uint64_t *)(frame + STATE_BYTES);
  bool scanned;
  note->nbt = ospy_agent_backtrace(inv, bt, backtrace_depth(h), &scanned);
  note->bt_scanned = scanned;
  uint32_t below_blob = STATE_BYTES + note->nbt * 8;
  uint8_t *blob = frame + below_blob;
  if (h->fn) {
    uint32_t cap = blob_fits(a, below_blob);
    note->enter_len = (uint32_t)ospy_marshal_enter(h->fn, &c, blob, cap, value_cap);
    thread_area *grown;
    /* a blob the area had too little room for: written again once it has
     * more (the backtrace moved with it); without more, its values stay
     * cut, as at blob_room */
    while (c.short_of_room && cap < blob_room && (grown = blob_more_room(a, below_blob, cap))) {
      a = grown;
      frame = a->data + note->frame_off;
      c.state = frame;
      if (blob_fits(a, below_blob) <= cap)
        break; /* (cannot be: it has room for more now) */
      cap = blob_fits(a, below_blob);
      note->enter_len = (uint32_t)ospy_marshal_enter(h->fn, &c, frame + below_blob, cap,
                                                     value_cap);
    }
  } else {
    fill_args(inv, (uint64_t *)blob, RAW_ARGS);
    note->enter_len = RAW_ARGS * 8;
  }
  note->frame_len = (uint32_t)((STATE_BYTES + note->nbt * 8 + note->enter_len + 7u) & ~7u) +
                    (uint32_t)sizeof(frame_footer);
  *(frame_footer *)(frame + note->frame_len - sizeof(frame_footer)) =
    (frame_footer){ note->frame_len, 1 };
  __atomic_signal_fence(__ATOMIC_SEQ_CST); /* (the frames below top are whole: drop_orphan_frames) */
  a->top += note->frame_len;
  note->skip = 0;
  note->tentative = 0;
  if (h->noreturn || at_entry_only)
    record_at_entry(h, inv, note, a);
}

/* How a call ended, for its record. */
typedef struct call_end {
  uint16_t flags;   /* OSPY_CALL_F_NO_RETURN... */
  uint64_t ts_leave; /* 0: it did not return */
  uint64_t retval;
  int err;
  uint32_t pid, tid; /* 0: the agent's (a vfork child is not) */
  /* 0: written in this thread's lane of the ring (dropped when full with
   * --lossy); else in that thread's, never dropped: a call recorded
   * tentatively at an exec, whose own record follows there if it returns */
  uint32_t lane_tid;
} call_end;

static void write_record(inline_hook *h, ospy_invocation *inv, const enter_note *note,
                         const uint8_t *frame, const uint8_t *leave, uint32_t leave_len,
                         const call_end *end);

/* A function that does not return (or returns only if it fails) is recorded
 * now; the process may be gone before any leave. */
/* A call recorded at entry (or not at all): nothing more of it at leave or
 * when it is given up. */
static void drop_entry_record(ospy_invocation *inv, enter_note *note, thread_area *a,
                              int vfork_child, int noreturn)
{
  frame_free(a, note->frame_off, note->frame_len);
  note->skip = 1;
  /* a vfork or posix_spawn child shares this thread state with its parent:
   * an entry it left pending there would stay for good (elsewhere the
   * entry stays: calls made inside, _exit inside exit, are nested) */
  if (vfork_child && noreturn != NORETURN_TWICE)
    ospy_interceptor_forget(inv);
}

static void record_at_entry(inline_hook *h, ospy_invocation *inv, enter_note *note,
                            thread_area *a)
{
  uint8_t *frame = a->data + note->frame_off;
  if (h->fn) { /* its log condition, with no return value yet */
    uint64_t args[ARG_WORDS] = { 0 };
    ospy_marshal_call c = {
      .ctx = ospy_invocation_cpu(inv), .args = args, .nargs = ARG_WORDS, .err = errno,
      .tid = ospy_invocation_thread_id(inv), .state = frame, .state_size = STATE_BYTES,
    };
    if (!ospy_marshal_should_log(h->fn, &c)) {
      /* not logged now, nor when given up later (exit's outer _exit); an
       * exec's condition is asked again if it fails and returns */
      if (h->noreturn != NORETURN_UNLESS_FAILED)
        drop_entry_record(inv, note, a, (uint32_t)ospy_os_getpid() != ospy_agent_g.pid,
                          h->noreturn);
      return;
    }
  }
  /* a vfork child (sh's way to run a command) shares our memory and our idea
   * of pid and tid, and its failed exec ends in _exit: its exec is final */
  uint32_t pid = (uint32_t)ospy_os_getpid();
  int vfork_child = pid != ospy_agent_g.pid;
  int tentative = h->noreturn == NORETURN_UNLESS_FAILED && !vfork_child;
  call_end end = {
    .flags = (uint16_t)(OSPY_CALL_F_NO_RETURN | (tentative ? OSPY_CALL_F_TENTATIVE : 0)),
    .pid = vfork_child ? pid : 0, .tid = vfork_child ? pid : 0,
  };
  write_record(h, inv, note, frame, NULL, 0, &end);
  if (tentative)
    note->tentative = 1; /* exec: its leave, if it fails, supersedes this record */
  else
    drop_entry_record(inv, note, a, vfork_child, h->noreturn);
}

static char test_stall_symbol[128];
static uint32_t test_stalled;

void ospy_inline_set_test_stall(const char *symbol)
{
  test_stall_symbol[0] = '\0';
  if (symbol && strlen(symbol) < sizeof test_stall_symbol)
    strcpy(test_stall_symbol, symbol);
}

/* OSPY_TEST_STALL_RECORD (inline.h): this thread, its record begun, waits
 * forever if it is the first to write one of that function. */
static void test_stall_if_asked(const inline_hook *h)
{
  if (!test_stall_symbol[0] || strcmp(h->ph->symbol, test_stall_symbol) ||
      __atomic_exchange_n(&test_stalled, 1, __ATOMIC_ACQ_REL))
    return;
  static volatile uint32_t never;
  for (;;)
    ospy_os_futex_wait(&never, 0, -1);
}

static void write_record(inline_hook *h, ospy_invocation *inv, const enter_note *note,
                         const uint8_t *frame, const uint8_t *leave, uint32_t leave_len,
                         const call_end *end)
{
  uint32_t body = note->nbt * 8 + note->enter_len + leave_len;
  uint32_t size = ospy_event_align(sizeof(ospy_event_call) + body);
  uint64_t tok;
  ospy_event_call *c = ospy_agent_record_begin_in(OSPY_EV_CALL, size, note->ts, end->lane_tid, &tok);
  if (!c)
    return;
  ospy_copy(c + 1, frame + STATE_BYTES, (size_t)note->nbt * 8 + note->enter_len);
  ospy_copy((uint8_t *)(c + 1) + note->nbt * 8 + note->enter_len, leave, leave_len);
  c->h.flags = (uint16_t)((h->fn ? 0 : OSPY_CALL_F_RAW) |
                          (note->bt_scanned ? OSPY_CALL_F_BT_SCANNED : 0) | end->flags);
  c->seq = 0; /* numbered by the controller in ring order */
  c->ts_leave = end->ts_leave;
  c->ret_addr = ospy_invocation_return_address(inv);
  c->retval = end->retval;
  c->hook = h->index;
  c->err = end->err;
  uint32_t child = end->pid ? 0 : vfork_child_pid();
  if (end->pid) {
    c->h.pid = end->pid;
    c->h.tid = end->tid;
  } else if (child) {
    c->h.pid = child;
    c->h.tid = child;
  }
  c->nbt = (uint16_t)note->nbt;
  c->arch_bits = sizeof(void *) * 8;
  c->enter_len = note->enter_len;
  c->leave_len = leave_len;
  c->reserved = 0;
  test_stall_if_asked(h);
  ospy_agent_record_end(tok);
}

/* Set while the agent calls into libc from a callback (module tracking):
 * hooked functions libc reaches then are not calls of the program. */
static __thread int agent_calling __attribute__((tls_model("initial-exec")));

/* The C library's and the dynamic loader's code: a hooked function they
 * call while the thread is inside a callback is called on the agent's
 * behalf (the agent's fnmatch calls strnlen, its dl_iterate_phdr locks a
 * mutex): no call of the program. A signal handler's own calls return into
 * the program or its libraries. Found once, before any hook is in. */
static uintptr_t runtime_lo[2], runtime_hi[2];
#define RUNTIME_LOADER 1 /* runtime_lo[1]: the loader's */
/* The program's own image (caller_lookup_enter). */
static uintptr_t program_lo, program_hi;

static void runtime_ranges_find(void)
{
  static int done;
  if (done++)
    return;
  (void)ospy_agent_module_range((uintptr_t)&fnmatch, &runtime_lo[0], &runtime_hi[0]);
  (void)ospy_agent_module_range((uintptr_t)getauxval(AT_BASE), &runtime_lo[RUNTIME_LOADER],
                                &runtime_hi[RUNTIME_LOADER]);
  (void)ospy_agent_module_range((uintptr_t)getauxval(AT_PHDR), &program_lo, &program_hi);
  ospy_loader_locks_find(); /* (ifunc_chose's: only where the loader may be called) */
}

static int in_runtime(uintptr_t ret)
{
  for (int i = 0; i < 2; i++)
    if (ret >= runtime_lo[i] && ret < runtime_hi[i])
      return 1;
  return 0;
}

/* ---- the library that called dlopen or dlsym ---- */

/* Calls of the C library's or the loader's on the way from dlopen (or
 * dlsym) down to the loader's lookup (a user's hook of _dl_catch_exception):
 * not the caller the loader looks for. */
static bool inside_runtime(uintptr_t ret) { return in_runtime(ret) != 0; }

/*
 * _dl_find_dso_for_object(addr), the loader's "which library holds addr":
 * glibc's dlopen, dlmopen, dlsym and dlvsym hand it their own return
 * address, to search the RUNPATH of the library that called them, expand
 * its $ORIGIN, put a dlopen in its namespace, start RTLD_NEXT after it.
 * A hooked call's return address is the leave thunk, in the agent (and
 * dlopen and dlmopen are always hooked, for module tracking): a library's
 * dlopen by its RUNPATH failed under any capture. Here addr is put back to
 * the real return address of that call. Except for a caller in the program
 * itself when the lookup is the C library's (dlsym's, dladdr's: it does not
 * return into the loader): dlsym then checks RTLD_NEXT's caller against the
 * program's image by the address it was handed, still the thunk, and
 * fails; the agent taken for the caller, as before, finds the same next
 * definition (the loader puts the preloaded agent right after the program).
 */
static void caller_lookup_enter(ospy_invocation *inv)
{
  uintptr_t addr = ospy_invocation_get_arg(inv, 0);
  uintptr_t real = ospy_invocation_passed_return(inv, addr, inside_runtime);
  if (real == addr)
    return;
  uintptr_t from = ospy_invocation_return_address(inv);
  bool by_loader = from >= runtime_lo[RUNTIME_LOADER] && from < runtime_hi[RUNTIME_LOADER];
  if (real >= program_lo && real < program_hi && !by_loader)
    return;
  ospy_invocation_set_arg(inv, 0, real);
}

/* A hooked function entered while this thread was inside a callback: a
 * signal handler that interrupted the hook. Its call cannot be recorded
 * (the thread's frame and invocation state are in use), so it is counted as
 * lost, and the capture's recorded + lost still equals the calls made. */
static bool pending_recorded(void *user_data, const void *scratch)
{
  const inline_hook *h = user_data;
  const enter_note *note = scratch;
  return !h->internal && !note->skip;
}

/* _exit made while this thread was inside ospy's hook code (a stack
 * overflow there, caught by the program's handler on an alternate stack):
 * its pending calls cannot be recorded, and are counted; the other
 * threads' are recorded as at any end. */
static void exit_while_busy(void)
{
  if (!ospy_agent_g.active || (uint32_t)ospy_os_getpid() != ospy_agent_g.pid)
    return;
  for (unsigned n = ospy_interceptor_count_pending_busy(pending_recorded); n > 0; n--)
    ospy_ring_count_lost(&ospy_agent_g.ring, ospy_agent_g.pid, ospy_agent_tid());
  (void)ospy_interceptor_abandon_other_threads();
  ospy_inline_report_busy_at_end();
}

static void on_reentry(void *user_data, unsigned depth, uintptr_t ret)
{
  /* the agent's own calls (kill, clock_gettime, memcpy... from a callback)
   * return into the agent, those libc makes for it into libc */
  extern char __ehdr_start[] __attribute__((visibility("hidden")));
  extern char _end[] __attribute__((visibility("hidden")));
  inline_hook *h = user_data;
  if (h->internal == INTERNAL_EXIT && depth == 0 && !agent_calling) {
    exit_while_busy();
    return;
  }
  if (!ospy_agent_g.active || h->internal || agent_calling ||
      (ret >= (uintptr_t)__ehdr_start && ret < (uintptr_t)_end) || in_runtime(ret))
    return;
  /* nested (deeper than the invocation stack): it would not have been
   * recorded anyway; a signal handler's call comes with depth 0 */
  if (h->fn && depth > 0 && !(h->ph->flags & OSPY_HOOK_F_LOG_NESTED)) {
    count_nested_hidden(h);
    return;
  }
  ospy_ring_count_lost(&ospy_agent_g.ring, ospy_agent_g.pid, ospy_agent_tid());
}

/* ---- a signal handler that left the hook code by a jump ---- */

/* Times a signal handler left this process's hook code by a jump
 * (siglongjmp), not said yet (report_jumps_out). */
static uint32_t jumps_out;

static void count_lost(void)
{
  ospy_ring_count_lost(&ospy_agent_g.ring, ospy_agent_g.pid, ospy_agent_tid());
}

/* Whether the record this thread left unfinished (if any) was voided in
 * the recovery under way (on_jumped_out's thread part comes first). */
static __thread bool record_voided __attribute__((tls_model("initial-exec")));

/* Whether the call is in the capture, or counted lost: its record is the
 * last this thread began, reserved (or counted lost for want of room), and
 * not left unfinished. */
static bool call_accounted(const enter_note *note)
{
  return ospy_agent_call_record_begun() == note->ts && !record_voided;
}

/* The footer of the frame a pending call of this thread has in area a, as
 * its note says (NULL: an internal hook's, a skipped call's, or a note
 * that points outside the area or at another frame). */
static frame_footer *pending_frame_footer(ospy_invocation *inv, const thread_area *a)
{
  const inline_hook *h = ospy_invocation_user_data(inv);
  const enter_note *note = ospy_invocation_scratch(inv);
  if (h->internal || note->skip || note->frame_len < sizeof(frame_footer) ||
      note->frame_off > a->top || a->top - note->frame_off < note->frame_len)
    return NULL;
  frame_footer *f = (frame_footer *)(a->data + note->frame_off + note->frame_len - sizeof *f);
  return f->len == note->frame_len ? f : NULL;
}

/* Marks the frame of a pending call of this thread kept (footer live 2). */
static void mark_owned_frame(ospy_invocation *inv, void *data)
{
  frame_footer *f = pending_frame_footer(inv, data);
  if (f && f->live == 1)
    f->live = 2;
}

/* The frames no pending call of this thread owns (their on_enter or
 * on_leave was left by a jump: nothing frees them) are freed, the others
 * kept; the top comes down over the freed ones at the top. */
static void drop_orphan_frames(void)
{
  thread_area *a = tls_area;
  if (!a)
    return;
  ospy_interceptor_show_own_pending(mark_owned_frame, a, false);
  for (uint32_t end = a->top; end >= sizeof(frame_footer);) {
    frame_footer *f = (frame_footer *)(a->data + end - sizeof *f);
    if (f->len > end || f->len < sizeof *f)
      break;
    f->live = f->live == 2;
    end -= f->len;
  }
  while (a->top >= sizeof(frame_footer)) {
    const frame_footer *f = (const frame_footer *)(a->data + a->top - sizeof *f);
    if (f->live || f->len > a->top || f->len < sizeof *f)
      break;
    a->top -= f->len;
  }
}

/* A call given up whose abandon handler a jump cut short (its frame is
 * live, not freed at the end of on_abandon): counted lost unless its
 * record (= ?) was written. */
static void count_cut_short_abandon(ospy_invocation *inv, void *data)
{
  const frame_footer *f = pending_frame_footer(inv, data);
  if (f && f->live && !call_accounted(ospy_invocation_scratch(inv)))
    count_lost();
}

/* A signal handler left the hook code of a call by a jump (interceptor.h).
 * First (inv NULL) for the thread: a record it left unfinished is voided,
 * so that its lane of the ring moves on; calls whose giving up (= ?) was cut
 * short are counted lost unless recorded; the frames of the calls left are
 * freed. Then once per listener of the call left: it is counted lost
 * unless its record was written, so that recorded + lost still equals the
 * calls made. */
static void on_jumped_out(ospy_invocation *inv, ospy_jump_at at)
{
  bool ours = ospy_agent_g.active && (uint32_t)ospy_os_getpid() == ospy_agent_g.pid;
  if (!inv) {
    record_voided = ospy_agent_g.ring.ctl && ospy_agent_void_unfinished_record();
    if (ours && tls_area)
      ospy_interceptor_show_own_pending(count_cut_short_abandon, tls_area, true);
    drop_orphan_frames();
    agent_calling = 0;
    __atomic_fetch_add(&jumps_out, 1, __ATOMIC_RELAXED);
    return;
  }
  const inline_hook *h = ospy_invocation_user_data(inv);
  const enter_note *note = ospy_invocation_scratch(inv);
  if (h->internal || !ours)
    return;
  if (at == OSPY_JUMP_AT_LEAVE && note && (note->skip || call_accounted(note)))
    return; /* not recorded by choice, or recorded (or counted) already */
  /* (a function recorded at its entry: when its on_enter was left after
   * the record was written; with no scratch kept, setjmp's, not known) */
  if (at == OSPY_JUMP_AT_ENTER && note && (h->noreturn || h->entry_unknown) &&
      call_accounted(note))
    return;
  count_lost();
}

static char *put_text(char *p, const char *s);

/* Said once when the process ends, execs or is detached from, with how
 * many times (the Lost records count the calls). */
static void report_jumps_out(void)
{
  uint32_t n = __atomic_exchange_n(&jumps_out, 0, __ATOMIC_RELAXED);
  if (!n)
    return;
  char buf[320], *p = buf;
  p = put_text(p, "agent: a signal handler left ospy's hook code by a jump (siglongjmp) ");
  p = ospy_agent_put_dec(p, n);
  p = put_text(p, n == 1 ? " time" : " times");
  p = put_text(p, ": the thread's state was taken back at its next hooked call, and the call"
                  " being recorded, when it had no record yet, was counted lost");
  *p = 0;
  ospy_agent_message(OSPY_EV_WARNING, UINT32_MAX, buf);
}

/* Whether a call that did not return passes its function's condition, as
 * far as its arguments decide it. */
static int logs_unreturned(const inline_hook *h, ospy_invocation *inv, uint8_t *frame)
{
  if (!h->fn)
    return 1;
  uint64_t args[ARG_WORDS] = { 0 };
  ospy_marshal_call c = {
    .args = args, .nargs = ARG_WORDS, .tid = ospy_invocation_thread_id(inv),
    .state = frame, .state_size = STATE_BYTES,
  };
  return ospy_marshal_should_log_unreturned(h->fn, &c);
}

/* A pending call the thread left by longjmp or an exception, or one outside
 * _exit: recorded as not returning, its frame popped. */
static void on_abandon(ospy_invocation *inv)
{
  inline_hook *h = ospy_invocation_user_data(inv);
  enter_note *note = ospy_invocation_scratch(inv);
  call_end end = { .flags = OSPY_CALL_F_NO_RETURN };
  thread_area *a = tls_area;
  if (!ospy_invocation_on_current_thread(inv)) {
    /* another thread's, at the process's end: its frames, its name */
    void **slot = ospy_invocation_thread_slot(inv, OSPY_AGENT_SLOT_FRAMES);
    a = slot ? *slot : NULL;
    end.pid = ospy_agent_g.pid;
    end.tid = ospy_invocation_thread_id(inv);
    if (a && (note->frame_off > a->top || a->top - note->frame_off < note->frame_len))
      return; /* a frame that thread was still writing */
  }
  if (h->internal || note->skip || !a)
    return;
  uint8_t *frame = a->data + note->frame_off;
  /* an exec's tentative record already says it did not return */
  if (ospy_agent_g.active && !note->tentative && logs_unreturned(h, inv, frame))
    write_record(h, inv, note, frame, NULL, 0, &end);
  note->skip = 1;
  frame_free(a, note->frame_off, note->frame_len);
}

/* A call pending when its process execs (this thread's outside the exec,
 * or another thread's): if the exec succeeds it never returns, the other
 * threads ended by the kernel where they are (a read blocked on a pipe was
 * neither recorded nor counted). Whether it does is not known here, and
 * not afterwards either: the image that would know is gone. So it is
 * recorded now as an exec is, tentatively (NO_RETURN, held by the
 * controller until the process's new image starts or it ends: then
 * written `= ?`), its frame kept: if the exec fails the call goes on and
 * its leave writes its ordinary record, which replaces the held one (in
 * the call's own thread's lane, after it). Once per call: execvp's tries. */
static void record_pending_at_exec(ospy_invocation *inv, void *unused)
{
  inline_hook *h = ospy_invocation_user_data(inv);
  enter_note *note = ospy_invocation_scratch(inv);
  (void)unused;
  if (h->internal || note->skip || note->tentative)
    return;
  uint32_t tid = ospy_invocation_thread_id(inv);
  call_end end = { .flags = OSPY_CALL_F_NO_RETURN | OSPY_CALL_F_TENTATIVE, .lane_tid = tid };
  thread_area *a = tls_area;
  if (!ospy_invocation_on_current_thread(inv)) {
    void **slot = ospy_invocation_thread_slot(inv, OSPY_AGENT_SLOT_FRAMES);
    a = slot ? *slot : NULL;
    end.pid = ospy_agent_g.pid;
    end.tid = tid;
  }
  if (!a || note->frame_off > a->top || a->top - note->frame_off < note->frame_len)
    return; /* a frame that thread was still writing */
  uint8_t *frame = a->data + note->frame_off;
  if (!logs_unreturned(h, inv, frame))
    return;
  write_record(h, inv, note, frame, NULL, 0, &end);
  note->tentative = 1;
}

static void after_module_call(bool may_wait);

/* How long a thread whose resolver chose a function not hooked yet waits
 * for it at most: 500 waits of 10 ms (ifunc_chose). */
#define IFUNC_PATIENCE 500u

/* The wait of a thread that holds the loader's lock (ifunc_chose): until it
 * takes the agent's lock, its choice is settled, another thread waits for
 * the loader's lock it holds (the agent's lock holder may: then it goes on
 * at once), or patience runs out (polls of 1 ms). Whether it took the lock;
 * *why: why it went on without. */
static bool ifunc_wait_holding_loader_lock(uintptr_t resolver, uintptr_t target, unsigned *why)
{
  *why = OSPY_IFUNC_UNWAITED_TOO_LONG;
  for (unsigned timeouts = 0; timeouts < IFUNC_PATIENCE * 10;) {
    if (module_events_take(false))
      return true;
    if (ospy_ifunc_choice_settled(resolver, target))
      return false;
    if (ospy_loader_lock_held() != OSPY_LOADER_LOCK_HELD) {
      *why = OSPY_IFUNC_UNWAITED_LOADER_LOCK;
      return false;
    }
    if (ospy_os_futex_wait(&events_word, 1, 1000 * 1000) == -ETIMEDOUT)
      timeouts++;
  }
  return false;
}

/* An IFUNC's resolver returned target (INTERNAL_IFUNC_WATCH's leave): the
 * thread returns it to the loader, which binds the caller's GOT slot to it
 * (lazy binding) and runs it, only once it is hooked, so that no call,
 * this thread's or another's through that slot, runs it unhooked. A
 * function new among its choices is hooked by this thread when no other
 * holds the agent's lock; when another does (it hooks every choice before
 * it lets go: ifunc_choices_pending), and for a function another thread's
 * resolver run chose but that is not hooked yet, this thread waits for the
 * lock. (It did not: a second thread whose first call ran the resolver
 * while the first thread hooked its choice, 1 ms of work that took 8-15 ms
 * with the program's other threads busy on 2 CPUs, returned at once and
 * bound the GOT slot to the unhooked function, and every thread ran it
 * unhooked until the hook was in: 3 of 4 threads' calls went unrecorded,
 * and not counted lost.)
 *
 * Waiting must not deadlock. The lock's holder may wait for the loader's
 * lock (resolve.c calls dlsym, dladdr, dlopen RTLD_NOLOAD and
 * dl_iterate_phdr), and a resolver may run under it: in dlopen (BIND_NOW or
 * IRELATIVE relocations, a constructor's call bound lazily), in dlsym, in
 * a dl_iterate_phdr callback. A thread that holds it (loader_locks.h) does
 * not sleep on the agent's lock: it polls, and goes on as soon as another
 * thread waits for the loader's lock it holds (the holder may be that
 * thread); where the loader's locks are unknown it does not wait at all.
 * Lazy binding runs the resolver in _dl_fixup without the loader's locks
 * (its lookup's scope flag is reset before), and the agent's lock holder
 * waits for nothing else a program's thread holds (the threads it stops
 * are stopped here as anywhere, in the wait's system call); a program's
 * lock held around a call bound lazily, which the holder could need
 * through a libc function (a malloc of the program's own), is the case
 * the patience is for. A thread that went on before its choice was hooked
 * has it said (a Warning at the pass that hooks it: say_unwaited). One
 * that holds the agent's lock itself (a resolver run on the agent's
 * behalf) hooks the choice before it lets go, and its calls until then
 * are the agent's. */
static void ifunc_chose(uintptr_t resolver, uintptr_t target)
{
  if (ospy_agent_ifunc_chosen(resolver, target))
    __atomic_store_n(&ifunc_choices_pending, 1, __ATOMIC_RELEASE);
  if (ospy_ifunc_choice_settled(resolver, target) || events_owner == ospy_os_gettid())
    return;
  bool took = module_events_take(false);
  unsigned why = OSPY_IFUNC_UNWAITED_LOADER_LOCK;
  if (!took) {
    int loader = ospy_loader_lock_held();
    if (loader == OSPY_LOADER_LOCK_NONE) {
      took = module_events_take_within(true, IFUNC_PATIENCE);
      why = OSPY_IFUNC_UNWAITED_TOO_LONG;
    } else if (loader == OSPY_LOADER_LOCK_HELD) {
      took = ifunc_wait_holding_loader_lock(resolver, target, &why);
    }
  }
  if (took) {
    /* the holder before hooked every choice pending: one not settled yet
     * (found bound by a pass that began before it was made) takes one more */
    if (!ospy_ifunc_choice_settled(resolver, target))
      __atomic_store_n(&ifunc_choices_pending, 1, __ATOMIC_RELEASE);
    int calling = agent_calling;
    agent_calling = 1;
    module_events_unlock(); /* (which hooks the choices) */
    agent_calling = calling;
  }
  if (!ospy_ifunc_choice_settled(resolver, target))
    ospy_ifunc_choice_unwaited(resolver, target, why);
}

static void on_leave(ospy_invocation *inv)
{
  inline_hook *h = ospy_invocation_user_data(inv);
  enter_note *note = ospy_invocation_scratch(inv);
  int err = errno; /* the target's errno: the interceptor restores it after us */
  if (h->internal) {
    if (h->internal == INTERNAL_IFUNC_WATCH) {
      ifunc_chose(h->ifunc_resolver, (uintptr_t)ospy_invocation_get_return(inv));
      return;
    }
    if (h->internal == INTERNAL_SIGACTION) {
      sigaction_leave(inv);
      return;
    }
    if (h->internal == INTERNAL_SPAWN || h->internal == INTERNAL_SPAWNP) {
      spawn_depth -= spawn_depth > 0;
      return;
    }
    if (is_exec_hook(h->internal)) { /* the exec failed: this program goes on */
      stop_signal_exec_failed();
      if (ospy_agent_g.active && ospy_agent_g.follow_forks)
        ospy_agent_emit_exec(ospy_agent_g.pid, OSPY_EXEC_F_RETURNED, 0, "");
      return;
    }
    if (h->internal == INTERNAL_CLOSE || h->internal == INTERNAL_CLOSE_NOCANCEL) {
      uint64_t entered = close_entered(inv);
      if ((int32_t)ospy_invocation_get_return(inv) == 0 && ospy_agent_g.active)
        ospy_agent_emit_fd_closed(vfork_child_pid(), (int32_t)ospy_invocation_get_arg(inv, 0),
                                  entered);
      return;
    }
    /* dlopen, dlmopen or dlclose returned: the modules may have changed */
    agent_calling = 1;
    after_module_call(!ospy_invocation_nested_in(inv, is_module_call));
    agent_calling = 0;
    return;
  }
  if (note->skip)
    return;
  thread_area *a = tls_area;
  uint8_t *frame = a->data + note->frame_off;
  uint8_t *leave = a->data + a->top; /* above every live frame (other stacks' too) */
  uint32_t leave_len = 0;
  uint64_t retval = ospy_invocation_get_return(inv);
  int log = ospy_agent_g.active; /* detached or consumer gone: no marshaling either */
  uint16_t failed = 0;
  if (log && h->fn) {
    /* (read at leave only when the enter kept no state: the zeros, not this
     * stack's garbage; a call of plain integers reads none) */
    uint64_t args[ARG_WORDS];
    unsigned nargs = h->fn->ints_words ? 0 : arg_words_of(h->fn);
    memset(args, 0, nargs * sizeof *args);
    ospy_marshal_call c = {
      .ctx = ospy_invocation_cpu(inv), .args = args, .nargs = nargs, .retval = retval,
      .err = err, .tid = ospy_invocation_thread_id(inv), .state = frame,
      .state_size = STATE_BYTES,
    };
    /* an exec recorded at entry that failed: its record must replace that one */
    log = note->tentative || ospy_marshal_should_log(h->fn, &c);
    if (log && ospy_marshal_failed(h->fn, &c))
      failed = OSPY_CALL_F_FAILED;
    if (log) {
      ospy_marshal_call first = c; /* (the leave leaves a typed retval in c) */
      uint32_t cap = blob_fits(a, 0);
      leave_len = (uint32_t)ospy_marshal_leave(h->fn, &c, leave, cap, value_cap);
      thread_area *grown;
      /* as at entry: written again once the area has more room */
      while (c.short_of_room && cap < blob_room && (grown = blob_more_room(a, 0, cap))) {
        a = grown;
        frame = a->data + note->frame_off;
        leave = a->data + a->top;
        if (blob_fits(a, 0) <= cap)
          break; /* (cannot be: it has room for more now) */
        c = first;
        c.state = frame;
        cap = blob_fits(a, 0);
        leave_len = (uint32_t)ospy_marshal_leave(h->fn, &c, leave, cap, value_cap);
      }
    }
    /* typed by the marshaler: readers filter on it (retval == -1 of an i386
     * Int64 is edx:eax) */
    retval = c.retval;
  }
  if (log) {
    call_end end = {
      .flags = (uint16_t)((note->tentative ? OSPY_CALL_F_SUPERSEDES : 0) | failed),
      .ts_leave = ospy_agent_clock(), .retval = retval, .err = err,
    };
    write_record(h, inv, note, frame, leave, leave_len, &end);
  }
  frame_free(a, note->frame_off, note->frame_len);
  errno = err;
}

/* ---- installing ---- */

static int is_glob(const char *s)
{
  return strpbrk(s, "*?[") != NULL;
}

/* "*": any module, as no module at all: none is to blame for lacking it. */
static int only_wildcards(const char *s)
{
  return s[0] && strspn(s, "*") == strlen(s);
}

static const char *file_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}


/* Calls are shown with the module their function is in, where the plan
 * could not name it: a glob (kv-*!parse, *!f), no module (-f f in a library
 * opened later, a config's spec named by -f). A module written as a name or
 * path is shown as written. 1 when that name differs from the plan's, with
 * the name in out; 0 for a hook not attached (its module unloaded). */
static int module_name(const inline_hook *h, char *out, size_t cap)
{
  const ospy_plan_hook *ph = h->ph;
  char path[512];
  if (h->internal || !h->addr || (ph->module[0] && !is_glob(ph->module)) ||
      !ospy_agent_module_path_of(h->addr, path, sizeof path))
    return 0;
  ospy_agent_join3(out, cap, file_name(path), "!", ospy_plan_hook_function(ph));
  return strcmp(out, ph->display) != 0;
}

/* module_name, and that name to the capture (HookName) when it differs
 * from the plan's. */
static int name_by_module(const inline_hook *h, char *out, size_t cap)
{
  if (!module_name(h, out, cap))
    return 0;
  ospy_agent_emit_hook_name(h->index, out);
  return 1;
}

/* For a crash report: the function name of the attached hook the interceptor
 * patched at function (its resolved address, or the thunk it patched instead),
 * NULL when none. Reads the hook table only: async-signal-safe. */
const char *ospy_inline_hook_function_name(uintptr_t function)
{
  for (uint32_t i = 0; i < nhooks; i++)
    if (hooks[i].listener && ((uintptr_t)hooks[i].patched == function ||
                              (uintptr_t)hooks[i].addr == function))
      return ospy_plan_hook_function(hooks[i].ph);
  return NULL;
}

int ospy_inline_hook_place_unchecked(uintptr_t function)
{
  for (uint32_t i = 0; i < nhooks; i++)
    if (hooks[i].listener && (uintptr_t)hooks[i].patched == function)
      return hooks[i].place_unchecked;
  return 0;
}


static void report(inline_hook *h, int type, const char *what, const char *why)
{
  if (h->reported)
    return;
  h->reported = 1;
  ospy_agent_messagef2(type, h->index, h->ph->display, what, why);
}

/* The hook that patched the same code: two symbols of one function (open64
 * and open), or a jump thunk (freeifaddrs is `jmp free`) and its target. Two
 * listeners of one function would share one call's scratch. */
static inline_hook *already_hooked(const void *patched)
{
  for (uint32_t i = 0; i < nhooks; i++)
    if (hooks[i].listener && !hooks[i].internal && hooks[i].patched == patched)
      return &hooks[i];
  return NULL;
}

/* A signature that matches more than one place hooks the first: said, with
 * the places (offsets, functions), so a user can make it longer or hook the
 * one meant by its offset. */
static void warn_ambiguous_signature(inline_hook *h)
{
  static char places[512]; /* (not on a thread's stack; one resolver at a time) */
  unsigned n = ospy_agent_signature_matches(h->ph, places, sizeof places);
  if (n < 2)
    return;
  char count[24], msg[512], tail[640];
  ospy_agent_put_dec(count, n);
  ospy_agent_join3(msg, sizeof msg, h->ph->display, ": its signature matches ", count);
  ospy_agent_join3(tail, sizeof tail, " places, ", places,
                   "; the first is hooked (a longer signature tells them apart)");
  ospy_agent_messagef2(OSPY_EV_WARNING, h->index, msg, n >= 100 ? " or more" : "", tail);
}

/* A function named (not a pattern's match: a glob leaves clones out, and
 * says so when it matched only clones) whose module has compiler copies of
 * it: at -O2 its callers may call a copy (buf_fn.constprop.0), and the hook
 * records nothing. A note names them; they are not hooked for the user
 * (their parameters may differ from the spec's). Said for the name once:
 * not again for the other functions of a name several static ones share. */
static void note_clones(const inline_hook *h, const char *name)
{
  const ospy_plan_hook *ph = h->ph;
  char note[1024];
  if (h->internal || h->same_name || (ph->flags & OSPY_HOOK_F_GLOB) ||
      (ph->kind != OSPY_HOOK_EXPORT && ph->kind != OSPY_HOOK_SYMTAB) ||
      !ospy_agent_clone_note(h->addr, ph->symbol, note, sizeof note))
    return;
  ospy_agent_messagef2(OSPY_EV_INFO, h->index, name, note, NULL);
}

/* Room in the hook table for the same-named functions of plan hooks (each
 * an entry of its own, added when found: listeners point at entries, the
 * table never moves). */
#define SAME_NAMED_ROOM 1024u

/* Entries of h's plan hook for its functions past the first, up to count
 * in all (as room allows): a name's same-named functions, an IFUNC's
 * chosen ones (the entries' same_name: which). */
static void add_same_name_entries(inline_hook *h, unsigned count)
{
  while (h->same_named_added + 1 < count && nhooks < hooks_cap) {
    inline_hook *t = &hooks[nhooks++];
    *t = (inline_hook){ .index = h->index, .ph = h->ph, .fn = h->declared,
                        .declared = h->declared, .noreturn = h->noreturn,
                        .same_name = ++h->same_named_added,
                        .ifunc_resolver = h->ifunc_resolver };
  }
}

/* A plan hook's name that designates several functions of one file (two
 * `static int helper(int)` of two source files): each is hooked, under that
 * plan hook (its name, its spec), and a note says how many and where. */
static void add_same_named(inline_hook *h, const ospy_resolved *r)
{
  unsigned before = h->same_named_added;
  add_same_name_entries(h, r->count);
  if (h->same_named_added == before)
    return;
  static char where[768], head[512]; /* (not on a thread's stack) */
  char n[24];
  ospy_agent_put_dec(n, r->count);
  ospy_agent_same_named_where(h->ph, r->addr, where, sizeof where);
  ospy_agent_join3(head, sizeof head, h->ph->display, ": ", n);
  ospy_agent_join3(head + strlen(head), sizeof head - strlen(head),
                   " functions of that name (", where, ")");
  ospy_agent_messagef2(OSPY_EV_INFO, h->index, head,
                       h->same_named_added + 1 < r->count
                         ? ", the first ones hooked (no room for more): calls of each are "
                           "recorded under that name"
                         : ", each hooked: calls of each are recorded under that name", NULL);
}

/* A vtable spec's methodCount larger than the vtable its symbol designates
 * (the config describes another class, or a wrong symbol): said once per
 * vtable hook; methods whose slot lies within it are hooked. */
static void check_method_count(inline_hook *h, unsigned slots)
{
  const ospy_plan_hook *ph = h->ph;
  if (!slots || !specs || !ph->symbol[0])
    return;
  for (uint32_t k = 0; k < nhooks; k++)
    if (hooks[k].method_count_said && hooks[k].ph->kind == OSPY_HOOK_VTABLE &&
        !strcmp(hooks[k].ph->symbol, ph->symbol) && !strcmp(hooks[k].ph->module, ph->module))
      return;
  for (uint32_t v = 0; v < specs->nvtables; v++) {
    const ospy_spec_vtable *vt = &specs->vtables[v];
    for (uint32_t m = 0; m < vt->nmethods; m++) {
      if (vt->methods[m].fn != ph->spec_index || vt->method_count <= slots)
        continue;
      char count[24], have[24], head[640];
      ospy_agent_put_dec(count, vt->method_count);
      ospy_agent_put_dec(have, slots);
      h->method_count_said = 1;
      ospy_agent_join3(head, sizeof head, "agent: vtable spec ", vt->id, " says methodCount ");
      ospy_agent_join3(head + strlen(head), sizeof head - strlen(head), count, ", but vtable ",
                       ph->symbol);
      ospy_agent_join3(head + strlen(head), sizeof head - strlen(head), " holds ", have,
                       " methods (from its symbol's size): methods past them are not hooked, "
                       "and the spec may describe another class");
      ospy_agent_message(OSPY_EV_WARNING, h->index, head);
      return;
    }
  }
}

/* The calling convention a spec declares; OSPY_CC_DEFAULT without one. */
static ospy_call_conv declared_convention(const ospy_spec_fn *fn)
{
  switch (fn ? ospy_spec_fn_callconv(fn) : OSPY_CALLCONV_DEFAULT) {
  case OSPY_CALLCONV_STDCALL: return OSPY_CC_STDCALL;
  case OSPY_CALLCONV_FASTCALL: return OSPY_CC_FASTCALL;
  case OSPY_CALLCONV_THISCALL: return OSPY_CC_THISCALL;
  case OSPY_CALLCONV_REGPARM1: return OSPY_CC_REGPARM1;
  case OSPY_CALLCONV_REGPARM2: return OSPY_CC_REGPARM2;
  case OSPY_CALLCONV_REGPARM3: return OSPY_CC_REGPARM3;
  case OSPY_CALLCONV_FASTCC: return OSPY_CC_FASTCALL; /* (ecx, edx, then the stack) */
  default: return OSPY_CC_DEFAULT;
  }
}

#if defined(__i386__)
static size_t read_code(uint64_t addr, void *buf, size_t n, void *ctx)
{
  (void)ctx;
  return ospy_os_read_memory((uintptr_t)addr, buf, n);
}

/* Which of eax, edx, ecx the function at addr (size bytes, 0: not known)
 * reads before writing them (arch/x86/x86_reg_args.h). clang_built: clang
 * built some of its file; clang passes nothing in eax, and makes room on
 * the stack with `push %eax` (-O2), right before a call too, where it looks
 * like an argument handed on: eax only pushed is no argument there. */
static unsigned register_arguments(const void *addr, uint64_t size, bool clang_built)
{
  uintptr_t lo, hi;
  if (!ospy_agent_code_segment(addr, &lo, &hi))
    return 0;
  ospy_x86_code code = { lo, hi, read_code, NULL };
  unsigned pushed_only = 0;
  unsigned live = ospy_x86_live_in_args_pushed(&code, (uintptr_t)addr, size, &pushed_only);
  if (clang_built)
    live &= ~(pushed_only & OSPY_X86_ARG_EAX);
  return live;
}

/* The convention a static function that reads the argument registers live
 * was called by: clang's fastcc (ecx, edx) when clang built some of its
 * file and it reads no eax, which clang never passes anything in; else
 * GCC's regparm(3) (eax, edx, ecx), whichever of them it reads: one that
 * reads edx or ecx and not eax is most often one whose first argument
 * GCC's code never reads (-O1; -O2 drops it). */
static uint8_t local_convention(unsigned live, bool clang_built)
{
  return clang_built && !(live & OSPY_X86_ARG_EAX) ? OSPY_CALLCONV_FASTCC
                                                   : OSPY_CALLCONV_REGPARM3;
}

/* Whether a spec passes or returns a structure by value: decoded only
 * under cdecl and stdcall on i386 (plan/spec_abi.h). */
static bool passes_structure(const ospy_spec_fn *fn)
{
  if (fn->has_ret && ospy_abi_is_byval(fn->table, &fn->ret))
    return true;
  for (uint32_t i = 0; i < fn->nargs; i++)
    if (!fn->args[i].value.src && ospy_abi_is_byval(fn->table, &fn->args[i].t))
      return true;
  return false;
}

/* Whether a spec has a Float or Double argument: on the stack under clang's
 * fastcc without SSE2 (the -m32 default), in xmm0-2 with it. */
static bool passes_float(const ospy_spec_fn *fn)
{
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_spec_type *ty = ospy_spec_table_type(fn->table, fn->args[i].t.type);
    if (!fn->args[i].value.src && !fn->args[i].t.ptr && ty && ty->kind == OSPY_KIND_FLOAT)
      return true;
  }
  return false;
}

/* "eax, edx" for the registers of live (OSPY_X86_ARG_*), in the order
 * callconv passes arguments in them. */
static void register_names(unsigned live, uint8_t callconv, char *out, size_t cap)
{
  static const char *const names[6] = { "eax", "edx", "ecx", "xmm0", "xmm1", "xmm2" };
  static const unsigned gcc_order[6] = { 0, 1, 2, 3, 4, 5 }, clang_order[6] = { 2, 1, 0, 3, 4, 5 };
  const unsigned *order = callconv == OSPY_CALLCONV_FASTCC ? clang_order : gcc_order;
  out[0] = 0;
  for (unsigned k = 0; k < 6; k++)
    if (live & (1u << order[k]))
      ospy_agent_join3(out + strlen(out), cap - strlen(out), out[0] ? ", " : "",
                       names[order[k]], NULL);
}

/* A static function that reads argument registers (live), kept as cdecl:
 * declared so, or passing a structure by value (decoded under cdecl and
 * stdcall only). Said once. */
static void say_kept_cdecl(inline_hook *h, unsigned live, uint8_t callconv, bool declared_cdecl)
{
  char regs[32], head[640];
  if (h->convention_said)
    return;
  h->convention_said = 1;
  bool clang = callconv == OSPY_CALLCONV_FASTCC;
  register_names(live, callconv, regs, sizeof regs);
  ospy_agent_join3(head, sizeof head, h->ph->display,
                   declared_cdecl ? ": callingConvention=\"cdecl\", but it reads "
                                  : ": passes a structure by value (decoded only under cdecl "
                                    "and stdcall), but it reads ",
                   regs);
  ospy_agent_messagef2(OSPY_EV_WARNING, h->index, head,
                       clang ? " before writing them, not eax, where clang (which built some "
                               "of its file) passes a local function's first arguments on "
                               "i386: read as cdecl, its arguments may be wrong"
                             : " before writing them, where GCC passes a local function's "
                               "first arguments on i386: read as cdecl, its arguments may be "
                               "wrong",
                       !declared_cdecl ? NULL
                       : clang         ? " (callingConvention=\"fastcc\" reads them there)"
                                       : " (callingConvention=\"regparm\" reads them there)");
}

/* A static function read by the convention its compiler called it by
 * (local_convention), after the registers it reads (live): said once,
 * with what was seen. */
static void say_read_in_registers(inline_hook *h, unsigned live, uint8_t callconv)
{
  char regs[32], head[640];
  if (h->convention_said)
    return;
  h->convention_said = 1;
  register_names(live, callconv, regs, sizeof regs);
  ospy_agent_join3(head, sizeof head, h->ph->display, ": reads ", regs);
  bool sse = live & OSPY_X86_ARG_XMM;
  const char *floats = !h->declared || !passes_float(h->declared) ? NULL
                       : sse ? " (its Float and Double arguments in xmm0, xmm1, xmm2, as "
                               "compilers pass a local function's first three with SSE2 math)"
                       : callconv == OSPY_CALLCONV_FASTCC
                         ? " (its Float and Double arguments from the stack, where clang "
                           "passes them without SSE2)"
                         : NULL;
  if (callconv != OSPY_CALLCONV_FASTCC) {
    ospy_agent_messagef2(OSPY_EV_INFO, h->index, head,
                         " before writing them: arguments in registers, as GCC passes a "
                         "local function's first three on i386 (eax, edx, ecx): read as "
                         "regparm(3)", floats);
    return;
  }
  ospy_agent_messagef2(OSPY_EV_INFO, h->index, head,
                       " before writing them, not eax, and clang built some of its file (its "
                       ".comment): arguments in registers, as clang passes a local function's "
                       "first two on i386 (ecx, edx): read as fastcc", floats);
}

/* A global function (exported, or found in a .symtab as a global) that
 * reads argument registers (live) but is read as cdecl, the ABI's
 * convention, as its spec declares none: one whose declaration says
 * regparm(N) or fastcall, which nothing but its code shows. Said once: a
 * Warning naming the registers and the convention that passes arguments
 * there. */
static void say_global_registers(inline_hook *h, unsigned live)
{
  char regs[32], head[640];
  if (h->convention_said)
    return;
  h->convention_said = 1;
  bool eax = live & OSPY_X86_ARG_EAX;
  register_names(live, eax ? OSPY_CALLCONV_REGPARM3 : OSPY_CALLCONV_FASTCC, regs, sizeof regs);
  ospy_agent_join3(head, sizeof head, h->ph->display, ": reads ", regs);
  ospy_agent_messagef2(OSPY_EV_WARNING, h->index, head,
                       eax ? " before writing them, where __attribute__((regparm(N))) passes a "
                             "function's first arguments on i386 (eax, edx, ecx): a global "
                             "function is called by cdecl unless its declaration says otherwise, "
                             "and no callingConvention was given: read as cdecl, its arguments "
                             "may be wrong"
                           : " before writing them, where __attribute__((fastcall)) passes a "
                             "function's first two arguments on i386 (ecx, edx): a global "
                             "function is called by cdecl unless its declaration says otherwise, "
                             "and no callingConvention was given: read as cdecl, its arguments "
                             "may be wrong",
                       eax ? " (callingConvention=\"regparm\" reads them there, or "
                             "\"regparm(2)\", \"regparm(1)\" as it is declared)"
                           : " (callingConvention=\"fastcall\" reads them there)");
}

/* i386: the argument registers the code at addr reads before writing them,
 * less those it only pushes before a call (room made on the stack, no
 * argument); 0 when its code segment is not found. */
static unsigned argument_registers_read(const ospy_resolved *r, const void *addr)
{
  uintptr_t lo, hi;
  if (!ospy_agent_code_segment(addr, &lo, &hi))
    return 0;
  ospy_x86_code code = { lo, hi, read_code, NULL };
  unsigned pushed_only = 0;
  unsigned live = ospy_x86_live_in_args_pushed(&code, (uintptr_t)addr, r->size, &pushed_only);
  return live & ~pushed_only;
}

/* i386: a global function found by its name (an export, a .symtab's
 * global) whose spec declares no convention, or hooked with raw words by
 * its name (not a -f pattern's match: the look costs about 0.1 ms a
 * function, and a pattern may match thousands), that reads eax, edx or ecx
 * before writing them (a register only pushed before a call is no
 * argument: room made on the stack) gets a Warning (say_global_registers):
 * its declaration may say regparm or fastcall, and it is read as cdecl. It
 * is not read otherwise: nothing but its code tells regparm(1) from (3),
 * nor fastcall from a regparm function whose first argument goes unread. */
static void check_global_registers(inline_hook *h, const ospy_resolved *r, const void *addr)
{
  if (r->is_static || h->internal || r->entry_unknown ||
      (h->ph->kind != OSPY_HOOK_EXPORT && h->ph->kind != OSPY_HOOK_SYMTAB) ||
      (h->declared && (h->declared->callconv != OSPY_CALLCONV_DEFAULT || !h->declared->nargs)) ||
      (!h->declared && (h->ph->flags & OSPY_HOOK_F_GLOB)))
    return;
  unsigned live = argument_registers_read(r, addr) & OSPY_X86_ARG_GP;
  if (live)
    say_global_registers(h, live);
}

/* A static function whose spec declares the convention its compiler called
 * it by (regparm, fastcc: a config's, or clang's from its DWARF), with a
 * Float or Double argument: read as that convention with its floats in
 * xmm0-2 when its code reads one of them before writing it (SSE2 math). */
static void declared_sse(inline_hook *h, const ospy_resolved *r, const void *addr)
{
  const ospy_spec_fn *fn = h->declared;
  int cc = fn ? fn->callconv : OSPY_CALLCONV_DEFAULT;
  if (!fn || !passes_float(fn) ||
      (cc != OSPY_CALLCONV_FASTCC && (cc < OSPY_CALLCONV_REGPARM1 || cc > OSPY_CALLCONV_REGPARM3)))
    return;
  unsigned live = register_arguments(addr, r->size, r->clang_built);
  if (!(live & OSPY_X86_ARG_XMM))
    return;
  h->in_registers = *fn;
  h->in_registers.sse_floats = 1;
  h->in_registers.arg_words = 0;
  h->fn = &h->in_registers;
}

/* i386: a function local to its source file (static, its address never
 * taken, not variadic) may be called by a convention of its compiler's own
 * when it optimizes (-O1 and above), which nothing but the code says: GCC
 * passes its first three integer arguments in eax, edx, ecx (its implicit
 * regparm(3)), clang the first two integer words in ecx, edx (LLVM's
 * fastcc). A static function (found in a .symtab: exported ones keep the
 * ABI's cdecl) whose spec declares no convention, or hooked with raw words,
 * is read by the one local_convention picks when it reads one of those
 * registers before writing it (GCC's rule for a local function is
 * regparm(3) whatever it reads first: a 64-bit argument in edx:ecx whose
 * high half is never read is still there; an explicit regparm(1) or (2)
 * on a static function, rare, is then read wrong past its registers): read
 * as cdecl, its arguments were the caller's stack words, wrong without a
 * word why. A convention the spec declares is kept; cdecl declared for
 * such a function gets a warning. The convention to attach h with; h->fn
 * the spec to decode its calls by. */
/* i386: a function its spec declares thiscall (MSVC's: `this` in ecx) whose
 * code does not read ecx before writing it: GCC and clang pass `this` on
 * the stack (their methods are cdecl on Linux), and such a method read as
 * thiscall has every argument one word off, silently. A Warning; the
 * declaration is kept (a method that never looks at `this` reads no ecx). */
static void check_thiscall(inline_hook *h, const ospy_resolved *r, const void *addr)
{
  if (!h->declared || h->declared->callconv != OSPY_CALLCONV_THISCALL || h->internal ||
      r->entry_unknown || h->convention_said)
    return;
  uintptr_t lo, hi;
  if (!ospy_agent_code_segment(addr, &lo, &hi) ||
      (argument_registers_read(r, addr) & OSPY_X86_ARG_ECX))
    return;
  h->convention_said = 1;
  ospy_agent_messagef2(OSPY_EV_WARNING, h->index, h->ph->display,
                       ": declared callingConvention=\"thiscall\" (`this` in ecx, as MSVC "
                       "passes it), but its code does not read ecx before writing it: GCC and "
                       "clang pass `this` on the stack on Linux (their methods are cdecl); "
                       "if they built it, drop callingConvention, or its arguments are read "
                       "one word off",
                       NULL);
}

static ospy_call_conv static_function_convention(inline_hook *h, const ospy_resolved *r,
                                                 const void *addr, ospy_call_conv cc)
{
  h->fn = h->declared;
  check_thiscall(h, r, addr);
  bool declared_cdecl = h->declared && h->declared->callconv == OSPY_CALLCONV_CDECL;
  if (!r->is_static) {
    check_global_registers(h, r, addr);
    return cc;
  }
  if (h->internal)
    return cc;
  if (cc != OSPY_CC_DEFAULT && !declared_cdecl) {
    declared_sse(h, r, addr);
    return cc;
  }
  unsigned live = register_arguments(addr, r->size, r->clang_built);
  if (!live)
    return cc;
  uint8_t callconv = local_convention(live, r->clang_built);
  if (declared_cdecl || (h->declared && passes_structure(h->declared))) {
    say_kept_cdecl(h, live, callconv, declared_cdecl);
    return cc;
  }
  if (h->declared) {
    /* (the copy shares its arguments, and their int_word: with ints_words
     * set, each a one-word integer, argument k is argument word k under
     * every i386 convention) */
    h->in_registers = *h->declared;
    h->in_registers.callconv = callconv;
    h->in_registers.sse_floats = (live & OSPY_X86_ARG_XMM) != 0;
    h->in_registers.arg_words = 0; /* (counted for the declared convention: all read) */
    h->fn = &h->in_registers;
  }
  say_read_in_registers(h, live, callconv);
  return callconv == OSPY_CALLCONV_FASTCC ? OSPY_CC_FASTCALL : OSPY_CC_REGPARM3;
}
#endif

/* Whether the code at addr is in no loaded module: unloaded (dlclose) by
 * another thread since it was looked up. */
static int code_unloaded(const void *addr)
{
  uintptr_t lo, hi;
  return ospy_agent_module_range((uintptr_t)addr, &lo, &hi) < 0;
}

/* A spare copy of a hook by a module glob (OSPY_HOOK_F_SPARE): it hooks
 * another module the glob matches, under a hook index of its own. */
static int is_spare(const inline_hook *h)
{
  return !h->internal && (h->ph->flags & OSPY_HOOK_F_SPARE);
}

/* The plan index of the hook a hook by a module glob and its spares share. */
static uint32_t glob_group(const inline_hook *h)
{
  return is_spare(h) ? (uint32_t)h->ph->offset : h->index;
}

/* Whether h is one of a module glob's hooks, which take a module each. */
static int in_glob_group(const inline_hook *h)
{
  return !h->internal && (is_spare(h) || ospy_plan_hook_wants_spares(h->ph));
}

#define GROUP_TAKEN_MAX 64u

/* The function a hook holds for its module glob: the one it hooked, or the
 * one it was refused at (NULL: none). */
static const void *glob_member_function(const inline_hook *h)
{
  if (h->listener)
    return h->addr;
  return h->failed ? h->refused_at : NULL;
}

/* The functions the other hooks of h's module glob hooked, or were refused
 * at (other plan indices: not h's own same-named ones): their modules are
 * theirs. A function refused to one copy is refused to every copy: a spare
 * that tried it again said the same error again, and was used up by it. */
static unsigned glob_group_taken(const inline_hook *h, const void **addrs)
{
  unsigned n = 0;
  if (!in_glob_group(h))
    return 0;
  for (uint32_t k = 0; k < nhooks && n < GROUP_TAKEN_MAX; k++) {
    const void *fn = glob_member_function(&hooks[k]);
    if (fn && hooks[k].index != h->index && in_glob_group(&hooks[k]) &&
        glob_group(&hooks[k]) == glob_group(h))
      addrs[n++] = fn;
  }
  return n;
}

/* Resolves h, in a module the other hooks of its module glob have not taken. */
static void resolve_hook(const inline_hook *h, ospy_resolved *r)
{
  static const void *taken[GROUP_TAKEN_MAX]; /* (one resolver at a time) */
  unsigned n = glob_group_taken(h, taken);
  ospy_agent_resolve_excluding(n ? taken : NULL, n);
  ospy_agent_resolve(h->ph, h->same_name, r);
  ospy_agent_resolve_excluding(NULL, 0);
}

/* Whether a hook is of a C++ thunk (its symbol a thunk's mangled name:
 * _ZTh non-virtual, _ZTv virtual, _ZTc covariant return; _ZTV is a vtable)
 * shown under its method's name: a thunk with a copy of its method's code,
 * hooked with the method (cxx_thunks.c), at an address of its own. */
static int thunk_shown_as_method(const ospy_plan_hook *ph)
{
  const char *s = ph->symbol;
  return s[0] == '_' && s[1] == 'Z' && s[2] == 'T' && (s[3] == 'h' || s[3] == 'v' || s[3] == 'c') &&
         !strstr(ph->display, "thunk to ");
}

/* The head of say_alias's message, h and first of other names: a thunk
 * hooked with its method is said as one, not as its method's other name
 * (the method is at another address). */
static void alias_head(char *head, size_t cap, const ospy_plan_hook *ph, const ospy_plan_hook *fh)
{
  if (thunk_shown_as_method(fh))
    ospy_agent_join3(head, cap, ph->display, ": the same function as the thunk hooked with ",
                     fh->display);
  else if (thunk_shown_as_method(ph))
    ospy_agent_join3(head, cap, ph->display, "'s thunk (hooked with it): the same function as ",
                     fh->display);
  else
    ospy_agent_join3(head, cap, ph->display, ": the same function as ", fh->display);
}

/* h reaches the function first hooks already: its calls are recorded under
 * first's name and definition, and said so: the same symbol hooked twice
 * with two definitions, one function reached by two vtable slots, offsets
 * or signatures (a method a subclass inherits), two names of one address
 * (ELF aliases: f_alias_a and f_alias_b). Quiet: two names of a
 * preset's, not named by the user (stat64 is stat in x86-64 glibc: the
 * files preset says so), two names whose definitions show a call alike,
 * and a hook named twice alike. A pattern's match (-f 'lib!f*' takes both
 * names) is a note. */
static void say_alias(const inline_hook *h, const inline_hook *first)
{
  const ospy_plan_hook *ph = h->ph, *fh = first->ph;
  int same_name = !strcmp(fh->display, ph->display);
  int by_symbol = ph->symbol[0] && !strcmp(fh->symbol, ph->symbol) &&
                  fh->spec_index != ph->spec_index;
  int by_place = (ph->kind != OSPY_HOOK_EXPORT || fh->kind != OSPY_HOOK_EXPORT) && !same_name;
  int presets = (ph->flags & OSPY_HOOK_F_PRESET) && (fh->flags & OSPY_HOOK_F_PRESET);
  int by_alias = ph->kind == OSPY_HOOK_EXPORT && fh->kind == OSPY_HOOK_EXPORT && !same_name &&
                 !presets && !(h->declared && first->declared &&
                               ospy_spec_fn_alike(h->declared, first->declared));
  if (!by_symbol && !by_place && !by_alias)
    return;
  /* (a thunk hooked with its method: one name of the thunk, the other of
   * the method, at another address) */
  int names_of_one = by_alias && !thunk_shown_as_method(ph) && !thunk_shown_as_method(fh);
  char head[512];
  alias_head(head, sizeof head, ph, fh);
  ospy_agent_messagef2((ph->flags & OSPY_HOOK_F_GLOB) ? OSPY_EV_INFO : OSPY_EV_WARNING, h->index,
                       head, names_of_one ? " (two names of one address)" : "",
                       ", hooked already: its calls are recorded under that name and definition");
}

/* The watch of an IFUNC's resolver (INTERNAL_IFUNC_WATCH): its leave sees
 * what the resolver returns. */
static const ospy_plan_hook ifunc_watch_ph = {
  .kind = OSPY_HOOK_OFFSET, .spec_index = OSPY_PLAN_NO_SPEC, .module = "", .symbol = "",
  .process = "", .display = "(an IFUNC's resolver)"
};

static void attach_watch(inline_hook *w)
{
  void *addr = (void *)w->ifunc_resolver;
  ospy_interceptor_error e;
  ospy_interceptor_set_nothrow_prologues(true); /* (a C function's first calls throw nothing) */
  ospy_interceptor_status st = ospy_interceptor_attach_cc(addr, OSPY_CC_DEFAULT, on_enter, on_leave,
                                                          w, &w->listener, &e);
  ospy_interceptor_set_nothrow_prologues(false);
  if (st != OSPY_INTERCEPTOR_OK) { /* (too short to patch: the hook's user is told) */
    w->listener = NULL;
    w->failed = 1;
    return;
  }
  w->addr = addr;
  w->patched = ospy_interceptor_resolve(addr);
}

/* The watch of resolver, attached in this transaction when it is not yet:
 * NULL when it cannot be (the interceptor refuses the resolver, no room). */
static inline_hook *ifunc_watch(uintptr_t resolver)
{
  inline_hook *w = NULL;
  for (uint32_t i = 0; i < nhooks && !w; i++)
    if (hooks[i].internal == INTERNAL_IFUNC_WATCH && hooks[i].ifunc_resolver == resolver)
      w = &hooks[i]; /* (a failed one: not tried again) */
  if (!w && nhooks < hooks_cap) {
    w = &hooks[nhooks++];
    *w = (inline_hook){ .index = UINT32_MAX, .internal = INTERNAL_IFUNC_WATCH,
                        .ph = &ifunc_watch_ph, .ifunc_resolver = resolver };
  }
  if (w && !w->listener && !w->failed)
    attach_watch(w);
  return w && w->listener ? w : NULL;
}

/* The hook a module glob's spare copy copies (itself for any other). */
static uint64_t glob_base(const inline_hook *h)
{
  return is_spare(h) ? h->ph->offset : h->index;
}

/* h designates an IFUNC whose resolver had chosen nothing for the program
 * when h was looked for: said once, also by a module glob's hook and its
 * spare copies, which all find it (it was said once per copy). */
static void say_ifunc_waiting(inline_hook *h)
{
  static char resolver[320], msg[768]; /* (not on a thread's stack) */
  if (h->ifunc_waiting)
    return;
  h->ifunc_waiting = 1;
  for (uint32_t i = 0; i < nhooks; i++)
    if (&hooks[i] != h && hooks[i].ifunc_waiting && !hooks[i].internal &&
        hooks[i].ifunc_resolver == h->ifunc_resolver && glob_base(&hooks[i]) == glob_base(h))
      return;
  ospy_agent_code_named(h->ifunc_resolver, resolver, sizeof resolver);
  ospy_agent_join3(msg, sizeof msg, ": an IFUNC the program has not bound yet: the function "
                   "its resolver, ", resolver, ", chooses at the program's first call is hooked "
                   "then (ospy never runs a resolver itself)");
  ospy_agent_messagef2(OSPY_EV_INFO, h->index, h->ph->display, msg, NULL);
}

/* h designates an IFUNC (r: its lookup): its resolver watched, so that the
 * functions it chooses later are hooked as it returns them. Whether there
 * is a function to hook now: none when the resolver chose nothing yet (h
 * waits for it, said), unless it cannot be watched: then what it returns
 * when run now (the last resort, said in a Warning). */
static int resolve_ifunc_hook(inline_hook *h, ospy_resolved *r)
{
  h->ifunc_resolver = r->ifunc_resolver;
  int watched = ifunc_watch(r->ifunc_resolver) != NULL;
  if (r->addr || h->same_name)
    return r->addr != NULL;
  if (watched) {
    say_ifunc_waiting(h);
    return 0;
  }
  ospy_agent_resolve_running_resolver(h->ph, r);
  return r->addr != NULL;
}

/* h hooks a function an IFUNC's resolver chose after h was first looked
 * for: said (the first, which h waited for, or another one besides). */
static void say_ifunc_hooked_now(inline_hook *h)
{
  static char chosen[320], msg[768]; /* (not on a thread's stack) */
  if (!h->ifunc_waiting && !h->same_name)
    return;
  ospy_agent_code_named((uintptr_t)h->addr, chosen, sizeof chosen);
  if (h->same_name)
    ospy_agent_join3(msg, sizeof msg, ": its resolver (an IFUNC's) chose another function as "
                     "well, ", chosen, ": hooked too, its calls recorded under that name");
  else
    ospy_agent_join3(msg, sizeof msg, ": its resolver chose ", chosen, ": hooked now");
  ospy_agent_messagef2(OSPY_EV_INFO, h->index, h->ph->display, msg, NULL);
  h->ifunc_waiting = 0;
}

/* noreturn_kind of a function found at addr: the C library's and the
 * loader's exit, err, setjmp, vfork, execv... are what their names say; a
 * program's own function of such a name (`int err(int e)`) is an ordinary
 * one, which returns (it was recorded at entry, `= ?`). Reserved names
 * (`_exit`, `__cxa_throw`, `_Unwind_Resume`) are taken anywhere. */
static int runtime_noreturn_kind(const char *name, const void *addr)
{
  int kind = noreturn_kind(name);
  if (kind == NORETURN_NO || name[0] == '_')
    return kind;
  runtime_ranges_find();
  return in_runtime((uintptr_t)addr) ? kind : NORETURN_NO;
}

static void attach_one(inline_hook *h)
{
  if (h->internal == INTERNAL_IFUNC_WATCH)
    return; /* (attached by the hooks of its IFUNC: ifunc_watch) */
  if (h->listener && h->ifunc_resolver && !h->same_name) {
    ifunc_watch(h->ifunc_resolver); /* (again, when its installation failed) */
    add_same_name_entries(h, ospy_agent_ifunc_choice_count(h->ifunc_resolver)); /* (chose more) */
  }
  if (h->listener || h->failed || h->alias)
    return;
  static ospy_resolved r; /* (its message: not on a thread's stack) */
  resolve_hook(h, &r);
  if (!r.addr && r.refused[0]) { /* found, and not to be hooked: final */
    h->failed = 1;
    h->reported = 0; /* (said missing before its module was loaded) */
    report(h, OSPY_EV_ERROR, ": ", r.refused);
  }
  if (r.ifunc_resolver && !resolve_ifunc_hook(h, &r))
    return;
  if (!r.addr)
    return; /* maybe later, when a module is loaded */
  void *addr = r.addr;
  h->noreturn = runtime_noreturn_kind(h->ph->symbol, addr);
  if (!h->same_name && r.count > 1 && r.ifunc_resolver)
    add_same_name_entries(h, r.count); /* (each says its function when hooked) */
  else if (!h->same_name && r.count > 1)
    add_same_named(h, &r);
  if (r.vtable_slots)
    check_method_count(h, r.vtable_slots);
  /* an internal hook (module tracking, process exit) is a listener of its
   * own beside the user's hook of the same function: as an alias, a config
   * that hooked dlopen (preset proc) stopped every dlopen'ed library from
   * being tracked and hooked */
  void *patched = ospy_interceptor_resolve(addr);
  if (patched != addr && (h->ph->flags & OSPY_HOOK_F_GLOB) && !h->internal) {
    /* a pattern's match that only jumps to another function: hooked, it
     * would take every call of that function for its own */
    h->failed = 1;
    h->refused_at = addr;
    report(h, OSPY_EV_INFO, ": ", "a jump to another function, not hooked (a pattern's match)");
    return;
  }
  inline_hook *first = h->internal ? NULL : already_hooked(patched);
  if (first && is_spare(h))
    return; /* (hooked by another hook: its base said so; tried again at the next load) */
  if (first) {
    h->alias = 1; /* its calls are recorded under the first name */
    say_alias(h, first);
    return;
  }
  ospy_call_conv cc = declared_convention(h->declared);
#if defined(__i386__)
  cc = static_function_convention(h, &r, addr, cc);
#endif
  ospy_interceptor_set_reentry_handler(on_reentry);
  ospy_interceptor_set_abandon_handler(on_abandon);
  ospy_interceptor_set_jump_handler(on_jumped_out);
  ospy_interceptor_error e;
  /* no leave for calls that return twice, and for the internal exit and
   * clone hooks (a clone child never returns from clone): an entry a
   * posix_spawn child left pending in its parent's shared thread state
   * made every later call of the parent look nested. (The internal exec
   * hooks have one, to say that an exec returned: in a vfork child their
   * on_enter forgets the call. The unwinder's entry points keep theirs: the
   * interceptor runs them from wrappers that put the real return addresses
   * back, theirs included: unwind.c.) Nor for the loader's lookup of a
   * caller, whose argument alone is set right at its entry. */
  int no_leave = h->noreturn == NORETURN_TWICE || h->internal == INTERNAL_VFORK ||
                 h->internal == INTERNAL_EXIT || h->internal == INTERNAL_CLONE ||
                 h->internal == INTERNAL_THREAD_EXIT || h->internal == INTERNAL_FIND_CALLER;
  /* the agent's own hooks (dlopen, _exit, pthread_exit, sigaction) are of C
   * functions whose first calls throw nothing */
  ospy_interceptor_set_nothrow_prologues(h->internal != 0);
  h->entry_unknown = r.entry_unknown; /* (before its first call) */
  h->place_unchecked = r.unchecked[0] != 0;
  ospy_interceptor_set_maybe_no_entry(r.entry_unknown != 0);
  ospy_interceptor_status st = ospy_interceptor_attach_cc(addr, cc, on_enter,
                                                          no_leave ? NULL : on_leave, h,
                                                          &h->listener, &e);
  ospy_interceptor_set_nothrow_prologues(false);
  ospy_interceptor_set_maybe_no_entry(false);
  if (st != OSPY_INTERCEPTOR_OK && code_unloaded(addr)) {
    h->listener = NULL; /* its module went while it was looked up: when it comes back */
    return;
  }
  if (st != OSPY_INTERCEPTOR_OK) {
    h->listener = NULL;
    h->failed = 1;
    h->refused_at = addr;
    h->reported = 0;
    /* a pattern's match (libc.so.6!*) the interceptor refuses is not a
     * mistake of the user's: a note */
    report(h, (h->ph->flags & OSPY_HOOK_F_GLOB) ? OSPY_EV_INFO : OSPY_EV_ERROR, ": cannot hook: ",
           e.why);
    return;
  }
  h->addr = addr;
  h->patched = patched;
  char name[1024];
  if (h->same_name || !name_by_module(h, name, sizeof name))
    ospy_agent_join3(name, sizeof name, h->ph->display, NULL, NULL);
  warn_ambiguous_signature(h);
  if (r.unchecked[0])
    ospy_agent_messagef2(OSPY_EV_WARNING, h->index, h->ph->display, ": ", r.unchecked);
  if (r.note[0] && !h->same_name)
    ospy_agent_messagef2(OSPY_EV_INFO, h->index, h->ph->display, ": ", r.note);
  if (h->ifunc_resolver)
    say_ifunc_hooked_now(h);
  note_clones(h, name);
  if (h->missing) { /* its module was loaded after the error said it was missing */
    h->missing = 0;
    ospy_agent_messagef2(OSPY_EV_INFO, h->index, name, ": ", "found and hooked now");
  }
}

/* Takes h's listener off its function; attach_one may hook it again. */
static void unhook(inline_hook *h)
{
  ospy_interceptor_detach(h->listener);
  h->listener = NULL;
  h->addr = NULL;
  h->patched = NULL;
}

/* Hooks the last transaction could not install (a thread that could not be
 * stopped, code that could not be made writable): their listeners are inert
 * for good. Each is detached, to be attached again; on the last try it is
 * reported instead. How many there were. */
static unsigned drop_uninstalled(int last_try, ospy_interceptor_status st)
{
  unsigned n = 0;
  for (uint32_t i = 0; i < nhooks; i++) {
    inline_hook *h = &hooks[i];
    if (!h->listener || ospy_interceptor_listener_installed(h->listener))
      continue;
    int gone = code_unloaded(h->patched);
    void *addr = h->addr;
    unhook(h);
    if (gone)
      continue; /* its module was unloaded meanwhile: hooked when it comes back */
    n++;
    if (h->internal == INTERNAL_IFUNC_WATCH) {
      h->failed = h->failed || last_try; /* (tried again by its IFUNC's hooks; then given up) */
      continue;
    }
    if (last_try) {
      h->failed = 1;
      h->refused_at = addr;
      h->reported = 0;
      report(h, OSPY_EV_ERROR, ": cannot hook: installing it failed: ",
             ospy_interceptor_status_name(st));
    }
  }
  return n;
}

/* Set by tests (OSPY_TEST_FAIL_INSTALL=N): the first N transactions that
 * install hooks fail as a thread that cannot be stopped makes them fail. */
static unsigned test_failed_installs;

void ospy_inline_set_test_fail_installs(unsigned n) { test_failed_installs = n; }

static ospy_interceptor_status end_attach_transaction(void)
{
  if (test_failed_installs) {
    test_failed_installs--;
    ospy_interceptor_fail_next_install_for_test();
  }
  return ospy_interceptor_end_transaction();
}

/* A function an IFUNC's resolver chose went to the loader before it was
 * hooked (ifunc_chose): said, with the hook of that resolver. */
static void say_unwaited(uintptr_t resolver, uintptr_t target, unsigned why, void *data)
{
  (void)data;
  static char chosen[320], msg[1024]; /* (not on a thread's stack) */
  inline_hook *h = NULL;
  for (uint32_t i = 0; i < nhooks && !h; i++)
    if (!hooks[i].internal && hooks[i].ifunc_resolver == resolver && !hooks[i].same_name)
      h = &hooks[i];
  if (!h)
    return;
  ospy_agent_code_named(target, chosen, sizeof chosen);
  ospy_agent_join3(msg, sizeof msg, ": its resolver chose ", chosen,
                   why == OSPY_IFUNC_UNWAITED_LOADER_LOCK
                       ? " in a thread that held the loader's lock (dlopen, dlsym) while another "
                         "thread, maybe the one hooking it, waited for that lock: it ran before "
                         "it was hooked, and its calls until then, that thread's and others', "
                         "may be missing"
                       : " in a thread that waited 5 s for it to be hooked and went on: its "
                         "calls until it was hooked, that thread's and others', may be missing");
  ospy_agent_messagef2(OSPY_EV_WARNING, h->index, h->ph->display, msg, NULL);
}

/* Attaches the hooks not attached yet (only those of IFUNCs: ifunc_only), in
 * one transaction. */
static void attach_locked_tries(bool ifunc_only)
{
  for (int attempt = 1;; attempt++) {
    ospy_interceptor_begin_transaction();
    /* the agent's close listeners first: on_leave runs last-attached first,
     * so theirs comes after a user's, whose close record must still show the
     * name their FdClosed record withdraws */
    for (uint32_t i = 0; i < nhooks && !ifunc_only; i++)
      if (hooks[i].internal == INTERNAL_CLOSE || hooks[i].internal == INTERNAL_CLOSE_NOCANCEL)
        attach_one(&hooks[i]);
    for (uint32_t i = 0; i < nhooks; i++)
      if (!ifunc_only || (hooks[i].ifunc_resolver && !hooks[i].internal))
        attach_one(&hooks[i]);
    ospy_interceptor_status st = end_attach_transaction();
    /* a failed installation (the program's threads could not all be
     * stopped) is tried once more before it is reported */
    if (st == OSPY_INTERCEPTOR_OK || !drop_uninstalled(attempt == 2, st) || attempt == 2)
      return;
  }
}

/* attach_locked_tries, after which the IFUNCs' choices made before it began
 * are hooked (settled: ifunc_chose's waiters go on). */
static void attach_locked(bool ifunc_only)
{
  static unsigned chosen_before[OSPY_IFUNC_RESOLVERS_MAX]; /* (under the lock) */
  runtime_ranges_find();
  ospy_ifunc_choices_counts(chosen_before);
  attach_locked_tries(ifunc_only);
  ospy_ifunc_choices_settle(chosen_before, say_unwaited, NULL);
}

static void attach_pending_locked(void)
{
  __atomic_store_n(&ifunc_choices_pending, 0, __ATOMIC_RELEASE); /* (all attached now) */
  attach_locked(false);
}

/* The functions IFUNC resolvers chose since the hooks were last attached:
 * hooked (the hooks of those IFUNCs only: the resolver may run inside the
 * loader's relocation of a library whose other hooks wait for its dlopen to
 * return). */
static void attach_ifunc_choices_locked(void)
{
  while (__atomic_exchange_n(&ifunc_choices_pending, 0, __ATOMIC_ACQ_REL))
    attach_locked(true);
}

void ospy_inline_attach_pending(void)
{
  module_events_lock();
  attach_pending_locked();
  module_events_unlock();
}

/* The IFUNCs whose resolver's module was unloaded: their watch retired (its
 * code went with the module, detached by drop_gone_hooks; a module loaded
 * again gets a watch of its own), their hooks' resolver looked up again,
 * their choices forgotten. */
static void forget_unloaded_ifuncs(void)
{
  for (uint32_t i = 0; i < nhooks; i++) {
    inline_hook *h = &hooks[i];
    if (!h->ifunc_resolver || !code_unloaded((void *)h->ifunc_resolver))
      continue;
    if (h->internal == INTERNAL_IFUNC_WATCH)
      h->failed = 1;
    h->ifunc_resolver = 0;
    h->ifunc_waiting = 0;
  }
  ospy_agent_ifunc_forget_unloaded();
}

/* The loader's count of unloaded modules when the hooks were last checked. */
static uint64_t unloads_checked;

/* Hooks whose code is gone since the last check, their module unloaded
 * (also unloaded and loaded again at the same place: the code there is the
 * file's again, without our jump), are detached, to be attached again when
 * their module is there: detaching them writes nothing into memory that may
 * be unmapped or another library's. Checked only when the loader unloaded
 * a module since. Whether any was. */
static int drop_gone_hooks(void)
{
  uint64_t unloads = ospy_agent_modules_unloads();
  if (unloads == unloads_checked)
    return 0;
  unloads_checked = unloads;
  int any = 0;
  for (uint32_t i = 0; i < nhooks; i++) {
    inline_hook *h = &hooks[i];
    if (h->refused_at && code_unloaded(h->refused_at))
      h->refused_at = NULL; /* (another module may be loaded there: its glob's to take) */
    if (!h->listener || (h->internal && h->internal != INTERNAL_IFUNC_WATCH) ||
        ospy_interceptor_listener_in_place(h->listener))
      continue;
    if (!any++)
      ospy_interceptor_begin_transaction();
    unhook(h);
  }
  if (any)
    ospy_interceptor_end_transaction();
  forget_unloaded_ifuncs();
  return any;
}

/* After a dlopen or dlclose: what appeared and went is recorded, hooks in
 * modules now gone dropped, pending hooks attached in modules now loaded.
 * The hooks of a library another thread unloads stay in while it does (its
 * calls from threads that keep it open are recorded): the library's code
 * goes with them, and its hooks are dropped here, by whichever thread's
 * call returns next. A call made inside another (a constructor's dlopen)
 * holds the loader's lock: it does this only when no other thread is at
 * it (!may_wait), else leaves it to the outer call's return. */
static void report_unhooked_definitions(void);

static void after_module_call(bool may_wait)
{
  if (!module_events_take(may_wait))
    return;
  int appeared = ospy_agent_modules_rescan();
  int dropped = drop_gone_hooks();
  if (appeared || dropped)
    attach_pending_locked();
  if (appeared) { /* a plugin without a function the config names for it: said now */
    ospy_inline_report_lacking();
    report_unhooked_definitions(); /* and one with a function no hook takes */
  }
  module_events_unlock();
}

/* The files of modules that were loaded without a function a hook names
 * (a plugin that lacks it), for the message at the program's end; a few
 * distinct ones suffice (a hook keeps the last). */
static char lacking_paths[16][256];
static uint32_t nlacking_paths;

/* path's slot + 1 (0: no room left) */
static uint8_t lacking_slot(const char *path)
{
  for (uint32_t i = 0; i < nlacking_paths; i++)
    if (!strcmp(lacking_paths[i], path))
      return (uint8_t)(i + 1);
  if (nlacking_paths == sizeof lacking_paths / sizeof lacking_paths[0] ||
      strlen(path) >= sizeof lacking_paths[0])
    return 0;
  ospy_agent_join3(lacking_paths[nlacking_paths], sizeof lacking_paths[0], path, NULL, NULL);
  return (uint8_t)++nlacking_paths;
}

/* A function looked for by name and not found. A module it names that is
 * loaded (a glob: when it matches one) is asked why: a compiler's clone, no
 * symbol table, a close name. 1 when a module loaded later may still have
 * it, 0 when it is final; *lacking: the module found without it. */
static int missing_function_reason(const ospy_plan_hook *ph, char *why, size_t cap,
                                   uint8_t *lacking)
{
  char path[512], reason[512], where[320], head[320], head_in[330];
  int program = 0;
  /* symbol="..." names what was looked for: the hook shows the spec's name */
  if (ph->kind == OSPY_HOOK_SYMTAB)
    ospy_agent_join3(head, sizeof head, "function ", ph->symbol, " not found");
  else
    ospy_agent_join3(head, sizeof head, "function not found", NULL, NULL);
  ospy_agent_join3(head_in, sizeof head_in, head, " in ", NULL);
  const char *mod = ph->module;
  unsigned n = mod[0] && !only_wildcards(mod) ? ospy_agent_module_locate(mod, path, sizeof path,
                                                                          &program) : 0;
  if (n == 1) {
    int r = ospy_agent_lack_reason(path, ph->symbol, program, reason, sizeof reason);
    *lacking = r ? 0 : lacking_slot(path);
    if (r == 2) { /* (a clone: the message names it in full) */
      ospy_agent_join3(why, cap, head, reason, NULL);
      return 0;
    }
    ospy_agent_join3(why, cap, head_in, is_glob(mod) ? file_name(path) : mod,
                     reason);
    if (r == 0 && is_glob(mod)) /* another file the glob names may have it: said in words
                                   (a " (yet)" after the reason's parenthesis read badly) */
      ospy_agent_join3(why + strlen(why), cap - strlen(why), "; a module matching ", mod,
                       " that the program loads later may have it");
    /* a warning, and at the end an error naming the file (the program may
     * unload it and load another of that name) */
    return r == 0;
  }
  /* no module named: the program's own clone of it is why, if it has one */
  if (!mod[0] && ospy_agent_module_locate("", path, sizeof path, &program) &&
      ospy_agent_lack_reason(path, ph->symbol, 1, reason, sizeof reason) == 2) {
    ospy_agent_join3(why, cap, head, reason, NULL);
    return 0;
  }
  /* or a variable of that name (-f counter_var was "never found" at the end) */
  if ((!mod[0] || only_wildcards(mod)) &&
      ospy_agent_data_object_module(ph->symbol, path, sizeof path)) {
    ospy_agent_join3(why, cap, "a data object of ", path, " (a variable), not a function: only "
                     "functions are hooked");
    return 0;
  }
  if (!mod[0] || only_wildcards(mod))
    ospy_agent_join3(where, sizeof where, "any loaded module", NULL, NULL);
  else
    ospy_agent_join3(where, sizeof where, n ? "any loaded module matching " : "", mod, NULL);
  ospy_agent_join3(why, cap, head_in, where, " (yet)");
  return 1;
}

/* What was looked for and not found, in the terms of the config; 1 when a
 * module loaded later may still have it ("(yet)"), 0 when it is final. */
static int missing_reason(const ospy_plan_hook *ph, char *why, size_t cap, uint8_t *lacking)
{
  const char *where = ph->module[0] ? ph->module : "any loaded module";
  char n[24], part[160];
  ospy_agent_put_dec(n, ph->sig_len);
  /* a signature or vtable is looked for in one module (the program when none
   * is named): once that is loaded, not finding it is final */
  int byte_search =
    ph->kind == OSPY_HOOK_SIGNATURE || (ph->kind == OSPY_HOOK_VTABLE && !ph->symbol[0]);
  int loaded = byte_search && (!ph->module[0] || ospy_agent_module_present(ph->module));
  const char *yet = loaded ? "" : " (yet)";
  if (byte_search && !ph->module[0])
    where = "the program";
  switch (ph->kind) {
  case OSPY_HOOK_SIGNATURE:
    ospy_agent_join3(part, sizeof part, "its signature (", n, " bytes) matches nothing in ");
    ospy_agent_join3(why, cap, part, where, yet);
    return !loaded;
  case OSPY_HOOK_VTABLE:
    if (ph->symbol[0]) { /* (a symbol: in any module, maybe one loaded later) */
      ospy_agent_join3(part, sizeof part, "vtable symbol ", ph->symbol, " not found in ");
      ospy_agent_join3(why, cap, part, where, " (yet)");
      return 1;
    } else {
      ospy_agent_join3(part, sizeof part, "the constructor signature (", n,
                       " bytes) matches nothing in ");
      ospy_agent_join3(why, cap, part, where, yet);
    }
    return !loaded;
  case OSPY_HOOK_EXPORT:
  case OSPY_HOOK_SYMTAB:
    return missing_function_reason(ph, why, cap, lacking);
  default:
    ospy_agent_join3(why, cap, "function not found in ", where, " (yet)");
    return 1;
  }
}

/* A library the program has not loaded (a preset names many): one Info for
 * it, not an error per function; its hooks go in if it is loaded later. */
static int report_module_absent(uint32_t i)
{
  const char *mod = hooks[i].ph->module;
  if (!mod[0] || ospy_agent_module_present(mod))
    return 0;
  unsigned n = 0;
  for (uint32_t k = 0; k < nhooks; k++) {
    const inline_hook *h = &hooks[k];
    if (h->listener || h->internal || h->alias || h->failed || h->same_name || is_spare(h) ||
        strcmp(h->ph->module, mod))
      continue;
    if (k < i)
      return 1; /* said with an earlier hook of the module */
    n++;
  }
  char count[24], msg[512];
  ospy_agent_put_dec(count, n);
  ospy_agent_join3(msg, sizeof msg, "agent: ", mod, " is not loaded (yet): its ");
  ospy_agent_messagef2(OSPY_EV_INFO, UINT32_MAX, msg, count,
                       n == 1 ? " function is hooked when the program loads it"
                              : " functions are hooked when the program loads it");
  return 1;
}

/* Whether h's function was not found though the module its plan hook names
 * is listed and its file defines it: another thread's dlopen or dlclose of
 * that module was under way (at -p: the module list had it, and the
 * lookup, which waits for the loader's lock, came after the dlclose; or
 * the list came before the dlopen had made it ready). It was said "not
 * found: ... check the name", then, at its next load, "found and hooked
 * now". */
static int module_in_flux(const inline_hook *h)
{
  const ospy_plan_hook *ph = h->ph;
  char path[512];
  int program = 0;
  return (ph->kind == OSPY_HOOK_EXPORT || ph->kind == OSPY_HOOK_SYMTAB) && ph->module[0] &&
         !only_wildcards(ph->module) &&
         ospy_agent_module_locate(ph->module, path, sizeof path, &program) == 1 && !program &&
         ospy_agent_file_defines(path, ph->symbol);
}

/* At start: a function a module loaded later may still have is a warning
 * (an error if the program ends without it, ospy_inline_report_never_found);
 * one that cannot appear (stripped module, compiler clone) an error. With -F,
 * a function one process lacks (a shell that runs the program, a helper) may
 * be in another: no mistake of the config, a note. */
static int reportable_missing(const inline_hook *h)
{
  return !h->listener && !h->internal && !h->alias && !h->failed && !h->same_name &&
         !is_spare(h) && !h->ifunc_waiting;
}

void ospy_inline_report_missing(void)
{
  /* looked for once more, now that the loader's work under way then is
   * done (the dlopen hook was not in yet: a library loaded again meanwhile
   * brought no event) */
  for (uint32_t i = 0; i < nhooks; i++)
    if (reportable_missing(&hooks[i]) && module_in_flux(&hooks[i])) {
      ospy_inline_attach_pending();
      break;
    }
  for (uint32_t i = 0; i < nhooks; i++)
    if (reportable_missing(&hooks[i])) {
      hooks[i].missing = 1;
      if (report_module_absent(i))
        continue;
      if (module_in_flux(&hooks[i])) {
        ospy_agent_messagef2(OSPY_EV_INFO, hooks[i].index, hooks[i].ph->display,
                             ": not hooked yet: its module, which defines it, was being loaded "
                             "or unloaded by another thread: hooked when it is loaded", NULL);
        continue;
      }
      char why[1024];
      int yet = missing_reason(hooks[i].ph, why, sizeof why, &hooks[i].lacking);
      hooks[i].missing_final = !yet;
      int type = ospy_agent_g.follow_forks || (hooks[i].ph->flags & OSPY_HOOK_F_GLOB) ? OSPY_EV_INFO
                 : yet ? OSPY_EV_WARNING : OSPY_EV_ERROR;
      report(&hooks[i], type, ": ", why);
    }
  ospy_agent_file_defines(NULL, NULL); /* (module_in_flux's file) */
}

/* Whether a hook still waits for its function in a module a glob or name
 * designates (not "*": any module may have it, none is to blame). */
static int waits_in_named_module(const inline_hook *h)
{
  const ospy_plan_hook *ph = h->ph;
  return h->missing && !h->missing_final && !h->listener && !h->internal && !h->alias &&
         !h->failed && !h->same_name && !h->ifunc_waiting &&
         (ph->kind == OSPY_HOOK_EXPORT || ph->kind == OSPY_HOOK_SYMTAB) &&
         ph->module[0] && !only_wildcards(ph->module);
}

/* h's module path was loaded without its function: said once per file. */
static void report_lacking(inline_hook *h, const char *path, uint64_t base)
{
  uint8_t slot = lacking_slot(path);
  if (slot && h->lacking == slot)
    return;
  h->lacking = slot;
  char reason[512], at[24], head[1024], msg[1536];
  ospy_agent_lack_reason(path, h->ph->symbol, 0, reason, sizeof reason);
  ospy_agent_put_hex(at, base);
  ospy_agent_join3(head, sizeof head, h->ph->display, ": not found in ", path);
  ospy_agent_join3(msg, sizeof msg, head, ", loaded at ", at);
  int type = ospy_agent_g.follow_forks || (h->ph->flags & OSPY_HOOK_F_GLOB) ? OSPY_EV_INFO
                                                                              : OSPY_EV_WARNING;
  ospy_agent_messagef2((uint16_t)type, h->index, msg, reason, NULL);
}

void ospy_inline_report_lacking(void)
{
  const char *path;
  uint64_t base;
  for (uint32_t k = 0; ospy_agent_module_fresh(k, &path, &base); k++) {
    if (!strchr(path, '/'))
      continue; /* (the vDSO, no file; not ./libplug.so, if its path were kept relative) */
    for (uint32_t i = 0; i < nhooks; i++)
      if (waits_in_named_module(&hooks[i]) &&
          ospy_agent_module_file_matches(hooks[i].ph->module, path))
        report_lacking(&hooks[i], path, base);
  }
}

/* Whether a module at path is one h's plan hook designates: any, for a name
 * without a module (or "*"); else one its module name, glob or path matches. */
static int designates_module(const inline_hook *h, const char *path)
{
  const char *mod = h->ph->module;
  return !mod[0] || only_wildcards(mod) || ospy_agent_module_file_matches(mod, path);
}

/* Where the hooks of h's plan hook (and of its module glob's spares) are
 * attached: how many, one's file into hooked (""), whether one is in the
 * module at path loaded at base (a fresh module's path as recorded: the
 * loader's name of a library opened by a relative path, "./libplug.so", is
 * not that), and whether one is in another copy of that file (loaded at
 * another base: dlmopen loaded the file again, into another namespace). */
static unsigned group_hooked_in(const inline_hook *h, const char *path, uint64_t base,
                                char *hooked, size_t cap, int *in_path, int *in_copy)
{
  unsigned n = 0;
  char where[512];
  hooked[0] = 0;
  *in_path = *in_copy = 0;
  for (uint32_t k = 0; k < nhooks; k++) {
    const inline_hook *o = &hooks[k];
    if (!o->listener || !o->addr || o->same_name ||
        (o != h && !(in_glob_group(h) && in_glob_group(o) && glob_group(o) == glob_group(h))) ||
        !ospy_agent_module_path_of(o->addr, where, sizeof where))
      continue;
    n++;
    uint64_t at = base;
    const char *recorded = ospy_agent_module_recorded_path((uintptr_t)o->addr, &at);
    int same_file = !strcmp(recorded ? recorded : where, path);
    *in_path |= same_file && at == base;
    *in_copy |= same_file && at != base;
    if (!hooked[0])
      ospy_agent_join3(hooked, cap, file_name(where), NULL, NULL);
  }
  return n;
}

/* Why h, hooked in n modules already (hooked: one's file), leaves the one
 * at path unhooked, into out: the rule that picks its definitions. */
static void unhooked_reason(const inline_hook *h, const char *path, unsigned n,
                            const char *hooked, char *out, size_t cap)
{
  const ospy_plan_hook *ph = h->ph;
  const char *fn = ospy_plan_hook_function(ph);
  char count[24];
  if (!ph->module[0] || only_wildcards(ph->module)) {
    ospy_agent_join3(out, cap, ph->module[0] ? ph->display : fn,
                     " hooks one definition, the first found: ", hooked);
    /* (another file of the same name: its name would hook the first again) */
    const char *name = strcmp(file_name(path), hooked) ? file_name(path) : path;
    ospy_agent_join3(out + strlen(out), cap - strlen(out), "'s; -f '", name, "!");
    ospy_agent_join3(out + strlen(out), cap - strlen(out), fn, "' hooks this one", NULL);
    return;
  }
  ospy_agent_put_dec(count, n);
  ospy_agent_join3(out, cap, ph->display, " hooks it in ", count);
  ospy_agent_join3(out + strlen(out), cap - strlen(out),
                   is_glob(ph->module) ? " of the libraries it matches at once, loaded before it"
                                       : " library of that name at once, loaded before it",
                   "; its path names this one", NULL);
}

/* Why h leaves a second copy of the file it hooks unhooked (dlmopen loaded
 * it again, into another namespace): a name, a module name or its path
 * designate the first copy, the one found first; no pattern tells the
 * copies apart. */
static void copy_unhooked_reason(const inline_hook *h, char *out, size_t cap)
{
  ospy_agent_join3(out, cap, h->ph->display,
                   " hooks the file's first copy, the one loaded first: ospy hooks no "
                   "second copy of a library in another namespace of the loader, "
                   "its calls are not recorded", NULL);
}

/* After a dlopen or dlmopen: a module loaded now that also defines a function a hook
 * designates, hooked in another module (a name without a module hooks one
 * definition; a glob, as many libraries as it has spares for), is said
 * once per hook and file: its calls are not recorded. */
static void report_unhooked_definitions(void)
{
  const char *path;
  uint64_t base;
  for (uint32_t f = 0; ospy_agent_module_fresh(f, &path, &base); f++) {
    if (!strchr(path, '/'))
      continue;
    for (uint32_t i = 0; i < nhooks; i++) {
      inline_hook *h = &hooks[i];
      const ospy_plan_hook *ph = h->ph;
      char hooked[256], why[768], head[640];
      int in_path, in_copy;
      if (h->internal || h->same_name || is_spare(h) || h->alias ||
          (ph->kind != OSPY_HOOK_EXPORT && ph->kind != OSPY_HOOK_SYMTAB) ||
          (ph->flags & OSPY_HOOK_F_CXX_NAME) || !designates_module(h, path))
        continue;
      unsigned n = group_hooked_in(h, path, base, hooked, sizeof hooked, &in_path, &in_copy);
      if (!n || in_path || !ospy_agent_file_defines(path, ph->symbol))
        continue;
      uint8_t slot = lacking_slot(path);
      if (slot && h->unhooked_said == slot)
        continue;
      h->unhooked_said = slot;
      if (in_copy)
        copy_unhooked_reason(h, why, sizeof why - 1);
      else
        unhooked_reason(h, path, n, hooked, why, sizeof why - 1);
      ospy_agent_join3(why + strlen(why), sizeof why - strlen(why), ")", NULL, NULL);
      ospy_agent_join3(head, sizeof head, file_name(path),
                       in_copy ? " (a second copy: dlmopen loaded it into another namespace)"
                               : NULL,
                       " also defines ");
      ospy_agent_join3(head + strlen(head), sizeof head - strlen(head),
                       ospy_plan_hook_function(ph), NULL, NULL);
      ospy_agent_messagef2(OSPY_EV_INFO, h->index, head, ": not hooked (", why);
    }
  }
  ospy_agent_file_defines(NULL, NULL);
}

/* The flags of the hooks still waiting for module mod, or'ed, and the first
 * of them that says to report it (named by -f, or in a -c config). */
static uint32_t never_loaded_flags(const char *mod, uint32_t *first)
{
  uint32_t flags = 0;
  *first = UINT32_MAX;
  for (uint32_t k = 0; k < nhooks; k++) {
    const inline_hook *h = &hooks[k];
    if (!h->missing || h->missing_final || h->listener || h->internal || h->alias ||
        h->failed || strcmp(h->ph->module, mod))
      continue;
    uint32_t f = h->ph->flags & (OSPY_HOOK_F_NAMED | OSPY_HOOK_F_CONFIG);
    if (f && *first == UINT32_MAX)
      *first = k;
    flags |= f;
  }
  return flags;
}

/* Whether hooks[k] waits for a module never loaded, to be said at the end. */
static bool waits_for_module(const inline_hook *h)
{
  return h->missing && !h->missing_final && !h->listener && !h->internal && !h->alias &&
         !h->failed && !h->ifunc_waiting && !h->lacking && !h->same_name && !is_spare(h) &&
         h->ph->module[0] && !(h->ph->flags & OSPY_HOOK_F_GLOB);
}

/* " (f, g and 3 more)": the functions named by -f (OSPY_HOOK_F_NAMED) that
 * wait for module mod. */
static void named_never_loaded(const char *mod, char *out, size_t cap)
{
  unsigned n = 0, shown = 0;
  size_t len = ospy_agent_join3(out, cap, " (", NULL, NULL);
  for (uint32_t k = 0; k < nhooks; k++) {
    const inline_hook *h = &hooks[k];
    if (!waits_for_module(h) || !(h->ph->flags & OSPY_HOOK_F_NAMED) || strcmp(h->ph->module, mod))
      continue;
    n++;
    const char *fn = ospy_plan_hook_function(h->ph);
    if (len + strlen(fn) + 2 < cap - 32) {
      len += ospy_agent_join3(out + len, cap - len, shown ? ", " : "", fn, NULL);
      shown++;
    }
  }
  if (n > shown) {
    char count[24];
    ospy_agent_put_dec(count, n - shown);
    len += ospy_agent_join3(out + len, cap - len, " and ", count, " more");
  }
  ospy_agent_join3(out + len, cap - len, ")", NULL, NULL);
  if (!n)
    out[0] = 0;
}

/* One line, shown live, at the end: how many functions of the presets (not
 * named by -f or a -c config, whose modules are said one by one) were never
 * hooked because their module was never loaded, and which modules: a
 * capture of gzip with --preset zlib ended with "0 calls recorded" and no
 * word why but in ospy show's notes at the start. */
static void report_presets_never_loaded(void)
{
  unsigned n = 0, nmods = 0;
  char mods[384], count[24], msg[512];
  size_t len = 0;
  mods[0] = 0;
  for (uint32_t k = 0; k < nhooks; k++) {
    const inline_hook *h = &hooks[k];
    if (!waits_for_module(h) || (h->ph->flags & (OSPY_HOOK_F_NAMED | OSPY_HOOK_F_CONFIG)) ||
        ospy_agent_module_present(h->ph->module))
      continue;
    n++;
    bool seen = false; /* (an earlier hook of the same module) */
    for (uint32_t j = 0; j < k && !seen; j++)
      seen = waits_for_module(&hooks[j]) &&
             !(hooks[j].ph->flags & (OSPY_HOOK_F_NAMED | OSPY_HOOK_F_CONFIG)) &&
             !strcmp(hooks[j].ph->module, h->ph->module);
    if (seen)
      continue;
    nmods++;
    if (nmods <= 4 && len + strlen(h->ph->module) + 2 < sizeof mods)
      len += ospy_agent_join3(mods + len, sizeof mods - len, nmods > 1 ? ", " : "",
                              h->ph->module, NULL);
  }
  if (!n)
    return;
  if (nmods > 4) {
    ospy_agent_put_dec(count, nmods - 4);
    len += ospy_agent_join3(mods + len, sizeof mods - len, " and ", count, " more");
  }
  ospy_agent_put_dec(count, n);
  size_t m = ospy_agent_join3(msg, sizeof msg, "agent: ", count, n == 1 ? " function" : " functions");
  m += ospy_agent_join3(msg + m, sizeof msg - m, " of the presets never hooked: ", mods,
                        nmods == 1 ? " was never loaded" : " were never loaded");
  ospy_agent_message_flags(OSPY_EV_INFO, OSPY_MESSAGE_F_LIVE, UINT32_MAX, msg);
}

/* A module never loaded, said once (at its first hook that says to): an
 * error when the command line named it, a warning when the user's own
 * config did (a wrong file name there left the capture empty without a
 * word), else the note at start stands. */
static void report_module_never_loaded(uint32_t i)
{
  const char *mod = hooks[i].ph->module;
  uint32_t first;
  uint32_t flags = never_loaded_flags(mod, &first);
  if (first != i)
    return;
  /* a loaded module whose name is a typo away, or the name with its
     library suffix, is most likely the one meant (libwidgt.so for
     libwidget.so, libc.so for libc.so.6, libwidget for libwidget.so): named */
  char close[256], hint[320], head[1024];
  hint[0] = 0;
  if (ospy_agent_module_close_to(mod, close, sizeof close))
    ospy_agent_join3(hint, sizeof hint, " (did you mean ", close, "? it was loaded)");
  ospy_agent_join3(head, sizeof head, "agent: the program ended without loading ", mod, hint);
  if (flags & OSPY_HOOK_F_NAMED) {
    /* (the functions named: -f deflate names no module, the catalogue's) */
    char names[320];
    named_never_loaded(mod, names, sizeof names);
    ospy_agent_messagef2(OSPY_EV_ERROR, UINT32_MAX, head, ": its functions were never hooked",
                         names);
  }
  else
    ospy_agent_messagef2(OSPY_EV_WARNING, UINT32_MAX, head, ": the config's functions in it "
                         "were never hooked (a module is named by its file name, as "
                         "/proc/PID/maps shows it)", NULL);
}

/* The program ends: a function never found is an error now, said by what
 * happened: a module that names it was loaded without it (maybe unloaded
 * since), or none that has it was loaded; a module never loaded, once, when
 * the command line named it (a config or preset may name alternatives:
 * libssl or libgnutls), else its note at start stands. */
void ospy_inline_report_never_found(void)
{
  if (ospy_agent_g.follow_forks || !ospy_agent_g.active)
    return;
  for (uint32_t i = 0; i < nhooks; i++) {
    const inline_hook *h = &hooks[i];
    if (!h->missing || h->missing_final || h->listener || h->internal || h->alias || h->failed ||
        h->ifunc_waiting)
      continue;
    if (h->lacking) { /* (a pattern's match: its note at the load stands) */
      char head[1024];
      ospy_agent_join3(head, sizeof head, h->ph->display, ": never found: ",
                       lacking_paths[h->lacking - 1]);
      if (!(h->ph->flags & OSPY_HOOK_F_GLOB))
        ospy_agent_messagef2(OSPY_EV_ERROR, h->index, head, " was loaded without it", NULL);
      continue;
    }
    const char *mod = h->ph->module;
    if (mod[0] && !ospy_agent_module_present(mod)) {
      report_module_never_loaded(i);
      continue;
    }
    if (h->ph->flags & OSPY_HOOK_F_GLOB)
      continue; /* its note at start stands */
    if (ospy_agent_cxx_unreadable(h->ph)) {
      ospy_agent_messagef2(OSPY_EV_ERROR, h->index, h->ph->display,
                           ": never found: the process had functions that may be of that C++ "
                           "name and no C++ runtime to read their names (__cxa_demangle): "
                           "name it by its mangled name (nm prints it)", NULL);
      continue;
    }
    ospy_agent_messagef2(OSPY_EV_ERROR, h->index, h->ph->display,
                         ": never found: the program ended without loading a module that has it",
                         NULL);
  }
  report_presets_never_loaded();
}

/* The calls of hooks[i]'s plan hook left out as nested (the same-named
 * functions hooked under it count together), taken: 0 afterwards. */
static uint64_t take_nested_hidden(uint32_t i)
{
  uint64_t n = 0;
  for (uint32_t k = i; k < nhooks; k++)
    if (hooks[k].index == hooks[i].index && hooks[k].nested_hidden)
      n += __atomic_exchange_n(&hooks[k].nested_hidden, 0, __ATOMIC_RELAXED);
  return n;
}

/* The calls logNested="false" left out were left out without a word: a
 * callback the program hands a hooked function (sq in apply(sq, 12)) was
 * never seen, and the user could not tell why. Said once per function
 * that hid any, with how many, when this process ends, execs or is
 * detached from. name_modules: the module of a function a pattern found
 * is looked up (not in a signal handler: dl_iterate_phdr takes the
 * loader's lock); else the plan's name. at_exec: an exec may fail and
 * be tried again (execvp tries each PATH directory): the exec family's
 * own calls inside one another (execvp's execve) are left to the end, or
 * each try would say its execve again. */
static void report_nested_hidden(bool name_modules, bool at_exec)
{
  if (!ospy_agent_g.active || (uint32_t)ospy_os_getpid() != ospy_agent_g.pid)
    return; /* (a vfork child's calls count with its parent's) */
  report_jumps_out(); /* (said at the same moments) */
  for (uint32_t i = 0; i < nhooks; i++) {
    if (!hooks[i].nested_hidden || (at_exec && hooks[i].noreturn == NORETURN_UNLESS_FAILED))
      continue;
    uint64_t n = take_nested_hidden(i);
    char name[512], count[24], msg[768]; /* (a crash handler's stack may be small) */
    if (!name_modules || !module_name(&hooks[i], name, sizeof name))
      ospy_agent_join3(name, sizeof name, hooks[i].ph->display, NULL, NULL);
    ospy_agent_put_dec(count, n);
    size_t len = ospy_agent_join3(msg, sizeof msg, name, ": ", count);
    ospy_agent_join3(msg + len, sizeof msg - len,
                     n == 1 ? OSPY_NESTED_HIDDEN_ONE : OSPY_NESTED_HIDDEN_MANY,
                     " (logNested=\"false\", the default; logNested=\"true\" records them)", NULL);
    /* (the live view shows it: the calls it lacks are not said elsewhere) */
    ospy_agent_message_flags(OSPY_EV_INFO, OSPY_MESSAGE_F_LIVE, hooks[i].index, msg);
  }
}

static char *put_text(char *p, const char *s)
{
  while (*s)
    *p++ = *s++;
  return p;
}

void ospy_inline_report_busy_at_end(void)
{
  unsigned pending = 0, threads = ospy_interceptor_busy_other_threads(&pending);
  (void)pending; /* (a thread in its leave has popped its call already: not counted there) */
  if (!threads || !ospy_agent_g.active)
    return;
  char buf[256], *p = buf;
  p = put_text(p, "agent: ");
  p = ospy_agent_put_dec(p, threads);
  p = put_text(p, threads == 1 ? " thread was" : " threads were");
  p = put_text(p, " inside ospy's hook code when the process ended: the call");
  p = put_text(p, threads == 1 ? " it was" : " each was");
  p = put_text(p, " recording may be missing from the capture");
  *p = 0;
  ospy_agent_message(OSPY_EV_WARNING, UINT32_MAX, buf);
}

void ospy_inline_report_nested_hidden(int in_signal_handler)
{
  report_nested_hidden(!in_signal_handler, false);
}

void ospy_inline_forget_nested_hidden(void)
{
  if (jumps_out) /* (the parent's; no write otherwise, as below) */
    jumps_out = 0;
  for (uint32_t i = 0; i < nhooks; i++)
    if (hooks[i].nested_hidden) /* (no write otherwise: the child's pages stay shared) */
      hooks[i].nested_hidden = 0;
}

void ospy_inline_detach_all(void)
{
  ospy_interceptor_begin_transaction();
  for (uint32_t i = 0; i < nhooks; i++)
    if (hooks[i].listener) {
      ospy_interceptor_detach(hooks[i].listener);
      hooks[i].listener = NULL;
    }
  ospy_interceptor_end_transaction();
}

static int load_specs(ospy_plan *plan)
{
  size_t len;
  const void *blob = ospy_plan_spec_blob(plan, &len);
  char err[256];
  if (!blob || !len)
    return 0;
  if (ospy_spec_table_decode(blob, len, &specs, err, sizeof err) < 0 ||
      ospy_marshal_prepare(specs, err, sizeof err) < 0) {
    ospy_agent_message(OSPY_EV_ERROR, UINT32_MAX, err);
    specs = NULL;
    return -1;
  }
  ospy_plan_drop_spec_blob(plan); /* (decoded: 50 KiB for --preset files,net) */
  return 0;
}

/* A new attach: the spec table of two attaches ago freed (its compiled
 * expressions and their code with it), the last one's retired. The hook
 * tables stay: a thread asleep in a call a detached hook saw enter keeps
 * pointers to its entry (the interceptor's pending entry), read when a
 * call of the new capture on that thread looks for the calls it is nested
 * in. */
static void retire_specs(void)
{
  if (retired_specs) {
    ospy_marshal_release(retired_specs);
    ospy_spec_table_free(retired_specs);
  }
  retired_specs = specs;
  specs = NULL;
}

/* processName="GLOB" is matched against the name the program was started
 * by: the file name of its argv[0] (glibc's program_invocation_short_name),
 * as fnmatch matches it (case-sensitive; no ".exe" taken off). */
static const char *process_name(void)
{
  extern char *program_invocation_short_name;
  return program_invocation_short_name ? program_invocation_short_name : "";
}

static int process_matches(const ospy_plan_hook *ph)
{
  return !ph->process[0] || ospy_agent_glob_match(ph->process, process_name());
}

/* The hooks processName left out of this process, by name: a capture of a
 * program of another name recorded nothing and said nothing. */
#define EXCLUDED_NAMES 8
typedef struct excluded_hooks {
  const char *names[EXCLUDED_NAMES]; /* the distinct processNames, in order */
  uint32_t counts[EXCLUDED_NAMES];
  uint32_t total, other_names; /* other_names: hooks of names past the first 8 */
} excluded_hooks;

static void note_excluded(excluded_hooks *x, const char *name)
{
  x->total++;
  for (int i = 0; i < EXCLUDED_NAMES; i++) {
    if (!x->names[i])
      x->names[i] = name;
    if (!strcmp(x->names[i], name)) {
      x->counts[i]++;
      return;
    }
  }
  x->other_names++;
}

static void append(char *buf, size_t cap, size_t *n, const char *s)
{
  *n += ospy_agent_join3(buf + *n, cap - *n, s, NULL, NULL);
}

static void append_count(char *buf, size_t cap, size_t *n, uint32_t count, const char *what)
{
  char dec[24];
  ospy_agent_put_dec(dec, count);
  append(buf, cap, n, dec);
  append(buf, cap, n, what);
  append(buf, cap, n, count == 1 ? "" : "s");
}

/* Said once per process (the agent's start in it, an exec's included): a
 * warning when the config hooks nothing in it, else an Info. */
static void report_excluded(const excluded_hooks *x, uint32_t nconfig)
{
  if (!x->total)
    return;
  char msg[2048];
  size_t n = 0;
  append(msg, sizeof msg, &n, "agent: ");
  append_count(msg, sizeof msg, &n, x->total, " hook");
  append(msg, sizeof msg, &n, " left out of this process: processName=");
  for (int i = 0; i < EXCLUDED_NAMES && x->names[i]; i++) {
    append(msg, sizeof msg, &n, i ? ", \"" : "\"");
    append(msg, sizeof msg, &n, x->names[i]);
    append(msg, sizeof msg, &n, "\" (");
    append_count(msg, sizeof msg, &n, x->counts[i], " hook");
    append(msg, sizeof msg, &n, ")");
  }
  if (x->other_names) {
    append(msg, sizeof msg, &n, " and other names (");
    append_count(msg, sizeof msg, &n, x->other_names, " hook");
    append(msg, sizeof msg, &n, ")");
  }
  append(msg, sizeof msg, &n, " does not match its name, '");
  append(msg, sizeof msg, &n, process_name());
  append(msg, sizeof msg, &n, "' (processName is a glob matched against the file name of the "
                              "program's argv[0], case-sensitive)");
  int none_left = x->total == nconfig;
  ospy_agent_message(none_left && !ospy_agent_g.follow_forks ? OSPY_EV_WARNING : OSPY_EV_INFO,
                     UINT32_MAX, msg);
}

int ospy_inline_init(void)
{
  ospy_plan *plan = ospy_agent_g.plan;
  uint32_t n = ospy_plan_hook_count(plan);
  /* Attached again: the previous hook table stays mapped (a thread may
   * still be in a callback of a detached hook, or asleep in a call one saw
   * enter, holding it): one small table per attach (its pages touched). */
  nhooks = 0;
  retire_specs();
  /* and the internal hooks (below), and same-named functions found later
   * (add_same_named: pages touched as they are) */
  hooks_cap = n + NINTERNAL + SAME_NAMED_ROOM;
  hooks = mmap(NULL, hooks_cap * sizeof *hooks, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (hooks == MAP_FAILED) {
    ospy_agent_message(OSPY_EV_ERROR, UINT32_MAX, "agent: cannot allocate hook table");
    return -1;
  }
  value_cap = ospy_plan_value_cap(plan);
  blob_room_set();
  ospy_agent_resolve_init();
  load_specs(plan);
  excluded_hooks excluded = { 0 };
  for (uint32_t i = 0; i < n; i++) {
    const ospy_plan_hook *ph = ospy_plan_hook_at(plan, i);
    if (!process_matches(ph)) {
      note_excluded(&excluded, ph->process);
      continue;
    }
    inline_hook *h = &hooks[nhooks++];
    h->index = i;
    h->ph = ph;
    h->noreturn = noreturn_kind(ph->symbol);
    h->convention_said = (ph->flags & OSPY_HOOK_F_SPARE) != 0; /* (its glob's first hook says it) */
    if (ph->spec_index != OSPY_PLAN_NO_SPEC && specs)
      h->fn = h->declared = ospy_spec_table_fn(specs, ph->spec_index);
  }
  for (unsigned k = 0; k < NINTERNAL; k++) {
    inline_hook *h = &hooks[nhooks++];
    h->index = UINT32_MAX;
    h->internal = (int)k + 1; /* INTERNAL_*, in the table's order */
    h->ph = &internal_hooks[k];
  }
  report_excluded(&excluded, n);
  /* the starting thread's frame area now, not at its first hooked call: a
   * program that then installs a seccomp filter forbidding mmap (or limits
   * its address space) would have it killed or its calls lost */
  area_get();
  return 0;
}
