/*
 * Loading a library into a running process through ptrace (x86-64 and i386
 * targets, from the x86-64 controller):
 * stop a thread at a moment it holds no lock of the C library's (the main
 * thread first, else any other: stop_at_safe_moment, inject_safe.c), make it
 * call dlopen(path) on a fresh piece of its own stack with a return address
 * of 0, catch the SIGSEGV of that return, restore every register and let it
 * go. While the call runs, the controller keeps
 * serving `serve` (the agent's constructor talks to it during dlopen). When
 * the library was already loaded, dlopen runs no constructor: the injector
 * then calls the library's entry point by name (dlsym) the same way.
 *
 * A thread stopped inside a system call the kernel restarts (poll, nanosleep,
 * clock_nanosleep, select, a futex wait...) is let go only once it sleeps in
 * that call again (release_thread); all of it runs in a thread of ospy's own,
 * whose end detaches from a tracee asleep.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/inject.h"
#include "os/linux/inject_safe.h"
#include "os/linux/proc_task.h"

/* The C library mapped in process pid (libc.so.6, or libc-2.NN.so): a path
 * to read its file by, and its load base. 0, or -1. A C library deleted
 * since it was mapped (a libc6 upgrade under a running daemon) is read
 * through /proc/PID/map_files, where its mapping still holds it. pid may be
 * the id of one of the process's threads (ospy_proc_live_task: its main
 * thread ended), whose /proc/TID shows the same maps. */
static int find_libc(pid_t pid, char *path, size_t cap, uint64_t *base)
{
  static const char deleted[] = " (deleted)";
  char maps[64], line[1024];
  snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(maps, "re");
  int found = 0;
  if (!f)
    return -1;
  while (!found && fgets(line, sizeof line, f)) {
    unsigned long long lo, hi, off;
    int name_at = 0;
    if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &off, &name_at) < 3 || !name_at)
      continue;
    char *name = line + name_at;
    name[strcspn(name, "\n")] = 0;
    size_t len = strlen(name), dl = sizeof deleted - 1;
    int gone = len > dl && !strcmp(name + len - dl, deleted);
    if (gone)
      name[len - dl] = 0;
    const char *b = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    if (off == 0 && (!strcmp(b, "libc.so.6") || (!strncmp(b, "libc-", 5) && strstr(b, ".so")))) {
      if (gone)
        snprintf(path, cap, "/proc/%d/map_files/%llx-%llx", (int)pid, lo, hi);
      else
        snprintf(path, cap, "/proc/%d/root%s", (int)pid, name);
      *base = lo;
      found = 1;
    }
  }
  fclose(f);
  return found ? 0 : -1;
}

/* The text after "Name:" in /proc/PID/status (first word), or "" */
static void status_field(pid_t pid, const char *name, char *out, size_t cap)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  size_t n = strlen(name);
  out[0] = '\0';
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, name, n) && line[n] == ':') {
      sscanf(line + n + 1, " %63s", out);
      break;
    }
  if (f)
    fclose(f);
  (void)cap;
}

static int tracer_of(pid_t pid);

int ospy_inject_check(pid_t pid, char *err, size_t errcap)
{
  char path[4096], state[64];
  uint64_t base;
  pid_t tid = ospy_proc_live_task(pid); /* (the injection goes through this thread) */
  if (find_libc(tid, path, sizeof path, &base) < 0) {
    snprintf(err, errcap, "process %d has no C library mapped (statically linked?)", (int)pid);
    return -1;
  }
  /* refused before the output file is touched (it was emptied, and the
   * attach failed after) */
  int tracer = tracer_of(tid);
  if (tracer > 0) {
    snprintf(err, errcap, "process %d is already traced by process %d: a debugger, strace, or "
             "another ospy", (int)pid, tracer);
    return -1;
  }
  status_field(tid, "State", state, sizeof state);
  if (!strcmp(state, "T")) {
    snprintf(err, errcap, "process %d is stopped (SIGSTOP or Ctrl-Z): it cannot load the agent; "
             "continue it first (kill -CONT %d)", (int)pid, (int)pid);
    return -1;
  }
  return 0;
}

