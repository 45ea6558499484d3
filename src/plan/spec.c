/* Spec table: built-in types, building, lookup. Allocation happens only while
   a table is built or decoded (controller, or agent init), never while
   marshaling. */
#include "plan/spec.h"

#include <stdlib.h>
#include <string.h>

typedef struct ospy_spec_block {
  struct ospy_spec_block *next;
  size_t used, cap;
  max_align_t data[];
} ospy_spec_block;

struct ospy_spec_arena {
  ospy_spec_block *head;
};

typedef struct builtin_def {
  const char *name;
  uint8_t kind, width, is_signed;
} builtin_def;

/* Order = enum ospy_builtin. width 0 = pointer width. */
static const builtin_def builtins[OSPY_SPEC_NBUILTIN] = {
  { "UInt8", OSPY_KIND_INT, 1, 0 },        { "Int8", OSPY_KIND_INT, 1, 1 },
  { "UInt16", OSPY_KIND_INT, 2, 0 },       { "Int16", OSPY_KIND_INT, 2, 1 },
  { "UInt32", OSPY_KIND_INT, 4, 0 },       { "Int32", OSPY_KIND_INT, 4, 1 },
  { "UInt64", OSPY_KIND_INT, 8, 0 },       { "Int64", OSPY_KIND_INT, 8, 1 },
  { "Size", OSPY_KIND_INT, 0, 0 },         { "SSize", OSPY_KIND_INT, 0, 1 },
  { "Pointer", OSPY_KIND_POINTER, 0, 0 },
  /* oSpy's Boolean is a UInt8 unless size="2|4" says otherwise (a marshalAs) */
  { "Boolean", OSPY_KIND_BOOL, 1, 0 },     { "CPPBool", OSPY_KIND_BOOL, 1, 0 },
  { "MSBool", OSPY_KIND_BOOL, 4, 0 },
  { "Float", OSPY_KIND_FLOAT, 4, 0 },      { "Double", OSPY_KIND_FLOAT, 8, 0 },
  { "ByteArray", OSPY_KIND_BYTES, 1, 0 },
  { "AsciiString", OSPY_KIND_STRING, 1, 0 },
  { "UnicodeString", OSPY_KIND_STRING, 2, 0 },
  { "WideString", OSPY_KIND_STRING, 4, 0 },
  { "AsciiFormatString", OSPY_KIND_FORMAT, 1, 0 },
  { "UnicodeFormatString", OSPY_KIND_FORMAT, 2, 0 },
  { "VaList", OSPY_KIND_VALIST, 0, 0 },
  { "Array", OSPY_KIND_ARRAY, 0, 0 },
  { "Dynamic", OSPY_KIND_DYNAMIC, 0, 0 },
  { "Ipv4InAddr", OSPY_KIND_IPV4, 4, 0 },
  { "SockAddr", OSPY_KIND_SOCKADDR, 0, 0 },
  { "Errno", OSPY_KIND_ERRNO, 4, 1 },
  { "FileDescriptor", OSPY_KIND_FD, 4, 1 },
};

void *ospy_spec_alloc(ospy_spec_table *t, size_t n)
{
  n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
  ospy_spec_block *b = t->arena->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 16384 ? n : 16384;
    b = calloc(1, sizeof *b + cap);
    if (!b)
      return NULL;
    b->cap = cap;
    b->next = t->arena->head;
    t->arena->head = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  return p;
}

const char *ospy_spec_strdup(ospy_spec_table *t, const char *s)
{
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *p = ospy_spec_alloc(t, n);
  if (p)
    memcpy(p, s, n);
  return p;
}

ospy_spec_table *ospy_spec_table_new(unsigned ptr_size)
{
  ospy_spec_table *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->arena = calloc(1, sizeof *t->arena);
  if (!t->arena) {
    free(t);
    return NULL;
  }
  t->ptr_size = (uint8_t)(ptr_size == 4 ? 4 : 8);
  for (unsigned i = 0; i < OSPY_SPEC_NBUILTIN; i++) {
    uint32_t ix = ospy_spec_add_type(t, NULL, builtins[i].kind);
    if (ix == OSPY_SPEC_NONE) {
      ospy_spec_table_free(t);
      return NULL;
    }
    t->types[ix].name = builtins[i].name; /* static, never freed */
    t->types[ix].width = builtins[i].width;
    t->types[ix].is_signed = builtins[i].is_signed;
  }
  return t;
}

