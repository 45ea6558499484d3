/* Values-decoder visitor -> value-tree builder. Kinds map onto oSpy's value
 * shapes: integers and enums carry their text, pointers their address and
 * pointee, byte arrays their bytes (truncated when capped or cut), strings
 * their text converted to UTF-8, values that were not recorded become an
 * argument without a value (as oSpy wrote them). */
#include "export/values_bridge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/format.h"
#include "export/printf_text.h"
#include "plan/spec.h"
#include "plan/values.h"
#include "plan/values_format.h"

struct ospy_values_bridge {
  ospy_spec_table *specs;
  char *text;      /* a string converted to UTF-8, grown to the longest one */
  size_t text_cap;
};

/* A pointer, structure or array being visited: its kind and where its own
 * memory starts (a pointer: its value), when known. */
typedef struct open_value {
  int kind;
  int has_start;
  uint64_t start;
  int dropped;  /* an array: an element left out (its memory was unreadable) */
} open_value;

typedef struct visit {
  ospy_values_bridge *vb;
  ospy_xbuilder *b;
  const ospy_spec_fn *fn;
  unsigned dir;       /* the blob's direction: OSPY_DIR_IN at entry, OUT at return */
  int next_arg;       /* one more than the last argument index seen */
  /* per depth, the open pointer, structure or array */
  open_value open[OSPY_VB_MAX_DEPTH + 4];
  char scratch[512];  /* a number's or a socket address's text */
  /* inside a format string's values: their conversions, from the format */
  unsigned fmt_depth; /* depth of the format's values; 0: not inside one */
  unsigned nconvs;
  char convs[64];
  uint8_t sizes[64];
  /* the format and its values as printf takes them, to write the text it
   * printed (arena copies); fmt_text NULL: the format is not whole */
  const char *fmt_text;
  unsigned fmt_unit;  /* its code unit: 1, 2 (UTF-16, MSVC's printf) or 4 */
  ospy_printf_arg fargs[64];
  unsigned nfargs;
  int fmt_incomplete; /* a value missing (not decoded, too many) */
} visit;

ospy_values_bridge *ospy_values_bridge_new(const ospy_plan *plan, char *err, size_t errcap)
{
  size_t len = 0;
  const void *blob = plan ? ospy_plan_spec_blob(plan, &len) : NULL;
  if (!blob || !len) {
    snprintf(err, errcap, "the capture's plan holds no function specs");
    return NULL;
  }
  ospy_values_bridge *vb = calloc(1, sizeof *vb);
  if (!vb) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  if (ospy_spec_table_decode(blob, len, &vb->specs, err, errcap) < 0) {
    free(vb);
    return NULL;
  }
  return vb;
}

void ospy_values_bridge_free(ospy_values_bridge *vb)
{
  if (!vb)
    return;
  ospy_spec_table_free(vb->specs);
  free(vb->text);
  free(vb);
}

/* A code point as UTF-8; U+FFFD for one that is no character (a lone
 * surrogate, past U+10FFFF). */
static size_t put_utf8(char *out, uint32_t cp)
{
  char u[8];
  size_t n = ospy_utf8_encode(cp, u);
  if (!n)
    n = ospy_utf8_encode(0xFFFD, u);
  memcpy(out, u, n);
  return n;
}

/* An out pointer whose logCondition did not hold at return: its address
 * (values_format.h, OSPY_VB_NOT_LOGGED). */
static int not_logged(const ospy_value *v)
{
  return v->kind == OSPY_VALUE_NOT_FOLLOWED && v->u == OSPY_VB_NOT_LOGGED;
}

/* UTF-8 bytes pass through (the writers replace invalid ones); UTF-16LE
 * (surrogate pairs joined) and UTF-32LE are converted. NULs end the text. */
