/*
 * Recursive-descent parser with C precedence. Names are resolved and types
 * checked while parsing; the usual arithmetic conversions are made explicit
 * as CAST nodes so that every evaluator only sees operands of one type.
 */
#include <string.h>

#include "expr/closest.h"
#include "expr/expr_lex.h"

typedef struct parser {
  const char *src;
  size_t pos;          /* after tok */
  ospy_expr_tok tok;   /* current token */
  const ospy_expr_scope *scope;
  struct ospy_expr *e;
  ospy_expr_error *err;
  int depth;
  bool failed;
} parser;

static unsigned col(const parser *p)
{
  return (unsigned)p->tok.pos + 1;
}

static int32_t fail(parser *p, unsigned column, const char *fmt, const char *name, size_t len)
{
  if (!p->failed)
    ospy_expr_set_error(p->err, column, fmt, (int)len, name);
  p->failed = true;
  return -1;
}

/* The current token, which names nothing known, as `what` ("register",
 * "argument", "name"), with the closest of the names offered to c, if one
 * is close: "unknown register 'eaz' (did you mean eax?)". */
static int32_t fail_unknown(parser *p, unsigned column, const char *what, const ospy_closest *c)
{
  const char *close = c ? ospy_closest_result(c) : NULL;
  if (!p->failed)
    ospy_expr_set_error(p->err, column, "unknown %s '%.*s'%s%s%s", what, (int)p->tok.len,
                        p->src + p->tok.pos, close ? " (did you mean " : "", close ? close : "",
                        close ? "?)" : "");
  p->failed = true;
  return -1;
}

/* Starts c on the current token (a name of the source, not terminated
 * there): false when it is too long to be near any name. */
static bool closest_to_token(const parser *p, ospy_closest *c, char *name, size_t cap)
{
  if (p->tok.len >= cap)
    return false;
  memcpy(name, p->src + p->tok.pos, p->tok.len);
  name[p->tok.len] = 0;
  ospy_closest_init(c, name);
  return true;
}

static int32_t fail_msg(parser *p, unsigned column, const char *msg)
{
  return fail(p, column, "%.*s", msg, strlen(msg));
}

static int32_t fail_unexpected(parser *p)
{
  if (p->tok.kind == OSPY_TOK_END)
    return fail_msg(p, col(p), "unexpected end of input");
  return fail(p, col(p), "unexpected '%.*s'", p->src + p->tok.pos, p->tok.len);
}

static void next(parser *p)
{
  if (!p->failed && !ospy_expr_lex(p->src, &p->pos, &p->tok, p->err))
    p->failed = true;
}

static bool is_punct(const parser *p, const char *s)
{
  return p->tok.kind == OSPY_TOK_PUNCT && p->tok.len == strlen(s) &&
         !memcmp(p->src + p->tok.pos, s, p->tok.len);
}

static bool is_ident(const parser *p, const char *s)
{
  return p->tok.kind == OSPY_TOK_IDENT && p->tok.len == strlen(s) &&
         !memcmp(p->src + p->tok.pos, s, p->tok.len);
}

static bool expect(parser *p, const char *s)
{
  if (p->failed)
    return false;
  if (!is_punct(p, s)) {
    fail_unexpected(p);
    return false;
  }
  next(p);
  return !p->failed;
}

/* One level of nesting more: a parenthesis (or a cast's), a memory read's
 * brackets, a unary operator, the arms of a ?:. Each level costs the parser
 * a bounded number of stack frames (the precedence climbing between two
 * levels is at most one call per precedence), so the limit bounds its stack;
 * the tree's depth, which bounds the evaluators', has its own limit. */
static bool enter_level(parser *p)
{
  if (++p->depth <= OSPY_EXPR_MAX_DEPTH)
    return true;
  fail_msg(p, col(p), "expression nested too deeply");
  return false;
}

