/* Public entry points: compile (parse + fold), inspect, free; error text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu_context.h"
#include "expr/expr_internal.h"

void ospy_expr_set_error(ospy_expr_error *err, unsigned column, const char *fmt, ...)
{
  va_list ap;
  err->column = column;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

void ospy_expr_error_format(const ospy_expr_error *err, char *buf, size_t size)
{
  if (err->column)
    snprintf(buf, size, "%s at column %u", err->message, err->column);
  else
    snprintf(buf, size, "%s", err->message);
}

const char *ospy_expr_one_line(const char *src, char *buf, size_t size)
{
  size_t i = 0;
  if (!size)
    return buf;
  for (; src[i] && i + 1 < size; i++)
    buf[i] = strchr("\n\r\t\v\f", src[i]) ? ' ' : src[i];
  buf[i] = '\0';
  return buf;
}

bool ospy_expr_compile(const char *src, const ospy_expr_scope *scope, ospy_expr **out,
                       ospy_expr_error *err)
{
  *out = NULL;
  memset(err, 0, sizeof *err);
  if (scope->arch != OSPY_EXPR_ARCH_X86_64 && scope->arch != OSPY_EXPR_ARCH_I386) {
    ospy_expr_set_error(err, 0, "unknown target architecture");
    return false;
  }
  struct ospy_expr *e = calloc(1, sizeof *e);
  if (e)
    e->nodes = calloc(OSPY_EXPR_MAX_NODES, sizeof *e->nodes);
  if (!e || !e->nodes) {
    ospy_expr_free(e);
    ospy_expr_set_error(err, 0, "out of memory");
    return false;
  }
  e->scope = *scope;
  e->scope.args = NULL;
  e->scope.names = NULL;
  e->root = ospy_expr_parse(src, scope, e, err);
  if (e->root < 0) {
    ospy_expr_free(e);
    return false;
  }
  ospy_expr_fold(e);
  /* Parsed into room for the longest expression (32 KiB); kept at its own
   * size: an agent compiles every expression of its specs (some 200 for
   * --preset files,net: 6 MiB of heap in the program), and again at each
   * attach. */
  ospy_expr_node *fit = realloc(e->nodes, (size_t)e->n_nodes * sizeof *e->nodes);
  if (fit)
    e->nodes = fit;
  *out = e;
  return true;
}

void ospy_expr_free(ospy_expr *expr)
{
  if (!expr)
    return;
  free(expr->nodes);
  free(expr);
}

ospy_expr_arch ospy_expr_get_arch(const ospy_expr *expr)
{
  return expr->scope.arch;
}

bool ospy_expr_is_constant(const ospy_expr *expr, uint64_t *value)
{
  const ospy_expr_node *n = &expr->nodes[expr->root];
  if (n->kind != OSPY_EK_CONST)
    return false;
  *value = n->value;
  return true;
}

void ospy_expr_result_type(const ospy_expr *expr, unsigned *width, bool *is_signed)
{
  *width = expr->nodes[expr->root].type.width;
  *is_signed = expr->nodes[expr->root].type.is_signed;
}

static unsigned uses_of(const struct ospy_expr *e, int32_t i)
{
  if (i < 0)
    return 0;
  const ospy_expr_node *n = &e->nodes[i];
  unsigned u = 0;
  switch (n->kind) {
  case OSPY_EK_RETVAL: u = OSPY_EXPR_USES_RETVAL; break;
  case OSPY_EK_ERRNO: u = OSPY_EXPR_USES_ERRNO; break;
  case OSPY_EK_ARG: u = OSPY_EXPR_USES_ARGS; break;
  case OSPY_EK_MEM: u = OSPY_EXPR_USES_MEMORY; break;
  case OSPY_EK_REG: {
    size_t rax = e->scope.arch == OSPY_EXPR_ARCH_X86_64 ? offsetof(ospy_x64_context, rax)
                                                        : offsetof(ospy_x86_context, eax);
    size_t size = e->scope.arch == OSPY_EXPR_ARCH_X86_64 ? 8 : 4;
    u = OSPY_EXPR_USES_REGS;
    if (n->value >= rax && n->value < rax + size)
      u |= OSPY_EXPR_USES_RETURN_REG;
    break;
  }
  default: break;
  }
  return u | uses_of(e, n->a) | uses_of(e, n->b) | uses_of(e, n->c);
}

unsigned ospy_expr_uses(const ospy_expr *expr)
{
  return uses_of(expr, expr->root);
}

static uint64_t args_of(const struct ospy_expr *e, int32_t i)
{
  if (i < 0)
    return 0;
  const ospy_expr_node *n = &e->nodes[i];
  uint64_t m = n->kind == OSPY_EK_ARG && n->value < 64 ? 1ull << n->value : 0;
  return m | args_of(e, n->a) | args_of(e, n->b) | args_of(e, n->c);
}

uint64_t ospy_expr_args_read(const ospy_expr *expr)
{
  return args_of(expr, expr->root);
}
