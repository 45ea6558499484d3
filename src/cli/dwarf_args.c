/* A -f function's spec from its DWARF signature (dwarf_args.h). */
#include "cli/dwarf_args.h"
#include "plan/spec_abi.h"

#include <stdio.h>
#include <string.h>

static uint32_t int_type(unsigned size, int is_signed)
{
  switch (size) {
  case 1: return is_signed ? OSPY_BT_INT8 : OSPY_BT_UINT8;
  case 2: return is_signed ? OSPY_BT_INT16 : OSPY_BT_UINT16;
  case 4: return is_signed ? OSPY_BT_INT32 : OSPY_BT_UINT32;
  default: return is_signed ? OSPY_BT_INT64 : OSPY_BT_UINT64;
  }
}

/* Whether type ty has exactly the enumerators of v. */
static int same_members(const ospy_spec_type *ty, const ospy_dwarf_value *v)
{
  if (ty->kind != OSPY_KIND_ENUM || ty->nmembers != v->nenumerators)
    return 0;
  for (size_t i = 0; i < v->nenumerators; i++)
    if (strcmp(ty->members[i].name, v->enumerators[i].name) ||
        ty->members[i].value != (uint64_t)v->enumerators[i].value)
      return 0;
  return 1;
}

/* The enumeration type of v in t: one of its name with the same members
 * (another function's parameter of that type), else a new one, named
 * apart ("color#2") from a type of another meaning that has its name. */
static uint32_t enum_type(ospy_spec_table *t, const ospy_dwarf_value *v)
{
  char name[96];
  const char *base = v->type_name[0] ? v->type_name : "anonymous enum";
  snprintf(name, sizeof name, "%s", base);
  for (unsigned k = 2; k < 100; k++) {
    ospy_spec_typeref r;
    if (ospy_spec_type_lookup(t, name, &r) != 0 || r.ptr)
      break;
    if (same_members(&t->types[r.type], v))
      return r.type;
    snprintf(name, sizeof name, "%s#%u", base, k);
  }
  ospy_spec_member *m = ospy_spec_alloc(t, v->nenumerators * sizeof *m);
  if (!m)
    return OSPY_SPEC_NONE;
  for (size_t i = 0; i < v->nenumerators; i++) {
    m[i] = (ospy_spec_member){ .name = ospy_spec_strdup(t, v->enumerators[i].name),
                               .value = (uint64_t)v->enumerators[i].value };
    if (!m[i].name)
      return OSPY_SPEC_NONE;
  }
  uint32_t ix = ospy_spec_add_type(t, name, OSPY_KIND_ENUM);
  if (ix == OSPY_SPEC_NONE)
    return OSPY_SPEC_NONE;
  t->types[ix].members = m;
  t->types[ix].nmembers = (uint32_t)v->nenumerators;
  return ix;
}

/* The type reference that reads v; OSPY_SPEC_NONE in .type when out of memory. */
static ospy_spec_typeref typeref_of(ospy_spec_table *t, const ospy_dwarf_value *v)
{
  ospy_spec_typeref r = { .type = OSPY_BT_POINTER, .marshal_as = OSPY_SPEC_NONE,
                          .elem_type = OSPY_SPEC_NONE };
  switch (v->kind) {
  case OSPY_DWK_INT: r.type = int_type(v->size, v->is_signed); break;
  case OSPY_DWK_BOOL: r.type = OSPY_BT_CPPBOOL; break;
  case OSPY_DWK_FLOAT: r.type = v->size == 4 ? OSPY_BT_FLOAT : OSPY_BT_DOUBLE; break;
  case OSPY_DWK_ENUM: r.type = enum_type(t, v); break;
  case OSPY_DWK_STRING: r.type = OSPY_BT_ASCIISTRING; r.ptr = 1; break;
  case OSPY_DWK_WSTRING: r.type = OSPY_BT_WIDESTRING; r.ptr = 1; break;
  default: break; /* (a pointer) */
  }
  return r;
}

/* The name parameter i (from 0, `this` counted) is shown by. */
static const char *param_name(ospy_spec_table *t, const ospy_dwarf_sig *sig, size_t i)
{
  const ospy_dwarf_value *v = &sig->params[i];
  if (v->artificial)
    return "this";
  if (v->name[0])
    return ospy_spec_strdup(t, v->name);
  char name[24];
  snprintf(name, sizeof name, "p%zu", i + (sig->params[0].artificial ? 0 : 1));
  return ospy_spec_strdup(t, name);
}

