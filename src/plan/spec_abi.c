/* Where arguments and return values travel (spec_abi.h). */
#include "plan/spec_abi.h"

/* Nested structures deeper than this are not followed (the config refuses
 * structures that hold themselves; a plan is no more trusted than that). */
#define CLASSIFY_MAX_DEPTH 16

int ospy_abi_is_byval(const ospy_spec_table *t, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, r->type);
  return !r->ptr && ty && ty->kind == OSPY_KIND_STRUCT;
}

unsigned ospy_abi_reg_words(int callconv)
{
  switch (callconv) {
  case OSPY_CALLCONV_FASTCALL: return 2;
  case OSPY_CALLCONV_FASTCC: return 2;
  case OSPY_CALLCONV_THISCALL: return 1;
  case OSPY_CALLCONV_REGPARM1: return 1;
  case OSPY_CALLCONV_REGPARM2: return 2;
  case OSPY_CALLCONV_REGPARM3: return 3;
  default: return 0;
  }
}

/* ---- classification (x86-64) ---- */

typedef struct classify {
  const ospy_spec_table *t;
  uint32_t size;     /* the whole structure's */
  uint8_t cls[2];
  int unaligned;
} classify;

/* Bytes [off, off + len) hold a value of class cls: the eightbytes they
 * touch merge it in (INTEGER wins over SSE, as the ABI merges a union's). */
static void mark(classify *c, uint64_t off, uint64_t len, uint8_t cls)
{
  if (len == 0)
    len = 1;
  for (uint64_t e = off / 8; e < 2 && e <= (off + len - 1) / 8; e++)
    c->cls[e] = cls == OSPY_ABI_INTEGER || c->cls[e] == OSPY_ABI_INTEGER ? OSPY_ABI_INTEGER
                                                                          : OSPY_ABI_SSE;
}

/* The bytes from off to the structure's end (a value whose size the
 * structure's own size bounds: an inline string, bytes bound to a field). */
static uint64_t rest_of(const classify *c, uint64_t off)
{
  return off < c->size ? c->size - off : 1;
}

static void classify_value(classify *c, const ospy_spec_typeref *r, uint64_t off, uint32_t fixed,
                           unsigned depth);

static void classify_struct(classify *c, const ospy_spec_type *st, uint64_t off, unsigned depth)
{
  for (uint32_t i = 0; i < st->nfields; i++)
    classify_value(c, &st->fields[i].t, off + st->fields[i].offset, st->fields[i].size, depth);
}

/* An inline array: its elements, `fixed` of them or as many as the
 * structure holds (a count bound to a field). */
static void classify_array(classify *c, const ospy_spec_typeref *r, uint64_t off, uint32_t fixed,
                           unsigned depth)
{
  ospy_spec_typeref er = { .type = r->elem_type, .ptr = r->elem_ptr,
                           .marshal_as = OSPY_SPEC_NONE, .elem_type = OSPY_SPEC_NONE };
  uint64_t esz = ospy_spec_element_size(c->t, &er);
  if (!esz) {
    mark(c, off, rest_of(c, off), OSPY_ABI_INTEGER);
    return;
  }
  uint64_t count = fixed ? fixed : (rest_of(c, off) + esz - 1) / esz;
  for (uint64_t k = 0; k < count && off + k * esz < 16; k++)
    classify_value(c, &er, off + k * esz, 0, depth);
}

static void classify_value(classify *c, const ospy_spec_typeref *r, uint64_t off, uint32_t fixed,
                           unsigned depth)
{
  const ospy_spec_type *ty = ospy_spec_table_type(c->t, r->type);
  if (!ty || depth > CLASSIFY_MAX_DEPTH || off >= 16)
    return;
  if (!r->ptr && ty->kind == OSPY_KIND_STRUCT) {
    classify_struct(c, ty, off, depth + 1);
    return;
  }
  if (!r->ptr && ty->kind == OSPY_KIND_ARRAY) {
    classify_array(c, r, off, fixed, depth + 1);
    return;
  }
  unsigned w = ospy_spec_scalar_width(c->t, r);
  if (!w) { /* bytes, a string or a socket address inline: chars */
    mark(c, off, fixed ? fixed : rest_of(c, off), OSPY_ABI_INTEGER);
    return;
  }
  unsigned align = w > 8 ? 8 : w;
  if (off % align)
    c->unaligned = 1;
  mark(c, off, w, !r->ptr && ty->kind == OSPY_KIND_FLOAT ? OSPY_ABI_SSE : OSPY_ABI_INTEGER);
}

