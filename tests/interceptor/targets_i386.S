/*
 * Hand-written i386 hook targets with hard prologues, and the register
 * checker (see targets_x86_64.S). cdecl: the argument is at 4(%esp).
 * Linked without PIE (absolute addresses below).
 */
	.text

#define FUNC(name) .globl name; .type name, @function; .p2align 4; name:
/* right after the previous function, without alignment */
#define PACKED(name) .globl name; .type name, @function; name:
#define END(name) .size name, .-name

/* get_pc idiom first, then a pc-relative load: 1000 + arg. */
FUNC(tgt_rip_load)
	call 1f
1:	pop %ecx
	mov tgt_value-1b(%ecx), %eax
	add 4(%esp), %eax
	ret
END(tgt_rip_load)

/* Short jcc in the first bytes: arg + 1, or -1 when arg == 0. */
FUNC(tgt_short_jcc)
	clc
	jnc 1f
	ud2
1:	mov 4(%esp), %eax
	test %eax, %eax
	jz 2f
	inc %eax
	ret
2:	mov $-1, %eax
	ret
END(tgt_short_jcc)

/* Short jmp in the first bytes: arg + 2. */
FUNC(tgt_short_jmp)
	mov 4(%esp), %eax
	jmp 1f
	int3
	int3
1:	add $2, %eax
	ret
END(tgt_short_jmp)

FUNC(tgt_helper7)
	mov $7, %eax
	ret
END(tgt_helper7)

/* A call in the prologue: 7 + arg. */
FUNC(tgt_call_first)
	call tgt_helper7
	add 4(%esp), %eax
	ret
END(tgt_call_first)

/* Too short: 1 and 3 bytes, each followed at once by the next function
 * (no alignment padding the jump could cover). */
FUNC(tgt_one_byte)
	ret
END(tgt_one_byte)
PACKED(tgt_three_byte)
	xor %eax, %eax
	ret
END(tgt_three_byte)
PACKED(tgt_after_short)
	mov 4(%esp), %eax
	ret
END(tgt_after_short)

/* 3 bytes, then alignment padding: the jump covers the padding. Returns 0. */
FUNC(tgt_three_padded)
	xor %eax, %eax
	ret
END(tgt_three_padded)

/* Branch back into the first 5 bytes: returns arg (arg >= 1). */
FUNC(tgt_branch_back)
	xor %eax, %eax
1:	inc %eax
	cmp 4(%esp), %eax
	jb 1b
	ret
END(tgt_branch_back)

/* endbr32 entry: arg + 3. */
FUNC(tgt_endbr)
	endbr32
	mov 4(%esp), %eax
	add $3, %eax
	ret
END(tgt_endbr)

FUNC(tgt_tail_thunk)
	jmp tgt_tail_target
END(tgt_tail_thunk)
FUNC(tgt_tail_target)
	mov 4(%esp), %eax
	add $4, %eax
	ret
END(tgt_tail_target)

/* A jmp padded to 8 bytes to a tail too short to patch (4 bytes, the next
 * function right after it): the entry itself is hooked, the jmp relocated.
 * Returns 7. */
FUNC(tgt_jmp_to_short)
	jmp 1f
	int3; int3; int3; int3; int3; int3
1:	push $7
	pop %eax
	ret
END(tgt_jmp_to_short)
PACKED(tgt_after_jmp_short)
	mov 4(%esp), %eax
	ret
END(tgt_after_jmp_short)

/* The same without padding: neither the tail nor the entry can be patched. */
FUNC(tgt_jmp_to_short_nopad)
	jmp 1f
1:	push $7
	pop %eax
	ret
END(tgt_jmp_to_short_nopad)
PACKED(tgt_after_short_nopad)
	mov 4(%esp), %eax
	ret
END(tgt_after_short_nopad)

/* A jmp into the middle of its function, where code before the jump's target
 * branches back into the target's first bytes: refused (branch back, from
 * earlier in the same function). Returns arg (arg >= 1). */
FUNC(tgt_jmp_into_loop)
	jmp 1f
2:	cmp 4(%esp), %eax
	jae 3f
	jmp 4f
1:	xor %eax, %eax
4:	inc %eax
	jmp 2b
3:	ret
END(tgt_jmp_into_loop)

/* tgt_jmp_into_loop again without a dynamic symbol (.hidden: not exported,
 * as dladdr sees a stripped file's functions): the branch back is named by
 * its module and offset, and not said to be outside the function (it was).
 * tgt_jil_hidden_branch: the branch, for the test to name. Returns arg (arg >= 1). */
	.globl tgt_jmp_into_loop_hidden
	.hidden tgt_jmp_into_loop_hidden
	.globl tgt_jil_hidden_branch
	.hidden tgt_jil_hidden_branch
	.type tgt_jmp_into_loop_hidden, @function
	.p2align 4
