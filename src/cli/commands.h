/* One entry point per subcommand, each in its own cmd_<name>.c. */
#ifndef OSPY_CLI_COMMANDS_H
#define OSPY_CLI_COMMANDS_H

typedef struct ospy_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} ospy_command;

int cmd_version(int argc, char **argv);
int cmd_expr(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_definitions(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_streams(int argc, char **argv);

#include <stdio.h>
#include <string.h>

/* An option a command that reads its own options does not know: named, with
 * the way to give an operand whose name starts with '-' (the getopt commands
 * get getopt's own message). Usage errors exit with status 2. */
static inline void ospy_cli_unknown_option(const char *cmd, const char *option,
                                           const char *operand)
{
  fprintf(stderr, "ospy %s: unknown option '%s' (a %s that starts with '-' goes after '--')\n",
          cmd, option, operand);
}

/* A known option given last, without its value. */
static inline void ospy_cli_missing_value(const char *cmd, const char *option)
{
  fprintf(stderr, "ospy %s: %s needs a value\n", cmd, option);
}

/* argv[*i] as a long option that takes a value, for the commands that read
 * their own options: "--NAME VALUE" or "--NAME=VALUE", as getopt_long takes
 * it for the others (show, stats, capture, streams). 1: it is that option,
 * *value its value and *i on the last argument it used; 0: it is not; -1:
 * it is, but last and without its value (the caller says so). */
static inline int ospy_cli_value_option(int argc, char **argv, int *i, const char *name,
                                        const char **value)
{
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) || (a[n] && a[n] != '='))
    return 0;
  if (a[n] == '=') {
    *value = a + n + 1;
    return 1;
  }
  if (*i + 1 == argc)
    return -1;
  *value = argv[++*i];
  return 1;
}

/* -o OUT and --format NAME (or --format=NAME), as export and import take
 * them: 1 taken (*i on its last argument), 0 neither, -1 given last without
 * its value. */
static inline int ospy_cli_out_format_option(int argc, char **argv, int *i, const char **out,
                                             const char **fmt)
{
  if (strcmp(argv[*i], "-o"))
    return ospy_cli_value_option(argc, argv, i, "--format", fmt);
  if (*i + 1 == argc)
    return -1;
  *out = argv[++*i];
  return 1;
}

/* --arch NAME as `check` and `expr` take it: 64 (x86-64, x86_64, amd64), 32
 * (i386, x86, i686), 0 for anything else; the names uname -m, Debian's
 * architectures and the toolchains give the two. OSPY_CLI_ARCH_NAMES lists
 * them for the error (tests/cli/options_test.sh tries each one it lists). */
#define OSPY_CLI_ARCH_NAMES "x86-64, x86_64 or amd64; i386, x86 or i686"
static inline int ospy_cli_arch_bits(const char *name)
{
  static const struct { const char *name; int bits; } arches[] = {
    { "x86-64", 64 }, { "x86_64", 64 }, { "amd64", 64 },
    { "i386", 32 },   { "x86", 32 },    { "i686", 32 },
  };
  for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
    if (!strcmp(name, arches[i].name))
      return arches[i].bits;
  return 0;
}

/* Which of descriptors 0-2 ospy was started without (bit n: fd n). main()
 * opens /dev/null on them so that no file, socket or ring ospy opens takes
 * their number (the live view wrote into the ring when stderr was closed);
 * a program ospy starts gets them closed again. */
extern unsigned ospy_std_fds_closed;

#endif
