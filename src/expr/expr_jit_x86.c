/*
 * i386 code generator: uint64_t fn(const ospy_expr_frame *frame,
 * uint32_t *faulted), cdecl (arguments at [ebp+8], [ebp+12]; result edx:eax).
 *
 * 64-bit values live in register pairs: the value in edx:eax, a binary
 * operator's right operand in ecx:ebx; a non-trivial left operand waits on
 * the stack. Addition and subtraction use add/adc and sub/sbb, multiplication
 * is done by parts; division, modulo and shifts call the C helpers of
 * expr_ops.c. esi holds the frame. esp is kept 16-byte aligned at calls.
 */
#include <stddef.h>

#include "arch/x86/cpu_context.h"
#include "arch/x86/x86_writer.h"
#include "expr/expr_internal.h"

/* The writer's tables for the largest expression, as in expr_jit_x64.c (a
 * node makes at most one forward branch; an operator at most three labels;
 * branches to the exits go back). On the stack, about 18 KiB: no
 * allocation. */
#define JIT_MAX_LABELS (OSPY_EXPR_MAX_NODES * 3 / 2 + 8)
#define JIT_MAX_REFS (OSPY_EXPR_MAX_NODES + 8)

typedef struct gen {
  const struct ospy_expr *e;
  ospy_x86_writer w;
  int32_t label_offset[JIT_MAX_LABELS];
  ospy_x86_label_ref refs[JIT_MAX_REFS];
  unsigned stack;       /* bytes pushed since the aligned base */
  ospy_x86_label fault, exit;
} gen;

typedef struct pair {
  ospy_x86_reg lo, hi;
} pair;

static const pair VAL = { OSPY_X86_EAX, OSPY_X86_EDX };
static const pair RHS = { OSPY_X86_EBX, OSPY_X86_ECX };

#define W (&g->w)
#define FRAME OSPY_X86_ESI
#define SCRATCH_DISP (-24) /* from ebp */

static ospy_x86_mem frame_field(size_t offset)
{
  return ospy_x86_mem_base_disp(FRAME, (int32_t)offset);
}

static ospy_x86_mem mem_plus(ospy_x86_mem m, int32_t delta)
{
  m.disp += delta;
  return m;
}

/* hi = the extension of lo by the signedness. */
static void extend(gen *g, pair p, bool is_signed)
{
  if (is_signed) {
    ospy_x86_writer_put_mov_reg_reg(W, p.hi, p.lo);
    ospy_x86_writer_put_shift_reg_imm(W, OSPY_X86_SAR, p.hi, 31);
  } else {
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, p.hi, p.hi);
  }
}

/* Loads a value of type t at m into p, normalized. m's base may be p.lo. */
static void load_typed(gen *g, pair p, ospy_x86_mem m, ospy_expr_type t)
{
  if (t.width == 64) {
    ospy_x86_writer_put_mov_reg_mem(W, p.hi, mem_plus(m, 4));
    ospy_x86_writer_put_mov_reg_mem(W, p.lo, m);
    return;
  }
  if (t.width == 32)
    ospy_x86_writer_put_mov_reg_mem(W, p.lo, m);
  else if (t.is_signed)
    ospy_x86_writer_put_movsx_reg_mem(W, p.lo, t.width, m);
  else
    ospy_x86_writer_put_movzx_reg_mem(W, p.lo, t.width, m);
  extend(g, p, t.is_signed);
}

/* Normalizes edx:eax to type t. */
static void normalize(gen *g, ospy_expr_type t)
{
  if (t.width == 64)
    return;
  if (t.width < 32) {
    ospy_x86_reg src = ospy_x86_reg_with_width(OSPY_X86_EAX, t.width);
    if (t.is_signed)
      ospy_x86_writer_put_movsx_reg_reg(W, OSPY_X86_EAX, src);
    else
      ospy_x86_writer_put_movzx_reg_reg(W, OSPY_X86_EAX, src);
  }
  if (t.is_signed)
    ospy_x86_writer_put_sign_extend_ax(W, 32); /* cdq */
  else
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_EDX);
}

static bool is_leaf(const ospy_expr_node *n)
{
  return n->a < 0;
}

/* Jumps to the fault exit when argument slot index is missing: its bit in
 * frame.arg_faults is set (a computed argument whose own read faulted).
 * p.lo is free to use: the argument is loaded into p next. */
