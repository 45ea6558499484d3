/*
 * Prologue relocator. Planning decodes the first instructions of a function
 * (Capstone) and scans the rest of its body for branches back into them;
 * writing re-emits each moved instruction through the writer, rewriting what
 * depends on its address. Branch shapes are recognised from the raw opcode
 * bytes (the few forms that exist are easy to name exactly); Capstone's
 * detail mode supplies what needs opcode tables: where an instruction's
 * RIP-relative displacement is, and which registers it touches.
 *
 * Capstone allocates (cs_open, detail records): this is hook-installation
 * code, not something to run from inside a hooked allocator.
 */
#include "arch/x86/x86_relocator.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Body scan when the function size is unknown. */
#define SCAN_UNKNOWN_SIZE 256u
#define MAX_INSN 15u

/* ---- decoding ----------------------------------------------------------- */

typedef struct decoder {
  csh cs;
  cs_insn *insn;
} decoder;

static bool dec_open(decoder *d, ospy_x86_mode mode) {
  d->insn = NULL;
  if (cs_open(CS_ARCH_X86, mode == OSPY_X86_MODE_64 ? CS_MODE_64 : CS_MODE_32, &d->cs) !=
      CS_ERR_OK)
    return false;
  cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
  d->insn = cs_malloc(d->cs);
  if (!d->insn) {
    cs_close(&d->cs);
    return false;
  }
  return true;
}

static void dec_close(decoder *d) {
  if (d->insn) cs_free(d->insn, 1);
  cs_close(&d->cs);
}

static bool dec_one(decoder *d, const uint8_t *code, size_t avail, uint64_t addr) {
  const uint8_t *p = code;
  size_t n = avail < MAX_INSN ? avail : MAX_INSN;
  uint64_t a = addr;
  return cs_disasm_iter(d->cs, &p, &n, &a, d->insn);
}

/* ---- instruction shapes from the raw bytes ------------------------------ */

typedef enum kind {
  K_OTHER,
  K_JMP,     /* jmp rel8/rel32 */
  K_JCC,     /* jcc rel8/rel32 */
  K_CALL,    /* call rel32 */
  K_LOOP,    /* loop/loope/loopne/jecxz/jrcxz: rel8 only */
  K_END,     /* ret, indirect jmp, hlt, ud2, int3: nothing after it runs */
  K_BAD_REL, /* relative forms that cannot be moved (xbegin, 16-bit rel) */
} kind;

typedef struct shape {
  kind kind;
  unsigned op;      /* offset of the first opcode byte */
  uint8_t rex;      /* 0 when none */
  bool opsize;      /* 0x66 prefix */
  unsigned cc;      /* K_JCC */
  uint64_t target;  /* branch target (relative kinds) */
} shape;

static bool is_legacy_prefix(uint8_t b) {
  switch (b) {
  case 0xF0: case 0xF2: case 0xF3: case 0x2E: case 0x36:
  case 0x3E: case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
    return true;
  default:
    return false;
  }
}

static uint64_t wrap(ospy_x86_mode mode, uint64_t addr) {
  return mode == OSPY_X86_MODE_64 ? addr : (addr & 0xffffffffu);
}

