/* Binary form of a spec table (the opaque "spec blob" the plan carries).
 *
 * Little-endian, versioned, every index validated on decode so that a
 * corrupted blob yields an error, never an out-of-bounds access:
 *   "OSPYSPEC" u32 version u8 ptr_size
 *   u32 ntypes (user types only; the built-ins are implied) TYPE*
 *   u32 nfns FN*    u32 nvtables VTABLE*
 * A structure's FIELD ends with a u8 of flags since version 6 (FIELD_OUT_ONLY);
 * an enumeration's MEMBER (str name, u64 value) with a u64 mask since version 7.
 * Strings are u32 length + bytes (0xffffffff = absent).
 */
#include "plan/spec.h"

#include <stdio.h>
#include <string.h>

#define SPEC_MAGIC "OSPYSPEC"
#define SPEC_VERSION 7u /* 2: typeref null_term, argument value; 3: errorValue, setsErrno;
                           4: errorCondition; 5: a raw return (ret_raw); 6: a field's
                           flags byte (FIELD_OUT_ONLY); 7: a member's mask */
#define SPEC_VERSION_MIN 2u /* a version-2 (3, 4, 5, 6) table is a version-3 (4, 5, 6, 7)
                               one without errorValues (errorConditions, raw returns,
                               field flags, member masks) */
#define FIELD_OUT_ONLY 0x1u /* a field's direction="out" */
#define STR_NONE 0xffffffffu

typedef struct wbuf {
  uint8_t *p;
  size_t len, cap;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
  if (w->len + n <= w->cap)
    memcpy(w->p + w->len, src, n);
  w->len += n;
}

static void put_u8(wbuf *w, uint8_t v) { put(w, &v, 1); }

static void put_u32(wbuf *w, uint32_t v)
{
  uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
  put(w, b, 4);
}

