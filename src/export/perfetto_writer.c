/* Chrome trace-event JSON for the Perfetto UI (docs/export-formats.md). */
#include "export/perfetto_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/text.h"

#define BYTES_SHOWN 256 /* a ByteArray argument shows this many bytes, escaped */

struct ospy_perfetto {
  uint64_t *seen; /* open addressing: (pid << 32 | tid) + 1, 0 = empty */
  size_t cap, count;
  int first;
  /* ts are written from here (nanoseconds since the Unix epoch): a double
   * holds the microseconds since the epoch only to 0.25 us, which made
   * back-to-back calls overlap; since the capture's start, to 1 ns for days */
  int64_t origin_ns;
  int has_origin;
};

ospy_perfetto *ospy_perfetto_new(void)
{
  ospy_perfetto *p = calloc(1, sizeof *p);
  if (p && !(p->seen = calloc(p->cap = 64, sizeof *p->seen))) {
    free(p);
    return NULL;
  }
  return p;
}

void ospy_perfetto_free(ospy_perfetto *p)
{
  if (p)
    free(p->seen);
  free(p);
}

static int set_insert(uint64_t *tab, size_t cap, uint64_t key)
{
  size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull) & (cap - 1);
  while (tab[i] && tab[i] != key)
    i = (i + 1) & (cap - 1);
  if (tab[i])
    return 0;
  tab[i] = key;
  return 1;
}

static int set_grow(ospy_perfetto *p)
{
  uint64_t *t = calloc(p->cap * 2, sizeof *t);
  if (!t)
    return -1;
  for (size_t i = 0; i < p->cap; i++)
    if (p->seen[i])
      set_insert(t, p->cap * 2, p->seen[i]);
  free(p->seen);
  p->seen = t;
  p->cap *= 2;
  return 0;
}

/* 1 when key is new (now inserted), 0 when seen before, -1 out of memory. */
static int first_sight(ospy_perfetto *p, uint64_t key)
{
  if (p->count * 2 >= p->cap && set_grow(p) < 0)
    return -1;
  int fresh = set_insert(p->seen, p->cap, key + 1);
  p->count += (size_t)fresh;
  return fresh;
}

static void sep(ospy_perfetto *p, ospy_sink *s)
{
  ospy_sink_puts(s, p->first ? "\n" : ",\n");
  p->first = 0;
}

void ospy_perfetto_set_origin(ospy_perfetto *p, int64_t ns)
{
  p->origin_ns = ns;
  p->has_origin = 1;
}

void ospy_perfetto_begin(ospy_perfetto *p, ospy_sink *s)
{
  p->first = 1;
  ospy_sink_puts(s, "{\"traceEvents\":[");
}

/* The origin of the ts values, in the trace's otherData: exact nanoseconds
 * since the Unix epoch as a string (a JSON number would be read as a double),
 * and as UTC. */
static void put_origin(ospy_perfetto *p, ospy_sink *s)
{
  if (!p->has_origin)
    return;
  int64_t ns = p->origin_ns;
  int64_t sec = ns / 1000000000, frac = ns % 1000000000;
  if (frac < 0) {
    sec--;
    frac += 1000000000;
  }
  time_t t = (time_t)sec;
  struct tm tm;
  char when[64] = "";
  if (gmtime_r(&t, &tm))
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  ospy_sink_printf(s, ",\"otherData\":{\"ts_origin_ns\":\"%" PRId64
                   "\",\"ts_origin\":\"%s.%09" PRId64 "Z\"}", ns, when, frac);
}

void ospy_perfetto_end(ospy_perfetto *p, ospy_sink *s)
{
  ospy_sink_puts(s, "\n],\"displayTimeUnit\":\"ns\"");
  put_origin(p, s);
  ospy_sink_puts(s, "}\n");
}

/* Microseconds with the nanoseconds as three decimals. */
static void put_us(ospy_sink *s, const char *key, int64_t ns)
{
  const char *minus = ns < 0 ? "-" : "";
  uint64_t a = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;
  ospy_sink_printf(s, ",\"%s\":%s%" PRIu64 ".%03u", key, minus, a / 1000, (unsigned)(a % 1000));
}

