/*
 * libospy-agent.so entry: a constructor that does nothing unless the ospy
 * controller asked for it (the OSPY_RING_FD environment variable when spawned,
 * or the attach socket when injected), then maps the ring, validates the plan
 * and installs every hook before the program's main runs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/follow_env.h"
#include "os/linux/os_read.h"
#include "os/linux/os_stop_signal.h"
#include "os/linux/os_syscall.h"
#include "os/linux/os_thread.h"
#include "agent/inline.h"
#include "interceptor/interceptor.h"

/* A decimal number ending at stop or at the end; -1 if none. */
static int parse_num(const char *s, char stop, const char **end)
{
  int v = 0;
  if (!*s || *s == stop)
    return -1;
  for (; *s && *s != stop; s++) {
    if (*s < '0' || *s > '9' || v > 10000000)
      return -1;
    v = v * 10 + (*s - '0');
  }
  if (end)
    *end = s;
  return v;
}

/*
 * The environment, read and changed in `environ` itself. A shell may define
 * getenv, setenv and unsetenv of its own (bash does: they work on its
 * variables, which it builds in main from the environment it starts with),
 * and the agent's calls would reach those: bash's unsetenv before main did
 * nothing, and LD_PRELOAD went on to every program bash ran.
 */
static char **env_slot(const char *name)
{
  size_t n = strlen(name);
  for (char **e = environ; e && *e; e++)
    if (!strncmp(*e, name, n) && (*e)[n] == '=')
      return e;
  return NULL;
}

static const char *env_get(const char *name)
{
  char **e = env_slot(name);
  return e ? *e + strlen(name) + 1 : NULL;
}

/* Every entry of name taken out, in place (as glibc's unsetenv does). */
static void env_unset(const char *name)
{
  char **e;
  while ((e = env_slot(name)))
    do
      e[0] = e[1];
    while (*e++);
}

/* name's entry (present already) pointed at `entry` ("NAME=value"). */
static void env_replace(const char *name, char *entry)
{
  char **e = env_slot(name);
  if (e)
    *e = entry;
}

/* The highest descriptor number below the soft RLIMIT_NOFILE (and 1024)
 * that is free, -1 when none is. */
static int highest_free_fd(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return -1;
  int top = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1024 ? 1024 : (int)rl.rlim_cur;
  for (int fd = top - 1; fd > 2; fd--)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
      return fd;
  return -1;
}

/* With -F, a program that lost the ring's descriptor and cannot open the
 * controller's /proc/PID/fd (it runs as another user: a program that
 * dropped privileges, then closed inherited descriptors before an exec)
 * asks the controller, pid, for it over its socket
 * (cli/ring_handover.h), which hands it to the processes of the capture
 * only. Taken only from that pid, running as root or as our user (anyone
 * can listen on an abstract name). Kept open across this program's own
 * execs, as an inherited one. -1: none. */
/* The descriptor a peer hands over (SCM_RIGHTS) on the abstract socket
 * named prefix + id, taken only from a peer that runs as root or as our
 * user (anyone can listen on an abstract name) and, when peer is not 0, is
 * that process. timeout_s bounds the wait (0: none); recv_flags go to
 * recvmsg (MSG_CMSG_CLOEXEC or 0). -1: none. */
static int fd_from_abstract_socket(const char *prefix, unsigned id, int peer, int timeout_s,
                                   int recv_flags)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char name[64];
  size_t plen = strlen(prefix);
  memcpy(name, prefix, plen + 1);
  ospy_agent_put_dec(name + plen, id);
  memcpy(sa.sun_path + 1, name, strlen(name));
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -1;
  struct timeval tv = { timeout_s, 0 };
  struct ucred cred;
  socklen_t cl = sizeof cred;
  int fd = -1;
  if ((!timeout_s || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0) &&
      connect(s, (struct sockaddr *)&sa, len) == 0 &&
      getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 && (!peer || cred.pid == peer) &&
      (cred.uid == 0 || cred.uid == getuid())) {
    char byte;
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = recvmsg(s, &msg, recv_flags) == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
  }
  close(s);
  return fd;
}

