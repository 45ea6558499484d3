/* getopt_long for the commands that parse their options with it (show,
 * stats, diff, streams, capture), with the refusals worded as the commands
 * that read their own options word them (commands.h): the option named, and
 * how to give an operand whose name starts with '-'. */
#ifndef OSPY_CLI_GETOPT_H
#define OSPY_CLI_GETOPT_H

#include <getopt.h>

/* One option as getopt_long returns it, for `ospy CMD` whose operands are
 * called OPERAND ("FILE", "PROGRAM"). shortopts as getopt_long takes them
 * ("+" first for capture; the ':' that silences getopt is added here). An
 * option refused (unknown, ambiguous, without the value it needs, with one
 * it does not take) is said on stderr and returned as '?': the caller
 * prints its usage and exits with status 2. */
int ospy_cli_getopt(int argc, char **argv, const char *shortopts,
                    const struct option *longopts, const char *cmd, const char *operand);

#endif
