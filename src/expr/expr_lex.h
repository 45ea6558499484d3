/* Tokens of the expression language. */
#ifndef OSPY_EXPR_LEX_H
#define OSPY_EXPR_LEX_H

#include "expr/expr_internal.h"

typedef enum ospy_expr_tok_kind {
  OSPY_TOK_END,
  OSPY_TOK_NUM,
  OSPY_TOK_IDENT,
  OSPY_TOK_PUNCT, /* operator or bracket, text[0..len) */
} ospy_expr_tok_kind;

typedef struct ospy_expr_tok {
  ospy_expr_tok_kind kind;
  size_t pos; /* byte offset in the source */
  size_t len;
  uint64_t value;     /* NUM */
  ospy_expr_type type; /* NUM: the literal's type */
} ospy_expr_tok;

/* Reads the token at *pos (skipping blanks) and advances *pos past it.
 * False with *err set on a malformed token. */
bool ospy_expr_lex(const char *src, size_t *pos, ospy_expr_tok *tok, ospy_expr_error *err);

#endif
