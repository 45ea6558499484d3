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

static inline void report(const ospy_x86_ref_scan *s, uint64_t site, uint64_t target) {
  if (target - s->lo < s->hi - s->lo)
    s->found(site, target, s->data);
}

/* A 32-bit displacement from end, as the mode computes it (i386 wraps). */
static inline uint64_t rel_target(const ospy_x86_ref_scan *s, uint64_t end, const uint8_t *d) {
  uint64_t t = end + (uint64_t)(int64_t)disp32_at(d);
  return s->is64 ? t : (t & 0xFFFFFFFFu);
}

/* i386 `lea r32, [base(+index) + disp32]` at code[i] (mod = 10): the offset
 * of its disp32, or 0 when the bytes are not that form. */
static inline size_t lea_disp32_at(const uint8_t *code, size_t len, size_t i) {
  if (code[i] != 0x8D || i + 2 >= len || code[i + 1] >> 6 != 2)
    return 0;
  size_t at = (code[i + 1] & 7) == 4 ? i + 3 : i + 2; /* after a SIB byte */
  return at + 4 <= len ? at : 0;
}

/* The forms read at code[i] (one of them may start there). */
static void refs_at(const uint8_t *code, size_t len, size_t i, uint64_t pc,
                    const ospy_x86_ref_scan *s) {
  uint8_t op = code[i];
  uint64_t at = pc + i;
  if (s->absolute)
    report(s, at, (uint32_t)disp32_at(code + i));
  if (i + 5 > len)
    return;
  if (op == 0xE8 || op == 0xE9)
    report(s, at, rel_target(s, at + 5, code + i + 1));
  else if (i + 6 <= len && ((op == 0x0F && (code[i + 1] & 0xF0) == 0x80) ||
                            (op == 0xC7 && code[i + 1] == 0xF8)))
    report(s, at, rel_target(s, at + 6, code + i + 2));
  if (s->is64 && op == 0x8D && i + 6 <= len && (code[i + 1] & 0xC7) == 0x05) /* lea r, [rip + disp32] */
    report(s, at, at + 6 + (uint64_t)(int64_t)disp32_at(code + i + 2));
  size_t d;
  if (s->got && (d = lea_disp32_at(code, len, i)) != 0)
    report(s, at, (uint32_t)(s->got + (uint32_t)disp32_at(code + d)));
}

/* The first bytes of the forms but the absolute one: most bytes are none
 * of them, one load says so (a module's code is megabytes). */
static const uint8_t opens_form[256] = { [0xE8] = 1, [0xE9] = 1, [0x0F] = 1, [0xC7] = 1, [0x8D] = 1 };

void ospy_x86_scan_refs(const uint8_t *code, size_t len, size_t sites, uint64_t pc,
                        const ospy_x86_ref_scan *s) {
  for (size_t i = 0; i < sites && i + 4 <= len; i++)
    if (s->absolute || opens_form[code[i]])
      refs_at(code, len, i, pc, s);
}
