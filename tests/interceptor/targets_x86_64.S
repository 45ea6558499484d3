/*
 * Hand-written x86-64 hook targets with hard prologues, and the register
 * checker. Every function has a .size so the relocator knows its end.
 */
	.text

#define FUNC(name) .globl name; .type name, @function; .p2align 4; name:
/* right after the previous function, without alignment */
#define PACKED(name) .globl name; .type name, @function; name:
#define END(name) .size name, .-name

/* RIP-relative load first: returns 1000 + rdi. */
FUNC(tgt_rip_load)
	mov tgt_value(%rip), %rax
	add %rdi, %rax
	ret
END(tgt_rip_load)

/* Short jcc in the first bytes: rdi + 1, or -1 when rdi == 0. */
FUNC(tgt_short_jcc)
	test %rdi, %rdi
	jz 1f
	lea 1(%rdi), %rax
	ret
1:	mov $-1, %rax
	ret
END(tgt_short_jcc)

/* Short jmp in the first bytes: rdi + 2. */
FUNC(tgt_short_jmp)
	mov %rdi, %rax
	jmp 1f
	int3
	int3
1:	add $2, %rax
	ret
END(tgt_short_jmp)

FUNC(tgt_helper7)
	mov $7, %eax
	ret
END(tgt_helper7)

/* A call in the prologue: 7 + rdi. */
FUNC(tgt_call_first)
	call tgt_helper7
	add %rdi, %rax
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
	mov %rdi, %rax
	ret
END(tgt_after_short)

/* 3 bytes, then alignment padding: the jump covers the padding. Returns 0. */
FUNC(tgt_three_padded)
	xor %eax, %eax
	ret
END(tgt_three_padded)

/* Branch back into the first 5 bytes: returns rdi (rdi >= 1). */
FUNC(tgt_branch_back)
	xor %eax, %eax
1:	add $1, %rax
	cmp %rdi, %rax
	jb 1b
	ret
END(tgt_branch_back)

/* endbr64 entry: rdi + 3. */
FUNC(tgt_endbr)
	endbr64
	lea 3(%rdi), %rax
	ret
END(tgt_endbr)

/* Tail-call thunk: rdi + 4. */
FUNC(tgt_tail_thunk)
	jmp tgt_tail_target
END(tgt_tail_thunk)
FUNC(tgt_tail_target)
	mov %rdi, %rax
	add $4, %rax
	ret
END(tgt_tail_target)

/* A jmp padded to 8 bytes to a tail too short to patch (4 bytes, the next
 * function right after it): the entry itself is hooked, the jmp relocated.
 * Returns 7. */
FUNC(tgt_jmp_to_short)
	jmp 1f
	int3; int3; int3; int3; int3; int3
1:	push $7
	pop %rax
	ret
END(tgt_jmp_to_short)
PACKED(tgt_after_jmp_short)
	mov %rdi, %rax
	ret
END(tgt_after_jmp_short)

/* The same without padding: neither the tail nor the entry can be patched. */
FUNC(tgt_jmp_to_short_nopad)
	jmp 1f
1:	push $7
	pop %rax
	ret
END(tgt_jmp_to_short_nopad)
PACKED(tgt_after_short_nopad)
	mov %rdi, %rax
	ret
END(tgt_after_short_nopad)

/* A jmp into the middle of its function, where code before the jump's target
 * branches back into the target's first bytes: refused (branch back, from
 * earlier in the same function). Returns rdi (rdi >= 1). */
FUNC(tgt_jmp_into_loop)
	jmp 1f
2:	cmp %rdi, %rax
	jae 3f
	jmp 4f
1:	xor %eax, %eax
4:	add $1, %rax
	jmp 2b
3:	ret
END(tgt_jmp_into_loop)

/* tgt_jmp_into_loop again without a dynamic symbol (.hidden: not exported,
 * as dladdr sees a stripped file's functions): the branch back is named by
 * its module and offset, and not said to be outside the function (it was).
 * tgt_jil_hidden_branch: the branch, for the test to name. Returns rdi (rdi >= 1). */
	.globl tgt_jmp_into_loop_hidden
	.hidden tgt_jmp_into_loop_hidden
	.globl tgt_jil_hidden_branch
	.hidden tgt_jil_hidden_branch
	.type tgt_jmp_into_loop_hidden, @function
	.p2align 4
tgt_jmp_into_loop_hidden:
	jmp 1f
2:	cmp %rdi, %rax
	jae 3f
tgt_jil_hidden_branch:
	jmp 4f
1:	xor %eax, %eax
4:	add $1, %rax
	jmp 2b
3:	ret
END(tgt_jmp_into_loop_hidden)

/* PLT-style indirect jump through a slot: rdi + 5. */
FUNC(tgt_plt_stub)
	jmp *tgt_slot(%rip)
END(tgt_plt_stub)
FUNC(tgt_plt_target)
	mov %rdi, %rax
	add $5, %rax
	ret
END(tgt_plt_target)

