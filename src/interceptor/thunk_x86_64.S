/*
 * x86-64 enter and leave thunks (static, shared by all hooks).
 *
 * enter: reached from a hook's stub with the hook pointer pushed above the
 * caller's return address. Saves every GPR, the flags and xmm0-7 into an
 * ospy_x64_context on the stack, calls ospy_interceptor_on_enter(hook, ctx),
 * restores everything (with the callbacks' changes) and jumps to the address
 * it returned (the trampoline), leaving the stack exactly as at the call.
 * The jump reads its target from just below rsp: safe, the x86-64 kernel
 * never writes a signal frame into the 128-byte red zone.
 *
 * leave: reached by `ret` from a hooked function whose return address
 * on_enter replaced with the leave thunk. When it did, enter does not jump
 * to the trampoline but calls it from the instruction right before the leave
 * thunk, with the stack as at the function's entry: the call stores the same
 * return address, the leave thunk, and the CPU's return-stack buffer now
 * predicts the function's ret (a replaced return address alone is a
 * mispredicted ret, ~10 ns here). Leave reserves a slot for the real return
 * address, saves everything, calls ospy_interceptor_on_leave(ctx, slot),
 * which fills the slot, restores and returns through it: the caller's own
 * return-stack entry is on top again, so that ret is predicted too.
 *
 * Both keep DF clear and the stack 16-byte aligned for C, whatever the
 * caller's alignment. CFI describes the frames so that an unwinder started
 * inside a callback can walk to the hooked function's caller.
 */
#include "interceptor/thunk_layout.h"
#include "interceptor/thunk_flags.inc"

/* Saves every GPR, the status flags and xmm0-7 into the ospy_x64_context at rsp
 * (the frame is reserved by the caller), clears DF, keeps the frame in rbx
 * (the CFA register while C runs) and aligns rsp for the call. */
	.macro SAVE_CONTEXT
	mov %rax, CTX_RAX(%rsp)
	mov %rcx, CTX_RCX(%rsp)
	COMPOSE_STATUS_FLAGS
	mov %rax, CTX_RFLAGS(%rsp)
	mov %rdx, CTX_RDX(%rsp)
	mov %rbx, CTX_RBX(%rsp)
	.cfi_rel_offset %rbx, CTX_RBX
	mov %rbp, CTX_RBP(%rsp)
	.cfi_rel_offset %rbp, CTX_RBP
	mov %rsi, CTX_RSI(%rsp)
	mov %rdi, CTX_RDI(%rsp)
	mov %r8, CTX_R8(%rsp)
	mov %r9, CTX_R9(%rsp)
	mov %r10, CTX_R10(%rsp)
	mov %r11, CTX_R11(%rsp)
	mov %r12, CTX_R12(%rsp)
	.cfi_rel_offset %r12, CTX_R12
	mov %r13, CTX_R13(%rsp)
	.cfi_rel_offset %r13, CTX_R13
	mov %r14, CTX_R14(%rsp)
	.cfi_rel_offset %r14, CTX_R14
	mov %r15, CTX_R15(%rsp)
	.cfi_rel_offset %r15, CTX_R15
	movdqu %xmm0, CTX_XMM+0(%rsp)
	movdqu %xmm1, CTX_XMM+16(%rsp)
	movdqu %xmm2, CTX_XMM+32(%rsp)
	movdqu %xmm3, CTX_XMM+48(%rsp)
	movdqu %xmm4, CTX_XMM+64(%rsp)
	movdqu %xmm5, CTX_XMM+80(%rsp)
	movdqu %xmm6, CTX_XMM+96(%rsp)
	movdqu %xmm7, CTX_XMM+112(%rsp)
	lea THUNK_FRAME+8(%rsp), %rax
	mov %rax, CTX_RSP(%rsp)
	cld
	mov %rsp, %rbx
	.cfi_def_cfa_register %rbx
	and $-16, %rsp
	.endm

