/* Agent init: compile the expressions of every function spec once. */
#include <stdio.h>

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

int ospy_marshal_prepare(ospy_spec_table *t, char *err, size_t errcap)
{
  for (uint32_t f = 0; f < t->nfns; f++) {
    ospy_spec_fn *fn = &t->fns[f];
    if (compile_one(t, fn, &fn->cond, "logCondition", err, errcap) < 0)
      return -1;
    for (uint32_t i = 0; i < fn->nargs; i++) {
      ospy_spec_arg *a = &fn->args[i];
      ospy_spec_expr *es[] = { &a->size_in, &a->size_out, &a->count_in, &a->count_out,
                               &a->cond, &a->type_base };
      for (size_t k = 0; k < sizeof es / sizeof *es; k++)
        if (compile_one(t, fn, es[k], a->name, err, errcap) < 0)
          return -1;
    }
  }
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
    }
  }
}
