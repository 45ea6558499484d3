/* Helpers for the marshal tests. */
#include "marshal_test.h"

#include <stdlib.h>

#include "plan/values.h"

int test_failures;

ospy_spec_table *tt_table(void)
{
  ospy_spec_table *t = ospy_spec_table_new(sizeof(void *));
  if (!t)
    abort();
  return t;
}

ospy_spec_typeref tt_type(ospy_spec_table *t, const char *name)
{
  ospy_spec_typeref r;
  if (ospy_spec_type_lookup(t, name, &r) < 0) {
    fprintf(stderr, "test: unknown type %s\n", name);
    abort();
  }
  return r;
}

uint32_t tt_fn(ospy_spec_table *t, const char *name, const char *ret)
{
  uint32_t fi = ospy_spec_add_fn(t, name);
  t->fns[fi].args = ospy_spec_alloc(t, OSPY_SPEC_MAX_ARGS * sizeof(ospy_spec_arg));
  if (ret) {
    t->fns[fi].has_ret = 1;
    t->fns[fi].ret = tt_type(t, ret);
  }
  return fi;
}

ospy_spec_arg *tt_arg(ospy_spec_table *t, uint32_t fn, const char *name, int dir,
                      const char *type)
{
  ospy_spec_fn *f = &t->fns[fn];
  ospy_spec_arg *a = &f->args[f->nargs++];
  memset(a, 0, sizeof *a);
  a->name = ospy_spec_strdup(t, name);
  a->dir = (uint8_t)dir;
  a->t = tt_type(t, type);
  a->valist_arg = OSPY_SPEC_NONE;
  return a;
}

uint32_t tt_enum(ospy_spec_table *t, const char *name, int flags, const char *const *names,
                 const uint64_t *values, unsigned n)
{
  uint32_t ti = ospy_spec_add_type(t, name, flags ? OSPY_KIND_FLAGS : OSPY_KIND_ENUM);
  ospy_spec_member *m = ospy_spec_alloc(t, n * sizeof *m);
  for (unsigned i = 0; i < n; i++) {
    m[i].name = names[i];
    m[i].value = values[i];
  }
  t->types[ti].members = m;
  t->types[ti].nmembers = n;
  t->types[ti].is_signed = (uint8_t)ospy_spec_enum_signed(&t->types[ti]); /* as a config */
  return ti;
}

uint32_t tt_struct(ospy_spec_table *t, const char *name, unsigned nfields)
{
  uint32_t ti = ospy_spec_add_type(t, name, OSPY_KIND_STRUCT);
  t->types[ti].fields = ospy_spec_alloc(t, nfields * sizeof(ospy_spec_field));
  t->types[ti].nfields = nfields;
  return ti;
}

ospy_spec_field *tt_field(ospy_spec_table *t, uint32_t st, unsigned i, const char *name,
                          unsigned offset, const char *type)
{
  ospy_spec_field *f = &t->types[st].fields[i];
  f->name = name;
  f->offset = offset;
  f->t = tt_type(t, type);
  f->size_field = f->count_field = OSPY_SPEC_NONE;
  unsigned w = ospy_spec_scalar_width(t, &f->t);
  if (offset + w > t->types[st].size)
    t->types[st].size = offset + w;
  return f;
}

void tt_prepare(ospy_spec_table *t)
{
  char err[256];
  if (ospy_marshal_prepare(t, err, sizeof err) < 0) {
    fprintf(stderr, "test: prepare: %s\n", err);
    abort();
  }
}

void tt_call_init(tt_call *k) { memset(k, 0, sizeof *k); }

static void push_stack(tt_call *k, uint64_t w) { k->stack[k->nstack++] = w; }

void tt_int(tt_call *k, uint64_t v, unsigned width)
{
#if defined(__x86_64__)
  (void)width;
  if (k->ngp < 6)
    k->args[k->ngp++] = v;
  else
    push_stack(k, v);
#else
  push_stack(k, v & 0xffffffffu);
  if (width == 8)
    push_stack(k, v >> 32);
#endif
}

void tt_double(tt_call *k, double d)
{
  uint64_t bits;
  memcpy(&bits, &d, 8);
#if defined(__x86_64__)
  if (k->nsse < 8)
    k->ctx.xmm[k->nsse++][0] = bits;
  else
    push_stack(k, bits);
#else
  push_stack(k, bits & 0xffffffffu);
  push_stack(k, bits >> 32);
#endif
}

void tt_float(tt_call *k, float f)
{
  uint32_t bits;
  memcpy(&bits, &f, 4);
#if defined(__x86_64__)
  if (k->nsse < 8)
    k->ctx.xmm[k->nsse++][0] = bits;
  else
    push_stack(k, bits);
#else
  push_stack(k, bits);
#endif
}

void tt_done(tt_call *k, int regs_only)
{
  unsigned nreg = 0;
#if defined(__x86_64__)
  nreg = 6;
  k->fake_stack[0] = 0x1234; /* return address */
  for (unsigned j = 0; j < k->nstack; j++)
    k->fake_stack[1 + j] = k->stack[j];
  k->ctx.rsp = (uint64_t)(uintptr_t)k->fake_stack;
  for (unsigned j = 0; j < k->nstack; j++)
    k->args[6 + j] = k->stack[j];
  k->c.nargs = regs_only || !k->nstack ? k->ngp : 6 + k->nstack;
#else
  /* i386: the stack is 32-bit words */
  uint32_t *s = (uint32_t *)k->fake_stack;
  s[0] = 0x1234;
  for (unsigned j = 0; j < k->nstack; j++)
    s[1 + j] = (uint32_t)k->stack[j];
  k->ctx.esp = (uint32_t)(uintptr_t)s;
  for (unsigned j = 0; j < k->nstack; j++)
    k->args[j] = k->stack[j];
  k->c.nargs = regs_only ? 0 : k->nstack;
#endif
  (void)nreg;
  k->c.ctx = &k->ctx;
  k->c.args = k->args;
  k->c.state = k->state;
  k->c.state_size = sizeof k->state;
}

void tt_set_return(tt_call *k, uint64_t v)
{
  k->c.retval = v;
#if defined(__x86_64__)
  k->ctx.rax = v;
  k->ctx.rsp += 8; /* after ret: the stack words are gone from the context's view */
#else
  k->ctx.eax = (uint32_t)v;
  k->ctx.edx = (uint32_t)(v >> 32);
  k->ctx.esp += 4;
#endif
}

static uint8_t lv[1 << 17]; /* the last leave blob */
static size_t nl;

const uint8_t *tt_leave_blob(size_t *len)
{
  *len = nl;
  return lv;
}

void tt_run(const ospy_spec_table *t, uint32_t fn, tt_call *k, uint64_t retval,
            void (*callee)(void *), void *data, size_t value_cap, char *out, size_t cap)
{
  static uint8_t in[1 << 17];
  const ospy_spec_fn *f = ospy_spec_table_fn(t, fn);
  size_t ni = ospy_marshal_enter(f, &k->c, in, sizeof in, value_cap);
  /* leave happens later: clobber what the callee may clobber */
  uint64_t saved_args[32];
  memcpy(saved_args, k->args, sizeof saved_args);
  memset(k->args, 0xcc, sizeof k->args);
  if (callee)
    callee(data);
  tt_set_return(k, retval);
  nl = ospy_marshal_leave(f, &k->c, lv, sizeof lv, value_cap);
  memcpy(k->args, saved_args, sizeof saved_args);
  ospy_values_format_call(f, in, ni, lv, nl, out, cap);
}
