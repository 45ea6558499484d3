/*
 * x86 instruction writer: one function per instruction shape, built on the
 * encoder in x86_writer.c (see x86_writer_enc.h).
 */
#include "arch/x86/x86_writer.h"

#include "arch/x86/x86_writer_enc.h"

/* ---- moves -------------------------------------------------------------- */

void ospy_x86_writer_put_mov_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  unsigned width = ospy_x86_enc_same_width(w, dst, src);
  if (!width) return;
  ospy_x86_enc_put_op1(w, width == 8 ? 0x88 : 0x89, src, 0, rm_reg(dst), width);
}

void ospy_x86_writer_put_mov_reg_imm(ospy_x86_writer *w, ospy_x86_reg dst, uint64_t imm) {
  unsigned width = ospy_x86_reg_width(dst);
  enc e;
  enc_init(&e);
  if (width && !imm64_fits_width(imm, width)) enc_error(&e, "immediate does not fit the register");
  switch (width) {
  case 8:
    ospy_x86_enc_op_plus_reg(w, &e, 8, 0xB0, dst);
    enc_le(&e, imm, 1);
    break;
  case 16:
    ospy_x86_enc_op_plus_reg(w, &e, 16, 0xB8, dst);
    enc_le(&e, imm, 2);
    break;
  case 32:
    ospy_x86_enc_op_plus_reg(w, &e, 32, 0xB8, dst);
    enc_le(&e, imm, 4);
    break;
  case 64:
    if (imm <= UINT32_MAX) { /* mov r32 zero-extends */
      ospy_x86_enc_op_plus_reg(w, &e, 32, 0xB8, ospy_x86_reg_with_width(dst, 32));
      enc_le(&e, imm, 4);
    } else if ((int64_t)imm >= INT32_MIN && (int64_t)imm < 0) {
      rm_op rm = rm_reg(dst);
      static const uint8_t op = 0xC7;
      ospy_x86_enc_op_rm(w, &e, 64, &op, 1, OSPY_X86_NOREG, 0, &rm);
      enc_le(&e, imm, 4);
    } else {
      ospy_x86_enc_op_plus_reg(w, &e, 64, 0xB8, dst);
      enc_le(&e, imm, 8);
    }
    break;
  default:
    enc_error(&e, "not a general-purpose register");
  }
  ospy_x86_enc_commit(w, &e);
}

void ospy_x86_writer_put_mov_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_mem src) {
  unsigned width = ospy_x86_reg_width(dst);
  ospy_x86_enc_put_op1(w, width == 8 ? 0x8A : 0x8B, dst, 0, rm_mem(src), width);
}

void ospy_x86_writer_put_mov_mem_reg(ospy_x86_writer *w, ospy_x86_mem dst, ospy_x86_reg src) {
  unsigned width = ospy_x86_reg_width(src);
  ospy_x86_enc_put_op1(w, width == 8 ? 0x88 : 0x89, src, 0, rm_mem(dst), width);
}

void ospy_x86_writer_put_mov_mem_imm(ospy_x86_writer *w, unsigned width, ospy_x86_mem dst,
                                     int32_t imm) {
  if (width != 8 && width != 16 && width != 32 && width != 64) {
    ospy_x86_enc_fail(w, "width must be 8, 16, 32 or 64");
    return;
  }
  if (!imm_fits_width(imm, width)) {
    ospy_x86_enc_fail(w, "immediate does not fit the operand width");
    return;
  }
  uint8_t op = width == 8 ? 0xC6 : 0xC7;
  ospy_x86_enc_put_op_rm(w, width, &op, 1, OSPY_X86_NOREG, 0, rm_mem(dst), (uint32_t)imm,
                         imm_size_for(width));
}

