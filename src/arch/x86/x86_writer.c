/*
 * x86 instruction writer. Each put_* function builds one instruction in a
 * small local encoder (so an instruction is either written whole or not at
 * all), then commits it to the caller's buffer. RIP-relative displacements and
 * label references are fixed up at commit time, when the final length and
 * address of the instruction are known.
 */
#include "arch/x86/x86_writer.h"

#include <string.h>

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
  const char *error;
} enc;

/* A ModRM r/m operand: a register or memory. */
typedef struct rm_op {
  bool is_mem;
  ospy_x86_reg reg;
  ospy_x86_mem mem;
} rm_op;

/* ---- registers ---------------------------------------------------------- */

unsigned ospy_x86_reg_width(ospy_x86_reg reg) {
  if (reg <= OSPY_X86_R15) return 64;
  if (reg <= OSPY_X86_R15D) return 32;
  if (reg <= OSPY_X86_R15W) return 16;
  if (reg <= OSPY_X86_R15B) return 8;
  return 0;
}

unsigned ospy_x86_reg_index(ospy_x86_reg reg) {
  if (reg > OSPY_X86_R15B) return 0;
  return (unsigned)reg % 16u;
}

ospy_x86_reg ospy_x86_reg_with_width(ospy_x86_reg reg, unsigned width) {
  if (reg > OSPY_X86_R15B) return OSPY_X86_NOREG;
  unsigned idx = ospy_x86_reg_index(reg);
  switch (width) {
  case 64: return (ospy_x86_reg)(OSPY_X86_RAX + idx);
  case 32: return (ospy_x86_reg)(OSPY_X86_EAX + idx);
  case 16: return (ospy_x86_reg)(OSPY_X86_AX + idx);
  case 8: return (ospy_x86_reg)(OSPY_X86_AL + idx);
  default: return OSPY_X86_NOREG;
  }
}

static bool is_gpr(ospy_x86_reg reg) { return reg <= OSPY_X86_R15B; }

/* SPL, BPL, SIL, DIL: only addressable with a REX prefix. */
static bool needs_rex_byte(ospy_x86_reg reg) {
  unsigned idx = ospy_x86_reg_index(reg);
  return ospy_x86_reg_width(reg) == 8 && idx >= 4 && idx <= 7;
}

bool ospy_x86_rel32_reachable(uint64_t from_end, uint64_t target) {
  int64_t delta = (int64_t)(target - from_end);
  return delta >= INT32_MIN && delta <= INT32_MAX;
}

/* ---- memory operand constructors ---------------------------------------- */

ospy_x86_mem ospy_x86_mem_base_disp(ospy_x86_reg base, int32_t disp) {
  return (ospy_x86_mem){.base = base, .index = OSPY_X86_NOREG, .scale = 1, .disp = disp};
}

ospy_x86_mem ospy_x86_mem_index(ospy_x86_reg base, ospy_x86_reg index, uint8_t scale,
                                int32_t disp) {
  return (ospy_x86_mem){.base = base, .index = index, .scale = scale, .disp = disp};
}

ospy_x86_mem ospy_x86_mem_rip_abs(uint64_t target) {
  return (ospy_x86_mem){.base = OSPY_X86_RIP, .index = OSPY_X86_NOREG, .scale = 1,
                        .rip_absolute = true, .disp_abs = target};
}

ospy_x86_mem ospy_x86_mem_abs32(uint32_t address) {
  return (ospy_x86_mem){.base = OSPY_X86_NOREG, .index = OSPY_X86_NOREG, .scale = 1,
                        .disp = (int32_t)address};
}

/* ---- writer state ------------------------------------------------------- */

void ospy_x86_writer_init(ospy_x86_writer *w, void *buf, size_t capacity, uint64_t pc,
                          ospy_x86_mode mode) {
  memset(w, 0, sizeof *w);
  w->buf = buf;
  w->capacity = capacity;
  w->pc0 = pc;
  w->mode = mode;
  if (mode != OSPY_X86_MODE_32 && mode != OSPY_X86_MODE_64) {
    w->failed = true;
    w->error = "unknown writer mode";
  }
}

uint64_t ospy_x86_writer_pc(const ospy_x86_writer *w) { return w->pc0 + w->len; }
size_t ospy_x86_writer_offset(const ospy_x86_writer *w) { return w->len; }
bool ospy_x86_writer_ok(const ospy_x86_writer *w) { return !w->failed; }
const char *ospy_x86_writer_error(const ospy_x86_writer *w) {
  return w->failed ? w->error : NULL;
}

static void fail(ospy_x86_writer *w, const char *why) {
  if (!w->failed) {
    w->failed = true;
    w->error = why;
  }
}

static bool is64(const ospy_x86_writer *w) { return w->mode == OSPY_X86_MODE_64; }

/* ---- encoder ------------------------------------------------------------ */

static void enc_init(enc *e) {
  memset(e, 0, sizeof *e);
  e->rip_field = -1;
  e->label_field = -1;
}

static void enc_error(enc *e, const char *why) {
  if (!e->error) e->error = why;
}

