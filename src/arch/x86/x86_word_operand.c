/*
 * The instruction that holds a word of code as its displacement or
 * immediate, and how it uses it (x86_word_operand.h).
 */
#include "arch/x86/x86_word_operand.h"

#include <stdio.h>

#include "arch/x86/x86_decode.h"

/* The operand whose encoding holds the word (at offset at of the
 * instruction): its memory operand when the displacement is there, else its
 * immediate. NULL when neither a 4-byte displacement nor a 4- or 8-byte
 * immediate starts there. */
static const cs_x86_op *operand_at(const cs_x86 *x, unsigned at)
{
  const cs_x86_encoding *e = &x->encoding;
  x86_op_type want;
  if (e->disp_offset && e->disp_offset == at && e->disp_size == 4)
    want = X86_OP_MEM;
  else if (e->imm_offset && e->imm_offset == at && (e->imm_size == 4 || e->imm_size == 8))
    want = X86_OP_IMM;
  else
    return NULL;
  for (unsigned i = 0; i < x->op_count; i++)
    if (x->operands[i].type == want)
      return &x->operands[i];
  return NULL;
}

/* An immediate as the instruction uses it: Capstone gives it sign-extended;
 * a 4-byte operand keeps the low 32 bits (mov edx, imm32 clears the upper
 * half of rdx), an 8-byte one all 64 (mov qword [rdi], imm32 sign-extends). */
static uint64_t immediate_value(const cs_x86_op *op)
{
  return op->size == 8 ? (uint64_t)op->imm : (uint64_t)(uint32_t)op->imm;
}

static ospy_x86_word_kind memory_kind(const x86_op_mem *m)
{
  if (m->base == X86_REG_RIP || m->base == X86_REG_EIP)
    return OSPY_X86_WORD_RIP;
  return m->base == X86_REG_INVALID ? OSPY_X86_WORD_ABS : OSPY_X86_WORD_BASE;
}

/* How the instruction uses its memory operand m: lea takes its address, a
 * mov into a register or a push loads the word there; anything else (a
 * store to it, arithmetic), and any operand with an index register (a
 * table: its address depends on the index) or a segment override (fs:,
 * gs: thread data), is no address the code takes. */
static ospy_x86_word_use memory_use(const cs_insn *insn, const cs_x86_op *m)
{
  const cs_x86 *x = &insn->detail->x86;
  if (m->mem.index != X86_REG_INVALID || m->mem.segment != X86_REG_INVALID)
    return OSPY_X86_USE_OTHER;
  if (insn->id == X86_INS_LEA)
    return OSPY_X86_USE_VALUE;
  if (insn->id == X86_INS_PUSH)
    return OSPY_X86_USE_LOAD;
  if (insn->id == X86_INS_MOV && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
      &x->operands[1] == m)
    return OSPY_X86_USE_LOAD;
  return OSPY_X86_USE_OTHER;
}

/* mov (to a register or to memory), movabs and push: the immediate is the
 * value they store; elsewhere (add, cmp, and) an operand of arithmetic. */
static ospy_x86_word_use immediate_use(const cs_insn *insn)
{
  switch (insn->id) {
  case X86_INS_MOV:
  case X86_INS_MOVABS:
  case X86_INS_PUSH:
    return OSPY_X86_USE_VALUE;
  default:
    return OSPY_X86_USE_OTHER;
  }
}

/* The general-purpose registers by family: a register and its parts (rax,
 * eax, ax, al, ah) are one for what reads or sets it. */
