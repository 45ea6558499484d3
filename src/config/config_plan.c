/* A loaded config as a plan (hooks + spec blob), and as text (`ospy check`). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "plan/spec_abi.h"
#include "plan/spec_expr.h"

int ospy_config_to_plan(const ospy_config *c, ospy_plan_builder *b)
{
  size_t len = ospy_spec_table_encode(c->specs, NULL, 0);
  void *blob = malloc(len);
  if (!blob)
    return -1;
  ospy_spec_table_encode(c->specs, blob, len);
  int rc = ospy_plan_builder_set_spec(b, blob, len);
  free(blob);
  for (size_t i = 0; i < c->nhooks && rc == 0; i++)
    rc = ospy_plan_builder_add(b, &c->hooks[i].h);
  return rc;
}

int ospy_config_load_plan(const char *path, unsigned arch_bits, ospy_plan_builder *b,
                          ospy_diag *diag)
{
  ospy_config *c;
  if (ospy_config_load(path, arch_bits, &c, diag) < 0)
    return -1;
  int rc = ospy_config_to_plan(c, b);
  if (rc < 0)
    ospy_diag_error(diag, path, 0, 0, "out of memory while building the plan");
  ospy_config_free(c);
  return rc;
}

/* ---- text ---- */

static void print_typeref(const ospy_spec_table *t, const ospy_spec_typeref *r, FILE *out)
{
  fprintf(out, "%s%s", ospy_spec_type_name(t, r->type), r->ptr ? "Ptr" : "");
  if (r->elem_type != OSPY_SPEC_NONE)
    fprintf(out, " of %s%s", ospy_spec_type_name(t, r->elem_type), r->elem_ptr ? "Ptr" : "");
  const ospy_spec_type *ty = ospy_spec_table_type(t, r->type);
  if (r->marshal_as != OSPY_SPEC_NONE && ty && ty->kind == OSPY_KIND_BOOL) {
    ospy_spec_typeref v = *r; /* a boolean's size="N" (its width) */
    v.ptr = 0;
    fprintf(out, " size=%u", ospy_spec_scalar_width(t, &v));
  } else if (r->marshal_as != OSPY_SPEC_NONE)
    fprintf(out, " as %s", ospy_spec_type_name(t, r->marshal_as));
  if (r->raw_word)
    fprintf(out, " raw word");
  if (r->hex)
    fprintf(out, " hex");
  if (r->octal)
    fprintf(out, " octal");
}

static void print_ab(const char *what, const ospy_spec_expr *in, const ospy_spec_expr *o,
                     FILE *out)
{
  if (!in->src)
    return;
  if (o->src && o->src != in->src && strcmp(o->src, in->src))
    fprintf(out, " %s=\"%s\" (enter) / \"%s\" (leave)", what, in->src, o->src);
  else
    fprintf(out, " %s=\"%s\"", what, in->src);
}

/* " (by value: rdi, xmm0)": the registers of a structure's eightbytes, the
 * general ones named by gp (ngp of them). */
static void print_struct_regs(const ospy_abi_loc *l, const char *const *gp, unsigned ngp,
                              FILE *out)
{
  fprintf(out, " (by value: ");
  for (unsigned e = 0; e < l->n && e < 2; e++)
    if (l->cls[e] == OSPY_ABI_SSE)
      fprintf(out, "%sxmm%u", e ? ", " : "", l->reg[e]);
    else
      fprintf(out, "%s%s", e ? ", " : "", l->reg[e] < ngp ? gp[l->reg[e]] : "?");
  fprintf(out, ")");
}

/* Where a structure passed by value travels, as its registers or its
 * place on the stack at entry (plan/spec_abi.h): " (by value: rdi, xmm0)". */
static void print_byval_arg(const ospy_spec_table *t, const ospy_abi_loc *l, FILE *out)
{
  static const char *const gp[] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
  if (l->kind == OSPY_LOC_STRUCT_REGS) {
    print_struct_regs(l, gp, 6, out);
  } else if (l->kind == OSPY_LOC_STRUCT_STACK) {
    unsigned word = t->ptr_size;
    fprintf(out, " (by value: %u bytes on the stack at %s+%u)", l->size,
            word == 8 ? "rsp" : "esp", word + word * l->stack);
  }
}