/* i386 DWARF register numbers (+ 1, as entry_reg holds them) of the
 * register words of a convention (ospy_abi_loc reg[0]: marshal.h's order) */
enum { DW_EAX = 1, DW_ECX = 2, DW_EDX = 3, DW_XMM0 = 22, DW_XMM2 = 24 };

static int convention_register(int cc, unsigned word)
{
  static const int regparm[3] = { DW_EAX, DW_EDX, DW_ECX };
  static const int fastcall[2] = { DW_ECX, DW_EDX };
  if (cc == OSPY_CALLCONV_FASTCALL || cc == OSPY_CALLCONV_FASTCC)
    return word < 2 ? fastcall[word] : 0;
  return word < 3 ? regparm[word] : 0;
}

/* Whether convention cc puts each parameter the DWARF says starts in a
 * register in that register, and none of the others in one. A 64-bit
 * integer in two registers (regparm, fastcc), or in one and on the stack
 * (fastcc), is where the DWARF names the register of its low word. */
static int convention_fits(ospy_spec_fn *fn, const ospy_dwarf_sig *sig, int cc)
{
  fn->callconv = (uint8_t)cc;
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_abi_loc l = ospy_abi_next(&w, i);
    int in_reg = l.kind == OSPY_LOC_GP || l.kind == OSPY_LOC_GP_PAIR || l.kind == OSPY_LOC_GP_STACK;
    int reg = in_reg ? convention_register(cc, l.reg[0])
              : l.kind == OSPY_LOC_SSE ? DW_XMM0 + l.reg[0] : 0;
    int said = sig->params[i].entry_reg;
    if (said ? reg != said : in_reg)
      return 0;
  }
  return 1;
}

/* Whether the DWARF says a float or double parameter of a static function
 * is in xmm0-2 when it starts: built with SSE2 math, its compiler passes
 * the first three there (the agent reads them so when it sees the code
 * read them). */
static int floats_in_xmm(const ospy_dwarf_sig *sig)
{
  for (size_t i = 0; i < sig->nparams; i++)
    if (sig->params[i].kind == OSPY_DWK_FLOAT && sig->params[i].entry_reg >= DW_XMM0 &&
        sig->params[i].entry_reg <= DW_XMM2)
      return 1;
  return 0;
}

/* Whether convention cc puts each parameter where the DWARF says it is
 * when the function starts (a register, both registers of a 64-bit
 * integer, a place on the stack), whatever it puts where the DWARF says
 * nothing (a parameter optimized out, or copied at -O0 where no location
 * says where it came from). */
static int convention_agrees(ospy_spec_fn *fn, const ospy_dwarf_sig *sig, int cc)
{
  fn->callconv = (uint8_t)cc;
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_dwarf_value *p = &sig->params[i];
    ospy_abi_loc l = ospy_abi_next(&w, i);
    int in_reg = l.kind == OSPY_LOC_GP || l.kind == OSPY_LOC_GP_PAIR || l.kind == OSPY_LOC_GP_STACK;
    if (p->entry_reg && (!in_reg || convention_register(cc, l.reg[0]) != p->entry_reg))
      return 0;
    if (p->entry_reg_hi &&
        (l.kind != OSPY_LOC_GP_PAIR || convention_register(cc, l.reg[1]) != p->entry_reg_hi))
      return 0;
    if (p->has_entry_stack && (l.kind != OSPY_LOC_STACK || l.stack * 4u != (unsigned)p->entry_stack))
      return 0;
  }
  return 1;
}

/* Whether conventions a and b put every parameter of fn in the same place
 * (regparm(2) and regparm(3) for two int parameters). */
static int same_places(ospy_spec_fn *fn, int a, int b)
{
  ospy_spec_fn fa = *fn, fb = *fn;
  fa.callconv = (uint8_t)a;
  fb.callconv = (uint8_t)b;
  ospy_abi_walk wa, wb;
  ospy_abi_start(&wa, &fa);
  ospy_abi_start(&wb, &fb);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    ospy_abi_loc la = ospy_abi_next(&wa, i), lb = ospy_abi_next(&wb, i);
    int ra = la.kind == OSPY_LOC_GP || la.kind == OSPY_LOC_GP_PAIR || la.kind == OSPY_LOC_GP_STACK;
    if (la.kind != lb.kind || la.stack != lb.stack || la.words != lb.words ||
        (ra && (convention_register(a, la.reg[0]) != convention_register(b, lb.reg[0]) ||
                (la.kind == OSPY_LOC_GP_PAIR &&
                 convention_register(a, la.reg[1]) != convention_register(b, lb.reg[1])))))
      return 0;
  }
  return 1;
}

