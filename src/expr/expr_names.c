/* Register names per arch, with their byte offset in the context and width.
 * Views (eax in rax, al, ah...) are little-endian slices of the full slot. */
#include <stddef.h>
#include <string.h>

#include "arch/x86/cpu_context.h"
#include "expr/expr_internal.h"

#define X64(name, field, delta, width) \
  { name, (uint16_t)(offsetof(ospy_x64_context, field) + (delta)), width }
#define X86(name, field, delta, width) \
  { name, (uint16_t)(offsetof(ospy_x86_context, field) + (delta)), width }

/* The eight legacy registers: 64-bit name, 32, 16, low 8, high 8. */
#define X64_LEGACY(f, n32, n16, n8, nh) \
  X64(#f, f, 0, 64), X64(n32, f, 0, 32), X64(n16, f, 0, 16), X64(n8, f, 0, 8), \
  X64(nh, f, 1, 8)
#define X64_NEW(f) \
  X64(#f, f, 0, 64), X64(#f "d", f, 0, 32), X64(#f "w", f, 0, 16), X64(#f "b", f, 0, 8)

static const ospy_expr_regdef x64_regs[] = {
  X64_LEGACY(rax, "eax", "ax", "al", "ah"),
  X64_LEGACY(rbx, "ebx", "bx", "bl", "bh"),
  X64_LEGACY(rcx, "ecx", "cx", "cl", "ch"),
  X64_LEGACY(rdx, "edx", "dx", "dl", "dh"),
  X64("rsi", rsi, 0, 64), X64("esi", rsi, 0, 32), X64("si", rsi, 0, 16), X64("sil", rsi, 0, 8),
  X64("rdi", rdi, 0, 64), X64("edi", rdi, 0, 32), X64("di", rdi, 0, 16), X64("dil", rdi, 0, 8),
  X64("rbp", rbp, 0, 64), X64("ebp", rbp, 0, 32), X64("bp", rbp, 0, 16), X64("bpl", rbp, 0, 8),
  X64("rsp", rsp, 0, 64), X64("esp", rsp, 0, 32), X64("sp", rsp, 0, 16), X64("spl", rsp, 0, 8),
  X64_NEW(r8), X64_NEW(r9), X64_NEW(r10), X64_NEW(r11),
  X64_NEW(r12), X64_NEW(r13), X64_NEW(r14), X64_NEW(r15),
  X64("rip", rip, 0, 64), X64("eip", rip, 0, 32),
  X64("rflags", rflags, 0, 64), X64("eflags", rflags, 0, 32), X64("flags", rflags, 0, 64),
};

#define X86_LEGACY(f, n16, n8, nh) \
  X86(#f, f, 0, 32), X86(n16, f, 0, 16), X86(n8, f, 0, 8), X86(nh, f, 1, 8)

static const ospy_expr_regdef x86_regs[] = {
  X86_LEGACY(eax, "ax", "al", "ah"),
  X86_LEGACY(ebx, "bx", "bl", "bh"),
  X86_LEGACY(ecx, "cx", "cl", "ch"),
  X86_LEGACY(edx, "dx", "dl", "dh"),
  X86("esi", esi, 0, 32), X86("si", esi, 0, 16),
  X86("edi", edi, 0, 32), X86("di", edi, 0, 16),
  X86("ebp", ebp, 0, 32), X86("bp", ebp, 0, 16),
  X86("esp", esp, 0, 32), X86("sp", esp, 0, 16),
  X86("eip", eip, 0, 32),
  X86("eflags", eflags, 0, 32), X86("flags", eflags, 0, 32),
};

bool ospy_expr_register(ospy_expr_arch arch, const char *name, unsigned *offset,
                        unsigned *width)
{
  const ospy_expr_regdef *r = ospy_expr_find_reg(arch, name, strlen(name));
  if (!r)
    return false;
  *offset = r->offset;
  *width = r->width;
  return true;
}

const ospy_expr_regdef *ospy_expr_find_reg(ospy_expr_arch arch, const char *name, size_t len)
{
  const ospy_expr_regdef *table = arch == OSPY_EXPR_ARCH_X86_64 ? x64_regs : x86_regs;
  size_t n = arch == OSPY_EXPR_ARCH_X86_64 ? sizeof x64_regs / sizeof x64_regs[0]
                                           : sizeof x86_regs / sizeof x86_regs[0];
  for (size_t i = 0; i < n; i++)
    if (strlen(table[i].name) == len && !memcmp(table[i].name, name, len))
      return &table[i];
  return NULL;
}

const char *ospy_expr_reg_name(ospy_expr_arch arch, size_t i)
{
  const ospy_expr_regdef *table = arch == OSPY_EXPR_ARCH_X86_64 ? x64_regs : x86_regs;
  size_t n = arch == OSPY_EXPR_ARCH_X86_64 ? sizeof x64_regs / sizeof x64_regs[0]
                                           : sizeof x86_regs / sizeof x86_regs[0];
  return i < n ? table[i].name : NULL;
}
