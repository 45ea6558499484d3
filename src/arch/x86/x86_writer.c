/*
 * x86 instruction writer. Each put_* function builds one instruction in a
 * small local encoder (so an instruction is either written whole or not at
 * all), then commits it to the caller's buffer. RIP-relative displacements and
 * label references are fixed up at commit time, when the final length and
 * address of the instruction are known.
 */
#include "arch/x86/x86_writer.h"

#include <string.h>

#include "arch/x86/x86_writer_enc.h"

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
  w->label_offset = w->own_label_offset;
  w->max_labels = OSPY_X86_WRITER_MAX_LABELS;
  w->refs = w->own_refs;
  w->max_refs = OSPY_X86_WRITER_MAX_REFS;
  if (mode != OSPY_X86_MODE_32 && mode != OSPY_X86_MODE_64) {
    w->failed = true;
    w->error = "unknown writer mode";
  }
}

void ospy_x86_writer_use_tables(ospy_x86_writer *w, int32_t *label_offset, uint32_t max_labels,
                                ospy_x86_label_ref *refs, uint32_t max_refs) {
  if (w->n_labels || w->n_refs) {
    ospy_x86_enc_fail(w, "label tables changed after use");
    return;
  }
  w->label_offset = label_offset;
  w->max_labels = max_labels;
  w->refs = refs;
  w->max_refs = max_refs;
}

uint64_t ospy_x86_writer_pc(const ospy_x86_writer *w) { return w->pc0 + w->len; }
size_t ospy_x86_writer_offset(const ospy_x86_writer *w) { return w->len; }
bool ospy_x86_writer_ok(const ospy_x86_writer *w) { return !w->failed; }
const char *ospy_x86_writer_error(const ospy_x86_writer *w) {
  return w->failed ? w->error : NULL;
}

void ospy_x86_enc_fail(ospy_x86_writer *w, const char *why) {
  if (!w->failed) {
    w->failed = true;
    w->error = why;
  }
}

/* ---- encoder ------------------------------------------------------------ */

