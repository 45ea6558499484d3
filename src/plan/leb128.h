/* LEB128 and zig-zag, the variable-length integers of values blobs
 * (plan/values_format.h: uleb, sleb) and of packed capture chunks
 * (capture/chunk_pack.h). Inline: the agent writes them on hooked calls. */
#ifndef OSPY_PLAN_LEB128_H
#define OSPY_PLAN_LEB128_H

#include <stddef.h>
#include <stdint.h>

#define OSPY_LEB128_MAX 10 /* bytes of a 64-bit value */

/* Writes v at out (room for OSPY_LEB128_MAX bytes); returns the length. */
static inline size_t ospy_leb128_put(uint8_t *out, uint64_t v)
{
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

/* Reads one value from in[*pos..len) and advances *pos. 0; -1 when it runs
 * past len; -2 when it is longer than OSPY_LEB128_MAX bytes (bits beyond 64
 * are dropped). */
static inline int ospy_leb128_get(const uint8_t *in, size_t len, size_t *pos, uint64_t *v)
{
  uint64_t r = 0;
  for (unsigned shift = 0; shift < 7 * OSPY_LEB128_MAX; shift += 7) {
    if (*pos >= len)
      return -1;
    uint8_t b = in[(*pos)++];
    if (shift < 64)
      r |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return -2;
}

/* Small magnitudes of either sign to small unsigned numbers and back. */
static inline uint64_t ospy_zigzag(int64_t v)
{
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t ospy_unzigzag(uint64_t z)
{
  return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

#endif
