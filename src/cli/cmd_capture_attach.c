/*
 * ospy capture -p PID: load the agent into a running process through ptrace,
 * hand it the event ring over an abstract unix socket named after the pid
 * (the agent checks we run as its user, we check that the peer is the target
 * process), record until Ctrl-C, --duration or the process's end, then ask the
 * agent to remove its hooks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cmd_capture.h"
#include "cli/ring_handover.h"
#include "os/linux/inject.h"
#include "os/linux/proc_task.h"

typedef struct handover {
  int listen_fd;
  int ring_fd;
  pid_t pid; /* the only process that may have the ring */
  int done;
  ospy_session *session;
} handover;

static int listen_for_agent(pid_t pid)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char name[64];
  int n = snprintf(name, sizeof name, "%s%d", OSPY_AGENT_ATTACH_SOCK, (int)pid);
  memcpy(sa.sun_path + 1, name, (size_t)n);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0)
    return -1;
  if (bind(s, (struct sockaddr *)&sa, len) < 0 || listen(s, 1) < 0) {
    close(s);
    return -1;
  }
  return s;
}

/* Serves the agent's constructor while the injected dlopen runs: hands it
 * the ring, then drains it. Its hooks are live before the injected call
 * returns; the program's threads fill the ring, and the constructor's last
 * messages wait for room: undrained, the injection never ended. */
static int serve_agent(void *data)
{
  handover *h = data;
  if (h->done) {
    ospy_session_drain(h->session);
    return 1;
  }
  int c = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0)
    return 0;
  /* Anyone can connect to an abstract socket: the ring goes only to the
   * target process itself (its agent's constructor). */
  struct ucred cred;
  socklen_t cl = sizeof cred;
  if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.pid != h->pid) {
    close(c);
    return 0;
  }
  if (ospy_send_fd(c, h->ring_fd) == 0)
    h->done = 1;
  close(c);
  return h->done;
}

/* How long a controller waits for an agent still installing or removing
 * its hooks: 1640 libc hooks in a process of 8 busy threads on 2 CPUs take
 * some 3-12 s each way. */
#define AGENT_BUSY_WAIT_S 30

/* Whether an attached agent of this ring is still at work on its hooks:
 * installing them, or removing them after the detach request. */
static int agent_busy(const ospy_ring_ctl *c)
{
  return atomic_load(&c->control_threads) > atomic_load(&c->detached);
}

static double seconds_since(const struct timespec *t0)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int process_gone(pid_t pid)
{
  return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Whether pid is stopped by a signal (state T): its agent's control thread
 * too. */
static int process_stopped(pid_t pid)
{
  char path[48];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)ospy_proc_live_task(pid));
  return ospy_proc_stat_state(path) == 'T';
}

/* After the detach request: record until the agent says it removed its
 * hooks (its last events are then in the ring), or until the process ends.
 * A capture shorter than the installation of its hooks waits for them to
 * go in and come out again: left half-done, the process refused the next
 * attach until its agent was through. At most AGENT_BUSY_WAIT_S. */
static void drain_after_detach(ospy_session *s, pid_t pid)
{
  ospy_ring_ctl *c = s->ring.ctl;
  int installed = atomic_load(&c->hooks_installed) != 0;
  if (!installed && !process_gone(pid))
    fprintf(stderr, "ospy capture: -p %d: stopped before the agent had installed its hooks: "
            "waiting for it to finish and remove them (up to %d s)\n", (int)pid,
            AGENT_BUSY_WAIT_S);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int said = !installed;
  for (;;) {
    ospy_session_drain(s);
    if (atomic_load(&c->detached) || process_gone(pid))
      break;
    double waited = seconds_since(&t0);
    if (waited >= AGENT_BUSY_WAIT_S)
      break;
    if (!said && waited >= 2) {
      fprintf(stderr, "ospy capture: -p %d: waiting for the agent to remove its hooks (up to "
              "%d s)%s\n", (int)pid, AGENT_BUSY_WAIT_S, process_stopped(pid)
              ? ": the process is stopped (SIGSTOP or a terminal's Ctrl-Z): it removes them "
                "once it is continued (kill -CONT)" : "");
      said = 1;
    }
    ospy_ring_wait(&s->ring, 10);
  }
  ospy_session_drain(s);
  /* (in the capture, and on stderr by the live view, also with -q) */
  if (!installed)
    ospy_session_add_message(s, OSPY_EV_WARNING, s->calls
      ? "controller: the capture stopped before the agent had installed its hooks: the calls "
        "recorded are only those made while they went in and came out again"
      : "controller: the capture stopped before the agent had installed its hooks: nothing "
        "recorded");
  if (!atomic_load(&c->detached) && !process_gone(pid))
    ospy_session_add_message(s, OSPY_EV_WARNING, "controller: the agent has not removed its "
                             "hooks yet: it goes on in the process, and an attach meanwhile "
                             "waits for it");
}