static void print_byval_return(const ospy_spec_table *t, const ospy_abi_loc *l, FILE *out)
{
  static const char *const x64[] = { "rax", "rdx" };
  if (l->kind == OSPY_LOC_STRUCT_REGS) {
    print_struct_regs(l, x64, 2, out);
  } else if (l->kind == OSPY_LOC_STRUCT_MEMORY) {
    fprintf(out, " (by value: %u bytes in the caller's memory, its address passed %s, "
            "before the arguments, and returned in %s)", l->size,
            t->ptr_size == 8 ? "in rdi" : "as the first stack word",
            t->ptr_size == 8 ? "rax" : "eax");
  }
}

/* ", decided at entry" for a function condition the agent decides when the
 * call enters (docs/expressions.md, "When a condition is decided"): it
 * sees memory as the call entered, not as it returned. */
static const char *entry_note(const ospy_spec_table *t, const ospy_spec_fn *fn, const char *src)
{
  ospy_sexpr *e;
  char msg[160];
  unsigned col;
  if (ospy_sexpr_compile(src, t, fn, &e, msg, sizeof msg, &col) != 0)
    return "";
  int at_entry = ospy_sexpr_decided_at_entry(e);
  ospy_sexpr_free(e);
  return at_entry ? ", decided at entry" : "";
}

static void print_fn(const ospy_spec_table *t, const ospy_spec_fn *fn, FILE *out)
{
  fprintf(out, "    spec %s: %s%s, returns ", fn->name, ospy_spec_callconv_name(fn->callconv),
          fn->log_nested ? ", logNested" : "");
  ospy_abi_loc rl = ospy_abi_return(fn);
  if (fn->has_ret) {
    print_typeref(t, &fn->ret, out);
    print_byval_return(t, &rl, out);
  } else
    fprintf(out, "(not logged)");
  if (fn->has_ret && fn->null_ok)
    fprintf(out, " (NULL is no error)");
  if (fn->has_ret && fn->has_error_value)
    fprintf(out, " (%" PRId64 " is the error)", fn->error_value);
  if (fn->error_cond.src)
    fprintf(out, " (failed when %s%s)", fn->error_cond.src,
            entry_note(t, fn, fn->error_cond.src));
  if (fn->has_ret && fn->errno_rule != OSPY_ERRNO_BY_TYPE)
    fprintf(out, " (%s errno)", fn->errno_rule == OSPY_ERRNO_SET ? "sets" : "does not set");
  fprintf(out, "\n");
  if (fn->args_size)
    fprintf(out, "      argsSize %u\n", fn->args_size);
  ospy_abi_walk w;
  ospy_abi_start(&w, fn);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_spec_arg *a = &fn->args[i];
    ospy_abi_loc l = ospy_abi_next(&w, i);
    fprintf(out, "      arg %u %s: %s ", i, a->name, ospy_spec_direction_name(a->dir));
    print_typeref(t, &a->t, out);
    print_byval_arg(t, &l, out);
    print_ab("size", &a->size_in, &a->size_out, out);
    print_ab("elementCount", &a->count_in, &a->count_out, out);
    if (a->type_base.src)
      fprintf(out, " type=(%s)+\"%s\"", a->type_base.src, a->type_suffix ? a->type_suffix : "");
    if (a->value.src)
      fprintf(out, " value=(%s)", a->value.src);
    if (a->t.null_term)
      fprintf(out, " nullTerminated");
    if (a->valist_arg != OSPY_SPEC_NONE)
      fprintf(out, " vaList=%s", fn->args[a->valist_arg].name);
    if (a->cond.src)
      fprintf(out, " if (%s)", a->cond.src);
    fprintf(out, "\n");
  }
  if (fn->cond.src)
    fprintf(out, "      logCondition: %s%s\n", fn->cond.src,
            *entry_note(t, fn, fn->cond.src) ? " (decided at entry)" : "");
}

/* A symbol written as nm -C prints it (ns::f(int)): ospy capture looks its
 * mangled name up in the module's file, which check does not know (the
 * rule of src/cli/cxx_names.c). */
