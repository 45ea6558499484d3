/* The call filters that look inside a call: --filter (the expression
 * language of src/expr, compiled once per hook against that function's
 * arguments), --grep over decoded strings and buffers, and the
 * failed/successful rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/read_filter_internal.h"
#include "expr/expr.h"
#include "plan/values.h"

struct read_hook_expr {
  ospy_expr *e;             /* NULL: the expression does not apply (names missing) */
  /* a pointer to a scalar: the bytes of the scalar (0: another argument) */
  uint8_t pointee_bytes[OSPY_SPEC_MAX_ARGS];
  read_field_refs fields; /* the structure fields it names, slots READ_NSLOTS.. */
};

/* every slot a field may be missing from has its bit in arg_faults */
_Static_assert(READ_NSLOTS + READ_MAX_FIELDS <= 64, "field slots past arg_faults");

static const char *const raw_names[] = { "arg0", "arg1", "arg2", "arg3", "arg4", "arg5" };

static unsigned bits_of(unsigned bytes) { return bytes >= 1 && bytes <= 8 ? bytes * 8 : 0; }

/* A spec argument as a filter sees it, as a config's expressions do:
 * scalars by value, a pointer to a scalar as the value pointed to (as
 * shown: out_len=[5]; `*arg.p` the same, `&arg.p` the pointer; the value is
 * read from the recording, recorded_read), other pointers as their address. */
static void filter_arg(const ospy_spec_table *t, const ospy_spec_arg *a, uint32_t i,
                       bool floats_as_ints, ospy_expr_arg *x, uint8_t *pointee_bytes)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t, a->t.type);
  ospy_spec_typeref plain = a->t;
  plain.ptr = 0;
  unsigned bytes = ospy_spec_scalar_width(t, &plain), w = bits_of(bytes);
  /* signed as show writes it: by marshalAs, an enumeration by its members */
  bool is_signed = ospy_spec_scalar_signed(t, &plain);
  x->name = a->name;
  x->index = i;
  x->is_signed = is_signed;
  x->is_float = ty && ty->kind == OSPY_KIND_FLOAT && !a->t.ptr && !floats_as_ints;
  *pointee_bytes = (uint8_t)(a->t.ptr && w ? bytes : 0);
  if (w && !a->t.ptr) {
    x->width = (uint8_t)w;
    return;
  }
  x->width = (uint8_t)(t->ptr_size * 8);
  x->is_pointer = true;
  x->is_signed = false;
  if (*pointee_bytes) {
    x->auto_deref = true;
    x->pointee_width = (uint8_t)w;
    x->pointee_signed = is_signed;
  }
}

static void ret_type(const ospy_spec_table *t, const ospy_spec_fn *fn, ospy_expr_scope *sc)
{
  sc->has_retval = true;
  sc->retval_width = (uint8_t)(sc->arch == OSPY_EXPR_ARCH_X86_64 ? 64 : 32);
  /* raw registers (a return type the spec does not know too): signed, so
   * retval < 0 works */
  sc->retval_signed = !fn || fn->ret_raw;
  if (!fn || !fn->has_ret || fn->ret.ptr)
    return;
  unsigned w = bits_of(ospy_spec_scalar_width(t, &fn->ret));
  const ospy_spec_type *rt = ospy_spec_table_type(t, fn->ret.type);
  sc->retval_is_float = rt && rt->kind == OSPY_KIND_FLOAT;
  if (w) {
    sc->retval_width = (uint8_t)w;
    sc->retval_signed = ospy_spec_scalar_signed(t, &fn->ret);
  }
}

typedef struct const_scope {
  const ospy_spec_table *t;
  const ospy_spec_fn *fn; /* NULL: raw words, errno names only */
} const_scope;

/* A member of enumeration (or flags) ty named name (len bytes). */
static bool enum_member(const ospy_spec_type *ty, const char *name, size_t len, uint64_t *value)
{
  if (!ty || (ty->kind != OSPY_KIND_ENUM && ty->kind != OSPY_KIND_FLAGS))
    return false;
  for (uint32_t i = 0; i < ty->nmembers; i++) {
    const char *m = ty->members[i].name;
    if (m && strlen(m) == len && !memcmp(m, name, len)) {
      *value = ty->members[i].value;
      return true;
    }
  }
  return false;
}

