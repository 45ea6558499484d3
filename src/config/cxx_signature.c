/* A C++ function's signature from its demangled name, and the spec that
 * decodes its arguments (cxx_signature.h). The demangler's text is read in
 * the units of plan/cxx_match.c, so that an operator's token, "(anonymous
 * namespace)" and a lambda's braces are no brackets. */
#include "config/cxx_signature.h"
#include "plan/cxx_match.h"

#include <stdio.h>
#include <string.h>

static int is_open(char c) { return c == '(' || c == '<' || c == '['; }
static int is_close(char c) { return c == ')' || c == '>' || c == ']'; }

/* The index of the ')' closing the list that opens at d[open], or 0. */
static size_t list_end(const char *d, size_t open)
{
  int depth = 0;
  for (size_t i = open; d[i];) {
    size_t u = ospy_cxx_unit_len(d, i);
    if (u == 1 && is_open(d[i]))
      depth++;
    else if (u == 1 && is_close(d[i]) && --depth == 0)
      return d[i] == ')' ? i : 0;
    i += u;
  }
  return 0;
}

static int add_param(ospy_cxxsig *s, const char *d, size_t from, size_t to)
{
  while (from < to && d[from] == ' ')
    from++;
  while (to > from && d[to - 1] == ' ')
    to--;
  if (from == to || s->nparams == OSPY_SPEC_MAX_ARGS)
    return -1;
  s->param_at[s->nparams] = from;
  s->param_len[s->nparams++] = to - from;
  return 0;
}

/* The parameters between d[open] '(' and d[close] ')', split at the commas
 * outside brackets. */
static int read_params(const char *d, size_t open, size_t close, ospy_cxxsig *s)
{
  size_t from = open + 1;
  int depth = 0;
  if (close == from)
    return 0; /* "f()" */
  for (size_t i = from; i < close;) {
    size_t u = ospy_cxx_unit_len(d, i);
    if (u == 1 && is_open(d[i]))
      depth++;
    else if (u == 1 && is_close(d[i]))
      depth--;
    else if (u == 1 && d[i] == ',' && !depth) {
      if (add_param(s, d, from, i) < 0)
        return -1;
      from = i + 1;
    }
    i += u;
  }
  return add_param(s, d, from, close);
}

/* What may follow the list: a member function's qualifiers, a clone's
 * note. Anything else is a name this reader does not know. */
static int read_suffix(const char *d, ospy_cxxsig *s)
{
  static const char *const qualifiers[] = { " const", " volatile", " &&", " &" };
  while (*d) {
    size_t k = 0;
    while (k < sizeof qualifiers / sizeof qualifiers[0] &&
           strncmp(d, qualifiers[k], strlen(qualifiers[k])))
      k++;
    if (k < sizeof qualifiers / sizeof qualifiers[0]) {
      s->qualified = 1;
      d += strlen(qualifiers[k]);
    } else if (!strncmp(d, " [clone ", 8) && strchr(d, ']')) {
      s->clone = 1;
      d = strchr(d, ']') + 1;
    } else {
      return -1;
    }
  }
  return 0;
}

/* Whether the function's own name (after its scope) carries an ABI tag. */
static int own_abi_tag(const char *d, const ospy_cxxsig *s)
{
  size_t from = s->scope_end > s->name_at ? s->scope_end + 2 : s->name_at;
  for (size_t i = from; i + 5 <= s->base; i++)
    if (!strncmp(d + i, "[abi:", 5))
      return 1;
  return 0;
}

int ospy_cxxsig_read(const char *d, ospy_cxxsig *s)
{
  memset(s, 0, sizeof *s);
  s->base = ospy_cxx_base_len(d);
  if (d[s->base] != '(')
    return -1;
  size_t close = list_end(d, s->base);
  if (!close || read_params(d, s->base, close, s) < 0 || read_suffix(d + close + 1, s) < 0)
    return -1;
  ospy_cxx_name_parts(d, &s->name_at, &s->scope_end);
  s->abi_tagged = (uint8_t)own_abi_tag(d, s);
  return 0;
}

/* ---- types ---- */

typedef struct type_name {
  const char *text;
  int builtin;  /* enum ospy_builtin; LONG_*: the target's long */
  uint8_t ptr;
} type_name;

