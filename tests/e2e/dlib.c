/* The library tests/e2e/target_dlopen.c loads and unloads. */
#include <stdint.h>

int ospy_dlib_mul(int a, int b);

__attribute__((noinline)) int ospy_dlib_mul(int a, int b)
{
  volatile int64_t r = (int64_t)a * b; /* long enough to patch, not inlined */
  return (int)(r + 1);
}