void ospy_x86_enc_check_reg(const ospy_x86_writer *w, enc *e, ospy_x86_reg reg) {
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
  ospy_x86_enc_check_reg(w, e, reg);
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

/* Checks a memory operand for the mode; collects REX.X/B and whether an
 * address-size prefix is needed. */
static void check_mem(const ospy_x86_writer *w, enc *e, const ospy_x86_mem *m, unsigned *rex,
                      bool *addr32) {
  if (m->base == OSPY_X86_RIP) {
    if (!is64(w)) enc_error(e, "RIP-relative operand in 32-bit mode");
    if (m->index != OSPY_X86_NOREG) enc_error(e, "RIP-relative operand cannot have an index");
    return;
  }
  addr_reg_ok(w, e, m->base, addr32);
  addr_reg_ok(w, e, m->index, addr32);
  if (m->index != OSPY_X86_NOREG && ospy_x86_reg_index(m->index) == 4)
    enc_error(e, "RSP cannot be an index register");
  if (m->index != OSPY_X86_NOREG && scale_bits(m->scale) < 0)
    enc_error(e, "scale must be 1, 2, 4 or 8");
  if (m->base != OSPY_X86_NOREG && (ospy_x86_reg_index(m->base) & 8)) *rex |= 1;
  if (m->index != OSPY_X86_NOREG && (ospy_x86_reg_index(m->index) & 8)) *rex |= 2;
}

/* ModRM (+SIB, +displacement) for [mem] with reg field r (already shifted). */
static void enc_modrm_mem(const ospy_x86_writer *w, enc *e, unsigned r, const ospy_x86_mem *m) {
  if (m->base == OSPY_X86_RIP) {
    enc_u8(e, (uint8_t)(0x05 | r));
    if (m->rip_absolute) { /* fixed up in ospy_x86_enc_commit(), once the length is known */
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

/* Prefixes + REX + opcode + ModRM/SIB/disp for "op reg_field, rm". width is
 * the operand size (16 adds 0x66, 64 adds REX.W; 0 or 8/32: neither).
 * reg_op is the register in the reg field, or NOREG with digit. */
void ospy_x86_enc_op_rm(const ospy_x86_writer *w, enc *e, unsigned width, const uint8_t *op,
                        unsigned nop, ospy_x86_reg reg_op, unsigned digit, const rm_op *rm) {
  unsigned reg_field = digit, rex = 0;
  bool force_rex = false, addr32 = false;
  if (reg_op != OSPY_X86_NOREG) {
    ospy_x86_enc_check_reg(w, e, reg_op);
    reg_field = ospy_x86_reg_index(reg_op);
    force_rex |= needs_rex_byte(reg_op);
  }
  if (width == 64) {
    if (!is64(w)) enc_error(e, "64-bit operand in 32-bit mode");
    rex |= 8;
  }
  if (reg_field & 8) rex |= 4;
  if (rm->is_mem) {
    check_mem(w, e, &rm->mem, &rex, &addr32);
  } else {
    ospy_x86_enc_check_reg(w, e, rm->reg);
    force_rex |= needs_rex_byte(rm->reg);
    if (ospy_x86_reg_index(rm->reg) & 8) rex |= 1;
  }
  if (!is64(w) && (rex || force_rex)) enc_error(e, "operand needs x86-64");
  if (e->error) return;
  if (addr32) enc_u8(e, 0x67);
  if (width == 16) enc_u8(e, 0x66);
  if (e->mandatory) enc_u8(e, e->mandatory);
  if (rex || force_rex) enc_u8(e, (uint8_t)(0x40 | rex));
  for (unsigned i = 0; i < nop; i++) enc_u8(e, op[i]);
  unsigned r = (reg_field & 7) << 3;
  if (rm->is_mem) enc_modrm_mem(w, e, r, &rm->mem);
  else enc_u8(e, (uint8_t)(0xC0 | r | (ospy_x86_reg_index(rm->reg) & 7)));
}

void ospy_x86_enc_op_plus_reg(const ospy_x86_writer *w, enc *e, unsigned width, uint8_t op,
                              ospy_x86_reg reg) {
  ospy_x86_enc_check_reg(w, e, reg);
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

bool ospy_x86_enc_ensure_space(ospy_x86_writer *w, size_t n) {
  if (w->failed) return false;
  if (w->capacity - w->len < n) {
    ospy_x86_enc_fail(w, "buffer full");
    return false;
  }
  return true;
}

static bool patch_ref(ospy_x86_writer *w, const ospy_x86_label_ref *ref);

void ospy_x86_enc_commit(ospy_x86_writer *w, enc *e) {
  if (w->failed) return;
  if (e->error) {
    ospy_x86_enc_fail(w, e->error);
    return;
  }
  if (!ospy_x86_enc_ensure_space(w, e->n)) return;
  if (e->rip_field >= 0) {
    uint64_t end = ospy_x86_writer_pc(w) + e->n;
    if (!ospy_x86_rel32_reachable(end, e->rip_target)) {
      ospy_x86_enc_fail(w, "RIP-relative target out of +-2GB range");
      return;
    }
    uint32_t disp = (uint32_t)(e->rip_target - end);
    memcpy(&e->b[e->rip_field], &disp, 4);
  }
  ospy_x86_label_ref ref = {
      .label = e->label, .field = (uint32_t)(w->len + (size_t)e->label_field),
      .size = e->label_size};
  /* a branch back to a placed label is resolved now: only forward ones wait */
  bool pending = e->label_field >= 0 &&
                 !(e->label < w->n_labels && w->label_offset[e->label] >= 0);
  if (pending && w->n_refs >= w->max_refs) {
    ospy_x86_enc_fail(w, "label reference table full");
    return;
  }
  memcpy(w->buf + w->len, e->b, e->n);
  w->len += e->n;
  if (pending)
    w->refs[w->n_refs++] = ref;
  else if (e->label_field >= 0)
    patch_ref(w, &ref);
}

/* Emits "op reg, rm" (or op rm with /digit) followed by an immediate. */
void ospy_x86_enc_put_op_rm(ospy_x86_writer *w, unsigned width, const uint8_t *op, unsigned nop,
                            ospy_x86_reg reg_op, unsigned digit, rm_op rm, uint64_t imm,
                            unsigned imm_size) {
  enc e;
  enc_init(&e);
  ospy_x86_enc_op_rm(w, &e, width, op, nop, reg_op, digit, &rm);
  enc_le(&e, imm, imm_size);
  ospy_x86_enc_commit(w, &e);
}

void ospy_x86_enc_put_op1(ospy_x86_writer *w, uint8_t op, ospy_x86_reg reg_op, unsigned digit,
                          rm_op rm, unsigned width) {
  ospy_x86_enc_put_op_rm(w, width, &op, 1, reg_op, digit, rm, 0, 0);
}

void ospy_x86_enc_put_op2(ospy_x86_writer *w, uint8_t op0, uint8_t op1, ospy_x86_reg reg_op,
                          rm_op rm, unsigned width) {
  uint8_t op[2] = {op0, op1};
  ospy_x86_enc_put_op_rm(w, width, op, 2, reg_op, 0, rm, 0, 0);
}

unsigned ospy_x86_enc_same_width(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b) {
  unsigned wa = ospy_x86_reg_width(a), wb = ospy_x86_reg_width(b);
  if (wa == 0 || wa != wb) {
    ospy_x86_enc_fail(w, "register operands have different widths");
    return 0;
  }
  return wa;
}

/* ---- labels ------------------------------------------------------------- */

ospy_x86_label ospy_x86_writer_new_label(ospy_x86_writer *w) {
  if (w->n_labels >= w->max_labels) {
    ospy_x86_enc_fail(w, "label table full");
    return 0;
  }
  w->label_offset[w->n_labels] = -1;
  return w->n_labels++;
}

void ospy_x86_writer_put_label(ospy_x86_writer *w, ospy_x86_label label) {
  if (label >= w->n_labels) {
    ospy_x86_enc_fail(w, "unknown label");
    return;
  }
  if (w->label_offset[label] >= 0) {
    ospy_x86_enc_fail(w, "label placed twice");
    return;
  }
  if (w->len > INT32_MAX) {
    ospy_x86_enc_fail(w, "label past 2 GiB of code");
    return;
  }
  w->label_offset[label] = (int32_t)w->len;
}

/* Patches one reference; false (and failed) if out of range. */
static bool patch_ref(ospy_x86_writer *w, const ospy_x86_label_ref *ref) {
  /* (the displacement ends its instruction) */
  int64_t rel = (int64_t)w->label_offset[ref->label] - ((int64_t)ref->field + ref->size);
  if (ref->size == 1) {
    if (!fits_i8(rel)) {
      ospy_x86_enc_fail(w, "label out of rel8 range");
      return false;
    }
    w->buf[ref->field] = (uint8_t)(int8_t)rel;
  } else {
    uint32_t v = (uint32_t)(int32_t)rel;
    memcpy(w->buf + ref->field, &v, 4);
  }
  return true;
}

/* Resolves references to placed labels; unplaced ones stay (or fail if strict). */
static bool resolve(ospy_x86_writer *w, bool strict) {
  if (w->failed) return false;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < w->n_refs; i++) {
    const ospy_x86_label_ref *ref = &w->refs[i];
    bool placed = ref->label < w->n_labels && w->label_offset[ref->label] >= 0;
    if (!placed) {
      if (strict) {
        ospy_x86_enc_fail(w, "branch to a label that was never placed");
        return false;
      }
      w->refs[kept++] = *ref;
      continue;
    }
    if (!patch_ref(w, ref)) return false;
  }
  w->n_refs = kept;
  return true;
}

bool ospy_x86_writer_flush(ospy_x86_writer *w) { return resolve(w, true); }
bool ospy_x86_writer_resolve_placed(ospy_x86_writer *w) { return resolve(w, false); }

/* Branch to a label: short form if the label is behind us and near. */
static void put_branch_label(ospy_x86_writer *w, const uint8_t *op8, unsigned n8,
                             const uint8_t *op32, unsigned n32, ospy_x86_label label) {
  if (label >= w->n_labels) {
    ospy_x86_enc_fail(w, "unknown label");
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
  ospy_x86_enc_commit(w, &e);
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
    ospy_x86_enc_fail(w, "rel8 opcode too long");
    return;
  }
  put_branch_label(w, opcode, (unsigned)n, NULL, 0, label);
}

/* ---- raw bytes, nops, misc ---------------------------------------------- */

void ospy_x86_writer_put_bytes(ospy_x86_writer *w, const void *bytes, size_t n) {
  if (!ospy_x86_enc_ensure_space(w, n)) return;
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
  if (!ospy_x86_enc_ensure_space(w, n)) return;
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
