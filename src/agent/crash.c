/*
 * The call a program crashes in. A hooked call is recorded when it returns;
 * one that dies in SIGSEGV never does, and it is the call a user most wants
 * to see. So, for the fatal signals whose action is still the default, the
 * agent installs a handler that records the crashing thread's pending calls
 * (as not returning, through the interceptor's abandon handler) and a message
 * saying where the signal struck, then puts the default action back and lets
 * the signal kill the process as it would have: a fault is raised again by
 * its instruction when the handler returns, a sent signal (kill, raise,
 * abort) is sent again.
 *
 * Only default actions are taken over: a program's own handler is never
 * replaced, and one installed later replaces ours (its handler decides).
 * One the program sets back to the default later (signal(SIGPIPE, SIG_DFL),
 * as sort's handler does before raising the signal again) is ours again:
 * its sigaction installs the crash handler in SIG_DFL's place, and is told
 * SIG_DFL, with the flags and mask it gave, from then on.
 */
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include "agent/agent.h"
#include "agent/inline.h"
#include "interceptor/interceptor.h"
#include "os/linux/os_read.h"
#include "os/linux/os_syscall.h"
#include "os/linux/os_thread.h"

/* The faults, abort, and the sent signals whose default action ends a
 * program. Not SIGINT: shells and interpreters decide how Ctrl-C behaves
 * by what they find for it (python3 installs KeyboardInterrupt only over
 * the default); it is left exactly as it was. */
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM,
                                     SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
                                     SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF };
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static const char *const crash_names[] = { "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT",
                                           "SIGTERM", "SIGHUP", "SIGPIPE", "SIGQUIT", "SIGUSR1",
                                           "SIGUSR2", "SIGALRM", "SIGXCPU", "SIGXFSZ",
                                           "SIGVTALRM", "SIGPROF" };

/* The kernel's struct for rt_sigaction: no libc wrapper (hooked, maybe) runs
 * in the handler. */
typedef struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
} kernel_sigaction;

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's flag: sa_restorer is set */
#endif

/* The crash handler, as installed (built by ospy_agent_crash_arm). */
static struct sigaction crash_action;

/* Whether the crash handler replaces the default actions the program sets:
 * from arming to detach. */
static atomic_int armed;

/* What a signal the crash handler stands in for would hold without ospy:
 * the default action with these flags, mask (the kernel's 64 signals) and
 * restorer. Told to the program by sigaction, put back at detach. */
typedef struct program_default {
  unsigned long flags;
  uint64_t mask;
  uintptr_t restorer;
} program_default;
static program_default program_defaults[NCRASH];

static int crash_index(int sig)
{
  for (unsigned i = 0; i < NCRASH; i++)
    if (crash_signals[i] == sig)
      return (int)i;
  return -1;
}

/* The signals of a sigset_t the kernel keeps (its first 64; never SIGKILL
 * or SIGSTOP, which it takes out of every handler's mask). */
static uint64_t kernel_mask(const sigset_t *set)
{
  uint64_t mask;
  memcpy(&mask, set, sizeof mask);
  return mask & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
}

/* Raw rt_sigaction: no libc wrapper (hooked) on the way. */
static bool kernel_action(int sig, kernel_sigaction *out)
{
  return ospy_os_syscall(SYS_rt_sigaction, sig, 0, (long)out, sizeof out->mask, 0, 0) == 0;
}

static void put_hex(char **p, uint64_t v)
{
  char tmp[16];
  int n = 0;
  do
    tmp[n++] = "0123456789abcdef"[v & 15];
  while ((v >>= 4));
  *(*p)++ = '0';
  *(*p)++ = 'x';
  while (n)
    *(*p)++ = tmp[--n];
}

static void put_str(char **p, const char *s)
{
  size_t n = strlen(s);
  memcpy(*p, s, n);
  *p += n;
}

/* A name of the program's, cut to max bytes (the message has a fixed size). */
static void put_name(char **p, const char *s, size_t max)
{
  size_t n = strlen(s);
  memcpy(*p, s, n < max ? n : max);
  *p += n < max ? n : max;
  if (n > max)
    put_str(p, "...");
}