static const char *convention_name(int cc)
{
  switch (cc) {
  case OSPY_CALLCONV_REGPARM1: return "regparm(1)";
  case OSPY_CALLCONV_REGPARM2: return "regparm(2)";
  case OSPY_CALLCONV_REGPARM3: return "regparm(3)";
  case OSPY_CALLCONV_FASTCALL: return "fastcall";
  case OSPY_CALLCONV_FASTCC: return "fastcc";
  default: return "cdecl";
  }
}

/* The convention of a global function (its DWARF's DW_AT_external: an
 * exported one, or hidden), which the ABI's (cdecl) unless an attribute
 * says otherwise (regparm(N), fastcall), as only its definition does:
 * the one that puts its parameters where the DWARF says they are when it
 * starts, explicitly (the agent reads a global function by its spec's
 * convention). cdecl when it fits (nothing said in a register); another
 * when it is the only one that fits, or several that fit put every
 * parameter alike. 0 (fn->callconv set), or -1 with why. */
static int global_convention(ospy_spec_fn *fn, const ospy_dwarf_sig *sig, char *why, size_t cap)
{
  int candidates[] = { OSPY_CALLCONV_DEFAULT, OSPY_CALLCONV_REGPARM3, OSPY_CALLCONV_REGPARM2,
                       OSPY_CALLCONV_REGPARM1, OSPY_CALLCONV_FASTCALL, OSPY_CALLCONV_FASTCC };
  size_t n = sizeof candidates / sizeof candidates[0];
  if (sig->producer != OSPY_DWARF_BY_OTHER)
    n--; /* (fastcc: clang's for its local functions only; GCC has none) */
  int fits = -1;
  for (size_t k = 0; k < n; k++) {
    if (!convention_agrees(fn, sig, candidates[k]))
      continue;
    if (candidates[k] == OSPY_CALLCONV_DEFAULT) {
      fits = candidates[k];
      break;
    }
    if (fits < 0) {
      fits = candidates[k];
      continue;
    }
    if (!same_places(fn, fits, candidates[k])) {
      snprintf(why, cap, "its DWARF says where its parameters are when it starts, which both "
               "%s and %s fit: callingConvention in a config says which", convention_name(fits),
               convention_name(candidates[k]));
      fn->callconv = OSPY_CALLCONV_DEFAULT;
      return -1;
    }
  }
  if (fits < 0) {
    snprintf(why, cap, "its DWARF says its parameters arrive in registers or on the stack by a "
             "convention ospy does not read");
    fn->callconv = OSPY_CALLCONV_DEFAULT;
    return -1;
  }
  fn->callconv = (uint8_t)fits;
  return 0;
}

/* The convention an attribute gave fn, as its DWARF says (clang's
 * DW_AT_calling_convention): stdcall (read as cdecl: the same places) or
 * fastcall, when the places its DWARF says fit it. */
static int said_convention(ospy_spec_fn *fn, const ospy_dwarf_sig *sig, char *why, size_t cap)
{
  int cc = sig->cc == OSPY_DWARF_CC_FASTCALL ? OSPY_CALLCONV_FASTCALL : OSPY_CALLCONV_DEFAULT;
  if (convention_agrees(fn, sig, cc)) {
    fn->callconv = (uint8_t)cc;
    return 0;
  }
  fn->callconv = OSPY_CALLCONV_DEFAULT;
  snprintf(why, cap, "its DWARF says it is called by %s, but its parameters are not where "
           "that convention passes them", sig->cc == OSPY_DWARF_CC_FASTCALL ? "fastcall" : "stdcall");
  return -1;
}

/* A word-sized integer or pointer parameter the DWARF puts in the
 * function's own frame (in_own_frame): gcc -O0 copies there one that
 * arrived in a register (regparm, fastcall), and leaves a stack one where
 * the caller put it, but its DWARF says neither the register nor the
 * convention. Its index, or -1. (A char or short is copied off the stack
 * too: it says nothing.) */
