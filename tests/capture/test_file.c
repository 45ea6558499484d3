/* Capture files: round trip, truncation at every chunk boundary and inside
 * chunks (the whole records of a last chunk cut short read back), bit flips
 * (reported with an offset, other chunks still read; in the header, found
 * by its checksum and mended), whole chunks removed, copied or moved (said
 * with what is missing; a copy's records read once). */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "capture/event.h"
#include "capture/file.h"
#include "capture/file_format.h"
#include "capture/format.h"
#include "capture/reader.h"
#include "capture/reader_internal.h"
#include "check.h"

#define NREC 5000

static char path[200], cut[256];
static char last_err[512]; /* read_all's last error */

static void write_capture(void)
{
  char err[512];
  ospy_capfile_meta m = { "9.9", "host x86_64", 42, "prog\0arg", 9, "PLAN", 4, "spawn" };
  ospy_capfile_writer *w = ospy_capfile_create(path, &m, err, sizeof err);
  CHECK(w);
  ospy_capfile_set_chunk_size(w, 4096); /* many chunks */
  for (uint32_t i = 0; i < NREC; i++) {
    ospy_event_lost e = { { sizeof e, OSPY_EV_LOST, 0, 7, 7, i }, i * 3u };
    CHECK(ospy_capfile_append(w, &e, sizeof e, err, sizeof err) == 0);
  }
  CHECK(ospy_capfile_close(w, err, sizeof err) == 0);
}

/* Reads a file; returns records seen, counts errors; checks record contents. */
static long read_all(const char *p, long *errors, int *truncated)
{
  char err[512];
  ospy_capfile_reader *r = ospy_capfile_open(p, err, sizeof err);
  if (!r)
    return -1;
  const ospy_event_hdr *h;
  long n = 0;
  int rc;
  *errors = 0;
  while ((rc = ospy_capfile_next(r, &h, err, sizeof err)) != 0) {
    if (rc < 0) {
      CHECK(strstr(err, "offset") != NULL);
      snprintf(last_err, sizeof last_err, "%s", err);
      (*errors)++;
      continue;
    }
    const ospy_event_lost *e = (const void *)h;
    CHECK(h->type == OSPY_EV_LOST && e->count == h->ts * 3);
    n++;
  }
  *truncated = ospy_capfile_truncated(r, err, sizeof err);
  ospy_capfile_close_reader(r);
  return n;
}

static off_t file_size(const char *p)
{
  int fd = open(p, O_RDONLY);
  off_t n = lseek(fd, 0, SEEK_END);
  close(fd);
  return n;
}

static void copy_prefix(off_t n, long flip_at, uint8_t mask)
{
  int in = open(path, O_RDONLY), out = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  static char buf[1 << 20];
  ssize_t k = read(in, buf, sizeof buf);
  CHECK(k > 0 && n <= k);
  if (flip_at >= 0)
    buf[flip_at] ^= (char)mask;
  CHECK(write(out, buf, (size_t)n) == n);
  close(in);
  close(out);
}

/* The file's first n bytes cannot be opened: the error names the cut. */
static void expect_cut_header(off_t n, const char *want)
{
  char err[512];
  copy_prefix(n, -1, 0);
  ospy_capfile_reader *r = ospy_capfile_open(cut, err, sizeof err);
  if (n == 0 || n == 7 || n == 8 || n == 15 || n == 16)
    printf("%lld bytes: %s\n", (long long)n, r ? "opened" : err);
  CHECK(!r && strstr(err, want) && !strstr(err, "bad magic"));
  if (r)
    ospy_capfile_close_reader(r);
}

static void check_header_cut(void)
{
  uint8_t fixed[16];
  int fd = open(path, O_RDONLY);
  CHECK(read(fd, fixed, sizeof fixed) == (ssize_t)sizeof fixed);
  close(fd);
  off_t header = 16 + (fixed[12] | fixed[13] << 8 | fixed[14] << 16 | (off_t)fixed[15] << 24) + 4;
  char want[128];
  for (off_t n = 0; n < 8; n++)
    expect_cut_header(n, "not an ospy capture");
  for (off_t n = 8; n < 16; n++) {
    snprintf(want, sizeof want, "cut short in its header: %lld bytes", (long long)n);
    expect_cut_header(n, want);
  }
  for (off_t n = 16; n < header; n++) {
    snprintf(want, sizeof want, "cut short in its header: %lld bytes of %lld", (long long)n,
             (long long)header);
    expect_cut_header(n, want);
  }
}