static const char *string_text(visit *vs, const ospy_value *v)
{
  /* UTF-8 from UTF-16 takes at most 3 bytes a unit, from UTF-32 4 */
  size_t need = v->nbytes * 2 + 8;
  ospy_values_bridge *vb = vs->vb;
  if (need > vb->text_cap) {
    char *t = realloc(vb->text, need);
    if (!t)
      return "";
    vb->text = t;
    vb->text_cap = need;
  }
  char *out = vb->text;
  size_t o = 0;
  const uint8_t *p = v->bytes;
  size_t units = v->unit ? v->nbytes / v->unit : 0;
  for (size_t i = 0; i < units; i++) {
    uint32_t cp;
    if (v->unit == 1) {
      cp = p[i];
      if (!cp)
        break;
      out[o++] = (char)cp;
      continue;
    }
    if (v->unit == 2) {
      cp = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
      if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < units) {
        uint32_t lo = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i++;
        }
      }
    } else {
      memcpy(&cp, p + 4 * i, 4); /* little-endian host and target */
    }
    if (!cp)
      break;
    o += put_utf8(out + o, cp);
  }
  out[o] = '\0';
  return out;
}

/* An enumeration's value that is none of its members (its definition says
 * neither hex nor octal): its text is the number show writes, in decimal,
 * signed when the enumeration is (a negative member, a signed marshalAs
 * type): 99, -123, for JSON Lines, Perfetto and diff; its hex is beside it
 * for the XML and .osd (enum_number). */
static int enum_fallback_value(const ospy_value *v)
{
  return v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_ENUM && !v->text && !v->hex &&
         !v->octal;
}

static const char *scalar_text(visit *vs, const ospy_value *v)
{
  char *t = vs->scratch;
  size_t cap = sizeof vs->scratch;
  switch (v->kind) {
  case OSPY_VALUE_INT:
    if (v->text)
      return v->text;
    /* an address-only Pointer argument, as oSpy's Pointer marshaller wrote
     * every address: NULL or hex, whatever the spec's hex says */
    if (v->type_name && !strcmp(v->type_name, "Pointer")) {
      snprintf(t, cap, v->u ? "0x%" PRIx64 : "NULL", v->u);
      return t;
    }
    /* an argsSize word: as a raw word of a call without a spec, in hex
     * when it could be an address (oSpy: above 0xffff and readable) */
    if (v->raw_word) {
      snprintf(t, cap, v->u > 0xffff ? "0x%" PRIx64 : "%" PRIu64, v->u);
      return t;
    }
    /* a va_list's word, as oSpy's VaList marshaller wrote it */
    if (v->type_kind == OSPY_KIND_VALIST) {
      snprintf(t, cap, v->u ? "0x%" PRIx64 : "NULL", v->u);
      return t;
    }
    /* an enumeration's value that is none of its members: as show writes
     * it (the XML writes its hex, enum_number) */
    if (enum_fallback_value(v)) {
      if (v->is_signed)
        snprintf(t, cap, "%" PRId64, (int64_t)v->u);
      else
        snprintf(t, cap, "%" PRIu64, v->u);
      return t;
    }
    /* hex="true": 0x and hex digits, but 0 for zero, as oSpy's integer
     * marshaller wrote it (0x only before a value that is not 0) */
    if ((v->hex && v->u) || (v->type_kind == OSPY_KIND_ENUM && v->u))
      snprintf(t, cap, "0x%" PRIx64, ospy_value_hex_bits(v));
    else if (v->octal) /* octal="true", a mode: as C and `show` write it, 0644 */
      snprintf(t, cap, v->u ? "0%" PRIo64 : "0", ospy_value_hex_bits(v));
    else if (v->is_signed)
      snprintf(t, cap, "%" PRId64, (int64_t)v->u);
    else
      snprintf(t, cap, "%" PRIu64, v->u);
    return t;
  case OSPY_VALUE_FLOAT:
    ospy_values_real_text(v->d, v->width, t, cap);
    return t;
  case OSPY_VALUE_NULL:
    return "NULL"; /* as oSpy's Pointer marshaller wrote it */
  case OSPY_VALUE_NOT_FOLLOWED:
    if (not_logged(v) && !v->address)
      return "NULL";
    snprintf(t, cap, "0x%" PRIx64, v->address);
    return t;
  case OSPY_VALUE_POINTER:
  case OSPY_VALUE_UNREADABLE:
  case OSPY_VALUE_BAD_SIZE:
    snprintf(t, cap, "0x%" PRIx64, v->address);
    return t;
  case OSPY_VALUE_STRING:
    return string_text(vs, v);
  default:
    return NULL;
  }
}

