/* Agent init: compile the expressions of every function spec once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr.h"

#include "agent/marshal.h"
#include "plan/spec_abi.h"
#include "plan/spec_expr.h"
#include "plan/values_format.h"

static int compile_one(ospy_spec_table *t, const ospy_spec_fn *fn, ospy_spec_expr *e,
                       const char *where, char *err, size_t errcap)
{
  if (!e->src || e->compiled)
    return 0;
  char msg[160];
  unsigned col = 0;
  ospy_sexpr *c;
  if (ospy_sexpr_compile(e->src, t, fn, &c, msg, sizeof msg, &col) < 0) {
    snprintf(err, errcap, "%s: %s: '%s' column %u: %s", fn->name, where, e->src, col, msg);
    return -1;
  }
  e->compiled = c;
  return 0;
}

/* Every compiled expression of the table, in a fixed order. */
static size_t table_exprs(ospy_spec_table *t, ospy_spec_expr **out, size_t cap)
{
  size_t n = 0;
  for (uint32_t f = 0; f < t->nfns; f++) {
    ospy_spec_fn *fn = &t->fns[f];
    if (n < cap)
      out[n] = &fn->cond;
    n++;
    if (n < cap)
      out[n] = &fn->error_cond;
    n++;
    for (uint32_t i = 0; i < fn->nargs; i++) {
      ospy_spec_arg *a = &fn->args[i];
      ospy_spec_expr *es[] = { &a->size_in, &a->size_out, &a->count_in, &a->count_out,
                               &a->cond, &a->type_base, &a->value };
      for (size_t k = 0; k < sizeof es / sizeof *es; k++, n++)
        if (n < cap)
          out[n] = es[k];
    }
  }
  return n;
}

/* JIT-compile every expression into one pool, sealed once; an expression the
   code generator refuses keeps the interpreter. */
static void jit_all(ospy_spec_table *t)
{
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  if (!pool)
    return;
  size_t n = table_exprs(t, NULL, 0);
  ospy_spec_expr **all = malloc(n * sizeof *all + 1);
  if (!all) {
    ospy_expr_codepool_free(pool);
    return;
  }
  table_exprs(t, all, n);
  for (size_t i = 0; i < n; i++)
    if (all[i]->compiled)
      ospy_sexpr_jit(all[i]->compiled, pool);
  if (!ospy_expr_codepool_seal(pool)) { /* no executable memory: interpret */
    for (size_t i = 0; i < n; i++)
      if (all[i]->compiled)
        ospy_sexpr_unjit(all[i]->compiled);
  }
  free(all);
  t->expr_pool = pool;
}

/* Width of a plain integer typeref (no pointer, no float, no aggregate,
 * no run-time type), else 0; *sg its signedness: the spec's rules, which the
 * general path (marshal.c, scalar_info) writes by too. */
static unsigned int_width(const ospy_spec_table *t, const ospy_spec_typeref *r, uint8_t *sg)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, r->type);
  uint32_t as = r->marshal_as != OSPY_SPEC_NONE ? r->marshal_as : r->type;
  const ospy_spec_type *at = ospy_spec_table_type(t, as);
  if (r->ptr || !ty || !at || at->kind == OSPY_KIND_FLOAT)
    return 0;
  switch (ty->kind) {
  case OSPY_KIND_INT: case OSPY_KIND_BOOL: case OSPY_KIND_ENUM: case OSPY_KIND_FLAGS:
  case OSPY_KIND_IPV4: case OSPY_KIND_ERRNO: case OSPY_KIND_FD:
    break;
  default:
    return 0;
  }
  *sg = (uint8_t)ospy_spec_scalar_signed(t, r);
  return ospy_spec_scalar_width(t, r);
}

/* The fast path of the marshaler (marshal.c, put_ints): phases whose values
 * are all plain integers with nothing to evaluate (read's fd and count at
 * enter; add's a, b and result at both). */