static void check_arg_present(gen *g, uint64_t index, pair p)
{
  size_t word = offsetof(ospy_expr_frame, arg_faults) + 4 * (size_t)(index / 32);
  ospy_x86_writer_put_mov_reg_mem(W, p.lo, frame_field(word));
  ospy_x86_writer_put_test_reg_imm(W, p.lo, (int32_t)(1u << (index % 32)));
  ospy_x86_writer_put_jcc_label(W, OSPY_X86_CC_NE, g->fault);
}

static void load_leaf(gen *g, const ospy_expr_node *n, pair p)
{
  switch (n->kind) {
  case OSPY_EK_CONST:
    ospy_x86_writer_put_mov_reg_imm(W, p.lo, (uint32_t)n->value);
    ospy_x86_writer_put_mov_reg_imm(W, p.hi, (uint32_t)(n->value >> 32));
    break;
  case OSPY_EK_REG:
    ospy_x86_writer_put_mov_reg_mem(W, p.lo, frame_field(offsetof(ospy_expr_frame, ctx)));
    load_typed(g, p, ospy_x86_mem_base_disp(p.lo, (int32_t)n->value), n->type);
    break;
  case OSPY_EK_ARG:
    if (n->may_fault)
      check_arg_present(g, n->value, p);
    ospy_x86_writer_put_mov_reg_mem(W, p.lo, frame_field(offsetof(ospy_expr_frame, args)));
    load_typed(g, p, ospy_x86_mem_base_disp(p.lo, (int32_t)(n->value * 8)), n->type);
    break;
  case OSPY_EK_RETVAL:
    load_typed(g, p, frame_field(offsetof(ospy_expr_frame, retval)), n->type);
    break;
  case OSPY_EK_ERRNO:
    load_typed(g, p, frame_field(offsetof(ospy_expr_frame, err)), n->type);
    break;
  default:
    load_typed(g, p, frame_field(offsetof(ospy_expr_frame, tid)), n->type);
    break;
  }
}

static void emit(gen *g, int32_t i);

static void push_pair(gen *g, pair p)
{
  ospy_x86_writer_put_push_reg(W, p.hi);
  ospy_x86_writer_put_push_reg(W, p.lo);
  g->stack += 8;
}

/* Pads so that esp is 16-byte aligned once arg_bytes are pushed; returns the pad. */
static unsigned align_for_call(gen *g, unsigned arg_bytes)
{
  unsigned pad = (16 - (g->stack + arg_bytes) % 16) % 16;
  if (pad)
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_SUB, OSPY_X86_ESP, (int32_t)pad);
  return pad;
}

/* Address of a C helper: meaningful only when the code runs in this process. */
static uint32_t helper_address(uint64_t (*fn)(uint64_t, uint64_t))
{
#if defined(__i386__)
  return (uint32_t)(uintptr_t)fn;
#else
  (void)fn;
  return 0;
#endif
}

/* edx:eax = fn(edx:eax, ecx:ebx) */
static void emit_helper_call(gen *g, uint64_t (*fn)(uint64_t, uint64_t))
{
  unsigned pad = align_for_call(g, 16);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_ECX);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EBX);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EDX);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EAX);
  ospy_x86_writer_put_mov_reg_imm(W, OSPY_X86_EAX, helper_address(fn));
  ospy_x86_writer_put_call_reg(W, OSPY_X86_EAX);
  ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_ADD, OSPY_X86_ESP, (int32_t)(16 + pad));
}

/* edx:eax = read_mem(edx:eax) of type t, or jump to the fault exit. */
static void emit_read(gen *g, ospy_expr_type t)
{
  ospy_x86_mem scratch = ospy_x86_mem_base_disp(OSPY_X86_EBP, SCRATCH_DISP);
  ospy_x86_writer_put_mov_reg_mem(W, OSPY_X86_ECX,
                                  frame_field(offsetof(ospy_expr_frame, read_mem)));
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_ECX, OSPY_X86_ECX);
  ospy_x86_writer_put_jcc_label(W, OSPY_X86_CC_E, g->fault);
  unsigned pad = align_for_call(g, 20);
  ospy_x86_writer_put_mov_reg_mem(W, OSPY_X86_EDI,
                                  frame_field(offsetof(ospy_expr_frame, read_data)));
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EDI);
  ospy_x86_writer_put_push_imm(W, (int32_t)(t.width / 8));
  ospy_x86_writer_put_lea_reg_mem(W, OSPY_X86_EDI, scratch);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EDI);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EDX);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EAX);
  ospy_x86_writer_put_call_reg(W, OSPY_X86_ECX);
  ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_ADD, OSPY_X86_ESP, (int32_t)(20 + pad));
  ospy_x86_writer_put_test_reg_reg(W, OSPY_X86_AL, OSPY_X86_AL);
  ospy_x86_writer_put_jcc_label(W, OSPY_X86_CC_E, g->fault);
  load_typed(g, VAL, scratch, t);
}