static bool enum_of_ref(const const_scope *cs, const ospy_spec_typeref *r, const char *name,
                        size_t len, uint64_t *value, uint8_t *width, bool *is_signed)
{
  const ospy_spec_type *ty = ospy_spec_table_type(cs->t, r->type);
  if (!enum_member(ty, name, len, value))
    return false;
  ospy_spec_typeref plain = *r;
  plain.ptr = 0;
  *width = (uint8_t)bits_of(ospy_spec_scalar_width(cs->t, &plain));
  *is_signed = ospy_spec_scalar_signed(cs->t, &plain);
  return true;
}

/* A member of an enumeration a field of structure r (or of the one it
 * points to) has, or a field of theirs, down to depth levels. */
static bool enum_of_fields(const const_scope *cs, const ospy_spec_typeref *r, const char *name,
                           size_t len, uint64_t *value, uint8_t *width, bool *is_signed,
                           unsigned depth)
{
  const ospy_spec_type *ty = ospy_spec_table_type(cs->t, r->type);
  if (!depth || !ty || ty->kind != OSPY_KIND_STRUCT || r->ptr > 1)
    return false;
  for (uint32_t i = 0; i < ty->nfields; i++)
    if (enum_of_ref(cs, &ty->fields[i].t, name, len, value, width, is_signed) ||
        enum_of_fields(cs, &ty->fields[i].t, name, len, value, width, is_signed, depth - 1))
      return true;
  return false;
}

/* errno names as `show` prints them (ENOENT), for `errno == ENOENT`. */
static bool errno_value(const char *name, size_t len, uint64_t *value)
{
  for (int e = 1; e < 4096; e++) {
    const char *n = strerrorname_np(e);
    if (n && strlen(n) == len && !memcmp(n, name, len)) {
      *value = (uint64_t)e;
      return true;
    }
  }
  return false;
}

/* The filter's named constants: the members of the enumerations the
 * function's arguments and return value have (the first argument's first),
 * then those their structures' fields have (`req.cmd == CMD_READ`; a few
 * levels down: a structure may hold pointers to its own kind), then errno
 * names. */
static bool lookup_const(const char *name, size_t len, void *data, uint64_t *value,
                         uint8_t *width, bool *is_signed)
{
  enum { FIELD_LEVELS = 4 };
  const const_scope *cs = data;
  if (cs->fn && cs->t) {
    uint32_t n = cs->fn->nargs < OSPY_SPEC_MAX_ARGS ? cs->fn->nargs : OSPY_SPEC_MAX_ARGS;
    const ospy_spec_typeref *ret = cs->fn->has_ret ? &cs->fn->ret : NULL;
    for (uint32_t i = 0; i < n; i++)
      if (enum_of_ref(cs, &cs->fn->args[i].t, name, len, value, width, is_signed))
        return true;
    if (ret && enum_of_ref(cs, ret, name, len, value, width, is_signed))
      return true;
    for (uint32_t i = 0; i < n; i++)
      if (enum_of_fields(cs, &cs->fn->args[i].t, name, len, value, width, is_signed,
                         FIELD_LEVELS))
        return true;
    if (ret && enum_of_fields(cs, ret, name, len, value, width, is_signed, FIELD_LEVELS))
      return true;
  }
  *width = 32;
  *is_signed = true;
  return errno_value(name, len, value);
}

/* The return register as the filter's retval: a raw call's as show writes
 * it (an int's -3 on x86-64 is negative, not 0xfffffffd). */
static uint64_t raw_or_spec_retval(const read_filter *f, const ospy_event_call *c)
{
  const ospy_spec_fn *fn = read_call_spec(f->s, c);
  if (fn && !fn->ret_raw)
    return c->retval;
  return (uint64_t)ospy_raw_return_value(c->retval, c->arch_bits == 32 ? 32 : 64);
}

/* Compiles the filter for one function (fn NULL: raw words). With
 * floats_as_ints its floating-point arguments and return value are taken
 * as integers of their width: whether they alone keep the filter from it. */