static int copied_from_register(const ospy_dwarf_sig *sig)
{
  for (size_t i = 0; i < sig->nparams; i++) {
    const ospy_dwarf_value *p = &sig->params[i];
    int word = p->kind == OSPY_DWK_STRING || p->kind == OSPY_DWK_WSTRING ||
               p->kind == OSPY_DWK_POINTER ||
               ((p->kind == OSPY_DWK_INT || p->kind == OSPY_DWK_ENUM) && p->size == 4);
    if (word && p->in_own_frame && !p->entry_reg && !p->has_entry_stack)
      return (int)i;
  }
  return -1;
}

/* The i386 convention of fn by where its DWARF says its parameters start:
 * 0 (fn->callconv set), or -1 with why. A convention its DWARF names, a
 * global function's (global_convention). Of a static function, nothing in
 * registers: the ABI's (cdecl), or GCC's regparm, which the agent finds by
 * its code as for a raw one, and which the DWARF does not always say (a
 * parameter moved at once, or in two registers). ecx, edx first: clang's
 * fastcc for a local function (its fastcall attribute the DWARF says, a
 * convention refused before), GCC's fastcall attribute (GCC has no fastcc);
 * the two differ for a 64-bit integer (fastcc: in registers) and a double
 * (fastcc: 8-byte aligned on the stack). */
static int i386_convention(ospy_spec_fn *fn, const ospy_dwarf_sig *sig, char *why, size_t cap)
{
  if (sig->cc != OSPY_DWARF_CC_NORMAL)
    return said_convention(fn, sig, why, cap);
  if (sig->external) {
    int rc = global_convention(fn, sig, why, cap), copied = copied_from_register(sig);
    if (rc == 0 && fn->callconv == OSPY_CALLCONV_DEFAULT && copied >= 0) {
      /* (read as cdecl, its arguments were wrong words: worse than raw
         ones; a static one's regparm the agent finds by its code) */
      snprintf(why, cap, "its DWARF puts parameter %d (%s) in the function's own frame, as "
               "gcc -O0 does with one that arrives in a register (regparm, fastcall), without "
               "saying which: callingConvention in a config says how it is called",
               copied + 1, sig->params[copied].name[0] ? sig->params[copied].name : "unnamed");
      return -1;
    }
    return rc;
  }
  int candidates[] = { OSPY_CALLCONV_REGPARM3, OSPY_CALLCONV_REGPARM2, OSPY_CALLCONV_REGPARM1,
                       OSPY_CALLCONV_FASTCC, OSPY_CALLCONV_FASTCALL };
  size_t n = sizeof candidates / sizeof candidates[0];
  if (sig->producer == OSPY_DWARF_BY_GCC)
    candidates[3] = OSPY_CALLCONV_FASTCALL, n--;
  else if (sig->producer == OSPY_DWARF_BY_CLANG)
    n--;
  int any = 0;
  for (size_t i = 0; i < sig->nparams; i++)
    any |= sig->params[i].entry_reg != 0;
  fn->callconv = OSPY_CALLCONV_DEFAULT;
  if (!any)
    return 0;
  /* (in xmm0-2: checked as the agent reads them, then left to it) */
  ospy_spec_fn sse = *fn;
  sse.sse_floats = (uint8_t)floats_in_xmm(sig);
  for (size_t k = 0; k < n; k++)
    if (convention_fits(&sse, sig, candidates[k])) {
      /* (regparm left to the agent's finding: it says so in a note) */
      fn->callconv = candidates[k] == OSPY_CALLCONV_FASTCALL || candidates[k] == OSPY_CALLCONV_FASTCC
                       ? (uint8_t)candidates[k]
                       : OSPY_CALLCONV_DEFAULT;
      return 0;
    }
  snprintf(why, cap, "its DWARF says its parameters arrive in registers by a convention ospy "
           "does not read (a compiler's own, for a local function)");
  return -1;
}

/* A parameter with a constant value and no location (v->is_constant):
 * clang's, whose every call passed that value, dropped from the calls
 * without renaming the function (its other arguments take the places it
 * left): an integer, an enumeration or a pointer is shown as a computed
 * argument of that value (a->value), 0. A Float or Double, which a
 * computed argument cannot be, or another compiler's (GCC renames a copy
 * whose parameters it changes, .constprop: whether its callers still pass
 * it, nothing says): -1 with why, the function raw. */