static void enc_u8(enc *e, uint8_t v) {
  if (e->n >= ENC_MAX) {
    enc_error(e, "instruction too long");
    return;
  }
  e->b[e->n++] = v;
}

static void enc_le(enc *e, uint64_t v, unsigned size) {
  for (unsigned i = 0; i < size; i++) enc_u8(e, (uint8_t)(v >> (8 * i)));
}

/* Is reg usable as a data register in this mode? */
static void check_reg(const ospy_x86_writer *w, enc *e, ospy_x86_reg reg) {
  if (!is_gpr(reg)) {
    enc_error(e, "not a general-purpose register");
    return;
  }
  if (is64(w)) return;
  if (ospy_x86_reg_index(reg) >= 8) enc_error(e, "R8-R15 do not exist in 32-bit mode");
  else if (ospy_x86_reg_width(reg) == 64) enc_error(e, "64-bit register in 32-bit mode");
  else if (needs_rex_byte(reg)) enc_error(e, "SPL/BPL/SIL/DIL do not exist in 32-bit mode");
}

/* Address registers must have the mode's address width (32 in 64-bit mode
 * adds an address-size prefix). */
static bool addr_reg_ok(const ospy_x86_writer *w, enc *e, ospy_x86_reg reg, bool *addr32) {
  if (reg == OSPY_X86_NOREG) return true;
  check_reg(w, e, reg);
  unsigned width = ospy_x86_reg_width(reg);
  if (is64(w) && width == 32) {
    *addr32 = true;
    return true;
  }
  if (width != (is64(w) ? 64u : 32u)) {
    enc_error(e, "address register has the wrong width");
    return false;
  }
  return true;
}

static int scale_bits(uint8_t scale) {
  switch (scale) {
  case 1: return 0;
  case 2: return 1;
  case 4: return 2;
  case 8: return 3;
  default: return -1;
  }
}

static bool fits_i8(int64_t v) { return v >= -128 && v <= 127; }

/* Prefixes + REX + opcode + ModRM/SIB/disp for "op reg_field, rm". width is
 * the operand size (16 adds 0x66, 64 adds REX.W; 0 or 8/32: neither).
 * reg_op is the register in the reg field, or NOREG with digit. */
static void enc_op_rm(const ospy_x86_writer *w, enc *e, unsigned width, const uint8_t *op,
                      unsigned nop, ospy_x86_reg reg_op, unsigned digit, const rm_op *rm) {
  unsigned reg_field = digit;
  bool force_rex = false, addr32 = false;
  unsigned rex = 0;
  if (reg_op != OSPY_X86_NOREG) {
    check_reg(w, e, reg_op);
    reg_field = ospy_x86_reg_index(reg_op);
    force_rex |= needs_rex_byte(reg_op);
  }
  if (width == 64) {
    if (!is64(w)) enc_error(e, "64-bit operand in 32-bit mode");
    rex |= 8;
  }
  if (reg_field & 8) rex |= 4;
  const ospy_x86_mem *m = rm->is_mem ? &rm->mem : NULL;
  if (!m) {
    check_reg(w, e, rm->reg);
    force_rex |= needs_rex_byte(rm->reg);
    if (ospy_x86_reg_index(rm->reg) & 8) rex |= 1;
  } else if (m->base == OSPY_X86_RIP) {
    if (!is64(w)) enc_error(e, "RIP-relative operand in 32-bit mode");
    if (m->index != OSPY_X86_NOREG) enc_error(e, "RIP-relative operand cannot have an index");
  } else {
    addr_reg_ok(w, e, m->base, &addr32);
    addr_reg_ok(w, e, m->index, &addr32);
    if (m->index != OSPY_X86_NOREG && ospy_x86_reg_index(m->index) == 4)
      enc_error(e, "RSP cannot be an index register");
    if (m->index != OSPY_X86_NOREG && scale_bits(m->scale) < 0)
      enc_error(e, "scale must be 1, 2, 4 or 8");
    if (m->base != OSPY_X86_NOREG && (ospy_x86_reg_index(m->base) & 8)) rex |= 1;
    if (m->index != OSPY_X86_NOREG && (ospy_x86_reg_index(m->index) & 8)) rex |= 2;
  }
  if (e->error) return;
  if (addr32) enc_u8(e, 0x67);
  if (width == 16) enc_u8(e, 0x66);
  if (rex || force_rex) enc_u8(e, (uint8_t)(0x40 | rex));
  for (unsigned i = 0; i < nop; i++) enc_u8(e, op[i]);

  unsigned r = (reg_field & 7) << 3;
  if (!m) {
    enc_u8(e, (uint8_t)(0xC0 | r | (ospy_x86_reg_index(rm->reg) & 7)));
    return;
  }
  if (m->base == OSPY_X86_RIP) {
    enc_u8(e, (uint8_t)(0x05 | r));
    if (m->rip_absolute) { /* fixed up in commit(), once the length is known */
      e->rip_field = (int)e->n;
      e->rip_target = m->disp_abs;
    }
    enc_le(e, (uint32_t)m->disp, 4);
    return;
  }
  bool has_index = m->index != OSPY_X86_NOREG;
  unsigned sib_index = has_index ? (ospy_x86_reg_index(m->index) & 7) : 4;
  unsigned sib_scale = has_index ? (unsigned)scale_bits(m->scale) : 0;
  if (m->base == OSPY_X86_NOREG) {
    if (!has_index && !is64(w)) {
      enc_u8(e, (uint8_t)(0x05 | r)); /* [disp32] */
    } else {
      /* SIB with no base: [index*scale + disp32], or [disp32] in 64-bit mode
       * (where rm=101 would mean RIP-relative). */
      enc_u8(e, (uint8_t)(0x04 | r));
      enc_u8(e, (uint8_t)((sib_scale << 6) | (sib_index << 3) | 5));
    }
    enc_le(e, (uint32_t)m->disp, 4);
    return;
  }
  unsigned base = ospy_x86_reg_index(m->base) & 7;
  unsigned mod;
  if (m->disp == 0 && base != 5) mod = 0; /* RBP/R13 with mod 00 mean something else */
  else if (fits_i8(m->disp)) mod = 1;
  else mod = 2;
  if (has_index || base == 4) { /* RSP/R12 as base need a SIB byte */
    enc_u8(e, (uint8_t)((mod << 6) | r | 4));
    enc_u8(e, (uint8_t)((sib_scale << 6) | (sib_index << 3) | base));
  } else {
    enc_u8(e, (uint8_t)((mod << 6) | r | base));
  }
  if (mod == 1) enc_u8(e, (uint8_t)(int8_t)m->disp);
  else if (mod == 2) enc_le(e, (uint32_t)m->disp, 4);
}