static int cxx_name_like(const char *symbol)
{
  return strstr(symbol, "::") || strstr(symbol, "[abi:") || strpbrk(symbol, "()<>~ ,") != NULL;
}

/* A hook by name (EXPORT: specId alone; SYMTAB: symbol=) is a "symbol" either
 * way: both are found among the exported symbols and in the symbol table,
 * in the opposite order (src/agent/resolve.c, ospy_agent_resolve): a static
 * function named by its specId alone is hooked, which "export" denied. */
static const char *kind_name(uint32_t k)
{
  static const char *const names[] = { "?", "symbol", "symbol", "offset", "signature", "vtable" };
  return k <= OSPY_HOOK_VTABLE ? names[k] : "?";
}

/* Where a hook by name is looked for, in the order the agent looks. */
static const char *lookup_order(const ospy_plan_hook *h)
{
  if (cxx_name_like(h->symbol))
    return " (a C++ name: looked up in that module's file when captured)";
  if (!*h->module)
    return h->kind == OSPY_HOOK_SYMTAB ? " (the symbol tables, else the exported symbols)"
                                       : " (the exported symbols, else the symbol tables)";
  return h->kind == OSPY_HOOK_SYMTAB ? " (its symbol table, else its exported symbols)"
                                     : " (its exported symbols, else its symbol table)";
}


static void print_hook(const ospy_config *c, const ospy_config_hook *ch, FILE *out)
{
  const ospy_plan_hook *h = &ch->h;
  fprintf(out, "  %s: %s", h->display, kind_name(h->kind));
  /* symbol="": the module's .symtab, else its dynamic symbols (a library
   * without a .symtab, libc, still exports its functions); specId alone: its
   * exports, else its .symtab (a static function) */
  if (h->kind == OSPY_HOOK_EXPORT || h->kind == OSPY_HOOK_SYMTAB)
    fprintf(out, " %s in %s%s", h->symbol, *h->module ? h->module : "any module",
            lookup_order(h));
  else if (h->kind == OSPY_HOOK_OFFSET)
    fprintf(out, " %s+0x%" PRIx64, h->module, h->offset);
  else {
    if (*h->symbol)
      fprintf(out, " symbol %s", h->symbol);
    /* sigOffset: where the function (the constructor's vtable address)
     * is, from the start of the bytes the signature matches */
    if (h->sig_len && h->kind == OSPY_HOOK_VTABLE)
      fprintf(out, " by a %u-byte signature of the constructor, the vtable's address at %+" PRId64
              " from the match,", h->sig_len, h->sig_offset);
    else if (h->sig_len)
      fprintf(out, " of %u bytes, the function at %+" PRId64 " from the match,", h->sig_len,
              h->sig_offset);
    /* a byte signature without a module is looked for in the program only
     * (the agent scans one module's code; every library's would cost each
     * start); a vtable symbol in any module */
    fprintf(out, " in %s", *h->module ? h->module : h->sig_len ? "the program" : "any module");
  }
  if (*h->process)
    fprintf(out, ", process %s", h->process);
  if (h->flags & OSPY_HOOK_F_BACKTRACE)
    fprintf(out, ", backtrace");
  fprintf(out, " (line %u)\n", ch->line);
  const ospy_spec_table *t = c->specs;
  if (h->kind == OSPY_HOOK_VTABLE)
    fprintf(out, "    vtable slot %" PRIu64 "\n", h->offset);
  print_fn(t, ospy_spec_table_fn(t, h->spec_index), out);
}

void ospy_config_print(const ospy_config *c, FILE *out)
{
  const ospy_spec_table *t = c->specs;
  fprintf(out, "config %s (%s): %u types, %u function specs, %u vtable specs, %zu hooks\n",
          c->path, c->arch_bits == 32 ? "i386" : "x86-64", t->ntypes - OSPY_SPEC_NBUILTIN,
          t->nfns, t->nvtables, c->nhooks);
  for (size_t i = 0; i < c->nhooks; i++)
    print_hook(c, &c->hooks[i], out);
}