/* A capture written by a version-1 writer (unpacked chunks) still reads:
 * the demo's 14 calls, no error, cleanly ended. */
static void read_version1(const char *v1)
{
  char err[512];
  ospy_capfile_reader *r = ospy_capfile_open(v1, err, sizeof err);
  CHECK(r);
  const ospy_event_hdr *h;
  int rc, calls = 0;
  while ((rc = ospy_capfile_next(r, &h, err, sizeof err)) != 0) {
    CHECK(rc > 0);
    calls += h->type == OSPY_EV_CALL;
  }
  printf("%s: %d calls\n", v1, calls);
  CHECK(calls == 14 && !ospy_capfile_truncated(r, err, sizeof err));
  ospy_capfile_close_reader(r);
}

/* A Lost record's line: "1 event", "2 events". */
static void check_lost_line(uint64_t count, const char *want)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  ospy_event_lost e = { { sizeof e, OSPY_EV_LOST, 0, 7, 8, 0 }, count };
  ospy_format_opts o = { 0 };
  ospy_format_event(f, &e.h, NULL, &o);
  fclose(f);
  CHECK(text && strstr(text, want) != NULL);
  free(text);
}

/* The writer packs a chunk's records in its own thread, walking them by
 * their size words: a record whose size word is not its length is refused
 * when appended (it made an unreadable chunk), and what came before is kept. */
static void check_size_word_refused(void)
{
  char err[512];
  ospy_capfile_meta m = { "9.9", "host x86_64", 42, "prog", 4, "PLAN", 4, "spawn" };
  ospy_capfile_writer *w = ospy_capfile_create(path, &m, err, sizeof err);
  CHECK(w);
  ospy_event_lost e = { { sizeof e, OSPY_EV_LOST, 0, 7, 7, 1 }, 3 };
  CHECK(ospy_capfile_append(w, &e, sizeof e, err, sizeof err) == 0);
  ospy_event_lost bad = { { sizeof bad + 8, OSPY_EV_LOST, 0, 7, 7, 2 }, 6 };
  err[0] = 0;
  CHECK(ospy_capfile_append(w, &bad, sizeof bad, err, sizeof err) == -1);
  printf("append(size word %zu, length %zu) = -1 (%s)\n", sizeof bad + 8, sizeof bad, err);
  CHECK(strstr(err, "size word") != NULL);
  CHECK(ospy_capfile_close(w, err, sizeof err) == 0);
  long errors;
  int trunc;
  CHECK(read_all(path, &errors, &trunc) == 1 && errors == 0 && !trunc);
  printf("read back: 1 record, no error\n");
  unlink(path);
}

/* Each bit of the header flipped: the capture still opens, the damage is
 * named at the bit's offset and mended, every record is read (a flipped
 * bit there made the whole capture unreadable: "header checksum mismatch",
 * "bad magic", "unsupported capture version"). */
static void check_header_flips(off_t size)
{
  char err[512], want[64];
  ospy_capfile_reader *r = ospy_capfile_open(path, err, sizeof err);
  uint64_t header, all;
  ospy_capfile_position(r, &header, &all);
  ospy_capfile_close_reader(r);
  for (uint64_t bit = 0; bit < header * 8; bit++) {
    copy_prefix(size, (long)(bit / 8), (uint8_t)(1u << (bit % 8)));
    r = ospy_capfile_open(cut, err, sizeof err);
    CHECK(r);
    const char *damage = ospy_capfile_header_damage(r);
    snprintf(want, sizeof want, "one bit flipped at offset %llu (in ",
             (unsigned long long)(bit / 8));
    if (bit % 100 == 3)
      printf("bit %llu: %s\n", (unsigned long long)bit, damage);
    CHECK(damage && strstr(damage, want) && strstr(damage, "; mended"));
    const ospy_capfile_info *info = ospy_capfile_info_get(r);
    CHECK(!strcmp(info->version, "9.9") && info->start_ns == 42 && info->plan_len == 4);
    CHECK(info->cmdline_len == 9 && !memcmp(info->cmdline, "prog\0arg", 9));
    ospy_capfile_close_reader(r);
    long errors;
    int trunc;
    CHECK(read_all(cut, &errors, &trunc) == NREC && errors == 0 && !trunc);
  }
  printf("each of the header's %llu bits flipped: named at its offset, mended, %d records read\n",
         (unsigned long long)header * 8, NREC);
}

