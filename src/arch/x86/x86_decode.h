/*
 * Internal to src/arch/x86: Capstone decoding and the instruction shapes the
 * relocator and the thunk resolver recognise from raw bytes. Not part of the
 * arch API; other directories use x86_relocator.h.
 */
#ifndef OSPY_ARCH_X86_DECODE_H
#define OSPY_ARCH_X86_DECODE_H

#include <capstone/capstone.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86/x86_relocator.h"

#define OSPY_X86_MAX_INSN_BYTES 15u

/* One Capstone handle (detail mode) and one instruction record. */
typedef struct ospy_x86_decoder {
  csh cs;
  cs_insn *insn;
} ospy_x86_decoder;

bool ospy_x86_dec_open(ospy_x86_decoder *d, ospy_x86_mode mode);
void ospy_x86_dec_close(ospy_x86_decoder *d);
/* Decodes one instruction at code (avail bytes) into d->insn. */
bool ospy_x86_dec_one(ospy_x86_decoder *d, const uint8_t *code, size_t avail, uint64_t addr);

typedef enum ospy_x86_kind {
  OSPY_X86_K_OTHER,
  OSPY_X86_K_JMP,     /* jmp rel8/rel32 */
  OSPY_X86_K_JCC,     /* jcc rel8/rel32 */
  OSPY_X86_K_CALL,    /* call rel32 */
  OSPY_X86_K_LOOP,    /* loop/loope/loopne/jecxz/jrcxz: rel8 only */
  OSPY_X86_K_END,     /* ret, indirect jmp, hlt, ud2, int3: nothing after it runs */
  OSPY_X86_K_BAD_REL, /* relative forms that cannot be moved (xbegin, 16-bit rel) */
} ospy_x86_kind;

typedef struct ospy_x86_shape {
  ospy_x86_kind kind;
  unsigned op;     /* offset of the first opcode byte */
  uint8_t rex;     /* 0 when none */
  bool opsize;     /* 0x66 prefix */
  unsigned cc;     /* OSPY_X86_K_JCC */
  uint64_t target; /* branch target (relative kinds) */
} ospy_x86_shape;

/* Classifies an instruction of size bytes at addr. */
ospy_x86_shape ospy_x86_classify(const uint8_t *b, unsigned size, uint64_t addr,
                                 ospy_x86_mode mode);
bool ospy_x86_is_legacy_prefix(uint8_t b);
bool ospy_x86_starts_with_endbr(const uint8_t *code, size_t avail, ospy_x86_mode mode);
/* Index of the moved instruction starting at offset off from pc, or -1. */
int ospy_x86_moved_index(const ospy_x86_reloc_plan *plan, uint64_t off);

static inline bool ospy_x86_is_rel_branch(ospy_x86_kind k) {
  return k == OSPY_X86_K_JMP || k == OSPY_X86_K_JCC || k == OSPY_X86_K_CALL ||
         k == OSPY_X86_K_LOOP;
}

/* Addresses wrap at 4GB in 32-bit code. */
static inline uint64_t ospy_x86_wrap(ospy_x86_mode mode, uint64_t addr) {
  return mode == OSPY_X86_MODE_64 ? addr : (addr & 0xffffffffu);
}

/* A little-endian rel8 or rel32, sign-extended. */
static inline int64_t ospy_x86_rel_at(const uint8_t *p, unsigned size) {
  if (size == 1) return (int8_t)p[0];
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

#endif
