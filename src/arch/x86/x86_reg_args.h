/*
 * Which of eax, edx and ecx an i386 function reads as arguments: GCC
 * (-O1 and above) passes the first three integer arguments of a function
 * local to its translation unit (static, its address never taken, not
 * variadic) in eax, edx, ecx, its implicit regparm(3); clang (-O1 and
 * above) the first two in ecx, edx (LLVM's fastcc). Nothing in the
 * binary says so but the code: a register the function reads before it
 * writes it, on some path from its entry, came from its caller.
 *
 * A bounded walk over the function's instructions (Capstone, i386 mode):
 * both ways of a conditional branch, the targets of direct jumps (its own
 * blocks, its .cold part, a tail call's function, which reads what it is
 * passed on), a path ends at a return, an indirect jump or a call (a call
 * clobbers eax, ecx and edx: what is read after it is not an argument; a
 * function called directly is looked into for the registers it reads, which
 * the caller hands on unread; the call to a get_pc_thunk, which only sets
 * its register, is no call). Sub-registers count (al, ah, ax, cl...), and a
 * write of al defines eax for a read of it (setne %al; movzbl %al,%eax).
 * Zeroing idioms (xor r,r; sub r,r; sbb r,r; or $-1,r; and $0,r) write;
 * padding nops read nothing. A `push` of eax, ecx or edx reads it only when
 * it passes an argument to a call (x86_reg_args.c says how, and what it
 * cannot tell apart; a call that only gets the pc takes none). At most
 * OSPY_X86_REG_ARGS_INSNS instructions are decoded (and 128 in each
 * function called): a read past them is not seen.
 *
 * Capstone allocates (cs_open, detail records): for hook-installation code,
 * not for a context where malloc may be re-entered.
 */
#ifndef OSPY_ARCH_X86_REG_ARGS_H
#define OSPY_ARCH_X86_REG_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define OSPY_X86_REG_ARGS_INSNS 256u

/* Reads up to n bytes of code at addr into buf: how many it could (a safe
 * read: fewer, or 0, where the memory is not readable). */
typedef size_t (*ospy_x86_code_read)(uint64_t addr, void *buf, size_t n, void *ctx);

/* The code the walk may read: [lo, hi) (a module's executable segment),
 * through read. */
typedef struct ospy_x86_code {
  uint64_t lo, hi;
  ospy_x86_code_read read;
  void *ctx;
} ospy_x86_code;

/* The registers read before written, in GCC's regparm order; then xmm0-2,
 * where both compilers pass a local function's first float and double
 * arguments when they build with SSE2 math (gcc -msse2 -mfpmath=sse, its
 * implicit sseregparm; clang -msse2). */
enum {
  OSPY_X86_ARG_EAX = 1u << 0,
  OSPY_X86_ARG_EDX = 1u << 1,
  OSPY_X86_ARG_ECX = 1u << 2,
  OSPY_X86_ARG_XMM0 = 1u << 3,
  OSPY_X86_ARG_XMM1 = 1u << 4,
  OSPY_X86_ARG_XMM2 = 1u << 5,
};
#define OSPY_X86_ARG_GP (OSPY_X86_ARG_EAX | OSPY_X86_ARG_EDX | OSPY_X86_ARG_ECX)
#define OSPY_X86_ARG_XMM (OSPY_X86_ARG_XMM0 | OSPY_X86_ARG_XMM1 | OSPY_X86_ARG_XMM2)

/* Which of eax, edx, ecx, xmm0-2 (OSPY_X86_ARG_*) the i386 function at
 * entry reads before writing them on some path (an xmm register's zeroing
 * idiom, pxor/xorps/xorpd of itself, writes it); size: its symbol's size (its straight
 * line code ends there), 0 when not known. 0 when none, or when the code
 * cannot be read or decoded. */
unsigned ospy_x86_live_in_args(const ospy_x86_code *code, uint64_t entry, uint64_t size);
/* The same, and in *pushed_only those of them the function reads only by
 * pushing them before a call: an argument handed on, or room made on the
 * stack right before a call, which the code alone does not tell apart
 * (a register no caller passes anything in is room). */
unsigned ospy_x86_live_in_args_pushed(const ospy_x86_code *code, uint64_t entry, uint64_t size,
                                      unsigned *pushed_only);

/* How many arguments such a function takes in registers: the position of
 * the last register read in the order eax, edx, ecx (regparm(N)), 0-3. */
unsigned ospy_x86_regparm_count(unsigned live_in);

#endif