static int ring_from_controller(int pid)
{
  /* (5 s: a controller that is stuck does not hold the program; no
   * close-on-exec: kept across this program's execs) */
  return fd_from_abstract_socket(OSPY_RING_HANDOVER_SOCK, (unsigned)pid, pid, 5, 0);
}

/* OSPY_RING_FD=FD:PID:PIDFD: the ring is descriptor FD; a program that lost
 * it (its parent closed inherited descriptors before exec) reopens it as
 * /proc/PID/fd/PIDFD, the controller's, or gets it from the controller
 * (another user's /proc/PID/fd is closed to it), at FD again when that is
 * free, else (FD above the program's descriptor limit: the controller puts
 * it there, where it takes none of the program's) at the highest free
 * number below the limit, out of the way of the numbers the program opens.
 * -1: no ring. */
static int ring_fd_from_env(const char *env)
{
  const char *rest = NULL;
  int fd = parse_num(env, ':', &rest);
  if (fd < 0)
    return -1;
  int pid = -1, pid_fd = -1;
  if (rest && *rest == ':' && (pid = parse_num(rest + 1, ':', &rest)) > 0 && *rest == ':')
    pid_fd = parse_num(rest + 1, 0, NULL);
  if (ospy_ring_is_ring(fd))
    return fd;
  if (pid <= 0 || pid_fd < 0)
    return -1;
  char path[64];
  ospy_agent_put_dec(stpcpy(ospy_agent_put_dec(stpcpy(path, "/proc/"), (unsigned)pid), "/fd/"),
                     (unsigned)pid_fd);
  int again = open(path, O_RDWR);
  if (again < 0) /* (EACCES: another user's) */
    again = ring_from_controller(pid);
  if (again < 0)
    return -1;
  if (fcntl(fd, F_GETFD) < 0 && dup2(again, fd) == fd) { /* its own number, free again */
    close(again);
    return fd;
  }
  int high = highest_free_fd();
  if (high > again && dup2(again, high) == high) {
    close(again);
    again = high;
  }
  static char entry[96]; /* for its children: this number, the same source */
  char *v = stpcpy(ospy_agent_put_dec(stpcpy(entry, OSPY_RING_ENV "="), (unsigned)again), ":");
  ospy_agent_put_dec(stpcpy(ospy_agent_put_dec(v, (unsigned)pid), ":"), (unsigned)pid_fd);
  env_replace(OSPY_RING_ENV, entry); /* before main: no other thread reads it */
  return again;
}

/* Attach: the controller listens on an abstract socket named after our pid
 * and hands over the ring fd (SCM_RIGHTS) after checking nothing; we check
 * that it runs as our user or as root (root attaching to another user's
 * process: it could ptrace us anyway), as ring_from_controller does. */
static int receive_attach_fd(void)
{
  return fd_from_abstract_socket(OSPY_AGENT_ATTACH_SOCK, (unsigned)getpid(), 0, 0,
                                 MSG_CMSG_CLOEXEC);
}

/* The agent's entries out of the environment, keeping the preloads of the
 * user's own (LD_PRELOAD was agent:theirs, and all of it went): without
 * following, children must not load the agent again; with it, the exec
 * hooks put them back. */
static void scrub_environment(void)
{
  env_unset(OSPY_RING_ENV);
  const char *pre = env_get("LD_PRELOAD");
  if (!pre || !strstr(pre, "libospy-agent"))
    return;
  static char kept[4096] = "LD_PRELOAD=";
  ospy_preload_split(pre, NULL, 0, kept + sizeof "LD_PRELOAD=" - 1,
                     sizeof kept - (sizeof "LD_PRELOAD=" - 1));
  size_t n = strlen(kept);
  if (n > sizeof "LD_PRELOAD=" - 1)
    env_replace("LD_PRELOAD", kept);
  else
    env_unset("LD_PRELOAD");
}

/* The forking process and when it forked (the agent's clock), noted before
 * fork by the thread that forks: the child's copy of its descriptors is its
 * parent's as they were then (a child's own start comes later, after the
 * parent may have closed what it handed over). */
/* Attached: whether the control thread has put the hooks in (a fork before
 * that makes a child no hook will go into). */
static _Atomic int attach_hooks_in;

