/*
 * Which operand of which instruction a 32-bit word of code is: the
 * displacement or the immediate of an instruction that holds it exactly
 * there, found by decoding (Capstone) the instructions that could start
 * before it. A config points at such a word with a constructor's signature
 * (docs/config.md, <vtable ctorSigOffset>): the vtable address the
 * constructor stores into its object, which compilers encode as
 *   lea rdx, [rip + vtable]          x86-64 PIC/PIE: rip-relative disp32
 *   mov qword [rdi], vtable          x86-64 non-PIE: sign-extended imm32
 *   mov edx, vtable                  non-PIE -O0: imm32 (zero-extended)
 *   mov dword [eax], vtable          i386 non-PIE: absolute imm32
 *   lea edx, [edx + vtable@GOTOFF]   i386 PIC/PIE: base register = the GOT
 *   mov rax, [rip + vtable@GOTPCREL] x86-64 -fPIC: the address in a GOT slot
 *   mov eax, [ebx + vtable@GOT]      i386 -fPIC: the same through the GOT register
 * What the word's value then means (the GOT's address, what a slot holds)
 * is the caller's to work out: this says how the instruction uses it.
 *
 * Capstone allocates (cs_open, detail records): for hook-installation code,
 * not for a context where malloc may be re-entered.
 */
#ifndef OSPY_ARCH_X86_WORD_OPERAND_H
#define OSPY_ARCH_X86_WORD_OPERAND_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/x86_writer.h"

/* What the word is in its instruction. */
typedef enum ospy_x86_word_kind {
  OSPY_X86_WORD_IMM,  /* an immediate: value = as the instruction uses it, zero- or
                         sign-extended to its operand size (mov qword [rdi], imm32 is
                         sign-extended, mov edx, imm32 zero-extended) */
  OSPY_X86_WORD_RIP,  /* a rip-relative memory operand's displacement: value = the
                         address it names (the instruction's end + disp) */
  OSPY_X86_WORD_ABS,  /* a memory operand with neither base nor index register: value =
                         the absolute address (disp; sign-extended on x86-64) */
  OSPY_X86_WORD_BASE, /* [base + disp], no index: value = disp (sign-extended); the base
                         register's value is not known here (i386 PIC code: the GOT) */
} ospy_x86_word_kind;

/* What the instruction does with the value or the address. */
typedef enum ospy_x86_word_use {
  OSPY_X86_USE_VALUE, /* the value itself is what it computes or stores: lea's address,
                         mov's or push's immediate */
  OSPY_X86_USE_LOAD,  /* it loads the word at the address into a register (mov reg, [m],
                         push [m]): a pointer kept in memory (a GOT slot) */
  OSPY_X86_USE_OTHER, /* anything else (arithmetic, a compare, a store to the address,
                         an indexed operand): not an address the code takes */
} ospy_x86_word_use;

typedef struct ospy_x86_word_operand {
  ospy_x86_word_kind kind;
  ospy_x86_word_use use;
  uint64_t value;  /* see the kinds; wrapped to 32 bits in i386 code */
  int64_t then_added; /* what the code adds to the register the instruction sets, in the
                         first instruction after it that reads that register (add reg, imm;
                         lea r, [reg + disp]): lea rax, [rip + _ZTV]; add rax, 16 is a GOT
                         load the linker relaxed, giving the _ZTV symbol; 0 when that
                         instruction does anything else, when the instruction sets no
                         register, when the register is set again or the code branches
                         first, within OSPY_X86_WORD_FOLLOW instructions or the code given */
  unsigned start;  /* the instruction's offset in the code given */
  unsigned size;   /* its length in bytes */
  char text[112];  /* the instruction as Capstone prints it: "lea rdx, [rip + 0x2bdf]" */
} ospy_x86_word_operand;

/* The longest x86 instruction: how far before the word one may start, and
 * end after it (a disp32 followed by an imm32). */
#define OSPY_X86_WORD_REACH 15u
/* How many instructions after it are looked at for then_added, and the
 * bytes after the word a caller gives for them. */
#define OSPY_X86_WORD_FOLLOW 8u
#define OSPY_X86_WORD_AFTER 64u

/*
 * The instructions of code (size bytes, its first byte at address addr)
 * that have a 4-byte displacement or a 4- or 8-byte immediate starting at
 * offset word: up to max of them into out, the likeliest first; returns how
 * many it wrote. Several starts can decode to such an instruction (48 8D 15 d32
 * is lea rdx, [rip + d32], its tail 8D 15 d32 lea edx, [rip + d32], and 15
 * d32 adc eax, imm32): first the one met by decoding instruction after
 * instruction from offset from (a known instruction start, as where a
 * signature matched; SIZE_MAX or past word: none), then the others, those
 * starting farther back (longer, prefixes included) first. None: no such
 * instruction (data, or bytes Capstone does not know).
 */
size_t ospy_x86_word_operands(const uint8_t *code, size_t size, size_t word, uint64_t addr,
                              size_t from, ospy_x86_mode mode, ospy_x86_word_operand *out,
                              size_t max);

#endif
