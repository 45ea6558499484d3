/* Spec expressions: recursive-descent parser to a postfix program, and a
   stack machine to run it (no allocation while running). */
#include "plan/spec_expr.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu_context.h"

#define MAX_OPS 96
#define MAX_STACK 32

enum op_code {
  OP_IMM, OP_ARG, OP_ARGDEREF, OP_REG, OP_RETVAL, OP_ERRNO, OP_TID,
  OP_NEG, OP_NOT, OP_BNOT,
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_SHL, OP_SHR, OP_AND, OP_OR, OP_XOR,
  OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
  OP_JZ_KEEP,  /* if top == 0: leave 0 and jump; else pop */
  OP_JNZ_KEEP, /* if top != 0: leave 1 and jump; else pop */
  OP_BOOL,
};

typedef struct op {
  uint8_t code;
  uint8_t width;     /* OP_REG / OP_ARGDEREF: bytes */
  uint8_t is_signed;
  uint16_t arg;      /* OP_ARG*: argument index; OP_J*: target */
  uint32_t offset;   /* OP_REG: offset in the context */
  uint64_t imm;
} op;

struct ospy_sexpr {
  unsigned nops;
  int uses_return;
  op ops[MAX_OPS];
};

typedef struct parser {
  const char *src, *p;
  const ospy_spec_table *t;
  const ospy_spec_fn *fn;
  ospy_sexpr *e;
  char *err;
  size_t errcap;
  const char *err_at;
} parser;

static int fail(parser *ps, const char *at, const char *fmt, const char *arg)
{
  if (!ps->err_at) {
    ps->err_at = at;
    snprintf(ps->err, ps->errcap, fmt, arg);
  }
  return -1;
}

static void skip_ws(parser *ps)
{
  while (isspace((unsigned char)*ps->p))
    ps->p++;
}

static int emit(parser *ps, op o)
{
  if (ps->e->nops >= MAX_OPS)
    return fail(ps, ps->p, "expression too long%s", "");
  ps->e->ops[ps->e->nops++] = o;
  return 0;
}

/* ---- registers ---- */

typedef struct reg_def {
  const char *name;
  uint32_t offset;
  uint8_t width;
} reg_def;

#define R64(n) { #n, offsetof(ospy_x64_context, n), 8 }
#define R64V(n, base, w) { n, offsetof(ospy_x64_context, base), w }
static const reg_def regs64[] = {
  R64(rax), R64(rbx), R64(rcx), R64(rdx), R64(rsi), R64(rdi), R64(rbp), R64(rsp),
  R64(r8), R64(r9), R64(r10), R64(r11), R64(r12), R64(r13), R64(r14), R64(r15),
  R64(rip), { "flags", offsetof(ospy_x64_context, rflags), 8 },
  R64V("eax", rax, 4), R64V("ebx", rbx, 4), R64V("ecx", rcx, 4), R64V("edx", rdx, 4),
  R64V("esi", rsi, 4), R64V("edi", rdi, 4), R64V("ebp", rbp, 4), R64V("esp", rsp, 4),
  R64V("r8d", r8, 4), R64V("r9d", r9, 4),
  R64V("ax", rax, 2), R64V("bx", rbx, 2), R64V("cx", rcx, 2), R64V("dx", rdx, 2),
  R64V("al", rax, 1), R64V("bl", rbx, 1), R64V("cl", rcx, 1), R64V("dl", rdx, 1),
};

#define R32(n) { #n, offsetof(ospy_x86_context, n), 4 }
#define R32V(n, base, w) { n, offsetof(ospy_x86_context, base), w }
static const reg_def regs32[] = {
  R32(eax), R32(ebx), R32(ecx), R32(edx), R32(esi), R32(edi), R32(ebp), R32(esp),
  R32(eip), { "flags", offsetof(ospy_x86_context, eflags), 4 },
  R32V("ax", eax, 2), R32V("bx", ebx, 2), R32V("cx", ecx, 2), R32V("dx", edx, 2),
  R32V("al", eax, 1), R32V("bl", ebx, 1), R32V("cl", ecx, 1), R32V("dl", edx, 1),
};