/* Prefix + REX for instructions with the register in the opcode (B8+r, 50+r). */
static void enc_op_plus_reg(const ospy_x86_writer *w, enc *e, unsigned width, uint8_t op,
                            ospy_x86_reg reg) {
  check_reg(w, e, reg);
  unsigned rex = 0;
  if (width == 64) {
    if (!is64(w)) enc_error(e, "64-bit operand in 32-bit mode");
    rex |= 8;
  }
  if (ospy_x86_reg_index(reg) & 8) rex |= 1;
  if (e->error) return;
  if (width == 16) enc_u8(e, 0x66);
  if (rex || needs_rex_byte(reg)) enc_u8(e, (uint8_t)(0x40 | rex));
  enc_u8(e, (uint8_t)(op + (ospy_x86_reg_index(reg) & 7)));
}

static bool ensure_space(ospy_x86_writer *w, size_t n) {
  if (w->failed) return false;
  if (w->capacity - w->len < n) {
    fail(w, "buffer full");
    return false;
  }
  return true;
}

static void commit(ospy_x86_writer *w, enc *e) {
  if (w->failed) return;
  if (e->error) {
    fail(w, e->error);
    return;
  }
  if (!ensure_space(w, e->n)) return;
  if (e->rip_field >= 0) {
    uint64_t end = ospy_x86_writer_pc(w) + e->n;
    if (!ospy_x86_rel32_reachable(end, e->rip_target)) {
      fail(w, "RIP-relative target out of +-2GB range");
      return;
    }
    uint32_t disp = (uint32_t)(e->rip_target - end);
    memcpy(&e->b[e->rip_field], &disp, 4);
  }
  if (e->label_field >= 0) {
    if (w->n_refs >= OSPY_X86_WRITER_MAX_REFS) {
      fail(w, "label reference table full");
      return;
    }
    w->refs[w->n_refs++] = (ospy_x86_label_ref){
        .label = e->label, .field = (uint32_t)(w->len + (size_t)e->label_field),
        .size = e->label_size, .next = (uint32_t)(w->len + e->n)};
  }
  memcpy(w->buf + w->len, e->b, e->n);
  w->len += e->n;
}

static rm_op rm_reg(ospy_x86_reg reg) { return (rm_op){.is_mem = false, .reg = reg}; }
static rm_op rm_mem(ospy_x86_mem mem) { return (rm_op){.is_mem = true, .mem = mem}; }

/* Emits "op reg, rm" (or op rm with /digit) followed by an immediate. */
static void put_op_rm(ospy_x86_writer *w, unsigned width, const uint8_t *op, unsigned nop,
                      ospy_x86_reg reg_op, unsigned digit, rm_op rm, uint64_t imm,
                      unsigned imm_size) {
  enc e;
  enc_init(&e);
  enc_op_rm(w, &e, width, op, nop, reg_op, digit, &rm);
  enc_le(&e, imm, imm_size);
  commit(w, &e);
}

static void put_op1(ospy_x86_writer *w, uint8_t op, ospy_x86_reg reg_op, unsigned digit,
                    rm_op rm, unsigned width) {
  put_op_rm(w, width, &op, 1, reg_op, digit, rm, 0, 0);
}