static int64_t rel_at(const uint8_t *p, unsigned size) {
  if (size == 1) return (int8_t)p[0];
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Classifies an instruction of `size` bytes at addr. */
static shape classify(const uint8_t *b, unsigned size, uint64_t addr, ospy_x86_mode mode) {
  shape s = {.kind = K_OTHER};
  unsigned i = 0;
  while (i < size && is_legacy_prefix(b[i])) s.opsize |= b[i++] == 0x66;
  if (mode == OSPY_X86_MODE_64 && i < size && (b[i] & 0xF0) == 0x40) s.rex = b[i++];
  s.op = i;
  if (i >= size) return s;
  uint8_t o = b[i], o2 = i + 1 < size ? b[i + 1] : 0;
  uint64_t next = addr + size;
  unsigned rel_size = 0;
  if (o == 0xEB || o == 0xE9) {
    s.kind = K_JMP;
    rel_size = o == 0xEB ? 1 : 4;
  } else if ((o & 0xF0) == 0x70) {
    s.kind = K_JCC;
    s.cc = o & 15;
    rel_size = 1;
  } else if (o == 0x0F && (o2 & 0xF0) == 0x80) {
    s.kind = K_JCC;
    s.cc = o2 & 15;
    rel_size = 4;
  } else if (o == 0xE8) {
    s.kind = K_CALL;
    rel_size = 4;
  } else if (o >= 0xE0 && o <= 0xE3) {
    s.kind = K_LOOP;
    rel_size = 1;
  } else if (o == 0xC7 && o2 == 0xF8) {
    s.kind = K_BAD_REL; /* xbegin */
  } else if (o == 0xC3 || o == 0xC2 || o == 0xCB || o == 0xCA || o == 0xF4 || o == 0xCC ||
             (o == 0x0F && (o2 == 0x0B || o2 == 0xB9 || o2 == 0xFF)) ||
             (o == 0xFF && ((o2 >> 3) & 7) >= 4 && ((o2 >> 3) & 7) <= 5)) {
    s.kind = K_END;
  }
  if (rel_size) {
    /* A 0x66 prefix makes a relative branch 16-bit on i386 (and is
     * vendor-specific on x86-64): not worth guessing. */
    if (s.opsize && s.kind != K_LOOP) s.kind = K_BAD_REL;
    else s.target = wrap(mode, next + (uint64_t)rel_at(b + size - rel_size, rel_size));
  }
  return s;
}

static bool is_rel_branch(kind k) {
  return k == K_JMP || k == K_JCC || k == K_CALL || k == K_LOOP;
}

/* ---- plan --------------------------------------------------------------- */

static ospy_x86_reloc_status refuse(ospy_x86_reloc_plan *plan, ospy_x86_reloc_status status,
                                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ospy_x86_reloc_status refuse(ospy_x86_reloc_plan *plan, ospy_x86_reloc_status status,
                                    const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(plan->why, sizeof plan->why, fmt, ap);
  va_end(ap);
  plan->len = 0;
  plan->n_insns = 0;
  return status;
}

/* "mnemonic operands" of the decoded instruction, for messages. */
static const char *insn_text(const cs_insn *insn, char *buf, size_t n) {
  /* Truncation is fine: the text only names the instruction in a message. */
  if (snprintf(buf, n, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str) < 0)
    buf[0] = '\0';
  return buf;
}

typedef struct reader {
  const uint8_t *code;
  size_t avail;
  uint64_t pc;
  ospy_x86_read_fn read;
  void *data;
} reader;

static bool read_bytes(const reader *r, uint64_t addr, void *out, size_t n) {
  if (addr >= r->pc && addr - r->pc <= r->avail && r->avail - (addr - r->pc) >= n) {
    memcpy(out, r->code + (addr - r->pc), n);
    return true;
  }
  if (r->read) return r->read(addr, out, n, r->data);
  if ((uint64_t)(uintptr_t)r->code == r->pc) { /* live code: the call target is mapped */
    memcpy(out, (const void *)(uintptr_t)addr, n);
    return true;
  }
  return false;
}

/* `mov reg, [esp]; ret` (8B /r with SIB [esp]) is a get_pc_thunk: returns reg or -1. */
static int pc_thunk_reg(const reader *r, uint64_t target) {
  uint8_t b[4];
  if (!read_bytes(r, target, b, sizeof b)) return -1;
  if (b[0] != 0x8B || (b[1] & 0xC7) != 0x04 || b[2] != 0x24 || b[3] != 0xC3) return -1;
  return (b[1] >> 3) & 7;
}

static bool starts_with_endbr(const uint8_t *code, size_t avail, ospy_x86_mode mode) {
  uint8_t last = mode == OSPY_X86_MODE_64 ? 0xFA : 0xFB;
  return avail >= 4 && code[0] == 0xF3 && code[1] == 0x0F && code[2] == 0x1E && code[3] == last;
}

/* Index of the moved instruction starting at off, or -1. */
static int moved_index(const ospy_x86_reloc_plan *plan, uint64_t off) {
  for (unsigned i = 0; i < plan->n_insns; i++)
    if (plan->insn_offset[i] == off) return (int)i;
  return -1;
}

/* Takes whole instructions until min_bytes are covered. */
static ospy_x86_reloc_status take_insns(decoder *d, const reader *r, size_t fn_size,
                                        size_t min_bytes, ospy_x86_reloc_plan *plan) {
  size_t off = plan->skip;
  char text[96];
  while (off - plan->skip < min_bytes) {
    if (plan->n_insns == OSPY_X86_RELOC_MAX_INSNS)
      return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED,
                    "more than %d instructions in the first %zu bytes", OSPY_X86_RELOC_MAX_INSNS,
                    min_bytes);
    if (off >= r->avail || !dec_one(d, r->code + off, r->avail - off, r->pc + off)) {
      if (off >= r->avail)
        return refuse(plan, OSPY_X86_RELOC_DECODE_ERROR,
                      "only %zu bytes readable at +0x%zx, %zu needed", r->avail, off,
                      plan->skip + min_bytes);
      return refuse(plan, OSPY_X86_RELOC_DECODE_ERROR,
                    "cannot decode the bytes at +0x%zx (first byte 0x%02x)", off, r->code[off]);
    }
    const cs_insn *insn = d->insn;
    if (fn_size && off + insn->size > fn_size)
      return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                    "'%s' at +0x%zx runs past the end of the %zu-byte function",
                    insn_text(insn, text, sizeof text), off, fn_size);
    shape s = classify(insn->bytes, insn->size, insn->address, plan->mode);
    if (s.kind == K_BAD_REL)
      return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED, "'%s' at +0x%zx cannot be relocated",
                    insn_text(insn, text, sizeof text), off);
    plan->insn_offset[plan->n_insns] = (uint8_t)off;
    plan->pc_thunk_reg[plan->n_insns] = -1;
    if (s.kind == K_CALL && plan->mode == OSPY_X86_MODE_32 && s.target != insn->address + insn->size)
      plan->pc_thunk_reg[plan->n_insns] = (int8_t)pc_thunk_reg(r, s.target);
    plan->n_insns++;
    off += insn->size;
    bool ends = s.kind == K_END || s.kind == K_JMP;
    if (ends && off - plan->skip < min_bytes)
      return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                    "'%s' at +0x%zx ends the function after %zu of the %zu bytes needed",
                    insn_text(insn, text, sizeof text), off - insn->size, off - plan->skip,
                    min_bytes);
    if (ends) break;
  }
  plan->len = off - plan->skip;
  return OSPY_X86_RELOC_OK;
}

