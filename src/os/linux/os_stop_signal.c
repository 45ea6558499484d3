/* The stop signal's action: ospy's handler, the program's kept beside it
 * (see os_stop_signal.h). Raw system calls only where a signal handler or a
 * hooked call runs this. */
#include "os/linux/os_stop_signal.h"

#include <string.h>
#include <ucontext.h>

#include "os/linux/os_read.h"
#include "os/linux/os_syscall.h"
#include "os/linux/os_thread.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's flag: sa_restorer is set */
#endif
/* A flag no kernel knows: whether this one drops the flags it does not know
 * (since Linux 5.11) shows in what it keeps of ours. */
#define FLAG_NO_KERNEL_KNOWS 0x00000400
/* The flags such a kernel keeps (x86: its UAPI_SA_FLAGS; 0x800 is
 * SA_EXPOSE_TAGBITS). */
#define FLAGS_KEPT                                                                          \
  (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER |        \
   (int)SA_RESETHAND | 0x800 | SA_RESTORER)

/* The kernel's struct for rt_sigaction. */
typedef struct kernel_action {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
} kernel_action;

/* ospy's handler as the kernel holds it (with the C library's restorer). */
static kernel_action ours;
static bool kernel_drops_unknown_flags;
/* Whether ours stands for the program's action below. */
static volatile uint32_t standing;
/* The program's action: slot program_seq & 1, published whole by a change
 * (the handler reads it without a lock). */
static ospy_os_stop_action program_actions[2];
static volatile uint32_t program_seq;
/* program_seq + 1 of the action whose SA_RESETHAND has set it back to
 * SIG_DFL (the kernel does that as the handler is called); 0: none. */
static volatile uint32_t reset_mark;

static uint64_t signal_bit(int sig) { return 1ull << (sig - 1); }

/* The signals of a sigset_t the kernel keeps (its first 64; never SIGKILL
 * or SIGSTOP, which it takes out of every mask). */
static uint64_t kernel_mask(const sigset_t *set) {
  uint64_t mask;
  __builtin_memcpy(&mask, set, sizeof mask);
  return mask & ~(signal_bit(SIGKILL) | signal_bit(SIGSTOP));
}

static bool kernel_query(kernel_action *out) {
  return ospy_os_syscall(SYS_rt_sigaction, OSPY_OS_SUSPEND_SIGNAL, 0, (long)out, sizeof out->mask,
                         0, 0) == 0;
}

static void kernel_set(const kernel_action *action) {
  ospy_os_syscall(SYS_rt_sigaction, OSPY_OS_SUSPEND_SIGNAL, (long)action, 0, sizeof action->mask,
                  0, 0);
}

static void set_thread_mask(uint64_t mask) {
  ospy_os_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, sizeof mask, 0, 0);
}

static uint64_t thread_mask(void) {
  uint64_t mask = 0;
  ospy_os_syscall(SYS_rt_sigprocmask, SIG_SETMASK, 0, (long)&mask, sizeof mask, 0, 0);
  return mask;
}

/* The program's action (with an SA_RESETHAND that fired read as SIG_DFL);
 * returns the change it belongs to. Field by field: no libc call here. */
static uint32_t read_program_action(ospy_os_stop_action *out) {
  for (;;) {
    uint32_t seq = __atomic_load_n(&program_seq, __ATOMIC_ACQUIRE);
    const volatile ospy_os_stop_action *a = &program_actions[seq & 1];
    out->handler = a->handler;
    out->flags = a->flags;
    out->restorer = a->restorer;
    out->mask = a->mask;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&program_seq, __ATOMIC_ACQUIRE) != seq)
      continue; /* changed twice meanwhile: read again */
    if (__atomic_load_n(&reset_mark, __ATOMIC_ACQUIRE) == seq + 1)
      out->handler = (uintptr_t)SIG_DFL;
    return seq;
  }
}

/* A change (the caller holds the interceptor's lock). Signals are blocked
 * meanwhile: a handler of this thread's that calls sigaction must not
 * write the same slot half-way. */
