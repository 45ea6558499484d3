/* The library tests/e2e/target_dlopen.c loads and unloads. */
#include <stdint.h>

int ospy_dlib_mul(int a, int b);

/* Not exported: found in the library's .symtab (-f ospy_dlib_add_one). */
__attribute__((noinline, noclone)) static int ospy_dlib_add_one(int64_t r)
{
  volatile int64_t v = r; /* long enough to patch */
  return (int)(v + 1);
}

__attribute__((noinline)) int ospy_dlib_mul(int a, int b)
{
  volatile int64_t r = (int64_t)a * b; /* long enough to patch, not inlined */
  return ospy_dlib_add_one(r);
}
