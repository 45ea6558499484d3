/* Exec'd by robust-target (fork storm): calls robust_mix N times with a
 * marker and exits with the status it is given.
 *   robust-exec MARKER N STATUS */
#include <stdio.h>
#include <stdlib.h>

#include "robustlib.h"

int main(int argc, char **argv)
{
  if (argc != 4)
    return 99;
  long marker = atol(argv[1]), n = atol(argv[2]);
  for (long i = 0; i < n; i++)
    if (robust_mix(marker, i) != marker * 3 + i)
      return 98;
  return atoi(argv[3]);
}
