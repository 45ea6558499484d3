/*
 * Configs put together: hooks taken from one loaded config into another, with
 * the function (or vtable) spec each uses and the types that spec needs.
 * `ospy capture` builds its plan this way from -c/--preset and the catalogue
 * definitions that -f picks (one spec table per plan).
 *
 * Types are matched by name: a type of the source whose name the destination
 * already has is reused when both describe the same thing (the catalogue's
 * rule for types shared by presets, IoVec); one that differs is added under
 * the name "NAME@SOURCE" so that no hook changes meaning. A function spec
 * whose name the destination already has is the destination's (a config's
 * own definition wins over the catalogue's).
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define UNSET (OSPY_SPEC_NONE - 1u)

typedef struct importer {
  ospy_config *dst;
  const ospy_config *src;
  uint32_t *map; /* src type index -> dst type index, UNSET before import */
  const char *src_tag;
  int failed;
} importer;

static uint32_t type_by_name(const ospy_spec_table *t, const char *name)
{
  for (uint32_t i = OSPY_SPEC_NBUILTIN; i < t->ntypes; i++)
    if (t->types[i].name && !strcmp(t->types[i].name, name))
      return i;
  return OSPY_SPEC_NONE;
}

static int same_type(const ospy_spec_table *a, uint32_t ai, const ospy_spec_table *b,
                     uint32_t bi, int depth);

static int same_index(const ospy_spec_table *a, uint32_t ai, const ospy_spec_table *b,
                      uint32_t bi, int depth)
{
  if (ai == OSPY_SPEC_NONE || bi == OSPY_SPEC_NONE)
    return ai == bi;
  if (ai < OSPY_SPEC_NBUILTIN || bi < OSPY_SPEC_NBUILTIN)
    return ai == bi;
  return same_type(a, ai, b, bi, depth + 1);
}

static int same_ref(const ospy_spec_table *a, const ospy_spec_typeref *x, const ospy_spec_table *b,
                    const ospy_spec_typeref *y, int depth)
{
  return x->ptr == y->ptr && x->hex == y->hex && x->octal == y->octal &&
         x->big_endian == y->big_endian &&
         x->elem_ptr == y->elem_ptr && x->null_term == y->null_term &&
         x->raw_word == y->raw_word && same_index(a, x->type, b, y->type, depth) &&
         same_index(a, x->marshal_as, b, y->marshal_as, depth) &&
         same_index(a, x->elem_type, b, y->elem_type, depth);
}

/* Same name and same description (structures compared field by field; past
   a few levels of nesting, the name decides: a structure may point to itself). */
static int same_type(const ospy_spec_table *a, uint32_t ai, const ospy_spec_table *b,
                     uint32_t bi, int depth)
{
  const ospy_spec_type *x = &a->types[ai], *y = &b->types[bi];
  if (!x->name || !y->name || strcmp(x->name, y->name))
    return 0;
  if (depth > 6)
    return 1;
  if (x->kind != y->kind || x->width != y->width || x->is_signed != y->is_signed ||
      x->size != y->size || x->nmembers != y->nmembers || x->nfields != y->nfields)
    return 0;
  for (uint32_t i = 0; i < x->nmembers; i++)
    if (x->members[i].value != y->members[i].value || x->members[i].mask != y->members[i].mask ||
        strcmp(x->members[i].name, y->members[i].name))
      return 0;
  for (uint32_t i = 0; i < x->nfields; i++) {
    const ospy_spec_field *f = &x->fields[i], *g = &y->fields[i];
    if (strcmp(f->name, g->name) || f->offset != g->offset || f->size_field != g->size_field ||
        f->count_field != g->count_field || f->size != g->size ||
        f->out_only != g->out_only || !same_ref(a, &f->t, b, &g->t, depth))
      return 0;
  }
  return 1;
}

static const char *dup(importer *m, const char *s)
{
  if (!s)
    return NULL;
  const char *d = ospy_spec_strdup(m->dst->specs, s);
  if (!d)
    m->failed = 1;
  return d;
}

static void *alloc(importer *m, size_t n)
{
  void *p = n ? ospy_spec_alloc(m->dst->specs, n) : NULL;
  if (n && !p)
    m->failed = 1;
  return p;
}

static uint32_t import_type(importer *m, uint32_t si);

static uint32_t import_index(importer *m, uint32_t si)
{
  return si == OSPY_SPEC_NONE || si < OSPY_SPEC_NBUILTIN ? si : import_type(m, si);
}