static void put_op2(ospy_x86_writer *w, uint8_t op0, uint8_t op1, ospy_x86_reg reg_op,
                    rm_op rm, unsigned width) {
  uint8_t op[2] = {op0, op1};
  put_op_rm(w, width, op, 2, reg_op, 0, rm, 0, 0);
}

/* Operand size of a one-register-width instruction; fails on a mismatch. */
static unsigned same_width(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b) {
  unsigned wa = ospy_x86_reg_width(a), wb = ospy_x86_reg_width(b);
  if (wa == 0 || wa != wb) {
    fail(w, "register operands have different widths");
    return 0;
  }
  return wa;
}

/* ---- labels ------------------------------------------------------------- */

ospy_x86_label ospy_x86_writer_new_label(ospy_x86_writer *w) {
  if (w->n_labels >= OSPY_X86_WRITER_MAX_LABELS) {
    fail(w, "label table full");
    return 0;
  }
  w->label_offset[w->n_labels] = -1;
  return w->n_labels++;
}

void ospy_x86_writer_put_label(ospy_x86_writer *w, ospy_x86_label label) {
  if (label >= w->n_labels) {
    fail(w, "unknown label");
    return;
  }
  if (w->label_offset[label] >= 0) {
    fail(w, "label placed twice");
    return;
  }
  w->label_offset[label] = (int64_t)w->len;
}

bool ospy_x86_writer_flush(ospy_x86_writer *w) {
  if (w->failed) return false;
  for (uint32_t i = 0; i < w->n_refs; i++) {
    const ospy_x86_label_ref *ref = &w->refs[i];
    if (ref->label >= w->n_labels || w->label_offset[ref->label] < 0) {
      fail(w, "branch to a label that was never placed");
      return false;
    }
    int64_t rel = w->label_offset[ref->label] - (int64_t)ref->next;
    if (ref->size == 1) {
      if (!fits_i8(rel)) {
        fail(w, "label out of rel8 range");
        return false;
      }
      w->buf[ref->field] = (uint8_t)(int8_t)rel;
    } else {
      uint32_t v = (uint32_t)(int32_t)rel;
      memcpy(w->buf + ref->field, &v, 4);
    }
  }
  w->n_refs = 0;
  return true;
}

/* Branch to a label: short form if the label is behind us and near. */
static void put_branch_label(ospy_x86_writer *w, const uint8_t *op8, unsigned n8,
                             const uint8_t *op32, unsigned n32, ospy_x86_label label) {
  if (label >= w->n_labels) {
    fail(w, "unknown label");
    return;
  }
  enc e;
  enc_init(&e);
  int64_t at = w->label_offset[label];
  bool short_ok = at >= 0 && fits_i8(at - (int64_t)(w->len + n8 + 1));
  if (short_ok || !op32) {
    for (unsigned i = 0; i < n8; i++) enc_u8(&e, op8[i]);
    e.label_size = 1;
  } else {
    for (unsigned i = 0; i < n32; i++) enc_u8(&e, op32[i]);
    e.label_size = 4;
  }
  e.label_field = (int)e.n;
  e.label = label;
  enc_le(&e, 0, e.label_size);
  commit(w, &e);
}

void ospy_x86_writer_put_jmp_label(ospy_x86_writer *w, ospy_x86_label label) {
  static const uint8_t op8[] = {0xEB}, op32[] = {0xE9};
  put_branch_label(w, op8, 1, op32, 1, label);
}

void ospy_x86_writer_put_jcc_label(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_label label) {
  uint8_t op8[] = {(uint8_t)(0x70 | (cc & 15))};
  uint8_t op32[] = {0x0F, (uint8_t)(0x80 | (cc & 15))};
  put_branch_label(w, op8, 1, op32, 2, label);
}

void ospy_x86_writer_put_rel8_label(ospy_x86_writer *w, const uint8_t *opcode, size_t n,
                                    ospy_x86_label label) {
  if (n > 4) {
    fail(w, "rel8 opcode too long");
    return;
  }
  put_branch_label(w, opcode, (unsigned)n, NULL, 0, label);
}

/* ---- raw bytes, nops, misc ---------------------------------------------- */

void ospy_x86_writer_put_bytes(ospy_x86_writer *w, const void *bytes, size_t n) {
  if (!ensure_space(w, n)) return;
  memcpy(w->buf + w->len, bytes, n);
  w->len += n;
}

