/*
 * Threads of the current process: ids, enumeration through /proc/self/task,
 * and suspension of every other thread for code patching.
 *
 * Suspension sends a real-time signal (OSPY_OS_SUSPEND_SIGNAL) to each task
 * with rt_tgsigqueueinfo; the handler reports the interrupted pc/sp from its
 * ucontext and parks on a futex until ospy_os_resume_others(), then installs
 * the pc the patcher may have rewritten (new_pc) and returns. Everything runs
 * on raw syscalls, so a thread stopped while holding a libc lock cannot block
 * the patcher. Tasks created during the round are picked up by re-listing
 * /proc/self/task until no new task appears.
 *
 * A thread that blocks the signal (SigBlk in /proc/self/task/TID/status)
 * is not sent it: the signal would stay pending there, and a program that
 * blocks every signal in every thread and takes them from a signalfd or
 * sigwaitinfo would read it. It is looked at again while the round waits
 * (a new thread blocks every signal until it starts) and sent the signal
 * once it unblocks it; after 100 ms it is reported as OSPY_OS_THREAD_RUNNING
 * with the pc and sp of the system call it sits in (from
 * /proc/self/task/TID/syscall) when it is in one, else pc 0. Such a thread
 * is almost always parked in sigwait()/a blocking call; patches are single
 * aligned stores where possible so it still sees old or new bytes. What
 * remains: a thread that blocks the signal between that look and the
 * signal (microseconds) keeps it pending; it arrives, and is ignored, when
 * the thread unblocks it, and is read by a sigwaitinfo or signalfd of that
 * thread's if it never does.
 *
 * A thread that is inside another signal handler is stopped where it is; the
 * pc it will return to from that handler is not visible (documented
 * limitation). A stale signal (arriving after its round ended) is recognised
 * by its generation and ignored. The program's own signals (it may use this
 * one too) are told from ospy's and go on to the program's action
 * (os_stop_signal.h).
 */
#ifndef OSPY_OS_LINUX_THREAD_H
#define OSPY_OS_LINUX_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <signal.h>

#define OSPY_OS_MAX_THREADS 1024
/* The suspension signal: handlers of other signals must not block it, or
 * their thread cannot be stopped for patching while they run. */
#define OSPY_OS_SUSPEND_SIGNAL (SIGRTMAX - 3)

typedef enum ospy_os_thread_state {
  OSPY_OS_THREAD_SENT = 0,    /* signal sent, not yet arrived */
  OSPY_OS_THREAD_STOPPED,     /* parked in the handler: pc/sp valid, new_pc honoured */
  OSPY_OS_THREAD_RUNNING,     /* could not be stopped (signal blocked, timeout) */
  OSPY_OS_THREAD_GONE,        /* exited meanwhile */
  OSPY_OS_THREAD_LEFT,        /* resumed, out of the handler */
  OSPY_OS_THREAD_MASKED,      /* blocks the signal: not sent (yet), looked at again */
} ospy_os_thread_state;

typedef struct ospy_os_thread_stop {
  pid_t tid;
  volatile uint32_t state;     /* ospy_os_thread_state */
  volatile uint32_t generation;
  uintptr_t pc, sp;            /* at interruption (0 when unknown) */
  uintptr_t new_pc;            /* set by the patcher to move a stopped thread; 0 keeps pc */
} ospy_os_thread_stop;

typedef struct ospy_os_suspension {
  unsigned n;
  ospy_os_thread_stop *threads; /* n entries, owned by the os layer */
  unsigned n_running;           /* threads that could not be stopped */
} ospy_os_suspension;

pid_t ospy_os_thread_id(void);

/* Calls fn for every task id of the process; 0 or -errno. */
typedef bool (*ospy_os_task_fn)(pid_t tid, void *data);
int ospy_os_tasks_foreach(ospy_os_task_fn fn, void *data);

/* Is the task alive? */
bool ospy_os_task_alive(pid_t tid);

/* Whether the calling thread is the process's only one still running (its
 * main thread ended alone, pthread_exit, and so did every other). */
bool ospy_os_only_thread_left(void);

/* Stops every other thread (one round at a time, callers serialise). A
 * thread asleep in a system call is not signalled (it is reported RUNNING
 * with that call's pc and sp) unless must_stop(pc, data) says its pc needs
 * moving: the signal would end nanosleep, poll, select, epoll_wait or sleep
 * early with EINTR, as the kernel never restarts them after a handler, and
 * change what the program sees. must_stop NULL: every thread is signalled.
 * 0 or -errno. */
typedef bool (*ospy_os_pc_fn)(uintptr_t pc, void *data);
int ospy_os_suspend_others(ospy_os_suspension *s, ospy_os_pc_fn must_stop, void *data);
/* Whether a stop signal sent to a thread a round gave up on has not arrived
 * yet (it may: ospy's handler must stay to take it). */
bool ospy_os_stop_signals_in_flight(void);
/* Resumes them, applying new_pc; returns once all have left the handler. */
void ospy_os_resume_others(ospy_os_suspension *s);

#endif
