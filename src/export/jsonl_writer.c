/* Events as JSON Lines. Keys that do not apply to an event are left out
 * rather than written as null, so `jq 'has("errno")'` means something. */
#include "export/jsonl_writer.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "export/text.h"

static void key(ospy_sink *s, const char *k)
{
  ospy_sink_puts(s, ",\"");
  ospy_sink_puts(s, k);
  ospy_sink_puts(s, "\":");
}

static void key_string(ospy_sink *s, const char *k, const char *v)
{
  key(s, k);
  ospy_json_string(s, v);
}

static void write_value(ospy_sink *s, const ospy_xvalue *v);

static void write_values(ospy_sink *s, const ospy_xvalue *v, size_t n)
{
  ospy_sink_puts(s, "[");
  for (size_t i = 0; i < n; i++) {
    if (i)
      ospy_sink_puts(s, ",");
    write_value(s, &v[i]);
  }
  ospy_sink_puts(s, "]");
}

/* The first key of a value: its name (arguments, fields) and its type; an
 * argument that was not recorded (its logCondition did not hold) has no
 * type, and keys that do not apply are absent. */
static void write_name_and_type(ospy_sink *s, const ospy_xvalue *v)
{
  if (v->name) {
    ospy_sink_puts(s, "\"name\":");
    ospy_json_string(s, v->name);
  }
  if (!v->type[0])
    return;
  ospy_sink_puts(s, v->name ? ",\"type\":" : "\"type\":");
  ospy_json_string(s, v->type);
}

static void write_value(ospy_sink *s, const ospy_xvalue *v)
{
  if (!v->name && !v->type[0]) { /* a return value logged without one */
    ospy_sink_puts(s, "{}");
    return;
  }
  ospy_sink_puts(s, "{");
  write_name_and_type(s, v);
  if (v->subtype)
    key_string(s, "subtype", v->subtype);
  if (v->text) {
    key(s, "value");
    ospy_json_string_n(s, v->text, ospy_xvalue_text_len(v));
  }
  if (!strcmp(v->type, "ByteArray")) {
    ospy_sink_puts(s, ",\"size\":");
    ospy_sink_u64(s, v->nbytes);
    ospy_sink_puts(s, ",\"base64\":\"");
    ospy_base64_encode(s, v->bytes, v->nbytes);
    ospy_sink_puts(s, "\"");
  }
  if ((v->flags & OSPY_XVALUE_TRUNCATED) && v->total) {
    ospy_sink_puts(s, ",\"total_size\":");
    ospy_sink_u64(s, v->total);
  } else if (v->flags & OSPY_XVALUE_TRUNCATED) {
    ospy_sink_puts(s, ",\"truncated\":true"); /* a string: its length is unknown */
  }
  if (v->flags & OSPY_XVALUE_UNREADABLE) {
    ospy_sink_puts(s, ",\"unreadable\":\"");
    ospy_sink_hex64(s, v->addr);
    ospy_sink_puts(s, "\"");
  }
  if (v->flags & OSPY_XVALUE_BAD_SIZE)
    ospy_sink_printf(s, ",\"bad_size\":%" PRId64, v->bad_size);
  if (v->flags & OSPY_XVALUE_UNRECORDED)
    ospy_sink_puts(s, ",\"unrecorded\":true");
  if (v->not_recorded)
    key_string(s, "not_recorded", v->not_recorded);
  if (v->fd_name)
    key_string(s, "fd_name", v->fd_name);
  if (v->nchildren) {
    key(s, "children");
    write_values(s, v->children, v->nchildren);
  }
  ospy_sink_puts(s, "}");
}

static void write_elements(ospy_sink *s, const char *name, const ospy_xelement *e, size_t n);

/* {"name": "URB", "attributes": {"direction": "in"}, "text": "...",
 * "children": [...]}: an element of an event ospy has no model of. */
static void write_element(ospy_sink *s, const ospy_xelement *e)
{
  ospy_sink_puts(s, "{\"name\":");
  ospy_json_string(s, e->name);
  if (e->nattrs) {
    key(s, "attributes");
    for (size_t i = 0; i < e->nattrs; i++) {
      ospy_sink_puts(s, i ? "," : "{");
      ospy_json_string(s, e->attrs[i].name);
      ospy_sink_puts(s, ":");
      ospy_json_string(s, e->attrs[i].value);
    }
    ospy_sink_puts(s, "}");
  }
  if (e->text)
    key_string(s, "text", e->text);
  if (e->nchildren)
    write_elements(s, "children", e->children, e->nchildren);
  ospy_sink_puts(s, "}");
}

