/* The bounded writer of values blobs. */
#include <string.h>

#include "agent/marshal_internal.h"
#include "os/linux/os_read.h"

void ospy_mw_bytes(ospy_mw *w, const void *src, size_t n)
{
  if (w->full || w->cap - w->len < n) {
    w->full = 1;
    return;
  }
  memcpy(w->p + w->len, src, n);
  w->len += n;
}

void ospy_mw_u8(ospy_mw *w, uint8_t v) { ospy_mw_bytes(w, &v, 1); }

void ospy_mw_uleb(ospy_mw *w, uint64_t v)
{
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v)
      b[n] |= 0x80;
    n++;
  } while (v);
  ospy_mw_bytes(w, b, n);
}

void ospy_mw_sleb(ospy_mw *w, int64_t v)
{
  /* zig-zag: small negative numbers stay short */
  ospy_mw_uleb(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

size_t ospy_mw_room(const ospy_mw *w) { return w->full ? 0 : w->cap - w->len; }

size_t ospy_marshal_read(uint64_t addr, void *buf, size_t n)
{
  if (addr == 0 || n == 0 || addr > UINTPTR_MAX || UINTPTR_MAX - (uintptr_t)addr < n)
    return 0;
  return ospy_os_read_memory((uintptr_t)addr, buf, n);
}
