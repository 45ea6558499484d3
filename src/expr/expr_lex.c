/* Lexer: integer literals (decimal, 0x hex, 0 octal), identifiers, operators. */
#include <ctype.h>
#include <string.h>

#include "expr/expr_lex.h"

bool ospy_expr_ident_char(char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

bool ospy_expr_is_identifier(const char *s, size_t n)
{
  if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!ospy_expr_ident_char(s[i]))
      return false;
  return true;
}

/* Longest operators first. */
static const char *const puncts[] = {
  "<<", ">>", "==", "!=", "<=", ">=", "&&", "||",
  "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">",
  "?", ":", "(", ")", "[", "]", ".",
};

static unsigned digit_value(char c)
{
  if (c >= '0' && c <= '9')
    return (unsigned)(c - '0');
  if (c >= 'a' && c <= 'f')
    return (unsigned)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F')
    return (unsigned)(c - 'A' + 10);
  return 99;
}

/* C's rule for the literal's type: the first of i32, (u32 for hex/octal),
 * i64, u64 that holds it. */
static ospy_expr_type literal_type(uint64_t v, bool decimal)
{
  if (v <= INT32_MAX)
    return (ospy_expr_type){ 32, true };
  if (!decimal && v <= UINT32_MAX)
    return (ospy_expr_type){ 32, false };
  if (v <= INT64_MAX)
    return (ospy_expr_type){ 64, true };
  return (ospy_expr_type){ 64, false };
}

static bool lex_number(const char *src, ospy_expr_tok *tok, ospy_expr_error *err)
{
  const char *s = src + tok->pos;
  size_t n = 0;
  while (ospy_expr_ident_char(s[n]))
    n++;
  tok->len = n;
  unsigned base = 10;
  size_t i = 0;
  if (n > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (n > 1 && s[0] == '0') {
    base = 8;
    i = 1;
  }
  if (i == n && base == 16)
    goto bad;
  uint64_t v = 0;
  for (; i < n; i++) {
    unsigned d = digit_value(s[i]);
    if (d >= base)
      goto bad;
    if (v > (UINT64_MAX - d) / base) {
      ospy_expr_set_error(err, (unsigned)tok->pos + 1, "integer literal '%.*s' out of range",
                          (int)n, s);
      return false;
    }
    v = v * base + d;
  }
  if (s[n] == '.' && isdigit((unsigned char)s[n + 1])) {
    ospy_expr_set_error(err, (unsigned)tok->pos + 1, "'%.*s...': floating-point numbers are "
                        "not supported (expressions compute with integers)", (int)n + 2, s);
    return false;
  }
  tok->kind = OSPY_TOK_NUM;
  tok->value = v;
  tok->type = literal_type(v, base == 10);
  return true;
bad:
  ospy_expr_set_error(err, (unsigned)tok->pos + 1, "invalid integer literal '%.*s'", (int)n, s);
  return false;
}

bool ospy_expr_lex(const char *src, size_t *pos, ospy_expr_tok *tok, ospy_expr_error *err)
{
  size_t p = *pos;
  while (src[p] == ' ' || src[p] == '\t' || src[p] == '\n' || src[p] == '\r')
    p++;
  memset(tok, 0, sizeof *tok);
  tok->pos = p;
  char c = src[p];
  if (c == '\0') {
    tok->kind = OSPY_TOK_END;
  } else if (isdigit((unsigned char)c)) {
    if (!lex_number(src, tok, err))
      return false;
  } else if (isalpha((unsigned char)c) || c == '_') {
    tok->kind = OSPY_TOK_IDENT;
    while (ospy_expr_ident_char(src[p + tok->len]))
      tok->len++;
  } else {
    for (size_t i = 0; i < sizeof puncts / sizeof puncts[0]; i++) {
      size_t n = strlen(puncts[i]);
      if (!strncmp(src + p, puncts[i], n)) {
        tok->kind = OSPY_TOK_PUNCT;
        tok->len = n;
        break;
      }
    }
    if (tok->kind != OSPY_TOK_PUNCT) {
      /* Show one whole UTF-8 sequence, not a broken byte. */
      size_t n = 1;
      while ((src[p + n] & 0xC0) == 0x80)
        n++;
      ospy_expr_set_error(err, (unsigned)p + 1, "unexpected '%.*s'", (int)n, src + p);
      return false;
    }
  }
  *pos = p + tok->len;
  return true;
}
