/*
 * Where the code of a function first goes to other code: read in order from
 * its first byte, the first jmp or call that leaves it (conditional branches
 * passed over). What a C++ thunk does with its call is told by it: a thunk
 * that adjusts `this` and goes on into its method (`sub rdi, 16; jmp
 * D::fb(int)`, a call through the method's PLT stub), or one with a copy of
 * the method's code (g++ -O2), which leaves for no function or another.
 *
 * Capstone allocates (cs_open, detail records): for code that is not run
 * where malloc may be re-entered (the controller, hook installation).
 */
#ifndef OSPY_ARCH_X86_FIRST_BRANCH_H
#define OSPY_ARCH_X86_FIRST_BRANCH_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/x86_relocator.h"

typedef enum ospy_x86_goes {
  OSPY_X86_GOES_DIRECT,   /* a direct jmp or call: *where is its target */
  OSPY_X86_GOES_SLOT,     /* a jmp or call through the word at *where ([rip+d], [abs32]):
                             a PLT stub's GOT slot, -fno-plt's call through the GOT */
  OSPY_X86_GOES_GOT_SLOT, /* through [reg + d], no index (i386 PIC: the register holds
                             the GOT's address): *where is d */
  OSPY_X86_GOES_NOWHERE,  /* a ret, a jmp or call through a register, hlt, ud2 or int3
                             comes first: no function is named */
  OSPY_X86_GOES_UNKNOWN,  /* bytes that do not decode, or avail bytes (or 64
                             instructions) passed first */
} ospy_x86_goes;

/* The first jmp or call of the code at pc (avail bytes at code, a copy of
 * it). A call to the next instruction (`call $+5`, which reads the pc) and,
 * on i386, a call to a get_pc_thunk (`mov reg, [esp]; ret`, read through
 * read when outside code; read may be NULL) are passed over. */
ospy_x86_goes ospy_x86_first_branch(const uint8_t *code, size_t avail, uint64_t pc,
                                    ospy_x86_mode mode, ospy_x86_read_fn read, void *data,
                                    uint64_t *where);

#endif