static int compile_as(read_filter *f, const ospy_spec_fn *fn, bool floats_as_ints,
                      read_hook_expr *he, ospy_expr_error *err)
{
  const ospy_spec_table *t = f->s->specs;
  unsigned bits = f->s->plan ? ospy_plan_arch_bits(f->s->plan) : 64;
  ospy_expr_arg names[READ_NSLOTS] = {
    { .name = "pid", .index = READ_SLOT_PID, .width = 32 },
    { .name = "duration", .index = READ_SLOT_DURATION, .width = 64 },
  };
  ospy_expr_arg *args = names + 2;
  size_t n = 0;
  if (fn) {
    n = fn->nargs <= OSPY_SPEC_MAX_ARGS ? fn->nargs : OSPY_SPEC_MAX_ARGS;
    for (size_t i = 0; i < n; i++)
      filter_arg(t, &fn->args[i], (uint32_t)i, floats_as_ints, &args[i], &he->pointee_bytes[i]);
  } else {
    for (; n < sizeof raw_names / sizeof raw_names[0]; n++)
      args[n] = (ospy_expr_arg){ .name = raw_names[n], .index = (uint32_t)n,
                                 .width = (uint8_t)(bits == 32 ? 32 : 64) };
  }
  const_scope cs = { t, fn };
  he->fields.n = 0;
  read_field_scope fs = { .t = t, .fn = fn, .floats_as_ints = floats_as_ints,
                          .refs = &he->fields };
  ospy_expr_scope sc = { .arch = bits == 32 ? OSPY_EXPR_ARCH_I386 : OSPY_EXPR_ARCH_X86_64,
                         .args = args, .nargs = n, .names = names, .nnames = n + 2,
                         .lookup_const = lookup_const, .const_data = &cs,
                         .lookup_field = read_field_lookup, .field_data = &fs };
  ret_type(t, fn, &sc);
  sc.retval_is_float = sc.retval_is_float && !floats_as_ints;
  if (!ospy_expr_compile(f->expr_src, &sc, &he->e, err))
    return -1;
  if (ospy_expr_uses(he->e) & OSPY_EXPR_USES_REGS) {
    /* (the frame has no register context: a capture records none) */
    ospy_expr_free(he->e);
    he->e = NULL;
    const char *reg = strstr(f->expr_src, "reg.");
    err->column = reg ? (unsigned)(reg - f->expr_src) + 1 : 0;
    snprintf(err->message, sizeof err->message, "a capture records no registers: a filter reads "
             "arguments, retval, errno, tid, pid and duration");
    return -1;
  }
  return 0;
}

static int compile_for(read_filter *f, const ospy_spec_fn *fn, read_hook_expr *he,
                       ospy_expr_error *err)
{
  return compile_as(f, fn, false, he, err);
}

static const ospy_spec_fn *hook_spec(const read_filter *f, uint32_t i)
{
  const ospy_plan_hook *hk = ospy_plan_hook_at(f->s->plan, i);
  if (!hk || !f->s->specs || hk->spec_index == OSPY_PLAN_NO_SPEC)
    return NULL;
  return ospy_spec_table_fn(f->s->specs, hk->spec_index);
}

static int expr_error(const read_filter *f, const ospy_expr_error *err)
{
  char text[256], line[1024];
  ospy_expr_error_format(err, text, sizeof text);
  fprintf(stderr, "ospy %s: --filter: %s in '%s'\n", f->s->cmd, text,
          ospy_expr_one_line(f->expr_src, line, sizeof line));
  return -1;
}

static int is_float_error(const ospy_expr_error *err)
{
  return strstr(err->message, "floating-point") != NULL;
}

/* How much an error is about the function's own names: 0 when it lacks
 * a name the expression uses (it just does not match), or has it as no
 * structure (`len.x`); 1 when it has the structure but not the field, or
 * returns a float (retval, which every function has, says little); 2 when
 * the name is its own (`*arg.len` of an integer len, a float argument). */
static int own_name_rank(const ospy_expr_error *err)
{
  if (!strncmp(err->message, "unknown argument ", 17) ||
      !strncmp(err->message, "unknown name ", 13) ||
      strstr(err->message, "' has no fields: it is no structure"))
    return 0;
  return !strncmp(err->message, "unknown field ", 14) ||
         !strncmp(err->message, "retval is floating-point", 24) ? 1 : 2;
}

/* An unknown name's error that says the closest known one. */
static int has_hint(const ospy_expr_error *err)
{
  return strstr(err->message, "(did you mean ") != NULL;
}

