/*
 * Differential test: random expressions over random contexts, JIT against
 * interpreter (value and fault flag), on the native arch. Deterministic seed;
 * `test_expr_diff SEED ITERATIONS` runs longer on demand.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr_gen.h"

#define CONTEXTS 4

int main(int argc, char **argv)
{
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x05b1e5eedu;
  long iterations = argc > 2 ? strtol(argv[2], NULL, 0) : 20000;
  expr_rng rng = { seed | 1 };
  test_env env;
  test_env_init(&env, OSPY_EXPR_ARCH_NATIVE, true);
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  long compared = 0, faulted = 0, nonzero = 0, refused = 0, failures = 0;
  char src[4096];
  for (long it = 0; it < iterations && failures < 10; it++) {
    expr_gen(&rng, &env, 1 + (int)(expr_rng_next(&rng) % 6), src, sizeof src);
    ospy_expr *e;
    ospy_expr_error err;
    if (!ospy_expr_compile(src, &env.scope, &e, &err)) {
      printf("FAIL generated expression does not compile: %s\n  %s (column %u)\n", src,
             err.message, err.column);
      failures++;
      continue;
    }
    ospy_expr_fn fn = ospy_expr_jit(e, pool, &err);
    if (!fn || !ospy_expr_codepool_seal(pool)) {
      refused++;
      ospy_expr_free(e);
      continue;
    }
    for (int c = 0; c < CONTEXTS; c++) {
      expr_gen_context(&rng, &env);
      bool f1;
      uint32_t f2 = 5;
      uint64_t v1 = ospy_expr_eval_interp(e, &env.frame, &f1);
      uint64_t v2 = fn(&env.frame, &f2);
      compared++;
      faulted += f1;
      nonzero += v1 != 0;
      if (v1 != v2 || f1 != (f2 == 1) || f2 > 1) {
        printf("FAIL %s\n  interp 0x%" PRIx64 "%s, jit 0x%" PRIx64 " faulted=%u\n", src, v1,
               f1 ? " (faulted)" : "", v2, f2);
        failures++;
      }
    }
    ospy_expr_free(e);
  }
  ospy_expr_codepool_free(pool);
  printf("%ld evaluations compared, %ld faulted, %ld non-zero, %ld refused by the JIT\n",
         compared, faulted, nonzero, refused);
  /* The generator must exercise both outcomes, and the JIT must take nearly all. */
  if (faulted == 0 || faulted == compared || nonzero == 0 || refused * 100 > iterations) {
    printf("FAIL: the generated cases are not varied enough\n");
    failures++;
  }
  return failures ? 1 : 0;
}
