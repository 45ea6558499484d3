/*
 * Capture file layout constants (docs/capture-format.md), shared by the
 * writer (file.c) and the reader (reader.c).
 */
#ifndef OSPY_CAPTURE_FILE_FORMAT_H
#define OSPY_CAPTURE_FILE_FORMAT_H

#include <stdint.h>

#define OSPY_CAP_MAGIC "OSPYCAPT"
#define OSPY_CAP_VERSION 2u     /* 2: chunks may be packed; readers take 1 and 2 */
#define OSPY_CAP_HEADER_FIXED 16u /* magic, version, meta_len */
#define OSPY_CAP_MAX_META (256u << 20)

#define OSPY_CHUNK_MAGIC "OSPYCHNK"
#define OSPY_CHUNK_HDR 32u
#define OSPY_CHUNK_MAX_RAW (16u << 20)
#define OSPY_CHUNK_F_END 0x1u    /* the last chunk of a cleanly closed capture */
#define OSPY_CHUNK_F_PACKED 0x2u /* payload: zstd of packed records (chunk_pack.h) */

/* The chunk's place in the capture, after its zstd frame in the payload
 * (which the payload CRC covers): a zstd skippable frame, which readers
 * that do not know it skip as zstd does. u32 magic, u32 size (32), then
 * u32 layout (1), u32 FunctionCall records in this chunk, u64 the chunk's
 * number (0: the first after the header), u64 records and u64 FunctionCall
 * records in the chunks before it. A chunk without one (ospy before it):
 * its place is not checked. */
#define OSPY_CHUNK_SEQ_MAGIC 0x184D2A5Eu  /* one of zstd's skippable-frame magics */
#define OSPY_SKIPPABLE_MAGIC 0x184D2A50u  /* zstd's: this with any low nibble */
#define OSPY_CHUNK_SEQ_BODY 32u
#define OSPY_CHUNK_SEQ_LEN (8u + OSPY_CHUNK_SEQ_BODY)
#define OSPY_CHUNK_SEQ_LAYOUT 1u
/* The writer ends a zstd block after this many bytes of packed records, so
 * that a chunk cut part-way gives back the records of every block before
 * the cut (a block is decoded once it is all there; zstd's own are up to
 * 128 KiB). */
#define OSPY_CHUNK_BLOCK (16u << 10)

/* Metadata tags (u16 tag, u16 0, u32 len, bytes, padded to 4). */
enum {
  OSPY_META_VERSION = 1, /* ospy version string */
  OSPY_META_HOST = 2,    /* "nodename machine kernel-release" */
  OSPY_META_START = 3,   /* u64 start time, ns since the epoch */
  OSPY_META_CMDLINE = 4, /* NUL-separated argv of the captured program */
  OSPY_META_PLAN = 5,    /* the plan bytes (src/plan/plan.h) */
  OSPY_META_MODE = 6,    /* "spawn" or "attach" */
};

#endif
