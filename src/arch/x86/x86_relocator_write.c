/*
 * Prologue relocator, writing: re-emits each planned instruction through the
 * writer, rewriting what depends on its address (see x86_relocator.h for the
 * list). Capstone's detail mode supplies what needs opcode tables: where an
 * instruction's RIP-relative displacement and ModRM are, and which registers
 * it touches.
 */
#include <string.h>

#include "arch/x86/x86_decode.h"
#include "arch/x86/x86_relocator.h"

/* ---- write -------------------------------------------------------------- */

typedef struct reloc_ctx {
  ospy_x86_writer *w;
  ospy_x86_decoder d;
  const ospy_x86_reloc_plan *plan;
  const uint8_t *code;
  uint64_t start, end; /* original addresses of the moved bytes */
  ospy_x86_label labels[OSPY_X86_RELOC_MAX_INSNS];
  bool has_label[OSPY_X86_RELOC_MAX_INSNS];
} reloc_ctx;

static void wfail(ospy_x86_writer *w, const char *why) {
  if (!w->failed) {
    w->failed = true;
    w->error = why;
  }
}

/* Label of the moved instruction at target, if the target is one. */
static bool target_label(reloc_ctx *c, uint64_t target, ospy_x86_label *label) {
  if (target < c->start || target >= c->end) return false;
  int i = ospy_x86_moved_index(c->plan, target - c->plan->pc);
  if (i < 0 || !c->has_label[i]) return false;
  *label = c->labels[i];
  return true;
}

static void put_jmp_to(reloc_ctx *c, uint64_t target) {
  ospy_x86_label l;
  if (target_label(c, target, &l)) ospy_x86_writer_put_jmp_label(c->w, l);
  else ospy_x86_writer_put_jmp_address(c->w, target);
}

/* call rel32 to outside: near, or push the return address in the copy and jump. */
static void put_call_far(reloc_ctx *c, uint64_t target) {
  ospy_x86_writer *w = c->w;
  if (w->mode == OSPY_X86_MODE_32 || ospy_x86_rel32_reachable(ospy_x86_writer_pc(w) + 5, target)) {
    ospy_x86_writer_put_call_address(w, target, OSPY_X86_NOREG);
    return;
  }
  uint64_t pc = ospy_x86_writer_pc(w);
  uint64_t ret = pc + 5 + 14;
  if (ospy_x86_push_address_size(w->mode, ret) != 5) ret = pc + 13 + 14;
  ospy_x86_writer_put_push_address(w, ret);
  ospy_x86_writer_put_jmp_address_abs(w, target);
  if (ospy_x86_writer_ok(w) && ospy_x86_writer_pc(w) != ret)
    wfail(w, "relocator: return address of a far call mispredicted");
}

static void put_call(reloc_ctx *c, const ospy_x86_shape *s, unsigned idx, uint64_t next) {
  ospy_x86_writer *w = c->w;
  int thunk = c->plan->pc_thunk_reg[idx];
  if (thunk >= 0) { /* get_pc_thunk: the register gets the original return address */
    ospy_x86_writer_put_mov_reg_imm(w, (ospy_x86_reg)(OSPY_X86_EAX + thunk), next);
    return;
  }
  if (s->target >= c->start && s->target <= c->end) {
    /* call $+5 (or into the moved bytes): code after it reads the return
     * address as its own pc, so it must be the original one. */
    ospy_x86_writer_put_push_address(w, next);
    if (s->target != next) put_jmp_to(c, s->target);
    return;
  }
  put_call_far(c, s->target);
}

/* loop/jecxz: rel8 only. Outside targets go through a jump island:
 *   loop take; jmp short over; take: jmp target; over: */
