/* The byte stream inside an .osd: the file from some offset, decompressed
 * with bzip2 on the fly when needed. Fixed memory (two 64 KiB buffers). */
#ifndef OSPY_EXPORT_OSD_INPUT_H
#define OSPY_EXPORT_OSD_INPUT_H

#include <bzlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ospy_osd_input {
  FILE *f;
  const char *path;
  bool compressed;
  bool bz_open;
  bool bz_done;
  bz_stream bz;
  uint64_t file_offset;   /* bytes of the file consumed so far */
  uint64_t out_offset;    /* bytes delivered so far (decompressed) */
  char err[256];          /* set when a read returns -1 */
  char inbuf[65536];
} ospy_osd_input;

/* f is positioned at file_offset; compressed selects bzip2. */
int ospy_osd_input_init(ospy_osd_input *in, FILE *f, const char *path,
                        uint64_t file_offset, bool compressed);
/* Reads up to n bytes; 0 at the end, -1 on a bzip2 or I/O error (in->err). */
int ospy_osd_input_read(ospy_osd_input *in, char *buf, int n);
/* Reads exactly n bytes or fails (err names the offset). */
int ospy_osd_input_read_full(ospy_osd_input *in, void *buf, int n);
void ospy_osd_input_close(ospy_osd_input *in);

#endif