static int32_t add_node(parser *p, ospy_expr_kind kind, ospy_expr_type type, uint64_t value,
                        int32_t a, int32_t b, int32_t c)
{
  if (p->failed)
    return -1;
  struct ospy_expr *e = p->e;
  if (e->n_nodes == OSPY_EXPR_MAX_NODES)
    return fail_msg(p, col(p), "expression too long");
  uint16_t depth = 0;
  int32_t kids[3] = { a, b, c };
  for (int i = 0; i < 3; i++)
    if (kids[i] >= 0 && e->nodes[kids[i]].depth > depth)
      depth = e->nodes[kids[i]].depth;
  if (depth >= OSPY_EXPR_MAX_TREE_DEPTH)
    return fail_msg(p, col(p), "expression nested too deeply");
  ospy_expr_node *n = &e->nodes[e->n_nodes];
  *n = (ospy_expr_node){ .kind = kind, .type = type, .optype = type, .value = value,
                         .a = a, .b = b, .c = c, .depth = (uint16_t)(depth + 1) };
  return e->n_nodes++;
}

static ospy_expr_type type_of(const parser *p, int32_t n)
{
  return p->e->nodes[n].type;
}

static bool same_type(ospy_expr_type x, ospy_expr_type y)
{
  return x.width == y.width && x.is_signed == y.is_signed;
}

static int32_t convert(parser *p, int32_t n, ospy_expr_type t)
{
  if (n < 0 || same_type(type_of(p, n), t))
    return n;
  return add_node(p, OSPY_EK_CAST, t, 0, n, -1, -1);
}

static const ospy_expr_type int_type = { 32, true };

/* C integer promotion: narrower than 32 bits becomes i32. */
static ospy_expr_type promote(ospy_expr_type t)
{
  return t.width < 32 ? int_type : t;
}

/* C usual arithmetic conversions. */
static ospy_expr_type common_type(ospy_expr_type x, ospy_expr_type y)
{
  x = promote(x);
  y = promote(y);
  if (x.width == y.width)
    return (ospy_expr_type){ x.width, x.is_signed && y.is_signed };
  return x.width > y.width ? x : y;
}

/* "u8".."i64" -> type; false if the identifier is no type name. */
static bool type_name(const parser *p, ospy_expr_type *t)
{
  static const char *const names[] = { "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64" };
  if (p->tok.kind != OSPY_TOK_IDENT)
    return false;
  for (unsigned i = 0; i < 8; i++)
    if (is_ident(p, names[i])) {
      *t = (ospy_expr_type){ (uint8_t)(8u << (i / 2)), (i & 1) != 0 };
      return true;
    }
  return false;
}

static int32_t parse_cond(parser *p);
static int32_t parse_unary(parser *p);

static int32_t parse_reg(parser *p)
{
  next(p); /* reg */
  if (!expect(p, "."))
    return -1;
  if (p->tok.kind != OSPY_TOK_IDENT)
    return fail_unexpected(p);
  const ospy_expr_regdef *r =
    ospy_expr_find_reg(p->scope->arch, p->src + p->tok.pos, p->tok.len);
  if (!r) {
    /* the other architecture's register: the config or expression was
     * written for the other build of the program */
    bool x64 = p->scope->arch == OSPY_EXPR_ARCH_X86_64;
    if (ospy_expr_find_reg(x64 ? OSPY_EXPR_ARCH_I386 : OSPY_EXPR_ARCH_X86_64,
                           p->src + p->tok.pos, p->tok.len))
      return fail(p, col(p),
                  x64 ? "unknown register '%.*s' on x86-64 (an i386 register: the target is x86-64)"
                      : "unknown register '%.*s' on i386 (an x86-64 register: the target is i386)",
                  p->src + p->tok.pos, p->tok.len);
    ospy_closest c;
    char name[64];
    if (!closest_to_token(p, &c, name, sizeof name))
      return fail_unknown(p, col(p), "register", NULL);
    for (size_t i = 0; ospy_expr_reg_name(p->scope->arch, i); i++)
      ospy_closest_offer(&c, ospy_expr_reg_name(p->scope->arch, i), "");
    return fail_unknown(p, col(p), "register", &c);
  }
  next(p);
  return add_node(p, OSPY_EK_REG, (ospy_expr_type){ r->width, false }, r->offset, -1, -1, -1);
}

static const ospy_expr_arg *find_arg(const parser *p, const char *name, size_t len)
{
  for (size_t i = 0; i < p->scope->nargs; i++) {
    const char *n = p->scope->args[i].name;
    if (n && strlen(n) == len && !memcmp(n, name, len))
      return &p->scope->args[i];
  }
  return NULL;
}