static void metadata(ospy_perfetto *p, ospy_sink *s, const ospy_xevent *ev, int thread)
{
  char name[64];
  sep(p, s);
  ospy_sink_printf(s, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
                   ",\"args\":{\"name\":", thread ? "thread_name" : "process_name",
                   ev->pid, thread ? ev->tid : ev->pid);
  if (thread) {
    snprintf(name, sizeof name, ev->tid == ev->pid ? "main %" PRIu32 : "thread %" PRIu32,
             ev->tid);
    ospy_json_string(s, name);
  } else {
    ospy_json_string(s, ev->process_name && ev->process_name[0] ? ev->process_name : "?");
  }
  ospy_sink_puts(s, "}}");
}

static int name_tracks(ospy_perfetto *p, ospy_sink *s, const ospy_xevent *ev)
{
  int np = first_sight(p, (uint64_t)ev->pid << 32 | 0xffffffffu);
  int nt = first_sight(p, (uint64_t)ev->pid << 32 | ev->tid);
  if (np < 0 || nt < 0)
    return -1;
  /* a ProcessStart of a pid named already is an exec (sh running cat): its
   * track is named again, and viewers keep the last name */
  if (np || ev->type == OSPY_XEV_PROCESS_START)
    metadata(p, s, ev, 0);
  if (nt)
    metadata(p, s, ev, 1);
  return 0;
}

/* Bytes as a C-escaped string, at most BYTES_SHOWN of them. */
static void put_bytes(ospy_sink *s, const uint8_t *b, size_t n, uint64_t total)
{
  char text[BYTES_SHOWN * 4 + 8];
  size_t k = 0, shown = n < BYTES_SHOWN ? n : BYTES_SHOWN;
  for (size_t i = 0; i < shown; i++) {
    if (b[i] >= 32 && b[i] < 127 && b[i] != '\\')
      text[k++] = (char)b[i];
    else
      k += (size_t)snprintf(text + k, sizeof text - k, "\\x%02x", b[i]);
  }
  if (shown < n || total > n)
    memcpy(text + k, "...", 4);
  else
    text[k] = 0;
  ospy_json_string(s, text);
}

static void put_value(ospy_sink *s, const ospy_xvalue *v, int depth);

/* An argument or field of which nothing was recorded and nothing says why
 * (its logCondition did not hold: open's mode without O_CREAT): left out of
 * its object, as show leaves it out (it was written "mode":""). */
static int nothing_recorded(const ospy_xvalue *v)
{
  return !v->type[0] && !v->text && !v->nchildren && !v->not_recorded &&
         !(v->flags & OSPY_XVALUE_UNREADABLE);
}

/* An object of named values (arguments, fields): "name": value, ... */
static void put_named(ospy_sink *s, const ospy_xvalue *v, size_t n, int depth)
{
  ospy_sink_puts(s, "{");
  int first = 1;
  for (size_t i = 0; i < n; i++) {
    if (nothing_recorded(&v[i]))
      continue;
    ospy_sink_puts(s, first ? "" : ",");
    first = 0;
    ospy_json_string(s, v[i].name ? v[i].name : "?");
    ospy_sink_puts(s, ":");
    put_value(s, &v[i], depth);
  }
  ospy_sink_puts(s, "}");
}

static void put_children(ospy_sink *s, const ospy_xvalue *v, int depth)
{
  if (v->children[0].name) {
    put_named(s, v->children, v->nchildren, depth + 1);
    return;
  }
  ospy_sink_puts(s, "[");
  for (size_t i = 0; i < v->nchildren; i++) {
    if (i)
      ospy_sink_puts(s, ",");
    put_value(s, &v->children[i], depth + 1);
  }
  ospy_sink_puts(s, "]");
}

/* A value not recorded for a reason, in show's words: <unreadable at 0x10>,
 * <no room>, <depth limit>; ? when nothing says why (an array element). */
static void put_not_recorded(ospy_sink *s, const ospy_xvalue *v)
{
  char text[64];
  if (v->flags & OSPY_XVALUE_UNREADABLE)
    snprintf(text, sizeof text, "<unreadable at 0x%" PRIx64 ">", v->addr);
  else if (v->not_recorded)
    snprintf(text, sizeof text, "<%s>", v->not_recorded);
  else
    snprintf(text, sizeof text, "?");
  ospy_json_string(s, text);
}

/* A descriptor as show writes it: 3</etc/hosts>. */
static void put_fd(ospy_sink *s, const ospy_xvalue *v)
{
  char text[4200];
  snprintf(text, sizeof text, "%.*s<%s>", (int)ospy_xvalue_text_len(v), v->text, v->fd_name);
  ospy_json_string(s, text);
}

