/* strace-like text for records. */
#include "capture/format.h"
#include "plan/values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Decimal digits of v, right-aligned in at least width characters padded
 * with pad ('0' or none); returns how many were written at out. */
static size_t put_decimal(char *out, uint64_t v, unsigned width)
{
  char d[20];
  size_t n = 0;
  do
    d[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  size_t len = 0;
  for (; width > n; width--)
    out[len++] = '0';
  while (n)
    out[len++] = d[--n];
  return len;
}

/* hh:mm:ss.uuuuuu in local time. The wall-clock second is converted once
 * (localtime_r looks at the time zone each time: most of a shown line's cost
 * when every call was written with fprintf; the live view writes one a call). */
static void put_time(FILE *out, uint64_t ns)
{
  static time_t last_s = (time_t)-1;
  static char hms[16];
  static size_t hms_len;
  time_t s = (time_t)(ns / 1000000000u);
  if (s != last_s) {
    struct tm tm;
    localtime_r(&s, &tm);
    int n = snprintf(hms, sizeof hms, "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min, tm.tm_sec);
    hms_len = n > 0 ? (size_t)n : 0;
    last_s = s;
  }
  char line[32];
  memcpy(line, hms, hms_len);
  size_t len = hms_len + put_decimal(line + hms_len, ns % 1000000000u / 1000u, 6);
  fwrite(line, 1, len, out);
}

static void put_prefix(FILE *out, const ospy_event_hdr *h, const ospy_format_opts *o)
{
  put_time(out, h->ts);
  if (!h->pid) { /* ospy's own notes (how -f names were defined...) */
    fputs(" [ospy] ", out);
    return;
  }
  char ids[48];
  size_t n = 0;
  ids[n++] = ' ';
  ids[n++] = '[';
  n += put_decimal(ids + n, h->pid, 0);
  if (o && o->show_tid && h->tid != h->pid) {
    ids[n++] = ':';
    n += put_decimal(ids + n, h->tid, 0);
  }
  ids[n++] = ']';
  ids[n++] = ' ';
  fwrite(ids, 1, n, out);
}

#define COLOR_BOLD "\033[1m"
#define COLOR_RED "\033[31m"
#define COLOR_GREEN "\033[32m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_DIM "\033[2m"
#define COLOR_OFF "\033[0m"

static void color_on(FILE *out, const ospy_format_opts *o, const char *code)
{
  if (o && o->color)
    fputs(code, out);
}

static void color_off(FILE *out, const ospy_format_opts *o)
{
  if (o && o->color)
    fputs(COLOR_OFF, out);
}

static void put_errno(FILE *out, int err)
{
  const char *name = strerrorname_np(err);
  fprintf(out, " %s (%s)", name ? name : "E?", strerror(err));
}

/* Text from the capture (a message, a module's path, NUL-separated words):
 * control bytes and bytes that are not UTF-8 escaped, NULs as spaces. */
static void put_escaped(FILE *out, const char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    size_t k = strnlen(s + i, n - i);
    ospy_safe_fputs(out, s + i, k);
    i += k;
    if (i < n) {
      fputc(' ', out);
      i++;
    }
  }
}

/* Could a raw return value be an address (docs/reading.md)? */
static int raw_return_is_number(int64_t v, unsigned arch_bits)
{
  if (v >= 0)
    return v < 0x100000; /* nothing is mapped below 1 MiB on Linux */
  if (arch_bits == 32)
    return v >= -8192;   /* a 32-bit process's addresses reach 0xffffdfff */
  return 1;              /* x86-64 user addresses are below 2^56: never negative */
}

int64_t ospy_raw_return_value(uint64_t retval, unsigned arch_bits)
{
  if (arch_bits == 32 || (retval >> 32 == 0 && (uint32_t)retval >= 0xfffff001u))
    return (int64_t)(int32_t)(uint32_t)retval;
  return (int64_t)retval;
}

size_t ospy_format_raw_return(char out[OSPY_RAW_RETURN_TEXT_MAX], uint64_t retval,
                              unsigned arch_bits)
{
  int64_t v = ospy_raw_return_value(retval, arch_bits);
  int n = raw_return_is_number(v, arch_bits)
              ? snprintf(out, OSPY_RAW_RETURN_TEXT_MAX, "%" PRId64, v)
              : snprintf(out, OSPY_RAW_RETURN_TEXT_MAX, "%#" PRIx64,
                         arch_bits == 32 ? (uint64_t)(uint32_t)retval : retval);
  return n > 0 ? (size_t)n : 0;
}

static void put_retval(FILE *out, const ospy_event_call *c, const ospy_format_opts *o)
{
  if (c->h.flags & OSPY_CALL_F_NO_RETURN) {
    fputs(" = ?", out); /* as strace shows exit_group */
    return;
  }
  int64_t v = ospy_raw_return_value(c->retval, c->arch_bits);
  char text[OSPY_RAW_RETURN_TEXT_MAX];
  ospy_format_raw_return(text, c->retval, c->arch_bits);
  fputc(' ', out);
  if (o && o->failed)
    color_on(out, o, COLOR_RED);
  fprintf(out, "= %s", text);
  if (v < 0 && v >= -4096 && c->err)
    put_errno(out, c->err);
  if (o && o->failed)
    color_off(out, o);
}

/* The values text "(args) = ret": a failed call's return value in red and
 * with the errno name. */
static void put_values_text(FILE *out, const char *text, size_t n, const ospy_event_call *c,
                            const ospy_format_opts *o)
{
  const char *eq = NULL;
  for (const char *p = text; (p = strstr(p, ") = ")) != NULL; p++)
    eq = p;
  if (!o->failed || !eq) {
    fwrite(text, 1, n, out);
    return;
  }
  fwrite(text, 1, (size_t)(eq + 2 - text), out);
  color_on(out, o, COLOR_RED);
  fwrite(eq + 2, 1, n - (size_t)(eq + 2 - text), out);
  if (c->err && !o->errno_hidden)
    put_errno(out, c->err);
  color_off(out, o);
}

/* An FdName record: what the descriptor refers to from now on. */
static void note_fd_name(const ospy_event_fd_name *r, const ospy_format_opts *o)
{
  if (!o || !o->fdnames)
    return;
  char name[4097];
  size_t n = r->name_len < sizeof name - 1 ? r->name_len : sizeof name - 1;
  memcpy(name, r + 1, n);
  name[n] = 0;
  if (n)
    ospy_fdnames_set(o->fdnames, r->h.pid, r->fd, name);
  else
    ospy_fdnames_forget(o->fdnames, r->h.pid, r->fd);
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
  ospy_fdnames_of fc = { o->fdnames, c->h.pid };
  if (o->fdnames)
    ospy_values_set_fd_namer(ospy_fdnames_namer, &fc);
  char *buf = text, *big = NULL;
  /* a call that did not return has no leave values */
  const uint8_t *leave = c->leave_len ? enter + c->enter_len : NULL;
  size_t n = ospy_values_format_call(fn, enter, c->enter_len, leave, c->leave_len, text,
                                     sizeof text);
  /* n is the length the text needs (as snprintf): a longer one (a 64 KiB
   * buffer shown with -s 0 as \xNN escapes) is formatted again into a buffer
   * that fits, never written out past the end of this one */
  if (n >= sizeof text && (big = malloc(n + 1)))
    n = ospy_values_format_call(fn, enter, c->enter_len, leave, c->leave_len, buf = big, n + 1);
  else if (n >= sizeof text)
    n = sizeof text - 1;
  ospy_values_set_fd_namer(NULL, NULL);
  if (!n) {
    free(big);
    return 0;
  }
  put_values_text(out, buf + (buf[0] == '('), n - (buf[0] == '('), c, o);
  free(big);
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

static unsigned bits_of(unsigned bytes) { return bytes >= 1 && bytes <= 8 ? bytes * 8 : 0; }

static int64_t sign_extend(uint64_t v, unsigned bits)
{
  return bits >= 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static int errno_style(int64_t v)
{
  return v >= -4095 && v <= -1 ? OSPY_OUTCOME_FAILED : OSPY_OUTCOME_SUCCESSFUL;
}

/* errorValue="N" (mmap's MAP_FAILED, signal's SIG_ERR): the return value
 * equals N at the width of the return type (-1 is all ones of a 32-bit
 * pointer on i386, of a 64-bit one on x86-64). */
static int is_error_value(const ospy_spec_fn *fn, const ospy_event_call *c, unsigned bits)
{
  if (!bits)
    bits = c->arch_bits == 32 ? 32 : 64;
  uint64_t mask = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
  return (c->retval & mask) == ((uint64_t)fn->error_value & mask);
}

int ospy_call_outcome(const ospy_spec_table *specs, const ospy_spec_fn *fn,
                      const ospy_event_call *c)
{
  if (c->h.flags & OSPY_CALL_F_NO_RETURN)
    return OSPY_OUTCOME_UNKNOWN;
  if (!fn || !specs || fn->ret_raw) /* (a return type not known: the raw rule) */
    return errno_style(ospy_raw_return_value(c->retval, c->arch_bits));
  if (fn->error_cond.src) /* the agent evaluated it when the call returned */
    return c->h.flags & OSPY_CALL_F_FAILED ? OSPY_OUTCOME_FAILED : OSPY_OUTCOME_SUCCESSFUL;
  if (!fn->has_ret)
    return OSPY_OUTCOME_SUCCESSFUL;
  const ospy_spec_type *rt = ospy_spec_table_type(specs, fn->ret.type);
  unsigned w = bits_of(ospy_spec_scalar_width(specs, &fn->ret));
  if (fn->has_error_value)
    return is_error_value(fn, c, w) ? OSPY_OUTCOME_FAILED : OSPY_OUTCOME_SUCCESSFUL;
  if (fn->ret.ptr || (rt && rt->kind == OSPY_KIND_POINTER)) {
    uint64_t p = c->arch_bits == 32 ? (uint32_t)c->retval : c->retval;
    return p || fn->null_ok ? OSPY_OUTCOME_SUCCESSFUL : OSPY_OUTCOME_FAILED;
  }
  if (rt && rt->kind == OSPY_KIND_ERRNO)
    return (uint32_t)c->retval ? OSPY_OUTCOME_FAILED : OSPY_OUTCOME_SUCCESSFUL;
  /* a signed enumeration's negative values are errors (EAI_*, Z_*,
   * LIBUSB_ERROR_*), negative at its width (32 bits unless marshalAs says
   * otherwise); one without a negative member (or read as an unsigned
   * marshalAs type) is never negative, as show writes it */
  if (rt && rt->kind == OSPY_KIND_ENUM)
    return ospy_spec_scalar_signed(specs, &fn->ret) && sign_extend(c->retval, w ? w : 32) < 0
             ? OSPY_OUTCOME_FAILED : OSPY_OUTCOME_SUCCESSFUL;
  if (rt && rt->is_signed && w && rt->kind != OSPY_KIND_BOOL)
    return errno_style(sign_extend(c->retval, w));
  return OSPY_OUTCOME_SUCCESSFUL;
}

/* Whether a failed call's errno says why (<returnValue setsErrno>): errno is
 * sticky, so a function that reports otherwise shows what an earlier call
 * left. Unsaid: an enumeration's member is the error (EAI_NONAME,
 * Z_DATA_ERROR) unless the spec's errorValue is the failure (SIG_ERR, the C
 * convention: errno says why). */
static int errno_tells_why(const ospy_spec_fn *fn, const ospy_spec_type *rt)
{
  if (fn->errno_rule != OSPY_ERRNO_BY_TYPE)
    return fn->errno_rule == OSPY_ERRNO_SET;
  if (rt && rt->kind == OSPY_KIND_ERRNO && !fn->ret.ptr)
    return 0; /* the return value is the error number (posix_memalign's EINVAL) */
  return !(rt && rt->kind == OSPY_KIND_ENUM && !fn->ret.ptr && !fn->has_error_value);
}

/* Whether the hook's spec leaves its return value raw (ret_raw). */
static int spec_ret_raw(const ospy_plan_hook *hk, const ospy_format_opts *o)
{
  const ospy_spec_fn *fn = o && o->specs && hk && hk->spec_index != OSPY_PLAN_NO_SPEC
                             ? ospy_spec_table_fn(o->specs, hk->spec_index) : NULL;
  return fn && fn->ret_raw;
}

/* ", argN=0x1f" (as %#x: 0 without the 0x) */
static void put_raw_arg(FILE *out, unsigned n, uint64_t v)
{
  char t[48];
  size_t len = 0;
  if (n) {
    t[len++] = ',';
    t[len++] = ' ';
  }
  memcpy(t + len, "arg", 3);
  len += 3;
  len += put_decimal(t + len, n, 0);
  t[len++] = '=';
  if (v) {
    t[len++] = '0';
    t[len++] = 'x';
    char d[16];
    size_t k = 0;
    for (; v; v >>= 4)
      d[k++] = "0123456789abcdef"[v & 15];
    while (k)
      t[len++] = d[--k];
  } else {
    t[len++] = '0';
  }
  fwrite(t, 1, len, out);
}

static void put_call(FILE *out, const ospy_event_call *c, const ospy_plan *plan,
                     const ospy_format_opts *o)
{
  const ospy_plan_hook *hk = plan ? ospy_plan_hook_at(plan, c->hook) : NULL;
  ospy_format_opts decided;
  if (o) {
    const ospy_spec_fn *fn = o->specs && hk && hk->spec_index != OSPY_PLAN_NO_SPEC
                               ? ospy_spec_table_fn(o->specs, hk->spec_index) : NULL;
    const ospy_spec_type *rt = fn && fn->has_ret ? ospy_spec_table_type(o->specs, fn->ret.type)
                                                 : NULL;
    decided = *o;
    if (o->failed_auto)
      decided.failed = ospy_call_outcome(o->specs, fn, c) == OSPY_OUTCOME_FAILED;
    decided.errno_hidden = fn && !errno_tells_why(fn, rt);
    o = &decided;
  }
  color_on(out, o, COLOR_BOLD);
  if (hk) { /* (a module's file name is the program's to choose) */
    const char *name = hk->display[0] ? hk->display : hk->symbol;
    ospy_safe_fputs(out, name, strlen(name));
  }
  else
    fprintf(out, "hook#%u", c->hook);
  color_off(out, o);
  const uint8_t *bt = (const uint8_t *)(c + 1);
  const uint8_t *enter = bt + (size_t)c->nbt * 8;
  fputc('(', out);
  if (c->h.flags & OSPY_CALL_F_RAW) {
    for (uint32_t i = 0; i + 8 <= c->enter_len; i += 8) {
      uint64_t v;
      memcpy(&v, enter + i, 8);
      put_raw_arg(out, i / 8, c->arch_bits == 32 ? (uint32_t)v : v);
    }
  } else if (put_values(out, c, hk, enter, o)) {
    /* the values text carries the parentheses and the return value, but for
     * a return type the spec does not know (shown as a raw call's) */
    if ((c->h.flags & OSPY_CALL_F_NO_RETURN) || spec_ret_raw(hk, o))
      put_retval(out, c, o);
    goto tail;
  } else {
    fprintf(out, "<%u+%u bytes of values>", c->enter_len, c->leave_len);
  }
  fputc(')', out);
  put_retval(out, c, o);
tail:
  if (o && o->show_duration && c->ts_leave >= c->h.ts)
    fprintf(out, " <%.6f>", (double)(c->ts_leave - c->h.ts) / 1e9);
  fputc('\n', out);
  if (o && o->show_backtrace)
    for (unsigned i = 0; i < c->nbt; i++) {
      uint64_t a;
      memcpy(&a, bt + i * 8, 8);
      char where[512];
      ospy_symbolizer_name(o->symbols, c->h.pid, a, where, sizeof where);
      /* frames after the caller found by scanning the stack: likely, not certain */
      const char *how = i && (c->h.flags & OSPY_CALL_F_BT_SCANNED) ? " (scanned)" : "";
      if (o->symbols) { /* (the module's file name as the program chose it: escaped) */
        fprintf(out, "    #%u 0x%0*" PRIx64 " ", i, c->arch_bits == 32 ? 8 : 16, a);
        ospy_safe_fputs(out, where, strlen(where));
        fprintf(out, "%s\n", how);
      } else
        fprintf(out, "    #%u %#" PRIx64 "%s\n", i, a, how);
    }
}

static void put_message(FILE *out, const ospy_event_message *m, const ospy_format_opts *o)
{
  const char *kind = m->h.type == OSPY_EV_ERROR ? "error" : m->h.type == OSPY_EV_WARNING ? "warning" : "info";
  color_on(out, o, m->h.type == OSPY_EV_ERROR ? COLOR_RED
                   : m->h.type == OSPY_EV_WARNING ? COLOR_YELLOW : COLOR_DIM);
  fprintf(out, "--- %s: ", kind);
  put_escaped(out, (const char *)(m + 1), m->text_len);
  color_off(out, o);
  fputc('\n', out);
}

static void put_module(FILE *out, const ospy_event_module *m, const ospy_format_opts *o)
{
  color_on(out, o, COLOR_DIM);
  fprintf(out, "--- %s ", m->h.type == OSPY_EV_MODULE_LOAD ? "loaded" : "unloaded");
  put_escaped(out, (const char *)(m + 1), m->path_len);
  fprintf(out, " at %#" PRIx64 " (%#" PRIx64 " bytes)", m->base, m->size);
  color_off(out, o);
  fputc('\n', out);
}

/* A command line quoted as a shell reads it back: "sort 'in put.txt'". */
static void put_argv(FILE *out, const char *argv, size_t n)
{
  size_t len = ospy_argv_text(argv, n, NULL, 0);
  char *text = malloc(len + 1);
  if (!text) {
    put_escaped(out, argv, n);
    return;
  }
  ospy_argv_text(argv, n, text, len + 1);
  fputs(text, out);
  free(text);
}

static void put_start(FILE *out, const ospy_event_process_start *s, const ospy_format_opts *o)
{
  color_on(out, o, COLOR_GREEN);
  fprintf(out, "+++ %s (parent %u, %u-bit): ",
          s->h.flags & OSPY_START_F_ATTACHED ? "attached to process" : "process started", s->ppid,
          s->arch_bits);
  put_argv(out, (const char *)(s + 1), s->cmd_len);
  color_off(out, o);
  fputc('\n', out);
}

const char *ospy_signal_text(int sig, char *buf)
{
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev)
    snprintf(buf, OSPY_SIGNAL_TEXT_MAX, "SIG%s", abbrev);
  else
    snprintf(buf, OSPY_SIGNAL_TEXT_MAX, "signal %d", sig);
  return buf;
}

static void put_exit(FILE *out, const ospy_event_process_exit *e, const ospy_format_opts *o)
{
  int bad = e->how == OSPY_EXIT_SIGNAL || (e->how == OSPY_EXIT_CODE && e->status);
  char sig[OSPY_SIGNAL_TEXT_MAX];
  color_on(out, o, bad ? COLOR_RED : COLOR_GREEN);
  if (e->how == OSPY_EXIT_SIGNAL)
    fprintf(out, "+++ killed by %s +++", ospy_signal_text(e->status, sig));
  else if (e->how == OSPY_EXIT_DETACHED)
    fprintf(out, "+++ detached +++");
  else
    fprintf(out, "+++ exited with %d +++", e->status);
  color_off(out, o);
  fputc('\n', out);
}

void ospy_format_follow(const ospy_event_hdr *h, const ospy_format_opts *o)
{
  if (!o)
    return;
  if (h->type == OSPY_EV_FD_NAME)
    note_fd_name((const ospy_event_fd_name *)h, o);
  else if (h->type == OSPY_EV_PROCESS_START && o->fdnames)
    ospy_fdnames_forget_pid(o->fdnames, h->pid);
  if (o->symbols)
    ospy_symbolizer_note(o->symbols, h);
}

void ospy_format_event(FILE *out, const ospy_event_hdr *h, const ospy_plan *plan,
                       const ospy_format_opts *o)
{
  ospy_format_follow(h, o);
  if (h->type == OSPY_EV_FD_NAME || h->type == OSPY_EV_HOOK_NAME ||
      (h->flags & OSPY_EVENT_F_REPEATED))
    return; /* (what later records are shown with; a repeat was shown once) */
  put_prefix(out, h, o);
  switch (h->type) {
  case OSPY_EV_CALL:
    put_call(out, (const ospy_event_call *)h, plan, o);
    break;
  case OSPY_EV_MODULE_LOAD:
  case OSPY_EV_MODULE_UNLOAD:
    put_module(out, (const ospy_event_module *)h, o);
    break;
  case OSPY_EV_ERROR:
  case OSPY_EV_WARNING:
  case OSPY_EV_INFO:
    put_message(out, (const ospy_event_message *)h, o);
    break;
  case OSPY_EV_PROCESS_START:
    put_start(out, (const ospy_event_process_start *)h, o);
    break;
  case OSPY_EV_PROCESS_EXIT:
    put_exit(out, (const ospy_event_process_exit *)h, o);
    break;
  case OSPY_EV_LOST:
    color_on(out, o, COLOR_YELLOW);
    /* the causes this capture can have: a full ring drops only with --lossy */
    fprintf(out, "--- lost %" PRIu64 " event%s of thread %u (%sdetaching, called by a signal "
            "handler inside a hook, nested deeper than 256 hooked calls, no memory for the "
            "thread's records, or the thread died while writing one)",
            ((const ospy_event_lost *)h)->count, ((const ospy_event_lost *)h)->count == 1 ? "" : "s",
            h->tid,
            plan && (ospy_plan_options(plan) & OSPY_PLAN_OPT_LOSSY) ? "ring full with --lossy, " : "");
    color_off(out, o);
    fputc('\n', out);
    break;
  default:
    fprintf(out, "--- record type %u\n", h->type);
  }
}