tgt_jmp_into_loop_hidden:
	jmp 1f
2:	cmp 4(%esp), %eax
	jae 3f
tgt_jil_hidden_branch:
	jmp 4f
1:	xor %eax, %eax
4:	inc %eax
	jmp 2b
3:	ret
END(tgt_jmp_into_loop_hidden)

/* PLT-style indirect jump through a slot: arg + 5. */
FUNC(tgt_plt_stub)
	jmp *tgt_slot
END(tgt_plt_stub)
FUNC(tgt_plt_target)
	mov 4(%esp), %eax
	add $5, %eax
	ret
END(tgt_plt_target)

/* call $+5; pop: returns its own address. */
FUNC(tgt_call_next)
	call 1f
1:	pop %eax
	sub $5, %eax
	ret
END(tgt_call_next)

/* Register checker: layout eax ecx edx ebx esp ebp esi edi eflags. */
#define SAVE_ALL(buf) \
	mov %eax, buf+0; mov %ecx, buf+4; mov %edx, buf+8; mov %ebx, buf+12; \
	mov %esp, buf+16; mov %ebp, buf+20; mov %esi, buf+24; mov %edi, buf+28; \
	pushfl; popl buf+32

FUNC(regcheck_target)
	SAVE_ALL(regcheck_entry)
	mov $0x5e5e5e5e, %eax
	mov $0x6d6d6d6d, %edx
	fldl regcheck_two_and_half
	pushl $0x0846
	popfl
	ret
END(regcheck_target)

FUNC(regcheck_run)
	push %ebx
	push %ebp
	push %esi
	push %edi
	mov 20(%esp), %eax
	mov %eax, regcheck_fn
	mov $0x10101010, %eax
	mov $0x11111111, %ecx
	mov $0x12121212, %edx
	mov $0x13131313, %ebx
	mov $0x15151515, %ebp
	mov $0x16161616, %esi
	mov $0x17171717, %edi
	pushl $0x08d5
	popfl
	call *regcheck_fn
	SAVE_ALL(regcheck_after)
	fstpl regcheck_after_st0
	pop %edi
	pop %esi
	pop %ebp
	pop %ebx
	ret
END(regcheck_run)

/*
 * Entered from elsewhere inside the bytes a hook's jump covers (see
 * targets_x86_64.S): 2 * arg + 7, the jumpers come in at +4 with eax = arg.
 * By a rel32 jmp 70 KB away, by an absolute address taken for an indirect
 * jmp (`mov $label, %ecx`: this file is linked without PIE), by a jump
 * table's absolute entry.
 */
FUNC(tgt_far_entered)
	mov 4(%esp), %eax
.Lfar_mid:
	add %eax, %eax
	add $7, %eax
	ret
END(tgt_far_entered)

FUNC(tgt_lea_entered)
	mov 4(%esp), %eax
.Llea_mid:
	add %eax, %eax
	add $7, %eax
	ret
END(tgt_lea_entered)

FUNC(tgt_table_entered)
	mov 4(%esp), %eax
.Ltable_mid:
	add %eax, %eax
	add $7, %eax
	ret
END(tgt_table_entered)

	.fill 70000, 1, 0xcc

FUNC(tgt_far_jumper)
	mov 4(%esp), %eax
	test %eax, %eax
	jns .Lfar_mid
	mov $-1, %eax
	ret
END(tgt_far_jumper)

FUNC(tgt_lea_jumper)
	mov 4(%esp), %eax
	mov $.Llea_mid, %ecx
	jmp *%ecx
END(tgt_lea_jumper)

FUNC(tgt_table_jumper)
	mov 4(%esp), %eax
	jmp *tgt_table
END(tgt_table_jumper)

	.section .rodata
	.p2align 2
tgt_table:	.long .Ltable_mid
	.text

	.data
	.p2align 4
	.globl tgt_value
tgt_value:	.long 1000
tgt_slot:	.long tgt_plt_target
regcheck_fn:	.long 0
regcheck_two_and_half:	.double 2.5
	.globl regcheck_after_st0
regcheck_after_st0:	.double 0
	.globl regcheck_entry
regcheck_entry:	.zero 36
	.globl regcheck_after
regcheck_after:	.zero 36
	.section .note.GNU-stack,"",@progbits
