/* CRC32C (Castagnoli), table-driven; checksums capture-file chunks. */
#ifndef OSPY_CAPTURE_CRC32C_H
#define OSPY_CAPTURE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t ospy_crc32c(uint32_t crc, const void *data, size_t len);

#endif