/* A file whose magic is more than 4 bits off, or another kind of file, is
 * no capture (it is not searched for chunks). */
static void check_not_a_capture(off_t size)
{
  char err[512];
  copy_prefix(size, 0, 0x1f); /* five bits of the magic */
  ospy_capfile_reader *r = ospy_capfile_open(cut, err, sizeof err);
  printf("five bits of the magic flipped: %s\n", r ? "opened" : err);
  CHECK(!r && strstr(err, "not an ospy capture (bad magic at offset 0)"));
  FILE *f = fopen(cut, "w");
  CHECK(f && fputs("not a capture, but long enough to hold a header", f) >= 0 && !fclose(f));
  r = ospy_capfile_open(cut, err, sizeof err);
  CHECK(!r && strstr(err, "not an ospy capture"));
}

/* TEXT letters that follow no pattern zstd finds (the same from the same
 * seed). */
static void fill_noise(uint64_t *seed, char *text, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    *seed ^= *seed << 13, *seed ^= *seed >> 7, *seed ^= *seed << 17;
    text[k] = (char)('a' + *seed % 26);
  }
}

/* One chunk of records zstd cannot shrink much (spanning several zstd
 * blocks), cut at every 1/16 of its length: the records of the blocks
 * before the cut are read back as written, in order, more the longer the
 * cut, and the cut is said with what it gave (the whole chunk was
 * dropped). */
static void check_cut_chunk(void)
{
  enum { N = 600, TEXT = 1000 };
  char err[512];
  ospy_capfile_meta m = { "9.9", "host x86_64", 42, "prog", 4, "PLAN", 4, "spawn" };
  ospy_capfile_writer *w = ospy_capfile_create(path, &m, err, sizeof err);
  CHECK(w);
  uint64_t seed = 7;
  struct {
    ospy_event_message m;
    char text[TEXT];
  } e;
  for (uint32_t i = 0; i < N; i++) {
    e.m = (ospy_event_message){ { sizeof e, OSPY_EV_INFO, 0, 7, 7, i }, UINT32_MAX, TEXT };
    fill_noise(&seed, e.text, TEXT);
    CHECK(ospy_capfile_append(w, &e, sizeof e, err, sizeof err) == 0);
  }
  CHECK(ospy_capfile_close(w, err, sizeof err) == 0); /* one chunk, then the end marker's */
  /* (the end marker's chunk: a header and the chunk's place, no records) */
  off_t size = file_size(path), chunk = size - 32 - OSPY_CHUNK_SEQ_LEN, header = 0;
  ospy_capfile_reader *r = ospy_capfile_open(path, err, sizeof err);
  uint64_t at, all;
  ospy_capfile_position(r, &at, &all);
  ospy_capfile_close_reader(r);
  header = (off_t)at;
  long prev = 0;
  for (int part = 1; part <= 16; part++) {
    off_t n = header + (chunk - header) * part / 16 - (part == 16);
    copy_prefix(n, -1, 0);
    r = ospy_capfile_open(cut, err, sizeof err);
    CHECK(r);
    const ospy_event_hdr *h;
    long got = 0;
    int rc;
    seed = 7;
    while ((rc = ospy_capfile_next(r, &h, err, sizeof err)) > 0) {
      const ospy_event_message *msg = (const void *)h;
      fill_noise(&seed, e.text, TEXT);
      CHECK(h->type == OSPY_EV_INFO && h->ts == (uint64_t)got && msg->text_len == TEXT &&
            !memcmp(msg + 1, e.text, TEXT));
      got++;
    }
    CHECK(rc == 0 && got >= prev && ospy_capfile_truncated(r, err, sizeof err));
    char want[160];
    snprintf(want, sizeof want,
             "is cut at byte %lld of %lld: %ld of its %d records recovered from it",
             (long long)(n - header), (long long)(chunk - header), got, N);
    if (part % 4 == 0 || part == 1)
      printf("%d/16 of the chunk: %s\n", part, strstr(err, "capture cut short"));
    CHECK(strstr(err, want) != NULL);
    ospy_capfile_close_reader(r);
    prev = got;
  }
  CHECK(prev > N / 2);
}