/* Whether err says more than the error kept so far: an error about a name
 * the function has (`*arg.len` of an integer len: "not a pointer") more than
 * one about a field its structure lacks, more than one about a name it
 * lacks, wherever either is (own_name_rank); then the hook where the parse
 * went furthest; at the same column one that says a close name, then a
 * name found but floating-point, more than another error. */
static int says_more(const ospy_expr_error *err, const ospy_expr_error *kept)
{
  if (!kept->message[0])
    return 1;
  if (own_name_rank(err) != own_name_rank(kept))
    return own_name_rank(err) > own_name_rank(kept);
  if (err->column != kept->column)
    return err->column > kept->column;
  if (has_hint(err) != has_hint(kept)) /* (a function that has a name close to it) */
    return has_hint(err);
  return is_float_error(err) && !is_float_error(kept);
}

/* Whether the filter, which does not compile for hook i, would if its
 * floating-point values were integers: then they alone keep its calls out
 * (`retval < 0` of a function returning double), and the user may have
 * meant it. A function the filter cannot read anyway (`retval ==
 * DEV_EBUSY` of one whose types lack DEV_EBUSY) was plainly not meant. */
static bool kept_out_by_floats(read_filter *f, uint32_t i, const ospy_expr_error *err)
{
  if (!is_float_error(err))
    return false;
  read_hook_expr as_ints = { 0 };
  ospy_expr_error ignored;
  if (compile_as(f, hook_spec(f, i), true, &as_ints, &ignored) < 0)
    return false;
  ospy_expr_free(as_ints.e);
  return true;
}

static const char *hook_display(const read_filter *f, uint32_t i)
{
  const ospy_plan_hook *hk = ospy_plan_hook_at(f->s->plan, i);
  return hk && hk->display[0] ? hk->display : hk ? hk->symbol : "?";
}

/* Whether an earlier hook of kept (n of them) is shown by the same name
 * as hook i (a module glob's hooks: one function to the user). */
static bool named_already(const read_filter *f, const uint32_t *kept, uint32_t n, uint32_t i)
{
  for (uint32_t k = 0; k < n; k++)
    if (!strcmp(hook_display(f, kept[k]), hook_display(f, i)))
      return true;
  return false;
}

/* Whether the filter's error in hook i is about a name the function has,
 * used as it is not (`*addrlen` of an integer addrlen, while another
 * function's addrlen is a pointer): its calls may have been meant. An
 * error about a name it lacks (`sockfd` of read) says it was not. */
static bool kept_out_by_own_name(const ospy_expr_error *err)
{
  /* ("'*' applies only to a pointer argument": `*addrlen` of a function
     without addrlen, a name it lacks) */
  return !is_float_error(err) && own_name_rank(err) == 2 &&
         !strstr(err->message, "' applies only to a pointer argument");
}

/* The hooks, one per name shown, whose calls never match for their
 * floating-point values alone (kept_out_by_floats; floats true) or for
 * a name of theirs the filter uses as it is not (kept_out_by_own_name;
 * floats false) into kept; their errors into errs when not NULL. Not
 * those -e or --module leave out (no call of theirs is shown anyway).
 * Returns how many. */
static uint32_t kept_hooks(read_filter *f, bool floats, uint32_t *kept, ospy_expr_error *errs)
{
  uint32_t n = 0;
  ospy_expr_error err;
  for (uint32_t i = 0; i < f->nhooks; i++) {
    if ((f->hook_pass && !f->hook_pass[i]) || f->exprs[i].e ||
        compile_for(f, hook_spec(f, i), &f->exprs[i], &err) == 0 ||
        !(floats ? kept_out_by_floats(f, i, &err) : kept_out_by_own_name(&err)) ||
        named_already(f, kept, n, i))
      continue;
    if (errs)
      errs[n] = err;
    kept[n++] = i;
  }
  return n;
}

enum { NAMED = 4 };

/* Says the functions kept_hooks found for their floats, once: one by its
 * error, several in a line that counts them and names the first few. */
