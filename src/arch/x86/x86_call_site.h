/*
 * Whether an address is a return address: the bytes just before it must end
 * with a call instruction (call rel32, or call r/m with any addressing form,
 * REX-prefixed on x86-64). What a stack-scanning unwinder uses to tell a
 * return address on the stack from a stray code pointer.
 */
#ifndef OSPY_ARCH_X86_CALL_SITE_H
#define OSPY_ARCH_X86_CALL_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSPY_X86_CALL_SITE_BYTES 8 /* bytes before the address the check reads */

/* before: the OSPY_X86_CALL_SITE_BYTES bytes preceding the address. */
bool ospy_x86_follows_call(const unsigned char before[OSPY_X86_CALL_SITE_BYTES], bool x64);

/* The target of a `call rel32` ending at addr, or 0 if the bytes before it
 * are not one. */
uintptr_t ospy_x86_call_rel32_target(const unsigned char before[OSPY_X86_CALL_SITE_BYTES],
                                     uintptr_t addr);

#define OSPY_X86_PC_THUNK_BYTES 4
/* Whether code starts with `mov (%esp), %reg; ret`: an i386 get_pc_thunk. */
bool ospy_x86_is_pc_thunk(const unsigned char code[OSPY_X86_PC_THUNK_BYTES]);

#endif