static void move_val_to_rhs(gen *g)
{
  ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_EBX, OSPY_X86_EAX);
  ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_ECX, OSPY_X86_EDX);
}

/* Left operand into edx:eax, right into ecx:ebx. Both are always evaluated
 * and the first fault ends everything with 0, so the order is free. */
/* The constant right operand of n when n's code takes it as immediates
 * (lo and hi halves), else NULL. */
static const ospy_expr_node *imm_operand(const gen *g, const ospy_expr_node *n)
{
  const ospy_expr_node *b = &g->e->nodes[n->b];
  switch (n->kind) {
  case OSPY_EK_ADD: case OSPY_EK_SUB: case OSPY_EK_AND: case OSPY_EK_OR: case OSPY_EK_XOR:
  case OSPY_EK_EQ: case OSPY_EK_NE: case OSPY_EK_LT: case OSPY_EK_GE:
    return b->kind == OSPY_EK_CONST ? b : NULL;
  default:
    return NULL;
  }
}

static void emit_operands(gen *g, const ospy_expr_node *n)
{
  const ospy_expr_node *a = &g->e->nodes[n->a], *b = &g->e->nodes[n->b];
  if (is_leaf(b)) {
    emit(g, n->a);
    if (!imm_operand(g, n))
      load_leaf(g, b, RHS);
  } else if (is_leaf(a)) {
    emit(g, n->b);
    move_val_to_rhs(g);
    load_leaf(g, a, VAL);
  } else {
    emit(g, n->a);
    push_pair(g, VAL);
    emit(g, n->b);
    move_val_to_rhs(g);
    ospy_x86_writer_put_pop_reg(W, OSPY_X86_EAX);
    ospy_x86_writer_put_pop_reg(W, OSPY_X86_EDX);
    g->stack -= 8;
  }
}

/* eax = condition cc ? 1 : 0, edx = 0 */
static void emit_setcc(gen *g, ospy_x86_cc cc)
{
  ospy_x86_writer_put_setcc_reg(W, cc, OSPY_X86_AL);
  ospy_x86_writer_put_movzx_reg_reg(W, OSPY_X86_EAX, OSPY_X86_AL);
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_EDX);
}

/* 64-bit comparison of edx:eax with ecx:ebx (clobbers both); returns the
 * condition meaning true. */
static ospy_x86_cc emit_compare_pairs(gen *g, const ospy_expr_node *n)
{
  ospy_expr_kind k = n->kind;
  bool s = n->optype.is_signed;
  const ospy_expr_node *imm = imm_operand(g, n);
  if (imm && (k == OSPY_EK_LT || k == OSPY_EK_GE)) {
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_CMP, OSPY_X86_EAX, (int32_t)imm->value);
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_SBB, OSPY_X86_EDX, (int32_t)(imm->value >> 32));
    return k == OSPY_EK_LT ? (s ? OSPY_X86_CC_L : OSPY_X86_CC_B)
                           : (s ? OSPY_X86_CC_GE : OSPY_X86_CC_AE);
  }
  if (k == OSPY_EK_EQ || k == OSPY_EK_NE) {
    if (!imm) {
      ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EAX, OSPY_X86_EBX);
      ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_ECX);
    } else if (imm->value != 0) {
      ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_XOR, OSPY_X86_EAX, (int32_t)imm->value);
      ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_XOR, OSPY_X86_EDX,
                                      (int32_t)(imm->value >> 32));
    }
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_OR, OSPY_X86_EAX, OSPY_X86_EDX);
    return k == OSPY_EK_EQ ? OSPY_X86_CC_E : OSPY_X86_CC_NE;
  }
  /* x - y through cmp/sbb leaves the flags of a 64-bit subtraction for the
   * carry (unsigned) and sign/overflow (signed) conditions: < and >=
   * directly, > and <= with the operands swapped. */
  bool swap = k == OSPY_EK_GT || k == OSPY_EK_LE;
  pair x = swap ? RHS : VAL, y = swap ? VAL : RHS;
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_CMP, x.lo, y.lo);
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_SBB, x.hi, y.hi);
  bool less = k == OSPY_EK_LT || k == OSPY_EK_GT;
  return less ? (s ? OSPY_X86_CC_L : OSPY_X86_CC_B) : (s ? OSPY_X86_CC_GE : OSPY_X86_CC_AE);
}