static ospy_spec_typeref import_ref(importer *m, const ospy_spec_typeref *r)
{
  ospy_spec_typeref d = *r;
  d.type = import_index(m, r->type);
  d.marshal_as = import_index(m, r->marshal_as);
  d.elem_type = import_index(m, r->elem_type);
  return d;
}

static uint32_t import_type(importer *m, uint32_t si)
{
  const ospy_spec_table *st = m->src->specs;
  ospy_spec_table *dt = m->dst->specs;
  if (si >= st->ntypes || m->failed)
    return OSPY_SPEC_NONE;
  if (m->map[si] != UNSET)
    return m->map[si];
  const ospy_spec_type *s = &st->types[si];
  uint32_t have = type_by_name(dt, s->name);
  if (have != OSPY_SPEC_NONE && same_type(dt, have, st, si, 0))
    return m->map[si] = have;
  char *renamed = NULL; /* (sized to the name: a long one was cut, two alike then one) */
  const char *name = s->name;
  if (have != OSPY_SPEC_NONE) {
    if (asprintf(&renamed, "%s@%s", s->name, m->src_tag) < 0) {
      m->failed = 1;
      return OSPY_SPEC_NONE;
    }
    name = renamed;
    if ((have = type_by_name(dt, renamed)) != OSPY_SPEC_NONE) {
      free(renamed);
      return m->map[si] = have; /* imported with an earlier hook of this source */
    }
  }
  uint32_t di = ospy_spec_add_type(dt, name, s->kind);
  free(renamed);
  if (di == OSPY_SPEC_NONE) {
    m->failed = 1;
    return OSPY_SPEC_NONE;
  }
  m->map[si] = di; /* before the fields: a structure may refer to itself */
  ospy_spec_type d = *s;
  d.name = dt->types[di].name;
  d.members = alloc(m, s->nmembers * sizeof *d.members);
  for (uint32_t i = 0; i < s->nmembers && d.members; i++) {
    d.members[i].name = dup(m, s->members[i].name);
    d.members[i].value = s->members[i].value;
    d.members[i].mask = s->members[i].mask;
  }
  d.fields = alloc(m, s->nfields * sizeof *d.fields);
  for (uint32_t i = 0; i < s->nfields && d.fields; i++) {
    d.fields[i] = s->fields[i];
    d.fields[i].name = dup(m, s->fields[i].name);
    d.fields[i].t = import_ref(m, &s->fields[i].t);
  }
  if (m->failed)
    return OSPY_SPEC_NONE;
  dt->types[di] = d; /* the array may have moved while the fields were imported */
  return di;
}

/* Dynamic arguments name their type at run time (enumeration member +
   suffix): every type of the source with that suffix comes along. */
static void import_suffix(importer *m, const char *suffix)
{
  const ospy_spec_table *st = m->src->specs;
  size_t ls = strlen(suffix);
  for (uint32_t i = OSPY_SPEC_NBUILTIN; i < st->ntypes; i++) {
    const char *nm = st->types[i].name;
    size_t ln = nm ? strlen(nm) : 0;
    if (ln > ls && !strcmp(nm + ln - ls, suffix))
      import_type(m, i);
  }
}

static ospy_spec_expr import_expr(importer *m, const ospy_spec_expr *e)
{
  return (ospy_spec_expr){ .src = dup(m, e->src), .compiled = NULL };
}

static uint32_t import_fn(importer *m, uint32_t fi)
{
  const ospy_spec_fn *s = ospy_spec_table_fn(m->src->specs, fi);
  ospy_spec_table *dt = m->dst->specs;
  if (!s)
    return OSPY_SPEC_NONE;
  uint32_t have = ospy_spec_fn_lookup(dt, s->name);
  if (have != OSPY_SPEC_NONE)
    return have;
  ospy_spec_fn d = *s;
  d.ret = import_ref(m, &s->ret);
  d.cond = import_expr(m, &s->cond);
  d.error_cond = import_expr(m, &s->error_cond);
  d.args = alloc(m, s->nargs * sizeof *d.args);
  for (uint32_t i = 0; i < s->nargs && d.args; i++) {
    const ospy_spec_arg *a = &s->args[i];
    ospy_spec_arg *b = &d.args[i];
    *b = *a;
    b->name = dup(m, a->name);
    b->t = import_ref(m, &a->t);
    b->size_in = import_expr(m, &a->size_in);
    b->size_out = import_expr(m, &a->size_out);
    b->count_in = import_expr(m, &a->count_in);
    b->count_out = import_expr(m, &a->count_out);
    b->cond = import_expr(m, &a->cond);
    b->type_base = import_expr(m, &a->type_base);
    b->type_suffix = dup(m, a->type_suffix);
    b->value = import_expr(m, &a->value);
    if (a->type_suffix)
      import_suffix(m, a->type_suffix);
  }
  if (m->failed)
    return OSPY_SPEC_NONE;
  uint32_t di = ospy_spec_add_fn(dt, s->name);
  if (di == OSPY_SPEC_NONE)
    return OSPY_SPEC_NONE;
  d.name = dt->fns[di].name;
  d.table = dt;
  dt->fns[di] = d;
  return di;
}