/* The inode of the ospy event ring pid maps (0: none). */
static ino_t mapped_ring(pid_t pid)
{
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)ospy_proc_live_task(pid));
  FILE *f = fopen(path, "re");
  unsigned long long ino = 0;
  while (f && !ino && fgets(line, sizeof line, f))
    if (!strstr(line, "memfd:ospy-ring") || sscanf(line, "%*s %*s %*s %*s %llu", &ino) != 1)
      ino = 0;
  if (f)
    fclose(f);
  return (ino_t)ino;
}

/* Whether the ring open as `path` names process `pid` its controller. */
static int ring_controlled_by(const char *path, pid_t pid)
{
  ospy_ring_ctl head;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : pread(fd, &head, sizeof head, 0);
  if (fd >= 0)
    close(fd);
  return n == (ssize_t)sizeof head && head.magic == OSPY_RING_MAGIC &&
         head.controller_pid == (uint32_t)pid;
}

/* Whether process `other` has the ring (inode ino) open as its controller.
 * Any other process that has it open is one of the capture's processes: a
 * child the target forked with -F, which keeps it after the capture, not
 * a capture still running (the next attach was refused naming that
 * child). */
static int holds_ring(const char *other, ino_t ino)
{
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%s/fd", other);
  DIR *d = opendir(dir);
  int found = 0;
  for (struct dirent *e; d && !found && (e = readdir(d));) {
    char fd[320], target[128];
    snprintf(fd, sizeof fd, "%s/%s", dir, e->d_name);
    ssize_t n = readlink(fd, target, sizeof target - 1);
    struct stat st;
    if (n <= 0)
      continue;
    target[n] = 0;
    found = strstr(target, "memfd:ospy-ring") && stat(fd, &st) == 0 && st.st_ino == ino &&
            ring_controlled_by(fd, (pid_t)atol(other));
  }
  if (d)
    closedir(d);
  return found;
}

pid_t ospy_capture_ring_holder(pid_t pid)
{
  ino_t ino = mapped_ring(pid);
  if (!ino)
    return 0;
  DIR *proc = opendir("/proc");
  pid_t holder = 0;
  for (struct dirent *e; proc && !holder && (e = readdir(proc));) {
    char *end;
    long other = strtol(e->d_name, &end, 10);
    if (*end || other <= 0 || other == pid)
      continue;
    if (holds_ring(e->d_name, ino))
      holder = (pid_t)other;
  }
  if (proc)
    closedir(proc);
  return holder;
}

/* Whether /proc/ID/ns/NAME and ospy's own are different namespaces (0 when
 * either cannot be read: the checks after this one say why). */
static int namespace_differs(pid_t id, const char *name)
{
  char mine[64], theirs[64];
  struct stat a, b;
  snprintf(mine, sizeof mine, "/proc/self/ns/%s", name);
  snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)id, name);
  return stat(mine, &a) == 0 && stat(theirs, &b) == 0 &&
         (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/* The pid process pid has in its own PID namespace (the last of NSpid in
 * its status), 0 when unknown. */
static long pid_inside(pid_t id)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)id);
  FILE *f = fopen(path, "re");
  long inner = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "NSpid:", 6)) {
      char *last = strrchr(line, '\t');
      inner = last ? atol(last + 1) : 0;
    }
  if (f)
    fclose(f);
  return inner;
}

/* The agent asks for the ring on an abstract socket named after the pid it
 * sees itself by: in another PID namespace that is another number, and
 * abstract sockets belong to a network namespace. Injected there, the agent
 * stayed loaded and asked for nothing ("the agent was loaded but never
 * asked for the event ring"). */
