/* CRC32C (Castagnoli); checksums capture-file chunks. */
#ifndef OSPY_CAPTURE_CRC32C_H
#define OSPY_CAPTURE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The fastest implementation this CPU has. */
uint32_t ospy_crc32c(uint32_t crc, const void *data, size_t len);
/* The portable table version (the reference the tests compare against). */
uint32_t ospy_crc32c_table(uint32_t crc, const void *data, size_t len);
/* The one bit of data[0..len) whose flip would give it the checksum want
 * (the CRC is linear: flipping a bit changes it by a value that depends only
 * on where the bit is). 1 with *bit = byte * 8 + bit within the byte (0:
 * the lowest), 0 when no single bit does (the data checks, or more than one
 * bit differs). Below 256 MiB CRC32C's Hamming distance is 4: two flipped
 * bits never pass for one, so the bit named is the one flipped whenever one
 * was; three or more may pass for one (odds of about len * 8 / 2^32). */
int ospy_crc32c_flipped_bit(const void *data, size_t len, uint32_t want, uint64_t *bit);

#endif
