/* Calls write() N times, then exits with a status or dies of a signal:
 *   target_exit N exit CODE | target_exit N segv | target_exit N abort */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc < 3)
    return 2;
  int n = atoi(argv[1]);
  for (int i = 0; i < n; i++)
    if (write(1, "x", 1) != 1)
      return 3;
  if (!strcmp(argv[2], "exit"))
    return argc > 3 ? atoi(argv[3]) : 0;
  if (!strcmp(argv[2], "segv")) {
    raise(SIGSEGV);
    return 4;
  }
  abort();
}
