/* <signatures> and <hooks>. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* ---- signatures ---- */

static int hexval(char c)
{
  return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (tolower(c) - 'a' + 10) : -1;
}

/* A token of the signature's text; `at`: its offset in the decoded text (for
 * a diagnostic's position). */
static int sig_token(cfg *g, xmlNodePtr n, const char *name, const char *tok, size_t at,
                     cfg_sig *s)
{
  size_t tl = strlen(tok);
  if (tl % 2) {
    cfg_error(g, cfg_val_pos(g, cfg_val_text(g, n), at), "bad byte '%s' in signature '%s'", tok,
              name);
    return -1;
  }
  for (size_t i = 0; i < tl; i += 2) {
    int wild = (tok[i] == 'x' || tok[i] == 'X' || tok[i] == '?') &&
               (tok[i + 1] == 'x' || tok[i + 1] == 'X' || tok[i + 1] == '?');
    int hi = hexval(tok[i]), lo = hexval(tok[i + 1]);
    if (!wild && (hi < 0 || lo < 0)) {
      cfg_error(g, cfg_val_pos(g, cfg_val_text(g, n), at), "bad byte '%.2s' in signature '%s'",
                tok + i, name);
      return -1;
    }
    if (s->len == s->cap) { /* (a byte at a time: quadratic for a long signature) */
      uint32_t cap = s->cap ? 2 * s->cap : 16;
      uint8_t *b = realloc(s->bytes, cap), *m;
      if (b)
        s->bytes = b;
      m = b ? realloc(s->mask, cap) : NULL;
      if (!b || !m)
        return -1;
      s->mask = m;
      s->cap = cap;
    }
    s->bytes[s->len] = wild ? 0 : (uint8_t)(hi << 4 | lo);
    s->mask[s->len] = wild ? 0 : 0xff;
    s->len++;
  }
  return 0;
}

/* The index of the signature named name in g->sigs, or NONE. */
static uint32_t find_sig_index(cfg *g, const char *name)
{
  if (!g->names_failed)
    return cfg_names_find(&g->sig_names, name);
  for (size_t i = 0; i < g->nsigs; i++)
    if (!strcmp(g->sigs[i].name, name))
      return (uint32_t)i;
  return OSPY_SPEC_NONE;
}

static void parse_signature(cfg *g, xmlNodePtr n)
{
  static const char *const attrs[] = { "name", NULL };
  cfg_check_attrs(g, n, attrs);
  const char *name = cfg_name_attr(g, n);
  if (!name)
    return;
  if (find_sig_index(g, name) != OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_attr(g, n, "name"), "duplicate signature '%s'", name);
    return;
  }
  cfg_sig s = { .name = name };
  int bad = 0;
  size_t before = 0; /* decoded text of the children before c */
  for (xmlNodePtr c = n->children; c && !bad; c = c->next) {
    if (c->type == XML_COMMENT_NODE)
      continue; /* the original annotates each line with the instruction */
    if (c->type != XML_TEXT_NODE) {
      cfg_unknown_child(g, c, n);
      continue;
    }
    char *text = (char *)xmlNodeGetContent(c), *save = NULL;
    size_t len = text ? strlen(text) : 0;
    for (char *tok = text ? strtok_r(text, " \t\r\n", &save) : NULL; tok && !bad;
         tok = strtok_r(NULL, " \t\r\n", &save))
      bad = sig_token(g, n, name, tok, before + (size_t)(tok - text), &s) < 0;
    before += len;
    xmlFree(text);
  }
  if (!bad && s.len == 0)
    cfg_error(g, cfg_pos_elem(g, n), "signature '%s' is empty", name);
  if (bad || s.len == 0) { /* kept, empty: its uses are not reported as unknown too */
    free(s.bytes);
    free(s.mask);
    s = (cfg_sig){ .name = name };
  }
  if (g->nsigs == g->capsigs) {
    size_t cap = g->capsigs ? 2 * g->capsigs : 16;
    cfg_sig *p = realloc(g->sigs, cap * sizeof *p);
    if (!p) {
      free(s.bytes);
      free(s.mask);
      return;
    }
    g->sigs = p;
    g->capsigs = cap;
  }
  if (cfg_names_add(&g->sig_names, name, (uint32_t)g->nsigs) < 0)
    g->names_failed = 1;
  g->sigs[g->nsigs++] = s;
}