/* Branches among the moved instructions must land on instruction starts. */
static ospy_x86_reloc_status check_moved_branches(decoder *d, const reader *r,
                                                  ospy_x86_reloc_plan *plan,
                                                  uint64_t *pending) {
  uint64_t start = r->pc + plan->skip, end = start + plan->len;
  char text[96];
  for (unsigned i = 0; i < plan->n_insns; i++) {
    size_t off = plan->insn_offset[i];
    dec_one(d, r->code + off, r->avail - off, r->pc + off);
    shape s = classify(d->insn->bytes, d->insn->size, d->insn->address, plan->mode);
    if (!is_rel_branch(s.kind)) continue;
    if (s.target > start && s.target < end && moved_index(plan, s.target - r->pc) < 0)
      return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED,
                    "'%s' at +0x%zx branches into the middle of a moved instruction",
                    insn_text(d->insn, text, sizeof text), off);
    if (s.kind != K_CALL && s.target > *pending) *pending = s.target;
  }
  return OSPY_X86_RELOC_OK;
}

/* Scans the body after the moved bytes for relative branches into them. */
static ospy_x86_reloc_status scan_body(decoder *d, const reader *r, size_t fn_size,
                                       uint64_t pending, ospy_x86_reloc_plan *plan) {
  uint64_t start = r->pc + plan->skip, end = start + plan->len;
  size_t limit = fn_size ? fn_size : SCAN_UNKNOWN_SIZE;
  if (limit > r->avail) limit = r->avail;
  uint64_t horizon = r->pc + limit; /* forward targets beyond it are not waited for */
  char text[96];
  for (size_t off = plan->skip + plan->len; off < limit;) {
    if (!dec_one(d, r->code + off, limit - off, r->pc + off)) break; /* data or padding */
    const cs_insn *insn = d->insn;
    shape s = classify(insn->bytes, insn->size, insn->address, plan->mode);
    if (is_rel_branch(s.kind) && s.target > start && s.target < end)
      return refuse(plan, OSPY_X86_RELOC_BRANCH_BACK,
                    "'%s' at +0x%zx branches to +0x%" PRIx64 ", inside the moved bytes "
                    "+0x%zx..+0x%zx",
                    insn_text(insn, text, sizeof text), off, s.target - r->pc, plan->skip,
                    plan->skip + plan->len);
    off += insn->size;
    if (is_rel_branch(s.kind) && s.kind != K_CALL && s.target > pending && s.target < horizon)
      pending = s.target;
    bool ends = s.kind == K_END || s.kind == K_JMP;
    if (!fn_size && ends && r->pc + off > pending) break;
  }
  return OSPY_X86_RELOC_OK;
}

