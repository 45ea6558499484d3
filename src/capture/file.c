/* Capture file writer: header, then chunks of delta-packed records
 * (chunk_pack.h), compressed with zstd in blocks of OSPY_CHUNK_BLOCK bytes
 * (a chunk cut part-way gives back the blocks before the cut), followed by
 * the chunk's place in the capture (a skippable frame: file_format.h),
 * CRC32C-checked, appended.
 *
 * The caller (the controller's drain loop) copies records into one buffer
 * while a writer thread packs, compresses and writes the previous one: zstd
 * was a quarter of the drain loop's time, the packing another (~25 ns a
 * call record), and the drain loop is what every producer waits for when
 * the ring is full. The thread starts with the first
 * chunk (after the target is spawned: the fork's child runs no code of a
 * thread that might hold a lock) and blocks every signal, so that they keep
 * reaching the controller's main thread. A failed write is reported by the
 * next call that hands over a chunk, or by close. */
#include "capture/file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "capture/chunk_pack.h"
#include "capture/crc32c.h"
#include "capture/event.h"
#include "capture/file_format.h"

/* A chunk handed to the writer thread. */
typedef struct chunk_job {
  uint8_t *raw; /* the records as readers get them (packed by the writer thread) */
  size_t unpacked_len;
  uint32_t nrec, flags;
  uint64_t ncalls; /* FunctionCall records among them */
} chunk_job;

struct ospy_capfile_writer {
  int fd;
  const char *path;
  int created; /* the file did not exist: create made it (discard removes it) */
  /* A regular file was at path: the capture is written beside it, under
   * this name, and renamed over it once the capture started, so that a
   * capture that never starts leaves the old file as it was. NULL: none. */
  char *pending;
  uint8_t *raw, *comp;     /* raw: the records of the chunk being built, as appended */
  uint8_t *spare;          /* the other raw buffer (the writer thread's while it works) */
  size_t unpacked_len;     /* bytes in raw */
  size_t raw_target, comp_cap;
  size_t block; /* packed bytes a zstd block ends after (0: zstd's own blocks) */
  /* the writer thread's: a chunk's records packed (chunk_pack.h), then compressed */
  uint8_t *packed;
  size_t packed_cap;
  ospy_chunk_packer packer;
  uint32_t nrec;
  uint64_t total;
  uint64_t ncalls;     /* FunctionCall records in the chunk being built */
  uint64_t calls_kept; /* ... in the chunks written (writer thread, under mu) */
  uint64_t chunks_kept, records_kept; /* chunks and records written (writer thread) */
  ZSTD_CCtx *cctx;
  /* shared with the writer thread, under mu */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int started, busy, stop;
  chunk_job job;
  uint64_t good;  /* end of the last complete chunk (of the header at first) */
  int failed;     /* errno of the write that failed; nothing is written after it */
  char why[512];  /* what failed, for the caller */
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

/* The file for a path where something is already: a regular file's
 * replacement, written beside it (w->pending) until the capture starts;
 * anything else (a symbolic link, a FIFO, /dev/null) opened as it is. */
static int open_beside(ospy_capfile_writer *w, const char *path)
{
  struct stat st;
  if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
    return open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600); /* (a FIFO: no wait) */
  if (asprintf(&w->pending, "%s.%d.tmp", path, (int)getpid()) < 0) {
    w->pending = NULL;
    errno = ENOMEM;
    return -1;
  }
  int fd = open(w->pending, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) { /* (a directory we may not write into: the file itself, as before) */
    free(w->pending);
    w->pending = NULL;
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
  }
  return fd;
}

