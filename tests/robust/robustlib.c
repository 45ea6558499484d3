/* Functions the robustness tests hook (tests/robust/robust.xml), in a shared
 * library so that they are exported and long enough for an inline hook. */
#include <unistd.h>

#include "robustlib.h"

volatile int robust_bias; /* read so that no call is folded away */

/* Spins for n rounds and returns a hash of them: a hooked call that lasts,
 * so that signals land inside it. */
unsigned robust_work(unsigned n)
{
  unsigned h = 2166136261u + (unsigned)robust_bias;
  for (unsigned i = 0; i < n; i++)
    h = (h ^ i) * 16777619u;
  return h;
}

/* The expected value of robust_work(n), computed without the hook. */
unsigned robust_work_expected(unsigned n)
{
  unsigned h = 2166136261u;
  for (unsigned i = 0; i < n; i++)
    h = (h ^ i) * 16777619u;
  return h;
}

long robust_mix(long a, long b)
{
  return a * 3 + b + robust_bias;
}

/* Replaces the process image from inside a hooked call (the call never
 * returns when the exec succeeds). */
int robust_exec(const char *path, char *const argv[])
{
  execv(path, argv);
  return -1;
}