void ospy_x86_writer_put_nop(ospy_x86_writer *w, size_t n) {
  static const uint8_t nops[9][9] = {
      {0x90},
      {0x66, 0x90},
      {0x0F, 0x1F, 0x00},
      {0x0F, 0x1F, 0x40, 0x00},
      {0x0F, 0x1F, 0x44, 0x00, 0x00},
      {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
      {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
      {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
  };
  if (!ensure_space(w, n)) return;
  while (n > 0) {
    size_t k = n > 9 ? 9 : n;
    ospy_x86_writer_put_bytes(w, nops[k - 1], k);
    n -= k;
  }
}

void ospy_x86_writer_put_int3(ospy_x86_writer *w) {
  static const uint8_t b = 0xCC;
  ospy_x86_writer_put_bytes(w, &b, 1);
}

void ospy_x86_writer_put_endbr(ospy_x86_writer *w) {
  uint8_t b[4] = {0xF3, 0x0F, 0x1E, is64(w) ? 0xFA : 0xFB};
  ospy_x86_writer_put_bytes(w, b, 4);
}

/* ---- moves -------------------------------------------------------------- */

void ospy_x86_writer_put_mov_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  unsigned width = same_width(w, dst, src);
  if (!width) return;
  put_op1(w, width == 8 ? 0x88 : 0x89, src, 0, rm_reg(dst), width);
}

void ospy_x86_writer_put_mov_reg_imm(ospy_x86_writer *w, ospy_x86_reg dst, uint64_t imm) {
  unsigned width = ospy_x86_reg_width(dst);
  enc e;
  enc_init(&e);
  switch (width) {
  case 8:
    enc_op_plus_reg(w, &e, 8, 0xB0, dst);
    enc_le(&e, imm, 1);
    break;
  case 16:
    enc_op_plus_reg(w, &e, 16, 0xB8, dst);
    enc_le(&e, imm, 2);
    break;
  case 32:
    enc_op_plus_reg(w, &e, 32, 0xB8, dst);
    enc_le(&e, imm, 4);
    break;
  case 64:
    if (imm <= UINT32_MAX) { /* mov r32 zero-extends */
      enc_op_plus_reg(w, &e, 32, 0xB8, ospy_x86_reg_with_width(dst, 32));
      enc_le(&e, imm, 4);
    } else if ((int64_t)imm >= INT32_MIN && (int64_t)imm < 0) {
      rm_op rm = rm_reg(dst);
      static const uint8_t op = 0xC7;
      enc_op_rm(w, &e, 64, &op, 1, OSPY_X86_NOREG, 0, &rm);
      enc_le(&e, imm, 4);
    } else {
      enc_op_plus_reg(w, &e, 64, 0xB8, dst);
      enc_le(&e, imm, 8);
    }
    break;
  default:
    enc_error(&e, "not a general-purpose register");
  }
  commit(w, &e);
}

void ospy_x86_writer_put_mov_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_mem src) {
  unsigned width = ospy_x86_reg_width(dst);
  put_op1(w, width == 8 ? 0x8A : 0x8B, dst, 0, rm_mem(src), width);
}

void ospy_x86_writer_put_mov_mem_reg(ospy_x86_writer *w, ospy_x86_mem dst, ospy_x86_reg src) {
  unsigned width = ospy_x86_reg_width(src);
  put_op1(w, width == 8 ? 0x88 : 0x89, src, 0, rm_mem(dst), width);
}

static unsigned imm_size_for(unsigned width) { return width == 8 ? 1 : width == 16 ? 2 : 4; }

void ospy_x86_writer_put_mov_mem_imm(ospy_x86_writer *w, unsigned width, ospy_x86_mem dst,
                                     int32_t imm) {
  if (width != 8 && width != 16 && width != 32 && width != 64) {
    fail(w, "width must be 8, 16, 32 or 64");
    return;
  }
  uint8_t op = width == 8 ? 0xC6 : 0xC7;
  put_op_rm(w, width, &op, 1, OSPY_X86_NOREG, 0, rm_mem(dst), (uint32_t)imm,
            imm_size_for(width));
}

/* movzx/movsx family; sign selects movsx. */
static void put_movx(ospy_x86_writer *w, ospy_x86_reg dst, unsigned src_width, rm_op src,
                     bool sign) {
  unsigned width = ospy_x86_reg_width(dst);
  if (width < 16 || src_width >= width || (src_width == 32 && width != 64)) {
    fail(w, "movzx/movsx: bad operand widths");
    return;
  }
  if (src_width == 32) {
    if (sign) {
      put_op1(w, 0x63, dst, 0, src, 64); /* movsxd */
    } else { /* a 32-bit mov zero-extends */
      if (!src.is_mem) src.reg = ospy_x86_reg_with_width(src.reg, 32);
      put_op1(w, 0x8B, ospy_x86_reg_with_width(dst, 32), 0, src, 32);
    }
    return;
  }
  if (src_width != 8 && src_width != 16) {
    fail(w, "movzx/movsx: source width must be 8 or 16");
    return;
  }
  uint8_t op = (uint8_t)((sign ? 0xBE : 0xB6) + (src_width == 16));
  put_op2(w, 0x0F, op, dst, src, width);
}

void ospy_x86_writer_put_movzx_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst,
                                       unsigned src_width, ospy_x86_mem src) {
  put_movx(w, dst, src_width, rm_mem(src), false);
}

void ospy_x86_writer_put_movsx_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst,
                                       unsigned src_width, ospy_x86_mem src) {
  put_movx(w, dst, src_width, rm_mem(src), true);
}

void ospy_x86_writer_put_movzx_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  put_movx(w, dst, ospy_x86_reg_width(src), rm_reg(src), false);
}

