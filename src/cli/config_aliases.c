/* Hooks of a config at one address under two names (config_aliases.h). */
#include "cli/config_aliases.h"
#include "cli/cxx_names.h"
#include "cli/elf_functions.h"
#include "cli/func_glob.h"
#include "ospy-config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The hooks of one module that name a function by its symbol. */
typedef struct module_hooks {
  const ospy_config *c;
  size_t *index;    /* into c->hooks */
  uint64_t *value;  /* the symbol's address in the file, 0 when not found */
  size_t n;
} module_hooks;

static int by_plain_name(const ospy_plan_hook *h)
{
  return (h->kind == OSPY_HOOK_EXPORT || h->kind == OSPY_HOOK_SYMTAB) && h->module[0] &&
         h->symbol && h->symbol[0] && !ospy_cxx_name_like(h->symbol);
}

static int note_value(const char *name, uint64_t value, void *data)
{
  module_hooks *g = data;
  for (size_t k = 0; k < g->n; k++)
    if (!g->value[k] && !strcmp(g->c->hooks[g->index[k]].h.symbol, name))
      g->value[k] = value; /* (the first definition: .symtab, then .dynsym) */
  return 0;
}

/* Whether two hooks' definitions show a call alike (both raw: no). */
static const ospy_spec_fn *definition(const ospy_config *c, const ospy_plan_hook *h)
{
  return h->spec_index == OSPY_PLAN_NO_SPEC ? NULL : ospy_spec_table_fn(c->specs, h->spec_index);
}

static int alike(const ospy_config *c, const ospy_plan_hook *a, const ospy_plan_hook *b)
{
  const ospy_spec_fn *fa = definition(c, a), *fb = definition(c, b);
  return fa && fb && ospy_spec_fn_alike(fa, fb);
}

/* Warns of each hook of g at the address of an earlier one, named apart. */
static void warn_aliases(const module_hooks *g, const char *file, const char *path,
                         ospy_diag *diag)
{
  for (size_t j = 1; j < g->n; j++) {
    const ospy_config_hook *hj = &g->c->hooks[g->index[j]];
    for (size_t k = 0; k < j && g->value[j]; k++) {
      const ospy_config_hook *hk = &g->c->hooks[g->index[k]];
      if (g->value[k] != g->value[j] || !strcmp(hk->h.symbol, hj->h.symbol) ||
          strcmp(hk->h.process, hj->h.process) || alike(g->c, &hk->h, &hj->h))
        continue;
      ospy_diag_warning(diag, path, hj->line, hj->col, "%s: the same function as %s (line %u): "
                        "%s and %s are two names of one address in %s, hooked once: its calls "
                        "are recorded under %s and its definition", hj->h.display, hk->h.display,
                        hk->line, hk->h.symbol, hj->h.symbol, file, hk->h.display);
      break;
    }
  }
}

/* The hooks of module from hooks[first] on (done: taken already). */
static void check_module(const ospy_config *c, size_t first, char *done, const char *path,
                         ospy_diag *diag)
{
  const char *module = c->hooks[first].h.module;
  module_hooks g = { .c = c, .index = calloc(c->nhooks, sizeof *g.index),
                     .value = calloc(c->nhooks, sizeof *g.value) };
  for (size_t i = first; g.index && g.value && i < c->nhooks; i++)
    if (!done[i] && by_plain_name(&c->hooks[i].h) && !strcmp(c->hooks[i].h.module, module)) {
      done[i] = 1;
      g.index[g.n++] = i;
    }
  char file[PATH_MAX];
  ospy_func_files none = { 0 };
  if (g.n > 1 && strchr(module, '/'))
    snprintf(file, sizeof file, "%s", module);
  else if (g.n < 2 || ospy_func_module_path(&none, c->arch_bits, module, file, sizeof file) != 1)
    file[0] = 0;
  if (file[0] && ospy_elf_functions(file, c->arch_bits, note_value, &g) == 0)
    warn_aliases(&g, file, path, diag);
  free(g.index);
  free(g.value);
}

int ospy_config_is_shipped_preset(const char *path)
{
  char dir[PATH_MAX], file[PATH_MAX];
  if (!realpath(OSPY_CONFIGS_DIR, dir) || !realpath(path, file))
    return 0;
  size_t len = strlen(dir);
  return !strncmp(file, dir, len) && file[len] == '/' && !strchr(file + len + 1, '/');
}

void ospy_config_check_aliases(const ospy_config *c, const char *path, ospy_diag *diag)
{
  if (!c->nhooks || ospy_config_is_shipped_preset(path))
    return;
  char *done = calloc(c->nhooks, 1);
  for (size_t i = 0; done && i < c->nhooks; i++)
    if (!done[i] && by_plain_name(&c->hooks[i].h))
      check_module(c, i, done, path, diag);
  free(done);
}