static const reg_def *find_reg(const ospy_spec_table *t, const char *name, size_t n)
{
  const reg_def *tab = t->ptr_size == 8 ? regs64 : regs32;
  size_t cnt = t->ptr_size == 8 ? sizeof regs64 / sizeof *regs64 : sizeof regs32 / sizeof *regs32;
  for (size_t i = 0; i < cnt; i++)
    if (strlen(tab[i].name) == n && !strncmp(tab[i].name, name, n))
      return &tab[i];
  return NULL;
}

/* ---- operands ---- */

static size_t ident_len(const char *s)
{
  size_t n = 0;
  while (isalnum((unsigned char)s[n]) || s[n] == '_')
    n++;
  return n;
}

static int arg_operand(parser *ps, uint32_t ix)
{
  const ospy_spec_arg *a = &ps->fn->args[ix];
  op o = { .code = OP_ARG, .arg = (uint16_t)ix };
  if (a->t.ptr) {
    /* arg.X of a pointer to a scalar means the value it points to (oSpy). */
    ospy_spec_typeref inner = a->t;
    inner.ptr = 0;
    unsigned w = ospy_spec_scalar_width(ps->t, &inner);
    if (w == 1 || w == 2 || w == 4 || w == 8) {
      const ospy_spec_type *ty = ospy_spec_table_type(ps->t, a->t.type);
      o.code = OP_ARGDEREF;
      o.width = (uint8_t)w;
      o.is_signed = ty ? ty->is_signed : 0;
    }
  }
  return emit(ps, o);
}

static int named_operand(parser *ps)
{
  const char *start = ps->p;
  size_t n = ident_len(ps->p);
  char word[64];
  if (n == 0 || n >= sizeof word)
    return fail(ps, start, n ? "name too long%s" : "expected a value%s", "");
  memcpy(word, ps->p, n);
  word[n] = 0;
  ps->p += n;
  if (!strcmp(word, "retval")) {
    ps->e->uses_return = 1;
    return emit(ps, (op){ .code = OP_RETVAL });
  }
  if (!strcmp(word, "errno"))
    return emit(ps, (op){ .code = OP_ERRNO });
  if (!strcmp(word, "tid"))
    return emit(ps, (op){ .code = OP_TID });
  if (!strncmp(word, "arg", 3) && n > 3 && isdigit((unsigned char)word[3])) {
    char *end;
    unsigned long ix = strtoul(word + 3, &end, 10);
    if (*end || !ps->fn || ix >= ps->fn->nargs)
      return fail(ps, start, "no argument '%s'", word);
    return arg_operand(ps, (uint32_t)ix);
  }
  if ((strcmp(word, "arg") && strcmp(word, "reg")) || *ps->p != '.')
    return fail(ps, start, "unknown name '%s'", word);
  ps->p++;
  const char *nm = ps->p;
  size_t m = ident_len(nm);
  char what[64];
  snprintf(what, sizeof what, "%.*s", (int)(m < 60 ? m : 60), nm);
  ps->p += m;
  if (word[0] == 'a') {
    uint32_t ix = ps->fn ? ospy_spec_arg_lookup(ps->fn, what) : OSPY_SPEC_NONE;
    if (ix == OSPY_SPEC_NONE)
      return fail(ps, nm, "unknown argument '%s'", what);
    return arg_operand(ps, ix);
  }
  const reg_def *r = find_reg(ps->t, nm, m);
  if (!r)
    return fail(ps, nm, "unknown register '%s'", what);
  if (r->offset == 0 + (ps->t->ptr_size == 8 ? offsetof(ospy_x64_context, rax)
                                              : offsetof(ospy_x86_context, eax)))
    ps->e->uses_return = 1;
  return emit(ps, (op){ .code = OP_REG, .offset = r->offset, .width = r->width });
}

static int parse_expr(parser *ps, int min_prec);