static int has_children(const ospy_value *v)
{
  /* a format string's values are its children: as siblings they became
   * nameless arguments of the call */
  return v->kind == OSPY_VALUE_POINTER || v->kind == OSPY_VALUE_STRUCT ||
         v->kind == OSPY_VALUE_ARRAY || v->kind == OSPY_VALUE_FORMAT;
}

static const char *int_type(int is_signed, unsigned bytes)
{
  return bytes == 8 ? (is_signed ? "Int64" : "UInt64") : (is_signed ? "Int32" : "UInt32");
}

/* A value a format string consumed (it has no spec type): typed and shown
 * as its conversion prints it (%x hex, %c a character, %ld 64-bit...). */
static const char *format_value(visit *vs, const ospy_value *v, const char **text)
{
  unsigned k = (unsigned)v->index - 1;
  char conv = k < vs->nconvs ? vs->convs[k] : 0;
  unsigned ptr = vs->vb->specs->ptr_size;
  unsigned bytes = !conv ? ptr : vs->sizes[k] == 2 ? 8 : vs->sizes[k] == 1 ? ptr : 4;
  if (v->kind == OSPY_VALUE_STRING)
    return v->unit == 1 ? "AsciiString" : "UnicodeString";
  if (v->kind == OSPY_VALUE_FLOAT)
    return "Double";
  if (v->kind != OSPY_VALUE_INT)
    return v->type_name;
  uint64_t u = bytes == 8 ? v->u : v->u & 0xffffffffu;
  char *t = vs->scratch;
  size_t cap = sizeof vs->scratch;
  *text = t;
  switch (conv) {
  case 'c':
    snprintf(t, cap, (u & 0xff) >= 0x20 && (u & 0xff) < 0x7f ? "%c" : "\\x%02x",
             (unsigned)(u & 0xff));
    return "Char";
  case 'C': /* %lc, %C: a wide character, as UTF-8 */
    if ((uint32_t)u < 0x20 || !ospy_utf8_encode((uint32_t)u, t))
      snprintf(t, cap, "\\x{%x}", (unsigned)(uint32_t)u);
    return "Char";
  case 'p':
  case 'n': /* where printf stores the count: a pointer */
    snprintf(t, cap, u ? "0x%" PRIx64 : "NULL", v->u);
    return "Pointer";
  case 'x': case 'X': snprintf(t, cap, "0x%" PRIx64, u); return int_type(0, bytes);
  case 'o': snprintf(t, cap, "0%" PRIo64, u); return int_type(0, bytes);
  case 'u': snprintf(t, cap, "%" PRIu64, u); return int_type(0, bytes);
  default: /* d, i, '*' */
    snprintf(t, cap, "%" PRId64, bytes == 8 ? (int64_t)u : (int64_t)(int32_t)u);
    return int_type(1, bytes);
  }
}

/* A string as an arena copy in UTF-8; NULL when it is not whole (cut at the
 * value cap or by unreadable memory) or out of memory. */
static const char *whole_string(visit *vs, const ospy_value *v)
{
  if (v->kind != OSPY_VALUE_STRING || (v->flags & (OSPY_VB_CAPPED | OSPY_VB_CUT)))
    return NULL;
  return ospy_arena_strdup(vs->b->arena, string_text(vs, v));
}