/* argN: N decimal digits without leading zero, indexing the scope's args. */
static const ospy_expr_arg *positional_arg(const parser *p)
{
  const char *s = p->src + p->tok.pos;
  size_t n = p->tok.len;
  if (n < 4 || memcmp(s, "arg", 3) || (s[3] == '0' && n > 4))
    return NULL;
  size_t index = 0;
  for (size_t i = 3; i < n; i++) {
    if (s[i] < '0' || s[i] > '9' || index > 100000)
      return NULL;
    index = index * 10 + (size_t)(s[i] - '0');
  }
  return index < p->scope->nargs ? &p->scope->args[index] : NULL;
}

static bool is_positional_name(const parser *p)
{
  const char *s = p->src + p->tok.pos;
  return p->tok.len > 3 && !memcmp(s, "arg", 3) && s[3] >= '0' && s[3] <= '9';
}

/* `arg.NAME` or `argN`; returns the arg or NULL (error set). */
/* An argument name the scope does not have: the closest of its own. */
static void fail_unknown_arg(parser *p)
{
  ospy_closest c;
  char name[64];
  if (!closest_to_token(p, &c, name, sizeof name)) {
    fail_unknown(p, col(p), "argument", NULL);
    return;
  }
  for (size_t i = 0; i < p->scope->nargs; i++)
    if (p->scope->args[i].name)
      ospy_closest_offer(&c, p->scope->args[i].name, "");
  fail_unknown(p, col(p), "argument", &c);
}

static const ospy_expr_arg *parse_arg_ref(parser *p)
{
  const ospy_expr_arg *a;
  if (is_ident(p, "arg")) {
    next(p);
    if (!expect(p, "."))
      return NULL;
    if (p->tok.kind != OSPY_TOK_IDENT) {
      fail_unexpected(p);
      return NULL;
    }
    a = find_arg(p, p->src + p->tok.pos, p->tok.len);
  } else {
    a = positional_arg(p);
  }
  if (!a)
    fail_unknown_arg(p);
  else if (a->is_float) {
    fail(p, col(p), "argument '%.*s' is floating-point: expressions compute with integers only",
         a->name, strlen(a->name));
    return NULL;
  }
  return a;
}

static ospy_expr_type arg_type(const ospy_expr_arg *a)
{
  return (ospy_expr_type){ a->width, a->is_signed && !a->is_pointer };
}

static bool valid_width(unsigned w)
{
  return w == 8 || w == 16 || w == 32 || w == 64;
}

static int32_t arg_node(parser *p, const ospy_expr_arg *a, unsigned column)
{
  if (!valid_width(a->width))
    return fail(p, column, "argument '%.*s' has no integer width", a->name, strlen(a->name));
  if (a->index > OSPY_EXPR_MAX_ARG_INDEX || (a->may_fault && a->index >= 64))
    return fail(p, column, "argument '%.*s' has an out-of-range slot", a->name,
                strlen(a->name));
  int32_t n = add_node(p, OSPY_EK_ARG, arg_type(a), a->index, -1, -1, -1);
  if (n >= 0 && a->may_fault) {
    p->e->nodes[n].may_fault = true;
    p->e->has_fault_args = true;
  }
  return n;
}

/* The target of pointer argument a, named at column. */
static int32_t target_node(parser *p, const ospy_expr_arg *a, unsigned column)
{
  size_t len = strlen(a->name);
  if (!a->is_pointer)
    return fail(p, column, "cannot dereference '%.*s': not a pointer", a->name, len);
  if (!valid_width(a->pointee_width))
    return fail(p, column, "cannot dereference '%.*s': pointed-to type has no integer width",
                a->name, len);
  int32_t ptr = arg_node(p, a, column);
  p->e->has_calls = true;
  return add_node(p, OSPY_EK_MEM, (ospy_expr_type){ a->pointee_width, a->pointee_signed }, 0,
                  ptr, -1, -1);
}

/* The entry of the scope's `names` list (readers) the current token names,
   or NULL. */
static const ospy_expr_arg *find_bare_name(const parser *p)
{
  if (p->tok.kind != OSPY_TOK_IDENT)
    return NULL;
  for (size_t i = 0; i < p->scope->nnames; i++) {
    const ospy_expr_arg *a = &p->scope->names[i];
    if (a->name && strlen(a->name) == p->tok.len &&
        !memcmp(a->name, p->src + p->tok.pos, p->tok.len))
      return a;
  }
  return NULL;
}

