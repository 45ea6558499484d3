/* Spec expressions on top of the expression language (src/expr). */
#include "plan/spec_expr.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr/expr.h"

struct ospy_sexpr {
  ospy_expr *e;
  ospy_expr_fn fn; /* JIT code, or NULL: interpreter */
  unsigned uses;
  unsigned own_uses; /* without what the out computed arguments it reads use */
  unsigned width;  /* the result's type */
  bool is_signed;
  uint64_t args;     /* the arguments it reads (bit = index) */
  uint64_t ret_args; /* the out computed arguments it reads, itself or through others */
  uint64_t out_args; /* the out and in/out arguments it reads (what the call may change) */
};

static unsigned bits_of(unsigned bytes) { return bytes >= 1 && bytes <= 8 ? bytes * 8 : 0; }

/* An argument as the expression language sees it. */
static void scope_arg(const ospy_spec_table *t, const ospy_spec_arg *a, uint32_t i,
                      ospy_expr_arg *x)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, a->t.type);
  ospy_spec_typeref plain = a->t;
  plain.ptr = 0;
  unsigned w = ospy_spec_scalar_width(t, &plain);
  bool is_signed = ospy_spec_scalar_signed(t, &plain); /* by marshalAs, as recorded */
  x->name = a->name;
  x->index = i;
  x->may_fault = a->value.src != NULL; /* computed: missing when its read faulted */
  if (a->t.ptr || !w) { /* ...Ptr, and aggregates passed by address */
    x->width = (uint8_t)(t->ptr_size * 8);
    x->is_pointer = true;
    x->pointee_width = (uint8_t)(a->t.ptr ? bits_of(w) : 0);
    x->pointee_signed = is_signed;
    x->auto_deref = a->t.ptr && x->pointee_width; /* oSpy: arg.X is *X */
    return;
  }
  x->width = (uint8_t)bits_of(w);
  x->is_signed = is_signed;
  x->is_float = ty && ty->kind == OSPY_KIND_FLOAT;
}

/* Compile src with fn's arguments, return value and architecture as its scope. */
static bool compile_in_scope(const char *src, const ospy_spec_table *t, const ospy_spec_fn *fn,
                             ospy_expr **out, ospy_expr_error *e)
{
  ospy_expr_arg args[OSPY_SPEC_MAX_ARGS] = { { 0 } };
  size_t n = fn && fn->nargs <= OSPY_SPEC_MAX_ARGS ? fn->nargs : 0;
  for (size_t i = 0; i < n; i++)
    scope_arg(t, &fn->args[i], (uint32_t)i, &args[i]);
  ospy_expr_scope scope = { .arch = t->ptr_size == 8 ? OSPY_EXPR_ARCH_X86_64 : OSPY_EXPR_ARCH_I386,
                            .args = args, .nargs = n, .has_retval = true,
                            .retval_width = (uint8_t)(t->ptr_size * 8) };
  if (fn && fn->has_ret && !fn->ret.ptr) {
    unsigned w = ospy_spec_scalar_width(t, &fn->ret);
    const ospy_spec_type *rt = ospy_spec_table_type(t, fn->ret.type);
    if (bits_of(w)) {
      scope.retval_width = (uint8_t)bits_of(w);
      scope.retval_signed = ospy_spec_scalar_signed(t, &fn->ret);
    }
    scope.retval_is_float = rt && rt->kind == OSPY_KIND_FLOAT;
  }
  return ospy_expr_compile(src, &scope, out, e);
}

/* fn's computed arguments of direction out (not in/out): they have a value
 * only once the call returned (bit = index). */
static uint64_t return_computed(const ospy_spec_fn *fn)
{
  uint64_t m = 0;
  for (uint32_t i = 0; fn && i < fn->nargs && i < 64; i++)
    if (fn->args[i].value.src && fn->args[i].dir == OSPY_DIR_OUT)
      m |= 1ull << i;
  return m;
}

/* fn's arguments of direction out or in/out (bit = index): what they point
 * to is the call's to change. */
static uint64_t out_directed(const ospy_spec_fn *fn)
{
  uint64_t m = 0;
  for (uint32_t i = 0; fn && i < fn->nargs && i < 64; i++)
    if (fn->args[i].dir & OSPY_DIR_OUT)
      m |= 1ull << i;
  return m;
}

/* What reading those arguments amounts to: an expression that reads an out
 * computed argument (arg.got, got = retval) uses what its value uses (the
 * return value), and is decided at return as if it read retval itself; so
 * for one read through another (arg.twice, twice = arg.got * 2). Their
 * indexes go to *ret_args. */
static unsigned uses_through_return_values(const ospy_spec_table *t, const ospy_spec_fn *fn,
                                           uint64_t args, uint64_t *ret_args)
{
  const unsigned inherited = OSPY_EXPR_USES_RETVAL | OSPY_EXPR_USES_RETURN_REG |
                             OSPY_EXPR_USES_ERRNO | OSPY_EXPR_USES_REGS;
  uint64_t out_computed = return_computed(fn), todo = args & out_computed;
  unsigned uses = 0;
  *ret_args = 0;
  while (todo) {
    unsigned j = (unsigned)__builtin_ctzll(todo);
    todo &= todo - 1;
    *ret_args |= 1ull << j;
    ospy_expr *dep;
    ospy_expr_error e;
    if (!compile_in_scope(fn->args[j].value.src, t, fn, &dep, &e))
      continue; /* reported as its own value's error */
    uses |= ospy_expr_uses(dep) & inherited;
    todo |= ospy_expr_args_read(dep) & out_computed & ~*ret_args;
    ospy_expr_free(dep);
  }
  return uses;
}

