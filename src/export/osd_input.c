/* Reading the (possibly bzip2-compressed) payload of an .osd. Errors name
 * the file offset: for corrupt compressed data, the offset of the input
 * block in which bzip2 noticed the damage. */
#include "export/osd_input.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

int ospy_osd_input_init(ospy_osd_input *in, FILE *f, const char *path,
                        uint64_t file_offset, bool compressed)
{
  memset(in, 0, offsetof(ospy_osd_input, inbuf));
  in->f = f;
  in->path = path;
  in->compressed = compressed;
  in->file_offset = file_offset;
  if (compressed) {
    if (BZ2_bzDecompressInit(&in->bz, 0, 0) != BZ_OK) {
      snprintf(in->err, sizeof in->err, "%s: cannot start bzip2", path);
      return -1;
    }
    in->bz_open = true;
  }
  return 0;
}

static int read_plain(ospy_osd_input *in, char *buf, int n)
{
  size_t got = fread(buf, 1, (size_t)n, in->f);
  if (got == 0 && ferror(in->f)) {
    snprintf(in->err, sizeof in->err, "%s: read error at offset %llu: %s", in->path,
             (unsigned long long)in->file_offset, strerror(errno));
    return -1;
  }
  in->file_offset += got;
  return (int)got;
}

/* Refills the compressed input; returns the bytes read, -1 on error. */
static int refill(ospy_osd_input *in)
{
  int got = read_plain(in, in->inbuf, (int)sizeof in->inbuf);
  if (got > 0) {
    in->bz.next_in = in->inbuf;
    in->bz.avail_in = (unsigned)got;
  }
  return got;
}

static int read_bzip2(ospy_osd_input *in, char *buf, int n)
{
  in->bz.next_out = buf;
  in->bz.avail_out = (unsigned)n;
  while (in->bz.avail_out == (unsigned)n && !in->bz_done) {
    if (in->bz.avail_in == 0) {
      int got = refill(in);
      if (got < 0)
        return -1;
      if (got == 0) {
        snprintf(in->err, sizeof in->err, "%s: truncated: the bzip2 stream ends "
                 "early at file offset %llu", in->path,
                 (unsigned long long)in->file_offset);
        return -1;
      }
    }
    int rc = BZ2_bzDecompress(&in->bz);
    if (rc == BZ_STREAM_END) {
      in->bz_done = true; /* anything after the stream is ignored */
    } else if (rc != BZ_OK) {
      uint64_t at = in->file_offset - in->bz.avail_in;
      snprintf(in->err, sizeof in->err, "%s: corrupt bzip2 data (error %d) near file "
               "offset %llu", in->path, rc, (unsigned long long)at);
      return -1;
    }
  }
  return n - (int)in->bz.avail_out;
}

int ospy_osd_input_read(ospy_osd_input *in, char *buf, int n)
{
  int got = in->compressed ? read_bzip2(in, buf, n) : read_plain(in, buf, n);
  if (got > 0)
    in->out_offset += (uint64_t)got;
  return got;
}

int ospy_osd_input_read_full(ospy_osd_input *in, void *buf, int n)
{
  int done = 0;
  while (done < n) {
    int got = ospy_osd_input_read(in, (char *)buf + done, n - done);
    if (got < 0)
      return -1;
    if (got == 0) {
      snprintf(in->err, sizeof in->err, "%s: truncated at offset %llu", in->path,
               (unsigned long long)(in->compressed ? in->out_offset : in->file_offset));
      return -1;
    }
    done += got;
  }
  return 0;
}

void ospy_osd_input_close(ospy_osd_input *in)
{
  if (in->bz_open)
    BZ2_bzDecompressEnd(&in->bz);
  in->bz_open = false;
}
