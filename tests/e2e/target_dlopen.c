/* e2e case "dlclose": loads a library, calls its function, unloads it, and
 * again, ROUNDS times; ospy must hook it at every load and drop the hooks
 * safely at every unload (nothing recorded lost, no crash), and the library
 * must really be unloaded each time, as without ospy.
 *   e2e-target-dlopen LIBRARY ROUNDS CALLS [global] */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  if (argc != 4 && argc != 5)
    return 2;
  int mode = argc == 5 ? RTLD_GLOBAL : RTLD_LOCAL;
  int rounds = atoi(argv[2]), calls = atoi(argv[3]);
  long sum = 0;
  for (int r = 0; r < rounds; r++) {
    void *h = dlopen(argv[1], RTLD_NOW | mode);
    if (!h) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    int (*mul)(int, int) = (int (*)(int, int))dlsym(h, "ospy_dlib_mul");
    if (!mul)
      return 1;
    for (int i = 0; i < calls; i++)
      sum += mul(r, i);
    if (dlclose(h) != 0)
      return 1;
    void *still = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
    if (still) {
      fprintf(stderr, "round %d: still loaded after dlclose\n", r);
      return 3;
    }
  }
  printf("calls=%d sum=%ld\n", rounds * calls, sum);
  return 0;
}