/* A value of the format being visited, kept for printf (printf_text.h). */
static void note_format_arg(visit *vs, const ospy_value *v)
{
  if (vs->nfargs >= sizeof vs->fargs / sizeof vs->fargs[0]) {
    vs->fmt_incomplete = 1;
    return;
  }
  ospy_printf_arg *a = &vs->fargs[vs->nfargs++];
  memset(a, 0, sizeof *a);
  if (v->kind == OSPY_VALUE_INT) {
    a->kind = OSPY_PRINTF_INT;
    a->u = v->u;
  } else if (v->kind == OSPY_VALUE_FLOAT) {
    a->kind = OSPY_PRINTF_REAL;
    a->d = v->d;
  } else if (v->kind == OSPY_VALUE_NULL) {
    a->kind = OSPY_PRINTF_NULL;
  } else if ((a->text = whole_string(vs, v))) {
    a->kind = OSPY_PRINTF_TEXT;
  } /* else unreadable, cut, not recorded: OSPY_PRINTF_MISSING */
}

static void note_format(visit *vs, const ospy_value *v)
{
  if (v->kind == OSPY_VALUE_FORMAT) {
    vs->fmt_depth = v->depth + 1;
    vs->nconvs = 0;
    vs->fmt_text = NULL;
    vs->fmt_unit = 1;
    vs->nfargs = 0;
    vs->fmt_incomplete = 0;
    return;
  }
  if (!vs->fmt_depth || v->depth != vs->fmt_depth)
    return;
  if (v->kind == OSPY_VALUE_FMT_STOP || v->kind == OSPY_VALUE_TRUNCATED)
    vs->fmt_incomplete = 1;
  else if (v->index > 0)
    note_format_arg(vs, v);
  else
    vs->fmt_text = whole_string(vs, v);
  if (v->index == 0 && v->kind == OSPY_VALUE_STRING) {
    vs->fmt_unit = v->unit; /* (a UTF-16 format is MSVC's printf: printf_text.h) */
    vs->nconvs = ospy_format_convs(v->bytes, v->nbytes, v->unit, vs->convs, vs->sizes,
                                   sizeof vs->convs);
  }
}

/* A Flags value's number, as oSpy's Int32 hex="true" wrote flags: 0x4000,
 * and 0 for zero (its socket parsers read send's and recv's flags with
 * Convert.ToInt32, which a name like MSG_NOSIGNAL makes throw). */
static void flags_number(visit *vs, const ospy_value *v)
{
  char num[24];
  uint64_t bits = ospy_value_hex_bits(v);
  snprintf(num, sizeof num, bits ? "0x%" PRIx64 : "0", bits);
  ospy_xb_number(vs->b, num);
}

/* The number of an enumeration's value that is none of its members, for
 * the XML and .osd: in hex, a negative one as its two's complement at its
 * width (0x63 for 99, 0xffffff85 for -123, 0 for zero), as oSpy's
 * enumerations wrote such a value (their fallback was UInt32 hex="true")
 * and its readers compare it. */
static void enum_number(visit *vs, const ospy_value *v)
{
  char num[24];
  uint64_t bits = ospy_value_hex_bits(v);
  snprintf(num, sizeof num, bits ? "0x%" PRIx64 : "0", bits);
  ospy_xb_number(vs->b, num);
}

#define NDEPTHS (sizeof ((visit *)0)->open / sizeof ((visit *)0)->open[0])

/* Where v's own memory is, when its parent says: a pointer's pointee at the
 * pointer's value, a format string at the format's recorded address, a field
 * or element at the parent's start plus its offset. */
static int own_address(const visit *vs, const ospy_value *v, uint64_t *at)
{
  if (v->depth == 0 || v->depth > NDEPTHS)
    return 0;
  const open_value *parent = &vs->open[v->depth - 1];
  if (parent->kind == OSPY_VALUE_POINTER) {
    *at = parent->start;
    return 1;
  }
  if (parent->kind == OSPY_VALUE_FORMAT) {
    *at = parent->start;
    return parent->has_start && v->index == 0;
  }
  if ((parent->kind != OSPY_VALUE_STRUCT && parent->kind != OSPY_VALUE_ARRAY) ||
      !parent->has_start || !v->has_offset)
    return 0;
  *at = parent->start + v->offset;
  return 1;
}

