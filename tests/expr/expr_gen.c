#include "expr_gen.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint64_t expr_rng_next(expr_rng *r)
{
  /* xorshift64* */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 0x2545F4914F6CDD1Du;
}

static unsigned pick(expr_rng *r, unsigned n)
{
  return (unsigned)(expr_rng_next(r) % n);
}

typedef struct out {
  char *buf;
  size_t size, len;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

static const char *const regs64[] = {
  "rax", "eax", "ax", "al", "ah", "rbx", "ecx", "dx", "sil", "dil", "rsp", "rbp",
  "r8", "r9d", "r10w", "r11b", "r15", "rip", "rflags", "eflags",
};
static const char *const regs32[] = {
  "eax", "ax", "al", "ah", "ebx", "cx", "dl", "esi", "edi", "esp", "ebp", "eip", "eflags",
};
static const char *const argnames[] = {
  "len", "count", "s8", "u16v", "big", "sbig", "buf", "p32", "pi16", "vp", "returned", "cv",
};
static const char *const types[] = { "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64" };
static const char *const binops[] = {
  "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>",
  "==", "!=", "<", "<=", ">", ">=", "&&", "||",
};
static const uint64_t edges[] = {
  0, 1, 2, 7, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff,
  0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
  0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe, 0xffffffff80000000,
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t edgy(expr_rng *r)
{
  switch (pick(r, 4)) {
  case 0: return edges[pick(r, N(edges))];
  case 1: return pick(r, 300);
  case 2: return 0 - (uint64_t)pick(r, 300);
  default: return expr_rng_next(r);
  }
}

static void gen_literal(expr_rng *r, out *o)
{
  uint64_t v = edgy(r);
  switch (pick(r, 4)) {
  case 0: put(o, "%" PRIu64, v); break;
  case 1: put(o, "0x%" PRIx64, v); break;
  case 2: put(o, "-%u", pick(r, 1000)); break;
  default: put(o, "0%" PRIo64, v & 0xffff); break;
  }
}

static void gen_leaf(expr_rng *r, const test_env *env, out *o)
{
  bool x64 = env->scope.arch == OSPY_EXPR_ARCH_X86_64;
  switch (pick(r, 9)) {
  case 0: case 1: gen_literal(r, o); break;
  case 2: case 3:
    if (x64)
      put(o, "reg.%s", regs64[pick(r, N(regs64))]);
    else
      put(o, "reg.%s", regs32[pick(r, N(regs32))]);
    break;
  case 4: case 5: put(o, "arg.%s", argnames[pick(r, N(argnames))]); break;
  case 6: put(o, "arg%u", pick(r, T_NARGS)); break;
  case 7:
    put(o, "%s", (const char *[]){ "retval", "errno", "tid", "*arg.p32", "*arg.pi16",
                                   "*arg.buf", "&arg.returned", "&arg.buf" }[pick(r, 8)]);
    break;
  default:
    put(o, "%s[0x%x]", types[pick(r, N(types))], FAKE_MEM_BASE + pick(r, FAKE_MEM_SIZE + 8));
    break;
  }
}

static void gen_node(expr_rng *r, const test_env *env, int depth, out *o)
{
  if (depth <= 0 || pick(r, 5) == 0) {
    gen_leaf(r, env, o);
    return;
  }
  switch (pick(r, 12)) {
  case 0: case 1: case 2: case 3: case 4:
    put(o, "(");
    gen_node(r, env, depth - 1, o);
    put(o, " %s ", binops[pick(r, N(binops))]);
    gen_node(r, env, depth - 1, o);
    put(o, ")");
    break;
  case 5:
    put(o, "%s(", (const char *[]){ "-", "~", "!", "+" }[pick(r, 4)]);
    gen_node(r, env, depth - 1, o);
    put(o, ")");
    break;
  case 6:
    put(o, "(%s)(", types[pick(r, N(types))]);
    gen_node(r, env, depth - 1, o);
    put(o, ")");
    break;
  case 7:
    put(o, "(");
    gen_node(r, env, depth - 1, o);
    put(o, " ? ");
    gen_node(r, env, depth - 1, o);
    put(o, " : ");
    gen_node(r, env, depth - 1, o);
    put(o, ")");
    break;
  case 8: /* a read that mostly stays inside the fake memory */
    put(o, "%s[0x%x + ((", types[pick(r, N(types))], FAKE_MEM_BASE);
    gen_node(r, env, depth - 1, o);
    put(o, ") & 0x%x)]", pick(r, 2) ? 0xff : 0x1ff);
    break;
  case 9: /* a read that mostly faults */
    put(o, "%s[", types[pick(r, N(types))]);
    gen_node(r, env, depth - 1, o);
    put(o, "]");
    break;
  default: /* shifts by in-range counts are the interesting ones */
    put(o, "(");
    gen_node(r, env, depth - 1, o);
    put(o, " %s (", pick(r, 2) ? "<<" : ">>");
    gen_node(r, env, depth - 1, o);
    put(o, " & %u))", pick(r, 2) ? 63 : 127);
    break;
  }
}

void expr_gen(expr_rng *r, const test_env *env, int depth, char *buf, size_t size)
{
  out o = { buf, size, 0 };
  buf[0] = '\0';
  gen_node(r, env, depth, &o);
}

void expr_gen_context(expr_rng *r, test_env *env)
{
  uint64_t *r64 = &env->ctx64.rip;
  for (size_t i = 0; i < offsetof(ospy_x64_context, xmm) / 8; i++)
    r64[i] = edgy(r);
  uint32_t *r32 = &env->ctx32.eip;
  for (size_t i = 0; i < offsetof(ospy_x86_context, st0_valid) / 4; i++)
    r32[i] = (uint32_t)edgy(r);
  for (unsigned i = 0; i < T_NARGS; i++)
    env->args[i] = edgy(r);
  /* pointers: usually into the fake memory, sometimes not */
  unsigned ptrs[] = { T_BUF, T_P32, T_PI16, T_RET };
  for (unsigned i = 0; i < 4; i++)
    if (pick(r, 4))
      env->args[ptrs[i]] = FAKE_MEM_BASE + pick(r, FAKE_MEM_SIZE);
  if (env->scope.arch == OSPY_EXPR_ARCH_I386)
    for (unsigned i = 0; i < 4; i++)
      env->args[ptrs[i]] &= 0xffffffffu; /* raw slots are zero-extended */
  /* cv missing in half the contexts; the other bits mean nothing (their
   * arguments cannot be missing) and must change nothing */
  env->frame.arg_faults = (pick(r, 2) ? 1ull << T_CV : 0) | (expr_rng_next(r) & ~(1ull << T_CV));
  env->frame.retval = edgy(r);
  env->frame.err = pick(r, 40);
  env->frame.tid = pick(r, 100000);
  for (unsigned i = 0; i < FAKE_MEM_SIZE; i++)
    env->mem[i] = (uint8_t)(pick(r, 3) ? expr_rng_next(r) : edgy(r));
}
