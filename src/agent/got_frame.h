/*
 * The stack frame the GOT trampoline (got_tramp_*.S) builds for one call.
 * Offsets are fixed: the assembly uses the OSPY_GF_* numbers below, and
 * got.c checks them with static asserts. The frame doubles as the
 * per-invocation scratch kept from enter to leave.
 */
#ifndef OSPY_AGENT_GOT_FRAME_H
#define OSPY_AGENT_GOT_FRAME_H

#if defined(__x86_64__)
#define OSPY_GF_ARGS 0       /* rdi rsi rdx rcx r8 r9 */
#define OSPY_GF_RAX 48
#define OSPY_GF_HOOK 56
#define OSPY_GF_TARGET 64
#define OSPY_GF_RET_ADDR 72
#define OSPY_GF_STACK_ARGS 80
#define OSPY_GF_RETVAL 88
#define OSPY_GF_RETVAL2 96
#define OSPY_GF_TS 104
#define OSPY_GF_SKIP 112
#define OSPY_GF_XMM 128
#define OSPY_GF_XMM_RET 256
#define OSPY_GF_SIZE 288
#define OSPY_GF_STACK_COPY 64 /* bytes of caller stack arguments copied (8 words) */
#else
#define OSPY_GF_EAX 0
#define OSPY_GF_ECX 4
#define OSPY_GF_EDX 8
#define OSPY_GF_HOOK 12
#define OSPY_GF_TARGET 16
#define OSPY_GF_RET_ADDR 20
#define OSPY_GF_STACK_ARGS 24
#define OSPY_GF_RETVAL 28
#define OSPY_GF_RETVAL2 32
#define OSPY_GF_SKIP 36
#define OSPY_GF_TS 40
#define OSPY_GF_ST0 48
#define OSPY_GF_ST0_VALID 56
#define OSPY_GF_SIZE 64
#define OSPY_GF_STACK_COPY 64 /* 16 words */
#endif

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef struct ospy_got_frame {
#if defined(__x86_64__)
  uint64_t args[6];
  uint64_t rax;
  uint64_t hook;
  uint64_t target;
  uint64_t ret_addr;
  uint64_t stack_args;
  uint64_t retval, retval2;
  uint64_t ts;
  uint32_t skip;
  uint32_t pad[3];
  uint8_t xmm[8][16];
  uint8_t xmm_ret[2][16];
#else
  uint32_t eax, ecx, edx;
  uint32_t hook;
  uint32_t target;
  uint32_t ret_addr;
  uint32_t stack_args;
  uint32_t retval, retval2;
  uint32_t skip;
  uint64_t ts;
  double st0;
  uint32_t st0_valid;
  uint32_t pad;
#endif
} ospy_got_frame;
#endif

#endif