/* Where a string or buffer starts: its own address, or, for a format's %s
 * value (no pointer node holds it), the address recorded with it (STR_AT). */
static int string_start(const visit *vs, const ospy_value *v, uint64_t *at)
{
  if (v->kind == OSPY_VALUE_STRING && v->address) {
    *at = v->address;
    return 1;
  }
  return own_address(vs, v, at);
}

/* Remembers a pointer, structure or array as the parent of what follows. */
static void note_parent(visit *vs, const ospy_value *v)
{
  if (!has_children(v) || v->depth >= NDEPTHS)
    return;
  open_value *o = &vs->open[v->depth];
  o->kind = v->kind;
  o->dropped = 0;
  if (v->kind == OSPY_VALUE_POINTER || v->kind == OSPY_VALUE_FORMAT) {
    o->start = v->address;
    o->has_start = v->kind == OSPY_VALUE_POINTER || v->address; /* FMT: none recorded */
  } else {
    o->has_start = own_address(vs, v, &o->start);
  }
}

/* Whether an UNREADABLE value at `at` names v's own memory (not the pointee
 * of a pointer field or element): a field's address is its own; the agent
 * writes an element that runs into an unmapped page at its first unreadable
 * byte, which lies within the element. */
static int names_own_memory(const ospy_value *v, uint64_t at)
{
  if (v->address == at)
    return 1;
  return v->span && v->address > at && v->address - at < v->span;
}

/* A field or an array element whose own memory could not be read (not a
 * pointer in it whose pointee could not be): it has no value of its
 * declared type to show. *at: the field's or element's address. */
static int own_memory_unreadable(const visit *vs, const ospy_value *v, uint64_t *at)
{
  if (v->kind != OSPY_VALUE_UNREADABLE || !own_address(vs, v, at) || !names_own_memory(v, *at))
    return 0;
  int parent = vs->open[v->depth - 1].kind;
  return parent == OSPY_VALUE_STRUCT || parent == OSPY_VALUE_ARRAY;
}

/* A string or buffer field (inline in its structure, not through a pointer)
 * of which not a byte could be read: as a scalar field that could not be. */
static int inline_field_unreadable(const visit *vs, const ospy_value *v, uint64_t *at)
{
  return (v->kind == OSPY_VALUE_STRING || v->kind == OSPY_VALUE_BYTES) &&
         (v->flags & OSPY_VB_CUT) && v->nbytes == 0 && v->depth > 0 && v->depth <= NDEPTHS &&
         vs->open[v->depth - 1].kind == OSPY_VALUE_STRUCT && own_address(vs, v, at);
}

/* Such a field is written as oSpy wrote a field its marshaller gave no
 * value for, an empty <field>, with its address; such an element is left
 * out (the array holds the elements read before it) and its address is the
 * array's. */
static void put_own_memory_unreadable(visit *vs, const ospy_value *v, uint64_t at)
{
  if (vs->open[v->depth - 1].kind == OSPY_VALUE_ARRAY) {
    ospy_xb_unreadable(vs->b, at); /* on the open node: the array */
    vs->open[v->depth - 1].dropped = 1;
    return;
  }
  ospy_xb_open(vs->b, v->name, "", NULL, NULL);
  ospy_xb_unreadable(vs->b, at);
  ospy_xb_close(vs->b);
}

/* The blob ran out of room (OSPY_VB_END_TRUNCATED): the arguments of its
 * direction after the last one recorded were not recorded, and say why (an
 * argument without a value). The return value is the record's own. */
static void put_missing_args(visit *vs)
{
  for (uint32_t i = (uint32_t)vs->next_arg; i < vs->fn->nargs; i++) {
    const ospy_spec_arg *a = &vs->fn->args[i];
    const ospy_spec_type *ty = ospy_spec_table_type(vs->vb->specs, a->t.type);
    /* (a va_list: an older agent never recorded it, room or not) */
    if (!(a->dir & vs->dir) || (ty && ty->kind == OSPY_KIND_VALIST && !a->t.ptr))
      continue;
    ospy_xb_open(vs->b, a->name, "", NULL, NULL);
    ospy_xb_not_recorded(vs->b, ospy_values_not_followed_reason(OSPY_VB_NO_ROOM));
    ospy_xb_close(vs->b);
  }
}

