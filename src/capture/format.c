/* strace-like text for records. */
#include "capture/format.h"
#include "plan/values.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

static void put_time(FILE *out, uint64_t ns)
{
  time_t s = (time_t)(ns / 1000000000u);
  struct tm tm;
  localtime_r(&s, &tm);
  fprintf(out, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec,
          (unsigned)(ns % 1000000000u / 1000u));
}

static void put_prefix(FILE *out, const ospy_event_hdr *h, const ospy_format_opts *o)
{
  put_time(out, h->ts);
  if (o && o->show_tid && h->tid != h->pid)
    fprintf(out, " [%u:%u] ", h->pid, h->tid);
  else
    fprintf(out, " [%u] ", h->pid);
}

static void put_escaped(FILE *out, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0)
      fputc(' ', out);
    else if (c < 32 || c == 127)
      fprintf(out, "\\x%02x", c);
    else
      fputc(c, out);
  }
}

static void put_retval(FILE *out, const ospy_event_call *c)
{
  int64_t v = c->arch_bits == 32 ? (int64_t)(int32_t)(uint32_t)c->retval : (int64_t)c->retval;
  if (v >= -4096 && v <= 0x7fffffff)
    fprintf(out, " = %" PRId64, v);
  else
    fprintf(out, " = %#" PRIx64, c->arch_bits == 32 ? (uint64_t)(uint32_t)c->retval : c->retval);
  if (v < 0 && v >= -4096 && c->err) {
    const char *name = strerrorname_np(c->err);
    fprintf(out, " %s (%s)", name ? name : "E?", strerror(c->err));
  }
}

/* Decoded arguments through the spec; 0 when there is no spec to decode with. */
static int put_values(FILE *out, const ospy_event_call *c, const ospy_plan_hook *hk,
                      const uint8_t *enter, const ospy_format_opts *o)
{
  if (!o || !o->specs || !hk || hk->spec_index == OSPY_PLAN_NO_SPEC)
    return 0;
  const ospy_spec_fn *fn = ospy_spec_table_fn(o->specs, hk->spec_index);
  if (!fn)
    return 0;
  static char text[1 << 16];
  size_t n = ospy_values_format_call(fn, enter, c->enter_len, enter + c->enter_len,
                                     c->leave_len, text, sizeof text);
  if (!n)
    return 0;
  fwrite(text + (text[0] == '('), 1, n - (text[0] == '('), out);
  return 1;
}

ospy_spec_table *ospy_format_specs_of(const ospy_plan *plan, char *err, size_t errcap)
{
  size_t len = 0;
  const void *blob = plan ? ospy_plan_spec_blob(plan, &len) : NULL;
  ospy_spec_table *t = NULL;
  if (err && errcap)
    err[0] = 0;
  if (blob && len && ospy_spec_table_decode(blob, len, &t, err, errcap) < 0)
    return NULL;
  return t;
}

static void put_call(FILE *out, const ospy_event_call *c, const ospy_plan *plan,
                     const ospy_format_opts *o)
{
  const ospy_plan_hook *hk = plan ? ospy_plan_hook_at(plan, c->hook) : NULL;
  if (hk)
    fputs(hk->display[0] ? hk->display : hk->symbol, out);
  else
    fprintf(out, "hook#%u", c->hook);
  const uint8_t *bt = (const uint8_t *)(c + 1);
  const uint8_t *enter = bt + (size_t)c->nbt * 8;
  fputc('(', out);
  if (c->h.flags & OSPY_CALL_F_RAW) {
    for (uint32_t i = 0; i + 8 <= c->enter_len; i += 8) {
      uint64_t v;
      memcpy(&v, enter + i, 8);
      if (c->arch_bits == 32)
        v = (uint32_t)v;
      fprintf(out, "%sarg%u=%#" PRIx64, i ? ", " : "", i / 8, v);
    }
  } else if (put_values(out, c, hk, enter, o)) {
    goto tail; /* the values text carries the parentheses and the return value */
  } else {
    fprintf(out, "<%u+%u bytes of values>", c->enter_len, c->leave_len);
  }
  fputc(')', out);
  put_retval(out, c);
tail:
  if (o && o->show_duration && c->ts_leave >= c->h.ts)
    fprintf(out, " <%.6f>", (double)(c->ts_leave - c->h.ts) / 1e9);
  fputc('\n', out);
  if (o && o->show_backtrace)
    for (unsigned i = 0; i < c->nbt; i++) {
      uint64_t a;
      memcpy(&a, bt + i * 8, 8);
      fprintf(out, "    #%u %#" PRIx64 "\n", i, a);
    }
}

static void put_message(FILE *out, const ospy_event_message *m, const ospy_plan *plan)
{
  const char *kind = m->h.type == OSPY_EV_ERROR ? "error" : m->h.type == OSPY_EV_WARNING ? "warning" : "info";
  fprintf(out, "--- %s: ", kind);
  put_escaped(out, (const char *)(m + 1), m->text_len);
  fputc('\n', out);
  (void)plan;
}

void ospy_format_event(FILE *out, const ospy_event_hdr *h, const ospy_plan *plan,
                       const ospy_format_opts *o)
{
  put_prefix(out, h, o);
  switch (h->type) {
  case OSPY_EV_CALL:
    put_call(out, (const ospy_event_call *)h, plan, o);
    break;
  case OSPY_EV_MODULE_LOAD:
  case OSPY_EV_MODULE_UNLOAD: {
    const ospy_event_module *m = (const ospy_event_module *)h;
    fprintf(out, "--- %s ", h->type == OSPY_EV_MODULE_LOAD ? "loaded" : "unloaded");
    put_escaped(out, (const char *)(m + 1), m->path_len);
    fprintf(out, " at %#" PRIx64 " (%#" PRIx64 " bytes)\n", m->base, m->size);
    break;
  }
  case OSPY_EV_ERROR:
  case OSPY_EV_WARNING:
  case OSPY_EV_INFO:
    put_message(out, (const ospy_event_message *)h, plan);
    break;
  case OSPY_EV_PROCESS_START: {
    const ospy_event_process_start *s = (const ospy_event_process_start *)h;
    fprintf(out, "+++ process started (parent %u, %u-bit): ", s->ppid, s->arch_bits);
    put_escaped(out, (const char *)(s + 1), s->cmd_len);
    fputc('\n', out);
    break;
  }
  case OSPY_EV_PROCESS_EXIT: {
    const ospy_event_process_exit *e = (const ospy_event_process_exit *)h;
    if (e->how == OSPY_EXIT_SIGNAL)
      fprintf(out, "+++ killed by SIG%s +++\n", sigabbrev_np(e->status) ? sigabbrev_np(e->status) : "?");
    else if (e->how == OSPY_EXIT_DETACHED)
      fprintf(out, "+++ detached +++\n");
    else
      fprintf(out, "+++ exited with %d +++\n", e->status);
    break;
  }
  case OSPY_EV_LOST:
    fprintf(out, "--- lost %" PRIu64 " events of thread %u (ring full with --lossy, detaching, "
            "or called by a signal handler inside a hook)\n",
            ((const ospy_event_lost *)h)->count, h->tid);
    break;
  default:
    fprintf(out, "--- record type %u\n", h->type);
  }
}