static void put_loop(reloc_ctx *c, const cs_insn *insn, const ospy_x86_shape *s) {
  ospy_x86_writer *w = c->w;
  unsigned oplen = insn->size - 1;
  ospy_x86_label l;
  if (target_label(c, s->target, &l)) {
    ospy_x86_writer_put_rel8_label(w, insn->bytes, oplen, l);
    return;
  }
  ospy_x86_writer_put_bytes(w, insn->bytes, oplen);
  uint8_t take = 2;
  ospy_x86_writer_put_bytes(w, &take, 1);
  uint64_t island = ospy_x86_writer_pc(w) + 2;
  bool near = w->mode == OSPY_X86_MODE_32 || ospy_x86_rel32_reachable(island + 5, s->target);
  uint8_t over[2] = {0xEB, near ? 5 : 14};
  ospy_x86_writer_put_bytes(w, over, 2);
  ospy_x86_writer_put_jmp_address(w, s->target);
  if (ospy_x86_writer_ok(w) && ospy_x86_writer_pc(w) != island + over[1])
    wfail(w, "relocator: loop island size mispredicted");
}

static void put_branch(reloc_ctx *c, const cs_insn *insn, const ospy_x86_shape *s, unsigned idx) {
  uint64_t next = insn->address + insn->size;
  ospy_x86_label l;
  switch (s->kind) {
  case OSPY_X86_K_JMP:
    put_jmp_to(c, s->target);
    break;
  case OSPY_X86_K_JCC:
    if (target_label(c, s->target, &l)) ospy_x86_writer_put_jcc_label(c->w, (ospy_x86_cc)s->cc, l);
    else ospy_x86_writer_put_jcc_address(c->w, (ospy_x86_cc)s->cc, s->target);
    break;
  case OSPY_X86_K_CALL:
    put_call(c, s, idx, next);
    break;
  default:
    put_loop(c, insn, s);
    break;
  }
}

/* The RIP-relative memory operand of insn, if any. */
static const cs_x86_op *rip_operand(const cs_insn *insn) {
  const cs_x86 *x = &insn->detail->x86;
  for (unsigned i = 0; i < x->op_count; i++)
    if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP)
      return &x->operands[i];
  return NULL;
}

/* Which of the hardware registers 0..7 an instruction reads or writes. */
static unsigned regs_touched(const reloc_ctx *c, const cs_insn *insn) {
  static const struct { x86_reg reg; uint8_t hw; } fam[] = {
      {X86_REG_RAX, 0}, {X86_REG_EAX, 0}, {X86_REG_AX, 0}, {X86_REG_AL, 0}, {X86_REG_AH, 0},
      {X86_REG_RCX, 1}, {X86_REG_ECX, 1}, {X86_REG_CX, 1}, {X86_REG_CL, 1}, {X86_REG_CH, 1},
      {X86_REG_RDX, 2}, {X86_REG_EDX, 2}, {X86_REG_DX, 2}, {X86_REG_DL, 2}, {X86_REG_DH, 2},
      {X86_REG_RBX, 3}, {X86_REG_EBX, 3}, {X86_REG_BX, 3}, {X86_REG_BL, 3}, {X86_REG_BH, 3},
      {X86_REG_RSP, 4}, {X86_REG_ESP, 4}, {X86_REG_SP, 4}, {X86_REG_SPL, 4},
      {X86_REG_RSI, 6}, {X86_REG_ESI, 6}, {X86_REG_SI, 6}, {X86_REG_SIL, 6},
      {X86_REG_RDI, 7}, {X86_REG_EDI, 7}, {X86_REG_DI, 7}, {X86_REG_DIL, 7},
  };
  cs_regs rd, wr;
  uint8_t nrd = 0, nwr = 0;
  if (cs_regs_access(c->d.cs, insn, rd, &nrd, wr, &nwr) != CS_ERR_OK) return 0xff;
  unsigned mask = 0;
  for (unsigned k = 0; k < sizeof fam / sizeof fam[0]; k++) {
    for (unsigned i = 0; i < nrd; i++) mask |= rd[i] == fam[k].reg ? 1u << fam[k].hw : 0;
    for (unsigned i = 0; i < nwr; i++) mask |= wr[i] == fam[k].reg ? 1u << fam[k].hw : 0;
  }
  /* Operands too (some versions list them only there). */
  const cs_x86 *x = &insn->detail->x86;
  for (unsigned i = 0; i < x->op_count; i++)
    for (unsigned k = 0; k < sizeof fam / sizeof fam[0]; k++)
      if (x->operands[i].type == X86_OP_REG && x->operands[i].reg == fam[k].reg)
        mask |= 1u << fam[k].hw;
  return mask;
}