/* movzx/movsx family; sign selects movsx. */
static void put_movx(ospy_x86_writer *w, ospy_x86_reg dst, unsigned src_width, rm_op src,
                     bool sign) {
  unsigned width = ospy_x86_reg_width(dst);
  if (width < 16 || src_width >= width || (src_width == 32 && width != 64)) {
    ospy_x86_enc_fail(w, "movzx/movsx: bad operand widths");
    return;
  }
  if (src_width == 32) {
    if (sign) {
      ospy_x86_enc_put_op1(w, 0x63, dst, 0, src, 64); /* movsxd */
    } else { /* a 32-bit mov zero-extends */
      if (!src.is_mem) src.reg = ospy_x86_reg_with_width(src.reg, 32);
      ospy_x86_enc_put_op1(w, 0x8B, ospy_x86_reg_with_width(dst, 32), 0, src, 32);
    }
    return;
  }
  if (src_width != 8 && src_width != 16) {
    ospy_x86_enc_fail(w, "movzx/movsx: source width must be 8 or 16");
    return;
  }
  uint8_t op = (uint8_t)((sign ? 0xBE : 0xB6) + (src_width == 16));
  ospy_x86_enc_put_op2(w, 0x0F, op, dst, src, width);
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
    ospy_x86_enc_fail(w, "lea needs a 16-, 32- or 64-bit destination");
    return;
  }
  ospy_x86_enc_put_op1(w, 0x8D, dst, 0, rm_mem(src), width);
}

void ospy_x86_writer_put_xchg_reg_reg(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b) {
  unsigned width = ospy_x86_enc_same_width(w, a, b);
  if (!width) return;
  ospy_x86_enc_put_op1(w, width == 8 ? 0x86 : 0x87, b, 0, rm_reg(a), width);
}

/* ---- arithmetic --------------------------------------------------------- */

void ospy_x86_writer_put_alu_reg_reg(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst,
                                     ospy_x86_reg src) {
  unsigned width = ospy_x86_enc_same_width(w, dst, src);
  if (!width) return;
  ospy_x86_enc_put_op1(w, (uint8_t)((op & 7) * 8 + (width != 8)), src, 0, rm_reg(dst), width);
}


void ospy_x86_writer_put_alu_reg_imm(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst,
                                     int32_t imm) {
  unsigned width = ospy_x86_reg_width(dst);
  if (!width || !imm_fits_width(imm, width)) {
    ospy_x86_enc_fail(w, width ? "immediate does not fit the operand width"
                            : "not a general-purpose register");
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
      ospy_x86_enc_commit(w, &e);
    } else {
      uint8_t o = 0x80;
      ospy_x86_enc_put_op_rm(w, 8, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(dst), (uint32_t)imm, 1);
    }
    return;
  }
  if (fits_i8(imm)) {
    uint8_t o = 0x83;
    ospy_x86_enc_put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(dst), (uint32_t)imm, 1);
  } else if (acc) {
    enc e;
    enc_init(&e);
    /* the accumulator form: register index 0 leaves the opcode unchanged */
    ospy_x86_enc_op_plus_reg(w, &e, width, (uint8_t)(base + 5), dst);
    enc_le(&e, (uint32_t)imm, imm_size_for(width));
    ospy_x86_enc_commit(w, &e);
  } else {
    uint8_t o = 0x81;
    ospy_x86_enc_put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(dst), (uint32_t)imm,
                           imm_size_for(width));
  }
}

void ospy_x86_writer_put_alu_reg_mem(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst,
                                     ospy_x86_mem src) {
  unsigned width = ospy_x86_reg_width(dst);
  ospy_x86_enc_put_op1(w, (uint8_t)((op & 7) * 8 + 2 + (width != 8)), dst, 0, rm_mem(src), width);
}

void ospy_x86_writer_put_test_reg_reg(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b) {
  unsigned width = ospy_x86_enc_same_width(w, a, b);
  if (!width) return;
  ospy_x86_enc_put_op1(w, width == 8 ? 0x84 : 0x85, b, 0, rm_reg(a), width);
}

