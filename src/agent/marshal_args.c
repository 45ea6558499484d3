/* Where each spec argument lives under the calling conventions, and its
   value. Floats/doubles are returned as their raw IEEE bits. */
#include <string.h>

#include "agent/marshal_internal.h"
#include "arch/x86/cpu_context.h"

static int is_float(const ospy_spec_table *t, const ospy_spec_arg *a, unsigned *width)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, a->t.type);
  if (a->t.ptr || !ty || ty->kind != OSPY_KIND_FLOAT)
    return 0;
  *width = ty->width;
  return 1;
}

/* Stack word j: from the extracted words when present, else from the stack
   (only meaningful at enter, when rsp/esp points at the return address). */
static uint64_t stack_word(const ospy_marshal_call *c, unsigned first, unsigned j)
{
  if (first + j < c->nargs)
    return c->args[first + j];
  if (!c->ctx)
    return 0;
  const ospy_cpu_context *ctx = c->ctx;
#if defined(__x86_64__)
  uint64_t addr = ctx->rsp + 8 + 8ull * j, v = 0;
  ospy_marshal_read(addr, &v, 8);
  return v;
#else
  uint32_t v = 0;
  ospy_marshal_read((uint64_t)ctx->esp + 4 + 4ull * j, &v, 4);
  return v;
#endif
}

#if defined(__x86_64__)
unsigned ospy_marshal_args(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint64_t *vals)
{
  const ospy_cpu_context *ctx = c->ctx;
  unsigned ngp = 0, nsse = 0, nstack = 0, w;
  for (unsigned i = 0; i < fn->nargs; i++) {
    if (is_float(fn->table, &fn->args[i], &w)) {
      if (nsse < 8) {
        uint64_t bits = ctx ? ctx->xmm[nsse][0] : 0;
        vals[i] = w == 4 ? (bits & 0xffffffffu) : bits;
        nsse++;
        continue;
      }
    } else if (ngp < 6) {
      vals[i] = ngp < c->nargs ? c->args[ngp] : 0;
      ngp++;
      continue;
    }
    uint64_t word = stack_word(c, 6, nstack++);
    vals[i] = is_float(fn->table, &fn->args[i], &w) && w == 4 ? (word & 0xffffffffu) : word;
  }
  return fn->nargs;
}
#else
/* Register words the convention passes before the stack words. */
static unsigned reg_words(int cc)
{
  return cc == OSPY_CALLCONV_FASTCALL ? 2 : cc == OSPY_CALLCONV_THISCALL ? 1 : 0;
}

unsigned ospy_marshal_args(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint64_t *vals)
{
  unsigned nreg = reg_words(fn->callconv), used_reg = 0, j = 0, w;
  for (unsigned i = 0; i < fn->nargs; i++) {
    unsigned width = ospy_spec_scalar_width(fn->table, &fn->args[i].t);
    int fl = is_float(fn->table, &fn->args[i], &w);
    if (fn->callconv == OSPY_CALLCONV_FASTCALL && used_reg < 2 && width <= 4 && !fl) {
      vals[i] = used_reg < c->nargs ? c->args[used_reg] & 0xffffffffu : 0;
      used_reg++;
      continue;
    }
    uint64_t lo = stack_word(c, nreg, j++) & 0xffffffffu;
    if (width == 8) {
      uint64_t hi = stack_word(c, nreg, j++) & 0xffffffffu;
      lo |= hi << 32;
    }
    vals[i] = lo;
  }
  return fn->nargs;
}
#endif