void cfg_parse_signatures(cfg *g, xmlNodePtr sigs)
{
  static const char *const none[] = { NULL };
  cfg_check_attrs(g, sigs, none);
  for (xmlNodePtr n = sigs->children; n; n = n->next)
    if (cfg_is(n, "signature"))
      parse_signature(g, n);
    else
      cfg_unknown_child(g, n, sigs);
}

/* ---- hooks ---- */

/* Where a hook goes, as a key: the same function named twice in a file
   (export or symbol table alike), the same offset, signature or vtable
   slot, for the same processes. NULL when out of memory; in the table's
   arena (the map keeps it). */
static const char *hook_place(cfg *g, const ospy_plan_hook *h)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  int by_name = h->kind == OSPY_HOOK_EXPORT || h->kind == OSPY_HOOK_SYMTAB;
  fprintf(f, "%u\x1f%s\x1f%s\x1f%s\x1f%llx\x1f%lld\x1f", by_name ? OSPY_HOOK_EXPORT : h->kind,
          h->module, h->symbol ? h->symbol : "", h->process,
          by_name ? 0ull : (unsigned long long)h->offset, (long long)h->sig_offset);
  for (uint32_t i = 0; i < h->sig_len; i++)
    fprintf(f, "%02x%02x", h->sig[i], i < h->mask_len ? h->mask[i] : 0xff);
  fclose(f);
  char *key = text ? ospy_spec_alloc(g->t, len + 1) : NULL;
  if (key)
    memcpy(key, text, len + 1);
  free(text);
  return key;
}

/* A hook of a function hooked already: the capture hooks it once, and
   its calls are recorded under the first hook's name and definition; said
   here as the capture says it (ospy check was silent). */
static void warn_hooked_already(cfg *g, xmlNodePtr n, const ospy_plan_hook *h)
{
  const char *key = hook_place(g, h);
  cfg_name_slot *s = key ? cfg_names_slot(&g->hook_places, key) : NULL;
  if (!s)
    return; /* (out of memory: not checked) */
  if (s->value == OSPY_SPEC_NONE) {
    s->value = (uint32_t)g->c->nhooks;
    return;
  }
  const ospy_config_hook *first = &g->c->hooks[s->value];
  if (first->h.spec_index == h->spec_index && !strcmp(first->h.display, h->display))
    cfg_warning(g, cfg_pos_elem(g, n), "%s is hooked already (line %u): hooked once, its calls "
                "are recorded once", h->display, first->line);
  else
    cfg_warning(g, cfg_pos_elem(g, n), "%s: the same function as %s (line %u), hooked "
                "already: its calls are recorded under that name and definition", h->display,
                first->h.display, first->line);
}

static void add_hook(cfg *g, xmlNodePtr n, const ospy_plan_hook *h)
{
  ospy_config *c = g->c;
  warn_hooked_already(g, n, h);
  if (c->nhooks == g->hooks_cap) {
    size_t cap = g->hooks_cap ? 2 * g->hooks_cap : 64;
    ospy_config_hook *p = realloc(c->hooks, cap * sizeof *p);
    if (!p) {
      cfg_error(g, cfg_pos_elem(g, n), "out of memory");
      return;
    }
    c->hooks = p;
    g->hooks_cap = cap;
  }
  ospy_config_hook *p = c->hooks;
  p[c->nhooks].h = *h;
  p[c->nhooks].line = (unsigned)cfg_pos_elem(g, n).line;
  p[c->nhooks].col = (unsigned)cfg_pos_elem(g, n).col;
  c->nhooks++;
}

static const cfg_sig *find_sig(cfg *g, xmlNodePtr n, const char *attr, const char *id)
{
  uint32_t i = find_sig_index(g, id);
  if (i != OSPY_SPEC_NONE)
    return g->sigs[i].len ? &g->sigs[i] : NULL; /* a bad one: reported where declared */
  cfg_error(g, cfg_pos_attr(g, n, attr), "unknown signature '%s'", id);
  return NULL;
}

static void use_sig(cfg *g, ospy_plan_hook *h, const cfg_sig *s)
{
  uint8_t *b = ospy_spec_alloc(g->t, s->len), *m = ospy_spec_alloc(g->t, s->len);
  if (!b || !m)
    return;
  memcpy(b, s->bytes, s->len);
  memcpy(m, s->mask, s->len);
  h->sig = b;
  h->mask = m;
  h->sig_len = h->mask_len = s->len;
}

