/*
 * Chunk packing: the records of one chunk delta-coded before zstd sees them.
 *
 * A hooked call's record repeats its predecessor almost word for word (same
 * hook, size, return address; timestamps, sequence number and arguments a
 * little apart). zstd spent ~150 ns on each 128-byte record and was the
 * controller's bottleneck; coded as the differences from the last record of
 * the same size, a call shrinks to ~15 bytes and zstd to a fraction.
 *
 * Each record is "tag varint, then body":
 *   tag = words * 2 + 0: literal, then words * 8 bytes
 *   tag = words * 2 + 1: delta against the last record of this chunk with
 *     the same number of words (at most OSPY_PACK_DELTA_WORDS): a bitmap of
 *     ceil(words / 8) bytes (bit i: word i differs), then for every set bit
 *     the zigzag LEB128 of (word - reference word) modulo 2^64
 * Words are little-endian u64. Every chunk starts with no references, so
 * each chunk unpacks alone (docs/capture-format.md).
 */
#ifndef OSPY_CAPTURE_CHUNK_PACK_H
#define OSPY_CAPTURE_CHUNK_PACK_H

#include <stddef.h>
#include <stdint.h>

#define OSPY_PACK_DELTA_WORDS 32u /* larger records are always literal */
#define OSPY_PACK_SLOTS 64u       /* references, indexed by words % 64 */

/* Room one record of len bytes may need while it is packed (a delta of
 * words that all changed a lot is written, then replaced by the literal). */
#define OSPY_PACK_MAX(len) (2u * (len) + 16u)

typedef struct ospy_chunk_packer {
  uint32_t words[OSPY_PACK_SLOTS]; /* 0: no reference in this slot */
  uint64_t ref[OSPY_PACK_SLOTS][OSPY_PACK_DELTA_WORDS];
} ospy_chunk_packer;

/* Forgets every reference: call at the start of each chunk. */
void ospy_chunk_packer_reset(ospy_chunk_packer *p);

/* Packs one record (len: a multiple of 8, at least 8) into out, which has
 * room for OSPY_PACK_MAX(len) bytes. Returns the bytes written. */
size_t ospy_chunk_pack(ospy_chunk_packer *p, const void *rec, size_t len, uint8_t *out);

/* Unpacks a whole chunk: in[0..in_len) to exactly out_len bytes of records
 * in out. 0, or -1 with a static reason in *why (truncated input, a delta
 * without reference, a size word that disagrees with its tag, output
 * longer or shorter than out_len). Never reads or writes out of bounds. */
int ospy_chunk_unpack(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                      const char **why);

/* Unpacks the start of a chunk cut short (in: the first in_len bytes of
 * what its zstd frame holds): the whole records before the one the input
 * ends inside, into out (out_cap: the chunk's raw length), *out_len their
 * bytes. 0, or -1 with why for anything ospy_chunk_unpack refuses other
 * than a record running past the end of the input (a delta without
 * reference, a size word that disagrees with its tag, a record past
 * out_cap, a varint longer than 10 bytes). */
int ospy_chunk_unpack_cut(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                          size_t *out_len, const char **why);

#endif