void ospy_x86_writer_put_movsx_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  put_movx(w, dst, ospy_x86_reg_width(src), rm_reg(src), true);
}

void ospy_x86_writer_put_lea_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_mem src) {
  unsigned width = ospy_x86_reg_width(dst);
  if (width < 16) {
    fail(w, "lea needs a 16-, 32- or 64-bit destination");
    return;
  }
  put_op1(w, 0x8D, dst, 0, rm_mem(src), width);
}

void ospy_x86_writer_put_xchg_reg_reg(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b) {
  unsigned width = same_width(w, a, b);
  if (!width) return;
  put_op1(w, width == 8 ? 0x86 : 0x87, b, 0, rm_reg(a), width);
}

/* ---- arithmetic --------------------------------------------------------- */

void ospy_x86_writer_put_alu_reg_reg(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst,
                                     ospy_x86_reg src) {
  unsigned width = same_width(w, dst, src);
  if (!width) return;
  put_op1(w, (uint8_t)((op & 7) * 8 + (width != 8)), src, 0, rm_reg(dst), width);
}

/* Does imm fit an immediate field of this operand width (signed or unsigned)? */
static bool imm_fits_width(int32_t imm, unsigned width) {
  if (width == 8) return imm >= -128 && imm <= 255;
  if (width == 16) return imm >= -32768 && imm <= 65535;
  return true;
}

void ospy_x86_writer_put_alu_reg_imm(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst,
                                     int32_t imm) {
  unsigned width = ospy_x86_reg_width(dst);
  if (!width || !imm_fits_width(imm, width)) {
    fail(w, width ? "immediate does not fit the operand width" : "not a general-purpose register");
    return;
  }
  uint8_t base = (uint8_t)((op & 7) * 8);
  bool acc = ospy_x86_reg_index(dst) == 0;
  if (width == 8) {
    if (acc) {
      enc e;
      enc_init(&e);
      enc_u8(&e, (uint8_t)(base + 4));
      enc_le(&e, (uint32_t)imm, 1);
      commit(w, &e);
    } else {
      uint8_t o = 0x80;
      put_op_rm(w, 8, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(dst), (uint32_t)imm, 1);
    }
    return;
  }
  if (fits_i8(imm)) {
    uint8_t o = 0x83;
    put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(dst), (uint32_t)imm, 1);
  } else if (acc) {
    enc e;
    enc_init(&e);
    enc_op_plus_reg(w, &e, width, (uint8_t)(base + 5), dst); /* reg index 0: opcode unchanged */
    enc_le(&e, (uint32_t)imm, imm_size_for(width));
    commit(w, &e);
  } else {
    uint8_t o = 0x81;
    put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(dst), (uint32_t)imm,
              imm_size_for(width));
  }
}

void ospy_x86_writer_put_alu_reg_mem(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst,
                                     ospy_x86_mem src) {
  unsigned width = ospy_x86_reg_width(dst);
  put_op1(w, (uint8_t)((op & 7) * 8 + 2 + (width != 8)), dst, 0, rm_mem(src), width);
}

void ospy_x86_writer_put_test_reg_reg(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b) {
  unsigned width = same_width(w, a, b);
  if (!width) return;
  put_op1(w, width == 8 ? 0x84 : 0x85, b, 0, rm_reg(a), width);
}

void ospy_x86_writer_put_test_reg_imm(ospy_x86_writer *w, ospy_x86_reg a, int32_t imm) {
  unsigned width = ospy_x86_reg_width(a);
  if (!width || !imm_fits_width(imm, width)) {
    fail(w, width ? "immediate does not fit the operand width" : "not a general-purpose register");
    return;
  }
  if (ospy_x86_reg_index(a) == 0) {
    enc e;
    enc_init(&e);
    enc_op_plus_reg(w, &e, width, width == 8 ? 0xA8 : 0xA9, a);
    enc_le(&e, (uint32_t)imm, imm_size_for(width));
    commit(w, &e);
    return;
  }
  uint8_t o = width == 8 ? 0xF6 : 0xF7;
  put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, 0, rm_reg(a), (uint32_t)imm, imm_size_for(width));
}

void ospy_x86_writer_put_unary_reg(ospy_x86_writer *w, ospy_x86_unary op, ospy_x86_reg reg) {
  unsigned width = ospy_x86_reg_width(reg);
  put_op1(w, width == 8 ? 0xF6 : 0xF7, OSPY_X86_NOREG, op & 7, rm_reg(reg), width);
}

void ospy_x86_writer_put_imul_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  unsigned width = same_width(w, dst, src);
  if (!width) return;
  if (width == 8) {
    fail(w, "imul reg, reg has no 8-bit form");
    return;
  }
  put_op2(w, 0x0F, 0xAF, dst, rm_reg(src), width);
}

void ospy_x86_writer_put_shift_reg_cl(ospy_x86_writer *w, ospy_x86_shift op, ospy_x86_reg reg) {
  unsigned width = ospy_x86_reg_width(reg);
  put_op1(w, width == 8 ? 0xD2 : 0xD3, OSPY_X86_NOREG, op & 7, rm_reg(reg), width);
}

