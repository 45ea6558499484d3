/* ptrace injection of a shared library into a running process (controller side). */
#ifndef OSPY_OS_LINUX_INJECT_H
#define OSPY_OS_LINUX_INJECT_H

#include <stddef.h>
#include <sys/types.h>

/* Called repeatedly while the target runs the injected dlopen. */
typedef void (*ospy_inject_serve_fn)(void *data);

/* Makes pid's main thread call dlopen(path, RTLD_NOW) and resume where it
 * was. The target must be x86-64 and use the same libc as ospy. 0, or -1 with
 * a message naming the kernel's reason in err. */
int ospy_inject_dlopen(pid_t pid, const char *path, ospy_inject_serve_fn serve, void *data,
                       char *err, size_t errcap);

#endif