/* MODULE!FUNC, whole: a C++ template's demangled name runs past 511
   characters, where it was cut. */
static const char *display(cfg *g, const char *module, const char *fn)
{
  const char *m = module && *module ? module : "";
  size_t ml = strlen(m), fl = strlen(fn);
  char *s = ospy_spec_alloc(g->t, ml + (ml ? 1 : 0) + fl + 1);
  if (!s)
    return NULL;
  memcpy(s, m, ml);
  if (ml)
    s[ml++] = '!';
  memcpy(s + ml, fn, fl + 1);
  return s;
}

/* <function specId [symbol|offset] [sigId sigOffset] [moduleName] [backtrace]
   [arch]> in <dllModule>/<module> (module set) or in <functions> (module
   NULL). A hook for one architecture (a name only i386 glibc exports) is
   checked for both and left out of the other's plan. */
static void parse_hook_fn(cfg *g, xmlNodePtr n, const char *module, const char *process)
{
  static const char *const attrs[] = { "specId", "symbol", "offset", "sigId", "sigOffset",
                                       "moduleName", "backtrace", "arch", NULL };
  cfg_check_attrs(g, n, attrs);
  for (xmlNodePtr c = n->children; c; c = c->next) /* (it takes none: <junk/> passed unsaid) */
    cfg_unknown_child(g, c, n);
  const char *spec = cfg_attr(g, n, "specId");
  if (!spec) {
    cfg_error(g, cfg_pos_elem(g, n), "<function> needs a 'specId' attribute");
    return;
  }
  ospy_plan_hook h = { .kind = OSPY_HOOK_EXPORT, .process = process ? process : "" };
  h.spec_index = cfg_find_fn(g, spec);
  if (h.spec_index == OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_attr(g, n, "specId"), "unknown function spec '%s'", spec);
    return;
  }
  const char *mod_attr = cfg_attr(g, n, "moduleName");
  h.module = module ? module : mod_attr ? mod_attr : "";
  h.symbol = spec;
  const char *sym = cfg_attr(g, n, "symbol"), *sig = cfg_attr(g, n, "sigId");
  int64_t off = 0, sig_off = 0;
  int has_off = cfg_attr_int(g, n, "offset", &off);
  cfg_attr_int(g, n, "sigOffset", &sig_off);
  if ((sym != NULL) + (has_off != 0) + (sig != NULL) > 1) {
    cfg_error(g, cfg_pos_elem(g, n), "<function> '%s': use only one of symbol, offset and sigId",
              spec);
    return;
  }
  if (sym) {
    h.kind = OSPY_HOOK_SYMTAB;
    h.symbol = sym;
  } else if (has_off > 0 && off < 0) {
    /* (was taken as an unsigned offset: x+0xfffffffffffffffb) */
    cfg_error(g, cfg_pos_attr(g, n, "offset"), "bad offset '%s' of <function> '%s': expected "
              "the function's offset from the module's load base, 0 or more",
              cfg_attr(g, n, "offset"), spec);
    return;
  } else if (has_off > 0) {
    h.kind = OSPY_HOOK_OFFSET;
    h.offset = (uint64_t)off;
  } else if (sig) {
    const cfg_sig *s = find_sig(g, n, "sigId", sig);
    if (!s)
      return;
    h.kind = OSPY_HOOK_SIGNATURE;
    h.symbol = "";
    h.sig_offset = sig_off;
    use_sig(g, &h, s);
  } else if (has_off < 0) {
    return;
  }
  if (!module && !sig && !*h.module) {
    cfg_error(g, cfg_pos_elem(g, n), "<function> '%s' in <functions> needs a sigId, or a moduleName "
              "with symbol or offset", spec);
    return;
  }
  int bt = 0;
  cfg_attr_bool(g, n, "backtrace", &bt);
  h.flags = (bt ? OSPY_HOOK_F_BACKTRACE : 0) |
            (g->t->fns[h.spec_index].log_nested ? OSPY_HOOK_F_LOG_NESTED : 0);
  h.display = display(g, h.module, spec);
  int arch = cfg_arch_attr(g, n);
  if (arch < 0 || (arch && arch != (int)g->c->arch_bits))
    return; /* (bad: reported) */
  add_hook(g, n, &h);
}