/* A pointer's type as oSpy's agent named it: "XPtr" for a pointer to a
 * structure X (HookManager.cpp registered one for each structure of its
 * config: Ipv4SockaddrPtr), "Pointer" for the others (Int32Ptr,
 * ByteArrayPtr...). */
static const char *pointer_type(visit *vs, const ospy_value *v)
{
  if (v->type_kind != OSPY_KIND_STRUCT || !v->sub_type || !v->is_ptr)
    return "Pointer"; /* (a structure's own address, not followed: no XPtr) */
  size_t n = strlen(v->sub_type);
  char *t = ospy_arena_alloc(vs->b->arena, n + 4);
  if (!t)
    return "Pointer";
  memcpy(t, v->sub_type, n);
  memcpy(t + n, "Ptr", 4);
  return t;
}

static int on_enter(const ospy_value *v, void *data)
{
  visit *vs = data;
  note_format(vs, v);
  if (v->kind == OSPY_VALUE_TRUNCATED) {
    if (v->depth == 0)
      put_missing_args(vs);
    return 0;
  }
  if (v->depth == 0 && v->index != OSPY_VALUE_RETVAL && v->index + 1 > vs->next_arg)
    vs->next_arg = v->index + 1;
  if (v->kind == OSPY_VALUE_FMT_STOP) {
    ospy_xb_cut(vs->b); /* on the format: its values were not all decoded */
    return 0;
  }
  if (v->depth == 0 && v->index == OSPY_VALUE_RETVAL)
    ospy_xb_begin_return(vs->b);
  uint64_t own;
  if (own_memory_unreadable(vs, v, &own) || inline_field_unreadable(vs, v, &own)) {
    put_own_memory_unreadable(vs, v, own);
    return 0;
  }
  note_parent(vs, v);
  const char *type = v->kind == OSPY_VALUE_SKIPPED ? "" : v->type_name;
  const char *sub = v->sub_type;
  const char *text = NULL;
  if (vs->fmt_depth && v->depth == vs->fmt_depth && v->index > 0)
    type = format_value(vs, v, &text);
  if (v->kind == OSPY_VALUE_BYTES)
    type = "ByteArray";
  if (v->kind == OSPY_VALUE_BYTES && v->type_kind == OSPY_KIND_SOCKADDR) {
    /* its bytes, and what they say: {AF_INET, 10.0.0.1:80} (readers and
     * diff compare that, not the garbage after an AF_UNIX path's NUL) */
    sub = "sockaddr";
    ospy_values_sockaddr_text(v->bytes, v->nbytes, vs->scratch, sizeof vs->scratch);
    text = vs->scratch;
  }
  /* type_name names the pointee's type; oSpy wrote Pointer, and XPtr for a
   * pointer to a structure X its config declared. Memory that could not be
   * read is an address too: typed as the pointee, a reader of the original
   * format took its address for the value (the string "0x10") */
  if (v->kind == OSPY_VALUE_POINTER || v->kind == OSPY_VALUE_NULL ||
      v->kind == OSPY_VALUE_BAD_SIZE || v->kind == OSPY_VALUE_UNREADABLE ||
      v->kind == OSPY_VALUE_NOT_FOLLOWED) {
    type = pointer_type(vs, v);
    sub = NULL;
  }
  /* the return value is no argument: oSpy's <returnValue> has no name */
  const char *name = v->depth == 0 && v->index == OSPY_VALUE_RETVAL ? NULL : v->name;
  ospy_xb_open(vs->b, name, type ? type : "", sub, text ? text : scalar_text(vs, v));
  if (v->kind == OSPY_VALUE_BYTES) {
    uint64_t total = v->flags & (OSPY_VB_CAPPED | OSPY_VB_CUT) ? v->total : 0;
    ospy_xb_bytes(vs->b, v->bytes, v->nbytes, total);
    if (v->hex)
      ospy_xb_flags(vs->b, OSPY_XVALUE_HEX);
  }
  if (v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_FLAGS)
    flags_number(vs, v);
  else if (enum_fallback_value(v))
    enum_number(vs, v);
  if (v->raw_word && v->depth == 0) /* named as raw words are: arg1.. in the XML */
    ospy_xb_flags(vs->b, OSPY_XVALUE_RAW_WORD);
  if (v->kind == OSPY_VALUE_SKIPPED) /* (show's `?`; an argument left out has no value) */
    ospy_xb_flags(vs->b, OSPY_XVALUE_SKIPPED);
  if (v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_FD && vs->b->fd_name) {
    const char *fd = vs->b->fd_name(vs->b->fd_ctx, (int64_t)(int32_t)v->u);
    if (fd)
      ospy_xb_fd_name(vs->b, fd);
  }
  if (not_logged(v)) { /* a Pointer alone, as oSpy wrote one it did not log deep */
    ospy_xb_close(vs->b);
    return 0;
  }
  if (v->kind == OSPY_VALUE_NULL || v->kind == OSPY_VALUE_UNREADABLE ||
      v->kind == OSPY_VALUE_BAD_SIZE || v->kind == OSPY_VALUE_NOT_FOLLOWED)
    ospy_xb_flags(vs->b, v->type_kind == OSPY_KIND_BYTES      ? OSPY_XVALUE_BUFFER_NOT_READ
                         : v->type_kind == OSPY_KIND_SOCKADDR ? OSPY_XVALUE_SOCKADDR_NOT_READ
                                                              : 0);
  if (v->kind == OSPY_VALUE_UNREADABLE)
    ospy_xb_unreadable(vs->b, v->address);
  if (v->kind == OSPY_VALUE_BAD_SIZE)
    ospy_xb_bad_size(vs->b, (int64_t)v->u);
  if (v->kind == OSPY_VALUE_NOT_FOLLOWED)
    ospy_xb_not_recorded(vs->b, ospy_values_not_followed_reason(v->u));
  if (v->kind == OSPY_VALUE_STRING && (v->flags & OSPY_VB_CAPPED))
    ospy_xb_cut(vs->b); /* longer than the capture's value cap */
  /* a string or buffer that ran into unreadable memory: where it stopped,
   * from where it starts (a pointer's pointee, a field in a structure, a
   * format's %s value recorded with its address) */
  if ((v->kind == OSPY_VALUE_STRING || v->kind == OSPY_VALUE_BYTES) && (v->flags & OSPY_VB_CUT) &&
      string_start(vs, v, &own))
    ospy_xb_unreadable(vs->b, own + v->nbytes); /* (bytes, whatever the unit) */
  if (!has_children(v))
    ospy_xb_close(vs->b);
  return 0;
}

