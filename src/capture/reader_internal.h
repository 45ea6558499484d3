/*
 * What the capture reader's two halves share (reader.c: the chunks;
 * reader_header.c: the header, mended where it is damaged). Not for other
 * readers: they use reader.h.
 */
#ifndef OSPY_CAPTURE_READER_INTERNAL_H
#define OSPY_CAPTURE_READER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "capture/reader.h"

uint32_t ospy_cap_get32(const uint8_t *p);
/* All n bytes at off: 0, or -1 (an error, or the file ends before). */
int ospy_cap_read_at(int fd, void *buf, size_t n, uint64_t off);
/* The first offset in [from, end) where a chunk header with a valid CRC
 * starts, or end when there is none. */
uint64_t ospy_cap_find_chunk(int fd, uint64_t end, uint64_t from);

/* What the reader made of a capture's header. */
typedef struct ospy_cap_header {
  uint8_t *bytes;     /* the whole header, as written when its damage was undone (malloc'd) */
  uint64_t chunks_at; /* where its first chunk starts */
  /* "" when its checksum matched; else what was damaged and what the
   * reader made of it (ospy_capfile_header_damage) */
  char damage[768];
} ospy_cap_header;

/* Reads the header of the capture fd (size bytes) and fills info from it
 * (its strings and plan point into h->bytes). 0, or -1 with err when the
 * file cannot be read as a capture. */
int ospy_cap_header_read(int fd, const char *path, uint64_t size, ospy_capfile_info *info,
                         ospy_cap_header *h, char *err, size_t errcap);

#endif