int ospy_capture_other_namespace(pid_t pid, char *err, size_t errcap)
{
  pid_t id = ospy_proc_live_task(pid);
  if (namespace_differs(id, "pid")) {
    long inner = pid_inside(id);
    snprintf(err, errcap, "process %d runs in another PID namespace (where it is process %ld): "
             "ospy cannot attach to it from here; start the program under `ospy capture -- "
             "PROGRAM` in that namespace instead", (int)pid, inner);
    return 1;
  }
  if (namespace_differs(id, "net")) {
    snprintf(err, errcap, "process %d runs in another network namespace, where the agent "
             "cannot reach ospy: run ospy in it (nsenter --target %d --net ospy capture -p %d "
             "...)", (int)pid, (int)pid, (int)pid);
    return 1;
  }
  return 0;
}

/* The control page of the ring an agent in pid keeps from an earlier
 * attach while it installs or removes its hooks (it closes the descriptor
 * once they are out), mapped read-only; NULL when it has none. */
static ospy_ring_ctl *previous_ring(pid_t pid)
{
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%d/fd", (int)ospy_proc_live_task(pid));
  DIR *d = opendir(dir);
  int fd = -1;
  for (struct dirent *e; d && fd < 0 && (e = readdir(d));) {
    char path[320], target[128];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0)
      continue;
    target[n] = 0;
    if (strstr(target, "memfd:ospy-ring"))
      fd = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (d)
    closedir(d);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(ospy_ring_ctl)) {
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  void *m = mmap(NULL, sizeof(ospy_ring_ctl), PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED)
    return NULL;
  ospy_ring_ctl *c = m;
  if (c->magic != OSPY_RING_MAGIC || c->version != OSPY_RING_VERSION) {
    munmap(m, sizeof(ospy_ring_ctl));
    return NULL;
  }
  return c;
}

/* Whether the agent of an earlier capture of pid is still installing or
 * removing its hooks, its capture over (its controller gone, or stopping):
 * it refuses a new ring until it is done. */
static int previous_agent_busy(pid_t pid, const ospy_ring_ctl *c)
{
  return agent_busy(c) && (atomic_load(&c->detach) || !ospy_capture_ring_holder(pid));
}

/* Before a new attach: an agent still busy with the previous capture is
 * waited for, at most AGENT_BUSY_WAIT_S (a capture that stopped before its
 * hooks were in leaves it installing them, then removing them). 0 when it
 * is free (or there is none), -1 after saying why not. */
static int wait_for_previous_agent(pid_t pid)
{
  ospy_ring_ctl *c = previous_ring(pid);
  if (!c)
    return 0;
  int busy = previous_agent_busy(pid, c);
  if (busy) {
    fprintf(stderr, "ospy capture: -p %d: the agent of the previous capture is still %s its "
            "hooks: waiting for it (up to %d s)\n", (int)pid,
            atomic_load(&c->hooks_installed) ? "removing" : "installing", AGENT_BUSY_WAIT_S);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((busy = agent_busy(c)) && !process_gone(pid) && !ospy_capture_stop_requested() &&
           seconds_since(&t0) < AGENT_BUSY_WAIT_S)
      nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
    busy = busy && !process_gone(pid);
  }
  munmap(c, sizeof(ospy_ring_ctl));
  if (busy)
    fprintf(stderr, "ospy capture: -p %d: the agent of the previous capture is still removing "
            "its hooks; try again in a few seconds\n", (int)pid);
  return busy ? -1 : 0;
}

/* An agent an earlier attach loaded from another file (ospy rebuilt or
 * reinstalled since: its mapping says "(deleted)", or another inode): it
 * stays in the process, and dlopen of ours returns it, so this ospy cannot
 * speak to it. Its path into loaded; 1 when there is one. */
static int other_agent_loaded(pid_t pid, const char *agent, char *loaded, size_t cap)
{
  struct stat st;
  char path[64], line[PATH_MAX + 128];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)ospy_proc_live_task(pid));
  FILE *f = fopen(path, "re");
  if (!f || stat(agent, &st) < 0) {
    if (f)
      fclose(f);
    return 0;
  }
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    unsigned long ino = 0;
    int name_at = 0;
    if (!strstr(line, "libospy-agent") ||
        sscanf(line, "%*s %*s %*s %*s %lu %n", &ino, &name_at) < 1 || !name_at)
      continue;
    found = ino != (unsigned long)st.st_ino || strstr(line, " (deleted)") != NULL;
    if (found)
      snprintf(loaded, cap, "%.*s", (int)strcspn(line + name_at, "\n"), line + name_at);
  }
  fclose(f);
  return found;
}

