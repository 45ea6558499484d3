/* Reads of possibly unmapped memory that fail instead of faulting.
 * (The interceptor work's ospy_os_read_memory replaces this once merged.) */
#include <sys/uio.h>
#include <unistd.h>

#include "agent/safe_read.h"

size_t ospy_agent_safe_read(uintptr_t addr, void *buf, size_t n)
{
  struct iovec local = { buf, n }, remote = { (void *)addr, n };
  ssize_t k = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
  return k > 0 ? (size_t)k : 0;
}
