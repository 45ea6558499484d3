/* Each spec argument's value, read where plan/spec_abi.c says it travels
   under the calling conventions; a structure passed by value is the address
   of its bytes (marshal_internal.h). Floats/doubles are returned as their
   raw IEEE bits. */
#include <string.h>

#include "agent/marshal_internal.h"
#include "arch/x86/cpu_context.h"
#include "plan/spec_abi.h"

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

/* The address of stack word j at entry (a structure copied to the stack
 * argument area); 0 without a context: not known. */
static uint64_t stack_address(const ospy_marshal_call *c, unsigned j)
{
  const ospy_cpu_context *ctx = c->ctx;
  if (!ctx)
    return 0;
#if defined(__x86_64__)
  return ctx->rsp + 8 + 8ull * j;
#else
  return (uint64_t)ctx->esp + 4 + 4ull * j;
#endif
}

/* The register words before the stack words in c->args (marshal.h). */
static unsigned first_stack_word(const ospy_spec_fn *fn)
{
#if defined(__x86_64__)
  (void)fn;
  return 6;
#else
  return ospy_abi_reg_words(fn->callconv);
#endif
}

static uint64_t reg_word(const ospy_marshal_call *c, unsigned k)
{
  uint64_t v = k < c->nargs ? c->args[k] : 0;
  return sizeof(void *) == 4 ? v & 0xffffffffu : v;
}

static uint64_t xmm_low(const ospy_marshal_call *c, unsigned k)
{
#if defined(__x86_64__)
  const ospy_cpu_context *ctx = c->ctx;
  return ctx && k < 8 ? ctx->xmm[k][0] : 0;
#else
  const ospy_cpu_context *ctx = c->ctx;
  return ctx && k < 8 ? ctx->xmm[k][0] | (uint64_t)ctx->xmm[k][1] << 32 : 0;
#endif
}

/* A structure passed in registers: its eightbytes copied into `copy` (its
 * bytes, in memory, for the marshaler to read as a structure's). */
static void copy_struct_regs(const ospy_marshal_call *c, const ospy_abi_loc *l, uint64_t *copy)
{
  for (unsigned e = 0; e < l->n && e < 2; e++)
    copy[e] = l->cls[e] == OSPY_ABI_SSE ? xmm_low(c, l->reg[e]) : reg_word(c, l->reg[e]);
}

static int is_float4(const ospy_spec_table *t, const ospy_spec_arg *a)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, a->t.type);
  return !a->t.ptr && ty && ty->kind == OSPY_KIND_FLOAT && ty->width == 4;
}

/* The value of one argument where the walk says it is. */
static uint64_t arg_value(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint32_t i,
                          const ospy_abi_loc *l, uint64_t *regcopy, unsigned *ncopy)
{
  unsigned first = first_stack_word(fn);
  uint64_t v;
  switch (l->kind) {
  case OSPY_LOC_GP:
    return reg_word(c, l->reg[0]);
  case OSPY_LOC_GP_PAIR:
    return reg_word(c, l->reg[0]) | reg_word(c, l->reg[1]) << 32;
  case OSPY_LOC_GP_STACK:
    return reg_word(c, l->reg[0]) | (stack_word(c, first, l->stack) & 0xffffffffu) << 32;
  case OSPY_LOC_SSE:
    v = xmm_low(c, l->reg[0]);
    return is_float4(fn->table, &fn->args[i]) ? v & 0xffffffffu : v;
  case OSPY_LOC_STACK:
    v = stack_word(c, first, l->stack);
    if (sizeof(void *) == 4)
      v &= 0xffffffffu;
    if (l->words == 2)
      v |= (stack_word(c, first, l->stack + 1u) & 0xffffffffu) << 32;
    return is_float4(fn->table, &fn->args[i]) ? v & 0xffffffffu : v;
  case OSPY_LOC_STRUCT_STACK:
    return stack_address(c, l->stack);
  case OSPY_LOC_STRUCT_REGS:
    if (*ncopy + l->n > OSPY_MARSHAL_REGCOPY_WORDS)
      return 0;
    copy_struct_regs(c, l, regcopy + *ncopy);
    v = (uint64_t)(uintptr_t)(regcopy + *ncopy);
    *ncopy += l->n;
    return v;
  default: /* computed (value="EXPR"), or a structure that cannot be decoded */
    return 0;
  }
}

unsigned ospy_marshal_args(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint64_t *vals,
                           uint64_t *regcopy)
{
  ospy_abi_walk w;
  unsigned ncopy = 0;
  ospy_abi_start(&w, fn);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_abi_loc l = ospy_abi_next(&w, i);
    vals[i] = arg_value(fn, c, i, &l, regcopy, &ncopy);
  }
  return fn->nargs;
}

uint64_t ospy_marshal_struct_return(const ospy_spec_fn *fn, const void *cpu, uint64_t raw,
                                    uint64_t *copy)
{
  const ospy_cpu_context *ctx = cpu;
  ospy_abi_loc l = ospy_abi_return(fn);
  if (!ctx)
    return 0;
  if (l.kind == OSPY_LOC_STRUCT_MEMORY)
    return raw; /* rax/eax: the hidden pointer, returned */
  if (l.kind != OSPY_LOC_STRUCT_REGS)
    return 0;
#if defined(__x86_64__)
  const uint64_t gp[2] = { ctx->rax, ctx->rdx };
  for (unsigned e = 0; e < l.n && e < 2; e++)
    copy[e] = l.cls[e] == OSPY_ABI_SSE ? ctx->xmm[l.reg[e] & 1][0] : gp[l.reg[e] & 1];
  return (uint64_t)(uintptr_t)copy;
#else
  (void)copy;
  return 0; /* (i386 returns every structure in memory) */
#endif
}

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
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  for (uint32_t i = 0; i < fn->nargs; i++)
    ospy_abi_next(&w, i);
  /* the variadic values follow the fixed arguments: registers left, then
   * stack words (i386: the stack alone, below) */
  va->gp = w.gp;
  va->sse = w.sse;
  va->stack = w.stack;
#if defined(__i386__)
  if (w.nreg) {
    va->gp = 0;
    va->no_values = 1; /* variadic functions are cdecl (GCC ignores regparm for them) */
  }
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