static ospy_x86_cc invert(ospy_x86_cc cc)
{
  return (ospy_x86_cc)(cc ^ 1); /* condition codes come in complementary pairs */
}

/* ZF = (edx:eax == 0); clobbers ecx */
static void emit_truth(gen *g)
{
  ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_ECX, OSPY_X86_EAX);
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_OR, OSPY_X86_ECX, OSPY_X86_EDX);
}

/* Sets the flags from node i's truth; returns the condition meaning true. */
static ospy_x86_cc emit_flags(gen *g, int32_t i)
{
  const ospy_expr_node *n = &g->e->nodes[i];
  if (ospy_expr_kind_is_compare(n->kind)) {
    emit_operands(g, n);
    return emit_compare_pairs(g, n);
  }
  if (n->kind == OSPY_EK_LNOT)
    return invert(emit_flags(g, n->a));
  emit(g, i);
  emit_truth(g);
  return OSPY_X86_CC_NE;
}

/* Jumps to target when node i's truth is `when`, else falls through. */
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

/* edx:eax *= ecx:ebx (low 64 bits) */
static void emit_mul(gen *g)
{
  ospy_x86_writer_put_imul_reg_reg(W, OSPY_X86_EDX, OSPY_X86_EBX); /* hi(a)*lo(b) */
  ospy_x86_writer_put_imul_reg_reg(W, OSPY_X86_ECX, OSPY_X86_EAX); /* lo(a)*hi(b) */
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_ADD, OSPY_X86_ECX, OSPY_X86_EDX);
  ospy_x86_writer_put_unary_reg(W, OSPY_X86_MUL, OSPY_X86_EBX);    /* lo(a)*lo(b) */
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_ADD, OSPY_X86_EDX, OSPY_X86_ECX);
}

static void emit_alu_pair(gen *g, const ospy_expr_node *n, ospy_x86_alu lo_op,
                          ospy_x86_alu hi_op)
{
  const ospy_expr_node *imm = imm_operand(g, n);
  if (imm) {
    ospy_x86_writer_put_alu_reg_imm(W, lo_op, OSPY_X86_EAX, (int32_t)imm->value);
    ospy_x86_writer_put_alu_reg_imm(W, hi_op, OSPY_X86_EDX, (int32_t)(imm->value >> 32));
    return;
  }
  ospy_x86_writer_put_alu_reg_reg(W, lo_op, OSPY_X86_EAX, OSPY_X86_EBX);
  ospy_x86_writer_put_alu_reg_reg(W, hi_op, OSPY_X86_EDX, OSPY_X86_ECX);
}

static void emit_binary(gen *g, const ospy_expr_node *n)
{
  emit_operands(g, n);
  ospy_expr_kind k = n->kind;
  bool s = n->type.is_signed;
  if (ospy_expr_kind_is_compare(k)) {
    emit_setcc(g, emit_compare_pairs(g, n));
    return;
  }
  switch (k) {
  case OSPY_EK_ADD: emit_alu_pair(g, n, OSPY_X86_ADD, OSPY_X86_ADC); break;
  case OSPY_EK_SUB: emit_alu_pair(g, n, OSPY_X86_SUB, OSPY_X86_SBB); break;
  case OSPY_EK_AND: emit_alu_pair(g, n, OSPY_X86_AND, OSPY_X86_AND); return;
  case OSPY_EK_OR: emit_alu_pair(g, n, OSPY_X86_OR, OSPY_X86_OR); return;
  case OSPY_EK_XOR: emit_alu_pair(g, n, OSPY_X86_XOR, OSPY_X86_XOR); return;
  case OSPY_EK_MUL: emit_mul(g); break;
  case OSPY_EK_DIV: emit_helper_call(g, s ? ospy_expr_helper_sdiv : ospy_expr_helper_udiv); break;
  case OSPY_EK_MOD: emit_helper_call(g, s ? ospy_expr_helper_smod : ospy_expr_helper_umod); break;
  case OSPY_EK_SHL: emit_helper_call(g, ospy_expr_helper_shl); break;
  default: emit_helper_call(g, s ? ospy_expr_helper_sar : ospy_expr_helper_shr); break;
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
  ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_EDX);
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

static void emit_unary(gen *g, int32_t i)
{
  const ospy_expr_node *n = &g->e->nodes[i];
  if (n->kind == OSPY_EK_LNOT) {
    emit_setcc(g, emit_flags(g, i));
    return;
  }
  emit(g, n->a);
  if (n->kind == OSPY_EK_NEG) {
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_NEG, OSPY_X86_EAX);
    ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_ADC, OSPY_X86_EDX, 0);
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_NEG, OSPY_X86_EDX);
  } else if (n->kind == OSPY_EK_NOT) {
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_NOT, OSPY_X86_EAX);
    ospy_x86_writer_put_unary_reg(W, OSPY_X86_NOT, OSPY_X86_EDX);
  }
  normalize(g, n->type);
}