/* Whether a value the format consumes is missing: not decoded (past the
 * cap, positional), or recorded unreadable or cut. */
static int format_value_missing(const visit *vs, const ospy_value *v)
{
  if (vs->fmt_incomplete || vs->nfargs != v->count)
    return 1;
  for (unsigned i = 0; i < vs->nfargs; i++)
    if (vs->fargs[i].kind == OSPY_PRINTF_MISSING)
      return 1;
  return 0;
}

/* The text the format printed, from the format and its values (NULL when
 * one is missing: the XML then writes the format itself, marked truncated),
 * and where the format was, on the format's node. */
static void finish_format(visit *vs, const ospy_value *v)
{
  char *text = NULL;
  int missing = format_value_missing(vs, v);
  if (vs->fmt_text && !missing)
    text = ospy_printf_text(vs->fmt_text, vs->fargs, vs->nfargs, vs->vb->specs->ptr_size,
                            vs->fmt_unit);
  if (vs->fmt_text && missing)
    ospy_xb_cut(vs->b); /* the text printed is not known in full */
  ospy_xb_format(vs->b, text, v->address);
  free(text);
  vs->fmt_depth = 0;
}

static void on_leave(const ospy_value *v, void *data)
{
  visit *vs = data;
  if (v->kind == OSPY_VALUE_FORMAT)
    finish_format(vs, v);
  /* stopped at an unreadable element, or by the value cap (a null-terminated
   * array past its bound has one more: no count to give) */
  int dropped = v->depth < NDEPTHS && vs->open[v->depth].kind == OSPY_VALUE_ARRAY &&
                vs->open[v->depth].dropped;
  if (v->kind == OSPY_VALUE_ARRAY &&
      ((v->flags & OSPY_VB_CUT) || v->total - v->count > 1 || dropped))
    ospy_xb_total(vs->b, v->total);
  if (has_children(v))
    ospy_xb_close(vs->b);
}

