/* Streaming, validating capture-file reader. */
#include "capture/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "capture/chunk_pack.h"
#include "capture/crc32c.h"
#include "capture/file_format.h"
#include "capture/reader_internal.h"

/* The last chunk, cut short (its writer died, or is still writing it). */
typedef struct cut_chunk {
  uint64_t at;            /* its offset; 0: the file ends with a whole chunk */
  uint64_t have, size;    /* its bytes in the file, and as its header says */
  uint32_t nrec;          /* its records, as its header says */
  uint64_t recovered;     /* the whole, valid records read from what it has */
} cut_chunk;

/* A chunk's place in the capture, from the skippable frame after its zstd
 * frame (file_format.h); have 0: none (a capture older than it). */
typedef struct chunk_seq {
  int have;
  uint32_t calls;                /* FunctionCall records in the chunk */
  uint64_t index;                /* its number in the capture */
  uint64_t recs_before, calls_before; /* in the chunks before it */
} chunk_seq;

/* The chunk numbers read so far, as sorted disjoint ranges [lo, hi):
 * usually one, one more for each gap in what the file holds. */
typedef struct seq_range {
  uint64_t lo, hi;
} seq_range;

struct ospy_capfile_reader {
  int fd;
  char *path;
  uint64_t file_size, off; /* off: next chunk header */
  ospy_cap_header header;
  ospy_capfile_info info;
  uint8_t *comp, *raw, *packed;
  size_t comp_cap, raw_cap, packed_cap; /* grown to the largest chunk seen (at most 16 MiB raw) */
  size_t raw_len, raw_pos;
  int ended, saw_end;
  uint64_t bad_chunks;
  cut_chunk cut;
  int lost_since;      /* a chunk, or the rest of one, was lost since the last one loaded */
  int repeats_wanted;  /* the chunk being read follows a loss: its repeated records count */
  /* the chunk sequence: what the next chunk should be (its number, the
   * records and calls before it), and the chunks read */
  uint64_t seq_next, seq_recs, seq_calls;
  seq_range *seen;
  size_t nseen, seen_cap;
  ZSTD_DCtx *dctx;
  ospy_plan *plan; /* HookName records rename its hooks */
};

