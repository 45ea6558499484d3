/*
 * The argument registers an i386 function reads (x86_reg_args.h): a walk
 * over its paths from the entry, each path with what of eax, edx and ecx it
 * has written so far; a register read before it is written on some path
 * came from the caller.
 */
#include "arch/x86/x86_reg_args.h"

#include <capstone/capstone.h>
#include <string.h>

#include "arch/x86/x86_call_site.h"
#include "arch/x86/x86_decode.h"

#define QUEUE_MAX 32   /* paths waiting to be walked: a branchier function loses some */
#define SEEN_MAX 128   /* block starts walked, with what was written there */
#define WINDOW 256     /* code bytes read at once */
#define PUSH_LOOKAHEAD 6u /* instructions from a push to the call it passes an argument to */
#define CALLEES_MAX 8  /* functions called whose own register arguments are looked at */
#define CALLEE_INSNS 128u
#define ALL_ARGS (OSPY_X86_ARG_GP | OSPY_X86_ARG_XMM)
#define NREGS 6u /* eax, edx, ecx, xmm0, xmm1, xmm2 */

/* What of eax, edx, ecx a path has written, 2 bits each in regparm order
 * (eax 0, edx 1, ecx 2; then xmm0-2, 3 to 5, written whole): its low part (al, ax or eax written) and its
 * second byte (ah, or ax or eax). A write of al defines the register for a
 * read of eax: compilers write a byte (setne %cl, fnstsw %ax) and then use
 * the whole register where only that byte matters (mov %ecx,%ebp; and
 * $0x200,%eax); an argument is never merged into that way. */
enum { PART_LOW = 1, PART_HIGH = 2, PART_ALL = 3 };
#define PARTS(reg, parts) ((unsigned)(parts) << (2u * (unsigned)(reg)))

typedef struct path {
  uint64_t at, end;   /* next instruction; the straight line stops at end */
  unsigned written;   /* PARTS() written on the way here */
  unsigned pushed;    /* the register the instruction before pushed (X86_REG_*), or 0 */
} path;

typedef struct seen_block {
  uint32_t off;       /* from code->lo */
  uint16_t written;
} seen_block;

/* A function called directly, and what it reads of eax, edx, ecx (and of
 * those, what it only pushes before a call). */
typedef struct callee {
  uint64_t at;
  unsigned live, pushed_only;
} callee;

typedef struct walk {
  const ospy_x86_code *code;
  ospy_x86_decoder dec;
  uint64_t fn_lo, fn_end;
  unsigned depth;     /* 0: the function's own walk; 1: a function it calls */
  unsigned budget;    /* instructions left to decode */
  unsigned live;      /* OSPY_X86_ARG_* read before written */
  unsigned read;      /* of live, those read otherwise than by a push before a call */
  path queue[QUEUE_MAX];
  unsigned qhead, qlen;
  seen_block seen[SEEN_MAX];
  unsigned nseen;
  callee callees[CALLEES_MAX];
  unsigned ncallees;
  uint8_t win[WINDOW];
  uint64_t win_at;
  size_t win_len;
} walk;

/* ---- code bytes ----------------------------------------------------------- */

/* The code at addr, *avail bytes of it; NULL outside [lo, hi) or where it
 * cannot be read. */
static const uint8_t *code_at(walk *w, uint64_t addr, size_t *avail)
{
  const ospy_x86_code *c = w->code;
  if (addr < c->lo || addr >= c->hi)
    return NULL;
  uint64_t left = c->hi - addr;
  size_t want = left < OSPY_X86_MAX_INSN_BYTES ? (size_t)left : OSPY_X86_MAX_INSN_BYTES;
  if (addr < w->win_at || addr + want > w->win_at + w->win_len) {
    size_t n = left < WINDOW ? (size_t)left : WINDOW;
    w->win_at = addr;
    w->win_len = c->read(addr, w->win, n, c->ctx);
    if (w->win_len > n)
      w->win_len = 0;
  }
  if (addr >= w->win_at + w->win_len)
    return NULL;
  *avail = (size_t)(w->win_at + w->win_len - addr);
  return w->win + (addr - w->win_at);
}

/* Decodes the instruction at addr into w->dec.insn (one of the budget). */
static bool decode_at(walk *w, uint64_t addr)
{
  size_t avail;
  const uint8_t *p = code_at(w, addr, &avail);
  if (!p || !w->budget)
    return false;
  w->budget--;
  return ospy_x86_dec_one(&w->dec, p, avail, addr);
}

