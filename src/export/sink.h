/* A buffered byte sink over a FILE, optionally bzip2-compressed on the fly
 * (its blocks on worker threads: bz2_parallel.h). Memory is fixed (a 64 KiB
 * buffer, and the compressor's few blocks in flight) whatever the amount
 * written. The first error is kept; later writes are no-ops, so emitters need
 * not check each call and the caller checks once at the end.
 *
 * A memory sink (ospy_sink_init_memory) gathers what is written in a buffer
 * that grows instead: one event's XML at a time, kept until its turn
 * (start_order.h). */
#ifndef OSPY_EXPORT_SINK_H
#define OSPY_EXPORT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "export/bz2_parallel.h"

#define OSPY_SINK_BUF 65536

typedef struct ospy_sink {
  FILE *f;
  const char *path;     /* for error messages */
  bool compress;
  ospy_bz2par *bz;      /* the compressor, when compress */
  uint64_t written;     /* bytes handed to the sink (before compression) */
  size_t len;
  int failed;           /* 0 or an errno-like code; err holds the text */
  bool memory;          /* a memory sink: mem holds mem_len bytes written */
  char *mem;
  size_t mem_len, mem_cap;
  char err[256];
  char buf[OSPY_SINK_BUF];
} ospy_sink;

/* Starts writing to f (already positioned); compress = bzip2 block size 9,
 * the stream `bzip2 -9` writes for the same bytes. */
int ospy_sink_init(ospy_sink *s, FILE *f, const char *path, bool compress);
void ospy_sink_write(ospy_sink *s, const void *p, size_t n);
void ospy_sink_puts(ospy_sink *s, const char *str);
void ospy_sink_printf(ospy_sink *s, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* A sink into memory (f NULL, not compressed); name is for error messages.
 * ospy_sink_memory_clear empties it for the next piece, ospy_sink_memory_free
 * releases it (ospy_sink_finish does not). */
void ospy_sink_init_memory(ospy_sink *s, const char *name);
void ospy_sink_memory_clear(ospy_sink *s);
void ospy_sink_memory_free(ospy_sink *s);
/* Flushes everything (ends the bzip2 stream); returns 0 or -1 with s->err. */
int ospy_sink_finish(ospy_sink *s);
/* Releases the compressor after an error (finish does it on success). */
void ospy_sink_abort(ospy_sink *s);

#endif
