/* --filter's structure fields, `req.id`, `arg.req.hdr.len`: resolved
 * against the function's spec when the filter is compiled (each field the
 * expression names becomes one more argument slot of it), and filled from
 * the values the capture recorded when a call is tested, as the arguments'
 * slots are (read_filter_call.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/read_filter_internal.h"
#include "expr/closest.h"

static unsigned bits_of(unsigned bytes) { return bytes >= 1 && bytes <= 8 ? bytes * 8 : 0; }

/* Appends ".NAME" (len bytes) to the path messages name the field by. */
static void path_append(char *path, size_t size, const char *name, size_t len)
{
  size_t used = strlen(path);
  if (used < size)
    snprintf(path + used, size - used, ".%.*s", (int)len, name);
}

static bool refuse(char *why, size_t why_size, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static bool refuse(char *why, size_t why_size, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, why_size, fmt, ap);
  va_end(ap);
  return false;
}

/* The field of structure ty named name (len bytes), or -1. */
static int field_index(const ospy_spec_type *ty, const char *name, size_t len)
{
  for (uint32_t i = 0; i < ty->nfields; i++) {
    const char *f = ty->fields[i].name;
    if (f && strlen(f) == len && !memcmp(f, name, len))
      return (int)i;
  }
  return -1;
}

/* "unknown field 'idd' in structure 'DevReq' (did you mean id?)" */
static bool refuse_unknown_field(const ospy_spec_type *ty, const ospy_expr_field_name *name,
                                 char *why, size_t why_size)
{
  char wanted[64];
  ospy_closest c;
  snprintf(wanted, sizeof wanted, "%.*s", (int)name->len, name->name);
  ospy_closest_init(&c, wanted);
  for (uint32_t i = 0; i < ty->nfields; i++)
    if (ty->fields[i].name)
      ospy_closest_offer(&c, ty->fields[i].name, "");
  const char *close = ospy_closest_result(&c);
  snprintf(why, why_size, "unknown field '%s' in structure '%s'%s%s%s", wanted,
           ty->name ? ty->name : "?", close ? " (did you mean " : "", close ? close : "",
           close ? "?)" : "");
  return false;
}

/* What a field's value is to an expression, as an argument's (read_filter_call.c,
 * filter_arg): an integer by value, a pointer to a scalar as the value it
 * points to (auto_deref: read from what the capture recorded there, a
 * NULL one's a read that faults; `&req.pv` the pointer), another pointer
 * as its address. False, with why, for what has no integer value. */
static bool field_value(const read_field_scope *fs, const ospy_spec_typeref *r, read_field_ref *ref,
                        ospy_expr_arg *x, char *why, size_t why_size)
{
  const ospy_spec_type *ty = ospy_spec_table_type(fs->t, r->type);
  ospy_spec_typeref plain = *r;
  plain.ptr = 0;
  unsigned w = bits_of(ospy_spec_scalar_width(fs->t, &plain));
  int kind = ty ? ty->kind : 0;
  if (!r->ptr && kind == OSPY_KIND_STRUCT)
    return refuse(why, why_size, "'%s' is a structure: name one of its fields (%s.NAME)",
                  fs->path, fs->path);
  if (!r->ptr && !w)
    return refuse(why, why_size, "'%s' has no integer value (a string, buffer or array: "
                  "find its bytes with --grep)", fs->path);
  x->is_float = kind == OSPY_KIND_FLOAT && r->ptr <= 1 && !fs->floats_as_ints;
  if (w && !r->ptr) { /* the integer */
    x->width = (uint8_t)w;
    x->is_signed = ospy_spec_scalar_signed(fs->t, &plain);
    return true;
  }
  x->width = (uint8_t)(fs->t->ptr_size * 8);
  x->is_pointer = true;
  if (w && r->ptr == 1) { /* the integer it points to */
    ref->pointee_bytes = (uint8_t)(w / 8);
    x->pointee_width = (uint8_t)w;
    x->pointee_signed = ospy_spec_scalar_signed(fs->t, &plain);
    x->auto_deref = true;
  }
  return true;
}

/* The slot of ref: one more after the expression's others, shared by a
 * field named twice. -1 when there are too many. */
static int field_slot(read_field_refs *refs, const read_field_ref *ref)
{
  for (unsigned k = 0; k < refs->n; k++)
    if (!memcmp(&refs->refs[k], ref, sizeof *ref))
      return (int)k;
  if (refs->n == READ_MAX_FIELDS)
    return -1;
  refs->refs[refs->n] = *ref;
  return (int)refs->n++;
}

/* The type of the argument at index (OSPY_EXPR_RETVAL_INDEX: the return
 * value), NULL when the function has none (pid, duration, a raw call). */
static const ospy_spec_typeref *base_type(const read_field_scope *fs, uint32_t index)
{
  if (!fs->fn)
    return NULL;
  if (index == OSPY_EXPR_RETVAL_INDEX)
    return fs->fn->has_ret && !fs->fn->ret_raw ? &fs->fn->ret : NULL;
  return index < fs->fn->nargs && index < OSPY_SPEC_MAX_ARGS ? &fs->fn->args[index].t : NULL;
}

