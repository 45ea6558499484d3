/* <specs>: function specs and vtable specs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "expr/expr.h"
#include "plan/spec_abi.h"
#include "plan/spec_expr.h"

/* A convention of the other architecture is read as this one's own (x86-64
 * has one, SysV; i386 reads sysv as cdecl): said, as the config may be
 * meant for the other architecture's build of the program. cdecl names no
 * architecture in particular (C's default): never said. */
static void other_arch_callconv(cfg *g, xmlNodePtr n, const char *v, uint8_t cc)
{
  bool x64 = g->t->ptr_size == 8;
  if (cc == OSPY_CALLCONV_DEFAULT || cc == OSPY_CALLCONV_CDECL || (x64 && cc == OSPY_CALLCONV_SYSV) ||
      (!x64 && cc != OSPY_CALLCONV_SYSV) || g->other_arch_cc_said)
    return;
  g->other_arch_cc_said = 1; /* once per file: oSpy's own configs say stdcall everywhere */
  cfg_warning(g, cfg_pos_attr(g, n, "callingConvention"),
              x64 ? "callingConvention '%s' is an i386 convention: on x86-64 functions are "
                    "read as SysV, the only convention there (said once per file)"
                  : "callingConvention '%s' is x86-64's: on i386 functions are read as cdecl "
                    "(said once per file)", v);
}

/* regparm is GCC's regparm(3), as it passes a local function's arguments
 * at -O2 on i386; regparm(1) and regparm(2) use fewer registers. fastcc is
 * clang's for them (ecx, edx: LLVM's name). */
static int parse_callconv(cfg *g, xmlNodePtr n, uint8_t *out)
{
  static const struct { const char *name; uint8_t cc; } names[] = {
    { "default", OSPY_CALLCONV_DEFAULT }, { "cdecl", OSPY_CALLCONV_CDECL },
    { "stdcall", OSPY_CALLCONV_STDCALL }, { "fastcall", OSPY_CALLCONV_FASTCALL },
    { "thiscall", OSPY_CALLCONV_THISCALL }, { "sysv", OSPY_CALLCONV_SYSV },
    { "regparm", OSPY_CALLCONV_REGPARM3 }, { "regparm(3)", OSPY_CALLCONV_REGPARM3 },
    { "regparm(2)", OSPY_CALLCONV_REGPARM2 }, { "regparm(1)", OSPY_CALLCONV_REGPARM1 },
    { "fastcc", OSPY_CALLCONV_FASTCC },
  };
  const char *v = cfg_attr(g, n, "callingConvention");
  *out = OSPY_CALLCONV_DEFAULT;
  if (!v)
    return 0;
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(v, names[i].name)) {
      *out = names[i].cc;
      other_arch_callconv(g, n, v, names[i].cc);
      return 0;
    }
  cfg_error(g, cfg_pos_attr(g, n, "callingConvention"),
            "unknown calling convention '%s': expected cdecl, stdcall, fastcall, thiscall, "
            "regparm (regparm(3)), regparm(2), regparm(1), fastcc, sysv or default", v);
  return -1;
}

static int parse_typeref(cfg *g, xmlNodePtr n, ospy_spec_typeref *r)
{
  const char *type = cfg_attr(g, n, "type");
  r->type = OSPY_SPEC_NONE;
  if (!type) {
    cfg_error(g, cfg_pos_elem(g, n), "<%s> needs a 'type' attribute", (const char *)n->name);
    return -1;
  }
  if (cfg_type_lookup(g, type, r) < 0) {
    cfg_error_unknown_type(g, cfg_pos_attr(g, n, "type"), type);
    return -1;
  }
  cfg_parse_radix(g, n, r);
  cfg_parse_marshal_as(g, n, r);
  return 0;
}

/* Offset of the first ch in v from `from` outside parentheses and brackets
   (u8[arg.p + arg.n / 4]: a memory read's address), or -1. */
static long top_level_char(const char *v, char ch, size_t from)
{
  int depth = 0;
  for (size_t i = 0; v[i]; i++) {
    depth += v[i] == '(' || v[i] == '[';
    depth -= v[i] == ')' || v[i] == ']';
    if (v[i] == ch && depth == 0 && i >= from)
      return (long)i;
  }
  return -1;
}

/* Offset of the first '/' from `from` that splits v into ENTRY/RETURN, or
   -1: one outside parentheses and brackets; none at all when v has a '?'
   outside them, since C reads every '/' of `c ? a / b : d`, before its '?'
   or in an arm, as a division (written `(c ? a : b) / RET`, it splits). */
static long top_level_slash(const char *v, size_t from)
{
  return top_level_char(v, '?', 0) >= 0 ? -1 : top_level_char(v, '/', from);
}

/* Split "A/B" at a '/' top_level_slash finds: B (or NULL) is returned and
   the A part is terminated in the arena copy. */
static const char *split_ab(cfg *g, const char *v, const char **a)
{
  long at = top_level_slash(v, 0);
  char *copy = at >= 0 ? (char *)ospy_spec_strdup(g->t, v) : NULL;
  *a = v;
  if (!copy)
    return NULL;
  copy[at] = 0;
  *a = copy;
  return copy + at + 1;
}

/* size="A/B" / elementCount="A/B": A at enter, B at leave (B defaults to A).
   A second '/' outside parentheses and brackets is an error: A/B/C was taken as A and
   the division B/C, where the author most likely meant (A/B)/C or the like. */
static void parse_ab(cfg *g, xmlNodePtr n, const char *attr, ospy_spec_expr *in,
                     ospy_spec_expr *out)
{
  const char *v = cfg_attr(g, n, attr);
  if (!v)
    return;
  long first = top_level_slash(v, 0);
  long second = first >= 0 ? top_level_slash(v, (size_t)first + 1) : -1;
  if (second >= 0) {
    char quoted[CFG_QUOTED_EXPR_MAX + 8];
    cfg_error(g, cfg_val_pos(g, cfg_val_attr(g, n, attr), (size_t)second),
              "%s '%s' has more than one '/' outside parentheses: one splits the value at "
              "entry from the value at return (ENTER/RETURN); write a division in "
              "parentheses, (arg.len / 2)", attr, cfg_quote_expr(v, quoted, sizeof quoted));
    in->src = out->src = v; /* (reported: not "needs a size" as well) */
    return;
  }
  const char *a, *b = split_ab(g, v, &a);
  in->src = a;
  out->src = b ? b : a;
}