static void publish_program_action(const ospy_os_stop_action *a) {
  uint64_t before = thread_mask();
  set_thread_mask(~0ull);
  uint32_t next = program_seq + 1;
  volatile ospy_os_stop_action *slot = &program_actions[next & 1];
  slot->handler = a->handler;
  slot->flags = a->flags;
  slot->restorer = a->restorer;
  slot->mask = a->mask;
  __atomic_store_n(&program_seq, next, __ATOMIC_RELEASE);
  set_thread_mask(before);
}

/* What sigaction tells of an action the program sets: the C library adds
 * its SA_RESTORER and restorer (x86-64; not i386), the kernel drops the
 * flags it does not know and SIGKILL and SIGSTOP from the mask. */
static ospy_os_stop_action told_form(const struct sigaction *sa) {
  ospy_os_stop_action a;
  unsigned long libc_adds = ours.flags & SA_RESTORER;
  a.handler = (uintptr_t)sa->sa_handler;
  a.flags = sa->sa_flags | (int)libc_adds;
  if (kernel_drops_unknown_flags)
    a.flags &= FLAGS_KEPT;
  a.restorer = libc_adds ? ours.restorer : 0;
  a.mask = kernel_mask(&sa->sa_mask);
  return a;
}

/* The action the program had as it stood, told by the C library. */
static ospy_os_stop_action as_told(const struct sigaction *old) {
  ospy_os_stop_action a = { (uintptr_t)old->sa_handler, old->sa_flags,
                            (uintptr_t)old->sa_restorer, kernel_mask(&old->sa_mask) };
  return a;
}

/* The program's action in the kernel, as its C library would have put it. */
static void put_in_kernel(const ospy_os_stop_action *a) {
  kernel_action k = { a->handler, (unsigned long)(long)a->flags, a->restorer, a->mask };
  kernel_set(&k);
}

int ospy_os_stop_signal_stand(ospy_os_stop_handler handler) {
  kernel_action cur;
  if (!kernel_query(&cur))
    return -22;
  if (cur.handler == (uintptr_t)handler && __atomic_load_n(&standing, __ATOMIC_ACQUIRE))
    return 0;
  /* through the C library: it gives the handler its restorer (x86-64) */
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  memset(&old, 0, sizeof old);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK | FLAG_NO_KERNEL_KNOWS;
  sigfillset(&sa.sa_mask);
  if (sigaction(OSPY_OS_SUSPEND_SIGNAL, &sa, &old) != 0 || !kernel_query(&ours))
    return -22;
  kernel_drops_unknown_flags = !(ours.flags & FLAG_NO_KERNEL_KNOWS);
  /* what stood: the program's (set by a raw system call, or inherited) */
  if ((uintptr_t)old.sa_sigaction != (uintptr_t)handler) {
    ospy_os_stop_action was = as_told(&old);
    publish_program_action(&was);
  }
  __atomic_store_n(&standing, 1, __ATOMIC_RELEASE);
  return 0;
}

/* The kernel sets SA_RESETHAND's action back to SIG_DFL as it calls the
 * handler, once: the first signal to come gets the handler. */
