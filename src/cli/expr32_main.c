/* ospy-expr32: `ospy expr` built for i386, where i386 JIT code can run. The
 * 64-bit ospy hands `expr --arch i386 --eval` over to it (cmd_expr.c); its
 * arguments are those of `ospy expr`. */
#include "cli/commands.h"

int main(int argc, char **argv)
{
  static char name[] = "ospy expr";
  if (argc > 0)
    argv[0] = name; /* messages name the command the user typed */
  return cmd_expr(argc, argv);
}