bool read_field_lookup(const ospy_expr_arg *base, const ospy_expr_field_name *names, size_t n,
                       void *data, ospy_expr_arg *field, char *why, size_t why_size, size_t *bad)
{
  read_field_scope *fs = data;
  read_field_ref ref;
  memset(&ref, 0, sizeof ref); /* (compared whole: field_slot) */
  snprintf(fs->path, sizeof fs->path, "%s", base->name);
  *bad = 0;
  const ospy_spec_typeref *r = base_type(fs, base->index);
  if (!r)
    return refuse(why, why_size, "'%s' has no fields: it is no structure", fs->path);
  ref.arg = (int16_t)(base->index == OSPY_EXPR_RETVAL_INDEX ? OSPY_VALUE_RETVAL : (int)base->index);
  for (size_t k = 0; k < n; k++) {
    const ospy_spec_type *ty = ospy_spec_table_type(fs->t, r->type);
    *bad = k;
    if (!ty || ty->kind != OSPY_KIND_STRUCT || r->ptr > 1)
      return refuse(why, why_size, "'%s' has no fields: it is no structure", fs->path);
    int i = field_index(ty, names[k].name, names[k].len);
    if (i < 0)
      return refuse_unknown_field(ty, &names[k], why, why_size);
    ref.path[k] = (uint16_t)i;
    ref.depth = (uint8_t)(k + 1);
    path_append(fs->path, sizeof fs->path, names[k].name, names[k].len);
    r = &ty->fields[i].t;
  }
  *field = (ospy_expr_arg){ .name = fs->path, .may_fault = true };
  if (!field_value(fs, r, &ref, field, why, why_size))
    return false;
  int slot = field_slot(fs->refs, &ref);
  if (slot < 0)
    return refuse(why, why_size, "more than %d structure fields in one filter", READ_MAX_FIELDS);
  field->index = (uint32_t)(READ_NSLOTS + slot);
  return true;
}

/* ---- filling the slots from a call's values ---- */

/* What a value of the walk is to its parent. */
enum { STEP_POINTEE = -2, STEP_ELEMENT = -3 };

void read_field_walk_init(read_field_walk *w, const read_field_refs *refs, uint64_t *slots,
                          uint64_t *missing, read_pointee *pointees)
{
  w->refs = refs;
  w->slots = slots;
  w->missing = missing;
  w->pointees = pointees;
  for (unsigned k = 0; k < refs->n; k++) /* until recorded: a NULL structure has none */
    *missing |= 1ull << (READ_NSLOTS + k);
}

/* Whether the value at depth d of the walk is ref's: its fields from the
 * argument down are ref's path (pointers between them followed), and it is
 * the last field itself. */
static bool is_ref_value(const read_field_walk *w, unsigned d, const read_field_ref *ref)
{
  if (w->step[0] != ref->arg || d < 1)
    return false;
  unsigned last = d; /* where the last field is */
  unsigned k = 0;
  for (unsigned i = 1; i <= last; i++) {
    if (w->step[i] == STEP_POINTEE)
      continue;
    if (w->step[i] < 0 || k == ref->depth || w->step[i] != ref->path[k])
      return false;
    k++;
  }
  return k == ref->depth && w->step[last] >= 0;
}

/* The value as a slot holds it: an integer's bits, a pointer's address
 * (to_scalar: a pointer to a scalar, whose address is known when what it
 * points to could not be read). */
static bool slot_value(const ospy_value *v, bool to_scalar, uint64_t *out)
{
  switch (v->kind) {
  case OSPY_VALUE_INT: *out = v->u; return !to_scalar;
  case OSPY_VALUE_NULL: *out = 0; return true;
  case OSPY_VALUE_UNREADABLE:
    *out = v->address;
    return to_scalar;
  case OSPY_VALUE_POINTER:
  case OSPY_VALUE_NOT_FOLLOWED:
  case OSPY_VALUE_FORMAT:
    *out = v->address;
    return true;
  case OSPY_VALUE_STRING: /* a string pointer's: where it was, when recorded */
    *out = v->address;
    return v->address != 0;
  default: return false; /* unreadable, not recorded: missing */
  }
}

void read_field_visit(read_field_walk *w, const ospy_value *v)
{
  unsigned d = v->depth;
  if (!w->refs->n || d >= sizeof w->step / sizeof w->step[0])
    return;
  if (d == 0)
    w->step[0] = v->index;
  else if (w->kind[d - 1] == OSPY_VALUE_STRUCT)
    w->step[d] = v->index;
  else
    w->step[d] = w->kind[d - 1] == OSPY_VALUE_POINTER ? STEP_POINTEE : STEP_ELEMENT;
  w->kind[d] = v->kind;
  for (unsigned k = 0; k < w->refs->n; k++) {
    const read_field_ref *ref = &w->refs->refs[k];
    read_pointee *rp = &w->pointees[k];
    uint64_t value;
    if (ref->pointee_bytes && d >= 2 && w->step[d] == STEP_POINTEE &&
        v->kind == OSPY_VALUE_INT && is_ref_value(w, d - 1, ref)) {
      *rp = (read_pointee){ w->slots[READ_NSLOTS + k], v->u, ref->pointee_bytes };
      continue;
    }
    if (!is_ref_value(w, d, ref) || !slot_value(v, ref->pointee_bytes != 0, &value))
      continue;
    /* the out-value when there is one (the leave blob is walked last); a
     * pointer that changed forgets what the old one pointed to */
    if (rp->bytes && rp->addr != value)
      rp->bytes = 0;
    w->slots[READ_NSLOTS + k] = value;
    *w->missing &= ~(1ull << (READ_NSLOTS + k));
  }
}
