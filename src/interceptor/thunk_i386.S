/*
 * i386 enter and leave thunks (static, shared by all hooks); see
 * thunk_x86_64.S for the design. The continuation after enter is reached
 * with `ret` through the hook slot (i386 has no red zone: nothing may be left
 * below esp). The leave thunk also keeps a float/double return value in st0:
 * if the x87 stack is not empty it is popped (80-bit copy kept, a double copy
 * shown in the context) so the callbacks' C code starts with an empty x87
 * stack as the ABI wants, and pushed back before returning. Both keep
 * xmm0-7 across the callbacks (movups: SSE): a local function built with
 * SSE2 math takes its float arguments in xmm0-2 and returns in xmm0, and
 * the callbacks' libc calls (memcpy) use them; as on x86-64, a caller may
 * keep a value in one across a call of a local function that leaves it.
 */
#include "interceptor/thunk_layout.h"
#include "interceptor/thunk_flags.inc"

/* Saves every GPR, the flags and esp into the ospy_x86_context at esp (the
 * frame is reserved by the caller); st0 is marked not captured. */
	.macro SAVE_GPRS
	mov %eax, CTX_EAX(%esp)
	mov %ecx, CTX_ECX(%esp)
	COMPOSE_STATUS_FLAGS
	mov %eax, CTX_EFLAGS(%esp)
	mov %edx, CTX_EDX(%esp)
	mov %ebx, CTX_EBX(%esp)
	.cfi_rel_offset %ebx, CTX_EBX
	mov %ebp, CTX_EBP(%esp)
	.cfi_rel_offset %ebp, CTX_EBP
	mov %esi, CTX_ESI(%esp)
	.cfi_rel_offset %esi, CTX_ESI
	mov %edi, CTX_EDI(%esp)
	.cfi_rel_offset %edi, CTX_EDI
	lea THUNK_FRAME+4(%esp), %eax
	mov %eax, CTX_ESP(%esp)
	movl $0, CTX_ST0_VALID(%esp)
	movups %xmm0, CTX_XMM+0(%esp)
	movups %xmm1, CTX_XMM+16(%esp)
	movups %xmm2, CTX_XMM+32(%esp)
	movups %xmm3, CTX_XMM+48(%esp)
	movups %xmm4, CTX_XMM+64(%esp)
	movups %xmm5, CTX_XMM+80(%esp)
	movups %xmm6, CTX_XMM+96(%esp)
	movups %xmm7, CTX_XMM+112(%esp)
	.endm

/* Restores xmm0-7 from the context at esp. */
	.macro RESTORE_XMM
	movups CTX_XMM+0(%esp), %xmm0
	movups CTX_XMM+16(%esp), %xmm1
	movups CTX_XMM+32(%esp), %xmm2
	movups CTX_XMM+48(%esp), %xmm3
	movups CTX_XMM+64(%esp), %xmm4
	movups CTX_XMM+80(%esp), %xmm5
	movups CTX_XMM+96(%esp), %xmm6
	movups CTX_XMM+112(%esp), %xmm7
	.endm

/* Restores the status flags (thunk_flags.inc), then eax. */
	.macro RESTORE_FLAGS_EAX
	RESTORE_STATUS_FLAGS CTX_EFLAGS, %esp
	mov CTX_EAX(%esp), %eax
	.endm

	.text
	.globl ospy_enter_thunk
	.hidden ospy_enter_thunk
	.globl ospy_enter_thunk_end
	.hidden ospy_enter_thunk_end
	.type ospy_enter_thunk, @function
	.p2align 4
ospy_enter_thunk:
	.cfi_startproc
	.cfi_def_cfa_offset 8
	lea -THUNK_FRAME(%esp), %esp
	.cfi_adjust_cfa_offset THUNK_FRAME
	SAVE_GPRS
	cld
	mov %esp, %ebx
	.cfi_def_cfa_register %ebx
	and $-16, %esp
	sub $16, %esp
	mov THUNK_FRAME(%ebx), %eax
	mov %eax, (%esp)
	mov %ebx, 4(%esp)
	call ospy_interceptor_on_enter
	mov %ebx, %esp
	.cfi_def_cfa_register %esp
	mov %eax, THUNK_FRAME(%esp)
	RESTORE_XMM
	mov CTX_ECX(%esp), %ecx
	mov CTX_EDX(%esp), %edx
	mov CTX_EBX(%esp), %ebx
	mov CTX_EBP(%esp), %ebp
	mov CTX_ESI(%esp), %esi
	mov CTX_EDI(%esp), %edi
	RESTORE_FLAGS_EAX
	lea THUNK_FRAME(%esp), %esp
	.cfi_adjust_cfa_offset -THUNK_FRAME
	ret
	.cfi_endproc
ospy_enter_thunk_end:
	.size ospy_enter_thunk, .-ospy_enter_thunk

	.globl ospy_leave_thunk
	.hidden ospy_leave_thunk
	.globl ospy_leave_thunk_end
	.hidden ospy_leave_thunk_end
	.type ospy_leave_thunk, @function
	.p2align 4
	.cfi_startproc
	nop
ospy_leave_thunk:
	lea -4(%esp), %esp
	lea -THUNK_FRAME(%esp), %esp
	.cfi_def_cfa_offset THUNK_FRAME+4
	SAVE_GPRS
	fxam
	fnstsw %ax
	and $0x4500, %ax
	cmp $0x4100, %ax
	je 1f
	fstl CTX_ST0(%esp)
	fstpt THUNK_ST0_80(%esp)
	movl $1, CTX_ST0_VALID(%esp)
1:
	cld
	mov %esp, %ebx
	.cfi_def_cfa_register %ebx
	and $-16, %esp
	sub $16, %esp
	mov %ebx, (%esp)
	lea THUNK_FRAME(%ebx), %eax
	mov %eax, 4(%esp)
	call ospy_interceptor_on_leave
	mov %ebx, %esp
	.cfi_def_cfa_register %esp
	cmpl $0, CTX_ST0_VALID(%esp)
	je 2f
	fldt THUNK_ST0_80(%esp)
2:
	RESTORE_XMM
	mov CTX_ECX(%esp), %ecx
	mov CTX_EDX(%esp), %edx
	mov CTX_EBX(%esp), %ebx
	mov CTX_EBP(%esp), %ebp
	mov CTX_ESI(%esp), %esi
	mov CTX_EDI(%esp), %edi
	RESTORE_FLAGS_EAX
	lea THUNK_FRAME(%esp), %esp
	.cfi_adjust_cfa_offset -THUNK_FRAME
	ret
	.cfi_endproc
ospy_leave_thunk_end:
	.size ospy_leave_thunk, .-ospy_leave_thunk
	.section .note.GNU-stack,"",@progbits
