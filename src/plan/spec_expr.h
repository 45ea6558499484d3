/*
 * Spec expressions (size, elementCount, logCondition, typeNameBase) bound to
 * a function spec: the function's arguments become the scope of the
 * expression language of src/expr (docs/expressions.md), with oSpy's rule that
 * `arg.NAME` of a ...Ptr scalar argument is the value it points to.
 *
 * Compiling allocates (controller, agent init); evaluating never does and
 * never faults: memory is read through env->read (a safe read). In the agent
 * the expressions are JIT-compiled (ospy_sexpr_jit); elsewhere interpreted.
 */
#ifndef OSPY_PLAN_SPEC_EXPR_H
#define OSPY_PLAN_SPEC_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "plan/spec.h"

typedef struct ospy_sexpr ospy_sexpr;
typedef struct ospy_expr_codepool ospy_expr_codepool;

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
  uint64_t arg_faults;      /* bit i: computed argument i is missing (its read
                               faulted): an expression using it faults too */
} ospy_sexpr_env;

/* Compile src against fn's arguments for the table's architecture. On error
   returns -1 with a message in err and the 1-based column in *col. */
int ospy_sexpr_compile(const char *src, const ospy_spec_table *t, const ospy_spec_fn *fn,
                       ospy_sexpr **out, char *err, size_t errcap, unsigned *col);
void ospy_sexpr_free(ospy_sexpr *e);
/* Generate machine code into pool (native architecture only); evaluation
   then uses it once the pool is sealed. -1 keeps the interpreter. */
int ospy_sexpr_jit(ospy_sexpr *e, ospy_expr_codepool *pool);
/* Back to the interpreter (when the pool could not be sealed). */
void ospy_sexpr_unjit(ospy_sexpr *e);
/* Evaluate; *faulted (optional) is set when a memory read failed. */
uint64_t ospy_sexpr_eval(const ospy_sexpr *e, const ospy_sexpr_env *env, int *faulted);
/* Non-zero when the expression uses the return value or the return register
   (rax/eax and their views), which only mean something at leave. Reading an
   out computed argument (value="EXPR", direction="out") uses what its
   expression uses: the uses below count them, unless said otherwise. */
int ospy_sexpr_uses_return(const ospy_sexpr *e);
/* Non-zero when it uses `retval` (not only the return register). */
int ospy_sexpr_uses_retval(const ospy_sexpr *e);
/* Non-zero when it uses `errno`, which the agent reads when the call returns. */
int ospy_sexpr_uses_errno(const ospy_sexpr *e);
/* What the expression itself uses (OSPY_EXPR_USES_*), not counting what the
   out computed arguments it reads use. */
unsigned ospy_sexpr_own_uses(const ospy_sexpr *e);
/* Non-zero when a logCondition is decided when the call returns: it uses the
   return value, the return register or errno (errno after the call; at entry
   it is whatever the caller left there), or an out computed argument (it has
   no value before the call returns). */
int ospy_sexpr_decided_at_return(const ospy_sexpr *e);
/* Non-zero when a function's condition (logCondition, errorCondition) reads
   only what the call entered with, so that the agent decides it when the
   call enters, memory as it was then: no return value, errno, register
   (each as the call returns: reg.rax is the return value), and no out or
   in/out argument (computed or not: what it points to is the call's to
   change). docs/expressions.md, "When a condition is decided". */
int ospy_sexpr_decided_at_entry(const ospy_sexpr *e);
/* The arguments it names (bit = index), computed ones included. */
uint64_t ospy_sexpr_args(const ospy_sexpr *e);
/* The out computed arguments it reads, by name or through another out
   computed argument's value (bit = index): values there are only at return. */
uint64_t ospy_sexpr_return_args(const ospy_sexpr *e);
/* Whether it reads a register (at return: what the CPU holds then). */
int ospy_sexpr_uses_regs(const ospy_sexpr *e);
/* Non-zero when the expression is a constant (after folding: `0 - 1` is
   one), its value in *v. */
int ospy_sexpr_constant(const ospy_sexpr *e, uint64_t *v);
/* Non-zero when the result's type is signed (i8..i64 by C's rules): a value
   with the top bit set is then negative, not a huge unsigned one. */
int ospy_sexpr_is_signed(const ospy_sexpr *e);
/* Non-zero when v, a value of e, is negative taken as signed at the width of
   e's result type, whatever its signedness: 0xffffffff of a u32 (the return
   register's -1) is, 3 is not. */
int ospy_sexpr_negative(const ospy_sexpr *e, uint64_t v);

#endif
