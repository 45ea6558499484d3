/* Agent init: compile the expressions of every function spec once. */
#include <stdio.h>
#include <stdlib.h>

#include "expr/expr.h"

#include "agent/marshal.h"
#include "plan/spec_expr.h"

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
    if (compile_one(t, fn, &fn->cond, "logCondition", err, errcap) < 0) {
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