bool ospy_inject_seccomp(pid_t pid)
{
  char mode[64];
  status_field(ospy_proc_live_task(pid), "Seccomp", mode, sizeof mode);
  return mode[0] && strcmp(mode, "0");
}

/* The address of the libc function name in pid, from the symbol table of the
 * libc file it mapped (read through /proc/VIA/root, VIA pid or one of its
 * threads: the process may live in another mount namespace; or its
 * mapping, find_libc). */
static uint64_t remote_libc_fn(pid_t pid, pid_t via, const char *name, char *err, size_t errcap)
{
  char file[4200];
  uint64_t base, off;
  if (find_libc(via, file, sizeof file, &base) < 0) {
    snprintf(err, errcap, "process %d has no C library mapped (statically linked?)", (int)pid);
    return 0;
  }
  if (ospy_inject_export_offset(file, name, &off, err, errcap) < 0)
    return 0;
  return base + off;
}

/* TracerPid of process pid, 0 when untraced or unknown. */
static int tracer_of(pid_t pid)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  int tracer = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "TracerPid: %d", &tracer) == 1)
      break;
  if (f)
    fclose(f);
  return tracer;
}

static int write_remote(pid_t pid, uint64_t addr, const void *buf, size_t n)
{
  struct iovec l = { (void *)buf, n }, r = { (void *)(uintptr_t)addr, n };
  return process_vm_writev(pid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* The thread the injection runs in: the process's main thread, or another
 * when that one has ended (pthread_exit; ospy_proc_live_task). ptrace and
 * the memory writes go by tid, messages name pid. */
typedef struct tracee {
  pid_t pid, tid;
  int bits; /* 64 (x86-64) or 32 (i386) */
  ospy_inject_stop_fn stop_requested; /* Ctrl-C, SIGTERM: give up (may be NULL) */
} tracee;

static bool stop_asked(const tracee *t)
{
  return t->stop_requested && t->stop_requested();
}

static double ms_since(const struct timespec *t0)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static void sleep_us(long us)
{
  struct timespec ts = { 0, us * 1000L };
  nanosleep(&ts, NULL);
}

/* How long a stop request (Ctrl-C) lets an injected call run on before it
 * is cut short: one that is merely slow ends well within it. */
enum { CALL_GRACE_MS = 2000 };

/* Runs the hijacked call to completion (the return to address 0 faults),
 * serving the controller side meanwhile. 0, or -1 with err; *cut set when
 * the call was stopped in the middle (stop_requested, and the call still
 * running CALL_GRACE_MS later: a call that cannot finish, ospy's user gave
 * up on it): the thread is then stopped where it was, for the caller to put
 * its registers back. */
static int run_call(const tracee *t, ospy_inject_serve_fn serve, void *data, int *served,
                    bool *cut, char *err, size_t errcap)
{
  int pending_sig = 0;
  pid_t pid = t->pid, tid = t->tid;
  bool asked = false, interrupted = false;
  struct timespec asked_at;
  if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
    goto fail_errno;
  for (;;) {
    int st;
    pid_t w = waitpid(tid, &st, WNOHANG | __WALL);
    if (w < 0)
      goto fail_errno;
    if (w == 0) {
      if (serve)
        *served |= serve(data);
      if (!asked && stop_asked(t)) {
        asked = true;
        clock_gettime(CLOCK_MONOTONIC, &asked_at);
      }
      if (asked && !interrupted && ms_since(&asked_at) >= CALL_GRACE_MS) {
        if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
          goto fail_errno;
        interrupted = true;
      }
      sleep_us(2000);
      continue;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (tid != pid)
        snprintf(err, errcap, "process %d (its thread %d, which ran the injection) ended during "
                 "the injection", (int)pid, (int)tid);
      else
        snprintf(err, errcap, "process %d ended during the injection", (int)pid);
      return -1;
    }
    if (interrupted && (st >> 16) == PTRACE_EVENT_STOP) {
      *cut = true;
      snprintf(err, errcap, "interrupted while the injected call ran in thread %d of process "
               "%d, which had not returned %d s later: the thread was stopped there and put "
               "back where it was; the process may be stuck or unstable (a lock or memory "
               "the unfinished call held)", (int)tid, (int)pid, CALL_GRACE_MS / 1000);
      return -1;
    }
    int sig = WSTOPSIG(st);
    if (sig == SIGSEGV) {
      struct user_regs_struct r;
      /* the call returned to our fake address (interrupted: just before
       * it could stop; the interrupt's stop, still pending, is dropped when
       * ptrace lets go: no call is made after a stop request) */
      if (ptrace(PTRACE_GETREGS, tid, 0, &r) == 0 && r.rip == 0)
        break;
      snprintf(err, errcap, "process %d crashed during the injection", (int)pid);
      return -1;
    }
    /* Another signal arrived meanwhile: deliver it (its handler runs now). */
    pending_sig = sig == SIGSTOP ? 0 : sig;
    if (ptrace(PTRACE_CONT, tid, 0, pending_sig) < 0)
      goto fail_errno;
  }
  return 0;
fail_errno:
  snprintf(err, errcap, "ptrace on process %d: %s", (int)pid, strerror(errno));
  return -1;
}

#if defined(__x86_64__)
/* Makes the stopped thread call fn(a0, a1) on its stack below the saved one
 * (arguments' bytes at str), with a return address of 0; *ret = the return
 * register. An i386 thread (bits 32) gets cdecl: arguments on the stack,
 * esp + 4 16-byte aligned at the call (the i386 SysV ABI). */
static int remote_call(const tracee *t, const struct user_regs_struct *saved, uint64_t fn,
                       uint64_t a0, uint64_t a1, uint64_t below, ospy_inject_serve_fn serve,
                       void *data, int *served, bool *cut, uint64_t *ret, char *err,
                       size_t errcap)
{
  pid_t pid = t->pid, tid = t->tid;
  int bits = t->bits;
  struct user_regs_struct r = *saved;
  uint64_t sp = (below - 16) & ~(uint64_t)15; /* 16-aligned, then the return slot */
  uint64_t zero = 0;
  uint32_t frame32[3] = { 0, (uint32_t)a0, (uint32_t)a1 };
  int wrote = bits == 32 ? write_remote(tid, sp - 4, frame32, sizeof frame32)
                         : write_remote(tid, sp - 8, &zero, 8);
  if (wrote < 0) {
    snprintf(err, errcap, "cannot write to the stack of process %d: %s", (int)pid, strerror(errno));
    return -1;
  }
  r.rsp = bits == 32 ? sp - 4 : sp - 8;
  r.rip = fn;
  r.rdi = a0;
  r.rsi = a1;
  r.rax = 0;
  r.orig_rax = (uint64_t)-1; /* not inside a system call: no restart on resume */
  if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0) {
    snprintf(err, errcap, "ptrace(PTRACE_SETREGS, %d): %s", (int)tid, strerror(errno));
    return -1;
  }
  if (run_call(t, serve, data, served, cut, err, errcap) < 0)
    return -1;
  if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0) {
    snprintf(err, errcap, "ptrace(PTRACE_GETREGS, %d): %s", (int)tid, strerror(errno));
    return -1;
  }
  *ret = bits == 32 ? (uint32_t)r.rax : r.rax;
  return 0;
}
#endif

