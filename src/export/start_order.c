/* Events by start time: the window that tells late events, the file that
 * keeps them, the heap of events on time held until their turn, and the
 * merge of the two. See start_order.h. */
#include "export/start_order.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/array_grow.h"
#include "export/sink.h"
#include "export/xml_writer.h"

typedef struct window_slot {
  int64_t ts;
  uint32_t size;
} window_slot;

/* A late event: its place in the order and where its XML is in the file. */
typedef struct late_event {
  int64_t ts;
  uint64_t ord;
  uint64_t off;
  size_t len;
} late_event;

/* An event on time, held: its XML after the id. */
typedef struct held_event {
  int64_t ts;
  uint64_t ord;
  char *xml;
  size_t len;
} held_event;

struct ospy_order {
  /* the window: the latest events on time, oldest at head */
  window_slot *ring;
  size_t ring_cap, head, count;
  uint64_t bytes, max_bytes;
  bool bounded;  /* an event has left the window: bound holds */
  int64_t bound; /* the latest start of the events that left it */
  uint64_t asked; /* events asked about in this pass: the last one's ordinal */
  int64_t asked_ts;
  uint64_t scanned;

  /* late events: their XML in the file, sorted between the passes */
  FILE *spill;
  ospy_sink *spill_sink;
  late_event *late;
  size_t nlate, late_cap, next_late;

  /* the output */
  ospy_export_writer *w;
  ospy_sink *xml; /* memory: one event's XML */
  held_event *held; /* a binary heap, earliest first */
  size_t nheld, held_cap, held_bytes;
  uint64_t next_id;
  char *readback; /* a late event's XML read back */
  size_t readback_cap;
  ospy_order_stats stats;
};

ospy_order *ospy_order_new(size_t window_events, uint64_t window_bytes)
{
  ospy_order *o = calloc(1, sizeof *o);
  if (!o)
    return NULL;
  o->ring_cap = window_events ? window_events : OSPY_ORDER_WINDOW_EVENTS;
  o->max_bytes = window_bytes ? window_bytes : OSPY_ORDER_WINDOW_BYTES;
  o->ring = calloc(o->ring_cap, sizeof *o->ring);
  o->xml = malloc(sizeof *o->xml);
  if (!o->ring || !o->xml) {
    free(o->xml);
    o->xml = NULL;
    ospy_order_free(o);
    return NULL;
  }
  ospy_sink_init_memory(o->xml, "an event's XML");
  o->next_id = 1;
  return o;
}

void ospy_order_free(ospy_order *o)
{
  if (!o)
    return;
  if (o->spill_sink)
    ospy_sink_abort(o->spill_sink);
  if (o->spill)
    fclose(o->spill); /* unlinked when made: gone with it */
  for (size_t i = 0; i < o->nheld; i++)
    free(o->held[i].xml);
  if (o->xml)
    ospy_sink_memory_free(o->xml);
  free(o->xml);
  free(o->spill_sink);
  free(o->ring);
  free(o->late);
  free(o->held);
  free(o->readback);
  free(o);
}

/* ---- the window ---- */

static void window_pop(ospy_order *o)
{
  const window_slot *s = &o->ring[o->head];
  if (!o->bounded || s->ts > o->bound)
    o->bound = s->ts;
  o->bounded = true;
  o->bytes -= s->size;
  o->head = (o->head + 1) % o->ring_cap;
  o->count--;
}

/* An event on time enters; the oldest leave while there are too many or
 * their records are too big (the newest stays, whatever its size). */
static void window_push(ospy_order *o, int64_t ts, uint32_t size)
{
  if (o->count == o->ring_cap)
    window_pop(o);
  o->ring[(o->head + o->count) % o->ring_cap] = (window_slot){ ts, size };
  o->count++;
  o->bytes += size;
  while (o->bytes > o->max_bytes && o->count > 1)
    window_pop(o);
}

static void window_restart(ospy_order *o)
{
  o->head = o->count = 0;
  o->bytes = 0;
  o->bounded = false;
  o->asked = 0;
}

int ospy_order_late(ospy_order *o, int64_t ts, uint32_t size)
{
  o->asked++;
  o->asked_ts = ts;
  /* it began before an event that left the window: the events on time
   * after that one cannot wait for it */
  if (o->bounded && ts < o->bound)
    return 1;
  window_push(o, ts, size);
  return 0;
}

bool ospy_order_output_complete(const ospy_order *o)
{
  return o->w && o->asked >= o->scanned;
}

/* ---- late events, in a file ---- */

static int spill_open(ospy_order *o, char *err, size_t errcap)
{
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/ospy-export-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkostemp(path, O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errcap, "cannot create a temporary file in %s: %s",
             dir && *dir ? dir : "/tmp", strerror(errno));
    return -1;
  }
  unlink(path); /* nothing to clean up, however the export ends */
  if (!(o->spill = fdopen(fd, "w+b")) || !(o->spill_sink = malloc(sizeof *o->spill_sink))) {
    snprintf(err, errcap, "%s", o->spill ? "out of memory" : strerror(errno));
    if (!o->spill)
      close(fd);
    return -1;
  }
  ospy_sink_init(o->spill_sink, o->spill, "the temporary file of late events", false);
  return 0;
}

int ospy_order_keep_late(ospy_order *o, const ospy_xevent *ev, char *err, size_t errcap)
{
  if (!o->spill && spill_open(o, err, errcap) < 0)
    return -1;
  if (ospy_array_grow((void **)&o->late, &o->late_cap, o->nlate, sizeof *o->late) < 0) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  uint64_t off = o->spill_sink->written;
  ospy_xml_write_event_after_id(o->spill_sink, ev);
  if (o->spill_sink->failed) {
    snprintf(err, errcap, "%s", o->spill_sink->err);
    return -1;
  }
  o->late[o->nlate++] = (late_event){ o->asked_ts, o->asked, off,
                                      (size_t)(o->spill_sink->written - off) };
  return 0;
}