/* ---- registers ------------------------------------------------------------ */

/* Which of eax (0), edx (1), ecx (2), xmm0-2 (3-5) Capstone's register r is part of,
 * what a read of it needs written (*reads) and what a write of it writes
 * (*writes); -1 for any other register. */
static int arg_register(unsigned r, unsigned *reads, unsigned *writes)
{
  int reg;
  switch (r) {
  case X86_REG_AL: case X86_REG_AX: case X86_REG_EAX: reg = 0; break;
  case X86_REG_DL: case X86_REG_DX: case X86_REG_EDX: reg = 1; break;
  case X86_REG_CL: case X86_REG_CX: case X86_REG_ECX: reg = 2; break;
  case X86_REG_AH: *reads = *writes = PART_HIGH; return 0;
  case X86_REG_DH: *reads = *writes = PART_HIGH; return 1;
  case X86_REG_CH: *reads = *writes = PART_HIGH; return 2;
  case X86_REG_XMM0: case X86_REG_XMM1: case X86_REG_XMM2:
    *reads = PART_LOW;
    *writes = PART_ALL;
    return 3 + (int)(r - X86_REG_XMM0);
  default: return -1;
  }
  bool byte = r == X86_REG_AL || r == X86_REG_DL || r == X86_REG_CL;
  *reads = PART_LOW;
  *writes = byte ? PART_LOW : PART_ALL;
  return reg;
}

/* A read of r on path p: live-in when what it reads was not written yet;
 * by_push: only a push of it before a call (push_passes_argument). */
static void note_read(walk *w, const path *p, unsigned r, bool by_push)
{
  unsigned reads, writes;
  int reg = arg_register(r, &reads, &writes);
  if (reg < 0 || !(PARTS(reg, reads) & ~p->written))
    return;
  w->live |= 1u << reg;
  if (!by_push)
    w->read |= 1u << reg;
}

static void note_write(path *p, unsigned r)
{
  unsigned reads, writes;
  int reg = arg_register(r, &reads, &writes);
  if (reg >= 0)
    p->written |= PARTS(reg, writes);
}

/* The one register both operands of the instruction name, or
 * X86_REG_INVALID: xor %eax,%eax, xchg %ax,%ax. */
static unsigned same_register_operands(const cs_insn *insn)
{
  const cs_x86 *x = &insn->detail->x86;
  if (x->op_count != 2 || x->operands[0].type != X86_OP_REG ||
      x->operands[1].type != X86_OP_REG || x->operands[0].reg != x->operands[1].reg)
    return X86_REG_INVALID;
  return x->operands[0].reg;
}

/* Instructions that do nothing with the registers they name: the padding
 * assemblers put between blocks (nopl 0x0(%eax,%eax,1) names eax as an
 * address, xchg %ax,%ax swaps ax with itself) and endbr32. */
static bool is_padding(const cs_insn *insn)
{
  return insn->id == X86_INS_NOP || insn->id == X86_INS_ENDBR32 || insn->id == X86_INS_FNOP ||
         (insn->id == X86_INS_XCHG && same_register_operands(insn) != X86_REG_INVALID);
}

/* Whether imm, as an operand of `bytes` bytes, has every bit set. */
static bool all_ones(int64_t imm, unsigned bytes)
{
  uint64_t mask = bytes >= 8 ? UINT64_MAX : (1ull << (8 * bytes)) - 1;
  return ((uint64_t)imm & mask) == mask;
}

/* xor r,r; sub r,r; sbb r,r; or $-1,r; and $0,r: the result does not
 * depend on r (0, -1, or 0/-1 from the carry): a write, not a read. The
 * register, or X86_REG_INVALID. */
static unsigned overwritten_register(const cs_insn *insn)
{
  const cs_x86 *x = &insn->detail->x86;
  if (insn->id == X86_INS_XOR || insn->id == X86_INS_SUB || insn->id == X86_INS_SBB ||
      insn->id == X86_INS_PXOR || insn->id == X86_INS_XORPS || insn->id == X86_INS_XORPD)
    return same_register_operands(insn);
  if ((insn->id != X86_INS_OR && insn->id != X86_INS_AND) || x->op_count != 2 ||
      x->operands[0].type != X86_OP_REG || x->operands[1].type != X86_OP_IMM)
    return X86_REG_INVALID;
  int64_t imm = x->operands[1].imm;
  bool constant = insn->id == X86_INS_OR ? all_ones(imm, x->operands[0].size) : imm == 0;
  return constant ? x->operands[0].reg : X86_REG_INVALID;
}

