/* CRC32C (Castagnoli); checksums capture-file chunks. */
#ifndef OSPY_CAPTURE_CRC32C_H
#define OSPY_CAPTURE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The fastest implementation this CPU has. */
uint32_t ospy_crc32c(uint32_t crc, const void *data, size_t len);
/* The portable table version (the reference the tests compare against). */
uint32_t ospy_crc32c_table(uint32_t crc, const void *data, size_t len);

#endif