static int primary(parser *ps)
{
  skip_ws(ps);
  const char *start = ps->p;
  char c = *ps->p;
  if (c == '(') {
    ps->p++;
    if (parse_expr(ps, 0) < 0)
      return -1;
    skip_ws(ps);
    if (*ps->p != ')')
      return fail(ps, ps->p, "expected ')'%s", "");
    ps->p++;
    return 0;
  }
  if (c == '-' || c == '!' || c == '~' || c == '+') {
    ps->p++;
    if (primary(ps) < 0)
      return -1;
    if (c == '+')
      return 0;
    return emit(ps, (op){ .code = c == '-' ? OP_NEG : c == '!' ? OP_NOT : OP_BNOT });
  }
  if (isdigit((unsigned char)c)) {
    char *end;
    uint64_t v = strtoull(ps->p, &end, 0);
    if (isalnum((unsigned char)*end) || *end == '_')
      return fail(ps, start, "bad number%s", "");
    ps->p = end;
    return emit(ps, (op){ .code = OP_IMM, .imm = v });
  }
  if (isalpha((unsigned char)c) || c == '_')
    return named_operand(ps);
  return fail(ps, start, *start ? "expected a value%s" : "expected a value at the end%s", "");
}

/* Binary operators by precedence (higher binds tighter). */
typedef struct binop {
  const char *tok;
  int prec;
  uint8_t code;
} binop;

static const binop binops[] = {
  { "||", 1, OP_JNZ_KEEP }, { "&&", 2, OP_JZ_KEEP },
  { "==", 6, OP_EQ }, { "!=", 6, OP_NE }, { "<=", 7, OP_LE }, { ">=", 7, OP_GE },
  { "<<", 8, OP_SHL }, { ">>", 8, OP_SHR },
  { "|", 3, OP_OR }, { "^", 4, OP_XOR }, { "&", 5, OP_AND },
  { "<", 7, OP_LT }, { ">", 7, OP_GT },
  { "+", 9, OP_ADD }, { "-", 9, OP_SUB },
  { "*", 10, OP_MUL }, { "/", 10, OP_DIV }, { "%", 10, OP_MOD },
};

static const binop *peek_binop(parser *ps)
{
  skip_ws(ps);
  for (size_t i = 0; i < sizeof binops / sizeof *binops; i++)
    if (!strncmp(ps->p, binops[i].tok, strlen(binops[i].tok)))
      return &binops[i];
  return NULL;
}

static int parse_expr(parser *ps, int min_prec)
{
  if (primary(ps) < 0)
    return -1;
  for (;;) {
    const binop *b = peek_binop(ps);
    if (!b || b->prec < min_prec)
      return 0;
    ps->p += strlen(b->tok);
    if (b->code == OP_JZ_KEEP || b->code == OP_JNZ_KEEP) {
      unsigned at = ps->e->nops;
      if (emit(ps, (op){ .code = b->code }) < 0 || parse_expr(ps, b->prec + 1) < 0 ||
          emit(ps, (op){ .code = OP_BOOL }) < 0)
        return -1;
      ps->e->ops[at].arg = (uint16_t)ps->e->nops;
      continue;
    }
    if (parse_expr(ps, b->prec + 1) < 0 || emit(ps, (op){ .code = b->code }) < 0)
      return -1;
  }
}

int ospy_sexpr_compile(const char *src, const ospy_spec_table *t, const ospy_spec_fn *fn,
                       ospy_sexpr **out, char *err, size_t errcap, unsigned *col)
{
  *out = NULL;
  ospy_sexpr *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(err, errcap, "out of memory");
    *col = 1;
    return -1;
  }
  parser ps = { src, src, t, fn, e, err, errcap, NULL };
  if (parse_expr(&ps, 0) == 0) {
    skip_ws(&ps);
    if (*ps.p)
      fail(&ps, ps.p, "unexpected '%s'", (char[2]){ *ps.p, 0 });
  }
  if (ps.err_at) {
    *col = (unsigned)(ps.err_at - src) + 1;
    free(e);
    return -1;
  }
  *out = e;
  return 0;
}

void ospy_sexpr_free(ospy_sexpr *e) { free(e); }

int ospy_sexpr_uses_return(const ospy_sexpr *e) { return e && e->uses_return; }

/* ---- evaluation ---- */