void ospy_spec_table_free(ospy_spec_table *t)
{
  if (!t)
    return;
  if (t->arena) {
    for (ospy_spec_block *b = t->arena->head, *n; b; b = n) {
      n = b->next;
      free(b);
    }
    free(t->arena);
  }
  free(t->types);
  free(t->fns);
  free(t->vtables);
  free(t);
}

/* Grow a top-level array holding n elements so that one more fits. The
   capacity is implied by n: 8, then doubling. */
static void *grow(void *arr, uint32_t n, size_t elem)
{
  int full = n == 0 || (n >= 8 && (n & (n - 1)) == 0);
  if (!full)
    return arr;
  size_t cap = n ? (size_t)n * 2 : 8;
  return realloc(arr, cap * elem);
}

#define APPEND(t, arr, count, name_field, name_value)                          \
  do {                                                                         \
    void *np = grow((t)->arr, (t)->count, sizeof *(t)->arr);                   \
    if (!np)                                                                   \
      return OSPY_SPEC_NONE;                                                   \
    (t)->arr = np;                                                             \
    memset(&(t)->arr[(t)->count], 0, sizeof *(t)->arr);                        \
    (t)->arr[(t)->count].name_field = (name_value);                            \
  } while (0)

uint32_t ospy_spec_add_type(ospy_spec_table *t, const char *name, int kind)
{
  const char *nm = name ? ospy_spec_strdup(t, name) : NULL;
  if (name && !nm)
    return OSPY_SPEC_NONE;
  APPEND(t, types, ntypes, name, nm);
  t->types[t->ntypes].kind = (uint8_t)kind;
  t->types[t->ntypes].width = 4;
  return t->ntypes++;
}

uint32_t ospy_spec_add_fn(ospy_spec_table *t, const char *name)
{
  const char *nm = ospy_spec_strdup(t, name);
  if (!nm)
    return OSPY_SPEC_NONE;
  APPEND(t, fns, nfns, name, nm);
  t->fns[t->nfns].ret.type = OSPY_SPEC_NONE;
  t->fns[t->nfns].ret.marshal_as = OSPY_SPEC_NONE;
  t->fns[t->nfns].ret.elem_type = OSPY_SPEC_NONE;
  t->fns[t->nfns].table = t;
  return t->nfns++;
}

uint32_t ospy_spec_add_vtable(ospy_spec_table *t, const char *id)
{
  const char *nm = ospy_spec_strdup(t, id);
  if (!nm)
    return OSPY_SPEC_NONE;
  APPEND(t, vtables, nvtables, id, nm);
  return t->nvtables++;
}

int ospy_spec_type_lookup(const ospy_spec_table *t, const char *name, ospy_spec_typeref *out)
{
  size_t n = strlen(name);
  memset(out, 0, sizeof *out);
  out->marshal_as = OSPY_SPEC_NONE;
  out->elem_type = OSPY_SPEC_NONE;
  for (int pass = 0; pass < 2; pass++) {
    size_t want = n;
    if (pass == 1) {
      if (n <= 3 || strcmp(name + n - 3, "Ptr") != 0)
        break;
      want = n - 3;
    }
    for (uint32_t i = 0; i < t->ntypes; i++) {
      const char *tn = t->types[i].name;
      if (tn && strlen(tn) == want && !strncmp(tn, name, want)) {
        out->type = i;
        out->ptr = (uint8_t)pass;
        return 0;
      }
    }
  }
  out->type = OSPY_SPEC_NONE;
  return -1;
}

uint32_t ospy_spec_fn_lookup(const ospy_spec_table *t, const char *name)
{
  for (uint32_t i = 0; i < t->nfns; i++)
    if (!strcmp(t->fns[i].name, name))
      return i;
  return OSPY_SPEC_NONE;
}

uint32_t ospy_spec_vtable_lookup(const ospy_spec_table *t, const char *id)
{
  for (uint32_t i = 0; i < t->nvtables; i++)
    if (!strcmp(t->vtables[i].id, id))
      return i;
  return OSPY_SPEC_NONE;
}

const ospy_spec_fn *ospy_spec_table_fn(const ospy_spec_table *t, uint32_t index)
{
  return t && index < t->nfns ? &t->fns[index] : NULL;
}

unsigned ospy_spec_fn_nargs(const ospy_spec_fn *fn) { return fn->nargs; }
int ospy_spec_fn_callconv(const ospy_spec_fn *fn) { return fn->callconv; }

