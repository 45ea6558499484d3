/* long ospy_os_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
 * A raw system call that touches no libc code (and so no hooked function and no
 * errno): returns the kernel's result, -errno on failure. */
	.text
	.globl ospy_os_syscall
	.hidden ospy_os_syscall
	.type ospy_os_syscall, @function
ospy_os_syscall:
	.cfi_startproc
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	syscall
	ret
	.cfi_endproc
	.size ospy_os_syscall, .-ospy_os_syscall
	.section .note.GNU-stack,"",@progbits