static const uint16_t gpr_families[][5] = {
  { X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
  { X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
  { X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
  { X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
  { X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, 0 },
  { X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, 0 },
  { X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, 0 },
  { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, 0 },
  { X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, 0 },
  { X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, 0 },
  { X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, 0 },
  { X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, 0 },
  { X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, 0 },
  { X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, 0 },
  { X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, 0 },
  { X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, 0 },
};

/* A general-purpose register's family, -1 for any other register. */
static int gpr_family(unsigned reg)
{
  for (size_t f = 0; f < sizeof gpr_families / sizeof gpr_families[0]; f++)
    for (size_t k = 0; k < 5; k++)
      if (reg && gpr_families[f][k] == reg)
        return (int)f;
  return -1;
}

static int touches_family(const cs_regs regs, uint8_t n, int family)
{
  for (uint8_t i = 0; i < n; i++)
    if (gpr_family(regs[i]) == family)
      return 1;
  return 0;
}

/* The register family a lea, mov or movabs sets (its first operand), -1
 * for any other instruction or a memory destination. */
static int destination_family(const cs_insn *insn)
{
  const cs_x86 *x = &insn->detail->x86;
  if (insn->id != X86_INS_LEA && insn->id != X86_INS_MOV && insn->id != X86_INS_MOVABS)
    return -1;
  return x->op_count && x->operands[0].type == X86_OP_REG ? gpr_family(x->operands[0].reg) : -1;
}

/* What insn, which reads the register family, adds to it: add reg, imm or
 * lea r, [reg + disp] (no index); 0 for anything else. */
static int64_t addition_to(const cs_insn *insn, int family)
{
  const cs_x86 *x = &insn->detail->x86;
  if (insn->id == X86_INS_ADD && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
      gpr_family(x->operands[0].reg) == family && x->operands[1].type == X86_OP_IMM)
    return x->operands[1].imm;
  if (insn->id == X86_INS_LEA && x->op_count == 2 && x->operands[1].type == X86_OP_MEM &&
      gpr_family(x->operands[1].mem.base) == family && x->operands[1].mem.index == X86_REG_INVALID)
    return x->operands[1].mem.disp;
  return 0;
}

static int is_branch(ospy_x86_decoder *d)
{
  return cs_insn_group(d->cs, d->insn, CS_GRP_JUMP) || cs_insn_group(d->cs, d->insn, CS_GRP_CALL) ||
         cs_insn_group(d->cs, d->insn, CS_GRP_RET) || cs_insn_group(d->cs, d->insn, CS_GRP_INT);
}

/* then_added (x86_word_operand.h) of the instructions from offset at on,
 * for the register family an instruction before them set. */
static int64_t added_after(ospy_x86_decoder *d, const uint8_t *code, size_t size, size_t at,
                           uint64_t addr, int family)
{
  for (unsigned i = 0; i < OSPY_X86_WORD_FOLLOW && at < size; i++) {
    cs_regs read, written;
    uint8_t nread, nwritten;
    if (!ospy_x86_dec_one(d, code + at, size - at, addr + at) ||
        cs_regs_access(d->cs, d->insn, read, &nread, written, &nwritten) != CS_ERR_OK)
      return 0;
    if (touches_family(read, nread, family))
      return addition_to(d->insn, family);
    if (touches_family(written, nwritten, family) || is_branch(d))
      return 0;
    at += d->insn->size;
  }
  return 0;
}

/* The decoded instruction (at offset start of the code, at address addr)
 * described for the word at offset at of it: 0 when the word is not its
 * displacement or immediate. */
static int describe(const cs_insn *insn, unsigned start, unsigned at, uint64_t addr,
                    ospy_x86_mode mode, ospy_x86_word_operand *o)
{
  const cs_x86_op *op = operand_at(&insn->detail->x86, at);
  if (!op)
    return 0;
  o->start = start;
  o->size = insn->size;
  if (op->type == X86_OP_IMM) {
    o->kind = OSPY_X86_WORD_IMM;
    o->use = immediate_use(insn);
    o->value = immediate_value(op);
  } else {
    o->kind = memory_kind(&op->mem);
    o->use = memory_use(insn, op);
    o->value = (uint64_t)op->mem.disp;
    if (o->kind == OSPY_X86_WORD_RIP) /* [eip + x] (0x67) wraps at 4 GB */
      o->value = op->mem.base == X86_REG_EIP
                   ? (uint32_t)(addr + insn->size + o->value)
                   : addr + insn->size + o->value;
  }
  o->value = ospy_x86_wrap(mode, o->value);
  /* (for messages: an operand text longer than the room, rare, is cut) */
  snprintf(o->text, sizeof o->text, "%.31s%s%.78s", insn->mnemonic, insn->op_str[0] ? " " : "",
           insn->op_str);
  return 1;
}

/* The instruction decoded at offset start, described for the word: 0 when
 * it does not decode, or the word is not its displacement or immediate. */
static int try_start(ospy_x86_decoder *d, const uint8_t *code, size_t size, size_t start,
                     size_t word, uint64_t addr, ospy_x86_mode mode, ospy_x86_word_operand *o)
{
  if (!ospy_x86_dec_one(d, code + start, size - start, addr + start))
    return 0;
  if (start + d->insn->size < word + 4 ||
      !describe(d->insn, (unsigned)start, (unsigned)(word - start), addr + start, mode, o))
    return 0;
  int family = destination_family(d->insn);
  o->then_added = family < 0 ? 0 : added_after(d, code, size, start + o->size, addr, family);
  return 1;
}

/* The start of the instruction that holds the word when the code is decoded
 * instruction after instruction from offset from; SIZE_MAX when decoding
 * stops first (bytes Capstone does not know) or no instruction holds it. */
static size_t start_reached_from(ospy_x86_decoder *d, const uint8_t *code, size_t size,
                                 size_t from, size_t word, uint64_t addr)
{
  size_t at = from;
  while (at <= word) {
    if (!ospy_x86_dec_one(d, code + at, size - at, addr + at))
      return SIZE_MAX;
    if (word < at + d->insn->size)
      return at;
    at += d->insn->size;
  }
  return SIZE_MAX;
}

size_t ospy_x86_word_operands(const uint8_t *code, size_t size, size_t word, uint64_t addr,
                              size_t from, ospy_x86_mode mode, ospy_x86_word_operand *out,
                              size_t max)
{
  ospy_x86_decoder d;
  if (word + 4 > size || !ospy_x86_dec_open(&d, mode))
    return 0;
  size_t n = 0, first = SIZE_MAX;
  ospy_x86_word_operand o;
  if (from <= word) {
    first = start_reached_from(&d, code, size, from, word, addr);
    if (first != SIZE_MAX && try_start(&d, code, size, first, word, addr, mode, &o) && n < max)
      out[n++] = o;
  }
  /* a displacement or immediate never starts an instruction: one byte of
   * opcode at least before it, and at most 15 bytes in all */
  size_t earliest = word > OSPY_X86_MAX_INSN_BYTES - 4 ? word - (OSPY_X86_MAX_INSN_BYTES - 4) : 0;
  for (size_t start = earliest; start < word && n < max; start++)
    if (start != first && try_start(&d, code, size, start, word, addr, mode, &o))
      out[n++] = o;
  ospy_x86_dec_close(&d);
  return n;
}
