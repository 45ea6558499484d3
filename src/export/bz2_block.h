/* A bzip2 stream put together from blocks that libbz2 compressed apart, each
 * as a stream of its own, byte for byte the stream `bzip2 -N` writes for the
 * whole input (bz2_parallel.h runs the blocks on threads).
 *
 * Three parts: where libbz2 ends a block (ospy_bz2_split), one block's bits
 * (ospy_bz2_block: its own stream less the 4-byte header and the 80-bit end),
 * and the stream joined from them at the bit level (ospy_bz2_join: blocks are
 * not byte-aligned; the stream's CRC combines the blocks'). */
#ifndef OSPY_EXPORT_BZ2_BLOCK_H
#define OSPY_EXPORT_BZ2_BLOCK_H

#include <stddef.h>
#include <stdint.h>

/* libbz2 fills a block with the input's first run-length encoding (a run of
 * 4 to 255 equal bytes as 4 of them and a count byte) until it holds
 * 100000 * level - 19 bytes; the run that byte began is the next block's
 * first. The split depends on the bytes alone, not on how they were handed
 * over, as long as the stream is finished with no input left (bzip2's
 * BZ2_bzWriteClose; see docs/export-formats.md). */
typedef struct {
  uint32_t nblock; /* bytes the runs ended so far take in the block */
  uint32_t max;    /* 100000 * level - 19 */
  int ch;          /* the byte of the run being read; 256: none yet */
  int len;         /* its length so far (1-255) */
} ospy_bz2_split;

void ospy_bz2_split_init(ospy_bz2_split *s, int level);
/* Reads p[0..n). Returns n when the block is not full yet; otherwise the
 * index i of the byte that filled it: p[0..i) ends this block, p[i] begins
 * the next (already counted: the scan goes on at p + i + 1). */
size_t ospy_bz2_split_scan(ospy_bz2_split *s, const uint8_t *p, size_t n);

/* One block: libbz2's whole stream for its bytes, and where its bits are. */
typedef struct {
  uint8_t *buf;   /* the stream libbz2 wrote; the block's bits start at byte 4 */
  size_t cap, len;
  uint64_t nbits; /* the block's length in bits */
  uint32_t crc;   /* its CRC (the stream's combines them) */
} ospy_bz2_block;

/* libbz2's memory (its state, 7.6 MB of arrays at level 9) kept from one
 * block to the next of a thread: no mapping and page faults per block. */
typedef struct {
  void *p[6];
  size_t size[6];
  unsigned char busy[6];
} ospy_bz2_mem;

/* Compresses in[0..n) (n > 0, one block's bytes as ospy_bz2_split cut
 * them) at level 1-9, with mem's memory (NULL: malloc's). Returns 0, or a
 * libbz2 error code (BZ_MEM_ERROR...), or -1 when the stream libbz2 wrote
 * is not one block as expected. b->buf is kept for the next call;
 * ospy_bz2_block_free releases it, ospy_bz2_mem_free mem's memory. */
int ospy_bz2_block_compress(ospy_bz2_block *b, const uint8_t *in, size_t n, int level,
                            ospy_bz2_mem *mem);
void ospy_bz2_mem_free(ospy_bz2_mem *mem);
void ospy_bz2_block_free(ospy_bz2_block *b);

typedef void (*ospy_bz2_write_fn)(void *user, const void *p, size_t n);

/* The stream: "BZh" and the level, the blocks in order, the end marker and
 * the combined CRC, padded to a byte; written through write in pieces of
 * up to 64 KiB. */
typedef struct {
  uint32_t combined_crc;
  uint64_t acc;   /* the last nacc bits not yet written, in its low bits */
  unsigned nacc;  /* 0-7 between calls */
  ospy_bz2_write_fn write;
  void *user;
  size_t len;
  uint8_t out[65536];
} ospy_bz2_join;

void ospy_bz2_join_init(ospy_bz2_join *j, int level, ospy_bz2_write_fn write, void *user);
void ospy_bz2_join_block(ospy_bz2_join *j, const ospy_bz2_block *b);
/* The end marker and CRC; writes everything left. */
void ospy_bz2_join_end(ospy_bz2_join *j);

#endif
