/*
 * Processes the program makes with glibc's clone(fn, stack, flags, arg, ...)
 * (not a thread: no CLONE_THREAD). clone runs no atfork handler, so such a
 * child went on as its parent for the agent: its calls recorded under the
 * parent's pid and thread, also without -F, no start and no end, and its
 * close and open renamed the parent's descriptors. Handled as fork and
 * vfork children are:
 *
 * - a copy of the parent's memory (no CLONE_VM; with or without
 *   CLONE_VFORK): fn and arg are swapped for the agent's entry and this
 *   thread's note of them, so that the child starts as a fork child does
 *   (its pid, with -F its ProcessStart, without -F no records at all) and
 *   gets its ProcessExit when fn returns (glibc's clone then ends it with
 *   fn's value, in the exit system call, past the agent's _exit hook);
 * - CLONE_VM | CLONE_VFORK (posix_spawn's way): the child runs on this
 *   thread's memory and state while the thread waits, a vfork child by
 *   another name: the caller opens the vfork window (inline.c), and its
 *   calls are recorded under its own pid.
 *
 * CLONE_VM without CLONE_VFORK (a child running beside its parent on the
 * same memory, this thread's agent and interceptor state included) is left
 * as it was, a limit (docs/reliability.md), as are clone3 and the clone
 * system call made directly.
 */
#include <sched.h>
#include <stdint.h>

#include "agent/agent.h"
#include "agent/inline.h"
#include "interceptor/interceptor.h"

typedef struct clone_start {
  int (*fn)(void *);
  void *arg;
  uint32_t parent_pid;
  uint64_t forked_at; /* 0: the child shares its parent's descriptor table (CLONE_FILES) */
} clone_start;

/* The child's fn and arg, noted by the thread that clones: the child reads
 * them from its copy of this thread's memory, taken by the clone itself. */
static __thread clone_start next_child __attribute__((tls_model("initial-exec")));

/* The child's first code: the agent's view of it set (the interceptor's
 * and the agent's per-thread state are the copy of the cloning thread's,
 * whose pending calls are the parent's, on a stack the child never
 * returns to), then the program's function. */
static int clone_child_entry(void *note)
{
  clone_start start = *(const clone_start *)note;
  ospy_interceptor_after_clone_child();
  ospy_inline_after_clone_child();
  ospy_agent_become_child(start.parent_pid, start.forked_at);
  int status = start.fn(start.arg);
  /* (a child whose fn started threads goes on without this one: the exit
   * system call ends only the calling thread; taken as the end anyway) */
  ospy_inline_report_nested_hidden(0);
  ospy_agent_emit_process_exit(status);
  return status;
}

int ospy_agent_clone_enter(ospy_invocation *inv)
{
  unsigned long flags = ospy_invocation_get_arg(inv, 2);
  if (flags & CLONE_THREAD)
    return 0; /* a thread (pthread_create's clone where there is no clone3) */
  if (flags & CLONE_VM)
    return (flags & CLONE_VFORK) != 0;
  int (*fn)(void *) = (int (*)(void *))ospy_invocation_get_arg(inv, 0);
  if (!fn || !ospy_agent_g.active)
    return 0; /* (clone fails with EINVAL for a NULL fn: left to it) */
  /* a copy of the descriptor table unless CLONE_FILES: the child's names are
     its parent's as of now */
  uint64_t forked_at = (flags & CLONE_FILES) || !ospy_agent_g.follow_forks
                           ? 0 : ospy_agent_fork_clock();
  next_child = (clone_start){ fn, (void *)ospy_invocation_get_arg(inv, 3), ospy_agent_g.pid,
                              forked_at };
  ospy_invocation_set_arg(inv, 0, (uintptr_t)clone_child_entry);
  ospy_invocation_set_arg(inv, 3, (uintptr_t)&next_child);
  return 0;
}
