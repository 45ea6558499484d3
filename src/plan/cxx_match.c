/* C++ names as nm -C prints them, matched against demangled names
 * (cxx_match.h). A demangled name is read in units: an operator with its
 * token ("operator<<", "operator()", "operator new[]"), "(anonymous
 * namespace)" and a brace group ("{lambda(int)#1}") are one unit each, so
 * that their brackets are not taken for template brackets or a parameter
 * list. */
#include "plan/cxx_match.h"

#include <stdio.h>
#include <string.h>

static int ident_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int operator_at(const char *d, size_t i)
{
  return !strncmp(d + i, "operator", 8) && (i == 0 || !ident_char(d[i - 1])) &&
         !ident_char(d[i + 8]);
}

/* The token after "operator" as the demangler prints it; 0 for a conversion
 * operator ("operator int": a type follows, read as any text). Longest
 * first: "<<=" before "<<" before "<". */
static size_t operator_token_len(const char *s)
{
  static const char *const tokens[] = {
    " new[]", " delete[]", " new", " delete", " co_await",
    "->*", "<<=", ">>=", "<=>", "()", "[]", "->", "<<", ">>", "<=", ">=", "==", "!=", "&&",
    "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "=", ",",
  };
  for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
    size_t n = strlen(tokens[i]);
    if (!strncmp(s, tokens[i], n))
      return n;
  }
  return 0;
}

static const char anonymous[] = "(anonymous namespace)";

/* The length of the unit at d + i (1 for an ordinary character). */
static size_t unit_len(const char *d, size_t i)
{
  if (operator_at(d, i))
    return 8 + operator_token_len(d + i + 8);
  if (!strncmp(d + i, anonymous, sizeof anonymous - 1))
    return sizeof anonymous - 1;
  if (d[i] == '{') {
    size_t k = i, depth = 0;
    for (; d[k]; k++)
      if (d[k] == '{')
        depth++;
      else if (d[k] == '}' && --depth == 0)
        return k + 1 - i;
    return k - i;
  }
  return 1;
}

size_t ospy_cxx_unit_len(const char *d, size_t i)
{
  return unit_len(d, i);
}

size_t ospy_cxx_base_len(const char *d)
{
  int depth = 0;
  for (size_t i = 0; d[i];) {
    size_t u = unit_len(d, i);
    if (u == 1) {
      if (d[i] == '<')
        depth++;
      else if (d[i] == '>' && depth)
        depth--;
      else if (d[i] == '(' && !depth)
        return i;
    }
    i += u;
  }
  return strlen(d);
}

/* The index just past the template argument list opening at d[i] ('<'),
 * within to (to when it does not close). */
static size_t past_template_args(const char *d, size_t i, size_t to)
{
  int depth = 0;
  while (i < to) {
    size_t u = unit_len(d, i);
    if (u == 1 && d[i] == '<')
      depth++;
    else if (u == 1 && d[i] == '>' && --depth == 0)
      return i + 1;
    i += u;
  }
  return to;
}

/* Whether d[from, to) is name, leaving out d's ABI tags ("[abi:cxx11]")
 * when skip_abi and its template argument lists when skip_targs. */
static int equal_without(const char *d, size_t from, size_t to, const char *name, int skip_abi,
                         int skip_targs)
{
  size_t i = from, k = 0;
  while (i < to) {
    if (skip_abi && !strncmp(d + i, "[abi:", 5) && memchr(d + i, ']', to - i)) {
      i = (size_t)((const char *)memchr(d + i, ']', to - i) - d) + 1;
      continue;
    }
    size_t u = unit_len(d, i);
    if (skip_targs && u == 1 && d[i] == '<') {
      i = past_template_args(d, i, to);
      continue;
    }
    if (skip_targs && d[i] == ' ' && d[i + 1] == '<') { /* "operator< <ns::X>" */
      i++;
      continue;
    }
    if (u > to - i)
      u = to - i;
    if (strncmp(d + i, name + k, u))
      return 0;
    i += u;
    k += u;
  }
  return name[k] == 0;
}

/* Whether name's base (its first base bytes) has a template argument list. */
static int has_template_args(const char *name, size_t base)
{
  for (size_t i = 0; i < base;) {
    size_t u = unit_len(name, i);
    if (u == 1 && name[i] == '<')
      return 1;
    i += u;
  }
  return 0;
}

/* Whether d, from start, is name: whole, or (name without a parameter
 * list) by its base, with or without template arguments. */