/* call $+5; pop: returns its own address + 5 - 5 = tgt_call_next address + rdi*0. */
FUNC(tgt_call_next)
	call 1f
1:	pop %rax
	sub $5, %rax
	ret
END(tgt_call_next)

/* [eip+x] (0x67 prefix) first: the low 32 bits of &tgt_value + edi. */
FUNC(tgt_eip_lea)
	addr32 lea tgt_value(%eip), %eax
	add %edi, %eax
	ret
END(tgt_eip_lea)

/* rsp stored through a RIP-relative operand: rdi. Cannot go through a
 * scratch register (its save would move rsp): refused when far. */
FUNC(tgt_rsp_rip)
	mov %rsp, tgt_saved_sp(%rip)
	mov tgt_saved_sp(%rip), %rax
	sub %rsp, %rax
	add %rdi, %rax
	ret
END(tgt_rsp_rip)

/* EVEX (AVX-512) RIP-relative load first: only relocated and its
 * trampoline decoded (this CPU may have no AVX-512). */
FUNC(tgt_evex_rip)
	vmovdqu64 regcheck_vec(%rip), %zmm16
	vmovq %xmm16, %rax
	ret
END(tgt_evex_rip)

/*
 * Register checker. regcheck_run(fn) loads every GPR, xmm0-7 and the flags
 * with known values and calls fn (regcheck_target, possibly hooked);
 * regcheck_target records what it receives in regcheck_entry, then sets the
 * return registers and other flags; regcheck_run records all registers after
 * the return in regcheck_after. Layout of both: rax rcx rdx rbx rsp rbp rsi
 * rdi r8..r15 rflags, then xmm0..7 (16 bytes each) at offset 17*8.
 */
#define SAVE_ALL(buf) \
	mov %rax, buf+0(%rip); mov %rcx, buf+8(%rip); mov %rdx, buf+16(%rip); \
	mov %rbx, buf+24(%rip); mov %rsp, buf+32(%rip); mov %rbp, buf+40(%rip); \
	mov %rsi, buf+48(%rip); mov %rdi, buf+56(%rip); mov %r8, buf+64(%rip); \
	mov %r9, buf+72(%rip); mov %r10, buf+80(%rip); mov %r11, buf+88(%rip); \
	mov %r12, buf+96(%rip); mov %r13, buf+104(%rip); mov %r14, buf+112(%rip); \
	mov %r15, buf+120(%rip); pushfq; popq buf+128(%rip); \
	movdqu %xmm0, buf+136(%rip); movdqu %xmm1, buf+152(%rip); \
	movdqu %xmm2, buf+168(%rip); movdqu %xmm3, buf+184(%rip); \
	movdqu %xmm4, buf+200(%rip); movdqu %xmm5, buf+216(%rip); \
	movdqu %xmm6, buf+232(%rip); movdqu %xmm7, buf+248(%rip)

FUNC(regcheck_target)
	SAVE_ALL(regcheck_entry)
	mov $0x5e5e5e5e5e5e5e5e, %rax
	mov $0x6d6d6d6d6d6d6d6d, %rdx
	movdqu regcheck_ret_xmm(%rip), %xmm0
	movdqu regcheck_ret_xmm+16(%rip), %xmm1
	pushq $0x0846   /* OF ZF PF, CF clear */
	popfq
	ret
END(regcheck_target)

/*
 * Register checker targets that start with an SSE/AVX instruction reading a
 * RIP-relative operand: an immediate after the disp32 (pshufd, vpshufd,
 * vpblendd), VEX 3-operand forms (vpxor, vpblendd with VEX3). Each stores
 * its result in regcheck_vec_out (xmm8 is not one of the checked
 * registers), then continues as regcheck_target. At least 14 bytes move
 * with them: they can also be hooked through an absolute jump.
 */
FUNC(regcheck_sse_imm8)
	pshufd $0x1b, regcheck_vec(%rip), %xmm8
	movdqu %xmm8, regcheck_vec_out(%rip)
	jmp regcheck_target
END(regcheck_sse_imm8)
FUNC(regcheck_vex_imm8)
	vpshufd $0x1b, regcheck_vec(%rip), %xmm8
	vmovdqu %xmm8, regcheck_vec_out(%rip)
	jmp regcheck_target
END(regcheck_vex_imm8)
FUNC(regcheck_vex_3op)
	vpxor regcheck_vec(%rip), %xmm0, %xmm8
	vmovdqu %xmm8, regcheck_vec_out(%rip)
	jmp regcheck_target
END(regcheck_vex_3op)
FUNC(regcheck_vex3_imm8)
	vpblendd $0x05, regcheck_vec(%rip), %ymm0, %ymm8
	vmovdqu %xmm8, regcheck_vec_out(%rip)
	vzeroupper
	jmp regcheck_target
END(regcheck_vex3_imm8)