/* A constant size or count below 0 (size="-1"): nothing could ever be
 * read; refused, as a field's (config_types.c). 0 once reported. */
static int refuse_negative_constant(cfg *g, const char *attr, const ospy_spec_fn *fn,
                                    const ospy_spec_arg *a, const char *src, cfg_val at)
{
  ospy_sexpr *e;
  char msg[160];
  unsigned col;
  uint64_t v;
  if (ospy_sexpr_compile(src, g->t, fn, &e, msg, sizeof msg, &col) != 0)
    return -1;
  int negative = ospy_sexpr_constant(e, &v) && ospy_sexpr_is_signed(e) && ospy_sexpr_negative(e, v);
  ospy_sexpr_free(e);
  if (!negative)
    return -1;
  int is_size = !strcmp(attr, "size");
  char quoted[CFG_QUOTED_EXPR_MAX + 8];
  cfg_error(g, cfg_val_pos(g, at, 0), "bad %s '%s' for argument '%s': a constant %s is a "
            "number of %s, 0 or more (one that varies: an expression, %s=\"arg.len\")", attr,
            cfg_quote_expr(src, quoted, sizeof quoted), a->name, attr,
            is_size ? "bytes" : "elements", attr);
  return 0;
}

/* size="A/B" on an in argument: it is recorded when the call enters, with
 * A; B is never used, and the '/' most likely meant a division
 * (size="arg.hdr + arg.len / 2" is hdr + len bytes). */
static void warn_return_part_unused(cfg *g, xmlNodePtr n, const char *attr,
                                    const ospy_spec_arg *a, const ospy_spec_expr *in)
{
  size_t len = strlen(in->src);
  while (len > 0 && isspace((unsigned char)in->src[len - 1]))
    len--;
  const char *whole = cfg_attr(g, n, attr);
  char quoted[CFG_QUOTED_EXPR_MAX + 8];
  cfg_warning(g, cfg_val_pos(g, cfg_val_attr(g, n, attr), strlen(in->src)),
              "%s '%s' of in argument '%s': a '/' splits the %s into ENTRY / RETURN, and an in "
              "argument is recorded when the call enters: its %s is '%.*s', the part after '/' "
              "is never used; for a division write (a / b)", attr,
              cfg_quote_expr(whole ? whole : in->src, quoted, sizeof quoted), a->name, attr,
              attr, (int)len, in->src);
}

/* A is taken when an in or in/out argument enters; B (or A alone) when an
 * out or in/out argument returns. */
static void check_ab(cfg *g, xmlNodePtr n, const char *attr, const ospy_spec_fn *fn,
                     const ospy_spec_arg *a, const ospy_spec_expr *in, const ospy_spec_expr *out)
{
  if (!in->src)
    return;
  cfg_val at = cfg_val_attr(g, n, attr);
  if (cfg_check_expr_at(g, in->src, fn, at, attr, (a->dir & OSPY_DIR_IN) != 0) != 0 ||
      refuse_negative_constant(g, attr, fn, a, in->src, at) == 0 || out->src == in->src)
    return;
  at.skip = strlen(in->src) + 1; /* B follows A and its '/' */
  if (cfg_check_expr(g, out->src, fn, at, attr) != 0 ||
      refuse_negative_constant(g, attr, fn, a, out->src, at) == 0)
    return;
  if (a->dir == OSPY_DIR_IN)
    warn_return_part_unused(g, n, attr, a, in);
}

/* The element's text (logCondition); NULL when empty. */
static const char *elem_text(cfg *g, xmlNodePtr n)
{
  xmlChar *s = xmlNodeGetContent(n);
  const char *r = s && *s ? ospy_spec_strdup(g->t, (const char *)s) : NULL;
  xmlFree(s);
  return r;
}

static void parse_cond(cfg *g, xmlNodePtr c, ospy_spec_expr *e)
{
  static const char *const none[] = { NULL };
  cfg_check_attrs(g, c, none);
  if (e->src)
    cfg_error(g, cfg_pos_elem(g, c), "more than one <logCondition>");
  e->src = elem_text(g, c);
  if (!e->src)
    cfg_error(g, cfg_pos_elem(g, c), "empty <logCondition>");
}

static void parse_arg(cfg *g, xmlNodePtr n, ospy_spec_arg *a)
{
  static const char *const attrs[] = { "name", "direction", "type", "hex", "octal", "marshalAs",
                                       "size", "elementType", "elementCount", "typeNameBase",
                                       "typeNameSuffix", "vaList", "value", "nullTerminated",
                                       NULL };
  cfg_check_attrs(g, n, attrs);
  a->valist_arg = OSPY_SPEC_NONE;
  a->name = cfg_name_attr(g, n);
  if (!a->name) {
    a->name = "?";
  } else if (!ospy_expr_is_identifier(a->name, strlen(a->name))) {
    cfg_error(g, cfg_pos_attr(g, n, "name"),
              "argument name '%s' is not an identifier (ASCII letters, digits and '_', "
              "not a digit first): expressions could not name it as arg.NAME",
              a->name);
  }
  const char *dir = cfg_attr(g, n, "direction");
  a->dir = OSPY_DIR_IN;
  if (dir && !strcmp(dir, "out"))
    a->dir = OSPY_DIR_OUT;
  else if (dir && !strcmp(dir, "in/out"))
    a->dir = OSPY_DIR_INOUT;
  else if (dir && strcmp(dir, "in"))
    cfg_error(g, cfg_pos_attr(g, n, "direction"), "bad direction '%s': expected in, out or in/out",
              dir);
  const char *tn = cfg_attr(g, n, "type");
  int double_ptr = tn && cfg_double_ptr_lookup(g, tn, &a->t) == 0;
  if (double_ptr)
    cfg_parse_radix(g, n, &a->t);
  else if (parse_typeref(g, n, &a->t) < 0)
    a->t.type = OSPY_BT_UINT8; /* reported; keep going to find more problems */
  const char *et = cfg_attr(g, n, "elementType");
  ospy_spec_typeref er;
  if (et) {
    if (cfg_type_lookup(g, et, &er) < 0)
      cfg_error_unknown_type(g, cfg_pos_attr(g, n, "elementType"), et);
    else {
      a->t.elem_type = er.type;
      a->t.elem_ptr = er.ptr;
    }
  }
  if (!cfg_parse_bool_size(g, n, &a->t)) /* a boolean's size is its width, no expression */
    parse_ab(g, n, "size", &a->size_in, &a->size_out);
  parse_ab(g, n, "elementCount", &a->count_in, &a->count_out);
  if (double_ptr && !a->count_in.src)
    a->count_in.src = a->count_out.src = "1"; /* FooPtrPtr: the one FooPtr it points to */
  a->type_base.src = cfg_attr(g, n, "typeNameBase");
  a->type_suffix = cfg_attr(g, n, "typeNameSuffix");
  a->value.src = cfg_attr(g, n, "value");
  int nt = 0;
  cfg_attr_bool(g, n, "nullTerminated", &nt);
  a->t.null_term = (uint8_t)nt;
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (cfg_is(c, "logCondition"))
      parse_cond(g, c, &a->cond);
    else
      cfg_unknown_child(g, c, n);
  }
}

