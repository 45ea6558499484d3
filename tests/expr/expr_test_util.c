#include "expr_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ospy_expr_arg test_args[T_NARGS] = {
  [T_LEN] = { "len", T_LEN, 32, false, false, 0, false, false },
  [T_BUF] = { "buf", T_BUF, 64, false, true, 8, false, false },
  [T_COUNT] = { "count", T_COUNT, 32, true, false, 0, false, false },
  [T_P32] = { "p32", T_P32, 64, false, true, 32, false, false },
  [T_S8] = { "s8", T_S8, 8, true, false, 0, false, false },
  [T_U16V] = { "u16v", T_U16V, 16, false, false, 0, false, false },
  [T_BIG] = { "big", T_BIG, 64, false, false, 0, false, false },
  [T_SBIG] = { "sbig", T_SBIG, 64, true, false, 0, false, false },
  [T_PI16] = { "pi16", T_PI16, 64, false, true, 16, true, false },
  [T_VP] = { "vp", T_VP, 64, false, true, 0, false, false },
  [T_RET] = { "returned", T_RET, 64, false, true, 32, false, true }, /* oSpy UInt32Ptr */
  [T_CV] = { .name = "cv", .index = T_CV, .width = 32, .is_signed = true, .may_fault = true },
};
static ospy_expr_arg test_args32[T_NARGS];

bool test_fake_read(uint64_t addr, void *out, size_t n, void *data)
{
  const uint8_t *mem = data;
  if (addr < FAKE_MEM_BASE || addr - FAKE_MEM_BASE > FAKE_MEM_SIZE - n)
    return false;
  memcpy(out, mem + (addr - FAKE_MEM_BASE), n);
  return true;
}

void test_env_init(test_env *env, ospy_expr_arch arch, bool has_retval)
{
  memset(env, 0, sizeof *env);
  memcpy(test_args32, test_args, sizeof test_args);
  for (int i = 0; i < T_NARGS; i++)
    if (test_args32[i].is_pointer)
      test_args32[i].width = 32;
  env->scope = (ospy_expr_scope){
    .arch = arch,
    .args = arch == OSPY_EXPR_ARCH_X86_64 ? test_args : test_args32,
    .nargs = T_NARGS,
    .has_retval = has_retval,
    .retval_width = arch == OSPY_EXPR_ARCH_X86_64 ? 64 : 32,
    .retval_signed = true,
  };
  for (unsigned i = 0; i < FAKE_MEM_SIZE; i++)
    env->mem[i] = (uint8_t)(i * 7 + 3);
  test_env_sync(env);
}

void test_env_sync(test_env *env)
{
  env->frame.ctx = env->scope.arch == OSPY_EXPR_ARCH_X86_64 ? (uintptr_t)&env->ctx64
                                                            : (uintptr_t)&env->ctx32;
  env->frame.args = (uintptr_t)env->args;
  env->frame.nargs = T_NARGS;
  env->frame.read_mem = (uintptr_t)test_fake_read;
  env->frame.read_data = (uintptr_t)env->mem;
}

ospy_expr_fn test_jit(const ospy_expr *e, ospy_expr_codepool *pool)
{
  ospy_expr_error err;
  if (ospy_expr_get_arch(e) != OSPY_EXPR_ARCH_NATIVE)
    return NULL;
  ospy_expr_fn fn = ospy_expr_jit(e, pool, &err);
  return fn && ospy_expr_codepool_seal(pool) ? fn : NULL;
}

test_result test_run(test_env *env, const ospy_expr *e, ospy_expr_fn fn)
{
  test_result r = { 0 };
  r.value = ospy_expr_eval_interp(e, &env->frame, &r.faulted);
  if (fn) {
    uint32_t faulted = 7;
    r.jit_value = fn(&env->frame, &faulted);
    r.jit_faulted = faulted != 0;
    r.jit_ran = true;
    if (faulted > 1) {
      fprintf(stderr, "JIT left *faulted = %u\n", faulted);
      abort();
    }
  }
  return r;
}

test_result test_eval_compiled(test_env *env, const ospy_expr *e)
{
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  test_result r = test_run(env, e, pool ? test_jit(e, pool) : NULL);
  ospy_expr_codepool_free(pool);
  return r;
}

test_result test_eval(test_env *env, const char *src)
{
  ospy_expr *e;
  ospy_expr_error err;
  if (!ospy_expr_compile(src, &env->scope, &e, &err)) {
    char msg[256];
    ospy_expr_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "compile '%s': %s\n", src, msg);
    abort();
  }
  test_result r = test_eval_compiled(env, e);
  ospy_expr_free(e);
  return r;
}

const char *expr_test_nest(char *buf, size_t size, const char *open, int n, const char *inner,
                           const char *close)
{
  buf[0] = '\0';
  for (int i = 0; i < n && strlen(buf) + strlen(open) < size; i++)
    strcat(buf, open);
  strncat(buf, inner, size - strlen(buf) - 1);
  for (int i = 0; i < n && strlen(buf) + strlen(close) < size; i++)
    strcat(buf, close);
  return buf;
}
