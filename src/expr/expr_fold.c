/*
 * Constant folding. Children always precede their parent in the node array,
 * so one forward pass folds bottom-up. Folding uses the same arithmetic as
 * the interpreter (expr_ops.c); memory reads are never folded.
 */
#include "expr/expr_internal.h"

static bool is_const(const struct ospy_expr *e, int32_t i, uint64_t *v)
{
  if (i < 0 || e->nodes[i].kind != OSPY_EK_CONST)
    return false;
  *v = e->nodes[i].value;
  return true;
}

static void make_const(ospy_expr_node *n, uint64_t v)
{
  n->kind = OSPY_EK_CONST;
  n->value = ospy_expr_normalize(v, n->type);
  n->a = n->b = n->c = -1;
  n->depth = 1;
}

/* && and || fold when the left side decides, or when both sides are known. */
static void fold_logical(ospy_expr_node *n, bool a_known, uint64_t a, bool b_known, uint64_t b)
{
  bool is_and = n->kind == OSPY_EK_LAND;
  if (a_known && (is_and ? a == 0 : a != 0))
    make_const(n, !is_and);
  else if (a_known && b_known)
    make_const(n, b != 0);
}

static void fold_node(struct ospy_expr *e, ospy_expr_node *n)
{
  uint64_t a = 0, b = 0, c = 0;
  bool ka = is_const(e, n->a, &a), kb = is_const(e, n->b, &b);
  switch (n->kind) {
  case OSPY_EK_CAST: case OSPY_EK_NEG: case OSPY_EK_NOT: case OSPY_EK_LNOT:
    if (ka)
      make_const(n, ospy_expr_apply_unary(n->kind, n->type, a));
    break;
  case OSPY_EK_LAND: case OSPY_EK_LOR:
    fold_logical(n, ka, a, kb, b);
    break;
  case OSPY_EK_COND:
    if (is_const(e, n->a, &c))
      *n = e->nodes[c ? n->b : n->c];
    break;
  default:
    if (ospy_expr_kind_is_binary(n->kind) && ka && kb)
      make_const(n, ospy_expr_apply_binary(n->kind, n->optype, n->type, a, b));
    break;
  }
}

void ospy_expr_fold(struct ospy_expr *e)
{
  for (int32_t i = 0; i < e->n_nodes; i++)
    fold_node(e, &e->nodes[i]);
}
