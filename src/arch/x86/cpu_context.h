/*
 * CPU context seen by hook callbacks and by compiled expressions.
 *
 * Both layouts are defined on every host so that the expression compiler can
 * generate i386 code from a 64-bit process (for `ospy expr --disasm`) and the
 * reader can decode contexts of either architecture. The native one is
 * ospy_cpu_context. Field order may change; field names may not: code must use
 * offsetof(), never hard-coded offsets.
 */
#ifndef OSPY_ARCH_X86_CPU_CONTEXT_H
#define OSPY_ARCH_X86_CPU_CONTEXT_H

#include <stdint.h>

/* x86-64, System V. xmm0-7 carry float/double arguments and the return value. */
typedef struct ospy_x64_context {
  uint64_t rip;
  uint64_t rflags; /* status flags OF SF ZF AF PF CF (+ IF, bit 1); DF clear, as at any call */
  uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t xmm[8][2]; /* low 128 bits of xmm0..xmm7 */
} ospy_x64_context;

/* i386: cdecl, stdcall, fastcall, thiscall. st0 holds float returns;
 * xmm0-2 a local function's float and double arguments, xmm0 its return,
 * when its compiler used SSE2 math (GCC's sseregparm, clang's fastcc). */
typedef struct ospy_x86_context {
  uint32_t eip;
  uint32_t eflags; /* as rflags */
  uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint32_t st0_valid; /* non-zero when st0 below was captured */
  double st0;         /* x87 top of stack at leave (float/double returns) */
  uint32_t xmm[8][4]; /* xmm0..xmm7, low dword first */
} ospy_x86_context;

#if defined(__x86_64__)
typedef ospy_x64_context ospy_cpu_context;
#define OSPY_CPU_BITS 64
#elif defined(__i386__)
typedef ospy_x86_context ospy_cpu_context;
#define OSPY_CPU_BITS 32
#else
#error "ospy supports x86-64 and i386 only"
#endif

#endif