ospy_abi_struct ospy_abi_classify(const ospy_spec_table *t, uint32_t type)
{
  ospy_abi_struct s = { 0 };
  const ospy_spec_type *ty = ospy_spec_table_type(t, type);
  if (!ty || ty->kind != OSPY_KIND_STRUCT || ty->size == 0) {
    s.problem = OSPY_ABI_NOT_STRUCT;
    return s;
  }
  s.size = ty->size;
  if (t->ptr_size != 8 || ty->size > 16) {
    s.in_memory = 1;
    return s;
  }
  classify c = { .t = t, .size = ty->size };
  classify_struct(&c, ty, 0, 0);
  if (c.unaligned) { /* a packed structure: memory, as GCC passes it */
    s.in_memory = 1;
    return s;
  }
  s.n = (uint8_t)((ty->size + 7) / 8);
  for (unsigned e = 0; e < s.n; e++) {
    s.cls[e] = c.cls[e];
    if (c.cls[e] == OSPY_ABI_NO_CLASS && !s.problem) {
      s.problem = OSPY_ABI_UNDESCRIBED;
      s.undescribed = (uint8_t)e;
    }
  }
  return s;
}

/* ---- locations ---- */

static int is_float(const ospy_spec_table *t, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, r->type);
  return !r->ptr && ty && ty->kind == OSPY_KIND_FLOAT;
}

static ospy_abi_loc unknown(uint32_t size, uint8_t problem, uint8_t undescribed)
{
  return (ospy_abi_loc){ .kind = OSPY_LOC_UNKNOWN, .size = size, .problem = problem,
                         .undescribed = undescribed };
}

static ospy_abi_loc on_stack(ospy_abi_walk *w, uint8_t kind, unsigned words, uint32_t size)
{
  ospy_abi_loc l = { .kind = kind, .stack = (uint16_t)w->stack, .words = (uint16_t)words,
                     .size = size };
  w->stack += words;
  return l;
}

/* i386 conventions under which structures by value are decoded: the
 * arguments all on the stack (stdcall's callee pops them, the layout is
 * cdecl's). */
static int i386_struct_convention(int cc)
{
  return cc == OSPY_CALLCONV_DEFAULT || cc == OSPY_CALLCONV_CDECL || cc == OSPY_CALLCONV_STDCALL;
}

void ospy_abi_start(ospy_abi_walk *w, const ospy_spec_fn *fn)
{
  const ospy_spec_table *t = fn->table;
  *w = (ospy_abi_walk){ .fn = fn };
  w->hidden_ret = fn->has_ret && t && ospy_abi_return(fn).kind == OSPY_LOC_STRUCT_MEMORY;
  if (!t || t->ptr_size == 8) {
    w->gp = (unsigned)w->hidden_ret + (fn->is_method ? 1u : 0u); /* rdi, then `this` */
    return;
  }
  int cc = fn->callconv;
  w->nreg = ospy_abi_reg_words(cc);
  w->in_regs = cc == OSPY_CALLCONV_FASTCALL || cc == OSPY_CALLCONV_FASTCC ||
               (cc >= OSPY_CALLCONV_REGPARM1 && cc <= OSPY_CALLCONV_REGPARM3);
  /* a method's `this`: ecx under fastcall (GCC: the arguments then take edx
   * and the stack), fastcc and thiscall, eax under regparm, else pushed
   * first (stdcall/cdecl), after the hidden pointer of a structure returned */
  w->gp = fn->is_method && w->nreg ? 1 : 0;
  w->stack = (unsigned)w->hidden_ret + (fn->is_method && !w->nreg ? 1u : 0u);
}

static ospy_abi_loc next_x86_64(ospy_abi_walk *w, const ospy_spec_arg *a)
{
  const ospy_spec_table *t = w->fn->table;
  if (ospy_abi_is_byval(t, &a->t)) {
    ospy_abi_struct s = ospy_abi_classify(t, a->t.type);
    if (s.problem)
      return unknown(s.size, s.problem, s.undescribed);
    unsigned need_gp = 0, need_sse = 0;
    for (unsigned e = 0; e < s.n; e++)
      s.cls[e] == OSPY_ABI_SSE ? need_sse++ : need_gp++;
    if (s.in_memory || w->gp + need_gp > 6 || w->sse + need_sse > 8)
      return on_stack(w, OSPY_LOC_STRUCT_STACK, (s.size + 7) / 8, s.size);
    ospy_abi_loc l = { .kind = OSPY_LOC_STRUCT_REGS, .n = s.n, .size = s.size };
    for (unsigned e = 0; e < s.n; e++) {
      l.cls[e] = s.cls[e];
      l.reg[e] = (uint8_t)(s.cls[e] == OSPY_ABI_SSE ? w->sse++ : w->gp++);
    }
    return l;
  }
  if (is_float(t, &a->t)) {
    if (w->sse < 8)
      return (ospy_abi_loc){ .kind = OSPY_LOC_SSE, .reg = { (uint8_t)w->sse++ } };
  } else if (w->gp < 6) {
    return (ospy_abi_loc){ .kind = OSPY_LOC_GP, .reg = { (uint8_t)w->gp++ } };
  }
  return on_stack(w, OSPY_LOC_STACK, 1, 0);
}

/* clang's fastcc (LLVM's CC_X86_32_FastCC): each 32-bit word of an
 * integer takes the next of ecx, edx, so a 64-bit one is split between edx
 * and the stack when ecx is taken; a float goes on the stack (no SSE2: the
 * -m32 default), a Double in an 8-byte aligned slot. */