enum { LONG_SIGNED = -1, LONG_UNSIGNED = -2 };

/* As __cxa_demangle prints them (it writes typedefs as their types; size_t
 * and ssize_t only as a name written by hand would have them). */
static const type_name type_names[] = {
  { "bool", OSPY_BT_CPPBOOL, 0 },
  { "char", OSPY_BT_INT8, 0 }, /* (signed on x86) */
  { "signed char", OSPY_BT_INT8, 0 },
  { "unsigned char", OSPY_BT_UINT8, 0 },
  { "short", OSPY_BT_INT16, 0 },
  { "unsigned short", OSPY_BT_UINT16, 0 },
  { "int", OSPY_BT_INT32, 0 },
  { "unsigned int", OSPY_BT_UINT32, 0 },
  { "unsigned", OSPY_BT_UINT32, 0 },
  { "long", LONG_SIGNED, 0 },
  { "unsigned long", LONG_UNSIGNED, 0 },
  { "long long", OSPY_BT_INT64, 0 },
  { "unsigned long long", OSPY_BT_UINT64, 0 },
  { "size_t", LONG_UNSIGNED, 0 },
  { "std::size_t", LONG_UNSIGNED, 0 },
  { "ssize_t", LONG_SIGNED, 0 },
  { "float", OSPY_BT_FLOAT, 0 },
  { "double", OSPY_BT_DOUBLE, 0 },
  { "char const*", OSPY_BT_ASCIISTRING, 1 },
  { "char*", OSPY_BT_ASCIISTRING, 1 },
  { "wchar_t const*", OSPY_BT_WIDESTRING, 1 }, /* (4 bytes a character on Linux) */
  { "wchar_t*", OSPY_BT_WIDESTRING, 1 },
};

/* Built-in types with no ospy type: said so, not as a class. */
static const char *const unmapped_builtins[] = {
  "long double", "__int128", "unsigned __int128", "__float128", "_Float16", "wchar_t",
  "char8_t", "char16_t", "char32_t", "decltype(nullptr)",
};

/* Whether text[0, len) is a pointer or a reference: it ends with '*' or
 * '&' (not a pointer to member, "int C::*"), or it declares one inside
 * brackets, "void (*)(int)", "char const (&) [4]" (not "int (C::*)(int)",
 * which takes two words). */
static int pointer_like(const char *text, size_t len)
{
  char last = text[len - 1];
  if (last == '*' || last == '&')
    return !(last == '*' && len >= 3 && !strncmp(text + len - 3, "::*", 3));
  int depth = 0;
  for (size_t i = 0; i < len;) {
    size_t u = ospy_cxx_unit_len(text, i);
    if (u == 1 && text[i] == '(' && !depth) {
      size_t k = i + 1;
      while (k < len && (text[k] == '*' || text[k] == '&'))
        k++;
      if (k > i + 1 && k < len && text[k] == ')')
        return 1;
    }
    if (u == 1 && is_open(text[i]))
      depth++;
    else if (u == 1 && is_close(text[i]))
      depth--;
    i += u;
  }
  return 0;
}

static int equal(const char *text, size_t len, const char *name)
{
  return strlen(name) == len && !strncmp(text, name, len);
}

static void say(char *why, size_t cap, const char *fmt, const char *text, size_t len)
{
  if (cap)
    snprintf(why, cap, fmt, (int)len, text);
}

int ospy_cxxsig_type(const char *text, size_t len, unsigned bits, uint32_t *type, uint8_t *ptr,
                     char *why, size_t cap)
{
  for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
    if (!equal(text, len, type_names[i].text))
      continue;
    int b = type_names[i].builtin;
    if (b == LONG_SIGNED)
      b = bits == 32 ? OSPY_BT_INT32 : OSPY_BT_INT64;
    else if (b == LONG_UNSIGNED)
      b = bits == 32 ? OSPY_BT_UINT32 : OSPY_BT_UINT64;
    *type = (uint32_t)b;
    *ptr = type_names[i].ptr;
    return 0;
  }
  if (len && pointer_like(text, len)) {
    *type = OSPY_BT_POINTER;
    *ptr = 0;
    return 0;
  }
  if (equal(text, len, "..."))
    say(why, cap, "a variadic function (%.*s): its other arguments' types are not in the name",
        text, len);
  else if (len >= 3 && memmem(text, len, "::*", 3))
    say(why, cap, "a pointer to member (%.*s), which may take two words", text, len);
  else {
    for (size_t i = 0; i < sizeof unmapped_builtins / sizeof unmapped_builtins[0]; i++)
      if (equal(text, len, unmapped_builtins[i])) {
        say(why, cap, "a parameter %.*s, a type ospy does not map", text, len);
        return -1;
      }
    say(why, cap, "a parameter %.*s passed by value (a class or an enumeration, whose layout "
        "the name does not give)", text, len);
  }
  return -1;
}

