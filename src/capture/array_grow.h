/* Room for one more element in a realloc'd array: the readers' tables of
 * processes and modules. */
#ifndef OSPY_CAPTURE_ARRAY_GROW_H
#define OSPY_CAPTURE_ARRAY_GROW_H

#include <stdlib.h>

/* *arr holds n of *cap elements of elem bytes: doubles it when full.
 * 0, or -1 (out of memory; *arr unchanged). */
static inline int ospy_array_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
  if (n < *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 16;
  void *p = realloc(*arr, ncap * elem);
  if (!p)
    return -1;
  *arr = p;
  *cap = ncap;
  return 0;
}

#endif