static uint32_t import_vtable(importer *m, uint32_t vi)
{
  const ospy_spec_table *st = m->src->specs;
  ospy_spec_table *dt = m->dst->specs;
  if (vi >= st->nvtables)
    return OSPY_SPEC_NONE;
  const ospy_spec_vtable *s = &st->vtables[vi];
  uint32_t have = ospy_spec_vtable_lookup(dt, s->id);
  if (have != OSPY_SPEC_NONE)
    return have;
  ospy_spec_method *methods = alloc(m, s->nmethods * sizeof *methods);
  for (uint32_t i = 0; i < s->nmethods && methods; i++) {
    methods[i].index = s->methods[i].index;
    methods[i].fn = import_fn(m, s->methods[i].fn);
    if (methods[i].fn == OSPY_SPEC_NONE)
      m->failed = 1;
  }
  if (m->failed)
    return OSPY_SPEC_NONE;
  uint32_t di = ospy_spec_add_vtable(dt, s->id);
  if (di == OSPY_SPEC_NONE)
    return OSPY_SPEC_NONE;
  dt->vtables[di].method_count = s->method_count;
  dt->vtables[di].nmethods = s->nmethods;
  dt->vtables[di].methods = methods;
  return di;
}

ospy_config *ospy_config_new(const char *name, unsigned arch_bits)
{
  ospy_config *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->arch_bits = arch_bits == 32 ? 32 : 64;
  c->specs = ospy_spec_table_new(c->arch_bits / 8);
  c->path = c->specs ? ospy_spec_strdup(c->specs, name) : NULL;
  if (!c->path) {
    ospy_config_free(c);
    return NULL;
  }
  return c;
}

static const char *tag_of(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int ospy_config_import_hook(ospy_config *dst, const ospy_config *src, size_t index,
                            const char *module)
{
  if (index >= src->nhooks || dst->arch_bits != src->arch_bits)
    return -1;
  importer m = { dst, src, malloc(src->specs->ntypes * sizeof *m.map), tag_of(src->path), 0 };
  if (!m.map)
    return -1;
  for (uint32_t i = 0; i < src->specs->ntypes; i++)
    m.map[i] = UNSET;
  const ospy_config_hook *sh = &src->hooks[index];
  ospy_config_hook h = *sh;
  h.h.spec_index = sh->h.kind == OSPY_HOOK_VTABLE ? import_vtable(&m, sh->h.spec_index)
                                                  : import_fn(&m, sh->h.spec_index);
  free(m.map);
  if (h.h.spec_index == OSPY_SPEC_NONE)
    return -1;
  ospy_spec_table *dt = dst->specs;
  h.h.module = ospy_spec_strdup(dt, module ? module : sh->h.module);
  h.h.symbol = ospy_spec_strdup(dt, sh->h.symbol);
  h.h.process = ospy_spec_strdup(dt, sh->h.process);
  if (module && strcmp(module, sh->h.module)) {
    const char *bang = strrchr(sh->h.display, '!');
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s%s", module, *module ? "!" : "", bang ? bang + 1 : sh->h.display);
    h.h.display = ospy_spec_strdup(dt, buf);
    h.h.function_at = 0; /* (no file name before it, or the module's) */
  } else {
    h.h.display = ospy_spec_strdup(dt, sh->h.display);
  }
  uint8_t *sig = NULL, *mask = NULL;
  if (sh->h.sig_len && !(sig = ospy_spec_alloc(dt, sh->h.sig_len)))
    return -1;
  if (sh->h.mask_len && !(mask = ospy_spec_alloc(dt, sh->h.mask_len)))
    return -1;
  if (sig)
    memcpy(sig, sh->h.sig, sh->h.sig_len);
  if (mask)
    memcpy(mask, sh->h.mask, sh->h.mask_len);
  h.h.sig = sig;
  h.h.mask = mask;
  if (!h.h.module || !h.h.symbol || !h.h.process || !h.h.display)
    return -1;
  ospy_config_hook *hooks = realloc(dst->hooks, (dst->nhooks + 1) * sizeof *hooks);
  if (!hooks)
    return -1;
  dst->hooks = hooks;
  dst->hooks[dst->nhooks++] = h;
  return 0;
}
