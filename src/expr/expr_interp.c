/*
 * Tree-walking interpreter: the reference semantics (the JITs are tested
 * against it) and the fallback where no JIT backend exists. No allocation;
 * recursion is bounded by OSPY_EXPR_MAX_TREE_DEPTH.
 */
#include <string.h>

#include "expr/expr_internal.h"

typedef struct interp {
  const struct ospy_expr *e;
  const ospy_expr_frame *f;
  bool faulted;
  bool unknown; /* a fault is an unknown value (ospy_expr_eval_interp_unknown) */
} interp;

static uint64_t load(const void *p, unsigned width)
{
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  switch (width) {
  case 8: memcpy(&u8, p, 1); return u8;
  case 16: memcpy(&u16, p, 2); return u16;
  case 32: memcpy(&u32, p, 4); return u32;
  default: memcpy(&u64, p, 8); return u64;
  }
}

static uint64_t read_mem(interp *in, uint64_t addr, ospy_expr_type t)
{
  uint8_t buf[8];
  ospy_expr_read_fn fn = (ospy_expr_read_fn)(uintptr_t)in->f->read_mem;
  if (!fn || !fn(addr, buf, t.width / 8, (void *)(uintptr_t)in->f->read_data)) {
    in->faulted = true;
    return 0;
  }
  return ospy_expr_normalize(load(buf, t.width), t);
}

static uint64_t eval(interp *in, int32_t i);

static uint64_t eval_leaf(interp *in, const ospy_expr_node *n)
{
  const ospy_expr_frame *f = in->f;
  uint64_t raw = 0;
  switch (n->kind) {
  case OSPY_EK_CONST: return n->value;
  case OSPY_EK_REG:
    raw = load((const uint8_t *)(uintptr_t)f->ctx + n->value, n->type.width);
    break;
  case OSPY_EK_ARG:
    if (n->may_fault && (f->arg_faults >> n->value) & 1) { /* its own read faulted */
      in->faulted = true;
      return 0;
    }
    raw = ((const uint64_t *)(uintptr_t)f->args)[n->value];
    break;
  case OSPY_EK_RETVAL: raw = f->retval; break;
  case OSPY_EK_ERRNO: raw = f->err; break;
  default: raw = f->tid; break;
  }
  return ospy_expr_normalize(raw, n->type);
}

/* a && b, a || b where a fault is an unknown value: decided by a side
 * that is known and decides it, else unknown (in->faulted) when a side is. */
static uint64_t eval_logic_unknown(interp *in, const ospy_expr_node *n)
{
  uint64_t decides = n->kind == OSPY_EK_LOR; /* true for ||, false for && */
  uint64_t a = eval(in, n->a) != 0;
  bool a_unknown = in->faulted;
  in->faulted = false;
  if (!a_unknown && a == decides)
    return decides;
  uint64_t b = eval(in, n->b) != 0;
  if (in->faulted || b == decides)
    return in->faulted ? 0 : decides;
  in->faulted = a_unknown; /* b known, not deciding: the result is a's */
  return a_unknown ? 0 : b;
}

static uint64_t eval(interp *in, int32_t i)
{
  const ospy_expr_node *n = &in->e->nodes[i];
  uint64_t a, b;
  if (n->a < 0)
    return eval_leaf(in, n);
  if (in->unknown && (n->kind == OSPY_EK_LAND || n->kind == OSPY_EK_LOR))
    return eval_logic_unknown(in, n);
  a = eval(in, n->a);
  if (in->faulted)
    return 0;
  switch (n->kind) {
  case OSPY_EK_MEM: return read_mem(in, a, n->type);
  case OSPY_EK_CAST: case OSPY_EK_NEG: case OSPY_EK_NOT: case OSPY_EK_LNOT:
    return ospy_expr_apply_unary(n->kind, n->type, a);
  case OSPY_EK_LAND:
    return a ? eval(in, n->b) != 0 : 0;
  case OSPY_EK_LOR:
    return a ? 1 : eval(in, n->b) != 0;
  case OSPY_EK_COND:
    return eval(in, a ? n->b : n->c);
  default:
    b = eval(in, n->b);
    return ospy_expr_apply_binary(n->kind, n->optype, n->type, a, b);
  }
}

uint64_t ospy_expr_eval_interp(const ospy_expr *expr, const ospy_expr_frame *frame,
                               bool *faulted)
{
  interp in = { .e = expr, .f = frame };
  uint64_t v = eval(&in, expr->root);
  *faulted = in.faulted;
  return in.faulted ? 0 : v;
}

uint64_t ospy_expr_eval_interp_unknown(const ospy_expr *expr, const ospy_expr_frame *frame,
                                       bool *faulted)
{
  interp in = { .e = expr, .f = frame, .unknown = true };
  uint64_t v = eval(&in, expr->root);
  *faulted = in.faulted;
  return in.faulted ? 0 : v;
}