static void mark_int_args(ospy_spec_table *t, ospy_spec_fn *fn)
{
  fn->int_phases = OSPY_VB_PHASE_ENTER | OSPY_VB_PHASE_LEAVE;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_spec_arg *a = &fn->args[i];
    a->int_width = (uint8_t)int_width(t, &a->t, &a->int_signed);
    if (!a->int_width || a->size_in.src || a->size_out.src || a->count_in.src ||
        a->count_out.src || a->cond.src || a->type_base.src || a->value.src) {
      if (a->dir & OSPY_DIR_IN)
        fn->int_phases &= (uint8_t)~OSPY_VB_PHASE_ENTER;
      if (a->dir & OSPY_DIR_OUT)
        fn->int_phases &= (uint8_t)~OSPY_VB_PHASE_LEAVE;
    }
  }
  fn->ret_width = fn->has_ret ? (uint8_t)int_width(t, &fn->ret, &fn->ret_signed) : 0;
  const ospy_spec_type *rt = fn->has_ret && !fn->ret.ptr ? ospy_spec_table_type(t, fn->ret.type)
                                                         : NULL;
  fn->ret_counts_bytes = rt && rt->name && !strcmp(rt->name, "SSize");
  /* i386: a 64-bit return value is edx:eax (the general path joins them) */
  if (fn->has_ret && (!fn->ret_width || fn->ret_width > sizeof(void *)))
    fn->int_phases &= (uint8_t)~OSPY_VB_PHASE_LEAVE;
}

/* The argument word (marshal.h: registers, then stack words) one argument
 * travels in alone, or -1 (two words, a structure, a float, none). */
/* The register words before the stack words (marshal.h's argument words). */
static unsigned first_stack_word(const ospy_spec_fn *fn)
{
#if defined(__x86_64__)
  (void)fn;
  return 6;
#else
  return ospy_abi_reg_words(fn->callconv);
#endif
}

static int one_word_of(const ospy_spec_fn *fn, const ospy_abi_loc *l)
{
  if (l->kind == OSPY_LOC_GP)
    return l->reg[0];
  unsigned first = first_stack_word(fn);
  if (l->kind == OSPY_LOC_STACK && l->words == 1)
    return (int)(first + l->stack);
  return -1;
}

/* fn->ints_words (spec.h): both phases plain integers, `in` arguments of one
 * word each, no condition; each argument's word found once here, as
 * ospy_marshal_args finds it for every call. */
static void mark_ints_fast(ospy_spec_fn *fn)
{
  fn->ints_words = 0;
  if (fn->int_phases != (OSPY_VB_PHASE_ENTER | OSPY_VB_PHASE_LEAVE) || fn->cond.src ||
      fn->error_cond.src)
    return;
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  if (w.hidden_ret)
    return;
  unsigned words = 0;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_abi_loc l = ospy_abi_next(&w, i);
    int k = one_word_of(fn, &l);
    if (fn->args[i].dir != OSPY_DIR_IN || k < 0 || k >= UINT8_MAX)
      return;
    fn->args[i].int_word = (uint8_t)k;
    if ((unsigned)k + 1u > words)
      words = (unsigned)k + 1u;
  }
  fn->ints_words = (uint8_t)(words ? words : 1);
}

/* fn->bytes_words (spec.h): plain integers and buffers (a BYTES pointer whose
 * only expressions are its size and a logCondition), each in one argument
 * word; a return value of one word, an integer, or none; nothing computed.
 * The function-level logCondition does not touch the blobs; an
 * errorCondition is taken at entry as the general path takes it. */
static void mark_bytes_fast(const ospy_spec_table *t, ospy_spec_fn *fn)
{
  fn->bytes_words = 0;
  if (fn->ints_words || fn->nargs > OSPY_BYTES_FAST_MAX_ARGS)
    return;
  if (fn->has_ret && (!fn->ret_width || fn->ret_width > sizeof(void *)))
    return;
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  if (w.hidden_ret)
    return;
  unsigned words = 0, nbytes = 0;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_spec_arg *a = &fn->args[i];
    ospy_abi_loc l = ospy_abi_next(&w, i);
    int k = one_word_of(fn, &l);
    if (k < 0 || k >= UINT8_MAX || a->value.src || a->count_in.src || a->count_out.src ||
        a->type_base.src)
      return;
    const ospy_spec_type *ty = ospy_spec_table_type(t, a->t.type);
    int plain = a->int_width && !a->size_in.src && !a->size_out.src && !a->cond.src;
    a->bytes_ptr = (uint8_t)(!plain && ty && ty->kind == OSPY_KIND_BYTES);
    if (!plain && !a->bytes_ptr)
      return;
    nbytes += a->bytes_ptr;
    a->int_word = (uint8_t)k;
    if ((unsigned)k + 1u > words)
      words = (unsigned)k + 1u;
  }
  if (nbytes)
    fn->bytes_words = (uint8_t)words;
}