static void put_u64(wbuf *w, uint64_t v)
{
  put_u32(w, (uint32_t)v);
  put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(wbuf *w, const char *s)
{
  if (!s) {
    put_u32(w, STR_NONE);
    return;
  }
  size_t n = strlen(s);
  put_u32(w, (uint32_t)n);
  put(w, s, n);
}

static void put_ref(wbuf *w, const ospy_spec_typeref *r)
{
  put_u32(w, r->type);
  put_u8(w, r->ptr);
  /* octal: bit 1 (an older reader: hex); raw_word: bit 2 (an older reader: a
   * plain integer) */
  put_u8(w, (uint8_t)(r->hex | r->octal << 1 | r->raw_word << 2));
  put_u8(w, r->big_endian);
  put_u8(w, r->elem_ptr);
  put_u8(w, r->null_term);
  put_u32(w, r->marshal_as);
  put_u32(w, r->elem_type);
}

static void put_type(wbuf *w, const ospy_spec_type *ty)
{
  put_str(w, ty->name);
  put_u8(w, ty->kind);
  put_u8(w, ty->width);
  put_u8(w, ty->is_signed);
  put_u32(w, ty->size);
  put_u32(w, ty->nmembers);
  for (uint32_t i = 0; i < ty->nmembers; i++) {
    put_str(w, ty->members[i].name);
    put_u64(w, ty->members[i].value);
    put_u64(w, ty->members[i].mask);
  }
  put_u32(w, ty->nfields);
  for (uint32_t i = 0; i < ty->nfields; i++) {
    const ospy_spec_field *f = &ty->fields[i];
    put_str(w, f->name);
    put_u32(w, f->offset);
    put_ref(w, &f->t);
    put_u32(w, f->size_field);
    put_u32(w, f->count_field);
    put_u32(w, f->size);
    put_u8(w, (uint8_t)(f->out_only ? FIELD_OUT_ONLY : 0));
  }
}

static void put_arg(wbuf *w, const ospy_spec_arg *a)
{
  put_str(w, a->name);
  put_u8(w, a->dir);
  put_ref(w, &a->t);
  put_str(w, a->size_in.src);
  put_str(w, a->size_out.src);
  put_str(w, a->count_in.src);
  put_str(w, a->count_out.src);
  put_str(w, a->cond.src);
  put_str(w, a->type_base.src);
  put_str(w, a->type_suffix);
  put_u32(w, a->valist_arg);
  put_str(w, a->value.src);
}

static void put_fn(wbuf *w, const ospy_spec_fn *fn)
{
  put_str(w, fn->name);
  put_u8(w, fn->callconv);
  put_u8(w, (uint8_t)(fn->log_nested | fn->is_method << 1 | fn->null_ok << 2 |
                      fn->has_error_value << 3 | (fn->errno_rule & 3) << 4 |
                      (fn->error_cond.src != NULL) << 6 | (fn->ret_raw & 1) << 7));
  if (fn->has_error_value)
    put_u64(w, (uint64_t)fn->error_value);
  if (fn->error_cond.src)
    put_str(w, fn->error_cond.src);
  put_u8(w, fn->has_ret);
  put_u32(w, fn->args_size);
  put_ref(w, &fn->ret);
  put_str(w, fn->cond.src);
  put_u32(w, fn->nargs);
  for (uint32_t i = 0; i < fn->nargs; i++)
    put_arg(w, &fn->args[i]);
}

size_t ospy_spec_table_encode(const ospy_spec_table *t, void *buf, size_t cap)
{
  wbuf w = { buf, 0, buf ? cap : 0 };
  put(&w, SPEC_MAGIC, 8);
  put_u32(&w, SPEC_VERSION);
  put_u8(&w, t->ptr_size);
  put_u32(&w, t->ntypes - OSPY_SPEC_NBUILTIN);
  for (uint32_t i = OSPY_SPEC_NBUILTIN; i < t->ntypes; i++)
    put_type(&w, &t->types[i]);
  put_u32(&w, t->nfns);
  for (uint32_t i = 0; i < t->nfns; i++)
    put_fn(&w, &t->fns[i]);
  put_u32(&w, t->nvtables);
  for (uint32_t i = 0; i < t->nvtables; i++) {
    const ospy_spec_vtable *v = &t->vtables[i];
    put_str(&w, v->id);
    put_u32(&w, v->method_count);
    put_u32(&w, v->nmethods);
    for (uint32_t m = 0; m < v->nmethods; m++) {
      put_u32(&w, v->methods[m].index);
      put_u32(&w, v->methods[m].fn);
    }
  }
  return w.len;
}

/* ---- decoding ---- */

typedef struct rbuf {
  const uint8_t *p;
  size_t len, pos;
  const char *bad; /* first problem, NULL while fine */
  ospy_spec_table *t;
  uint32_t version; /* of the table read: what its entries hold */
} rbuf;

static int get(rbuf *r, void *dst, size_t n)
{
  if (r->bad || r->len - r->pos < n) {
    if (!r->bad)
      r->bad = "truncated spec table";
    memset(dst, 0, n);
    return -1;
  }
  memcpy(dst, r->p + r->pos, n);
  r->pos += n;
  return 0;
}

static uint8_t get_u8(rbuf *r)
{
  uint8_t v;
  get(r, &v, 1);
  return v;
}

static uint32_t get_u32(rbuf *r)
{
  uint8_t b[4];
  get(r, b, 4);
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(rbuf *r)
{
  uint64_t lo = get_u32(r);
  return lo | (uint64_t)get_u32(r) << 32;
}

static const char *get_str(rbuf *r)
{
  uint32_t n = get_u32(r);
  if (n == STR_NONE || r->bad)
    return NULL;
  if (r->len - r->pos < n) {
    r->bad = "truncated string";
    return NULL;
  }
  if (memchr(r->p + r->pos, 0, n)) {
    r->bad = "NUL inside a string";
    return NULL;
  }
  char *s = ospy_spec_alloc(r->t, (size_t)n + 1);
  if (!s) {
    r->bad = "out of memory";
    return NULL;
  }
  memcpy(s, r->p + r->pos, n);
  s[n] = 0;
  r->pos += n;
  return s;
}

/* An element count, bounded by what the remaining bytes could hold. */
static uint32_t get_count(rbuf *r, size_t min_elem_size)
{
  uint32_t n = get_u32(r);
  if (!r->bad && (size_t)n > (r->len - r->pos) / min_elem_size)
    r->bad = "element count larger than the data";
  return r->bad ? 0 : n;
}

static void *get_array(rbuf *r, uint32_t n, size_t elem)
{
  if (!n || r->bad)
    return NULL;
  void *p = ospy_spec_alloc(r->t, (size_t)n * elem);
  if (!p)
    r->bad = "out of memory";
  return p;
}

static void get_ref(rbuf *r, ospy_spec_typeref *ref)
{
  ref->type = get_u32(r);
  ref->ptr = get_u8(r);
  uint8_t radix = get_u8(r);
  ref->hex = radix & 1;
  ref->octal = radix >> 1 & 1;
  ref->raw_word = radix >> 2 & 1;
  ref->big_endian = get_u8(r);
  ref->elem_ptr = get_u8(r);
  ref->null_term = get_u8(r);
  ref->marshal_as = get_u32(r);
  ref->elem_type = get_u32(r);
}

/* A field's flags byte (version 6); a bit no version knows is refused
   rather than ignored: it would change what the field shows. */
static void get_field_flags(rbuf *r, ospy_spec_field *f)
{
  uint8_t flags = get_u8(r);
  if (flags & ~FIELD_OUT_ONLY && !r->bad)
    r->bad = "unknown structure field flags";
  f->out_only = flags & FIELD_OUT_ONLY;
}

static void get_type(rbuf *r, ospy_spec_type *ty)
{
  ty->name = get_str(r);
  ty->kind = get_u8(r);
  ty->width = get_u8(r);
  ty->is_signed = get_u8(r);
  ty->size = get_u32(r);
  ty->nmembers = get_count(r, 12);
  ty->members = get_array(r, ty->nmembers, sizeof *ty->members);
  for (uint32_t i = 0; i < ty->nmembers && !r->bad; i++) {
    ty->members[i].name = get_str(r);
    ty->members[i].value = get_u64(r);
    ty->members[i].mask = r->version >= 7 ? get_u64(r) : 0; /* (bit members before) */
  }
  if (ty->kind == OSPY_KIND_ENUM) /* plans before the rule wrote 0 for every enumeration */
    ty->is_signed = (uint8_t)ospy_spec_enum_signed(ty);
  ty->nfields = get_count(r, 40);
  ty->fields = get_array(r, ty->nfields, sizeof *ty->fields);
  for (uint32_t i = 0; i < ty->nfields && !r->bad; i++) {
    ospy_spec_field *f = &ty->fields[i];
    f->name = get_str(r);
    f->offset = get_u32(r);
    get_ref(r, &f->t);
    f->size_field = get_u32(r);
    f->count_field = get_u32(r);
    f->size = get_u32(r);
    if (r->version >= 6)
      get_field_flags(r, f);
  }
}

static void get_arg(rbuf *r, ospy_spec_arg *a)
{
  a->name = get_str(r);
  a->dir = get_u8(r);
  get_ref(r, &a->t);
  a->size_in.src = get_str(r);
  a->size_out.src = get_str(r);
  a->count_in.src = get_str(r);
  a->count_out.src = get_str(r);
  a->cond.src = get_str(r);
  a->type_base.src = get_str(r);
  a->type_suffix = get_str(r);
  a->valist_arg = get_u32(r);
  a->value.src = get_str(r);
}

static void get_fn(rbuf *r, ospy_spec_fn *fn)
{
  fn->callconv = get_u8(r);
  uint8_t bits = get_u8(r);
  fn->log_nested = bits & 1;
  fn->is_method = bits >> 1 & 1;
  fn->null_ok = bits >> 2 & 1; /* (0 in plans written before it) */
  fn->has_error_value = bits >> 3 & 1; /* (0 before version 3) */
  fn->errno_rule = bits >> 4 & 3;      /* (OSPY_ERRNO_BY_TYPE before version 3) */
  if (fn->has_error_value)
    fn->error_value = (int64_t)get_u64(r);
  if (bits >> 6 & 1) { /* (0 before version 4) */
    fn->error_cond.src = get_str(r);
    if (!fn->error_cond.src && !r->bad)
      r->bad = "an errorCondition without its text";
  }
  fn->ret_raw = bits >> 7 & 1; /* (0 before version 5) */
  fn->has_ret = get_u8(r);
  if (fn->ret_raw && fn->has_ret && !r->bad)
    r->bad = "a raw return with a return type";
  fn->args_size = get_u32(r);
  get_ref(r, &fn->ret);
  fn->cond.src = get_str(r);
  fn->nargs = get_count(r, 50);
  if (fn->nargs > OSPY_SPEC_MAX_ARGS && !r->bad)
    r->bad = "too many arguments";
  fn->args = get_array(r, fn->nargs, sizeof *fn->args);
  for (uint32_t i = 0; i < fn->nargs && !r->bad; i++)
    get_arg(r, &fn->args[i]);
}

static int ref_ok(const ospy_spec_table *t, const ospy_spec_typeref *ref, int optional)
{
  if (ref->type == OSPY_SPEC_NONE)
    return optional;
  return ref->type < t->ntypes &&
         (ref->marshal_as == OSPY_SPEC_NONE || ref->marshal_as < t->ntypes) &&
         (ref->elem_type == OSPY_SPEC_NONE || ref->elem_type < t->ntypes);
}

static int idx_ok(uint32_t ix, uint32_t n) { return ix == OSPY_SPEC_NONE || ix < n; }

/* A member has a name; a mask only in a flags type, holding the member's
   value (as the config loader checks them). */
static int member_ok(const ospy_spec_type *ty, const ospy_spec_member *m)
{
  if (!m->name)
    return 0;
  return !m->mask || (ty->kind == OSPY_KIND_FLAGS && !(m->value & ~m->mask));
}

/* Cross-references: every index points inside its table. */
static const char *validate(const ospy_spec_table *t)
{
  for (uint32_t i = OSPY_SPEC_NBUILTIN; i < t->ntypes; i++) {
    const ospy_spec_type *ty = &t->types[i];
    if (!ty->name || ty->kind < OSPY_KIND_INT || ty->kind > OSPY_KIND_FD)
      return "bad type";
    for (uint32_t f = 0; f < ty->nfields; f++) {
      const ospy_spec_field *fl = &ty->fields[f];
      if (!fl->name || !ref_ok(t, &fl->t, 0) || !idx_ok(fl->size_field, ty->nfields) ||
          !idx_ok(fl->count_field, ty->nfields))
        return "bad structure field";
    }
    for (uint32_t m = 0; m < ty->nmembers; m++)
      if (!member_ok(ty, &ty->members[m]))
        return "bad enumeration member";
  }
  for (uint32_t i = 0; i < t->nfns; i++) {
    const ospy_spec_fn *fn = &t->fns[i];
    if (!fn->name || fn->callconv > OSPY_CALLCONV_LAST || !ref_ok(t, &fn->ret, !fn->has_ret))
      return "bad function spec";
    for (uint32_t a = 0; a < fn->nargs; a++) {
      const ospy_spec_arg *ar = &fn->args[a];
      if (!ar->name || ar->dir < OSPY_DIR_IN || ar->dir > OSPY_DIR_INOUT ||
          !ref_ok(t, &ar->t, 0) || !idx_ok(ar->valist_arg, fn->nargs))
        return "bad argument spec";
    }
  }
  for (uint32_t i = 0; i < t->nvtables; i++)
    for (uint32_t m = 0; m < t->vtables[i].nmethods; m++)
      if (t->vtables[i].methods[m].fn >= t->nfns)
        return "bad vtable method";
  return NULL;
}

static void decode_body(rbuf *r, ospy_spec_table *t)
{
  uint32_t nuser = get_count(r, 18);
  for (uint32_t i = 0; i < nuser && !r->bad; i++) {
    if (ospy_spec_add_type(t, NULL, 0) == OSPY_SPEC_NONE)
      r->bad = "out of memory";
    else
      get_type(r, &t->types[t->ntypes - 1]);
  }
  uint32_t nfns = get_count(r, 30);
  for (uint32_t i = 0; i < nfns && !r->bad; i++) {
    const char *name = get_str(r);
    if (!name || ospy_spec_add_fn(t, name) == OSPY_SPEC_NONE)
      r->bad = r->bad ? r->bad : "bad function name";
    else
      get_fn(r, &t->fns[t->nfns - 1]);
  }
  uint32_t nvt = get_count(r, 12);
  for (uint32_t i = 0; i < nvt && !r->bad; i++) {
    const char *id = get_str(r);
    if (!id || ospy_spec_add_vtable(t, id) == OSPY_SPEC_NONE) {
      r->bad = r->bad ? r->bad : "bad vtable id";
      break;
    }
    ospy_spec_vtable *v = &t->vtables[t->nvtables - 1];
    v->method_count = get_u32(r);
    v->nmethods = get_count(r, 8);
    v->methods = get_array(r, v->nmethods, sizeof *v->methods);
    for (uint32_t m = 0; m < v->nmethods && !r->bad; m++) {
      v->methods[m].index = get_u32(r);
      v->methods[m].fn = get_u32(r);
    }
  }
}

int ospy_spec_table_decode(const void *buf, size_t len, ospy_spec_table **out,
                           char *err, size_t errcap)
{
  *out = NULL;
  rbuf r = { buf, len, 0, NULL, NULL, 0 };
  char magic[8];
  if (get(&r, magic, 8) < 0 || memcmp(magic, SPEC_MAGIC, 8) != 0) {
    snprintf(err, errcap, "not a spec table (bad magic)");
    return -1;
  }
  uint32_t version = get_u32(&r);
  uint8_t ptr_size = get_u8(&r);
  if (r.bad || version < SPEC_VERSION_MIN || version > SPEC_VERSION ||
      (ptr_size != 4 && ptr_size != 8)) {
    snprintf(err, errcap, "unsupported spec table version %u / pointer size %u",
             (unsigned)version, (unsigned)ptr_size);
    return -1;
  }
  ospy_spec_table *t = ospy_spec_table_new(ptr_size);
  if (!t) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  r.t = t;
  r.version = version;
  decode_body(&r, t);
  const char *bad = r.bad ? r.bad : validate(t);
  if (!bad && r.pos != r.len)
    bad = "trailing bytes after the spec table";
  if (bad) {
    snprintf(err, errcap, "spec table: %s at byte %zu", bad, r.pos);
    ospy_spec_table_free(t);
    return -1;
  }
  *out = t;
  return 0;
}