void ospy_x86_writer_put_test_reg_imm(ospy_x86_writer *w, ospy_x86_reg a, int32_t imm) {
  unsigned width = ospy_x86_reg_width(a);
  if (!width || !imm_fits_width(imm, width)) {
    ospy_x86_enc_fail(w, width ? "immediate does not fit the operand width"
                            : "not a general-purpose register");
    return;
  }
  if (ospy_x86_reg_index(a) == 0) {
    enc e;
    enc_init(&e);
    ospy_x86_enc_op_plus_reg(w, &e, width, width == 8 ? 0xA8 : 0xA9, a);
    enc_le(&e, (uint32_t)imm, imm_size_for(width));
    ospy_x86_enc_commit(w, &e);
    return;
  }
  uint8_t o = width == 8 ? 0xF6 : 0xF7;
  ospy_x86_enc_put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, 0, rm_reg(a), (uint32_t)imm,
                         imm_size_for(width));
}

void ospy_x86_writer_put_unary_reg(ospy_x86_writer *w, ospy_x86_unary op, ospy_x86_reg reg) {
  unsigned width = ospy_x86_reg_width(reg);
  ospy_x86_enc_put_op1(w, width == 8 ? 0xF6 : 0xF7, OSPY_X86_NOREG, op & 7, rm_reg(reg), width);
}

void ospy_x86_writer_put_imul_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src) {
  unsigned width = ospy_x86_enc_same_width(w, dst, src);
  if (!width) return;
  if (width == 8) {
    ospy_x86_enc_fail(w, "imul reg, reg has no 8-bit form");
    return;
  }
  ospy_x86_enc_put_op2(w, 0x0F, 0xAF, dst, rm_reg(src), width);
}

void ospy_x86_writer_put_shift_reg_cl(ospy_x86_writer *w, ospy_x86_shift op, ospy_x86_reg reg) {
  unsigned width = ospy_x86_reg_width(reg);
  ospy_x86_enc_put_op1(w, width == 8 ? 0xD2 : 0xD3, OSPY_X86_NOREG, op & 7, rm_reg(reg), width);
}

void ospy_x86_writer_put_shift_reg_imm(ospy_x86_writer *w, ospy_x86_shift op, ospy_x86_reg reg,
                                       uint8_t count) {
  unsigned width = ospy_x86_reg_width(reg);
  if (count == 1) {
    ospy_x86_enc_put_op1(w, width == 8 ? 0xD0 : 0xD1, OSPY_X86_NOREG, op & 7, rm_reg(reg), width);
    return;
  }
  uint8_t o = width == 8 ? 0xC0 : 0xC1;
  ospy_x86_enc_put_op_rm(w, width, &o, 1, OSPY_X86_NOREG, op & 7, rm_reg(reg), count, 1);
}

static void put_shxd(ospy_x86_writer *w, uint8_t op, ospy_x86_reg dst, ospy_x86_reg src) {
  unsigned width = ospy_x86_enc_same_width(w, dst, src);
  if (!width) return;
  if (width == 8) {
    ospy_x86_enc_fail(w, "shld/shrd have no 8-bit form");
    return;
  }
  uint8_t o[2] = {0x0F, op};
  ospy_x86_enc_put_op_rm(w, width, o, 2, src, 0, rm_reg(dst), 0, 0);
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
  ospy_x86_enc_commit(w, &e);
}

void ospy_x86_writer_put_setcc_reg(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_reg reg8) {
  if (ospy_x86_reg_width(reg8) != 8) {
    ospy_x86_enc_fail(w, "setcc needs an 8-bit register");
    return;
  }
  ospy_x86_enc_put_op2(w, 0x0F, (uint8_t)(0x90 | (cc & 15)), OSPY_X86_NOREG, rm_reg(reg8), 8);
}

void ospy_x86_writer_put_cmovcc_reg_reg(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_reg dst,
                                        ospy_x86_reg src) {
  unsigned width = ospy_x86_enc_same_width(w, dst, src);
  if (!width) return;
  if (width == 8) {
    ospy_x86_enc_fail(w, "cmovcc has no 8-bit form");
    return;
  }
  ospy_x86_enc_put_op2(w, 0x0F, (uint8_t)(0x40 | (cc & 15)), dst, rm_reg(src), width);
}

