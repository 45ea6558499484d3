/* The library target_dlheld loads: its constructor says "held" and waits
 * for the file $HELD_UNTIL, the dynamic loader's lock held meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((constructor)) static void hold(void)
{
  const char *until = getenv("HELD_UNTIL");
  printf("held\n");
  fflush(stdout);
  while (until && access(until, F_OK) != 0) {
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
}