static void note_float_hooks(read_filter *f, uint32_t *kept, ospy_expr_error *errs)
{
  uint32_t n = kept_hooks(f, true, kept, errs);
  if (n == 1) {
    char text[256];
    ospy_expr_error_format(&errs[0], text, sizeof text);
    fprintf(stderr, "ospy %s: --filter: %s: %s: its calls never match\n", f->s->cmd,
            hook_display(f, kept[0]), text);
  } else if (n > 1) {
    fprintf(stderr, "ospy %s: --filter: the calls of %u functions never match, a value it "
            "reads being floating-point there (expressions compute with integers only): ",
            f->s->cmd, n);
    for (uint32_t k = 0; k < n && k < NAMED; k++)
      fprintf(stderr, "%s%s", k ? ", " : "", hook_display(f, kept[k]));
    if (n > NAMED)
      fprintf(stderr, " and %u more", n - NAMED);
    fputc('\n', stderr);
  }
}

/* Says the functions kept_hooks found for a name of theirs, each by its
 * error (they differ), the first few, then how many more. */
static void note_own_name_hooks(read_filter *f, uint32_t *kept, ospy_expr_error *errs)
{
  uint32_t n = kept_hooks(f, false, kept, errs);
  for (uint32_t k = 0; k < n && k < NAMED; k++) {
    char text[256];
    ospy_expr_error_format(&errs[k], text, sizeof text);
    fprintf(stderr, "ospy %s: --filter: %s: %s: its calls never match\n", f->s->cmd,
            hook_display(f, kept[k]), text);
  }
  if (n > NAMED)
    fprintf(stderr, "ospy %s: --filter: and the calls of %u more functions never match, the "
            "filter using a name of theirs as they do not have it\n", f->s->cmd, n - NAMED);
}

static void note_kept_hooks(read_filter *f)
{
  uint32_t *kept = calloc((size_t)f->nhooks + 1, sizeof *kept);
  ospy_expr_error *errs = calloc((size_t)f->nhooks + 1, sizeof *errs);
  if (kept && errs) {
    note_own_name_hooks(f, kept, errs);
    note_float_hooks(f, kept, errs);
  }
  free(kept);
  free(errs);
}

int read_filter_prepare_expr(read_filter *f)
{
  if (!f->expr_src)
    return 0;
  f->exprs = calloc((size_t)f->nhooks + 1, sizeof *f->exprs);
  if (!f->exprs)
    return -1;
  ospy_expr_error first = { 0 }, err;
  int any = 0;
  for (uint32_t i = 0; i < f->nhooks; i++) {
    if (compile_for(f, hook_spec(f, i), &f->exprs[i], &err) == 0) {
      any = 1;
      continue;
    }
    if (says_more(&err, &first))
      first = err;
  }
  /* calls the plan does not name: raw words */
  if (compile_for(f, NULL, &f->exprs[f->nhooks], &err) < 0 && !f->nhooks)
    return expr_error(f, &err);
  if (!any && f->nhooks)
    return expr_error(f, &first); /* one error, the float one included */
  note_kept_hooks(f); /* a name missing leaves a function out quietly, as does a float
                         value beside one */
  return 0;
}

typedef struct slot_visit {
  uint64_t *slots;
  const uint8_t *pointee_bytes;
  read_pointee *pointees;
  int cur;
  read_field_walk *fields;
} slot_visit;

static uint64_t scalar_of(const ospy_value *v)
{
  switch (v->kind) {
  case OSPY_VALUE_INT: return v->u;
  case OSPY_VALUE_FLOAT: return (uint64_t)(int64_t)v->d;
  case OSPY_VALUE_POINTER:
  case OSPY_VALUE_UNREADABLE:
  case OSPY_VALUE_BAD_SIZE:
  case OSPY_VALUE_NOT_FOLLOWED:
  case OSPY_VALUE_FORMAT: /* a pointer to the format: where it is (a NULL one is NULL) */
    return v->address;
  default: return 0;
  }
}

/* A pointer to a scalar, recorded at depth 0: its address is its slot. A
 * value without one (not recorded: a false logCondition) leaves what the
 * other phase recorded; a pointer that changed forgets the old pointee. */
static void note_scalar_pointer(slot_visit *sv, const ospy_value *v)
{
  if (v->kind != OSPY_VALUE_POINTER && v->kind != OSPY_VALUE_NULL &&
      v->kind != OSPY_VALUE_UNREADABLE && v->kind != OSPY_VALUE_NOT_FOLLOWED)
    return;
  uint64_t addr = v->kind == OSPY_VALUE_NULL ? 0 : v->address;
  if (sv->slots[sv->cur] != addr)
    sv->pointees[sv->cur].bytes = 0;
  sv->slots[sv->cur] = addr;
}

