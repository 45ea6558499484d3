/* ptrace injection of a shared library into a running process (controller side). */
#ifndef OSPY_OS_LINUX_INJECT_H
#define OSPY_OS_LINUX_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Called repeatedly while the target runs the injected calls (every 2 ms,
 * also after its main work is done, which it says by returning 1: the
 * target may need the controller until the calls return). */
typedef int (*ospy_inject_serve_fn)(void *data);
/* Whether ospy's user asked it to stop (Ctrl-C, SIGTERM): polled while the
 * injector waits, from its own thread. */
typedef int (*ospy_inject_stop_fn)(void);

/* Whether pid can take an injected library at all (a C library mapped, no
 * other tracer, not stopped): 0, or -1 with the reason in err. */
int ospy_inject_check(pid_t pid, char *err, size_t errcap);
/* Whether pid runs under a seccomp filter (or strict mode): a system call
 * the injection or the agent makes may be refused, or kill it. */
bool ospy_inject_seccomp(pid_t pid);
/* Makes a thread of pid call dlopen(path, RTLD_NOW) and resume where it
 * was: the main thread (another when that one has ended: pthread_exit), or
 * any other, at a moment it holds no lock of the C library's (not inside
 * malloc: inject_safe.c); none within 3 s: -1, the process left as it was.
 * When then_call is not NULL and serve did not finish during dlopen (the
 * library was loaded before, so its constructor did not run again), the
 * thread also calls the library's function then_call (void -> int) found by
 * dlsym. bits: 64 (x86-64) or 32 (i386, run by the kernel's IA-32
 * emulation). The target must use a glibc that exports dlopen (2.34+).
 * stop_requested (may be NULL): the wait for that moment ends at once, the
 * process left as it was; a call then still running 2 s later is cut short
 * (the thread is stopped and put back where it was, err says the process
 * may be stuck). 0, or -1 with a message naming the reason in err. */
int ospy_inject_dlopen(pid_t pid, int bits, const char *path, const char *then_call,
                       ospy_inject_serve_fn serve, void *data, ospy_inject_stop_fn stop_requested,
                       char *err, size_t errcap);

/* inject_elf.c: offset of the exported function name (its default version)
 * from the load base of the library file path. 0, or -1 with err. */
int ospy_inject_export_offset(const char *path, const char *name, uint64_t *offset, char *err,
                              size_t errcap);

#endif
