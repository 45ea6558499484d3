/*
 * Functions with prologues that are hard to move, for the relocator's
 * execution test (test_relocator_exec.c). Each takes one long (rdi) and
 * returns a long; the test relocates the first bytes, calls the copy and
 * compares with the original. Every function has an _end label so the test
 * knows its size, as a symbol table would.
 */
        .intel_syntax noprefix

        .macro FUNC name
        .globl \name
        .type \name, @function
        .p2align 4
\name:
        .endm

/* a function right after the previous one, without alignment */
        .macro PACKED name
        .globl \name
        .type \name, @function
\name:
        .endm

        .macro END name
        .globl \name\()_end
\name\()_end:
        .size \name, . - \name
        .endm

        .data
        .p2align 3
rc_data:        .quad 1000
rc_slot:        .quad 0
rc_table:       .quad 11, 22, 33, 44
rc_got:         .quad rc_target     /* a GOT entry for the PLT-style jump */

        .text

/* a helper called from prologues: returns 7, clobbers only rax */
FUNC rc_helper
        mov eax, 7
        ret
END rc_helper

/* tail-call and PLT target: 2 * rdi */
FUNC rc_target
        lea rax, [rdi + rdi]
        ret
END rc_target

/* RIP-relative load as the first instruction: rdi + 1000 */
FUNC rc_rip_load
        mov rax, qword ptr [rip + rc_data]
        add rax, rdi
        ret
END rc_rip_load

/* RIP-relative lea, then an indexed load: table[rdi & 3] */
FUNC rc_rip_lea
        lea rax, [rip + rc_table]
        and rdi, 3
        mov rax, qword ptr [rax + rdi * 8]
        ret
END rc_rip_lea

/* RIP-relative compare with an immediate after the displacement: rdi == 1000 */
FUNC rc_rip_cmp
        cmp qword ptr [rip + rc_data], 1000
        jne 1f
        lea rax, [rdi + 1]
        ret
1:      xor eax, eax
        ret
END rc_rip_cmp

/* RIP-relative store then load: rdi + 1 */
FUNC rc_rip_store
        mov qword ptr [rip + rc_slot], rdi
        mov rax, qword ptr [rip + rc_slot]
        add rax, 1
        ret
END rc_rip_store

/* SSE load from a RIP-relative address: rdi + 1000 */
FUNC rc_rip_sse
        movq xmm0, qword ptr [rip + rc_data]
        movq rax, xmm0
        add rax, rdi
        ret
END rc_rip_sse

/* short jcc in the first bytes: rdi ? rdi + 1 : 42 */
FUNC rc_short_jcc
        test rdi, rdi
        je 1f
        lea rax, [rdi + 1]
        ret
1:      mov eax, 42
        ret
END rc_short_jcc

/* a call in the prologue: helper() + rdi */
FUNC rc_call
        call rc_helper
        add rax, rdi
        ret
END rc_call

/* call $+5; pop: the popped value is where the code really is: rdi */
FUNC rc_call_pop
        call 1f
1:      pop rax
        lea rcx, [rip + 1b]
        sub rax, rcx
        add rax, rdi
        ret
END rc_call_pop

/* endbr64 entry: 2 * rdi + 1 */
FUNC rc_endbr
        endbr64
        push rbp
        mov rbp, rsp
        lea rax, [rdi + rdi + 1]
        pop rbp
        ret
END rc_endbr

/* jrcxz to outside the moved bytes (jump island): rdi ? rdi + 5 : 99 */
FUNC rc_jrcxz
        mov rcx, rdi
        jrcxz 1f
        lea rax, [rdi + 5]
        ret
1:      mov eax, 99
        ret
END rc_jrcxz

/* a backward jcc that stays inside the first 10 bytes: max(rdi, 1) */
FUNC rc_inner_loop
        xor eax, eax
1:      inc rax
        cmp rax, rdi
        jl 1b
        ret
END rc_inner_loop

/* tail call: rc_target(rdi + 3) */
FUNC rc_tail_jmp
        add rdi, 3
        jmp rc_target
END rc_tail_jmp

/* PLT-style indirect jump through a GOT slot: rc_target(rdi) */
FUNC rc_plt_jmp
        jmp qword ptr [rip + rc_got]
END rc_plt_jmp

/* 1 and 3 bytes, each followed at once by the next function (no padding
 * the jump could cover): too short */
FUNC rc_one_byte
        ret
END rc_one_byte
PACKED rc_three_bytes
        xor eax, eax
        ret
END rc_three_bytes
PACKED rc_after_short
        push rbx
        pop rbx
        mov rax, rdi
        ret
END rc_after_short

/* 3 bytes, then the alignment padding before the next function: the jump
 * covers it */
FUNC rc_three_padded
        xor eax, eax
        ret
END rc_three_padded

/* a loop whose branch goes back into the first bytes */
FUNC rc_branch_back
        xor eax, eax
1:      add rax, 2
        dec rdi
        jg 1b
        ret
END rc_branch_back

/* a jump thunk (as left by some linkers and wrappers) */
FUNC rc_jmp_thunk
        jmp rc_target
END rc_jmp_thunk

/* a jump thunk to a PLT stub whose slot is not bound yet (lazy binding:
 * it leads to the push-and-jump stub): followed, it would hook the stub
 * every caller of the module shares */
FUNC rc_to_lazy
        jmp rc_lazy_plt
END rc_to_lazy
FUNC rc_lazy_plt
        jmp qword ptr [rip + rc_lazy_slot]
rc_lazy_push:                   /* push imm32, as ld writes it */
        .byte 0x68
        .long 3
        jmp rc_target
END rc_lazy_plt

        .data
        .p2align 3
rc_lazy_slot:   .quad rc_lazy_push
        .text

        /* the relocator may read past the last function */
        .fill 256, 1, 0xcc

        /* Non-executable stack. No .note.gnu.property: these functions are
         * called through pointers without endbr, so they must not claim IBT
         * (the toolchain here does not default to -fcf-protection, so the
         * link does not warn; with it, the test binary is simply not CET). */
        .section .note.GNU-stack, "", @progbits
