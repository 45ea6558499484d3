/* Three levels of -O2 calls without frame pointers down to strdup (the
 * e2e-deep-backtrace target): a backtrace must name every level, and with
 * -g the source line of each and the inlined copy function. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP() __asm__ volatile("" ::: "memory") /* no tail call, no inlining across */

static inline __attribute__((always_inline)) char *copy_inlined(const char *s)
{
  return strdup(s); /* deep_calls.c:COPY_LINE */
}

__attribute__((noinline)) static char *level3(const char *s)
{
  char *p = copy_inlined(s);
  KEEP();
  return p;
}

__attribute__((noinline)) static char *level2(const char *s)
{
  char *p = level3(s);
  KEEP();
  return p;
}

__attribute__((noinline)) static char *level1(const char *s)
{
  char *p = level2(s);
  KEEP();
  return p;
}

int main(void)
{
  for (int i = 0; i < 3; i++) {
    char *p = level1("deep");
    puts(p);
    free(p);
  }
  return 0;
}