static int matches_from(const char *d, size_t start, const char *name, int skip_abi)
{
  size_t len = strlen(d), nbase = ospy_cxx_base_len(name);
  if (name[nbase]) /* a parameter list: the whole name */
    return equal_without(d, start, len, name, skip_abi, 0);
  size_t base = start + ospy_cxx_base_len(d + start);
  return equal_without(d, start, base, name, skip_abi, 0) ||
         (!has_template_args(name, nbase) && equal_without(d, start, base, name, skip_abi, 1));
}

/* Whether d is a template function's demangled name, which starts with its
 * return type ("int ns::twice<int>(int)"): its base ends with template
 * arguments (an ABI tag after them aside). */
static int template_function(const char *d)
{
  size_t b = ospy_cxx_base_len(d);
  while (b && d[b - 1] == ']') {
    const char *open = NULL;
    for (size_t k = b - 1; k-- > 0;)
      if (d[k] == '[') {
        open = d + k;
        break;
      }
    if (!open || strncmp(open, "[abi:", 5))
      break;
    b = (size_t)(open - d);
  }
  return b && d[b - 1] == '>';
}

int ospy_cxx_name_matches(const char *d, const char *name)
{
  if (!strcmp(d, name))
    return 1;
  if (strstr(d, " [clone ")) /* only by its full name */
    return 0;
  int skip_abi = !strstr(name, "[abi:");
  if (matches_from(d, 0, name, skip_abi))
    return 1;
  if (!template_function(d))
    return 0;
  /* without the return type: the name starts after a space outside
   * brackets, before the function's own name (an operator's space is its) */
  size_t base = ospy_cxx_base_len(d);
  int depth = 0;
  for (size_t i = 0; i < base;) {
    size_t u = unit_len(d, i);
    if (operator_at(d, i))
      break;
    if (u == 1 && (d[i] == '<' || d[i] == '('))
      depth++;
    else if (u == 1 && (d[i] == '>' || d[i] == ')') && depth)
      depth--;
    else if (u == 1 && d[i] == ' ' && !depth && matches_from(d, i + 1, name, skip_abi))
      return 1;
    i += u;
  }
  return 0;
}

void ospy_cxx_name_parts(const char *d, size_t *name_at, size_t *scope_end)
{
  size_t base = ospy_cxx_base_len(d), at = 0, scope = 0;
  int depth = 0, has_scope = 0;
  for (size_t i = 0; i < base;) {
    size_t u = unit_len(d, i);
    if (operator_at(d, i))
      break; /* (an operator's name is its own: "operator new", "operator int") */
    if (u == 1 && (d[i] == '<' || d[i] == '('))
      depth++;
    else if (u == 1 && (d[i] == '>' || d[i] == ')') && depth)
      depth--;
    else if (u == 1 && d[i] == ' ' && !depth && template_function(d)) {
      at = i + 1; /* after a template function's return type */
      has_scope = 0;
    } else if (!depth && !strncmp(d + i, "::", 2)) {
      scope = i;
      has_scope = 1;
      u = 2;
    }
    i += u;
  }
  *name_at = at;
  *scope_end = has_scope ? scope : at;
}

void ospy_cxx_name_token(const char *name, char *out, size_t cap)
{
  out[0] = 0;
  if (!strncmp(name, "std::", 5))
    return;
  size_t base = ospy_cxx_base_len(name), last = 0;
  int depth = 0;
  for (size_t i = 0; i < base;) {
    size_t u = unit_len(name, i);
    if (u == 1 && name[i] == '<')
      depth++;
    else if (u == 1 && name[i] == '>' && depth)
      depth--;
    else if (!depth && !strncmp(name + i, "::", 2))
      last = i + 2;
    else if (!depth && name[i] == ' ') /* after a template function's return type */
      last = i + 1;
    i += u;
  }
  const char *c = name + last;
  if (*c == '~')
    c++;
  if (operator_at(c, 0))
    return;
  size_t n = 0;
  while (ident_char(c[n]))
    n++;
  if (n && !(c[0] >= '0' && c[0] <= '9'))
    snprintf(out, cap, "%zu%.*s", n, (int)n, c);
}

const char *ospy_cxx_structor_code(const char *mangled)
{
  if (strncmp(mangled, "_Z", 2) || strlen(mangled) < 4)
    return NULL;
  for (const char *s = mangled + 3; s[0] && s[1] && s[2]; s++)
    if ((s[0] == 'C' || s[0] == 'D') && s[1] >= '0' && s[1] <= '5' &&
        (s[2] == 'E' || s[2] == 'B') && ident_char(s[-1]))
      return s;
  return NULL;
}
