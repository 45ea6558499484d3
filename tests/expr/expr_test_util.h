/* Shared by the expression tests, the fuzz harness and the benchmark: a
 * fixed scope, a fake memory, and evaluation through interpreter and JIT. */
#ifndef OSPY_TESTS_EXPR_UTIL_H
#define OSPY_TESTS_EXPR_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu_context.h"
#include "expr/expr.h"

/* Readable fake memory: [FAKE_MEM_BASE, FAKE_MEM_BASE + FAKE_MEM_SIZE). */
#define FAKE_MEM_BASE 0x10000u
#define FAKE_MEM_SIZE 256u

enum { T_LEN, T_BUF, T_COUNT, T_P32, T_S8, T_U16V, T_BIG, T_SBIG, T_PI16, T_VP, T_RET, T_CV,
       T_NARGS };

typedef struct test_env {
  ospy_x64_context ctx64;
  ospy_x86_context ctx32;
  uint64_t args[T_NARGS];
  uint8_t mem[FAKE_MEM_SIZE];
  ospy_expr_frame frame;
  ospy_expr_scope scope;
} test_env;

/* Scope: len:u32 buf:u8* count:i32 p32:u32* s8:i8 u16v:u16 big:u64 sbig:i64
 * pi16:i16* vp:void* returned:u32* (auto_deref: `arg.returned` is the target)
 * cv:i32 (may_fault: missing when bit T_CV of frame.arg_faults is set, as a
 * computed argument whose read faulted); retval i64 (x86-64) or i32 (i386). */
void test_env_init(test_env *env, ospy_expr_arch arch, bool has_retval);
/* Points frame at the context of the scope's arch. */
void test_env_sync(test_env *env);
bool test_fake_read(uint64_t addr, void *out, size_t n, void *data);

typedef struct test_result {
  uint64_t value;
  bool faulted;
  bool jit_ran;      /* false when the arch is not native or the JIT refused */
  uint64_t jit_value;
  bool jit_faulted;
} test_result;

/* Compiles (abort with a message on error) and evaluates both ways. */
test_result test_eval(test_env *env, const char *src);
/* JIT into pool and seal it; NULL when the arch is not native or on failure. */
ospy_expr_fn test_jit(const ospy_expr *e, ospy_expr_codepool *pool);
/* Evaluates through the interpreter and, if fn is not NULL, fn. */
test_result test_run(test_env *env, const ospy_expr *e, ospy_expr_fn fn);
/* Evaluates a compiled expression both ways (its own pool). */
test_result test_eval_compiled(test_env *env, const ospy_expr *e);

/* buf = open x n, then inner, then close x n (nesting limits' tests). */
const char *expr_test_nest(char *buf, size_t size, const char *open, int n, const char *inner,
                           const char *close);

#endif
