/* Fault-free reads of own memory (see os_read.h). */
#include "os/linux/os_read.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/linux/os_maps.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_syscall.h"

static size_t read_checked(uintptr_t addr, uint8_t *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ospy_os_map m;
    if (!ospy_os_maps_find(addr + done, &m) || !(m.prot & OSPY_OS_PROT_R))
      break;
    size_t chunk = m.end - (addr + done);
    if (chunk > n - done)
      chunk = n - done;
    ospy_os_copy_bytes(buf + done, (const void *)(addr + done), chunk);
    done += chunk;
  }
  return done;
}

static int own_pid;

void ospy_os_read_set_pid(int pid) {
  __atomic_store_n(&own_pid, pid, __ATOMIC_RELAXED);
}

/* The readable mapping the calling thread runs on (its stack), found once
 * per thread and again whenever the thread is on another stack (signal
 * stack, coroutine): while the thread runs on it, the mapping cannot be gone,
 * so a buffer inside it is copied without a system call. Most buffers a
 * hooked call passes (read(fd, buf, ...) with a local array) are there. */
static __thread uintptr_t stack_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t stack_hi __attribute__((tls_model("initial-exec")));

static bool on_own_stack(uintptr_t addr, size_t n) {
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  if (sp < stack_lo || sp >= stack_hi) {
    ospy_os_map m;
    if (!ospy_os_maps_find(sp, &m) || !(m.prot & OSPY_OS_PROT_R)) {
      stack_lo = stack_hi = 0;
      return false;
    }
    stack_lo = m.start;
    stack_hi = m.end;
  }
  return addr >= stack_lo && addr < stack_hi && n <= stack_hi - addr;
}

bool ospy_os_own_stack(uintptr_t *lo, uintptr_t *hi) {
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  if (!on_own_stack(sp, 1))
    return false;
  *lo = stack_lo;
  *hi = stack_hi;
  return true;
}

/* A word at a time; not instrumented (ASan would flag the redzones between
 * the locals of frames it does not own), and kept from becoming a memcpy call
 * (the empty asm) for the same reason. */
__attribute__((no_sanitize_address)) static void copy_from_stack(uint8_t *d, const uint8_t *s,
                                                                  size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    __builtin_memcpy(&w, s + i, 8);
    __asm__ volatile("" : "+r"(w));
    __builtin_memcpy(d + i, &w, 8);
  }
  for (; i < n; i++)
    d[i] = s[i];
}

size_t ospy_os_read_memory(uintptr_t addr, void *buf, size_t n) {
  if (n == 0)
    return 0;
  if (on_own_stack(addr, n)) {
    copy_from_stack(buf, (const uint8_t *)addr, n);
    return n;
  }
  int pid = __atomic_load_n(&own_pid, __ATOMIC_RELAXED);
  struct iovec local = { buf, n };
  struct iovec remote = { (void *)addr, n };
  long r = ospy_os_syscall(SYS_process_vm_readv, pid ? pid : ospy_os_getpid(), (long)&local, 1,
                           (long)&remote, 1, 0);
  if (r >= 0)
    return (size_t)r;
  if (r == -14 /* EFAULT */)
    return 0;
  return read_checked(addr, buf, n);
}

size_t ospy_os_read_small_file(const char *path, void *buf, size_t cap)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, cap);
  close(fd);
  return n > 0 ? (size_t)n : 0;
}