static const ospy_spec_fn *hook_fn(const ospy_values_bridge *vb, const ospy_plan *plan,
                                   uint32_t hook)
{
  const ospy_plan_hook *h = hook < ospy_plan_hook_count(plan) ? ospy_plan_hook_at(plan, hook) : NULL;
  return h ? ospy_spec_table_fn(vb->specs, h->spec_index) : NULL;
}

int ospy_values_bridge_outcome(void *data, const ospy_plan *plan, const ospy_event_call *c)
{
  const ospy_values_bridge *vb = data;
  const ospy_spec_fn *fn = hook_fn(vb, plan, c->hook);
  return fn ? ospy_call_outcome(vb->specs, fn, c) : OSPY_OUTCOME_UNKNOWN;
}

int ospy_values_bridge_shape(void *data, const ospy_plan *plan, uint32_t hook,
                             ospy_xshape *out)
{
  const ospy_spec_fn *fn = hook_fn(data, plan, hook);
  if (!fn || fn->nargs > OSPY_XSHAPE_MAX_ARGS)
    return -1;
  out->nargs = fn->nargs;
  /* every parameter, a va_list too (its word; one an older agent did not
   * record is an argument without a value): oSpy's parsers read arguments
   * by their place */
  for (uint32_t i = 0; i < fn->nargs; i++) {
    out->names[i] = fn->args[i].name;
    out->dirs[i] = (uint8_t)(((fn->args[i].dir & OSPY_DIR_IN) ? OSPY_XSHAPE_IN : 0) |
                             ((fn->args[i].dir & OSPY_DIR_OUT) ? OSPY_XSHAPE_OUT : 0) |
                             (fn->args[i].value.src ? OSPY_XSHAPE_COMPUTED : 0));
  }
  out->has_ret = fn->has_ret || fn->ret_raw; /* (ret_raw: the raw return register's) */
  return 0;
}

int ospy_values_bridge_decode(void *data, const ospy_plan *plan, uint32_t hook, int leave,
                              const uint8_t *blob, size_t len, ospy_xbuilder *b,
                              char *err, size_t errcap)
{
  ospy_values_bridge *vb = data;
  (void)leave; /* the blob says its phase; the decoder reads it */
  const ospy_spec_fn *fn = hook_fn(vb, plan, hook);
  if (!fn) {
    snprintf(err, errcap, "hook %" PRIu32 " has no function spec in the plan", hook);
    return -1;
  }
  static const ospy_value_visitor visitor = { on_enter, on_leave };
  visit *vs = malloc(sizeof *vs);
  if (!vs) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  vs->vb = vb;
  vs->b = b;
  vs->fn = fn;
  vs->dir = ospy_values_phase(blob, len) == OSPY_VB_PHASE_LEAVE ? OSPY_DIR_OUT : OSPY_DIR_IN;
  vs->next_arg = 0;
  vs->fmt_depth = 0;
  /* with the out pointers whose condition failed: the address oSpy wrote */
  int rc = ospy_values_decode_all(fn, blob, len, &visitor, vs, err, errcap);
  free(vs);
  return rc;
}
