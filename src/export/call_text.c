/* Calls as comparable text (see call_text.h). */
#include "export/call_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ring.h"
#include "plan/values.h"
#include "plan/values_format.h"

#define PREVIEW 24

typedef struct tbuf {
  char *p;
  size_t n, cap; /* cap excludes the room kept for the final NUL */
} tbuf;

static void put(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(tbuf *b, const char *fmt, ...)
{
  if (b->n >= b->cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(b->p + b->n, b->cap - b->n + 1, fmt, ap);
  va_end(ap);
  if (k > 0)
    b->n = b->n + (size_t)k > b->cap ? b->cap : b->n + (size_t)k;
}

static void end_piece(tbuf *b)
{
  b->p[b->n] = '\0';
  if (b->n < b->cap)
    b->n++;
}

uint64_t ospy_fnv1a(uint64_t h, const void *p, size_t n)
{
  const uint8_t *s = p;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* A value as show writes it, through show's own formatter (plan/values.h). */
static void put_leaf_text(tbuf *b, const ospy_value *v)
{
  size_t room = b->n < b->cap ? b->cap - b->n : 0;
  size_t k = ospy_values_leaf_text(v, b->p + b->n, room + 1);
  b->n = b->n + k > b->cap ? b->cap : b->n + k;
}

/* A byte array: its first PREVIEW bytes as show writes a buffer, then, when
 * there are more (or the agent capped it), "...[N bytes #HASH]" over every
 * recorded byte; one that ran into unreadable memory says so as show does,
 * "<unreadable after 3 bytes>(3 of 100 bytes)". */
static void put_bytes(tbuf *b, const ospy_xvalue *v)
{
  int unreadable = (v->flags & OSPY_XVALUE_UNREADABLE) != 0;
  ospy_value preview = { .kind = OSPY_VALUE_BYTES, .bytes = v->bytes,
                         .nbytes = v->nbytes < PREVIEW ? v->nbytes : PREVIEW,
                         .hex = (v->flags & OSPY_XVALUE_HEX) != 0 }; /* <78 78> */
  put_leaf_text(b, &preview);
  if (v->nbytes > PREVIEW || ((v->flags & OSPY_XVALUE_TRUNCATED) && !unreadable))
    put(b, "...[%zu bytes #%08llx]", v->nbytes,
        (unsigned long long)(ospy_fnv1a(OSPY_FNV_INIT, v->bytes, v->nbytes) & 0xffffffffu));
  if (!unreadable)
    return;
  put(b, "<unreadable after %zu bytes>", v->nbytes);
  if (v->total > v->nbytes)
    put(b, "(%zu of %llu bytes)", v->nbytes, (unsigned long long)v->total);
}

/* The code unit of a string type: UnicodeString UTF-16, WideString
 * (wchar_t) UTF-32, AsciiString bytes; 0 for a value that is no string. */
static unsigned string_unit(const ospy_xvalue *v)
{
  return !strcmp(v->type, "AsciiString") ? 1 : !strcmp(v->type, "UnicodeString") ? 2
         : !strcmp(v->type, "WideString") ? 4 : 0;
}

static int is_string(const ospy_xvalue *v)
{
  return string_unit(v) != 0;
}

static void put_unit(uint8_t *out, uint32_t u, unsigned unit)
{
  for (unsigned i = 0; i < unit; i++)
    out[i] = (uint8_t)(u >> (8 * i));
}

/* A wide string's text (UTF-8 in the event) back in its code units,
 * UTF-16LE or UTF-32LE, as the agent read them: show's formatter then counts
 * the bytes read as show does. 0 when they do not fit in cap bytes. */
static size_t wide_units(const char *s, unsigned unit, uint8_t *out, size_t cap)
{
  size_t n = 0, len = strlen(s);
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t k = ospy_utf8_seq((const uint8_t *)s + i, len - i, &cp);
    if (!k)
      cp = 0xfffd, k = 1; /* (the event's text is UTF-8; a byte that is not: one unit) */
    i += k;
    int pair = unit == 2 && cp >= 0x10000;
    if (n + (pair ? 4 : unit) > cap)
      return 0;
    if (pair) {
      put_unit(out + n, 0xd800 + ((cp - 0x10000) >> 10), 2);
      put_unit(out + n + 2, 0xdc00 + ((cp - 0x10000) & 0x3ff), 2);
    } else {
      put_unit(out + n, cp, unit);
    }
    n += pair ? 4 : unit;
  }
  return n;
}

/* A string as ospy show writes it, through show's formatter: quoted and
 * escaped (valid UTF-8 as it is, control characters and bytes that are not
 * UTF-8 as \xNN), "..." after it when the agent capped it, and
 * "<unreadable after N bytes>" when unreadable memory ended it. unit: its
 * code unit (a wide string is given back its units to count its bytes). */
static void put_string_text(tbuf *b, const char *s, unsigned unit, uint32_t flags)
{
  uint8_t units[OSPY_CALL_TEXT_MAX * 4];
  ospy_value v = { .kind = OSPY_VALUE_STRING, .unit = 1, .bytes = (const uint8_t *)s,
                   .nbytes = strlen(s) };
  if (unit > 1 && (v.nbytes = wide_units(s, unit, units, sizeof units)) > 0) {
    v.unit = unit;
    v.bytes = units;
  } else {
    v.nbytes = strlen(s); /* ASCII, or too long to convert: as UTF-8 */
  }
  v.flags = (flags & OSPY_XVALUE_UNREADABLE) ? OSPY_VB_CUT
            : (flags & OSPY_XVALUE_TRUNCATED) ? OSPY_VB_CAPPED : 0;
  put_leaf_text(b, &v);
}

static void put_string(tbuf *b, const char *s)
{
  put_string_text(b, s, 1, 0);
}

/* ospy's own entries in a traced program's environment: the controller
 * starts the program with OSPY_RING_FD=FD:PID:PIDFD and the agent first in
 * LD_PRELOAD (cli/cmd_capture.c); under -F the agent leaves both in place and
 * passes them on to every program exec'd (agent/follow_env.c), the agent then
 * under a per-run /tmp/ospy-agents.XXXXXX/$LIB. Both change from run to run
 * and say nothing about the program: an environment is compared without them
 * (an entry that is only ospy's is left out, LD_PRELOAD keeps the program's
 * own elements). */
#define RING_ENTRY OSPY_RING_ENV "="
#define PRELOAD_ENTRY "LD_PRELOAD="
#define AGENT_NAME "libospy-agent"

static int has_prefix(const char *s, const char *prefix)
{
  return !strncmp(s, prefix, strlen(prefix));
}

/* LD_PRELOAD's elements as ld.so splits them (at ':' and blanks). */
static size_t preload_element(const char *e)
{
  return strcspn(e, ": \t");
}

static const char *next_preload_element(const char *e)
{
  e += preload_element(e);
  return e + strspn(e, ": \t");
}

/* The first element of an "LD_PRELOAD=..." entry. */
static const char *first_preload_element(const char *entry)
{
  const char *e = entry + strlen(PRELOAD_ENTRY);
  return e + strspn(e, ": \t");
}

static int is_agent_element(const char *e)
{
  size_t len = preload_element(e);
  return len && memmem(e, len, AGENT_NAME, sizeof AGENT_NAME - 1);
}

static int preload_has_agent(const char *s)
{
  for (const char *e = first_preload_element(s); *e; e = next_preload_element(e))
    if (is_agent_element(e))
      return 1;
  return 0;
}

/* An environment entry ospy put there and nothing of the program's. */
static int ospy_env_entry(const char *s)
{
  if (has_prefix(s, RING_ENTRY))
    return 1;
  if (!has_prefix(s, PRELOAD_ENTRY))
    return 0;
  for (const char *e = first_preload_element(s); *e; e = next_preload_element(e))
    if (!is_agent_element(e))
      return 0;
  return preload_has_agent(s); /* (an empty LD_PRELOAD= is the program's) */
}

/* "LD_PRELOAD=" and the program's own elements, ':'-joined. */
static void put_preload_without_agent(tbuf *b, const char *s)
{
  char kept[OSPY_CALL_TEXT_MAX] = PRELOAD_ENTRY;
  size_t n = strlen(kept);
  for (const char *e = first_preload_element(s); *e; e = next_preload_element(e)) {
    size_t len = preload_element(e);
    if (is_agent_element(e) || n + len + 2 > sizeof kept)
      continue;
    if (n > strlen(PRELOAD_ENTRY))
      kept[n++] = ':';
    memcpy(kept + n, e, len);
    n += len;
  }
  kept[n] = '\0';
  put_string(b, kept);
}

/* The string a value holds, itself or through a pointer (an array of char*);
 * NULL for other values. */
static const char *held_string(const ospy_xvalue *v)
{
  if (ospy_xvalue_is_pointer(v) && v->nchildren == 1)
    v = &v->children[0];
  return is_string(v) && v->text ? v->text : NULL;
}

/* A process id (ProcessId, config.md): a new one every run. 0 and negative
 * values keep their meaning (fork's child, an error, kill's process group or
 * every process) and are compared. */
static int run_time_pid(const ospy_xvalue *v)
{
  return !strcmp(v->type, "ProcessId") && v->text && strtoll(v->text, NULL, 0) > 0;
}

/* A raw word (argN of a call without a spec) above 0xffff: an address. */
static int raw_address(const ospy_xvalue *v)
{
  if (!v->name || v->name[0] != 'a' || strncmp(v->name, "arg", 3) || !v->text)
    return 0;
  if (strcmp(v->type, "UInt64") && strcmp(v->type, "UInt32"))
    return 0;
  char *end;
  for (const char *s = v->name + 3; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return strtoull(v->text, &end, 0) > 0xffff;
}

/* A signal handler that is none of SIG_DFL, SIG_IGN, SIG_ERR (the
 * catalogue's SigHandler, an enumeration read at pointer width): a code
 * address, different in every run of a PIE program. */
static int handler_address(const ospy_xvalue *v)
{
  return !strcmp(v->type, "Enum") && v->subtype && !strcmp(v->subtype, "SigHandler") && v->text &&
         !strncmp(v->text, "0x", 2);
}

static void put_value(tbuf *b, const ospy_xvalue *v);

/* An argument or field of which nothing was recorded, not even why: its
 * logCondition did not hold (open's mode without O_CREAT, a preset's
 * computed helper argument). Left out, as show leaves it out; `?` is a
 * value the agent skipped (OSPY_XVALUE_SKIPPED: a read it needed faulted). */
static int left_out(const ospy_xvalue *v)
{
  return !v->text && !v->nchildren && !v->nbytes && !v->flags && !v->not_recorded &&
         (!v->type || !v->type[0]);
}

static void put_children(tbuf *b, const ospy_xvalue *v, const char *open, const char *close)
{
  put(b, "%s", open);
  int first = 1;
  for (size_t i = 0; i < v->nchildren; i++) {
    const ospy_xvalue *c = &v->children[i];
    const char *str = held_string(c);
    if ((str && ospy_env_entry(str)) || left_out(c))
      continue;
    put(b, "%s", first ? "" : ", ");
    first = 0;
    if (c->name)
      put(b, "%s=", c->name);
    put_value(b, c);
  }
  put(b, "%s", close);
}

/* A value a format string consumed, as show writes it: a character in
 * quotes ('z', a quote or backslash as '\x27'), the others as values. */
static void put_format_value(tbuf *b, const ospy_xvalue *v)
{
  if (strcmp(v->type, "Char") || !v->text)
    put_value(b, v);
  else if (!strcmp(v->text, "'") || !strcmp(v->text, "\\"))
    put(b, "'\\x%02x'", (unsigned char)v->text[0]);
  else
    put(b, "'%s'", v->text);
}

/* A format string as show writes it: the format, then the values it
 * consumed, "user=%s id=%d"("alice", 7); "..." for values not decoded. */
static void put_format(tbuf *b, const ospy_xvalue *v)
{
  int cut = (v->flags & OSPY_XVALUE_TRUNCATED) != 0;
  if (!v->nchildren) {
    put(b, "?");
    return;
  }
  put_value(b, &v->children[0]);
  if (v->nchildren == 1 && !cut)
    return;
  put(b, "(");
  for (size_t i = 1; i < v->nchildren; i++) {
    put(b, "%s", i > 1 ? ", " : "");
    put_format_value(b, &v->children[i]);
  }
  put(b, "%s)", !cut ? "" : v->nchildren > 1 ? ", ..." : "...");
}

static void put_value(tbuf *b, const ospy_xvalue *v)
{
  if (v->flags & OSPY_XVALUE_FORMAT) {
    put_format(b, v);
  } else if ((v->flags & OSPY_XVALUE_UNREADABLE) && is_string(v) && v->text) {
    put_string_text(b, v->text, string_unit(v), v->flags); /* a readable prefix */
  } else if ((v->flags & OSPY_XVALUE_UNREADABLE) && !strcmp(v->type, "ByteArray")) {
    put_bytes(b, v);
  } else if (v->flags & OSPY_XVALUE_UNREADABLE) {
    put(b, "<unreadable>");
  } else if (v->flags & OSPY_XVALUE_BAD_SIZE) {
    put(b, "<bad size %lld>", (long long)v->bad_size);
  } else if (v->not_recorded) { /* for want of room, or past the nesting limit */
    put(b, "<%s>", v->not_recorded);
  } else if (ospy_xvalue_is_pointer(v)) { /* Pointer, a structure's XPtr */
    if (v->text && !strcmp(v->text, "NULL"))
      put(b, "NULL");
    else if (v->nchildren) {
      if (strcmp(v->children[0].type, "ByteArray") && !is_string(&v->children[0]))
        put(b, "&"); /* a buffer or string shows as its content, as in ospy show */
      put_value(b, &v->children[0]);
    } else
      put(b, "ptr");
  } else if (!strcmp(v->type, "VaList")) {
    put(b, v->text && !strcmp(v->text, "NULL") ? "NULL" : "ptr"); /* where its values are */
  } else if (!strcmp(v->type, "ByteArray") && v->text && v->subtype &&
             !strcmp(v->subtype, "sockaddr")) {
    put(b, "%s", v->text); /* the address, not its padding */
  } else if (!strcmp(v->type, "ByteArray")) {
    put_bytes(b, v);
  } else if (!strcmp(v->type, "Struct")) {
    put_children(b, v, "{", "}");
  } else if (!strcmp(v->type, "Array")) {
    put_children(b, v, "[", "]");
  } else if (is_string(v) && v->text && has_prefix(v->text, PRELOAD_ENTRY) &&
             preload_has_agent(v->text)) {
    put_preload_without_agent(b, v->text);
  } else if (is_string(v) && v->text) {
    put_string_text(b, v->text, string_unit(v), v->flags);
  } else if (raw_address(v) || handler_address(v)) {
    put(b, "ptr");
  } else if (run_time_pid(v)) {
    put(b, "pid");
  } else {
    put(b, "%s", v->text ? v->text : "?");
  }
}

static void put_args(tbuf *b, const ospy_xvalue *args, size_t n, const char *eq)
{
  for (size_t i = 0; i < n; i++) {
    if (left_out(&args[i]))
      continue;
    put(b, "%s%s", args[i].name ? args[i].name : "?", eq);
    put_value(b, &args[i]);
    end_piece(b);
  }
}

size_t ospy_call_text(const ospy_xevent *ev, char *out, size_t cap)
{
  if (!cap)
    return 0;
  tbuf b = { out, 0, cap - 1 };
  put(&b, "%s", ev->name ? ev->name : "?");
  end_piece(&b);
  put_args(&b, ev->args_in, ev->nargs_in, "=");
  put_args(&b, ev->args_out, ev->nargs_out, "=>");
  if (ev->retval) {
    put(&b, "=");
    put_value(&b, ev->retval);
    end_piece(&b);
    if (ev->has_last_error && ev->retval->text && ev->retval->text[0] == '-') {
      const char *name = strerrorname_np((int)ev->last_error);
      if (name)
        put(&b, "errno=%s", name); /* EIO, as show names it */
      else
        put(&b, "errno=%d", (int)ev->last_error);
      end_piece(&b);
    }
  }
  if (b.n && out[b.n - 1] == '\0')
    return b.n;
  out[b.n] = '\0'; /* the last piece was cut */
  return b.n + 1;
}

const char *ospy_call_text_next(const char *text, size_t len, const char *piece)
{
  const char *end = text + len;
  const char *p = piece + strlen(piece) + 1;
  return p < end ? p : NULL;
}