static uint64_t fault_pc(const void *ucv)
{
  const ucontext_t *uc = ucv;
#if defined(__x86_64__)
  return (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
#else
  return (uint32_t)uc->uc_mcontext.gregs[REG_EIP];
#endif
}

/* The program's pc. An instruction a hook moved runs in ospy's trampoline,
 * a hooked function's entry in ospy's stub: the pc there, an anonymous page,
 * tells the user nothing. Its address in the program is given instead, the
 * hook code's beside it: "0x565f4584 (run in ospy's copy of the first
 * instructions of crashin, at 0xf625f0bc)"; true then. */
static bool put_pc(char **p, uint64_t pc)
{
  uintptr_t function = 0;
  bool moved = false;
  uintptr_t original = ospy_interceptor_original_address((uintptr_t)pc, &function, &moved);
  if (!original) {
    put_hex(p, pc);
    return false;
  }
  const char *name = ospy_inline_hook_function_name(function);
  put_hex(p, original);
  put_str(p, moved ? " (run in ospy's copy of the first instructions of " : " (entering ");
  if (name) {
    put_name(p, name, 160);
  } else {
    put_str(p, "the function at ");
    put_hex(p, function);
  }
  put_str(p, moved ? ", at " : ", in ospy's hook stub at ");
  put_hex(p, pc);
  put_str(p, ")");
  return true;
}

/* A fault inside the jump a hook patched in (code ran into the middle of it:
 * a branch to a place it covers, or a hook placed inside an instruction), or
 * at an instruction just before the jump of a hook whose place could not be
 * checked (the jump cut it): said, it is ospy's doing. "(inside the jump ospy
 * patched in at 0x4011b1 for check_key: ...)" */
static void put_patch_note(char **p, uint64_t pc)
{
  uintptr_t at = 0;
  bool inside = false;
  uintptr_t function = ospy_interceptor_patch_near((uintptr_t)pc, &at, &inside);
  if (!function || (!inside && !ospy_inline_hook_place_unchecked(function)))
    return;
  const char *name = ospy_inline_hook_function_name(function);
  put_str(p, inside ? " (inside the jump ospy patched in at " : " (just before the jump ospy "
          "patched in at ");
  put_hex(p, at);
  put_str(p, " for ");
  put_name(p, name ? name : "a hook", 160);
  put_str(p, inside ? ": the program ran into the middle of it; was that place inside an "
          "instruction?)" : ", a place that could not be checked: likely inside the "
          "instruction there)");
}

/* "agent: thread 4711: SIGSEGV (address 0x0) at 0x55d0c0de1139, 1 pending
 * call recorded as not returning" */
static void report(int i, const siginfo_t *si, const void *uc, int pending)
{
  char buf[768]; /* (the longest: about 450 bytes) */
  char *p = buf;
  put_str(&p, "agent: thread ");
  p = ospy_agent_put_dec(p, (uint32_t)ospy_os_gettid());
  put_str(&p, ": ");
  put_str(&p, crash_names[i]);
  if (si->si_code > 0 && (crash_signals[i] == SIGSEGV || crash_signals[i] == SIGBUS)) {
    put_str(&p, " (address ");
    put_hex(&p, (uint64_t)(uintptr_t)si->si_addr);
    put_str(&p, ")");
  } else if (si->si_code <= 0) {
    put_str(&p, " (sent by pid ");
    p = ospy_agent_put_dec(p, (uint32_t)si->si_pid);
    put_str(&p, ")");
  }
  put_str(&p, " at ");
  if (!put_pc(&p, fault_pc(uc)))
    put_patch_note(&p, fault_pc(uc));
  put_str(&p, ", ");
  p = ospy_agent_put_dec(p, (uint32_t)pending);
  put_str(&p, pending == 1 ? " pending call" : " pending calls");
  put_str(&p, " of this thread recorded as not returning");
  *p = 0;
  ospy_agent_message(OSPY_EV_WARNING, UINT32_MAX, buf); /* the program's fault, not ospy's */
}

static void set_default(int sig)
{
  kernel_sigaction dfl = { .handler = SIG_DFL };
  ospy_os_syscall(SYS_rt_sigaction, sig, (long)&dfl, 0, sizeof dfl.mask, 0, 0);
}

/* A fault the faulting instruction raises again when the handler returns.
 * Not every positive si_code: the kernel's own timers (alarm's SIGALRM,
 * SIGXCPU, SIGPROF) come as SI_KERNEL, and were taken for faults: the
 * handler returned, the program's blocking call failed with EINTR and it
 * went on, instead of dying of the signal. */
static int is_fault(int sig, const siginfo_t *si)
{
  return (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) && si->si_code > 0;
}

static void on_crash(int sig, siginfo_t *si, void *uc)
{
  int i = crash_index(sig);
  /* a vfork child shares our state; its pending calls are its parent's */
  if (i >= 0 && ospy_agent_g.active && (uint32_t)ospy_os_getpid() == ospy_agent_g.pid) {
    int pending = ospy_interceptor_abandon_thread();
    (void)ospy_interceptor_abandon_other_threads(); /* they die with the process */
    if (pending >= 0) { /* -1: the thread was inside the agent, its record half written */
      ospy_interceptor_ignore_current_thread(); /* strlen, memcpy: not the program's calls */
      if (pending > 0 || si->si_code > 0) /* a fault, or calls cut short */
        report(i, si, uc, pending);
      ospy_inline_report_busy_at_end();
      ospy_inline_report_nested_hidden(1);
      ospy_interceptor_unignore_current_thread();
      /* a followed child's death: its parent, not ospy, will reap it */
      ospy_agent_emit_process_end(OSPY_EXIT_SIGNAL, sig);
    }
  }
  set_default(sig);
  if (!is_fault(sig, si)) /* sent, not a fault: send it again, now fatal */
    ospy_os_syscall(SYS_tgkill, ospy_os_getpid(), ospy_os_gettid(), sig, 0, 0, 0);
}

static void build_crash_action(void)
{
  crash_action = (struct sigaction){ .sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK };
  sigfillset(&crash_action.sa_mask);
  /* (a thread that patches hooks waits for every thread's answer to it) */
  sigdelset(&crash_action.sa_mask, OSPY_OS_SUSPEND_SIGNAL);
}

void ospy_agent_crash_arm(void)
{
  build_crash_action();
  for (unsigned i = 0; i < NCRASH; i++) {
    struct sigaction old;
    if (sigaction(crash_signals[i], NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
        old.sa_handler != SIG_DFL)
      continue; /* the program's handler, or ignored: theirs to keep */
    program_defaults[i] = (program_default){ (unsigned long)old.sa_flags, kernel_mask(&old.sa_mask),
                                             (uintptr_t)old.sa_restorer };
    if (sigaction(crash_signals[i], &crash_action, NULL) != 0)
      continue; /* such a signal stays as it was: its crash records no pending call */
  }
  atomic_store(&armed, 1);
}

const void *ospy_agent_crash_instead(int sig, uintptr_t act, ospy_crash_request *request)
{
  struct sigaction sa;
  if (!act || crash_index(sig) < 0 || !atomic_load(&armed) ||
      ospy_os_read_memory(act, &sa, sizeof sa) != sizeof sa)
    return NULL; /* (an unreadable act: the program's sigaction fails or faults on it itself) */
  if (sa.sa_handler != SIG_DFL)
    return NULL; /* SIG_IGN, or the program's own handler: theirs */
  *request = (ospy_crash_request){ (unsigned long)sa.sa_flags, kernel_mask(&sa.sa_mask) };
  return &crash_action;
}

/* The program's default action back, as it set it (the detach). */
static void put_program_default(int i)
{
  const program_default *d = &program_defaults[i];
  kernel_sigaction dfl = { .handler = SIG_DFL, .flags = d->flags,
                           .restorer = (void (*)(void))d->restorer, .mask = d->mask };
  ospy_os_syscall(SYS_rt_sigaction, crash_signals[i], (long)&dfl, 0, sizeof dfl.mask, 0, 0);
}

static bool crash_handler_stands(int sig)
{
  kernel_sigaction cur;
  return kernel_action(sig, &cur) && (uintptr_t)cur.handler == (uintptr_t)on_crash;
}

void ospy_agent_crash_rearmed(int sig, const ospy_crash_request *request)
{
  int i = crash_index(sig);
  kernel_sigaction cur;
  if (i < 0 || !kernel_action(sig, &cur) || (uintptr_t)cur.handler != (uintptr_t)on_crash)
    return; /* another thread's sigaction came after it: that one stands */
  /* the restorer its libc gave the crash handler, it gives every action */
  program_defaults[i] = (program_default){
    request->flags | (cur.flags & SA_RESTORER), request->mask,
    (cur.flags & SA_RESTORER) ? (uintptr_t)cur.restorer : 0 };
  if (!atomic_load(&armed)) /* the detach came while it ran: it did not see this one */
    put_program_default(i);
}

void ospy_agent_note_signal_return(int sig)
{
  kernel_sigaction cur;
  if (sig <= 0 || sig >= 65 ||
      ospy_os_syscall(SYS_rt_sigaction, sig, 0, (long)&cur, sizeof cur.mask, 0, 0) != 0)
    return;
  if (cur.flags & SA_RESTORER)
    ospy_interceptor_note_signal_return((uintptr_t)cur.restorer);
}

/* Without SA_RESTORER (i386 glibc sets none) the kernel returns handlers
 * through its vDSO's __kernel_sigreturn and __kernel_rt_sigreturn: found in
 * the vDSO's dynamic symbol table, which the kernel maps whole. */
static void note_vdso_signal_returns(void)
{
  const uint8_t *image = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
  if (!image)
    return;
  const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)image;
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(image + eh->e_phoff);
  uintptr_t bias = 0;
  for (unsigned i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD) {
      bias = (uintptr_t)image + ph[i].p_offset - ph[i].p_vaddr;
      break;
    }
  const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(image + eh->e_shoff);
  for (unsigned i = 0; eh->e_shoff && i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum || !sh[i].sh_entsize)
      continue;
    const ElfW(Sym) *sym = (const ElfW(Sym) *)(image + sh[i].sh_offset);
    const char *names = (const char *)(image + sh[sh[i].sh_link].sh_offset);
    for (size_t k = 0; k < sh[i].sh_size / sh[i].sh_entsize; k++)
      if (sym[k].st_value && (!strcmp(names + sym[k].st_name, "__kernel_sigreturn") ||
                              !strcmp(names + sym[k].st_name, "__kernel_rt_sigreturn")))
        ospy_interceptor_note_signal_return(bias + sym[k].st_value);
  }
}