int ospy_sexpr_compile(const char *src, const ospy_spec_table *t, const ospy_spec_fn *fn,
                       ospy_sexpr **out, char *err, size_t errcap, unsigned *col)
{
  *out = NULL;
  *col = 1;
  ospy_sexpr *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  ospy_expr_error e;
  if (!compile_in_scope(src, t, fn, &s->e, &e)) {
    snprintf(err, errcap, "%s", e.message);
    *col = e.column ? e.column : 1;
    free(s);
    return -1;
  }
  s->args = ospy_expr_args_read(s->e);
  s->own_uses = ospy_expr_uses(s->e);
  s->uses = s->own_uses | uses_through_return_values(t, fn, s->args, &s->ret_args);
  s->out_args = s->args & out_directed(fn);
  ospy_expr_result_type(s->e, &s->width, &s->is_signed);
  *out = s;
  return 0;
}

void ospy_sexpr_free(ospy_sexpr *s)
{
  if (!s)
    return;
  ospy_expr_free(s->e);
  free(s);
}

int ospy_sexpr_jit(ospy_sexpr *s, ospy_expr_codepool *pool)
{
  ospy_expr_error e;
  if (ospy_expr_get_arch(s->e) != OSPY_EXPR_ARCH_NATIVE)
    return -1;
  s->fn = ospy_expr_jit(s->e, pool, &e);
  return s->fn ? 0 : -1;
}

void ospy_sexpr_unjit(ospy_sexpr *s) { s->fn = NULL; }

int ospy_sexpr_uses_return(const ospy_sexpr *s)
{
  return s && (s->uses & (OSPY_EXPR_USES_RETVAL | OSPY_EXPR_USES_RETURN_REG));
}

int ospy_sexpr_uses_retval(const ospy_sexpr *s)
{
  return s && (s->uses & OSPY_EXPR_USES_RETVAL);
}

int ospy_sexpr_uses_errno(const ospy_sexpr *s)
{
  return s && (s->uses & OSPY_EXPR_USES_ERRNO);
}

unsigned ospy_sexpr_own_uses(const ospy_sexpr *s)
{
  return s ? s->own_uses : 0;
}

int ospy_sexpr_decided_at_return(const ospy_sexpr *s)
{
  return ospy_sexpr_uses_return(s) || ospy_sexpr_uses_errno(s) ||
         ospy_sexpr_return_args(s);
}

int ospy_sexpr_decided_at_entry(const ospy_sexpr *s)
{
  const unsigned at_return = OSPY_EXPR_USES_RETVAL | OSPY_EXPR_USES_RETURN_REG |
                             OSPY_EXPR_USES_ERRNO | OSPY_EXPR_USES_REGS;
  return s && !(s->uses & at_return) && !s->ret_args && !s->out_args;
}

uint64_t ospy_sexpr_args(const ospy_sexpr *s)
{
  return s ? s->args : 0;
}

uint64_t ospy_sexpr_return_args(const ospy_sexpr *s)
{
  return s ? s->ret_args : 0;
}

int ospy_sexpr_uses_regs(const ospy_sexpr *s)
{
  return s && (s->uses & (OSPY_EXPR_USES_REGS | OSPY_EXPR_USES_RETURN_REG));
}

int ospy_sexpr_constant(const ospy_sexpr *s, uint64_t *v)
{
  return s && ospy_expr_is_constant(s->e, v);
}

int ospy_sexpr_is_signed(const ospy_sexpr *s)
{
  return s && s->is_signed;
}

int ospy_sexpr_negative(const ospy_sexpr *s, uint64_t v)
{
  if (!s || s->width == 0 || s->width >= 64)
    return (int64_t)v < 0;
  return (v >> (s->width - 1)) & 1; /* the sign bit of the result's width */
}

static bool read_adapter(uint64_t addr, void *out, size_t n, void *data)
{
  const ospy_sexpr_env *env = data;
  return env->read && env->read(addr, out, n) == n;
}

uint64_t ospy_sexpr_eval(const ospy_sexpr *s, const ospy_sexpr_env *env, int *faulted)
{
  ospy_expr_frame f = {
    .ctx = (uint64_t)(uintptr_t)env->ctx,
    .args = (uint64_t)(uintptr_t)env->argv,
    .nargs = env->argc,
    .retval = env->retval,
    .err = (uint64_t)(int64_t)env->err,
    .tid = env->tid,
    .read_mem = (uint64_t)(uintptr_t)read_adapter,
    .read_data = (uint64_t)(uintptr_t)env,
    .arg_faults = env->arg_faults,
  };
  uint64_t v;
  if (s->fn) {
    uint32_t fl = 0;
    v = s->fn(&f, &fl);
    if (faulted)
      *faulted = fl != 0;
  } else {
    bool fl = false;
    v = ospy_expr_eval_interp(s->e, &f, &fl);
    if (faulted)
      *faulted = fl;
  }
  return v;
}
