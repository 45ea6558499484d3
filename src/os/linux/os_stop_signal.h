/*
 * The action of the signal ospy stops threads with (OSPY_OS_SUSPEND_SIGNAL,
 * os_thread.h), which is the program's signal too.
 *
 * ospy's handler goes in at the first round of stops and stays: a stop
 * signal that comes late (to a thread the round gave up on) must find it,
 * not the program's action, whose default ends the process. The program
 * keeps its own action all the same, beside ours: the one that stood when
 * ours went in, and each one it sets later with sigaction (the agent's hook
 * of sigaction hands those calls here and makes them mere queries, so ours
 * stands). sigaction tells the program its own action, as without ospy; a
 * signal that is not ospy's (kill, raise, sigqueue, from this process or
 * another) is handled as that action says: ignored, the process ended by
 * it, or the program's handler called with the mask it asked for. An exec
 * hands a SIG_IGN on to the program it runs. At the detach the program's
 * action goes back in, unless a stop signal may still be on its way.
 *
 * What differs from a run without ospy: a signal the program ignores
 * reaches ospy's handler (a sleeping call it interrupts that the kernel
 * never restarts, nanosleep or poll, ends with EINTR), and the program's
 * handler runs from ospy's, as if SA_RESTART and SA_ONSTACK were set.
 *
 * Callers serialise the changes (sigaction's return, exec, the detach and
 * the rounds of stops hold the interceptor's lock); the handler reads the
 * program's action without a lock.
 */
#ifndef OSPY_OS_LINUX_STOP_SIGNAL_H
#define OSPY_OS_LINUX_STOP_SIGNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*ospy_os_stop_handler)(int, siginfo_t *, void *);

/* The program's action, as sigaction tells it: flags as libc gives them
 * back (with the SA_RESTORER it adds), the kernel's 64 signals of the mask. */
typedef struct ospy_os_stop_action {
  uintptr_t handler;
  int flags;
  uintptr_t restorer;
  uint64_t mask;
} ospy_os_stop_action;

/* Puts handler in for the signal unless it stands; what stood instead
 * becomes the program's action. At every round of stops: a sigaction the
 * agent did not see (a raw system call) may have replaced it. 0 or -errno. */
int ospy_os_stop_signal_stand(ospy_os_stop_handler handler);

/* In ospy's handler: a signal that is not one of ospy's stops, handled as
 * the program's action says. */
void ospy_os_stop_signal_forward(int sig, siginfo_t *si, void *uc);

/* The program's sigaction(sig, act, oldact): at its entry, whether it is
 * about the stop signal while ospy's handler stands (*call filled: act, an
 * address in the program, read safely; 0 for none). The call must then
 * only ask (its act replaced by NULL); at its return, with 0, the leave
 * keeps the program's new action and writes its old one to oldact. */
typedef struct ospy_os_stop_sigaction {
  bool applies;
  bool sets;
  ospy_os_stop_action act;
} ospy_os_stop_sigaction;
bool ospy_os_stop_signal_sigaction_enter(int sig, uintptr_t act, ospy_os_stop_sigaction *call);
void ospy_os_stop_signal_sigaction_leave(const ospy_os_stop_sigaction *call, void *oldact);

/* Whether the program ignores the signal (SIG_IGN, ours standing). */
bool ospy_os_stop_signal_ignored(void);
/* An exec: the program's SIG_IGN in the kernel, for the program it runs
 * (true: it was put in, while ours stood); exec_failed puts ours back. */
bool ospy_os_stop_signal_exec_enter(void);
void ospy_os_stop_signal_exec_failed(void);

/* The detach: the program's action back in the kernel, unless a stop
 * signal may still arrive (then ours stays, and still forwards). */
void ospy_os_stop_signal_give_back(void);

#endif
