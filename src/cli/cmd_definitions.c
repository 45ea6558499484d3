/*
 * ospy definitions [PATTERN]: the functions the shipped catalogue (configs/,
 * one preset per file) describes, and the preset each comes from; and the
 * preset lookup of `ospy capture --preset NAME`.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/catalogue.h"
#include "cli/cmd_capture.h"
#include "cli/commands.h"
#include "config/config.h"
#include "ospy-config.h"

static int is_preset_file(const char *name)
{
  size_t n = strlen(name);
  return n > 4 && !strcmp(name + n - 4, ".xml");
}

static int preset_entry(const struct dirent *e)
{
  return is_preset_file(e->d_name);
}

/* In name order (the directory's own order changes from one file system to
 * another). */
static void list_presets(FILE *out)
{
  struct dirent **names = NULL;
  int n = scandir(OSPY_CONFIGS_DIR, &names, preset_entry, alphasort);
  fprintf(out, "presets in %s:", OSPY_CONFIGS_DIR);
  for (int i = 0; i < n; i++) {
    fprintf(out, " %.*s", (int)(strlen(names[i]->d_name) - 4), names[i]->d_name);
    free(names[i]);
  }
  fputc('\n', out);
  free(names);
}

int ospy_preset_path(const char *name, char *out, size_t cap)
{
  if (!*name || strchr(name, '/') || strchr(name, '.') ||
      (size_t)snprintf(out, cap, "%s/%s.xml", OSPY_CONFIGS_DIR, name) >= cap ||
      access(out, R_OK) < 0) {
    fprintf(stderr, "ospy: no preset named '%s'; ", name);
    list_presets(stderr);
    return -1;
  }
  return 0;
}

static void definitions_usage(FILE *out)
{
  fprintf(out,
          "usage: ospy definitions [--] [PATTERN]   (FUNC or MODULE!FUNC, globs: 'SSL_*', 'libz.so.*!*')\n"
          "  lists the catalogue's functions as PRESET MODULE!FUNC, the lookup `ospy capture -f` uses\n");
}

/* Whether preset `name` of cat hooks a function shown as display. */
static int preset_hooks(const ospy_catalogue *cat, const char *name, const char *display)
{
  for (size_t p = 0; p < cat->n; p++) {
    if (strcmp(cat->presets[p].name, name))
      continue;
    const ospy_config *c = cat->presets[p].c;
    for (size_t i = 0; i < c->nhooks; i++)
      if (!strcmp(c->hooks[i].h.display, display))
        return 1;
  }
  return 0;
}

/* The hooks of cat that match, as PRESET MODULE!FUNC; those the other
 * architecture's catalogue lacks (a hook with arch=, i386 glibc's
 * __fstat64_time64) marked with arch, listed when cat is the first one (the
 * x86-64 list, which holds every other hook too) or they are one-arch. */
static unsigned list_matches(const ospy_catalogue *cat, const ospy_catalogue *other,
                             const char *arch, const char *module, const char *func)
{
  unsigned count = 0;
  int first = !strcmp(arch, "x86-64");
  for (size_t p = 0; p < cat->n; p++) {
    const ospy_config *c = cat->presets[p].c;
    for (size_t i = 0; i < c->nhooks; i++) {
      const char *display = c->hooks[i].h.display;
      if (!ospy_catalogue_hook_matches(c, i, module, func))
        continue;
      int both = preset_hooks(other, cat->presets[p].name, display);
      if (both && !first)
        continue;
      if (both)
        printf("%-8s %s\n", cat->presets[p].name, display);
      else
        printf("%-8s %s (%s only)\n", cat->presets[p].name, display, arch);
      count++;
    }
  }
  return count;
}

int cmd_definitions(int argc, char **argv)
{
  if (argc > 1 && !strcmp(argv[1], "--")) { /* PATTERN as it is, even "-h" */
    argv[1] = argv[0];
    argc--;
    argv++;
  } else if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    definitions_usage(stdout);
    return 0;
  } else if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
    ospy_cli_unknown_option("definitions", argv[1], "PATTERN");
    definitions_usage(stderr);
    return 2;
  }
  if (argc > 2) {
    fprintf(stderr, "ospy definitions: one PATTERN at a time ('%s' and '%s')\n", argv[1], argv[2]);
    definitions_usage(stderr);
    return 2;
  }
  char module[256] = "", func[256] = "*";
  if (argc == 2 && ospy_func_pattern_split(argv[1], module, sizeof module, func, sizeof func,
                                           "ospy definitions") < 0)
    return 2;
  ospy_catalogue cat, cat32;
  int status = ospy_catalogue_load(64, &cat, "ospy definitions") < 0 ? 1 : 0;
  if (ospy_catalogue_load(32, &cat32, "ospy definitions") < 0)
    status = 1;
  unsigned count = list_matches(&cat, &cat32, "x86-64", module, func) +
                   list_matches(&cat32, &cat, "i386", module, func);
  ospy_catalogue_free(&cat);
  ospy_catalogue_free(&cat32);
  if (!count && !status) {
    fprintf(stderr, "ospy definitions: no function matches '%s'\n", argc == 2 ? argv[1] : "*");
    return 1;
  }
  return status;
}
