/* ospy check CONFIG: validate a config and print the resolved plan. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/config_aliases.h"
#include "config/config.h"

static void check_usage(FILE *out)
{
  fprintf(out, "usage: ospy check [--arch x86-64|i386] [-q] [--] CONFIG\n"
               "Validates an oSpy config.xml and prints the hooks it resolves to,\n"
               "with their function specs. Exit status 0 when valid, 1 otherwise.\n"
               "  -q   errors only: no warnings, no plan\n");
}

int cmd_check(int argc, char **argv)
{
  unsigned bits = 64;
  int quiet = 0;
  const char *path = NULL, *arch;
  int options = 1; /* until "--": then CONFIG may start with '-' */
  for (int i = 1; i < argc; i++) {
    int got;
    if (options && !strcmp(argv[i], "--")) {
      options = 0;
    } else if (!options || argv[i][0] != '-' || !argv[i][1]) {
      if (path) {
        fprintf(stderr, "ospy check: one config at a time ('%s' and '%s')\n", path, argv[i]);
        check_usage(stderr);
        return 2;
      }
      path = argv[i];
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      check_usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if ((got = ospy_cli_value_option(argc, argv, &i, "--arch", &arch)) != 0) {
      if (got < 0) {
        ospy_cli_missing_value("check", "--arch");
        check_usage(stderr);
        return 2;
      }
      bits = (unsigned)ospy_cli_arch_bits(arch);
      if (!bits) {
        fprintf(stderr, "ospy check: unknown architecture '%s' (" OSPY_CLI_ARCH_NAMES ")\n",
                arch);
        return 2;
      }
    } else {
      ospy_cli_unknown_option("check", argv[i], "CONFIG");
      check_usage(stderr);
      return 2;
    }
  }
  if (!path) {
    check_usage(stderr);
    return 2;
  }
  ospy_diag diag;
  ospy_diag_init(&diag);
  ospy_config *c;
  int rc = ospy_config_load(path, bits, &c, &diag);
  if (rc == 0) /* (the module files it can find: two names of one function) */
    ospy_config_check_aliases(c, path, &diag);
  if (quiet)
    ospy_diag_print_errors(&diag, stderr);
  else
    ospy_diag_print(&diag, stderr);
  if (rc < 0) {
    fprintf(stderr, "%s: %u error%s\n", path, diag.errors, diag.errors == 1 ? "" : "s");
    ospy_diag_free(&diag);
    return 1;
  }
  if (!quiet)
    ospy_config_print(c, stdout);
  ospy_config_free(c);
  ospy_diag_free(&diag);
  return 0;
}