static int slot_enter(const ospy_value *v, void *data)
{
  slot_visit *sv = data;
  read_field_visit(sv->fields, v);
  if (v->depth == 0) {
    sv->cur = v->index >= 0 && v->index < OSPY_SPEC_MAX_ARGS ? v->index : -1;
    if (sv->cur >= 0 && sv->pointee_bytes[sv->cur])
      note_scalar_pointer(sv, v);
    else if (sv->cur >= 0)
      sv->slots[sv->cur] = scalar_of(v);
  } else if (v->depth == 1 && sv->cur >= 0 && sv->pointee_bytes[sv->cur] &&
             v->kind == OSPY_VALUE_INT) {
    read_pointee *rp = &sv->pointees[sv->cur];
    *rp = (read_pointee){ sv->slots[sv->cur], v->u, sv->pointee_bytes[sv->cur] };
  }
  return 0;
}

/* ospy_expr_read_fn over the recorded pointees (data: one per argument
 * slot, then one per field): n bytes at addr, when one of them holds them
 * all. */
static bool recorded_read(uint64_t addr, void *out, size_t n, void *data)
{
  const read_pointee *rp = data;
  for (size_t i = 0; i < OSPY_SPEC_MAX_ARGS + READ_MAX_FIELDS; i++) {
    uint64_t at = addr - rp[i].addr; /* the offset in it (wraps when below) */
    if (!rp[i].bytes || at >= rp[i].bytes || n > rp[i].bytes - at)
      continue;
    for (size_t k = 0; k < n; k++) /* little-endian, as the target */
      ((uint8_t *)out)[k] = (uint8_t)(rp[i].value >> (8 * (at + k)));
    return true;
  }
  return false;
}

static void raw_slots(const ospy_event_call *c, uint64_t *slots)
{
  const uint8_t *w = read_call_enter(c);
  for (uint32_t i = 0; i + 8 <= c->enter_len && i / 8 < 6; i += 8)
    memcpy(&slots[i / 8], w + i, 8);
}

int read_filter_eval(read_filter *f, const ospy_event_call *c)
{
  read_hook_expr *he = &f->exprs[c->hook < f->nhooks ? c->hook : f->nhooks];
  if (!he->e)
    return 0;
  uint64_t slots[READ_NSLOTS + READ_MAX_FIELDS] = { 0 }, missing = 0;
  read_pointee pointees[OSPY_SPEC_MAX_ARGS + READ_MAX_FIELDS] = { { 0 } };
  if (read_call_spec(f->s, c)) {
    read_field_walk fields;
    read_field_walk_init(&fields, &he->fields, slots, &missing, pointees + OSPY_SPEC_MAX_ARGS);
    slot_visit sv = { slots, he->pointee_bytes, pointees, -1, &fields };
    static const ospy_value_visitor vis = { slot_enter, NULL };
    read_call_walk(f->s, c, &vis, &sv);
  } else {
    raw_slots(c, slots);
  }
  slots[READ_SLOT_PID] = c->h.pid;
  slots[READ_SLOT_DURATION] = c->ts_leave >= c->h.ts ? c->ts_leave - c->h.ts : 0;
  ospy_expr_frame fr = { .args = (uint64_t)(uintptr_t)slots,
                         .nargs = READ_NSLOTS + READ_MAX_FIELDS, .arg_faults = missing,
                         .retval = raw_or_spec_retval(f, c), .err = (uint64_t)(int64_t)c->err,
                         .tid = c->h.tid, .read_mem = (uint64_t)(uintptr_t)recorded_read,
                         .read_data = (uint64_t)(uintptr_t)pointees };
  bool faulted;
  uint64_t v = ospy_expr_eval_interp_unknown(he->e, &fr, &faulted);
  return v && !faulted; /* (unknown: no match) */
}

void read_filter_free_expr(read_filter *f)
{
  if (f->exprs)
    for (uint32_t i = 0; i <= f->nhooks; i++)
      ospy_expr_free(f->exprs[i].e);
  free(f->exprs);
  f->exprs = NULL;
}