/* Computed values are computed in the order listed, the in ones when the
 * call enters, the out ones when it returns (in/out: both): one that reads
 * a computed argument computed with it but listed after it (or itself)
 * would read a value not computed yet. */
static void check_value_order(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn,
                              const ospy_spec_arg *a)
{
  ospy_sexpr *e;
  char msg[200];
  unsigned col = 1;
  if (ospy_sexpr_compile(a->value.src, g->t, fn, &e, msg, sizeof msg, &col) != 0)
    return;
  uint64_t named = ospy_sexpr_args(e);
  ospy_sexpr_free(e);
  uint32_t i = (uint32_t)(a - fn->args);
  for (uint32_t j = i; j < fn->nargs; j++) {
    const ospy_spec_arg *b = &fn->args[j];
    if (!(named >> j & 1) || !b->value.src || !(b->dir & a->dir))
      continue;
    char quoted[CFG_QUOTED_EXPR_MAX + 8];
    cfg_val at = cfg_val_attr(g, n, "value");
    cfg_pos pos = cfg_val_pos(g, at, cfg_arg_ref_column(a->value.src, fn, j) - 1);
    const char *q = cfg_quote_expr(a->value.src, quoted, sizeof quoted);
    if (j == i)
      cfg_error(g, pos, "bad expression '%s' in value: argument '%s' uses its own value", q,
                a->name);
    else
      cfg_error(g, pos, "bad expression '%s' in value: '%s' is a computed argument listed "
                "after '%s', and computed values are taken in the order listed: list '%s' "
                "first", q, b->name, a->name, b->name);
    return;
  }
}

/* value="EXPR": a computed scalar, shown with the argument's type. */
static void check_value(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn, const ospy_spec_arg *a)
{
  const ospy_spec_type *ty = &g->t->types[a->t.type];
  ospy_spec_typeref plain = a->t;
  plain.ptr = 0;
  if (a->t.ptr || ty->kind == OSPY_KIND_FLOAT || ty->kind == OSPY_KIND_DYNAMIC ||
      !ospy_spec_scalar_width(g->t, &plain)) {
    cfg_error(g, cfg_pos_attr(g, n, "type"),
              "argument '%s' with a 'value' needs an integer, enumeration or flags type, not %s",
              a->name, cfg_attr(g, n, "type"));
    return;
  }
  if (cfg_check_expr_at(g, a->value.src, fn, cfg_val_attr(g, n, "value"), "value",
                        (a->dir & OSPY_DIR_IN) != 0) == 0)
    check_value_order(g, n, fn, a);
}

/* What of the return a condition uses, for the warning below: "retval",
 * "errno", "the return register (...)" (it said "retval or errno" for a
 * reg.eax), a computed out argument; NULL when out of memory. */
static char *return_uses_text(const ospy_sexpr *e, const ospy_spec_fn *fn)
{
  const char *parts[4];
  size_t n = 0;
  uint64_t args = ospy_sexpr_return_args(e) & ospy_sexpr_args(e);
  unsigned uses = ospy_sexpr_own_uses(e);
  if (uses & OSPY_EXPR_USES_RETVAL)
    parts[n++] = "retval";
  if (uses & OSPY_EXPR_USES_ERRNO)
    parts[n++] = "errno";
  if (uses & OSPY_EXPR_USES_RETURN_REG)
    parts[n++] = "the return register (reg.eax, reg.rax or a part of them)";
  if (args)
    parts[n++] = "";
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    fputs(i == 0 ? "" : i + 1 < n ? ", " : " and ", f);
    if (*parts[i])
      fputs(parts[i], f);
    else
      fprintf(f, "'%s', a computed out argument", fn->args[__builtin_ctzll(args)].name);
  }
  fclose(f);
  return text;
}

/* A condition that uses retval, errno, the return register or a computed
 * out argument is decided at return, while an in argument is recorded when
 * the call enters: there it holds, so the argument is always recorded.
 * Said, since the condition looks like it filters. */
static void warn_in_cond_at_return(cfg *g, xmlNodePtr cond, const ospy_spec_fn *fn,
                                   const ospy_spec_arg *a)
{
  ospy_sexpr *e;
  char msg[200];
  unsigned col = 1;
  if (a->dir != OSPY_DIR_IN ||
      ospy_sexpr_compile(a->cond.src, g->t, fn, &e, msg, sizeof msg, &col) != 0)
    return;
  int at_return = ospy_sexpr_decided_at_return(e);
  char *what = at_return ? return_uses_text(e, fn) : NULL;
  ospy_sexpr_free(e);
  if (at_return)
    cfg_warning(g, cfg_pos_elem(g, cond),
                "logCondition of in argument '%s' uses %s, known only when the call returns, "
                "but an in argument is recorded when it enters: it is recorded whatever the "
                "condition (a <logCondition> on the function drops the whole call)", a->name,
                what ? what : "the return");
  free(what);
}

/* The type another argument of the same <arguments> is written with, when
 * it is known (one unknown is reported where it is written); NULL otherwise. */
