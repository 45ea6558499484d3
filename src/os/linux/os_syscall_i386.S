/* long ospy_os_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
 * A raw system call through int $0x80 that touches no libc code (no hooked
 * function, no errno): returns the kernel's result, -errno on failure. */
	.text
	.globl ospy_os_syscall
	.hidden ospy_os_syscall
	.type ospy_os_syscall, @function
ospy_os_syscall:
	.cfi_startproc
	push %ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebp, 0
	push %edi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %edi, 0
	push %esi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %esi, 0
	push %ebx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebx, 0
	mov 20(%esp), %eax
	mov 24(%esp), %ebx
	mov 28(%esp), %ecx
	mov 32(%esp), %edx
	mov 36(%esp), %esi
	mov 40(%esp), %edi
	mov 44(%esp), %ebp
	int $0x80
	pop %ebx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebx
	pop %esi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %esi
	pop %edi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %edi
	pop %ebp
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebp
	ret
	.cfi_endproc
	.size ospy_os_syscall, .-ospy_os_syscall
	.section .note.GNU-stack,"",@progbits