static int same_text(const char *a, const char *b)
{
  return a == b || (a && b && !strcmp(a, b));
}

/* How deep structures in structures are compared: past it, two of other
 * names count as different (a self-referencing pair, Node and Node2 each
 * holding a pointer to itself, never ends). */
#define ALIKE_DEPTH_MAX 8

static int alike_typeref(const ospy_spec_table *t, const ospy_spec_typeref *a,
                         const ospy_spec_typeref *b, unsigned depth);

static int alike_field(const ospy_spec_table *t, const ospy_spec_field *a,
                       const ospy_spec_field *b, unsigned depth)
{
  return same_text(a->name, b->name) && a->offset == b->offset &&
         a->size_field == b->size_field && a->count_field == b->count_field &&
         a->size == b->size && a->out_only == b->out_only &&
         alike_typeref(t, &a->t, &b->t, depth);
}

/* Whether types a and b of table t show a value alike: the same type, two
 * built-in integer types of one width and signedness in t (SSize and Int64,
 * Size and UInt64 on x86-64: lseek and lseek64 of x86-64 glibc, one
 * function; not a ProcessId, which ospy diff tells apart), or
 * two structures of one layout under two names (struct stat and struct
 * stat64 of x86-64 glibc: Stat and Stat64 of the files preset), whose
 * names no call shows. Other kinds by their index: some are told apart by
 * their name (Pointer, shown in hex; a Dynamic type's). */
static int alike_type(const ospy_spec_table *t, uint32_t a, uint32_t b, unsigned depth)
{
  if (a == b)
    return 1;
  const ospy_spec_type *x = ospy_spec_table_type(t, a), *y = ospy_spec_table_type(t, b);
  if (x && y && a < OSPY_SPEC_NBUILTIN && b < OSPY_SPEC_NBUILTIN && x->kind == OSPY_KIND_INT &&
      y->kind == OSPY_KIND_INT)
    return (x->width ? x->width : t->ptr_size) == (y->width ? y->width : t->ptr_size) &&
           x->is_signed == y->is_signed;
  if (!x || !y || x->kind != OSPY_KIND_STRUCT || y->kind != OSPY_KIND_STRUCT ||
      depth >= ALIKE_DEPTH_MAX || x->size != y->size || x->nfields != y->nfields)
    return 0;
  for (uint32_t i = 0; i < x->nfields; i++)
    if (!alike_field(t, &x->fields[i], &y->fields[i], depth + 1))
      return 0;
  return 1;
}

static int alike_typeref(const ospy_spec_table *t, const ospy_spec_typeref *a,
                         const ospy_spec_typeref *b, unsigned depth)
{
  return alike_type(t, a->type, b->type, depth) && a->ptr == b->ptr && a->hex == b->hex &&
         a->octal == b->octal && a->big_endian == b->big_endian && a->elem_ptr == b->elem_ptr &&
         a->null_term == b->null_term && a->raw_word == b->raw_word &&
         alike_type(t, a->marshal_as, b->marshal_as, depth) &&
         alike_type(t, a->elem_type, b->elem_type, depth);
}

static int same_typeref(const ospy_spec_table *t, const ospy_spec_typeref *a,
                        const ospy_spec_typeref *b)
{
  return alike_typeref(t, a, b, 0);
}

static int same_arg(const ospy_spec_table *t, const ospy_spec_arg *a, const ospy_spec_arg *b)
{
  return same_text(a->name, b->name) && a->dir == b->dir && same_typeref(t, &a->t, &b->t) &&
         same_text(a->size_in.src, b->size_in.src) && same_text(a->size_out.src, b->size_out.src) &&
         same_text(a->count_in.src, b->count_in.src) &&
         same_text(a->count_out.src, b->count_out.src) && same_text(a->cond.src, b->cond.src) &&
         same_text(a->type_base.src, b->type_base.src) &&
         same_text(a->type_suffix, b->type_suffix) && a->valist_arg == b->valist_arg &&
         same_text(a->value.src, b->value.src);
}

