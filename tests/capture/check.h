/* Minimal assertions for the capture tests. */
#ifndef OSPY_TESTS_CAPTURE_CHECK_H
#define OSPY_TESTS_CAPTURE_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)
#endif