/* "KEY": [elements...] */
static void write_elements(ospy_sink *s, const char *name, const ospy_xelement *e, size_t n)
{
  key(s, name);
  for (size_t i = 0; i < n; i++) {
    ospy_sink_puts(s, i ? "," : "[");
    write_element(s, &e[i]);
  }
  ospy_sink_puts(s, "]");
}

static void write_backtrace(ospy_sink *s, const ospy_xevent *ev)
{
  key(s, "backtrace");
  ospy_sink_puts(s, "[");
  for (size_t i = 0; i < ev->nframes; i++) {
    ospy_sink_puts(s, i ? ",{\"address\":\"" : "{\"address\":\"");
    ospy_sink_hex64(s, ev->backtrace[i].addr);
    ospy_sink_puts(s, "\"");
    if (ev->backtrace[i].module)
      key_string(s, "module", ev->backtrace[i].module);
    if (ev->backtrace[i].scanned)
      ospy_sink_puts(s, ",\"scanned\":true");
    ospy_sink_puts(s, "}");
  }
  ospy_sink_puts(s, "]");
}

/* ,"timestamp":"2023-11-14T22:13:20.123456789Z": the enter time in UTC, to
 * the nanosecond, for readers that hold JSON numbers as doubles (jq 1.6):
 * timestamp_ns (about 1.8e18) is past 2^53, so they lose its last digits.
 * An imported event's from its FILETIME, exact where timestamp_ns saturates
 * (an .osd's timestamp="0" is 1601-01-01). */
static void write_timestamp_text(ospy_sink *s, const ospy_xevent *ev)
{
  int64_t sec;
  uint32_t nsec;
  ospy_xevent_time(ev, &sec, &nsec);
  time_t t = (time_t)sec;
  struct tm tm;
  char text[64];
  if (!gmtime_r(&t, &tm) ||
      !strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm))
    return;
  ospy_sink_puts(s, ",\"timestamp\":\"");
  ospy_sink_puts(s, text);
  ospy_sink_printf(s, ".%09" PRIu32 "Z\"", nsec);
}

void ospy_jsonl_write_event(ospy_sink *s, const ospy_xevent *ev)
{
  ospy_sink_puts(s, "{\"id\":");
  ospy_sink_u64(s, ev->id);
  key_string(s, "type", ospy_xevent_type_name(ev->type));
  ospy_sink_puts(s, ",\"timestamp_ns\":");
  ospy_sink_i64(s, ev->ts_ns);
  write_timestamp_text(s, ev);
  if (ev->duration_ns) {
    ospy_sink_puts(s, ",\"duration_ns\":");
    ospy_sink_u64(s, ev->duration_ns);
  }
  key_string(s, "process", ev->process_name ? ev->process_name : "");
  ospy_sink_puts(s, ",\"pid\":");
  ospy_sink_u64(s, ev->pid);
  ospy_sink_puts(s, ",\"tid\":");
  ospy_sink_u64(s, ev->tid);
  if (ev->name)
    key_string(s, "name", ev->name);
  if (ev->has_args_in) {
    key(s, "args_in");
    write_values(s, ev->args_in, ev->nargs_in);
  }
  if (ev->has_args_out) {
    key(s, "args_out");
    write_values(s, ev->args_out, ev->nargs_out);
  }
  if (ev->retval) {
    key(s, "return");
    write_value(s, ev->retval);
  }
  if (ev->has_last_error) {
    ospy_sink_puts(s, ",\"errno\":");
    ospy_sink_i64(s, ev->last_error);
  }
  if (ev->outcome == 1 || ev->outcome == 2) /* OSPY_OUTCOME_FAILED, _SUCCESSFUL */
    ospy_sink_puts(s, ev->outcome == 1 ? ",\"failed\":true" : ",\"failed\":false");
  if (ev->return_address) {
    ospy_sink_puts(s, ",\"return_address\":\"");
    ospy_sink_hex64(s, ev->return_address);
    ospy_sink_puts(s, "\"");
  }
  if (ev->nframes)
    write_backtrace(s, ev);
  if (ev->message)
    key_string(s, "message", ev->message);
  if (ev->attached)
    ospy_sink_puts(s, ",\"attached\":true");
  if (ev->has_lost_count) {
    ospy_sink_puts(s, ",\"count\":");
    ospy_sink_u64(s, ev->lost_count);
  }
  if (ev->nelements)
    write_elements(s, "elements", ev->elements, ev->nelements);
  ospy_sink_puts(s, "}\n");
}