/* Copy with the disp32 at disp_off re-aimed from the copy's address (for
 * [eip+x], abs is 32-bit and the truncated difference is the new disp32). */
static void put_rip_near(reloc_ctx *c, const cs_insn *insn, unsigned disp_off, uint64_t abs) {
  uint8_t b[OSPY_X86_MAX_INSN_BYTES];
  memcpy(b, insn->bytes, insn->size);
  uint32_t disp = (uint32_t)(abs - (ospy_x86_writer_pc(c->w) + insn->size));
  memcpy(b + disp_off, &disp, 4);
  ospy_x86_writer_put_bytes(c->w, b, insn->size);
}

/* The instruction with [rip+disp32] turned into [scratch] (no displacement). */
static bool rewrite_rip_to_reg(const cs_insn *insn, unsigned modrm_off, unsigned disp_off,
                               unsigned scratch, uint8_t *out, unsigned *out_len) {
  unsigned n = insn->size;
  memcpy(out, insn->bytes, n);
  unsigned i = 0;
  while (i < modrm_off && ospy_x86_is_legacy_prefix(out[i])) i++;
  /* REX.X/B (and their inverted VEX3/EVEX copies) were ignored with [rip];
   * with [scratch] they would extend the register number, so clear them. */
  if ((out[i] & 0xF0) == 0x40) out[i] &= (uint8_t)~0x03;
  else if (out[i] == 0xC4 || out[i] == 0x62) out[i + 1] |= 0x60;
  else if (out[i] != 0xC5 && modrm_off - i > 3) return false; /* XOP or unknown: give up */
  out[modrm_off] = (uint8_t)((out[modrm_off] & 0x38) | scratch); /* mod 00, rm scratch */
  memmove(out + disp_off, out + disp_off + 4, n - disp_off - 4);
  *out_len = n - 4;
  return true;
}

static void put_rip_far_generic(reloc_ctx *c, const cs_insn *insn, unsigned modrm_off,
                                unsigned disp_off, uint64_t abs) {
  ospy_x86_writer *w = c->w;
  static const uint8_t candidates[] = {0, 1, 2, 3, 6, 7};
  unsigned touched = regs_touched(c, insn), scratch = 8;
  for (unsigned i = 0; i < sizeof candidates && scratch == 8; i++)
    if (!(touched & (1u << candidates[i]))) scratch = candidates[i];
  uint8_t b[OSPY_X86_MAX_INSN_BYTES];
  unsigned n = 0;
  if (scratch == 8 || !rewrite_rip_to_reg(insn, modrm_off, disp_off, scratch, b, &n)) {
    wfail(w, "relocator: RIP-relative instruction cannot be moved more than 2GB away");
    return;
  }
  ospy_x86_reg sreg = (ospy_x86_reg)(OSPY_X86_RAX + scratch);
  /* Step over the red zone: the function may keep data below rsp. */
  ospy_x86_writer_put_lea_reg_mem(w, OSPY_X86_RSP, ospy_x86_mem_base_disp(OSPY_X86_RSP, -128));
  ospy_x86_writer_put_push_reg(w, sreg);
  ospy_x86_writer_put_mov_reg_imm(w, sreg, abs);
  ospy_x86_writer_put_bytes(w, b, n);
  ospy_x86_writer_put_pop_reg(w, sreg);
  ospy_x86_writer_put_lea_reg_mem(w, OSPY_X86_RSP, ospy_x86_mem_base_disp(OSPY_X86_RSP, 128));
}

/* Loads the qword at slot and jumps to it, clobbering nothing but the two
 * stack slots below rsp (dead at a jump). */