/* A value: its text, bytes as a string, a structure as an object, an array
 * as an array; a pointer with a pointee as the pointee; a socket address
 * field that was not recorded (of an imported .osd) ?; a value without
 * text, why it has none. */
static void put_value(ospy_sink *s, const ospy_xvalue *v, int depth)
{
  if (!strcmp(v->type, "ByteArray"))
    put_bytes(s, v->bytes, v->nbytes, v->flags & OSPY_XVALUE_TRUNCATED ? v->total : v->nbytes);
  else if (v->nchildren == 1 && !v->children[0].name && strcmp(v->type, "Array") && depth < 16)
    put_value(s, &v->children[0], depth + 1);
  else if (v->nchildren && depth < 16)
    put_children(s, v, depth);
  else if (v->flags & OSPY_XVALUE_UNRECORDED)
    ospy_json_string(s, "?"); /* a stand-in, not what the call had */
  else if (v->text && v->fd_name)
    put_fd(s, v);
  else if (v->text)
    ospy_json_string_n(s, v->text, ospy_xvalue_text_len(v));
  else if (!v->type[0])
    put_not_recorded(s, v);
  else
    ospy_json_string(s, "");
}

static void put_args(ospy_sink *s, const char *key, const ospy_xvalue *v, size_t n)
{
  ospy_sink_printf(s, "\"%s\":", key);
  put_named(s, v, n, 0);
}

static void call_slice(ospy_perfetto *p, ospy_sink *s, const ospy_xevent *ev)
{
  sep(p, s);
  ospy_sink_puts(s, "{\"name\":");
  ospy_json_string(s, ev->name ? ev->name : "?");
  ospy_sink_puts(s, ",\"cat\":\"call\",\"ph\":\"X\"");
  put_us(s, "ts", ev->ts_ns - p->origin_ns);
  put_us(s, "dur", (int64_t)ev->duration_ns);
  ospy_sink_printf(s, ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"args\":{\"id\":%" PRIu64,
                   ev->pid, ev->tid, ev->id);
  if (ev->has_args_in) {
    ospy_sink_puts(s, ",");
    put_args(s, "in", ev->args_in, ev->nargs_in);
  }
  if (ev->has_args_out) {
    ospy_sink_puts(s, ",");
    put_args(s, "out", ev->args_out, ev->nargs_out);
  }
  if (ev->retval) {
    ospy_sink_puts(s, ",\"return\":");
    put_value(s, ev->retval, 0);
  }
  if (ev->has_last_error)
    ospy_sink_printf(s, ",\"errno\":%" PRId32, ev->last_error);
  ospy_sink_puts(s, "}}");
}

static void instant(ospy_perfetto *p, ospy_sink *s, const ospy_xevent *ev, const char *name,
                    const char *scope)
{
  sep(p, s);
  ospy_sink_printf(s, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"%s\"", name,
                   ospy_xevent_type_name(ev->type), scope);
  put_us(s, "ts", ev->ts_ns - p->origin_ns);
  ospy_sink_printf(s, ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"args\":{\"message\":",
                   ev->pid, ev->tid);
  ospy_json_string(s, ev->message ? ev->message : "");
  ospy_sink_puts(s, "}}");
}

int ospy_perfetto_write_event(ospy_perfetto *p, ospy_sink *s, const ospy_xevent *ev)
{
  if (ev->type == OSPY_XEV_MODULE_LOAD || ev->type == OSPY_XEV_MODULE_UNLOAD ||
      ev->type == OSPY_XEV_INFO || ev->type == OSPY_XEV_DEBUG ||
      ev->type == OSPY_XEV_ASYNC_RESULT || ev->type == OSPY_XEV_USB_SUBMIT_URB)
    return 0; /* not on the timeline: the JSON Lines export has them */
  if (!p->has_origin) /* (an imported .osd: its first event) */
    ospy_perfetto_set_origin(p, ev->ts_ns);
  if (name_tracks(p, s, ev) < 0)
    return -1;
  switch (ev->type) {
  case OSPY_XEV_FUNCTION_CALL: call_slice(p, s, ev); break;
  case OSPY_XEV_ERROR: instant(p, s, ev, "error", "t"); break;
  case OSPY_XEV_WARNING: instant(p, s, ev, "warning", "t"); break;
  case OSPY_XEV_LOST: instant(p, s, ev, "events lost", "t"); break;
  case OSPY_XEV_PROCESS_EXIT: instant(p, s, ev, "process exit", "p"); break;
  default: break; /* ProcessStart: the process_name metadata */
  }
  return 0;
}
