/*
 * Every binary operator at every pair of operand types (u8..i64), and every
 * unary operator and cast at every type, checked
 * against C itself: the reference computes `(T1)x OP (T2)y` with real C types,
 * so C's promotions and usual arithmetic conversions decide the result. Cases
 * C leaves undefined (division by 0, MIN / -1, out-of-range shift counts) are
 * skipped here and pinned down in test_expr_eval.c. Built with -fwrapv so that
 * signed overflow wraps in the reference as it does in ospy.
 */
#include <inttypes.h>
#include <stdio.h>

#include "expr_gen.h"

#define NORM(x) _Generic((x), \
  int: (uint64_t)(int64_t)(x), unsigned: (uint64_t)(x), \
  long: (uint64_t)(int64_t)(x), unsigned long: (uint64_t)(x), \
  long long: (uint64_t)(int64_t)(x), unsigned long long: (uint64_t)(x))

enum { ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, SHL, SHR, EQ, NE, LT, LE, GT, GE, LAND, LOR, NOPS };
static const char *const op_text[NOPS] = {
  "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>",
  "==", "!=", "<", "<=", ">", ">=", "&&", "||",
};
static const char *const type_text[8] = { "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64" };

/* Is the common type of a and b signed? (-1 in that type is negative) */
#define COMMON_SIGNED(a, b) ((a) * 0 + (b) * 0 - 1 < 0)

#define APPLY(a, b)                                                           \
  switch (op) {                                                               \
  case ADD: *out = NORM((a) + (b)); return true;                              \
  case SUB: *out = NORM((a) - (b)); return true;                              \
  case MUL: *out = NORM((a) * (b)); return true;                              \
  case DIV:                                                                   \
    if ((b) == 0 || (COMMON_SIGNED(a, b) && (b) == -1)) return false;         \
    *out = NORM((a) / (b)); return true;                                      \
  case MOD:                                                                   \
    if ((b) == 0 || (COMMON_SIGNED(a, b) && (b) == -1)) return false;         \
    *out = NORM((a) % (b)); return true;                                      \
  case AND: *out = NORM((a) & (b)); return true;                              \
  case OR: *out = NORM((a) | (b)); return true;                               \
  case XOR: *out = NORM((a) ^ (b)); return true;                              \
  case SHL: case SHR:                                                         \
    if ((b) < 0 || (uint64_t)(b) >= sizeof((a) + 0) * 8) return false;        \
    *out = op == SHL ? NORM((a) << (b)) : NORM((a) >> (b)); return true;      \
  case EQ: *out = NORM((a) == (b)); return true;                              \
  case NE: *out = NORM((a) != (b)); return true;                              \
  case LT: *out = NORM((a) < (b)); return true;                               \
  case LE: *out = NORM((a) <= (b)); return true;                              \
  case GT: *out = NORM((a) > (b)); return true;                               \
  case GE: *out = NORM((a) >= (b)); return true;                              \
  case LAND: *out = NORM((a) && (b)); return true;                            \
  default: *out = NORM((a) || (b)); return true;                              \
  }

#define RIGHT(T1, T2) { T1 a = (T1)x; T2 b = (T2)y; APPLY(a, b) }
#define LEFT(T1)                                   \
  switch (t2) {                                    \
  case 0: RIGHT(T1, uint8_t)                       \
  case 1: RIGHT(T1, int8_t)                        \
  case 2: RIGHT(T1, uint16_t)                      \
  case 3: RIGHT(T1, int16_t)                       \
  case 4: RIGHT(T1, uint32_t)                      \
  case 5: RIGHT(T1, int32_t)                       \
  case 6: RIGHT(T1, uint64_t)                      \
  default: RIGHT(T1, int64_t)                      \
  }

static bool reference(int op, int t1, int t2, uint64_t x, uint64_t y, uint64_t *out)
{
  switch (t1) {
  case 0: LEFT(uint8_t)
  case 1: LEFT(int8_t)
  case 2: LEFT(uint16_t)
  case 3: LEFT(int16_t)
  case 4: LEFT(uint32_t)
  case 5: LEFT(int32_t)
  case 6: LEFT(uint64_t)
  default: LEFT(int64_t)
  }
}

/* Unary operators and casts: `OP (T1)x` and `(T2)(T1)x`. */
#define UNARY(T1)                                                        \
  {                                                                      \
    T1 a = (T1)x;                                                        \
    switch (op) {                                                        \
    case 0: *out = NORM(-a); return;                                     \
    case 1: *out = NORM(~a); return;                                     \
    case 2: *out = NORM(!a); return;                                     \
    case 3: *out = NORM(+a); return;                                     \
    default: break;                                                      \
    }                                                                    \
    switch (t2) {                                                        \
    case 0: *out = (uint8_t)a; return;                                   \
    case 1: *out = (uint64_t)(int64_t)(int8_t)a; return;                 \
    case 2: *out = (uint16_t)a; return;                                  \
    case 3: *out = (uint64_t)(int64_t)(int16_t)a; return;                \
    case 4: *out = (uint32_t)a; return;                                  \
    case 5: *out = (uint64_t)(int64_t)(int32_t)a; return;                \
    case 6: *out = (uint64_t)a; return;                                  \
    default: *out = (uint64_t)(int64_t)a; return;                        \
    }                                                                    \
  }