ospy_x86_reloc_status ospy_x86_relocator_plan_read(const uint8_t *code, size_t avail,
                                                   uint64_t pc, size_t fn_size,
                                                   size_t min_bytes, ospy_x86_mode mode,
                                                   ospy_x86_read_fn read, void *data,
                                                   ospy_x86_reloc_plan *plan) {
  memset(plan, 0, sizeof *plan);
  plan->mode = mode;
  plan->pc = pc;
  if (mode != OSPY_X86_MODE_32 && mode != OSPY_X86_MODE_64)
    return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED, "unknown mode %d", (int)mode);
  if (min_bytes == 0 || min_bytes > 64)
    return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED, "cannot move %zu bytes", min_bytes);
  plan->skip = starts_with_endbr(code, avail, mode) ? 4 : 0;
  if (fn_size && fn_size < plan->skip + min_bytes)
    return refuse(plan, OSPY_X86_RELOC_TOO_SHORT, "function is %zu bytes, %zu needed", fn_size,
                  plan->skip + min_bytes);
  decoder d;
  if (!dec_open(&d, mode))
    return refuse(plan, OSPY_X86_RELOC_DECODE_ERROR, "Capstone cannot be opened");
  reader r = {.code = code, .avail = avail, .pc = pc, .read = read, .data = data};
  ospy_x86_reloc_status st = take_insns(&d, &r, fn_size, min_bytes, plan);
  uint64_t pending = pc + plan->skip + plan->len;
  if (st == OSPY_X86_RELOC_OK) st = check_moved_branches(&d, &r, plan, &pending);
  if (st == OSPY_X86_RELOC_OK) st = scan_body(&d, &r, fn_size, pending, plan);
  dec_close(&d);
  return st;
}

ospy_x86_reloc_status ospy_x86_relocator_plan(const uint8_t *code, size_t avail, uint64_t pc,
                                              size_t fn_size, size_t min_bytes,
                                              ospy_x86_mode mode, ospy_x86_reloc_plan *plan) {
  return ospy_x86_relocator_plan_read(code, avail, pc, fn_size, min_bytes, mode, NULL, NULL,
                                      plan);
}

const char *ospy_x86_reloc_status_name(ospy_x86_reloc_status status) {
  switch (status) {
  case OSPY_X86_RELOC_OK: return "ok";
  case OSPY_X86_RELOC_TOO_SHORT: return "too-short";
  case OSPY_X86_RELOC_BRANCH_BACK: return "branch-back";
  case OSPY_X86_RELOC_DECODE_ERROR: return "decode-error";
  case OSPY_X86_RELOC_UNSUPPORTED: return "unsupported";
  }
  return "unknown";
}

/* ---- write -------------------------------------------------------------- */

