/* ospy_order (start_order.h) against a plain sort. Event sequences shaped as
 * ospy records them: each event has a start and an end, and is recorded in
 * the order of the ends (an outer call after its inner calls, a long call
 * after everything that happened meanwhile), many starting at the same
 * nanosecond. They go through both passes with windows from 1 event up,
 * some limited by bytes, into the XML writer; the file must hold them sorted
 * by start, ties in the order recorded, ids 1..N, and what was held at once
 * never more than the window.
 *   test-start-order OUT_DIR */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export/export.h"
#include "export/start_order.h"

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

typedef struct rec {
  int64_t start, end;
  uint32_t size;
  size_t ord; /* 1.. in the order recorded */
} rec;

static uint32_t rng;

static uint32_t next_rand(void)
{
  rng = rng * 1103515245u + 12345u;
  return rng >> 8;
}

static int by_end(const void *a, const void *b)
{
  const rec *x = a, *y = b;
  return x->end < y->end ? -1 : x->end > y->end;
}

static int by_start(const void *a, const void *b)
{
  const rec *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* n events starting 0-2 ns apart (ties), most short, some long: recorded
 * by end (ties: by start, as a stable sort of the starts leaves them). */
static rec *make_records(size_t n)
{
  rec *r = calloc(n, sizeof *r);
  int64_t t = 1000;
  for (size_t i = 0; r && i < n; i++) {
    t += next_rand() % 3;
    uint32_t kind = next_rand() % 100;
    int64_t len = kind < 80 ? next_rand() % 4 : kind < 97 ? next_rand() % 200
                                                          : next_rand() % 5000;
    r[i] = (rec){ t, t + len, 8 + 8 * (next_rand() % 8), 0 };
  }
  if (r)
    qsort(r, n, sizeof *r, by_end); /* (ties in any order: what lanes give) */
  for (size_t i = 0; r && i < n; i++)
    r[i].ord = i + 1;
  return r;
}

static ospy_xevent event_of(const rec *r, char *text, size_t cap)
{
  snprintf(text, cap, "e%zu", r->ord);
  return (ospy_xevent){ .id = r->ord, .type = OSPY_XEV_INFO, .ts_ns = r->start,
                        .process_name = "p", .pid = 1, .tid = 1, .message = text };
}

/* Both passes over r into path; 0, or -1 (said). */
static int write_in_order(const rec *r, size_t n, size_t wev, uint64_t wbytes, const char *path,
                          ospy_order_stats *st)
{
  char err[512], text[32];
  ospy_order *o = ospy_order_new(wev, wbytes);
  ospy_export_writer *w = NULL;
  int rc = o ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    ospy_xevent ev = event_of(&r[i], text, sizeof text);
    if (ospy_order_late(o, r[i].start, r[i].size))
      rc = ospy_order_keep_late(o, &ev, err, sizeof err);
  }
  if (rc == 0 && (!(w = ospy_export_open(path, OSPY_EXPORT_XML, err, sizeof err)) ||
                  ospy_order_start_output(o, w, err, sizeof err) < 0))
    rc = -1;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    ospy_xevent ev = event_of(&r[i], text, sizeof text);
    if (!ospy_order_late(o, r[i].start, r[i].size))
      rc = ospy_order_put(o, &ev, err, sizeof err);
  }
  if (rc == 0)
    rc = ospy_order_finish(o, err, sizeof err);
  if (o)
    ospy_order_get_stats(o, st);
  ospy_order_free(o);
  if (w && (rc != 0 ? (ospy_export_abort(w), -1) : ospy_export_close(w, err, sizeof err)) < 0)
    rc = -1;
  CHECK(rc == 0, "%s", o ? err : "out of memory");
  return rc ? -1 : 0;
}

/* The events of the file, in order: their ids and their ordinals (eN). */
static size_t read_back(const char *path, size_t *ids, size_t *ords, size_t max)
{
  FILE *f = fopen(path, "r");
  size_t k = 0;
  int c;
  char word[16];
  if (!f)
    return 0;
  while ((c = fgetc(f)) != EOF && k < max) {
    size_t id, ord;
    if (c == '<' && fscanf(f, "event id=\"%zu\"", &id) == 1)
      ids[k] = id;
    else if (c == '<' && fscanf(f, "message>e%zu", &ord) == 1)
      ords[k++] = ord;
    else if (c == '<' && fscanf(f, "%15[a-z]", word) == 1)
      continue;
  }
  fclose(f);
  return k;
}

static void one_case(const char *dir, size_t n, size_t wev, uint64_t wbytes)
{
  rec *r = make_records(n);
  size_t *ids = calloc(n + 1, sizeof *ids), *ords = calloc(n + 1, sizeof *ords);
  char path[4096];
  snprintf(path, sizeof path, "%s/order-%zu-%" PRIu64 ".xml", dir, wev, wbytes);
  ospy_order_stats st = { 0 };
  if (!r || !ids || !ords || write_in_order(r, n, wev, wbytes, path, &st) < 0) {
    CHECK(0, "window %zu: not written", wev);
    goto out;
  }
  size_t got = read_back(path, ids, ords, n + 1);
  rec *want = malloc(n * sizeof *want);
  memcpy(want, r, n * sizeof *r);
  qsort(want, n, sizeof *want, by_start);
  size_t wrong = 0, moved = 0;
  for (size_t i = 0; i < n && i < got; i++) {
    wrong += ids[i] != i + 1 || ords[i] != want[i].ord;
    moved += want[i].ord != i + 1;
  }
  printf("window %zu events, %" PRIu64 " bytes: %zu events (%zu moved), %" PRIu64
         " late, held at most %zu: %s\n", wev, wbytes, got, moved, st.late, st.held_peak,
         got == n && !wrong ? "ids 1..N by start, ties as recorded" : "WRONG");
  CHECK(got == n, "window %zu: %zu events of %zu", wev, got, n);
  CHECK(!wrong, "window %zu: %zu events out of place", wev, wrong);
  CHECK(st.held_peak <= wev + 1, "window %zu: held %zu at once", wev, st.held_peak);
  CHECK(wev > 64 || st.late > 0, "window %zu: no event was late", wev);
  free(want);
  remove(path);
out:
  free(r);
  free(ids);
  free(ords);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: test-start-order OUT_DIR\n");
    return 2;
  }
  mkdir(argv[1], 0755);
  static const struct { size_t events; uint64_t bytes; } windows[] = {
    { 1, 1 << 20 }, { 2, 1 << 20 }, { 3, 1 << 20 }, { 17, 1 << 20 }, { 64, 1 << 20 },
    { 100, 200 }, { 100, 1 }, { OSPY_ORDER_WINDOW_EVENTS, OSPY_ORDER_WINDOW_BYTES },
  };
  for (size_t i = 0; i < sizeof windows / sizeof *windows; i++) {
    rng = 12345u + (uint32_t)i;
    one_case(argv[1], 20000, windows[i].events, windows[i].bytes);
  }
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  return failures != 0;
}