static void unary_reference(int op, int t1, int t2, uint64_t x, uint64_t *out)
{
  switch (t1) {
  case 0: UNARY(uint8_t)
  case 1: UNARY(int8_t)
  case 2: UNARY(uint16_t)
  case 3: UNARY(int16_t)
  case 4: UNARY(uint32_t)
  case 5: UNARY(int32_t)
  case 6: UNARY(uint64_t)
  default: UNARY(int64_t)
  }
}

/* op 0..3: - ~ ! +; op 4: the cast to t2. */
static int check_unary(ospy_expr_codepool *pool, expr_rng *rng, long *checked)
{
  static const char *const unary_text[] = { "-", "~", "!", "+" };
  int failures = 0;
  for (int arch = 0; arch < 2; arch++) {
    test_env env;
    test_env_init(&env, arch ? OSPY_EXPR_ARCH_I386 : OSPY_EXPR_ARCH_X86_64, false);
    for (int op = 0; op < 5; op++)
      for (int t1 = 0; t1 < 8; t1++)
        for (int t2 = 0; t2 < (op == 4 ? 8 : 1); t2++) {
          char src[64];
          if (op < 4)
            snprintf(src, sizeof src, "%s(%s)arg.big", unary_text[op], type_text[t1]);
          else
            snprintf(src, sizeof src, "(%s)(%s)arg.big", type_text[t2], type_text[t1]);
          ospy_expr *e;
          ospy_expr_error err;
          if (!ospy_expr_compile(src, &env.scope, &e, &err)) {
            printf("FAIL compile %s: %s\n", src, err.message);
            return 1;
          }
          ospy_expr_fn fn = test_jit(e, pool);
          for (int i = 0; i < 40 && failures < 20; i++) {
            expr_gen_context(rng, &env);
            uint64_t want;
            unary_reference(op, t1, t2, env.args[T_BIG], &want);
            test_result r = test_run(&env, e, fn);
            (*checked)++;
            if (r.value != want || r.faulted || (r.jit_ran && r.jit_value != want)) {
              printf("FAIL %s with big=0x%" PRIx64 ": interp 0x%" PRIx64 " jit 0x%" PRIx64
                     " (ran %d), C says 0x%" PRIx64 "\n", src, env.args[T_BIG], r.value,
                     r.jit_value, r.jit_ran, want);
              failures++;
            }
          }
          ospy_expr_free(e);
        }
  }
  return failures;
}

int main(void)
{
  int failures = 0;
  long checked = 0, jit_checked = 0;
  expr_rng rng = { 0x0b5e55edu };
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  for (int arch = 0; arch < 2; arch++) {
    test_env env;
    test_env_init(&env, arch ? OSPY_EXPR_ARCH_I386 : OSPY_EXPR_ARCH_X86_64, false);
    for (int op = 0; op < NOPS; op++)
      for (int t1 = 0; t1 < 8; t1++)
        for (int t2 = 0; t2 < 8; t2++) {
          char src[64];
          snprintf(src, sizeof src, "(%s)arg.big %s (%s)arg.sbig", type_text[t1], op_text[op],
                   type_text[t2]);
          ospy_expr *e;
          ospy_expr_error err;
          if (!ospy_expr_compile(src, &env.scope, &e, &err)) {
            printf("FAIL compile %s: %s\n", src, err.message);
            return 1;
          }
          ospy_expr_fn fn = test_jit(e, pool);
          for (int i = 0; i < 40 && failures < 20; i++) {
            expr_gen_context(&rng, &env);
            if (op == SHL || op == SHR)
              env.args[T_SBIG] = expr_rng_next(&rng) % 70;
            uint64_t want;
            if (!reference(op, t1, t2, env.args[T_BIG], env.args[T_SBIG], &want))
              continue;
            test_result r = test_run(&env, e, fn);
            checked++;
            if (r.value != want || r.faulted) {
              printf("FAIL [interp] %s with big=0x%" PRIx64 " sbig=0x%" PRIx64
                     ": 0x%" PRIx64 ", C says 0x%" PRIx64 "\n",
                     src, env.args[T_BIG], env.args[T_SBIG], r.value, want);
              failures++;
            }
            if (r.jit_ran) {
              jit_checked++;
              if (r.jit_value != want || r.jit_faulted) {
                printf("FAIL [jit] %s: 0x%" PRIx64 ", C says 0x%" PRIx64 "\n", src,
                       r.jit_value, want);
                failures++;
              }
            }
          }
          ospy_expr_free(e);
        }
  }
  long unary_checked = 0;
  failures += check_unary(pool, &rng, &unary_checked);
  ospy_expr_codepool_free(pool);
  printf("%ld unary and cast results checked against C\n", unary_checked);
  printf("%ld interpreter and %ld JIT results checked against C\n", checked, jit_checked);
  if (jit_checked == 0)
    failures++;
  return failures ? 1 : 0;
}