int ospy_capfile_started(ospy_capfile_writer *w, char *err, size_t errcap)
{
  if (!w->pending)
    return 0;
  int rc = rename(w->pending, w->path);
  if (rc < 0) {
    snprintf(err, errcap, "%s: cannot replace it with the capture (%s: %s)", w->path, w->pending,
             strerror(errno));
    return -1;
  }
  free(w->pending);
  w->pending = NULL;
  return 0;
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
  w->raw = malloc(OSPY_CHUNK_MAX_RAW);
  w->spare = malloc(OSPY_CHUNK_MAX_RAW);
  /* packed, a chunk's records take at most 11/8 of their bytes (a literal's
   * tag: 3 bytes for 8 or more), and one being packed OSPY_PACK_MAX */
  w->packed_cap = 2 * (size_t)OSPY_CHUNK_MAX_RAW;
  w->packed = malloc(w->packed_cap);
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  w->comp_cap = ZSTD_compressBound(w->packed_cap) + OSPY_CHUNK_SEQ_LEN;
  w->comp = malloc(OSPY_CHUNK_HDR + w->comp_cap);
  w->cctx = ZSTD_createCCtx();
  w->block = OSPY_CHUNK_BLOCK;
  if (w->cctx && ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, 1))) {
    ZSTD_freeCCtx(w->cctx);
    w->cctx = NULL;
  }
  /* Only the user who captures may read the file: it holds argument values
   * (buffers, strings) of the program. fchmod covers a file that existed. */
  /* O_EXCL first: whether the file is ours to remove if the capture never starts */
  w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK, 0600);
  w->created = w->fd >= 0;
  if (w->fd < 0 && errno == EEXIST)
    w->fd = open_beside(w, path);
  /* only a regular file is truncated and made private: -o /dev/null must not
   * change /dev/null's mode for every other user */
  struct stat st;
  int not_regular = w->fd >= 0 && fstat(w->fd, &st) == 0 && !S_ISREG(st.st_mode);
  if (not_regular)
    errno = EINVAL;
  if (w->fd < 0 || not_regular || ftruncate(w->fd, 0) < 0 || fchmod(w->fd, 0600) < 0 ||
      !w->raw || !w->spare || !w->packed || !w->comp || !w->cctx || write_header(w, m) < 0) {
    if (not_regular)
      snprintf(err, errcap, "%s: not a regular file (a capture is written to a file)", path);
    else
      snprintf(err, errcap, "%s: %s", path, strerror(errno ? errno : ENOMEM));
    if (w->fd >= 0)
      close(w->fd);
    if (w->created) /* (a header cut short by a full disk: no file rather than a broken one) */
      unlink(path);
    if (w->pending)
      unlink(w->pending);
    free(w->pending);
    ZSTD_freeCCtx(w->cctx);
    free(w->raw);
    free(w->spare);
    free(w->packed);
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

void ospy_capfile_set_block_size(ospy_capfile_writer *w, size_t packed)
{
  w->block = packed;
}

uint64_t ospy_capfile_records(const ospy_capfile_writer *w) { return w->total; }

int ospy_capfile_chunk_empty(const ospy_capfile_writer *w) { return w->nrec == 0; }

static int wait_idle(ospy_capfile_writer *w, char *err, size_t errcap);

uint64_t ospy_capfile_calls_kept(ospy_capfile_writer *w)
{
  char err[8];
  (void)wait_idle(w, err, sizeof err);
  return w->calls_kept;
}

/* A chunk could not be written (disk full, I/O error): the file is cut back
 * to its last complete chunk, so a reader finds every chunk intact and the
 * capture merely cut short, and nothing more is written. Writer thread. */
static void chunk_failed(ospy_capfile_writer *w, int e)
{
  w->failed = e ? e : EIO;
  if (ftruncate(w->fd, (off_t)w->good) == 0)
    fdatasync(w->fd);
  snprintf(w->why, sizeof w->why, "%s: write: %s (the capture ends with the last complete "
           "chunk, at offset %llu)", w->path, strerror(w->failed), (unsigned long long)w->good);
}

/* A chunk's records delta-packed into w->packed (each chunk unpacks alone);
 * returns the packed length. Every record's size word is its length
 * (ospy_capfile_append checked it). */
static size_t chunk_pack_all(ospy_capfile_writer *w, const chunk_job *j)
{
  size_t n = 0;
  ospy_chunk_packer_reset(&w->packer);
  for (size_t off = 0; off < j->unpacked_len;) {
    uint32_t len;
    memcpy(&len, j->raw + off, 4);
    n += ospy_chunk_pack(&w->packer, j->raw + off, len, w->packed + n);
    off += len;
  }
  return n;
}

static void put64(uint8_t *p, uint64_t v)
{
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

/* w->packed[0..len) into one zstd frame at out (room for cap bytes), its
 * content size in its header, a block ended after every w->block bytes
 * (ZSTD_e_flush). Its length, or a zstd error code. */
static size_t compress_blocks(ospy_capfile_writer *w, size_t len, uint8_t *out, size_t cap)
{
  size_t rc = ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
  if (!ZSTD_isError(rc))
    rc = ZSTD_CCtx_setPledgedSrcSize(w->cctx, len);
  if (ZSTD_isError(rc))
    return rc;
  size_t step = w->block ? w->block : len;
  ZSTD_outBuffer dst = { out, cap, 0 };
  for (size_t pos = 0;;) {
    size_t n = len - pos < step ? len - pos : step;
    ZSTD_EndDirective how = pos + n == len ? ZSTD_e_end : ZSTD_e_flush;
    ZSTD_inBuffer src = { w->packed + pos, n, 0 };
    do { /* (0: all of src in, all of it out) */
      rc = ZSTD_compressStream2(w->cctx, &dst, &src, how);
      if (!ZSTD_isError(rc) && rc && dst.pos == dst.size)
        return (size_t)-ZSTD_error_dstSize_tooSmall;
    } while (!ZSTD_isError(rc) && rc);
    if (ZSTD_isError(rc) || how == ZSTD_e_end)
      return ZSTD_isError(rc) ? rc : dst.pos;
    pos += n;
  }
}

/* The chunk's place in the capture (file_format.h) at p: the chunks and
 * records written before it. Writer thread. */
static void put_seq(const ospy_capfile_writer *w, const chunk_job *j, uint8_t *p)
{
  put32(p, OSPY_CHUNK_SEQ_MAGIC);
  put32(p + 4, OSPY_CHUNK_SEQ_BODY);
  put32(p + 8, OSPY_CHUNK_SEQ_LAYOUT);
  put32(p + 12, (uint32_t)j->ncalls);
  put64(p + 16, w->chunks_kept);
  put64(p + 24, w->records_kept);
  put64(p + 32, w->calls_kept);
}

/* Packs, compresses, checksums and appends one chunk. Writer thread (or the
 * caller when the thread could not start). */
static void chunk_write(ospy_capfile_writer *w, const chunk_job *j)
{
  size_t clen = 0;
  if (w->failed)
    return;
  if (j->unpacked_len) {
    size_t packed_len = chunk_pack_all(w, j);
    clen = compress_blocks(w, packed_len, w->comp + OSPY_CHUNK_HDR,
                           w->comp_cap - OSPY_CHUNK_SEQ_LEN);
    if (ZSTD_isError(clen)) {
      w->failed = EIO;
      snprintf(w->why, sizeof w->why, "%s: zstd: %s", w->path, ZSTD_getErrorName(clen));
      return;
    }
  }
  put_seq(w, j, w->comp + OSPY_CHUNK_HDR + clen);
  clen += OSPY_CHUNK_SEQ_LEN;
  uint8_t *h = w->comp;
  memcpy(h, OSPY_CHUNK_MAGIC, 8);
  put32(h + 8, (uint32_t)clen);
  put32(h + 12, (uint32_t)j->unpacked_len);
  put32(h + 16, j->nrec);
  put32(h + 20, ospy_crc32c(0, h + OSPY_CHUNK_HDR, clen));
  put32(h + 24, j->flags | OSPY_CHUNK_F_PACKED);
  put32(h + 28, ospy_crc32c(0, h, 28));
  /* A chunk in the page cache survives the controller's death (SIGKILL) and
   * the target's; only the end is forced to disk: a sync per chunk cost the
   * drain thread a disk round trip every ~8000 calls. */
  if (write_all(w->fd, h, OSPY_CHUNK_HDR + clen) < 0 ||
      ((j->flags & OSPY_CHUNK_F_END) && fdatasync(w->fd) < 0)) {
    chunk_failed(w, errno);
    return;
  }
  w->good += OSPY_CHUNK_HDR + clen;
  w->calls_kept += j->ncalls;
  w->chunks_kept++;
  w->records_kept += j->nrec;
}

static void *writer_main(void *arg)
{
  ospy_capfile_writer *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->busy && !w->stop)
      pthread_cond_wait(&w->cv, &w->mu);
    if (!w->busy)
      break;
    chunk_job j = w->job;
    pthread_mutex_unlock(&w->mu);
    chunk_write(w, &j); /* failed, good and why: only this thread writes them while busy */
    pthread_mutex_lock(&w->mu);
    w->busy = 0;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static void start_writer(ospy_capfile_writer *w)
{
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  w->started = pthread_create(&w->thread, NULL, writer_main, w) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!w->started)
    w->started = -1; /* no thread: chunks are written by the caller */
}

/* Waits until the writer thread has finished the chunk it was given; then
 * nothing but the caller touches the writer. 0, or -1 and err if a write failed. */
static int wait_idle(ospy_capfile_writer *w, char *err, size_t errcap)
{
  if (w->started > 0) {
    pthread_mutex_lock(&w->mu);
    while (w->busy)
      pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
  }
  if (!w->failed)
    return 0;
  snprintf(err, errcap, "%s", w->why);
  return -1;
}

/* Hands the chunk being built to the writer thread and starts a new one. */
static int write_chunk(ospy_capfile_writer *w, uint32_t flags, char *err, size_t errcap)
{
  if (wait_idle(w, err, errcap) < 0)
    return -1;
  chunk_job j = { w->raw, w->unpacked_len, w->nrec, flags, w->ncalls };
  uint8_t *t = w->raw;
  w->raw = w->spare;
  w->spare = t;
  w->unpacked_len = 0;
  w->nrec = 0;
  w->ncalls = 0;
  if (!w->started)
    start_writer(w);
  if (w->started < 0) {
    chunk_write(w, &j);
    return wait_idle(w, err, errcap);
  }
  pthread_mutex_lock(&w->mu);
  w->job = j;
  w->busy = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return 0;
}

static void stop_writer(ospy_capfile_writer *w)
{
  if (w->started <= 0)
    return;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  w->started = 0;
}

int ospy_capfile_append(ospy_capfile_writer *w, const void *rec, size_t len, char *err,
                        size_t errcap)
{
  uint32_t size;
  memcpy(&size, rec, 4);
  if (len < 8 || len % 8 || len > OSPY_EVENT_MAX_SIZE || size != len) {
    snprintf(err, errcap, "%s: record of %zu bytes with a size word of %u not written",
             w->path, len, size);
    return -1;
  }
  if (w->unpacked_len + len > OSPY_CHUNK_MAX_RAW && write_chunk(w, 0, err, errcap) < 0)
    return -1;
  memcpy(w->raw + w->unpacked_len, rec, len);
  w->unpacked_len += len;
  w->nrec++;
  w->total++;
  w->ncalls += ((const ospy_event_hdr *)rec)->type == OSPY_EV_CALL;
  if (w->unpacked_len >= w->raw_target)
    return write_chunk(w, 0, err, errcap);
  return 0;
}

/* Whether a chunk failed, without waiting for the one being written. */
static int failed_so_far(ospy_capfile_writer *w)
{
  if (w->started <= 0)
    return w->failed != 0;
  pthread_mutex_lock(&w->mu);
  int failed = !w->busy && w->failed;
  pthread_mutex_unlock(&w->mu);
  return failed;
}

int ospy_capfile_flush(ospy_capfile_writer *w, char *err, size_t errcap)
{
  if (w->unpacked_len)
    return write_chunk(w, 0, err, errcap);
  return failed_so_far(w) ? wait_idle(w, err, errcap) : 0;
}

static void writer_free(ospy_capfile_writer *w)
{
  free(w->pending);
  ZSTD_freeCCtx(w->cctx);
  free(w->raw);
  free(w->spare);
  free(w->packed);
  free(w->comp);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
}

void ospy_capfile_discard(ospy_capfile_writer *w)
{
  stop_writer(w);
  close(w->fd);
  if (w->created)
    unlink(w->path);
  if (w->pending)
    unlink(w->pending);
  writer_free(w);
}

int ospy_capfile_close(ospy_capfile_writer *w, char *err, size_t errcap)
{
  /* after a failed write, err says where the file ends */
  int rc = ospy_capfile_flush(w, err, errcap);
  if (rc == 0 && (rc = write_chunk(w, OSPY_CHUNK_F_END, err, errcap)) == 0)
    rc = wait_idle(w, err, errcap);
  if (rc == 0) /* (a capture that ran is the file, whoever forgot to say it started) */
    rc = ospy_capfile_started(w, err, errcap);
  stop_writer(w);
  if (close(w->fd) < 0 && rc == 0) {
    snprintf(err, errcap, "%s: close: %s", w->path, strerror(errno));
    rc = -1;
  }
  writer_free(w);
  return rc;
}
