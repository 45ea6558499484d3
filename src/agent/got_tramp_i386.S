/* GOT hook trampoline, i386 (cdecl). Entered from a per-hook stub that pushed
 * the hook: [esp] = hook, [esp+4] = return address, [esp+8] = arguments.
 * esi holds the frame across the original call (it may be stdcall). */
#include "agent/got_frame.h"

#define FRAME (OSPY_GF_STACK_COPY + OSPY_GF_SIZE + 16)

  .text
  .globl ospy_got_entry
  .hidden ospy_got_entry
  .type ospy_got_entry, @function
ospy_got_entry:
  pushl %ebp
  movl %esp, %ebp            /* [ebp+4] hook, [ebp+8] return, [ebp+12] args */
  pushl %esi
  subl $FRAME, %esp
  andl $-16, %esp
  leal OSPY_GF_STACK_COPY(%esp), %esi
  movl %eax, OSPY_GF_EAX(%esi)
  movl %ecx, OSPY_GF_ECX(%esi)
  movl %edx, OSPY_GF_EDX(%esi)
  movl 4(%ebp), %eax
  movl %eax, OSPY_GF_HOOK(%esi)
  movl 8(%ebp), %eax
  movl %eax, OSPY_GF_RET_ADDR(%esi)
  leal 12(%ebp), %eax
  movl %eax, OSPY_GF_STACK_ARGS(%esi)
  movl $0, OSPY_GF_ST0_VALID(%esi)
  movl %esi, (%esp)
  call ospy_got_on_enter
  xorl %ecx, %ecx
1:
  movl 12(%ebp,%ecx,4), %eax
  movl %eax, (%esp,%ecx,4)
  incl %ecx
  cmpl $16, %ecx
  jb 1b
  movl OSPY_GF_EAX(%esi), %eax
  movl OSPY_GF_ECX(%esi), %ecx
  movl OSPY_GF_EDX(%esi), %edx
  call *OSPY_GF_TARGET(%esi)
  movl %eax, OSPY_GF_RETVAL(%esi)
  movl %edx, OSPY_GF_RETVAL2(%esi)
  fnstsw %ax
  andw $0x3800, %ax          /* x87 TOP != 0: a float/double is being returned */
  jz 2f
  fstpl OSPY_GF_ST0(%esi)
  movl $1, OSPY_GF_ST0_VALID(%esi)
2:
  leal -OSPY_GF_STACK_COPY(%esi), %esp
  movl %esi, (%esp)
  call ospy_got_on_leave
  cmpl $0, OSPY_GF_ST0_VALID(%esi)
  je 3f
  fldl OSPY_GF_ST0(%esi)
3:
  movl OSPY_GF_RETVAL(%esi), %eax
  movl OSPY_GF_RETVAL2(%esi), %edx
  movl -4(%ebp), %esi
  movl %ebp, %esp
  popl %ebp
  leal 4(%esp), %esp         /* drop the hook the stub pushed */
  ret
  .size ospy_got_entry, .-ospy_got_entry
  .section .note.GNU-stack,"",@progbits