static const char *sibling_arg_type(cfg *g, xmlNodePtr n, const char *name, ospy_spec_typeref *r)
{
  for (xmlNodePtr c = n->parent ? n->parent->children : NULL; c; c = c->next) {
    const char *cn = cfg_is(c, "argument") ? cfg_attr(g, c, "name") : NULL;
    if (!cn || strcmp(cn, name))
      continue;
    const char *tn = cfg_attr(g, c, "type");
    return tn && cfg_type_lookup(g, tn, r) == 0 ? tn : NULL;
  }
  return NULL;
}

/* The argument's own type as written, when it is known (an unknown or
 * missing one is reported: nothing more is said of it). */
static const char *own_type(cfg *g, xmlNodePtr n)
{
  const char *tn = cfg_attr(g, n, "type");
  ospy_spec_typeref r;
  return tn && (cfg_type_lookup(g, tn, &r) == 0 || cfg_double_ptr_lookup(g, tn, &r) == 0) ? tn
                                                                                          : NULL;
}

/* vaList="arg.X": X is the function's va_list, the values of the format
 * string (a format's values were read from whatever X holds). */
static void check_valist(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn, ospy_spec_arg *a)
{
  const char *va = cfg_attr(g, n, "vaList");
  uint32_t ix = strncmp(va, "arg.", 4) ? OSPY_SPEC_NONE : ospy_spec_arg_lookup(fn, va + 4);
  if (ix == OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_attr(g, n, "vaList"), "vaList '%s' does not name an argument (arg.NAME)",
              va);
    return;
  }
  a->valist_arg = ix;
  ospy_spec_typeref r;
  const char *tn = sibling_arg_type(g, n, va + 4, &r);
  if (tn && (r.ptr || g->t->types[r.type].kind != OSPY_KIND_VALIST))
    cfg_error(g, cfg_pos_attr(g, n, "vaList"), "vaList '%s' names argument '%s' of type %s: "
              "expected the function's VaList argument", va, va + 4, tn);
  const char *own = own_type(g, n);
  if (own && g->t->types[a->t.type].kind != OSPY_KIND_FORMAT)
    cfg_warning(g, cfg_pos_attr_name(g, n, "vaList"), "vaList on argument '%s' of type %s is "
                "not used: it gives a format string its values", a->name, own);
}

/* A computed out argument: its value is taken when the call returns. */
static int is_return_value(const ospy_spec_arg *a)
{
  return a->value.src && a->dir == OSPY_DIR_OUT;
}

/* typeNameBase="arg.X" of a Dynamic argument: X's value, a member of X's
 * enumeration, names the type (member name + typeNameSuffix). Anything else
 * never names one: the argument was always shown as nothing. */
static void check_type_base(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn, const ospy_spec_arg *a)
{
  cfg_val at = cfg_val_attr(g, n, "typeNameBase");
  if (cfg_check_expr(g, a->type_base.src, fn, at, "typeNameBase") != 0)
    return;
  const char *own = own_type(g, n);
  if (g->t->types[a->t.type].kind != OSPY_KIND_DYNAMIC) {
    if (own)
      cfg_warning(g, cfg_pos_attr_name(g, n, "typeNameBase"), "typeNameBase on argument '%s' "
                  "of type %s is not used: it picks the type of a Dynamic argument", a->name,
                  own);
    return;
  }
  if (!a->type_suffix)
    return; /* a Dynamic without one: reported, once for the argument */
  const char *base = a->type_base.src;
  ospy_spec_typeref r;
  const char *tn = !strncmp(base, "arg.", 4) ? sibling_arg_type(g, n, base + 4, &r) : NULL;
  int is_enum = tn && !r.ptr && g->t->types[r.type].kind == OSPY_KIND_ENUM;
  char quoted[CFG_QUOTED_EXPR_MAX + 8];
  if (strncmp(base, "arg.", 4) || ospy_spec_arg_lookup(fn, base + 4) == OSPY_SPEC_NONE)
    cfg_error(g, cfg_pos_attr(g, n, "typeNameBase"), "typeNameBase '%s' is not an argument "
              "(arg.NAME): the member of its enumeration names the type",
              cfg_quote_expr(base, quoted, sizeof quoted));
  else if (tn && !is_enum)
    cfg_error(g, cfg_pos_attr(g, n, "typeNameBase"), "typeNameBase '%s' names argument '%s' of "
              "type %s: expected an enumeration argument (not flags), whose member names the "
              "type", base, base + 4, tn);
  else if ((a->dir & OSPY_DIR_IN) && is_return_value(&fn->args[ospy_spec_arg_lookup(fn, base + 4)]))
    cfg_error(g, cfg_pos_attr(g, n, "typeNameBase"), "typeNameBase '%s' names '%s', a computed "
              "out argument, whose value is taken when the call returns, and an in argument's "
              "type is picked when the call enters: make this argument direction=\"out\" too",
              base, base + 4);
}

/* A structure by value (an argument's or the return value's type, without
 * Ptr) that the agent could not read where the call has it: said, never
 * decoded as garbage (plan/spec_abi.h). `what` names the value ("argument
 * 'p'", "the return value"). */
static void check_byval(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn, const char *what,
                        const ospy_abi_loc *l, const ospy_spec_typeref *r)
{
  if (l->kind != OSPY_LOC_UNKNOWN || l->problem == OSPY_ABI_NOT_STRUCT)
    return; /* (a structure of no size is reported where it is declared) */
  const char *sn = ospy_spec_type_name(g->t, r->type);
  if (l->problem == OSPY_ABI_UNDESCRIBED)
    cfg_error(g, cfg_pos_attr(g, n, "type"),
              "%s of %s '%s': structure '%s' passed by value (%u bytes) travels on x86-64 in "
              "registers chosen by the types of its fields, and no field describes its bytes "
              "%u-%u, so the register that holds them is unknown: describe them with fields "
              "(or, if the function takes a pointer to it, use %sPtr)", what,
              fn->is_method ? "method" : "function", fn->name, sn, l->size,
              8u * l->undescribed, l->size < 8u * l->undescribed + 8u ? l->size - 1u
                                                                       : 8u * l->undescribed + 7u,
              sn);
  else
    cfg_error(g, cfg_pos_attr(g, n, "type"),
              "%s of %s '%s': structure '%s' passed by value under callingConvention=\"%s\" "
              "is not decoded: on i386 ospy reads structures by value under cdecl and stdcall "
              "(copied to the stack, returned through a hidden pointer), not under fastcall, "
              "thiscall or regparm (if the function takes a pointer to it, use %sPtr)", what,
              fn->is_method ? "method" : "function", fn->name, sn,
              ospy_spec_callconv_name(fn->callconv), sn);
}