/* The argument register a `push reg` pushes, or X86_REG_INVALID. */
static unsigned pushed_arg_register(const cs_insn *insn)
{
  const cs_x86 *x = &insn->detail->x86;
  unsigned reads, writes;
  if (insn->id != X86_INS_PUSH || x->op_count != 1 || x->operands[0].type != X86_OP_REG ||
      arg_register(x->operands[0].reg, &reads, &writes) < 0)
    return X86_REG_INVALID;
  return x->operands[0].reg;
}

static bool is_pc_call(walk *w, uint64_t target, uint64_t next, unsigned *reg);

/* What may stand between an argument pushed and its call: the other
 * arguments being computed and pushed. */
static bool sets_up_arguments(const cs_insn *insn)
{
  return insn->id == X86_INS_PUSH || insn->id == X86_INS_MOV || insn->id == X86_INS_MOVZX ||
         insn->id == X86_INS_MOVSX || insn->id == X86_INS_LEA;
}

/* Whether the call just decoded (insn, ending at next) only gets the pc
 * (is_pc_call): clang makes room with `push %eax` and then gets the GOT's
 * address by `call 1f; 1: pop %ebx`, which takes no argument. */
static bool takes_no_arguments(walk *w, const cs_insn *insn, uint64_t next)
{
  ospy_x86_shape s = ospy_x86_classify(insn->bytes, insn->size, insn->address, OSPY_X86_MODE_32);
  unsigned reg;
  return s.kind == OSPY_X86_K_CALL && is_pc_call(w, s.target, next, &reg);
}

/* Whether the push of reg just before `next` passes an argument, or only
 * makes room on the stack. GCC pushes a register that holds nothing for
 * `sub $4,%esp` (-Os, and code it thinks cold), clang too (`push %eax`,
 * at -O2): room for a local variable (`push %ecx` in a prologue), or
 * padding that keeps the stack aligned at the next call. The register it
 * picks is one that is dead there, and at a cdecl function's entry eax,
 * ecx and edx all are: counted as a read,
 * that push makes a function look as if it took that register. It counts
 * when a call follows within PUSH_LOOKAHEAD instructions with only the
 * other arguments' movs, leas and pushes between (room for a local is most
 * often followed by the function's own code), and when the register is not
 * pushed twice in a row (`push %ecx; push %ecx` is `sub $8,%esp`; an
 * argument passed twice over is rare). Room made right before a call (its
 * alignment padding before its arguments, a local kept across a call that
 * passes its arguments in registers) cannot be told from an argument here:
 * only the function called says how many stack words it reads. A call that
 * only gets the pc (takes_no_arguments) is no call an argument goes to. */
static bool push_passes_argument(walk *w, unsigned pushed_before, unsigned reg, uint64_t next,
                                 uint64_t end)
{
  if (pushed_before == reg)
    return false; /* (the second of a pair) */
  for (unsigned i = 0; i < PUSH_LOOKAHEAD && next < end; i++) {
    if (!decode_at(w, next))
      return false;
    const cs_insn *insn = w->dec.insn;
    next += insn->size;
    if (insn->id == X86_INS_CALL)
      return !takes_no_arguments(w, insn, next);
    if ((i == 0 && pushed_arg_register(insn) == reg) || !sets_up_arguments(insn))
      return false;
  }
  return false;
}

/* The reads and writes of the instruction just decoded, on path p; false
 * when Capstone cannot say which registers it uses (the path ends). */
static bool apply_registers(walk *w, path *p)
{
  const cs_insn *insn = w->dec.insn;
  unsigned pushed = p->pushed;
  p->pushed = 0;
  if (is_padding(insn))
    return true;
  unsigned r = overwritten_register(insn);
  if (r != X86_REG_INVALID) {
    note_write(p, r);
    return true;
  }
  r = pushed_arg_register(insn);
  if (r != X86_REG_INVALID) {
    if (push_passes_argument(w, pushed, r, insn->address + insn->size, p->end))
      note_read(w, p, r, true);
    p->pushed = r;
    return true; /* (w->dec.insn was decoded over: nothing more of it is read) */
  }
  cs_regs rd, wr;
  uint8_t nrd = 0, nwr = 0;
  if (cs_regs_access(w->dec.cs, insn, rd, &nrd, wr, &nwr) != CS_ERR_OK)
    return false;
  for (unsigned i = 0; i < nrd; i++)
    note_read(w, p, rd[i], false);
  for (unsigned i = 0; i < nwr; i++)
    note_write(p, wr[i]);
  return true;
}