static void emit(gen *g, int32_t i)
{
  const ospy_expr_node *n = &g->e->nodes[i];
  if (is_leaf(n)) {
    load_leaf(g, n, VAL);
    return;
  }
  switch (n->kind) {
  case OSPY_EK_MEM:
    emit(g, n->a);
    emit_read(g, n->type);
    break;
  case OSPY_EK_CAST: case OSPY_EK_NEG: case OSPY_EK_NOT: case OSPY_EK_LNOT:
    emit_unary(g, i);
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

/* Entry esp = 12 mod 16; after 4 pushes and 12 bytes of locals, 0 mod 16.
 * ebp-4 ebx, ebp-8 esi, ebp-12 edi, ebp-24 scratch for read_mem. */
/* The ways out, placed right after the prologue: the body's branches to
 * them go back (resolved as written, none left in the writer's table). */
static void emit_exits(gen *g)
{
  ospy_x86_label body = ospy_x86_writer_new_label(W);
  ospy_x86_writer_put_jmp_label(W, body);
  if (ospy_expr_can_fault(g->e)) {
    g->fault = ospy_x86_writer_new_label(W);
    ospy_x86_writer_put_label(W, g->fault);
    ospy_x86_writer_put_mov_reg_mem(W, OSPY_X86_ECX, ospy_x86_mem_base_disp(OSPY_X86_EBP, 12));
    ospy_x86_writer_put_mov_mem_imm(W, 32, ospy_x86_mem_base_disp(OSPY_X86_ECX, 0), 1);
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EAX, OSPY_X86_EAX);
    ospy_x86_writer_put_alu_reg_reg(W, OSPY_X86_XOR, OSPY_X86_EDX, OSPY_X86_EDX);
  }
  g->exit = ospy_x86_writer_new_label(W);
  ospy_x86_writer_put_label(W, g->exit);
  ospy_x86_writer_put_lea_reg_mem(W, OSPY_X86_ESP, ospy_x86_mem_base_disp(OSPY_X86_EBP, -12));
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_EDI);
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_ESI);
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_EBX);
  ospy_x86_writer_put_pop_reg(W, OSPY_X86_EBP);
  ospy_x86_writer_put_ret(W);
  ospy_x86_writer_put_label(W, body);
}

static void emit_prologue(gen *g)
{
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EBP);
  ospy_x86_writer_put_mov_reg_reg(W, OSPY_X86_EBP, OSPY_X86_ESP);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EBX);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_ESI);
  ospy_x86_writer_put_push_reg(W, OSPY_X86_EDI);
  ospy_x86_writer_put_alu_reg_imm(W, OSPY_X86_SUB, OSPY_X86_ESP, 12);
  ospy_x86_writer_put_mov_reg_mem(W, FRAME, ospy_x86_mem_base_disp(OSPY_X86_EBP, 8));
  ospy_x86_writer_put_mov_reg_mem(W, OSPY_X86_ECX, ospy_x86_mem_base_disp(OSPY_X86_EBP, 12));
  ospy_x86_writer_put_mov_mem_imm(W, 32, ospy_x86_mem_base_disp(OSPY_X86_ECX, 0), 0);
  emit_exits(g);
}

static void emit_epilogue(gen *g)
{
  ospy_x86_writer_put_jmp_label(W, g->exit);
}

bool ospy_expr_codegen_x86(const struct ospy_expr *e, void *buf, size_t cap, size_t *len,
                           ospy_expr_error *err)
{
  gen g = { .e = e };
  ospy_x86_writer_init(&g.w, buf, cap, 0, OSPY_X86_MODE_32);
  ospy_x86_writer_use_tables(&g.w, g.label_offset, JIT_MAX_LABELS, g.refs, JIT_MAX_REFS);
  emit_prologue(&g);
  emit(&g, e->root);
  emit_epilogue(&g);
  if (!ospy_x86_writer_flush(&g.w) || !ospy_x86_writer_ok(&g.w)) {
    ospy_expr_set_error(err, 0, "expression too large for the i386 code generator (%s)",
                        ospy_x86_writer_error(&g.w));
    return false;
  }
  *len = ospy_x86_writer_offset(&g.w);
  return true;
}