#if defined(__x86_64__)
/* The thread's FPU, SSE and AVX registers (its xsave area, else the
 * fxsave one), put back with the general ones: dlopen and the agent's start
 * use the vector registers, and a loop the attach interrupted that kept its
 * doubles in xmm registers went on with garbage (one block came out inf). */
typedef struct fp_state {
  unsigned type; /* the regset that read it; 0 when none could */
  struct iovec iov;
} fp_state;

static void fp_save(pid_t pid, fp_state *f)
{
  static uint8_t area[16384] __attribute__((aligned(64)));
  static const unsigned types[] = { NT_X86_XSTATE, NT_PRFPREG };
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    f->type = types[i];
    f->iov = (struct iovec){ area, sizeof area };
    if (ptrace(PTRACE_GETREGSET, pid, (void *)(uintptr_t)f->type, &f->iov) == 0)
      return;
  }
  f->type = 0;
}

static int fp_restore(pid_t pid, const fp_state *f)
{
  struct iovec iov = f->iov;
  return f->type ? (int)ptrace(PTRACE_SETREGSET, pid, (void *)(uintptr_t)f->type, &iov) : 0;
}

/* The kernel's own codes for an interrupted system call that it restarts
 * when the thread resumes with no signal handler to run
 * (include/linux/errno.h, not exported to user space). */