/* '*' or '&' before what is no argument; before an argument's bare name
   (a config's `*outlen`), what to write: `(did you mean *arg.outlen?)`. */
static int32_t fail_pointer_op_target(parser *p, unsigned op_column, bool deref)
{
  const char *op = deref ? "*" : "&";
  const ospy_expr_arg *a = p->tok.kind == OSPY_TOK_IDENT && !p->scope->names
                             ? find_arg(p, p->src + p->tok.pos, p->tok.len) : NULL;
  if (!a)
    return fail(p, op_column, "'%.*s' applies only to a pointer argument", op, 1);
  if (!p->failed)
    ospy_expr_set_error(p->err, op_column, "'%s' applies only to a pointer argument (did you "
                        "mean %sarg.%s?)", op, op, a->name);
  p->failed = true;
  return -1;
}

/* Whether the token after the current one is a '.' (`req.id`), without
   moving on. */
static bool dot_follows(const parser *p)
{
  size_t pos = p->pos;
  ospy_expr_tok tok;
  ospy_expr_error ignored;
  return ospy_expr_lex(p->src, &pos, &tok, &ignored) && tok.kind == OSPY_TOK_PUNCT &&
         tok.len == 1 && p->src[tok.pos] == '.';
}

/* The value of one argument: what it points to for an auto_deref one. */
static int32_t value_node(parser *p, const ospy_expr_arg *a, unsigned column)
{
  return a->auto_deref ? target_node(p, a, column) : arg_node(p, a, column);
}

/* `.NAME...` after argument a (the current token, at column), a field of
   the structure it is or points to, as the scope's reader resolves it;
   ends past the last name. op: 0 for its value, '*' or '&' before it
   (`&req.pv`: a pointer to a scalar field itself, as `&arg.NAME`). */
static int32_t parse_fields(parser *p, const ospy_expr_arg *a, unsigned column, char op)
{
  ospy_expr_field_name names[OSPY_EXPR_MAX_FIELD_DEPTH];
  unsigned columns[OSPY_EXPR_MAX_FIELD_DEPTH];
  size_t n = 0;
  next(p); /* the argument's name: at the '.' */
  if (!p->scope->lookup_field)
    return fail(p, col(p), "fields have no names here: read one's memory (u32[arg.%.*s + "
                "OFFSET])", a->name, strlen(a->name));
  while (!p->failed && is_punct(p, ".")) {
    next(p);
    if (p->tok.kind != OSPY_TOK_IDENT)
      return fail_unexpected(p);
    if (n == OSPY_EXPR_MAX_FIELD_DEPTH)
      return fail_msg(p, col(p), "fields nested too deeply");
    names[n] = (ospy_expr_field_name){ p->src + p->tok.pos, p->tok.len };
    columns[n++] = col(p);
    next(p);
  }
  if (p->failed)
    return -1;
  ospy_expr_arg field;
  char why[sizeof p->err->message];
  size_t bad = n - 1;
  if (!p->scope->lookup_field(a, names, n, p->scope->field_data, &field, why, sizeof why, &bad))
    return fail(p, columns[bad < n ? bad : n - 1], "%.*s", why, strlen(why));
  if (field.is_float)
    return fail(p, column, "'%.*s' is floating-point: expressions compute with integers only",
                field.name, strlen(field.name));
  if (op == '&' && !field.is_pointer)
    return fail(p, column, "'&' needs a pointer, '%.*s' is not one", field.name,
                strlen(field.name));
  if (op == '&')
    return arg_node(p, &field, column);
  return op == '*' ? target_node(p, &field, column) : value_node(p, &field, column);
}

/* `*arg.NAME` (the target) or `&arg.NAME` (the pointer itself); a reader's
   bare name (`*out`) as well, so that what is wrong with it is said. */
