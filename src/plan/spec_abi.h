/*
 * Where a call's arguments and return value travel, for the spec table's
 * target (ptr_size 8: x86-64 System V; 4: i386 cdecl, stdcall, fastcall,
 * thiscall, regparm, clang's fastcc), structures passed and returned by
 * value included.
 * One set of rules for the agent (src/agent/marshal_args.c reads each value
 * where it says), the config loader (which refuses what cannot be decoded,
 * config_specs.c) and `ospy check` (which prints where a structure passed by
 * value is, config_plan.c).
 *
 * A structure by value is a user structure used without Ptr as an argument
 * or return type (`type="Pt"`; `PtPtr` is a pointer to one).
 *   x86-64: one of at most 16 bytes whose fields are all aligned is split in
 *     eightbytes, each INTEGER when any field in it is not a Float/Double (an
 *     integer, a pointer, bytes: a union's int beside its float too), else SSE;
 *     it takes the next general register (rdi, rsi, rdx, rcx, r8, r9) per
 *     INTEGER eightbyte and the next xmm register per SSE one, when enough of
 *     each are left for the whole structure; else (or larger, or with an
 *     unaligned field) it is copied to the stack argument area, 8-byte slots,
 *     in order with the other stack arguments, and the registers stay for the
 *     arguments after it. Returned: rax, rdx for INTEGER eightbytes and xmm0,
 *     xmm1 for SSE ones, in order; one in memory is written where the caller
 *     says: a hidden pointer in rdi (the arguments shift by one register),
 *     returned in rax.
 *   i386 (cdecl, stdcall): copied to the stack argument area, ceil(size/4)
 *     words; every structure is returned in memory (GCC's default on Linux):
 *     a hidden pointer as the first stack word, returned in eax (the callee
 *     pops it: `ret $4`). fastcall, thiscall, regparm and fastcc are not
 *     decoded (OSPY_LOC_UNKNOWN; the config refuses them).
 *
 * i386 fastcc, clang's convention for a local function (static, its address
 * not taken), as LLVM's CC_X86_32_FastCC: each 32-bit word of an integer
 * argument takes the next of ecx, edx (a 64-bit one ecx:edx, or edx and
 * the first stack word when ecx is taken), the rest goes on the stack, a
 * Double 8-byte aligned there; Float and Double on the stack (clang -m32
 * without SSE2, its default: with SSE2 the first three are in xmm0-2).
 * A spec with sse_floats (the agent's, for a local function built with SSE2
 * math) passes its first three Float and Double arguments in xmm0-2 under
 * either convention (GCC's sseregparm beside its regparm(3), clang's
 * fastcc), its integers in their registers as if they were not there.
 */
#ifndef OSPY_PLAN_SPEC_ABI_H
#define OSPY_PLAN_SPEC_ABI_H

#include <stdint.h>

#include "plan/spec.h"

/* The class of an eightbyte of a structure passed in registers. */
enum ospy_abi_class { OSPY_ABI_NO_CLASS = 0, OSPY_ABI_INTEGER, OSPY_ABI_SSE };

/* Why a structure by value cannot be decoded. */
enum ospy_abi_problem {
  OSPY_ABI_OK = 0,
  OSPY_ABI_UNDESCRIBED,  /* x86-64: an eightbyte that no field describes: its class,
                            so the register it is in, is unknown */
  OSPY_ABI_CONVENTION,   /* i386: a convention other than cdecl and stdcall */
  OSPY_ABI_NOT_STRUCT,   /* not a structure by value, or of no size */
};

/* How a structure travels by value. */
typedef struct ospy_abi_struct {
  uint32_t size;       /* its bytes */
  uint8_t in_memory;   /* on the stack (argument), through a hidden pointer (return) */
  uint8_t n;           /* in registers: its eightbytes (1 or 2) */
  uint8_t cls[2];      /* in registers: each eightbyte's enum ospy_abi_class */
  uint8_t problem;     /* enum ospy_abi_problem */
  uint8_t undescribed; /* OSPY_ABI_UNDESCRIBED: which eightbyte (0 or 1) */
} ospy_abi_struct;