/* The file with bytes [at, at+del) left out and ins bytes of 0x5a put in
 * their place, as cut. */
static void copy_spliced(off_t at, off_t del, off_t ins)
{
  int in = open(path, O_RDONLY), out = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  static char buf[1 << 20], junk[512];
  ssize_t k = read(in, buf, sizeof buf);
  CHECK(k > at + del && ins <= (off_t)sizeof junk);
  memset(junk, 0x5a, sizeof junk);
  CHECK(write(out, buf, (size_t)at) == at && write(out, junk, (size_t)ins) == ins);
  CHECK(write(out, buf + at + del, (size_t)(k - at - del)) == k - at - del);
  close(in);
  close(out);
}

/* Bytes missing from (or added to) a chunk's payload lose that chunk only,
 * as a flipped bit there does: its length no longer leads to the next
 * chunk, which was lost too (read from a place no chunk starts); the chunk
 * before the last (the END chunk), shortened, was taken for a cut tail and
 * the END chunk lost. The chunk after it says what the loss cost. */
static void check_payload_length_damage(off_t size)
{
  int fd = open(path, O_RDONLY);
  uint64_t first = ospy_cap_find_chunk(fd, (uint64_t)size, 0), at = first, last = first;
  uint64_t chunks[64];
  unsigned n = 0;
  while (at < (uint64_t)size && n < 64) {
    chunks[n++] = last = at;
    at = ospy_cap_find_chunk(fd, (uint64_t)size, at + 1);
  }
  close(fd);
  CHECK(n >= 4);
  long errors, got_flip, got;
  int trunc;
  unsigned picks[] = { 1, n / 2, n - 2 }; /* n - 2: the chunk before the END chunk */
  for (unsigned i = 0; i < 3; i++) {
    uint64_t c = chunks[picks[i]], mid = c + (chunks[picks[i] + 1] - c) / 2;
    copy_prefix(size, (long)mid, 0x10);
    got_flip = read_all(cut, &errors, &trunc);
    char at_next[64], cost[160];
    snprintf(at_next, sizeof at_next, "the damage before offset %llu ",
             (unsigned long long)chunks[picks[i] + 1]);
    snprintf(cost, sizeof cost, " cost 1 chunk of the capture: %ld records, 0 calls",
             NREC - got_flip);
    CHECK(errors == 2 && got_flip < NREC && strstr(last_err, at_next) && strstr(last_err, cost));
    off_t room = (off_t)(chunks[picks[i] + 1] - mid) / 2; /* (within its payload) */
    CHECK(room >= 8);
    off_t shapes[][2] = { { room, 0 }, { 0, 100 }, { room, room / 2 }, { 1, 0 } };
    for (unsigned j = 0; j < 4; j++) {
      copy_spliced((off_t)mid, shapes[j][0], shapes[j][1]);
      got = read_all(cut, &errors, &trunc);
      CHECK(errors == 2 && got == got_flip && !trunc && strstr(last_err, cost));
    }
    printf("chunk %u of %u, bytes cut from or put into its payload: %ld of %d records read "
           "(as with one bit flipped there), then: %s\n", picks[i], n, got_flip, NREC,
           strstr(last_err, "the damage"));
  }
  (void)last;
}


/* ---- whole chunks removed, copied, moved ---- */

#define NSEQ 2000
#define MAX_SEQ_CHUNKS 256

/* The capture at path: NSEQ records, every 4th a call (seq = ts = i), the
 * others Lost records (count = 3 i), in chunks of ~1 KiB; each chunk but
 * the first starts with a Lost record flagged REPEATED (ts 1000000 + its
 * number), as the controller repeats what later chunks need. */
