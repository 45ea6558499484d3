/*
 * Capture file writer (controller). Records are buffered into a chunk that is
 * zstd-compressed (a block every OSPY_CHUNK_BLOCK bytes), given its place in
 * the capture, checksummed and appended by a writer thread when it is full
 * or on ospy_capfile_flush, while the next one fills; the end is
 * fdatasync'ed. A crash of the controller loses at most the chunk being
 * filled and the one being written.
 */
#ifndef OSPY_CAPTURE_FILE_H
#define OSPY_CAPTURE_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ospy_capfile_meta {
  const char *version;
  const char *host;
  uint64_t start_ns;
  const char *cmdline; /* NUL-separated */
  size_t cmdline_len;
  const void *plan;
  size_t plan_len;
  const char *mode;
} ospy_capfile_meta;

typedef struct ospy_capfile_writer ospy_capfile_writer;

ospy_capfile_writer *ospy_capfile_create(const char *path, const ospy_capfile_meta *m,
                                         char *err, size_t errcap);
/* The file is created (or truncated) with mode 0600. When the header cannot
 * be written (no space), a file create made is removed again. A regular file
 * already at path is kept until ospy_capfile_started: the capture is written
 * beside it (PATH.PID.tmp) and then renamed over it. */
/* The capture never started (the program could not be run, the agent not
 * loaded): closes and frees w, and removes the file when create made it (a
 * regular file that was there before is left as it was); what was appended
 * is dropped. */
void ospy_capfile_discard(ospy_capfile_writer *w);
/* The capture started (the program runs, the agent was loaded): a file
 * that was at the path is replaced now. 0, or -1 with err (the capture
 * stays in the file beside it, which err names). Close does it too. */
int ospy_capfile_started(ospy_capfile_writer *w, char *err, size_t errcap);
/* Appends one record (already validated). 0 or -1 with err. A write that
 * fails (ENOSPC, EIO) cuts the file back to its last complete chunk; the
 * next call that hands over a chunk (append, flush, close) reports it, and
 * every later call fails without writing. */
int ospy_capfile_append(ospy_capfile_writer *w, const void *rec, size_t len, char *err,
                        size_t errcap);
/* Whether the chunk being built holds no record yet: the next one appended
 * starts a chunk. */
int ospy_capfile_chunk_empty(const ospy_capfile_writer *w);
/* Hands the pending records over as a chunk (nothing if none); -1 if a
 * chunk failed to be written. */
int ospy_capfile_flush(ospy_capfile_writer *w, char *err, size_t errcap);
/* Flushes, writes the end marker, closes, frees (after a failed write: only
 * closes and frees, and returns -1 saying where the file ends). */
int ospy_capfile_close(ospy_capfile_writer *w, char *err, size_t errcap);
uint64_t ospy_capfile_records(const ospy_capfile_writer *w);
/* FunctionCall records in the chunks written so far (after a failed write,
 * what the file holds: the chunk that failed is cut off). */
uint64_t ospy_capfile_calls_kept(ospy_capfile_writer *w);
/* Target chunk size before compression (default 1 MiB; tests use small ones). */
void ospy_capfile_set_chunk_size(ospy_capfile_writer *w, size_t raw);
/* Packed bytes after which a zstd block is ended (default OSPY_CHUNK_BLOCK;
 * 0: zstd's own blocks of up to 128 KiB, as before it; for measurements). */
void ospy_capfile_set_block_size(ospy_capfile_writer *w, size_t packed);

#endif
