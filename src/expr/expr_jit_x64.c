/*
 * x86-64 code generator: uint64_t fn(const ospy_expr_frame *frame (rdi),
 * uint32_t *faulted (rsi)), System V.
 *
 * A value lives in rax; a binary operator's right operand in rcx (or an
 * immediate). A non-trivial left operand waits on the stack while the right
 * one is computed. Expressions that cannot fault (no memory reads, no
 * argument that may be missing) are leaf functions that keep the frame in
 * rdi; the others save rbx/r12 (frame and faulted pointer)
 * behind an rbp frame with an 8-byte scratch slot for read_mem's output, and
 * keep rsp 16-byte aligned at each call.
 */
#include <stddef.h>

#include "arch/x86/cpu_context.h"
#include "arch/x86/x86_writer.h"
#include "expr/expr_internal.h"

/* The writer's label and reference tables, for the largest expression
 * (OSPY_EXPR_MAX_NODES): a node makes at most one forward branch (a
 * comparison's jcc, a ?:'s or a value of && ||'s jmp to its end; the
 * branches to the fault exit go back, resolved as written), and an operator
 * with two or three operands at most three labels (|| as a value). On the
 * stack (about 18 KiB, once per expression compiled, at init): no
 * allocation. */
#define JIT_MAX_LABELS (OSPY_EXPR_MAX_NODES * 3 / 2 + 8)
#define JIT_MAX_REFS (OSPY_EXPR_MAX_NODES + 8)

typedef struct gen {
  const struct ospy_expr *e;
  ospy_x86_writer w;
  int32_t label_offset[JIT_MAX_LABELS];
  ospy_x86_label_ref refs[JIT_MAX_REFS];
  ospy_x86_reg frame;   /* rdi (leaf) or rbx */
  ospy_x86_reg faulted; /* rsi (leaf) or r12 */
  bool leaf;
  unsigned pushes;      /* 8-byte pushes outstanding since the aligned base */
  ospy_x86_label fault, exit;
} gen;

#define W (&g->w)
#define SCRATCH_DISP (-32) /* from rbp */

static ospy_x86_mem frame_field(const gen *g, size_t offset)
{
  return ospy_x86_mem_base_disp(g->frame, (int32_t)offset);
}

/* Loads a value of type t at m into the 64-bit register r, normalized. */
static void load_typed(gen *g, ospy_x86_reg r, ospy_x86_mem m, ospy_expr_type t)
{
  ospy_x86_reg r32 = ospy_x86_reg_with_width(r, 32);
  if (t.width == 64)
    ospy_x86_writer_put_mov_reg_mem(W, r, m);
  else if (t.width == 32 && !t.is_signed)
    ospy_x86_writer_put_mov_reg_mem(W, r32, m);
  else if (t.is_signed)
    ospy_x86_writer_put_movsx_reg_mem(W, r, t.width, m);
  else
    ospy_x86_writer_put_movzx_reg_mem(W, r32, t.width, m);
}

/* Normalizes rax to type t. */
static void normalize(gen *g, ospy_expr_type t)
{
  if (t.width == 64)
    return;
  ospy_x86_reg src = ospy_x86_reg_with_width(OSPY_X86_RAX, t.width);
  if (t.width == 32 && !t.is_signed)
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_EAX, OSPY_X86_EAX);
  else if (t.is_signed)
    ospy_x86_writer_put_movsx_reg_reg(W, OSPY_X86_RAX, src);
  else
    ospy_x86_writer_put_movzx_reg_reg(W, OSPY_X86_EAX, src);
}

static bool is_leaf(const ospy_expr_node *n)
{
  return n->a < 0;
}

/* Jumps to the fault exit when argument slot index is missing: its bit in
 * frame.arg_faults is set (a computed argument whose own read faulted). r is
 * free to use: the argument is loaded into it next. */
static void check_arg_present(gen *g, uint64_t index, ospy_x86_reg r)
{
  ospy_x86_reg r32 = ospy_x86_reg_with_width(r, 32);
  size_t word = offsetof(ospy_expr_frame, arg_faults) + 4 * (size_t)(index / 32);
  ospy_x86_writer_put_mov_reg_mem(W, r32, frame_field(g, word));
  ospy_x86_writer_put_test_reg_imm(W, r32, (int32_t)(1u << (index % 32)));
  ospy_x86_writer_put_jcc_label(W, OSPY_X86_CC_NE, g->fault);
}