void ospy_x86_writer_put_shift_reg_imm(ospy_x86_writer *w, ospy_x86_shift op, ospy_x86_reg reg,
                                       uint8_t count) {
  unsigned width = ospy_x86_reg_width(reg);
  if (count == 1) {
    put_op1(w, width == 8 ? 0xD0 : 0xD1, OSPY_X86_NOREG, op & 7, rm_reg(reg), width);
    return;
  }
  uint8_t o = width == 8 ? 0xC0 : 0xC1;
  put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(reg), count, 1);
}

static void put_shxd(ospy_x86_writer *w, uint8_t op, ospy_x86_reg dst, ospy_x86_reg src) {
  unsigned width = same_width(w, dst, src);
  if (!width) return;
  if (width == 8) {
    fail(w, "shld/shrd have no 8-bit form");
    return;
  }
  uint8_t o[2] = {0x0F, op};
  put_op_rm(w, width, o, 2, src, 0, rm_reg(dst), 0, 0);
}

void ospy_x86_writer_put_shld_reg_reg_cl(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  put_shxd(w, 0xA5, dst, src);
}

void ospy_x86_writer_put_shrd_reg_reg_cl(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  put_shxd(w, 0xAD, dst, src);
}

void ospy_x86_writer_put_sign_extend_ax(ospy_x86_writer *w, unsigned width) {
  enc e;
  enc_init(&e);
  if (width == 16) enc_u8(&e, 0x66);
  else if (width == 64) {
    if (!is64(w)) enc_error(&e, "cqo needs x86-64");
    enc_u8(&e, 0x48);
  } else if (width != 32) enc_error(&e, "sign extension width must be 16, 32 or 64");
  enc_u8(&e, 0x99);
  commit(w, &e);
}

void ospy_x86_writer_put_setcc_reg(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_reg reg8) {
  if (ospy_x86_reg_width(reg8) != 8) {
    fail(w, "setcc needs an 8-bit register");
    return;
  }
  put_op2(w, 0x0F, (uint8_t)(0x90 | (cc & 15)), OSPY_X86_NOREG, rm_reg(reg8), 8);
}

void ospy_x86_writer_put_cmovcc_reg_reg(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_reg dst,
                                        ospy_x86_reg src) {
  unsigned width = same_width(w, dst, src);
  if (!width) return;
  if (width == 8) {
    fail(w, "cmovcc has no 8-bit form");
    return;
  }
  put_op2(w, 0x0F, (uint8_t)(0x40 | (cc & 15)), dst, rm_reg(src), width);
}

/* ---- control flow to addresses ------------------------------------------ */

/* In 32-bit mode every address is reachable (the displacement wraps). */
static bool reachable(const ospy_x86_writer *w, uint64_t from_end, uint64_t target) {
  return !is64(w) || ospy_x86_rel32_reachable(from_end, target);
}

static void put_rel32(ospy_x86_writer *w, const uint8_t *op, unsigned nop, uint64_t target) {
  enc e;
  enc_init(&e);
  for (unsigned i = 0; i < nop; i++) enc_u8(&e, op[i]);
  uint64_t end = ospy_x86_writer_pc(w) + nop + 4;
  enc_le(&e, (uint32_t)(target - end), 4);
  commit(w, &e);
}

void ospy_x86_writer_put_jmp_address_abs(ospy_x86_writer *w, uint64_t target) {
  if (!is64(w)) {
    static const uint8_t op = 0xE9;
    put_rel32(w, &op, 1, target);
    return;
  }
  enc e;
  enc_init(&e);
  static const uint8_t jmp_rip0[6] = {0xFF, 0x25, 0, 0, 0, 0};
  for (unsigned i = 0; i < 6; i++) enc_u8(&e, jmp_rip0[i]);
  enc_le(&e, target, 8);
  commit(w, &e);
}

void ospy_x86_writer_put_jmp_address(ospy_x86_writer *w, uint64_t target) {
  if (reachable(w, ospy_x86_writer_pc(w) + 5, target)) {
    static const uint8_t op = 0xE9;
    put_rel32(w, &op, 1, target);
  } else {
    ospy_x86_writer_put_jmp_address_abs(w, target);
  }
}

void ospy_x86_writer_put_jcc_address(ospy_x86_writer *w, ospy_x86_cc cc, uint64_t target) {
  if (reachable(w, ospy_x86_writer_pc(w) + 6, target)) {
    uint8_t op[2] = {0x0F, (uint8_t)(0x80 | (cc & 15))};
    put_rel32(w, op, 2, target);
    return;
  }
  /* Inverted condition skips the 14-byte absolute jump. */
  uint8_t skip[2] = {(uint8_t)(0x70 | ((cc ^ 1) & 15)), 14};
  if (!ensure_space(w, 16)) return;
  ospy_x86_writer_put_bytes(w, skip, 2);
  ospy_x86_writer_put_jmp_address_abs(w, target);
}