/* ---- paths ---------------------------------------------------------------- */

/* Where a straight line from addr ends: the function's end inside it, else
 * (its .cold part, a tail call's function) the readable code's. */
static uint64_t line_end(const walk *w, uint64_t addr)
{
  return addr >= w->fn_lo && addr < w->fn_end ? w->fn_end : w->code->hi;
}

static void enqueue(walk *w, uint64_t at, unsigned written)
{
  if (w->qlen == QUEUE_MAX || at < w->code->lo || at >= w->code->hi)
    return; /* (a path lost: fewer registers seen, never more) */
  w->queue[(w->qhead + w->qlen++) % QUEUE_MAX] = (path){ at, line_end(w, at), written, 0 };
}

/* Whether addr was walked already with no more written than now: what is
 * live from here was seen then. */
static bool seen_before(const walk *w, uint64_t addr, unsigned written)
{
  uint32_t off = (uint32_t)(addr - w->code->lo);
  for (unsigned i = 0; i < w->nseen; i++)
    if (w->seen[i].off == off && !(w->seen[i].written & ~written))
      return true;
  return false;
}

static void mark_seen(walk *w, uint64_t addr, unsigned written)
{
  if (w->nseen < SEEN_MAX)
    w->seen[w->nseen++] = (seen_block){ (uint32_t)(addr - w->code->lo), (uint16_t)written };
}

/* A direct call to target (the next instruction at next) that is no call:
 * to the next instruction (call; pop %reg, the old way to get the pc, and
 * clang's), or to a get_pc_thunk (mov (%esp),%reg; ret), which writes its
 * register (*reg, X86_REG_INVALID for the first) and nothing else. */
static bool is_pc_call(walk *w, uint64_t target, uint64_t next, unsigned *reg)
{
  *reg = X86_REG_INVALID;
  if (target == next)
    return true;
  size_t avail;
  const uint8_t *t = code_at(w, target, &avail);
  if (!t || avail < OSPY_X86_PC_THUNK_BYTES || !ospy_x86_is_pc_thunk(t))
    return false;
  static const unsigned by_modrm_reg[8] = { X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
                                            X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI };
  *reg = by_modrm_reg[(t[1] >> 3) & 7];
  return true;
}

/* A direct call that is no call (is_pc_call): whether the path goes on. */
static bool call_goes_on(walk *w, path *p, uint64_t target, uint64_t next)
{
  unsigned reg;
  if (!is_pc_call(w, target, next, &reg))
    return false;
  if (reg != X86_REG_INVALID)
    note_write(p, reg);
  return true;
}

static unsigned live_in(const ospy_x86_code *code, const ospy_x86_decoder *dec, uint64_t entry,
                        uint64_t size, unsigned depth, unsigned budget, unsigned *pushed_only);

/* What the function called at target reads of eax, edx, ecx (and only
 * pushes, *pushed_only): 0 when not looked at (a call made by a called
 * function, or too many). */
static unsigned callee_live_in(walk *w, uint64_t target, unsigned *pushed_only)
{
  for (unsigned i = 0; i < w->ncallees; i++)
    if (w->callees[i].at == target) {
      *pushed_only = w->callees[i].pushed_only;
      return w->callees[i].live;
    }
  *pushed_only = 0;
  if (w->depth > 0 || w->ncallees == CALLEES_MAX)
    return 0;
  unsigned live = live_in(w->code, &w->dec, target, 0, w->depth + 1, CALLEE_INSNS, pushed_only);
  w->callees[w->ncallees++] = (callee){ target, live, *pushed_only };
  return live;
}

/* A direct call: what the function called reads of the registers this
 * path has not written is what the caller was passed (a local function
 * handing its register arguments on to another, unread); what it only
 * pushes, the caller only pushes. */
static void note_passed_on(walk *w, const path *p, uint64_t target)
{
  unsigned pushed_only;
  unsigned live = callee_live_in(w, target, &pushed_only);
  for (unsigned reg = 0; reg < NREGS; reg++)
    if ((live & (1u << reg)) && !(p->written & PARTS(reg, PART_LOW))) {
      w->live |= 1u << reg;
      if (!(pushed_only & (1u << reg)))
        w->read |= 1u << reg;
    }
}

/* What the path needs of an instruction once its registers are applied
 * (applying them may decode the instructions after it). */