int ospy_spec_fn_alike(const ospy_spec_fn *a, const ospy_spec_fn *b)
{
  if (a == b)
    return 1;
  if (!a || !b || a->table != b->table || a->callconv != b->callconv ||
      a->log_nested != b->log_nested || a->has_ret != b->has_ret || a->is_method != b->is_method ||
      a->null_ok != b->null_ok || a->has_error_value != b->has_error_value ||
      a->errno_rule != b->errno_rule || a->ret_raw != b->ret_raw || a->args_size != b->args_size ||
      (a->has_error_value && a->error_value != b->error_value) ||
      (a->has_ret && !same_typeref(a->table, &a->ret, &b->ret)) || a->nargs != b->nargs ||
      !same_text(a->cond.src, b->cond.src) || !same_text(a->error_cond.src, b->error_cond.src))
    return 0;
  for (uint32_t i = 0; i < a->nargs; i++)
    if (!same_arg(a->table, &a->args[i], &b->args[i]))
      return 0;
  return 1;
}

uint32_t ospy_spec_arg_lookup(const ospy_spec_fn *fn, const char *name)
{
  for (uint32_t i = 0; i < fn->nargs; i++)
    if (!strcmp(fn->args[i].name, name))
      return i;
  return OSPY_SPEC_NONE;
}

int ospy_spec_scalar_signed(const ospy_spec_table *t, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, r->type);
  uint32_t as = r->marshal_as != OSPY_SPEC_NONE ? r->marshal_as : r->type;
  const ospy_spec_type *at = ospy_spec_table_type(t, as);
  return at && at->is_signed && !(ty && ty->kind == OSPY_KIND_POINTER);
}

int ospy_spec_enum_signed(const ospy_spec_type *ty)
{
  if (!ty || ty->kind != OSPY_KIND_ENUM)
    return 0;
  for (uint32_t i = 0; i < ty->nmembers; i++)
    if ((int64_t)ty->members[i].value < 0) /* members are in INT32_MIN..UINT32_MAX */
      return 1;
  return 0;
}

unsigned ospy_spec_element_size(const ospy_spec_table *t, const ospy_spec_typeref *elem)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, elem->type);
  if (!ty)
    return 0;
  if (elem->ptr)
    return t->ptr_size;
  if (ty->kind == OSPY_KIND_STRUCT)
    return ty->size;
  return ospy_spec_scalar_width(t, elem);
}

unsigned ospy_spec_scalar_width(const ospy_spec_table *t, const ospy_spec_typeref *r)
{
  if (r->ptr)
    return t->ptr_size;
  if (r->marshal_as != OSPY_SPEC_NONE && r->marshal_as < t->ntypes)
    return ospy_spec_scalar_width(t, &(ospy_spec_typeref){ .type = r->marshal_as,
                                        .marshal_as = OSPY_SPEC_NONE });
  const ospy_spec_type *ty = ospy_spec_table_type(t, r->type);
  if (!ty)
    return 0;
  switch (ty->kind) {
  case OSPY_KIND_INT:
  case OSPY_KIND_POINTER:
    return ty->width ? ty->width : t->ptr_size;
  case OSPY_KIND_BOOL:
  case OSPY_KIND_FLOAT:
  case OSPY_KIND_ENUM:
  case OSPY_KIND_FLAGS:
  case OSPY_KIND_IPV4:
  case OSPY_KIND_ERRNO:
  case OSPY_KIND_FD:
    return ty->width;
  case OSPY_KIND_DYNAMIC: /* an enumeration chosen at run time */
    return 4;
  case OSPY_KIND_VALIST:
  case OSPY_KIND_STRING: /* a string argument is passed as a pointer */
  case OSPY_KIND_FORMAT:
  case OSPY_KIND_BYTES:
  case OSPY_KIND_ARRAY:
  case OSPY_KIND_SOCKADDR:
  case OSPY_KIND_STRUCT:
    return 0;
  }
  return 0;
}

const char *ospy_spec_type_name(const ospy_spec_table *t, uint32_t type)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, type);
  return ty && ty->name ? ty->name : "?";
}

const char *ospy_spec_callconv_name(int cc)
{
  static const char *const names[] = { "default", "cdecl", "stdcall", "fastcall", "thiscall",
                                       "sysv", "regparm(1)", "regparm(2)", "regparm",
                                       "fastcc" };
  return cc >= 0 && cc <= OSPY_CALLCONV_LAST ? names[cc] : "?";
}

const char *ospy_spec_direction_name(int dir)
{
  return dir == OSPY_DIR_IN ? "in" : dir == OSPY_DIR_OUT ? "out" : dir == OSPY_DIR_INOUT ? "in/out" : "?";
}
