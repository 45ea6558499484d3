/* Offsets of ospy_cpu_context fields used by the assembly thunks. Checked
 * against offsetof() in thunk_layout_check.c, so a reordering of
 * cpu_context.h fails the build instead of corrupting registers. */
#ifndef OSPY_INTERCEPTOR_THUNK_LAYOUT_H
#define OSPY_INTERCEPTOR_THUNK_LAYOUT_H

#if defined(__x86_64__)
#define CTX_RIP 0
#define CTX_RFLAGS 8
#define CTX_RAX 16
#define CTX_RCX 24
#define CTX_RDX 32
#define CTX_RBX 40
#define CTX_RSP 48
#define CTX_RBP 56
#define CTX_RSI 64
#define CTX_RDI 72
#define CTX_R8 80
#define CTX_R9 88
#define CTX_R10 96
#define CTX_R11 104
#define CTX_R12 112
#define CTX_R13 120
#define CTX_R14 128
#define CTX_R15 136
#define CTX_XMM 144
#define CTX_SIZE 272
/* Thunk frame: the context, padded to a multiple of 16. */
#define THUNK_FRAME 288
#else
#define CTX_EIP 0
#define CTX_EFLAGS 4
#define CTX_EAX 8
#define CTX_ECX 12
#define CTX_EDX 16
#define CTX_EBX 20
#define CTX_ESP 24
#define CTX_EBP 28
#define CTX_ESI 32
#define CTX_EDI 36
#define CTX_ST0_VALID 40
#define CTX_ST0 44
#define CTX_XMM 52
#define CTX_SIZE 180
/* 80-bit copy of st0 kept by the leave thunk, after the context. */
#define THUNK_ST0_80 180
#define THUNK_FRAME 192
#endif

#endif
