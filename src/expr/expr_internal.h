/* Internal representation shared by the parser, folder, interpreter and JITs. */
#ifndef OSPY_EXPR_INTERNAL_H
#define OSPY_EXPR_INTERNAL_H

#include "expr/expr.h"

/* Nesting limit in the source: parentheses, brackets, unary operators and
 * ?: arms, one level each; bounds the recursion of the parser. */
#define OSPY_EXPR_MAX_DEPTH 64
#define OSPY_EXPR_MAX_NODES 1024
/* Bounds the recursion of the interpreter and the JITs (chains such as
 * a+b+c+... grow the tree without nesting in the source). */
#define OSPY_EXPR_MAX_TREE_DEPTH 128
/* Keeps index * 8 a small displacement in generated code. */
#define OSPY_EXPR_MAX_ARG_INDEX 65535

/* Every value is held as 64 bits, normalized to its type: truncated to the
 * width, then zero- or sign-extended by the signedness. */
typedef struct ospy_expr_type {
  uint8_t width; /* 8, 16, 32, 64 */
  bool is_signed;
} ospy_expr_type;

typedef enum ospy_expr_kind {
  /* leaves */
  OSPY_EK_CONST, OSPY_EK_REG, OSPY_EK_ARG, OSPY_EK_RETVAL, OSPY_EK_ERRNO, OSPY_EK_TID,
  /* one child */
  OSPY_EK_MEM,   /* read type.width bits at address a */
  OSPY_EK_CAST,  /* normalize a to type */
  OSPY_EK_NEG, OSPY_EK_NOT, OSPY_EK_LNOT,
  /* two children, same type (already converted) */
  OSPY_EK_ADD, OSPY_EK_SUB, OSPY_EK_MUL, OSPY_EK_DIV, OSPY_EK_MOD,
  OSPY_EK_AND, OSPY_EK_OR, OSPY_EK_XOR,
  OSPY_EK_SHL, OSPY_EK_SHR, /* SHR is arithmetic when the type is signed */
  OSPY_EK_EQ, OSPY_EK_NE, OSPY_EK_LT, OSPY_EK_LE, OSPY_EK_GT, OSPY_EK_GE,
  OSPY_EK_LAND, OSPY_EK_LOR,
  /* three children */
  OSPY_EK_COND,
} ospy_expr_kind;

typedef struct ospy_expr_node {
  ospy_expr_kind kind;
  ospy_expr_type type;   /* the result type */
  ospy_expr_type optype; /* comparisons: the operands' common type */
  uint64_t value;        /* CONST: the value; REG: byte offset in the context; ARG: index */
  int32_t a, b, c;       /* children, -1 when absent */
  uint16_t depth;        /* 1 for a leaf */
  bool may_fault;        /* ARG: of an argument that may be missing (frame.arg_faults) */
} ospy_expr_node;

struct ospy_expr {
  ospy_expr_scope scope; /* copied; args pointer not kept */
  ospy_expr_node *nodes;
  int32_t n_nodes;
  int32_t root;
  bool has_calls; /* contains memory reads */
  bool has_fault_args; /* uses arguments that may be missing */
};

/* Whether evaluation can fault: the JITs then need their fault exit. */
static inline bool ospy_expr_can_fault(const struct ospy_expr *e)
{
  return e->has_calls || e->has_fault_args;
}

/* expr_ops.c: the arithmetic every evaluator agrees on. */
uint64_t ospy_expr_normalize(uint64_t v, ospy_expr_type t);
bool ospy_expr_kind_is_binary(ospy_expr_kind k);
bool ospy_expr_kind_is_compare(ospy_expr_kind k);
/* A binary operator except LAND/LOR on normalized operands. */
uint64_t ospy_expr_apply_binary(ospy_expr_kind k, ospy_expr_type optype,
                                ospy_expr_type type, uint64_t a, uint64_t b);
uint64_t ospy_expr_apply_unary(ospy_expr_kind k, ospy_expr_type type, uint64_t a);

/* expr_names.c: register views per arch. */
typedef struct ospy_expr_regdef {
  const char *name;
  uint16_t offset; /* byte offset in the context */
  uint8_t width;
} ospy_expr_regdef;
const ospy_expr_regdef *ospy_expr_find_reg(ospy_expr_arch arch, const char *name, size_t len);

/* expr_parse.c: fills e->nodes; returns the root, or -1 with *err set. */
int32_t ospy_expr_parse(const char *src, const ospy_expr_scope *scope, struct ospy_expr *e,
                        ospy_expr_error *err);

/* expr_fold.c */
void ospy_expr_fold(struct ospy_expr *e);

/* expr_jit_x64.c / expr_jit_x86.c */
bool ospy_expr_codegen_x64(const struct ospy_expr *e, void *buf, size_t cap, size_t *len,
                           ospy_expr_error *err);
bool ospy_expr_codegen_x86(const struct ospy_expr *e, void *buf, size_t cap, size_t *len,
                           ospy_expr_error *err);

void ospy_expr_set_error(ospy_expr_error *err, unsigned column, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

#endif