static void put_jmp_slot_far(ospy_x86_writer *w, uint64_t slot) {
  ospy_x86_writer_put_push_reg(w, OSPY_X86_RAX);
  ospy_x86_writer_put_push_reg(w, OSPY_X86_RAX);
  ospy_x86_writer_put_mov_reg_imm(w, OSPY_X86_RAX, slot);
  ospy_x86_writer_put_mov_reg_mem(w, OSPY_X86_RAX, ospy_x86_mem_base_disp(OSPY_X86_RAX, 0));
  ospy_x86_writer_put_mov_mem_reg(w, ospy_x86_mem_base_disp(OSPY_X86_RSP, 8), OSPY_X86_RAX);
  ospy_x86_writer_put_pop_reg(w, OSPY_X86_RAX);
  ospy_x86_writer_put_ret(w);
}

/* Capstone's id of every writer register, in writer order. */
static ospy_x86_reg from_cs_reg(x86_reg reg) {
  static const x86_reg gpr[64] = {
      X86_REG_RAX,  X86_REG_RCX,  X86_REG_RDX,  X86_REG_RBX,  X86_REG_RSP,  X86_REG_RBP,
      X86_REG_RSI,  X86_REG_RDI,  X86_REG_R8,   X86_REG_R9,   X86_REG_R10,  X86_REG_R11,
      X86_REG_R12,  X86_REG_R13,  X86_REG_R14,  X86_REG_R15,  X86_REG_EAX,  X86_REG_ECX,
      X86_REG_EDX,  X86_REG_EBX,  X86_REG_ESP,  X86_REG_EBP,  X86_REG_ESI,  X86_REG_EDI,
      X86_REG_R8D,  X86_REG_R9D,  X86_REG_R10D, X86_REG_R11D, X86_REG_R12D, X86_REG_R13D,
      X86_REG_R14D, X86_REG_R15D, X86_REG_AX,   X86_REG_CX,   X86_REG_DX,   X86_REG_BX,
      X86_REG_SP,   X86_REG_BP,   X86_REG_SI,   X86_REG_DI,   X86_REG_R8W,  X86_REG_R9W,
      X86_REG_R10W, X86_REG_R11W, X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W,
      X86_REG_AL,   X86_REG_CL,   X86_REG_DL,   X86_REG_BL,   X86_REG_SPL,  X86_REG_BPL,
      X86_REG_SIL,  X86_REG_DIL,  X86_REG_R8B,  X86_REG_R9B,  X86_REG_R10B, X86_REG_R11B,
      X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B};
  for (unsigned i = 0; i < 64; i++)
    if (gpr[i] == reg) return (ospy_x86_reg)i;
  return OSPY_X86_NOREG;
}

/* Size of put_jmp_slot_far(slot): it depends on the slot's mov imm form. */
static size_t jmp_slot_far_size(uint64_t slot) {
  uint8_t buf[64];
  ospy_x86_writer t;
  ospy_x86_writer_init(&t, buf, sizeof buf, 0, OSPY_X86_MODE_64);
  put_jmp_slot_far(&t, slot);
  return ospy_x86_writer_offset(&t);
}

/* call [rip+x] from far away: push the return address in the copy, then jump
 * through the slot. */
static void put_call_slot_far(ospy_x86_writer *w, uint64_t slot) {
  uint64_t pc = ospy_x86_writer_pc(w);
  size_t jmp_len = jmp_slot_far_size(slot);
  uint64_t ret = pc + 5 + jmp_len;
  if (ospy_x86_push_address_size(w->mode, ret) != 5) ret = pc + 13 + jmp_len;
  ospy_x86_writer_put_push_address(w, ret);
  put_jmp_slot_far(w, slot);
  if (ospy_x86_writer_ok(w) && ospy_x86_writer_pc(w) != ret)
    wfail(w, "relocator: return address of a far call mispredicted");
}

