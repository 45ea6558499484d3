/* Fault-free reads of own memory (see os_read.h). */
#include "os/linux/os_read.h"

#include <sys/uio.h>

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

size_t ospy_os_read_memory(uintptr_t addr, void *buf, size_t n) {
  if (n == 0)
    return 0;
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