static __thread uint32_t forking_pid __attribute__((tls_model("initial-exec")));
static __thread uint64_t forking_at __attribute__((tls_model("initial-exec")));

uint64_t ospy_agent_fork_clock(void)
{
  /* (the agent's clock may be clock_gettime, a function the program may hook) */
  ospy_interceptor_ignore_current_thread();
  uint64_t now = ospy_agent_clock();
  ospy_interceptor_unignore_current_thread();
  return now ? now : 1; /* (0: no copy) */
}

static void on_fork_prepare(void)
{
  forking_pid = ospy_agent_g.pid;
  forking_at = ospy_agent_g.active && ospy_agent_g.follow_forks ? ospy_agent_fork_clock() : 0;
}

/* A new process with a copy of its parent's memory (a fork child, a clone
 * child of its own memory), before its code: its pid, recorded with -F
 * (its start, stamped with forked_at when its descriptors are a copy of its
 * parent's as of then), else not at all. Raw system calls: a hooked libc
 * function called here (getpid, through the PLT) was recorded as the
 * program's own call, and under the parent's pid. */
void ospy_agent_become_child(uint32_t parent_pid, uint64_t forked_at)
{
  ospy_agent *a = &ospy_agent_g;
  /* forked by an attached process before its control thread put the hooks
   * in: none will go in here (that thread is not in the child) */
  int before_hooks = a->attached && !atomic_load(&attach_hooks_in);
  a->pid = (uint32_t)ospy_os_getpid();
  ospy_os_read_set_pid((int)a->pid); /* safe reads: this process now, not the parent */
  ospy_inline_after_fork();
  a->attached = 0; /* no control thread in the child: a detach request stops it */
  if (!a->follow_forks) {
    a->active = 0;
    return;
  }
  ospy_inline_forget_nested_hidden();
  atomic_fetch_add(&a->ring.ctl->agents, 1);
  ospy_agent_emit_process_start(parent_pid, forked_at);
  if (before_hooks) {
    /* (its start alone, then nothing: no exec, no exit, no word why) */
    char msg[200];
    char *p = stpcpy(msg, "agent: forked while ospy was still putting its hooks into process ");
    p = ospy_agent_put_dec(p, parent_pid);
    stpcpy(p, " (-p): not followed, its calls, execs and exit are not recorded");
    ospy_agent_message(OSPY_EV_WARNING, UINT32_MAX, msg);
    a->active = 0;
  }
}

/* Runs inside the program's fork, before its child code. */
static void on_fork_child(void)
{
  ospy_agent_become_child(forking_pid, forking_at);
}

/* Whether a debugger-style tracer (the controller injecting us) still holds
 * the thread it injected us through (tid): TracerPid in its status. That
 * thread is the main thread, or another when the main thread has ended
 * (pthread_exit): /proc/self/status is the main thread's. */
static int still_traced(pid_t tid)
{
  char buf[1024], path[64];
  stpcpy(ospy_agent_put_dec(stpcpy(path, "/proc/self/task/"), (unsigned)tid), "/status");
  size_t n = ospy_os_read_small_file(path, buf, sizeof buf - 1);
  buf[n] = 0;
  const char *t = strstr(buf, "TracerPid:");
  return t && atoi(t + sizeof "TracerPid:" - 1) != 0;
}

/* Attached with -F: the programs this process execs are followed as a
 * spawned program's are, through their environment, with the agent's own
 * file (the path the injection loaded) and the ring, reopened in them
 * through the controller's /proc/PID/fd (the descriptor received here is
 * close-on-exec). Only programs of this architecture: the file is this
 * agent, not the $LIB directory a spawned capture preloads. */
static void follow_execs_attached(const ospy_ring *r)
{
  Dl_info info;
  if (!dladdr((void *)follow_execs_attached, &info) || !info.dli_fname || info.dli_fname[0] != '/')
    return;
  char ring[64];
  char *p = stpcpy(ospy_agent_put_dec(ring, (unsigned)r->fd), ":");
  p = stpcpy(ospy_agent_put_dec(p, r->ctl->controller_pid), ":");
  ospy_agent_put_dec(p, r->ctl->controller_fd);
  ospy_follow_env_init(info.dli_fname, ring);
  ospy_follow_env_same_class_only();
}

