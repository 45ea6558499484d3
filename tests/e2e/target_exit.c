/* Calls write() N times, then exits with a status or dies of a signal:
 *   target_exit N exit CODE | target_exit N segv | target_exit N abort
 *   target_exit N slow: 10 ms between writes, then exit 5 (to attach to) */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc < 3)
    return 2;
  int n = atoi(argv[1]);
  int slow = !strcmp(argv[2], "slow");
  for (int i = 0; i < n; i++) {
    if (write(1, "x", 1) != 1)
      return 3;
    struct timespec ts = { 0, 10 * 1000000L };
    if (slow)
      nanosleep(&ts, NULL);
  }
  if (slow)
    return 5;
  if (!strcmp(argv[2], "exit"))
    return argc > 3 ? atoi(argv[3]) : 0;
  if (!strcmp(argv[2], "segv")) {
    raise(SIGSEGV);
    return 4;
  }
  abort();
}