static int32_t parse_pointer_op(parser *p, bool deref)
{
  unsigned op_column = col(p);
  next(p); /* * or & */
  unsigned column = col(p);
  const ospy_expr_arg *a;
  if (is_ident(p, "arg") || is_positional_name(p))
    a = parse_arg_ref(p); /* NULL: its error said */
  else if (!(a = find_bare_name(p)))
    return fail_pointer_op_target(p, op_column, deref);
  if (!a)
    return -1;
  if (dot_follows(p)) /* `&req.pv`, `*req.pv` */
    return parse_fields(p, a, column, deref ? '*' : '&');
  if (!deref && !a->is_pointer)
    return fail(p, column, "'&' needs a pointer argument, '%.*s' is not one", a->name,
                strlen(a->name));
  int32_t n = deref ? target_node(p, a, column) : arg_node(p, a, column);
  next(p);
  return n;
}

static int32_t parse_mem(parser *p, ospy_expr_type t)
{
  next(p); /* type name */
  if (!is_punct(p, "["))
    return fail_unexpected(p);
  if (!enter_level(p)) /* its brackets are a level */
    return -1;
  next(p);
  int32_t addr = parse_cond(p);
  if (!expect(p, "]"))
    return -1;
  p->depth--;
  p->e->has_calls = true;
  return add_node(p, OSPY_EK_MEM, t, 0, addr, -1, -1);
}

/* A name of the scope's `names` list (readers), else an unknown name; it
   means what arg.NAME means (the value pointed to, for auto_deref). */
/* A named constant of the scope (lookup_const), as a literal of its type;
   -2 when the current token names none. */
static int32_t parse_const_name(parser *p)
{
  uint64_t v;
  uint8_t width = 0;
  bool is_signed = false;
  if (!p->scope->lookup_const ||
      !p->scope->lookup_const(p->src + p->tok.pos, p->tok.len, p->scope->const_data, &v,
                              &width, &is_signed))
    return -2;
  ospy_expr_type t = { valid_width(width) ? width : 64, is_signed };
  v = ospy_expr_normalize(v, t); /* at its own width, then as C promotes it */
  t = promote(t);
  int32_t n = add_node(p, OSPY_EK_CONST, t, ospy_expr_normalize(v, t), -1, -1, -1);
  next(p);
  return n;
}

/* The scope's arguments offered as `arg.NAME`, where a bare name is none
 * (configs, the agent, ospy expr): `size="len"` is one way of writing
 * arg.len that `ospy show --filter` takes, so users try it. A reader's
 * bare names are its arguments already. */
static void offer_args_as_arg_refs(const parser *p, ospy_closest *c)
{
  char shown[sizeof c->found];
  if (p->scope->names)
    return;
  memcpy(shown, "arg.", 4);
  for (size_t i = 0; i < p->scope->nargs; i++) {
    const char *n = p->scope->args[i].name;
    size_t len = n ? strlen(n) : 0;
    if (!len || 4 + len >= sizeof shown)
      continue;
    memcpy(shown + 4, n, len + 1);
    ospy_closest_offer_as(c, n, shown);
  }
}

/* A name that is nothing known: the closest of the language's own names
 * (retval, errno, tid, reg, arg, the type names), the scope's bare ones and
 * its arguments (as arg.NAME). */
static int32_t fail_unknown_name(parser *p, unsigned column)
{
  static const char *const builtin[] = { "retval", "errno", "tid", "reg", "arg", "u8", "i8",
                                         "u16", "i16", "u32", "i32", "u64", "i64" };
  ospy_closest c;
  char name[64];
  if (!closest_to_token(p, &c, name, sizeof name))
    return fail_unknown(p, column, "name", NULL);
  for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
    ospy_closest_offer(&c, builtin[i], "");
  for (size_t i = 0; i < p->scope->nnames; i++)
    if (p->scope->names[i].name)
      ospy_closest_offer(&c, p->scope->names[i].name, "");
  offer_args_as_arg_refs(p, &c);
  return fail_unknown(p, column, "name", &c);
}

static int32_t parse_bare_name(parser *p, unsigned column)
{
  const ospy_expr_arg *a = find_bare_name(p);
  int32_t c = a ? -2 : parse_const_name(p);
  if (c != -2)
    return c;
  if (!a)
    return fail_unknown_name(p, column);
  if (a->is_float)
    return fail(p, column, "'%.*s' is floating-point: expressions compute with integers only",
                a->name, strlen(a->name));
  if (dot_follows(p))
    return parse_fields(p, a, column, 0);
  int32_t n = value_node(p, a, column);
  next(p);
  return n;
}