/* push qword [rip+x] from far away. */
static void put_push_slot_far(ospy_x86_writer *w, uint64_t slot) {
  ospy_x86_writer_put_push_reg(w, OSPY_X86_RAX); /* becomes the pushed value */
  ospy_x86_writer_put_push_reg(w, OSPY_X86_RAX); /* saved rax */
  ospy_x86_writer_put_mov_reg_imm(w, OSPY_X86_RAX, slot);
  ospy_x86_writer_put_mov_reg_mem(w, OSPY_X86_RAX, ospy_x86_mem_base_disp(OSPY_X86_RAX, 0));
  ospy_x86_writer_put_mov_mem_reg(w, ospy_x86_mem_base_disp(OSPY_X86_RSP, 8), OSPY_X86_RAX);
  ospy_x86_writer_put_pop_reg(w, OSPY_X86_RAX);
}

/*
 * Where the disp32 of a RIP-relative operand is. [rip+disp32] is always
 * ModRM mod=00 rm=101 (no SIB) with the disp32 right after the ModRM, in
 * legacy, VEX and EVEX encodings alike; an immediate may follow it. Capstone
 * 4 finds the ModRM, but reports a displacement size of 2 for many VEX and
 * SSE forms (vpxor, vpshufd, pshufd, vpblendd): its disp_size/disp_offset
 * are not used. Found from the ModRM, an operand Capstone did not list as
 * RIP-relative is not copied unchanged.
 */
typedef struct rip_form {
  unsigned modrm_off, disp_off;
  int32_t disp;
} rip_form;

static bool rip_form_of(const cs_insn *insn, rip_form *f) {
  unsigned m = insn->detail->x86.encoding.modrm_offset;
  if (m == 0 || m + 5 > insn->size || (insn->bytes[m] & 0xC7) != 0x05) return false;
  f->modrm_off = m;
  f->disp_off = m + 1;
  memcpy(&f->disp, insn->bytes + m + 1, 4);
  return true;
}

/* An instruction with a RIP-relative operand (x86-64). */
static void put_rip(reloc_ctx *c, const cs_insn *insn, const cs_x86_op *op) {
  ospy_x86_writer *w = c->w;
  const cs_x86 *x = &insn->detail->x86;
  rip_form f;
  if (!rip_form_of(insn, &f) || (op && (int64_t)f.disp != op->mem.disp)) {
    wfail(w, "relocator: RIP-relative operand whose disp32 cannot be located");
    return;
  }
  unsigned modrm_off = f.modrm_off, disp_off = f.disp_off;
  uint64_t abs = insn->address + insn->size + (uint64_t)(int64_t)f.disp;
  if (x->addr_size == 4) {
    /* 0x67: [eip+disp32] wraps at 4GB, so a new disp32 reaches its address
     * from anywhere (Capstone does not call eip RIP-relative). */
    put_rip_near(c, insn, disp_off, (uint32_t)abs);
    return;
  }
  if (ospy_x86_rel32_reachable(ospy_x86_writer_pc(w) + insn->size, abs)) {
    put_rip_near(c, insn, disp_off, abs);
    return;
  }
  ospy_x86_reg dst = x->op_count > 0 && x->operands[0].type == X86_OP_REG
                         ? from_cs_reg(x->operands[0].reg)
                         : OSPY_X86_NOREG;
  switch (insn->id) {
  case X86_INS_LEA:
    if (ospy_x86_reg_width(dst) == 16) break;
    ospy_x86_writer_put_mov_reg_imm(
        w, dst, ospy_x86_reg_width(dst) == 32 ? (uint32_t)abs : abs);
    return;
  case X86_INS_CALL:
    put_call_slot_far(w, abs);
    return;
  case X86_INS_JMP:
    put_jmp_slot_far(w, abs);
    return;
  case X86_INS_PUSH:
    put_push_slot_far(w, abs);
    return;
  default:
    break;
  }
  if (regs_touched(c, insn) & (1u << 4)) {
    wfail(w, "relocator: RIP-relative stack instruction cannot be moved more than 2GB away");
    return;
  }
  put_rip_far_generic(c, insn, modrm_off, disp_off, abs);
}

/* The writer ran out of room (not an instruction's fault). */
static bool is_room_error(const ospy_x86_writer *w) {
  const char *e = ospy_x86_writer_error(w);
  return e && strcmp(e, "buffer full") == 0;
}