static void load_leaf(gen *g, const ospy_expr_node *n, ospy_x86_reg r)
{
  switch (n->kind) {
  case OSPY_EK_CONST:
    ospy_x86_writer_put_mov_reg_imm(W, r, n->value);
    break;
  case OSPY_EK_REG:
    ospy_x86_writer_put_mov_reg_mem(W, r, frame_field(g, offsetof(ospy_expr_frame, ctx)));
    load_typed(g, r, ospy_x86_mem_base_disp(r, (int32_t)n->value), n->type);
    break;
  case OSPY_EK_ARG:
    if (n->may_fault)
      check_arg_present(g, n->value, r);
    ospy_x86_writer_put_mov_reg_mem(W, r, frame_field(g, offsetof(ospy_expr_frame, args)));
    load_typed(g, r, ospy_x86_mem_base_disp(r, (int32_t)(n->value * 8)), n->type);
    break;
  case OSPY_EK_RETVAL:
    load_typed(g, r, frame_field(g, offsetof(ospy_expr_frame, retval)), n->type);
    break;
  case OSPY_EK_ERRNO:
    load_typed(g, r, frame_field(g, offsetof(ospy_expr_frame, err)), n->type);
    break;
  default:
    load_typed(g, r, frame_field(g, offsetof(ospy_expr_frame, tid)), n->type);
    break;
  }
}

static void emit(gen *g, int32_t i);

/* rax = read_mem(rax) of type t, or jump to the fault exit. */
static void emit_read(gen *g, ospy_expr_type t)
{
  ospy_x86_mem scratch = ospy_x86_mem_base_disp(OSPY_X86_RBP, SCRATCH_DISP);
  ospy_x86_writer_put_mov_reg_mem(W, OSPY_X86_R8,
                                  frame_field(g, offsetof(ospy_expr_frame, read_mem)));
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_R8, OSPY_X86_R8);
  ospy_x86_writer_put_jcc_label(W, OSPY_X86_CC_E, g->fault);
  ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RDI, OSPY_X86_RAX);
  ospy_x86_writer_put_lea_reg_mem(W, OSPY_X86_RSI, scratch);
  ospy_x86_writer_put_mov_reg_imm(W, OSPY_X86_EDX, t.width / 8);
  ospy_x86_writer_put_mov_reg_mem(W, OSPY_X86_RCX,
                                  frame_field(g, offsetof(ospy_expr_frame, read_data)));
  bool pad = g->pushes % 2 != 0;
  if (pad)
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_SUB, OSPY_X86_RSP, 8);
  ospy_x86_writer_put_call_reg(W, OSPY_X86_R8);
  if (pad)
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_ADD, OSPY_X86_RSP, 8);
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_AL, OSPY_X86_AL);
  ospy_x86_writer_put_jcc_label(W, OSPY_X86_CC_E, g->fault);
  load_typed(g, OSPY_X86_RAX, scratch, t);
}

static bool fits_imm32(uint64_t v)
{
  return (int64_t)v == (int32_t)v;
}

/* Right operand usable as an immediate of the ALU group? */
static bool is_imm_operand(const ospy_expr_node *b, ospy_expr_kind k)
{
  return b->kind == OSPY_EK_CONST && fits_imm32(b->value) &&
         (k <= OSPY_EK_SUB || (k >= OSPY_EK_AND && k <= OSPY_EK_XOR) ||
          ospy_expr_kind_is_compare(k));
}

/* Left operand into rax, right into rcx (unless is_imm_operand). */
static void emit_operands(gen *g, const ospy_expr_node *n)
{
  const ospy_expr_node *a = &g->e->nodes[n->a], *b = &g->e->nodes[n->b];
  if (is_leaf(b)) {
    emit(g, n->a);
    if (!is_imm_operand(b, n->kind))
      load_leaf(g, b, OSPY_X86_RCX);
  } else if (is_leaf(a)) {
    /* Both operands are always evaluated and the first fault ends it all
     * with 0, so the order of evaluation is free. */
    emit(g, n->b);
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RCX, OSPY_X86_RAX);
    load_leaf(g, a, OSPY_X86_RAX);
  } else {
    emit(g, n->a);
    ospy_x86_writer_put_push_reg(W, OSPY_X86_RAX);
    g->pushes++;
    emit(g, n->b);
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RCX, OSPY_X86_RAX);
    ospy_x86_writer_put_pop_reg(W, OSPY_X86_RAX);
    g->pushes--;
  }
}

/* rax = rax / rcx or rax % rcx with the language's rules for 0 and -1,
 * without a branch (a label each: a chain of 40 divisions filled the
 * writer's table): a divisor of 0, or of -1 when signed (MIN / -1 traps),
 * becomes 1, and the quotient is fixed after: x / 0 is 0, x / -1 is -x
 * (MIN: MIN); the remainder by 1 is 0, as x % 0 and x % -1 are. */
