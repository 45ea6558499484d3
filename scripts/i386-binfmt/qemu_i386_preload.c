/* binfmt_misc interpreter for i386 ELF programs on an x86-64 kernel built
 * without IA32 emulation (registered by scripts/i386-binfmt/register.sh).
 *
 * It runs the program under qemu-i386, handing LD_PRELOAD to the emulated
 * program instead of the 64-bit qemu process (whose loader would reject a
 * 32-bit agent with an error on stderr). Registered with the P flag:
 *   argv = [this, /full/path/program, original argv0, args...]
 * OSPY_UNDER_QEMU_I386=1 tells tests they run emulated. Static, so the
 * loader never sees LD_PRELOAD here either. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QEMU "/usr/bin/qemu-i386"

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "qemu-i386-preload: expected binfmt_misc arguments\n");
    return 127;
  }
  char **av = calloc((size_t)argc + 8, sizeof *av);
  char *preload = NULL;
  const char *p = getenv("LD_PRELOAD");
  if (!av)
    return 127;
  if (p && *p) {
    preload = malloc(strlen(p) + sizeof "LD_PRELOAD=");
    if (!preload)
      return 127;
    strcpy(preload, "LD_PRELOAD=");
    strcat(preload, p);
  }
  unsetenv("LD_PRELOAD");
  int n = 0;
  av[n++] = QEMU;
  av[n++] = "-0";
  av[n++] = argv[2];
  av[n++] = "-E";
  av[n++] = "OSPY_UNDER_QEMU_I386=1";
  if (preload) {
    av[n++] = "-E";
    av[n++] = preload;
  }
  av[n++] = argv[1];
  for (int i = 3; i < argc; i++)
    av[n++] = argv[i];
  av[n] = NULL;
  execv(QEMU, av);
  perror("qemu-i386-preload: " QEMU);
  return 127;
}
