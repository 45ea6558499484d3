/* Decoding values blobs into a walk of ospy_value nodes. */
#include "plan/values.h"
#include "plan/leb128.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/values_format.h"

typedef struct vdec {
  const uint8_t *p;
  size_t len, pos;
  const char *bad;
  const ospy_spec_table *t;
  const ospy_spec_fn *fn;
  const ospy_value_visitor *v;
  void *data;
  int stop;
  int all;   /* also the out pointers whose logCondition failed (decode_all) */
  int quiet; /* decoding one of those for a walk without them: no visits */
} vdec;

static int rd_u8(vdec *d, uint8_t *out)
{
  if (d->bad || d->pos >= d->len) {
    d->bad = d->bad ? d->bad : "truncated value";
    *out = 0;
    return -1;
  }
  *out = d->p[d->pos++];
  return 0;
}

static uint64_t rd_uleb(vdec *d)
{
  uint64_t v = 0;
  if (d->bad)
    return 0;
  int rc = ospy_leb128_get(d->p, d->len, &d->pos, &v);
  if (rc < 0) {
    d->bad = rc == -1 ? "truncated value" : "overlong number";
    return 0;
  }
  return v;
}

static int64_t rd_sleb(vdec *d)
{
  return ospy_unzigzag(rd_uleb(d));
}

static const uint8_t *rd_bytes(vdec *d, uint64_t n)
{
  if (d->bad || d->len - d->pos < n) {
    d->bad = d->bad ? d->bad : "truncated bytes";
    return NULL;
  }
  const uint8_t *b = d->p + d->pos;
  d->pos += (size_t)n;
  return b;
}

/* ---- names ---- */

static const ospy_spec_type *spec_type(const vdec *d, const ospy_spec_typeref *r)
{
  return r ? ospy_spec_table_type(d->t, r->type) : NULL;
}

static void set_type(vdec *d, ospy_value *v, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = spec_type(d, r);
  v->hex = r ? r->hex : 0;
  v->octal = r ? r->octal : 0;
  v->raw_word = r ? r->raw_word : 0;
  v->width = r ? ospy_spec_scalar_width(d->t, r) : 0;
  v->type_kind = ty ? ty->kind : 0;
  v->is_ptr = r ? r->ptr : 0;
  v->type_name = ty ? ty->name : "?";
  if (!ty)
    return;
  if (ty->kind == OSPY_KIND_ENUM || ty->kind == OSPY_KIND_FLAGS || ty->kind == OSPY_KIND_STRUCT) {
    v->sub_type = ty->name;
    v->type_name = ty->kind == OSPY_KIND_ENUM ? "Enum" : ty->kind == OSPY_KIND_FLAGS ? "Flags"
                                                                                     : "Struct";
  } else if (ty->kind == OSPY_KIND_FORMAT) {
    v->type_name = ty->width == 1 ? "AsciiString" : "UnicodeString";
  }
}

/* The bits of a flags value no member names: 0x800, or for a mode 0644. */
static void flags_rest(char *buf, size_t cap, const char *sep, uint64_t rest, int octal)
{
  if (!octal)
    snprintf(buf, cap, "%s0x%llx", sep, (unsigned long long)rest);
  else if (rest)
    snprintf(buf, cap, "%s0%llo", sep, (unsigned long long)rest);
  else
    snprintf(buf, cap, "%s0", sep);
}

/* The member of an enumeration that names v; NULL when none does. The
   table's own string: a name is shown whole, whatever its length (it was
   cut at 255 characters). */
static const char *enum_member_name(const ospy_spec_type *ty, const ospy_value *v)
{
  uint64_t u = v->u;
  for (uint32_t i = 0; i < ty->nmembers; i++)
    if (ty->members[i].value == u)
      return ty->members[i].name;
  /* an enumeration holds 32 bits (docs/catalogue.md rule 11): EAI_NONAME
   * (-2) is 0xfffffffe in a zero-extended value, and the other way round;
   * one read as a wider integer (marshalAs="Size": a handler address, its
   * SIG_IGN) matches on all its bits */
  for (uint32_t i = 0; i < ty->nmembers && v->width <= 4; i++)
    if ((uint32_t)ty->members[i].value == (uint32_t)u)
      return ty->members[i].name;
  return NULL;
}