typedef struct insn_seen {
  uint64_t addr;
  unsigned size;
  uint8_t bytes[OSPY_X86_MAX_INSN_BYTES];
  bool transfers; /* an indirect call, a far jump or call, iret... */
} insn_seen;

static insn_seen keep(const cs_insn *insn)
{
  insn_seen k = { .addr = insn->address, .size = insn->size };
  memcpy(k.bytes, insn->bytes, insn->size < sizeof k.bytes ? insn->size : sizeof k.bytes);
  const cs_detail *d = insn->detail;
  for (unsigned i = 0; i < d->groups_count; i++)
    k.transfers |= d->groups[i] == CS_GRP_CALL || d->groups[i] == CS_GRP_JUMP ||
                   d->groups[i] == CS_GRP_RET || d->groups[i] == CS_GRP_IRET;
  return k;
}

/* Whether the path goes on past instruction k: branches queue their
 * targets; a call ends it (but call_goes_on's), as do returns, indirect and
 * far jumps. */
static bool follow_flow(walk *w, path *p, const insn_seen *k)
{
  uint64_t next = k->addr + k->size;
  ospy_x86_shape s = ospy_x86_classify(k->bytes, k->size, k->addr, OSPY_X86_MODE_32);
  switch (s.kind) {
  case OSPY_X86_K_JMP:
    enqueue(w, s.target, p->written);
    return false;
  case OSPY_X86_K_JCC:
  case OSPY_X86_K_LOOP:
    enqueue(w, s.target, p->written);
    return true;
  case OSPY_X86_K_CALL:
    if (call_goes_on(w, p, s.target, next))
      return true;
    note_passed_on(w, p, s.target);
    return false;
  case OSPY_X86_K_END:
  case OSPY_X86_K_BAD_REL:
    return false;
  default:
    return !k->transfers;
  }
}

/* Walks path p along its straight line, from its start. */
static void walk_path(walk *w, path p)
{
  if (seen_before(w, p.at, p.written))
    return;
  mark_seen(w, p.at, p.written);
  while (w->read != ALL_ARGS && p.at < p.end) {
    if (!decode_at(w, p.at))
      return;
    insn_seen k = keep(w->dec.insn);
    if (!apply_registers(w, &p) || !follow_flow(w, &p, &k))
      return;
    p.at = k.addr + k.size;
    if (seen_before(w, p.at, p.written))
      return; /* (a block another path walked with as little written) */
  }
}

/* What the function at entry reads of eax, edx, ecx before writing them;
 * depth 1: a function the function looked at calls (whose own calls are
 * not looked into). dec: an open decoder, shared. *pushed_only: those of
 * them it only pushes before a call. */
static unsigned live_in(const ospy_x86_code *code, const ospy_x86_decoder *dec, uint64_t entry,
                        uint64_t size, unsigned depth, unsigned budget, unsigned *pushed_only)
{
  walk *w = &(walk){ .code = code, .dec = *dec, .fn_lo = entry, .depth = depth,
                     .budget = budget };
  w->fn_end = size && entry + size <= code->hi ? entry + size : code->hi;
  enqueue(w, entry, 0);
  while (w->qlen && w->budget && w->read != ALL_ARGS) {
    path p = w->queue[w->qhead];
    w->qhead = (w->qhead + 1) % QUEUE_MAX;
    w->qlen--;
    walk_path(w, p);
  }
  *pushed_only = w->live & ~w->read;
  return w->live;
}

unsigned ospy_x86_live_in_args(const ospy_x86_code *code, uint64_t entry, uint64_t size)
{
  unsigned pushed_only;
  return ospy_x86_live_in_args_pushed(code, entry, size, &pushed_only);
}

unsigned ospy_x86_live_in_args_pushed(const ospy_x86_code *code, uint64_t entry, uint64_t size,
                                      unsigned *pushed_only)
{
  ospy_x86_decoder dec;
  *pushed_only = 0;
  if (entry < code->lo || entry >= code->hi || code->hi - code->lo > UINT32_MAX ||
      !ospy_x86_dec_open(&dec, OSPY_X86_MODE_32))
    return 0;
  unsigned live = live_in(code, &dec, entry, size, 0, OSPY_X86_REG_ARGS_INSNS, pushed_only);
  ospy_x86_dec_close(&dec);
  return live;
}

unsigned ospy_x86_regparm_count(unsigned live_in)
{
  return live_in & OSPY_X86_ARG_ECX ? 3 : live_in & OSPY_X86_ARG_EDX ? 2
                                     : live_in & OSPY_X86_ARG_EAX ? 1 : 0;
}