static void parse_hook_vtable(cfg *g, xmlNodePtr n, const char *process)
{
  static const char *const attrs[] = { "specId", "name", "ctorSigId", "ctorSigOffset",
                                       "moduleName", "vtableSymbol", NULL };
  cfg_check_attrs(g, n, attrs);
  const char *spec = cfg_attr(g, n, "specId"), *name = cfg_attr(g, n, "name");
  if (!spec || !name) {
    cfg_error(g, cfg_pos_elem(g, n), "<vtable> needs 'specId' and 'name' attributes");
    return;
  }
  ospy_plan_hook h = { .kind = OSPY_HOOK_VTABLE, .process = process ? process : "" };
  h.spec_index = cfg_find_vtable(g, spec);
  if (h.spec_index == OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_attr(g, n, "specId"), "unknown vtable spec '%s'", spec);
    return;
  }
  const char *mod = cfg_attr(g, n, "moduleName"), *sym = cfg_attr(g, n, "vtableSymbol");
  const char *sig = cfg_attr(g, n, "ctorSigId");
  h.module = mod ? mod : "";
  h.symbol = sym ? sym : "";
  cfg_attr_int(g, n, "ctorSigOffset", &h.sig_offset);
  if (!sig && !sym) {
    cfg_error(g, cfg_pos_elem(g, n), "<vtable> '%s' needs a ctorSigId or a vtableSymbol", name);
    return;
  }
  if (sig) {
    const cfg_sig *s = find_sig(g, n, "ctorSigId", sig);
    if (!s)
      return;
    use_sig(g, &h, s);
  }
  /* One hook per described method: the agent finds the vtable, reads the
     method's slot and hooks the code it points to. */
  const ospy_spec_vtable *vt = &g->t->vtables[h.spec_index];
  for (uint32_t m = 0; m < vt->nmethods; m++) {
    ospy_plan_hook mh = h;
    const ospy_spec_fn *fn = &g->t->fns[vt->methods[m].fn];
    const char *method = strstr(fn->name, "::");
    char *full = NULL; /* (whole: it was cut at 120 characters of each) */
    if (asprintf(&full, "%s%s", name, method ? method : "::?") < 0) {
      cfg_error(g, cfg_pos_elem(g, n), "out of memory");
      return;
    }
    mh.spec_index = vt->methods[m].fn;
    mh.offset = vt->methods[m].index;
    mh.flags = fn->log_nested ? OSPY_HOOK_F_LOG_NESTED : 0;
    mh.display = display(g, h.module, full);
    free(full);
    add_hook(g, n, &mh);
  }
}

static void parse_module(cfg *g, xmlNodePtr m)
{
  static const char *const attrs[] = { "name", "processName", NULL };
  cfg_check_attrs(g, m, attrs);
  const char *name = cfg_name_attr(g, m);
  if (!name)
    return;
  const char *process = cfg_attr(g, m, "processName");
  for (xmlNodePtr n = m->children; n; n = n->next)
    if (cfg_is(n, "function"))
      parse_hook_fn(g, n, name, process);
    else
      cfg_unknown_child(g, n, m);
}

void cfg_parse_hooks(cfg *g, xmlNodePtr hooks)
{
  static const char *const none[] = { NULL };
  static const char *const group_attrs[] = { "processName", NULL };
  cfg_check_attrs(g, hooks, none);
  for (xmlNodePtr s = hooks->children; s; s = s->next) {
    if (cfg_is(s, "dllModule") || cfg_is(s, "module")) {
      parse_module(g, s);
    } else if (cfg_is(s, "functions") || cfg_is(s, "vtables")) {
      cfg_check_attrs(g, s, group_attrs);
      const char *process = cfg_attr(g, s, "processName");
      int fns = cfg_is(s, "functions");
      for (xmlNodePtr n = s->children; n; n = n->next)
        if (fns && cfg_is(n, "function"))
          parse_hook_fn(g, n, NULL, process);
        else if (!fns && cfg_is(n, "vtable"))
          parse_hook_vtable(g, n, process);
        else
          cfg_unknown_child(g, n, s);
    } else {
      cfg_unknown_child(g, s, hooks);
    }
  }
}