static void write_seq_capture(void)
{
  char err[512];
  ospy_capfile_meta m = { "9.9", "host x86_64", 42, "prog", 4, "PLAN", 4, "spawn" };
  ospy_capfile_writer *w = ospy_capfile_create(path, &m, err, sizeof err);
  CHECK(w);
  ospy_capfile_set_chunk_size(w, 1024);
  uint64_t chunk = 0;
  for (uint32_t i = 0; i < NSEQ; i++) {
    if (i && ospy_capfile_chunk_empty(w)) {
      ospy_event_lost rep = { { sizeof rep, OSPY_EV_LOST, OSPY_EVENT_F_REPEATED, 7, 7,
                                1000000 + ++chunk }, 0 };
      CHECK(ospy_capfile_append(w, &rep, sizeof rep, err, sizeof err) == 0);
    }
    if (i % 4 == 0) {
      ospy_event_call c = { .h = { sizeof c, OSPY_EV_CALL, 0, 7, 7, i }, .seq = i,
                            .arch_bits = 64 };
      CHECK(ospy_capfile_append(w, &c, sizeof c, err, sizeof err) == 0);
    } else {
      ospy_event_lost e = { { sizeof e, OSPY_EV_LOST, 0, 7, 7, i }, i * 3u };
      CHECK(ospy_capfile_append(w, &e, sizeof e, err, sizeof err) == 0);
    }
  }
  CHECK(ospy_capfile_close(w, err, sizeof err) == 0);
}

/* What a read of a capture of write_seq_capture gave. */
typedef struct seq_read {
  long n;                 /* records (not REPEATED), their ts in ts[] */
  uint64_t ts[NSEQ + MAX_SEQ_CHUNKS];
  long repeats;           /* REPEATED records returned (after a loss) */
  uint64_t repeat_ts[MAX_SEQ_CHUNKS];
  int nerr, truncated;
  char errs[4][512];
} seq_read;

static void read_seq(const char *p, seq_read *o)
{
  char err[512];
  memset(o, 0, sizeof *o);
  ospy_capfile_reader *r = ospy_capfile_open(p, err, sizeof err);
  CHECK(r);
  const ospy_event_hdr *h;
  int rc;
  while ((rc = ospy_capfile_next(r, &h, err, sizeof err)) != 0) {
    if (rc < 0) {
      CHECK(o->nerr < 4);
      snprintf(o->errs[o->nerr++], sizeof o->errs[0], "%s", err);
      continue;
    }
    if (h->flags & OSPY_EVENT_F_REPEATED) {
      CHECK(o->repeats < MAX_SEQ_CHUNKS);
      o->repeat_ts[o->repeats++] = h->ts;
      continue;
    }
    if (h->type == OSPY_EV_CALL)
      CHECK(h->ts % 4 == 0 && ((const ospy_event_call *)h)->seq == h->ts);
    else
      CHECK(h->type == OSPY_EV_LOST && ((const ospy_event_lost *)h)->count == h->ts * 3);
    CHECK(o->n < NSEQ + MAX_SEQ_CHUNKS);
    o->ts[o->n++] = h->ts;
  }
  o->truncated = ospy_capfile_truncated(r, err, sizeof err);
  ospy_capfile_close_reader(r);
}

static uint8_t seq_file[1 << 20];
static size_t seq_size, seq_header;
static uint64_t seq_at[MAX_SEQ_CHUNKS], seq_len[MAX_SEQ_CHUNKS];
static uint32_t seq_nrec[MAX_SEQ_CHUNKS];
static unsigned seq_chunks;

