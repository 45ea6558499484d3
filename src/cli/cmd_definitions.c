/*
 * ospy definitions [PATTERN]: the functions the shipped catalogue (configs/,
 * one preset per file) describes, and the preset each comes from; and the
 * preset lookup of `ospy capture --preset NAME`.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_capture.h"
#include "cli/commands.h"
#include "config/config.h"
#include "ospy-config.h"

static int is_preset_file(const char *name)
{
  size_t n = strlen(name);
  return n > 4 && !strcmp(name + n - 4, ".xml");
}

static void list_presets(FILE *out)
{
  DIR *d = opendir(OSPY_CONFIGS_DIR);
  struct dirent *e;
  fprintf(out, "presets in %s:", OSPY_CONFIGS_DIR);
  while (d && (e = readdir(d)))
    if (is_preset_file(e->d_name))
      fprintf(out, " %.*s", (int)(strlen(e->d_name) - 4), e->d_name);
  fputc('\n', out);
  if (d)
    closedir(d);
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

/* Prints the hooks of one preset that match pattern; counts them. */
static int list_one(const char *file, const char *pattern, unsigned *count)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", OSPY_CONFIGS_DIR, file);
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  if (ospy_config_load(path, 64, &c, &d) < 0) {
    ospy_diag_print(&d, stderr);
    ospy_diag_free(&d);
    return -1;
  }
  ospy_diag_free(&d);
  for (size_t i = 0; i < c->nhooks; i++) {
    const ospy_plan_hook *h = &c->hooks[i].h;
    if (pattern && fnmatch(pattern, h->symbol, 0) && fnmatch(pattern, h->display, 0))
      continue;
    printf("%-8.*s %s\n", (int)(strlen(file) - 4), file, h->display);
    (*count)++;
  }
  ospy_config_free(c);
  return 0;
}

int cmd_definitions(int argc, char **argv)
{
  if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
    fprintf(argc > 2 ? stderr : stdout,
            "usage: ospy definitions [PATTERN]   (a glob over function names, e.g. 'SSL_*')\n");
    return argc > 2 ? 2 : 0;
  }
  const char *pattern = argc == 2 ? argv[1] : NULL;
  struct dirent **names;
  int n = scandir(OSPY_CONFIGS_DIR, &names, NULL, alphasort);
  if (n < 0) {
    fprintf(stderr, "ospy definitions: cannot read %s\n", OSPY_CONFIGS_DIR);
    return 1;
  }
  unsigned count = 0;
  int status = 0;
  for (int i = 0; i < n; i++) {
    if (is_preset_file(names[i]->d_name) && list_one(names[i]->d_name, pattern, &count) < 0)
      status = 1;
    free(names[i]);
  }
  free(names);
  if (!count && !status) {
    fprintf(stderr, "ospy definitions: no function matches '%s'\n", pattern ? pattern : "*");
    return 1;
  }
  return status;
}