/* Loads every register and the flags back from the context at rsp. */
	.macro RESTORE_CONTEXT
	movdqu CTX_XMM+0(%rsp), %xmm0
	movdqu CTX_XMM+16(%rsp), %xmm1
	movdqu CTX_XMM+32(%rsp), %xmm2
	movdqu CTX_XMM+48(%rsp), %xmm3
	movdqu CTX_XMM+64(%rsp), %xmm4
	movdqu CTX_XMM+80(%rsp), %xmm5
	movdqu CTX_XMM+96(%rsp), %xmm6
	movdqu CTX_XMM+112(%rsp), %xmm7
	mov CTX_RCX(%rsp), %rcx
	mov CTX_RDX(%rsp), %rdx
	mov CTX_RBX(%rsp), %rbx
	mov CTX_RBP(%rsp), %rbp
	mov CTX_RSI(%rsp), %rsi
	mov CTX_RDI(%rsp), %rdi
	mov CTX_R8(%rsp), %r8
	mov CTX_R9(%rsp), %r9
	mov CTX_R10(%rsp), %r10
	mov CTX_R11(%rsp), %r11
	mov CTX_R12(%rsp), %r12
	mov CTX_R13(%rsp), %r13
	mov CTX_R14(%rsp), %r14
	mov CTX_R15(%rsp), %r15
	RESTORE_STATUS_FLAGS CTX_RFLAGS, %rsp
	mov CTX_RAX(%rsp), %rax
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
	.cfi_def_cfa_offset 16
	lea -THUNK_FRAME(%rsp), %rsp
	.cfi_adjust_cfa_offset THUNK_FRAME
	SAVE_CONTEXT
	mov THUNK_FRAME(%rbx), %rdi
	mov %rbx, %rsi
	call ospy_interceptor_on_enter
	mov %rbx, %rsp
	.cfi_def_cfa_register %rsp
	mov %rax, THUNK_FRAME(%rsp)
	/* on_enter put the leave thunk in the return slot: call the function
	 * (below), so that its ret is predicted */
	lea ospy_leave_thunk(%rip), %rax
	cmp %rax, THUNK_FRAME+8(%rsp)
	je .Lcall_mode
	RESTORE_CONTEXT
	lea THUNK_FRAME+8(%rsp), %rsp
	.cfi_adjust_cfa_offset -(THUNK_FRAME+8)
	jmp *-8(%rsp)
	.cfi_adjust_cfa_offset THUNK_FRAME+8
.Lcall_mode:
	RESTORE_CONTEXT
	lea THUNK_FRAME+16(%rsp), %rsp
	.cfi_adjust_cfa_offset -(THUNK_FRAME+16)
	jmp ospy_call_through
	.cfi_endproc
ospy_enter_thunk_end:
	.size ospy_enter_thunk, .-ospy_enter_thunk

/* enter, for a hook at a place that may not be a function's entry (an
 * offset or signature no symbol shows to be one, a .cold part): there the
 * 128 bytes below rsp (the red zone) may hold the function's live locals,
 * which the enter stub and this frame would overwrite. The stub skips them
 * (lea -128(%rsp), %rsp) before it pushes the hook pointer; the context
 * says the function's own sp; the return to the trampoline is a ret that
 * takes the skip back (no call-through: a leave, when on_enter arms one,
 * comes by the replaced return address). */
	.globl ospy_enter_thunk_rz
	.hidden ospy_enter_thunk_rz
	.type ospy_enter_thunk_rz, @function
	.p2align 4
ospy_enter_thunk_rz:
	.cfi_startproc
	.cfi_def_cfa_offset 16+128
	lea -THUNK_FRAME(%rsp), %rsp
	.cfi_adjust_cfa_offset THUNK_FRAME
	SAVE_CONTEXT
	addq $128, CTX_RSP(%rbx)
	mov THUNK_FRAME(%rbx), %rdi
	mov %rbx, %rsi
	call ospy_interceptor_on_enter
	mov %rbx, %rsp
	.cfi_def_cfa_register %rsp
	mov %rax, THUNK_FRAME(%rsp)
	RESTORE_CONTEXT
	lea THUNK_FRAME(%rsp), %rsp
	.cfi_adjust_cfa_offset -THUNK_FRAME
	/* pops the trampoline's address, then the skip: rsp as at the hook */
	ret $128
	.cfi_endproc
	.size ospy_enter_thunk_rz, .-ospy_enter_thunk_rz

	.globl ospy_leave_thunk
	.hidden ospy_leave_thunk
	.globl ospy_leave_thunk_end
	.hidden ospy_leave_thunk_end
	.type ospy_leave_thunk, @function
	.p2align 4
	.cfi_startproc
	/* Reached with rsp just above the return slot (which the call below
	 * rewrites with the same value, the leave thunk) and the trampoline
	 * just below it: the function returns here by a ret the return-stack
	 * buffer predicts. Also keeps return address - 1 inside this FDE. */
ospy_call_through:
	call *-16(%rsp)
ospy_leave_thunk:
	.if ospy_leave_thunk - ospy_call_through - 4
	.error "the call-through must end exactly at ospy_leave_thunk"
	.endif
	lea -8(%rsp), %rsp
	lea -THUNK_FRAME(%rsp), %rsp
	.cfi_def_cfa_offset THUNK_FRAME+8
	SAVE_CONTEXT
	mov %rbx, %rdi
	lea THUNK_FRAME(%rbx), %rsi
	call ospy_interceptor_on_leave
	mov %rbx, %rsp
	.cfi_def_cfa_register %rsp
	RESTORE_CONTEXT
	lea THUNK_FRAME(%rsp), %rsp
	.cfi_adjust_cfa_offset -THUNK_FRAME
	ret
	.cfi_endproc
ospy_leave_thunk_end:
	.size ospy_leave_thunk, .-ospy_leave_thunk
	.section .note.GNU-stack,"",@progbits