/* The argument word after the last one loc l takes (0: none, -1: not known). */
static int words_past(const ospy_spec_fn *fn, const ospy_abi_loc *l)
{
  unsigned first = first_stack_word(fn);
  switch (l->kind) {
  case OSPY_LOC_NONE:
  case OSPY_LOC_SSE:
  case OSPY_LOC_STRUCT_STACK: /* (read by its address) */
    return 0;
  case OSPY_LOC_GP:
    return l->reg[0] + 1;
  case OSPY_LOC_GP_PAIR:
    return (l->reg[0] > l->reg[1] ? l->reg[0] : l->reg[1]) + 1;
  case OSPY_LOC_GP_STACK:
    return (int)(first + l->stack + 1u);
  case OSPY_LOC_STACK:
    return (int)(first + l->stack + (l->words ? l->words : 1u));
  case OSPY_LOC_STRUCT_REGS: {
    int past = 0;
    for (unsigned e = 0; e < l->n && e < 2; e++)
      if (l->cls[e] != OSPY_ABI_SSE && l->reg[e] + 1 > past)
        past = l->reg[e] + 1;
    return past;
  }
  default:
    return -1;
  }
}

/* fn->arg_words (spec.h): read 3 words for read(fd, buf, count), not 16. */
static void mark_arg_words(const ospy_spec_table *t, ospy_spec_fn *fn)
{
  fn->arg_words = 0;
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  /* (the words before the walk's first: a returned structure's hidden
   * pointer, a method's `this`) */
  int words = (int)w.gp + (int)w.stack;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_abi_loc l = ospy_abi_next(&w, i);
    const ospy_spec_type *ty = ospy_spec_table_type(t, fn->args[i].t.type);
    int past = words_past(fn, &l);
    if (past < 0 || (ty && ty->kind == OSPY_KIND_FORMAT))
      return;
    if (past > words)
      words = past;
  }
  if (words >= UINT8_MAX)
    return;
  fn->arg_words = (uint8_t)(words ? words : 1);
}

int ospy_marshal_prepare(ospy_spec_table *t, char *err, size_t errcap)
{
  if (t->ptr_size != sizeof(void *)) {
    snprintf(err, errcap, "the spec table is for %u-bit code, this process is %u-bit",
             t->ptr_size * 8u, (unsigned)sizeof(void *) * 8u);
    return -1;
  }
  ospy_marshal_release(t); /* preparing again starts over */
  for (uint32_t f = 0; f < t->nfns; f++) {
    ospy_spec_fn *fn = &t->fns[f];
    mark_int_args(t, fn);
    mark_ints_fast(fn);
    mark_bytes_fast(t, fn);
    mark_arg_words(t, fn);
    if (compile_one(t, fn, &fn->cond, "logCondition", err, errcap) < 0 ||
        compile_one(t, fn, &fn->error_cond, "errorCondition", err, errcap) < 0) {
      ospy_marshal_release(t);
      return -1;
    }
    for (uint32_t i = 0; i < fn->nargs; i++) {
      ospy_spec_arg *a = &fn->args[i];
      ospy_spec_expr *es[] = { &a->size_in, &a->size_out, &a->count_in, &a->count_out,
                               &a->cond, &a->type_base, &a->value };
      for (size_t k = 0; k < sizeof es / sizeof *es; k++)
        if (compile_one(t, fn, es[k], a->name, err, errcap) < 0) {
          ospy_marshal_release(t);
          return -1;
        }
    }
  }
  jit_all(t);
  return 0;
}

static void release_one(ospy_spec_expr *e)
{
  ospy_sexpr_free(e->compiled);
  e->compiled = NULL;
}

void ospy_marshal_release(ospy_spec_table *t)
{
  if (!t)
    return;
  ospy_expr_codepool_free(t->expr_pool);
  t->expr_pool = NULL;
  for (uint32_t f = 0; f < t->nfns; f++) {
    ospy_spec_fn *fn = &t->fns[f];
    release_one(&fn->cond);
    release_one(&fn->error_cond);
    for (uint32_t i = 0; i < fn->nargs; i++) {
      ospy_spec_arg *a = &fn->args[i];
      release_one(&a->size_in);
      release_one(&a->size_out);
      release_one(&a->count_in);
      release_one(&a->count_out);
      release_one(&a->cond);
      release_one(&a->type_base);
      release_one(&a->value);
    }
  }
}
