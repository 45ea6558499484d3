/* The .osd's bzip2 stream, its blocks compressed on worker threads
 * (src/export/bz2_parallel.h): byte for byte libbz2's own stream for the
 * same bytes at level 9, fed as the bzip2 tool feeds it (BZ_RUN, then
 * BZ_FINISH with no input left), with 0, 1, 2 and 4 workers, with workers
 * that cannot be started, whatever the pieces the bytes come in.
 *
 * usage: test-bz2 OUT_DIR
 * Writes OUT_DIR/NAME.in and OUT_DIR/NAME.bz2 for each input (check_bz2.sh
 * compares them with `bzip2 -9 -c`) and OUT_DIR/big.osd, an .osd of several
 * blocks written through the export writer. */
#include <bzlib.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export/bz2_parallel.h"
#include "export/export.h"
#include "export/sink.h"
#include "golden_events.h"

static int failures;

#define CHECK(cond, ...)                                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                           \
      fputc('\n', stderr);                                                    \
      failures++;                                                             \
    }                                                                         \
  } while (0)

typedef struct {
  uint8_t *p;
  size_t len, cap;
} buf;

static void buf_put(buf *b, const void *p, size_t n)
{
  if (n == 0)
    return; /* (p and b->p may be NULL) */
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap - b->len < n)
      cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) {
      perror("realloc");
      exit(2);
    }
    b->cap = cap;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

static void buf_write(void *user, const void *p, size_t n)
{
  buf_put(user, p, n);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

/* n bytes, no two neighbours equal: each byte ends a run of 1, so the block
 * holds 899 981 of them at level 9 */
static void gen_no_runs(buf *b, size_t n)
{
  int prev = -1;
  for (size_t i = 0; i < n; i++) {
    int c;
    do
      c = (int)(next_rand() & 0xff);
    while (c == prev);
    uint8_t x = (uint8_t)c;
    buf_put(b, &x, 1);
    prev = c;
  }
}

/* libbz2's stream as the bzip2 tool writes it: BZ_RUN in 5000-byte
 * pieces, then BZ_FINISH with nothing left to read */
static void reference(const buf *in, buf *out)
{
  bz_stream bz;
  memset(&bz, 0, sizeof bz);
  if (BZ2_bzCompressInit(&bz, 9, 0, 30) != BZ_OK)
    exit(2);
  char tmp[65536];
  size_t at = 0;
  int action = BZ_RUN;
  for (;;) {
    if (action == BZ_RUN && bz.avail_in == 0) {
      if (at == in->len) {
        action = BZ_FINISH;
      } else {
        size_t k = in->len - at < 5000 ? in->len - at : 5000;
        bz.next_in = (char *)in->p + at;
        bz.avail_in = (unsigned)k;
        at += k;
      }
    }
    bz.next_out = tmp;
    bz.avail_out = sizeof tmp;
    int rc = BZ2_bzCompress(&bz, action);
    buf_put(out, tmp, sizeof tmp - bz.avail_out);
    if (rc == BZ_STREAM_END)
      break;
    if (rc != BZ_RUN_OK && rc != BZ_FINISH_OK)
      exit(2);
  }
  BZ2_bzCompressEnd(&bz);
}

static int fail_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
  (void)t, (void)a, (void)fn, (void)arg;
  return EAGAIN;
}

/* ours, nthreads workers asked for, the input handed over in pieces of piece bytes */
static void ours(const buf *in, int nthreads, size_t piece, buf *out, int *started)
{
  ospy_bz2par *z = ospy_bz2par_new(9, nthreads, buf_write, out);
  if (!z)
    exit(2);
  *started = ospy_bz2par_threads(z);
  for (size_t at = 0; at < in->len; at += piece) {
    size_t k = in->len - at < piece ? in->len - at : piece;
    CHECK(ospy_bz2par_write(z, in->p + at, k) == 0, "write: %s", ospy_bz2par_error(z));
  }
  CHECK(ospy_bz2par_finish(z) == 0, "finish: %s", ospy_bz2par_error(z));
  ospy_bz2par_free(z);
}

static int count_blocks(const buf *in)
{
  ospy_bz2_split s;
  ospy_bz2_split_init(&s, 9);
  int blocks = in->len ? 1 : 0;
  size_t at = 0;
  while (at < in->len) {
    size_t i = ospy_bz2_split_scan(&s, in->p + at, in->len - at);
    if (at + i == in->len)
      break;
    blocks++;
    at += i + 1;
  }
  return blocks;
}

static void save(const char *dir, const char *name, const char *ext, const buf *b)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
  FILE *f = fopen(path, "wb");
  if (!f || (b->len && fwrite(b->p, 1, b->len, f) != b->len) || fclose(f) != 0) {
    perror(path);
    exit(2);
  }
}