/* Installs the hooks once the controller has let the injected thread go.
 * Installed from inside the injected call, they could cover the bytes that
 * thread had been stopped in (a busy loop calling a hooked function): its
 * registers, restored after the call, sent it into the middle of our jump,
 * out of reach of the patcher, which moves only the threads it stops. */
/* OSPY_TEST_INSTALL_DELAY_MS (tests only): the process's first control
 * thread waits this long before installing the hooks, as when a thousand
 * hooks go into a process of busy threads, so that a capture can end first
 * (the next attaches install at once). */
static unsigned test_install_delay_ms;

static void install_after_injection(pid_t injected_tid)
{
  for (int i = 0; i < 5000 && still_traced(injected_tid); i++) { /* 5 s at most */
    struct timespec ts = { 0, 1000000L };
    nanosleep(&ts, NULL);
  }
  static int delayed;
  if (test_install_delay_ms && !delayed++) {
    struct timespec ts = { test_install_delay_ms / 1000, (long)(test_install_delay_ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
      ;
  }
  ospy_inline_attach_pending();
  atomic_store(&attach_hooks_in, 1);
  ospy_inline_report_missing();
  ospy_agent_message(OSPY_EV_INFO, UINT32_MAX, "agent: hooks installed");
  /* (the controller that stopped before this tells its user so) */
  atomic_fetch_add(&ospy_agent_g.ring.ctl->hooks_installed, 1);
}

/* Attach mode: installs the hooks, waits for the controller's detach request
 * (or its death) and then restores every patched slot; the target keeps
 * running unhooked. */
/* The process's last thread ends it with exit(0) (glibc's thread start
 * does, once it counts no other thread). Ours counts: when the program's
 * last thread ended (its main thread ended with pthread_exit before), the
 * process would run on with only this one, and nobody would end it. It
 * ends as glibc would have ended it, hooks still in: its end and the calls
 * of its atexit handlers are recorded. */
static void end_process_if_alone(void)
{
  if (!ospy_os_only_thread_left())
    return;
  ospy_interceptor_unignore_current_thread();
  exit(0);
}

/* After the detach: the ring is given back (its pages, its descriptor).
 * Kept, it stayed mapped and open in the process until the next attach: 16
 * MiB of the program's address space, and every child the program forked
 * afterwards inherited it, so that the next attach took that child for an
 * ospy still capturing the process. Replaced in place by zeroed memory of
 * our own, not unmapped: a thread that passed the `active` check just
 * before the detach may still write one record, which lands there (its
 * detach word set: nothing waits for room in it). The next attach unmaps
 * it. */
static void release_ring(ospy_ring *r)
{
  void *m = mmap(r->ctl, r->map_len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return; /* (the ring stays: harmless, as before) */
  atomic_store(&r->ctl->detach, 1);
  if (r->fd >= 0)
    close(r->fd);
  r->fd = -1;
}

static void *control_thread(void *arg)
{
  ospy_agent *a = &ospy_agent_g;
  ospy_interceptor_ignore_current_thread(); /* the agent's own thread */
  install_after_injection((pid_t)(intptr_t)arg);
  while (!atomic_load(&a->ring.ctl->detach) && ospy_agent_consumer_alive()) {
    end_process_if_alone();
    struct timespec ts = { 0, 200 * 1000000L };
    syscall(SYS_futex, (uint32_t *)&a->ring.ctl->detach, FUTEX_WAIT, 0, &ts, NULL, 0);
  }
  /* the calls threads that ended left pending never return: recorded now,
   * while their hooks are in (a live thread's may still return after the
   * capture: not recorded) */
  (void)ospy_interceptor_abandon_ended_threads();
  ospy_inline_detach_all();
  ospy_agent_crash_disarm();
  /* the program's own action for the signal ospy stops threads with */
  ospy_interceptor_hold();
  ospy_os_stop_signal_give_back();
  ospy_interceptor_release();
  ospy_inline_report_nested_hidden(0); /* (said by the process's end otherwise) */
  ospy_agent_message(OSPY_EV_INFO, UINT32_MAX, "agent: detached, hooks removed");
  a->active = 0;
  atomic_fetch_add(&a->ring.ctl->detached, 1); /* the controller waits for this */
  atomic_fetch_add(&a->ring.ctl->wake_futex, 1);
  syscall(SYS_futex, (uint32_t *)&a->ring.ctl->wake_futex, FUTEX_WAKE, 1, NULL, NULL, 0);
  release_ring(&a->ring);
  return arg;
}

static int load_plan(ospy_agent *a)
{
  ospy_ring_ctl *c = a->ring.ctl;
  char err[256];
  if (ospy_plan_decode((const uint8_t *)c + c->plan_offset, c->plan_len, &a->plan, err, sizeof err) < 0) {
    ospy_agent_message(OSPY_EV_ERROR, UINT32_MAX, err);
    return -1;
  }
  if (ospy_plan_arch_bits(a->plan) != sizeof(void *) * 8) {
    /* -F into a program of the other architecture: its types, sizes and
     * conventions differ; recording it with this plan would decode garbage */
    ospy_agent_message(OSPY_EV_WARNING, UINT32_MAX, sizeof(void *) == 4
      ? "agent: this 32-bit program is not recorded: the capture's definitions are for "
        "64-bit programs (capture it on its own: ospy capture -- PROGRAM)"
      : "agent: this 64-bit program is not recorded: the capture's definitions are for "
        "32-bit programs (capture it on its own: ospy capture -- PROGRAM)");
    return -1;
  }
  a->lossy = (ospy_plan_options(a->plan) & OSPY_PLAN_OPT_LOSSY) || (c->flags & OSPY_RING_F_LOSSY);
  a->backtrace = ospy_plan_backtrace_depth(a->plan);
  return 0;
}

/* OSPY_TEST_COUNT_READS (tests only): how many of the agent's reads of the
 * program's memory were system calls, said at the process's end (a
 * structure decoded from the heap is one, not one per field). */
static bool test_count_reads;

void ospy_agent_report_test_reads(void)
{
  if (!test_count_reads)
    return;
  char msg[96];
  char *p = stpcpy(msg, "agent: ");
  p = ospy_agent_put_dec(p, ospy_os_read_kernel_reads());
  stpcpy(p, " reads of the program's memory through the kernel (OSPY_TEST_COUNT_READS)");
  ospy_agent_message(OSPY_EV_INFO, UINT32_MAX, msg);
}

static void agent_start_ignored(int fd, int attached);

/* The agent's own libc calls once hooks are live (strlen of a message, the
 * clock, reading /proc) are not the program's: this thread is not
 * intercepted while the agent starts. */
static void agent_start(int fd, int attached)
{
  ospy_interceptor_ignore_current_thread();
  agent_start_ignored(fd, attached);
  ospy_interceptor_unignore_current_thread();
}

static void agent_start_ignored(int fd, int attached)
{
  ospy_agent *a = &ospy_agent_g;
  if (ospy_ring_map(&a->ring, fd) < 0)
    return; /* not a ring we understand: stay inert */
  a->pid = (uint32_t)getpid();
  ospy_os_read_set_pid((int)a->pid); /* one system call per safe read, not two */
  a->attached = attached;
  atomic_store(&attach_hooks_in, 0);
  a->follow_forks = (a->ring.ctl->flags & OSPY_RING_F_FOLLOW_FORKS) != 0;
  a->tsc_clock = (a->ring.ctl->flags & OSPY_RING_F_TSC) != 0;
  ospy_inline_set_test_stall(env_get("OSPY_TEST_STALL_RECORD"));
  const char *fail_installs = env_get("OSPY_TEST_FAIL_INSTALL");
  ospy_inline_set_test_fail_installs(fail_installs ? (unsigned)atoi(fail_installs) : 0);
  const char *install_delay = env_get("OSPY_TEST_INSTALL_DELAY_MS");
  test_install_delay_ms = install_delay ? (unsigned)atoi(install_delay) : 0;
  test_count_reads = env_get("OSPY_TEST_COUNT_READS") != NULL;
  ospy_os_read_count_kernel_reads(test_count_reads);
  if (!attached && !a->follow_forks) {
    scrub_environment();
    /* The mapping stays; the descriptor would shift the program's own fd
     * numbers (its first open() would return 4 instead of 3). */
    close(fd);
    a->ring.fd = -1;
  }
  if (a->follow_forks && !attached) {
    ospy_follow_env_init(env_get("LD_PRELOAD"), env_get(OSPY_RING_ENV));
    /* the program sees the environment it was given (`env` prints the same
     * as without ospy); its execs get ours back in a copy (follow_env.c) */
    scrub_environment();
  } else if (a->follow_forks) {
    follow_execs_attached(&a->ring);
  }
  a->active = 1;
  atomic_fetch_add(&a->ring.ctl->agents, 1);
  ospy_agent_emit_process_start(0, 0);
  ospy_agent_modules_rescan();
  if (load_plan(a) < 0 || ospy_inline_init() < 0) {
    /* (said in an Error event) inactive again: no hook went in, and an
     * attach that finds the agent active refuses, forever with no capture */
    a->active = 0;
    return;
  }
  if (!attached) {
    ospy_inline_attach_pending();
    ospy_inline_report_missing();
  }
  ospy_agent_crash_arm();
  ospy_agent_note_signal_returns();
  static int atfork_done;
  if (!atfork_done) {
    atfork_done = 1;
    pthread_atfork(on_fork_prepare, NULL, on_fork_child);
  }
  if (attached) {
    pthread_t t;
    /* counted before it runs: the controller, back from the injection,
     * must see a control thread at work until it says "detached" */
    atomic_fetch_add(&a->ring.ctl->control_threads, 1);
    /* (this thread, the injected one: the control thread waits until ptrace
     * has let it go) */
    if (pthread_create(&t, NULL, control_thread, (void *)(intptr_t)ospy_os_gettid()) == 0) {
      pthread_detach(t);
    } else {
      atomic_fetch_sub(&a->ring.ctl->control_threads, 1);
      ospy_agent_message(OSPY_EV_ERROR, UINT32_MAX, "agent: cannot start the control thread");
    }
    return; /* (the control thread installs the hooks) */
  }
  ospy_agent_message(OSPY_EV_INFO, UINT32_MAX, "agent: hooks installed");
}

/* Whether the capture this agent records for still runs. A process forked
 * by an attached process under -F is recorded until its next hooked call
 * sees the detach request (it has no control thread): its capture is over
 * once the controller asked for that or is gone. */
static int capture_running(ospy_agent *a)
{
  if (!a->active)
    return 0;
  if (a->attached || !a->ring.ctl)
    return 1;
  ospy_ring_ctl *c = a->ring.ctl;
  return !atomic_load(&c->detach) &&
         !(kill((pid_t)c->controller_pid, 0) < 0 && errno == ESRCH);
}

/* Attach to a process the agent was loaded into by an earlier attach (its
 * hooks were removed at detach), or that it was forked into by one with -F
 * (its hooks still in: no control thread took them out): take the new
 * controller's ring and start over. The previous ring is unmapped (replaced
 * at detach by memory of our own, or the -F capture's); its capture ended
 * at least one injection earlier, and recording checks `active` before
 * touching it. */
__attribute__((visibility("default"))) int ospy_agent_attach(void)
{
  ospy_agent *a = &ospy_agent_g;
  if (capture_running(a))
    return -1; /* another controller records this process */
  int fd = receive_attach_fd();
  if (fd < 0)
    return -1;
  a->active = 0;
  ospy_inline_detach_all(); /* (a -F child's copy of its parent's hooks) */
  if (a->ring.ctl) {
    munmap(a->ring.ctl, a->ring.map_len);
    if (a->ring.fd >= 0)
      close(a->ring.fd);
    a->ring.ctl = NULL;
  }
  ospy_agent_modules_forget();
  agent_start(fd, 1);
  return a->active ? 0 : -1;
}

__attribute__((constructor)) static void ospy_agent_init(void)
{
  const char *env = env_get(OSPY_RING_ENV);
  if (env) {
    int fd = ring_fd_from_env(env);
    if (fd >= 0)
      agent_start(fd, 0);
    return;
  }
  int fd = receive_attach_fd();
  if (fd >= 0)
    agent_start(fd, 1);
}