uint32_t ospy_cap_get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int ospy_cap_read_at(int fd, void *buf, size_t n, uint64_t off)
{
  uint8_t *p = buf;
  while (n) {
    ssize_t k = pread(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 0;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const uint8_t *buf, size_t n)
{
  while (n) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* A capture read from a pipe, a FIFO or a terminal (`zstdcat c.zst | ospy
 * show -`, `ospy show <(ssh host cat c.ospy)`): copied to an unnamed
 * temporary file first, as the reader seeks (to the chunks, back to the
 * header). Returns that file, with *st its stat; -1 with errno set. */
static int spool_stream(int in, struct stat *st)
{
  const char *dir = getenv("TMPDIR");
  int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    fd = memfd_create("ospy-capture", MFD_CLOEXEC); /* (no writable tmp: in memory) */
  if (fd < 0)
    return -1;
  uint8_t buf[16384];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0)
      break;
    if (n < 0 || write_all(fd, buf, (size_t)n) < 0) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
  }
  if (fstat(fd, st) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* The streams spooled so far, by the path they were read from: readers
 * that read a capture twice (export's two passes, diff) open it again, and
 * a stream can be read once. */
#define SPOOLED_MAX 4
static struct {
  char *path;
  int fd;
} spooled[SPOOLED_MAX];

static int spooled_again(const char *path, struct stat *st)
{
  for (int i = 0; i < SPOOLED_MAX; i++) {
    if (!spooled[i].path || strcmp(spooled[i].path, path))
      continue;
    int fd = fcntl(spooled[i].fd, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0 && fstat(fd, st) < 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  errno = ENOENT;
  return -1;
}

static void spooled_keep(const char *path, int fd)
{
  for (int i = 0; i < SPOOLED_MAX; i++) {
    if (spooled[i].path)
      continue;
    int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (keep < 0)
      return;
    if (!(spooled[i].path = strdup(path))) {
      close(keep);
      return;
    }
    spooled[i].fd = keep;
    return;
  }
}

/* path opened for reading ("-": the standard input), *st its stat; a
 * stream spooled (spool_stream), once. */
static int open_capture(const char *path, struct stat *st)
{
  int again = spooled_again(path, st);
  if (again >= 0)
    return again;
  int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
  if (fd < 0 || fstat(fd, st) < 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    errno = e;
    return -1;
  }
  if (!S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode) && !S_ISSOCK(st->st_mode))
    return fd;
  int copy = spool_stream(fd, st);
  int e = errno;
  close(fd);
  if (copy >= 0)
    spooled_keep(path, copy);
  errno = e;
  return copy;
}

ospy_capfile_reader *ospy_capfile_open(const char *path, char *err, size_t errcap)
{
  ospy_capfile_reader *r = calloc(1, sizeof *r);
  struct stat st;
  if (!r || !(r->path = strdup(path))) {
    snprintf(err, errcap, "%s: out of memory", path);
    free(r);
    return NULL;
  }
  r->fd = open_capture(path, &st);
  int bad = r->fd < 0;
  if (!bad && S_ISDIR(st.st_mode)) { /* open() takes one; reading it said "bad magic" */
    errno = EISDIR;
    bad = 1;
  }
  if (bad) {
    snprintf(err, errcap, "%s: %s", path, strerror(errno));
    ospy_capfile_close_reader(r);
    return NULL;
  }
  r->file_size = (uint64_t)st.st_size;
  if (ospy_cap_header_read(r->fd, path, r->file_size, &r->info, &r->header, err, errcap) < 0) {
    ospy_capfile_close_reader(r);
    return NULL;
  }
  r->off = r->header.chunks_at;
  r->dctx = ZSTD_createDCtx();
  if (!r->dctx) {
    snprintf(err, errcap, "%s: out of memory", path);
    ospy_capfile_close_reader(r);
    return NULL;
  }
  return r;
}

const ospy_capfile_info *ospy_capfile_info_get(const ospy_capfile_reader *r) { return &r->info; }

const char *ospy_capfile_header_damage(const ospy_capfile_reader *r)
{
  return r->header.damage[0] ? r->header.damage : NULL;
}
uint64_t ospy_capfile_bad_chunks(const ospy_capfile_reader *r) { return r->bad_chunks; }

void ospy_capfile_position(const ospy_capfile_reader *r, uint64_t *done, uint64_t *size)
{
  *done = r->off < r->file_size ? r->off : r->file_size;
  *size = r->file_size;
}

/* Is there a chunk header with a valid CRC at off, in a file of size
 * bytes? Fills h. */
static int chunk_header_at(int fd, uint64_t size, uint64_t off, uint8_t h[OSPY_CHUNK_HDR])
{
  if (off + OSPY_CHUNK_HDR > size || ospy_cap_read_at(fd, h, OSPY_CHUNK_HDR, off) < 0)
    return 0;
  return !memcmp(h, OSPY_CHUNK_MAGIC, 8) && ospy_crc32c(0, h, 28) == ospy_cap_get32(h + 28);
}

uint64_t ospy_cap_find_chunk(int fd, uint64_t size, uint64_t from)
{
  uint8_t buf[4096], h[OSPY_CHUNK_HDR];
  for (uint64_t off = from; off < size; off += sizeof buf - 8) {
    size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
    if (ospy_cap_read_at(fd, buf, n, off) < 0)
      break;
    for (size_t i = 0; i + 8 <= n; i++)
      if (!memcmp(buf + i, OSPY_CHUNK_MAGIC, 8) && chunk_header_at(fd, size, off + i, h))
        return off + i;
  }
  return size;
}

/* After a corrupt chunk header: the next offset holding a valid chunk header. */
static uint64_t resync(ospy_capfile_reader *r, uint64_t from)
{
  return ospy_cap_find_chunk(r->fd, r->file_size, from);
}

static int bad_chunk(ospy_capfile_reader *r, uint64_t at, uint64_t next, const char *why,
                     char *err, size_t errcap)
{
  snprintf(err, errcap, "%s: corrupt chunk at offset %llu: %s", r->path, (unsigned long long)at, why);
  r->bad_chunks++;
  r->lost_since = 1;
  r->off = next;
  return -1;
}

/* Makes *buf hold at least need bytes. */
static int grow(uint8_t **buf, size_t *cap, size_t need)
{
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : 65536;
  while (n < need)
    n *= 2;
  uint8_t *p = realloc(*buf, n);
  if (!p)
    return -1;
  *buf = p;
  *cap = n;
  return 0;
}

static uint64_t get64(const uint8_t *p)
{
  return ospy_cap_get32(p) | (uint64_t)ospy_cap_get32(p + 4) << 32;
}

static int skippable_at(const uint8_t *p, size_t avail)
{
  return avail >= 8 && (ospy_cap_get32(p) & 0xfffffff0u) == OSPY_SKIPPABLE_MAGIC;
}

/* A chunk's payload (comp[0..clen), its CRC checked): its zstd frame of
 * records (absent in an empty chunk), *data_len its bytes, then skippable
 * frames, of which the chunk's place in the capture is read into *seq
 * (others, of a later writer, are skipped as zstd skips them). NULL, or why
 * the payload is not that. A first frame whose size zstd cannot tell is
 * taken whole, for the decoder to refuse as it did. */
static const char *split_payload(const uint8_t *comp, size_t clen, size_t *data_len,
                                 chunk_seq *seq)
{
  memset(seq, 0, sizeof *seq);
  size_t pos = 0;
  if (clen && !skippable_at(comp, clen)) {
    pos = ZSTD_findFrameCompressedSize(comp, clen);
    if (ZSTD_isError(pos))
      pos = clen;
  }
  *data_len = pos;
  while (pos < clen) {
    if (!skippable_at(comp + pos, clen - pos))
      return "payload holds bytes after its zstd frame that are no skippable frame";
    uint32_t n = ospy_cap_get32(comp + pos + 4);
    if (n > clen - pos - 8)
      return "payload: a skippable frame runs past its end";
    const uint8_t *b = comp + pos + 8;
    if (ospy_cap_get32(comp + pos) == OSPY_CHUNK_SEQ_MAGIC && n >= OSPY_CHUNK_SEQ_BODY &&
        ospy_cap_get32(b) == OSPY_CHUNK_SEQ_LAYOUT)
      *seq = (chunk_seq){ 1, ospy_cap_get32(b + 4), get64(b + 8), get64(b + 16), get64(b + 24) };
    pos += 8 + (size_t)n;
  }
  return NULL;
}

/* The chunk payload's zstd frame in comp (clen bytes) to rlen bytes of
 * records in raw. NULL, or why it cannot. */
static const char *decode_payload(ospy_capfile_reader *r, size_t clen, uint32_t rlen,
                                  uint32_t flags)
{
  if (!(flags & OSPY_CHUNK_F_PACKED)) {
    size_t got = clen ? ZSTD_decompressDCtx(r->dctx, r->raw, rlen, r->comp, clen) : 0;
    return ZSTD_isError(got) || got != rlen ? "payload does not decompress to its size" : NULL;
  }
  unsigned long long plen = clen ? ZSTD_getFrameContentSize(r->comp, clen) : 0;
  if (plen == ZSTD_CONTENTSIZE_ERROR || plen == ZSTD_CONTENTSIZE_UNKNOWN ||
      plen > 2ull * OSPY_CHUNK_MAX_RAW)
    return "packed payload size unknown or out of bounds";
  if (grow(&r->packed, &r->packed_cap, plen ? (size_t)plen : 1) < 0)
    return "out of memory for the chunk";
  size_t got = clen ? ZSTD_decompressDCtx(r->dctx, r->packed, (size_t)plen, r->comp, clen) : 0;
  if (ZSTD_isError(got) || got != plen)
    return "payload does not decompress to its size";
  const char *why = NULL;
  return ospy_chunk_unpack(r->packed, got, r->raw, rlen, &why) < 0 ? why : NULL;
}

/* The first bytes of a zstd frame cut short, decompressed into
 * out[0..cap): zstd gives back the blocks it holds whole (a block is
 * decoded once all of it is in), *got their bytes. -1 when the bytes are no
 * frame's start. */
static int decompress_cut(ZSTD_DCtx *dctx, const uint8_t *in, size_t have, uint8_t *out,
                          size_t cap, size_t *got)
{
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  ZSTD_inBuffer src = { in, have, 0 };
  ZSTD_outBuffer dst = { out, cap, 0 };
  for (;;) {
    size_t in_before = src.pos, out_before = dst.pos;
    size_t rc = ZSTD_decompressStream(dctx, &dst, &src);
    if (ZSTD_isError(rc))
      return -1;
    if (rc == 0 || (src.pos == in_before && dst.pos == out_before))
      break; /* the frame's end, or nothing more from what it has */
  }
  *got = dst.pos;
  return 0;
}

/* The records of raw[0..len) an unpacked chunk cut short holds whole, by
 * their size words: their bytes. A size word no record can have is kept
 * for ospy_capfile_next to refuse, as in a whole chunk. */
static size_t whole_records(const uint8_t *raw, size_t len)
{
  size_t pos = 0;
  while (len - pos >= 4) {
    uint32_t size = ospy_cap_get32(raw + pos);
    if (size < sizeof(ospy_event_hdr) || size % 8)
      return len;
    if (size > len - pos)
      break; /* the record the cut runs through */
    pos += size;
  }
  return pos;
}

/* A zstd frame header takes at most this many bytes (ZSTD_FRAMEHEADERSIZE_MAX,
 * not in zstd's stable API): a cut before them leaves nothing to decode. */
#define ZSTD_FRAME_HEADER_MAX 18u

/* The payload of a chunk cut short (the first have bytes in comp) to its
 * whole records in raw, *len their bytes. NULL, or why it cannot: the
 * checks of a whole chunk's payload but its CRC, which covers the bytes
 * cut off. */
static const char *decode_cut_payload(ospy_capfile_reader *r, size_t have, uint32_t rlen,
                                      uint32_t flags, size_t *len)
{
  *len = 0;
  unsigned long long content = ZSTD_getFrameContentSize(r->comp, have);
  if (content == ZSTD_CONTENTSIZE_ERROR)
    return have < ZSTD_FRAME_HEADER_MAX ? NULL : "payload is no zstd frame";
  int packed = (flags & OSPY_CHUNK_F_PACKED) != 0;
  if (packed && (content == ZSTD_CONTENTSIZE_UNKNOWN || content > 2ull * OSPY_CHUNK_MAX_RAW))
    return "packed payload size unknown or out of bounds";
  if (!packed && content != ZSTD_CONTENTSIZE_UNKNOWN && content != rlen)
    return "payload does not decompress to its size";
  if (packed && grow(&r->packed, &r->packed_cap, content ? (size_t)content : 1) < 0)
    return "out of memory for the chunk";
  size_t got;
  if (decompress_cut(r->dctx, r->comp, have, packed ? r->packed : r->raw,
                     packed ? (size_t)content : rlen, &got) < 0)
    return "payload does not decompress";
  if (!packed) {
    *len = whole_records(r->raw, got);
    return NULL;
  }
  const char *why = NULL;
  return ospy_chunk_unpack_cut(r->packed, got, r->raw, rlen, len, &why) < 0 ? why : NULL;
}

/* The records of raw[0..len) that pass ospy_event_validate, up to the
 * first that does not (which ospy_capfile_next refuses when it comes). */
static uint64_t valid_records(const uint8_t *raw, size_t len)
{
  uint64_t n = 0;
  const char *why;
  for (size_t pos = 0; pos < len && ospy_event_validate(raw + pos, len - pos, &why) == 0; n++)
    pos += ((const ospy_event_hdr *)(const void *)(raw + pos))->size;
  return n;
}

/* The last chunk, cut short at the end of the file (its writer died, or is
 * still writing it): its header checks, its payload does not all exist.
 * The whole records of what it has are read, each as any chunk's. 1
 * loaded, -1 corrupt (what it has does not decode). */
static int load_cut_chunk(ospy_capfile_reader *r, uint64_t at, const uint8_t h[OSPY_CHUNK_HDR],
                          char *err, size_t errcap)
{
  uint32_t clen = ospy_cap_get32(h + 8), rlen = ospy_cap_get32(h + 12);
  r->cut = (cut_chunk){ at, r->file_size - at, OSPY_CHUNK_HDR + (uint64_t)clen,
                        ospy_cap_get32(h + 16), 0 };
  r->off = r->file_size;
  size_t have = (size_t)(r->cut.have - OSPY_CHUNK_HDR);
  char what[320];
  if (grow(&r->comp, &r->comp_cap, have ? have : 1) < 0 ||
      grow(&r->raw, &r->raw_cap, rlen ? rlen : 1) < 0)
    return bad_chunk(r, at, r->off, "out of memory for the chunk", err, errcap);
  size_t len = 0;
  const char *why = ospy_cap_read_at(r->fd, r->comp, have, at + OSPY_CHUNK_HDR) < 0
                        ? "cannot read it"
                        : decode_cut_payload(r, have, rlen, ospy_cap_get32(h + 24), &len);
  r->cut.recovered = why ? 0 : valid_records(r->raw, len);
  if (!why && r->cut.recovered > r->cut.nrec)
    why = "more records than its header says";
  if (why) {
    r->cut.recovered = 0;
    snprintf(what, sizeof what, "cut at byte %llu of %llu, and what it has: %s",
             (unsigned long long)r->cut.have, (unsigned long long)r->cut.size, why);
    return bad_chunk(r, at, r->off, what, err, errcap);
  }
  r->raw_len = len;
  r->raw_pos = 0;
  r->repeats_wanted = r->lost_since;
  r->lost_since = 0;
  return 1;
}

/* Where reading goes on after the chunk at `at`, whose header checks but
 * whose payload does not: after it when a chunk (or the end) is there (bits
 * flipped in the payload), else at the next chunk header after its own
 * (bytes of the payload missing or added: its length would land inside the
 * next chunk and lose that one too). */
static uint64_t after_bad_payload(ospy_capfile_reader *r, uint64_t at, uint32_t clen)
{
  uint8_t h[OSPY_CHUNK_HDR];
  uint64_t end = at + OSPY_CHUNK_HDR + clen;
  if (end == r->file_size || chunk_header_at(r->fd, r->file_size, end, h))
    return end;
  return resync(r, at + 1);
}

/* Whether chunk number i was read. */
static int seq_seen(const ospy_capfile_reader *r, uint64_t i)
{
  size_t lo = 0, hi = r->nseen;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (i < r->seen[mid].lo)
      hi = mid;
    else if (i >= r->seen[mid].hi)
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

/* Chunk number i read (not seq_seen yet). -1: out of memory. */
static int seq_add(ospy_capfile_reader *r, uint64_t i)
{
  size_t k = r->nseen;
  while (k > 0 && r->seen[k - 1].lo > i) /* (usually: none, i is the last + 1) */
    k--;
  if (k > 0 && r->seen[k - 1].hi == i) {
    r->seen[k - 1].hi++;
    if (k < r->nseen && r->seen[k].lo == i + 1) { /* the gap it was is closed */
      r->seen[k - 1].hi = r->seen[k].hi;
      memmove(r->seen + k, r->seen + k + 1, (r->nseen - k - 1) * sizeof *r->seen);
      r->nseen--;
    }
    return 0;
  }
  if (k < r->nseen && r->seen[k].lo == i + 1) {
    r->seen[k].lo--;
    return 0;
  }
  if (r->nseen == r->seen_cap) {
    size_t cap = r->seen_cap ? 2 * r->seen_cap : 8;
    seq_range *p = realloc(r->seen, cap * sizeof *p);
    if (!p)
      return -1;
    r->seen = p;
    r->seen_cap = cap;
  }
  memmove(r->seen + k + 1, r->seen + k, (r->nseen - k) * sizeof *r->seen);
  r->seen[k] = (seq_range){ i, i + 1 };
  r->nseen++;
  return 0;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
  return n == 1 ? one : many;
}

/* " (R records, C calls)" of a loss, when the sequence says so (a chunk
 * whose counts run backwards gives none). */
static void loss_counts(const ospy_capfile_reader *r, const chunk_seq *s, char *out, size_t cap)
{
  out[0] = 0;
  if (s->recs_before >= r->seq_recs && s->calls_before >= r->seq_calls)
    snprintf(out, cap, ": %llu record%s, %llu call%s",
             (unsigned long long)(s->recs_before - r->seq_recs),
             plural(s->recs_before - r->seq_recs, "", "s"),
             (unsigned long long)(s->calls_before - r->seq_calls),
             plural(s->calls_before - r->seq_calls, "", "s"));
}

/* The chunk at `at` (nrec records, its place s), loaded, checked against
 * the chunks read before it: 0 in sequence (or no place to check); -1 said
 * in err (counted as damage): chunks missing before it (removed, or lost
 * to damage said before: then how much that cost), or it was missed
 * before (out of place), its records read either way; -2 said: a chunk
 * read before (a copy), to be skipped. */
static int seq_check(ospy_capfile_reader *r, uint64_t at, uint32_t nrec, const chunk_seq *s,
                     char *err, size_t errcap)
{
  if (!s->have)
    return 0;
  if (seq_seen(r, s->index)) {
    snprintf(err, errcap, "%s: the chunk at offset %llu repeats chunk %llu of the capture, "
             "read before it: its %u record%s skipped", r->path, (unsigned long long)at,
             (unsigned long long)s->index, nrec, plural(nrec, " is", "s are"));
    r->bad_chunks++;
    return -2;
  }
  int said = 0;
  char counts[96];
  if (s->index > r->seq_next) {
    uint64_t gone = s->index - r->seq_next;
    loss_counts(r, s, counts, sizeof counts);
    if (r->lost_since) /* (the damage was said: what it cost) */
      snprintf(err, errcap, "%s: the damage before offset %llu cost %llu chunk%s of the "
               "capture%s", r->path, (unsigned long long)at, (unsigned long long)gone,
               plural(gone, "", "s"), counts);
    else if (gone == 1)
      snprintf(err, errcap, "%s: a chunk is missing before offset %llu (chunk %llu of the "
               "capture)%s", r->path, (unsigned long long)at, (unsigned long long)r->seq_next,
               counts);
    else
      snprintf(err, errcap, "%s: %llu chunks are missing before offset %llu (chunks %llu to "
               "%llu of the capture)%s", r->path, (unsigned long long)gone,
               (unsigned long long)at, (unsigned long long)r->seq_next,
               (unsigned long long)s->index - 1, counts);
    r->repeats_wanted = 1; /* (what the lost chunks said, as after a corrupt one) */
    said = 1;
  } else if (s->index < r->seq_next) {
    snprintf(err, errcap, "%s: the chunk at offset %llu is chunk %llu of the capture, out of "
             "place (after chunk %llu): its records are read where it is", r->path,
             (unsigned long long)at, (unsigned long long)s->index,
             (unsigned long long)r->seq_next - 1);
    r->repeats_wanted = 1;
    said = 1;
  }
  if (seq_add(r, s->index) < 0) {
    snprintf(err, errcap, "%s: out of memory for the chunk sequence", r->path);
    said = 1;
  }
  if (s->index >= r->seq_next) {
    r->seq_next = s->index + 1;
    r->seq_recs = s->recs_before + nrec;
    r->seq_calls = s->calls_before + s->calls;
  }
  r->bad_chunks += (uint64_t)said;
  return said ? -1 : 0;
}

/* Loads the next chunk into raw. 1 loaded, 0 end of file, -1 corrupt. */
static int load_chunk(ospy_capfile_reader *r, char *err, size_t errcap)
{
  uint8_t h[OSPY_CHUNK_HDR];
  uint64_t at = r->off;
  if (at >= r->file_size || r->saw_end)
    return 0;
  if (at + OSPY_CHUNK_HDR > r->file_size) { /* cut in its header: nothing to read */
    r->cut = (cut_chunk){ at, r->file_size - at, OSPY_CHUNK_HDR, 0, 0 };
    r->off = r->file_size;
    return 0;
  }
  if (!chunk_header_at(r->fd, r->file_size, at, h))
    return bad_chunk(r, at, resync(r, at + 1), "bad chunk header", err, errcap);
  uint32_t clen = ospy_cap_get32(h + 8), rlen = ospy_cap_get32(h + 12);
  uint32_t flags = ospy_cap_get32(h + 24);
  if (rlen > OSPY_CHUNK_MAX_RAW || clen > ZSTD_compressBound(OSPY_CHUNK_MAX_RAW))
    return bad_chunk(r, at, resync(r, at + 1), "chunk sizes out of bounds", err, errcap);
  if (at + OSPY_CHUNK_HDR + clen > r->file_size) {
    uint64_t next = resync(r, at + 1);
    if (next >= r->file_size)
      return load_cut_chunk(r, at, h, err, errcap);
    return bad_chunk(r, at, next, "payload shorter than its header says (bytes missing)", err,
                     errcap);
  }
  r->off = at + OSPY_CHUNK_HDR + clen;
  if (grow(&r->comp, &r->comp_cap, clen ? clen : 1) < 0 || grow(&r->raw, &r->raw_cap, rlen ? rlen : 1) < 0)
    return bad_chunk(r, at, r->off, "out of memory for the chunk", err, errcap);
  if (ospy_cap_read_at(r->fd, r->comp, clen, at + OSPY_CHUNK_HDR) < 0 ||
      ospy_crc32c(0, r->comp, clen) != ospy_cap_get32(h + 20))
    return bad_chunk(r, at, after_bad_payload(r, at, clen), "payload checksum mismatch", err,
                     errcap);
  size_t data_len;
  chunk_seq seq;
  const char *why = split_payload(r->comp, clen, &data_len, &seq);
  if (!why)
    why = decode_payload(r, data_len, rlen, flags);
  if (why)
    return bad_chunk(r, at, after_bad_payload(r, at, clen), why, err, errcap);
  r->raw_len = rlen;
  r->raw_pos = 0;
  r->repeats_wanted = r->lost_since;
  int rc = seq_check(r, at, ospy_cap_get32(h + 16), &seq, err, errcap);
  if (rc == -2) { /* a copy of a chunk read before: as if it were not there */
    r->raw_len = 0;
    return -1;
  }
  if (flags & OSPY_CHUNK_F_END)
    r->saw_end = 1;
  r->lost_since = 0;
  return rc < 0 ? -1 : 1;
}

int ospy_capfile_next(ospy_capfile_reader *r, const ospy_event_hdr **rec, char *err, size_t errcap)
{
  const ospy_event_hdr *h;
  do {
    while (r->raw_pos >= r->raw_len) {
      int rc = load_chunk(r, err, errcap);
      if (rc <= 0)
        return rc;
    }
    const uint8_t *p = r->raw + r->raw_pos;
    const char *why;
    if (ospy_event_validate(p, r->raw_len - r->raw_pos, &why) < 0) {
      snprintf(err, errcap, "%s: invalid record in the chunk before offset %llu: %s", r->path,
               (unsigned long long)r->off, why);
      r->raw_pos = r->raw_len;
      r->bad_chunks++;
      r->lost_since = 1;
      return -1;
    }
    h = (const ospy_event_hdr *)p;
    r->raw_pos += h->size;
    /* a repeat of what the chunks before said: news only when one was lost */
  } while ((h->flags & OSPY_EVENT_F_REPEATED) && !r->repeats_wanted);
  *rec = h;
  if (r->plan)
    ospy_hook_name_apply(r->plan, *rec);
  return 1;
}

void ospy_capfile_set_plan(ospy_capfile_reader *r, ospy_plan *plan)
{
  r->plan = plan;
}

void ospy_hook_name_apply(ospy_plan *plan, const ospy_event_hdr *rec)
{
  if (!plan || rec->type != OSPY_EV_HOOK_NAME)
    return;
  const ospy_event_hook_name *n = (const ospy_event_hook_name *)rec;
  (void)ospy_plan_set_display(plan, n->hook, (const char *)(n + 1), n->name_len);
}

int ospy_capfile_truncated(const ospy_capfile_reader *r, char *msg, size_t cap)
{
  if (r->saw_end)
    return 0;
  const cut_chunk *c = &r->cut;
  if (c->at && c->have < OSPY_CHUNK_HDR)
    snprintf(msg, cap, "%s: capture cut short: the last chunk, at offset %llu, is cut in its "
             "header (%llu of its %u bytes)", r->path, (unsigned long long)c->at,
             (unsigned long long)c->have, OSPY_CHUNK_HDR);
  else if (c->at)
    snprintf(msg, cap, "%s: capture cut short: the last chunk, at offset %llu, is cut at byte "
             "%llu of %llu: %llu of its %u records recovered from it", r->path,
             (unsigned long long)c->at, (unsigned long long)c->have, (unsigned long long)c->size,
             (unsigned long long)c->recovered, c->nrec);
  else
    snprintf(msg, cap, "%s: capture cut short: no end marker (the capture did not finish)", r->path);
  return 1;
}

void ospy_capfile_close_reader(ospy_capfile_reader *r)
{
  if (!r)
    return;
  if (r->fd >= 0)
    close(r->fd);
  ZSTD_freeDCtx(r->dctx);
  free(r->comp);
  free(r->raw);
  free(r->packed);
  free(r->seen);
  free(r->header.bytes);
  free(r->path);
  free(r);
}