enum { RESTART_SYS = 512, RESTART_NOINTR = 513, RESTART_NOHAND = 514, RESTART_BLOCK = 516 };

/* Whether the thread (registers r, stopped by ptrace) resumes by restarting
 * the system call it was interrupted in. */
static bool restart_pending(const struct user_regs_struct *r, int bits)
{
  long long nr = bits == 32 ? (int32_t)r->orig_rax : (long long)r->orig_rax;
  long long ret = bits == 32 ? (int32_t)r->rax : (long long)r->rax;
  return nr >= 0 && (ret == -RESTART_SYS || ret == -RESTART_NOINTR || ret == -RESTART_NOHAND ||
                     ret == -RESTART_BLOCK);
}

/* The state letter of thread tid of pid (/proc/PID/task/TID/stat), or 0. */
static char thread_state(pid_t pid, pid_t tid)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
  return ospy_proc_stat_state(path);
}

/* Detaches from a stop waitpid reported (st), passing on a signal the
 * thread was about to take: the program's own. */
static void detach_from_stop(pid_t pid, int st)
{
  if (!WIFSTOPPED(st))
    return; /* ended */
  int sig = WSTOPSIG(st);
  if (sig == (SIGTRAP | 0x80) || (st >> 16) != 0)
    sig = 0; /* a system call stop, or an event stop (PTRACE_EVENT_STOP) */
  ptrace(PTRACE_DETACH, pid, 0, sig);
}

/* Resumes the thread (its registers restored, inside a system call the
 * kernel restarts) until it sleeps in that call again, and returns without
 * detaching: the end of the calling thread, the tracer, lets it go there,
 * asleep.
 *
 * Detached at once, the thread took signals on its way back into the call
 * with the restart still pending. The agent's control thread stops every
 * thread not asleep in a system call with a signal, to install its hooks, as
 * soon as no tracer is left; a handler run then makes the kernel end the call
 * with EINTR instead of restarting it (poll, nanosleep, clock_nanosleep,
 * select; from the second or third of repeated attaches on, every time). */
static void resume_into_restarted_call(const tracee *t)
{
  pid_t tid = t->tid;
  int st;
  /* up to the restarted call's entry (the thread is one instruction away) */
  if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
    return;
  while (waitpid(tid, &st, __WALL) < 0)
    if (errno != EINTR)
      return;
  if (!WIFSTOPPED(st) || WSTOPSIG(st) != (SIGTRAP | 0x80)) {
    detach_from_stop(tid, st); /* a signal of the program's came first */
    return;
  }
  if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
    return;
  for (int waited_ms = 0; waited_ms < 2000; waited_ms++) { /* (the agent waits 5 s at most) */
    pid_t w = waitpid(tid, &st, WNOHANG | __WALL);
    if (w == tid) { /* the call returned, or a signal came: no restart is pending now */
      detach_from_stop(tid, st);
      return;
    }
    if (w < 0 || thread_state(t->pid, tid) == 'S')
      return; /* asleep in the call (or gone) */
    struct timespec ts = { 0, 1000000L };
    nanosleep(&ts, NULL);
  }
}

