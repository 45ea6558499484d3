/* Capture file writer: header, then chunks of delta-packed records
 * (chunk_pack.h), compressed with zstd, CRC32C-checked, appended. */
#include "capture/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "capture/chunk_pack.h"
#include "capture/crc32c.h"
#include "capture/file_format.h"

struct ospy_capfile_writer {
  int fd;
  const char *path;
  uint8_t *raw, *comp;     /* raw: packed records of the chunk being built */
  size_t raw_len, raw_cap; /* packed bytes */
  size_t unpacked_len;     /* the same records' bytes as readers get them */
  size_t raw_target, comp_cap;
  ospy_chunk_packer packer;
  uint32_t nrec;
  uint64_t total;
  uint64_t good;  /* end of the last complete chunk (of the header at first) */
  int failed;     /* errno of the write that failed; nothing is written after it */
  ZSTD_CCtx *cctx;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static void put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static int write_all(int fd, const void *buf, size_t n)
{
  const uint8_t *p = buf;
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static size_t add_tag(uint8_t *out, uint16_t tag, const void *data, size_t len)
{
  if (out) {
    put16(out, tag);
    put16(out + 2, 0);
    put32(out + 4, (uint32_t)len);
    if (len)
      memcpy(out + 8, data, len);
    memset(out + 8 + len, 0, ((len + 3) & ~(size_t)3) - len);
  }
  return 8 + ((len + 3) & ~(size_t)3);
}

/* Serializes the metadata TLVs; with out == NULL only measures. */
static size_t encode_meta(uint8_t *out, const ospy_capfile_meta *m)
{
  uint8_t start[8];
  for (int i = 0; i < 8; i++)
    start[i] = (uint8_t)(m->start_ns >> (8 * i));
  size_t n = 0;
  n += add_tag(out ? out + n : NULL, OSPY_META_VERSION, m->version, strlen(m->version));
  n += add_tag(out ? out + n : NULL, OSPY_META_HOST, m->host, strlen(m->host));
  n += add_tag(out ? out + n : NULL, OSPY_META_START, start, 8);
  n += add_tag(out ? out + n : NULL, OSPY_META_CMDLINE, m->cmdline, m->cmdline_len);
  n += add_tag(out ? out + n : NULL, OSPY_META_PLAN, m->plan, m->plan_len);
  n += add_tag(out ? out + n : NULL, OSPY_META_MODE, m->mode, strlen(m->mode));
  return n;
}

static int write_header(ospy_capfile_writer *w, const ospy_capfile_meta *m)
{
  size_t meta = encode_meta(NULL, m);
  uint8_t *buf = malloc(OSPY_CAP_HEADER_FIXED + meta + 4);
  if (!buf)
    return -1;
  memcpy(buf, OSPY_CAP_MAGIC, 8);
  put32(buf + 8, OSPY_CAP_VERSION);
  put32(buf + 12, (uint32_t)meta);
  encode_meta(buf + OSPY_CAP_HEADER_FIXED, m);
  put32(buf + OSPY_CAP_HEADER_FIXED + meta, ospy_crc32c(0, buf, OSPY_CAP_HEADER_FIXED + meta));
  int rc = write_all(w->fd, buf, OSPY_CAP_HEADER_FIXED + meta + 4);
  free(buf);
  w->good = OSPY_CAP_HEADER_FIXED + meta + 4;
  return rc < 0 || fdatasync(w->fd) < 0 ? -1 : 0;
}

ospy_capfile_writer *ospy_capfile_create(const char *path, const ospy_capfile_meta *m,
                                         char *err, size_t errcap)
{
  ospy_capfile_writer *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errcap, "%s: out of memory", path);
    return NULL;
  }
  w->path = path;
  w->raw_target = 1u << 20;
  w->raw_cap = 2 * (size_t)OSPY_CHUNK_MAX_RAW;
  w->raw = malloc(w->raw_cap);
  w->comp_cap = ZSTD_compressBound(w->raw_cap);
  w->comp = malloc(OSPY_CHUNK_HDR + w->comp_cap);
  w->cctx = ZSTD_createCCtx();
  /* Only the user who captures may read the file: it holds argument values
   * (buffers, strings) of the program. fchmod covers a file that existed. */
  w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (w->fd < 0 || fchmod(w->fd, 0600) < 0 || !w->raw || !w->comp || !w->cctx ||
      write_header(w, m) < 0) {
    snprintf(err, errcap, "%s: %s", path, strerror(errno ? errno : ENOMEM));
    if (w->fd >= 0)
      close(w->fd);
    ZSTD_freeCCtx(w->cctx);
    free(w->raw);
    free(w->comp);
    free(w);
    return NULL;
  }
  return w;
}

