/* Call-instruction check before a return address; see x86_call_site.h. */
#include "arch/x86/x86_call_site.h"

/* Length of `FF /2` (call r/m) from its ModRM and, when present, SIB byte. */
static size_t call_rm_length(unsigned char modrm, unsigned char sib)
{
  unsigned mod = modrm >> 6, rm = modrm & 7;
  size_t len = 2; /* FF, ModRM */
  if (mod == 3)
    return len;
  if (rm == 4) { /* SIB */
    len++;
    if (mod == 0 && (sib & 7) == 5)
      len += 4; /* no base: disp32 */
  }
  if (mod == 0 && rm == 5)
    len += 4; /* disp32 (rip-relative on x86-64) */
  else if (mod == 1)
    len += 1;
  else if (mod == 2)
    len += 4;
  return len;
}

bool ospy_x86_follows_call(const unsigned char before[OSPY_X86_CALL_SITE_BYTES], bool x64)
{
  const unsigned char *end = before + OSPY_X86_CALL_SITE_BYTES;
  if (end[-5] == 0xE8)
    return true; /* call rel32 */
  for (size_t k = 2; k <= 7; k++) { /* call r/m of k bytes */
    const unsigned char *op = end - k;
    if (op[0] != 0xFF || ((op[1] >> 3) & 7) != 2)
      continue;
    unsigned char sib = k >= 3 ? op[2] : 0;
    if (call_rm_length(op[1], sib) == k)
      return true;
  }
  if (x64) /* the same behind a REX prefix (call r8..r15, [r8+...]) */
    for (size_t k = 3; k <= OSPY_X86_CALL_SITE_BYTES; k++) {
      const unsigned char *op = end - k;
      if ((op[0] & 0xF0) != 0x40 || op[1] != 0xFF || ((op[2] >> 3) & 7) != 2)
        continue;
      unsigned char sib = k >= 4 ? op[3] : 0;
      if (call_rm_length(op[2], sib) + 1 == k)
        return true;
    }
  return false;
}

uintptr_t ospy_x86_call_rel32_target(const unsigned char before[OSPY_X86_CALL_SITE_BYTES],
                                     uintptr_t addr)
{
  const unsigned char *op = before + OSPY_X86_CALL_SITE_BYTES - 5;
  if (op[0] != 0xE8)
    return 0;
  int32_t rel = (int32_t)((uint32_t)op[1] | (uint32_t)op[2] << 8 | (uint32_t)op[3] << 16 |
                          (uint32_t)op[4] << 24);
  return addr + (uintptr_t)(intptr_t)rel;
}

bool ospy_x86_is_pc_thunk(const unsigned char code[OSPY_X86_PC_THUNK_BYTES])
{
  /* 8B /r with ModRM mod=00 rm=100 (SIB), SIB 0x24 ([esp]), then ret */
  return code[0] == 0x8B && (code[1] & 0xC7) == 0x04 && code[2] == 0x24 && code[3] == 0xC3;
}