/* ---- grep ---- */

static int hex_digit(char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The next code point of UTF-8 text at *p (a byte that is not UTF-8 stands
 * for itself). */
static uint32_t next_code_point(const uint8_t **p, const uint8_t *end)
{
  uint32_t cp;
  size_t k = ospy_utf8_seq(*p, (size_t)(end - *p), &cp);
  if (!k)
    cp = **p, k = 1;
  *p += k;
  return cp;
}

/* A text pattern as UTF-16LE and UTF-32LE code units, to find it in wide
 * strings (L"h€llo", u"h€llo") whatever it holds. */
static int encode_wide(read_grep *g)
{
  for (int w = 0; w < 2; w++)
    if (!(g->wide[w] = malloc(g->len * 4 + 4)))
      return -1;
  size_t n16 = 0, n32 = 0;
  for (const uint8_t *p = g->bytes, *end = g->bytes + g->len; p < end;) {
    uint32_t cp = next_code_point(&p, end);
    uint16_t units[2] = { (uint16_t)cp, 0 };
    unsigned nu = 1;
    if (cp >= 0x10000) {
      units[0] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
      units[1] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
      nu = 2;
    }
    for (unsigned u = 0; u < nu; u++) {
      g->wide[0][n16++] = (uint8_t)units[u];
      g->wide[0][n16++] = (uint8_t)(units[u] >> 8);
    }
    for (int b = 0; b < 4; b++)
      g->wide[1][n32++] = (uint8_t)(cp >> (8 * b));
  }
  g->wide_len[0] = n16;
  g->wide_len[1] = n32;
  return 0;
}

int read_grep_parse(read_grep *g, const char *arg, int hex)
{
  size_t n = strlen(arg);
  g->bytes = malloc(n + 1);
  g->len = 0;
  g->text = !hex;
  g->wide[0] = g->wide[1] = NULL;
  if (!g->bytes || !n)
    return -1;
  if (!hex) {
    memcpy(g->bytes, arg, n);
    g->len = n;
    return encode_wide(g);
  }
  for (const char *p = arg; *p;) {
    if (*p == ' ' || *p == ':' || *p == '\t') {
      p++;
      continue;
    }
    int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
    if (lo < 0)
      return -1;
    g->bytes[g->len++] = (uint8_t)(hi << 4 | lo);
    p += 2;
  }
  return g->len ? 0 : -1;
}

/* Does hay hold the pattern, as bytes or (text patterns) as code units of
 * `unit` bytes (UTF-16/32 little-endian, starting on a code unit)? */
static int contains(const read_grep *g, const uint8_t *hay, size_t n, unsigned unit)
{
  if (unit <= 1 || !g->text)
    return memmem(hay, n, g->bytes, g->len) != NULL;
  const uint8_t *pat = g->wide[unit == 2 ? 0 : 1];
  size_t len = g->wide_len[unit == 2 ? 0 : 1];
  for (size_t i = 0; pat && i + len <= n; i += unit)
    if (!memcmp(hay + i, pat, len))
      return 1;
  return 0;
}

typedef struct grep_visit {
  const read_filter *f;
  uint32_t found; /* bit per pattern */
} grep_visit;

static int grep_enter(const ospy_value *v, void *data)
{
  grep_visit *gv = data;
  if ((v->kind != OSPY_VALUE_BYTES && v->kind != OSPY_VALUE_STRING) || !v->nbytes)
    return 0;
  unsigned unit = v->kind == OSPY_VALUE_STRING ? v->unit : 1;
  for (size_t i = 0; i < gv->f->ngrep; i++)
    if (contains(&gv->f->grep[i], v->bytes, v->nbytes, unit))
      gv->found |= 1u << i;
  return 0;
}

int read_filter_grep(read_filter *f, const ospy_event_call *c)
{
  grep_visit gv = { f, 0 };
  static const ospy_value_visitor vis = { grep_enter, NULL };
  read_call_walk(f->s, c, &vis, &gv);
  return gv.found == (1u << f->ngrep) - 1;
}

/* ---- failed / successful ---- */

int read_call_outcome(const read_session *s, const ospy_event_call *c)
{
  return ospy_call_outcome(s->specs, read_call_spec(s, c), c);
}
