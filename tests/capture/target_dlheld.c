/* Test target for Ctrl-C during an injection that cannot finish
 * (e2e-attach-give-up): a second thread dlopens a library whose constructor
 * waits for the file argv[2], holding the dynamic loader's lock meanwhile
 * (glibc runs constructors under it), while the main thread spins in the
 * program's own code: a moment the injector takes, and a dlopen injected
 * there waits for the loader's lock as long as the constructor does. Once
 * the library is loaded the main thread says how long it spun and exits 0.
 *   target_dlheld LIBRARY RELEASEFILE  (the library: target_dlheld_lib.c) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_int loaded;

static void *load(void *path)
{
  if (!dlopen(path, RTLD_NOW)) {
    printf("dlopen: %s\n", dlerror());
    exit(1);
  }
  atomic_store(&loaded, 1);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc != 3 || setenv("HELD_UNTIL", argv[2], 1) < 0)
    return 2;
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  pthread_t t;
  if (pthread_create(&t, NULL, load, argv[1]) != 0)
    return 1;
  unsigned long spins = 0;
  while (!atomic_load_explicit(&loaded, memory_order_relaxed))
    spins++;
  pthread_join(t, NULL);
  printf("loaded after %s spins OK\n", spins ? "some" : "no");
  return 0;
}