int ospy_capture_attach(ospy_session *s, const ospy_capture_opts *o)
{
  char agent[PATH_MAX], err[512];
  int bits = 0;
  pid_t pid = o->pid;
  if (ospy_capture_agent_for_pid(pid, agent, sizeof agent, &bits, err, sizeof err) < 0) {
    fprintf(stderr, "ospy capture: %s\n", err);
    ospy_capture_never_started(s);
    return 2;
  }
  char loaded[PATH_MAX];
  if (other_agent_loaded(pid, agent, loaded, sizeof loaded)) {
    fprintf(stderr, "ospy capture: -p %d: the process holds an ospy agent an earlier attach "
            "loaded from another file (%s; this ospy's is %s): it cannot be replaced in a "
            "running process: restart the program to capture it\n", (int)pid, loaded, agent);
    ospy_capture_never_started(s);
    return 2;
  }
  ospy_capture_install_signals(1); /* (Ctrl-C ends a wait for the previous agent too) */
  if (wait_for_previous_agent(pid) < 0) {
    ospy_capture_never_started(s);
    return 2;
  }
  handover h = { .listen_fd = listen_for_agent(pid), .ring_fd = s->ring.fd, .pid = pid,
                 .session = s };
  if (h.listen_fd < 0) {
    if (errno == EADDRINUSE) /* the socket named after the pid: another attach holds it */
      fprintf(stderr, "ospy capture: -p %d: another ospy is attaching to this process right "
              "now: try again when it has started\n", (int)pid);
    else
      fprintf(stderr, "ospy capture: -p %d: cannot listen for the agent: %s\n", (int)pid,
              strerror(errno));
    ospy_capture_never_started(s);
    return 2;
  }
  int rc = ospy_inject_dlopen(pid, bits, agent, OSPY_AGENT_ATTACH_ENTRY, serve_agent, &h,
                              ospy_capture_stop_requested, err, sizeof err);
  close(h.listen_fd);
  if (rc < 0 || !h.done) {
    pid_t holder = rc < 0 ? 0 : ospy_capture_ring_holder(pid);
    ospy_ring_ctl *prev = rc < 0 ? NULL : previous_ring(pid);
    int prev_busy = prev && previous_agent_busy(pid, prev);
    if (prev)
      munmap(prev, sizeof(ospy_ring_ctl));
    if (prev_busy) /* (it became busy since the wait above: another attach came and went) */
      fprintf(stderr, "ospy capture: -p %d: the agent of the previous capture is still "
              "installing or removing its hooks; try again in a few seconds\n", (int)pid);
    else if (holder)
      fprintf(stderr, "ospy capture: -p %d: the process is already being captured (by ospy, "
              "process %d): stop that capture first\n", (int)pid, (int)holder);
    else
      fprintf(stderr, "ospy capture: -p %d: %s\n", (int)pid,
              rc < 0 ? err : "the agent was loaded but never asked for the event ring");
    ospy_capture_never_started(s);
    return 2;
  }
  ospy_capture_started(s);
  int st = 0;
  int done = ospy_capture_loop(s, o, pid, 1, &st);
  if (!done) {
    atomic_store(&s->ring.ctl->detach, 1);
    drain_after_detach(s, pid);
    /* (a process that ended just as --duration ran out has its end already:
     * no "detached" after "exited") */
    if (ospy_session_exit_recorded(s, (uint32_t)pid))
      done = 1;
    else
      ospy_session_add_exit(s, (uint32_t)pid, OSPY_EXIT_DETACHED, 0);
  }
  /* the process ended while recorded: its status, as for a program started:
   * from its agent, else (SIGKILL) from the zombie its parent has not reaped */
  int code = done ? ospy_session_exit_code(s, (uint32_t)pid) : -1;
  int wstatus;
  if (done && code < 0 && ospy_capture_process_ended(pid, &wstatus) && wstatus >= 0) {
    int sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    ospy_session_add_exit(s, (uint32_t)pid, sig ? OSPY_EXIT_SIGNAL : OSPY_EXIT_CODE,
                          sig ? sig : WEXITSTATUS(wstatus));
    code = sig ? 128 + sig : WEXITSTATUS(wstatus);
  } else if (done && code < 0) {
    /* exited before its exit was hooked, and reaped by its parent: ospy's own
     * status cannot be the process's */
    fprintf(stderr, "ospy capture: -p %d: the process ended; its exit status is unknown (it "
            "exited before the hooks were in, and its parent reaped it)\n", (int)pid);
  }
  if (ospy_capture_finish(s, o) < 0 || s->write_failed)
    return 1;
  return code > 0 ? code : 0;
}
