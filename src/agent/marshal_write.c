/* The bounded writer of values blobs. */
#include <string.h>

#include "agent/marshal_internal.h"
#include "os/linux/os_read.h"

/* Near the end of the blob: all or nothing, like every other write. */
void ospy_mw_uleb_slow(ospy_mw *w, uint64_t v)
{
  uint8_t b[OSPY_LEB128_MAX];
  ospy_mw_bytes(w, b, ospy_leb128_put(b, v));
}

size_t ospy_mw_room(const ospy_mw *w) { return w->full ? 0 : w->cap - w->len; }

size_t ospy_marshal_read(uint64_t addr, void *buf, size_t n)
{
  if (addr == 0 || n == 0 || addr > UINTPTR_MAX)
    return 0;
  /* a range past the top of the address space (an i386 stack buffer near
   * 4 GiB with a big size): its readable start still counts */
  if (UINTPTR_MAX - (uintptr_t)addr < n)
    n = UINTPTR_MAX - (uintptr_t)addr + 1;
  return ospy_os_read_memory((uintptr_t)addr, buf, n);
}