/* An out or in/out structure by value: the function has a copy, and what it
 * writes there never reaches the caller. */
static void check_byval_direction(cfg *g, xmlNodePtr n, const ospy_spec_arg *a)
{
  if (!(a->dir & OSPY_DIR_OUT) || !ospy_abi_is_byval(g->t, &a->t))
    return;
  const char *sn = ospy_spec_type_name(g->t, a->t.type);
  cfg_error(g, cfg_pos_attr(g, n, "direction"),
            "argument '%s' passes structure '%s' by value and cannot be out or in/out: the "
            "function works on its own copy, and nothing it writes there reaches the caller (a "
            "structure the function fills is passed by address: %sPtr)", a->name, sn, sn);
}

/* out or in/out on a scalar passed by value (an int, a pointer's own
 * value): the function has a copy, and nothing it writes there reaches the
 * caller; what is recorded at return is not something the call gave back.
 * Out means something for a computed argument (value=: taken at return), a
 * Dynamic one (its type picked at return, from a computed out argument) and
 * one with a <logCondition> (decided at return: recorded only when the call
 * succeeded, say). */
static void check_byval_scalar_direction(cfg *g, xmlNodePtr n, const ospy_spec_arg *a,
                                         const char *tn)
{
  static const uint8_t scalars[] = { OSPY_KIND_INT, OSPY_KIND_BOOL, OSPY_KIND_POINTER,
                                     OSPY_KIND_FLOAT, OSPY_KIND_ENUM, OSPY_KIND_FLAGS,
                                     OSPY_KIND_IPV4, OSPY_KIND_ERRNO, OSPY_KIND_FD };
  if (!(a->dir & OSPY_DIR_OUT) || a->t.ptr || a->value.src || a->cond.src)
    return;
  uint8_t kind = g->t->types[a->t.type].kind;
  if (!memchr(scalars, kind, sizeof scalars))
    return; /* (strings, buffers and arrays are passed by address; a structure by value
               is an error of its own) */
  cfg_warning(g, cfg_pos_attr_name(g, n, "direction"), "direction=\"%s\" on argument '%s' "
              "of type %s, passed by value: the function works on its own copy, and nothing "
              "it writes there reaches the caller (a value the function fills is passed by "
              "address: %sPtr)", a->dir == OSPY_DIR_OUT ? "out" : "in/out", a->name, tn, tn);
}

/* An Array argument needs the type of its elements and their count (or
 * nullTerminated, which bounds it): the one missing is named (it said both
 * were needed when elementType was there). */
static void check_array_arg(cfg *g, xmlNodePtr n, const ospy_spec_arg *a, const char *tn)
{
  /* an elementType given but unknown is reported where it is read; a
     FooPtrPtr has both without saying */
  int has_type = cfg_attr(g, n, "elementType") || a->t.elem_type != OSPY_SPEC_NONE;
  int has_count = a->count_in.src || a->t.null_term;
  if (!has_type && !has_count)
    cfg_error(g, cfg_pos_elem(g, n), "argument '%s' of type %s needs an 'elementType' and an "
              "'elementCount'", a->name, tn);
  else if (!has_type)
    cfg_error(g, cfg_pos_elem(g, n), "argument '%s' of type %s needs an 'elementType' (the "
              "type of its elements)", a->name, tn);
  else if (!has_count)
    cfg_error(g, cfg_pos_elem(g, n), "argument '%s' of type %s needs an 'elementCount' (an "
              "expression, or nullTerminated=\"true\" for an array that ends at an all-zero "
              "element)", a->name, tn);
}

/* Checks that need the whole argument list. */
static void check_arg(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn, ospy_spec_arg *a)
{
  const ospy_spec_type *ty = &g->t->types[a->t.type];
  const char *tn = cfg_attr(g, n, "type");
  if (ty->kind == OSPY_KIND_BYTES && !a->size_in.src)
    cfg_error(g, cfg_pos_elem(g, n), "argument '%s' of type %s needs a 'size'", a->name, tn);
  if (a->t.null_term && ty->kind != OSPY_KIND_ARRAY)
    cfg_error(g, cfg_pos_attr(g, n, "nullTerminated"),
              "nullTerminated on argument '%s' of type %s: only an Array can be", a->name, tn);
  if (ty->kind == OSPY_KIND_ARRAY)
    check_array_arg(g, n, a, tn);
  if (ty->kind == OSPY_KIND_DYNAMIC && (!a->type_base.src || !a->type_suffix))
    cfg_error(g, cfg_pos_elem(g, n),
              "argument '%s' of type Dynamic needs 'typeNameBase' and 'typeNameSuffix'", a->name);
  if (a->value.src)
    check_value(g, n, fn, a);
  int size_unused = a->size_in.src && !cfg_type_takes_size(g, &a->t) && own_type(g, n);
  if (size_unused)
    cfg_warning(g, cfg_pos_attr_name(g, n, "size"), "size on argument '%s' of type %s is not "
                "used: it gives the bytes of a ByteArray (or bounds a SockAddr or a string), and the width "
                "of a Boolean, CPPBool or MSBool", a->name, tn);
  int count_unused = a->count_in.src && ty->kind != OSPY_KIND_ARRAY && own_type(g, n);
  if (count_unused)
    cfg_warning(g, cfg_pos_attr_name(g, n, "elementCount"), "elementCount on argument '%s' of "
                "type %s is not used: it counts the elements of an Array or ArrayPtr", a->name,
                tn);
  check_ab(g, n, "size", fn, a, &a->size_in, &a->size_out);
  check_ab(g, n, "elementCount", fn, a, &a->count_in, &a->count_out);
  /* (checked all the same: a bad expression is an error wherever it is)
     dropped, so that the plan holds what is used: evaluated, one that
     faulted made the argument '?' */
  if (size_unused)
    a->size_in.src = a->size_out.src = NULL;
  if (count_unused)
    a->count_in.src = a->count_out.src = NULL;
  if (own_type(g, n)) {
    char *what = NULL; /* (a long name was cut at 80 characters or so) */
    cfg_unused_type_attrs(g, n, asprintf(&what, "argument '%s'", a->name) < 0 ? "an argument"
                                                                             : what, tn, &a->t);
    free(what);
    check_byval_scalar_direction(g, n, a, tn);
  }
  if (a->type_base.src)
    check_type_base(g, n, fn, a);
  for (xmlNodePtr c = n->children; c; c = c->next)
    if (cfg_is(c, "logCondition") && a->cond.src &&
        cfg_check_expr(g, a->cond.src, fn, cfg_val_text(g, c), "logCondition") == 0)
      warn_in_cond_at_return(g, c, fn, a);
  if (cfg_attr(g, n, "vaList"))
    check_valist(g, n, fn, a);
  check_byval_direction(g, n, a);
}

