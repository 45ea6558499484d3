/*
 * Loading a library into a running process through ptrace (x86-64 targets):
 * stop the main thread, make it call dlopen(path) on a fresh piece of its own
 * stack with a return address of 0, catch the SIGSEGV of that return, restore
 * every register and let it go. While the call runs, the controller keeps
 * serving `serve` (the agent's constructor talks to it during dlopen).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* Load base of the mapping of path (offset 0) in process pid, or 0. */
static uint64_t module_base(pid_t pid, const char *path)
{
  char maps[64], line[1024];
  snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(maps, "re");
  uint64_t base = 0;
  if (!f)
    return 0;
  while (!base && fgets(line, sizeof line, f)) {
    unsigned long long lo, off;
    int name_at = 0;
    if (sscanf(line, "%llx-%*x %*s %llx %*s %*s %n", &lo, &off, &name_at) < 2 || !name_at)
      continue;
    char *name = line + name_at;
    name[strcspn(name, "\n")] = 0;
    if (off == 0 && !strcmp(name, path))
      base = lo;
  }
  fclose(f);
  return base;
}

/* dlopen's address in pid: same libc file as ours, same offset. */
static uint64_t remote_dlopen(pid_t pid, char *err, size_t errcap)
{
  void *local = dlsym(RTLD_DEFAULT, "dlopen");
  Dl_info di;
  if (!local || !dladdr(local, &di) || !di.dli_fname) {
    snprintf(err, errcap, "cannot locate dlopen in ospy itself");
    return 0;
  }
  char real[4096];
  if (!realpath(di.dli_fname, real))
    snprintf(real, sizeof real, "%s", di.dli_fname);
  uint64_t base = module_base(pid, real);
  if (!base) {
    snprintf(err, errcap, "process %d does not use %s (another libc, or statically linked)",
             (int)pid, real);
    return 0;
  }
  return base + (uint64_t)((uintptr_t)local - (uintptr_t)di.dli_fbase);
}

static int write_remote(pid_t pid, uint64_t addr, const void *buf, size_t n)
{
  struct iovec l = { (void *)buf, n }, r = { (void *)(uintptr_t)addr, n };
  return process_vm_writev(pid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* Runs the hijacked call to completion (the return to address 0 faults),
 * serving the controller side meanwhile. 0, or -1 with err. */
static int run_call(pid_t pid, ospy_inject_serve_fn serve, void *data, char *err, size_t errcap)
{
  int pending_sig = 0;
  if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
    goto fail_errno;
  for (;;) {
    int st;
    pid_t w = waitpid(pid, &st, WNOHANG | __WALL);
    if (w < 0)
      goto fail_errno;
    if (w == 0) {
      if (serve)
        serve(data);
      struct timespec ts = { 0, 2 * 1000000L };
      nanosleep(&ts, NULL);
      continue;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      snprintf(err, errcap, "process %d ended during the injection", (int)pid);
      return -1;
    }
    int sig = WSTOPSIG(st);
    if (sig == SIGSEGV) {
      struct user_regs_struct r;
      if (ptrace(PTRACE_GETREGS, pid, 0, &r) == 0 && r.rip == 0)
        break; /* dlopen returned to our fake address */
      snprintf(err, errcap, "process %d crashed during the injection", (int)pid);
      return -1;
    }
    /* Another signal arrived meanwhile: deliver it (its handler runs now). */
    pending_sig = sig == SIGSTOP ? 0 : sig;
    if (ptrace(PTRACE_CONT, pid, 0, pending_sig) < 0)
      goto fail_errno;
  }
  return 0;
fail_errno:
  snprintf(err, errcap, "ptrace on process %d: %s", (int)pid, strerror(errno));
  return -1;
}

int ospy_inject_dlopen(pid_t pid, const char *path, ospy_inject_serve_fn serve, void *data,
                       char *err, size_t errcap)
{
#if !defined(__x86_64__)
  snprintf(err, errcap, "injection needs the x86-64 controller");
  return -1;
#else
  uint64_t fn = remote_dlopen(pid, err, errcap);
  if (!fn)
    return -1;
  if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) {
    snprintf(err, errcap, "ptrace(PTRACE_ATTACH, %d): %s%s", (int)pid, strerror(errno),
             errno == EPERM ? " (not your process, or /proc/sys/kernel/yama/ptrace_scope forbids it)" : "");
    return -1;
  }
  int st;
  while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
    ;
  struct user_regs_struct saved, r;
  int rc = -1;
  if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0) {
    snprintf(err, errcap, "ptrace(PTRACE_GETREGS, %d): %s", (int)pid, strerror(errno));
    goto detach;
  }
  r = saved;
  size_t len = strlen(path) + 1;
  uint64_t str = (saved.rsp - 512 - len) & ~(uint64_t)15; /* well below the red zone */
  uint64_t sp = str - 16;                                  /* 16-aligned, then the return slot */
  uint64_t zero = 0;
  if (write_remote(pid, str, path, len) < 0 || write_remote(pid, sp - 8, &zero, 8) < 0) {
    snprintf(err, errcap, "cannot write to the stack of process %d: %s", (int)pid, strerror(errno));
    goto detach;
  }
  r.rsp = sp - 8;
  r.rip = fn;
  r.rdi = str;
  r.rsi = RTLD_NOW;
  r.rax = 0;
  r.orig_rax = (uint64_t)-1; /* not inside a system call: no restart on resume */
  if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0) {
    snprintf(err, errcap, "ptrace(PTRACE_SETREGS, %d): %s", (int)pid, strerror(errno));
    goto detach;
  }
  if (run_call(pid, serve, data, err, errcap) < 0)
    goto restore;
  if (ptrace(PTRACE_GETREGS, pid, 0, &r) == 0 && r.rax == 0) {
    snprintf(err, errcap, "dlopen(\"%s\") failed inside process %d", path, (int)pid);
    goto restore;
  }
  rc = 0;
restore:
  /* the saved registers, orig_rax included, let an interrupted system call restart */
  if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0 && rc == 0) {
    snprintf(err, errcap, "ptrace(PTRACE_SETREGS, %d): %s", (int)pid, strerror(errno));
    rc = -1;
  }
detach:
  ptrace(PTRACE_DETACH, pid, 0, 0);
  return rc;
#endif
}