/* Lets the thread go on with the registers it had (restored: they were put
 * back). */
static void release_thread(const tracee *t, const struct user_regs_struct *saved, bool restored)
{
  if (restored && restart_pending(saved, t->bits))
    resume_into_restarted_call(t);
  else
    ptrace(PTRACE_DETACH, t->tid, 0, 0);
}
#endif

#if defined(__x86_64__)
/* How long the injector waits for a moment a thread of the process holds
 * no lock of the C library's, and how long it lets the process run between
 * two looks. */
enum { SAFE_MOMENT_WAIT_MS = 3000, SAFE_MOMENT_RETRY_US = 1000 };

/* The message for a thread that cannot be seized: thread tid, errno e. */
static void seize_error(const tracee *t, pid_t tid, int e, char *err, size_t errcap)
{
  int tracer = e == EPERM ? tracer_of(tid) : 0;
  if (tracer > 0)
    snprintf(err, errcap, "ptrace(PTRACE_SEIZE, %d): %s (process %d is already traced by "
             "process %d: a debugger, strace, or another ospy)", (int)tid, strerror(e),
             (int)t->pid, tracer);
  else
    snprintf(err, errcap, "ptrace(PTRACE_SEIZE, %d): %s%s", (int)tid, strerror(e),
             e == EPERM ? " (not your process, or /proc/sys/kernel/yama/ptrace_scope forbids it)"
                        : "");
}

/* Seizes thread tid and stops it wherever it is. 0 with its registers in
 * *r (stopped, traced), 1 when it was not stopped this time (a signal of the
 * program's came first and was passed on, or the thread ended; not traced
 * any more), 2 when a stop request came meanwhile (left traced: the end of
 * the tracer thread lets it go), -1 with errno when it cannot be seized.
 * SEIZE + INTERRUPT, not ATTACH: ATTACH's SIGSTOP ends an epoll_wait in the
 * target with EINTR (a stop signal does, even with no handler).
 * TRACESYSGOOD: release_thread tells system call stops from signals. */
static int seize_and_stop(const tracee *t, pid_t tid, struct user_regs_struct *r)
{
  if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD) < 0)
    return -1;
  if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
    return 1; /* (it ended) */
  int st;
  pid_t w;
  /* polled: a thread in uninterruptible sleep (D) stops only when it wakes,
   * and Ctrl-C must not wait for it */
  while ((w = waitpid(tid, &st, WNOHANG | __WALL)) == 0) {
    if (stop_asked(t))
      return 2;
    sleep_us(20);
  }
  if (w < 0 || WIFEXITED(st) || WIFSIGNALED(st))
    return 1;
  if ((st >> 16) != PTRACE_EVENT_STOP || ptrace(PTRACE_GETREGS, tid, 0, r) < 0) {
    detach_from_stop(tid, st);
    return 1;
  }
  return 0;
}

/* The threads of process pid, preferred (the main thread, or the live one
 * standing for it) first; up to cap. How many. */
static size_t list_threads(pid_t pid, pid_t preferred, pid_t *tids, size_t cap)
{
  char dir[48];
  size_t n = 0;
  tids[n++] = preferred;
  snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
  DIR *d = opendir(dir);
  for (struct dirent *e; d && n < cap && (e = readdir(d));) {
    char *end;
    long tid = strtol(e->d_name, &end, 10);
    if (!*end && tid > 0 && tid != preferred)
      tids[n++] = (pid_t)tid;
  }
  if (d)
    closedir(d);
  return n;
}

/* Stops a thread of the process at a moment it holds no lock of the C
 * library's (ospy_inject_unsafe_reason), where dlopen can run: injected in
 * the middle of malloc, the call waited for the lock its own thread held,
 * for ever, or (a single-threaded process, where malloc takes no lock)
 * crashed it. Each thread in turn, the preferred one first, is stopped,
 * looked at and let go on if it is not at such a moment; then the process
 * runs SAFE_MOMENT_RETRY_US and the threads are looked at again, for up to
 * SAFE_MOMENT_WAIT_MS. 0 with t->tid the chosen thread, stopped and traced,
 * and its registers in *saved; else -1 with err, the process left as it
 * was. */