/* The capture at path, in memory, and where its chunks are. */
static void map_seq_capture(void)
{
  int fd = open(path, O_RDONLY);
  ssize_t k = read(fd, seq_file, sizeof seq_file);
  close(fd);
  CHECK(k > 0 && (size_t)k < sizeof seq_file);
  seq_size = (size_t)k;
  seq_header = 16 + ospy_cap_get32(seq_file + 12) + 4;
  seq_chunks = 0;
  for (size_t at = seq_header; at + 32 <= seq_size; seq_chunks++) {
    CHECK(seq_chunks < MAX_SEQ_CHUNKS);
    seq_at[seq_chunks] = at;
    seq_len[seq_chunks] = 32 + ospy_cap_get32(seq_file + at + 8);
    seq_nrec[seq_chunks] = ospy_cap_get32(seq_file + at + 16);
    at += seq_len[seq_chunks];
  }
}

/* cut: the header, then the chunks order[0..n) (chunk numbers). */
static void compose(const unsigned *order, unsigned n)
{
  int out = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(out >= 0 && write(out, seq_file, seq_header) == (ssize_t)seq_header);
  for (unsigned i = 0; i < n; i++)
    CHECK(write(out, seq_file + seq_at[order[i]], seq_len[order[i]]) ==
          (ssize_t)seq_len[order[i]]);
  close(out);
}

/* The chunks but those in [from, to). */
static unsigned all_but(unsigned *order, unsigned from, unsigned to)
{
  unsigned n = 0;
  for (unsigned i = 0; i < seq_chunks; i++)
    if (i < from || i >= to)
      order[n++] = i;
  return n;
}

/* Records (not REPEATED) and calls of chunks [from, to) of the intact read. */
static void seq_counts(const seq_read *intact, const long *first, unsigned from, unsigned to,
                       long *recs, long *calls)
{
  *recs = *calls = 0;
  for (long i = first[from]; i < first[to]; i++) {
    (*recs)++;
    *calls += intact->ts[i] % 4 == 0;
  }
}

/* A read that lost chunks [from, to): the other records, in order, each once. */
static void expect_without(const seq_read *o, const seq_read *intact, const long *first,
                           unsigned from, unsigned to)
{
  long k = 0;
  for (long i = 0; i < intact->n; i++)
    if (i < first[from] || i >= first[to]) {
      CHECK(k < o->n && o->ts[k] == intact->ts[i]);
      k++;
    }
  CHECK(k == o->n);
}

/* Whole chunks removed, copied or moved (a file put together by hand, a
 * copy gone wrong): each chunk says its place in the capture, so the reader
 * says what is missing (chunks, records, calls) and where, reads a copied
 * chunk once, and reads what follows a gap as what follows a corrupt chunk
 * (the repeated records then count). Before, nothing was said: a chunk
 * removed was read as if it had never been, a copied one twice. */