static int32_t parse_name(parser *p)
{
  unsigned column = col(p);
  ospy_expr_type t;
  if (is_ident(p, "reg"))
    return parse_reg(p);
  if (is_ident(p, "arg") || is_positional_name(p)) {
    const ospy_expr_arg *a = parse_arg_ref(p);
    if (!a)
      return -1;
    if (dot_follows(p))
      return parse_fields(p, a, col(p), 0);
    int32_t n = value_node(p, a, col(p));
    next(p);
    return n;
  }
  if (type_name(p, &t))
    return parse_mem(p, t);
  if (is_ident(p, "retval")) {
    if (!p->scope->has_retval)
      return fail_msg(p, column, "retval is not available here (the function has not returned)");
    if (p->scope->retval_is_float)
      return fail_msg(p, column, "retval is floating-point: expressions compute with integers only");
    if (!valid_width(p->scope->retval_width))
      return fail_msg(p, column, "retval has no integer width");
    if (dot_follows(p)) { /* a structure returned by value's field */
      static const ospy_expr_arg retval = { .name = "retval", .index = OSPY_EXPR_RETVAL_INDEX };
      return parse_fields(p, &retval, column, 0);
    }
    next(p);
    return add_node(p, OSPY_EK_RETVAL,
                    (ospy_expr_type){ p->scope->retval_width, p->scope->retval_signed }, 0,
                    -1, -1, -1);
  }
  ospy_expr_kind k = is_ident(p, "errno") ? OSPY_EK_ERRNO : OSPY_EK_TID;
  if (!is_ident(p, "errno") && !is_ident(p, "tid"))
    return parse_bare_name(p, column);
  next(p);
  return add_node(p, k, int_type, 0, -1, -1, -1);
}

static int32_t parse_paren(parser *p)
{
  if (!enter_level(p))
    return -1;
  next(p); /* ( */
  ospy_expr_type t;
  int32_t n;
  if (type_name(p, &t)) {
    size_t save_pos = p->pos;
    ospy_expr_tok save_tok = p->tok;
    next(p);
    if (is_punct(p, ")")) { /* a cast: its parenthesis is its level */
      next(p);
      n = convert(p, parse_unary(p), t);
      p->depth--;
      return n;
    }
    p->pos = save_pos; /* a memory read such as (u8[x] + 1) */
    p->tok = save_tok;
  }
  n = parse_cond(p);
  if (!expect(p, ")"))
    return -1;
  p->depth--;
  return n;
}

static int32_t parse_primary(parser *p)
{
  if (p->tok.kind == OSPY_TOK_NUM) {
    int32_t n = add_node(p, OSPY_EK_CONST, p->tok.type, p->tok.value, -1, -1, -1);
    next(p);
    return n;
  }
  if (p->tok.kind == OSPY_TOK_IDENT)
    return parse_name(p);
  if (is_punct(p, "("))
    return parse_paren(p);
  return fail_unexpected(p);
}

static bool is_unary_op(const parser *p)
{
  return is_punct(p, "-") || is_punct(p, "~") || is_punct(p, "!") || is_punct(p, "+") ||
         is_punct(p, "*") || is_punct(p, "&");
}

static int32_t parse_unary(parser *p)
{
  if (p->failed)
    return -1;
  if (!is_unary_op(p))
    return parse_primary(p);
  if (!enter_level(p))
    return -1;
  int32_t n;
  ospy_expr_kind k = OSPY_EK_CONST;
  if (is_punct(p, "-"))
    k = OSPY_EK_NEG;
  else if (is_punct(p, "~"))
    k = OSPY_EK_NOT;
  else if (is_punct(p, "!"))
    k = OSPY_EK_LNOT;
  if (is_punct(p, "*") || is_punct(p, "&")) {
    n = parse_pointer_op(p, is_punct(p, "*"));
  } else if (is_punct(p, "+")) {
    next(p);
    n = parse_unary(p);
    n = n < 0 ? n : convert(p, n, promote(type_of(p, n)));
  } else { /* - ~ ! */
    next(p);
    int32_t a = parse_unary(p);
    if (a < 0)
      return -1;
    ospy_expr_type t = k == OSPY_EK_LNOT ? int_type : promote(type_of(p, a));
    if (k != OSPY_EK_LNOT)
      a = convert(p, a, t);
    n = add_node(p, k, t, 0, a, -1, -1);
  }
  p->depth--;
  return n;
}