static void check_case(const char *dir, const char *name, const buf *in)
{
  buf ref = { 0 };
  reference(in, &ref);
  static const struct {
    int threads;
    size_t piece;
    int fail;
  } runs[] = {
    { 0, 65536, 0 }, { 1, 65536, 0 }, { 2, 7777, 0 }, { 4, 65536, 0 },
    { 4, 1000003, 0 }, { 4, 65536, 1 },
  };
  int same = 0;
  for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
    buf out = { 0 };
    int started;
    ospy_bz2par_thread_create = runs[r].fail ? fail_create : pthread_create;
    ours(in, runs[r].threads, runs[r].piece, &out, &started);
    ospy_bz2par_thread_create = pthread_create;
    int want = runs[r].fail ? 0 : runs[r].threads;
    CHECK(started == want, "%s: %d workers started, expected %d", name, started, want);
    bool eq = out.len == ref.len && (ref.len == 0 || !memcmp(out.p, ref.p, ref.len));
    CHECK(eq, "%s, %d workers%s, pieces of %zu: %zu bytes, libbz2 wrote %zu%s", name,
          runs[r].threads, runs[r].fail ? " (none started)" : "", runs[r].piece, out.len,
          ref.len, out.len == ref.len ? " (other bytes)" : "");
    same += eq;
    if (r == 0) {
      save(dir, name, "in", in);
      save(dir, name, "bz2", &out);
    }
    free(out.p);
  }
  /* and it reads back */
  unsigned cap = (unsigned)in->len + 1, got = cap;
  char *back = malloc(cap);
  int rc = BZ2_bzBuffToBuffDecompress(back, &got, (char *)ref.p, (unsigned)ref.len, 0, 0);
  CHECK(rc == BZ_OK && got == in->len && (in->len == 0 || !memcmp(back, in->p, in->len)),
        "%s: does not decompress to the input (%d)", name, rc);
  printf("%s: %zu bytes in, %d blocks, %zu out; 0, 1, 2, 4 workers and none started: "
         "%d of 6 identical to libbz2's stream\n",
         name, in->len, count_blocks(in), ref.len, same);
  free(back);
  free(ref.p);
}

/* The export's sink (sink.h) writes the same: it once handed its last
 * 64 KiB to libbz2 with BZ_FINISH, which then puts the byte that fills a
 * block in that block (a stream bzip2 -9 does not write). */
static void check_sink(const char *dir, const char *name, const buf *in)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.sink", dir, name);
  FILE *f = fopen(path, "w+b");
  if (!f) {
    perror(path);
    exit(2);
  }
  static ospy_sink s;
  CHECK(ospy_sink_init(&s, f, path, true) == 0, "%s", s.err);
  ospy_sink_write(&s, in->p, in->len);
  CHECK(ospy_sink_finish(&s) == 0, "%s", s.err);
  buf ref = { 0 }, got = { 0 };
  reference(in, &ref);
  rewind(f);
  char tmp[65536];
  size_t k;
  while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
    buf_put(&got, tmp, k);
  fclose(f);
  bool eq = got.len == ref.len && (ref.len == 0 || !memcmp(got.p, ref.p, ref.len));
  CHECK(eq, "%s through the sink: %zu bytes, libbz2 wrote %zu", name, got.len, ref.len);
  printf("%s through the export's sink: %s libbz2's stream\n", name,
         eq ? "identical to" : "NOT");
  free(ref.p);
  free(got.p);
}

/* something like the event XML: indented lines, numbers that change */
static void gen_xml(buf *b, size_t n)
{
  char line[256];
  for (uint64_t id = 1; b->len < n; id++) {
    int k = snprintf(line, sizeof line,
                     "  <event id=\"%" PRIu64 "\" type=\"0\" timestamp=\"%" PRIu64
                     "\" processName=\"demo\" processId=\"%u\" threadId=\"%u\">\n"
                     "    <name>send</name>\n    <arguments><argument direction=\"in\">"
                     "<value type=\"UInt32\" value=\"%u\"/></argument></arguments>\n  </event>\n",
                     id, UINT64_C(133444736000000000) + id * 137, 4242u, 4242u + (unsigned)(id % 7),
                     next_rand() % 100000);
    buf_put(b, line, (size_t)k);
  }
  b->len = n;
}

/* runs of 1-100 equal bytes of a small alphabet: runs split at 255, and
 * blocks cut inside runs */
static void gen_runs(buf *b, size_t n)
{
  while (b->len < n) {
    uint8_t c = (uint8_t)('a' + next_rand() % 16);
    size_t k = 1 + next_rand() % 100;
    for (size_t i = 0; i < k; i++)
      buf_put(b, &c, 1);
  }
  b->len = n;
}

static int write_big_osd(const char *dir, int nevents)
{
  char path[4096], err[512];
  snprintf(path, sizeof path, "%s/big.osd", dir);
  ospy_export_writer *w = ospy_export_open(path, OSPY_EXPORT_OSD, err, sizeof err);
  if (!w) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  for (int i = 0; i < nevents; i++) {
    ospy_xevent ev = golden_events[i % GOLDEN_NEVENTS];
    ev.id = (uint64_t)i + 1;
    ospy_export_write(w, &ev);
  }
  if (ospy_export_close(w, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  printf("big.osd: %d events\n", nevents);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: test-bz2 OUT_DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  mkdir(dir, 0755);
  const size_t block = 899981; /* 100000 * 9 - 19 */
  buf b = { 0 };
  check_case(dir, "empty", &b);
  buf_put(&b, "x", 1);
  check_case(dir, "one-byte", &b);
  b.len = 0;
  gen_no_runs(&b, block); /* the block is full, nothing after it */
  check_case(dir, "one-block", &b);
  gen_no_runs(&b, 1); /* the byte that filled it: a second block of 1 */
  check_case(dir, "one-block-and-a-byte", &b);
  check_sink(dir, "one-block-and-a-byte", &b);
  b.len = block - 1;
  for (int i = 0; i < 1000; i++)
    buf_put(&b, "a", 1); /* the 256th 'a' ends the block with a run of 255 */
  check_case(dir, "run-across-blocks", &b);
  b.len = 0;
  gen_xml(&b, 3000000);
  check_case(dir, "several-blocks", &b);
  b.len = 0;
  for (size_t i = 0; i < 2500000; i++) {
    uint8_t x = (uint8_t)next_rand();
    buf_put(&b, &x, 1);
  }
  check_case(dir, "incompressible", &b);
  b.len = 0;
  gen_runs(&b, 20000000);
  check_case(dir, "runs", &b);
  free(b.p);
  if (write_big_osd(dir, 4000) < 0)
    failures++;
  if (failures)
    fprintf(stderr, "%d checks failed\n", failures);
  return failures != 0;
}
