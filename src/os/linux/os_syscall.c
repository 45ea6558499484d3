/* Small raw-syscall helpers (see os_syscall.h for why no libc). */
#include "os/linux/os_syscall.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <time.h>

pid_t ospy_os_gettid(void) { return (pid_t)ospy_os_sys0(SYS_gettid); }

pid_t ospy_os_getpid(void) { return (pid_t)ospy_os_sys0(SYS_getpid); }

int ospy_os_open_read(const char *path, int flags) {
#if defined(SYS_open)
  return (int)ospy_os_sys3(SYS_open, (long)path, O_RDONLY | O_CLOEXEC | flags, 0);
#else
  return (int)ospy_os_syscall(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC | flags, 0, 0, 0);
#endif
}

void ospy_os_close(int fd) { (void)ospy_os_sys3(SYS_close, fd, 0, 0); }

long ospy_os_read_file(const char *path, char *buf, size_t cap) {
  int fd = ospy_os_open_read(path, 0);
  if (fd < 0)
    return fd;
  size_t len = 0;
  while (len + 1 < cap) {
    long r = ospy_os_sys3(SYS_read, fd, (long)(buf + len), (long)(cap - 1 - len));
    if (r == -4 /* EINTR */)
      continue;
    if (r <= 0) {
      if (r < 0) {
        ospy_os_close(fd);
        return r;
      }
      break;
    }
    len += (size_t)r;
  }
  buf[len] = '\0';
  ospy_os_close(fd);
  return (long)len;
}

long ospy_os_futex_wait(volatile uint32_t *word, uint32_t expected, long timeout_ns) {
  struct timespec ts = { timeout_ns / 1000000000L, timeout_ns % 1000000000L };
  return ospy_os_syscall(SYS_futex, (long)word, FUTEX_WAIT_PRIVATE, (long)expected,
                         timeout_ns < 0 ? 0 : (long)&ts, 0, 0);
}

long ospy_os_futex_wake(volatile uint32_t *word, int count) {
  return ospy_os_syscall(SYS_futex, (long)word, FUTEX_WAKE_PRIVATE, count, 0, 0, 0);
}