static ospy_abi_loc next_fastcc(ospy_abi_walk *w, unsigned width, int fl)
{
  if (!fl && width <= 4 && w->gp < w->nreg)
    return (ospy_abi_loc){ .kind = OSPY_LOC_GP, .reg = { (uint8_t)w->gp++ } };
  if (!fl && width == 8 && w->gp + 2 <= w->nreg) {
    ospy_abi_loc l = { .kind = OSPY_LOC_GP_PAIR, .reg = { (uint8_t)w->gp, (uint8_t)(w->gp + 1) } };
    w->gp += 2;
    return l;
  }
  if (!fl && width == 8 && w->gp < w->nreg) {
    ospy_abi_loc l = { .kind = OSPY_LOC_GP_STACK, .reg = { (uint8_t)w->gp++ },
                       .stack = (uint16_t)w->stack, .words = 1 };
    w->stack++;
    return l;
  }
  if (fl && width == 8)
    w->stack += w->stack & 1u;
  return on_stack(w, OSPY_LOC_STACK, width == 8 ? 2 : 1, 0);
}

static ospy_abi_loc next_i386(ospy_abi_walk *w, const ospy_spec_arg *a)
{
  const ospy_spec_table *t = w->fn->table;
  if (ospy_abi_is_byval(t, &a->t)) {
    ospy_abi_struct s = ospy_abi_classify(t, a->t.type);
    if (s.problem)
      return unknown(s.size, s.problem, s.undescribed);
    if (!i386_struct_convention(w->fn->callconv))
      return unknown(s.size, OSPY_ABI_CONVENTION, 0);
    return on_stack(w, OSPY_LOC_STRUCT_STACK, (s.size + 3) / 4, s.size);
  }
  unsigned width = ospy_spec_scalar_width(t, &a->t);
  int fl = is_float(t, &a->t);
  /* SSE2 math: the first three in xmm0-2, the integers in their registers
   * as if the floats were not there (GCC's sseregparm, clang's fastcc) */
  if (fl && w->fn->sse_floats && w->sse < 3)
    return (ospy_abi_loc){ .kind = OSPY_LOC_SSE, .reg = { (uint8_t)w->sse++ } };
  if (w->fn->callconv == OSPY_CALLCONV_FASTCC)
    return next_fastcc(w, width, fl);
  if (w->in_regs && w->gp < w->nreg && width <= 4 && !fl)
    return (ospy_abi_loc){ .kind = OSPY_LOC_GP, .reg = { (uint8_t)w->gp++ } };
  /* GCC's regparm: a 64-bit integer takes two registers when two are left,
   * its low word first (fastcall never passes one in registers) */
  if (w->in_regs && w->fn->callconv != OSPY_CALLCONV_FASTCALL && width == 8 && !fl &&
      w->gp + 2 <= w->nreg) {
    ospy_abi_loc l = { .kind = OSPY_LOC_GP_PAIR, .reg = { (uint8_t)w->gp, (uint8_t)(w->gp + 1) } };
    w->gp += 2;
    return l;
  }
  /* else (GCC) a 64-bit integer goes on the stack and uses up the
   * registers left, so every later argument is on the stack too */
  if (w->in_regs && width == 8 && !fl)
    w->gp = w->nreg;
  return on_stack(w, OSPY_LOC_STACK, width == 8 ? 2 : 1, 0);
}

ospy_abi_loc ospy_abi_next(ospy_abi_walk *w, uint32_t i)
{
  const ospy_spec_fn *fn = w->fn;
  if (i >= fn->nargs || fn->args[i].value.src || !fn->table)
    return (ospy_abi_loc){ .kind = OSPY_LOC_NONE }; /* computed: no parameter */
  return fn->table->ptr_size == 8 ? next_x86_64(w, &fn->args[i]) : next_i386(w, &fn->args[i]);
}

ospy_abi_loc ospy_abi_return(const ospy_spec_fn *fn)
{
  const ospy_spec_table *t = fn->table;
  if (!fn->has_ret || !t || !ospy_abi_is_byval(t, &fn->ret))
    return (ospy_abi_loc){ .kind = OSPY_LOC_NONE };
  ospy_abi_struct s = ospy_abi_classify(t, fn->ret.type);
  if (s.problem)
    return unknown(s.size, s.problem, s.undescribed);
  if (t->ptr_size == 4 && !i386_struct_convention(fn->callconv))
    return unknown(s.size, OSPY_ABI_CONVENTION, 0);
  if (s.in_memory)
    return (ospy_abi_loc){ .kind = OSPY_LOC_STRUCT_MEMORY, .size = s.size };
  ospy_abi_loc l = { .kind = OSPY_LOC_STRUCT_REGS, .n = s.n, .size = s.size };
  unsigned gp = 0, sse = 0; /* rax, rdx; xmm0, xmm1 */
  for (unsigned e = 0; e < s.n; e++) {
    l.cls[e] = s.cls[e];
    l.reg[e] = (uint8_t)(s.cls[e] == OSPY_ABI_SSE ? sse++ : gp++);
  }
  return l;
}
