/*
 * Test-only LD_PRELOAD library (hookall_programs.sh): its constructor attaches
 * empty on_enter + on_leave callbacks to every hookable function exported by
 * the loaded libc.so.6 (libc_exports.c), in one transaction, before the
 * program's main. The program must then behave exactly as without it.
 *
 * It never writes to the program's stdout or stderr: when OSPY_HOOKALL_REPORT
 * names a file, it appends one line per process there (O_APPEND, one write:
 * a program's children load it too and report under their own pid):
 *   PID EXE: hooked N of F, refused M by reason: "REASON": K (e.g. NAME), ...
 * then the refused functions on a line of their own:
 *   PID EXE: refused: NAME (REASON), ...
 * and at exit (when the process exits through exit()) a second line with the
 * number of on_enter callbacks seen, the proof that the hooks ran:
 *   PID EXE: callbacks C
 * The callbacks only bump a relaxed atomic counter: no allocation, no libc.
 *
 * OSPY_HOOKALL_SABOTAGE=NAME adds a second listener to libc's NAME whose
 * on_leave adds 1 to the return value: the test's proof that a hooked
 * function going wrong does show in the program's output.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libc_exports.h"

static unsigned long callbacks;

static void empty_enter(ospy_invocation *inv) {
  (void)inv;
  __atomic_fetch_add(&callbacks, 1, __ATOMIC_RELAXED);
}

static void empty_leave(ospy_invocation *inv) { (void)inv; }

static void report_line(const char *what) {
  const char *path = getenv("OSPY_HOOKALL_REPORT");
  if (!path || !*path)
    return;
  char exe[256];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  char line[4096];
  int len = snprintf(line, sizeof line, "%d %s: %s\n", (int)getpid(), exe, what);
  if (len <= 0)
    return;
  if ((size_t)len >= sizeof line) {
    len = sizeof line - 1;
    line[len - 1] = '\n';
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  (void)!write(fd, line, (size_t)len);
  close(fd);
}

static void sabotage_leave(ospy_invocation *inv) {
  ospy_invocation_set_return(inv, ospy_invocation_get_return(inv) + 1);
}

static void attach_sabotage(void) {
  const char *name = getenv("OSPY_HOOKALL_SABOTAGE");
  void *fn = name ? dlsym(RTLD_NEXT, name) : NULL;
  if (fn && ospy_interceptor_attach(fn, NULL, sabotage_leave, NULL, NULL, NULL) == OSPY_INTERCEPTOR_OK)
    report_line("sabotaged");
}

static libc_export funcs[LIBC_EXPORTS_MAX];
static libc_hook_result result;

__attribute__((constructor)) static void hook_all_of_libc(void) {
  int n = libc_exports_collect(funcs, LIBC_EXPORTS_MAX);
  if (n <= 0) {
    report_line("libc.so.6's dynamic symbol table not found: nothing hooked");
    return;
  }
  libc_hook_all(funcs, (unsigned)n, empty_enter, empty_leave, &result);
  char summary[900];
  libc_hook_summary(&result, summary, sizeof summary);
  if (result.commit != OSPY_INTERCEPTOR_OK) {
    size_t at = strlen(summary);
    snprintf(summary + at, sizeof summary - at, "; transaction: %s",
             ospy_interceptor_status_name(result.commit));
  }
  report_line(summary);
  static char refused[3072];
  libc_hook_refused_list(funcs, (unsigned)n, refused, sizeof refused);
  report_line(refused);
  attach_sabotage();
}

__attribute__((destructor)) static void report_callbacks(void) {
  char what[64];
  snprintf(what, sizeof what, "callbacks %lu", __atomic_load_n(&callbacks, __ATOMIC_RELAXED));
  report_line(what);
}