static void emit_divmod(gen *g, bool is_mod, bool is_signed)
{
  ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_R8, OSPY_X86_RCX); /* the divisor given */
  ospy_x86_writer_put_mov_reg_imm(W, OSPY_X86_EDX, 1);
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_RCX, OSPY_X86_RCX);
  ospy_x86_writer_put_cmovcc_reg_reg(W, OSPY_X86_CC_E, OSPY_X86_RCX, OSPY_X86_RDX);
  if (is_signed) {
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_CMP, OSPY_X86_RCX, -1);
    ospy_x86_writer_put_cmovcc_reg_reg(W, OSPY_X86_CC_E, OSPY_X86_RCX, OSPY_X86_RDX);
    ospy_x86_writer_put_sign_extend_ax(W, 64);
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_IDIV, OSPY_X86_RCX);
  } else {
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_EDX);
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_DIV, OSPY_X86_RCX);
  }
  if (is_mod) {
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RAX, OSPY_X86_RDX);
    return;
  }
  if (is_signed) { /* x / -1: -x */
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RDX, OSPY_X86_RAX);
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_NEG, OSPY_X86_RDX);
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_CMP, OSPY_X86_R8, -1);
    ospy_x86_writer_put_cmovcc_reg_reg(W, OSPY_X86_CC_E, OSPY_X86_RAX, OSPY_X86_RDX);
  }
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_R8, OSPY_X86_R8); /* x / 0: 0 (r8) */
  ospy_x86_writer_put_cmovcc_reg_reg(W, OSPY_X86_CC_E, OSPY_X86_RAX, OSPY_X86_R8);
}

/* rax <<= rcx or >>=; counts of 64 and more give 0 (or the sign fill). */
static void emit_shift(gen *g, ospy_x86_shift op)
{
  if (op == OSPY_X86_SAR) {
    ospy_x86_writer_put_mov_reg_imm(W, OSPY_X86_EDX, 63);
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_CMP, OSPY_X86_RCX, 63);
    ospy_x86_writer_put_cmovcc_reg_reg(W, OSPY_X86_CC_A, OSPY_X86_RCX, OSPY_X86_RDX);
    ospy_x86_writer_put_shift_reg_cl(W, op, OSPY_X86_RAX);
    return;
  }
  ospy_x86_writer_put_shift_reg_cl(W, op, OSPY_X86_RAX);
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_EDX);
  ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_CMP, OSPY_X86_RCX, 63);
  ospy_x86_writer_put_cmovcc_reg_reg(W, OSPY_X86_CC_A, OSPY_X86_RAX, OSPY_X86_RDX);
}

static ospy_x86_cc compare_cc(ospy_expr_kind k, bool is_signed)
{
  switch (k) {
  case OSPY_EK_EQ: return OSPY_X86_CC_E;
  case OSPY_EK_NE: return OSPY_X86_CC_NE;
  case OSPY_EK_LT: return is_signed ? OSPY_X86_CC_L : OSPY_X86_CC_B;
  case OSPY_EK_LE: return is_signed ? OSPY_X86_CC_LE : OSPY_X86_CC_BE;
  case OSPY_EK_GT: return is_signed ? OSPY_X86_CC_G : OSPY_X86_CC_A;
  default: return is_signed ? OSPY_X86_CC_GE : OSPY_X86_CC_AE;
  }
}

/* eax = condition cc ? 1 : 0 */
static void emit_setcc(gen *g, ospy_x86_cc cc)
{
  ospy_x86_writer_put_setcc_reg(W, cc, OSPY_X86_AL);
  ospy_x86_writer_put_movzx_reg_reg(W, OSPY_X86_EAX, OSPY_X86_AL);
}

static const ospy_x86_alu alu_of[] = {
  [OSPY_EK_ADD] = OSPY_X86_ADD, [OSPY_EK_SUB] = OSPY_X86_SUB, [OSPY_EK_AND] = OSPY_X86_AND,
  [OSPY_EK_OR] = OSPY_X86_OR, [OSPY_EK_XOR] = OSPY_X86_XOR,
};

static ospy_x86_cc invert(ospy_x86_cc cc)
{
  return (ospy_x86_cc)(cc ^ 1); /* condition codes come in complementary pairs */
}

