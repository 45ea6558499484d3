/* .osd to events: the container header, then the event XML streamed with
 * xmlTextReader; each <event> subtree is expanded, converted into arena
 * memory, handed to the callback, and freed before the next one. */
#include "export/osd_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/xmlreader.h>

#include "export/arena.h"
#include "export/osd_charrefs.h"
#include "export/osd_input.h"
#include "export/text.h"
#include "export/xml_writer.h"

#define MAX_VALUE_DEPTH 64
#define EVENT_MEMORY_LIMIT (256u << 20) /* one event's decoded data */

typedef struct reader_ctx {
  const char *path;
  ospy_osd_input in;
  ospy_charrefs refs; /* between the input and libxml2 */
  ospy_arena arena;
  char err[512];
  int failed;
} reader_ctx;

static void fail_at(reader_ctx *c, xmlNodePtr n, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void fail_at(reader_ctx *c, xmlNodePtr n, const char *fmt, ...)
{
  if (c->failed)
    return;
  c->failed = 1;
  char msg[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(c->err, sizeof c->err, "%s: line %ld: %s", c->path,
           n ? xmlGetLineNo(n) : 0L, msg);
}

static int no_memory(reader_ctx *c, xmlNodePtr n)
{
  fail_at(c, n, "out of memory (or one event over %u MiB)", EVENT_MEMORY_LIMIT >> 20);
  return -1;
}

static int is_elem(xmlNodePtr n, const char *name)
{
  return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* An attribute's value copied into the arena, or NULL when absent. */
static const char *get_attr(reader_ctx *c, xmlNodePtr n, const char *name)
{
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  const char *s = ospy_arena_strdup(&c->arena, (const char *)v);
  xmlFree(v);
  if (!s)
    no_memory(c, n);
  return s;
}

static const char *get_text(reader_ctx *c, xmlNodePtr n)
{
  xmlChar *v = xmlNodeGetContent(n);
  const char *s = ospy_arena_strdup(&c->arena, v ? (const char *)v : "");
  xmlFree(v);
  if (!s)
    no_memory(c, n);
  return s;
}

/* Text without surrounding blanks: some oSpy files were indented. */
static const char *get_trimmed_text(reader_ctx *c, xmlNodePtr n)
{
  const char *t = get_text(c, n);
  if (!t)
    return NULL;
  t += strspn(t, " \t\r\n");
  char *s = ospy_arena_strdup(&c->arena, t);
  if (!s) {
    no_memory(c, n);
    return NULL;
  }
  for (size_t l = strlen(s); l && strchr(" \t\r\n", s[l - 1]); l--)
    s[l - 1] = '\0';
  return s;
}

/* Decimal or 0x-hex, the whole string, no sign. */
static int parse_u64(reader_ctx *c, xmlNodePtr n, const char *what, const char *s,
                     uint64_t *out)
{
  char *end;
  errno = 0;
  int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (*s < '0' || *s > '9')
    goto bad;
  *out = strtoull(s, &end, hex ? 16 : 10);
  if (errno || *end || (hex && end == s + 2))
    goto bad;
  return 0;
bad:
  fail_at(c, n, "bad %s \"%s\" (expected an unsigned number)", what, s);
  return -1;
}

static int parse_u32(reader_ctx *c, xmlNodePtr n, const char *what, const char *s,
                     uint32_t *out)
{
  uint64_t v;
  if (parse_u64(c, n, what, s, &v) < 0)
    return -1;
  if (v > UINT32_MAX) {
    fail_at(c, n, "%s %s does not fit 32 bits", what, s);
    return -1;
  }
  *out = (uint32_t)v;
  return 0;
}

static xmlNodePtr first_value_child(xmlNodePtr n)
{
  for (xmlNodePtr k = n->children; k; k = k->next)
    if (is_elem(k, "value"))
      return k;
  return NULL;
}

static int convert_value(reader_ctx *c, xmlNodePtr vn, ospy_xvalue *v, int depth);

/* An <argument>, <field> or <returnValue> without a <value> is kept as a
 * value with an empty type, which the writers reproduce. */
static int convert_unreadable(reader_ctx *c, xmlNodePtr n, ospy_xvalue *v)
{
  const char *unreadable = get_attr(c, n, "unreadable");
  if (!unreadable)
    return 0;
  if (parse_u64(c, n, "unreadable address", unreadable, &v->addr) < 0)
    return -1;
  v->flags |= OSPY_XVALUE_UNREADABLE;
  return 0;
}

/* ... and one whose memory could not be read has the address on it. */
static int convert_holder(reader_ctx *c, xmlNodePtr holder, ospy_xvalue *v, int depth)
{
  xmlNodePtr vn = first_value_child(holder);
  if (!vn) {
    v->type = "";
    v->not_recorded = get_attr(c, holder, "notRecorded"); /* ospy's: and why */
    return convert_unreadable(c, holder, v);
  }
  return convert_value(c, vn, v, depth);
}

static int convert_children(reader_ctx *c, xmlNodePtr vn, ospy_xvalue *v, int depth)
{
  size_t n = 0;
  for (xmlNodePtr k = vn->children; k; k = k->next)
    n += is_elem(k, "field") || is_elem(k, "value");
  if (n == 0)
    return 0;
  ospy_xvalue *kids = ospy_arena_alloc(&c->arena, n * sizeof *kids);
  if (!kids)
    return no_memory(c, vn);
  size_t i = 0;
  for (xmlNodePtr k = vn->children; k; k = k->next) {
    if (is_elem(k, "field")) {
      kids[i].name = get_attr(c, k, "name");
      if (!kids[i].name) {
        fail_at(c, k, "<field> without a name");
        return -1;
      }
      if (convert_holder(c, k, &kids[i++], depth + 1) < 0)
        return -1;
    } else if (is_elem(k, "value")) {
      if (convert_value(c, k, &kids[i++], depth + 1) < 0)
        return -1;
    }
  }
  v->children = kids;
  v->nchildren = n;
  return 0;
}

static int convert_bytes(reader_ctx *c, xmlNodePtr vn, ospy_xvalue *v)
{
  const char *text = get_text(c, vn);
  if (!text)
    return -1;
  uint8_t *buf = ospy_arena_alloc(&c->arena, strlen(text) / 4 * 3 + 1);
  if (!buf)
    return no_memory(c, vn);
  size_t n = ospy_base64_decode(text, buf);
  if (n == (size_t)-1) {
    fail_at(c, vn, "ByteArray content is not valid base64");
    return -1;
  }
  const char *size = get_attr(c, vn, "size");
  uint64_t want;
  if (size && (parse_u64(c, vn, "ByteArray size", size, &want) < 0 || want != n)) {
    fail_at(c, vn, "ByteArray size=\"%s\" but its base64 holds %zu bytes", size, n);
    return -1;
  }
  v->bytes = buf;
  v->nbytes = n;
  return 0;
}

/* badSize="-1" (ospy's): a pointer whose buffer or array was not read */
static int convert_bad_size(reader_ctx *c, xmlNodePtr vn, ospy_xvalue *v)
{
  const char *bad = get_attr(c, vn, "badSize");
  if (!bad)
    return 0;
  char *end;
  errno = 0;
  long long n = strtoll(bad, &end, 10);
  if (!*bad || *end || errno) {
    fail_at(c, vn, "bad badSize \"%s\"", bad);
    return -1;
  }
  v->flags |= OSPY_XVALUE_BAD_SIZE;
  v->bad_size = n;
  return 0;
}

/* The writer's 32-bit two's complement hex of a negative descriptor
 * (0xffffffff) back to the number the capture had (-1). */
static void negative_fd_back(reader_ctx *c, xmlNodePtr vn, ospy_xvalue *v)
{
  if (strcmp(v->type, "FileDescriptor") || !v->text || strncmp(v->text, "0x", 2) ||
      strlen(v->text) != 10)
    return;
  char *end;
  unsigned long long u = strtoull(v->text + 2, &end, 16);
  if (*end || u < 0x80000000u)
    return;
  char num[16];
  snprintf(num, sizeof num, "%" PRId32, (int32_t)(uint32_t)u);
  if (!(v->text = ospy_arena_strdup(&c->arena, num)))
    no_memory(c, vn);
}

static int convert_value(reader_ctx *c, xmlNodePtr vn, ospy_xvalue *v, int depth)
{
  if (depth > MAX_VALUE_DEPTH) {
    fail_at(c, vn, "values nested deeper than %d levels", MAX_VALUE_DEPTH);
    return -1;
  }
  if (!(v->type = get_attr(c, vn, "type"))) {
    fail_at(c, vn, "<value> without a type attribute");
    return -1;
  }
  int array = !strcmp(v->type, "Array");
  v->subtype = get_attr(c, vn, array ? "elementType" : "subType");
  v->text = get_attr(c, vn, "value");
  const char *names = get_attr(c, vn, "names");
  if (names || (v->text && !strcmp(v->type, "Flags"))) {
    /* Flags: the number in value="", the member names here; none set: the
     * text is the number as show writes it (0x0, where oSpy's hex wrote 0) */
    v->number = v->text;
    v->text = names ? names : !strcmp(v->text, "0") ? "0x0" : v->text;
  }
  negative_fd_back(c, vn, v);
  const char *total = get_attr(c, vn, "totalSize");
  if (total) {
    if (parse_u64(c, vn, "totalSize", total, &v->total) < 0)
      return -1;
    v->flags |= OSPY_XVALUE_TRUNCATED;
  }
  const char *cut = get_attr(c, vn, "truncated");
  if (cut && !strcmp(cut, "true"))
    v->flags |= OSPY_XVALUE_TRUNCATED; /* a string of unknown length */
  const char *stand_in = get_attr(c, vn, "unrecorded");
  if (stand_in && !strcmp(stand_in, "true"))
    v->flags |= OSPY_XVALUE_UNRECORDED; /* a socket address field not recorded */
  if (convert_unreadable(c, vn, v) < 0)
    return -1;
  if (convert_bad_size(c, vn, v) < 0)
    return -1;
  v->not_recorded = get_attr(c, vn, "notRecorded"); /* ospy's: a pointer not followed */
  if (!strcmp(v->type, "ByteArray") && convert_bytes(c, vn, v) < 0)
    return -1;
  return c->failed ? -1 : convert_children(c, vn, v, depth);
}

static int convert_arguments(reader_ctx *c, xmlNodePtr an, ospy_xevent *ev)
{
  const char *dir = get_attr(c, an, "direction");
  int out = dir && !strcmp(dir, "out");
  if (!dir || (!out && strcmp(dir, "in"))) {
    fail_at(c, an, "<arguments> direction must be \"in\" or \"out\"");
    return -1;
  }
  size_t n = 0;
  for (xmlNodePtr k = an->children; k; k = k->next)
    n += is_elem(k, "argument");
  ospy_xvalue *args = ospy_arena_alloc(&c->arena, (n ? n : 1) * sizeof *args);
  if (!args)
    return no_memory(c, an);
  size_t i = 0;
  for (xmlNodePtr k = an->children; k; k = k->next) {
    if (!is_elem(k, "argument"))
      continue;
    const char *name = get_attr(c, k, "name");
    if (convert_holder(c, k, &args[i], 1) < 0)
      return -1;
    args[i++].name = name ? name : "";
  }
  if (out)
    ev->has_args_out = true, ev->args_out = args, ev->nargs_out = n;
  else
    ev->has_args_in = true, ev->args_in = args, ev->nargs_in = n;
  return 0;
}

static int convert_backtrace(reader_ctx *c, xmlNodePtr bn, ospy_xevent *ev)
{
  size_t n = 0;
  for (xmlNodePtr k = bn->children; k; k = k->next)
    n += is_elem(k, "entry");
  ospy_xframe *fr = ospy_arena_alloc(&c->arena, (n ? n : 1) * sizeof *fr);
  if (!fr)
    return no_memory(c, bn);
  size_t i = 0;
  for (xmlNodePtr k = bn->children; k; k = k->next) {
    if (!is_elem(k, "entry"))
      continue;
    fr[i].module = get_attr(c, k, "moduleName");
    const char *scanned = get_attr(c, k, "scanned");
    fr[i].scanned = scanned && !strcmp(scanned, "true");
    const char *t = get_trimmed_text(c, k);
    if (!t || parse_u64(c, k, "backtrace address", t, &fr[i++].addr) < 0)
      return -1;
  }
  ev->backtrace = fr;
  ev->nframes = n;
  return 0;
}

static int convert_last_error(reader_ctx *c, xmlNodePtr n, ospy_xevent *ev)
{
  const char *v = get_attr(c, n, "value");
  char *end;
  errno = 0;
  long long e = v ? strtoll(v, &end, 10) : 0;
  /* the original wrote a DWORD: accept 0..UINT32_MAX as well as negatives */
  if (!v || !*v || *end || errno || e < INT32_MIN || e > UINT32_MAX) {
    fail_at(c, n, "bad lastError value \"%s\"", v ? v : "(missing)");
    return -1;
  }
  ev->has_last_error = true;
  ev->last_error = (int32_t)(uint32_t)e;
  return 0;
}

/* <name>: ospyName="" when the writer made the text loadable by oSpy
 * (module::ns.Class.method for module::ns::Class::method), else the text. */
static int convert_name(reader_ctx *c, xmlNodePtr k, ospy_xevent *ev)
{
  ev->name = get_attr(c, k, "ospyName");
  if (!ev->name && !c->failed)
    ev->name = get_trimmed_text(c, k);
  return ev->name ? 0 : -1;
}

static int convert_child(reader_ctx *c, xmlNodePtr k, ospy_xevent *ev)
{
  if (is_elem(k, "name"))
    return convert_name(c, k, ev);
  if (is_elem(k, "message"))
    return (ev->message = get_text(c, k)) ? 0 : -1;
  if (is_elem(k, "backtrace"))
    return convert_backtrace(c, k, ev);
  if (is_elem(k, "arguments"))
    return convert_arguments(c, k, ev);
  if (is_elem(k, "lastError"))
    return convert_last_error(c, k, ev);
  if (is_elem(k, "returnValue")) {
    ospy_xvalue *rv = ospy_arena_alloc(&c->arena, sizeof *rv);
    if (!rv)
      return no_memory(c, k);
    ev->retval = rv;
    if (convert_holder(c, k, rv, 0) < 0)
      return -1;
    /* the value="" the writer gives a return value without one of its own */
    const char *filler = rv->type[0] ? ospy_xml_return_filler(rv->type) : NULL;
    if (filler && rv->text && !strcmp(rv->text, filler))
      rv->text = NULL;
    return 0;
  }
  return 0; /* <cpuContext> and unknown elements are skipped */
}

/* ---- events ospy has no model of: their elements as they are ---- */

static size_t count_elements(xmlNodePtr n)
{
  size_t k = 0;
  for (xmlNodePtr e = n->children; e; e = e->next)
    k += e->type == XML_ELEMENT_NODE;
  return k;
}

/* acc + piece in the arena (the pieces of one element's text are few) */
static const char *text_append(reader_ctx *c, xmlNodePtr n, const char *acc, const char *piece)
{
  size_t a = acc ? strlen(acc) : 0, p = strlen(piece);
  char *t = ospy_arena_alloc(&c->arena, a + p + 1);
  if (!t) {
    no_memory(c, n);
    return NULL;
  }
  memcpy(t, acc ? acc : "", a);
  memcpy(t + a, piece, p + 1);
  return t;
}

/* An element's own text: its text, CDATA and entity pieces together;
 * NULL when it has none, or only whitespace beside child elements (the
 * indentation of some oSpy files). */
static int element_text(reader_ctx *c, xmlNodePtr n, const char **out)
{
  const char *t = NULL;
  for (xmlNodePtr k = n->children; k; k = k->next) {
    if (k->type != XML_TEXT_NODE && k->type != XML_CDATA_SECTION_NODE &&
        k->type != XML_ENTITY_REF_NODE)
      continue;
    xmlChar *piece = xmlNodeGetContent(k);
    if (piece && *piece)
      t = text_append(c, n, t, (const char *)piece);
    xmlFree(piece);
    if (c->failed)
      return -1;
  }
  if (t && count_elements(n) && !t[strspn(t, " \t\r\n")])
    t = NULL;
  *out = t;
  return 0;
}

static int convert_element_attrs(reader_ctx *c, xmlNodePtr n, ospy_xelement *e)
{
  size_t k = 0;
  for (xmlAttrPtr a = n->properties; a; a = a->next)
    k++;
  if (!k)
    return 0;
  ospy_xattr *attrs = ospy_arena_alloc(&c->arena, k * sizeof *attrs);
  if (!attrs)
    return no_memory(c, n);
  size_t i = 0;
  for (xmlAttrPtr a = n->properties; a; a = a->next, i++) {
    attrs[i].name = ospy_arena_strdup(&c->arena, (const char *)a->name);
    attrs[i].value = get_attr(c, n, (const char *)a->name);
    if (!attrs[i].name || !attrs[i].value)
      return no_memory(c, n);
  }
  e->attrs = attrs;
  e->nattrs = k;
  return 0;
}

static int convert_elements(reader_ctx *c, xmlNodePtr n, const ospy_xelement **out,
                            size_t *nout, int depth);

static int convert_element(reader_ctx *c, xmlNodePtr n, ospy_xelement *e, int depth)
{
  if (depth > MAX_VALUE_DEPTH) {
    fail_at(c, n, "elements nested deeper than %d levels", MAX_VALUE_DEPTH);
    return -1;
  }
  if (!(e->name = ospy_arena_strdup(&c->arena, (const char *)n->name)))
    return no_memory(c, n);
  if (convert_element_attrs(c, n, e) < 0 || element_text(c, n, &e->text) < 0)
    return -1;
  return convert_elements(c, n, &e->children, &e->nchildren, depth + 1);
}

/* n's child elements, in order */
static int convert_elements(reader_ctx *c, xmlNodePtr n, const ospy_xelement **out,
                            size_t *nout, int depth)
{
  size_t k = count_elements(n);
  if (!k)
    return 0;
  ospy_xelement *els = ospy_arena_alloc(&c->arena, k * sizeof *els);
  if (!els)
    return no_memory(c, n);
  size_t i = 0;
  for (xmlNodePtr e = n->children; e; e = e->next)
    if (e->type == XML_ELEMENT_NODE && convert_element(c, e, &els[i++], depth) < 0)
      return -1;
  *out = els;
  *nout = k;
  return 0;
}

/* AsyncResult (oSpy's AsyncIO plugin: <requestId>, <data>) and
 * IOCTL_INTERNAL_USB_SUBMIT_URB (its USB driver agent: <URB>,
 * <PendingReturned>): content ospy has no model of, kept as elements. */
static int is_unmodelled(ospy_xevent_type t)
{
  return t == OSPY_XEV_ASYNC_RESULT || t == OSPY_XEV_USB_SUBMIT_URB;
}

static int convert_event_attrs(reader_ctx *c, xmlNodePtr en, ospy_xevent *ev)
{
  const char *id = get_attr(c, en, "id"), *type = get_attr(c, en, "type");
  const char *ts = get_attr(c, en, "timestamp");
  const char *pid = get_attr(c, en, "processId"), *tid = get_attr(c, en, "threadId");
  if (!id || !type || !ts || !pid || !tid) {
    fail_at(c, en, "<event> needs id, type, timestamp, processId and threadId attributes");
    return -1;
  }
  int t = ospy_xevent_type_from_name(type);
  if (t < 0) {
    fail_at(c, en, "unknown event type \"%s\"", type);
    return -1;
  }
  /* ospy's own types travel as the original Info/Warning plus ospyType */
  const char *own = get_attr(c, en, "ospyType");
  int o = own ? ospy_xevent_type_from_name(own) : -1;
  if (own && o < 0) {
    fail_at(c, en, "unknown ospyType \"%s\"", own);
    return -1;
  }
  ev->type = (ospy_xevent_type)(o >= 0 ? o : t);
  /* a call written as Info: one that did not return (its message is made
   * from its name when written again) */
  ev->unfinished = o == OSPY_XEV_FUNCTION_CALL && t != OSPY_XEV_FUNCTION_CALL;
  uint64_t ft;
  if (parse_u64(c, en, "event id", id, &ev->id) < 0 ||
      parse_u64(c, en, "timestamp", ts, &ft) < 0 ||
      parse_u32(c, en, "processId", pid, &ev->pid) < 0 ||
      parse_u32(c, en, "threadId", tid, &ev->tid) < 0)
    return -1;
  ev->ts_ns = ospy_filetime_to_unix_ns(ft);
  ev->has_filetime = true; /* kept: ts_ns saturates before 1677 and after 2262 */
  ev->filetime = ft;
  ev->process_name = get_attr(c, en, "processName");
  return c->failed ? -1 : 0;
}

/* A Lost event's count, from the message ospy writes for it ("7 events
 * lost", "1 events lost"); left unknown when the message says otherwise. */
static void lost_count_of(ospy_xevent *ev)
{
  char *end;
  errno = 0;
  unsigned long long n = strtoull(ev->message, &end, 10);
  if (end != ev->message && ev->message[0] >= '0' && ev->message[0] <= '9' && !errno &&
      !strcmp(end, " events lost")) {
    ev->has_lost_count = true;
    ev->lost_count = n;
  }
}

/* A call written as Info (ospyType FunctionCall) that returned: one oSpy's
 * socket parser could not read (xml_writer.c), recorded with its definition
 * (its message says so), or without one (its raw words: the message says so,
 * or files of older ospy versions, by its return value). Else it is a call
 * that did not return. */
static void returned_after_all(ospy_xevent *ev)
{
  const char *m = ev->message ? ev->message : "";
  if (!strncmp(m, OSPY_XML_NOT_PARSED_CALL, strlen(OSPY_XML_NOT_PARSED_CALL))) {
    ev->unfinished = false;
  } else if (ev->retval) {
    ev->unfinished = false;
    ev->raw_words = true;
  }
}

static int convert_event(reader_ctx *c, xmlNodePtr en, ospy_xevent *ev)
{
  memset(ev, 0, sizeof *ev);
  if (convert_event_attrs(c, en, ev) < 0)
    return -1;
  if (is_unmodelled(ev->type))
    return convert_elements(c, en, &ev->elements, &ev->nelements, 1);
  for (xmlNodePtr k = en->children; k; k = k->next)
    if (k->type == XML_ELEMENT_NODE && convert_child(c, k, ev) < 0)
      return -1;
  if (ev->unfinished) /* written as Info: did it return? */
    returned_after_all(ev);
  if (ev->type == OSPY_XEV_FUNCTION_CALL)
    ev->message = NULL;
  /* "process started: CMD" back to CMD, as the capture had it; "attached to
   * process: CMD" too, an attached process's */
  const char *prefix;
  ospy_xevent_original_type(ev->type, &prefix);
  if (ev->type == OSPY_XEV_PROCESS_START && ev->message &&
      !strncmp(ev->message, OSPY_XEV_ATTACHED_PREFIX, strlen(OSPY_XEV_ATTACHED_PREFIX))) {
    ev->attached = true;
    prefix = OSPY_XEV_ATTACHED_PREFIX;
  }
  size_t n = strlen(prefix);
  if (ev->message && n && !strncmp(ev->message, prefix, n))
    ev->message += n;
  if (ev->type == OSPY_XEV_LOST && ev->message)
    lost_count_of(ev);
  return c->failed ? -1 : 0;
}

/* ---- the XML stream ---- */

static int input_read(void *ctx, char *buf, int len)
{
  reader_ctx *c = ctx;
  return ospy_osd_input_read(&c->in, buf, len);
}

/* The XML as libxml2 reads it: references to characters XML 1.0 forbids
 * (oSpy's .NET writer wrote &#x1B; for an ESC) as U+FFFD (osd_charrefs.h). */
static int xml_read(void *ctx, char *buf, int len)
{
  reader_ctx *c = ctx;
  return ospy_charrefs_read(&c->refs, buf, len);
}

static int xml_close(void *ctx)
{
  (void)ctx;
  return 0;
}

static void xml_error(void *ctx, xmlErrorPtr e)
{
  reader_ctx *c = ctx;
  if (c->failed || e->level < XML_ERR_ERROR)
    return;
  c->failed = 1;
  if (c->in.err[0]) { /* libxml only saw the failing read: say why */
    snprintf(c->err, sizeof c->err, "%s", c->in.err);
    return;
  }
  char msg[256];
  snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
  msg[strcspn(msg, "\n")] = '\0';
  snprintf(c->err, sizeof c->err, "%s: XML error at line %d, column %d: %s",
           c->path, e->line, e->int2, msg);
}

static int stream_events(reader_ctx *c, xmlTextReaderPtr r, ospy_osd_event_fn fn,
                         void *data, uint64_t *count)
{
  int rc = xmlTextReaderRead(r);
  while (rc == 1) {
    if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
        xmlTextReaderDepth(r) != 1 ||
        strcmp((const char *)xmlTextReaderConstLocalName(r), "event")) {
      rc = xmlTextReaderRead(r);
      continue;
    }
    xmlNodePtr en = xmlTextReaderExpand(r);
    if (!en) {
      rc = -1; /* the error handler has said why, or the input has */
      break;
    }
    ospy_xevent ev;
    if (convert_event(c, en, &ev) < 0)
      return -1;
    int cb = fn(&ev, data);
    if (cb != 0)
      return cb;
    (*count)++;
    ospy_arena_reset(&c->arena);
    rc = xmlTextReaderNext(r);
  }
  if (rc < 0 || c->failed || c->in.err[0]) {
    if (!c->failed)
      snprintf(c->err, sizeof c->err, "%s", c->in.err[0] ? c->in.err : "XML error");
    c->failed = 1;
    return -1;
  }
  return 0;
}

static uint32_t get_u32le(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The older uncompressed variant, as the 2008 UI saved it ("save
 * uncompressed", MainForm.Save and the DumpSaver of then): "oSpy", then the
 * u32 event count, a UTF-8 BOM and the XML. Told from v2 by what follows
 * the u32: a BOM or '<' where v2 has isCompressed (0 or 1), whatever the
 * count (2 included). */
static bool old_uncompressed(const uint8_t *h, size_t got)
{
  return (got >= 11 && !memcmp(h + 8, "\xEF\xBB\xBF", 3)) || (got >= 9 && h[8] == '<');
}

/* Reads the container header and prepares c->in at the start of the XML. */
static int open_container(reader_ctx *c, FILE *f, ospy_osd_info *info)
{
  uint8_t h[16];
  size_t got = fread(h, 1, sizeof h, f);
  if (got >= 4 && !memcmp(h, "oSpy", 4) && old_uncompressed(h, got)) {
    info->version = 1;
    info->compressed = 0;
    info->nevents = get_u32le(h + 4);
    if (fseek(f, 8, SEEK_SET) != 0) {
      snprintf(c->err, sizeof c->err, "%s: seek failed: %s", c->path, strerror(errno));
      return -1;
    }
    return ospy_osd_input_init(&c->in, f, c->path, 8, false);
  }
  if (got >= 4 && !memcmp(h, "oSpy", 4)) {
    if (got < 16) {
      snprintf(c->err, sizeof c->err, "%s: truncated header (%zu of 16 bytes)", c->path, got);
      return -1;
    }
    info->version = (int)get_u32le(h + 4);
    info->compressed = (int)get_u32le(h + 8);
    info->nevents = get_u32le(h + 12);
    if (info->version != 2) {
      snprintf(c->err, sizeof c->err, "%s: offset 4: unsupported .osd version %u "
               "(this reads version 2)", c->path, get_u32le(h + 4));
      return -1;
    }
    if (get_u32le(h + 8) > 1) {
      snprintf(c->err, sizeof c->err, "%s: offset 8: invalid isCompressed value %u",
               c->path, get_u32le(h + 8));
      return -1;
    }
    return ospy_osd_input_init(&c->in, f, c->path, 16, info->compressed);
  }
  if (got >= 3 && !memcmp(h, "BZh", 3)) { /* the older all-bzip2 variant */
    uint8_t cnt[4];
    info->version = 1;
    info->compressed = 1;
    if (fseek(f, 0, SEEK_SET) != 0 || ospy_osd_input_init(&c->in, f, c->path, 0, true) < 0 ||
        ospy_osd_input_read_full(&c->in, cnt, 4) < 0) {
      snprintf(c->err, sizeof c->err, "%s", c->in.err[0] ? c->in.err : "seek failed");
      return -1;
    }
    info->nevents = get_u32le(cnt);
    return 0;
  }
  bool ours = got >= 8 && !memcmp(h, "OSPYCAPT", 8); /* ospy's own capture file */
  if (ours)
    snprintf(c->err, sizeof c->err,
             "%s: offset 0: not an oSpy capture: it is an ospy capture: read it with `ospy show "
             "%s`, or convert it with `ospy export %s -o OUT.osd` (or OUT.xml, OUT.jsonl, ...)",
             c->path, c->path, c->path);
  else
    snprintf(c->err, sizeof c->err, "%s: offset 0: not an oSpy capture (%s)", c->path,
             got ? "neither the \"oSpy\" magic nor a bzip2 stream" : "empty file");
  return -1;
}

static int read_xml(reader_ctx *c, ospy_osd_event_fn fn, void *data, ospy_osd_info *info)
{
  ospy_charrefs_init(&c->refs, input_read, c);
  xmlTextReaderPtr r = xmlReaderForIO(xml_read, xml_close, c, c->path, NULL,
                                      XML_PARSE_NONET);
  if (!r) {
    snprintf(c->err, sizeof c->err, "%s: cannot start the XML reader", c->path);
    return -1;
  }
  xmlTextReaderSetStructuredErrorHandler(r, xml_error, c);
  uint64_t count = 0;
  int rc = stream_events(c, r, fn, data, &count);
  xmlFreeTextReader(r);
  if (rc == 0 && count != info->nevents) {
    snprintf(c->err, sizeof c->err, "%s: the header announces %u events but the file "
             "holds %llu", c->path, info->nevents, (unsigned long long)count);
    rc = -1;
  }
  return rc;
}

int ospy_osd_read(const char *path, ospy_osd_event_fn fn, void *data,
                  ospy_osd_info *info, char *err, size_t errcap)
{
  ospy_osd_info local;
  reader_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  c->path = path;
  ospy_arena_init(&c->arena, EVENT_MEMORY_LIMIT);
  info = info ? info : &local;
  memset(info, 0, sizeof *info);
  int rc = -1;
  struct stat st;
  FILE *f = fopen(path, "rb");
  if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f); /* fopen takes a directory; reading it would say "empty file" */
    f = NULL;
    errno = EISDIR;
  }
  if (!f)
    snprintf(c->err, sizeof c->err, "%s: %s", path, strerror(errno));
  else if (open_container(c, f, info) == 0)
    rc = read_xml(c, fn, data, info);
  if (rc == -1)
    snprintf(err, errcap, "%s", c->err[0] ? c->err : "read failed");
  ospy_osd_input_close(&c->in);
  if (f)
    fclose(f);
  ospy_arena_free(&c->arena);
  free(c);
  return rc;
}
