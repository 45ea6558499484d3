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
 */
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include "agent/agent.h"
#include "agent/inline.h"
#include "interceptor/interceptor.h"
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
 * instructions of crashin, at 0xf625f0bc)". */
static void put_pc(char **p, uint64_t pc)
{
  uintptr_t function = 0;
  bool moved = false;
  uintptr_t original = ospy_interceptor_original_address((uintptr_t)pc, &function, &moved);
  if (!original) {
    put_hex(p, pc);
    return;
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
}

/* "agent: thread 4711: SIGSEGV (address 0x0) at 0x55d0c0de1139, 1 pending
 * call recorded as not returning" */
static void report(int i, const siginfo_t *si, const void *uc, int pending)
{
  char buf[512];
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
  put_pc(&p, fault_pc(uc));
  put_str(&p, ", ");
  p = ospy_agent_put_dec(p, (uint32_t)pending);
  put_str(&p, pending == 1 ? " pending call" : " pending calls");
  put_str(&p, " recorded as not returning");
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
  unsigned i = 0;
  while (i < NCRASH && crash_signals[i] != sig)
    i++;
  /* a vfork child shares our state; its pending calls are its parent's */
  if (i < NCRASH && ospy_agent_g.active && (uint32_t)ospy_os_getpid() == ospy_agent_g.pid) {
    int pending = ospy_interceptor_abandon_thread();
    (void)ospy_interceptor_abandon_other_threads(); /* they die with the process */
    if (pending >= 0) { /* -1: the thread was inside the agent, its record half written */
      ospy_interceptor_ignore_current_thread(); /* strlen, memcpy: not the program's calls */
      if (pending > 0 || si->si_code > 0) /* a fault, or calls cut short */
        report((int)i, si, uc, pending);
      ospy_interceptor_unignore_current_thread();
      /* a followed child's death: its parent, not ospy, will reap it */
      ospy_agent_emit_process_end(OSPY_EXIT_SIGNAL, sig);
    }
  }
  set_default(sig);
  if (!is_fault(sig, si)) /* sent, not a fault: send it again, now fatal */
    ospy_os_syscall(SYS_tgkill, ospy_os_getpid(), ospy_os_gettid(), sig, 0, 0, 0);
}

void ospy_agent_crash_arm(void)
{
  for (unsigned i = 0; i < NCRASH; i++) {
    struct sigaction old;
    if (sigaction(crash_signals[i], NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
        old.sa_handler != SIG_DFL)
      continue; /* the program's handler, or ignored: theirs to keep */
    struct sigaction sa = { .sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    sigfillset(&sa.sa_mask);
    /* (a thread that patches hooks waits for every thread's answer to it) */
    sigdelset(&sa.sa_mask, OSPY_OS_SUSPEND_SIGNAL);
    if (sigaction(crash_signals[i], &sa, NULL) != 0)
      continue; /* such a signal stays as it was: its crash records no pending call */
  }
}

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's flag: sa_restorer is set */
#endif

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
void ospy_agent_crash_hide(void *oldact)
{
  struct sigaction *sa = oldact;
  if (!(sa->sa_flags & SA_SIGINFO) || sa->sa_sigaction != on_crash)
    return;
  memset(sa, 0, sizeof *sa);
  sa->sa_handler = SIG_DFL;
}

/* At detach: the default actions back, where ours still stand. */
void ospy_agent_crash_disarm(void)
{
  for (unsigned i = 0; i < NCRASH; i++) {
    struct sigaction cur;
    if (sigaction(crash_signals[i], NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
        cur.sa_sigaction == on_crash)
      set_default(crash_signals[i]);
  }
}