/* Whether r is a structure by value (a user structure without Ptr). */
int ospy_abi_is_byval(const ospy_spec_table *t, const ospy_spec_typeref *r);
/* Its classification for the table's target (convention aside). */
ospy_abi_struct ospy_abi_classify(const ospy_spec_table *t, uint32_t type);

/* Where one value is. Stack words count from the first argument word (the
 * word after the return address: rsp + 8 + 8j, esp + 4 + 4j at entry). */
enum ospy_abi_loc_kind {
  OSPY_LOC_NONE = 0,     /* a computed argument (value="EXPR"): no parameter */
  OSPY_LOC_GP,           /* a general register: x86-64 rdi.. (reg[0] 0-5); i386 the
                            convention's register words (reg[0] 0-2: marshal.h) */
  OSPY_LOC_GP_PAIR,      /* i386 regparm, fastcc: a 64-bit integer in two register
                            words, reg[0] the low one */
  OSPY_LOC_SSE,          /* xmm reg[0] (i386: a spec with sse_floats) */
  OSPY_LOC_STACK,        /* stack word `stack` (words: 2 for an i386 64-bit value) */
  OSPY_LOC_STRUCT_REGS,  /* a structure in registers: eightbyte k in cls[k]'s
                            register reg[k] (GP rdi.., or xmm; return: rax, rdx /
                            xmm0, xmm1) */
  OSPY_LOC_STRUCT_STACK, /* a structure copied to the stack from word `stack`, `words` long */
  OSPY_LOC_STRUCT_MEMORY,/* a returned structure in the caller's memory, its address in
                            rax/eax at return (passed as the hidden first argument) */
  OSPY_LOC_UNKNOWN,      /* a structure by value that cannot be decoded (abi.problem) */
  OSPY_LOC_GP_STACK,     /* i386 fastcc: a 64-bit integer's low word in register word
                            reg[0], its high word in stack word `stack` */
};

typedef struct ospy_abi_loc {
  uint8_t kind;        /* enum ospy_abi_loc_kind */
  uint8_t n;           /* STRUCT_REGS: eightbytes */
  uint8_t reg[2];
  uint8_t cls[2];
  uint16_t stack;      /* STACK, STRUCT_STACK: first stack word */
  uint16_t words;      /* STACK, STRUCT_STACK: stack words taken */
  uint32_t size;       /* a structure's bytes */
  uint8_t problem;     /* UNKNOWN: enum ospy_abi_problem */
  uint8_t undescribed; /* UNKNOWN by OSPY_ABI_UNDESCRIBED: the eightbyte */
} ospy_abi_loc;

/* The arguments of fn, in order: start, then next() for each argument i. */
typedef struct ospy_abi_walk {
  const ospy_spec_fn *fn;
  unsigned gp, sse, stack; /* the next general register (i386: register word), xmm
                              register and stack word */
  unsigned nreg;           /* i386: the convention's register words */
  int in_regs;             /* i386: the listed arguments take them (fastcall, regparm) */
  int hidden_ret;          /* the return value is a structure in memory: its address
                              is the first argument (before a method's `this`) */
} ospy_abi_walk;

void ospy_abi_start(ospy_abi_walk *w, const ospy_spec_fn *fn);
ospy_abi_loc ospy_abi_next(ospy_abi_walk *w, uint32_t i);
/* Where fn's return value is when it is a structure by value (OSPY_LOC_NONE
   for anything else: the return register, as before). */
ospy_abi_loc ospy_abi_return(const ospy_spec_fn *fn);

/* i386: the register words a convention passes before the stack words
   (fastcall and fastcc ecx, edx; thiscall ecx; regparm(N) eax, edx, ecx), 0
   for cdecl and stdcall. */
unsigned ospy_abi_reg_words(int callconv);

#endif
