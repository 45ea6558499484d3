/* GOT hook trampoline, x86-64 System V. Entered from a per-hook stub with
 * r11 = the hook. Saves the argument registers in an ospy_got_frame, calls
 * ospy_got_on_enter, copies 8 words of caller stack arguments, calls the
 * original function, then ospy_got_on_leave, and returns its result. */
#include "agent/got_frame.h"

#define FRAME (OSPY_GF_STACK_COPY + OSPY_GF_SIZE)
#define F(x) (OSPY_GF_STACK_COPY + (x))

  .text
  .globl ospy_got_entry
  .hidden ospy_got_entry
  .type ospy_got_entry, @function
ospy_got_entry:
  .cfi_startproc
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsp, %rbp
  .cfi_def_cfa_register %rbp
  subq $FRAME, %rsp
  movq %rdi, F(OSPY_GF_ARGS + 0)(%rsp)
  movq %rsi, F(OSPY_GF_ARGS + 8)(%rsp)
  movq %rdx, F(OSPY_GF_ARGS + 16)(%rsp)
  movq %rcx, F(OSPY_GF_ARGS + 24)(%rsp)
  movq %r8, F(OSPY_GF_ARGS + 32)(%rsp)
  movq %r9, F(OSPY_GF_ARGS + 40)(%rsp)
  movq %rax, F(OSPY_GF_RAX)(%rsp)
  movq %r11, F(OSPY_GF_HOOK)(%rsp)
  movdqu %xmm0, F(OSPY_GF_XMM + 0)(%rsp)
  movdqu %xmm1, F(OSPY_GF_XMM + 16)(%rsp)
  movdqu %xmm2, F(OSPY_GF_XMM + 32)(%rsp)
  movdqu %xmm3, F(OSPY_GF_XMM + 48)(%rsp)
  movdqu %xmm4, F(OSPY_GF_XMM + 64)(%rsp)
  movdqu %xmm5, F(OSPY_GF_XMM + 80)(%rsp)
  movdqu %xmm6, F(OSPY_GF_XMM + 96)(%rsp)
  movdqu %xmm7, F(OSPY_GF_XMM + 112)(%rsp)
  movq 8(%rbp), %rax
  movq %rax, F(OSPY_GF_RET_ADDR)(%rsp)
  leaq 16(%rbp), %rax
  movq %rax, F(OSPY_GF_STACK_ARGS)(%rsp)
  leaq F(0)(%rsp), %rdi
  call ospy_got_on_enter
  /* the callee finds its stack arguments where the caller put them */
  movq 16(%rbp), %rax
  movq %rax, 0(%rsp)
  movq 24(%rbp), %rax
  movq %rax, 8(%rsp)
  movq 32(%rbp), %rax
  movq %rax, 16(%rsp)
  movq 40(%rbp), %rax
  movq %rax, 24(%rsp)
  movq 48(%rbp), %rax
  movq %rax, 32(%rsp)
  movq 56(%rbp), %rax
  movq %rax, 40(%rsp)
  movq 64(%rbp), %rax
  movq %rax, 48(%rsp)
  movq 72(%rbp), %rax
  movq %rax, 56(%rsp)
  movdqu F(OSPY_GF_XMM + 0)(%rsp), %xmm0
  movdqu F(OSPY_GF_XMM + 16)(%rsp), %xmm1
  movdqu F(OSPY_GF_XMM + 32)(%rsp), %xmm2
  movdqu F(OSPY_GF_XMM + 48)(%rsp), %xmm3
  movdqu F(OSPY_GF_XMM + 64)(%rsp), %xmm4
  movdqu F(OSPY_GF_XMM + 80)(%rsp), %xmm5
  movdqu F(OSPY_GF_XMM + 96)(%rsp), %xmm6
  movdqu F(OSPY_GF_XMM + 112)(%rsp), %xmm7
  movq F(OSPY_GF_ARGS + 0)(%rsp), %rdi
  movq F(OSPY_GF_ARGS + 8)(%rsp), %rsi
  movq F(OSPY_GF_ARGS + 16)(%rsp), %rdx
  movq F(OSPY_GF_ARGS + 24)(%rsp), %rcx
  movq F(OSPY_GF_ARGS + 32)(%rsp), %r8
  movq F(OSPY_GF_ARGS + 40)(%rsp), %r9
  movq F(OSPY_GF_RAX)(%rsp), %rax
  call *F(OSPY_GF_TARGET)(%rsp)
  movq %rax, F(OSPY_GF_RETVAL)(%rsp)
  movq %rdx, F(OSPY_GF_RETVAL2)(%rsp)
  movdqu %xmm0, F(OSPY_GF_XMM_RET + 0)(%rsp)
  movdqu %xmm1, F(OSPY_GF_XMM_RET + 16)(%rsp)
  leaq F(0)(%rsp), %rdi
  call ospy_got_on_leave
  movq F(OSPY_GF_RETVAL)(%rsp), %rax
  movq F(OSPY_GF_RETVAL2)(%rsp), %rdx
  movdqu F(OSPY_GF_XMM_RET + 0)(%rsp), %xmm0
  movdqu F(OSPY_GF_XMM_RET + 16)(%rsp), %xmm1
  leave
  .cfi_def_cfa %rsp, 8
  ret
  .cfi_endproc
  .size ospy_got_entry, .-ospy_got_entry
  .section .note.GNU-stack,"",@progbits