/* ---- SSE and x87 (saving and restoring float state) --------------------- */

static void put_xmm_mem(ospy_x86_writer *w, uint8_t op, unsigned xmm, ospy_x86_mem mem) {
  enc e;
  enc_init(&e);
  if (xmm > 15) enc_error(&e, "no such xmm register");
  e.mandatory = 0xF3;
  uint8_t o[2] = {0x0F, op};
  rm_op rm = rm_mem(mem);
  ospy_x86_enc_op_rm(w, &e, 0, o, 2, OSPY_X86_NOREG, xmm & 15, &rm);
  ospy_x86_enc_commit(w, &e);
}

void ospy_x86_writer_put_movdqu_mem_xmm(ospy_x86_writer *w, ospy_x86_mem dst, unsigned xmm) {
  put_xmm_mem(w, 0x7F, xmm, dst);
}

void ospy_x86_writer_put_movdqu_xmm_mem(ospy_x86_writer *w, unsigned xmm, ospy_x86_mem src) {
  put_xmm_mem(w, 0x6F, xmm, src);
}

void ospy_x86_writer_put_fst_mem64(ospy_x86_writer *w, ospy_x86_mem dst) {
  ospy_x86_enc_put_op1(w, 0xDD, OSPY_X86_NOREG, 2, rm_mem(dst), 0);
}

void ospy_x86_writer_put_fld_mem64(ospy_x86_writer *w, ospy_x86_mem src) {
  ospy_x86_enc_put_op1(w, 0xDD, OSPY_X86_NOREG, 0, rm_mem(src), 0);
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
  ospy_x86_enc_commit(w, &e);
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
  ospy_x86_enc_commit(w, &e);
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
  if (!ospy_x86_enc_ensure_space(w, 16)) return;
  ospy_x86_writer_put_bytes(w, skip, 2);
  ospy_x86_writer_put_jmp_address_abs(w, target);
}

static ospy_x86_reg native_reg(const ospy_x86_writer *w, ospy_x86_reg reg, enc *e) {
  ospy_x86_enc_check_reg(w, e, reg);
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
  ospy_x86_enc_op_rm(w, &e, 0, &op, 1, OSPY_X86_NOREG, digit, &rm);
  ospy_x86_enc_commit(w, &e);
}

void ospy_x86_writer_put_jmp_reg(ospy_x86_writer *w, ospy_x86_reg reg) {
  put_ff(w, 4, rm_reg(reg));
}
void ospy_x86_writer_put_jmp_mem(ospy_x86_writer *w, ospy_x86_mem mem) {
  put_ff(w, 4, rm_mem(mem));
}
void ospy_x86_writer_put_call_reg(ospy_x86_writer *w, ospy_x86_reg reg) {
  put_ff(w, 2, rm_reg(reg));
}
void ospy_x86_writer_put_call_mem(ospy_x86_writer *w, ospy_x86_mem mem) {
  put_ff(w, 2, rm_mem(mem));
}

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
    ospy_x86_enc_op_plus_reg(w, &e, 16, op, reg);
  } else {
    native_reg(w, reg, &e);
    ospy_x86_enc_op_plus_reg(w, &e, 0, op, reg); /* 64-bit is the default size in 64-bit mode */
  }
  ospy_x86_enc_commit(w, &e);
}

void ospy_x86_writer_put_push_reg(ospy_x86_writer *w, ospy_x86_reg reg) {
  put_push_pop(w, 0x50, reg);
}
void ospy_x86_writer_put_pop_reg(ospy_x86_writer *w, ospy_x86_reg reg) {
  put_push_pop(w, 0x58, reg);
}

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
  ospy_x86_enc_commit(w, &e);
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
  ospy_x86_enc_commit(w, &e);
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