void ospy_capfile_set_chunk_size(ospy_capfile_writer *w, size_t raw)
{
  w->raw_target = raw < 64 ? 64 : raw > OSPY_CHUNK_MAX_RAW / 2 ? OSPY_CHUNK_MAX_RAW / 2 : raw;
}

uint64_t ospy_capfile_records(const ospy_capfile_writer *w) { return w->total; }

/* A chunk could not be written (disk full, I/O error): the file is cut back
 * to its last complete chunk, so a reader finds every chunk intact and the
 * capture merely cut short, and nothing more is written. */
static int write_failed(ospy_capfile_writer *w, int e, char *err, size_t errcap)
{
  w->failed = e ? e : EIO;
  if (ftruncate(w->fd, (off_t)w->good) == 0)
    fdatasync(w->fd);
  snprintf(err, errcap, "%s: write: %s (the capture ends with the last complete chunk, at "
           "offset %llu)", w->path, strerror(w->failed), (unsigned long long)w->good);
  return -1;
}

static int write_chunk(ospy_capfile_writer *w, uint32_t flags, char *err, size_t errcap)
{
  size_t clen = 0;
  if (w->failed) {
    snprintf(err, errcap, "%s: not written after an earlier error (%s)", w->path,
             strerror(w->failed));
    return -1;
  }
  if (w->raw_len) {
    clen = ZSTD_compressCCtx(w->cctx, w->comp + OSPY_CHUNK_HDR, w->comp_cap, w->raw, w->raw_len, 1);
    if (ZSTD_isError(clen)) {
      snprintf(err, errcap, "%s: zstd: %s", w->path, ZSTD_getErrorName(clen));
      return -1;
    }
  }
  uint8_t *h = w->comp;
  memcpy(h, OSPY_CHUNK_MAGIC, 8);
  put32(h + 8, (uint32_t)clen);
  put32(h + 12, (uint32_t)w->unpacked_len);
  put32(h + 16, w->nrec);
  put32(h + 20, ospy_crc32c(0, h + OSPY_CHUNK_HDR, clen));
  put32(h + 24, flags | OSPY_CHUNK_F_PACKED);
  put32(h + 28, ospy_crc32c(0, h, 28));
  /* A chunk in the page cache survives the controller's death (SIGKILL) and
   * the target's; only the end is forced to disk: a sync per chunk cost the
   * drain thread a disk round trip every ~8000 calls. */
  if (write_all(w->fd, h, OSPY_CHUNK_HDR + clen) < 0 ||
      ((flags & OSPY_CHUNK_F_END) && fdatasync(w->fd) < 0))
    return write_failed(w, errno, err, errcap);
  w->good += OSPY_CHUNK_HDR + clen;
  w->raw_len = 0;
  w->unpacked_len = 0;
  w->nrec = 0;
  ospy_chunk_packer_reset(&w->packer); /* each chunk unpacks alone */
  return 0;
}

int ospy_capfile_flush(ospy_capfile_writer *w, char *err, size_t errcap)
{
  return w->raw_len ? write_chunk(w, 0, err, errcap) : 0;
}

int ospy_capfile_append(ospy_capfile_writer *w, const void *rec, size_t len, char *err,
                        size_t errcap)
{
  if ((w->unpacked_len + len > OSPY_CHUNK_MAX_RAW || w->raw_len + OSPY_PACK_MAX(len) > w->raw_cap) &&
      write_chunk(w, 0, err, errcap) < 0)
    return -1;
  w->raw_len += ospy_chunk_pack(&w->packer, rec, len, w->raw + w->raw_len);
  w->unpacked_len += len;
  w->nrec++;
  w->total++;
  if (w->unpacked_len >= w->raw_target)
    return write_chunk(w, 0, err, errcap);
  return 0;
}

int ospy_capfile_close(ospy_capfile_writer *w, char *err, size_t errcap)
{
  int rc = -1;
  if (w->failed)
    snprintf(err, errcap, "%s: incomplete capture: nothing was written after offset %llu (%s)",
             w->path, (unsigned long long)w->good, strerror(w->failed));
  else if ((rc = ospy_capfile_flush(w, err, errcap)) == 0)
    rc = write_chunk(w, OSPY_CHUNK_F_END, err, errcap);
  if (close(w->fd) < 0 && rc == 0) {
    snprintf(err, errcap, "%s: close: %s", w->path, strerror(errno));
    rc = -1;
  }
  ZSTD_freeCCtx(w->cctx);
  free(w->raw);
  free(w->comp);
  free(w);
  return rc;
}