static int before(int64_t ts_a, uint64_t ord_a, int64_t ts_b, uint64_t ord_b)
{
  return ts_a < ts_b || (ts_a == ts_b && ord_a < ord_b);
}

static int late_cmp(const void *a, const void *b)
{
  const late_event *x = a, *y = b;
  return before(x->ts, x->ord, y->ts, y->ord) ? -1 : before(y->ts, y->ord, x->ts, x->ord);
}

int ospy_order_start_output(ospy_order *o, ospy_export_writer *w, char *err, size_t errcap)
{
  if (o->spill_sink && ospy_sink_finish(o->spill_sink) < 0) {
    snprintf(err, errcap, "%s", o->spill_sink->err);
    return -1;
  }
  if (o->nlate) /* (qsort's array may not be NULL, even empty) */
    qsort(o->late, o->nlate, sizeof *o->late, late_cmp);
  o->stats.late = o->nlate;
  o->scanned = o->asked;
  window_restart(o);
  o->w = w;
  return 0;
}

/* ---- events on time, held ---- */

static void heap_swap(held_event *h, size_t i, size_t j)
{
  held_event t = h[i];
  h[i] = h[j];
  h[j] = t;
}

static void heap_up(held_event *h, size_t i)
{
  while (i && before(h[i].ts, h[i].ord, h[(i - 1) / 2].ts, h[(i - 1) / 2].ord)) {
    heap_swap(h, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void heap_down(held_event *h, size_t n, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && before(h[l].ts, h[l].ord, h[m].ts, h[m].ord))
      m = l;
    if (r < n && before(h[r].ts, h[r].ord, h[m].ts, h[m].ord))
      m = r;
    if (m == i)
      return;
    heap_swap(h, i, m);
    i = m;
  }
}

static int hold(ospy_order *o, char *xml, size_t len)
{
  if (ospy_array_grow((void **)&o->held, &o->held_cap, o->nheld, sizeof *o->held) < 0)
    return -1;
  o->held[o->nheld] = (held_event){ o->asked_ts, o->asked, xml, len };
  heap_up(o->held, o->nheld++);
  o->held_bytes += len;
  if (o->nheld > o->stats.held_peak)
    o->stats.held_peak = o->nheld;
  if (o->held_bytes > o->stats.held_bytes_peak)
    o->stats.held_bytes_peak = o->held_bytes;
  return 0;
}

/* No event still to come can begin before (ts, ord): those on time begin
 * at bound or later (and, at bound, come after every event asked about);
 * the late ones are all known. */
static bool turn_has_come(const ospy_order *o, int64_t ts, uint64_t ord)
{
  return o->bounded && (ts < o->bound || (ts == o->bound && ord <= o->asked));
}

static int write_late(ospy_order *o, const late_event *l, char *err, size_t errcap)
{
  if (l->len > o->readback_cap) {
    char *b = realloc(o->readback, l->len);
    if (!b) {
      snprintf(err, errcap, "out of memory");
      return -1;
    }
    o->readback = b;
    o->readback_cap = l->len;
  }
  ssize_t got = pread(fileno(o->spill), o->readback, l->len, (off_t)l->off);
  if (got != (ssize_t)l->len) {
    snprintf(err, errcap, "the temporary file of late events: %s",
             got < 0 ? strerror(errno) : "cut short");
    return -1;
  }
  return ospy_export_write_after_id(o->w, o->next_id++, o->readback, l->len) < 0;
}

static int write_held(ospy_order *o)
{
  held_event e = o->held[0];
  o->held[0] = o->held[--o->nheld];
  heap_down(o->held, o->nheld, 0);
  o->held_bytes -= e.len;
  int rc = ospy_export_write_after_id(o->w, o->next_id++, e.xml, e.len) < 0;
  free(e.xml);
  return rc;
}

/* Writes the earliest of the held and the late events while its turn has
 * come (all: every one, the capture's end). */
static int write_due(ospy_order *o, bool all, char *err, size_t errcap)
{
  for (;;) {
    const late_event *l = o->next_late < o->nlate ? &o->late[o->next_late] : NULL;
    const held_event *h = o->nheld ? &o->held[0] : NULL;
    bool take_late = l && (!h || before(l->ts, l->ord, h->ts, h->ord));
    if (!l && !h)
      return 0;
    if (!all && !(take_late ? turn_has_come(o, l->ts, l->ord) : turn_has_come(o, h->ts, h->ord)))
      return 0;
    int rc = take_late ? write_late(o, l, err, errcap) : write_held(o);
    o->next_late += take_late;
    if (rc)
      return rc;
  }
}

int ospy_order_put(ospy_order *o, const ospy_xevent *ev, char *err, size_t errcap)
{
  ospy_sink_memory_clear(o->xml);
  ospy_xml_write_event_after_id(o->xml, ev); /* never empty: at least </event> */
  size_t len = o->xml->mem_len;
  char *xml = o->xml->failed ? NULL : malloc(len);
  if (xml)
    memcpy(xml, o->xml->mem, len);
  if (!xml || hold(o, xml, len) < 0) {
    free(xml);
    snprintf(err, errcap, "out of memory holding an event until its turn");
    return -1;
  }
  return write_due(o, false, err, errcap);
}

int ospy_order_finish(ospy_order *o, char *err, size_t errcap)
{
  return write_due(o, true, err, errcap);
}

void ospy_order_get_stats(const ospy_order *o, ospy_order_stats *st)
{
  *st = o->stats;
}