static uint64_t extend(uint64_t v, unsigned width, int is_signed)
{
  if (width >= 8)
    return v;
  unsigned bits = width * 8;
  uint64_t mask = (1ull << bits) - 1;
  v &= mask;
  if (is_signed && (v >> (bits - 1)) & 1)
    v |= ~mask;
  return v;
}

static uint64_t load(const ospy_sexpr_env *env, const op *o, int *faulted)
{
  uint8_t b[8] = { 0 };
  if (o->code == OP_REG) {
    if (!env->ctx) {
      *faulted = 1;
      return 0;
    }
    memcpy(b, (const uint8_t *)env->ctx + o->offset, o->width);
  } else {
    uint64_t addr = o->arg < env->argc ? env->argv[o->arg] : 0;
    if (!env->read || !addr || env->read(addr, b, o->width) != o->width) {
      *faulted = 1;
      return 0;
    }
  }
  uint64_t v = 0;
  for (unsigned i = 0; i < o->width; i++)
    v |= (uint64_t)b[i] << (8 * i);
  return extend(v, o->width, o->code == OP_ARGDEREF && o->is_signed);
}

static uint64_t binary(uint8_t code, uint64_t a, uint64_t b)
{
  int64_t sa = (int64_t)a, sb = (int64_t)b;
  switch (code) {
  case OP_ADD: return a + b;
  case OP_SUB: return a - b;
  case OP_MUL: return a * b;
  case OP_DIV: return b == 0 || (sb == -1 && sa == INT64_MIN) ? 0 : (uint64_t)(sa / sb);
  case OP_MOD: return b == 0 || sb == -1 ? 0 : (uint64_t)(sa % sb);
  case OP_SHL: return b >= 64 ? 0 : a << b;
  case OP_SHR: return b >= 64 ? 0 : a >> b;
  case OP_AND: return a & b;
  case OP_OR: return a | b;
  case OP_XOR: return a ^ b;
  case OP_EQ: return a == b;
  case OP_NE: return a != b;
  case OP_LT: return sa < sb;
  case OP_LE: return sa <= sb;
  case OP_GT: return sa > sb;
  case OP_GE: return sa >= sb;
  }
  return 0;
}

uint64_t ospy_sexpr_eval(const ospy_sexpr *e, const ospy_sexpr_env *env, int *faulted)
{
  uint64_t st[MAX_STACK];
  unsigned sp = 0;
  int fault = 0;
  for (unsigned pc = 0; pc < e->nops; pc++) {
    const op *o = &e->ops[pc];
    if (sp + 1 >= MAX_STACK) { /* cannot happen with MAX_OPS ops, but be sure */
      fault = 1;
      break;
    }
    switch (o->code) {
    case OP_IMM: st[sp++] = o->imm; break;
    case OP_ARG: st[sp++] = o->arg < env->argc ? env->argv[o->arg] : 0; break;
    case OP_ARGDEREF:
    case OP_REG: st[sp++] = load(env, o, &fault); break;
    case OP_RETVAL: st[sp++] = env->retval; break;
    case OP_ERRNO: st[sp++] = (uint64_t)(int64_t)env->err; break;
    case OP_TID: st[sp++] = env->tid; break;
    case OP_NEG: st[sp - 1] = 0 - st[sp - 1]; break;
    case OP_NOT: st[sp - 1] = !st[sp - 1]; break;
    case OP_BNOT: st[sp - 1] = ~st[sp - 1]; break;
    case OP_BOOL: st[sp - 1] = st[sp - 1] != 0; break;
    case OP_JZ_KEEP:
    case OP_JNZ_KEEP:
      if ((st[sp - 1] != 0) == (o->code == OP_JNZ_KEEP)) {
        st[sp - 1] = st[sp - 1] != 0;
        pc = o->arg - 1u;
      } else {
        sp--;
      }
      break;
    default:
      sp--;
      st[sp - 1] = binary(o->code, st[sp - 1], st[sp]);
      break;
    }
  }
  if (faulted)
    *faulted = fault;
  return sp ? st[sp - 1] : 0;
}
