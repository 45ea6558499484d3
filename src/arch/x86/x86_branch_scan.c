/* Byte-level branch target scan; see x86_branch_scan.h. */
#include "arch/x86/x86_branch_scan.h"

#include <string.h>

static bool inside(uint64_t t, uint64_t lo, uint64_t hi) { return t > lo && t < hi; }

/* The target as either mode computes it: i386 wraps at 32 bits, and an
 * operand-size prefix (rel16) at 16. Trying all three keeps the superset. */
static bool lands(uint64_t target, uint64_t lo, uint64_t hi) {
  return inside(target, lo, hi) || inside(target & 0xFFFFFFFFu, lo, hi) ||
         inside(target & 0xFFFFu, lo, hi);
}

static int32_t disp32_at(const uint8_t *p) {
  int32_t d;
  memcpy(&d, p, sizeof d);
  return d;
}

static uint16_t disp16_at(const uint8_t *p) {
  uint16_t d;
  memcpy(&d, p, sizeof d);
  return d;
}

/* A 16-bit displacement from end, sign-extended as a CPU does, and also
 * zero-extended as Capstone reads some of them (jcc rel16 on i386): the
 * scan must flag whatever the full decode would find. */
static bool rel16_lands(uint64_t end, uint16_t d, uint64_t lo, uint64_t hi) {
  return lands(end + (uint64_t)(int64_t)(int16_t)d, lo, hi) || lands(end + d, lo, hi);
}

/* A displacement of width 2 or 4 starting at code[at], the instruction
 * ending right after it: the target in either width (an operand-size
 * prefix makes E8/E9/0F 8x/C7 F8 take a rel16). */
static bool wide_hits(const uint8_t *code, size_t len, size_t at, uint64_t pc, uint64_t lo,
                      uint64_t hi) {
  if (at + 2 <= len) {
    uint64_t end = pc + at + 2;
    if (rel16_lands(end, disp16_at(code + at), lo, hi))
      return true;
  }
  if (at + 4 <= len) {
    uint64_t end = pc + at + 4;
    if (lands(end + (uint64_t)(int64_t)disp32_at(code + at), lo, hi))
      return true;
    /* Capstone's reading under an address-size prefix (0x67): the low 16
     * bits of the rel32 from the instruction's end. Not what a CPU does,
     * but the full decode would refuse the hook for it, and the scan must
     * not decide otherwise. */
    if (rel16_lands(end, disp16_at(code + at), lo, hi))
      return true;
  }
  return false;
}

static bool branch_at_hits(const uint8_t *code, size_t len, size_t i, uint64_t pc, uint64_t lo,
                           uint64_t hi) {
  uint8_t op = code[i];
  bool rel8 = (op >= 0x70 && op <= 0x7F) || op == 0xEB || (op >= 0xE0 && op <= 0xE3);
  if (rel8 && i + 2 <= len &&
      lands(pc + i + 2 + (uint64_t)(int64_t)(int8_t)code[i + 1], lo, hi))
    return true;
  if (op == 0xE8 || op == 0xE9)
    return wide_hits(code, len, i + 1, pc, lo, hi);
  if (op == 0x0F && i + 1 < len && code[i + 1] >= 0x80 && code[i + 1] <= 0x8F)
    return wide_hits(code, len, i + 2, pc, lo, hi);
  if (op == 0xC7 && i + 1 < len && code[i + 1] == 0xF8) /* xbegin */
    return wide_hits(code, len, i + 2, pc, lo, hi);
  return false;
}

bool ospy_x86_may_branch_into(const uint8_t *code, size_t len, uint64_t pc, uint64_t lo,
                              uint64_t hi) {
  for (size_t i = 0; i < len; i++)
    if (branch_at_hits(code, len, i, pc, lo, hi))
      return true;
  return false;
}