static unsigned count_args(xmlNodePtr args)
{
  unsigned k = 0;
  for (xmlNodePtr c = args->children; c; c = c->next)
    k += cfg_is(c, "argument");
  return k;
}

/* i386 thiscall passes `this` in ecx, and the arguments listed are the
 * stack arguments, as in oSpy: a first argument named `this` reads the first
 * of them, and every argument after it is one off (a member function hooked
 * by its C++ name lists `this` under the other conventions, and on x86-64,
 * where thiscall is the SysV convention: rdi). */
static void warn_thiscall_this(cfg *g, xmlNodePtr n, const ospy_spec_fn *fn,
                               const ospy_spec_arg *first)
{
  if (g->c->arch_bits != 32 || fn->callconv != OSPY_CALLCONV_THISCALL || first->value.src ||
      !first->name || strcmp(first->name, "this"))
    return;
  cfg_warning(g, cfg_pos_attr(g, n, "name"),
              "argument 'this' of thiscall %s '%s': on i386 thiscall passes `this` in ecx, and "
              "the arguments listed are the stack arguments, so this one is the first of them "
              "and each after it is one off: leave it out (record ecx with a computed "
              "argument: <argument name=\"self\" type=\"Pointer\" value=\"reg.ecx\"/>)",
              fn->is_method ? "method" : "function", fn->name);
}

static void parse_args(cfg *g, xmlNodePtr args, uint32_t fi)
{
  static const char *const none[] = { NULL };
  cfg_check_attrs(g, args, none);
  unsigned n = count_args(args);
  if (n > OSPY_SPEC_MAX_ARGS) {
    cfg_error(g, cfg_pos_elem(g, args), "too many arguments (%u, at most %u)", n,
              OSPY_SPEC_MAX_ARGS);
    return;
  }
  ospy_spec_arg *as = n ? ospy_spec_alloc(g->t, n * sizeof *as) : NULL;
  unsigned k = 0;
  for (xmlNodePtr c = args->children; c; c = c->next) {
    if (!cfg_is(c, "argument")) {
      cfg_unknown_child(g, c, args);
      continue;
    }
    if (!as)
      return;
    parse_arg(g, c, &as[k]);
    for (unsigned j = 0; j < k; j++)
      if (!strcmp(as[j].name, as[k].name))
        cfg_error(g, cfg_pos_attr(g, c, "name"), "duplicate argument '%s'", as[k].name);
    k++;
  }
  ospy_spec_fn *fn = &g->t->fns[fi];
  fn->args = as;
  fn->nargs = k;
  k = 0;
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  for (xmlNodePtr c = args->children; c; c = c->next)
    if (cfg_is(c, "argument")) {
      if (k == 0)
        warn_thiscall_this(g, c, fn, &as[0]);
      check_arg(g, c, fn, &as[k]);
      ospy_abi_loc l = ospy_abi_next(&w, k);
      char what[160];
      snprintf(what, sizeof what, "argument '%s'", as[k].name);
      check_byval(g, c, fn, what, &l, &as[k].t);
      k++;
    }
}

/* errorValue="N": the one return value that is a failure, instead of the
   return type's rule (a pointer's NULL among them). Needs a return type
   that is a number: an integer, an enumeration or a pointer. */
static void parse_error_value(cfg *g, xmlNodePtr c, ospy_spec_fn *fn)
{
  int64_t v;
  if (cfg_attr_int(g, c, "errorValue", &v) <= 0)
    return;
  const ospy_spec_type *rt = fn->has_ret ? ospy_spec_table_type(g->t, fn->ret.type) : NULL;
  if (rt && !fn->ret.ptr &&
      (!ospy_spec_scalar_width(g->t, &fn->ret) || rt->kind == OSPY_KIND_FLOAT)) {
    cfg_error(g, cfg_pos_attr(g, c, "errorValue"),
              "errorValue needs an integer, enumeration or pointer return type, not %s",
              rt->name);
    return;
  }
  if (cfg_attr(g, c, "nullIsError")) {
    cfg_error(g, cfg_pos_attr_name(g, c, "nullIsError"),
              "nullIsError and errorValue exclude each other: with errorValue, that value "
              "alone is a failure");
    return;
  }
  fn->has_error_value = 1;
  fn->error_value = v;
}

/* errorCondition="EXPR": the calls that failed, when the return value alone
   cannot tell (realloc's NULL is an answer for a size of 0); evaluated when
   the call returns, checked against the arguments once they are known
   (check_error_condition). */
static void parse_error_condition(cfg *g, xmlNodePtr c, ospy_spec_fn *fn)
{
  const char *v = cfg_attr(g, c, "errorCondition");
  if (!v)
    return;
  const char *other = cfg_attr(g, c, "errorValue") ? "errorValue"
                      : cfg_attr(g, c, "nullIsError") ? "nullIsError" : NULL;
  if (other) {
    cfg_error(g, cfg_pos_attr_name(g, c, other),
              "%s and errorCondition exclude each other: with errorCondition, the calls "
              "for which it holds alone are failures", other);
    return;
  }
  if (!*v) {
    cfg_error(g, cfg_pos_attr(g, c, "errorCondition"), "empty errorCondition");
    return;
  }
  fn->error_cond.src = v;
}

