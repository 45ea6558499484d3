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
  unsigned ngp = fn->is_method ? 1 : 0, nsse = 0, nstack = 0, w; /* this: rdi */
  for (unsigned i = 0; i < fn->nargs; i++) {
    if (fn->args[i].value.src) { /* computed (value="EXPR"): no parameter */
      vals[i] = 0;
      continue;
    }
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
/* Register words the convention passes before the stack words (the
 * interceptor's order: fastcall ecx, edx; thiscall ecx; regparm eax, edx,
 * ecx). */
static unsigned reg_words(int cc)
{
  switch (cc) {
  case OSPY_CALLCONV_FASTCALL: return 2;
  case OSPY_CALLCONV_THISCALL: return 1;
  case OSPY_CALLCONV_REGPARM1: return 1;
  case OSPY_CALLCONV_REGPARM2: return 2;
  case OSPY_CALLCONV_REGPARM3: return 3;
  default: return 0;
  }
}

/* Whether the listed arguments take the registers (thiscall's one is the
 * implicit `this`). */
static int args_in_registers(int cc)
{
  return cc == OSPY_CALLCONV_FASTCALL ||
         (cc >= OSPY_CALLCONV_REGPARM1 && cc <= OSPY_CALLCONV_REGPARM3);
}

static uint64_t reg_word(const ospy_marshal_call *c, unsigned k)
{
  return k < c->nargs ? c->args[k] & 0xffffffffu : 0;
}

unsigned ospy_marshal_args(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint64_t *vals)
{
  unsigned nreg = reg_words(fn->callconv), w;
  int in_regs = args_in_registers(fn->callconv);
  /* a method's `this`: ecx under fastcall (GCC: the arguments then take edx
   * and the stack) and thiscall, eax under regparm, else pushed first
   * (stdcall/cdecl) */
  unsigned used_reg = fn->is_method && nreg ? 1 : 0;
  unsigned j = fn->is_method && !nreg ? 1 : 0;
  for (unsigned i = 0; i < fn->nargs; i++) {
    if (fn->args[i].value.src) { /* computed (value="EXPR"): no parameter */
      vals[i] = 0;
      continue;
    }
    unsigned width = ospy_spec_scalar_width(fn->table, &fn->args[i].t);
    int fl = is_float(fn->table, &fn->args[i], &w);
    if (in_regs && used_reg < nreg && width <= 4 && !fl) {
      vals[i] = reg_word(c, used_reg++);
      continue;
    }
    /* GCC's regparm: a 64-bit integer takes two registers when two are left,
     * its low word first (fastcall never passes one in registers) */
    if (in_regs && fn->callconv != OSPY_CALLCONV_FASTCALL && width == 8 && !fl &&
        used_reg + 2 <= nreg) {
      vals[i] = reg_word(c, used_reg) | reg_word(c, used_reg + 1) << 32;
      used_reg += 2;
      continue;
    }
    /* else (GCC) a 64-bit integer goes on the stack and uses up the
     * registers left, so every later argument is on the stack too */
    if (in_regs && width == 8 && !fl)
      used_reg = nreg;
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

/* ---- variadic arguments ---- */

/* A variadic value's slot that could not be read: the first one is kept
   (the decoding shows it as unreadable and stops there), and no later slot
   is read. */
static void va_fail(ospy_va *va, uint64_t addr)
{
  if (!va->fault) {
    va->fault = 1;
    va->fault_addr = addr;
  }
}

static uint64_t read_word(ospy_va *va, uint64_t addr, unsigned width)
{
  uint64_t v = 0;
  if (va->fault)
    return 0;
  if (ospy_marshal_read(addr, &v, width) != width) {
    va_fail(va, addr);
    return 0;
  }
  return v;
}

/* Variadic stack word j of a call (after `first` register words): the
   extracted word, else read from the stack at entry. */
static uint64_t va_stack_word(ospy_va *va, unsigned first, unsigned j)
{
  const ospy_marshal_call *c = va->c;
  if (first + j < c->nargs)
    return c->args[first + j];
  if (!c->ctx) {
    va_fail(va, 0);
    return 0;
  }
  const ospy_cpu_context *ctx = c->ctx;
#if defined(__x86_64__)
  return read_word(va, ctx->rsp + 8 + 8ull * j, 8);
#else
  return read_word(va, (uint64_t)ctx->esp + 4 + 4ull * j, 4);
#endif
}

void ospy_marshal_va_start(ospy_va *va, const ospy_spec_fn *fn, const ospy_marshal_call *c)
{
  memset(va, 0, sizeof *va);
  va->c = c;
#if defined(__x86_64__)
  va->gp = fn->is_method ? 1 : 0;
#else
  va->stack = fn->is_method && !reg_words(fn->callconv) ? 1 : 0;
#endif
  unsigned w;
  for (unsigned i = 0; i < fn->nargs; i++) {
    if (fn->args[i].value.src)
      continue;
#if defined(__x86_64__)
    if (is_float(fn->table, &fn->args[i], &w) ? va->sse < 8 : va->gp < 6)
      is_float(fn->table, &fn->args[i], &w) ? va->sse++ : va->gp++;
    else
      va->stack++;
#else
    va->stack += ospy_spec_scalar_width(fn->table, &fn->args[i].t) == 8 ? 2 : 1;
    (void)w;
#endif
  }
#if defined(__i386__)
  if (reg_words(fn->callconv))
    va->no_values = 1; /* variadic functions are cdecl (GCC ignores regparm for them) */
#endif
}

void ospy_marshal_va_from_list(ospy_va *va, const ospy_marshal_call *c, uint64_t va_list)
{
  memset(va, 0, sizeof *va);
  va->c = c;
  va->from_va_list = 1;
#if defined(__x86_64__)
  /* struct __va_list_tag { u32 gp_offset, fp_offset; void *overflow_arg_area, *reg_save_area; } */
  uint8_t b[24];
  size_t got = ospy_marshal_read(va_list, b, sizeof b);
  if (got != sizeof b) {
    va_fail(va, va_list + got); /* the first value consumed says so, at the byte that failed */
    return;
  }
  memcpy(&va->gp_offset, b, 4);
  memcpy(&va->fp_offset, b + 4, 4);
  memcpy(&va->overflow, b + 8, 8);
  memcpy(&va->reg_save, b + 16, 8);
#else
  va->overflow = va_list; /* a char * walking the stack: read as values are */
#endif
}

/* A long double (x87 80-bit extended) as the bits of a double, truncated:
 * converted in software, so that no x87 instruction touches the target's
 * FPU state (its exception flags). Too small for a double: 0. */
static uint64_t extended_to_double_bits(const uint8_t *p)
{
  uint64_t m, sign;
  uint16_t se;
  memcpy(&m, p, 8);
  memcpy(&se, p + 8, 2);
  sign = (uint64_t)(se >> 15) << 63;
  int e = se & 0x7fff;
  if (e == 0x7fff) /* infinity, or NaN (quiet) */
    return sign | 0x7ffull << 52 | ((m << 1) ? 1ull << 51 : 0);
  if (e == 0 || !(m >> 63)) /* extended denormals are far below a double's range */
    return sign;
  int de = e - 16383 + 1023;
  if (de >= 0x7ff)
    return sign | 0x7ffull << 52;
  if (de <= 0) /* a double denormal */
    return 12 - de > 63 ? sign : sign | m >> (12 - de);
  return sign | (uint64_t)de << 52 | ((m >> 11) & ((1ull << 52) - 1));
}

#if defined(__x86_64__)
/* In memory: 16 bytes, 16-byte aligned (stack slots come in pairs). */
uint64_t ospy_marshal_va_long_double(ospy_va *va)
{
  uint8_t b[10] = { 0 };
  uint64_t at;
  if (va->from_va_list) {
    va->overflow = (va->overflow + 15) & ~15ull;
    at = va->overflow;
    va->overflow += 16;
  } else {
    va->stack += va->stack & 1;
    const ospy_cpu_context *ctx = va->c->ctx;
    at = ctx ? ctx->rsp + 8 + 8ull * va->stack : 0; /* no context: 0, unreadable */
    va->stack += 2;
  }
  if (!va->fault && ospy_marshal_read(at, b, sizeof b) != sizeof b)
    va_fail(va, at);
  return va->fault ? 0 : extended_to_double_bits(b);
}
#else
/* On the stack: 12 bytes, 4-byte aligned. */
uint64_t ospy_marshal_va_long_double(ospy_va *va)
{
  uint8_t b[10] = { 0 };
  uint64_t at;
  if (va->from_va_list) {
    at = va->overflow;
    va->overflow += 12;
  } else {
    const ospy_cpu_context *ctx = va->c->ctx;
    at = ctx ? (uint64_t)ctx->esp + 4 + 4ull * va->stack : 0; /* no context: 0, unreadable */
    va->stack += 3;
  }
  if (!va->fault && ospy_marshal_read(at, b, sizeof b) != sizeof b)
    va_fail(va, at);
  return va->fault ? 0 : extended_to_double_bits(b);
}
#endif

#if defined(__x86_64__)
uint64_t ospy_marshal_va_int(ospy_va *va, unsigned width)
{
  uint64_t v;
  (void)width; /* every integer takes an 8-byte slot */
  if (va->from_va_list) {
    if (va->gp_offset < 48) {
      v = read_word(va, va->reg_save + va->gp_offset, 8);
      va->gp_offset += 8;
    } else {
      v = read_word(va, va->overflow, 8);
      va->overflow += 8;
    }
    return v;
  }
  if (va->gp < 6)
    return va->gp < va->c->nargs ? va->c->args[va->gp++] : (va->gp++, 0);
  return va_stack_word(va, 6, va->stack++);
}

uint64_t ospy_marshal_va_double(ospy_va *va)
{
  uint64_t v;
  if (va->from_va_list) {
    if (va->fp_offset < 176) {
      v = read_word(va, va->reg_save + va->fp_offset, 8);
      va->fp_offset += 16;
    } else {
      v = read_word(va, va->overflow, 8);
      va->overflow += 8;
    }
    return v;
  }
  const ospy_cpu_context *ctx = va->c->ctx;
  if (va->sse < 8)
    return ctx ? ctx->xmm[va->sse++][0] : 0;
  return va_stack_word(va, 6, va->stack++);
}
#else
uint64_t ospy_marshal_va_int(ospy_va *va, unsigned width)
{
  unsigned words = width == 8 ? 2 : 1;
  uint64_t v;
  if (va->from_va_list) {
    v = read_word(va, va->overflow, 4 * words);
    va->overflow += 4 * words;
    return v;
  }
  v = va_stack_word(va, 0, va->stack++) & 0xffffffffu;
  if (words == 2)
    v |= (va_stack_word(va, 0, va->stack++) & 0xffffffffu) << 32;
  return va->fault ? 0 : v;
}

uint64_t ospy_marshal_va_double(ospy_va *va) { return ospy_marshal_va_int(va, 8); }
#endif
