/* Events as JSON Lines. Keys that do not apply to an event are left out
 * rather than written as null, so `jq 'has("errno")'` means something. */
#include "export/jsonl_writer.h"

#include <inttypes.h>
#include <string.h>

#include "export/text.h"

static void key(ospy_sink *s, const char *k)
{
  ospy_sink_printf(s, ",\"%s\":", k);
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

static void write_value(ospy_sink *s, const ospy_xvalue *v)
{
  ospy_sink_puts(s, "{");
  if (v->name) {
    ospy_sink_puts(s, "\"name\":");
    ospy_json_string(s, v->name);
    ospy_sink_puts(s, ",");
  }
  ospy_sink_puts(s, "\"type\":");
  ospy_json_string(s, v->type);
  if (v->subtype)
    key_string(s, "subtype", v->subtype);
  if (v->text)
    key_string(s, "value", v->text);
  if (!strcmp(v->type, "ByteArray")) {
    ospy_sink_printf(s, ",\"size\":%zu,\"base64\":\"", v->nbytes);
    ospy_base64_encode(s, v->bytes, v->nbytes);
    ospy_sink_puts(s, "\"");
  }
  if (v->flags & OSPY_XVALUE_TRUNCATED)
    ospy_sink_printf(s, ",\"total_size\":%" PRIu64, v->total);
  if (v->flags & OSPY_XVALUE_UNREADABLE)
    ospy_sink_printf(s, ",\"unreadable\":\"0x%" PRIx64 "\"", v->addr);
  if (v->nchildren) {
    key(s, "children");
    write_values(s, v->children, v->nchildren);
  }
  ospy_sink_puts(s, "}");
}

static void write_backtrace(ospy_sink *s, const ospy_xevent *ev)
{
  key(s, "backtrace");
  ospy_sink_puts(s, "[");
  for (size_t i = 0; i < ev->nframes; i++) {
    ospy_sink_printf(s, "%s{\"address\":\"0x%" PRIx64 "\"", i ? "," : "",
                     ev->backtrace[i].addr);
    if (ev->backtrace[i].module)
      key_string(s, "module", ev->backtrace[i].module);
    ospy_sink_puts(s, "}");
  }
  ospy_sink_puts(s, "]");
}

void ospy_jsonl_write_event(ospy_sink *s, const ospy_xevent *ev)
{
  ospy_sink_printf(s, "{\"id\":%" PRIu64, ev->id);
  key_string(s, "type", ospy_xevent_type_name(ev->type));
  ospy_sink_printf(s, ",\"timestamp_ns\":%" PRId64, ev->ts_ns);
  if (ev->duration_ns)
    ospy_sink_printf(s, ",\"duration_ns\":%" PRIu64, ev->duration_ns);
  key_string(s, "process", ev->process_name ? ev->process_name : "");
  ospy_sink_printf(s, ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32, ev->pid, ev->tid);
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
  if (ev->has_last_error)
    ospy_sink_printf(s, ",\"errno\":%" PRId32, ev->last_error);
  if (ev->return_address)
    ospy_sink_printf(s, ",\"return_address\":\"0x%" PRIx64 "\"", ev->return_address);
  if (ev->nframes)
    write_backtrace(s, ev);
  if (ev->message)
    key_string(s, "message", ev->message);
  ospy_sink_puts(s, "}\n");
}