/* Size of moved instruction i (from the plan's offsets). */
static size_t moved_size(const ospy_x86_reloc_plan *plan, unsigned i) {
  size_t end = i + 1 < plan->n_insns ? plan->insn_offset[i + 1] : plan->skip + plan->len;
  return end - plan->insn_offset[i];
}

static bool decode_moved(reloc_ctx *c, unsigned i, ospy_x86_shape *s) {
  size_t off = c->plan->insn_offset[i];
  if (!ospy_x86_dec_one(&c->d, c->code + off, moved_size(c->plan, i), c->plan->pc + off))
    return false;
  *s = ospy_x86_classify(c->d.insn->bytes, c->d.insn->size, c->d.insn->address, c->plan->mode);
  return true;
}

/* Labels for the moved instructions that moved branches target. */
static bool make_labels(reloc_ctx *c) {
  for (unsigned i = 0; i < c->plan->n_insns; i++) {
    ospy_x86_shape s;
    if (!decode_moved(c, i, &s)) return false;
    if (!ospy_x86_is_rel_branch(s.kind) || s.target < c->start || s.target >= c->end) continue;
    int t = ospy_x86_moved_index(c->plan, s.target - c->plan->pc);
    if (t >= 0 && !c->has_label[t]) {
      c->labels[t] = ospy_x86_writer_new_label(c->w);
      c->has_label[t] = true;
    }
  }
  return true;
}

static void put_moved(reloc_ctx *c, unsigned i) {
  ospy_x86_shape s;
  if (!decode_moved(c, i, &s)) {
    wfail(c->w, "relocator: planned instruction no longer decodes");
    return;
  }
  const cs_insn *insn = c->d.insn;
  rip_form f;
  const cs_x86_op *rip = c->plan->mode == OSPY_X86_MODE_64 ? rip_operand(insn) : NULL;
  bool rip_modrm = c->plan->mode == OSPY_X86_MODE_64 && rip_form_of(insn, &f);
  if (ospy_x86_is_rel_branch(s.kind)) put_branch(c, insn, &s, i);
  else if (rip || rip_modrm) put_rip(c, insn, rip);
  else ospy_x86_writer_put_bytes(c->w, insn->bytes, insn->size);
}

bool ospy_x86_relocator_write(ospy_x86_writer *w, const uint8_t *code,
                              const ospy_x86_reloc_plan *plan, ospy_x86_reloc_map *map) {
  map->n = 0;
  map->end = 0;
  map->failed = -1;
  if (!ospy_x86_writer_ok(w)) return false;
  if (plan->mode != w->mode || plan->n_insns == 0 || plan->n_insns > OSPY_X86_RELOC_MAX_INSNS) {
    wfail(w, "relocator: plan does not match the writer");
    return false;
  }
  reloc_ctx c = {.w = w, .plan = plan, .code = code};
  c.start = plan->pc + plan->skip;
  c.end = c.start + plan->len;
  if (!ospy_x86_dec_open(&c.d, plan->mode)) {
    wfail(w, "relocator: Capstone cannot be opened");
    return false;
  }
  size_t base = ospy_x86_writer_offset(w);
  if (!make_labels(&c)) wfail(w, "relocator: planned instruction no longer decodes");
  for (unsigned i = 0; i < plan->n_insns && ospy_x86_writer_ok(w); i++) {
    map->from[i] = plan->insn_offset[i];
    map->to[i] = (uint16_t)(ospy_x86_writer_offset(w) - base);
    map->n = i + 1;
    if (c.has_label[i]) ospy_x86_writer_put_label(w, c.labels[i]);
    put_moved(&c, i);
    if (!ospy_x86_writer_ok(w) && !is_room_error(w)) map->failed = (int8_t)i;
  }
  map->end = (uint16_t)(ospy_x86_writer_offset(w) - base);
  ospy_x86_writer_put_jmp_address(w, c.end);
  ospy_x86_dec_close(&c.d);
  return ospy_x86_writer_resolve_placed(w);
}
