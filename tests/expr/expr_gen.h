/* Random well-formed expressions and contexts for differential testing
 * (test suite, fuzz harness). Deterministic for a given seed. */
#ifndef OSPY_TESTS_EXPR_GEN_H
#define OSPY_TESTS_EXPR_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "expr_test_util.h"

typedef struct expr_rng {
  uint64_t s;
} expr_rng;

uint64_t expr_rng_next(expr_rng *r);
/* Writes a random expression over the test scope of env (its arch) into buf. */
void expr_gen(expr_rng *r, const test_env *env, int depth, char *buf, size_t size);
/* Fills registers, argument slots and memory with random, often edgy, values. */
void expr_gen_context(expr_rng *r, test_env *env);

#endif
