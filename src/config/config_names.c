/* Name -> index maps of the config loader: a config may declare tens of
   thousands of types, members, fields, function specs and signatures, and
   looking each name up by a scan over all of them made loading quadratic
   (a 10 MB config took 10 s, 300k enumeration members more than a minute). */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static uint64_t name_hash(const char *s, size_t len)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* The slot of key: where it is, or the empty one where it would go. */
static cfg_name_slot *slot_of(const cfg_names *m, const char *key, size_t len)
{
  size_t mask = m->cap - 1;
  for (size_t i = (size_t)name_hash(key, len) & mask;; i = (i + 1) & mask) {
    cfg_name_slot *s = &m->slots[i];
    if (!s->key || (s->len == len && !memcmp(s->key, key, len)))
      return s;
  }
}

static int grow(cfg_names *m)
{
  cfg_names bigger = { .cap = m->cap ? m->cap * 2 : 64 };
  bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
  if (!bigger.slots)
    return -1;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key)
      *slot_of(&bigger, m->slots[i].key, m->slots[i].len) = m->slots[i];
  bigger.n = m->n;
  free(m->slots);
  *m = bigger;
  return 0;
}

cfg_name_slot *cfg_names_slot(cfg_names *m, const char *key)
{
  if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0)
    return NULL;
  size_t len = strlen(key);
  cfg_name_slot *s = slot_of(m, key, len);
  if (!s->key) {
    *s = (cfg_name_slot){ key, len, OSPY_SPEC_NONE };
    m->n++;
  }
  return s;
}

int cfg_names_add(cfg_names *m, const char *key, uint32_t value)
{
  cfg_name_slot *s = cfg_names_slot(m, key);
  if (!s)
    return -1;
  if (s->value != OSPY_SPEC_NONE)
    return 1;
  s->value = value;
  return 0;
}

uint32_t cfg_names_find_n(const cfg_names *m, const char *key, size_t len)
{
  if (!m->cap)
    return OSPY_SPEC_NONE;
  const cfg_name_slot *s = slot_of(m, key, len);
  return s->key ? s->value : OSPY_SPEC_NONE;
}

uint32_t cfg_names_find(const cfg_names *m, const char *key)
{
  return cfg_names_find_n(m, key, strlen(key));
}

void cfg_names_clear(cfg_names *m)
{
  if (m->cap > 256 && m->n * 4 < m->cap) {
    cfg_names_free(m); /* room for many, few used: clearing it each time costs its room */
    return;
  }
  if (m->n)
    memset(m->slots, 0, m->cap * sizeof *m->slots);
  m->n = 0;
}

void cfg_names_free(cfg_names *m)
{
  free(m->slots);
  memset(m, 0, sizeof *m);
}

/* ---- the spec table's names ---- */

/* Adds the entries the table has gained since the last lookup (a config
   adds types as it reads them, ProcessId when first used). */
static void name_entries(cfg *g, cfg_names *m, uint32_t *named, uint32_t count,
                         const char *(*name_of)(const ospy_spec_table *, uint32_t))
{
  for (; *named < count && !g->names_failed; (*named)++) {
    const char *name = name_of(g->t, *named);
    if (name && cfg_names_add(m, name, *named) < 0)
      g->names_failed = 1;
  }
}

static const char *type_name(const ospy_spec_table *t, uint32_t i) { return t->types[i].name; }
static const char *fn_name(const ospy_spec_table *t, uint32_t i) { return t->fns[i].name; }
static const char *vtable_id(const ospy_spec_table *t, uint32_t i) { return t->vtables[i].id; }

int cfg_find_type(cfg *g, const char *name, ospy_spec_typeref *out)
{
  name_entries(g, &g->type_names, &g->types_named, g->t->ntypes, type_name);
  if (g->names_failed)
    return ospy_spec_type_lookup(g->t, name, out);
  memset(out, 0, sizeof *out);
  out->marshal_as = OSPY_SPEC_NONE;
  out->elem_type = OSPY_SPEC_NONE;
  size_t n = strlen(name);
  out->type = cfg_names_find_n(&g->type_names, name, n);
  if (out->type == OSPY_SPEC_NONE && n > 3 && !strcmp(name + n - 3, "Ptr")) {
    out->type = cfg_names_find_n(&g->type_names, name, n - 3);
    out->ptr = 1;
  }
  return out->type == OSPY_SPEC_NONE ? -1 : 0;
}

uint32_t cfg_find_fn(cfg *g, const char *name)
{
  name_entries(g, &g->fn_names, &g->fns_named, g->t->nfns, fn_name);
  return g->names_failed ? ospy_spec_fn_lookup(g->t, name) : cfg_names_find(&g->fn_names, name);
}

uint32_t cfg_find_vtable(cfg *g, const char *id)
{
  name_entries(g, &g->vtable_names, &g->vtables_named, g->t->nvtables, vtable_id);
  return g->names_failed ? ospy_spec_vtable_lookup(g->t, id)
                         : cfg_names_find(&g->vtable_names, id);
}

void cfg_names_free_all(cfg *g)
{
  cfg_names_free(&g->type_names);
  cfg_names_free(&g->fn_names);
  cfg_names_free(&g->vtable_names);
  cfg_names_free(&g->decl_names);
  cfg_names_free(&g->sig_names);
  cfg_names_free(&g->scratch);
  cfg_names_free(&g->hook_places);
}
