/*
 * Raw Linux system calls that run no libc code. The interceptor patches code
 * while libc functions may be half-patched, hooked or suspended holding locks,
 * so everything on that path (and in the suspension signal handler) goes
 * through here: no errno, no hooked wrapper, no lock. Results are the
 * kernel's: >= 0 on success, -errno on failure.
 */
#ifndef OSPY_OS_LINUX_SYSCALL_H
#define OSPY_OS_LINUX_SYSCALL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>

long ospy_os_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

static inline long ospy_os_sys0(long nr) { return ospy_os_syscall(nr, 0, 0, 0, 0, 0, 0); }
static inline long ospy_os_sys3(long nr, long a, long b, long c) {
  return ospy_os_syscall(nr, a, b, c, 0, 0, 0);
}

/* True when a raw result is an error code (-4095..-1). */
static inline int ospy_os_sys_failed(long r) { return r < 0 && r > -4096; }

pid_t ospy_os_gettid(void);
pid_t ospy_os_getpid(void);
/* Opens a file read-only with raw syscalls; -errno on failure. */
int ospy_os_open_read(const char *path, int flags);
void ospy_os_close(int fd);
/* Reads a whole (small, /proc) file into buf, NUL-terminated; bytes read or -errno. */
long ospy_os_read_file(const char *path, char *buf, size_t cap);
/* futex wait/wake on a 32-bit word (private). */
long ospy_os_futex_wait(volatile uint32_t *word, uint32_t expected, long timeout_ns);
long ospy_os_futex_wake(volatile uint32_t *word, int count);

#endif