static void check_error_condition(cfg *g, xmlNodePtr ret, const ospy_spec_fn *fn)
{
  if (ret && fn->error_cond.src)
    cfg_check_expr(g, fn->error_cond.src, fn, cfg_val_attr(g, ret, "errorCondition"),
                   "errorCondition");
}

/* <returnValue type= hex= marshalAs= nullIsError= errorValue= errorCondition=
   setsErrno=>: the type, which values are failures and whether errno says
   why (an extension: oSpy had no notion of a failed call). */
static void parse_return(cfg *g, xmlNodePtr c, ospy_spec_fn *fn)
{
  static const char *const ret_attrs[] = { "type", "hex", "octal", "marshalAs", "nullIsError",
                                           "errorValue", "errorCondition", "setsErrno", "size",
                                           NULL };
  cfg_check_attrs(g, c, ret_attrs);
  ospy_spec_typeref r;
  const char *tn = cfg_attr(g, c, "type");
  if (tn && cfg_double_ptr_lookup(g, tn, &r) == 0)
    cfg_error(g, cfg_pos_attr(g, c, "type"), "a return value cannot be '%s' (a pointer to "
              "pointers: for arguments and fields): return it as Pointer", tn);
  else if (parse_typeref(g, c, &r) == 0) {
    int kind = g->t->types[r.type].kind;
    if (!cfg_parse_bool_size(g, c, &r) && cfg_attr(g, c, "size"))
      cfg_error(g, cfg_pos_attr_name(g, c, "size"), "size on a <returnValue> of type %s: a "
                "return value has a size only as the width of a Boolean, CPPBool or MSBool "
                "(1, 2 or 4)", tn);
    if (kind == OSPY_KIND_BYTES || kind == OSPY_KIND_ARRAY)
      /* (size= and count= are the arguments': a return value has neither, and
       * was shown as a value with no type, "= ?") */
      cfg_error(g, cfg_pos_attr(g, c, "type"), "a return value cannot be '%s': nothing says "
                "how long it is (return it as Pointer, or describe the memory as an out "
                "argument with a size)", tn);
    else
      cfg_unused_type_attrs(g, c, "the return value", tn, &r);
    fn->ret = r;
    fn->has_ret = 1;
  }
  int null_error = 1;
  if (cfg_attr(g, c, "nullIsError"))
    cfg_attr_bool(g, c, "nullIsError", &null_error);
  fn->null_ok = !null_error;
  parse_error_value(g, c, fn);
  parse_error_condition(g, c, fn);
  int sets_errno;
  if (cfg_attr(g, c, "setsErrno") && cfg_attr_bool(g, c, "setsErrno", &sets_errno) == 0)
    fn->errno_rule = sets_errno ? OSPY_ERRNO_SET : OSPY_ERRNO_NOT_SET;
}

/* argsSize="N" on a <function> or <method>: the bytes of its arguments
   (oSpy's; a method's `this` aside, as in its <arguments>). 0 when absent. */
static void parse_args_size(cfg *g, xmlNodePtr n, ospy_spec_fn *fn)
{
  int64_t args_size = 0;
  if (cfg_attr_int(g, n, "argsSize", &args_size) > 0 && (args_size < 0 || args_size > 4096))
    cfg_error(g, cfg_pos_attr(g, n, "argsSize"), "argsSize %lld out of range",
              (long long)args_size);
  fn->args_size = args_size > 0 && args_size <= 4096 ? (uint32_t)args_size : 0;
}

/* A function described by argsSize alone, without <arguments>: oSpy's agent
   logged those bytes as raw words, arg1..argN. They are its arguments here,
   read where listed arguments would be (after a method's `this`), one word
   of the target each (4 bytes on i386, 8 on x86-64; a part of one counts:
   an i386 config's argsSize="4" is one word on x86-64 too), and named as
   the raw words of a call without a spec are: arg0.. in show and --filter,
   arg1.. in the XML (raw_word). */
static void args_from_size(cfg *g, xmlNodePtr n, ospy_spec_fn *fn)
{
  unsigned word = g->t->ptr_size;
  unsigned nwords = (fn->args_size + word - 1) / word;
  if (nwords > OSPY_SPEC_MAX_ARGS) {
    cfg_warning(g, cfg_pos_attr(g, n, "argsSize"), "argsSize %u is %u words of %u bytes: "
                "the first %u are recorded", fn->args_size, nwords, word, OSPY_SPEC_MAX_ARGS);
    nwords = OSPY_SPEC_MAX_ARGS;
  }
  ospy_spec_arg *as = nwords ? ospy_spec_alloc(g->t, nwords * sizeof *as) : NULL;
  if (!as)
    return;
  for (unsigned i = 0; i < nwords; i++) {
    char name[16];
    snprintf(name, sizeof name, "arg%u", i);
    as[i] = (ospy_spec_arg){ .name = ospy_spec_strdup(g->t, name), .dir = OSPY_DIR_IN,
                             .valist_arg = OSPY_SPEC_NONE,
                             .t = { .type = word == 8 ? OSPY_BT_UINT64 : OSPY_BT_UINT32,
                                    .marshal_as = OSPY_SPEC_NONE,
                                    .elem_type = OSPY_SPEC_NONE, .raw_word = 1 } };
    if (!as[i].name)
      return;
  }
  fn->args = as;
  fn->nargs = nwords;
}

/* The body shared by <function> and <method>: returnValue, arguments,
   logCondition. */
static void parse_fn_body(cfg *g, xmlNodePtr n, uint32_t fi)
{
  xmlNodePtr cond = NULL, ret = NULL;
  int has_args = 0;
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (cfg_is(c, "returnValue")) {
      parse_return(g, c, &g->t->fns[fi]);
      ret = c;
    } else if (cfg_is(c, "arguments")) {
      if (has_args++)
        cfg_error(g, cfg_pos_elem(g, c), "more than one <arguments>");
      else
        parse_args(g, c, fi);
    } else if (cfg_is(c, "logCondition")) {
      parse_cond(g, c, &g->t->fns[fi].cond);
      cond = c;
    } else {
      cfg_unknown_child(g, c, n);
    }
  }
  ospy_spec_fn *fn = &g->t->fns[fi];
  if (!has_args && fn->args_size) /* (before the conditions: they may name arg0) */
    args_from_size(g, n, fn);
  if (cond && fn->cond.src)
    cfg_check_expr(g, fn->cond.src, fn, cfg_val_text(g, cond), "logCondition");
  check_error_condition(g, ret, fn);
  if (ret && fn->has_ret) {
    ospy_abi_loc l = ospy_abi_return(fn);
    check_byval(g, ret, fn, "the return value", &l, &fn->ret);
  }
}