/* The most bytes a flags value's text takes: every member's name and its
   '|', the rest's digits and the NUL. */
static size_t flags_text_cap(const ospy_spec_type *ty)
{
  size_t n = 32;
  for (uint32_t i = 0; i < ty->nmembers; i++)
    n += strlen(ty->members[i].name) + 1;
  return n;
}

/* Appends name to the flags text being built (n bytes so far), after a '|'
   unless it is the first. */
static size_t flags_put(char *buf, size_t cap, size_t n, const char *name)
{
  if (n >= cap)
    return n;
  return n + (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", name);
}

/* The masked members first (strace's O_RDONLY|O_CLOEXEC): of each mask, the
   first member whose value the bits under the mask equal, 0 included, its
   mask then taken off *rest. Masks of one type are the same or disjoint (the
   config loader checks it), so a mask is done when any of its bits is. */
static size_t flags_masked(const ospy_spec_type *ty, uint64_t u, uint64_t *rest, char *buf,
                           size_t cap, size_t n)
{
  uint64_t done = 0;
  for (uint32_t i = 0; i < ty->nmembers; i++) {
    uint64_t mask = ty->members[i].mask;
    if (!mask || (done & mask) || (u & mask) != ty->members[i].value)
      continue;
    n = flags_put(buf, cap, n, ty->members[i].name);
    done |= mask;
    *rest &= ~mask;
  }
  return n;
}

/* Then the bit members whose bits are all set and not named yet. */
static size_t flags_bits(const ospy_spec_type *ty, uint64_t u, uint64_t *rest, char *buf,
                         size_t cap, size_t n)
{
  for (uint32_t i = 0; i < ty->nmembers; i++) {
    uint64_t m = ty->members[i].value;
    if (ty->members[i].mask || m == 0 || (u & m) != m || !(*rest & m))
      continue;
    n = flags_put(buf, cap, n, ty->members[i].name);
    *rest &= ~m;
  }
  return n;
}

/* A bit member whose value is 0 (PROT_NONE) names the value 0 alone. */
static const char *flags_zero_name(const ospy_spec_type *ty)
{
  for (uint32_t i = 0; i < ty->nmembers; i++)
    if (!ty->members[i].mask && ty->members[i].value == 0)
      return ty->members[i].name;
  return NULL;
}

static void flags_text(const ospy_spec_type *ty, const ospy_value *v, char *buf, size_t cap)
{
  uint64_t u = v->u;
  buf[0] = 0;
  /* Flags: the masked members, the bit members, then what no member covers
   * (in octal for a mode: S_IFREG|0644) */
  uint64_t rest = u;
  size_t n = flags_masked(ty, u, &rest, buf, cap, 0);
  n = flags_bits(ty, u, &rest, buf, cap, n);
  const char *zero = u == 0 && n == 0 ? flags_zero_name(ty) : NULL;
  if (zero) {
    snprintf(buf, cap, "%s", zero);
    return;
  }
  if ((rest || n == 0) && n < cap)
    flags_rest(buf + n, cap - n, n ? "|" : "", rest, v->octal);
}

/* v's text: in buf, or for a flags value too long for it in *owned (the
   caller frees it). */
static void int_text(const vdec *d, ospy_value *v, const ospy_spec_typeref *r, char *buf,
                     size_t cap, char **owned)
{
  const ospy_spec_type *ty = spec_type(d, r);
  if (!ty)
    return;
  switch (ty->kind) {
  case OSPY_KIND_ENUM:
    v->text = enum_member_name(ty, v);
    return;
  case OSPY_KIND_FLAGS:
    if (flags_text_cap(ty) > cap) { /* (long names: cut where buf ended) */
      cap = flags_text_cap(ty);
      buf = *owned = malloc(cap);
      if (!buf)
        return;
    }
    flags_text(ty, v, buf, cap);
    break;
  case OSPY_KIND_BOOL: /* a Windows BOOL as oSpy's MSBool wrote it */
    if (r->type == OSPY_BT_MSBOOL)
      snprintf(buf, cap, "%s", v->u ? "TRUE" : "FALSE");
    else
      snprintf(buf, cap, "%s", v->u ? "true" : "false");
    break;
  case OSPY_KIND_ERRNO: {
    int64_t e = (int64_t)v->u;
    const char *nm = strerrorname_np((int)(e < 0 ? -e : e));
    if (nm)
      snprintf(buf, cap, "%s%s", e < 0 ? "-" : "", nm);
    break;
  }
  case OSPY_KIND_IPV4: /* stored as read: network order in memory */
    snprintf(buf, cap, "%u.%u.%u.%u", (unsigned)(v->u & 0xff), (unsigned)(v->u >> 8 & 0xff),
             (unsigned)(v->u >> 16 & 0xff), (unsigned)(v->u >> 24 & 0xff));
    break;
  default:
    return;
  }
  v->text = buf[0] ? buf : NULL;
}

/* An enumeration the spec makes signed (ospy_spec_enum_signed) that an agent
 * before that rule recorded unsigned: the value as one recorded now,
 * sign-extended from its width (-123, not 4294967173), so old captures show,
 * filter and export it as new ones do. */
static void sign_as_spec(const vdec *d, const ospy_spec_typeref *r, ospy_value *v)
{
  if (v->is_signed || !r || v->type_kind != OSPY_KIND_ENUM || !v->width || v->width > 8 ||
      !ospy_spec_scalar_signed(d->t, r))
    return;
  unsigned shift = 64 - v->width * 8;
  v->u = (uint64_t)((int64_t)(v->u << shift) >> shift);
  v->is_signed = 1;
}

/* ---- nodes ---- */

static void node(vdec *d, const ospy_spec_typeref *r, ospy_value *base);

static int visit(vdec *d, const ospy_value *v)
{
  if (d->quiet)
    return 0;
  if (!d->stop && d->v->enter && d->v->enter(v, d->data))
    d->stop = 1;
  return d->stop;
}

static void leave(vdec *d, const ospy_value *v)
{
  if (!d->stop && !d->quiet && d->v->leave)
    d->v->leave(v, d->data);
}

#define NO_OFFSET UINT64_MAX

/* Returns the child's kind (0 when it could not be decoded). offset: its
 * place in the parent's memory (ospy_value.offset), or NO_OFFSET; span: the
 * bytes it takes there when known (an array element's size), else 0. */
static int child_at(vdec *d, const ospy_spec_typeref *r, const ospy_value *parent,
                    const char *name, int index, uint64_t offset, uint64_t span)
{
  ospy_value c = { .name = name, .index = index, .direction = parent->direction,
                   .depth = parent->depth + 1, .offset = offset == NO_OFFSET ? 0 : offset,
                   .has_offset = offset != NO_OFFSET, .span = offset == NO_OFFSET ? 0 : span };
  if (parent->depth + 1 > OSPY_VB_MAX_DEPTH + 2) {
    d->bad = "values nested too deeply";
    return 0;
  }
  node(d, r, &c);
  return c.kind;
}

static int child(vdec *d, const ospy_spec_typeref *r, const ospy_value *parent,
                 const char *name, int index, uint64_t offset)
{
  return child_at(d, r, parent, name, index, offset, 0);
}

static void node_struct(vdec *d, const ospy_spec_typeref *r, ospy_value *v)
{
  const ospy_spec_type *ty = spec_type(d, r);
  v->kind = OSPY_VALUE_STRUCT;
  v->count = rd_uleb(d);
  if (!ty || ty->kind != OSPY_KIND_STRUCT || v->count > ty->nfields) {
    d->bad = d->bad ? d->bad : "structure does not match its spec";
    return;
  }
  if (visit(d, v))
    return;
  for (uint64_t i = 0; i < v->count && !d->bad && !d->stop; i++) {
    uint64_t fi = rd_uleb(d);
    if (fi >= ty->nfields) {
      d->bad = d->bad ? d->bad : "bad field index";
      return;
    }
    child(d, &ty->fields[fi].t, v, ty->fields[fi].name, (int)fi, ty->fields[fi].offset);
  }
  leave(d, v);
}

/* Bytes an array element takes, as the agent steps through them; 0 when
 * not known. */
static uint64_t element_size(const vdec *d, const ospy_spec_typeref *er)
{
  return ospy_spec_element_size(d->t, er);
}

static void node_array(vdec *d, const ospy_spec_typeref *r, ospy_value *v)
{
  v->kind = OSPY_VALUE_ARRAY;
  v->total = rd_uleb(d);
  v->count = rd_uleb(d);
  if (v->count > v->total || v->count > d->len) {
    d->bad = d->bad ? d->bad : "bad array count";
    return;
  }
  ospy_spec_typeref er = { .type = r ? r->elem_type : OSPY_SPEC_NONE, .ptr = r ? r->elem_ptr : 0,
                           .hex = r ? r->hex : 0, .octal = r ? r->octal : 0,
                           .marshal_as = OSPY_SPEC_NONE, .elem_type = OSPY_SPEC_NONE };
  if (visit(d, v))
    return;
  int last = 0;
  uint64_t size = element_size(d, &er);
  for (uint64_t i = 0; i < v->count && !d->bad && !d->stop; i++)
    last = child_at(d, &er, v, NULL, (int)i, size ? i * size : NO_OFFSET, size);
  /* the agent stops an array at its first unreadable element: readers
   * learn it (with the count asked for, total) when they leave the array */
  if (v->count < v->total && last == OSPY_VALUE_UNREADABLE)
    v->flags = OSPY_VB_CUT;
  leave(d, v);
}

static void node_bytes(vdec *d, ospy_value *v, int is_string)
{
  uint8_t flags;
  rd_u8(d, &flags);
  v->flags = flags;
  if (is_string) {
    uint8_t unit;
    rd_u8(d, &unit);
    v->unit = unit;
    if (unit != 1 && unit != 2 && unit != 4)
      d->bad = d->bad ? d->bad : "bad string unit";
  } else {
    v->total = rd_uleb(d);
  }
  uint64_t n = rd_uleb(d);
  v->bytes = rd_bytes(d, n);
  v->nbytes = (size_t)n;
  v->kind = is_string ? OSPY_VALUE_STRING : OSPY_VALUE_BYTES;
  if (!is_string && n > v->total)
    d->bad = d->bad ? d->bad : "more bytes than the total";
  if (!d->bad)
    visit(d, v);
}

/* oSpy's Array names its element type (elementType="UInt32"), also when
   its memory could not be read. */
static void array_elem_name(vdec *d, const ospy_spec_typeref *r, ospy_value *v, char *buf,
                            size_t cap, char **owned)
{
  const ospy_spec_type *et = r ? ospy_spec_table_type(d->t, r->elem_type) : NULL;
  if (v->type_kind != OSPY_KIND_ARRAY || !et || !et->name)
    return;
  if (!r->elem_ptr) {
    v->sub_type = et->name;
    return;
  }
  size_t need = strlen(et->name) + sizeof "Ptr";
  if (need > cap && !(buf = *owned = malloc(need))) /* (a long name was cut) */
    return;
  snprintf(buf, need, "%sPtr", et->name);
  v->sub_type = buf;
}

/* One node; owned[0] and owned[1]: its text and element type name when too
   long for the buffers here (node frees them). */
static void node_body(vdec *d, const ospy_spec_typeref *r, ospy_value *v, char **owned)
{
  uint8_t tag;
  char text[256], elem_name[160];
  if (rd_u8(d, &tag) < 0)
    return;
  set_type(d, v, r);
  array_elem_name(d, r, v, elem_name, sizeof elem_name, &owned[1]);
  switch (tag) {
  case OSPY_VB_INT_U:
  case OSPY_VB_INT_S:
    v->kind = OSPY_VALUE_INT;
    v->is_signed = tag == OSPY_VB_INT_S;
    v->u = v->is_signed ? (uint64_t)rd_sleb(d) : rd_uleb(d);
    sign_as_spec(d, r, v);
    text[0] = 0;
    int_text(d, v, r, text, sizeof text, &owned[0]);
    break;
  case OSPY_VB_F64: {
    const uint8_t *b = rd_bytes(d, 8);
    v->kind = OSPY_VALUE_FLOAT;
    if (b)
      memcpy(&v->d, b, 8);
    break;
  }
  case OSPY_VB_NULL:
    v->kind = OSPY_VALUE_NULL;
    break;
  case OSPY_VB_UNREADABLE:
    v->kind = OSPY_VALUE_UNREADABLE;
    v->address = rd_uleb(d);
    break;
  case OSPY_VB_SKIP:
    v->kind = OSPY_VALUE_SKIPPED;
    break;
  case OSPY_VB_FMT_STOP: {
    uint8_t why;
    rd_u8(d, &why);
    v->kind = OSPY_VALUE_FMT_STOP;
    v->u = why;
    break;
  }
  case OSPY_VB_NOT_FOLLOWED: {
    uint8_t why = 0;
    rd_u8(d, &why);
    v->kind = OSPY_VALUE_NOT_FOLLOWED;
    v->u = why;
    v->address = rd_uleb(d);
    if (why != OSPY_VB_NO_ROOM && why != OSPY_VB_DEPTH_LIMIT &&
        (why != OSPY_VB_NOT_LOGGED || v->depth != 0))
      d->bad = d->bad ? d->bad : "bad reason a value was not followed";
    break;
  }
  case OSPY_VB_BAD_SIZE:
    v->kind = OSPY_VALUE_BAD_SIZE;
    v->address = rd_uleb(d);
    v->u = (uint64_t)rd_sleb(d);
    v->is_signed = 1;
    break;
  case OSPY_VB_PTR: {
    v->kind = OSPY_VALUE_POINTER;
    v->address = rd_uleb(d);
    if (d->bad || visit(d, v))
      return;
    ospy_spec_typeref inner = r ? *r : (ospy_spec_typeref){ .type = OSPY_SPEC_NONE };
    inner.ptr = 0;
    child(d, &inner, v, NULL, 0, NO_OFFSET);
    leave(d, v);
    return;
  }
  case OSPY_VB_BYTES:
  case OSPY_VB_STR:
    node_bytes(d, v, tag == OSPY_VB_STR);
    return;
  case OSPY_VB_STR_AT: {
    uint8_t str_tag = 0;
    v->address = rd_uleb(d);
    rd_u8(d, &str_tag);
    if (str_tag != OSPY_VB_STR) {
      d->bad = d->bad ? d->bad : "STR_AT without a string";
      return;
    }
    node_bytes(d, v, 1);
    return;
  }
  case OSPY_VB_STRUCT:
    node_struct(d, r, v);
    return;
  case OSPY_VB_ARRAY:
    node_array(d, r, v);
    return;
  case OSPY_VB_FMT_AT:
  case OSPY_VB_FMT: {
    v->kind = OSPY_VALUE_FORMAT;
    if (tag == OSPY_VB_FMT_AT)
      v->address = rd_uleb(d);
    if (visit(d, v))
      return;
    child(d, r, v, NULL, 0, NO_OFFSET); /* the format string, typed as the argument */
    v->count = rd_uleb(d);
    if (v->count > d->len)
      d->bad = d->bad ? d->bad : "bad argument count";
    for (uint64_t i = 0; i < v->count && !d->bad && !d->stop; i++)
      child(d, NULL, v, NULL, (int)i + 1, NO_OFFSET);
    leave(d, v);
    return;
  }
  case OSPY_VB_DYN: {
    uint64_t ti = rd_uleb(d);
    ospy_spec_typeref dr = { .type = ti && ti < d->t->ntypes ? (uint32_t)ti : OSPY_BT_UINT32,
                             .marshal_as = OSPY_SPEC_NONE, .elem_type = OSPY_SPEC_NONE };
    node(d, &dr, v);
    return;
  }
  default:
    d->bad = "unknown value tag";
    return;
  }
  if (!d->bad)
    visit(d, v);
}

static void node(vdec *d, const ospy_spec_typeref *r, ospy_value *v)
{
  char *owned[2] = { NULL, NULL };
  node_body(d, r, v, owned);
  free(owned[0]);
  free(owned[1]);
}

int ospy_values_phase(const uint8_t *blob, size_t len)
{
  if (!blob || len < OSPY_VB_HEADER_SIZE || blob[0] != OSPY_VB_MAGIC || blob[1] != OSPY_VB_VERSION)
    return -1;
  return blob[2] == OSPY_VB_PHASE_ENTER || blob[2] == OSPY_VB_PHASE_LEAVE ? blob[2] : -1;
}

/* Whether the entry's node at pos is an out pointer whose logCondition
 * failed at return (NOT_FOLLOWED, OSPY_VB_NOT_LOGGED). */
static int not_logged_at(const vdec *d)
{
  return d->len - d->pos >= 2 && d->p[d->pos] == OSPY_VB_NOT_FOLLOWED &&
         d->p[d->pos + 1] == OSPY_VB_NOT_LOGGED;
}

static int decode(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, int all,
                  const ospy_value_visitor *v, void *data, char *err, size_t errcap)
{
  if (ospy_values_phase(blob, len) < 0 || !fn || !fn->table) {
    snprintf(err, errcap, "not a values blob");
    return -1;
  }
  vdec d = { blob, len, OSPY_VB_HEADER_SIZE, NULL, fn->table, fn, v, data, 0, all, 0 };
  while (d.pos < d.len && !d.bad && !d.stop) {
    uint8_t ix;
    rd_u8(&d, &ix);
    ospy_value val = { 0 };
    if (ix == OSPY_VB_END_TRUNCATED) {
      val.kind = OSPY_VALUE_TRUNCATED;
      visit(&d, &val);
      break;
    }
    const ospy_spec_typeref *r;
    if (ix == OSPY_VB_RETVAL) {
      val.index = OSPY_VALUE_RETVAL;
      val.name = "retval";
      r = &fn->ret;
    } else if (ix < fn->nargs) {
      val.index = ix;
      val.name = fn->args[ix].name;
      val.direction = fn->args[ix].dir;
      r = &fn->args[ix].t;
    } else {
      d.bad = "argument index beyond the spec";
      break;
    }
    d.quiet = !d.all && not_logged_at(&d);
    node(&d, r, &val);
    d.quiet = 0;
  }
  if (d.bad) {
    snprintf(err, errcap, "values blob: %s at byte %zu", d.bad, d.pos);
    return -1;
  }
  return 0;
}

int ospy_values_decode(const ospy_spec_fn *fn, const uint8_t *blob, size_t len,
                       const ospy_value_visitor *v, void *data, char *err, size_t errcap)
{
  return decode(fn, blob, len, 0, v, data, err, errcap);
}

int ospy_values_decode_all(const ospy_spec_fn *fn, const uint8_t *blob, size_t len,
                           const ospy_value_visitor *v, void *data, char *err, size_t errcap)
{
  return decode(fn, blob, len, 1, v, data, err, errcap);
}

typedef struct cut_walk {
  int next; /* one more than the last argument index seen */
  int cut;  /* the END_TRUNCATED marker was met */
} cut_walk;

static int cut_enter(const ospy_value *v, void *data)
{
  cut_walk *w = data;
  if (v->depth != 0)
    return 0;
  if (v->kind == OSPY_VALUE_TRUNCATED)
    w->cut = 1;
  else if (v->index != OSPY_VALUE_RETVAL && v->index + 1 > w->next)
    w->next = v->index + 1;
  return 0;
}

int ospy_values_cut_short(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, int *from)
{
  *from = 0;
  if (ospy_values_phase(blob, len) < 0 || !(blob[3] & OSPY_VB_F_TRUNCATED))
    return 0; /* the agent flags the blob when it writes the marker */
  static const ospy_value_visitor visitor = { cut_enter, NULL };
  cut_walk w = { 0, 0 };
  char err[128];
  if (ospy_values_decode_all(fn, blob, len, &visitor, &w, err, sizeof err) < 0)
    return 0;
  *from = w.next;
  return w.cut;
}
