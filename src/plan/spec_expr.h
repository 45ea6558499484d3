/*
 * A small interpreter for the expressions that appear in specs (size,
 * elementCount, logCondition, typeNameBase), resolved against a function's
 * arguments and the target's CPU context.
 *
 * This is the stand-in used until the expression compiler (src/expr, with its
 * JIT) is integrated: C operators with C precedence on 64-bit values
 * (+ - * / % & | ^ ~ << >> == != < <= > >= && || ! unary -, parentheses),
 * operands `arg.NAME` (for a ...Ptr scalar argument: the value it points to),
 * `argN`, `reg.NAME`, `retval`, `errno`, `tid`, integer literals. Comparisons
 * are signed; division by zero yields 0; a read that faults yields 0 and
 * marks the evaluation as faulted.
 *
 * Compiling allocates (controller, agent init); evaluating never does.
 */
#ifndef OSPY_PLAN_SPEC_EXPR_H
#define OSPY_PLAN_SPEC_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "plan/spec.h"

typedef struct ospy_sexpr ospy_sexpr;

/* Reads target memory safely: returns the number of bytes read (< n when the
   range is not fully readable). */
typedef size_t (*ospy_sexpr_read_fn)(uint64_t addr, void *buf, size_t n);

typedef struct ospy_sexpr_env {
  const void *ctx;          /* ospy_x64_context or ospy_x86_context (per table ptr_size) */
  const uint64_t *argv;     /* argument values, one per spec argument */
  unsigned argc;
  uint64_t retval;
  int has_retval;           /* 0 at enter */
  int err;                  /* errno at leave */
  uint64_t tid;
  ospy_sexpr_read_fn read;
} ospy_sexpr_env;

/* Compile src against fn's arguments. On error returns -1 with a message in
   err and the 1-based column of the problem in *col. */
int ospy_sexpr_compile(const char *src, const ospy_spec_table *t, const ospy_spec_fn *fn,
                       ospy_sexpr **out, char *err, size_t errcap, unsigned *col);
void ospy_sexpr_free(ospy_sexpr *e);
/* Evaluate; *faulted (optional) is set when a memory read failed. */
uint64_t ospy_sexpr_eval(const ospy_sexpr *e, const ospy_sexpr_env *env, int *faulted);
/* Non-zero when the expression uses the return value or the return register
   (rax/eax and their views), which only mean something at leave. */
int ospy_sexpr_uses_return(const ospy_sexpr *e);

#endif