static bool claim_reset(uint32_t seq) {
  uint32_t mark = __atomic_load_n(&reset_mark, __ATOMIC_ACQUIRE);
  while (mark != seq + 1)
    if (__atomic_compare_exchange_n(&reset_mark, &mark, seq + 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      return true;
  return false;
}

/* The default action of a real-time signal: the process ends, killed by
 * it. It is sent again, to this thread, where it arrives once the handler
 * has returned (with the signal unblocked, as it came). */
static void end_process(int sig, ucontext_t *uc) {
  kernel_action dfl = { (uintptr_t)SIG_DFL, 0, 0, 0 };
  kernel_set(&dfl);
  uint64_t interrupted;
  __builtin_memcpy(&interrupted, &uc->uc_sigmask, sizeof interrupted);
  interrupted &= ~signal_bit(sig);
  __builtin_memcpy(&uc->uc_sigmask, &interrupted, sizeof interrupted);
  ospy_os_syscall(SYS_tgkill, ospy_os_getpid(), ospy_os_gettid(), sig, 0, 0, 0);
}

/* The program's handler, with the mask the kernel would give it: the
 * interrupted thread's, its sa_mask, the signal itself unless SA_NODEFER.
 * Its changes to the context (uc) are the return's, as without ospy. */
static void run_program_handler(const ospy_os_stop_action *a, int sig, siginfo_t *si,
                                ucontext_t *uc) {
  uint64_t during;
  __builtin_memcpy(&during, &uc->uc_sigmask, sizeof during);
  during |= a->mask;
  if (!(a->flags & SA_NODEFER))
    during |= signal_bit(sig);
  set_thread_mask(during);
  if (a->flags & SA_SIGINFO)
    ((void (*)(int, siginfo_t *, void *))a->handler)(sig, si, uc);
  else
    ((void (*)(int))a->handler)(sig);
  set_thread_mask(~0ull); /* ospy's handler's mask, until it returns */
}

void ospy_os_stop_signal_forward(int sig, siginfo_t *si, void *uc) {
  ospy_os_stop_action a;
  uint32_t seq = read_program_action(&a);
  if (a.handler == (uintptr_t)SIG_IGN)
    return;
  if (a.handler != (uintptr_t)SIG_DFL && (a.flags & (int)SA_RESETHAND) && !claim_reset(seq))
    a.handler = (uintptr_t)SIG_DFL; /* another thread's signal came first */
  if (a.handler == (uintptr_t)SIG_DFL)
    end_process(sig, uc);
  else
    run_program_handler(&a, sig, si, uc);
}

bool ospy_os_stop_signal_sigaction_enter(int sig, uintptr_t act, ospy_os_stop_sigaction *call) {
  struct sigaction sa;
  call->applies = false;
  if (sig != OSPY_OS_SUSPEND_SIGNAL || !__atomic_load_n(&standing, __ATOMIC_ACQUIRE))
    return false;
  if (act && ospy_os_read_memory(act, &sa, sizeof sa) != sizeof sa)
    return false; /* the program's sigaction faults on it as without ospy */
  call->sets = act != 0;
  if (act)
    call->act = told_form(&sa);
  call->applies = true;
  return true;
}

/* oldact as the C library fills it (crash.c's hidden handlers alike). */
static void tell(struct sigaction *oldact, const ospy_os_stop_action *a) {
  memset(oldact, 0, sizeof *oldact);
  oldact->sa_handler = (void (*)(int))a->handler;
  oldact->sa_flags = a->flags;
  __builtin_memcpy(&oldact->sa_mask, &a->mask, sizeof a->mask);
  oldact->sa_restorer = (void (*)(void))a->restorer;
}

void ospy_os_stop_signal_sigaction_leave(const ospy_os_stop_sigaction *call, void *oldact) {
  if (!call->applies)
    return;
  ospy_os_stop_action before;
  read_program_action(&before);
  if (call->sets) {
    if (__atomic_load_n(&standing, __ATOMIC_ACQUIRE))
      publish_program_action(&call->act);
    else /* ours went away while the call ran (the detach): the program's goes in */
      put_in_kernel(&call->act);
  }
  if (oldact)
    tell(oldact, &before);
}

bool ospy_os_stop_signal_ignored(void) {
  ospy_os_stop_action a;
  if (!__atomic_load_n(&standing, __ATOMIC_ACQUIRE))
    return false;
  read_program_action(&a);
  return a.handler == (uintptr_t)SIG_IGN;
}

bool ospy_os_stop_signal_exec_enter(void) {
  kernel_action cur;
  if (!ospy_os_stop_signal_ignored() || !kernel_query(&cur) || cur.handler != ours.handler)
    return false;
  kernel_action ign = { (uintptr_t)SIG_IGN, 0, 0, 0 };
  kernel_set(&ign);
  return true;
}

void ospy_os_stop_signal_exec_failed(void) {
  if (__atomic_load_n(&standing, __ATOMIC_ACQUIRE))
    kernel_set(&ours);
}

void ospy_os_stop_signal_give_back(void) {
  kernel_action cur;
  if (!__atomic_load_n(&standing, __ATOMIC_ACQUIRE) || ospy_os_stop_signals_in_flight())
    return;
  if (kernel_query(&cur) && cur.handler == ours.handler) {
    ospy_os_stop_action a;
    read_program_action(&a);
    put_in_kernel(&a);
  }
  __atomic_store_n(&standing, 0, __ATOMIC_RELEASE);
}