static uint32_t add_fn(cfg *g, xmlNodePtr n, const char *name)
{
  if (cfg_find_fn(g, name) != OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_attr(g, n, "name"), "duplicate function spec '%s'", name);
    return OSPY_SPEC_NONE;
  }
  uint32_t fi = ospy_spec_add_fn(g->t, name);
  if (fi == OSPY_SPEC_NONE)
    cfg_error(g, cfg_pos_elem(g, n), "out of memory");
  return fi;
}

static void parse_function(cfg *g, xmlNodePtr n)
{
  static const char *const attrs[] = { "name", "callingConvention", "argsSize", "logNested",
                                       NULL };
  cfg_check_attrs(g, n, attrs);
  const char *name = cfg_name_attr(g, n);
  if (!name)
    return;
  uint32_t fi = add_fn(g, n, name);
  if (fi == OSPY_SPEC_NONE)
    return;
  int nested = 0;
  parse_callconv(g, n, &g->t->fns[fi].callconv);
  cfg_attr_bool(g, n, "logNested", &nested);
  g->t->fns[fi].log_nested = (uint8_t)nested;
  parse_args_size(g, n, &g->t->fns[fi]);
  parse_fn_body(g, n, fi);
}

static void parse_method(cfg *g, xmlNodePtr n, const char *vid, ospy_spec_method *m)
{
  static const char *const attrs[] = { "index", "name", "callingConvention", "argsSize",
                                       "logNested", NULL };
  cfg_check_attrs(g, n, attrs);
  const char *name = cfg_name_attr(g, n);
  int64_t index;
  if (!name)
    return;
  int hi = cfg_attr_int(g, n, "index", &index);
  if (hi == 0)
    cfg_error(g, cfg_pos_elem(g, n), "<method> '%s' needs an 'index' attribute", name);
  else if (hi > 0 && (index < 0 || index > 65535))
    cfg_error(g, cfg_pos_attr(g, n, "index"), "method index %lld out of range", (long long)index);
  /* (sized to the names: a vtable id of 250 characters or more cut them
     short, and every two methods were a "duplicate function spec") */
  char *full = NULL;
  if (asprintf(&full, "%s::%s", vid, name) < 0) {
    cfg_error(g, cfg_pos_elem(g, n), "out of memory");
    return;
  }
  uint32_t fi = add_fn(g, n, full);
  free(full);
  if (fi == OSPY_SPEC_NONE)
    return;
  int nested = 0;
  parse_callconv(g, n, &g->t->fns[fi].callconv);
  /* `this` comes first: in ecx with thiscall (MSVC) and fastcall, eax with
     regparm, else the first stack word on i386 (GCC, Clang), rdi on x86-64;
     the arguments follow it (src/agent/marshal_args.c). */
  g->t->fns[fi].is_method = 1;
  cfg_attr_bool(g, n, "logNested", &nested);
  g->t->fns[fi].log_nested = (uint8_t)nested;
  parse_args_size(g, n, &g->t->fns[fi]);
  parse_fn_body(g, n, fi);
  m->index = hi > 0 && index >= 0 && index <= 65535 ? (uint32_t)index : 0;
  m->fn = fi;
}

static void parse_vtable(cfg *g, xmlNodePtr n)
{
  static const char *const attrs[] = { "id", "methodCount", NULL };
  cfg_check_attrs(g, n, attrs);
  const char *id = cfg_attr(g, n, "id");
  int64_t count = 0;
  if (!id || !*id) {
    cfg_error(g, cfg_pos_elem(g, n), "<vtable> needs an 'id' attribute");
    return;
  }
  if (cfg_find_vtable(g, id) != OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_attr(g, n, "id"), "duplicate vtable spec '%s'", id);
    return;
  }
  cfg_attr_int(g, n, "methodCount", &count);
  unsigned cap = 0;
  for (xmlNodePtr c = n->children; c; c = c->next)
    cap += cfg_is(c, "method");
  ospy_spec_method *ms = cap ? ospy_spec_alloc(g->t, cap * sizeof *ms) : NULL;
  unsigned k = 0;
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (!cfg_is(c, "method")) {
      cfg_unknown_child(g, c, n);
      continue;
    }
    if (!ms)
      return;
    ms[k].fn = OSPY_SPEC_NONE;
    parse_method(g, c, id, &ms[k]);
    if (ms[k].fn != OSPY_SPEC_NONE) {
      if (count > 0 && ms[k].index >= count)
        cfg_error(g, cfg_pos_attr(g, c, "index"), "method index %u beyond methodCount %lld",
                  ms[k].index, (long long)count);
      k++;
    }
  }
  uint32_t vi = ospy_spec_add_vtable(g->t, id);
  if (vi == OSPY_SPEC_NONE)
    return;
  g->t->vtables[vi].method_count = count > 0 && count < 65536 ? (uint32_t)count : 0;
  g->t->vtables[vi].methods = ms;
  g->t->vtables[vi].nmethods = k;
}

void cfg_parse_specs(cfg *g, xmlNodePtr specs)
{
  static const char *const none[] = { NULL };
  cfg_check_attrs(g, specs, none);
  for (xmlNodePtr s = specs->children; s; s = s->next) {
    if (cfg_is(s, "functions")) {
      cfg_check_attrs(g, s, none);
      for (xmlNodePtr n = s->children; n; n = n->next)
        if (cfg_is(n, "function"))
          parse_function(g, n);
        else
          cfg_unknown_child(g, n, s);
    } else if (cfg_is(s, "vtables")) {
      cfg_check_attrs(g, s, none);
      for (xmlNodePtr n = s->children; n; n = n->next)
        if (cfg_is(n, "vtable"))
          parse_vtable(g, n);
        else
          cfg_unknown_child(g, n, s);
    } else {
      cfg_unknown_child(g, s, specs);
    }
  }
}
