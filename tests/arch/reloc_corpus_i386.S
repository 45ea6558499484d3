/*
 * i386 functions with prologues that are hard to move, for the relocator's
 * execution test (test_relocator_exec.c). cdecl: one long argument at
 * 4(%esp), result in %eax. Position-independent (the test may be a PIE).
 */
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
        .p2align 2
rc_data:        .long 1000

        .text

/* the classic PIC thunk: ebx = return address */
        .type rc_get_pc_thunk_bx, @function
rc_get_pc_thunk_bx:
        movl (%esp), %ebx
        ret
        .size rc_get_pc_thunk_bx, . - rc_get_pc_thunk_bx

/* a helper called from prologues: returns 7 */
FUNC rc_helper
        movl $7, %eax
        ret
END rc_helper

/* tail-call target: 2 * arg */
FUNC rc_target
        movl 4(%esp), %eax
        addl %eax, %eax
        ret
END rc_target

/* get_pc_thunk in the prologue: arg + rc_data (1000) via the GOT */
FUNC rc_pc_thunk
        pushl %ebx
        call rc_get_pc_thunk_bx
        addl $_GLOBAL_OFFSET_TABLE_, %ebx
        movl rc_data@GOTOFF(%ebx), %eax
        addl 8(%esp), %eax
        popl %ebx
        ret
END rc_pc_thunk

/* call $+5; pop: arg + rc_data, addressed from the popped pc */
FUNC rc_call_pop
        call 1f
1:      popl %ecx
        leal (rc_data - 1b)(%ecx), %ecx
        movl (%ecx), %eax
        addl 4(%esp), %eax
        ret
END rc_call_pop

/* endbr32 entry: 2 * arg + 1 */
FUNC rc_endbr
        endbr32
        pushl %ebp
        movl %esp, %ebp
        movl 8(%ebp), %eax
        leal 1(%eax, %eax), %eax
        popl %ebp
        ret
END rc_endbr

/* short jcc in the first bytes: arg ? arg + 1 : 42 */
FUNC rc_short_jcc
        movl 4(%esp), %eax
        testl %eax, %eax
        je 1f
        incl %eax
        ret
1:      movl $42, %eax
        ret
END rc_short_jcc

/* a call in the prologue: helper() + arg */
FUNC rc_call
        call rc_helper
        addl 4(%esp), %eax
        ret
END rc_call

/* jecxz to outside the moved bytes (jump island): arg ? arg + 5 : 99 */
FUNC rc_jecxz
        movl 4(%esp), %ecx
        jecxz 1f
        leal 5(%ecx), %eax
        ret
1:      movl $99, %eax
        ret
END rc_jecxz

/* a backward jcc inside the first 10 bytes: max(arg, 1) */
FUNC rc_inner_loop
        movl 4(%esp), %ecx
        xorl %eax, %eax
1:      incl %eax
        cmpl %ecx, %eax
        jl 1b
        ret
END rc_inner_loop

/* tail call: rc_target(arg + 3) */
FUNC rc_tail_jmp
        addl $3, 4(%esp)
        jmp rc_target
END rc_tail_jmp

/* 1 and 3 bytes, each followed at once by the next function (no padding
 * the jump could cover): too short */
FUNC rc_one_byte
        ret
END rc_one_byte
PACKED rc_three_bytes
        xorl %eax, %eax
        ret
END rc_three_bytes
PACKED rc_after_short
        pushl %ebx
        popl %ebx
        movl 4(%esp), %eax
        ret
END rc_after_short

/* 3 bytes, then the alignment padding before the next function: the jump
 * covers it */
FUNC rc_three_padded
        xorl %eax, %eax
        ret
END rc_three_padded

/* a loop whose branch goes back into the first bytes */
FUNC rc_branch_back
        xorl %eax, %eax
1:      addl $2, %eax
        decl 4(%esp)
        jg 1b
        ret
END rc_branch_back

/* a jump thunk (as left by some linkers and wrappers) */
FUNC rc_jmp_thunk
        jmp rc_target
END rc_jmp_thunk

/* a jump thunk to a PIC PLT stub (jmp [ebx+x]: its GOT depends on the
 * caller's ebx): followed, it would hook the stub every caller shares */
FUNC rc_to_pic_plt
        jmp rc_pic_plt
END rc_to_pic_plt
FUNC rc_pic_plt
        jmp *12(%ebx)
END rc_pic_plt

        /* the relocator may read past the last function */
        .fill 256, 1, 0xcc

        /* Non-executable stack. No .note.gnu.property: these functions are
         * called through pointers without endbr, so they must not claim IBT
         * (the toolchain here does not default to -fcf-protection, so the
         * link does not warn; with it, the test binary is simply not CET). */
        .section .note.GNU-stack, "", @progbits