/* A template function's return type, printed before its name: one that is
 * a class may come back through a hidden first argument. */
static int return_type_ok(const char *d, const ospy_cxxsig *s, unsigned bits, char *why,
                          size_t cap)
{
  if (!s->name_at)
    return 0;
  size_t len = s->name_at - 1;
  uint32_t type;
  uint8_t ptr;
  if (equal(d, len, "void") || ospy_cxxsig_type(d, len, bits, &type, &ptr, NULL, 0) == 0)
    return 0;
  say(why, cap, "it returns %.*s, which may come back through a hidden first argument", d, len);
  return -1;
}

int ospy_cxxsig_map(const char *d, ospy_cxxsig *s, unsigned bits, char *why, size_t cap)
{
  if (s->clone) {
    say(why, cap, "%.*s is a compiler clone, whose parameters may differ from the name's", d,
        strlen(d));
    return -1;
  }
  if (s->abi_tagged) {
    say(why, cap, "the ABI tag of %.*s says it returns a class such as std::string, which may "
        "come back through a hidden first argument", d, s->base);
    return -1;
  }
  if (return_type_ok(d, s, bits, why, cap) < 0)
    return -1;
  for (size_t i = 0; i < s->nparams; i++) {
    const char *text = d + s->param_at[i];
    size_t len = s->param_len[i];
    if (ospy_cxxsig_type(text, len, bits, &s->type[i], &s->ptr[i], why, cap) < 0)
      return -1;
    s->inout[i] = (uint8_t)(equal(text, len, "char*") || equal(text, len, "wchar_t*"));
  }
  return 0;
}

/* ---- the spec ---- */

static void set_arg(ospy_spec_arg *a, const char *name, uint32_t type, uint8_t ptr)
{
  a->name = name;
  a->dir = OSPY_DIR_IN;
  a->t = (ospy_spec_typeref){ .type = type, .ptr = ptr, .marshal_as = OSPY_SPEC_NONE,
                              .elem_type = OSPY_SPEC_NONE };
  a->valist_arg = OSPY_SPEC_NONE;
}

uint32_t ospy_cxxsig_spec(ospy_spec_table *t, const char *name, const ospy_cxxsig *s,
                          int with_this, int returns_nothing)
{
  size_t n = s->nparams + (with_this ? 1 : 0);
  if (n > OSPY_SPEC_MAX_ARGS)
    return OSPY_SPEC_NONE;
  ospy_spec_arg *args = n ? ospy_spec_alloc(t, n * sizeof *args) : NULL;
  if (n && !args)
    return OSPY_SPEC_NONE;
  size_t k = 0;
  if (with_this)
    set_arg(&args[k++], "this", OSPY_BT_POINTER, 0);
  for (size_t i = 0; i < s->nparams; i++, k++) {
    char pname[24];
    snprintf(pname, sizeof pname, "p%zu", i + 1);
    const char *copy = ospy_spec_strdup(t, pname);
    if (!copy)
      return OSPY_SPEC_NONE;
    set_arg(&args[k], copy, s->type[i], s->ptr[i]);
    if (s->inout[i])
      args[k].dir = OSPY_DIR_INOUT;
  }
  uint32_t fi = ospy_spec_add_fn(t, name);
  if (fi == OSPY_SPEC_NONE)
    return OSPY_SPEC_NONE;
  ospy_spec_fn *fn = &t->fns[fi];
  fn->callconv = OSPY_CALLCONV_DEFAULT; /* (g++'s: `this` is a first argument like any) */
  fn->args = args;
  fn->nargs = (uint32_t)n;
  fn->ret_raw = !returns_nothing; /* (has_ret 0: void) */
  return fi;
}
