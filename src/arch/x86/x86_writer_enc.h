/*
 * Internal to src/arch/x86: the writer's instruction encoder, shared by
 * x86_writer.c (state, encoder, labels) and x86_writer_insn.c (one function
 * per instruction shape). Not part of the arch API.
 */
#ifndef OSPY_ARCH_X86_WRITER_ENC_H
#define OSPY_ARCH_X86_WRITER_ENC_H

#include <string.h>

#include "arch/x86/x86_writer.h"

#define ENC_MAX 32

/* One instruction under construction. */
typedef struct enc {
  uint8_t b[ENC_MAX];
  unsigned n;
  int rip_field; /* offset of a RIP-relative disp32, -1 if none */
  uint64_t rip_target;
  int label_field; /* offset of a label displacement, -1 if none */
  uint8_t label_size;
  ospy_x86_label label;
  uint8_t mandatory; /* SSE prefix (F3/F2/66) that goes before REX, 0 if none */
  const char *error;
} enc;

/* A ModRM r/m operand: a register or memory. */
typedef struct rm_op {
  bool is_mem;
  ospy_x86_reg reg;
  ospy_x86_mem mem;
} rm_op;

static inline bool is64(const ospy_x86_writer *w) { return w->mode == OSPY_X86_MODE_64; }
static inline bool fits_i8(int64_t v) { return v >= -128 && v <= 127; }
static inline rm_op rm_reg(ospy_x86_reg reg) { return (rm_op){.is_mem = false, .reg = reg}; }
static inline rm_op rm_mem(ospy_x86_mem mem) { return (rm_op){.is_mem = true, .mem = mem}; }
static inline unsigned imm_size_for(unsigned width) {
  return width == 8 ? 1 : width == 16 ? 2 : 4;
}

static inline void enc_init(enc *e) {
  memset(e, 0, sizeof *e);
  e->rip_field = -1;
  e->label_field = -1;
}

static inline void enc_error(enc *e, const char *why) {
  if (!e->error) e->error = why;
}

static inline void enc_u8(enc *e, uint8_t v) {
  if (e->n >= ENC_MAX) {
    enc_error(e, "instruction too long");
    return;
  }
  e->b[e->n++] = v;
}

static inline void enc_le(enc *e, uint64_t v, unsigned size) {
  for (unsigned i = 0; i < size; i++) enc_u8(e, (uint8_t)(v >> (8 * i)));
}

/* Does imm fit an immediate field of this operand width (signed or unsigned)? */
static inline bool imm_fits_width(int32_t imm, unsigned width) {
  if (width == 8) return imm >= -128 && imm <= 255;
  if (width == 16) return imm >= -32768 && imm <= 65535;
  return true;
}

/* Does a 64-bit immediate fit a field of width bits, read as signed or unsigned? */
static inline bool imm64_fits_width(uint64_t imm, unsigned width) {
  if (width >= 64) return true;
  int64_t lo = -((int64_t)1 << (width - 1));
  return (imm >> width) == 0 || ((int64_t)imm < 0 && (int64_t)imm >= lo);
}

/* Sets the writer's sticky error (the first one wins). */
void ospy_x86_enc_fail(ospy_x86_writer *w, const char *why);
bool ospy_x86_enc_ensure_space(ospy_x86_writer *w, size_t n);
/* Is reg usable as a data register in this mode? */
void ospy_x86_enc_check_reg(const ospy_x86_writer *w, enc *e, ospy_x86_reg reg);
/* Prefixes + REX + opcode + ModRM/SIB/disp for "op reg_field, rm". width is
 * the operand size (16 adds 0x66, 64 adds REX.W; 0 or 8/32: neither).
 * reg_op is the register in the reg field, or NOREG with digit. */
void ospy_x86_enc_op_rm(const ospy_x86_writer *w, enc *e, unsigned width, const uint8_t *op,
                        unsigned nop, ospy_x86_reg reg_op, unsigned digit, const rm_op *rm);
/* Prefix + REX + opcode for instructions with the register in the opcode (B8+r, 50+r). */
void ospy_x86_enc_op_plus_reg(const ospy_x86_writer *w, enc *e, unsigned width, uint8_t op,
                              ospy_x86_reg reg);
/* Appends the instruction to the writer (all or nothing), fixing up RIP and labels. */
void ospy_x86_enc_commit(ospy_x86_writer *w, enc *e);
/* Emits "op reg, rm" (or op rm with /digit) followed by an immediate. */
void ospy_x86_enc_put_op_rm(ospy_x86_writer *w, unsigned width, const uint8_t *op, unsigned nop,
                            ospy_x86_reg reg_op, unsigned digit, rm_op rm, uint64_t imm,
                            unsigned imm_size);
void ospy_x86_enc_put_op1(ospy_x86_writer *w, uint8_t op, ospy_x86_reg reg_op, unsigned digit,
                          rm_op rm, unsigned width);
void ospy_x86_enc_put_op2(ospy_x86_writer *w, uint8_t op0, uint8_t op1, ospy_x86_reg reg_op,
                          rm_op rm, unsigned width);
/* Operand size of two same-width registers; fails (returns 0) on a mismatch. */
unsigned ospy_x86_enc_same_width(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b);

#endif
