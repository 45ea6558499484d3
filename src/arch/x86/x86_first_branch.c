/* The first jmp or call of a function's code (x86_first_branch.h). */
#include "arch/x86/x86_first_branch.h"
#include "arch/x86/x86_decode.h"

#define FIRST_BRANCH_MAX_INSNS 64

/* Bytes at addr: from the copy when it holds them, else through read. */
static bool read_at(const uint8_t *code, size_t avail, uint64_t pc, uint64_t addr, void *out,
                    size_t n, ospy_x86_read_fn read, void *data)
{
  if (addr >= pc && addr - pc <= avail && avail - (addr - pc) >= n) {
    memcpy(out, code + (addr - pc), n);
    return true;
  }
  return read && read(addr, out, n, data);
}

/* A call that only reads the pc: to the next instruction, or (i386) to a
 * get_pc_thunk, `mov reg, [esp]; ret`. */
static bool reads_pc(const uint8_t *code, size_t avail, uint64_t pc, const cs_insn *insn,
                     uint64_t target, ospy_x86_mode mode, ospy_x86_read_fn read, void *data)
{
  if (target == insn->address + insn->size)
    return true;
  uint8_t b[4];
  return mode == OSPY_X86_MODE_32 && read_at(code, avail, pc, target, b, sizeof b, read, data) &&
         b[0] == 0x8B && (b[1] & 0xC7) == 0x04 && b[2] == 0x24 && b[3] == 0xC3;
}

/* An indirect jmp or call (FF /2, FF /4): through which memory word, or
 * through a register (NOWHERE). */
static ospy_x86_goes through_memory(const cs_insn *insn, uint64_t *where)
{
  const cs_x86 *x = &insn->detail->x86;
  if (x->op_count != 1 || x->operands[0].type != X86_OP_MEM)
    return OSPY_X86_GOES_NOWHERE;
  const x86_op_mem *m = &x->operands[0].mem;
  if (m->index != X86_REG_INVALID)
    return OSPY_X86_GOES_NOWHERE; /* (a jump table) */
  if (m->base == X86_REG_RIP) {
    *where = insn->address + insn->size + (uint64_t)m->disp;
    return OSPY_X86_GOES_SLOT;
  }
  *where = (uint64_t)m->disp;
  return m->base == X86_REG_INVALID ? OSPY_X86_GOES_SLOT : OSPY_X86_GOES_GOT_SLOT;
}

static bool is_indirect_branch(const cs_insn *insn)
{
  return insn->id == X86_INS_JMP || insn->id == X86_INS_CALL;
}

ospy_x86_goes ospy_x86_first_branch(const uint8_t *code, size_t avail, uint64_t pc,
                                    ospy_x86_mode mode, ospy_x86_read_fn read, void *data,
                                    uint64_t *where)
{
  ospy_x86_decoder d;
  if (!ospy_x86_dec_open(&d, mode))
    return OSPY_X86_GOES_UNKNOWN;
  ospy_x86_goes goes = OSPY_X86_GOES_UNKNOWN;
  size_t off = 0;
  for (unsigned n = 0; n < FIRST_BRANCH_MAX_INSNS && off < avail; n++) {
    if (!ospy_x86_dec_one(&d, code + off, avail - off, pc + off))
      break;
    const cs_insn *insn = d.insn;
    ospy_x86_shape s = ospy_x86_classify(insn->bytes, insn->size, insn->address, mode);
    off += insn->size;
    if (s.kind == OSPY_X86_K_JMP ||
        (s.kind == OSPY_X86_K_CALL &&
         !reads_pc(code, avail, pc, insn, s.target, mode, read, data))) {
      *where = s.target;
      goes = OSPY_X86_GOES_DIRECT;
      break;
    }
    if (s.kind == OSPY_X86_K_END || (s.kind == OSPY_X86_K_OTHER && is_indirect_branch(insn))) {
      /* ret, hlt, int3, ud2 and jmp or call through a register or memory */
      goes = is_indirect_branch(insn) ? through_memory(insn, where) : OSPY_X86_GOES_NOWHERE;
      break;
    }
  }
  ospy_x86_dec_close(&d);
  return goes;
}