static int stop_at_safe_moment(tracee *t, struct user_regs_struct *saved, char *err,
                               size_t errcap)
{
  enum { MAX_THREADS = 4096 };
  static pid_t tids[MAX_THREADS];
  ospy_inject_map map = { 0 };
  pid_t preferred = t->tid;
  const char *why = NULL;
  struct timespec t0;
  int rc = -1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    /* (again each time: the main thread may end meanwhile, libraries come
     * and go) */
    preferred = ospy_proc_live_task(t->pid);
    ospy_inject_map_read(preferred, &map);
    size_t n = list_threads(t->pid, preferred, tids, MAX_THREADS);
    for (size_t i = 0; i < n; i++) {
      int stopped = seize_and_stop(t, tids[i], saved), e = errno;
      if (stopped < 0 && tids[i] == preferred && !ospy_proc_task_ended(preferred)) {
        seize_error(t, preferred, e, err, errcap);
        goto out;
      }
      if (stopped == 2)
        break;
      if (stopped != 0)
        continue;
      const char *unsafe = ospy_inject_unsafe_reason(&map, saved, t->bits);
      if (!unsafe) {
        t->tid = tids[i];
        rc = 0;
        goto out;
      }
      if (tids[i] == preferred)
        why = unsafe;
      ptrace(PTRACE_DETACH, tids[i], 0, 0); /* (an interrupted system call restarts) */
    }
    if (stop_asked(t)) {
      snprintf(err, errcap, "interrupted before the agent was loaded: process %d was left as "
               "it was", (int)t->pid);
      goto out;
    }
    if (kill(t->pid, 0) < 0 && errno == ESRCH) {
      snprintf(err, errcap, "process %d ended", (int)t->pid);
      goto out;
    }
    if (ms_since(&t0) >= SAFE_MOMENT_WAIT_MS)
      break;
    sleep_us(SAFE_MOMENT_RETRY_US);
  }
  snprintf(err, errcap, "no thread of process %d came to a point where it could load the agent "
           "safely in %d s (thread %d was %s each time ptrace stopped it: made to call dlopen "
           "there, it could hang on a lock it held, or crash); the process was left as it was: "
           "try again", (int)t->pid, SAFE_MOMENT_WAIT_MS / 1000, (int)preferred,
           why ? why : "not stoppable");
out:
  ospy_inject_map_free(&map);
  return rc;
}