FUNC(regcheck_run)
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	sub $8, %rsp
	mov %rdi, regcheck_fn(%rip)
	movdqu regcheck_in_xmm+0(%rip), %xmm0
	movdqu regcheck_in_xmm+16(%rip), %xmm1
	movdqu regcheck_in_xmm+32(%rip), %xmm2
	movdqu regcheck_in_xmm+48(%rip), %xmm3
	movdqu regcheck_in_xmm+64(%rip), %xmm4
	movdqu regcheck_in_xmm+80(%rip), %xmm5
	movdqu regcheck_in_xmm+96(%rip), %xmm6
	movdqu regcheck_in_xmm+112(%rip), %xmm7
	mov $0x1010101010101010, %rax
	mov $0x1111111111111111, %rcx
	mov $0x1212121212121212, %rdx
	mov $0x1313131313131313, %rbx
	mov $0x1515151515151515, %rbp
	mov $0x1616161616161616, %rsi
	mov $0x1717171717171717, %rdi
	mov $0x1818181818181818, %r8
	mov $0x1919191919191919, %r9
	mov $0x1a1a1a1a1a1a1a1a, %r10
	mov $0x1b1b1b1b1b1b1b1b, %r11
	mov $0x1c1c1c1c1c1c1c1c, %r12
	mov $0x1d1d1d1d1d1d1d1d, %r13
	mov $0x1e1e1e1e1e1e1e1e, %r14
	mov $0x1f1f1f1f1f1f1f1f, %r15
	pushq $0x08d5   /* OF SF ZF AF PF CF */
	popfq
	call *regcheck_fn(%rip)
	SAVE_ALL(regcheck_after)
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
END(regcheck_run)

/*
 * Entered from elsewhere inside the bytes a hook's jump covers: each
 * returns 2 * rdi + 7, and its jumper (for rdi >= 0) comes in at +3 with
 * rax = rdi. By a rel32 jmp 70 KB away (beyond what the hook builder
 * decodes around a function: gcc's `.cold` fragments), by a lea of the
 * address and an indirect jmp, by a jump table's entry (a RELATIVE
 * relocation in a PIE). A hook of any of them must be refused, the code
 * left as it is.
 */
FUNC(tgt_far_entered)
	mov %rdi, %rax
.Lfar_mid:
	add %rax, %rax
	add $7, %rax
	ret
END(tgt_far_entered)

FUNC(tgt_lea_entered)
	mov %rdi, %rax
.Llea_mid:
	add %rax, %rax
	add $7, %rax
	ret
END(tgt_lea_entered)

FUNC(tgt_table_entered)
	mov %rdi, %rax
.Ltable_mid:
	add %rax, %rax
	add $7, %rax
	ret
END(tgt_table_entered)

	.fill 70000, 1, 0xcc

FUNC(tgt_far_jumper)
	mov %rdi, %rax
	test %rdi, %rdi
	jns .Lfar_mid
	mov $-1, %rax
	ret
END(tgt_far_jumper)

FUNC(tgt_lea_jumper)
	mov %rdi, %rax
	lea .Llea_mid(%rip), %rcx
	jmp *%rcx
END(tgt_lea_jumper)

FUNC(tgt_table_jumper)
	mov %rdi, %rax
	jmp *tgt_table(%rip)
END(tgt_table_jumper)

	.section .data.rel.ro, "aw"
	.p2align 3
tgt_table:	.quad .Ltable_mid
	.text

	.data
	.p2align 4
	.globl tgt_value
tgt_value:	.quad 1000
tgt_slot:	.quad tgt_plt_target
regcheck_fn:	.quad 0
tgt_saved_sp:	.quad 0
	.globl regcheck_in_xmm
regcheck_in_xmm:
	.quad 0xa0a0a0a0a0a0a0a0, 0xa1a1a1a1a1a1a1a1, 0xa2a2a2a2a2a2a2a2, 0xa3a3a3a3a3a3a3a3
	.quad 0xa4a4a4a4a4a4a4a4, 0xa5a5a5a5a5a5a5a5, 0xa6a6a6a6a6a6a6a6, 0xa7a7a7a7a7a7a7a7
	.quad 0xa8a8a8a8a8a8a8a8, 0xa9a9a9a9a9a9a9a9, 0xaaaaaaaaaaaaaaaa, 0xabababababababab
	.quad 0xacacacacacacacac, 0xadadadadadadadad, 0xaeaeaeaeaeaeaeae, 0xafafafafafafafaf
	.p2align 4	/* pshufd's memory operand must be aligned */
	.globl regcheck_vec
regcheck_vec:	.long 0x11111111, 0x22222222, 0x33333333, 0x44444444
	.long 0x55555555, 0x66666666, 0x77777777, 0x88888888
	.globl regcheck_vec_out
regcheck_vec_out:	.zero 16
	.globl regcheck_ret_xmm
regcheck_ret_xmm:
	.quad 0xb0b0b0b0b0b0b0b0, 0xb1b1b1b1b1b1b1b1, 0xb2b2b2b2b2b2b2b2, 0xb3b3b3b3b3b3b3b3
	.globl regcheck_entry
regcheck_entry:	.zero 264
	.globl regcheck_after
regcheck_after:	.zero 264
	.section .note.GNU-stack,"",@progbits
