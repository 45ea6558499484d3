/*
 * libFuzzer harness: JIT == interpreter (value and fault flag) on the native
 * arch. The input is an expression text; its bytes also seed a random
 * context. An input starting with "#gen " seeds the random expression
 * generator instead, so the fuzzer explores both hand-shaped text and
 * well-formed deep expressions. Any input that does not compile must be
 * rejected with an error that has a message; nothing may crash.
 *
 *   scripts/fuzz.sh [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t hash(const uint8_t *data, size_t size)
{
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 0x100000001b3u;
  return h | 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static test_env env;
  static ospy_expr_codepool *pool;
  static unsigned n_fns;
  static char src[8192];
  if (size >= sizeof src)
    return 0;
  if (!pool || n_fns > 256) { /* bound the pool's growth */
    ospy_expr_codepool_free(pool);
    pool = ospy_expr_codepool_new();
    n_fns = 0;
  }
  test_env_init(&env, OSPY_EXPR_ARCH_NATIVE, data[0] & 1);
  expr_rng rng = { hash(data, size) };
  if (size > 5 && !memcmp(data, "#gen ", 5))
    expr_gen(&rng, &env, (int)(data[5] % 8), src, sizeof src);
  else {
    memcpy(src, data, size);
    src[size] = '\0';
  }
  ospy_expr *e;
  ospy_expr_error err;
  if (!ospy_expr_compile(src, &env.scope, &e, &err)) {
    if (!err.message[0] || e)
      abort();
    return 0;
  }
  ospy_expr_fn fn = ospy_expr_jit(e, pool, &err);
  n_fns++;
  if (fn && ospy_expr_codepool_seal(pool)) {
    for (int c = 0; c < 3; c++) {
      expr_gen_context(&rng, &env);
      bool f1;
      uint32_t f2 = 9;
      uint64_t v1 = ospy_expr_eval_interp(e, &env.frame, &f1);
      uint64_t v2 = fn(&env.frame, &f2);
      if (v1 != v2 || f2 > 1 || f1 != (f2 == 1)) {
        fprintf(stderr, "MISMATCH %s: interp %llx/%d jit %llx/%u\n", src,
                (unsigned long long)v1, f1, (unsigned long long)v2, f2);
        abort();
      }
    }
  }
  ospy_expr_free(e);
  return 0;
}