static int constant_argument(ospy_spec_table *t, const ospy_dwarf_sig *sig, size_t i,
                             ospy_spec_arg *a, unsigned bits, char *why, size_t cap)
{
  const ospy_dwarf_value *v = &sig->params[i];
  unsigned size = v->kind == OSPY_DWK_POINTER || v->kind == OSPY_DWK_STRING ||
                      v->kind == OSPY_DWK_WSTRING
                    ? bits / 8
                    : v->size;
  uint64_t value = size && size < 8 ? v->constant & ((1ull << (8 * size)) - 1) : v->constant;
  if (sig->producer != OSPY_DWARF_BY_CLANG) {
    snprintf(why, cap, "a parameter %s: its DWARF gives it a constant value (0x%llx) and no "
             "location: whether its callers still pass it, it does not say", a->name,
             (unsigned long long)value);
    return -1;
  }
  if (v->kind == OSPY_DWK_FLOAT) {
    double d;
    float f;
    uint32_t w = (uint32_t)value;
    memcpy(&f, &w, sizeof f);
    memcpy(&d, &value, sizeof d);
    snprintf(why, cap, "a parameter %s: clang dropped it from the calls, all of which passed "
             "%.17g (its DWARF's constant value), and a %s constant is not shown as an "
             "argument", a->name, v->size == 4 ? (double)f : d, v->size == 4 ? "float" : "double");
    return -1;
  }
  if (v->kind == OSPY_DWK_STRING || v->kind == OSPY_DWK_WSTRING) {
    snprintf(why, cap, "a parameter %s: clang dropped it from the calls, all of which passed "
             "the string at 0x%llx (its DWARF's constant value), not shown as an argument",
             a->name, (unsigned long long)value);
    return -1;
  }
  char text[24];
  snprintf(text, sizeof text, "0x%llx", (unsigned long long)value);
  a->value.src = ospy_spec_strdup(t, text);
  return a->value.src ? 0 : -2;
}

uint32_t ospy_dwarf_args_spec(ospy_spec_table *t, const char *name, const ospy_dwarf_sig *sig,
                              unsigned bits, char *why, size_t cap)
{
  why[0] = 0;
  size_t n = sig->nparams;
  ospy_spec_arg *args = n ? ospy_spec_alloc(t, n * sizeof *args) : NULL;
  if (n && !args)
    return OSPY_SPEC_NONE;
  for (size_t i = 0; i < n; i++) {
    const ospy_dwarf_value *v = &sig->params[i];
    ospy_spec_arg *a = &args[i];
    memset(a, 0, sizeof *a);
    a->name = param_name(t, sig, i);
    a->t = typeref_of(t, v);
    if (!a->name || a->t.type == OSPY_SPEC_NONE)
      return OSPY_SPEC_NONE;
    /* a char* that is not const: a buffer the function may fill, as often
     * as a string it reads (the C++ names' rule) */
    a->dir = v->writable ? OSPY_DIR_INOUT : OSPY_DIR_IN;
    a->valist_arg = OSPY_SPEC_NONE;
    if (v->is_constant) {
      int rc = constant_argument(t, sig, i, a, bits, why, cap);
      if (rc == -2)
        return OSPY_SPEC_NONE;
      if (rc < 0) {
        if (!why[0])
          snprintf(why, cap, "a parameter with a constant value");
        return OSPY_SPEC_NONE;
      }
      a->dir = OSPY_DIR_IN;
    }
  }
  ospy_spec_typeref ret = typeref_of(t, &sig->ret);
  if (ret.type == OSPY_SPEC_NONE)
    return OSPY_SPEC_NONE;
  uint32_t fi = ospy_spec_add_fn(t, name);
  if (fi == OSPY_SPEC_NONE)
    return OSPY_SPEC_NONE;
  ospy_spec_fn *fn = &t->fns[fi];
  fn->callconv = OSPY_CALLCONV_DEFAULT;
  fn->args = args;
  fn->nargs = (uint32_t)n;
  fn->has_ret = sig->ret.kind != OSPY_DWK_VOID;
  fn->ret = ret;
  if (bits == 32 && i386_convention(fn, sig, why, cap) < 0)
    return OSPY_SPEC_NONE; /* (the spec stays in t, unused) */
  /* nothing says the function sets errno, or that NULL is a failure: its
   * return is judged as the C++ names' and raw calls' are not, by its type,
   * but without those two guesses */
  fn->errno_rule = OSPY_ERRNO_NOT_SET;
  fn->null_ok = 1;
  return fi;
}