static ospy_x86_reg native_reg(const ospy_x86_writer *w, ospy_x86_reg reg, enc *e) {
  check_reg(w, e, reg);
  if (ospy_x86_reg_width(reg) != (is64(w) ? 64u : 32u))
    enc_error(e, "register must have the mode's pointer width");
  return reg;
}

/* FF /digit with a register or memory operand (jmp/call/push indirect). */
static void put_ff(ospy_x86_writer *w, unsigned digit, rm_op rm) {
  enc e;
  enc_init(&e);
  if (!rm.is_mem) native_reg(w, rm.reg, &e);
  static const uint8_t op = 0xFF;
  enc_op_rm(w, &e, 0, &op, 1, OSPY_X86_NOREG, digit, &rm);
  commit(w, &e);
}

void ospy_x86_writer_put_jmp_reg(ospy_x86_writer *w, ospy_x86_reg reg) { put_ff(w, 4, rm_reg(reg)); }
void ospy_x86_writer_put_jmp_mem(ospy_x86_writer *w, ospy_x86_mem mem) { put_ff(w, 4, rm_mem(mem)); }
void ospy_x86_writer_put_call_reg(ospy_x86_writer *w, ospy_x86_reg reg) { put_ff(w, 2, rm_reg(reg)); }
void ospy_x86_writer_put_call_mem(ospy_x86_writer *w, ospy_x86_mem mem) { put_ff(w, 2, rm_mem(mem)); }

void ospy_x86_writer_put_call_address(ospy_x86_writer *w, uint64_t target, ospy_x86_reg scratch) {
  if (reachable(w, ospy_x86_writer_pc(w) + 5, target)) {
    static const uint8_t op = 0xE8;
    put_rel32(w, &op, 1, target);
    return;
  }
  ospy_x86_writer_put_mov_reg_imm(w, scratch, target);
  ospy_x86_writer_put_call_reg(w, scratch);
}

void ospy_x86_writer_put_ret(ospy_x86_writer *w) {
  static const uint8_t b = 0xC3;
  ospy_x86_writer_put_bytes(w, &b, 1);
}

void ospy_x86_writer_put_ret_imm(ospy_x86_writer *w, uint16_t pop_bytes) {
  uint8_t b[3] = {0xC2, (uint8_t)pop_bytes, (uint8_t)(pop_bytes >> 8)};
  ospy_x86_writer_put_bytes(w, b, 3);
}

/* ---- stack -------------------------------------------------------------- */

static void put_push_pop(ospy_x86_writer *w, uint8_t op, ospy_x86_reg reg) {
  enc e;
  enc_init(&e);
  unsigned width = ospy_x86_reg_width(reg);
  if (width == 16) {
    enc_op_plus_reg(w, &e, 16, op, reg);
  } else {
    native_reg(w, reg, &e);
    enc_op_plus_reg(w, &e, 0, op, reg); /* 64-bit is the default size in 64-bit mode */
  }
  commit(w, &e);
}

void ospy_x86_writer_put_push_reg(ospy_x86_writer *w, ospy_x86_reg reg) { put_push_pop(w, 0x50, reg); }
void ospy_x86_writer_put_pop_reg(ospy_x86_writer *w, ospy_x86_reg reg) { put_push_pop(w, 0x58, reg); }

void ospy_x86_writer_put_push_imm(ospy_x86_writer *w, int32_t imm) {
  enc e;
  enc_init(&e);
  if (fits_i8(imm)) {
    enc_u8(&e, 0x6A);
    enc_le(&e, (uint32_t)imm, 1);
  } else {
    enc_u8(&e, 0x68);
    enc_le(&e, (uint32_t)imm, 4);
  }
  commit(w, &e);
}

size_t ospy_x86_push_address_size(ospy_x86_mode mode, uint64_t value) {
  if (mode != OSPY_X86_MODE_64 || ((int64_t)value >= INT32_MIN && (int64_t)value <= INT32_MAX))
    return 5;
  return 13;
}

/* Always the 5-byte push imm32, so that callers can predict the size. */
static void put_push_imm32(ospy_x86_writer *w, uint32_t imm) {
  enc e;
  enc_init(&e);
  enc_u8(&e, 0x68);
  enc_le(&e, imm, 4);
  commit(w, &e);
}

void ospy_x86_writer_put_push_address(ospy_x86_writer *w, uint64_t value) {
  put_push_imm32(w, (uint32_t)value);
  if (ospy_x86_push_address_size(w->mode, value) == 5) return;
  /* push sign-extended the low half; overwrite the high half. */
  ospy_x86_writer_put_mov_mem_imm(w, 32, ospy_x86_mem_base_disp(OSPY_X86_RSP, 4),
                                  (int32_t)(uint32_t)(value >> 32));
}


void ospy_x86_writer_put_pushf(ospy_x86_writer *w) {
  static const uint8_t b = 0x9C;
  ospy_x86_writer_put_bytes(w, &b, 1);
}

void ospy_x86_writer_put_popf(ospy_x86_writer *w) {
  static const uint8_t b = 0x9D;
  ospy_x86_writer_put_bytes(w, &b, 1);
}
