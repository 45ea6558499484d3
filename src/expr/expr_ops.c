/*
 * The arithmetic of the language, shared by the constant folder and the
 * interpreter, and (as helpers) called by i386 JIT code for 64-bit division,
 * modulo and shifts. Operands arrive normalized to their type; every result
 * is normalized to the result type. Nothing here can trap.
 */
#include "expr/expr_internal.h"

uint64_t ospy_expr_normalize(uint64_t v, ospy_expr_type t)
{
  switch (t.width) {
  case 8: return t.is_signed ? (uint64_t)(int64_t)(int8_t)v : (uint8_t)v;
  case 16: return t.is_signed ? (uint64_t)(int64_t)(int16_t)v : (uint16_t)v;
  case 32: return t.is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
  default: return v;
  }
}

bool ospy_expr_kind_is_binary(ospy_expr_kind k)
{
  return k >= OSPY_EK_ADD && k <= OSPY_EK_LOR;
}

bool ospy_expr_kind_is_compare(ospy_expr_kind k)
{
  return k >= OSPY_EK_EQ && k <= OSPY_EK_GE;
}

/* Division by zero gives 0; INT64_MIN / -1 gives INT64_MIN (modulo: 0). */
uint64_t ospy_expr_helper_udiv(uint64_t a, uint64_t b)
{
  return b ? a / b : 0;
}

uint64_t ospy_expr_helper_umod(uint64_t a, uint64_t b)
{
  return b ? a % b : 0;
}

uint64_t ospy_expr_helper_sdiv(uint64_t a, uint64_t b)
{
  if (b == 0)
    return 0;
  if (b == UINT64_MAX)
    return 0 - a; /* wraps for INT64_MIN like the two's-complement negation */
  return (uint64_t)((int64_t)a / (int64_t)b);
}

uint64_t ospy_expr_helper_smod(uint64_t a, uint64_t b)
{
  if (b == 0 || b == UINT64_MAX)
    return 0;
  return (uint64_t)((int64_t)a % (int64_t)b);
}

/* Counts of 64 and more (a negative count is a huge unsigned one) shift
 * every bit out: 0, or the sign for an arithmetic right shift. */
uint64_t ospy_expr_helper_shl(uint64_t a, uint64_t b)
{
  return b >= 64 ? 0 : a << b;
}

uint64_t ospy_expr_helper_shr(uint64_t a, uint64_t b)
{
  return b >= 64 ? 0 : a >> b;
}

uint64_t ospy_expr_helper_sar(uint64_t a, uint64_t b)
{
  int64_t s = (int64_t)a;
  if (b >= 64)
    b = 63;
  /* Right shift of a negative value: implementation-defined in C, arithmetic
   * in gcc and clang, which ospy requires. */
  return (uint64_t)(s >> b);
}

static uint64_t compare(ospy_expr_kind k, bool is_signed, uint64_t a, uint64_t b)
{
  int64_t sa = (int64_t)a, sb = (int64_t)b;
  switch (k) {
  case OSPY_EK_EQ: return a == b;
  case OSPY_EK_NE: return a != b;
  case OSPY_EK_LT: return is_signed ? sa < sb : a < b;
  case OSPY_EK_LE: return is_signed ? sa <= sb : a <= b;
  case OSPY_EK_GT: return is_signed ? sa > sb : a > b;
  case OSPY_EK_GE: return is_signed ? sa >= sb : a >= b;
  default: return 0;
  }
}

uint64_t ospy_expr_apply_binary(ospy_expr_kind k, ospy_expr_type optype,
                                ospy_expr_type type, uint64_t a, uint64_t b)
{
  bool s = type.is_signed;
  uint64_t r;
  switch (k) {
  case OSPY_EK_ADD: r = a + b; break;
  case OSPY_EK_SUB: r = a - b; break;
  case OSPY_EK_MUL: r = a * b; break;
  case OSPY_EK_DIV: r = s ? ospy_expr_helper_sdiv(a, b) : ospy_expr_helper_udiv(a, b); break;
  case OSPY_EK_MOD: r = s ? ospy_expr_helper_smod(a, b) : ospy_expr_helper_umod(a, b); break;
  case OSPY_EK_AND: r = a & b; break;
  case OSPY_EK_OR: r = a | b; break;
  case OSPY_EK_XOR: r = a ^ b; break;
  case OSPY_EK_SHL: r = ospy_expr_helper_shl(a, b); break;
  case OSPY_EK_SHR: r = s ? ospy_expr_helper_sar(a, b) : ospy_expr_helper_shr(a, b); break;
  case OSPY_EK_LAND: r = a && b; break;
  case OSPY_EK_LOR: r = a || b; break;
  default: r = compare(k, optype.is_signed, a, b); break;
  }
  return ospy_expr_normalize(r, type);
}

uint64_t ospy_expr_apply_unary(ospy_expr_kind k, ospy_expr_type type, uint64_t a)
{
  switch (k) {
  case OSPY_EK_NEG: return ospy_expr_normalize(0 - a, type);
  case OSPY_EK_NOT: return ospy_expr_normalize(~a, type);
  case OSPY_EK_LNOT: return a == 0;
  default: return ospy_expr_normalize(a, type); /* CAST */
  }
}
