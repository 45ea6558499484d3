/* The shipped catalogue: every configs/ preset, loaded for one architecture,
 * and the function patterns of -f and `ospy definitions`. */
#include "cli/catalogue.h"

#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ospy-config.h"

static int preset_file(const struct dirent *e)
{
  size_t n = strlen(e->d_name);
  return n > 4 && n - 4 < sizeof ((ospy_catalogue_preset *)0)->name &&
         !strcmp(e->d_name + n - 4, ".xml");
}

int ospy_catalogue_load(unsigned arch_bits, ospy_catalogue *cat, const char *who)
{
  struct dirent **names;
  cat->presets = NULL;
  cat->n = 0;
  int n = scandir(OSPY_CONFIGS_DIR, &names, preset_file, alphasort);
  if (n < 0) {
    fprintf(stderr, "%s: cannot read the catalogue %s\n", who, OSPY_CONFIGS_DIR);
    return -1;
  }
  int status = 0;
  cat->presets = calloc(n ? (size_t)n : 1, sizeof *cat->presets);
  for (int i = 0; i < n; i++) {
    const char *file = names[i]->d_name;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", OSPY_CONFIGS_DIR, file);
    ospy_diag d;
    ospy_diag_init(&d);
    ospy_config *c = NULL;
    if (!cat->presets) {
      status = -1;
    } else if (ospy_config_load(path, arch_bits, &c, &d) < 0) {
      fprintf(stderr, "%s: preset %s does not load:\n", who, path);
      ospy_diag_print(&d, stderr);
      status = -1;
    } else {
      ospy_catalogue_preset *p = &cat->presets[cat->n++];
      snprintf(p->name, sizeof p->name, "%.*s", (int)(strlen(file) - 4), file);
      p->c = c;
    }
    ospy_diag_free(&d);
    free(names[i]);
  }
  free(names);
  if (!cat->presets)
    fprintf(stderr, "%s: out of memory\n", who);
  return status;
}

void ospy_catalogue_free(ospy_catalogue *cat)
{
  for (size_t i = 0; i < cat->n; i++)
    ospy_config_free(cat->presets[i].c);
  free(cat->presets);
  cat->presets = NULL;
  cat->n = 0;
}

int ospy_is_glob(const char *s)
{
  return strpbrk(s, "*?[") != NULL;
}

int ospy_func_pattern_split(const char *item, char *module, size_t mcap, char *func,
                            size_t fcap, const char *who)
{
  const char *bang = strchr(item, '!');
  module[0] = 0;
  if (bang) {
    size_t n = (size_t)(bang - item);
    if (n >= mcap || !n) {
      fprintf(stderr, "%s: '%s': %s module name\n", who, item, n ? "too long a" : "empty");
      return -1;
    }
    memcpy(module, item, n);
    module[n] = 0;
  }
  const char *f = bang ? bang + 1 : item;
  /* a C++ name as nm -C prints it may hold spaces, parentheses and commas
   * (also an operator of the global namespace: "operator new") */
  int cxx = strstr(f, "::") || strchr(f, '(') ||
            (!strncmp(f, "operator", 8) && strchr(" <>=!+-*/%&|^~[,", f[8]) && f[8]);
  if (!*f || strlen(f) >= fcap || strpbrk(f, cxx ? "\t!" : " \t()!,")) {
    fprintf(stderr, "%s: '%s' is not a function name or pattern\n", who, item);
    return -1;
  }
  strcpy(func, f);
  return 0;
}

int ospy_catalogue_hook_matches(const ospy_config *c, size_t i, const char *module,
                                const char *func)
{
  const ospy_plan_hook *h = &c->hooks[i].h;
  if (h->kind == OSPY_HOOK_VTABLE)
    return 0;
  /* a module named by its path (/lib/x86_64-linux-gnu/libc.so.6) is the
   * catalogue's by its file name */
  const char *slash = strrchr(module, '/');
  if (module[0] && fnmatch(slash ? slash + 1 : module, h->module, 0))
    return 0;
  if (h->symbol[0] && !fnmatch(func, h->symbol, 0))
    return 1;
  const ospy_spec_fn *fn = ospy_spec_table_fn(c->specs, h->spec_index);
  return fn && !fnmatch(func, fn->name, 0);
}