void ospy_agent_note_signal_returns(void)
{
  note_vdso_signal_returns();
  for (int sig = 1; sig < 65; sig++)
    ospy_agent_note_signal_return(sig);
}

/* (sigaction returned 0: it wrote oldact, which is the program's memory) */
void ospy_agent_crash_hide(int sig, void *oldact)
{
  struct sigaction *sa = oldact;
  int i = crash_index(sig);
  if (!(sa->sa_flags & SA_SIGINFO) || sa->sa_sigaction != on_crash || i < 0)
    return;
  const program_default *d = &program_defaults[i];
  memset(sa, 0, sizeof *sa);
  sa->sa_handler = SIG_DFL;
  sa->sa_flags = (int)d->flags;
  memcpy(&sa->sa_mask, &d->mask, sizeof d->mask);
  sa->sa_restorer = (void (*)(void))d->restorer;
}

/* At detach: the program's default actions back, where ours still stand.
 * Disarmed first: a sigaction of the program's that ends after this loop
 * puts its default back itself (ospy_agent_crash_rearmed). */
void ospy_agent_crash_disarm(void)
{
  atomic_store(&armed, 0);
  for (unsigned i = 0; i < NCRASH; i++)
    if (crash_handler_stands(crash_signals[i]))
      put_program_default((int)i);
}
