/* CRC32C: the known check value, and the CPU's instruction path agreeing
 * with the table at every length and alignment (chunks of any size). */
#include <stdio.h>
#include <string.h>

#include "capture/crc32c.h"

int main(void)
{
  int fails = 0;
  const char *check = "123456789";
  uint32_t want = 0xe3069283u; /* the CRC-32C check value (RFC 3720) */
  if (ospy_crc32c(0, check, 9) != want || ospy_crc32c_table(0, check, 9) != want) {
    printf("FAIL check value: %08x / %08x, want %08x\n", ospy_crc32c(0, check, 9),
           ospy_crc32c_table(0, check, 9), want);
    fails++;
  }
  unsigned char buf[300];
  for (unsigned i = 0; i < sizeof buf; i++)
    buf[i] = (unsigned char)(i * 131u + 7u);
  for (size_t off = 0; off < 8; off++)
    for (size_t len = 0; len + off <= sizeof buf; len++) {
      uint32_t a = ospy_crc32c(0x1234u, buf + off, len), b = ospy_crc32c_table(0x1234u, buf + off, len);
      if (a != b) {
        printf("FAIL offset %zu length %zu: %08x, table %08x\n", off, len, a, b);
        fails++;
      }
    }
  /* incremental: two calls give the one-call value */
  if (ospy_crc32c(ospy_crc32c(0, buf, 100), buf + 100, 200) != ospy_crc32c(0, buf, 300)) {
    printf("FAIL incremental\n");
    fails++;
  }
  printf("crc32c: %s\n", fails ? "FAILED" : "ok (check value, 2400 lengths and offsets)");
  return fails != 0;
}