static void check_chunk_sequence(void)
{
  static seq_read intact, o;
  static long first[MAX_SEQ_CHUNKS + 1]; /* index in intact.ts of each chunk's first record */
  write_seq_capture();
  map_seq_capture();
  read_seq(path, &intact);
  CHECK(intact.n == NSEQ && intact.nerr == 0 && !intact.truncated && intact.repeats == 0);
  CHECK(seq_chunks > 40);
  for (unsigned c = 0, i = 0; c <= seq_chunks; c++) {
    first[c] = i;
    if (c < seq_chunks)
      i += seq_nrec[c] - (c > 0 && seq_nrec[c] > 0); /* (its REPEATED record) */
  }
  CHECK(first[seq_chunks] == NSEQ);
  printf("a capture of %d records in %u chunks (the last its end marker)\n", NSEQ, seq_chunks);
  unsigned order[MAX_SEQ_CHUNKS + 2], n;
  long recs, calls;
  char want[256];

  /* one chunk removed, then three, then the first, then the one before the end marker */
  unsigned gaps[][2] = { { 5, 6 }, { 10, 13 }, { 0, 1 }, { seq_chunks - 2, seq_chunks - 1 } };
  for (unsigned g = 0; g < 4; g++) {
    unsigned from = gaps[g][0], to = gaps[g][1];
    n = all_but(order, from, to);
    compose(order, n);
    read_seq(cut, &o);
    seq_counts(&intact, first, from, to, &recs, &calls);
    recs += from > 0; /* (the chunk's REPEATED record: the file held it) */
    if (to - from == 1)
      snprintf(want, sizeof want, "a chunk is missing before offset %llu (chunk %u of the "
               "capture): %ld records, %ld calls", (unsigned long long)seq_at[from], from, recs,
               calls);
    else
      snprintf(want, sizeof want, "%u chunks are missing before offset %llu (chunks %u to %u "
               "of the capture): ", to - from, (unsigned long long)seq_at[from], from, to - 1);
    printf("chunks %u to %u removed: %ld records read, %d said: %s\n", from, to - 1, o.n, o.nerr,
           o.nerr ? o.errs[0] : "");
    CHECK(o.nerr == 1 && strstr(o.errs[0], want) && !o.truncated);
    expect_without(&o, &intact, first, from, to);
    /* the chunk after the gap: its repeated record is read (what the lost
     * chunks said, as after a corrupt chunk; the end marker's has none) */
    if (to < seq_chunks - 1)
      CHECK(o.repeats == 1 && o.repeat_ts[0] == 1000000 + to);
    else
      CHECK(o.repeats == 0);
  }

  /* a chunk copied: right after itself, and further on: read once */
  unsigned copies[][2] = { { 7, 8 }, { 3, 20 } }; /* chunk, put before this one */
  for (unsigned c = 0; c < 2; c++) {
    n = 0;
    for (unsigned i = 0; i < seq_chunks; i++) {
      if (i == copies[c][1])
        order[n++] = copies[c][0];
      order[n++] = i;
    }
    compose(order, n);
    read_seq(cut, &o);
    uint64_t at = seq_at[copies[c][1]]; /* (where the chunk it was put before was) */
    snprintf(want, sizeof want, "the chunk at offset %llu repeats chunk %u of the capture, read "
             "before it: its %u records are skipped", (unsigned long long)at, copies[c][0],
             seq_nrec[copies[c][0]]);
    printf("chunk %u copied before chunk %u: %ld records read, %d said: %s\n", copies[c][0],
           copies[c][1], o.n, o.nerr, o.nerr ? o.errs[0] : "");
    CHECK(o.nerr == 1 && strstr(o.errs[0], want) && !o.truncated && o.repeats == 0);
    expect_without(&o, &intact, first, 0, 0);
  }

  /* two chunks swapped: the first said missing, then out of place; every
   * record read once */
  n = 0;
  for (unsigned i = 0; i < seq_chunks; i++)
    order[n++] = i == 30 ? 31 : i == 31 ? 30 : i;
  compose(order, n);
  read_seq(cut, &o);
  printf("chunks 30 and 31 swapped: %ld records read, %d said: %s / %s\n", o.n, o.nerr,
         o.errs[0], o.errs[1]);
  snprintf(want, sizeof want, "the chunk at offset %llu is chunk 30 of the capture, out of "
           "place (after chunk 31): its records are read where it is",
           (unsigned long long)(seq_at[30] + seq_len[31]));
  CHECK(o.nerr == 2 && strstr(o.errs[0], "a chunk is missing before") && strstr(o.errs[1], want));
  CHECK(o.n == NSEQ && !o.truncated);
  for (long i = 0; i < NSEQ; i++) { /* chunk 31's records, then chunk 30's */
    long j = i < first[30] || i >= first[32] ? i
             : i < first[30] + (first[32] - first[31]) ? i - first[30] + first[31]
                                                        : i - (first[32] - first[31]);
    CHECK(o.ts[i] == intact.ts[j]);
  }
}

/* One chunk of small call records (8 bytes each once packed: zstd blocks of
 * 128 KiB took all of it, and a cut anywhere in it gave back nothing), cut
 * at every 1/8 of its length: the writer ends a zstd block every 16 KiB of
 * packed records, so the records of the blocks before the cut are read. */