/* Compares the operands of comparison n; returns the condition meaning true. */
static ospy_x86_cc emit_compare(gen *g, const ospy_expr_node *n)
{
  const ospy_expr_node *b = &g->e->nodes[n->b];
  bool imm = is_leaf(b) && is_imm_operand(b, n->kind);
  emit_operands(g, n);
  if (imm && b->value == 0) /* same flags as cmp rax, 0 */
    ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_RAX, OSPY_X86_RAX);
  else if (imm)
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_CMP, OSPY_X86_RAX, (int32_t)b->value);
  else
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_CMP, OSPY_X86_RAX, OSPY_X86_RCX);
  return compare_cc(n->kind, n->optype.is_signed);
}

/* Sets the flags from node i's truth; returns the condition meaning true. */
static ospy_x86_cc emit_flags(gen *g, int32_t i)
{
  const ospy_expr_node *n = &g->e->nodes[i];
  if (ospy_expr_kind_is_compare(n->kind))
    return emit_compare(g, n);
  if (n->kind == OSPY_EK_LNOT)
    return invert(emit_flags(g, n->a));
  emit(g, i);
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_RAX, OSPY_X86_RAX);
  return OSPY_X86_CC_NE;
}

/* Jumps to target when node i's truth is `when`, else falls through.
 * Conditions branch on the flags of their comparisons, never materializing
 * 0/1 in between. */
static void emit_branch(gen *g, int32_t i, bool when, ospy_x86_label target)
{
  const ospy_expr_node *n = &g->e->nodes[i];
  if (n->kind == OSPY_EK_LAND || n->kind == OSPY_EK_LOR) {
    bool is_and = n->kind == OSPY_EK_LAND;
    if (is_and != when) { /* a && b false, a || b true: either side decides */
      emit_branch(g, n->a, when, target);
      emit_branch(g, n->b, when, target);
    } else {              /* both sides needed */
      ospy_x86_label skip = ospy_x86_writer_new_label(W);
      emit_branch(g, n->a, !when, skip);
      emit_branch(g, n->b, when, target);
      ospy_x86_writer_put_label(W, skip);
    }
    return;
  }
  ospy_x86_cc cc = emit_flags(g, i);
  ospy_x86_writer_put_jcc_label(W, when ? cc : invert(cc), target);
}

static void emit_binary(gen *g, const ospy_expr_node *n)
{
  const ospy_expr_node *b = &g->e->nodes[n->b];
  bool imm = is_leaf(b) && is_imm_operand(b, n->kind);
  ospy_expr_kind k = n->kind;
  if (ospy_expr_kind_is_compare(k)) {
    emit_setcc(g, emit_compare(g, n));
    return;
  }
  emit_operands(g, n);
  switch (k) {
  case OSPY_EK_MUL: ospy_x86_writer_put_imul_reg_reg(W, OSPY_X86_RAX, OSPY_X86_RCX); break;
  case OSPY_EK_DIV: case OSPY_EK_MOD:
    emit_divmod(g, k == OSPY_EK_MOD, n->type.is_signed);
    break;
  case OSPY_EK_SHL: emit_shift(g, OSPY_X86_SHL); break;
  case OSPY_EK_SHR: emit_shift(g, n->type.is_signed ? OSPY_X86_SAR : OSPY_X86_SHR); break;
  default:
    if (imm)
      ospy_x86_writer_put_alu_reg_imm(W, alu_of[k], OSPY_X86_RAX, (int32_t)b->value);
    else
      ospy_x86_writer_put_alu_reg_reg(W, alu_of[k], OSPY_X86_RAX, OSPY_X86_RCX);
    /* and/or/xor of normalized operands stay normalized */
    if (k == OSPY_EK_AND || k == OSPY_EK_OR || k == OSPY_EK_XOR)
      return;
    break;
  }
  normalize(g, n->type);
}

/* The value (0 or 1) of a && b or a || b. */
static void emit_logical(gen *g, int32_t i)
{
  ospy_x86_label zero = ospy_x86_writer_new_label(W);
  ospy_x86_label join = ospy_x86_writer_new_label(W);
  emit_branch(g, i, false, zero);
  ospy_x86_writer_put_mov_reg_imm(W, OSPY_X86_EAX, 1);
  ospy_x86_writer_put_jmp_label(W, join);
  ospy_x86_writer_put_label(W, zero);
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EAX, OSPY_X86_EAX);
  ospy_x86_writer_put_label(W, join);
}

static void emit_cond(gen *g, const ospy_expr_node *n)
{
  ospy_x86_label other = ospy_x86_writer_new_label(W);
  ospy_x86_label join = ospy_x86_writer_new_label(W);
  emit_branch(g, n->a, false, other);
  emit(g, n->b);
  ospy_x86_writer_put_jmp_label(W, join);
  ospy_x86_writer_put_label(W, other);
  emit(g, n->c);
  ospy_x86_writer_put_label(W, join);
}

