/*
 * CRC32C (Castagnoli). The SSE4.2 crc32 instruction when the CPU has it
 * (every x86-64 since 2008: 8 bytes a cycle, where the table took a byte
 * per ~2 cycles and was the controller's top cost after zstd), else a table.
 * Both give the same values: tests/capture compares them.
 */
#include "capture/crc32c.h"

#include <string.h>

static uint32_t table[256];
static int table_ready;

static void build_table(void)
{
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    table[i] = c;
  }
  table_ready = 1;
}

uint32_t ospy_crc32c_table(uint32_t crc, const void *data, size_t len)
{
  const uint8_t *p = data;
  if (!table_ready)
    build_table(); /* idempotent: a race only computes the same table twice */
  crc = ~crc;
  while (len--)
    crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data,
                                                                size_t len)
{
  const uint8_t *p = data;
  crc = ~crc;
#if defined(__x86_64__)
  uint64_t c = crc;
  for (; len >= 8; len -= 8, p += 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
  }
  crc = (uint32_t)c;
#endif
  for (; len >= 4; len -= 4, p += 4) {
    uint32_t w;
    memcpy(&w, p, 4);
    crc = __builtin_ia32_crc32si(crc, w);
  }
  while (len--)
    crc = __builtin_ia32_crc32qi(crc, *p++);
  return ~crc;
}
#endif

uint32_t ospy_crc32c(uint32_t crc, const void *data, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
  static int have_sse42 = -1;
  if (have_sse42 < 0)
    have_sse42 = __builtin_cpu_supports("sse4.2") ? 1 : 0;
  if (have_sse42)
    return crc32c_sse42(crc, data, len);
#endif
  return ospy_crc32c_table(crc, data, len);
}

/* The checksum's change when bit j of the last byte flips is table[1 << j]
 * (the register's step with the bit alone in it); each byte after the bit
 * steps that change once more through the table, as a zero byte would. So
 * the changes of the bits at every distance from the end are walked from the
 * last byte back, eight at a time, until one is the change seen. */
int ospy_crc32c_flipped_bit(const void *data, size_t len, uint32_t want, uint64_t *bit)
{
  uint32_t seen = ospy_crc32c(0, data, len) ^ want;
  if (!seen)
    return 0;
  if (!table_ready)
    build_table();
  uint32_t change[8];
  for (int j = 0; j < 8; j++)
    change[j] = table[1u << j];
  for (size_t after = 0; after < len; after++) {
    for (int j = 0; j < 8; j++) {
      if (change[j] == seen) {
        *bit = (uint64_t)(len - 1 - after) * 8 + (uint64_t)j;
        return 1;
      }
      change[j] = table[change[j] & 0xff] ^ (change[j] >> 8);
    }
  }
  return 0;
}