static void check_cut_calls(void)
{
  enum { N = 12000 };
  char err[512];
  ospy_capfile_meta m = { "9.9", "host x86_64", 42, "prog", 4, "PLAN", 4, "spawn" };
  ospy_capfile_writer *w = ospy_capfile_create(path, &m, err, sizeof err);
  CHECK(w);
  for (uint32_t i = 0; i < N; i++) {
    ospy_event_call c = { .h = { sizeof c, OSPY_EV_CALL, 0, 7, 7 + i % 3, 1000 * (uint64_t)i },
                          .seq = i, .ts_leave = 1000 * (uint64_t)i + 40 + i % 7,
                          .ret_addr = 0x401000, .retval = i % 5, .arch_bits = 64 };
    CHECK(ospy_capfile_append(w, &c, sizeof c, err, sizeof err) == 0);
  }
  CHECK(ospy_capfile_close(w, err, sizeof err) == 0);
  map_seq_capture();
  CHECK(seq_chunks == 2 && seq_nrec[0] == N); /* the calls, the end marker */
  long got[8] = { 0 };
  for (int part = 1; part < 8; part++) {
    copy_prefix((off_t)(seq_at[0] + seq_len[0] * (uint64_t)part / 8), -1, 0);
    ospy_capfile_reader *r = ospy_capfile_open(cut, err, sizeof err);
    CHECK(r);
    const ospy_event_hdr *h;
    int rc;
    while ((rc = ospy_capfile_next(r, &h, err, sizeof err)) > 0)
      CHECK(h->type == OSPY_EV_CALL && ((const ospy_event_call *)h)->seq == (uint64_t)got[part]++);
    CHECK(rc == 0 && ospy_capfile_truncated(r, err, sizeof err) && got[part] >= got[part - 1]);
    ospy_capfile_close_reader(r);
  }
  printf("a chunk of %d calls (%llu bytes) cut at 1/8 .. 7/8 of it: %ld %ld %ld %ld %ld %ld %ld "
         "records recovered\n", N, (unsigned long long)seq_len[0], got[1], got[2], got[3], got[4],
         got[5], got[6], got[7]);
  CHECK(got[4] >= N / 4 && got[7] >= N * 5 / 8);
}

int main(int argc, char **argv)
{
  check_lost_line(1, "--- lost 1 event of thread 8 (");
  check_lost_line(2, "--- lost 2 events of thread 8 (");
  if (argc > 1)
    read_version1(argv[1]);
  snprintf(path, sizeof path, "/tmp/ospy-test-file-%d.ospy", (int)getpid());
  snprintf(cut, sizeof cut, "%s.cut", path);
  check_size_word_refused();
  write_capture();
  long errors;
  int trunc;
  CHECK(read_all(path, &errors, &trunc) == NREC && errors == 0 && !trunc);

  char err[512];
  ospy_capfile_reader *r = ospy_capfile_open(path, err, sizeof err);
  const ospy_capfile_info *info = ospy_capfile_info_get(r);
  CHECK(!strcmp(info->version, "9.9") && info->start_ns == 42 && info->plan_len == 4);
  CHECK(info->cmdline_len == 9 && !memcmp(info->cmdline, "prog\0arg", 9) && !strcmp(info->mode, "spawn"));
  ospy_capfile_close_reader(r);

  /* truncation anywhere: never an error, records only grow with the length */
  off_t size = file_size(path);
  long prev = -1;
  for (off_t n = 0; n <= size; n += 97) {
    copy_prefix(n, -1, 0);
    long got = read_all(cut, &errors, &trunc);
    if (got < 0)
      continue; /* the header itself is cut: a clear open error */
    CHECK(errors == 0 && got >= prev && got <= NREC);
    CHECK(trunc);
    prev = got;
  }
  CHECK(prev > NREC / 2);

  /* cut inside its header: said to be cut short, with what it has and
   * needs (8 to 15 bytes, the magic intact, said "bad magic"); shorter
   * than the magic: not a capture */
  check_header_cut();

  /* a flipped bit in the middle: one chunk reported, the rest intact */
  for (long at = size / 3; at < size / 3 + 200; at += 13) {
    copy_prefix(size, at, 0x10);
    long got = read_all(cut, &errors, &trunc);
    CHECK(got >= 0 && errors >= 1 && got < NREC && got > NREC / 2);
  }
  check_header_flips(size);
  check_not_a_capture(size);
  check_payload_length_damage(size);
  check_cut_chunk(); /* (writes another capture at path) */
  check_chunk_sequence(); /* (another again) */
  check_cut_calls();
  unlink(path);
  unlink(cut);
  printf("file tests passed\n");
  return 0;
}