/* ospy_inject_dlopen, run by the tracer thread. */
static int inject_as_tracer(tracee *t, const char *path, const char *then_call,
                            ospy_inject_serve_fn serve, void *data, char *err, size_t errcap)
{
  pid_t pid = t->pid;
  uint64_t fn = remote_libc_fn(pid, t->tid, "dlopen", err, errcap);
  uint64_t sym_fn = then_call ? remote_libc_fn(pid, t->tid, "dlsym", err, errcap) : 0;
  if (!fn || (then_call && !sym_fn))
    return -1;
  struct user_regs_struct saved;
  if (stop_at_safe_moment(t, &saved, err, errcap) < 0)
    return -1;
  pid_t tid = t->tid;
  int rc = -1, served = 0;
  bool restored = false, cut = false;
  uint64_t handle = 0, entry = 0, ignored;
  fp_state fp;
  fp_save(tid, &fp);
  /* (dlopen, or the agent's pthread_create, may have signals blocked when
   * a call is cut short) */
  uint64_t mask; /* (the kernel's sigset: 64 bits, for i386 processes too) */
  bool mask_saved = ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof mask, &mask) == 0;
  size_t len = strlen(path) + 1, sym_len = then_call ? strlen(then_call) + 1 : 0;
  uint64_t str = (saved.rsp - 512 - len) & ~(uint64_t)15; /* well below the red zone */
  uint64_t sym = (str - sym_len) & ~(uint64_t)15;
  if (write_remote(tid, str, path, len) < 0 ||
      (then_call && write_remote(tid, sym, then_call, sym_len) < 0)) {
    snprintf(err, errcap, "cannot write to the stack of process %d: %s", (int)pid, strerror(errno));
    goto restore;
  }
  if (remote_call(t, &saved, fn, str, RTLD_NOW, sym, serve, data, &served, &cut, &handle, err,
                  errcap) < 0)
    goto restore;
  if (!handle) {
    snprintf(err, errcap, "dlopen(\"%s\") failed inside process %d", path, (int)pid);
    goto restore;
  }
  /* Already loaded (an earlier attach): dlopen ran no constructor, so the
   * entry point is called by name (not after a stop request: the agent
   * stays unstarted). */
  if (then_call && !served) {
    if (stop_asked(t)) {
      snprintf(err, errcap, "interrupted before the agent was started: process %d was left "
               "as it was", (int)pid);
      goto restore;
    }
    if (remote_call(t, &saved, sym_fn, handle, sym, sym, NULL, NULL, &served, &cut, &entry, err,
                    errcap) < 0)
      goto restore;
    if (!entry) {
      snprintf(err, errcap, "%s has no %s", path, then_call);
      goto restore;
    }
    if (remote_call(t, &saved, entry, 0, 0, sym, serve, data, &served, &cut, &ignored, err,
                    errcap) < 0)
      goto restore;
  }
  rc = 0;
restore:
  /* the saved registers, orig_rax included, let an interrupted system call restart */
  restored = ptrace(PTRACE_SETREGS, tid, 0, &saved) == 0;
  if (!restored && rc == 0) {
    snprintf(err, errcap, "ptrace(PTRACE_SETREGS, %d): %s", (int)tid, strerror(errno));
    rc = -1;
  }
  if (fp_restore(tid, &fp) < 0 && rc == 0) {
    snprintf(err, errcap, "ptrace(PTRACE_SETREGSET, %d): %s", (int)tid, strerror(errno));
    rc = -1;
  }
  if (cut && mask_saved)
    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof mask, &mask);
  release_thread(t, &saved, restored);
  return rc;
}

typedef struct inject_job {
  pid_t pid;
  int bits;
  const char *path, *then_call;
  ospy_inject_serve_fn serve;
  void *data;
  ospy_inject_stop_fn stop_requested;
  char *err;
  size_t errcap;
  int rc;
} inject_job;

static void *tracer_main(void *arg)
{
  inject_job *j = arg;
  /* a process whose main thread ended (pthread_exit) runs on in its other
   * threads: one of them makes the call */
  tracee t = { j->pid, ospy_proc_live_task(j->pid), j->bits, j->stop_requested };
  j->rc = inject_as_tracer(&t, j->path, j->then_call, j->serve, j->data, j->err, j->errcap);
  return NULL; /* (this thread's end lets go of a tracee release_thread left asleep) */
}
#endif

/* The tracer is a thread of its own: a tracer thread's end is the only way
 * to let a tracee go without stopping it first (release_thread). It blocks
 * every signal: ospy's handlers run in the calling thread, which waits;
 * the tracer looks at stop_requested. */
int ospy_inject_dlopen(pid_t pid, int bits, const char *path, const char *then_call,
                       ospy_inject_serve_fn serve, void *data, ospy_inject_stop_fn stop_requested,
                       char *err, size_t errcap)
{
#if !defined(__x86_64__)
  snprintf(err, errcap, "injection needs the x86-64 controller");
  return -1;
#else
  inject_job job = { pid, bits, path, then_call, serve, data, stop_requested, err, errcap, -1 };
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t tracer;
  int e = pthread_create(&tracer, NULL, tracer_main, &job);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e != 0) {
    snprintf(err, errcap, "cannot start the injecting thread: %s", strerror(e));
    return -1;
  }
  pthread_join(tracer, NULL);
  return job.rc;
#endif
}
