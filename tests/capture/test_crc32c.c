/* CRC32C: the known check value, and the CPU's instruction path agreeing
 * with the table at every length and alignment (chunks of any size); the
 * one flipped bit that explains a checksum found, wherever it is, and two
 * flipped bits never taken for one (a capture's damaged header). */
#include <stdio.h>
#include <string.h>

#include "capture/crc32c.h"

/* Every single bit of buf flipped: found where it is; every pair of bits
 * flipped (in the first 40 bytes, and one far from the other): none found. */
static int check_flipped_bits(unsigned char *buf, size_t len)
{
  int fails = 0;
  uint32_t want = ospy_crc32c(0, buf, len);
  uint64_t bit;
  if (ospy_crc32c_flipped_bit(buf, len, want, &bit)) {
    printf("FAIL intact data: bit %llu named\n", (unsigned long long)bit);
    fails++;
  }
  for (uint64_t b = 0; b < len * 8; b++) {
    buf[b / 8] ^= (unsigned char)(1u << (b % 8));
    if (!ospy_crc32c_flipped_bit(buf, len, want, &bit) || bit != b) {
      printf("FAIL bit %llu flipped: not found\n", (unsigned long long)b);
      fails++;
    }
    buf[b / 8] ^= (unsigned char)(1u << (b % 8));
  }
  unsigned pairs = 0;
  for (uint64_t a = 0; a < 40 * 8; a++)
    for (uint64_t b = a + 1; b < len * 8; b += a < 320 && b < 320 ? 1 : 37) {
      buf[a / 8] ^= (unsigned char)(1u << (a % 8));
      buf[b / 8] ^= (unsigned char)(1u << (b % 8));
      if (ospy_crc32c_flipped_bit(buf, len, want, &bit)) {
        printf("FAIL bits %llu and %llu flipped: taken for bit %llu\n", (unsigned long long)a,
               (unsigned long long)b, (unsigned long long)bit);
        fails++;
      }
      buf[a / 8] ^= (unsigned char)(1u << (a % 8));
      buf[b / 8] ^= (unsigned char)(1u << (b % 8));
      pairs++;
    }
  printf("flipped bits: each of %zu found where it was; %u pairs of two not taken for one\n",
         len * 8, pairs);
  return fails;
}

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
  fails += check_flipped_bits(buf, sizeof buf);
  printf("crc32c: %s\n", fails ? "FAILED" : "ok (check value, 2400 lengths and offsets)");
  return fails != 0;
}