typedef struct reloc_ctx {
  ospy_x86_writer *w;
  decoder d;
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
  int i = moved_index(c->plan, target - c->plan->pc);
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

static void put_call(reloc_ctx *c, const shape *s, unsigned idx, uint64_t next) {
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
static void put_loop(reloc_ctx *c, const cs_insn *insn, const shape *s) {
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

static void put_branch(reloc_ctx *c, const cs_insn *insn, const shape *s, unsigned idx) {
  uint64_t next = insn->address + insn->size;
  ospy_x86_label l;
  switch (s->kind) {
  case K_JMP:
    put_jmp_to(c, s->target);
    break;
  case K_JCC:
    if (target_label(c, s->target, &l)) ospy_x86_writer_put_jcc_label(c->w, (ospy_x86_cc)s->cc, l);
    else ospy_x86_writer_put_jcc_address(c->w, (ospy_x86_cc)s->cc, s->target);
    break;
  case K_CALL:
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

/* Copy with the disp32 at disp_off re-aimed from the copy's address. */
static void put_rip_near(reloc_ctx *c, const cs_insn *insn, unsigned disp_off, uint64_t abs) {
  uint8_t b[MAX_INSN];
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
  while (i < modrm_off && is_legacy_prefix(out[i])) i++;
  if (i < modrm_off) {
    if ((out[i] & 0xF0) == 0x40) out[i] &= (uint8_t)~0x03; /* clear REX.X/B */
    else if (out[i] == 0xC4 || out[i] == 0x62) out[i + 1] |= 0x60; /* VEX3/EVEX: X,B inverted */
    else if (out[i] != 0xC5 && out[i] != 0x0F && modrm_off - i > 3) return false;
  }
  out[modrm_off] = (uint8_t)((out[modrm_off] & 0x38) | scratch); /* mod 00, rm scratch */
  memmove(out + disp_off, out + disp_off + 4, n - disp_off - 4);
  *out_len = n - 4;
  return true;
}

static void put_rip_far_generic(reloc_ctx *c, const cs_insn *insn, unsigned disp_off,
                                uint64_t abs) {
  ospy_x86_writer *w = c->w;
  static const uint8_t candidates[] = {0, 1, 2, 3, 6, 7};
  unsigned touched = regs_touched(c, insn), scratch = 8;
  for (unsigned i = 0; i < sizeof candidates && scratch == 8; i++)
    if (!(touched & (1u << candidates[i]))) scratch = candidates[i];
  uint8_t b[MAX_INSN];
  unsigned n = 0;
  unsigned modrm_off = insn->detail->x86.encoding.modrm_offset;
  if (scratch == 8 || modrm_off == 0 ||
      !rewrite_rip_to_reg(insn, modrm_off, disp_off, scratch, b, &n)) {
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

/* An instruction with a RIP-relative operand (x86-64). */
static void put_rip(reloc_ctx *c, const cs_insn *insn, const cs_x86_op *op) {
  ospy_x86_writer *w = c->w;
  const cs_x86 *x = &insn->detail->x86;
  uint64_t abs = insn->address + insn->size + (uint64_t)op->mem.disp;
  unsigned disp_off = x->encoding.disp_offset;
  if (disp_off == 0 || x->encoding.disp_size != 4 || disp_off + 4 > insn->size) {
    wfail(w, "relocator: unexpected RIP-relative encoding");
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
  put_rip_far_generic(c, insn, disp_off, abs);
}

/* Size of moved instruction i (from the plan's offsets). */
static size_t moved_size(const ospy_x86_reloc_plan *plan, unsigned i) {
  size_t end = i + 1 < plan->n_insns ? plan->insn_offset[i + 1] : plan->skip + plan->len;
  return end - plan->insn_offset[i];
}

static bool decode_moved(reloc_ctx *c, unsigned i, shape *s) {
  size_t off = c->plan->insn_offset[i];
  if (!dec_one(&c->d, c->code + off, moved_size(c->plan, i), c->plan->pc + off)) return false;
  *s = classify(c->d.insn->bytes, c->d.insn->size, c->d.insn->address, c->plan->mode);
  return true;
}

/* Labels for the moved instructions that moved branches target. */
static bool make_labels(reloc_ctx *c) {
  for (unsigned i = 0; i < c->plan->n_insns; i++) {
    shape s;
    if (!decode_moved(c, i, &s)) return false;
    if (!is_rel_branch(s.kind) || s.target < c->start || s.target >= c->end) continue;
    int t = moved_index(c->plan, s.target - c->plan->pc);
    if (t >= 0 && !c->has_label[t]) {
      c->labels[t] = ospy_x86_writer_new_label(c->w);
      c->has_label[t] = true;
    }
  }
  return true;
}

static void put_moved(reloc_ctx *c, unsigned i) {
  shape s;
  if (!decode_moved(c, i, &s)) {
    wfail(c->w, "relocator: planned instruction no longer decodes");
    return;
  }
  const cs_insn *insn = c->d.insn;
  const cs_x86_op *rip = c->plan->mode == OSPY_X86_MODE_64 ? rip_operand(insn) : NULL;
  if (is_rel_branch(s.kind)) put_branch(c, insn, &s, i);
  else if (rip) put_rip(c, insn, rip);
  else ospy_x86_writer_put_bytes(c->w, insn->bytes, insn->size);
}

bool ospy_x86_relocator_write(ospy_x86_writer *w, const uint8_t *code,
                              const ospy_x86_reloc_plan *plan, ospy_x86_reloc_map *map) {
  map->n = 0;
  if (!ospy_x86_writer_ok(w)) return false;
  if (plan->mode != w->mode || plan->n_insns == 0 || plan->n_insns > OSPY_X86_RELOC_MAX_INSNS) {
    wfail(w, "relocator: plan does not match the writer");
    return false;
  }
  reloc_ctx c = {.w = w, .plan = plan, .code = code};
  c.start = plan->pc + plan->skip;
  c.end = c.start + plan->len;
  if (!dec_open(&c.d, plan->mode)) {
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
  }
  ospy_x86_writer_put_jmp_address(w, c.end);
  dec_close(&c.d);
  return ospy_x86_writer_resolve_placed(w);
}

/* ---- thunks ------------------------------------------------------------- */

#define THUNK_MAX_DEPTH 8

/* Reads up to 16 bytes at addr (fewer near the end of a mapping). */
static size_t read_some(uint64_t addr, uint8_t *b, ospy_x86_read_fn read, void *data) {
  static const size_t tries[] = {16, 11, 6, 2};
  for (unsigned i = 0; i < sizeof tries / sizeof tries[0]; i++)
    if (read(addr, b, tries[i], data)) return tries[i];
  return 0;
}

/* Offset after an optional endbr and bnd prefix. */
static unsigned thunk_prefix(const uint8_t *b, size_t n, ospy_x86_mode mode) {
  unsigned i = starts_with_endbr(b, n, mode) ? 4 : 0;
  if (i < n && b[i] == 0xF2) i++;
  return i;
}

/* A lazy-binding PLT stub: [endbr] push imm32; [bnd] jmp ... */
static bool is_lazy_stub(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read, void *data) {
  uint8_t b[16];
  size_t n = read_some(addr, b, read, data);
  unsigned i = starts_with_endbr(b, n, mode) ? 4 : 0;
  if (i + 6 > n || b[i] != 0x68) return false;
  i += 5;
  if (b[i] == 0xF2 && i + 1 < n) i++;
  return b[i] == 0xE9 || b[i] == 0xEB;
}

/* Where the thunk at addr jumps, or addr itself when it is not one. */
static uint64_t thunk_step(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read,
                           void *data) {
  uint8_t b[16];
  size_t n = read_some(addr, b, read, data);
  unsigned i = thunk_prefix(b, n, mode);
  if (i + 2 <= n && b[i] == 0xEB) return wrap(mode, addr + i + 2 + (uint64_t)(int8_t)b[i + 1]);
  if (i + 5 <= n && b[i] == 0xE9) return wrap(mode, addr + i + 5 + (uint64_t)rel_at(b + i + 1, 4));
  if (i + 6 > n || b[i] != 0xFF || b[i + 1] != 0x25) return addr; /* jmp [ebx+x] etc.: stop */
  uint64_t slot = mode == OSPY_X86_MODE_64 ? addr + i + 6 + (uint64_t)rel_at(b + i + 2, 4)
                                           : (uint32_t)rel_at(b + i + 2, 4);
  uint64_t target = 0;
  size_t ptr = mode == OSPY_X86_MODE_64 ? 8 : 4;
  if (!read(slot, &target, ptr, data)) return addr;
  /* Not bound yet (lazy binding): the slot leads back to the resolver stub. */
  if (target == 0 || is_lazy_stub(target, mode, read, data)) return addr;
  return target;
}

uint64_t ospy_x86_resolve_thunks(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read,
                                 void *data) {
  for (unsigned depth = 0; depth < THUNK_MAX_DEPTH; depth++) {
    uint64_t next = thunk_step(addr, mode, read, data);
    if (next == addr) break;
    addr = next;
  }
  return addr;
}