typedef struct binop {
  const char *text;
  int prec;
  ospy_expr_kind kind;
} binop;

static const binop binops[] = {
  { "||", 1, OSPY_EK_LOR }, { "&&", 2, OSPY_EK_LAND }, { "|", 3, OSPY_EK_OR },
  { "^", 4, OSPY_EK_XOR }, { "&", 5, OSPY_EK_AND }, { "==", 6, OSPY_EK_EQ },
  { "!=", 6, OSPY_EK_NE }, { "<", 7, OSPY_EK_LT }, { "<=", 7, OSPY_EK_LE },
  { ">", 7, OSPY_EK_GT }, { ">=", 7, OSPY_EK_GE }, { "<<", 8, OSPY_EK_SHL },
  { ">>", 8, OSPY_EK_SHR }, { "+", 9, OSPY_EK_ADD }, { "-", 9, OSPY_EK_SUB },
  { "*", 10, OSPY_EK_MUL }, { "/", 10, OSPY_EK_DIV }, { "%", 10, OSPY_EK_MOD },
};

static const binop *current_binop(const parser *p)
{
  if (p->tok.kind != OSPY_TOK_PUNCT)
    return NULL;
  for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
    if (is_punct(p, binops[i].text))
      return &binops[i];
  return NULL;
}

/* Types the operands and the result of a binary operator. */
static int32_t make_binary(parser *p, ospy_expr_kind k, int32_t a, int32_t b)
{
  if (a < 0 || b < 0)
    return -1;
  ospy_expr_type ta = type_of(p, a), tb = type_of(p, b);
  if (k == OSPY_EK_LAND || k == OSPY_EK_LOR)
    return add_node(p, k, int_type, 0, a, b, -1);
  if (k == OSPY_EK_SHL || k == OSPY_EK_SHR) {
    ospy_expr_type t = promote(ta);
    a = convert(p, a, t);
    b = convert(p, b, promote(tb));
    return add_node(p, k, t, 0, a, b, -1);
  }
  ospy_expr_type t = common_type(ta, tb);
  a = convert(p, a, t);
  b = convert(p, b, t);
  if (ospy_expr_kind_is_compare(k)) {
    int32_t n = add_node(p, k, int_type, 0, a, b, -1);
    if (n >= 0)
      p->e->nodes[n].optype = t;
    return n;
  }
  return add_node(p, k, t, 0, a, b, -1);
}

/* Precedence climbing over the left-associative binary operators. */
static int32_t parse_binary(parser *p, int min_prec)
{
  int32_t lhs = parse_unary(p);
  for (;;) {
    const binop *op = current_binop(p);
    if (p->failed || !op || op->prec < min_prec)
      return p->failed ? -1 : lhs;
    next(p);
    int32_t rhs = parse_binary(p, op->prec + 1);
    lhs = make_binary(p, op->kind, lhs, rhs);
  }
}

static int32_t parse_cond(parser *p)
{
  int32_t c = parse_binary(p, 1);
  if (!p->failed && is_punct(p, "?")) {
    if (!enter_level(p)) /* the arms: a ?: in one of them nests */
      return -1;
    next(p);
    int32_t a = parse_cond(p);
    if (!expect(p, ":"))
      return -1;
    int32_t b = parse_cond(p);
    if (b < 0 || a < 0 || c < 0)
      return -1;
    p->depth--;
    ospy_expr_type t = common_type(type_of(p, a), type_of(p, b));
    a = convert(p, a, t);
    b = convert(p, b, t);
    c = add_node(p, OSPY_EK_COND, t, 0, c, a, b);
  }
  return p->failed ? -1 : c;
}

int32_t ospy_expr_parse(const char *src, const ospy_expr_scope *scope, struct ospy_expr *e,
                        ospy_expr_error *err)
{
  parser p = { .src = src, .scope = scope, .e = e, .err = err };
  next(&p);
  int32_t root = parse_cond(&p);
  if (!p.failed && p.tok.kind != OSPY_TOK_END)
    fail_msg(&p, col(&p), "trailing input");
  return p.failed ? -1 : root;
}
