/* getopt_long with ospy's refusals (cli_getopt.h): getopt's own messages
 * ("unrecognized option '--bogus'", "invalid option -- 'd'") named neither
 * the word given nor the way to give a file whose name starts with '-', as
 * check, export, import and definitions do. */
#include "cli/cli_getopt.h"
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

/* "--NAME" or "--NAME=VALUE": the length of NAME. */
static size_t long_name_len(const char *word)
{
  const char *eq = strchr(word + 2, '=');
  return eq ? (size_t)(eq - word - 2) : strlen(word + 2);
}

/* The options whose names start with word's name and that getopt_long could
 * not choose between (it takes an exact name, and one of several spellings
 * of the same option): 0 when none or one. */
static int ambiguous_matches(const char *word, const struct option *longopts)
{
  size_t n = long_name_len(word);
  const struct option *first = NULL;
  int distinct = 0;
  for (const struct option *o = longopts; o->name; o++) {
    if (strncmp(o->name, word + 2, n))
      continue;
    if (!o->name[n])
      return 0; /* an exact name is never ambiguous */
    if (!first || o->has_arg != first->has_arg || o->val != first->val)
      distinct++;
    if (!first)
      first = o;
  }
  return distinct > 1 ? distinct : 0;
}

/* "option '--no' is ambiguous (--no-hist, --no-progress)" */
static void say_ambiguous(const char *cmd, const char *word, const struct option *longopts)
{
  size_t n = long_name_len(word);
  fprintf(stderr, "ospy %s: option '%.*s' is ambiguous (", cmd, (int)n + 2, word);
  const char *sep = "";
  for (const struct option *o = longopts; o->name; o++)
    if (!strncmp(o->name, word + 2, n)) {
      fprintf(stderr, "%s--%s", sep, o->name);
      sep = ", ";
    }
  fputs(")\n", stderr);
}

/* The long option word names when getopt_long refused a value it was given
 * ("--hex=1"): the option, or NULL when word is not that. */
static const struct option *long_given_value(const char *word, int val,
                                             const struct option *longopts)
{
  if (strncmp(word, "--", 2) || !strchr(word, '='))
    return NULL;
  size_t n = long_name_len(word);
  for (const struct option *o = longopts; o->name; o++)
    if (!strncmp(o->name, word + 2, n) && o->has_arg == no_argument && o->val == val)
      return o;
  return NULL;
}

static int is_short_cluster(const char *word)
{
  return word[0] == '-' && word[1] && word[1] != '-';
}

/* The argument an unknown short option c was in. getopt_long moves past the
 * argument when c was its last letter ("-Tz": argv[optind - 1]), not when
 * letters follow ("-zT", "-odd.ospy": argv[optind]). An option's value that
 * is itself "-...c" before it can mislead this; the option is still named. */
static const char *short_option_word(int argc, char **argv, int c)
{
  const char *prev = optind > 1 ? argv[optind - 1] : "";
  if (is_short_cluster(prev) && prev[strlen(prev) - 1] == c)
    return prev;
  if (optind < argc && is_short_cluster(argv[optind]) && strchr(argv[optind] + 1, c))
    return argv[optind];
  return NULL;
}

static void say_unknown_short(int argc, char **argv, const char *cmd, const char *operand)
{
  const char *word = short_option_word(argc, argv, optopt);
  if (word && word[1] == optopt) {
    ospy_cli_unknown_option(cmd, word, operand); /* "-odd.ospy": a file, maybe */
    return;
  }
  char name[3] = { '-', (char)optopt, '\0' };
  if (!word) {
    ospy_cli_unknown_option(cmd, name, operand);
    return;
  }
  fprintf(stderr, "ospy %s: unknown option '%s' in '%s'\n", cmd, name, word);
}

/* getopt_long returned ':': word, the last argument, is an option that
 * needs a value ("--so" is said as the --sort it stands for). */
static void say_missing_value(const char *word, const struct option *longopts, const char *cmd)
{
  char name[3] = { '-', (char)optopt, '\0' };
  if (strncmp(word, "--", 2)) {
    ospy_cli_missing_value(cmd, name);
    return;
  }
  size_t n = long_name_len(word);
  for (const struct option *o = longopts; o->name; o++)
    if (!strncmp(o->name, word + 2, n) && o->val == optopt) {
      fprintf(stderr, "ospy %s: --%s needs a value\n", cmd, o->name);
      return;
    }
  ospy_cli_missing_value(cmd, word);
}

/* getopt_long returned '?': say why. */
static void say_refused(int argc, char **argv, const struct option *longopts,
                        const char *cmd, const char *operand)
{
  const char *word = argv[optind - 1]; /* past the refused option, or on it */
  const struct option *o;
  if (optopt == 0) { /* a long option: unknown or ambiguous */
    if (ambiguous_matches(word, longopts))
      say_ambiguous(cmd, word, longopts);
    else
      ospy_cli_unknown_option(cmd, word, operand);
  } else if ((o = long_given_value(word, optopt, longopts))) {
    fprintf(stderr, "ospy %s: --%s takes no value ('%s')\n", cmd, o->name, word);
  } else {
    say_unknown_short(argc, argv, cmd, operand);
  }
}

int ospy_cli_getopt(int argc, char **argv, const char *shortopts,
                    const struct option *longopts, const char *cmd, const char *operand)
{
  /* ':' first (after a '+' or '-') makes getopt_long quiet and tell a
   * missing value (':') from the rest ('?') */
  char opts[64];
  int mode = shortopts[0] == '+' || shortopts[0] == '-';
  snprintf(opts, sizeof opts, "%.*s:%s", mode, shortopts, shortopts + mode);
  opterr = 0;
  int c = getopt_long(argc, argv, opts, longopts, NULL);
  if (c == ':') {
    say_missing_value(argv[optind - 1], longopts, cmd);
    return '?';
  }
  if (c == '?')
    say_refused(argc, argv, longopts, cmd, operand);
  return c;
}