static void emit(gen *g, int32_t i)
{
  const ospy_expr_node *n = &g->e->nodes[i];
  if (is_leaf(n)) {
    load_leaf(g, n, OSPY_X86_RAX);
    return;
  }
  switch (n->kind) {
  case OSPY_EK_MEM:
    emit(g, n->a);
    emit_read(g, n->type);
    break;
  case OSPY_EK_CAST:
    emit(g, n->a);
    normalize(g, n->type);
    break;
  case OSPY_EK_NEG: case OSPY_EK_NOT:
    emit(g, n->a);
    ospy_x86_writer_put_unary_reg(W, n->kind == OSPY_EK_NEG ? OSPY_X86_NEG : OSPY_X86_NOT,
                                  OSPY_X86_RAX);
    normalize(g, n->type);
    break;
  case OSPY_EK_LNOT:
    emit_setcc(g, emit_flags(g, i));
    break;
  case OSPY_EK_LAND: case OSPY_EK_LOR:
    emit_logical(g, i);
    break;
  case OSPY_EK_COND:
    emit_cond(g, n);
    break;
  default:
    emit_binary(g, n);
    break;
  }
}

/* The way out of a function that keeps the frame (not a leaf), placed right
 * after its prologue, so that the body's many branches to the fault exit
 * go back to it (resolved as written, none left in the writer's table). */
static void emit_exits(gen *g)
{
  ospy_x86_label body = ospy_x86_writer_new_label(W);
  ospy_x86_writer_put_jmp_label(W, body);
  g->fault = ospy_x86_writer_new_label(W);
  ospy_x86_writer_put_label(W, g->fault);
  ospy_x86_writer_put_mov_mem_imm(W, 32, ospy_x86_mem_base_disp(g->faulted, 0), 1);
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EAX, OSPY_X86_EAX);
  g->exit = ospy_x86_writer_new_label(W);
  ospy_x86_writer_put_label(W, g->exit);
  ospy_x86_writer_put_lea_reg_mem(W, OSPY_X86_RSP, ospy_x86_mem_base_disp(OSPY_X86_RBP, -16));
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_R12);
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_RBX);
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_RBP);
  ospy_x86_writer_put_ret(W);
  ospy_x86_writer_put_label(W, body);
}

static void emit_prologue(gen *g)
{
  if (g->leaf) {
    g->frame = OSPY_X86_RDI;
    g->faulted = OSPY_X86_RSI;
  } else {
    /* entry rsp = 8 mod 16; after 3 pushes and 16 bytes rsp = 0 mod 16 */
    g->frame = OSPY_X86_RBX;
    g->faulted = OSPY_X86_R12;
    ospy_x86_writer_put_push_reg(W, OSPY_X86_RBP);
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RBP, OSPY_X86_RSP);
    ospy_x86_writer_put_push_reg(W, OSPY_X86_RBX);
    ospy_x86_writer_put_push_reg(W, OSPY_X86_R12);
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_SUB, OSPY_X86_RSP, 16);
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_RBX, OSPY_X86_RDI);
    ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_R12, OSPY_X86_RSI);
  }
  ospy_x86_writer_put_mov_mem_imm(W, 32, ospy_x86_mem_base_disp(g->faulted, 0), 0);
  if (!g->leaf)
    emit_exits(g);
}

static void emit_epilogue(gen *g)
{
  if (g->leaf)
    ospy_x86_writer_put_ret(W);
  else
    ospy_x86_writer_put_jmp_label(W, g->exit);
}

bool ospy_expr_codegen_x64(const struct ospy_expr *e, void *buf, size_t cap, size_t *len,
                           ospy_expr_error *err)
{
  gen g = { .e = e, .leaf = !ospy_expr_can_fault(e) }; /* a fault exit needs the frame */
  ospy_x86_writer_init(&g.w, buf, cap, 0, OSPY_X86_MODE_64);
  ospy_x86_writer_use_tables(&g.w, g.label_offset, JIT_MAX_LABELS, g.refs, JIT_MAX_REFS);
  emit_prologue(&g);
  emit(&g, e->root);
  emit_epilogue(&g);
  if (!ospy_x86_writer_flush(&g.w) || !ospy_x86_writer_ok(&g.w)) {
    ospy_expr_set_error(err, 0, "expression too large for the x86-64 code generator (%s)",
                        ospy_x86_writer_error(&g.w));
    return false;
  }
  *len = ospy_x86_writer_offset(&g.w);
  return true;
}
